//! The bureau console's registry: schools, campuses, first admins, CSV import.

use crate::helpers::TestApp;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn the_bureau_registers_a_school_a_campus_and_its_first_admin() {
    let app = TestApp::spawn().await;
    let bureau = app.login("bureau").await;
    let (s, school) = bureau
        .post(
            "/api/v1/schools",
            json!({"code": "NEW", "name_zh": "新學校", "name_pt": "Escola Nova", "name_en": "New School"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{school}");
    let sid = school["id"].as_str().unwrap();
    let (s, campus) =
        bureau.post(&format!("/api/v1/schools/{sid}/campuses"), json!({"code": "NEW-A", "name_zh": "中學部"})).await;
    assert_eq!(s, StatusCode::CREATED, "{campus}");
    let cid = campus["id"].as_str().unwrap();
    let (s, admin) = bureau
        .post(
            &format!("/api/v1/campuses/{cid}/admins"),
            json!({"login": "first.admin", "name_zh": "首位管理員", "password": "first admin pw"}),
        )
        .await;
    assert_eq!((s, admin["role"].as_str()), (StatusCode::CREATED, Some("admin")), "{admin}");
    let (_, admins) = bureau.get(&format!("/api/v1/campuses/{cid}/admins")).await;
    assert_eq!(admins.as_array().unwrap().len(), 1);
    let (s, me) = app.try_login("first.admin", "first admin pw").await;
    assert_eq!((s, me["me"]["campus"]["code"].as_str()), (StatusCode::OK, Some("NEW-A")));

    let (s, renamed) = bureau.patch(&format!("/api/v1/campuses/{cid}"), json!({"name_pt": "Secção Secundária"})).await;
    assert_eq!(
        (s, renamed["name_zh"].as_str(), renamed["name_pt"].as_str()),
        (StatusCode::OK, Some("中學部"), Some("Secção Secundária"))
    );
    let (_, list) = bureau.get("/api/v1/schools").await;
    let new = list.as_array().unwrap().iter().find(|s| s["code"] == "NEW").unwrap();
    assert_eq!(new["campuses"][0]["code"], "NEW-A");
    app.stop().await;
}

#[tokio::test]
async fn registry_input_is_checked_and_nothing_is_written_on_error() {
    let app = TestApp::spawn().await;
    let bureau = app.login("bureau").await.with_lang("pt");
    let (s, b) = bureau.post("/api/v1/schools", json!({"code": "bad code!", "name_zh": ""})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = b["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["code", "name_zh"]);
    assert_eq!(b["errors"][1]["message"], "Obrigatório.");
    let (s, b) = bureau.post("/api/v1/schools", json!({"code": "s1", "name_zh": "重複"})).await;
    assert_eq!((s, b["code"].as_str()), (StatusCode::CONFLICT, Some("duplicate_code")));
    let (s, b) = bureau.post("/api/v1/schools", json!({"code": "LONG", "name_zh": "長".repeat(101)})).await;
    assert_eq!((s, b["errors"][0]["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("too_long")));
    let ghost = "01900000-0000-7000-8000-000000000000";
    let (s, _) =
        bureau.post(&format!("/api/v1/schools/{ghost}/campuses"), json!({"code": "G-1", "name_zh": "幽靈"})).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = bureau.post("/api/v1/schools/not-an-id/campuses", json!({"code": "G-1", "name_zh": "幽靈"})).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, b) = bureau
        .post(
            &format!("/api/v1/campuses/{}/admins", app.campus_a),
            json!({"login": "admin.b", "name_zh": "重複", "password": "12345678"}),
        )
        .await;
    assert_eq!((s, b["code"].as_str()), (StatusCode::CONFLICT, Some("duplicate_login")));
    let (_, list) = bureau.get("/api/v1/schools").await;
    assert_eq!(list.as_array().unwrap().len(), 2, "nothing was added");
    app.stop().await;
}

#[tokio::test]
async fn registry_import_is_all_or_nothing_with_a_line_report() {
    let app = TestApp::spawn().await;
    let bureau = app.login("bureau").await;
    let bad = "school_code,school_name_zh,school_name_pt,school_name_en,campus_code,campus_name_zh,campus_name_pt,campus_name_en\n\
               NS,新校,,,NS-1,一部,,\n\
               NS,新校,,,NS-1,重複,,\n\
               NT,,,,S1-A,已存在,,\n\
               NU,第三校,,,S1-B,也已存在,,\n";
    let (s, b) = bureau.upload("/api/v1/registry/import", "text/csv", bad.into()).await;
    assert_eq!((s, b["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("import_invalid")), "{b}");
    let lines: Vec<(i64, &str)> = b["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["line"].as_i64().unwrap(), l["column"].as_str().unwrap()))
        .collect();
    // A code already registered is reported with what is wrong in the file, in one go.
    assert_eq!(lines, [(3, "campus_code"), (4, "school_name_zh"), (5, "campus_code")]);
    assert_eq!(b["lines"][2]["code"], "duplicate_code", "{b}");
    assert!(app.store.school_by_code("NS").await.unwrap().is_none());

    // A campus code already registered is refused by its line, and the school it
    // would have created is not left behind.
    let clash = "school_code,school_name_zh,campus_code,campus_name_zh\nNS,新校,NS-1,一部\nNT,另校,S1-A,已存在\n";
    let (s, b) = bureau.upload("/api/v1/registry/import", "text/csv", clash.into()).await;
    assert_eq!((s, b["lines"][0]["line"].as_i64()), (StatusCode::UNPROCESSABLE_ENTITY, Some(3)), "{b}");
    assert!(app.store.school_by_code("NS").await.unwrap().is_none());

    let good = "school_code,school_name_zh,campus_code,campus_name_zh\nNS,新校,NS-1,一部\nNS,新校,NS-2,二部\nS1,示範學校,S1-C,幼稚園部\n";
    let (s, b) = bureau.upload("/api/v1/registry/import", "text/csv", good.into()).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!((b["schools_created"].as_i64(), b["campuses_created"].as_i64()), (Some(1), Some(3)));
    let r = bureau.request(reqwest::Method::GET, "/api/v1/registry/template.csv").send().await.unwrap();
    assert!(r.text().await.unwrap().contains("school_code,school_name_zh"));
    app.stop().await;
}
