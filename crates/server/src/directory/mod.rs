//! A campus's directory: departments and members, read by its members and managed by
//! its admins. Every action (called by the thin routes of `http`) asks
//! `domain::access::campus_access` first, through `view`; a campus the caller may not
//! see answers 404, as if it did not exist.

pub mod http;

use crate::AppState;
use crate::auth::{Caller, hash_password};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path, Query};
use crate::files;
use crate::wire;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use domain::access::{Access, Shown, campus_access, granting, may_disable, shown};
use domain::error::Errors;
use domain::member_row::{IMPORT_COLUMNS, MemberFields, RawMemberFields, parse_import_lines};
use domain::values::{NAME_MAX, Password, optional_text, required_text};
use domain::{CampusId, DepartmentId, ErrorCode, Invalid, MemberId, Role};
use serde::Deserialize;
use store::{Department, ExposedSet, Member, MemberFilter, MemberStatus, MemberWrite};
use utoipa::{IntoParams, ToSchema};

/// What the caller reaches of a campus: its access, and for a connected campus the
/// external directory they may see.
pub struct View {
    pub access: Access,
    pub exposed: Option<std::sync::Arc<ExposedSet>>,
}

/// The caller's view of `campus`, refusing with 404 when they may see nothing — as if
/// the campus did not exist. The one place handlers learn who sees what.
pub async fn view(state: &AppState, caller: &Caller, campus: CampusId) -> ApiResult<View> {
    let own = caller.viewer.campus_id == Some(campus);
    let grants = match caller.viewer.campus_id {
        Some(c) if !own => state.hub.grants.get(&state.store, c, caller.member.id).await?,
        _ => Default::default(),
    };
    match campus_access(&caller.viewer, campus, &grants) {
        Access::None => Err(ApiError::not_found()),
        Access::External => {
            let through = granting(&caller.viewer, campus, &grants);
            let exposed = state.hub.exposed.get(&state.store, campus, &through).await?;
            Ok(View { access: Access::External, exposed: Some(exposed) })
        }
        access => Ok(View { access, exposed: None }),
    }
}

/// Refuses unless the caller manages `campus` (403 for its readers, 404 for others).
async fn manage(state: &AppState, caller: &Caller, campus: CampusId) -> ApiResult<()> {
    match campus_access(&caller.viewer, campus, &[]) {
        Access::Manage => Ok(()),
        Access::Read => Err(ApiError::forbidden()),
        _ => view(state, caller, campus).await.and(Err(ApiError::forbidden())),
    }
}

impl View {
    /// Which fields of this campus's members the caller sees (and may search).
    pub fn shown(&self) -> Shown {
        let set = self.exposed.as_ref();
        shown(self.access, set.is_some_and(|s| s.show_phone), set.is_some_and(|s| s.show_email))
    }
}

/// A member as the caller may see them: readers get the directory card, without the
/// account's login, role and status; external viewers only the exposed fields.
fn member_out(m: &Member, view: &View) -> wire::Member {
    let set = view.exposed.as_ref();
    let shown = view.shown();
    wire::Member {
        id: m.id,
        campus_id: m.campus_id,
        login: shown.account.then(|| m.login.clone()),
        role: shown.account.then_some(m.role),
        status: shown.account.then_some(m.status),
        name_zh: m.name_zh.clone(),
        name_pt: m.name_pt.clone(),
        title: m.title.clone(),
        phone: shown.phone.then(|| m.phone.clone()),
        email: shown.email.then(|| m.email.clone()),
        staff_no: shown.staff_no.then(|| m.staff_no.clone()),
        department_ids: match set {
            None => m.department_ids.clone(),
            Some(s) => m.department_ids.iter().copied().filter(|d| s.departments.contains(d)).collect(),
        },
    }
}

const MANAGE: View = View { access: Access::Manage, exposed: None };

// ---- departments --------------------------------------------------------------------

/// `GET /api/v1/campuses/{campus_id}/departments`
pub async fn list_departments(
    state: &AppState,
    caller: &Caller,
    campus: CampusId,
) -> ApiResult<Vec<wire::DepartmentOut>> {
    let view = view(state, caller, campus).await?;
    let out = match &view.exposed {
        None => state
            .store
            .departments(campus)
            .await?
            .into_iter()
            .map(|d| wire::DepartmentOut { department: d.into(), exposed: None })
            .collect(),
        Some(set) => state
            .store
            .exposed_departments(campus, set)
            .await?
            .into_iter()
            .map(|(d, exposed)| wire::DepartmentOut { department: d.into(), exposed: Some(exposed) })
            .collect(),
    };
    Ok(out)
}

