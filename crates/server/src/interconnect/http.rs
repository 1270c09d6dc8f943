//! The interconnect routes: each parses its input and calls one action of `super`.

use super::*;

/// `GET /api/v1/me/school-campuses`
#[utoipa::path(
    get,
    path = "/me/school-campuses",
    tag = "interconnection",
    operation_id = "my_school_campuses",
    summary = "Every campus of the admin's school, to file",
    responses(
        (status = 200, description = "The campuses", body = Vec<wire::Campus>),
    ),
)]
pub async fn my_school_campuses(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<wire::Campus>>> {
    Ok(Json(super::my_school_campuses(&state, &caller).await?))
}

/// `POST /api/v1/filings` — F1/F2: the filing e-mail goes to the bureau.
#[utoipa::path(
    post,
    path = "/filings",
    tag = "interconnection",
    operation_id = "create_filing",
    summary = "File campuses with the bureau (F1–F2); e-mails the bureau",
    request_body = FilingInput,
    responses(
        (status = 201, description = "Filed", body = FilingOut),
    ),
)]
pub async fn create_filing(
    State(state): State<AppState>,
    caller: Caller,
    Json(input): Json<FilingInput>,
) -> ApiResult<(StatusCode, Json<FilingOut>)> {
    Ok((StatusCode::CREATED, Json(super::create_filing(&state, &caller, input).await?)))
}

/// `GET /api/v1/filings`
#[utoipa::path(
    get,
    path = "/filings",
    tag = "interconnection",
    operation_id = "list_filings",
    summary = "Filings (admin: naming their campus; bureau: all)",
    params(
        FilingQuery,
    ),
    responses(
        (status = 200, description = "The filings", body = Vec<FilingOut>),
    ),
)]
pub async fn list_filings(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<FilingQuery>,
) -> ApiResult<Json<Vec<FilingOut>>> {
    Ok(Json(super::list_filings(&state, &caller, q).await?))
}

/// `POST /api/v1/filings/{filing_id}/confirm` — F3.
#[utoipa::path(
    post,
    path = "/filings/{filing_id}/confirm",
    tag = "interconnection",
    operation_id = "confirm_filing",
    summary = "Confirm a filing (bureau, F3); e-mails the campuses' admins",
    params(
        ("filing_id" = uuid::Uuid, Path, description = "The filing"),
    ),
    responses(
        (status = 200, description = "Confirmed", body = FilingOut),
    ),
)]
pub async fn confirm_filing(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<FilingId>,
) -> ApiResult<Json<FilingOut>> {
    Ok(Json(super::confirm_filing(&state, &caller, id).await?))
}

/// `POST /api/v1/filings/{filing_id}/reject`
#[utoipa::path(
    post,
    path = "/filings/{filing_id}/reject",
    tag = "interconnection",
    operation_id = "reject_filing",
    summary = "Reject a filing with a reason (bureau)",
    params(
        ("filing_id" = uuid::Uuid, Path, description = "The filing"),
    ),
    request_body = DecisionInput,
    responses(
        (status = 200, description = "Rejected", body = FilingOut),
    ),
)]
pub async fn reject_filing(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<FilingId>,
    Json(input): Json<DecisionInput>,
) -> ApiResult<Json<FilingOut>> {
    Ok(Json(super::reject_filing(&state, &caller, id, input).await?))
}

/// `GET /api/v1/interconnections`
#[utoipa::path(
    get,
    path = "/interconnections",
    tag = "interconnection",
    operation_id = "list_interconnections",
    summary = "Interconnections the admin's campus is or was in",
    responses(
        (status = 200, description = "The interconnections", body = Vec<InterconnectionOut>),
    ),
)]
pub async fn list_interconnections(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<InterconnectionOut>>> {
    Ok(Json(super::list_interconnections(&state, &caller).await?))
}

/// `POST /api/v1/interconnections` — S2: the admin's campus initiates.
#[utoipa::path(
    post,
    path = "/interconnections",
    tag = "interconnection",
    operation_id = "create_interconnection",
    summary = "Initiate an interconnection (S2)",
    request_body = NameInput,
    responses(
        (status = 201, description = "Created", body = InterconnectionOut),
    ),
)]
pub async fn create_interconnection(
    State(state): State<AppState>,
    caller: Caller,
    Json(input): Json<NameInput>,
) -> ApiResult<(StatusCode, Json<InterconnectionOut>)> {
    Ok((StatusCode::CREATED, Json(super::create_interconnection(&state, &caller, input).await?)))
}

