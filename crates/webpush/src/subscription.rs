//! A browser's push subscription, parsed once at the edge from what
//! `PushSubscription.toJSON()` gives, and the endpoint rules shared with VAPID.

use crate::{PushError, b64_decode};
use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};
use url::{Host, Url};

/// The longest endpoint accepted. Real ones are 150–500 characters; the bound keeps a
/// hostile client from storing kilobytes per subscription.
pub const MAX_ENDPOINT_LEN: usize = 2000;

/// A validated push subscription: where to POST, and the user agent's keys to encrypt to.
#[derive(Clone, PartialEq, Eq)]
pub struct Subscription {
    /// The endpoint as the URL parser serializes it (for a browser's endpoint, the same
    /// string the browser gave).
    pub endpoint: String,
    /// The user agent's ECDH public key, an uncompressed P-256 point on the curve.
    pub p256dh: [u8; 65],
    /// The user agent's authentication secret.
    pub auth: [u8; 16],
}

/// The auth secret stays out of logs: with it, whoever also holds the endpoint can send
/// messages the user agent will accept as the server's.
impl fmt::Debug for Subscription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Subscription")
            .field("endpoint", &self.endpoint)
            .field("p256dh", &crate::b64_encode(&self.p256dh))
            .field("auth", &"<redacted>")
            .finish()
    }
}

/// Validates the three strings of `PushSubscription.toJSON()` (`endpoint`, `keys.p256dh`,
/// `keys.auth`). The endpoint must be an absolute `https` URL of at most
/// [`MAX_ENDPOINT_LEN`] characters without credentials or fragment; `allow_loopback_http`
/// also admits `http` to `localhost`, `127.0.0.1` or `[::1]`, for a test push service.
pub fn parse_subscription(
    endpoint: &str,
    p256dh: &str,
    auth: &str,
    allow_loopback_http: bool,
) -> Result<Subscription, PushError> {
    let endpoint = parse_endpoint(endpoint, allow_loopback_http)?;

    let key = b64_decode(p256dh).ok_or(PushError::P256dhEncoding)?;
    let p256dh: [u8; 65] = key.try_into().map_err(|_| PushError::P256dhLength)?;
    // 0x04 marks an uncompressed point; RFC 8291 §3.1 requires that form.
    if p256dh[0] != 0x04 {
        return Err(PushError::P256dhLength);
    }
    // Encrypting to a point off the curve would leak key bits (invalid-curve attack).
    p256::PublicKey::from_sec1_bytes(&p256dh).map_err(|_| PushError::P256dhNotOnCurve)?;

    let secret = b64_decode(auth).ok_or(PushError::AuthEncoding)?;
    let auth: [u8; 16] = secret.try_into().map_err(|_| PushError::AuthLength)?;

    Ok(Subscription { endpoint: endpoint.into(), p256dh, auth })
}

/// Parses and checks an endpoint URL (see [`parse_subscription`]).
pub(crate) fn parse_endpoint(raw: &str, allow_loopback_http: bool) -> Result<Url, PushError> {
    // Checked before parsing, to bound the parser's work, and after, since
    // percent-encoding can lengthen the serialization.
    if raw.chars().count() > MAX_ENDPOINT_LEN {
        return Err(PushError::EndpointTooLong);
    }
    let url = Url::parse(raw).map_err(|_| PushError::EndpointNotUrl)?;
    match url.scheme() {
        "https" => {}
        "http" if allow_loopback_http && is_loopback(&url) => {}
        _ => return Err(PushError::EndpointScheme),
    }
    if url.host().is_none() {
        return Err(PushError::EndpointNotUrl);
    }
    // Credentials would be sent to the push service on every request and logged with the
    // endpoint; a fragment is never sent and means the string is not what a browser gives.
    if !url.username().is_empty() || url.password().is_some() {
        return Err(PushError::EndpointCredentials);
    }
    if url.fragment().is_some() {
        return Err(PushError::EndpointFragment);
    }
    if url.as_str().len() > MAX_ENDPOINT_LEN {
        return Err(PushError::EndpointTooLong);
    }
    Ok(url)
}

