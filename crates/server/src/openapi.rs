//! The OpenAPI 3.1 document at `/api/openapi.json`, generated from the code: every
//! operation comes from its handler's `#[utoipa::path]` and every body from a type
//! deriving `ToSchema`. The router is built from the same attributes (`crate::api`
//! registers each handler through `utoipa_axum::routes!`, which takes the method and
//! path from the attribute), so a route cannot exist undocumented nor a documented
//! operation unrouted; `tests` below pins both directions.
//!
//! What the attributes cannot say is added here, in one place: the problem codes each
//! operation may answer (`PROBLEMS`, with the ones every operation of a shape shares),
//! the security schemes, and the WebSocket frames as JSON Schema components.

use crate::AppState;
use domain::call::CallRefusal;
use domain::chat::ChatRefusal;
use domain::interconnection::Refusal;
use domain::{ErrorCode, ErrorCode as C};
use serde::Serialize;
use serde_json::{Value, json};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{OpenApi, OpenApiBuilder};
use utoipa::{PartialSchema, ToSchema};

/// The codes an operation may answer beyond those its shape implies (see `shared`), by
/// operation id. A test sends requests through every operation and checks that each
/// problem it gets names a code listed for that operation.
pub const PROBLEMS: &[(&str, &[ErrorCode])] = &[
    ("login", &[C::InvalidInput, C::InvalidCredentials, C::AccountLocked, C::AccountDisabled, C::RateLimited]),
    ("logout", &[]),
    ("me", &[]),
    ("change_password", &[C::InvalidInput, C::WrongPassword]),
    ("list_schools", &[C::Forbidden]),
    ("create_school", &[C::Forbidden, C::InvalidInput, C::DuplicateCode]),
    ("update_school", &[C::Forbidden, C::InvalidInput]),
    ("create_campus", &[C::Forbidden, C::InvalidInput, C::DuplicateCode]),
    ("update_campus", &[C::Forbidden, C::InvalidInput]),
    ("list_admins", &[C::Forbidden]),
    ("create_admin", &[C::Forbidden, C::InvalidInput, C::DuplicateLogin]),
    ("import_registry", &[C::Forbidden, C::ImportInvalid, C::UnsupportedFile, C::DuplicateCode]),
    ("registry_template", &[C::Forbidden]),
    ("list_departments", &[]),
    ("create_department", &[C::Forbidden, C::InvalidInput, C::DuplicateDepartment]),
    ("rename_department", &[C::Forbidden, C::InvalidInput, C::DuplicateDepartment]),
    ("delete_department", &[C::Forbidden, C::DepartmentNotEmpty]),
    ("move_department", &[C::Forbidden, C::InvalidInput, C::DepartmentCycle, C::DuplicateDepartment]),
    ("list_members", &[C::InvalidInput]),
    ("create_member", &[C::Forbidden, C::InvalidInput, C::DuplicateLogin]),
    ("get_member", &[]),
    ("update_member", &[C::Forbidden, C::InvalidInput, C::DuplicateLogin]),
    ("disable_member", &[C::Forbidden, C::CannotDisableSelf]),
    ("enable_member", &[C::Forbidden, C::CannotDisableSelf]),
    ("reset_password", &[C::Forbidden, C::InvalidInput]),
    ("import_members", &[C::Forbidden, C::ImportInvalid, C::UnsupportedFile]),
    ("export_members", &[C::Forbidden, C::InvalidInput]),
    ("member_template", &[C::Forbidden, C::InvalidInput]),
    ("my_school_campuses", &[C::Forbidden, C::Refused(Refusal::NotAdmin)]),
    ("list_filings", &[C::Forbidden, C::InvalidInput]),
    (
        "create_filing",
        &[
            C::Forbidden,
            C::InvalidInput,
            C::Refused(Refusal::NotAdmin),
            C::Refused(Refusal::OtherSchool),
            C::Refused(Refusal::FilingCampuses),
        ],
    ),
    ("confirm_filing", &[C::Forbidden, C::FilingNotPending]),
    ("reject_filing", &[C::Forbidden, C::InvalidInput, C::FilingNotPending]),
    ("list_interconnections", &[C::Forbidden, C::Refused(Refusal::NotAdmin)]),
    (
        "create_interconnection",
        &[C::Forbidden, C::InvalidInput, C::Refused(Refusal::NotAdmin), C::Refused(Refusal::FilingRequired)],
    ),
    ("list_invitations", &[C::Forbidden, C::Refused(Refusal::NotInitiator), C::Refused(Refusal::NotAdmin)]),
    (
        "create_invitation",
        &[
            C::Forbidden,
            C::Refused(Refusal::NotInitiator),
            C::Refused(Refusal::NotAdmin),
            C::Refused(Refusal::Dissolved),
            C::Refused(Refusal::FilingRequired),
        ],
    ),
    (
        "revoke_invitation",
        &[
            C::Forbidden,
            C::Refused(Refusal::NotInitiator),
            C::Refused(Refusal::InvitationUsed),
            C::Refused(Refusal::InvitationRevoked),
            C::Refused(Refusal::NotAdmin),
        ],
    ),
    ("preview_invitation", &[C::Forbidden, C::NotFound, C::Refused(Refusal::NotAdmin)]),
    (
        "accept_invitation",
        &[
            C::Forbidden,
            C::Refused(Refusal::NotAdmin),
            C::Refused(Refusal::OtherSchool),
            C::Refused(Refusal::InvitationExpired),
            C::Refused(Refusal::InvitationUsed),
            C::Refused(Refusal::InvitationRevoked),
            C::Refused(Refusal::FilingRequired),
            C::Refused(Refusal::AlreadyMember),
            C::Refused(Refusal::Dissolved),
            C::NotFound,
        ],
    ),
    (
        "get_exposure",
        &[C::Forbidden, C::Refused(Refusal::NotAdmin), C::Refused(Refusal::NotMember), C::Refused(Refusal::Dissolved)],
    ),
    (
        "put_exposure",
        &[
            C::Forbidden,
            C::InvalidInput,
            C::Refused(Refusal::NotAdmin),
            C::Refused(Refusal::NotMember),
            C::Refused(Refusal::Dissolved),
        ],
    ),
    (
        "publish",
        &[
            C::Forbidden,
            C::Refused(Refusal::NotInitiator),
            C::Refused(Refusal::Dissolved),
            C::Refused(Refusal::NotAdmin),
        ],
    ),
    (
        "start_removal",
        &[
            C::Forbidden,
            C::Refused(Refusal::NotInitiator),
            C::Refused(Refusal::NotMember),
            C::Refused(Refusal::Dissolved),
            C::Refused(Refusal::CannotRemoveInitiator),
            C::Refused(Refusal::NotAdmin),
        ],
    ),
    (
        "remove_campus",
        &[
            C::Forbidden,
            C::ConfirmationRequired,
            C::ConfirmationExpired,
            C::ConfirmationUsed,
            C::Refused(Refusal::NotInitiator),
            C::Refused(Refusal::NotMember),
            C::Refused(Refusal::Dissolved),
            C::Refused(Refusal::CannotRemoveInitiator),
            C::Refused(Refusal::NotAdmin),
        ],
    ),
    ("preview_confirmation", &[C::NotFound]),
    ("approve_confirmation", &[C::ConfirmationExpired, C::ConfirmationUsed, C::NotFound]),
    ("get_confirmation", &[]),
    ("confirm_with_password", &[C::WrongPassword, C::ConfirmationExpired, C::ConfirmationUsed]),
    ("connected_campuses", &[]),
    ("audit", &[C::Forbidden, C::InvalidInput]),
    ("live_socket", &[C::Forbidden, C::InvalidInput]),
    ("events", &[C::InvalidInput, C::InvalidPosition, C::ResyncRequired]),
    ("list_conversations", &[C::Chat(ChatRefusal::BureauCannotChat)]),
    ("open_direct", &[C::Chat(ChatRefusal::BureauCannotChat), C::Chat(ChatRefusal::WithSelf), C::NotFound]),
    (
        "create_group",
        &[C::Chat(ChatRefusal::BureauCannotChat), C::InvalidInput, C::Chat(ChatRefusal::GroupTooLarge), C::NotFound],
    ),
    ("get_conversation", &[C::Chat(ChatRefusal::BureauCannotChat)]),
    (
        "rename_conversation",
        &[
            C::Chat(ChatRefusal::BureauCannotChat),
            C::InvalidInput,
            C::Chat(ChatRefusal::NotOwner),
            C::Chat(ChatRefusal::NotGroup),
            C::Chat(ChatRefusal::ReadOnly),
        ],
    ),
    (
        "dissolve_conversation",
        &[
            C::Chat(ChatRefusal::BureauCannotChat),
            C::Chat(ChatRefusal::NotOwner),
            C::Chat(ChatRefusal::NotGroup),
            C::Chat(ChatRefusal::ReadOnly),
        ],
    ),
    (
        "add_members",
        &[
            C::Chat(ChatRefusal::BureauCannotChat),
            C::InvalidInput,
            C::Chat(ChatRefusal::NotGroup),
            C::Chat(ChatRefusal::ReadOnly),
            C::Chat(ChatRefusal::GroupTooLarge),
            C::NotFound,
        ],
    ),
    (
        "remove_member",
        &[
            C::Chat(ChatRefusal::BureauCannotChat),
            C::Chat(ChatRefusal::NotOwner),
            C::Chat(ChatRefusal::NotGroup),
            C::Chat(ChatRefusal::ReadOnly),
            C::Chat(ChatRefusal::OwnerCannotLeave),
        ],
    ),
    (
        "transfer_ownership",
        &[
            C::Chat(ChatRefusal::BureauCannotChat),
            C::Chat(ChatRefusal::NotOwner),
            C::Chat(ChatRefusal::NotGroup),
            C::Chat(ChatRefusal::ReadOnly),
            C::NotFound,
        ],
    ),
    ("list_messages", &[C::Chat(ChatRefusal::BureauCannotChat), C::InvalidInput]),
    ("search_messages", &[C::Chat(ChatRefusal::BureauCannotChat), C::InvalidInput, C::NotFound]),
    (
        "send_message",
        &[
            C::Chat(ChatRefusal::BureauCannotChat),
            C::InvalidInput,
            C::Chat(ChatRefusal::ReadOnly),
            C::Chat(ChatRefusal::MentionNotMember),
            C::Chat(ChatRefusal::ClientIdReused),
            C::NotFound,
            C::Chat(ChatRefusal::NotGroup),
        ],
    ),
    (
        "recall_message",
        &[
            C::Chat(ChatRefusal::BureauCannotChat),
            C::Chat(ChatRefusal::NotSender),
            C::Chat(ChatRefusal::RecallExpired),
            C::Chat(ChatRefusal::ReadOnly),
        ],
    ),
    ("readers", &[C::Chat(ChatRefusal::BureauCannotChat)]),
    ("mark_read", &[C::Chat(ChatRefusal::BureauCannotChat), C::InvalidInput]),
    (
        "upload_attachment",
        &[C::Chat(ChatRefusal::BureauCannotChat), C::InvalidInput, C::Chat(ChatRefusal::ReadOnly), C::PayloadTooLarge],
    ),
    ("get_attachment", &[C::Chat(ChatRefusal::BureauCannotChat)]),
    ("get_attachment_thumbnail", &[C::Chat(ChatRefusal::BureauCannotChat)]),
    (
        "add_reaction",
        &[
            C::Chat(ChatRefusal::BureauCannotChat),
            C::InvalidInput,
            C::Chat(ChatRefusal::ReadOnly),
            C::Chat(ChatRefusal::TooManyReactions),
        ],
    ),
    ("remove_reaction", &[C::Chat(ChatRefusal::BureauCannotChat), C::InvalidInput, C::Chat(ChatRefusal::ReadOnly)]),
    ("conversation_settings", &[C::Chat(ChatRefusal::BureauCannotChat)]),
    (
        "set_announcement",
        &[
            C::Chat(ChatRefusal::BureauCannotChat),
            C::InvalidInput,
            C::Chat(ChatRefusal::NotOwner),
            C::Chat(ChatRefusal::NotGroup),
            C::Chat(ChatRefusal::ReadOnly),
        ],
    ),
    ("see_announcement", &[C::Chat(ChatRefusal::BureauCannotChat), C::Chat(ChatRefusal::NotGroup)]),
    (
        "start_call",
        &[
            C::Chat(ChatRefusal::BureauCannotChat),
            C::Chat(ChatRefusal::ReadOnly),
            C::Call(CallRefusal::Busy),
            C::Call(CallRefusal::Unavailable),
        ],
    ),
    ("list_calls", &[]),
    ("ice_servers", &[C::Chat(ChatRefusal::BureauCannotChat), C::Call(CallRefusal::Unavailable)]),
    (
        "join_call",
        &[
            C::InvalidInput,
            C::Chat(ChatRefusal::ReadOnly),
            C::Call(CallRefusal::Ended),
            C::Call(CallRefusal::Full),
            C::Call(CallRefusal::BadOffer),
            C::Call(CallRefusal::Unavailable),
        ],
    ),
    (
        "renegotiate_call",
        &[
            C::InvalidInput,
            C::Chat(ChatRefusal::ReadOnly),
            C::Call(CallRefusal::Ended),
            C::Call(CallRefusal::BadOffer),
            C::Call(CallRefusal::Unavailable),
        ],
    ),
    ("decline_call", &[C::Chat(ChatRefusal::ReadOnly), C::Call(CallRefusal::Ended)]),
    ("leave_call", &[C::Call(CallRefusal::Ended)]),
    ("set_call_state", &[C::InvalidInput, C::Call(CallRefusal::Ended)]),
    (
        "host_action",
        &[C::InvalidInput, C::Chat(ChatRefusal::ReadOnly), C::Call(CallRefusal::Ended), C::Call(CallRefusal::NotHost)],
    ),
    ("push_key", &[]),
    ("subscribe_push", &[C::InvalidInput, C::Chat(ChatRefusal::BureauCannotChat)]),
    ("unsubscribe_push", &[C::NotFound]),
    ("notification_settings", &[C::Chat(ChatRefusal::BureauCannotChat)]),
    ("update_notification_settings", &[C::DigestUnavailable, C::Chat(ChatRefusal::BureauCannotChat)]),
    (
        "forward_messages",
        &[
            C::Chat(ChatRefusal::BureauCannotChat),
            C::InvalidInput,
            C::Chat(ChatRefusal::ReadOnly),
            C::Chat(ChatRefusal::ClientIdReused),
        ],
    ),
];

