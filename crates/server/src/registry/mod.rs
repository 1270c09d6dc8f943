//! The bureau console's API: schools, campuses, campus admins, CSV import — actions
//! called by the thin routes of `http`.

pub mod http;

use crate::AppState;
use crate::auth::{Caller, hash_password};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path};
use crate::files;
use crate::wire;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use domain::access::may_manage_registry;
use domain::error::Errors;
use domain::member_row::{LineError, MemberFields, RawMemberFields};
use domain::values::{Code, NAME_MAX, Password, optional_text, required_text};
use domain::{CampusId, Role, SchoolId};
use serde::Deserialize;
use store::{MemberWrite, Names, RegistryRow};
use utoipa::ToSchema;

fn bureau_only(caller: &Caller) -> ApiResult<()> {
    if may_manage_registry(&caller.viewer) { Ok(()) } else { Err(ApiError::forbidden()) }
}

#[derive(Deserialize, ToSchema)]
pub struct RegistryInput {
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub name_zh: Option<String>,
    #[serde(default)]
    pub name_pt: Option<String>,
    #[serde(default)]
    pub name_en: Option<String>,
}

struct CheckedNames {
    zh: String,
    pt: String,
    en: String,
}

impl CheckedNames {
    fn names(&self) -> Names<'_> {
        Names { zh: &self.zh, pt: &self.pt, en: &self.en }
    }
}

fn check_names(e: &mut Errors, input: &RegistryInput, current: Option<(&str, &str, &str)>) -> Option<CheckedNames> {
    let (zh0, pt0, en0) = current.unwrap_or(("", "", ""));
    let zh = e.take("name_zh", required_text(input.name_zh.as_deref().unwrap_or(zh0), NAME_MAX));
    let pt = e.take("name_pt", optional_text(input.name_pt.as_deref().unwrap_or(pt0), NAME_MAX));
    let en = e.take("name_en", optional_text(input.name_en.as_deref().unwrap_or(en0), NAME_MAX));
    Some(CheckedNames { zh: zh?, pt: pt?, en: en? })
}

fn check_new(input: &RegistryInput) -> ApiResult<(Code, CheckedNames)> {
    let mut e = Errors::default();
    let code = e.take("code", Code::parse(input.code.as_deref().unwrap_or("")));
    let names = check_names(&mut e, input, None);
    match (code, names) {
        (Some(c), Some(n)) if e.is_empty() => Ok((c, n)),
        _ => Err(ApiError::invalid(e.0)),
    }
}

/// `GET /api/v1/schools`
pub async fn list_schools(state: &AppState, caller: &Caller) -> ApiResult<Vec<wire::SchoolWithCampuses>> {
    bureau_only(caller)?;
    Ok(state.store.list_schools().await?.into_iter().map(Into::into).collect())
}

/// `POST /api/v1/schools`
pub async fn create_school(state: &AppState, caller: &Caller, input: RegistryInput) -> ApiResult<wire::School> {
    bureau_only(caller)?;
    let (code, names) = check_new(&input)?;
    let school = state.store.create_school(&code, names.names()).await?;
    tracing::info!(school = %school.code, by = %caller.member.login, "school created");
    Ok(school.into())
}

/// `PATCH /api/v1/schools/{school_id}`
pub async fn update_school(
    state: &AppState,
    caller: &Caller,
    school_id: SchoolId,
    input: RegistryInput,
) -> ApiResult<wire::School> {
    bureau_only(caller)?;
    let current = state.store.school(school_id).await?;
    let mut e = Errors::default();
    let names = check_names(&mut e, &input, Some((&current.name_zh, &current.name_pt, &current.name_en)));
    let names = names.filter(|_| e.is_empty()).ok_or_else(|| ApiError::invalid(e.0))?;
    Ok(state.store.update_school(school_id, names.names()).await?.into())
}

/// `POST /api/v1/schools/{school_id}/campuses`
pub async fn create_campus(
    state: &AppState,
    caller: &Caller,
    school_id: SchoolId,
    input: RegistryInput,
) -> ApiResult<wire::Campus> {
    bureau_only(caller)?;
    let (code, names) = check_new(&input)?;
    let campus = state.store.create_campus(school_id, &code, names.names()).await?;
    Ok(campus.into())
}

/// `PATCH /api/v1/campuses/{campus_id}`
pub async fn update_campus(
    state: &AppState,
    caller: &Caller,
    campus_id: CampusId,
    input: RegistryInput,
) -> ApiResult<wire::Campus> {
    bureau_only(caller)?;
    let current = state.store.campus(campus_id).await?;
    let mut e = Errors::default();
    let names = check_names(&mut e, &input, Some((&current.name_zh, &current.name_pt, &current.name_en)));
    let names = names.filter(|_| e.is_empty()).ok_or_else(|| ApiError::invalid(e.0))?;
    Ok(state.store.update_campus(campus_id, names.names()).await?.into())
}

/// `GET /api/v1/campuses/{campus_id}/admins`
pub async fn list_admins(state: &AppState, caller: &Caller, campus_id: CampusId) -> ApiResult<Vec<wire::Member>> {
    bureau_only(caller)?;
    state.store.campus(campus_id).await?;
    Ok(state.store.members_with_role(campus_id, Role::Admin).await?.into_iter().map(Into::into).collect())
}

