//! Campus interconnection over the API, step by step as in the bureau's guide, and
//! every refusal on the way: R1, F1–F4, S1–S5, V1–V2, C1, D1–D2, the audit log.

use crate::helpers::{Client, PASSWORD, TestApp};
use domain::CampusId;
use reqwest::StatusCode;
use serde_json::{Value, json};
use server::ServerConfig;
use std::time::Duration;

/// Decodes a QR code SVG from the API the way a phone camera would read it.
pub fn decode_qr(svg: &str) -> String {
    let (size, dark) = server::qr::modules(svg);
    assert!(size > 20, "a QR code: {svg:.80}");
    let scale = 4;
    let px = size * scale;
    let mut grid = vec![255u8; px * px];
    for (x, y) in dark {
        for dy in 0..scale {
            for dx in 0..scale {
                grid[(y * scale + dy) * px + x * scale + dx] = 0;
            }
        }
    }
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(px, px, |x, y| grid[y * px + x]);
    let grids = img.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code in the image");
    grids[0].decode().unwrap().1
}

fn token_of(url: &str) -> String {
    url.split("token=").nth(1).unwrap().to_owned()
}

pub(crate) async fn file(c: &Client, campuses: &[CampusId]) -> (StatusCode, Value) {
    c.post("/api/v1/filings", json!({"campus_ids": campuses})).await
}

pub(crate) async fn create_ic(admin: &Client, name: &str) -> String {
    let (s, ic) = admin.post("/api/v1/interconnections", json!({"name": name})).await;
    assert_eq!(s, StatusCode::CREATED, "{ic}");
    ic["id"].as_str().unwrap().to_owned()
}

pub(crate) async fn invite(admin: &Client, ic: &str) -> Value {
    let (s, inv) = admin.post(&format!("/api/v1/interconnections/{ic}/invitations"), json!({})).await;
    assert_eq!(s, StatusCode::CREATED, "{inv}");
    inv
}

/// A and B filed, confirmed, invited, accepted: ready for exposure and publishing.
pub(crate) async fn connect_a_and_b(app: &TestApp) -> (Client, Client, String) {
    let admin_a = app.login("admin.a").await;
    let admin_b = app.login("admin.b").await;
    let bureau = app.login("bureau").await;
    let (_, f) = file(&admin_a, &[app.campus_a, app.campus_b]).await;
    let (s, _) = bureau.post(&format!("/api/v1/filings/{}/confirm", f["id"].as_str().unwrap()), json!({})).await;
    assert_eq!(s, StatusCode::OK);
    let ic = create_ic(&admin_a, "示範學校校部互聯").await;
    let inv = invite(&admin_a, &ic).await;
    let (s, b) = admin_b.post("/api/v1/invitations/accept", json!({"token": inv["token"]})).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    (admin_a, admin_b, ic)
}

async fn dep(c: &Client, campus: CampusId, name: &str, parent: Option<String>) -> String {
    let (s, d) =
        c.post(&format!("/api/v1/campuses/{campus}/departments"), json!({"name_zh": name, "parent_id": parent})).await;
    assert_eq!(s, StatusCode::CREATED);
    d["id"].as_str().unwrap().to_owned()
}

async fn member(c: &Client, campus: CampusId, login: &str, zh: &str, dept: String) -> String {
    let body = json!({"login": login, "name_zh": zh, "phone": "+853 6600 0000", "email": format!("{login}@x.test"),
                      "department_ids": [dept], "password": PASSWORD});
    let (s, m) = c.post(&format!("/api/v1/campuses/{campus}/members"), body).await;
    assert_eq!(s, StatusCode::CREATED, "{m}");
    m["id"].as_str().unwrap().to_owned()
}

fn codes(v: &Value) -> Vec<String> {
    v.as_array().unwrap().iter().map(|c| c["code"].as_str().unwrap().to_owned()).collect()
}

