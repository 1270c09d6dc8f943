//! Campus interconnection (校部互聯), following the bureau's guide: filing (F1–F4),
//! invitation by QR code (S1–S3), external directory (S4), publishing (S5), seeing
//! across (V1, V2, C1), removal with identity confirmation (D1, D2), and the audit log.
//! Each action (called by the thin routes of `http`) loads the facts, asks
//! `domain::interconnection`, and acts; every step writes its audit entry, e-mails
//! (`letters`) and events in the same transaction as the change.

pub mod http;

use crate::AppState;
use crate::auth::{Caller, random_token, token_hash, verify_password};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path, Query};
use crate::letters;
use crate::wire;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use domain::access::{Access, Role, Scope, oversight_scope};
use domain::interconnection::{self as rules, Refusal, Token};
use domain::values::{NAME_MAX, required_text};
use domain::{CampusId, ConfirmationId, ErrorCode, FilingId, InterconnectionId, Invalid, InvitationId, SchoolId};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::HashMap;
use store::{Audit, AuditFilter, Campus, Effects, Exposure, Filing, FilingStatus, Interconnection, Invitation, School};
use utoipa::{IntoParams, ToSchema};

/// A filing as the consoles show it, with its school, campuses and filer.
#[derive(Serialize, ToSchema)]
pub struct FilingOut {
    #[schema(value_type = uuid::Uuid)]
    pub id: FilingId,
    pub number: String,
    #[schema(required = true)]
    pub school: Option<wire::School>,
    pub campuses: Vec<wire::Campus>,
    #[schema(value_type = wire::FilingStatus)]
    pub status: FilingStatus,
    pub reason: String,
    pub filed_by: FiledBy,
    pub created_at: i64,
    #[schema(required = true)]
    pub decided_at: Option<i64>,
}

/// Who filed, as the bureau sees it.
#[derive(Serialize, ToSchema)]
pub struct FiledBy {
    #[schema(value_type = uuid::Uuid)]
    pub id: domain::MemberId,
    #[schema(required = true)]
    pub name_zh: Option<String>,
    #[schema(required = true)]
    pub campus_code: Option<String>,
}

/// The caller's campus's part in an interconnection.
#[derive(Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MyRole {
    Initiator,
    Member,
    /// Removed, or the interconnection was dissolved.
    Former,
}

/// A campus in an interconnection.
#[derive(Serialize, ToSchema)]
pub struct IcCampusOut {
    #[serde(flatten)]
    pub campus: wire::Campus,
    pub joined_at: i64,
    pub exposed_members: i64,
}

#[derive(Serialize, ToSchema)]
pub struct InterconnectionOut {
    #[schema(value_type = uuid::Uuid)]
    pub id: InterconnectionId,
    pub name: String,
    #[schema(value_type = uuid::Uuid)]
    pub school_id: SchoolId,
    #[schema(required = true)]
    pub initiator: Option<wire::Campus>,
    pub published: bool,
    #[schema(required = true)]
    pub published_at: Option<i64>,
    pub dissolved: bool,
    #[schema(required = true)]
    pub dissolved_at: Option<i64>,
    /// The campuses in it now.
    pub campuses: Vec<IcCampusOut>,
    pub my_role: MyRole,
}

/// An interconnection named in another body.
#[derive(Serialize, ToSchema)]
pub struct IcRef {
    #[schema(value_type = uuid::Uuid)]
    pub id: InterconnectionId,
    pub name: String,
}

/// A new invitation with what only its creator ever sees: the token, its link and
/// the link as a QR code.
#[derive(Serialize, ToSchema)]
pub struct InvitationCreated {
    #[serde(flatten)]
    pub invitation: wire::Invitation,
    pub token: String,
    pub url: String,
    pub qr_svg: String,
}

/// What an invitation link offers; `refusal` is the code accepting would answer.
#[derive(Serialize, ToSchema)]
pub struct InvitationPreview {
    pub interconnection: IcRef,
    pub inviting_campus: wire::Campus,
    pub school: wire::School,
    pub expires_at: i64,
    #[schema(required = true)]
    pub refusal: Option<String>,
}

/// A campus's external directory in one interconnection.
#[derive(Serialize, ToSchema)]
pub struct ExposureOut {
    #[schema(value_type = Vec<uuid::Uuid>)]
    pub department_ids: Vec<domain::DepartmentId>,
    #[schema(value_type = Vec<uuid::Uuid>)]
    pub member_ids: Vec<domain::MemberId>,
    pub show_phone: bool,
    pub show_email: bool,
    /// Active members the external directory shows.
    pub exposed_members: i64,
}

/// A campus whose external directory the caller sees, and through which
/// interconnection.
#[derive(Serialize, ToSchema)]
pub struct ConnectedCampus {
    #[serde(flatten)]
    pub campus: wire::Campus,
    #[schema(value_type = uuid::Uuid)]
    pub interconnection_id: InterconnectionId,
    pub interconnection_name: String,
}

#[derive(Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConfirmationStatus {
    Pending,
    Approved,
    Used,
    Expired,
}

