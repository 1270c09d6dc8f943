//! Stable error codes. The API sends them as snake_case `code`s; the web app and the
//! server translate them with the same `.ftl` files (`error-<code>` and `field-<code>`).

use crate::call::CallRefusal;
use crate::chat::ChatRefusal;
use crate::interconnection::Refusal;
use serde::Serialize;
use std::fmt;

/// What went wrong with a request, as a stable code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    InvalidJson,
    /// A JSON body that is not the object the operation documents (an array, `null`…).
    BodyNotObject,
    /// A body sent without `Content-Type: application/json`.
    UnsupportedMediaType,
    /// A query string that does not parse (a number that is not one…).
    InvalidQuery,
    UriTooLong,
    InvalidInput,
    Unauthenticated,
    Forbidden,
    NotFound,
    InvalidCredentials,
    AccountLocked,
    AccountDisabled,
    RateLimited,
    CsrfFailed,
    WrongPassword,
    DuplicateLogin,
    DuplicateCode,
    /// A department named as one of its siblings is already.
    DuplicateDepartment,
    DepartmentCycle,
    DepartmentNotEmpty,
    CannotDisableSelf,
    ImportInvalid,
    UnsupportedFile,
    PayloadTooLarge,
    MethodNotAllowed,
    /// An interconnection step refused by its rule.
    Refused(Refusal),
    /// Removing a campus needs an approved identity confirmation first (D2).
    ConfirmationRequired,
    ConfirmationExpired,
    /// The confirmation already served its removal.
    ConfirmationUsed,
    FilingNotPending,
    /// A conversation step refused by its rule.
    Chat(ChatRefusal),
    /// A call step refused by its rule.
    Call(CallRefusal),
    /// The client's last event position is older than the kept log: reload and start over.
    ResyncRequired,
    /// An event position that is not one (malformed, or in the future).
    InvalidPosition,
    /// An e-mail digest asked for on a server that sends none (`chat.digest_after_hours`).
    DigestUnavailable,
    Internal,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidJson => "invalid_json",
            Self::BodyNotObject => "body_not_object",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::InvalidQuery => "invalid_query",
            Self::UriTooLong => "uri_too_long",
            Self::InvalidInput => "invalid_input",
            Self::Unauthenticated => "unauthenticated",
            Self::Forbidden => "forbidden",
            Self::NotFound => "not_found",
            Self::InvalidCredentials => "invalid_credentials",
            Self::AccountLocked => "account_locked",
            Self::AccountDisabled => "account_disabled",
            Self::RateLimited => "rate_limited",
            Self::CsrfFailed => "csrf_failed",
            Self::WrongPassword => "wrong_password",
            Self::DuplicateLogin => "duplicate_login",
            Self::DuplicateCode => "duplicate_code",
            Self::DuplicateDepartment => "duplicate_department",
            Self::DepartmentCycle => "department_cycle",
            Self::DepartmentNotEmpty => "department_not_empty",
            Self::CannotDisableSelf => "cannot_disable_self",
            Self::ImportInvalid => "import_invalid",
            Self::UnsupportedFile => "unsupported_file",
            Self::PayloadTooLarge => "payload_too_large",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::Refused(r) => r.as_str(),
            Self::ConfirmationRequired => "confirmation_required",
            Self::ConfirmationExpired => "confirmation_expired",
            Self::ConfirmationUsed => "confirmation_used",
            Self::FilingNotPending => "filing_not_pending",
            Self::Chat(r) => r.as_str(),
            Self::Call(r) => r.as_str(),
            Self::ResyncRequired => "resync_required",
            Self::InvalidPosition => "invalid_position",
            Self::DigestUnavailable => "digest_unavailable",
            Self::Internal => "internal",
        }
    }

    /// Every code, for the test that each one has a message in every language.
    pub const ALL: &'static [ErrorCode] = &[
        Self::InvalidJson,
        Self::BodyNotObject,
        Self::UnsupportedMediaType,
        Self::InvalidQuery,
        Self::UriTooLong,
        Self::InvalidInput,
        Self::Unauthenticated,
        Self::Forbidden,
        Self::NotFound,
        Self::InvalidCredentials,
        Self::AccountLocked,
        Self::AccountDisabled,
        Self::RateLimited,
        Self::CsrfFailed,
        Self::WrongPassword,
        Self::DuplicateLogin,
        Self::DuplicateCode,
        Self::DuplicateDepartment,
        Self::DepartmentCycle,
        Self::DepartmentNotEmpty,
        Self::CannotDisableSelf,
        Self::ImportInvalid,
        Self::UnsupportedFile,
        Self::PayloadTooLarge,
        Self::MethodNotAllowed,
        Self::Refused(Refusal::NotAdmin),
        Self::Refused(Refusal::OtherSchool),
        Self::Refused(Refusal::NotInitiator),
        Self::Refused(Refusal::InvitationExpired),
        Self::Refused(Refusal::InvitationUsed),
        Self::Refused(Refusal::InvitationRevoked),
        Self::Refused(Refusal::FilingRequired),
        Self::Refused(Refusal::AlreadyMember),
        Self::Refused(Refusal::NotMember),
        Self::Refused(Refusal::Dissolved),
        Self::Refused(Refusal::FilingCampuses),
        Self::Refused(Refusal::CannotRemoveInitiator),
        Self::ConfirmationRequired,
        Self::ConfirmationExpired,
        Self::ConfirmationUsed,
        Self::FilingNotPending,
        Self::Chat(ChatRefusal::ReadOnly),
        Self::Chat(ChatRefusal::NotOwner),
        Self::Chat(ChatRefusal::GroupTooLarge),
        Self::Chat(ChatRefusal::RecallExpired),
        Self::Chat(ChatRefusal::NotSender),
        Self::Chat(ChatRefusal::MentionNotMember),
        Self::Chat(ChatRefusal::WithSelf),
        Self::Chat(ChatRefusal::ClientIdReused),
        Self::Chat(ChatRefusal::BureauCannotChat),
        Self::Chat(ChatRefusal::NotGroup),
        Self::Chat(ChatRefusal::OwnerCannotLeave),
        Self::Chat(ChatRefusal::TooManyReactions),
        Self::Call(CallRefusal::Busy),
        Self::Call(CallRefusal::Ended),
        Self::Call(CallRefusal::Full),
        Self::Call(CallRefusal::NotHost),
        Self::Call(CallRefusal::BadOffer),
        Self::Call(CallRefusal::Unavailable),
        Self::ResyncRequired,
        Self::InvalidPosition,
        Self::DigestUnavailable,
        Self::Internal,
    ];
}