/// Codes every operation of a shape may answer: any request may be too long or meet
/// an internal fault; a signed-in operation refuses a missing session and, for writes
/// by cookie, a missing CSRF header; a JSON body may be malformed, not an object, of
/// another type or too large; a path names something that may not exist; a query may
/// not parse.
fn shared(op: &Value, method: &str) -> Vec<ErrorCode> {
    let mut out = vec![C::UriTooLong, C::Internal];
    let public =
        op["security"].as_array().is_some_and(|s| s.iter().any(|r| r.as_object().is_some_and(|o| o.is_empty())));
    if !public {
        out.push(C::Unauthenticated);
        if method != "get" {
            out.push(C::CsrfFailed);
        }
    }
    let content = &op["requestBody"]["content"];
    if content["application/json"].is_object() {
        out.extend([C::InvalidJson, C::BodyNotObject, C::UnsupportedMediaType, C::PayloadTooLarge]);
    } else if content.is_object() {
        out.extend([C::UnsupportedMediaType, C::PayloadTooLarge]);
    }
    let params = op["parameters"].as_array().cloned().unwrap_or_default();
    if params.iter().any(|p| p["in"] == "path") {
        out.push(C::NotFound);
    }
    if params.iter().any(|p| p["in"] == "query") {
        out.push(C::InvalidQuery);
    }
    out
}