/// An identity confirmation (D2).
#[derive(Serialize, ToSchema)]
pub struct ConfirmationOut {
    #[schema(value_type = uuid::Uuid)]
    pub id: ConfirmationId,
    pub status: ConfirmationStatus,
    pub expires_at: i64,
    #[schema(value_type = uuid::Uuid)]
    pub interconnection_id: InterconnectionId,
    #[schema(value_type = uuid::Uuid)]
    pub target_campus_id: CampusId,
}

/// A started confirmation with its QR code (only its admin's console sees it).
#[derive(Serialize, ToSchema)]
pub struct ConfirmationStarted {
    #[serde(flatten)]
    pub confirmation: ConfirmationOut,
    pub token: String,
    pub url: String,
    pub qr_svg: String,
}

/// What the phone shows before approving.
#[derive(Serialize, ToSchema)]
pub struct ConfirmationPreview {
    #[serde(flatten)]
    pub confirmation: ConfirmationOut,
    pub action: String,
    pub interconnection: IcRef,
    pub target: wire::Campus,
}

#[derive(Serialize, ToSchema)]
pub struct AuditEntryOut {
    pub id: String,
    pub at: i64,
    pub actor_login: String,
    pub action: String,
    #[schema(value_type = Option<uuid::Uuid>, required = true)]
    pub interconnection_id: Option<InterconnectionId>,
    pub campus_codes: Vec<String>,
    /// What the step recorded (an object; older entries may hold a string).
    pub detail: Value,
}

/// What an admin step needs: the caller's campus and school.
struct AdminCtx {
    campus: Campus,
    school: School,
}

async fn admin_ctx(state: &AppState, caller: &Caller) -> ApiResult<AdminCtx> {
    match (caller.viewer.role, caller.viewer.campus_id) {
        (Role::Admin, Some(c)) => {
            let campus = state.store.campus(c).await?;
            let school = state.store.school(campus.school_id).await?;
            Ok(AdminCtx { campus, school })
        }
        _ => Err(Refusal::NotAdmin.into()),
    }
}

fn actor(caller: &Caller) -> Option<(domain::MemberId, String)> {
    Some((caller.member.id, caller.member.login.clone()))
}

async fn school_campuses(state: &AppState, school: SchoolId) -> ApiResult<HashMap<CampusId, Campus>> {
    Ok(state.store.campuses_of_school(school).await?.into_iter().map(|c| (c.id, c)).collect())
}

// ---- filing (F1–F4) -------------------------------------------------------------------

/// `GET /api/v1/me/school-campuses`
pub async fn my_school_campuses(state: &AppState, caller: &Caller) -> ApiResult<Vec<wire::Campus>> {
    let ctx = admin_ctx(state, caller).await?;
    Ok(state.store.campuses_of_school(ctx.school.id).await?.into_iter().map(Into::into).collect())
}

/// Filings as the consoles show them, with their school, campuses and filer: a fixed
/// number of queries however many filings there are.
async fn filings_out(state: &AppState, filings: &[Filing]) -> ApiResult<Vec<FilingOut>> {
    let schools = state.store.list_schools().await?;
    let school_of: HashMap<SchoolId, &School> = schools.iter().map(|s| (s.school.id, &s.school)).collect();
    let campuses: HashMap<CampusId, &Campus> = schools.iter().flat_map(|s| &s.campuses).map(|c| (c.id, c)).collect();
    let mut filers: Vec<domain::MemberId> = filings.iter().map(|f| f.filed_by).collect();
    filers.sort();
    filers.dedup();
    let members: HashMap<domain::MemberId, store::Member> =
        state.store.members_by_ids(&filers).await?.into_iter().map(|m| (m.id, m)).collect();
    Ok(filings
        .iter()
        .map(|f| {
            let named: Vec<wire::Campus> =
                f.campus_ids.iter().filter_map(|c| campuses.get(c)).map(|c| (*c).into()).collect();
            let by = members.get(&f.filed_by);
            let by_campus = by.and_then(|m| m.campus_id).and_then(|c| campuses.get(&c)).map(|c| c.code.clone());
            FilingOut {
                id: f.id,
                number: f.number.clone(),
                school: school_of.get(&f.school_id).map(|s| (*s).into()),
                campuses: named,
                status: f.status,
                reason: f.reason.clone(),
                filed_by: FiledBy { id: f.filed_by, name_zh: by.map(|m| m.name_zh.clone()), campus_code: by_campus },
                created_at: f.created_at,
                decided_at: f.decided_at,
            }
        })
        .collect())
}

async fn filing_out(state: &AppState, f: &Filing) -> ApiResult<FilingOut> {
    filings_out(state, std::slice::from_ref(f)).await?.pop().ok_or_else(|| ApiError::internal("a filing vanished"))
}

#[derive(Deserialize, ToSchema)]
pub struct FilingInput {
    #[serde(default)]
    #[schema(value_type = Vec<uuid::Uuid>)]
    pub campus_ids: Vec<CampusId>,
}