/// `POST /api/v1/interconnections/{ic_id}/invitations` — S2: the QR code.
#[utoipa::path(
    post,
    path = "/interconnections/{ic_id}/invitations",
    tag = "interconnection",
    operation_id = "create_invitation",
    summary = "Invite a campus: token, link and QR code (S2)",
    params(
        ("ic_id" = uuid::Uuid, Path, description = "The interconnection"),
    ),
    responses(
        (status = 201, description = "Created", body = InvitationCreated),
    ),
)]
pub async fn create_invitation(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<InterconnectionId>,
) -> ApiResult<(StatusCode, Json<InvitationCreated>)> {
    Ok((StatusCode::CREATED, Json(super::create_invitation(&state, &caller, &headers, id).await?)))
}

/// `GET /api/v1/interconnections/{ic_id}/invitations`
#[utoipa::path(
    get,
    path = "/interconnections/{ic_id}/invitations",
    tag = "interconnection",
    operation_id = "list_invitations",
    summary = "Pending invitations (initiator)",
    params(
        ("ic_id" = uuid::Uuid, Path, description = "The interconnection"),
    ),
    responses(
        (status = 200, description = "The invitations", body = Vec<wire::Invitation>),
    ),
)]
pub async fn list_invitations(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<InterconnectionId>,
) -> ApiResult<Json<Vec<wire::Invitation>>> {
    Ok(Json(super::list_invitations(&state, &caller, id).await?))
}