#[derive(Deserialize, ToSchema)]
pub struct AdminInput {
    #[serde(default)]
    pub login: String,
    #[serde(default)]
    pub name_zh: String,
    #[serde(default)]
    pub name_pt: String,
    #[serde(default)]
    pub password: String,
}

/// `POST /api/v1/campuses/{campus_id}/admins` — a campus's first (or another) admin.
pub async fn create_admin(
    state: &AppState,
    caller: &Caller,
    campus_id: CampusId,
    input: AdminInput,
) -> ApiResult<wire::Member> {
    bureau_only(caller)?;
    state.store.campus(campus_id).await?;
    let raw =
        RawMemberFields { login: &input.login, name_zh: &input.name_zh, name_pt: &input.name_pt, ..Default::default() };
    let mut errors = Vec::new();
    let fields = MemberFields::parse(&raw).map_err(|e| errors.extend(e)).ok();
    let password =
        Password::parse(&input.password).map_err(|i| errors.push(domain::FieldError::new("password", i))).ok();
    let (Some(fields), Some(password)) = (fields, password) else {
        return Err(ApiError::invalid(errors));
    };
    let hash = hash_password(&password).await?;
    let write = MemberWrite { fields: &fields, role: Role::Admin, department_ids: &[] };
    let admin = state.store.create_member(Some(campus_id), write, Some(&hash)).await?;
    tracing::info!(campus = %campus_id, admin = %admin.login, by = %caller.member.login, "campus admin created");
    Ok(admin.into())
}

pub const REGISTRY_COLUMNS: [&str; 8] = [
    "school_code",
    "school_name_zh",
    "school_name_pt",
    "school_name_en",
    "campus_code",
    "campus_name_zh",
    "campus_name_pt",
    "campus_name_en",
];

/// Checks a registry import's lines: the lines that parsed and what was wrong with the
/// others, reported with the codes the store finds taken in one go (all must be good).
/// `Err` is a file whose columns are wrong.
pub fn parse_registry_lines(
    header: &[String],
    rows: &[Vec<String>],
) -> Result<(Vec<RegistryRow>, Vec<LineError>), Vec<LineError>> {
    use domain::Invalid;
    let norm: Vec<String> =
        header.iter().map(|h| h.trim().trim_start_matches('\u{feff}').to_ascii_lowercase()).collect();
    let mut errors: Vec<LineError> = norm
        .iter()
        .filter(|h| !h.is_empty() && !REGISTRY_COLUMNS.contains(&h.as_str()))
        .map(|h| LineError { line: 1, column: h.clone(), invalid: Invalid::UnknownColumn })
        .collect();
    for c in ["school_code", "school_name_zh", "campus_code", "campus_name_zh"] {
        if !norm.iter().any(|h| h == c) {
            errors.push(LineError { line: 1, column: c.into(), invalid: Invalid::MissingColumn });
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let col = |row: &Vec<String>, name: &str| -> String {
        norm.iter().position(|h| h == name).and_then(|i| row.get(i)).cloned().unwrap_or_default()
    };
    let mut good = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (i, row) in rows.iter().enumerate() {
        let line = i + 2;
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let mut e = Errors::default();
        let school_code = e.take("school_code", Code::parse(&col(row, "school_code")));
        let campus_code = e.take("campus_code", Code::parse(&col(row, "campus_code")));
        let mut names = |prefix: &str| -> Option<[String; 3]> {
            let zh =
                e.take(&format!("{prefix}_name_zh"), required_text(&col(row, &format!("{prefix}_name_zh")), NAME_MAX));
            let pt =
                e.take(&format!("{prefix}_name_pt"), optional_text(&col(row, &format!("{prefix}_name_pt")), NAME_MAX));
            let en =
                e.take(&format!("{prefix}_name_en"), optional_text(&col(row, &format!("{prefix}_name_en")), NAME_MAX));
            Some([zh?, pt?, en?])
        };
        let school_names = names("school");
        let campus_names = names("campus");
        if let Some(c) = &campus_code
            && !seen.insert(c.as_str().to_ascii_lowercase())
        {
            e.0.push(domain::FieldError::new("campus_code", Invalid::DuplicateInFile));
        }
        match (school_code, campus_code, school_names, campus_names) {
            (Some(school_code), Some(campus_code), Some(school_names), Some(campus_names)) if e.is_empty() => {
                good.push(RegistryRow { line, school_code, school_names, campus_code, campus_names })
            }
            _ => errors.extend(e.0.into_iter().map(|f| LineError { line, column: f.field, invalid: f.invalid })),
        }
    }
    Ok((good, errors))
}

#[derive(serde::Serialize, ToSchema)]
pub struct RegistryImported {
    pub schools_created: usize,
    pub campuses_created: usize,
}

/// `POST /api/v1/registry/import` — CSV (UTF-8 or Big5); all lines or none.
pub async fn import_registry(
    state: &AppState,
    caller: &Caller,
    headers: &HeaderMap,
    body: Bytes,
) -> ApiResult<RegistryImported> {
    bureau_only(caller)?;
    let table = files::read_table(headers, &body)?;
    let (rows, refused) = parse_registry_lines(&table.header, &table.rows).map_err(ApiError::import)?;
    let (schools_created, campuses_created) = state.store.import_registry(&rows, refused).await?;
    tracing::info!(schools_created, campuses_created, by = %caller.member.login, "registry imported");
    Ok(RegistryImported { schools_created, campuses_created })
}
