//! The one error type of the API. Every error answers `application/problem+json` with a
//! stable `code` and a message in the caller's language; internal causes are logged,
//! never sent.

use crate::i18n::{Lang, message};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::member_row::LineError;
use domain::{ErrorCode, FieldError};
use serde_json::json;
use store::StoreError;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: ErrorCode,
    pub fields: Vec<FieldError>,
    pub lines: Vec<LineError>,
    /// Set by the `localize` middleware from the request's `Accept-Language`.
    pub lang: Lang,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(status: StatusCode, code: ErrorCode) -> Self {
        Self { status, code, fields: Vec::new(), lines: Vec::new(), lang: Lang::ZhHant }
    }
    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, ErrorCode::NotFound)
    }
    pub fn forbidden() -> Self {
        Self::new(StatusCode::FORBIDDEN, ErrorCode::Forbidden)
    }
    pub fn unauthenticated() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, ErrorCode::Unauthenticated)
    }
    pub fn invalid(fields: Vec<FieldError>) -> Self {
        Self { fields, ..Self::new(StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidInput) }
    }
    pub fn field(field: &str, invalid: domain::Invalid) -> Self {
        Self::invalid(vec![FieldError::new(field, invalid)])
    }
    pub fn import(lines: Vec<LineError>) -> Self {
        Self { lines, ..Self::new(StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ImportInvalid) }
    }
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(%cause, "internal error");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::Internal)
    }
}

impl From<domain::interconnection::Refusal> for ApiError {
    fn from(r: domain::interconnection::Refusal) -> Self {
        use domain::interconnection::Refusal as R;
        let status = match r {
            R::NotAdmin | R::NotInitiator => StatusCode::FORBIDDEN,
            R::InvitationExpired | R::InvitationUsed | R::InvitationRevoked => StatusCode::GONE,
            R::OtherSchool | R::FilingRequired | R::FilingCampuses | R::CannotRemoveInitiator => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            R::AlreadyMember | R::NotMember | R::Dissolved => StatusCode::CONFLICT,
        };
        ApiError::new(status, ErrorCode::Refused(r))
    }
}

impl From<domain::chat::ChatRefusal> for ApiError {
    fn from(r: domain::chat::ChatRefusal) -> Self {
        use domain::chat::ChatRefusal as R;
        let status = match r {
            R::NotOwner | R::NotSender | R::BureauCannotChat => StatusCode::FORBIDDEN,
            R::ReadOnly | R::RecallExpired | R::ClientIdReused | R::OwnerCannotLeave => StatusCode::CONFLICT,
            R::GroupTooLarge | R::MentionNotMember | R::WithSelf | R::NotGroup | R::TooManyReactions => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
        };
        ApiError::new(status, ErrorCode::Chat(r))
    }
}

