//! The plain-HTTP listener beside HTTPS (`server.http_redirect`): every request is
//! answered 308 to the same path and query over HTTPS, and nothing else is served, so
//! someone who types the school's address without `https://` still lands on it.

use axum::Router;
use axum::extract::{Request, State};
use axum::http::uri::Authority;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::future::Future;
use std::sync::Arc;
use tokio::net::TcpListener;

/// Where requests are sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// `server.public_url`'s origin (`https://chat.school.edu.mo`).
    Origin(String),
    /// The host the request named, at this port (the HTTPS listener's).
    Port(u16),
}

impl Target {
    /// The origin of `public_url` if there is one, else the host a request names at
    /// `https_port`.
    pub fn new(public_url: Option<&str>, https_port: u16) -> Target {
        match public_url.and_then(origin) {
            Some(o) => Target::Origin(o),
            None => Target::Port(https_port),
        }
    }

    /// The `Location` for a request that named `host` (its `Host` header, or the
    /// authority of its target) and `path_and_query`; `None` when it named no usable
    /// host and there is no public URL to fall back on.
    pub fn location(&self, host: Option<&str>, path_and_query: &str) -> Option<String> {
        let path = if path_and_query.starts_with('/') { path_and_query } else { "/" };
        let origin = match self {
            Target::Origin(o) => o.clone(),
            Target::Port(port) => {
                let host = host?.parse::<Authority>().ok()?;
                let host = host.host();
                if host.is_empty() {
                    return None;
                }
                if *port == 443 { format!("https://{host}") } else { format!("https://{host}:{port}") }
            }
        };
        Some(format!("{origin}{path}"))
    }
}

/// `https://host[:port]` of a URL, without its path; `None` if it is not an https URL.
fn origin(url: &str) -> Option<String> {
    let uri = url.parse::<axum::http::Uri>().ok()?;
    if uri.scheme_str() != Some("https") {
        return None;
    }
    let authority = uri.authority()?.as_str();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    Some(format!("https://{host_port}"))
}

/// Answers every request on `listener` with a redirect to `target` until `shutdown`.
pub async fn serve_redirect(
    listener: TcpListener,
    target: Target,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = Router::new().fallback(redirect).with_state(Arc::new(target));
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await
}

/// Any method, any path: 308 keeps the method and body, so a form posted to the
/// `http://` address is posted again to the `https://` one.
async fn redirect(State(target): State<Arc<Target>>, req: Request) -> Response {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| req.uri().authority().map(|a| a.as_str()));
    let path = req.uri().path_and_query().map_or("/", |p| p.as_str());
    match target.location(host, path).and_then(|l| HeaderValue::from_str(&l).ok()) {
        Some(location) => (StatusCode::PERMANENT_REDIRECT, [(header::LOCATION, location)]).into_response(),
        None => {
            (StatusCode::BAD_REQUEST, "campuslink is served over HTTPS; this request named no host\n").into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_host_keeps_its_name_and_gets_the_https_port() {
        let t = Target::new(None, 8443);
        assert_eq!(t.location(Some("10.0.0.5:8080"), "/a/b?c=d&e"), Some("https://10.0.0.5:8443/a/b?c=d&e".into()));
        assert_eq!(t.location(Some("school.mo"), "/"), Some("https://school.mo:8443/".into()));
        assert_eq!(t.location(Some("[fd00::5]:80"), "/x"), Some("https://[fd00::5]:8443/x".into()));
        assert_eq!(t.location(Some("user@school.mo:80"), "/x"), Some("https://school.mo:8443/x".into()));
        let t = Target::new(None, 443);
        assert_eq!(t.location(Some("school.mo:80"), "/invite/abc"), Some("https://school.mo/invite/abc".into()));
    }

    #[test]
    fn no_usable_host_is_no_redirect() {
        let t = Target::Port(443);
        assert_eq!(t.location(None, "/"), None);
        assert_eq!(t.location(Some(""), "/"), None);
        assert_eq!(t.location(Some("bad host/x"), "/"), None);
        assert_eq!(t.location(Some("evil.example/\r\nSet-Cookie: x"), "/"), None);
    }

    #[test]
    fn a_public_url_gives_its_origin_whatever_the_host() {
        let t = Target::new(Some("https://chat.school.edu.mo:9443/campuslink"), 8443);
        assert_eq!(t, Target::Origin("https://chat.school.edu.mo:9443".into()));
        assert_eq!(t.location(Some("10.0.0.5"), "/a?b"), Some("https://chat.school.edu.mo:9443/a?b".into()));
        assert_eq!(t.location(None, "*"), Some("https://chat.school.edu.mo:9443/".into()));
        // Not an https address (the binary refuses that with a redirect): the host's.
        assert_eq!(Target::new(Some("http://school.mo"), 8443), Target::Port(8443));
    }
}
