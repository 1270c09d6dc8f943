//! The web app, built by Vite into `web/dist` and embedded in the binary. Every path
//! that is not a file gets `index.html`, so `/admin/…` and `/bureau/…` load the app.
//! Each file goes out in the smallest form the browser accepts (brotli or gzip,
//! compressed at build time by build.rs), with a strong ETag from its content so a
//! revalidation costs a `304` and no body.

use crate::error::ApiError;
use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "../../web/dist"]
struct Web;

/// (SHA-256 of a file's content in hex, its brotli form, its gzip form), written by
/// build.rs.
static PRECOMPRESSED: &[(&str, &[u8], &[u8])] = include!(concat!(env!("OUT_DIR"), "/precompressed.rs"));

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Encoding {
    Brotli,
    Gzip,
    Identity,
}

impl Encoding {
    fn token(self) -> &'static str {
        match self {
            Encoding::Brotli => "br",
            Encoding::Gzip => "gzip",
            Encoding::Identity => "identity",
        }
    }
}

/// Whether `accept` (an `Accept-Encoding` value) allows `token`: named or `*`, with a
/// quality above zero.
fn accepts(accept: &str, token: &str) -> bool {
    let mut named = None;
    let mut star = None;
    for item in accept.split(',') {
        let mut parts = item.split(';');
        let name = parts.next().unwrap_or("").trim();
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .next()
            .and_then(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        if name.eq_ignore_ascii_case(token) {
            named = Some(q > 0.0);
        } else if name == "*" {
            star = Some(q > 0.0);
        }
    }
    named.or(star).unwrap_or(false)
}

pub async fn serve(method: Method, uri: Uri, headers: HeaderMap) -> Response {
    let path = uri.path().trim_start_matches('/');
    if path.starts_with("api/") || (method != Method::GET && method != Method::HEAD) {
        return ApiError::not_found().into_response();
    }
    let (file, mime, cache) = match (!path.is_empty()).then(|| Web::get(path)).flatten() {
        // Vite puts a content hash in every name under assets/.
        Some(file) => {
            let cache = if path.starts_with("assets/") { "public, max-age=31536000, immutable" } else { "no-cache" };
            let mime = file.metadata.mimetype().to_owned();
            (file, mime, cache)
        }
        None => match Web::get("index.html") {
            Some(index) => (index, "text/html; charset=utf-8".to_owned(), "no-cache"),
            None => return ApiError::not_found().into_response(),
        },
    };
    let hash = hex(&file.metadata.sha256_hash());
    let accept = headers.get(header::ACCEPT_ENCODING).and_then(|v| v.to_str().ok()).unwrap_or("");
    let forms = PRECOMPRESSED.iter().find(|(h, _, _)| *h == hash);
    let raw_len = file.data.len();
    // The compressed forms are static: sent without a copy.
    let (encoding, body) = match forms {
        Some((_, br, _)) if accepts(accept, "br") && br.len() < raw_len => (Encoding::Brotli, Body::from(*br)),
        Some((_, _, gz)) if accepts(accept, "gzip") && gz.len() < raw_len => (Encoding::Gzip, Body::from(*gz)),
        _ => (Encoding::Identity, Body::from(file.data)),
    };
    // Each form is its own representation, so its own strong tag; they share the
    // content hash, which is what a revalidation compares.
    let etag = match encoding {
        Encoding::Identity => format!("\"{}\"", &hash[..32]),
        e => format!("\"{}-{}\"", &hash[..32], e.token()),
    };
    let fresh = headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()).is_some_and(|tags| {
        tags.split(',')
            .map(|t| t.trim().trim_start_matches("W/").trim_matches('"'))
            .any(|t| t == "*" || t.split('-').next() == Some(&hash[..32]))
    });
    let mut resp = if fresh { StatusCode::NOT_MODIFIED.into_response() } else { body.into_response() };
    let h = resp.headers_mut();
    if !fresh && let Ok(v) = HeaderValue::from_str(&mime) {
        h.insert(header::CONTENT_TYPE, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    if encoding != Encoding::Identity {
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding.token()));
    }
    resp
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    bytes.iter().flat_map(|b| [DIGITS[usize::from(b >> 4)], DIGITS[usize::from(b & 15)]]).map(char::from).collect()
}

#[cfg(test)]
mod tests {
    use super::accepts;

    #[test]
    fn accept_encoding_is_read_with_its_qualities() {
        assert!(accepts("gzip, deflate, br, zstd", "br"));
        assert!(accepts("gzip;q=1.0, br;q=0.8", "gzip"));
        assert!(!accepts("gzip, br;q=0", "br"));
        assert!(accepts("*", "br"));
        assert!(!accepts("*, br;q=0", "br"));
        assert!(!accepts("", "gzip"));
        assert!(!accepts("identity", "gzip"));
    }
}