/// `POST /api/v1/invitations/{invitation_id}/revoke`
#[utoipa::path(
    post,
    path = "/invitations/{invitation_id}/revoke",
    tag = "interconnection",
    operation_id = "revoke_invitation",
    summary = "Revoke an invitation (initiator)",
    params(
        ("invitation_id" = uuid::Uuid, Path, description = "The invitation"),
    ),
    responses(
        (status = 204, description = "Revoked"),
    ),
)]
pub async fn revoke_invitation(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<InvitationId>,
) -> ApiResult<StatusCode> {
    super::revoke_invitation(&state, &caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/invitations/preview?token=…` — what the accept page shows.
#[utoipa::path(
    get,
    path = "/invitations/preview",
    tag = "interconnection",
    operation_id = "preview_invitation",
    summary = "What an invitation link offers, and any refusal",
    params(
        TokenQuery,
    ),
    responses(
        (status = 200, description = "The offer", body = InvitationPreview),
    ),
)]
pub async fn preview_invitation(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<TokenQuery>,
) -> ApiResult<Json<InvitationPreview>> {
    Ok(Json(super::preview_invitation(&state, &caller, q).await?))
}

/// `POST /api/v1/invitations/accept` — S3: 建立互聯.
#[utoipa::path(
    post,
    path = "/invitations/accept",
    tag = "interconnection",
    operation_id = "accept_invitation",
    summary = "Establish the interconnection (S3: 建立互聯)",
    request_body = TokenInput,
    responses(
        (status = 200, description = "Joined", body = InterconnectionOut),
    ),
)]
pub async fn accept_invitation(
    State(state): State<AppState>,
    caller: Caller,
    Json(input): Json<TokenInput>,
) -> ApiResult<Json<InterconnectionOut>> {
    Ok(Json(super::accept_invitation(&state, &caller, input).await?))
}

/// `GET /api/v1/interconnections/{ic_id}/exposure/{campus_id}`
#[utoipa::path(
    get,
    path = "/interconnections/{ic_id}/exposure/{campus_id}",
    tag = "interconnection",
    operation_id = "get_exposure",
    summary = "A campus's external directory (its own admin)",
    params(
        ("ic_id" = uuid::Uuid, Path, description = "The interconnection"),
        ("campus_id" = uuid::Uuid, Path, description = "The campus"),
    ),
    responses(
        (status = 200, description = "The external directory", body = ExposureOut),
    ),
)]
pub async fn get_exposure(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, campus)): Path<(InterconnectionId, CampusId)>,
) -> ApiResult<Json<ExposureOut>> {
    Ok(Json(super::get_exposure(&state, &caller, (id, campus)).await?))
}

/// `PUT /api/v1/interconnections/{ic_id}/exposure/{campus_id}` — S4: 導入部門/成員.
#[utoipa::path(
    put,
    path = "/interconnections/{ic_id}/exposure/{campus_id}",
    tag = "interconnection",
    operation_id = "put_exposure",
    summary = "Set a campus's external directory (S4: 導入部門/成員)",
    params(
        ("ic_id" = uuid::Uuid, Path, description = "The interconnection"),
        ("campus_id" = uuid::Uuid, Path, description = "The campus"),
    ),
    request_body = ExposureInput,
    responses(
        (status = 200, description = "Set", body = ExposureOut),
    ),
)]
pub async fn put_exposure(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, campus)): Path<(InterconnectionId, CampusId)>,
    Json(input): Json<ExposureInput>,
) -> ApiResult<Json<ExposureOut>> {
    Ok(Json(super::put_exposure(&state, &caller, (id, campus), input).await?))
}

/// `POST /api/v1/interconnections/{ic_id}/publish` — S5: 未發布 → 已發布.
#[utoipa::path(
    post,
    path = "/interconnections/{ic_id}/publish",
    tag = "interconnection",
    operation_id = "publish",
    summary = "Publish (S5: 未發布 → 已發布; initiator)",
    params(
        ("ic_id" = uuid::Uuid, Path, description = "The interconnection"),
    ),
    responses(
        (status = 200, description = "Published", body = InterconnectionOut),
    ),
)]
pub async fn publish(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<InterconnectionId>,
) -> ApiResult<Json<InterconnectionOut>> {
    Ok(Json(super::publish(&state, &caller, id).await?))
}

/// `GET /api/v1/connected-campuses` — the campuses whose external directory the caller
/// sees; empty for anyone who is not in their own campus's external directory.
#[utoipa::path(
    get,
    path = "/connected-campuses",
    tag = "interconnection",
    operation_id = "connected_campuses",
    summary = "Campuses whose external directory the caller sees (V1, V2)",
    responses(
        (status = 200, description = "The campuses", body = Vec<ConnectedCampus>),
    ),
)]
pub async fn connected_campuses(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<ConnectedCampus>>> {
    Ok(Json(super::connected_campuses(&state, &caller).await?))
}

/// `POST /api/v1/interconnections/{ic_id}/campuses/{campus_id}/removal` — D2: a QR code
/// bound to this admin and this action, valid two minutes, single use.
#[utoipa::path(
    post,
    path = "/interconnections/{ic_id}/campuses/{campus_id}/removal",
    tag = "interconnection",
    operation_id = "start_removal",
    summary = "Start removing a campus: identity confirmation QR code (D2)",
    params(
        ("ic_id" = uuid::Uuid, Path, description = "The interconnection"),
        ("campus_id" = uuid::Uuid, Path, description = "The campus"),
    ),
    responses(
        (status = 201, description = "Started", body = ConfirmationStarted),
    ),
)]
pub async fn start_removal(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path((id, target)): Path<(InterconnectionId, CampusId)>,
) -> ApiResult<(StatusCode, Json<ConfirmationStarted>)> {
    Ok((StatusCode::CREATED, Json(super::start_removal(&state, &caller, &headers, (id, target)).await?)))
}

/// `GET /api/v1/confirmations/{confirmation_id}` — the console polls this.
#[utoipa::path(
    get,
    path = "/confirmations/{confirmation_id}",
    tag = "interconnection",
    operation_id = "get_confirmation",
    summary = "A confirmation's status",
    params(
        ("confirmation_id" = uuid::Uuid, Path, description = "The confirmation"),
    ),
    responses(
        (status = 200, description = "The confirmation", body = ConfirmationOut),
    ),
)]
pub async fn get_confirmation(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<ConfirmationId>,
) -> ApiResult<Json<ConfirmationOut>> {
    Ok(Json(super::get_confirmation(&state, &caller, id).await?))
}

/// `GET /api/v1/confirmations/preview?token=…` — the phone's approve page.
#[utoipa::path(
    get,
    path = "/confirmations/preview",
    tag = "interconnection",
    operation_id = "preview_confirmation",
    summary = "What a confirmation link approves (the same admin)",
    params(
        TokenQuery,
    ),
    responses(
        (status = 200, description = "The confirmation", body = ConfirmationPreview),
    ),
)]
pub async fn preview_confirmation(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<TokenQuery>,
) -> ApiResult<Json<ConfirmationPreview>> {
    Ok(Json(super::preview_confirmation(&state, &caller, q).await?))
}

/// `POST /api/v1/confirmations/approve` — scanned and approved on the phone.
#[utoipa::path(
    post,
    path = "/confirmations/approve",
    tag = "interconnection",
    operation_id = "approve_confirmation",
    summary = "Approve from the phone (the same admin)",
    request_body = TokenInput,
    responses(
        (status = 200, description = "Approved", body = ConfirmationOut),
    ),
)]
pub async fn approve_confirmation(
    State(state): State<AppState>,
    caller: Caller,
    Json(input): Json<TokenInput>,
) -> ApiResult<Json<ConfirmationOut>> {
    Ok(Json(super::approve_confirmation(&state, &caller, input).await?))
}

/// `POST /api/v1/confirmations/{confirmation_id}/password` — the fallback: the admin
/// types their password again.
#[utoipa::path(
    post,
    path = "/confirmations/{confirmation_id}/password",
    tag = "interconnection",
    operation_id = "confirm_with_password",
    summary = "Approve by re-entering the password (fallback)",
    params(
        ("confirmation_id" = uuid::Uuid, Path, description = "The confirmation"),
    ),
    request_body = PasswordInput,
    responses(
        (status = 200, description = "Approved", body = ConfirmationOut),
    ),
)]
pub async fn confirm_with_password(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<ConfirmationId>,
    Json(input): Json<PasswordInput>,
) -> ApiResult<Json<ConfirmationOut>> {
    Ok(Json(super::confirm_with_password(&state, &caller, id, input).await?))
}

/// `DELETE /api/v1/interconnections/{ic_id}/campuses/{campus_id}?confirmation_id=…` —
/// D1: 移除, after the confirmation and the final dialog. Removing the last other
/// campus dissolves the interconnection. Both sides' admins are told by e-mail.
#[utoipa::path(
    delete,
    path = "/interconnections/{ic_id}/campuses/{campus_id}",
    tag = "interconnection",
    operation_id = "remove_campus",
    summary = "Remove a campus (D1: 移除) with an approved confirmation",
    params(
        ("ic_id" = uuid::Uuid, Path, description = "The interconnection"),
        ("campus_id" = uuid::Uuid, Path, description = "The campus"),
        RemoveQuery,
    ),
    responses(
        (status = 200, description = "Removed", body = InterconnectionOut),
    ),
)]
pub async fn remove_campus(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, target)): Path<(InterconnectionId, CampusId)>,
    Query(q): Query<RemoveQuery>,
) -> ApiResult<Json<InterconnectionOut>> {
    Ok(Json(super::remove_campus(&state, &caller, (id, target), q).await?))
}

/// `GET /api/v1/audit` — campus admins see the entries about their campus; the bureau
/// sees all. `format=csv` downloads them.
#[utoipa::path(
    get,
    path = "/audit",
    tag = "interconnection",
    operation_id = "audit",
    summary = "Audit log (admin: their campus; bureau: all)",
    params(
        AuditQuery,
    ),
    responses(
        (status = 200, description = "The entries (JSON, or CSV with format=csv)", content((Vec<AuditEntryOut> = "application/json"), (String = "text/csv"))),
    ),
)]
pub async fn audit(State(state): State<AppState>, caller: Caller, Query(q): Query<AuditQuery>) -> ApiResult<Response> {
    let campus = match oversight_scope(&caller.viewer) {
        Some(Scope::All) => None,
        Some(Scope::Campus(c)) => Some(c),
        None => return Err(ApiError::forbidden()),
    };
    if q.action.as_ref().is_some_and(|a| a.len() > 64) {
        return Err(ApiError::field("action", Invalid::TooLong));
    }
    let filter = AuditFilter {
        campus,
        action: q.action.filter(|a| !a.is_empty()),
        since: q.since,
        until: q.until,
        limit: q.limit.unwrap_or(1000),
    };
    let entries = state.store.audit(&filter).await?;
    let codes: HashMap<CampusId, String> =
        state.store.list_schools().await?.into_iter().flat_map(|s| s.campuses).map(|c| (c.id, c.code)).collect();
    let campus_codes = |ids: &[CampusId]| ids.iter().filter_map(|c| codes.get(c).cloned()).collect::<Vec<_>>();
    match q.format.as_deref().unwrap_or("json") {
        "json" => {
            let out: Vec<AuditEntryOut> = entries
                .iter()
                .map(|e| AuditEntryOut {
                    id: e.id.clone(),
                    at: e.at,
                    actor_login: e.actor_login.clone(),
                    action: e.action.clone(),
                    interconnection_id: e.interconnection_id,
                    campus_codes: campus_codes(&e.campus_ids),
                    detail: serde_json::from_str::<Value>(&e.detail).unwrap_or(Value::String(e.detail.clone())),
                })
                .collect();
            Ok(axum::Json(out).into_response())
        }
        "csv" => {
            let header: Vec<String> =
                ["at", "actor", "action", "campuses", "detail"].iter().map(|s| s.to_string()).collect();
            let rows: Vec<Vec<String>> = entries
                .iter()
                .map(|e| {
                    vec![
                        domain::time::iso(e.at),
                        e.actor_login.clone(),
                        e.action.clone(),
                        campus_codes(&e.campus_ids).join(";"),
                        e.detail.clone(),
                    ]
                })
                .collect();
            Ok(crate::files::csv_download("campuslink-audit.csv", &header, &rows))
        }
        _ => Err(ApiError::field("format", Invalid::InvalidFormat)),
    }
}
