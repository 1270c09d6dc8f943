//! The API's shared bodies as they go over the wire, each with its JSON Schema
//! (`ToSchema`). The store's rows are converted into these at the edge, so the OpenAPI
//! document describes exactly what is serialized and the store and domain crates stay
//! free of OpenAPI.

use serde::Serialize;
use utoipa::ToSchema;

/// Copies a store row into its wire twin, field for field (the twin lists the fields
/// once; a field the store drops or renames is a compile error here).
macro_rules! twin {
    ($(#[$sm:meta])* $name:ident from $src:ty { $($(#[$m:meta])* $f:ident : $t:ty),* $(,)? }) => {
        $(#[$sm])*
        #[derive(Clone, Debug, Serialize, ToSchema)]
        pub struct $name { $($(#[$m])* pub $f: $t,)* }
        impl From<$src> for $name {
            fn from(s: $src) -> Self { Self { $($f: s.$f.into(),)* } }
        }
        impl From<&$src> for $name {
            fn from(s: &$src) -> Self { s.clone().into() }
        }
    };
}

/// Who someone is to campuslink.
#[derive(Clone, Copy, Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Bureau,
    Admin,
    Member,
}

#[derive(Clone, Copy, Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MemberStatus {
    Active,
    Disabled,
}

#[derive(Clone, Copy, Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FilingStatus {
    Pending,
    Confirmed,
    Rejected,
}

twin! {
    School from store::School {
        #[schema(value_type = uuid::Uuid)] id: domain::SchoolId,
        code: String,
        name_zh: String,
        name_pt: String,
        name_en: String,
    }
}

twin! {
    Campus from store::Campus {
        #[schema(value_type = uuid::Uuid)] id: domain::CampusId,
        #[schema(value_type = uuid::Uuid)] school_id: domain::SchoolId,
        code: String,
        name_zh: String,
        name_pt: String,
        name_en: String,
    }
}

/// A school with its campuses (the bureau's registry).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SchoolWithCampuses {
    #[serde(flatten)]
    pub school: School,
    pub campuses: Vec<Campus>,
}

impl From<store::SchoolWithCampuses> for SchoolWithCampuses {
    fn from(s: store::SchoolWithCampuses) -> Self {
        Self { school: s.school.into(), campuses: s.campuses.into_iter().map(Into::into).collect() }
    }
}

twin! {
    Department from store::Department {
        #[schema(value_type = uuid::Uuid)] id: domain::DepartmentId,
        #[schema(value_type = uuid::Uuid)] campus_id: domain::CampusId,
        #[schema(value_type = Option<uuid::Uuid>, required = true)] parent_id: Option<domain::DepartmentId>,
        name_zh: String,
        name_pt: String,
        position: i64,
        /// Active members directly in this department.
        member_count: i64,
    }
}

/// A department as a connected campus sees it: `exposed` is false for a department
/// shown only because an exposed one lies below it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct DepartmentOut {
    #[serde(flatten)]
    pub department: Department,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub exposed: Option<bool>,
}

/// A member as the caller may see them: readers get the directory card, without the
/// account's login, role and status; external viewers only the exposed fields.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Member {
    #[schema(value_type = uuid::Uuid)]
    pub id: domain::MemberId,
    #[schema(value_type = Option<uuid::Uuid>, required = true)]
    pub campus_id: Option<domain::CampusId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub login: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Role>, nullable = false)]
    pub role: Option<domain::Role>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<MemberStatus>, nullable = false)]
    pub status: Option<store::MemberStatus>,
    pub name_zh: String,
    pub name_pt: String,
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub phone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub staff_no: Option<String>,
    #[schema(value_type = Vec<uuid::Uuid>)]
    pub department_ids: Vec<domain::DepartmentId>,
}

impl From<store::Member> for Member {
    /// Every field: for those who manage the member.
    fn from(m: store::Member) -> Self {
        Self {
            id: m.id,
            campus_id: m.campus_id,
            login: Some(m.login),
            role: Some(m.role),
            status: Some(m.status),
            name_zh: m.name_zh,
            name_pt: m.name_pt,
            title: m.title,
            phone: Some(m.phone),
            email: Some(m.email),
            staff_no: Some(m.staff_no),
            department_ids: m.department_ids,
        }
    }
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct MemberPage {
    pub total: i64,
    pub members: Vec<Member>,
}

twin! {
    ImportOutcome from store::ImportOutcome {
        created: usize,
        updated: usize,
    }
}

twin! {
    Invitation from store::Invitation {
        #[schema(value_type = uuid::Uuid)] id: domain::InvitationId,
        #[schema(value_type = uuid::Uuid)] interconnection_id: domain::InterconnectionId,
        #[schema(value_type = uuid::Uuid)] created_by: domain::MemberId,
        created_at: i64,
        expires_at: i64,
        #[schema(required = true)] used_at: Option<i64>,
        #[schema(required = true)] revoked_at: Option<i64>,
    }
}

/// Nothing in the body: `{}` (for operations that answer with an empty object).
#[derive(Clone, Debug, Default, Serialize, ToSchema)]
pub struct Empty {}

#[derive(Clone, Copy, Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConversationKind {
    Direct,
    Group,
}

#[derive(Clone, Copy, Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConversationRole {
    Owner,
    Member,
}

#[derive(Clone, Copy, Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    Text,
    System,
}

/// What an attachment is: a picture shown inline, a file to download, a voice message.
#[derive(Clone, Copy, Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AttachmentKind {
    Image,
    File,
    Voice,
}

/// What a system message says happened.
#[derive(Clone, Copy, Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SystemAction {
    Created,
    Added,
    Removed,
    Left,
    Renamed,
    OwnerChanged,
    Dissolved,
    CampusDisconnected,
    /// The owner set the group announcement (its text is the note's `name`).
    Announcement,
    AnnouncementCleared,
    /// A direct call's record (the note's `call` says how it went).
    Call,
    /// A meeting's join card (outcome `ongoing`) or its record.
    Meeting,
}

/// How a call ended (`domain::call::Outcome`).
#[derive(Clone, Copy, Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CallOutcome {
    Completed,
    Missed,
    Declined,
    Cancelled,
    Busy,
    Ongoing,
}