fn names(v: &Value, key: &str) -> Vec<String> {
    let mut n: Vec<String> =
        v[key].as_array().unwrap().iter().map(|m| m["name_zh"].as_str().unwrap().to_owned()).collect();
    n.sort();
    n
}

#[tokio::test]
async fn the_guide_step_by_step() {
    let app = TestApp::spawn().await;
    let (a, b) = (app.campus_a, app.campus_b);
    let admin_a = app.login("admin.a").await;
    let admin_b = app.login("admin.b").await;
    let bureau = app.login("bureau").await;

    // F1–F2: the filing e-mail reaches the bureau with every campus code and name.
    let (s, filing) = file(&admin_a, &[a, b]).await;
    assert_eq!(s, StatusCode::CREATED, "{filing}");
    let number = filing["number"].as_str().unwrap().to_owned();
    assert_eq!(filing["status"], "pending");
    let mail = app.mail.wait_for("to the bureau", |m| m.to.contains(&"bureau@dsedj.test".to_string())).await;
    for text in [number.as_str(), "S1-A", "中學部", "S1-B", "小學部", "示範學校"] {
        assert!(mail.data.contains(text), "filing e-mail lacks {text}: {}", mail.data);
    }
    let (_, seen_by_b) = admin_b.get("/api/v1/filings").await;
    assert_eq!(seen_by_b[0]["number"], number.as_str(), "B sees the filing naming it");
    let (_, seen_by_x) = app.login("admin.x").await.get("/api/v1/filings").await;
    assert_eq!(seen_by_x, json!([]), "another school's admin does not");

    // F4: no interconnection, so no invitation, before the bureau confirms; a refused
    // try leaves nothing behind.
    let (s, e) = admin_a.post("/api/v1/interconnections", json!({"name": "示範學校校部互聯"})).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("filing_required")));
    assert_eq!(admin_a.get("/api/v1/interconnections").await.1, json!([]));

    // F3: the bureau confirms; the admins of every campus named are told, with the number.
    let (_, pending) = bureau.get("/api/v1/filings?status=pending").await;
    assert_eq!(pending.as_array().unwrap().len(), 1);
    let (s, f) = bureau.post(&format!("/api/v1/filings/{}/confirm", filing["id"].as_str().unwrap()), json!({})).await;
    assert_eq!((s, f["status"].as_str()), (StatusCode::OK, Some("confirmed")));
    for admin in ["admin.a@a.test", "admin.b@b.test"] {
        let m = app.mail.wait_for(admin, |m| m.to.contains(&admin.to_string()) && m.data.contains(&number)).await;
        assert!(m.data.contains("已備案"), "{}", m.data);
    }

    // S2: the QR code carries the link; S3: B's admin opens it and establishes.
    let ic = create_ic(&admin_a, "示範學校校部互聯").await;
    let inv = invite(&admin_a, &ic).await;
    let url = decode_qr(inv["qr_svg"].as_str().unwrap());
    assert_eq!(url, inv["url"].as_str().unwrap());
    assert!(url.starts_with(&app.base) && url.contains("/admin/accept?token="), "{url}");
    let token = token_of(&url);
    let (_, pending) = admin_a.get(&format!("/api/v1/interconnections/{ic}/invitations")).await;
    assert_eq!(pending.as_array().unwrap().len(), 1);
    let (s, preview) = admin_b.get(&format!("/api/v1/invitations/preview?token={token}")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        (preview["inviting_campus"]["code"].as_str(), preview["interconnection"]["name"].as_str()),
        (Some("S1-A"), Some("示範學校校部互聯"))
    );
    assert_eq!(preview["refusal"], Value::Null);
    let (_, px) = app.login("admin.x").await.get(&format!("/api/v1/invitations/preview?token={token}")).await;
    assert_eq!(px["refusal"], "other_school", "R1");
    let (s, joined) = admin_b.post("/api/v1/invitations/accept", json!({"token": token})).await;
    assert_eq!(s, StatusCode::OK, "{joined}");
    assert_eq!(codes(&joined["campuses"]), ["S1-A", "S1-B"]);
    assert_eq!((joined["published"].as_bool(), joined["my_role"].as_str()), (Some(false), Some("member")));
    let (s, e) = admin_b.post("/api/v1/invitations/accept", json!({"token": token})).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::GONE, Some("invitation_used")), "single use");

    // S4: each side chooses its external directory; a department includes its
    // sub-departments, and members can be chosen one by one.
    let a_teaching = admin_a.first_department(a).await;
    let b_teaching = admin_b.first_department(b).await;
    let b_maths = dep(&admin_b, b, "數學科", Some(b_teaching.clone())).await;
    let b_office = dep(&admin_b, b, "行政部", None).await;
    member(&admin_b, b, "math.b", "數學老師", b_maths.clone()).await;
    let office_b = member(&admin_b, b, "office.b", "行政主任", b_office.clone()).await;
    let hidden_b = member(&admin_b, b, "hidden.b", "不公開者", b_office.clone()).await;
    let a_office = dep(&admin_a, a, "行政部", None).await;
    member(&admin_a, a, "outsider.a", "未公開教師", a_office).await;

    let (s, e) = admin_a
        .put(&format!("/api/v1/interconnections/{ic}/exposure/{b}"), json!({"department_ids": [b_teaching]}))
        .await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::FORBIDDEN, Some("not_admin")), "only B's own admin sets B's");
    let (s, e) = admin_a
        .put(&format!("/api/v1/interconnections/{ic}/exposure/{a}"), json!({"department_ids": [b_teaching]}))
        .await;
    assert_eq!((s, e["errors"][0]["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("unknown_department")));
    let (s, ea) = admin_a
        .put(&format!("/api/v1/interconnections/{ic}/exposure/{a}"), json!({"department_ids": [a_teaching]}))
        .await;
    assert_eq!((s, ea["exposed_members"].as_i64()), (StatusCode::OK, Some(2)), "{ea}");
    let (s, eb) = admin_b
        .put(
            &format!("/api/v1/interconnections/{ic}/exposure/{b}"),
            json!({"department_ids": [b_teaching], "member_ids": [office_b], "show_phone": true}),
        )
        .await;
    assert_eq!(
        (s, eb["exposed_members"].as_i64()),
        (StatusCode::OK, Some(4)),
        "admin.b, teacher.b, math.b, office.b: {eb}"
    );

    // S5: nothing is visible across until the initiator publishes; only it may.
    let teacher_a = app.login("teacher.a").await;
    assert_eq!(teacher_a.get("/api/v1/connected-campuses").await.1, json!([]));
    assert_eq!(teacher_a.get(&format!("/api/v1/campuses/{b}/departments")).await.0, StatusCode::NOT_FOUND);
    let (s, e) = admin_b.post(&format!("/api/v1/interconnections/{ic}/publish"), json!({})).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::FORBIDDEN, Some("not_initiator")));
    let (s, p) = admin_a.post(&format!("/api/v1/interconnections/{ic}/publish"), json!({})).await;
    assert_eq!((s, p["published"].as_bool()), (StatusCode::OK, Some(true)));

    // V1/V2/C1: an exposed teacher of A sees B's external directory, and only it.
    let (_, connected) = teacher_a.get("/api/v1/connected-campuses").await;
    assert_eq!(codes(&connected), ["S1-B"]);
    let (s, depts) = teacher_a.get(&format!("/api/v1/campuses/{b}/departments")).await;
    assert_eq!(s, StatusCode::OK);
    let mut dnames: Vec<&str> = depts.as_array().unwrap().iter().map(|d| d["name_zh"].as_str().unwrap()).collect();
    dnames.sort();
    assert_eq!(dnames, ["教務處", "數學科"], "行政部 is not exposed as a department");
    let (_, list) = teacher_a.get(&format!("/api/v1/campuses/{b}/members")).await;
    assert_eq!(names(&list, "members"), ["b成員", "b成員", "數學老師", "行政主任"]);
    let card = list["members"].as_array().unwrap().iter().find(|m| m["name_zh"] == "數學老師").unwrap().clone();
    assert!(card.get("login").is_none() && card.get("email").is_none() && card.get("staff_no").is_none(), "{card}");
    assert_eq!(card["phone"], "+853 6600 0000", "B allows phone numbers");
    let (s, _) = teacher_a.get(&format!("/api/v1/campuses/{b}/members/{hidden_b}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "an unexposed member of B does not exist for A");
    let (_, found) = teacher_a.get(&format!("/api/v1/campuses/{b}/members?q=%E4%B8%8D%E5%85%AC%E9%96%8B")).await;
    assert_eq!(found["total"], 0, "search goes through the same rule");
    let (_, found) = teacher_a.get(&format!("/api/v1/campuses/{b}/members?q=%E6%95%B8%E5%AD%B8")).await;
    assert_eq!(found["total"], 1);
    let (_, office) = teacher_a.get(&format!("/api/v1/campuses/{b}/members/{office_b}")).await;
    assert_eq!(
        office["department_ids"],
        json!([]),
        "office.b is shown alone, without the unexposed department: {office}"
    );
    // A department follows later changes: a new member of 數學科 appears.
    member(&admin_b, b, "late.b", "新來的", b_maths).await;
    assert_eq!(teacher_a.get(&format!("/api/v1/campuses/{b}/members")).await.1["total"], 5);
    // V1: B sees A's external directory.
    let teacher_b = app.login("teacher.b").await;
    let (_, a_members) = teacher_b.get(&format!("/api/v1/campuses/{a}/members")).await;
    assert_eq!(names(&a_members, "members"), ["a成員", "a成員"]);

    // V2: a member of A who is not in A's external directory sees no trace of B.
    let outsider = app.login("outsider.a").await;
    assert_eq!(outsider.get("/api/v1/connected-campuses").await.1, json!([]));
    for path in [
        format!("/api/v1/campuses/{b}/departments"),
        format!("/api/v1/campuses/{b}/members"),
        format!("/api/v1/campuses/{b}/members/{office_b}"),
    ] {
        assert_eq!(outsider.get(&path).await.0, StatusCode::NOT_FOUND, "{path}");
    }
    // Another school sees nothing, and external viewers never write.
    let admin_x = app.login("admin.x").await;
    assert_eq!(admin_x.get(&format!("/api/v1/campuses/{b}/members")).await.0, StatusCode::NOT_FOUND);
    let (s, _) = teacher_a.post(&format!("/api/v1/campuses/{b}/departments"), json!({"name_zh": "入侵"})).await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // D1/D2: only the initiator removes, and only with a fresh identity confirmation.
    let (s, e) = admin_b.post(&format!("/api/v1/interconnections/{ic}/campuses/{a}/removal"), json!({})).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::FORBIDDEN, Some("not_initiator")));
    let (s, e) = admin_a.delete(&format!("/api/v1/interconnections/{ic}/campuses/{b}")).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::FORBIDDEN, Some("confirmation_required")));
    let (s, conf) = admin_a.post(&format!("/api/v1/interconnections/{ic}/campuses/{b}/removal"), json!({})).await;
    assert_eq!(s, StatusCode::CREATED, "{conf}");
    let cid = conf["id"].as_str().unwrap().to_owned();
    let confirm_url = decode_qr(conf["qr_svg"].as_str().unwrap());
    assert!(confirm_url.contains("/confirm?token="), "{confirm_url}");
    let ctoken = token_of(&confirm_url);
    let (s, e) = admin_a.delete(&format!("/api/v1/interconnections/{ic}/campuses/{b}?confirmation_id={cid}")).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::FORBIDDEN, Some("confirmation_required")), "not yet approved");
    // The QR code is bound to admin.a: admin.b's phone cannot approve it.
    assert_eq!(admin_b.post("/api/v1/confirmations/approve", json!({"token": ctoken})).await.0, StatusCode::NOT_FOUND);
    // admin.a's phone (another session of the same admin) scans and approves.
    let phone = app.login("admin.a").await;
    let (s, pv) = phone.get(&format!("/api/v1/confirmations/preview?token={ctoken}")).await;
    assert_eq!((s, pv["target"]["code"].as_str()), (StatusCode::OK, Some("S1-B")));
    let (s, ok) = phone.post("/api/v1/confirmations/approve", json!({"token": ctoken})).await;
    assert_eq!((s, ok["status"].as_str()), (StatusCode::OK, Some("approved")));
    assert_eq!(
        admin_a.get(&format!("/api/v1/confirmations/{cid}")).await.1["status"],
        "approved",
        "the console sees it"
    );
    let (s, after) = admin_a.delete(&format!("/api/v1/interconnections/{ic}/campuses/{b}?confirmation_id={cid}")).await;
    assert_eq!(
        (s, after["dissolved"].as_bool()),
        (StatusCode::OK, Some(true)),
        "removing the last other campus dissolves: {after}"
    );
    let (s, e) = admin_a.delete(&format!("/api/v1/interconnections/{ic}/campuses/{b}?confirmation_id={cid}")).await;
    assert!(s.is_client_error(), "a confirmation is single use: {e}");
    let (s, e) = phone.post("/api/v1/confirmations/approve", json!({"token": ctoken})).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::GONE, Some("confirmation_used")), "approving a used one says so");
    app.mail
        .wait_for("about the removal to B", |m| m.to.contains(&"admin.b@b.test".to_string()) && m.data.contains("移出"))
        .await;
    app.mail
        .wait_for("about the removal to A", |m| m.to.contains(&"admin.a@a.test".to_string()) && m.data.contains("移出"))
        .await;

    // Afterwards nobody sees across.
    assert_eq!(teacher_a.get("/api/v1/connected-campuses").await.1, json!([]));
    assert_eq!(teacher_a.get(&format!("/api/v1/campuses/{b}/members")).await.0, StatusCode::NOT_FOUND);
    assert_eq!(teacher_b.get(&format!("/api/v1/campuses/{a}/members")).await.0, StatusCode::NOT_FOUND);

    // The audit log: every step, each campus sees its own, the bureau all.
    let (_, log_a) = admin_a.get("/api/v1/audit").await;
    let mut actions: Vec<&str> = log_a.as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    actions.sort();
    actions.dedup();
    assert_eq!(
        actions,
        [
            "campus_removed",
            "exposure_set",
            "filing_confirmed",
            "filing_created",
            "interconnection_created",
            "interconnection_dissolved",
            "interconnection_published",
            "invitation_accepted",
            "invitation_created"
        ]
    );
    let (_, log_x) = admin_x.get("/api/v1/audit").await;
    assert_eq!(log_x, json!([]));
    let (_, log_bureau) = bureau.get("/api/v1/audit?action=exposure_set").await;
    assert_eq!(log_bureau.as_array().unwrap().len(), 2);
    let r = bureau.request(reqwest::Method::GET, "/api/v1/audit?format=csv").send().await.unwrap();
    let csv = r.text().await.unwrap();
    assert!(csv.contains("at,actor,action,campuses,detail") && csv.contains("campus_removed"), "{csv}");
    assert_eq!(teacher_a.get("/api/v1/audit").await.0, StatusCode::FORBIDDEN);
    app.stop().await;
}

