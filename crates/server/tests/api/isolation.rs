//! Campus isolation as a matrix: every role, from every campus, against campus A's
//! directory endpoints and the bureau's registry.

use crate::helpers::TestApp;
use reqwest::StatusCode;
use serde_json::json;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Want {
    Ok,
    Forbidden,
    NotFound,
}

#[tokio::test]
async fn campus_directory_isolation_matrix() {
    let app = TestApp::spawn().await;
    let a = app.campus_a;
    let admin_a = app.login("admin.a").await;
    let dept = admin_a.first_department(a).await;
    let member = app.store.member_by_login("teacher.a").await.unwrap().unwrap().id;
    // The target of the password-reset attempts, so teacher.a can still sign in.
    let (_, spare) =
        admin_a.post(&format!("/api/v1/campuses/{a}/members"), json!({"login": "spare.a", "name_zh": "備用"})).await;
    let spare = spare["id"].as_str().unwrap().to_owned();

    // (caller, reads, writes)
    let callers = [
        ("admin.a", Want::Ok, Want::Ok),
        ("teacher.a", Want::Ok, Want::Forbidden),
        ("admin.b", Want::NotFound, Want::NotFound),
        ("teacher.b", Want::NotFound, Want::NotFound),
        ("admin.x", Want::NotFound, Want::NotFound),
        ("teacher.x", Want::NotFound, Want::NotFound),
        ("bureau", Want::NotFound, Want::NotFound),
    ];
    let reads = [
        format!("/api/v1/campuses/{a}/departments"),
        format!("/api/v1/campuses/{a}/members"),
        format!("/api/v1/campuses/{a}/members?q=成員"),
        format!("/api/v1/campuses/{a}/members?department_id={dept}"),
        format!("/api/v1/campuses/{a}/members/{member}"),
    ];
    let admin_reads = [
        format!("/api/v1/campuses/{a}/members/export?format=csv"),
        format!("/api/v1/campuses/{a}/members/template?format=xlsx"),
    ];
    for (login, read, write) in callers {
        let c = app.login(login).await;
        let check = |status: StatusCode, want: Want, what: &str| {
            let expected = match want {
                Want::Ok => status.is_success(),
                Want::Forbidden => status == StatusCode::FORBIDDEN,
                Want::NotFound => status == StatusCode::NOT_FOUND,
            };
            assert!(expected, "{login} {what}: got {status}, want {want:?}");
        };
        for path in &reads {
            let (s, _) = c.get(path).await;
            check(s, read, path);
        }
        for path in &admin_reads {
            let (s, _) = c.get(path).await;
            check(s, write, path);
        }
        let before = admin_a.member_total(a).await;
        let writes = [
            c.post(&format!("/api/v1/campuses/{a}/departments"), json!({"name_zh": format!("{login}的部門")})).await,
            c.patch(&format!("/api/v1/campuses/{a}/departments/{dept}"), json!({"name_zh": "改名"})).await,
            c.post(
                &format!("/api/v1/campuses/{a}/members"),
                json!({"login": format!("new.{login}"), "name_zh": "新人"}),
            )
            .await,
            c.patch(&format!("/api/v1/campuses/{a}/members/{member}"), json!({"title": "被改"})).await,
            c.upload(&format!("/api/v1/campuses/{a}/members/import"), "text/csv", "login,name_zh\nimp.x,匯入\n".into())
                .await,
            c.post(
                &format!("/api/v1/campuses/{a}/members/{spare}/reset-password"),
                json!({"new_password": "taken over!"}),
            )
            .await,
        ];
        for (i, (s, body)) in writes.iter().enumerate() {
            check(*s, write, &format!("write #{i}: {body}"));
        }
        if write != Want::Ok {
            assert_eq!(admin_a.member_total(a).await, before, "{login} changed nothing");
        }
        // What a stranger gets is indistinguishable from a campus that does not exist.
        if read == Want::NotFound {
            let ghost = "01900000-0000-7000-8000-000000000000";
            let (s1, b1) = c.get(&format!("/api/v1/campuses/{a}/departments")).await;
            let (s2, b2) = c.get(&format!("/api/v1/campuses/{ghost}/departments")).await;
            assert_eq!((s1, &b1), (s2, &b2));
        }
    }
    // The teacher's card was never changed by anyone but admin.a.
    let t = app.store.member_by_login("teacher.a").await.unwrap().unwrap();
    assert_eq!(t.title, "被改");
    app.stop().await;
}

