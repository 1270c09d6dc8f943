//! The web app, built by Vite into `web/dist` and embedded in the binary. Every path
//! that is not a file gets `index.html`, so `/admin/…` and `/bureau/…` load the app.

use crate::error::ApiError;
use axum::http::{HeaderValue, Method, Uri, header};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "../../web/dist"]
struct Web;

pub async fn serve(method: Method, uri: Uri) -> Response {
    let path = uri.path().trim_start_matches('/');
    if path.starts_with("api/") || (method != Method::GET && method != Method::HEAD) {
        return ApiError::not_found().into_response();
    }
    if let Some(file) = (!path.is_empty()).then(|| Web::get(path)).flatten() {
        let mime = file.metadata.mimetype().to_owned();
        let mut resp = file.data.into_owned().into_response();
        let h = resp.headers_mut();
        if let Ok(v) = HeaderValue::from_str(&mime) {
            h.insert(header::CONTENT_TYPE, v);
        }
        // Vite puts a content hash in every name under assets/.
        let cache = if path.starts_with("assets/") { "public, max-age=31536000, immutable" } else { "no-cache" };
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
        return resp;
    }
    match Web::get("index.html") {
        Some(index) => {
            let mut resp = index.data.into_owned().into_response();
            resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
            resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
            resp
        }
        None => ApiError::not_found().into_response(),
    }
}
