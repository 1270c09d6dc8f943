//! Extractors whose rejections are our problem responses. A JSON body must be sent as
//! `application/json` (else 415 `unsupported_media_type`) and be the object its
//! operation documents (an array, `null` or a bare value is 422 `body_not_object`, and
//! nothing runs); malformed JSON is `invalid_json`; a query string that does not parse
//! is `invalid_query`; a malformed id in a path is `not_found`.

use crate::error::ApiError;
use axum::body::Bytes;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::{StatusCode, header};
use domain::ErrorCode;
use serde::de::DeserializeOwned;

pub struct Json<T>(pub T);

fn is_json(content_type: Option<&str>) -> bool {
    let Some(ct) = content_type else { return false };
    let mime = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        if !is_json(req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok())) {
            return Err(ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, ErrorCode::UnsupportedMediaType));
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|_| ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::PayloadTooLarge))?;
        // serde builds a struct from a JSON array too (positionally): only an object is
        // the documented shape.
        if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
            return match serde_json::from_slice::<serde_json::Value>(&bytes) {
                Ok(_) => Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::BodyNotObject)),
                Err(_) => Err(ApiError::new(StatusCode::BAD_REQUEST, ErrorCode::InvalidJson)),
            };
        }
        serde_json::from_slice(&bytes)
            .map(Json)
            .map_err(|_| ApiError::new(StatusCode::BAD_REQUEST, ErrorCode::InvalidJson))
    }
}

#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct Path<T>(pub T);

impl From<PathRejection> for ApiError {
    fn from(_: PathRejection) -> Self {
        ApiError::not_found()
    }
}

#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct Query<T>(pub T);

impl From<QueryRejection> for ApiError {
    fn from(_: QueryRejection) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, ErrorCode::InvalidQuery)
    }
}

impl<T: serde::Serialize> axum::response::IntoResponse for Json<T> {
    fn into_response(self) -> axum::response::Response {
        axum::Json(self.0).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_content_types() {
        assert!(is_json(Some("application/json")));
        assert!(is_json(Some("application/json; charset=utf-8")));
        assert!(is_json(Some("application/merge-patch+json")));
        assert!(!is_json(Some("text/plain")));
        assert!(!is_json(Some("application/x-www-form-urlencoded")));
        assert!(!is_json(None));
    }
}