impl From<domain::call::CallRefusal> for ApiError {
    fn from(r: domain::call::CallRefusal) -> Self {
        use domain::call::CallRefusal as R;
        let status = match r {
            R::NotHost => StatusCode::FORBIDDEN,
            R::Busy | R::Full => StatusCode::CONFLICT,
            R::Ended => StatusCode::GONE,
            R::BadOffer => StatusCode::UNPROCESSABLE_ENTITY,
            R::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        };
        ApiError::new(status, ErrorCode::Call(r))
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        use domain::Invalid;
        match e {
            StoreError::NotFound => ApiError::not_found(),
            StoreError::Duplicate(store::Unique::Login) => {
                let mut e = ApiError::new(StatusCode::CONFLICT, ErrorCode::DuplicateLogin);
                e.fields.push(FieldError::new("login", Invalid::DuplicateLogin));
                e
            }
            // Numbers are drawn again on a collision; one that still collides is ours.
            StoreError::Duplicate(store::Unique::FilingNumber) => ApiError::internal("filing numbers collided"),
            // A call started on two nodes at once is settled by `calls::start`.
            StoreError::Duplicate(store::Unique::Call) => ApiError::internal("two calls in one conversation"),
            StoreError::Duplicate(store::Unique::Code) => {
                let mut e = ApiError::new(StatusCode::CONFLICT, ErrorCode::DuplicateCode);
                e.fields.push(FieldError::new("code", Invalid::DuplicateCode));
                e
            }
            StoreError::Duplicate(store::Unique::DepartmentName) => {
                let mut e = ApiError::new(StatusCode::CONFLICT, ErrorCode::DuplicateDepartment);
                e.fields.push(FieldError::new("name_zh", Invalid::DuplicateName));
                e
            }
            StoreError::UnknownDepartment => ApiError::field("department_ids", Invalid::UnknownDepartment),
            StoreError::DepartmentCycle => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::DepartmentCycle),
            StoreError::DepartmentNotEmpty => ApiError::new(StatusCode::CONFLICT, ErrorCode::DepartmentNotEmpty),
            StoreError::ImportRefused(lines) => ApiError::import(lines),
            StoreError::ClientIdReused => domain::chat::ChatRefusal::ClientIdReused.into(),
            StoreError::NotMember => domain::chat::ChatRefusal::ReadOnly.into(),
            StoreError::AttachmentUnavailable => ApiError::field("attachment_id", Invalid::InvalidFormat),
            StoreError::TooManyReactions => domain::chat::ChatRefusal::TooManyReactions.into(),
            StoreError::Conflict(c) => {
                use domain::interconnection::Refusal as R;
                use store::Conflict as C;
                match c {
                    C::FilingNotPending => ApiError::new(StatusCode::CONFLICT, ErrorCode::FilingNotPending),
                    C::InvitationUsed => R::InvitationUsed.into(),
                    C::InvitationRevoked => R::InvitationRevoked.into(),
                    C::InvitationExpired => R::InvitationExpired.into(),
                    C::ConfirmationRequired => ApiError::new(StatusCode::CONFLICT, ErrorCode::ConfirmationRequired),
                    C::ConfirmationExpired => ApiError::new(StatusCode::GONE, ErrorCode::ConfirmationExpired),
                    C::ConfirmationUsed => ApiError::new(StatusCode::GONE, ErrorCode::ConfirmationUsed),
                }
            }
            e @ (StoreError::Corrupt(_)
            | StoreError::SchemaTooNew { .. }
            | StoreError::Db(_)
            | StoreError::CommitFailed(_)
            | StoreError::WriterStopped) => ApiError::internal(e),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let lang = self.lang;
        let code = self.code.as_str();
        let fields: Vec<_> = self
            .fields
            .iter()
            .map(|f| json!({"field": f.field, "code": f.invalid.as_str(), "message": message(lang, &format!("field-{}", f.invalid.as_str()), &[])}))
            .collect();
        let lines: Vec<_> = self
            .lines
            .iter()
            .map(|l| json!({"line": l.line, "column": l.column, "code": l.invalid.as_str(), "message": message(lang, &format!("field-{}", l.invalid.as_str()), &[])}))
            .collect();
        let detail = message(lang, &format!("error-{code}"), &[]);
        let mut body = json!({
            "type": "about:blank",
            "status": self.status.as_u16(),
            "code": code,
            "title": self.status.canonical_reason().unwrap_or("error"),
            "detail": detail,
        });
        if !fields.is_empty() {
            body["errors"] = json!(fields);
        }
        if !lines.is_empty() {
            body["lines"] = json!(lines);
        }
        let mut resp = (self.status, body.to_string()).into_response();
        resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        resp.headers_mut().insert(header::CONTENT_LANGUAGE, HeaderValue::from_static(lang.tag()));
        // Carries the code through to `localize`, which re-renders in the caller's language.
        resp.extensions_mut().insert(ProblemSource {
            status: self.status,
            code: self.code,
            fields: self.fields,
            lines: self.lines,
        });
        resp
    }
}

/// The error behind a problem response, kept so the `localize` middleware can render it
/// again in the language of the request (handlers do not need to know it).
#[derive(Clone, Debug)]
pub struct ProblemSource {
    pub status: StatusCode,
    pub code: ErrorCode,
    pub fields: Vec<FieldError>,
    pub lines: Vec<LineError>,
}

/// Middleware: renders every problem response in the language the request asked for.
pub async fn localize(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let lang = Lang::of_request(req.headers());
    let resp = next.run(req).await;
    match resp.extensions().get::<ProblemSource>() {
        Some(p) if lang != Lang::ZhHant => {
            let p = p.clone();
            let mut again =
                ApiError { status: p.status, code: p.code, fields: p.fields, lines: p.lines, lang }.into_response();
            // Headers set by layers inside (e.g. Retry-After) stay.
            for (k, v) in resp.headers() {
                if k != header::CONTENT_TYPE && k != header::CONTENT_LANGUAGE && k != header::CONTENT_LENGTH {
                    again.headers_mut().insert(k.clone(), v.clone());
                }
            }
            again
        }
        _ => resp,
    }
}

#[cfg(test)]
mod tests {
    use domain::ErrorCode;

    /// The docs name only codes that exist: every `NNN \`code\`` in the API overviews.
    #[test]
    fn documented_codes_exist() {
        let known: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        let mut checked = 0;
        for doc in [include_str!("../../../docs/api.md"), include_str!("../../../docs/chat.md")] {
            let words: Vec<&str> = doc.split_whitespace().collect();
            for pair in words.windows(2) {
                let status = pair[0].trim_start_matches('(');
                if status.len() == 3 && status.bytes().all(|b| b.is_ascii_digit()) && pair[1].starts_with('`') {
                    let code = pair[1].trim_matches(|c: char| !(c.is_ascii_lowercase() || c == '_'));
                    assert!(known.contains(&code), "the docs name {status} `{code}`, which is no error code");
                    checked += 1;
                }
            }
        }
        assert!(checked > 20, "{checked} codes checked");
    }
}