/// `POST /api/v1/filings` — F1/F2: the filing e-mail goes to the bureau.
pub async fn create_filing(state: &AppState, caller: &Caller, input: FilingInput) -> ApiResult<FilingOut> {
    let ctx = admin_ctx(state, caller).await?;
    if input.campus_ids.len() > 50 {
        return Err(ApiError::field("campus_ids", Invalid::TooLong));
    }
    let mut pairs = Vec::new();
    for c in &input.campus_ids {
        // A campus that does not exist is as foreign as another school's.
        let school = state.store.campus(*c).await.map(|c| c.school_id).unwrap_or_else(|_| SchoolId::new());
        pairs.push((*c, school));
    }
    rules::may_file(&caller.viewer, ctx.school.id, &pairs)?;
    let mut ids: Vec<CampusId> = input.campus_ids.clone();
    ids.sort();
    ids.dedup();
    let campuses = school_campuses(state, ctx.school.id).await?;
    let mut named: Vec<&Campus> = ids.iter().filter_map(|c| campuses.get(c)).collect();
    named.sort_by(|a, b| a.code.cmp(&b.code));
    let bureau = state.config.bureau_email.clone();
    let filing = state
        .store
        .create_filing(ctx.school.id, caller.member.id, &ids, |f| Effects {
            events: vec![],
            mails: vec![letters::filing_to_bureau(
                &bureau,
                &f.number,
                &ctx.school,
                &named,
                &caller.member,
                &ctx.campus,
            )],
            audits: vec![Audit {
                actor: actor(caller),
                action: "filing_created",
                interconnection: None,
                campuses: ids.clone(),
                detail: json!({"number": f.number, "campuses": named.iter().map(|c| &c.code).collect::<Vec<_>>()})
                    .to_string(),
            }],
        })
        .await?;
    state.mailer.wake.notify_one();
    filing_out(state, &filing).await
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FilingQuery {
    /// Only filings in this status.
    #[param(value_type = Option<wire::FilingStatus>)]
    pub status: Option<String>,
}

/// `GET /api/v1/filings`
pub async fn list_filings(state: &AppState, caller: &Caller, q: FilingQuery) -> ApiResult<Vec<FilingOut>> {
    let status = match q.status.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Some(FilingStatus::parse(s).ok_or_else(|| ApiError::field("status", Invalid::InvalidFormat))?),
        None => None,
    };
    let campus = match oversight_scope(&caller.viewer) {
        Some(Scope::All) => None,
        Some(Scope::Campus(c)) => Some(c),
        None => return Err(ApiError::forbidden()),
    };
    let filings = state.store.filings(campus, status).await?;
    filings_out(state, &filings).await
}

#[derive(Deserialize, Default, ToSchema)]
pub struct DecisionInput {
    #[serde(default)]
    pub reason: String,
}

async fn decide(
    state: &AppState,
    caller: &Caller,
    id: FilingId,
    status: FilingStatus,
    reason: &str,
) -> ApiResult<FilingOut> {
    if !rules::may_decide_filing(&caller.viewer) {
        return Err(ApiError::forbidden());
    }
    let current = state.store.filing(id).await?;
    let school = state.store.school(current.school_id).await?;
    let campuses = school_campuses(state, current.school_id).await?;
    let named: Vec<&Campus> = current.campus_ids.iter().filter_map(|c| campuses.get(c)).collect();
    let mut recipients = Vec::new();
    for c in &current.campus_ids {
        recipients.extend(state.store.admin_emails(*c).await?);
    }
    recipients.sort();
    recipients.dedup();
    let confirmed = status == FilingStatus::Confirmed;
    let action = if confirmed { "filing_confirmed" } else { "filing_rejected" };
    let filing = state
        .store
        .decide_filing(id, caller.member.id, status, reason, |f| Effects {
            events: vec![],
            mails: recipients
                .iter()
                .map(|to| letters::filing_decided(to, &f.number, confirmed, reason, &school, &named))
                .collect(),
            audits: vec![Audit {
                actor: actor(caller),
                action,
                interconnection: None,
                campuses: f.campus_ids.clone(),
                detail: json!({"number": f.number, "reason": reason}).to_string(),
            }],
        })
        .await?;
    state.mailer.wake.notify_one();
    filing_out(state, &filing).await
}

/// `POST /api/v1/filings/{filing_id}/confirm` — F3.
pub async fn confirm_filing(state: &AppState, caller: &Caller, id: FilingId) -> ApiResult<FilingOut> {
    decide(state, caller, id, FilingStatus::Confirmed, "").await
}

/// `POST /api/v1/filings/{filing_id}/reject`
pub async fn reject_filing(
    state: &AppState,
    caller: &Caller,
    id: FilingId,
    input: DecisionInput,
) -> ApiResult<FilingOut> {
    let reason = required_text(&input.reason, 500).map_err(|i| ApiError::field("reason", i))?;
    decide(state, caller, id, FilingStatus::Rejected, &reason).await
}

// ---- interconnections and invitations (S1–S3) -----------------------------------------