#[tokio::test]
async fn filing_refusals() {
    let app = TestApp::spawn().await;
    let admin_a = app.login("admin.a").await.with_lang("en");
    let (s, e) = file(&admin_a, &[app.campus_a, app.campus_x]).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("other_school")), "R1");
    let (s, e) = file(&admin_a, &[app.campus_a]).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("filing_campuses")));
    let (s, e) = file(&admin_a, &[app.campus_b, app.campus_b]).await;
    assert_eq!(
        (s, e["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("filing_campuses")),
        "own campus must be named"
    );
    let ghost: CampusId = "01900000-0000-7000-8000-000000000000".parse().unwrap();
    assert_eq!(file(&admin_a, &[app.campus_a, ghost]).await.1["code"], "other_school");
    let teacher = app.login("teacher.a").await;
    let (s, e) = file(&teacher, &[app.campus_a, app.campus_b]).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::FORBIDDEN, Some("not_admin")));
    let (s, _) = admin_a.post("/api/v1/filings", json!({"campus_ids": "all"})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(app.store.filings(None, None).await.unwrap().len(), 0, "nothing was filed");

    let (_, f) = file(&admin_a, &[app.campus_a, app.campus_b]).await;
    let fid = f["id"].as_str().unwrap();
    assert_eq!(admin_a.post(&format!("/api/v1/filings/{fid}/confirm"), json!({})).await.0, StatusCode::FORBIDDEN);
    let bureau = app.login("bureau").await;
    let (s, e) = bureau.post(&format!("/api/v1/filings/{fid}/reject"), json!({"reason": " "})).await;
    assert_eq!((s, e["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("reason")));
    let (s, r) = bureau.post(&format!("/api/v1/filings/{fid}/reject"), json!({"reason": "缺少校董會文件"})).await;
    assert_eq!(
        (s, r["status"].as_str(), r["reason"].as_str()),
        (StatusCode::OK, Some("rejected"), Some("缺少校董會文件"))
    );
    let (s, e) = bureau.post(&format!("/api/v1/filings/{fid}/confirm"), json!({})).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::CONFLICT, Some("filing_not_pending")), "decided once");
    app.mail
        .wait_for("the rejection", |m| {
            m.to.contains(&"admin.b@b.test".to_string()) && m.data.contains("缺少校董會文件")
        })
        .await;
    // A rejected filing covers nothing.
    let (s, e) = admin_a.post("/api/v1/interconnections", json!({"name": "x"})).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("filing_required")));
    app.stop().await;
}

