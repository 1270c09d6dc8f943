//! campuslink's rules and types. Everything here is pure: no I/O, no clocks except
//! where a caller passes the time in. Handlers load data, ask these functions, and act.

pub mod access;
pub mod attachment;
pub mod call;
pub mod chat;
pub mod error;
pub mod ids;
pub mod interconnection;
pub mod member_row;
pub mod search;
pub mod time;
pub mod tree;
pub mod values;

pub use access::{Access, Role, Viewer};
pub use error::{ErrorCode, FieldError, Invalid};
pub use ids::{
    AttachmentId, CallId, CampusId, ConfirmationId, ConversationId, DepartmentId, FilingId, InterconnectionId,
    InvitationId, MemberId, MessageId, SchoolId,
};
