//! Web Push for campuslink, the pure part: the server's VAPID identity (RFC 8292), message
//! encryption with the aes128gcm content coding (RFC 8291 over RFC 8188), validation of a
//! browser's subscription, and the request headers (RFC 8030). No I/O and no clock: the
//! caller sends the bytes and passes the time in.
//!
//! The user agent's side (`decrypt`, `generate_ua_keys`) and the push service's side
//! (`verify_authorization`) are here too, so campuslink's tests can run a real push
//! endpoint in-process that checks and reads what the server sent.

mod ece;
mod error;
mod headers;
mod subscription;
mod vapid;

pub use ece::{MAX_PAYLOAD, decrypt, encrypt, encrypt_with, generate_ua_keys};
pub use error::PushError;
pub use headers::{PushHeaders, Urgency, headers};
pub use subscription::{MAX_ENDPOINT_LEN, Subscription, parse_subscription};
pub use vapid::{VapidKey, verify_authorization};

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

/// base64url as Web Push writes it: no padding out; padding tolerated in, since some
/// clients (older libraries, hand-copied keys) pad.
const B64URL: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_encode_padding(false).with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

fn b64_encode(bytes: &[u8]) -> String {
    B64URL.encode(bytes)
}

fn b64_decode(s: &str) -> Option<Vec<u8>> {
    B64URL.decode(s).ok()
}

/// A public key as Web Push writes it everywhere: the 65-byte uncompressed SEC1 point.
fn uncompressed(key: &p256::PublicKey) -> [u8; 65] {
    use p256::elliptic_curve::sec1::ToEncodedPoint;
    let mut out = [0u8; 65];
    // An uncompressed P-256 point is 65 bytes by definition, so the lengths always match.
    out.copy_from_slice(key.to_encoded_point(false).as_bytes());
    out
}
