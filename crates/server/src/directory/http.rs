//! The directory routes: each parses its input and calls one action of `super`.

use super::*;

/// `GET /api/v1/campuses/{campus_id}/departments`
#[utoipa::path(
    get,
    path = "/campuses/{campus_id}/departments",
    tag = "directory",
    operation_id = "list_departments",
    summary = "The campus's departments, flat (a connected campus sees the exposed ones)",
    params(
        ("campus_id" = uuid::Uuid, Path, description = "The campus"),
    ),
    responses(
        (status = 200, description = "The departments", body = Vec<wire::DepartmentOut>),
    ),
)]
pub async fn list_departments(
    State(state): State<AppState>,
    caller: Caller,
    Path(campus): Path<CampusId>,
) -> ApiResult<Json<Vec<wire::DepartmentOut>>> {
    Ok(Json(super::list_departments(&state, &caller, campus).await?))
}

/// `POST /api/v1/campuses/{campus_id}/departments`
#[utoipa::path(
    post,
    path = "/campuses/{campus_id}/departments",
    tag = "directory",
    operation_id = "create_department",
    summary = "Create a department (admin)",
    params(
        ("campus_id" = uuid::Uuid, Path, description = "The campus"),
    ),
    request_body = DepartmentInput,
    responses(
        (status = 201, description = "Created", body = wire::Department),
    ),
)]
pub async fn create_department(
    State(state): State<AppState>,
    caller: Caller,
    Path(campus): Path<CampusId>,
    Json(input): Json<DepartmentInput>,
) -> ApiResult<(StatusCode, Json<wire::Department>)> {
    Ok((StatusCode::CREATED, Json(super::create_department(&state, &caller, campus, input).await?)))
}

/// `PATCH /api/v1/campuses/{campus_id}/departments/{department_id}`
#[utoipa::path(
    patch,
    path = "/campuses/{campus_id}/departments/{department_id}",
    tag = "directory",
    operation_id = "rename_department",
    summary = "Rename a department (admin)",
    params(
        ("campus_id" = uuid::Uuid, Path, description = "The campus"),
        ("department_id" = uuid::Uuid, Path, description = "The department"),
    ),
    request_body = DepartmentInput,
    responses(
        (status = 200, description = "Renamed", body = wire::Department),
    ),
)]
pub async fn rename_department(
    State(state): State<AppState>,
    caller: Caller,
    Path((campus, dept)): Path<(CampusId, DepartmentId)>,
    Json(input): Json<DepartmentInput>,
) -> ApiResult<Json<wire::Department>> {
    Ok(Json(super::rename_department(&state, &caller, (campus, dept), input).await?))
}

/// `POST /api/v1/campuses/{campus_id}/departments/{department_id}/move`
#[utoipa::path(
    post,
    path = "/campuses/{campus_id}/departments/{department_id}/move",
    tag = "directory",
    operation_id = "move_department",
    summary = "Move or reorder a department (admin)",
    params(
        ("campus_id" = uuid::Uuid, Path, description = "The campus"),
        ("department_id" = uuid::Uuid, Path, description = "The department"),
    ),
    request_body = MoveInput,
    responses(
        (status = 200, description = "Moved", body = wire::Department),
    ),
)]
pub async fn move_department(
    State(state): State<AppState>,
    caller: Caller,
    Path((campus, dept)): Path<(CampusId, DepartmentId)>,
    Json(input): Json<MoveInput>,
) -> ApiResult<Json<wire::Department>> {
    Ok(Json(super::move_department(&state, &caller, (campus, dept), input).await?))
}

