//! The admin console's directory: departments, members, search, import and export.

use crate::helpers::TestApp;
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn departments_tree_create_rename_move_reorder_delete() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin.a").await;
    let base = format!("/api/v1/campuses/{}/departments", app.campus_a);
    let (s, top) = admin.post(&base, json!({"name_zh": "行政部", "name_pt": "Administração"})).await;
    assert_eq!(s, StatusCode::CREATED, "{top}");
    let top_id = top["id"].as_str().unwrap().to_owned();
    let (_, child) = admin.post(&base, json!({"name_zh": "財務組", "parent_id": top_id})).await;
    let child_id = child["id"].as_str().unwrap().to_owned();
    assert_eq!(child["parent_id"], top_id.as_str());

    let (s, b) = admin.patch(&format!("{base}/{child_id}"), json!({"name_zh": "會計組"})).await;
    assert_eq!((s, b["name_zh"].as_str()), (StatusCode::OK, Some("會計組")));
    let (s, b) = admin.patch(&format!("{base}/{child_id}"), json!({"name_zh": "  "})).await;
    assert_eq!((s, b["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("name_zh")));

    // Siblings have names of their own: a second 會計組 under 行政部, a rename or a move
    // that would make one, is refused, and the name is marked; elsewhere it may be.
    let taken = |b: &Value| (b["code"].as_str().map(str::to_owned), b["errors"][0]["code"].as_str().map(str::to_owned));
    let duplicate = (Some("duplicate_department".to_owned()), Some("duplicate_name".to_owned()));
    let (s, b) = admin.post(&base, json!({"name_zh": "會計組", "parent_id": top_id})).await;
    assert_eq!((s, taken(&b)), (StatusCode::CONFLICT, duplicate.clone()), "{b}");
    let (s, other) = admin.post(&base, json!({"name_zh": "會計組"})).await;
    assert_eq!(s, StatusCode::CREATED, "the same name at the top is another place: {other}");
    let other_id = other["id"].as_str().unwrap().to_owned();
    let (s, b) = admin.post(&format!("{base}/{other_id}/move"), json!({"parent_id": top_id, "position": 0})).await;
    assert_eq!((s, taken(&b)), (StatusCode::CONFLICT, duplicate.clone()), "{b}");
    let (_, sib) = admin.post(&base, json!({"name_zh": "總務組", "parent_id": top_id})).await;
    let (s, b) = admin.patch(&format!("{base}/{}", sib["id"].as_str().unwrap()), json!({"name_zh": "會計組"})).await;
    assert_eq!((s, taken(&b)), (StatusCode::CONFLICT, duplicate), "{b}");
    let (s, b) =
        admin.patch(&format!("{base}/{child_id}"), json!({"name_zh": "會計組", "name_pt": "Contabilidade"})).await;
    assert_eq!((s, b["name_pt"].as_str()), (StatusCode::OK, Some("Contabilidade")), "its own name again is no clash");
    let (_, list) = admin.get(&base).await;
    let named = |n: &str| list.as_array().unwrap().iter().filter(|d| d["name_zh"] == n).count();
    assert_eq!((named("會計組"), named("總務組")), (2, 1), "nothing refused changed anything");
    assert_eq!(admin.delete(&format!("{base}/{other_id}")).await.0, StatusCode::NO_CONTENT);
    assert_eq!(admin.delete(&format!("{base}/{}", sib["id"].as_str().unwrap())).await.0, StatusCode::NO_CONTENT);

    let (s, b) = admin.post(&format!("{base}/{top_id}/move"), json!({"parent_id": child_id, "position": 0})).await;
    assert_eq!((s, b["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("department_cycle")));
    let (s, b) = admin.post(&format!("{base}/{top_id}/move"), json!({"parent_id": null, "position": 0})).await;
    assert_eq!((s, b["position"].as_i64()), (StatusCode::OK, Some(0)), "{b}");
    let (_, list) = admin.get(&base).await;
    let roots: Vec<&str> = {
        let mut r: Vec<&Value> = list.as_array().unwrap().iter().filter(|d| d["parent_id"].is_null()).collect();
        r.sort_by_key(|d| d["position"].as_i64());
        r.iter().map(|d| d["name_zh"].as_str().unwrap()).collect()
    };
    assert_eq!(roots, ["行政部", "教務處"]);

    let (s, b) = admin.delete(&format!("{base}/{top_id}")).await;
    assert_eq!((s, b["code"].as_str()), (StatusCode::CONFLICT, Some("department_not_empty")));
    assert_eq!(admin.delete(&format!("{base}/{child_id}")).await.0, StatusCode::NO_CONTENT);
    assert_eq!(admin.delete(&format!("{base}/{top_id}")).await.0, StatusCode::NO_CONTENT);
    assert_eq!(admin.delete(&format!("{base}/{top_id}")).await.0, StatusCode::NOT_FOUND);
    app.stop().await;
}

#[tokio::test]
async fn members_are_created_edited_and_found_in_three_languages() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin.a").await;
    let dept = admin.first_department(app.campus_a).await;
    let base = format!("/api/v1/campuses/{}/members", app.campus_a);
    let (s, m) = admin
        .post(&base, json!({
            "login": "ana.conceicao", "name_zh": "施安娜", "name_pt": "Ana Conceição", "title": "Professora de Música",
            "phone": "+853 6612 3456", "email": "ana@escola.edu.mo", "staff_no": "T-0042", "department_ids": [dept],
            "password": "initial pw 1"
        }))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{m}");
    let id = m["id"].as_str().unwrap().to_owned();
    for q in ["施安", "安娜", "conceicao", "Conceição", "MÚSICA", "t-0042", "ana"] {
        let (_, found) = admin.get(&format!("{base}?q={}", urlencode(q))).await;
        let logins: Vec<&str> =
            found["members"].as_array().unwrap().iter().map(|m| m["login"].as_str().unwrap()).collect();
        assert_eq!(logins, ["ana.conceicao"], "search {q:?}");
    }
    let (_, none) = admin.get(&format!("{base}?q={}", urlencode("李"))).await;
    assert_eq!(none["total"], 0);

    // A second department, and an edit that moves her.
    let (_, d2) =
        admin.post(&format!("/api/v1/campuses/{}/departments", app.campus_a), json!({"name_zh": "音樂科"})).await;
    let d2 = d2["id"].as_str().unwrap().to_owned();
    let (s, m) =
        admin.patch(&format!("{base}/{id}"), json!({"department_ids": [dept, d2], "title": "音樂科主任"})).await;
    assert_eq!((s, m["department_ids"].as_array().map(Vec::len)), (StatusCode::OK, Some(2)), "{m}");
    let (_, in_d2) = admin.get(&format!("{base}?department_id={d2}")).await;
    assert_eq!(in_d2["total"], 1);
    let (_, found) = admin.get(&format!("{base}?q={}", urlencode("主任"))).await;
    assert_eq!(found["total"], 1, "search follows edits");
    assert_eq!(app.try_login("ana.conceicao", "initial pw 1").await.0, StatusCode::OK);
    app.stop().await;
}

#[tokio::test]
async fn bad_member_input_changes_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin.a").await.with_lang("en");
    let base = format!("/api/v1/campuses/{}/members", app.campus_a);
    let before = admin.member_total(app.campus_a).await;
    let (s, b) = admin
        .post(&base, json!({"login": "x", "name_zh": "", "email": "not-mail", "phone": "call me", "role": "root", "password": "short"}))
        .await;
    assert_eq!((s, b["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_input")));
    let mut fields: Vec<&str> = b["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    fields.sort();
    assert_eq!(fields, ["email", "login", "name_zh", "password", "phone", "role"]);
    assert_eq!(b["detail"], "Some fields are not valid. Correct them and try again.");
    let (s, b) = admin.post(&base, json!({"login": "teacher.b", "name_zh": "重複"})).await;
    assert_eq!(
        (s, b["code"].as_str()),
        (StatusCode::CONFLICT, Some("duplicate_login")),
        "logins are unique across campuses"
    );
    let ghost = "01900000-0000-7000-8000-000000000000";
    let (s, b) = admin.post(&base, json!({"login": "ghost.dept", "name_zh": "甲", "department_ids": [ghost]})).await;
    assert_eq!((s, b["errors"][0]["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("unknown_department")));
    let (s, _) = admin.post(&base, json!({"login": "bad.type", "name_zh": 42})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = admin.patch(&format!("{base}/{ghost}"), json!({"title": "x"})).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(admin.member_total(app.campus_a).await, before);
    assert!(app.store.member_by_login("ghost.dept").await.unwrap().is_none());
    app.stop().await;
}

#[tokio::test]
async fn csv_import_with_a_bad_line_imports_nothing_and_reports_the_line() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin.a").await.with_lang("zh-Hant");
    let path = format!("/api/v1/campuses/{}/members/import", app.campus_a);
    let before = admin.member_total(app.campus_a).await;
    let csv = "login,name_zh,name_pt,title,departments,phone,email,staff_no\n\
               li.ming,李明,Lei Meng,教師,教務處/數學科,,li@escola.mo,T1\n\
               bad.mail,黃大仙,,教師,,,not-an-email,T2\n\
               ok.three,何三,,,,,,T3\n";
    // A login of another campus is reported with the file's own mistakes, in one go.
    let with_clash = format!("{csv}admin.b,冒名,,,,,,T4\n");
    let (s, b) = admin.upload(&path, "text/csv", with_clash.into()).await;
    assert_eq!((s, b["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("import_invalid")), "{b}");
    let report: Vec<(i64, &str, &str)> = b["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["line"].as_i64().unwrap(), l["column"].as_str().unwrap(), l["code"].as_str().unwrap()))
        .collect();
    assert_eq!(report, [(3, "email", "invalid_email"), (5, "login", "duplicate_login")]);
    assert_eq!(b["lines"][0]["message"], "電郵地址格式不正確。");
    let (s, b) = admin.upload(&path, "text/csv", csv.into()).await;
    assert_eq!((s, b["lines"].as_array().map(Vec::len)), (StatusCode::UNPROCESSABLE_ENTITY, Some(1)), "{b}");
    assert_eq!(admin.member_total(app.campus_a).await, before, "nothing imported");
    let (_, depts) = admin.get(&format!("/api/v1/campuses/{}/departments", app.campus_a)).await;
    assert_eq!(depts.as_array().unwrap().len(), 1, "no department created either");

    let fixed = csv.replace("not-an-email", "wong@escola.mo");
    let (s, b) = admin.upload(&path, "text/csv", fixed.into()).await;
    assert_eq!((s, b["created"].as_i64()), (StatusCode::OK, Some(3)), "{b}");
    assert_eq!(admin.member_total(app.campus_a).await, before + 3);
    // The same file again updates instead of duplicating.
    let (s, b) = admin
        .upload(
            &path,
            "text/csv",
            csv.replace("not-an-email", "wong@escola.mo").replace("教師,教務處", "主任,教務處").into(),
        )
        .await;
    assert_eq!((s, b["created"].as_i64(), b["updated"].as_i64()), (StatusCode::OK, Some(0), Some(3)));
    assert_eq!(app.store.member_by_login("li.ming").await.unwrap().unwrap().title, "主任");
    app.stop().await;
}

#[tokio::test]
async fn big5_csv_and_xlsx_import_and_export_round_trip() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin.a").await;
    let path = format!("/api/v1/campuses/{}/members/import", app.campus_a);
    let (big5, _, _) = encoding_rs::BIG5.encode("login,name_zh,departments\nchan.big5,陳大文,訓導處\n");
    let (s, b) = admin.upload(&path, "text/csv", big5.into_owned()).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(app.store.member_by_login("chan.big5").await.unwrap().unwrap().name_zh, "陳大文");

    // Export as XLSX, re-import it: everything comes back as updates.
    let r = admin
        .request(reqwest::Method::GET, &format!("/api/v1/campuses/{}/members/export?format=xlsx", app.campus_a))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], server::files::XLSX_MIME);
    let xlsx = r.bytes().await.unwrap().to_vec();
    let total = admin.member_total(app.campus_a).await;
    let (s, b) = admin.upload(&path, server::files::XLSX_MIME, xlsx).await;
    assert_eq!((s, b["updated"].as_i64()), (StatusCode::OK, Some(total)), "{b}");

    let r = admin
        .request(reqwest::Method::GET, &format!("/api/v1/campuses/{}/members/export?format=csv", app.campus_a))
        .send()
        .await
        .unwrap();
    let csv = r.text().await.unwrap();
    assert!(csv.starts_with("\u{feff}login,name_zh"), "{csv}");
    assert!(csv.contains("chan.big5,陳大文,,,訓導處"), "{csv}");
    let r = admin
        .request(reqwest::Method::GET, &format!("/api/v1/campuses/{}/members/template?format=xlsx", app.campus_a))
        .send()
        .await
        .unwrap();
    assert!(r.bytes().await.unwrap().starts_with(b"PK"));

    let (s, b) = admin.upload(&path, "image/png", b"\x89PNG\r\n".to_vec()).await;
    assert_eq!((s, b["code"].as_str()), (StatusCode::UNSUPPORTED_MEDIA_TYPE, Some("unsupported_file")));
    let (s, b) = admin.upload(&path, "text/csv", "login,nome\nx.y,z\n".into()).await;
    assert_eq!((s, b["lines"][0]["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("unknown_column")));
    let (s, _) = admin.get(&format!("/api/v1/campuses/{}/members/export?format=pdf", app.campus_a)).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    app.stop().await;
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
