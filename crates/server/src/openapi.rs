//! The OpenAPI 3.1 description at `/api/openapi.json`, built from one table of
//! operations. The API tests call every operation listed here, so the table cannot
//! drift from the router without a test failing.

use axum::Json;
use serde_json::{Value, json};

/// (method, path under /api/v1, tag, summary, request body schema, response schema)
pub type Operation =
    (&'static str, &'static str, &'static str, &'static str, Option<&'static str>, Option<&'static str>);

pub const OPERATIONS: &[Operation] = &[
    (
        "post",
        "/auth/login",
        "accounts",
        "Sign in; sets the session and CSRF cookies and returns a bearer token",
        Some("LoginRequest"),
        Some("LoginResponse"),
    ),
    ("post", "/auth/logout", "accounts", "Sign out (ends this session)", None, None),
    ("get", "/me", "accounts", "Who is signed in", None, Some("Me")),
    ("post", "/me/password", "accounts", "Change own password (ends every session)", Some("ChangePassword"), None),
    ("get", "/schools", "registry", "Schools with their campuses (bureau)", None, Some("SchoolList")),
    ("post", "/schools", "registry", "Create a school (bureau)", Some("RegistryInput"), Some("School")),
    ("patch", "/schools/{school_id}", "registry", "Rename a school (bureau)", Some("RegistryInput"), Some("School")),
    (
        "post",
        "/schools/{school_id}/campuses",
        "registry",
        "Create a campus (bureau)",
        Some("RegistryInput"),
        Some("Campus"),
    ),
    ("patch", "/campuses/{campus_id}", "registry", "Rename a campus (bureau)", Some("RegistryInput"), Some("Campus")),
    ("get", "/campuses/{campus_id}/admins", "registry", "A campus's admins (bureau)", None, Some("MemberList")),
    (
        "post",
        "/campuses/{campus_id}/admins",
        "registry",
        "Create a campus admin (bureau)",
        Some("AdminInput"),
        Some("Member"),
    ),
    (
        "post",
        "/registry/import",
        "registry",
        "Import schools and campuses from CSV, all or nothing (bureau)",
        Some("Csv"),
        Some("RegistryImported"),
    ),
    ("get", "/registry/template.csv", "registry", "The registry import template (bureau)", None, None),
    (
        "get",
        "/campuses/{campus_id}/departments",
        "directory",
        "The campus's departments, flat",
        None,
        Some("DepartmentList"),
    ),
    (
        "post",
        "/campuses/{campus_id}/departments",
        "directory",
        "Create a department (admin)",
        Some("DepartmentInput"),
        Some("Department"),
    ),
    (
        "patch",
        "/campuses/{campus_id}/departments/{department_id}",
        "directory",
        "Rename a department (admin)",
        Some("DepartmentInput"),
        Some("Department"),
    ),
    (
        "delete",
        "/campuses/{campus_id}/departments/{department_id}",
        "directory",
        "Delete an empty department (admin)",
        None,
        None,
    ),
    (
        "post",
        "/campuses/{campus_id}/departments/{department_id}/move",
        "directory",
        "Move or reorder a department (admin)",
        Some("MoveInput"),
        Some("Department"),
    ),
    (
        "get",
        "/campuses/{campus_id}/members",
        "directory",
        "List or search members (q, department_id, include_disabled, limit, offset)",
        None,
        Some("MemberPage"),
    ),
    (
        "post",
        "/campuses/{campus_id}/members",
        "directory",
        "Create a member (admin)",
        Some("MemberInput"),
        Some("Member"),
    ),
    ("get", "/campuses/{campus_id}/members/{member_id}", "directory", "A member's card", None, Some("Member")),
    (
        "patch",
        "/campuses/{campus_id}/members/{member_id}",
        "directory",
        "Edit a member (admin)",
        Some("MemberInput"),
        Some("Member"),
    ),
    (
        "post",
        "/campuses/{campus_id}/members/{member_id}/disable",
        "directory",
        "Disable a member (admin)",
        None,
        Some("Member"),
    ),
    (
        "post",
        "/campuses/{campus_id}/members/{member_id}/enable",
        "directory",
        "Enable a member (admin)",
        None,
        Some("Member"),
    ),
    (
        "post",
        "/campuses/{campus_id}/members/{member_id}/reset-password",
        "directory",
        "Set a member's password (admin)",
        Some("ResetInput"),
        None,
    ),
    (
        "post",
        "/campuses/{campus_id}/members/import",
        "directory",
        "Import members from CSV or XLSX, all or nothing (admin)",
        Some("Csv"),
        Some("ImportOutcome"),
    ),
    (
        "get",
        "/campuses/{campus_id}/members/export",
        "directory",
        "Export members as CSV or XLSX (format=csv|xlsx) (admin)",
        None,
        None,
    ),
    (
        "get",
        "/campuses/{campus_id}/members/template",
        "directory",
        "Import template as CSV or XLSX (format=csv|xlsx) (admin)",
        None,
        None,
    ),
    (
        "get",
        "/me/school-campuses",
        "interconnection",
        "Every campus of the admin's school, to file",
        None,
        Some("CampusList"),
    ),
    (
        "get",
        "/filings",
        "interconnection",
        "Filings (admin: naming their campus; bureau: all); status filter",
        None,
        Some("FilingList"),
    ),
    (
        "post",
        "/filings",
        "interconnection",
        "File campuses with the bureau (F1–F2); e-mails the bureau",
        Some("FilingInput"),
        Some("Filing"),
    ),
    (
        "post",
        "/filings/{filing_id}/confirm",
        "interconnection",
        "Confirm a filing (bureau, F3); e-mails the campuses' admins",
        None,
        Some("Filing"),
    ),
    (
        "post",
        "/filings/{filing_id}/reject",
        "interconnection",
        "Reject a filing with a reason (bureau)",
        Some("ReasonInput"),
        Some("Filing"),
    ),
    (
        "get",
        "/interconnections",
        "interconnection",
        "Interconnections the admin's campus is or was in",
        None,
        Some("InterconnectionList"),
    ),
    (
        "post",
        "/interconnections",
        "interconnection",
        "Initiate an interconnection (S2)",
        Some("NameInput"),
        Some("Interconnection"),
    ),
    (
        "get",
        "/interconnections/{ic_id}/invitations",
        "interconnection",
        "Pending invitations (initiator)",
        None,
        Some("InvitationList"),
    ),
    (
        "post",
        "/interconnections/{ic_id}/invitations",
        "interconnection",
        "Invite a campus: token, link and QR code (S2)",
        None,
        Some("Invitation"),
    ),
    ("post", "/invitations/{invitation_id}/revoke", "interconnection", "Revoke an invitation (initiator)", None, None),
    (
        "get",
        "/invitations/preview",
        "interconnection",
        "What an invitation link offers (token=…), and any refusal",
        None,
        Some("InvitationPreview"),
    ),
    (
        "post",
        "/invitations/accept",
        "interconnection",
        "Establish the interconnection (S3: 建立互聯)",
        Some("TokenInput"),
        Some("Interconnection"),
    ),
    (
        "get",
        "/interconnections/{ic_id}/exposure/{campus_id}",
        "interconnection",
        "A campus's external directory (its own admin)",
        None,
        Some("Exposure"),
    ),
    (
        "put",
        "/interconnections/{ic_id}/exposure/{campus_id}",
        "interconnection",
        "Set a campus's external directory (S4: 導入部門/成員)",
        Some("Exposure"),
        Some("Exposure"),
    ),
    (
        "post",
        "/interconnections/{ic_id}/publish",
        "interconnection",
        "Publish (S5: 未發布 → 已發布; initiator)",
        None,
        Some("Interconnection"),
    ),
    (
        "post",
        "/interconnections/{ic_id}/campuses/{campus_id}/removal",
        "interconnection",
        "Start removing a campus: identity confirmation QR code (D2)",
        None,
        Some("Confirmation"),
    ),
    (
        "delete",
        "/interconnections/{ic_id}/campuses/{campus_id}",
        "interconnection",
        "Remove a campus (D1: 移除) with an approved confirmation_id",
        None,
        Some("Interconnection"),
    ),
    (
        "get",
        "/confirmations/preview",
        "interconnection",
        "What a confirmation link approves (token=…; the same admin)",
        None,
        Some("Confirmation"),
    ),
    (
        "post",
        "/confirmations/approve",
        "interconnection",
        "Approve from the phone (the same admin)",
        Some("TokenInput"),
        Some("Confirmation"),
    ),
    (
        "get",
        "/confirmations/{confirmation_id}",
        "interconnection",
        "A confirmation's status (the console polls it)",
        None,
        Some("Confirmation"),
    ),
    (
        "post",
        "/confirmations/{confirmation_id}/password",
        "interconnection",
        "Approve by re-entering the password (fallback)",
        Some("PasswordInput"),
        Some("Confirmation"),
    ),
    (
        "get",
        "/connected-campuses",
        "interconnection",
        "Campuses whose external directory the caller sees (V1, V2)",
        None,
        Some("CampusList"),
    ),
    (
        "get",
        "/audit",
        "interconnection",
        "Audit log (admin: their campus; bureau: all); action, since, until, format=json|csv",
        None,
        Some("AuditList"),
    ),
    ("get", "/ws", "live", "The live connection: a WebSocket upgrade (frames in docs/chat.md)", None, None),
    ("get", "/events", "live", "Events the caller may see after a position (after=P, limit)", None, Some("EventPage")),
    ("get", "/conversations", "chat", "The caller's conversations, most recent first", None, Some("ConversationList")),
    (
        "post",
        "/conversations/direct",
        "chat",
        "Open (or reopen) the direct chat with someone the caller reaches (C1)",
        Some("DirectInput"),
        Some("Conversation"),
    ),
    (
        "post",
        "/conversations/group",
        "chat",
        "Start a group chat with people the caller reaches (G1)",
        Some("GroupInput"),
        Some("ConversationDetail"),
    ),
    (
        "get",
        "/conversations/{conversation_id}",
        "chat",
        "A conversation with its members",
        None,
        Some("ConversationDetail"),
    ),
    (
        "patch",
        "/conversations/{conversation_id}",
        "chat",
        "Rename a group (owner)",
        Some("NameInput"),
        Some("ConversationDetail"),
    ),
    ("delete", "/conversations/{conversation_id}", "chat", "Dissolve a group (owner)", None, None),
    (
        "post",
        "/conversations/{conversation_id}/members",
        "chat",
        "Add people the caller reaches to a group",
        Some("MembersInput"),
        Some("ConversationDetail"),
    ),
    (
        "delete",
        "/conversations/{conversation_id}/members/{member_id}",
        "chat",
        "Remove someone (owner) or leave",
        None,
        None,
    ),
    (
        "post",
        "/conversations/{conversation_id}/owner",
        "chat",
        "Hand the group to another member (owner)",
        Some("DirectInput"),
        Some("ConversationDetail"),
    ),
    (
        "get",
        "/conversations/{conversation_id}/messages",
        "chat",
        "History, oldest first (before=P, after=P, limit ≤ 200)",
        None,
        Some("MessagePage"),
    ),
    (
        "post",
        "/conversations/{conversation_id}/messages",
        "chat",
        "Send a message (201; 200 with the first message for a client id used before)",
        Some("SendInput"),
        Some("Message"),
    ),
    (
        "post",
        "/conversations/{conversation_id}/messages/{message_id}/recall",
        "chat",
        "Recall (撤回) one's own message within the window",
        None,
        Some("Message"),
    ),
    (
        "get",
        "/conversations/{conversation_id}/messages/{message_id}/readers",
        "chat",
        "Who has and has not read a message",
        None,
        Some("Readers"),
    ),
    (
        "post",
        "/conversations/{conversation_id}/read",
        "chat",
        "Mark read up to a position (on all the caller's devices)",
        Some("ReadInput"),
        Some("ReadPosition"),
    ),
];