/// An event frame, as `GET /events` lists it and the WebSocket sends it
/// (`chat::render::event_value` builds it; docs/chat.md says what each kind's `data`
/// holds).
#[derive(Serialize, ToSchema)]
pub struct EventFrame {
    #[serde(rename = "type")]
    #[schema(inline)]
    pub kind_of_frame: EventTag,
    /// Its place in the event log; only grows.
    pub position: i64,
    pub kind: EventKind,
    /// What happened, by kind (e.g. `{message: Message}`, `{conversation_id}`).
    #[schema(value_type = std::collections::HashMap<String, Value>)]
    pub data: Value,
}

/// The `type` of an event frame, so a client can tell it from a `ControlFrame`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EventTag {
    Event,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Message,
    MessageRecalled,
    Read,
    Conversation,
    ConversationLeft,
    DirectoryChanged,
    InterconnectionChanged,
    ConfirmationApproved,
    /// `{conversation_id, message_id, reactions}`: a message's reactions now.
    Reaction,
    /// `{conversation_id}`: the caller's own settings for it changed (another device).
    ConversationPrefs,
    /// A `CallOut`: a call in one of the caller's conversations started, rang, was
    /// answered, changed who is in it or what they show, or ended (or ended for the
    /// caller, who is then in its `removed`).
    Call,
}