#[tokio::test]
async fn invitations_expire_are_revocable_and_need_a_filing_for_the_accepting_campus() {
    let app = TestApp::spawn().await;
    let admin_a = app.login("admin.a").await;
    let admin_b = app.login("admin.b").await;
    let bureau = app.login("bureau").await;
    // A filing that covers A and the other school's campus cannot exist, so file A+B.
    let (_, f) = file(&admin_a, &[app.campus_a, app.campus_b]).await;
    bureau.post(&format!("/api/v1/filings/{}/confirm", f["id"].as_str().unwrap()), json!({})).await;
    let ic = create_ic(&admin_a, "短期").await;

    let revoked = invite(&admin_a, &ic).await;
    assert_eq!(
        admin_b.post(&format!("/api/v1/invitations/{}/revoke", revoked["id"].as_str().unwrap()), json!({})).await.0,
        StatusCode::NOT_FOUND
    );
    let (s, _) =
        admin_a.post(&format!("/api/v1/invitations/{}/revoke", revoked["id"].as_str().unwrap()), json!({})).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, e) = admin_b.post("/api/v1/invitations/accept", json!({"token": revoked["token"]})).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::GONE, Some("invitation_revoked")));
    let (s, e) =
        admin_a.post(&format!("/api/v1/invitations/{}/revoke", revoked["id"].as_str().unwrap()), json!({})).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::GONE, Some("invitation_revoked")), "revoking twice says so");

    let expiring = invite(&admin_a, &ic).await;
    app.clock.advance(ServerConfig::default().invitation_ttl);
    let (s, e) = admin_b.post("/api/v1/invitations/accept", json!({"token": expiring["token"]})).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::GONE, Some("invitation_expired")));

    let live = invite(&admin_a, &ic).await;
    let teacher_b = app.login("teacher.b").await;
    let (s, e) = teacher_b.post("/api/v1/invitations/accept", json!({"token": live["token"]})).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::FORBIDDEN, Some("not_admin")));
    let (s, e) = app.login("admin.x").await.post("/api/v1/invitations/accept", json!({"token": live["token"]})).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("other_school")));
    let (s, e) = admin_a.post("/api/v1/invitations/accept", json!({"token": live["token"]})).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::CONFLICT, Some("already_member")));
    assert_eq!(admin_b.post("/api/v1/invitations/accept", json!({"token": "forged"})).await.0, StatusCode::NOT_FOUND);
    let ic_now = app.store.interconnection(ic.parse().unwrap()).await.unwrap();
    assert_eq!(ic_now.facts().members, vec![app.campus_a], "no refusal let anyone in");
    app.stop().await;
}