#[derive(Deserialize, ToSchema)]
pub struct DepartmentInput {
    #[serde(default)]
    pub name_zh: Option<String>,
    #[serde(default)]
    pub name_pt: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<uuid::Uuid>)]
    pub parent_id: Option<DepartmentId>,
}

fn department_names(input: &DepartmentInput, current: Option<&Department>) -> ApiResult<(String, String)> {
    let mut e = Errors::default();
    let zh = e.take(
        "name_zh",
        required_text(input.name_zh.as_deref().or(current.map(|d| d.name_zh.as_str())).unwrap_or(""), NAME_MAX),
    );
    let pt = e.take(
        "name_pt",
        optional_text(input.name_pt.as_deref().or(current.map(|d| d.name_pt.as_str())).unwrap_or(""), NAME_MAX),
    );
    match (zh, pt) {
        (Some(zh), Some(pt)) if e.is_empty() => Ok((zh, pt)),
        _ => Err(ApiError::invalid(e.0)),
    }
}

/// `POST /api/v1/campuses/{campus_id}/departments`
pub async fn create_department(
    state: &AppState,
    caller: &Caller,
    campus: CampusId,
    input: DepartmentInput,
) -> ApiResult<wire::Department> {
    manage(state, caller, campus).await?;
    let (zh, pt) = department_names(&input, None)?;
    let d = state.store.create_department(campus, input.parent_id, &zh, &pt).await.map_err(|e| match e {
        store::StoreError::UnknownDepartment => ApiError::field("parent_id", Invalid::UnknownDepartment),
        e => e.into(),
    })?;
    Ok(d.into())
}

/// `PATCH /api/v1/campuses/{campus_id}/departments/{department_id}`
pub async fn rename_department(
    state: &AppState,
    caller: &Caller,
    (campus, dept): (CampusId, DepartmentId),
    input: DepartmentInput,
) -> ApiResult<wire::Department> {
    manage(state, caller, campus).await?;
    let current = state.store.department(campus, dept).await?;
    let (zh, pt) = department_names(&input, Some(&current))?;
    Ok(state.store.rename_department(campus, dept, &zh, &pt).await?.into())
}

#[derive(Deserialize, ToSchema)]
pub struct MoveInput {
    #[schema(value_type = Option<uuid::Uuid>)]
    pub parent_id: Option<DepartmentId>,
    #[serde(default)]
    pub position: i64,
}

/// `POST /api/v1/campuses/{campus_id}/departments/{department_id}/move`
pub async fn move_department(
    state: &AppState,
    caller: &Caller,
    (campus, dept): (CampusId, DepartmentId),
    input: MoveInput,
) -> ApiResult<wire::Department> {
    manage(state, caller, campus).await?;
    let d = state.store.move_department(campus, dept, input.parent_id, input.position).await.map_err(|e| match e {
        store::StoreError::UnknownDepartment => ApiError::field("parent_id", Invalid::UnknownDepartment),
        e => e.into(),
    })?;
    Ok(d.into())
}

/// `DELETE /api/v1/campuses/{campus_id}/departments/{department_id}`
pub async fn delete_department(
    state: &AppState,
    caller: &Caller,
    (campus, dept): (CampusId, DepartmentId),
) -> ApiResult<()> {
    manage(state, caller, campus).await?;
    state.store.delete_department(campus, dept).await?;
    Ok(())
}

// ---- members ------------------------------------------------------------------------

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only members directly in this department.
    #[param(value_type = Option<uuid::Uuid>)]
    pub department_id: Option<String>,
    /// Search words (at most 100 characters), matched only in fields the caller sees.
    pub q: Option<String>,
    /// Disabled members too (those who manage the campus).
    pub include_disabled: Option<bool>,
    /// 1–1000, default 200.
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// `GET /api/v1/campuses/{campus_id}/members`
pub async fn list_members(
    state: &AppState,
    caller: &Caller,
    campus: CampusId,
    q: ListQuery,
) -> ApiResult<wire::MemberPage> {
    let view = view(state, caller, campus).await?;
    let department_id = match q.department_id.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => {
            Some(s.parse::<DepartmentId>().map_err(|_| ApiError::field("department_id", Invalid::InvalidFormat))?)
        }
        None => None,
    };
    let query = q.q.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    if query.as_ref().is_some_and(|s| s.chars().count() > 100) {
        return Err(ApiError::field("q", Invalid::TooLong));
    }
    let filter = MemberFilter {
        department_id,
        query,
        include_disabled: q.include_disabled.unwrap_or(false) && view.access == Access::Manage,
        exposed: view.exposed.clone(),
        search_in: view.shown().searchable(),
        limit: q.limit.unwrap_or(200).clamp(1, 1000),
        offset: q.offset.unwrap_or(0).max(0),
    };
    let page = state.store.list_members(campus, &filter).await?;
    let members = page.members.iter().map(|m| member_out(m, &view)).collect();
    Ok(wire::MemberPage { total: page.total, members })
}

