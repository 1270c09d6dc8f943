//! The server's VAPID identity (RFC 8292): the P-256 key pair browsers bind a subscription
//! to, the signed `Authorization` header that proves each push comes from it, and the
//! push service's check of that header (for campuslink's in-test push endpoint).

use crate::subscription::origin;
use crate::{PushError, b64_decode, b64_encode, uncompressed};
use p256::ecdsa::signature::{Signer, Verifier};
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
use p256::{FieldBytes, PublicKey};
use rand_core::OsRng;
use serde_json::{Value, json};
use std::fmt;

/// How long a token we sign is valid: half RFC 8292's 24-hour ceiling, so a push
/// service whose clock runs ahead of ours still accepts it.
const TOKEN_LIFETIME_SECS: u64 = 12 * 3600;
/// RFC 8292 §2: a push service refuses an `exp` more than 24 hours away.
const MAX_LIFETIME_SECS: u64 = 24 * 3600;
/// The JOSE header of every token: ES256 is the only algorithm RFC 8292 allows.
const JWT_HEADER: &str = r#"{"typ":"JWT","alg":"ES256"}"#;

/// The server's VAPID key pair, P-256. Its `Debug` shows only the public key.
#[derive(Clone)]
pub struct VapidKey {
    signing: SigningKey,
}

impl fmt::Debug for VapidKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VapidKey").field("public", &self.public_base64url()).finish_non_exhaustive()
    }
}

impl VapidKey {
    pub fn generate() -> VapidKey {
        VapidKey { signing: SigningKey::random(&mut OsRng) }
    }

    /// The private scalar as base64url without padding, for the database or config file.
    pub fn to_secret_base64url(&self) -> String {
        b64_encode(&self.signing.to_bytes())
    }

    pub fn from_secret_base64url(s: &str) -> Result<VapidKey, PushError> {
        let bytes: [u8; 32] = b64_decode(s.trim()).and_then(|b| b.try_into().ok()).ok_or(PushError::VapidKeyInvalid)?;
        let signing = SigningKey::from_bytes(&FieldBytes::from(bytes)).map_err(|_| PushError::VapidKeyInvalid)?;
        Ok(VapidKey { signing })
    }

    /// The 65-byte uncompressed public point as base64url: the `applicationServerKey` the
    /// web app passes to `PushManager.subscribe`.
    pub fn public_base64url(&self) -> String {
        b64_encode(&uncompressed(&PublicKey::from(self.signing.verifying_key())))
    }

    /// The `Authorization` header value for a push to `endpoint`:
    /// `vapid t=<ES256 JWT>, k=<public key>`, the JWT claiming `aud` = the endpoint's
    /// origin, `exp` = `now_unix` + 12 hours and `sub` = `subject`, a `mailto:` or
    /// `https:` contact the push service can reach the school's operator at.
    pub fn authorization(&self, endpoint: &str, subject: &str, now_unix: u64) -> Result<String, PushError> {
        let aud = origin(endpoint)?;
        check_subject(subject)?;
        let claims = json!({ "aud": aud, "exp": now_unix.saturating_add(TOKEN_LIFETIME_SECS), "sub": subject });
        Ok(format!("vapid t={}, k={}", self.sign(&claims), self.public_base64url()))
    }

    /// A compact JWS of `claims` under our key (RFC 7515, ES256 as RFC 7518 §3.4 encodes
    /// it: the raw 64-byte r ‖ s, not DER).
    fn sign(&self, claims: &Value) -> String {
        let signing_input =
            format!("{}.{}", b64_encode(JWT_HEADER.as_bytes()), b64_encode(claims.to_string().as_bytes()));
        let signature: Signature = self.signing.sign(signing_input.as_bytes());
        format!("{signing_input}.{}", b64_encode(&signature.to_bytes()))
    }
}