#[tokio::test]
async fn removal_confirmation_by_password_and_its_expiry() {
    let app = TestApp::spawn().await;
    let ttl = ServerConfig::default().confirmation_ttl;
    let (admin_a, _admin_b, ic) = connect_a_and_b(&app).await;
    let b = app.campus_b;
    let (_, conf) = admin_a.post(&format!("/api/v1/interconnections/{ic}/campuses/{b}/removal"), json!({})).await;
    let cid = conf["id"].as_str().unwrap().to_owned();
    let (s, e) = admin_a.post(&format!("/api/v1/confirmations/{cid}/password"), json!({"password": "not mine!"})).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("wrong_password")));
    let (s, ok) = admin_a.post(&format!("/api/v1/confirmations/{cid}/password"), json!({"password": PASSWORD})).await;
    assert_eq!((s, ok["status"].as_str()), (StatusCode::OK, Some("approved")));

    // Approving twice (a double tap on the phone) is harmless.
    let (s, again) =
        admin_a.post(&format!("/api/v1/confirmations/{cid}/password"), json!({"password": PASSWORD})).await;
    assert_eq!((s, again["status"].as_str()), (StatusCode::OK, Some("approved")));
    // An approved confirmation still runs out: the removal waits for a fresh one.
    app.clock.advance(ttl);
    let (s, e) = admin_a.delete(&format!("/api/v1/interconnections/{ic}/campuses/{b}?confirmation_id={cid}")).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::GONE, Some("confirmation_expired")), "{e}");
    let (_, conf) = admin_a.post(&format!("/api/v1/interconnections/{ic}/campuses/{b}/removal"), json!({})).await;
    app.clock.advance(ttl);
    let (s, e) = admin_a
        .post(
            &format!("/api/v1/confirmations/{}/password", conf["id"].as_str().unwrap()),
            json!({"password": PASSWORD}),
        )
        .await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::GONE, Some("confirmation_expired")));
    assert!(
        app.store.interconnection(ic.parse().unwrap()).await.unwrap().facts().members.contains(&b),
        "B is still in"
    );
    app.stop().await;
}