/// A problem answer (RFC 9457): a stable `code`, and `detail` in the caller's language.
#[derive(Serialize, ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub status: u16,
    /// One of the operation's `x-problem-codes`.
    pub code: String,
    pub title: String,
    pub detail: String,
    /// The refused fields of an input.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub errors: Option<Vec<FieldProblem>>,
    /// The refused lines of an imported file.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub lines: Option<Vec<LineProblem>>,
}

#[derive(Serialize, ToSchema)]
pub struct FieldProblem {
    pub field: String,
    /// Why the value was refused (`field-<code>` in the messages).
    pub code: String,
    pub message: String,
}

#[derive(Serialize, ToSchema)]
pub struct LineProblem {
    pub line: usize,
    pub column: String,
    pub code: String,
    pub message: String,
}

/// The document with everything the attributes cannot say.
fn finish(mut doc: OpenApi) -> Value {
    doc.info.title = "campuslink".into();
    doc.info.version = env!("CARGO_PKG_VERSION").into();
    doc.info.description = Some(
        "Self-hostable messaging for schools and their interconnected campuses. Errors are \
         application/problem+json with a stable `code`; each operation lists the codes it may answer \
         in `x-problem-codes`. The WebSocket at /api/v1/ws speaks ClientFrame and ServerFrame."
            .into(),
    );
    doc.info.license = None;
    doc.info.contact = None;
    let components = doc.components.get_or_insert_with(Default::default);
    components
        .add_security_scheme("bearer", SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()));
    components.add_security_scheme(
        "cookie",
        SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(crate::auth::SESSION_COOKIE))),
    );
    for (name, schema) in [
        ("Problem", Problem::schema()),
        ("FieldProblem", FieldProblem::schema()),
        ("LineProblem", LineProblem::schema()),
        ("EventFrame", EventFrame::schema()),
        ("EventKind", EventKind::schema()),
        ("ClientFrame", crate::live::gateway::ClientFrame::schema()),
        ("ControlFrame", crate::live::gateway::ControlFrame::schema()),
        ("ResyncReason", crate::live::gateway::ResyncReason::schema()),
    ] {
        components.schemas.insert(name.to_owned(), schema);
    }
    let mut v = serde_json::to_value(&doc).unwrap_or_default();
    v["components"]["schemas"]["ServerFrame"] = json!({
        "description": "A frame the server sends on /api/v1/ws.",
        "oneOf": [{"$ref": "#/components/schemas/EventFrame"}, {"$ref": "#/components/schemas/ControlFrame"}]
    });
    v["security"] = json!([{"bearer": []}, {"cookie": []}]);
    if let Some(paths) = v["paths"].as_object_mut() {
        for (_, item) in paths.iter_mut() {
            let Some(item) = item.as_object_mut() else { continue };
            for (method, op) in item.iter_mut() {
                let id = op["operationId"].as_str().unwrap_or("").to_owned();
                let mut codes: Vec<&str> = shared(op, method).into_iter().map(ErrorCode::as_str).collect();
                let own = PROBLEMS.iter().find(|(o, _)| *o == id).map(|(_, c)| *c).unwrap_or(&[]);
                codes.extend(own.iter().map(|c| c.as_str()));
                codes.sort_unstable();
                codes.dedup();
                op["x-problem-codes"] = json!(codes);
                op["responses"]["default"] = json!({
                    "description": "A problem, with one of the operation's codes",
                    "content": {"application/problem+json": {"schema": {"allOf": [
                        {"$ref": "#/components/schemas/Problem"},
                        {"type": "object", "properties": {"code": {"enum": codes}}}
                    ]}}}
                });
            }
        }
    }
    v
}