fn schemas() -> Value {
    let s = |t: &str| json!({"type": t});
    let id = json!({"type": "string", "format": "uuid"});
    let names = json!({"name_zh": s("string"), "name_pt": s("string"), "name_en": s("string")});
    let obj = |props: Value, required: &[&str]| json!({"type": "object", "properties": props, "required": required});
    let merge = |a: &Value, b: Value| {
        let mut m = a.as_object().cloned().unwrap_or_default();
        m.extend(b.as_object().cloned().unwrap_or_default());
        Value::Object(m)
    };
    let member_props = json!({
        "id": id, "campus_id": id, "login": s("string"), "role": {"enum": ["bureau", "admin", "member"]},
        "status": {"enum": ["active", "disabled"]}, "name_zh": s("string"), "name_pt": s("string"),
        "title": s("string"), "phone": s("string"), "email": s("string"), "staff_no": s("string"),
        "department_ids": {"type": "array", "items": id}
    });
    json!({
        "Problem": obj(json!({
            "type": s("string"), "status": s("integer"), "code": s("string"), "title": s("string"), "detail": s("string"),
            "errors": {"type": "array", "items": obj(json!({"field": s("string"), "code": s("string"), "message": s("string")}), &["field", "code", "message"])},
            "lines": {"type": "array", "items": obj(json!({"line": s("integer"), "column": s("string"), "code": s("string"), "message": s("string")}), &["line", "code", "message"])}
        }), &["status", "code", "detail"]),
        "LoginRequest": obj(json!({"login": s("string"), "password": s("string")}), &["login", "password"]),
        "LoginResponse": obj(json!({"token": s("string"), "csrf_token": s("string"), "me": {"$ref": "#/components/schemas/Me"}}), &["token", "csrf_token", "me"]),
        "Me": obj(json!({"id": id, "login": s("string"), "role": {"enum": ["bureau", "admin", "member"]}, "name_zh": s("string"), "name_pt": s("string"),
            "campus": {"oneOf": [{"$ref": "#/components/schemas/Campus"}, {"type": "null"}]},
            "school": {"oneOf": [{"$ref": "#/components/schemas/School"}, {"type": "null"}]}}), &["id", "login", "role"]),
        "ChangePassword": obj(json!({"current_password": s("string"), "new_password": s("string")}), &["current_password", "new_password"]),
        "School": obj(merge(&json!({"id": id, "code": s("string")}), names.clone()), &["id", "code", "name_zh"]),
        "Campus": obj(merge(&json!({"id": id, "school_id": id, "code": s("string")}), names.clone()), &["id", "school_id", "code", "name_zh"]),
        "SchoolList": {"type": "array", "items": {"allOf": [{"$ref": "#/components/schemas/School"},
            obj(json!({"campuses": {"type": "array", "items": {"$ref": "#/components/schemas/Campus"}}}), &["campuses"])]}},
        "RegistryInput": obj(merge(&json!({"code": s("string")}), names.clone()), &[]),
        "RegistryImported": obj(json!({"schools_created": s("integer"), "campuses_created": s("integer")}), &["schools_created", "campuses_created"]),
        "AdminInput": obj(json!({"login": s("string"), "name_zh": s("string"), "name_pt": s("string"), "password": s("string")}), &["login", "name_zh", "password"]),
        "Department": obj(json!({"id": id, "campus_id": id, "parent_id": {"oneOf": [id, {"type": "null"}]}, "name_zh": s("string"), "name_pt": s("string"),
            "position": s("integer"), "member_count": s("integer")}), &["id", "campus_id", "name_zh", "position"]),
        "DepartmentList": {"type": "array", "items": {"$ref": "#/components/schemas/Department"}},
        "DepartmentInput": obj(json!({"name_zh": s("string"), "name_pt": s("string"), "parent_id": {"oneOf": [id, {"type": "null"}]}}), &[]),
        "MoveInput": obj(json!({"parent_id": {"oneOf": [id, {"type": "null"}]}, "position": s("integer")}), &["parent_id"]),
        "Member": obj(member_props.clone(), &["id", "name_zh"]),
        "MemberList": {"type": "array", "items": {"$ref": "#/components/schemas/Member"}},
        "MemberPage": obj(json!({"total": s("integer"), "members": {"type": "array", "items": {"$ref": "#/components/schemas/Member"}}}), &["total", "members"]),
        "MemberInput": obj(merge(&member_props, json!({"password": s("string")})), &[]),
        "ResetInput": obj(json!({"new_password": s("string")}), &["new_password"]),
        "ImportOutcome": obj(json!({"created": s("integer"), "updated": s("integer")}), &["created", "updated"]),
        "Csv": {"type": "string", "contentMediaType": "text/csv"},
        "CampusList": {"type": "array", "items": {"$ref": "#/components/schemas/Campus"}},
        "FilingInput": obj(json!({"campus_ids": {"type": "array", "items": id}}), &["campus_ids"]),
        "ReasonInput": obj(json!({"reason": s("string")}), &["reason"]),
        "Filing": obj(json!({"id": id, "number": s("string"), "school": {"$ref": "#/components/schemas/School"},
            "campuses": {"$ref": "#/components/schemas/CampusList"}, "status": {"enum": ["pending", "confirmed", "rejected"]},
            "reason": s("string"), "created_at": s("integer"), "decided_at": {"type": ["integer", "null"]}}), &["id", "number", "status"]),
        "FilingList": {"type": "array", "items": {"$ref": "#/components/schemas/Filing"}},
        "NameInput": obj(json!({"name": s("string")}), &["name"]),
        "Interconnection": obj(json!({"id": id, "name": s("string"), "school_id": id, "initiator": {"$ref": "#/components/schemas/Campus"},
            "published": s("boolean"), "dissolved": s("boolean"), "campuses": {"$ref": "#/components/schemas/CampusList"},
            "my_role": {"enum": ["initiator", "member", "former"]}}), &["id", "name", "published", "dissolved"]),
        "InterconnectionList": {"type": "array", "items": {"$ref": "#/components/schemas/Interconnection"}},
        "Invitation": obj(json!({"id": id, "interconnection_id": id, "created_at": s("integer"), "expires_at": s("integer"),
            "token": s("string"), "url": s("string"), "qr_svg": s("string")}), &["id", "expires_at"]),
        "InvitationList": {"type": "array", "items": {"$ref": "#/components/schemas/Invitation"}},
        "InvitationPreview": obj(json!({"interconnection": obj(json!({"id": id, "name": s("string")}), &[]),
            "inviting_campus": {"$ref": "#/components/schemas/Campus"}, "school": {"$ref": "#/components/schemas/School"},
            "expires_at": s("integer"), "refusal": {"type": ["string", "null"]}}), &["interconnection", "refusal"]),
        "TokenInput": obj(json!({"token": s("string")}), &["token"]),
        "PasswordInput": obj(json!({"password": s("string")}), &["password"]),
        "Exposure": obj(json!({"department_ids": {"type": "array", "items": id}, "member_ids": {"type": "array", "items": id},
            "show_phone": s("boolean"), "show_email": s("boolean"), "exposed_members": s("integer")}), &[]),
        "Confirmation": obj(json!({"id": id, "status": {"enum": ["pending", "approved", "used", "expired"]}, "expires_at": s("integer"),
            "token": s("string"), "url": s("string"), "qr_svg": s("string")}), &["id", "status", "expires_at"]),
        "MemberRef": obj(json!({"id": id, "name_zh": s("string"), "name_pt": s("string"), "campus_id": id, "title": s("string")}), &["id", "name_zh"]),
        "Message": obj(json!({"id": id, "conversation_id": id, "position": s("integer"), "client_id": {"type": ["string", "null"]},
            "kind": {"enum": ["text", "system"]}, "sender": {"oneOf": [{"$ref": "#/components/schemas/MemberRef"}, {"type": "null"}]},
            "text": s("string"), "mentions": {"type": "array", "items": id}, "mention_all": s("boolean"),
            "reply_to": {"oneOf": [obj(json!({"id": id, "sender": {}, "text": s("string"), "recalled": s("boolean")}), &["id"]), {"type": "null"}]},
            "system": {"oneOf": [obj(json!({"action": {"enum": ["created", "added", "removed", "left", "renamed", "owner_changed", "dissolved", "campus_disconnected"]},
                "actor": {}, "members": {"type": "array", "items": {"$ref": "#/components/schemas/MemberRef"}}, "name": s("string")}), &["action"]), {"type": "null"}]},
            "recalled": s("boolean"), "created_at": s("integer")}), &["id", "conversation_id", "position", "kind", "text"]),
        "MessagePage": obj(json!({"messages": {"type": "array", "items": {"$ref": "#/components/schemas/Message"}}, "has_more": s("boolean")}), &["messages", "has_more"]),
        "Conversation": obj(json!({"id": id, "kind": {"enum": ["direct", "group"]}, "name": s("string"), "home_campus_id": id,
            "owner_id": {"oneOf": [id, {"type": "null"}]}, "peer": {"oneOf": [{"$ref": "#/components/schemas/MemberRef"}, {"type": "null"}]},
            "member_count": s("integer"), "last_message": {"oneOf": [{"$ref": "#/components/schemas/Message"}, {"type": "null"}]},
            "last_position": s("integer"), "read_position": s("integer"), "unread": s("integer"),
            "read_only": s("boolean"), "left": s("boolean"), "dissolved": s("boolean")}), &["id", "kind", "unread", "read_only"]),
        "ConversationList": {"type": "array", "items": {"$ref": "#/components/schemas/Conversation"}},
        "ConversationDetail": {"allOf": [{"$ref": "#/components/schemas/Conversation"}, obj(json!({
            "members": {"type": "array", "items": {"allOf": [{"$ref": "#/components/schemas/MemberRef"},
                obj(json!({"role": {"enum": ["owner", "member"]}, "read_position": s("integer")}), &["role", "read_position"])]}},
            "campuses": {"type": "object", "additionalProperties": obj(names.clone(), &["name_zh"])}}), &["members", "campuses"])]},
        "DirectInput": obj(json!({"member_id": id}), &["member_id"]),
        "GroupInput": obj(json!({"name": s("string"), "member_ids": {"type": "array", "items": id}}), &["member_ids"]),
        "MembersInput": obj(json!({"member_ids": {"type": "array", "items": id}}), &["member_ids"]),
        "SendInput": obj(json!({"client_id": s("string"), "text": s("string"), "reply_to": {"oneOf": [id, {"type": "null"}]},
            "mentions": {"type": "array", "items": id}, "mention_all": s("boolean")}), &["client_id", "text"]),
        "ReadInput": obj(json!({"position": s("integer")}), &["position"]),
        "ReadPosition": obj(json!({"read_position": s("integer")}), &["read_position"]),
        "Readers": obj(json!({"read": {"type": "array", "items": {"$ref": "#/components/schemas/MemberRef"}},
            "unread": {"type": "array", "items": {"$ref": "#/components/schemas/MemberRef"}}}), &["read", "unread"]),
        "EventPage": obj(json!({"events": {"type": "array", "items": obj(json!({"type": {"const": "event"}, "position": s("integer"),
            "kind": s("string"), "data": {"type": "object"}}), &["position", "kind", "data"])}, "position": s("integer"), "has_more": s("boolean")}),
            &["events", "position", "has_more"]),
        "AuditList": {"type": "array", "items": obj(json!({"id": s("string"), "at": s("integer"), "actor_login": s("string"),
            "action": s("string"), "campus_codes": {"type": "array", "items": s("string")}, "detail": {}}), &["at", "action"])}
    })
}