#[tokio::test]
async fn a_member_of_another_campus_cannot_be_read_through_my_campus() {
    let app = TestApp::spawn().await;
    let admin_a = app.login("admin.a").await;
    let b_member = app.store.member_by_login("teacher.b").await.unwrap().unwrap().id;
    let (s, _) = admin_a.get(&format!("/api/v1/campuses/{}/members/{b_member}", app.campus_a)).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) =
        admin_a.patch(&format!("/api/v1/campuses/{}/members/{b_member}", app.campus_a), json!({"title": "x"})).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) =
        admin_a.post(&format!("/api/v1/campuses/{}/members/{b_member}/disable", app.campus_a), json!({})).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // Nor put a member into another campus's department.
    let admin_b = app.login("admin.b").await;
    let b_dept = admin_b.first_department(app.campus_b).await;
    let (s, b) = admin_a
        .post(
            &format!("/api/v1/campuses/{}/members", app.campus_a),
            json!({"login": "sneaky", "name_zh": "甲", "department_ids": [b_dept]}),
        )
        .await;
    assert_eq!((s, b["errors"][0]["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("unknown_department")));
    app.stop().await;
}

#[tokio::test]
async fn readers_see_the_directory_card_without_account_details() {
    let app = TestApp::spawn().await;
    let teacher = app.login("teacher.a").await;
    let admin = app.login("admin.a").await;
    let path = format!("/api/v1/campuses/{}/members?q=a成員", app.campus_a);
    let (_, as_teacher) = teacher.get(&path).await;
    let (_, as_admin) = admin.get(&path).await;
    assert!(as_teacher["members"][0].get("login").is_none(), "{as_teacher}");
    assert!(as_admin["members"][0]["login"].is_string(), "{as_admin}");
    // Disabled members are out of the teacher's directory, even asked for.
    let other = app.store.member_by_login("teacher.a").await.unwrap().unwrap();
    admin.post(&format!("/api/v1/campuses/{}/members/{}/disable", app.campus_a, other.id), json!({})).await;
    let viewer = app.login("admin.a").await;
    let (_, all) = viewer.get(&format!("/api/v1/campuses/{}/members?include_disabled=true", app.campus_a)).await;
    assert_eq!(all["total"], 2);
    app.stop().await;
}

#[tokio::test]
async fn only_the_bureau_keeps_the_registry() {
    let app = TestApp::spawn().await;
    for login in ["admin.a", "teacher.a", "admin.x"] {
        let c = app.login(login).await;
        assert_eq!(c.get("/api/v1/schools").await.0, StatusCode::FORBIDDEN, "{login}");
        assert_eq!(
            c.post("/api/v1/schools", json!({"code": "S9", "name_zh": "新校"})).await.0,
            StatusCode::FORBIDDEN,
            "{login}"
        );
        let (s, _) = c
            .post(
                &format!("/api/v1/campuses/{}/admins", app.campus_a),
                json!({"login": "evil.admin", "name_zh": "壞", "password": "12345678"}),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{login}");
        let (s, _) = c
            .upload(
                "/api/v1/registry/import",
                "text/csv",
                b"school_code,school_name_zh,campus_code,campus_name_zh\nS9,x,S9-A,y\n".to_vec(),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{login}");
    }
    assert!(app.store.school_by_code("S9").await.unwrap().is_none());
    assert!(app.store.member_by_login("evil.admin").await.unwrap().is_none());
    app.stop().await;
}

/// V2 across every endpoint: once A and B are connected, a member of A who is not in
/// A's external directory gets nothing of B from any GET the API has.
#[tokio::test]
async fn an_unexposed_member_sees_nothing_of_a_connected_campus_anywhere() {
    let app = TestApp::spawn().await;
    let (a, b) = (app.campus_a, app.campus_b);
    let admin_a = app.login("admin.a").await;
    let admin_b = app.login("admin.b").await;
    let bureau = app.login("bureau").await;
    let (_, f) = admin_a.post("/api/v1/filings", json!({"campus_ids": [a, b]})).await;
    bureau.post(&format!("/api/v1/filings/{}/confirm", f["id"].as_str().unwrap()), json!({})).await;
    let (_, ic) = admin_a.post("/api/v1/interconnections", json!({"name": "互聯"})).await;
    let ic = ic["id"].as_str().unwrap().to_owned();
    let (_, inv) = admin_a.post(&format!("/api/v1/interconnections/{ic}/invitations"), json!({})).await;
    admin_b.post("/api/v1/invitations/accept", json!({"token": inv["token"]})).await;
    // A shows only a new department the outsider is not in; B shows everything it has.
    let (_, shown) = admin_a.post(&format!("/api/v1/campuses/{a}/departments"), json!({"name_zh": "對外"})).await;
    let b_dept = admin_b.first_department(b).await;
    admin_a.put(&format!("/api/v1/interconnections/{ic}/exposure/{a}"), json!({"department_ids": [shown["id"]]})).await;
    admin_b.put(&format!("/api/v1/interconnections/{ic}/exposure/{b}"), json!({"department_ids": [b_dept]})).await;
    let (s, _) = admin_a.post(&format!("/api/v1/interconnections/{ic}/publish"), json!({})).await;
    assert_eq!(s, StatusCode::OK);

    let b_member = app.store.member_by_login("teacher.b").await.unwrap().unwrap();
    let outsider = app.login("teacher.a").await;
    let secrets = ["S1-B", "小學部", "b成員", &b_member.id.to_string(), &b_dept];
    let ids = [
        ("{campus_id}", b.to_string()),
        ("{member_id}", b_member.id.to_string()),
        ("{department_id}", b_dept.clone()),
        ("{ic_id}", ic.clone()),
        ("{school_id}", app.store.campus(b).await.unwrap().school_id.to_string()),
        ("{filing_id}", f["id"].as_str().unwrap().to_owned()),
        ("{invitation_id}", inv["id"].as_str().unwrap().to_owned()),
        ("{confirmation_id}", "01900000-0000-7000-8000-000000000000".to_owned()),
    ];
    let mut checked = 0;
    for (method, path) in server::openapi::operations().iter().filter(|op| op.0 == "get") {
        let mut concrete = format!("/api/v1{path}");
        for (k, v) in &ids {
            concrete = concrete.replace(k, v);
        }
        for query in ["", "?q=b", &format!("?token={}", inv["token"].as_str().unwrap())] {
            let (s, body) = outsider.get(&format!("{concrete}{query}")).await;
            let text = body.to_string();
            for secret in secrets {
                assert!(!text.contains(secret), "{method} {concrete}{query} ({s}) shows {secret}: {text:.300}");
            }
            checked += 1;
        }
    }
    assert!(checked > 40, "swept {checked} requests");
    // The same sweep for an exposed member does show B: the check can fail.
    let (s, list) = admin_a.get(&format!("/api/v1/campuses/{b}/members")).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "admin.a is not in A's external directory either: {list}");
    app.stop().await;
}

/// A field the card hides can never be searched: every hideable field × every viewer,
/// inside the campus and across it (for a prefix too, which would let one enumerate).
#[tokio::test]
async fn hidden_fields_cannot_be_searched() {
    let app = TestApp::spawn().await;
    let (_, admin_b, _) = crate::chat::published(&app).await;
    let b = app.campus_b;
    let dept = admin_b.first_department(b).await;
    let body = json!({"login": "zqxlogin", "name_zh": "周小青", "staff_no": "ZQX901", "phone": "+853 6612 3456",
                      "email": "zqxmail@b.test", "department_ids": [dept], "password": "correct horse"});
    let (s, m) = admin_b.post(&format!("/api/v1/campuses/{b}/members"), body).await;
    assert_eq!(s, StatusCode::CREATED, "{m}");
    let values = [
        ("staff_no", "ZQX901"),
        ("staff_no prefix", "ZQX"),
        ("phone", "66123456"),
        ("phone", "6612"),
        ("email", "zqxmail"),
        ("login", "zqxlogin"),
    ];
    // (viewer, which of the fields above that viewer sees on the card)
    let viewers = [
        ("teacher.a", vec![]),
        ("admin.a", vec![]),
        ("teacher.b", vec!["staff_no", "staff_no prefix", "phone", "email"]),
        ("admin.b", vec!["staff_no", "staff_no prefix", "phone", "email", "login"]),
    ];
    let mut checked = 0;
    for (login, sees) in viewers {
        let c = app.login(login).await;
        let (s, card) = c.get(&format!("/api/v1/campuses/{b}/members/{}", m["id"].as_str().unwrap())).await;
        assert_eq!(s, StatusCode::OK, "{login} sees the member: {card}");
        for (field, value) in values {
            let (s, page) = c.get(&format!("/api/v1/campuses/{b}/members?q={value}")).await;
            assert_eq!(s, StatusCode::OK);
            let hit = page["members"].as_array().unwrap().iter().any(|x| x["id"] == m["id"]);
            if !sees.contains(&field) {
                assert!(!hit, "{login} finds the member by the hidden {field} {value:?}");
                assert!(!card.to_string().contains(value.trim_start_matches('+')), "{login}'s card shows {field}");
            }
            checked += 1;
        }
        // The visible fields do find them, so the check can fail.
        let (_, page) = c.get(&format!("/api/v1/campuses/{b}/members?q=周小青")).await;
        assert!(page["members"].as_array().unwrap().iter().any(|x| x["id"] == m["id"]), "{login} by name");
    }
    let (_, page) = app.login("teacher.b").await.get(&format!("/api/v1/campuses/{b}/members?q=ZQX")).await;
    assert!(
        page["members"].as_array().unwrap().iter().any(|x| x["id"] == m["id"]),
        "the own campus searches staff numbers"
    );
    let (_, page) = admin_b.get(&format!("/api/v1/campuses/{b}/members?q=zqxlog")).await;
    assert!(
        page["members"].as_array().unwrap().iter().any(|x| x["id"] == m["id"]),
        "the campus's admin finds a member by login: {page}"
    );
    assert_eq!(checked, 24);
    app.stop().await;
}