/// The API's router (to nest at `/api/v1`) and its document, from the same handlers.
pub fn parts() -> (axum::Router<AppState>, Value) {
    let (router, doc) = crate::api().split_for_parts();
    (router, finish(OpenApiBuilder::new().build().nest("/api/v1", doc)))
}

/// The document (for the route, the tests and the web app's generated types).
pub fn spec() -> Value {
    parts().1
}

/// Every documented operation as (method, path under /api/v1).
pub fn operations() -> Vec<(String, String)> {
    let spec = spec();
    let mut out = Vec::new();
    for (path, item) in spec["paths"].as_object().into_iter().flatten() {
        for method in item.as_object().into_iter().flatten().map(|(m, _)| m) {
            out.push((method.clone(), path.trim_start_matches("/api/v1").to_owned()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// Every operation has its codes listed here and every listed operation exists:
    /// the table cannot name an operation that was renamed or dropped.
    #[test]
    fn problem_table_matches_the_operations() {
        let spec = spec();
        let mut ids = BTreeSet::new();
        for (_, item) in spec["paths"].as_object().unwrap() {
            for (_, op) in item.as_object().unwrap() {
                let id = op["operationId"].as_str().unwrap().to_owned();
                assert!(ids.insert(id.clone()), "operation id {id} twice");
            }
        }
        let listed: BTreeSet<String> = PROBLEMS.iter().map(|(o, _)| (*o).to_owned()).collect();
        assert_eq!(listed.len(), PROBLEMS.len(), "an operation listed twice in PROBLEMS");
        assert_eq!(ids, listed, "PROBLEMS and the operations differ");
        assert!(ids.len() > 60, "{} operations", ids.len());
    }

    /// The document's shape: 3.1, the real statuses, query parameters with types,
    /// codes per operation, the frames.
    #[test]
    fn document_says_what_the_handlers_do() {
        let spec = spec();
        assert_eq!(spec["openapi"], "3.1.0");
        let op = |m: &str, p: &str| spec["paths"][format!("/api/v1{p}")][m].clone();
        assert!(op("post", "/schools")["responses"]["201"].is_object());
        assert!(op("delete", "/campuses/{campus_id}/departments/{department_id}")["responses"]["204"].is_object());
        assert!(op("post", "/conversations/{conversation_id}/messages")["responses"]["200"].is_object());
        let params = op("get", "/campuses/{campus_id}/members")["parameters"].clone();
        let limit = params.as_array().unwrap().iter().find(|p| p["name"] == "limit").unwrap().clone();
        assert_eq!(
            (limit["in"].as_str(), limit["schema"]["type"].as_str()),
            (Some("query"), Some("integer")),
            "{limit}"
        );
        let codes = op("post", "/campuses/{campus_id}/members")["x-problem-codes"].clone();
        assert!(codes.as_array().unwrap().contains(&json!("duplicate_login")), "{codes}");
        assert!(!codes.as_array().unwrap().contains(&json!("wrong_password")), "{codes}");
        assert!(op("post", "/auth/login")["x-problem-codes"].as_array().unwrap().contains(&json!("rate_limited")));
        assert!(!op("post", "/auth/login")["x-problem-codes"].as_array().unwrap().contains(&json!("unauthenticated")));
        for frame in ["ClientFrame", "ServerFrame", "EventFrame", "ControlFrame"] {
            assert!(spec["components"]["schemas"][frame].is_object(), "{frame}");
        }
        let filing = &spec["components"]["schemas"]["FilingOut"]["properties"];
        assert!(filing["filed_by"].is_object(), "{filing}");
    }

    /// The router cannot hold a route the document lacks: `crate::api` adds routes only
    /// through `routes!` (method and path from each handler's `#[utoipa::path]`), never
    /// through `.route(`, which would bypass the document; and it names as many
    /// handlers as the document has operations. (axum cannot list a router's routes, so
    /// this reads the one function that builds it; the API test
    /// `health_security_headers_and_openapi` calls every documented operation over HTTP.)
    #[test]
    fn every_route_is_documented() {
        let src = include_str!("lib.rs");
        let body = src.split("fn api() -> OpenApiRouter<AppState> {").nth(1).unwrap().split("\n}\n").next().unwrap();
        assert!(!body.contains(".route(") && !body.contains(".nest(") && !body.contains(".merge("), "{body}");
        let handlers: usize = body
            .split("routes!(")
            .skip(1)
            .map(|r| r.split(')').next().unwrap().split(',').filter(|h| !h.trim().is_empty()).count())
            .sum();
        assert_eq!(handlers, operations().len(), "handlers in api() vs operations in the document");
    }

    /// `web/openapi.json`, from which the web app's types are generated
    /// (`npm --prefix web run api-types`), is this document. `CAMPUSLINK_WRITE_OPENAPI=1`
    /// rewrites it.
    #[test]
    fn committed_document_is_current() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../web/openapi.json");
        let now = serde_json::to_string_pretty(&spec()).unwrap() + "\n";
        if std::env::var_os("CAMPUSLINK_WRITE_OPENAPI").is_some() {
            std::fs::write(path, &now).unwrap();
        }
        let committed = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            committed == now,
            "web/openapi.json is not the document the server serves: run \
             CAMPUSLINK_WRITE_OPENAPI=1 cargo test -p campuslink-server --lib openapi, then npm --prefix web run api-types"
        );
    }

    /// A body the server sends says which keys are always there: a property of a
    /// schema that some response or server frame reaches is either required (an
    /// `Option` the server serializes as `null` needs `#[schema(required = true)]`) or,
    /// when it is left out (`skip_serializing_if`), never `null` when present
    /// (`#[schema(nullable = false)]`). utoipa makes every `Option` both optional and
    /// nullable, which would type `x?: T | null` in the web app.
    #[test]
    fn sent_properties_are_required_or_skipped() {
        let spec = spec();
        let schemas = &spec["components"]["schemas"];
        let mut todo: Vec<String> = vec!["ServerFrame".into()];
        fn refs(v: &Value, out: &mut Vec<String>) {
            match v {
                Value::Object(o) => {
                    if let Some(r) = o.get("$ref").and_then(Value::as_str) {
                        out.push(r.trim_start_matches("#/components/schemas/").to_owned());
                    }
                    o.values().for_each(|v| refs(v, out));
                }
                Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
                _ => {}
            }
        }
        for (_, item) in spec["paths"].as_object().unwrap() {
            for (_, op) in item.as_object().unwrap() {
                refs(&op["responses"], &mut todo);
            }
        }
        fn nullable(p: &Value) -> bool {
            p["type"].as_array().is_some_and(|t| t.contains(&json!("null")))
                || p["oneOf"].as_array().is_some_and(|o| o.iter().any(|s| s["type"] == "null"))
        }
        fn objects<'a>(s: &'a Value, out: &mut Vec<&'a Value>) {
            if s["properties"].is_object() {
                out.push(s);
            }
            for key in ["allOf", "oneOf", "anyOf"] {
                s[key].as_array().into_iter().flatten().for_each(|s| objects(s, out));
            }
        }
        let mut seen = BTreeSet::new();
        let mut wrong = Vec::new();
        while let Some(name) = todo.pop() {
            if !seen.insert(name.clone()) {
                continue;
            }
            let schema = &schemas[&name];
            assert!(schema.is_object(), "no schema {name}");
            refs(schema, &mut todo);
            let mut parts = Vec::new();
            objects(schema, &mut parts);
            for part in parts {
                let required: Vec<&str> =
                    part["required"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
                for (field, p) in part["properties"].as_object().unwrap() {
                    if !required.contains(&field.as_str()) && nullable(p) {
                        wrong.push(format!("{name}.{field}"));
                    }
                }
            }
        }
        assert!(seen.contains("MessageOut") && seen.contains("Member"), "{seen:?}");
        assert!(wrong.is_empty(), "optional and nullable: {wrong:?}");
    }

    /// Every code named in the table exists in the messages (the codes are the enum's,
    /// so only spelling through `as_str` could go wrong).
    #[test]
    fn listed_codes_are_known() {
        let known: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        for (op, codes) in PROBLEMS {
            for c in *codes {
                assert!(known.contains(&c.as_str()), "{op}: {c}");
            }
        }
        let _ = (Refusal::NotAdmin, ChatRefusal::ReadOnly);
    }
}