/// The origin of an endpoint, as a VAPID token's `aud` names it (RFC 8292 §2):
/// scheme, host and any non-default port.
pub(crate) fn origin(endpoint: &str) -> Result<String, PushError> {
    // Loopback http is let through: a production endpoint was already refused by
    // `parse_subscription`, and tests push to one.
    Ok(parse_endpoint(endpoint, true)?.origin().ascii_serialization())
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(d)) => d == "localhost",
        Some(Host::Ipv4(ip)) => ip == Ipv4Addr::LOCALHOST,
        Some(Host::Ipv6(ip)) => ip == Ipv6Addr::LOCALHOST,
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{b64_encode, generate_ua_keys};
    use p256::elliptic_curve::sec1::ToEncodedPoint;

    const ENDPOINT: &str = "https://updates.push.services.mozilla.com/wpush/v2/gAAAAABo-x_token";

    fn keys() -> (String, String) {
        let (_, public) = generate_ua_keys();
        (b64_encode(&public), b64_encode(&[7u8; 16]))
    }

    fn endpoint_error(endpoint: &str, allow_loopback_http: bool) -> PushError {
        let (p256dh, auth) = keys();
        let err = parse_subscription(endpoint, &p256dh, &auth, allow_loopback_http).unwrap_err();
        assert_eq!(err.field(), Some("endpoint"), "{endpoint}: {err}");
        assert!(err.to_string().starts_with("endpoint:"), "{err}");
        err
    }

    #[test]
    fn a_browser_subscription_is_accepted() {
        let (_, public) = generate_ua_keys();
        let sub = parse_subscription(ENDPOINT, &b64_encode(&public), "BTBZMqHH6r4Tts7J_aSIgg", false).unwrap();
        assert_eq!(sub.endpoint, ENDPOINT);
        assert_eq!(sub.p256dh, public);
        assert_eq!(sub.auth, *b"\x05\x30\x59\x32\xa1\xc7\xea\xbe\x13\xb6\xce\xc9\xfd\xa4\x88\x82");
        // Windows' endpoints carry the token in the query.
        let (p, a) = keys();
        assert!(parse_subscription("https://db5p.notify.windows.com/w/?token=BQYAAA%2b", &p, &a, false).is_ok());
        // Padded base64url, as some libraries write it, is the same key.
        let padded = format!("{}=", b64_encode(&public));
        assert_eq!(parse_subscription(ENDPOINT, &padded, &a, false).unwrap().p256dh, public);
    }

    #[test]
    fn endpoints_that_are_not_https_absolute_urls_are_refused() {
        assert_eq!(endpoint_error("http://push.example.net/x", false), PushError::EndpointScheme);
        assert_eq!(endpoint_error("http://push.example.net/x", true), PushError::EndpointScheme);
        assert_eq!(endpoint_error("ftp://push.example.net/x", false), PushError::EndpointScheme);
        assert_eq!(endpoint_error("wss://push.example.net/x", false), PushError::EndpointScheme);
        assert_eq!(endpoint_error("/wpush/v2/token", false), PushError::EndpointNotUrl);
        assert_eq!(endpoint_error("push.example.net/x", false), PushError::EndpointNotUrl);
        assert_eq!(endpoint_error("", false), PushError::EndpointNotUrl);
        assert_eq!(endpoint_error("https://", false), PushError::EndpointNotUrl);
    }

    #[test]
    fn http_is_accepted_only_to_loopback_and_only_when_allowed() {
        let (p, a) = keys();
        for endpoint in ["http://127.0.0.1:4000/push/1", "http://localhost:4000/push/1", "http://[::1]:4000/push/1"] {
            assert!(parse_subscription(endpoint, &p, &a, true).is_ok(), "{endpoint}");
            assert_eq!(endpoint_error(endpoint, false), PushError::EndpointScheme);
        }
        assert_eq!(endpoint_error("http://127.0.0.2/push", true), PushError::EndpointScheme);
        assert_eq!(endpoint_error("http://localhost.example.net/push", true), PushError::EndpointScheme);
        assert_eq!(endpoint_error("http://10.0.0.1/push", true), PushError::EndpointScheme);
    }

    #[test]
    fn long_endpoints_credentials_and_fragments_are_refused() {
        let at_limit = format!("https://push.example.net/{}", "a".repeat(MAX_ENDPOINT_LEN - 25));
        assert_eq!(at_limit.len(), MAX_ENDPOINT_LEN);
        let (p, a) = keys();
        assert!(parse_subscription(&at_limit, &p, &a, false).is_ok());
        assert_eq!(endpoint_error(&format!("{at_limit}a"), false), PushError::EndpointTooLong);
        // Short input that the parser lengthens past the limit (each space becomes %20).
        let spaces = format!("https://push.example.net/{}x", " ".repeat(1000));
        assert_eq!(endpoint_error(&spaces, false), PushError::EndpointTooLong);

        assert_eq!(endpoint_error("https://user@push.example.net/x", false), PushError::EndpointCredentials);
        assert_eq!(endpoint_error("https://user:pw@push.example.net/x", false), PushError::EndpointCredentials);
        assert_eq!(endpoint_error("https://:pw@push.example.net/x", false), PushError::EndpointCredentials);
        assert_eq!(endpoint_error("https://push.example.net/x#frag", false), PushError::EndpointFragment);
        assert_eq!(endpoint_error("https://push.example.net/x#", false), PushError::EndpointFragment);
    }

    #[test]
    fn bad_p256dh_keys_are_refused() {
        let (p, a) = keys();
        let p256dh_error = |p256dh: &str| {
            let err = parse_subscription(ENDPOINT, p256dh, &a, false).unwrap_err();
            assert_eq!(err.field(), Some("p256dh"));
            assert!(err.to_string().starts_with("p256dh:"), "{err}");
            err
        };
        assert_eq!(p256dh_error("not base64!"), PushError::P256dhEncoding);
        assert_eq!(p256dh_error(&format!("+/{}", &p[2..])), PushError::P256dhEncoding);
        assert_eq!(p256dh_error(&b64_encode(&[4u8; 64])), PushError::P256dhLength);
        assert_eq!(p256dh_error(&b64_encode(&[4u8; 66])), PushError::P256dhLength);
        assert_eq!(p256dh_error(""), PushError::P256dhLength);
        // The same point compressed: valid, but RFC 8291 asks for the uncompressed form.
        let (_, public) = generate_ua_keys();
        let point = p256::PublicKey::from_sec1_bytes(&public).unwrap();
        let mut compressed = point.to_encoded_point(true).as_bytes().to_vec();
        assert_eq!(compressed.len(), 33);
        assert_eq!(p256dh_error(&b64_encode(&compressed)), PushError::P256dhLength);
        compressed.resize(65, 0);
        assert_eq!(p256dh_error(&b64_encode(&compressed)), PushError::P256dhLength);
        // 65 bytes, uncompressed form, but (x, y) is not on the curve.
        let mut off_curve = public;
        off_curve[64] ^= 1;
        assert_eq!(p256dh_error(&b64_encode(&off_curve)), PushError::P256dhNotOnCurve);
        let mut zeros = [0u8; 65];
        zeros[0] = 4;
        assert_eq!(p256dh_error(&b64_encode(&zeros)), PushError::P256dhNotOnCurve);
    }

    #[test]
    fn bad_auth_secrets_are_refused() {
        let (p, _) = keys();
        let auth_error = |auth: &str| {
            let err = parse_subscription(ENDPOINT, &p, auth, false).unwrap_err();
            assert_eq!(err.field(), Some("auth"));
            assert!(err.to_string().starts_with("auth:"), "{err}");
            err
        };
        assert_eq!(auth_error(&b64_encode(&[1u8; 15])), PushError::AuthLength);
        assert_eq!(auth_error(&b64_encode(&[1u8; 17])), PushError::AuthLength);
        assert_eq!(auth_error(""), PushError::AuthLength);
        assert_eq!(auth_error("BTBZMqHH6r4Tts7J_aSI*g"), PushError::AuthEncoding);
    }

    #[test]
    fn debug_hides_the_auth_secret() {
        let (p, _) = keys();
        let sub = parse_subscription(ENDPOINT, &p, "BTBZMqHH6r4Tts7J_aSIgg", false).unwrap();
        let debug = format!("{sub:?}");
        assert!(debug.contains(ENDPOINT) && debug.contains("<redacted>"), "{debug}");
        assert!(!debug.contains("BTBZMqHH6r4Tts7J_aSIgg") && !debug.contains("48, 89"), "{debug}");
    }

    #[test]
    fn origins_drop_path_query_and_default_port() {
        assert_eq!(origin("https://Push.Example.net:443/a/b?c=d").unwrap(), "https://push.example.net");
        assert_eq!(origin("https://push.example.net:8443/a").unwrap(), "https://push.example.net:8443");
        assert_eq!(origin("http://127.0.0.1:4000/push/1").unwrap(), "http://127.0.0.1:4000");
        assert_eq!(origin("ftp://push.example.net/"), Err(PushError::EndpointScheme));
    }
}