/// `GET /api/v1/campuses/{campus_id}/members/{member_id}`
pub async fn get_member(
    state: &AppState,
    caller: &Caller,
    (campus, member): (CampusId, MemberId),
) -> ApiResult<wire::Member> {
    let view = view(state, caller, campus).await?;
    let m = state.store.member(member).await?;
    let exposed = match &view.exposed {
        Some(set) => state.store.member_exposed(campus, set, member).await?,
        None => true,
    };
    let visible =
        m.campus_id == Some(campus) && (view.access == Access::Manage || m.status == MemberStatus::Active) && exposed;
    if !visible {
        return Err(ApiError::not_found());
    }
    Ok(member_out(&m, &view))
}

#[derive(Deserialize, Default, ToSchema)]
pub struct MemberInput {
    pub login: Option<String>,
    pub name_zh: Option<String>,
    pub name_pt: Option<String>,
    pub title: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub staff_no: Option<String>,
    #[schema(value_type = Option<Vec<uuid::Uuid>>)]
    pub department_ids: Option<Vec<DepartmentId>>,
    /// `admin` or `member`.
    pub role: Option<String>,
    pub password: Option<String>,
}

struct CheckedMember {
    fields: MemberFields,
    role: Role,
    departments: Vec<DepartmentId>,
}

/// Checks a member form, filling what it leaves out from `current` (for PATCH).
fn check_member(input: &MemberInput, current: Option<&Member>) -> Result<CheckedMember, Vec<domain::FieldError>> {
    let pick = |new: &Option<String>, old: Option<&str>| new.clone().or(old.map(str::to_owned)).unwrap_or_default();
    let c = current;
    let (login, name_zh, name_pt, title, phone, email, staff_no) = (
        pick(&input.login, c.map(|m| m.login.as_str())),
        pick(&input.name_zh, c.map(|m| m.name_zh.as_str())),
        pick(&input.name_pt, c.map(|m| m.name_pt.as_str())),
        pick(&input.title, c.map(|m| m.title.as_str())),
        pick(&input.phone, c.map(|m| m.phone.as_str())),
        pick(&input.email, c.map(|m| m.email.as_str())),
        pick(&input.staff_no, c.map(|m| m.staff_no.as_str())),
    );
    let raw = RawMemberFields {
        login: &login,
        name_zh: &name_zh,
        name_pt: &name_pt,
        title: &title,
        phone: &phone,
        email: &email,
        staff_no: &staff_no,
    };
    let mut errors = Vec::new();
    let fields = MemberFields::parse(&raw).map_err(|e| errors.extend(e)).ok();
    let role = match input.role.as_deref() {
        None => Some(c.map(|m| m.role).unwrap_or(Role::Member)),
        Some("admin") => Some(Role::Admin),
        Some("member") => Some(Role::Member),
        Some(_) => {
            errors.push(domain::FieldError::new("role", Invalid::InvalidRole));
            None
        }
    };
    let departments = input.department_ids.clone().or(c.map(|m| m.department_ids.clone())).unwrap_or_default();
    if departments.len() > 50 {
        errors.push(domain::FieldError::new("department_ids", Invalid::TooLong));
    }
    match (fields, role) {
        (Some(fields), Some(role)) if errors.is_empty() => Ok(CheckedMember { fields, role, departments }),
        _ => Err(errors),
    }
}

/// `POST /api/v1/campuses/{campus_id}/members`
pub async fn create_member(
    state: &AppState,
    caller: &Caller,
    campus: CampusId,
    input: MemberInput,
) -> ApiResult<wire::Member> {
    manage(state, caller, campus).await?;
    let mut errors = Vec::new();
    let checked = check_member(&input, None).map_err(|e| errors.extend(e)).ok();
    let password = match input.password.as_deref().filter(|p| !p.is_empty()) {
        Some(p) => {
            Password::parse(p).map(Some).map_err(|i| errors.push(domain::FieldError::new("password", i))).ok().flatten()
        }
        None => None,
    };
    let Some(m) = checked.filter(|_| errors.is_empty()) else {
        return Err(ApiError::invalid(errors));
    };
    let hash = match &password {
        Some(p) => Some(hash_password(p).await?),
        None => None,
    };
    let write = MemberWrite { fields: &m.fields, role: m.role, department_ids: &m.departments };
    let created = state.store.create_member(Some(campus), write, hash.as_deref()).await?;
    Ok(member_out(&created, &MANAGE))
}

