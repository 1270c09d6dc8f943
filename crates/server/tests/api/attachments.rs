//! Pictures, files and voice messages: uploaded, sent, fetched only by the people in
//! the conversation (across campuses too), in ranges, revalidated, and gone for
//! everyone once recalled, for a member no longer reached, and for uploads never sent.

use crate::chat::{direct, me, published};
use crate::helpers::{Client, TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};
use server::ServerConfig;

/// A real file from the media layer's fixtures (made by its `make.py` or recorded by
/// Chromium's MediaRecorder).
fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../media/tests/fixtures").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

const PHOTO: &str = "photo.jpg";
const VOICE: &str = "voice.webm";

async fn upload(c: &Client, conv: &str, name: &str, ctype: &str, bytes: Vec<u8>) -> (StatusCode, Value) {
    c.upload(&format!("/api/v1/conversations/{conv}/attachments?name={}", urlencode(name)), ctype, bytes).await
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'.' || b == b'-' {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

async fn send(c: &Client, conv: &str, client_id: &str, attachment: &Value, text: &str) -> (StatusCode, Value) {
    let body = json!({"client_id": client_id, "text": text, "attachment_id": attachment["id"]});
    c.post(&format!("/api/v1/conversations/{conv}/messages"), body).await
}

fn url(a: &Value, key: &str) -> String {
    a[key].as_str().unwrap_or_else(|| panic!("{key} in {a}")).to_owned()
}

#[tokio::test]
async fn a_picture_crosses_campuses_without_its_location_and_only_to_the_chat() {
    let app = TestApp::spawn().await;
    published(&app).await;
    let ta = app.login("teacher.a").await;
    let tb = app.login("teacher.b").await;
    let conv = direct(&ta, &me(&tb).await).await;
    let mut wb = tb.ws().await;
    wb.hello(None).await;

    let original = fixture(PHOTO);
    let (s, a) = upload(&ta, &conv, "白板.jpg", "image/jpeg", original.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    assert_eq!(
        (a["kind"].as_str(), a["mime"].as_str(), a["name"].as_str()),
        (Some("image"), Some("image/jpeg"), Some("白板.jpg"))
    );
    assert!(a["width"].as_i64().unwrap() > 0 && a["height"].as_i64().unwrap() > 0, "{a}");
    let (bytes_url, thumb_url) = (url(&a, "url"), url(&a, "thumbnail_url"));

    // Not sent yet: the uploader sees their preview, the other side nothing.
    assert_eq!(ta.fetch(&bytes_url, &[]).await.0, StatusCode::OK);
    assert_eq!(tb.fetch(&bytes_url, &[]).await.0, StatusCode::NOT_FOUND);

    let (s, m) = send(&ta, &conv, "p-1", &a, "").await;
    assert_eq!(s, StatusCode::CREATED, "{m}");
    assert_eq!(m["attachment"]["id"], a["id"]);
    let live = wb.next_of("message").await;
    assert_eq!(live["data"]["message"]["attachment"]["thumbnail_url"], json!(thumb_url), "delivered with the message");

    let (s, h, served) = tb.fetch(&bytes_url, &[]).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(h["content-type"], "image/jpeg");
    assert!(h["content-disposition"].to_str().unwrap().starts_with("inline;"));
    assert_eq!(h["content-security-policy"], "default-src 'none'; sandbox");
    assert_eq!(served.len() as i64, a["size"].as_i64().unwrap());
    assert_ne!(served, original, "the metadata is gone");
    assert!(served.len() < original.len());
    assert!(!contains(&served, b"GPS") && contains(&original, b"GPS"), "no GPS tags are served");
    assert_eq!(&served[..2], &[0xFF, 0xD8], "still a JPEG");

    // Ranges, as a phone's viewer or a download manager asks.
    let (s, h, part) = tb.fetch(&bytes_url, &[("range", "bytes=0-9")]).await;
    assert_eq!((s, part.as_slice()), (StatusCode::PARTIAL_CONTENT, &served[..10]));
    assert_eq!(h["content-range"].to_str().unwrap(), format!("bytes 0-9/{}", served.len()));
    let (s, _, tail) = tb.fetch(&bytes_url, &[("range", "bytes=-5")]).await;
    assert_eq!((s, tail.as_slice()), (StatusCode::PARTIAL_CONTENT, &served[served.len() - 5..]));
    let (s, h, _) = tb.fetch(&bytes_url, &[("range", "bytes=99999999-")]).await;
    assert_eq!(s, StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(h["content-range"].to_str().unwrap(), format!("bytes */{}", served.len()));

    // Revalidation: unchanged bytes answer 304, still only to members.
    let (_, h, _) = tb.fetch(&bytes_url, &[]).await;
    let etag = h["etag"].to_str().unwrap().to_owned();
    assert_eq!(tb.fetch(&bytes_url, &[("if-none-match", &etag)]).await.0, StatusCode::NOT_MODIFIED);

    let (s, h, thumb) = tb.fetch(&thumb_url, &[]).await;
    assert_eq!((s, h["content-type"].to_str().unwrap()), (StatusCode::OK, "image/jpeg"));
    assert_eq!(&thumb[..2], &[0xFF, 0xD8]);
    assert!(thumb.len() < served.len());

    // Nobody else: not A's admin (same campus, not in the chat), not another school,
    // not anonymous — all as if it did not exist.
    for outsider in [app.login("admin.a").await, app.login("admin.b").await, app.login("teacher.x").await] {
        assert_eq!(outsider.fetch(&bytes_url, &[]).await.0, StatusCode::NOT_FOUND);
        assert_eq!(outsider.fetch(&thumb_url, &[]).await.0, StatusCode::NOT_FOUND);
        assert_eq!(outsider.fetch(&bytes_url, &[("if-none-match", &etag)]).await.0, StatusCode::NOT_FOUND);
    }
    assert_eq!(app.anonymous().fetch(&bytes_url, &[]).await.0, StatusCode::UNAUTHORIZED);

    // An upload is sent once; a resend of the same message gives the first back.
    let (s, again) = send(&ta, &conv, "p-1", &a, "").await;
    assert_eq!((s, &again["id"]), (StatusCode::OK, &m["id"]));
    let (s, e) = send(&ta, &conv, "p-2", &a, "").await;
    assert_eq!((s, e["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("attachment_id")), "{e}");
    // Nor can the other side send it on.
    let (s, _) = send(&tb, &conv, "p-3", &a, "").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    app.stop().await;
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test]
async fn files_are_downloads_and_false_pictures_are_files() {
    let app = TestApp::spawn().await;
    published(&app).await;
    let ta = app.login("teacher.a").await;
    let tb = app.login("teacher.b").await;
    let conv = direct(&ta, &me(&tb).await).await;

    let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec();
    let (s, a) = upload(&ta, &conv, "C:\\文件\\課程表 2026.pdf", "application/pdf", pdf.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    assert_eq!((a["kind"].as_str(), a["name"].as_str()), (Some("file"), Some("課程表 2026.pdf")));
    assert_eq!(a["thumbnail_url"], Value::Null);
    let (s, m) = send(&ta, &conv, "f-1", &a, "本學期課程表").await;
    assert_eq!((s, m["text"].as_str()), (StatusCode::CREATED, Some("本學期課程表")), "a caption");
    let (s, h, got) = tb.fetch(&url(&a, "url"), &[]).await;
    assert_eq!((s, got), (StatusCode::OK, pdf));
    assert_eq!(h["content-type"], "application/pdf");
    let cd = h["content-disposition"].to_str().unwrap();
    assert!(cd.starts_with("attachment;") && cd.contains("filename*=UTF-8''%E8%AA%B2"), "{cd}");

    // A page claiming to be a PNG is stored as bytes, never rendered.
    let html = b"<html><script>alert(1)</script></html>".to_vec();
    let (_, fake) = upload(&ta, &conv, "cat.png", "image/png", html).await;
    assert_eq!((fake["kind"].as_str(), fake["mime"].as_str()), (Some("file"), Some("application/octet-stream")));
    // A JPEG declared as a PNG is not trusted either; a broken JPEG gets no thumbnail.
    let photo = fixture(PHOTO);
    let (_, wrong) = upload(&ta, &conv, "x.png", "image/png", photo.clone()).await;
    assert_eq!(wrong["kind"], "file");
    let (s, broken) = upload(&ta, &conv, "half.jpg", "image/jpeg", photo[..photo.len() / 2].to_vec()).await;
    assert_eq!((s, broken["kind"].as_str()), (StatusCode::CREATED, Some("file")), "{broken}");
    assert_eq!(broken["thumbnail_url"], Value::Null);
    assert_eq!(
        ta.fetch(&format!("/api/v1/attachments/{}/thumbnail", broken["id"].as_str().unwrap()), &[]).await.0,
        StatusCode::NOT_FOUND
    );

    // Bad input changes nothing.
    let (s, e) = upload(&ta, &conv, "", "application/pdf", b"x".to_vec()).await;
    assert_eq!((s, e["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("name")));
    let (s, e) = upload(&ta, &conv, "empty.txt", "text/plain", Vec::new()).await;
    assert_eq!((s, e["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("file")));
    let (s, _) = ta
        .upload(&format!("/api/v1/conversations/{conv}/attachments?name=a&kind=video"), "video/mp4", b"x".to_vec())
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = app
        .login("teacher.x")
        .await
        .upload(&format!("/api/v1/conversations/{conv}/attachments?name=a"), "text/plain", b"x".to_vec())
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "not their conversation");
    let (s, e) = ta
        .post(
            &format!("/api/v1/conversations/{conv}/messages"),
            json!({"client_id": "f-2", "attachment_id": domain::AttachmentId::new()}),
        )
        .await;
    assert_eq!((s, e["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("attachment_id")));
    let rows: Vec<(i64,)> = store::testing::query_as(&app.store, "SELECT COUNT(*) FROM attachments").await;
    assert_eq!(rows[0].0, 4, "the pdf, the fake, the wrong one and the broken one; nothing refused was kept");
    app.stop().await;
}

#[tokio::test]
async fn over_the_limit_is_refused_before_it_is_stored() {
    let app = TestApp::spawn_with(ServerConfig { max_attachment_bytes: 1000, ..Default::default() }).await;
    published(&app).await;
    let ta = app.login("teacher.a").await;
    let conv = direct(&ta, &me(&app.login("teacher.b").await).await).await;
    let (s, e) = upload(&ta, &conv, "big.bin", "application/octet-stream", vec![7; 1001]).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::PAYLOAD_TOO_LARGE, Some("payload_too_large")));
    let (s, _) = upload(&ta, &conv, "fits.bin", "application/octet-stream", vec![7; 1000]).await;
    assert_eq!(s, StatusCode::CREATED);
    let rows: Vec<(i64,)> = store::testing::query_as(&app.store, "SELECT COUNT(*) FROM attachments").await;
    assert_eq!(rows[0].0, 1);
    let incoming = std::fs::read_dir(app.state.blobs.root().join("incoming")).unwrap().count();
    assert_eq!(incoming, 0, "nothing half-written is left behind");
    app.stop().await;
}

#[tokio::test]
async fn voice_messages_are_opus_with_a_length() {
    let app = TestApp::spawn().await;
    published(&app).await;
    let ta = app.login("teacher.a").await;
    let tb = app.login("teacher.b").await;
    let conv = direct(&ta, &me(&tb).await).await;
    let (s, v) = ta
        .upload(
            &format!("/api/v1/conversations/{conv}/attachments?name=voice.webm&kind=voice"),
            "audio/webm;codecs=opus",
            fixture(VOICE),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!((v["kind"].as_str(), v["mime"].as_str()), (Some("voice"), Some("audio/webm")));
    let ms = v["duration_ms"].as_i64().unwrap();
    assert!((1000..=10_000).contains(&ms), "{ms} ms");
    let (s, m) = send(&ta, &conv, "v-1", &v, "").await;
    assert_eq!((s, m["text"].as_str()), (StatusCode::CREATED, Some("")));
    let (s, h, _) = tb.fetch(&url(&v, "url"), &[("range", "bytes=0-")]).await;
    assert_eq!(
        (s, h["content-type"].to_str().unwrap()),
        (StatusCode::PARTIAL_CONTENT, "audio/webm"),
        "players ask in ranges"
    );

    // A picture is not a voice message; nor is a blank body.
    let (s, e) = ta
        .upload(&format!("/api/v1/conversations/{conv}/attachments?name=x&kind=voice"), "audio/webm", fixture(PHOTO))
        .await;
    assert_eq!((s, e["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("file")));
    app.stop().await;
}

#[tokio::test]
async fn recalled_unreached_and_unsent_attachments_are_gone() {
    let app = TestApp::spawn().await;
    let (admin_a, _, ic) = published(&app).await;
    let ta = app.login("teacher.a").await;
    let tb = app.login("teacher.b").await;
    let aa = app.login("admin.a").await;
    let conv = direct(&ta, &me(&tb).await).await;

    // Recall: gone for everyone, its bytes deleted at once.
    let (_, a) = upload(&ta, &conv, "1.jpg", "image/jpeg", fixture(PHOTO)).await;
    let (_, m) = send(&ta, &conv, "r-1", &a, "").await;
    assert_eq!(tb.fetch(&url(&a, "url"), &[]).await.0, StatusCode::OK);
    let (s, r) = ta
        .post(&format!("/api/v1/conversations/{conv}/messages/{}/recall", m["id"].as_str().unwrap()), json!({}))
        .await;
    assert_eq!((s, &r["attachment"]), (StatusCode::OK, &Value::Null));
    for who in [&ta, &tb] {
        assert_eq!(who.fetch(&url(&a, "url"), &[]).await.0, StatusCode::NOT_FOUND);
        assert_eq!(who.fetch(&url(&a, "thumbnail_url"), &[]).await.0, StatusCode::NOT_FOUND);
    }
    let id = a["id"].as_str().unwrap();
    assert_eq!(app.state.blobs.len(id).await.unwrap(), None, "the bytes are deleted");
    assert_eq!(app.state.blobs.len(&format!("{id}.thumb")).await.unwrap(), None);
    let (_, page) = tb.get(&format!("/api/v1/conversations/{conv}/messages")).await;
    assert!(page["messages"].as_array().unwrap().iter().all(|m| m["attachment"].is_null()));

    // A group member removed from the group keeps the text, not the files.
    let (_, g) = ta.post("/api/v1/conversations/group", json!({"member_ids": [me(&aa).await, me(&tb).await]})).await;
    let gid = g["id"].as_str().unwrap();
    let (_, ga) = upload(&ta, gid, "g.pdf", "application/pdf", b"%PDF-1.4 g".to_vec()).await;
    send(&ta, gid, "g-1", &ga, "").await;
    assert_eq!(aa.fetch(&url(&ga, "url"), &[]).await.0, StatusCode::OK);
    let (s, _) = ta.delete(&format!("/api/v1/conversations/{gid}/members/{}", me(&aa).await)).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(aa.fetch(&url(&ga, "url"), &[]).await.0, StatusCode::NOT_FOUND);

    // A teacher of B no longer exposed: the direct chat is read-only, its files gone
    // for both sides.
    let (_, b) = upload(&ta, &conv, "2.pdf", "application/pdf", b"%PDF-1.4 2".to_vec()).await;
    send(&ta, &conv, "r-2", &b, "").await;
    assert_eq!(tb.fetch(&url(&b, "url"), &[]).await.0, StatusCode::OK);
    let admin_b = app.login("admin.b").await;
    let (_, other) =
        admin_b.post(&format!("/api/v1/campuses/{}/departments", app.campus_b), json!({"name_zh": "總務處"})).await;
    let (s, e) = admin_b
        .put(
            &format!("/api/v1/interconnections/{ic}/exposure/{}", app.campus_b),
            json!({"department_ids": [other["id"]]}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{e}");
    let _ = admin_a;
    assert_eq!(tb.fetch(&url(&b, "url"), &[]).await.0, StatusCode::NOT_FOUND);
    assert_eq!(ta.fetch(&url(&b, "url"), &[]).await.0, StatusCode::NOT_FOUND);

    // An upload never sent is deleted after a day; it cannot be sent after that.
    let (_, ga2) = upload(&ta, gid, "later.pdf", "application/pdf", b"%PDF-1.4 later".to_vec()).await;
    assert_eq!(server::chat::attachments::purge(&app.state).await.unwrap(), 0, "young uploads stay");
    app.clock.advance(std::time::Duration::from_secs(25 * 3600));
    assert_eq!(server::chat::attachments::purge(&app.state).await.unwrap(), 1);
    assert_eq!(app.state.blobs.len(ga2["id"].as_str().unwrap()).await.unwrap(), None);
    let (s, e) = send(&ta, gid, "g-2", &ga2, "").await;
    assert_eq!((s, e["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("attachment_id")));
    assert_eq!(server::chat::attachments::purge(&app.state).await.unwrap(), 0, "each once");
    app.stop().await;
}

/// The S3-compatible server `scripts/s3.sh` starts (`CAMPUSLINK_TEST_S3`, endpoint/bucket).
fn s3_settings() -> server::blobs_s3::S3Settings {
    let url = std::env::var("CAMPUSLINK_TEST_S3").unwrap_or_else(|_| {
        panic!("CAMPUSLINK_TEST_S3 is not set: run the tests with scripts/test.sh, which starts one")
    });
    let (endpoint, bucket) = url.rsplit_once('/').expect("endpoint/bucket");
    server::blobs_s3::S3Settings {
        endpoint: endpoint.to_owned(),
        bucket: bucket.to_owned(),
        region: "us-east-1".into(),
        access_key: "campuslink".into(),
        secret_key: "campuslink-secret".into(),
        prefix: format!("test-{}", domain::AttachmentId::new()),
    }
}

#[tokio::test]
async fn attachments_live_in_s3_compatible_storage_when_configured() {
    let app = TestApp::spawn_with(ServerConfig { attachments_s3: Some(s3_settings()), ..Default::default() }).await;
    published(&app).await;
    let ta = app.login("teacher.a").await;
    let tb = app.login("teacher.b").await;
    let conv = direct(&ta, &me(&tb).await).await;
    let original = fixture(PHOTO);
    let (s, a) = upload(&ta, &conv, "s3.jpg", "image/jpeg", original.clone()).await;
    assert_eq!((s, a["kind"].as_str()), (StatusCode::CREATED, Some("image")), "{a}");
    let id = a["id"].as_str().unwrap().to_owned();
    assert!(app.state.blobs.len(&id).await.unwrap().is_some(), "the bytes are in the bucket");
    let incoming = std::fs::read_dir(app.state.blobs.root().join("incoming")).unwrap().count();
    assert_eq!(incoming, 0, "and not left on this machine");
    let (_, m) = send(&ta, &conv, "s3-1", &a, "").await;
    let (s, _, served) = tb.fetch(&url(&a, "url"), &[]).await;
    assert_eq!(s, StatusCode::OK);
    assert!(!contains(&served, b"GPS"));
    let (s, _, part) = tb.fetch(&url(&a, "url"), &[("range", "bytes=2-11")]).await;
    assert_eq!((s, part.as_slice()), (StatusCode::PARTIAL_CONTENT, &served[2..12]));
    let (s, _, thumb) = tb.fetch(&url(&a, "thumbnail_url"), &[]).await;
    assert_eq!((s, &thumb[..2]), (StatusCode::OK, &[0xFF, 0xD8][..]));

    // Forwarding copies the object; a recall deletes the original's only.
    let (_, g) = ta.post("/api/v1/conversations/group", json!({"member_ids": [me(&tb).await]})).await;
    let gid = g["id"].as_str().unwrap();
    let (_, out) = ta
        .post(&format!("/api/v1/conversations/{gid}/forward"), json!({"client_id": "s3-f", "message_ids": [m["id"]]}))
        .await;
    let copy = out["messages"][0]["attachment"].clone();
    ta.post(&format!("/api/v1/conversations/{conv}/messages/{}/recall", m["id"].as_str().unwrap()), json!({})).await;
    assert_eq!(app.state.blobs.len(&id).await.unwrap(), None, "deleted from the bucket");
    assert_eq!(tb.fetch(&url(&copy, "url"), &[]).await.0, StatusCode::OK, "the forwarded copy stays");
    app.stop().await;
}