/// `DELETE /api/v1/campuses/{campus_id}/departments/{department_id}`
#[utoipa::path(
    delete,
    path = "/campuses/{campus_id}/departments/{department_id}",
    tag = "directory",
    operation_id = "delete_department",
    summary = "Delete an empty department (admin)",
    params(
        ("campus_id" = uuid::Uuid, Path, description = "The campus"),
        ("department_id" = uuid::Uuid, Path, description = "The department"),
    ),
    responses(
        (status = 204, description = "Deleted"),
    ),
)]
pub async fn delete_department(
    State(state): State<AppState>,
    caller: Caller,
    Path((campus, dept)): Path<(CampusId, DepartmentId)>,
) -> ApiResult<StatusCode> {
    super::delete_department(&state, &caller, (campus, dept)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/campuses/{campus_id}/members`
#[utoipa::path(
    get,
    path = "/campuses/{campus_id}/members",
    tag = "directory",
    operation_id = "list_members",
    summary = "List or search members",
    params(
        ("campus_id" = uuid::Uuid, Path, description = "The campus"),
        ListQuery,
    ),
    responses(
        (status = 200, description = "A page of members", body = wire::MemberPage),
    ),
)]
pub async fn list_members(
    State(state): State<AppState>,
    caller: Caller,
    Path(campus): Path<CampusId>,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<wire::MemberPage>> {
    Ok(Json(super::list_members(&state, &caller, campus, q).await?))
}

/// `GET /api/v1/campuses/{campus_id}/members/{member_id}`
#[utoipa::path(
    get,
    path = "/campuses/{campus_id}/members/{member_id}",
    tag = "directory",
    operation_id = "get_member",
    summary = "A member's card",
    params(
        ("campus_id" = uuid::Uuid, Path, description = "The campus"),
        ("member_id" = uuid::Uuid, Path, description = "The member"),
    ),
    responses(
        (status = 200, description = "The card", body = wire::Member),
    ),
)]
pub async fn get_member(
    State(state): State<AppState>,
    caller: Caller,
    Path((campus, member)): Path<(CampusId, MemberId)>,
) -> ApiResult<Json<wire::Member>> {
    Ok(Json(super::get_member(&state, &caller, (campus, member)).await?))
}

/// `POST /api/v1/campuses/{campus_id}/members`
#[utoipa::path(
    post,
    path = "/campuses/{campus_id}/members",
    tag = "directory",
    operation_id = "create_member",
    summary = "Create a member (admin)",
    params(
        ("campus_id" = uuid::Uuid, Path, description = "The campus"),
    ),
    request_body = MemberInput,
    responses(
        (status = 201, description = "Created", body = wire::Member),
    ),
)]
pub async fn create_member(
    State(state): State<AppState>,
    caller: Caller,
    Path(campus): Path<CampusId>,
    Json(input): Json<MemberInput>,
) -> ApiResult<(StatusCode, Json<wire::Member>)> {
    Ok((StatusCode::CREATED, Json(super::create_member(&state, &caller, campus, input).await?)))
}

/// `PATCH /api/v1/campuses/{campus_id}/members/{member_id}`
#[utoipa::path(
    patch,
    path = "/campuses/{campus_id}/members/{member_id}",
    tag = "directory",
    operation_id = "update_member",
    summary = "Edit a member (admin)",
    params(
        ("campus_id" = uuid::Uuid, Path, description = "The campus"),
        ("member_id" = uuid::Uuid, Path, description = "The member"),
    ),
    request_body = MemberInput,
    responses(
        (status = 200, description = "Edited", body = wire::Member),
    ),
)]
pub async fn update_member(
    State(state): State<AppState>,
    caller: Caller,
    Path((campus, member)): Path<(CampusId, MemberId)>,
    Json(input): Json<MemberInput>,
) -> ApiResult<Json<wire::Member>> {
    Ok(Json(super::update_member(&state, &caller, (campus, member), input).await?))
}

/// `POST /api/v1/campuses/{campus_id}/members/{member_id}/disable`
#[utoipa::path(
    post,
    path = "/campuses/{campus_id}/members/{member_id}/disable",
    tag = "directory",
    operation_id = "disable_member",
    summary = "Disable a member (admin; ends their sessions)",
    params(
        ("campus_id" = uuid::Uuid, Path, description = "The campus"),
        ("member_id" = uuid::Uuid, Path, description = "The member"),
    ),
    responses(
        (status = 200, description = "Disabled", body = wire::Member),
    ),
)]
pub async fn disable_member(
    State(state): State<AppState>,
    caller: Caller,
    Path((campus, member)): Path<(CampusId, MemberId)>,
) -> ApiResult<Json<wire::Member>> {
    Ok(Json(super::disable_member(&state, &caller, (campus, member)).await?))
}

/// `POST /api/v1/campuses/{campus_id}/members/{member_id}/enable`
#[utoipa::path(
    post,
    path = "/campuses/{campus_id}/members/{member_id}/enable",
    tag = "directory",
    operation_id = "enable_member",
    summary = "Enable a member (admin)",
    params(
        ("campus_id" = uuid::Uuid, Path, description = "The campus"),
        ("member_id" = uuid::Uuid, Path, description = "The member"),
    ),
    responses(
        (status = 200, description = "Enabled", body = wire::Member),
    ),
)]
pub async fn enable_member(
    State(state): State<AppState>,
    caller: Caller,
    Path((campus, member)): Path<(CampusId, MemberId)>,
) -> ApiResult<Json<wire::Member>> {
    Ok(Json(super::enable_member(&state, &caller, (campus, member)).await?))
}

/// `POST /api/v1/campuses/{campus_id}/members/{member_id}/reset-password`
#[utoipa::path(
    post,
    path = "/campuses/{campus_id}/members/{member_id}/reset-password",
    tag = "directory",
    operation_id = "reset_password",
    summary = "Set a member's password (admin)",
    params(
        ("campus_id" = uuid::Uuid, Path, description = "The campus"),
        ("member_id" = uuid::Uuid, Path, description = "The member"),
    ),
    request_body = ResetInput,
    responses(
        (status = 204, description = "Set"),
    ),
)]
pub async fn reset_password(
    State(state): State<AppState>,
    caller: Caller,
    Path((campus, member)): Path<(CampusId, MemberId)>,
    Json(input): Json<ResetInput>,
) -> ApiResult<StatusCode> {
    super::reset_password(&state, &caller, (campus, member), input).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/campuses/{campus_id}/members/import` — CSV or XLSX; all or nothing.
#[utoipa::path(
    post,
    path = "/campuses/{campus_id}/members/import",
    tag = "directory",
    operation_id = "import_members",
    summary = "Import members from CSV or XLSX, all or nothing (admin)",
    params(
        ("campus_id" = uuid::Uuid, Path, description = "The campus"),
    ),
    request_body(content(("text/csv"), ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")), description = "CSV (UTF-8 or Big5) or XLSX"),
    responses(
        (status = 200, description = "Imported", body = wire::ImportOutcome),
    ),
)]
pub async fn import_members(
    State(state): State<AppState>,
    caller: Caller,
    Path(campus): Path<CampusId>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<wire::ImportOutcome>> {
    Ok(Json(super::import_members(&state, &caller, campus, &headers, body).await?))
}

/// `GET /api/v1/campuses/{campus_id}/members/export?format=csv|xlsx`
#[utoipa::path(
    get,
    path = "/campuses/{campus_id}/members/export",
    tag = "directory",
    operation_id = "export_members",
    summary = "Export members as CSV or XLSX (admin)",
    params(
        ("campus_id" = uuid::Uuid, Path, description = "The campus"),
        FormatQuery,
    ),
    responses(
        (status = 200, description = "A CSV or XLSX file", content(("text/csv"), ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
    ),
)]
pub async fn export_members(
    State(state): State<AppState>,
    caller: Caller,
    Path(campus): Path<CampusId>,
    Query(q): Query<FormatQuery>,
) -> ApiResult<Response> {
    manage(&state, &caller, campus).await?;
    let c = state.store.campus(campus).await?;
    let rows: Vec<Vec<String>> = state
        .store
        .export_members(campus)
        .await?
        .into_iter()
        .map(|(m, paths)| vec![m.login, m.name_zh, m.name_pt, m.title, paths.join(";"), m.phone, m.email, m.staff_no])
        .collect();
    file_response(q.format.as_deref(), &format!("campuslink-{}-members", c.code), &rows)
}

/// `GET /api/v1/campuses/{campus_id}/members/template?format=csv|xlsx`
#[utoipa::path(
    get,
    path = "/campuses/{campus_id}/members/template",
    tag = "directory",
    operation_id = "member_template",
    summary = "Import template as CSV or XLSX (admin)",
    params(
        ("campus_id" = uuid::Uuid, Path, description = "The campus"),
        FormatQuery,
    ),
    responses(
        (status = 200, description = "A CSV or XLSX file", content(("text/csv"), ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
    ),
)]
pub async fn member_template(
    State(state): State<AppState>,
    caller: Caller,
    Path(campus): Path<CampusId>,
    Query(q): Query<FormatQuery>,
) -> ApiResult<Response> {
    manage(&state, &caller, campus).await?;
    file_response(q.format.as_deref(), "campuslink-members-template", &[])
}