/// `PATCH /api/v1/campuses/{campus_id}/members/{member_id}`
pub async fn update_member(
    state: &AppState,
    caller: &Caller,
    (campus, member): (CampusId, MemberId),
    input: MemberInput,
) -> ApiResult<wire::Member> {
    manage(state, caller, campus).await?;
    let current = state.store.member(member).await?;
    if current.campus_id != Some(campus) {
        return Err(ApiError::not_found());
    }
    let m = check_member(&input, Some(&current)).map_err(ApiError::invalid)?;
    if member == caller.member.id && m.role != Role::Admin {
        // An admin who demotes themself could leave the campus with no admin at all.
        return Err(ApiError::field("role", Invalid::OwnRole));
    }
    let write = MemberWrite { fields: &m.fields, role: m.role, department_ids: &m.departments };
    let updated = state.store.update_member(campus, member, write).await?;
    Ok(member_out(&updated, &MANAGE))
}

async fn set_status(
    state: &AppState,
    caller: &Caller,
    campus: CampusId,
    member: MemberId,
    status: MemberStatus,
) -> ApiResult<wire::Member> {
    manage(state, caller, campus).await?;
    if status == MemberStatus::Disabled && !may_disable(&caller.viewer, member) {
        return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::CannotDisableSelf));
    }
    let m = state.store.set_member_status(campus, member, status).await?;
    if status == MemberStatus::Disabled {
        state.hub.end_member(member, None);
        crate::calls::end_member(state, member).await?;
    }
    Ok(member_out(&m, &MANAGE))
}

/// `POST /api/v1/campuses/{campus_id}/members/{member_id}/disable`
pub async fn disable_member(
    state: &AppState,
    caller: &Caller,
    (campus, member): (CampusId, MemberId),
) -> ApiResult<wire::Member> {
    set_status(state, caller, campus, member, MemberStatus::Disabled).await
}

/// `POST /api/v1/campuses/{campus_id}/members/{member_id}/enable`
pub async fn enable_member(
    state: &AppState,
    caller: &Caller,
    (campus, member): (CampusId, MemberId),
) -> ApiResult<wire::Member> {
    set_status(state, caller, campus, member, MemberStatus::Active).await
}

#[derive(Deserialize, ToSchema)]
pub struct ResetInput {
    #[serde(default)]
    pub new_password: String,
}

/// `POST /api/v1/campuses/{campus_id}/members/{member_id}/reset-password`
pub async fn reset_password(
    state: &AppState,
    caller: &Caller,
    (campus, member): (CampusId, MemberId),
    input: ResetInput,
) -> ApiResult<()> {
    manage(state, caller, campus).await?;
    let password = Password::parse(&input.new_password).map_err(|i| ApiError::field("new_password", i))?;
    let m = state.store.member(member).await?;
    if m.campus_id != Some(campus) {
        return Err(ApiError::not_found());
    }
    let hash = hash_password(&password).await?;
    state.store.set_password(member, &hash, None).await?;
    state.hub.end_member(member, None);
    crate::calls::end_member(state, member).await?;
    tracing::info!(member = %m.login, by = %caller.member.login, "password reset by admin");
    Ok(())
}

/// `POST /api/v1/campuses/{campus_id}/members/import` — CSV or XLSX; all or nothing.
pub async fn import_members(
    state: &AppState,
    caller: &Caller,
    campus: CampusId,
    headers: &HeaderMap,
    body: Bytes,
) -> ApiResult<wire::ImportOutcome> {
    manage(state, caller, campus).await?;
    let table = files::read_table(headers, &body)?;
    let (rows, refused) = parse_import_lines(&table.header, &table.rows).map_err(ApiError::import)?;
    let outcome = state.store.import_members_with(campus, &rows, refused).await?;
    tracing::info!(campus = %campus, created = outcome.created, updated = outcome.updated, by = %caller.member.login, "members imported");
    Ok(outcome.into())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FormatQuery {
    /// `csv` (the default) or `xlsx`.
    pub format: Option<String>,
}

fn header_row() -> Vec<String> {
    IMPORT_COLUMNS.iter().map(|s| s.to_string()).collect()
}

fn file_response(format: Option<&str>, stem: &str, rows: &[Vec<String>]) -> ApiResult<Response> {
    match format.unwrap_or("csv") {
        "csv" => Ok(files::csv_download(&format!("{stem}.csv"), &header_row(), rows)),
        "xlsx" => files::xlsx_download(&format!("{stem}.xlsx"), &header_row(), rows),
        _ => Err(ApiError::field("format", Invalid::InvalidFormat)),
    }
}