impl Serialize for ErrorCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why one value was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Invalid {
    Required,
    TooLong,
    TooShort,
    InvalidFormat,
    InvalidEmail,
    InvalidRole,
    /// An admin's own role, which they may not change (another admin may).
    OwnRole,
    UnknownDepartment,
    DuplicateInFile,
    DuplicateLogin,
    DuplicateCode,
    /// A name that a sibling has already (a department's, under one parent).
    DuplicateName,
    UnknownColumn,
    MissingColumn,
    InvalidEncoding,
    TooManyRows,
    /// A password that is not the account's.
    Incorrect,
    /// A new value the same as the one it replaces (a new password).
    Unchanged,
}

impl Invalid {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Required => "required",
            Self::TooLong => "too_long",
            Self::TooShort => "too_short",
            Self::InvalidFormat => "invalid_format",
            Self::InvalidEmail => "invalid_email",
            Self::InvalidRole => "invalid_role",
            Self::OwnRole => "own_role",
            Self::UnknownDepartment => "unknown_department",
            Self::DuplicateInFile => "duplicate_in_file",
            Self::DuplicateLogin => "duplicate_login",
            Self::DuplicateCode => "duplicate_code",
            Self::DuplicateName => "duplicate_name",
            Self::UnknownColumn => "unknown_column",
            Self::MissingColumn => "missing_column",
            Self::InvalidEncoding => "invalid_encoding",
            Self::TooManyRows => "too_many_rows",
            Self::Incorrect => "incorrect",
            Self::Unchanged => "unchanged",
        }
    }

    pub const ALL: &'static [Invalid] = &[
        Self::Required,
        Self::TooLong,
        Self::TooShort,
        Self::InvalidFormat,
        Self::InvalidEmail,
        Self::InvalidRole,
        Self::OwnRole,
        Self::UnknownDepartment,
        Self::DuplicateInFile,
        Self::DuplicateLogin,
        Self::DuplicateCode,
        Self::DuplicateName,
        Self::UnknownColumn,
        Self::MissingColumn,
        Self::InvalidEncoding,
        Self::TooManyRows,
        Self::Incorrect,
        Self::Unchanged,
    ];
}

/// A refused value of a named field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub invalid: Invalid,
}

impl FieldError {
    pub fn new(field: impl Into<String>, invalid: Invalid) -> Self {
        Self { field: field.into(), invalid }
    }
}

/// Collects field errors while parsing a whole input, so the user sees all of them at once.
#[derive(Default, Debug)]
pub struct Errors(pub Vec<FieldError>);

impl Errors {
    /// Keeps the value if it parsed, records the error under `field` if not.
    pub fn take<T>(&mut self, field: &str, r: Result<T, Invalid>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(i) => {
                self.0.push(FieldError::new(field, i));
                None
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}