#[tokio::test]
async fn mail_survives_failed_sends_and_a_restart() {
    use server::mail::{Mailer, SmtpSecurity, SmtpSettings};
    use std::sync::Arc;
    let app = TestApp::spawn().await;
    // A second server on the same database whose SMTP server is down.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let smtp = SmtpSettings {
        host: "127.0.0.1".into(),
        port: dead,
        security: SmtpSecurity::None,
        username: String::new(),
        password: String::new(),
    };
    let mailer = Arc::new(Mailer::smtp(&smtp, "campuslink <no-reply@campuslink.test>").unwrap());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    // A short lease: this server is stopped while it may be holding the mail.
    let state = server::AppState::new(
        app.store.clone(),
        ServerConfig {
            bureau_email: "bureau@dsedj.test".into(),
            mail_lease: Duration::from_millis(500),
            ..Default::default()
        },
        mailer,
    )
    .await
    .unwrap();
    let down = tokio::spawn(server::serve(listener, state, async {
        let _ = rx.await;
    }));
    // Stop the healthy server's worker from sending first: file through the broken one
    // and look at the outbox before the healthy worker's next pass.
    let login: Value = reqwest::Client::new()
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"login": "admin.a", "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let client = Client {
        base: base.clone(),
        token: login["token"].as_str().unwrap().to_owned(),
        lang: None,
        http: reqwest::Client::new(),
    };
    let (s, f) = file(&client, &[app.campus_a, app.campus_b]).await;
    assert_eq!(s, StatusCode::CREATED);
    // Whichever worker picks it up, the mail is recorded, and arrives exactly once the
    // working SMTP server is reached: failed attempts are retried, not lost.
    let _ = tx.send(());
    let _ = down.await;
    // Past the stopped worker's lease and any back-off: the healthy worker may send now.
    app.clock.advance(Duration::from_secs(3600));
    let got = app.mail.wait_for("the filing after retries", |m| m.data.contains(f["number"].as_str().unwrap())).await;
    assert!(got.to.contains(&"bureau@dsedj.test".to_string()));
    // The delivery is recorded just after the server said yes.
    let mut counts = (1, 0);
    for _ in 0..100 {
        counts = app.store.outbox_counts().await.unwrap();
        if counts == (0, 1) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(counts, (0, 1), "(unsent, sent)");
    assert_eq!(
        app.mail.all().iter().filter(|m| m.data.contains(f["number"].as_str().unwrap())).count(),
        1,
        "delivered once"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_failed_send_is_kept_with_its_error_and_retried_later() {
    let app = TestApp::spawn().await;
    // Queue a mail to a recipient the SMTP server will take, and one lettre refuses.
    let admin_a = app.login("admin.a").await;
    let (_, f) = file(&admin_a, &[app.campus_a, app.campus_b]).await;
    app.mail.wait_for("the filing", |m| m.data.contains(f["number"].as_str().unwrap())).await;
    store::testing::execute(&app.store, "INSERT INTO mail_outbox (id, recipient, subject, body, created_at, attempts, next_attempt_at, last_error) VALUES ('m1', 'not an address', 's', 'b', 0, 0, 0, '')").await;
    for _ in 0..250 {
        let rows: Vec<(i64, String, Option<i64>, i64)> = store::testing::query_as(
            &app.store,
            "SELECT attempts, last_error, sent_at, next_attempt_at FROM mail_outbox WHERE id = 'm1'",
        )
        .await;
        let row = rows.into_iter().next().expect("the queued mail");
        if row.0 > 0 {
            assert!(!row.1.is_empty() && row.2.is_none(), "kept unsent with its error: {row:?}");
            assert!(row.3 > app.store.now(), "and a later retry");
            app.stop().await;
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the outbox worker never tried the mail");
}

#[tokio::test]
async fn filings_made_at_the_same_moment_get_distinct_numbers() {
    let app = TestApp::spawn().await;
    let admin_a = app.login("admin.a").await;
    let campuses = [app.campus_a, app.campus_b];
    let results = futures_join_all((0..6).map(|_| file(&admin_a, &campuses))).await;
    let mut numbers: Vec<String> = results
        .iter()
        .map(|(s, f)| {
            assert_eq!(*s, StatusCode::CREATED, "{f}");
            f["number"].as_str().unwrap().to_owned()
        })
        .collect();
    numbers.sort();
    numbers.dedup();
    assert_eq!(numbers.len(), 6, "{numbers:?}");
    app.stop().await;
}

/// Runs futures concurrently on this task and collects their outputs in order.
async fn futures_join_all<F: std::future::Future>(futures: impl IntoIterator<Item = F>) -> Vec<F::Output> {
    let mut set = Vec::new();
    for f in futures {
        set.push(Box::pin(f));
    }
    let mut out: Vec<Option<F::Output>> = (0..set.len()).map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (i, f) in set.iter_mut().enumerate() {
            if out[i].is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => out[i] = Some(v),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending { std::task::Poll::Pending } else { std::task::Poll::Ready(()) }
    })
    .await;
    out.into_iter().map(|o| o.expect("every future finished")).collect()
}