/// The document, built once per request (it is small and rarely asked for).
pub fn spec() -> Value {
    let mut paths = serde_json::Map::new();
    for (method, path, tag, summary, body, resp) in OPERATIONS {
        let params: Vec<Value> = path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}}))
            .collect();
        let ok = match resp {
            Some(r) => {
                json!({"description": "OK", "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{r}")}}}})
            }
            None => json!({"description": "Done"}),
        };
        let problem = json!({"description": "Problem", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}});
        let mut op = json!({
            "tags": [tag], "summary": summary, "operationId": format!("{method}{}", path.replace(['/', '{', '}', '-', '.'], "_")),
            "parameters": params, "responses": {"200": ok, "default": problem}
        });
        if *path != "/auth/login" {
            op["security"] = json!([{"bearer": []}, {"cookie": []}]);
        }
        if let Some(b) = body {
            let media = if *b == "Csv" { "text/csv" } else { "application/json" };
            op["requestBody"] = json!({"required": true, "content": {media: {"schema": {"$ref": format!("#/components/schemas/{b}")}}}});
        }
        let entry = paths.entry(format!("/api/v1{path}")).or_insert_with(|| json!({}));
        entry[*method] = op;
    }
    json!({
        "openapi": "3.1.0",
        "info": {"title": "campuslink", "version": env!("CARGO_PKG_VERSION"),
                 "description": "Self-hostable messaging for schools and their interconnected campuses. Errors are application/problem+json with a stable `code`."},
        "paths": paths,
        "components": {
            "schemas": schemas(),
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "cookie": {"type": "apiKey", "in": "cookie", "name": "campuslink_session"}
            }
        }
    })
}

/// `GET /api/openapi.json`
pub async fn document() -> Json<Value> {
    Json(spec())
}
