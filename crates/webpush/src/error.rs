//! Everything that can go wrong in this crate, one variant per cause, each with a stable
//! snake_case code. Subscription errors also name the field of `PushSubscription.toJSON()`
//! they came from, so the API can point the web app at it.

/// Why a push input was refused or a push body could not be built or read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PushError {
    // --- subscription: endpoint ---
    #[error("endpoint: longer than {max} characters", max = crate::subscription::MAX_ENDPOINT_LEN)]
    EndpointTooLong,
    /// Not an absolute URL (relative, empty, or does not parse).
    #[error("endpoint: not an absolute URL")]
    EndpointNotUrl,
    /// Not `https` (and not `http` to a loopback host when that is allowed).
    #[error("endpoint: must be an https URL")]
    EndpointScheme,
    #[error("endpoint: must not contain a user name or password")]
    EndpointCredentials,
    #[error("endpoint: must not contain a fragment")]
    EndpointFragment,

    // --- subscription: keys.p256dh ---
    #[error("p256dh: not base64url")]
    P256dhEncoding,
    #[error("p256dh: not a 65-byte uncompressed P-256 point")]
    P256dhLength,
    #[error("p256dh: not a point on the P-256 curve")]
    P256dhNotOnCurve,

    // --- subscription: keys.auth ---
    #[error("auth: not base64url")]
    AuthEncoding,
    #[error("auth: not exactly 16 bytes")]
    AuthLength,

    // --- keys given to us ---
    /// A stored VAPID secret that is not base64url of a valid 32-byte P-256 scalar.
    #[error("VAPID key: not base64url of a valid P-256 private key")]
    VapidKeyInvalid,
    /// RFC 8292 §2.1: the contact must be a `mailto:` or `https:` URI (Apple refuses others).
    #[error("VAPID subject: must be a mailto: or https: URI")]
    VapidSubject,
    /// 32 bytes that are not a valid P-256 private scalar (zero, or not below the order).
    #[error("private key: not a valid P-256 scalar")]
    PrivateKeyInvalid,

    // --- encryption ---
    #[error("payload: {len} bytes, at most {max} fit one push record", max = crate::ece::MAX_PAYLOAD)]
    PayloadTooLarge { len: usize },

    // --- decryption (the user agent's side) ---
    /// Shorter than the aes128gcm header plus one tag and delimiter.
    #[error("push body: too short")]
    BodyTooShort,
    /// `rs` below RFC 8188's minimum of 18, or a record longer than `rs` (Web Push bodies
    /// are one record: RFC 8291 §4).
    #[error("push body: wrong record size")]
    RecordSize,
    /// The key id is not the sender's 65-byte P-256 public key.
    #[error("push body: key id is not a P-256 public key")]
    KeyId,
    /// The AEAD tag does not verify: wrong keys, wrong auth secret, or altered bytes.
    #[error("push body: does not decrypt")]
    DecryptFailed,
    /// The plaintext does not end in the last-record delimiter 0x02 (before zero padding).
    #[error("push body: missing padding delimiter")]
    PaddingDelimiter,

    // --- headers ---
    /// RFC 8030 §5.4: 1 to 32 characters of the base64url alphabet.
    #[error("topic: 1 to 32 base64url characters")]
    Topic,

    // --- verifying an Authorization header (the push service's side) ---
    /// Not `vapid t=<jwt>, k=<key>`.
    #[error("authorization: not `vapid t=…, k=…`")]
    AuthorizationFormat,
    /// `k` is not base64url of an uncompressed P-256 point.
    #[error("authorization: k is not a P-256 public key")]
    VapidPublicKey,
    /// Not three base64url segments, header or claims not JSON, or `alg` not ES256.
    #[error("authorization: malformed JWT")]
    JwtFormat,
    #[error("authorization: JWT signature does not verify")]
    JwtSignature,
    /// A claim that is missing or of the wrong type.
    #[error("authorization: JWT claim {0} missing or malformed")]
    JwtClaim(&'static str),
    #[error("authorization: JWT audience is not the endpoint's origin")]
    JwtAudience,
    #[error("authorization: JWT expired")]
    JwtExpired,
    /// RFC 8292 §2: `exp` must be no more than 24 hours after the request.
    #[error("authorization: JWT expires more than 24 hours ahead")]
    JwtTooFarAhead,
}

impl PushError {
    /// The stable code the API sends and the web app translates.
    pub fn code(&self) -> &'static str {
        match self {
            Self::EndpointTooLong => "endpoint_too_long",
            Self::EndpointNotUrl => "endpoint_not_url",
            Self::EndpointScheme => "endpoint_scheme",
            Self::EndpointCredentials => "endpoint_credentials",
            Self::EndpointFragment => "endpoint_fragment",
            Self::P256dhEncoding => "p256dh_encoding",
            Self::P256dhLength => "p256dh_length",
            Self::P256dhNotOnCurve => "p256dh_not_on_curve",
            Self::AuthEncoding => "auth_encoding",
            Self::AuthLength => "auth_length",
            Self::VapidKeyInvalid => "vapid_key_invalid",
            Self::VapidSubject => "vapid_subject",
            Self::PrivateKeyInvalid => "private_key_invalid",
            Self::PayloadTooLarge { .. } => "payload_too_large",
            Self::BodyTooShort => "body_too_short",
            Self::RecordSize => "record_size",
            Self::KeyId => "key_id",
            Self::DecryptFailed => "decrypt_failed",
            Self::PaddingDelimiter => "padding_delimiter",
            Self::Topic => "topic",
            Self::AuthorizationFormat => "authorization_format",
            Self::VapidPublicKey => "vapid_public_key",
            Self::JwtFormat => "jwt_format",
            Self::JwtSignature => "jwt_signature",
            Self::JwtClaim(_) => "jwt_claim",
            Self::JwtAudience => "jwt_audience",
            Self::JwtExpired => "jwt_expired",
            Self::JwtTooFarAhead => "jwt_too_far_ahead",
        }
    }

    /// The subscription field (as `PushSubscription.toJSON()` names it) this error is
    /// about, for a subscription error; `None` for the others.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Self::EndpointTooLong
            | Self::EndpointNotUrl
            | Self::EndpointScheme
            | Self::EndpointCredentials
            | Self::EndpointFragment => Some("endpoint"),
            Self::P256dhEncoding | Self::P256dhLength | Self::P256dhNotOnCurve => Some("p256dh"),
            Self::AuthEncoding | Self::AuthLength => Some("auth"),
            _ => None,
        }
    }
}