/// RFC 8292 §2.1; Apple's push service refuses tokens whose `sub` is neither.
fn check_subject(subject: &str) -> Result<(), PushError> {
    match url::Url::parse(subject) {
        Ok(u) if u.scheme() == "mailto" && !u.path().is_empty() => Ok(()),
        Ok(u) if u.scheme() == "https" => Ok(()),
        _ => Err(PushError::VapidSubject),
    }
}

/// What a push service does with a VAPID `Authorization` header (RFC 8292 §3–4): verifies
/// the JWT's signature against `k`, that `aud` is the origin of `endpoint`, and that `exp`
/// is after `now_unix` and at most 24 hours after it. Returns the `sub` claim.
///
/// It does not check that `k` is the `applicationServerKey` the subscription was made
/// with, as a real push service also does; a test endpoint that cares compares the
/// header's `k=` with [`VapidKey::public_base64url`].
pub fn verify_authorization(header: &str, endpoint: &str, now_unix: u64) -> Result<String, PushError> {
    let expected_aud = origin(endpoint)?;
    let (token, key) = parse_header(header)?;

    let key = b64_decode(key).filter(|k| k.len() == 65).ok_or(PushError::VapidPublicKey)?;
    let key = VerifyingKey::from_sec1_bytes(&key).map_err(|_| PushError::VapidPublicKey)?;

    let (signing_input, signature) = token.rsplit_once('.').ok_or(PushError::JwtFormat)?;
    let (jose, claims) = signing_input.split_once('.').ok_or(PushError::JwtFormat)?;
    if claims.contains('.') {
        return Err(PushError::JwtFormat);
    }
    // The header is checked before the signature: accepting any `alg` is the classic
    // JWT mistake ("none", or a MAC keyed with the public key).
    if json_segment(jose)?.get("alg").and_then(Value::as_str) != Some("ES256") {
        return Err(PushError::JwtFormat);
    }
    let signature = b64_decode(signature).filter(|s| s.len() == 64).ok_or(PushError::JwtFormat)?;
    let signature = Signature::from_slice(&signature).map_err(|_| PushError::JwtSignature)?;
    key.verify(signing_input.as_bytes(), &signature).map_err(|_| PushError::JwtSignature)?;

    // Only signed claims are read from here on.
    let claims = json_segment(claims)?;
    let aud = claims.get("aud").and_then(Value::as_str).ok_or(PushError::JwtClaim("aud"))?;
    let exp = claims.get("exp").and_then(Value::as_u64).ok_or(PushError::JwtClaim("exp"))?;
    let sub = claims.get("sub").and_then(Value::as_str).ok_or(PushError::JwtClaim("sub"))?;
    if aud != expected_aud {
        return Err(PushError::JwtAudience);
    }
    if exp <= now_unix {
        return Err(PushError::JwtExpired);
    }
    if exp - now_unix > MAX_LIFETIME_SECS {
        return Err(PushError::JwtTooFarAhead);
    }
    Ok(sub.to_owned())
}

/// Splits `vapid t=…, k=…` (scheme case-insensitive, parameters in any order, unknown
/// ones ignored as RFC 9110 §11.2 asks) into the token and the key.
fn parse_header(header: &str) -> Result<(&str, &str), PushError> {
    let (scheme, params) = header.trim().split_once(' ').ok_or(PushError::AuthorizationFormat)?;
    if !scheme.eq_ignore_ascii_case("vapid") {
        return Err(PushError::AuthorizationFormat);
    }
    let (mut t, mut k) = (None, None);
    for param in params.split(',') {
        let (name, value) = param.split_once('=').ok_or(PushError::AuthorizationFormat)?;
        let value = value.trim();
        let value = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')).unwrap_or(value);
        let slot = match name.trim() {
            n if n.eq_ignore_ascii_case("t") => &mut t,
            n if n.eq_ignore_ascii_case("k") => &mut k,
            _ => continue,
        };
        // A repeated parameter is ambiguous: which one would the signature cover?
        if value.is_empty() || slot.replace(value).is_some() {
            return Err(PushError::AuthorizationFormat);
        }
    }
    t.zip(k).ok_or(PushError::AuthorizationFormat)
}