async fn interconnection_out(
    state: &AppState,
    ic: &Interconnection,
    me: Option<CampusId>,
) -> ApiResult<InterconnectionOut> {
    let campuses = school_campuses(state, ic.school_id).await?;
    let counts = state.store.exposed_member_counts(ic.id).await?;
    let mut list = Vec::new();
    for c in ic.campuses.iter().filter(|c| c.removed_at.is_none() && ic.dissolved_at.is_none()) {
        let Some(campus) = campuses.get(&c.campus_id) else { continue };
        list.push(IcCampusOut {
            campus: campus.into(),
            joined_at: c.joined_at,
            exposed_members: counts.get(&c.campus_id).copied().unwrap_or(0) as i64,
        });
    }
    let my_role = match me {
        Some(c) if c == ic.initiator => MyRole::Initiator,
        Some(c) if ic.facts().is_member(c) => MyRole::Member,
        _ => MyRole::Former,
    };
    Ok(InterconnectionOut {
        id: ic.id,
        name: ic.name.clone(),
        school_id: ic.school_id,
        initiator: campuses.get(&ic.initiator).map(Into::into),
        published: ic.published_at.is_some(),
        published_at: ic.published_at,
        dissolved: ic.dissolved_at.is_some(),
        dissolved_at: ic.dissolved_at,
        campuses: list,
        my_role,
    })
}

/// An interconnection the admin's campus is or was in; any other is 404.
async fn my_interconnection(state: &AppState, ctx: &AdminCtx, id: InterconnectionId) -> ApiResult<Interconnection> {
    let ic = state.store.interconnection(id).await?;
    if ic.campuses.iter().any(|c| c.campus_id == ctx.campus.id) { Ok(ic) } else { Err(ApiError::not_found()) }
}

/// `GET /api/v1/interconnections`
pub async fn list_interconnections(state: &AppState, caller: &Caller) -> ApiResult<Vec<InterconnectionOut>> {
    let ctx = admin_ctx(state, caller).await?;
    let mut out = Vec::new();
    for ic in state.store.interconnections_of(ctx.campus.id).await? {
        out.push(interconnection_out(state, &ic, Some(ctx.campus.id)).await?);
    }
    Ok(out)
}

#[derive(Deserialize, Default, ToSchema)]
pub struct NameInput {
    #[serde(default)]
    pub name: String,
}

/// `POST /api/v1/interconnections` — S2: the admin's campus initiates.
pub async fn create_interconnection(
    state: &AppState,
    caller: &Caller,
    input: NameInput,
) -> ApiResult<InterconnectionOut> {
    let ctx = admin_ctx(state, caller).await?;
    let name = required_text(&input.name, NAME_MAX).map_err(|i| ApiError::field("name", i))?;
    rules::may_create(&caller.viewer, filed_with_another(state, ctx.campus.id).await?)?;
    let ic = state
        .store
        .create_interconnection(ctx.school.id, ctx.campus.id, &name, |id| Effects {
            events: vec![],
            mails: vec![],
            audits: vec![Audit {
                actor: actor(caller),
                action: "interconnection_created",
                interconnection: Some(id),
                campuses: vec![ctx.campus.id],
                detail: json!({"name": name}).to_string(),
            }],
        })
        .await?;
    interconnection_out(state, &ic, Some(ctx.campus.id)).await
}

/// Whether filing allows `campuses` to interconnect.
async fn filed(state: &AppState, campuses: &[CampusId]) -> ApiResult<bool> {
    Ok(!state.config.require_filing || state.store.filing_covers(campuses).await?)
}

/// Whether filing lets `campus` interconnect with anyone at all: when filing is
/// required, it must be in a confirmed filing with at least one more campus. Which
/// campus accepts is checked on acceptance.
async fn filed_with_another(state: &AppState, campus: CampusId) -> ApiResult<bool> {
    Ok(!state.config.require_filing
        || state
            .store
            .filings(Some(campus), Some(FilingStatus::Confirmed))
            .await?
            .iter()
            .any(|f| f.campus_ids.len() >= 2))
}

/// `POST /api/v1/interconnections/{ic_id}/invitations` — S2: the QR code.
pub async fn create_invitation(
    state: &AppState,
    caller: &Caller,
    headers: &HeaderMap,
    id: InterconnectionId,
) -> ApiResult<InvitationCreated> {
    let ctx = admin_ctx(state, caller).await?;
    let ic = my_interconnection(state, &ctx, id).await?;
    rules::may_invite(&caller.viewer, &ic.facts(), filed_with_another(state, ctx.campus.id).await?)?;
    let token = random_token();
    let ttl = state.config.invitation_ttl.as_millis() as i64;
    let audit = Audit {
        actor: actor(caller),
        action: "invitation_created",
        interconnection: Some(ic.id),
        campuses: vec![ctx.campus.id],
        detail: json!({"name": ic.name}).to_string(),
    };
    let inv = state
        .store
        .create_invitation(
            ic.id,
            &token_hash(&token),
            caller.member.id,
            ttl,
            Effects { audits: vec![audit], ..Default::default() },
        )
        .await?;
    let url = format!("{}/admin/accept?token={token}", state.config.base_url(headers));
    let svg = crate::qr::svg(&url).map_err(ApiError::internal)?;
    Ok(InvitationCreated { invitation: inv.into(), token, url, qr_svg: svg })
}

