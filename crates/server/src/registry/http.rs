//! The registry routes: each parses its input and calls one action of `super`.

use super::*;

/// `GET /api/v1/schools`
#[utoipa::path(
    get,
    path = "/schools",
    tag = "registry",
    operation_id = "list_schools",
    summary = "Schools with their campuses (bureau)",
    responses(
        (status = 200, description = "Every school", body = Vec<wire::SchoolWithCampuses>),
    ),
)]
pub async fn list_schools(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<wire::SchoolWithCampuses>>> {
    Ok(Json(super::list_schools(&state, &caller).await?))
}

/// `POST /api/v1/schools`
#[utoipa::path(
    post,
    path = "/schools",
    tag = "registry",
    operation_id = "create_school",
    summary = "Create a school (bureau)",
    request_body = RegistryInput,
    responses(
        (status = 201, description = "Created", body = wire::School),
    ),
)]
pub async fn create_school(
    State(state): State<AppState>,
    caller: Caller,
    Json(input): Json<RegistryInput>,
) -> ApiResult<(StatusCode, Json<wire::School>)> {
    Ok((StatusCode::CREATED, Json(super::create_school(&state, &caller, input).await?)))
}

/// `PATCH /api/v1/schools/{school_id}`
#[utoipa::path(
    patch,
    path = "/schools/{school_id}",
    tag = "registry",
    operation_id = "update_school",
    summary = "Rename a school (bureau)",
    params(
        ("school_id" = uuid::Uuid, Path, description = "The school"),
    ),
    request_body = RegistryInput,
    responses(
        (status = 200, description = "Renamed", body = wire::School),
    ),
)]
pub async fn update_school(
    State(state): State<AppState>,
    caller: Caller,
    Path(school_id): Path<SchoolId>,
    Json(input): Json<RegistryInput>,
) -> ApiResult<Json<wire::School>> {
    Ok(Json(super::update_school(&state, &caller, school_id, input).await?))
}

/// `POST /api/v1/schools/{school_id}/campuses`
#[utoipa::path(
    post,
    path = "/schools/{school_id}/campuses",
    tag = "registry",
    operation_id = "create_campus",
    summary = "Create a campus (bureau)",
    params(
        ("school_id" = uuid::Uuid, Path, description = "The school"),
    ),
    request_body = RegistryInput,
    responses(
        (status = 201, description = "Created", body = wire::Campus),
    ),
)]
pub async fn create_campus(
    State(state): State<AppState>,
    caller: Caller,
    Path(school_id): Path<SchoolId>,
    Json(input): Json<RegistryInput>,
) -> ApiResult<(StatusCode, Json<wire::Campus>)> {
    Ok((StatusCode::CREATED, Json(super::create_campus(&state, &caller, school_id, input).await?)))
}

/// `PATCH /api/v1/campuses/{campus_id}`
#[utoipa::path(
    patch,
    path = "/campuses/{campus_id}",
    tag = "registry",
    operation_id = "update_campus",
    summary = "Rename a campus (bureau)",
    params(
        ("campus_id" = uuid::Uuid, Path, description = "The campus"),
    ),
    request_body = RegistryInput,
    responses(
        (status = 200, description = "Renamed", body = wire::Campus),
    ),
)]
pub async fn update_campus(
    State(state): State<AppState>,
    caller: Caller,
    Path(campus_id): Path<CampusId>,
    Json(input): Json<RegistryInput>,
) -> ApiResult<Json<wire::Campus>> {
    Ok(Json(super::update_campus(&state, &caller, campus_id, input).await?))
}

/// `GET /api/v1/campuses/{campus_id}/admins`
#[utoipa::path(
    get,
    path = "/campuses/{campus_id}/admins",
    tag = "registry",
    operation_id = "list_admins",
    summary = "A campus's admins (bureau)",
    params(
        ("campus_id" = uuid::Uuid, Path, description = "The campus"),
    ),
    responses(
        (status = 200, description = "The admins", body = Vec<wire::Member>),
    ),
)]
pub async fn list_admins(
    State(state): State<AppState>,
    caller: Caller,
    Path(campus_id): Path<CampusId>,
) -> ApiResult<Json<Vec<wire::Member>>> {
    Ok(Json(super::list_admins(&state, &caller, campus_id).await?))
}

/// `POST /api/v1/campuses/{campus_id}/admins` — a campus's first (or another) admin.
#[utoipa::path(
    post,
    path = "/campuses/{campus_id}/admins",
    tag = "registry",
    operation_id = "create_admin",
    summary = "Create a campus admin (bureau)",
    params(
        ("campus_id" = uuid::Uuid, Path, description = "The campus"),
    ),
    request_body = AdminInput,
    responses(
        (status = 201, description = "Created", body = wire::Member),
    ),
)]
pub async fn create_admin(
    State(state): State<AppState>,
    caller: Caller,
    Path(campus_id): Path<CampusId>,
    Json(input): Json<AdminInput>,
) -> ApiResult<(StatusCode, Json<wire::Member>)> {
    Ok((StatusCode::CREATED, Json(super::create_admin(&state, &caller, campus_id, input).await?)))
}

/// `POST /api/v1/registry/import` — CSV (UTF-8 or Big5); all lines or none.
#[utoipa::path(
    post,
    path = "/registry/import",
    tag = "registry",
    operation_id = "import_registry",
    summary = "Import schools and campuses from CSV, all or nothing (bureau)",
    request_body(content(("text/csv")), description = "CSV, UTF-8 or Big5"),
    responses(
        (status = 200, description = "Imported", body = RegistryImported),
    ),
)]
pub async fn import_registry(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<RegistryImported>> {
    Ok(Json(super::import_registry(&state, &caller, &headers, body).await?))
}

/// `GET /api/v1/registry/template.csv`
#[utoipa::path(
    get,
    path = "/registry/template.csv",
    tag = "registry",
    operation_id = "registry_template",
    summary = "The registry import template (bureau)",
    responses(
        (status = 200, description = "A CSV file", content_type = "text/csv", body = String),
    ),
)]
pub async fn registry_template(caller: Caller) -> ApiResult<Response> {
    bureau_only(&caller)?;
    let header: Vec<String> = REGISTRY_COLUMNS.iter().map(|s| s.to_string()).collect();
    Ok(files::csv_download("campuslink-registry.csv", &header, &[]).into_response())
}