/// A JWT segment that must be a base64url JSON object.
fn json_segment(segment: &str) -> Result<serde_json::Map<String, Value>, PushError> {
    let bytes = b64_decode(segment).ok_or(PushError::JwtFormat)?;
    match serde_json::from_slice(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(PushError::JwtFormat),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ENDPOINT: &str = "https://fcm.googleapis.com/fcm/send/dQw4w9WgXcQ:APA91bH";
    const SUBJECT: &str = "mailto:principal@school.example";
    const NOW: u64 = 1_767_225_600; // 2026-01-01T00:00:00Z

    /// The token and key of a header, taken apart by hand rather than by `parse_header`.
    fn parts(header: &str) -> (String, String) {
        let rest = header.strip_prefix("vapid t=").unwrap();
        let (t, k) = rest.split_once(", k=").unwrap();
        (t.to_owned(), k.to_owned())
    }

    fn segment(b64: &str) -> Value {
        serde_json::from_slice(&b64_decode(b64).unwrap()).unwrap()
    }

    #[test]
    fn authorization_is_a_vapid_header_with_the_rfc_claims() {
        let key = VapidKey::generate();
        let header = key.authorization(ENDPOINT, SUBJECT, NOW).unwrap();
        let (t, k) = parts(&header);
        assert_eq!(k, key.public_base64url());
        assert_eq!(b64_decode(&k).unwrap().len(), 65);

        let segments: Vec<&str> = t.split('.').collect();
        assert_eq!(segments.len(), 3);
        assert_eq!(segment(segments[0]), json!({"typ": "JWT", "alg": "ES256"}));
        assert_eq!(
            segment(segments[1]),
            json!({"aud": "https://fcm.googleapis.com", "exp": NOW + 12 * 3600, "sub": SUBJECT})
        );
        assert_eq!(b64_decode(segments[2]).unwrap().len(), 64, "raw r ‖ s");
        assert!(!t.contains('='), "JWT segments are unpadded");
    }

    #[test]
    fn verify_accepts_our_header_until_it_expires() {
        let key = VapidKey::generate();
        let header = key.authorization(ENDPOINT, SUBJECT, NOW).unwrap();
        assert_eq!(verify_authorization(&header, ENDPOINT, NOW).unwrap(), SUBJECT);
        // Any endpoint of the same origin, and a push service whose clock lags ours.
        assert_eq!(verify_authorization(&header, "https://fcm.googleapis.com/other", NOW).unwrap(), SUBJECT);
        assert!(verify_authorization(&header, ENDPOINT, NOW - 3600).is_ok());
        assert!(verify_authorization(&header, ENDPOINT, NOW + 12 * 3600 - 1).is_ok());
        assert_eq!(verify_authorization(&header, ENDPOINT, NOW + 12 * 3600), Err(PushError::JwtExpired));
        assert_eq!(verify_authorization(&header, ENDPOINT, NOW + 13 * 3600), Err(PushError::JwtExpired));
    }

    #[test]
    fn verify_refuses_another_audience() {
        let header = VapidKey::generate().authorization(ENDPOINT, SUBJECT, NOW).unwrap();
        for other in
            ["https://updates.push.services.mozilla.com/wpush/v2/x", "https://fcm.googleapis.com:8443/fcm/send/x"]
        {
            assert_eq!(verify_authorization(&header, other, NOW), Err(PushError::JwtAudience), "{other}");
        }
        let local = VapidKey::generate().authorization("http://127.0.0.1:4000/push/1", SUBJECT, NOW).unwrap();
        assert!(verify_authorization(&local, "http://127.0.0.1:4000/push/2", NOW).is_ok());
        assert_eq!(verify_authorization(&local, "http://127.0.0.1:4001/push/1", NOW), Err(PushError::JwtAudience));
        assert_eq!(verify_authorization(&local, "http://localhost:4000/push/1", NOW), Err(PushError::JwtAudience));
    }

    #[test]
    fn verify_refuses_tokens_valid_for_more_than_24_hours() {
        let key = VapidKey::generate();
        // Signed "in the future": from the verifier's clock the token lives 25 + 12 hours.
        let header = key.authorization(ENDPOINT, SUBJECT, NOW + 25 * 3600).unwrap();
        assert_eq!(verify_authorization(&header, ENDPOINT, NOW), Err(PushError::JwtTooFarAhead));
        let at_limit = |exp: u64| {
            let t = key.sign(&json!({"aud": "https://fcm.googleapis.com", "exp": exp, "sub": SUBJECT}));
            verify_authorization(&format!("vapid t={t}, k={}", key.public_base64url()), ENDPOINT, NOW)
        };
        assert!(at_limit(NOW + 24 * 3600).is_ok());
        assert_eq!(at_limit(NOW + 24 * 3600 + 1), Err(PushError::JwtTooFarAhead));
        assert_eq!(at_limit(NOW), Err(PushError::JwtExpired));
    }

    #[test]
    fn verify_refuses_a_tampered_token() {
        let key = VapidKey::generate();
        let header = key.authorization(ENDPOINT, SUBJECT, NOW).unwrap();
        let (t, k) = parts(&header);
        let segments: Vec<&str> = t.split('.').collect();

        // The same signature over other claims: a later expiry, another subject.
        let forged = json!({"aud": "https://fcm.googleapis.com", "exp": NOW + 20 * 3600, "sub": SUBJECT});
        let forged = format!("{}.{}.{}", segments[0], b64_encode(forged.to_string().as_bytes()), segments[2]);
        assert_eq!(
            verify_authorization(&format!("vapid t={forged}, k={k}"), ENDPOINT, NOW),
            Err(PushError::JwtSignature)
        );

        // One flipped bit in the signature.
        let mut signature = b64_decode(segments[2]).unwrap();
        signature[10] ^= 1;
        let flipped = format!("{}.{}.{}", segments[0], segments[1], b64_encode(&signature));
        assert_eq!(
            verify_authorization(&format!("vapid t={flipped}, k={k}"), ENDPOINT, NOW),
            Err(PushError::JwtSignature)
        );

        // Our token presented with another server's key.
        let other = VapidKey::generate().public_base64url();
        assert_eq!(
            verify_authorization(&format!("vapid t={t}, k={other}"), ENDPOINT, NOW),
            Err(PushError::JwtSignature)
        );
    }

    #[test]
    fn verify_refuses_malformed_headers_and_tokens() {
        let key = VapidKey::generate();
        let header = key.authorization(ENDPOINT, SUBJECT, NOW).unwrap();
        let (t, k) = parts(&header);
        let verify = |h: &str| verify_authorization(h, ENDPOINT, NOW);

        // The header's own syntax: other orders, case and quoting are the same header.
        assert!(verify(&format!("Vapid k={k},t={t}")).is_ok());
        assert!(verify(&format!("vapid t=\"{t}\", k=\"{k}\", x=1")).is_ok());
        for bad in [
            String::new(),
            format!("Bearer {t}"),
            format!("WebPush {t}"),
            format!("vapid t={t}"),
            format!("vapid k={k}"),
            format!("vapid t={t}, k={k}, t={t}"),
            format!("vapid t=, k={k}"),
            format!("vapid t={t} k={k}"),
        ] {
            assert_eq!(verify(&bad), Err(PushError::AuthorizationFormat), "{bad}");
        }

        assert_eq!(verify(&format!("vapid t={t}, k=AAAA")), Err(PushError::VapidPublicKey));
        assert_eq!(verify(&format!("vapid t={t}, k={}", &k[..k.len() - 1])), Err(PushError::VapidPublicKey));

        let segments: Vec<&str> = t.split('.').collect();
        let none = b64_encode(br#"{"typ":"JWT","alg":"none"}"#);
        for bad in [
            format!("{}.{}", segments[0], segments[1]),
            format!("{t}.{}", segments[2]),
            format!("{none}.{}.{}", segments[1], segments[2]),
            format!("{none}.{}.", segments[1]),
            format!("{}.{}.{}", b64_encode(b"[1]"), segments[1], segments[2]),
            format!("{}.{}.AAAA", segments[0], segments[1]),
            format!("!!.{}.{}", segments[1], segments[2]),
        ] {
            assert_eq!(verify(&format!("vapid t={bad}, k={k}")), Err(PushError::JwtFormat), "{bad}");
        }
    }

    #[test]
    fn verify_requires_each_claim() {
        let key = VapidKey::generate();
        let aud = "https://fcm.googleapis.com";
        for (claims, missing) in [
            (json!({"exp": NOW + 60, "sub": SUBJECT}), "aud"),
            (json!({"aud": aud, "sub": SUBJECT}), "exp"),
            (json!({"aud": aud, "exp": "tomorrow", "sub": SUBJECT}), "exp"),
            (json!({"aud": aud, "exp": -1, "sub": SUBJECT}), "exp"),
            (json!({"aud": aud, "exp": NOW + 60}), "sub"),
            (json!({"aud": [aud], "exp": NOW + 60, "sub": SUBJECT}), "aud"),
        ] {
            let header = format!("vapid t={}, k={}", key.sign(&claims), key.public_base64url());
            assert_eq!(verify_authorization(&header, ENDPOINT, NOW), Err(PushError::JwtClaim(missing)), "{claims}");
        }
    }

    #[test]
    fn keys_round_trip_through_base64url() {
        let key = VapidKey::generate();
        let secret = key.to_secret_base64url();
        assert_eq!(b64_decode(&secret).unwrap().len(), 32);
        assert!(!secret.contains('='));
        let restored = VapidKey::from_secret_base64url(&secret).unwrap();
        assert_eq!(restored.public_base64url(), key.public_base64url());
        assert_eq!(restored.to_secret_base64url(), secret);
        // What the restored key signs verifies as the original key's.
        let header = restored.authorization(ENDPOINT, SUBJECT, NOW).unwrap();
        assert_eq!(parts(&header).1, key.public_base64url());
        assert!(verify_authorization(&header, ENDPOINT, NOW).is_ok());
        assert_ne!(VapidKey::generate().to_secret_base64url(), secret);
    }

    #[test]
    fn invalid_secrets_are_refused() {
        for bad in [
            String::new(),
            "not base64!".to_owned(),
            b64_encode(&[1; 31]),
            b64_encode(&[1; 33]),
            b64_encode(&[0; 32]),
            b64_encode(&[0xff; 32]),
        ] {
            assert_eq!(VapidKey::from_secret_base64url(&bad).unwrap_err(), PushError::VapidKeyInvalid, "{bad}");
        }
    }

    #[test]
    fn debug_shows_the_public_key_only() {
        let key = VapidKey::generate();
        let debug = format!("{key:?}");
        assert!(debug.contains(&key.public_base64url()), "{debug}");
        assert!(!debug.contains(&key.to_secret_base64url()), "{debug}");
        let secret = b64_decode(&key.to_secret_base64url()).unwrap();
        assert!(!debug.contains(&format!("{secret:?}")[1..20]), "{debug}");
    }

    #[test]
    fn subjects_must_be_mailto_or_https() {
        let key = VapidKey::generate();
        for good in [SUBJECT, "https://school.example/contact"] {
            assert!(key.authorization(ENDPOINT, good, NOW).is_ok(), "{good}");
        }
        for bad in ["", "principal@school.example", "http://school.example", "mailto:"] {
            assert_eq!(key.authorization(ENDPOINT, bad, NOW), Err(PushError::VapidSubject), "{bad}");
        }
    }

    #[test]
    fn authorization_refuses_endpoints_that_are_not_urls() {
        let key = VapidKey::generate();
        assert_eq!(key.authorization("/push/1", SUBJECT, NOW), Err(PushError::EndpointNotUrl));
        assert_eq!(key.authorization("ftp://push.example.net/", SUBJECT, NOW), Err(PushError::EndpointScheme));
    }
}