/// `GET /api/v1/interconnections/{ic_id}/invitations`
pub async fn list_invitations(
    state: &AppState,
    caller: &Caller,
    id: InterconnectionId,
) -> ApiResult<Vec<wire::Invitation>> {
    let ctx = admin_ctx(state, caller).await?;
    let ic = my_interconnection(state, &ctx, id).await?;
    if ic.initiator != ctx.campus.id {
        return Err(Refusal::NotInitiator.into());
    }
    Ok(state.store.pending_invitations(ic.id).await?.into_iter().map(Into::into).collect())
}

/// `POST /api/v1/invitations/{invitation_id}/revoke`
pub async fn revoke_invitation(state: &AppState, caller: &Caller, id: InvitationId) -> ApiResult<()> {
    let ctx = admin_ctx(state, caller).await?;
    let inv = state.store.invitation(id).await?;
    let ic = my_interconnection(state, &ctx, inv.interconnection_id).await?;
    if ic.initiator != ctx.campus.id {
        return Err(Refusal::NotInitiator.into());
    }
    let audit = Audit {
        actor: actor(caller),
        action: "invitation_revoked",
        interconnection: Some(ic.id),
        campuses: vec![ctx.campus.id],
        detail: json!({"invitation": inv.id}).to_string(),
    };
    state.store.revoke_invitation(id, Effects { audits: vec![audit], ..Default::default() }).await?;
    Ok(())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TokenQuery {
    /// The token from the link.
    #[serde(default)]
    pub token: String,
}

/// The invitation behind a token and what the rules say of accepting it now.
async fn invitation_check(
    state: &AppState,
    caller: &Caller,
    token: &str,
) -> ApiResult<(Invitation, Interconnection, Result<(), Refusal>)> {
    if token.is_empty() || token.len() > 100 {
        return Err(ApiError::not_found());
    }
    let inv = state.store.invitation_by_token(&token_hash(token)).await?.ok_or_else(ApiError::not_found)?;
    let ic = state.store.interconnection(inv.interconnection_id).await?;
    let t = Token { expires_at: inv.expires_at, used: inv.used_at.is_some(), revoked: inv.revoked_at.is_some() };
    let verdict = match (caller.viewer.role, caller.viewer.campus_id) {
        (Role::Admin, Some(c)) => {
            let school = state.store.campus(c).await?.school_id;
            let filed = filed(state, &[ic.initiator, c]).await?;
            rules::may_accept(&caller.viewer, school, &ic.facts(), &t, state.store.now(), filed)
        }
        _ => Err(Refusal::NotAdmin),
    };
    Ok((inv, ic, verdict))
}

/// `GET /api/v1/invitations/preview?token=…` — what the accept page shows.
pub async fn preview_invitation(state: &AppState, caller: &Caller, q: TokenQuery) -> ApiResult<InvitationPreview> {
    let (inv, ic, verdict) = invitation_check(state, caller, &q.token).await?;
    let inviting = state.store.campus(ic.initiator).await?;
    let school = state.store.school(ic.school_id).await?;
    Ok(InvitationPreview {
        interconnection: IcRef { id: ic.id, name: ic.name },
        inviting_campus: inviting.into(),
        school: school.into(),
        expires_at: inv.expires_at,
        refusal: verdict.err().map(|r| r.as_str().to_owned()),
    })
}

#[derive(Deserialize, ToSchema)]
pub struct TokenInput {
    #[serde(default)]
    pub token: String,
}

/// `POST /api/v1/invitations/accept` — S3: 建立互聯.
pub async fn accept_invitation(state: &AppState, caller: &Caller, input: TokenInput) -> ApiResult<InterconnectionOut> {
    let (inv, ic, verdict) = invitation_check(state, caller, &input.token).await?;
    verdict?;
    let ctx = admin_ctx(state, caller).await?;
    let mut mails = Vec::new();
    for to in state.store.admin_emails(ic.initiator).await? {
        mails.push(letters::campus_joined(&to, &ctx.campus, &ic.name));
    }
    let audit = Audit {
        actor: actor(caller),
        action: "invitation_accepted",
        interconnection: Some(ic.id),
        campuses: vec![ic.initiator, ctx.campus.id],
        detail: json!({"name": ic.name, "campus": ctx.campus.code}).to_string(),
    };
    let mut campuses = ic.facts().members;
    campuses.push(ctx.campus.id);
    let events = interconnection_changed(ic.id, &campuses, false);
    state.store.accept_invitation(&inv, ctx.campus.id, Effects { mails, audits: vec![audit], events }).await?;
    state.mailer.wake.notify_one();
    let ic = state.store.interconnection(ic.id).await?;
    interconnection_out(state, &ic, Some(ctx.campus.id)).await
}

// ---- external directory (S4) and publishing (S5) ---------------------------------------

async fn exposure_out(
    state: &AppState,
    ic: InterconnectionId,
    campus: CampusId,
    e: Exposure,
) -> ApiResult<ExposureOut> {
    let count = state.store.exposed_member_counts(ic).await?.get(&campus).copied().unwrap_or(0);
    Ok(ExposureOut {
        department_ids: e.department_ids,
        member_ids: e.member_ids,
        show_phone: e.show_phone,
        show_email: e.show_email,
        exposed_members: count as i64,
    })
}

/// `GET /api/v1/interconnections/{ic_id}/exposure/{campus_id}`
pub async fn get_exposure(
    state: &AppState,
    caller: &Caller,
    (id, campus): (InterconnectionId, CampusId),
) -> ApiResult<ExposureOut> {
    let ctx = admin_ctx(state, caller).await?;
    let ic = my_interconnection(state, &ctx, id).await?;
    rules::may_set_exposure(&caller.viewer, campus, &ic.facts())?;
    let e = state.store.exposure(id, campus).await?;
    exposure_out(state, id, campus, e).await
}

#[derive(Deserialize, ToSchema)]
pub struct ExposureInput {
    #[serde(default)]
    #[schema(value_type = Vec<uuid::Uuid>)]
    pub department_ids: Vec<domain::DepartmentId>,
    #[serde(default)]
    #[schema(value_type = Vec<uuid::Uuid>)]
    pub member_ids: Vec<domain::MemberId>,
    #[serde(default)]
    pub show_phone: bool,
    #[serde(default)]
    pub show_email: bool,
}

/// `PUT /api/v1/interconnections/{ic_id}/exposure/{campus_id}` — S4: 導入部門/成員.
pub async fn put_exposure(
    state: &AppState,
    caller: &Caller,
    (id, campus): (InterconnectionId, CampusId),
    input: ExposureInput,
) -> ApiResult<ExposureOut> {
    let ctx = admin_ctx(state, caller).await?;
    let ic = my_interconnection(state, &ctx, id).await?;
    rules::may_set_exposure(&caller.viewer, campus, &ic.facts())?;
    if input.department_ids.len() > 1000 || input.member_ids.len() > 20_000 {
        return Err(ApiError::field("department_ids", Invalid::TooLong));
    }
    let e = Exposure {
        department_ids: input.department_ids,
        member_ids: input.member_ids,
        show_phone: input.show_phone,
        show_email: input.show_email,
    };
    let audit = Audit {
        actor: actor(caller),
        action: "exposure_set",
        interconnection: Some(id),
        campuses: vec![campus],
        detail: json!({"departments": e.department_ids.len(), "members": e.member_ids.len(), "show_phone": e.show_phone, "show_email": e.show_email}).to_string(),
    };
    let ic = state.store.interconnection(id).await?;
    let events = interconnection_changed(id, &ic.facts().members, ic.published_at.is_some());
    state
        .store
        .set_exposure(id, campus, &e, Effects { audits: vec![audit], events, ..Default::default() })
        .await
        .map_err(|err| match err {
            store::StoreError::NotFound => ApiError::field("member_ids", Invalid::InvalidFormat),
            e => e.into(),
        })?;
    let e = state.store.exposure(id, campus).await?;
    exposure_out(state, id, campus, e).await
}

/// What the open apps of an interconnection's campuses are told when it changes: the
/// admins' consoles reload it; with `directory`, every member reloads the connected
/// campuses (who sees whom may have changed). No names or contents: each app asks the
/// API again, and the API applies the visibility rule.
fn interconnection_changed(id: InterconnectionId, campuses: &[CampusId], directory: bool) -> Vec<store::NewEvent> {
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for c in campuses.iter().filter(|c| seen.insert(**c)) {
        out.push(store::NewEvent {
            kind: "interconnection_changed",
            audience: store::Audience::CampusAdmins(*c),
            data: json!({ "interconnection_id": id }).to_string(),
        });
        if directory {
            out.push(store::NewEvent {
                kind: "directory_changed",
                audience: store::Audience::Campus(*c),
                data: "{}".into(),
            });
        }
    }
    out
}

/// `POST /api/v1/interconnections/{ic_id}/publish` — S5: 未發布 → 已發布.
pub async fn publish(state: &AppState, caller: &Caller, id: InterconnectionId) -> ApiResult<InterconnectionOut> {
    let ctx = admin_ctx(state, caller).await?;
    let ic = my_interconnection(state, &ctx, id).await?;
    rules::may_publish(&caller.viewer, &ic.facts())?;
    let audit = Audit {
        actor: actor(caller),
        action: "interconnection_published",
        interconnection: Some(id),
        campuses: ic.facts().members,
        detail: json!({"name": ic.name}).to_string(),
    };
    let events = interconnection_changed(id, &ic.facts().members, true);
    state.store.publish(id, Effects { audits: vec![audit], events, ..Default::default() }).await?;
    let ic = state.store.interconnection(id).await?;
    interconnection_out(state, &ic, Some(ctx.campus.id)).await
}

// ---- seeing across (V1, V2, C1) --------------------------------------------------------

/// `GET /api/v1/connected-campuses` — the campuses whose external directory the caller
/// sees; empty for anyone who is not in their own campus's external directory.
pub async fn connected_campuses(state: &AppState, caller: &Caller) -> ApiResult<Vec<ConnectedCampus>> {
    let Some(own) = caller.viewer.campus_id else { return Ok(Vec::new()) };
    let grants = state.hub.grants.get(&state.store, own, caller.member.id).await?;
    let mut out: Vec<ConnectedCampus> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let own_school = state.store.campus(own).await?.school_id;
    // Interconnections are within one school (R1): its campuses, loaded once.
    let campuses = school_campuses(state, own_school).await?;
    for g in grants.iter() {
        let ic = state.store.interconnection(g.interconnection).await?;
        for c in &g.facts.members {
            if domain::access::campus_access(&caller.viewer, *c, &grants) == Access::External
                && seen.insert(*c)
                && let Some(campus) = campuses.get(c)
            {
                out.push(ConnectedCampus {
                    campus: campus.into(),
                    interconnection_id: ic.id,
                    interconnection_name: ic.name.clone(),
                });
            }
        }
    }
    Ok(out)
}

// ---- removal with identity confirmation (D1, D2) ---------------------------------------

pub const REMOVE_CAMPUS: &str = "remove_campus";

fn confirmation_out(c: &store::Confirmation, now: i64) -> ConfirmationOut {
    let status = if c.used_at.is_some() {
        ConfirmationStatus::Used
    } else if c.approved_at.is_some() {
        ConfirmationStatus::Approved
    } else if now >= c.expires_at {
        ConfirmationStatus::Expired
    } else {
        ConfirmationStatus::Pending
    };
    ConfirmationOut {
        id: c.id,
        status,
        expires_at: c.expires_at,
        interconnection_id: c.interconnection_id,
        target_campus_id: c.target_campus_id,
    }
}

/// `POST /api/v1/interconnections/{ic_id}/campuses/{campus_id}/removal` — D2: a QR code
/// bound to this admin and this action, valid two minutes, single use.
pub async fn start_removal(
    state: &AppState,
    caller: &Caller,
    headers: &HeaderMap,
    (id, target): (InterconnectionId, CampusId),
) -> ApiResult<ConfirmationStarted> {
    let ctx = admin_ctx(state, caller).await?;
    let ic = my_interconnection(state, &ctx, id).await?;
    rules::may_remove(&caller.viewer, &ic.facts(), target)?;
    let token = random_token();
    let ttl = state.config.confirmation_ttl.as_millis() as i64;
    let c =
        state.store.create_confirmation(&token_hash(&token), caller.member.id, REMOVE_CAMPUS, id, target, ttl).await?;
    let url = format!("{}/confirm?token={token}", state.config.base_url(headers));
    let qr_svg = crate::qr::svg(&url).map_err(ApiError::internal)?;
    Ok(ConfirmationStarted { confirmation: confirmation_out(&c, state.store.now()), token, url, qr_svg })
}

async fn own_confirmation(state: &AppState, caller: &Caller, id: ConfirmationId) -> ApiResult<store::Confirmation> {
    let c = state.store.confirmation(id).await?;
    if c.member_id != caller.member.id {
        return Err(ApiError::not_found());
    }
    Ok(c)
}

/// `GET /api/v1/confirmations/{confirmation_id}` — the console polls this.
pub async fn get_confirmation(state: &AppState, caller: &Caller, id: ConfirmationId) -> ApiResult<ConfirmationOut> {
    Ok(confirmation_out(&own_confirmation(state, caller, id).await?, state.store.now()))
}

/// The confirmation behind a token, only for the admin it is bound to.
async fn confirmation_by_token(state: &AppState, caller: &Caller, token: &str) -> ApiResult<store::Confirmation> {
    if token.is_empty() || token.len() > 100 {
        return Err(ApiError::not_found());
    }
    let c = state.store.confirmation_by_token(&token_hash(token)).await?.ok_or_else(ApiError::not_found)?;
    if c.member_id != caller.member.id {
        return Err(ApiError::not_found());
    }
    Ok(c)
}

/// `GET /api/v1/confirmations/preview?token=…` — the phone's approve page.
pub async fn preview_confirmation(state: &AppState, caller: &Caller, q: TokenQuery) -> ApiResult<ConfirmationPreview> {
    let c = confirmation_by_token(state, caller, &q.token).await?;
    let ic = state.store.interconnection(c.interconnection_id).await?;
    let target = state.store.campus(c.target_campus_id).await?;
    Ok(ConfirmationPreview {
        confirmation: confirmation_out(&c, state.store.now()),
        action: c.action.clone(),
        interconnection: IcRef { id: ic.id, name: ic.name },
        target: target.into(),
    })
}

/// Whether a confirmation can still be approved: `Ok(true)` if it already is (a second
/// tap changes nothing), `Ok(false)` if it waits for approval.
fn usable(c: &store::Confirmation, now: i64) -> ApiResult<bool> {
    if c.used_at.is_some() {
        return Err(ApiError::new(StatusCode::GONE, ErrorCode::ConfirmationUsed));
    }
    if now >= c.expires_at {
        return Err(ApiError::new(StatusCode::GONE, ErrorCode::ConfirmationExpired));
    }
    Ok(c.approved_at.is_some())
}

/// `POST /api/v1/confirmations/approve` — scanned and approved on the phone.
pub async fn approve_confirmation(state: &AppState, caller: &Caller, input: TokenInput) -> ApiResult<ConfirmationOut> {
    let c = confirmation_by_token(state, caller, &input.token).await?;
    if !usable(&c, state.store.now())? {
        state.store.approve_confirmation(&c).await?;
    }
    Ok(confirmation_out(&state.store.confirmation(c.id).await?, state.store.now()))
}

#[derive(Deserialize, ToSchema)]
pub struct PasswordInput {
    #[serde(default)]
    pub password: String,
}

/// `POST /api/v1/confirmations/{confirmation_id}/password` — the fallback: the admin
/// types their password again.
pub async fn confirm_with_password(
    state: &AppState,
    caller: &Caller,
    id: ConfirmationId,
    input: PasswordInput,
) -> ApiResult<ConfirmationOut> {
    let c = own_confirmation(state, caller, id).await?;
    if usable(&c, state.store.now())? {
        return Ok(confirmation_out(&c, state.store.now()));
    }
    let record = state.store.login_record(&caller.member.login).await?.ok_or_else(ApiError::unauthenticated)?;
    if !verify_password(&input.password, record.password_hash.as_deref()).await {
        let cfg = &state.config;
        let locked = state
            .store
            .record_login_failure(caller.member.id, cfg.login_max_failures, cfg.lockout.as_millis() as i64)
            .await?;
        let mut e = ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            if locked { ErrorCode::AccountLocked } else { ErrorCode::WrongPassword },
        );
        e.fields.push(domain::FieldError::new("password", Invalid::InvalidFormat));
        return Err(e);
    }
    state.store.approve_confirmation(&c).await?;
    Ok(confirmation_out(&state.store.confirmation(c.id).await?, state.store.now()))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RemoveQuery {
    /// The approved identity confirmation (D2).
    #[param(value_type = Option<uuid::Uuid>)]
    pub confirmation_id: Option<ConfirmationId>,
}

/// `DELETE /api/v1/interconnections/{ic_id}/campuses/{campus_id}?confirmation_id=…` —
/// D1: 移除, after the confirmation and the final dialog. Removing the last other
/// campus dissolves the interconnection. Both sides' admins are told by e-mail.
pub async fn remove_campus(
    state: &AppState,
    caller: &Caller,
    (id, target): (InterconnectionId, CampusId),
    q: RemoveQuery,
) -> ApiResult<InterconnectionOut> {
    let ctx = admin_ctx(state, caller).await?;
    let ic = my_interconnection(state, &ctx, id).await?;
    let facts = ic.facts();
    rules::may_remove(&caller.viewer, &facts, target)?;
    let Some(cid) = q.confirmation_id else {
        return Err(ApiError::new(StatusCode::FORBIDDEN, ErrorCode::ConfirmationRequired));
    };
    let c = own_confirmation(state, caller, cid).await?;
    if c.action != REMOVE_CAMPUS
        || c.interconnection_id != id
        || c.target_campus_id != target
        || c.approved_at.is_none()
    {
        return Err(ApiError::new(StatusCode::FORBIDDEN, ErrorCode::ConfirmationRequired));
    }
    let dissolve = rules::removal_dissolves(&facts, target);
    let removed = state.store.campus(target).await?;
    let mut mails = Vec::new();
    for campus in [ctx.campus.id, target] {
        for to in state.store.admin_emails(campus).await? {
            mails.push(letters::campus_removed(&to, &removed, &ctx.campus, &ic.name, dissolve));
        }
    }
    let mut audits = vec![Audit {
        actor: actor(caller),
        action: "campus_removed",
        interconnection: Some(id),
        campuses: vec![ctx.campus.id, target],
        detail: json!({"name": ic.name, "campus": removed.code, "confirmation": cid}).to_string(),
    }];
    if dissolve {
        audits.push(Audit {
            actor: actor(caller),
            action: "interconnection_dissolved",
            interconnection: Some(id),
            campuses: facts.members.clone(),
            detail: json!({"name": ic.name}).to_string(),
        });
    }
    let events = interconnection_changed(id, &facts.members, true);
    state.store.remove_campus(id, target, cid, dissolve, Effects { mails, audits, events }).await?;
    state.mailer.wake.notify_one();
    crate::chat::after_campus_removed(state, &facts.members).await?;
    let ic = state.store.interconnection(id).await?;
    interconnection_out(state, &ic, Some(ctx.campus.id)).await
}

// ---- audit log ------------------------------------------------------------------------

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only entries of this action (e.g. `campus_removed`).
    pub action: Option<String>,
    pub since: Option<i64>,
    pub until: Option<i64>,
    pub format: Option<String>,
    pub limit: Option<i64>,
}
