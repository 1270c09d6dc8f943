//! The web app as a phone loads it: each file in brotli or gzip when the browser takes
//! it, identical to the file once decoded, with a strong ETag that turns a
//! revalidation into a bodiless 304; hashed files under assets/ cached for a year.

use crate::helpers::TestApp;
use reqwest::StatusCode;
use reqwest::header::{CACHE_CONTROL, CONTENT_ENCODING, ETAG, HeaderMap, VARY};
use std::io::Read;

async fn get(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> (StatusCode, HeaderMap, Vec<u8>) {
    // reqwest is built without decompression here: the test sees the bytes as sent.
    let mut req = reqwest::Client::new().get(app.url(path));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = req.send().await.unwrap();
    let (status, h) = (resp.status(), resp.headers().clone());
    (status, h, resp.bytes().await.unwrap().to_vec())
}

fn header(h: &HeaderMap, name: reqwest::header::HeaderName) -> &str {
    h.get(name).map(|v| v.to_str().unwrap()).unwrap_or("")
}

/// Checks every form of `path`, and returns its identity body.
async fn check_forms(app: &TestApp, path: &str, cache: &str) -> Vec<u8> {
    let (status, plain_h, plain) = get(app, path, &[("accept-encoding", "identity")]).await;
    assert_eq!(status, StatusCode::OK, "{path}");
    assert!(header(&plain_h, CONTENT_ENCODING).is_empty(), "{path}");
    assert_eq!(header(&plain_h, CACHE_CONTROL), cache, "{path}");
    assert!(header(&plain_h, VARY).to_ascii_lowercase().contains("accept-encoding"), "{path}");

    let (_, br_h, br) = get(app, path, &[("accept-encoding", "gzip, deflate, br")]).await;
    assert_eq!(header(&br_h, CONTENT_ENCODING), "br", "{path}");
    let mut decoded = Vec::new();
    brotli::Decompressor::new(&br[..], 4096).read_to_end(&mut decoded).unwrap();
    assert_eq!(decoded, plain, "{path}: brotli decodes to the file");
    assert!(br.len() < plain.len());

    let (_, gz_h, gz) = get(app, path, &[("accept-encoding", "gzip")]).await;
    assert_eq!(header(&gz_h, CONTENT_ENCODING), "gzip", "{path}");
    let mut decoded = Vec::new();
    flate2::read::GzDecoder::new(&gz[..]).read_to_end(&mut decoded).unwrap();
    assert_eq!(decoded, plain, "{path}: gzip decodes to the file");

    let tags = [header(&plain_h, ETAG), header(&br_h, ETAG), header(&gz_h, ETAG)];
    for t in tags {
        assert!(t.starts_with('"') && t.ends_with('"'), "{path}: a strong tag, not {t}");
    }
    assert!(tags[0] != tags[1] && tags[1] != tags[2], "{path}: each form its own tag: {tags:?}");
    for (tag, enc) in [(tags[0], "identity"), (tags[1], "br"), (tags[2], "gzip")] {
        let (status, h, body) = get(app, path, &[("accept-encoding", enc), ("if-none-match", tag)]).await;
        assert_eq!(status, StatusCode::NOT_MODIFIED, "{path} {enc}");
        assert!(body.is_empty());
        assert_eq!(header(&h, ETAG), tag);
        assert_eq!(header(&h, CACHE_CONTROL), cache);
    }
    // A tag of another file's content is not a match.
    let (status, _, _) = get(app, path, &[("if-none-match", "\"0123456789abcdef0123456789abcdef\"")]).await;
    assert_eq!(status, StatusCode::OK);
    plain
}

#[tokio::test]
async fn the_web_app_goes_out_compressed_with_strong_etags() {
    let app = TestApp::spawn().await;
    let index = check_forms(&app, "/", "no-cache").await;
    // A console's own path is the same page, tagged the same.
    let (_, root_h, _) = get(&app, "/", &[]).await;
    let (_, admin_h, admin) = get(&app, "/admin/members", &[]).await;
    assert_eq!(header(&admin_h, ETAG), header(&root_h, ETAG));
    assert!(!admin.is_empty());

    // The scripts and styles index.html loads: with CAMPUSLINK_WEB_BUILD=skip and no
    // web/dist, index.html is a placeholder that loads none (CI always builds them).
    let html = String::from_utf8(index).unwrap();
    let assets: Vec<&str> =
        html.split('"').filter(|s| s.starts_with("/assets/") && (s.ends_with(".js") || s.ends_with(".css"))).collect();
    for asset in assets {
        check_forms(&app, asset, "public, max-age=31536000, immutable").await;
    }
    app.stop().await;
}
