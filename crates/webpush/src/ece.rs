//! Push message encryption (RFC 8291) in the aes128gcm content coding (RFC 8188): the
//! application server's side, `encrypt`, and the user agent's, `decrypt`. A push body is
//! always one record, so only that case is built and read (RFC 8291 §4).

use crate::{PushError, Subscription, uncompressed};
use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes128Gcm, Nonce};
use hkdf::Hkdf;
use p256::{FieldBytes, PublicKey, SecretKey, ecdh};
use rand_core::{OsRng, RngCore};
use sha2::Sha256;

/// The `rs` written in the header. It only bounds the record, and the one record we write
/// is never longer; 4096 is what RFC 8291's example writes.
const RECORD_SIZE: u32 = 4096;
/// salt (16) ‖ rs (4) ‖ idlen (1) ‖ keyid = the sender's public key (65).
const HEADER_LEN: usize = 16 + 4 + 1 + 65;
const TAG_LEN: usize = 16;
/// RFC 8188 §2.1: a record must have room for the delimiter and the tag.
const MIN_RECORD_SIZE: u32 = 18;
/// The last (here: only) record's padding delimiter (RFC 8188 §2).
const LAST_RECORD: u8 = 0x02;

/// The longest payload that fits: push services need only accept a 4,096-byte body
/// (RFC 8030 §7.2), and header, delimiter and tag take 103 of it (RFC 8291 §4).
pub const MAX_PAYLOAD: usize = 4096 - HEADER_LEN - 1 - TAG_LEN;

/// Encrypts `payload` to the subscription with a fresh ephemeral key and salt, as one
/// record padded only with the delimiter. Refuses payloads over [`MAX_PAYLOAD`] bytes.
pub fn encrypt(sub: &Subscription, payload: &[u8]) -> Result<Vec<u8>, PushError> {
    let as_private: [u8; 32] = SecretKey::random(&mut OsRng).to_bytes().into();
    let mut salt = [0u8; 16];
    OsRng.fill_bytes(&mut salt);
    encrypt_with(sub, payload, &as_private, &salt)
}

/// [`encrypt`] with the ephemeral private key and salt given, for known-answer tests.
/// Both must be fresh for every message in real use: reusing them reuses the AES-GCM key
/// and nonce.
pub fn encrypt_with(
    sub: &Subscription,
    payload: &[u8],
    as_private: &[u8; 32],
    salt: &[u8; 16],
) -> Result<Vec<u8>, PushError> {
    if payload.len() > MAX_PAYLOAD {
        return Err(PushError::PayloadTooLarge { len: payload.len() });
    }
    let mut record = Vec::with_capacity(payload.len() + 1 + TAG_LEN);
    record.extend_from_slice(payload);
    record.push(LAST_RECORD);
    seal(sub, &record, as_private, salt)
}

/// Encrypts one record's plaintext (payload, delimiter and any padding) and writes the
/// body. Separate from `encrypt_with` so tests can build malformed records.
fn seal(sub: &Subscription, record: &[u8], as_private: &[u8; 32], salt: &[u8; 16]) -> Result<Vec<u8>, PushError> {
    let as_secret = SecretKey::from_bytes(&FieldBytes::from(*as_private)).map_err(|_| PushError::PrivateKeyInvalid)?;
    // `Subscription`'s fields are public, so one may not have come through
    // `parse_subscription`: check the point again rather than encrypt to a bad one.
    let ua_public = PublicKey::from_sec1_bytes(&sub.p256dh).map_err(|_| PushError::P256dhNotOnCurve)?;
    let as_public = uncompressed(&as_secret.public_key());

    let shared = ecdh::diffie_hellman(as_secret.to_nonzero_scalar(), ua_public.as_affine());
    let keys = ContentKeys::derive(&shared, &sub.auth, &sub.p256dh, &as_public, salt);
    let ciphertext = keys
        .cipher()
        .encrypt(Nonce::from_slice(&keys.nonce), record)
        // AES-GCM only refuses inputs of gigabytes.
        .map_err(|_| PushError::PayloadTooLarge { len: record.len() })?;

    let mut body = Vec::with_capacity(HEADER_LEN + ciphertext.len());
    body.extend_from_slice(salt);
    body.extend_from_slice(&RECORD_SIZE.to_be_bytes());
    body.push(as_public.len() as u8);
    body.extend_from_slice(&as_public);
    body.extend_from_slice(&ciphertext);
    Ok(body)
}

/// The user agent's side: reads an aes128gcm push body with the subscription's private key
/// and auth secret. Checks the header (key id length and point, record size) before
/// decrypting, and the padding delimiter after.
pub fn decrypt(ua_private: &[u8; 32], auth: &[u8; 16], body: &[u8]) -> Result<Vec<u8>, PushError> {
    let Some((salt, rest)) = body.split_first_chunk::<16>() else { return Err(PushError::BodyTooShort) };
    let Some((rs, rest)) = rest.split_first_chunk::<4>() else { return Err(PushError::BodyTooShort) };
    let Some((&idlen, rest)) = rest.split_first() else { return Err(PushError::BodyTooShort) };
    // RFC 8291 §4: the key id is the sender's uncompressed P-256 key, nothing else.
    if idlen != 65 {
        return Err(PushError::KeyId);
    }
    let Some((keyid, record)) = rest.split_first_chunk::<65>() else { return Err(PushError::BodyTooShort) };
    if record.len() < 1 + TAG_LEN {
        return Err(PushError::BodyTooShort);
    }
    let rs = u32::from_be_bytes(*rs);
    // A record longer than rs means the body holds several, which Web Push never sends.
    if rs < MIN_RECORD_SIZE || record.len() > rs as usize {
        return Err(PushError::RecordSize);
    }

    let ua_secret = SecretKey::from_bytes(&FieldBytes::from(*ua_private)).map_err(|_| PushError::PrivateKeyInvalid)?;
    let as_public = PublicKey::from_sec1_bytes(keyid).map_err(|_| PushError::KeyId)?;
    let ua_public = uncompressed(&ua_secret.public_key());

    let shared = ecdh::diffie_hellman(ua_secret.to_nonzero_scalar(), as_public.as_affine());
    let keys = ContentKeys::derive(&shared, auth, &ua_public, keyid, salt);
    let mut plain =
        keys.cipher().decrypt(Nonce::from_slice(&keys.nonce), record).map_err(|_| PushError::DecryptFailed)?;

    // RFC 8188 §2: the data, then the delimiter, then any number of zeros.
    let delimiter = plain.iter().rposition(|&b| b != 0).ok_or(PushError::PaddingDelimiter)?;
    if plain[delimiter] != LAST_RECORD {
        return Err(PushError::PaddingDelimiter);
    }
    plain.truncate(delimiter);
    Ok(plain)
}

/// A user agent's key pair, as a browser makes one per subscription: the 32-byte private
/// scalar and the 65-byte uncompressed public point (the subscription's `p256dh`).
pub fn generate_ua_keys() -> ([u8; 32], [u8; 65]) {
    let secret = SecretKey::random(&mut OsRng);
    (secret.to_bytes().into(), uncompressed(&secret.public_key()))
}

/// The AES-128-GCM key and nonce for one message.
struct ContentKeys {
    cek: [u8; 16],
    nonce: [u8; 12],
}

impl ContentKeys {
    /// RFC 8291 §3.3–3.4 and RFC 8188 §2.2. The auth secret and both public keys enter the
    /// key, so only the subscription's holder can read the message and the key is bound to
    /// this sender and receiver.
    fn derive(
        shared: &ecdh::SharedSecret,
        auth: &[u8; 16],
        ua_public: &[u8; 65],
        as_public: &[u8; 65],
        salt: &[u8; 16],
    ) -> ContentKeys {
        let prk_key = Hkdf::<Sha256>::new(Some(auth), shared.raw_secret_bytes());
        let mut ikm = [0u8; 32];
        expand(&prk_key, &[b"WebPush: info\0", ua_public, as_public], &mut ikm);

        let prk = Hkdf::<Sha256>::new(Some(salt), &ikm);
        let mut keys = ContentKeys { cek: [0; 16], nonce: [0; 12] };
        expand(&prk, &[b"Content-Encoding: aes128gcm\0"], &mut keys.cek);
        // The record's sequence number is 0, so its nonce is this one unchanged.
        expand(&prk, &[b"Content-Encoding: nonce\0"], &mut keys.nonce);
        keys
    }

    fn cipher(&self) -> Aes128Gcm {
        Aes128Gcm::new(&self.cek.into())
    }
}

fn expand(hkdf: &Hkdf<Sha256>, info: &[&[u8]], out: &mut [u8]) {
    // HKDF-Expand fails only for more than 255 hash lengths; we ask for at most 32 bytes.
    #[allow(clippy::expect_used)]
    hkdf.expand_multi_info(info, out).expect("HKDF-SHA-256 output of at most 32 bytes");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{b64_decode, parse_subscription};

    // RFC 8291 Appendix A, with the line breaks of the RFC's text removed.
    const PLAINTEXT: &[u8] = b"When I grow up, I want to be a watermelon";
    const AS_PRIVATE: &str = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw";
    const AS_PUBLIC: &str = "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8";
    const UA_PRIVATE: &str = "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94";
    const UA_PUBLIC: &str = "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
    const SALT: &str = "DGv6ra1nlYgDCS1FRnbzlw";
    const AUTH: &str = "BTBZMqHH6r4Tts7J_aSIgg";
    const BODY: &str = "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN";

    fn bytes<const N: usize>(b64: &str) -> [u8; N] {
        b64_decode(b64).unwrap().try_into().unwrap()
    }

    fn rfc_subscription() -> Subscription {
        parse_subscription("https://push.example.net/push/JzLQ3raZJfFBR0aqvOMsLrt54w4rJUsV", UA_PUBLIC, AUTH, false)
            .unwrap()
    }

    /// A fresh user agent: its private key and its subscription.
    fn fresh() -> ([u8; 32], Subscription) {
        let (private, public) = generate_ua_keys();
        let mut auth = [0u8; 16];
        OsRng.fill_bytes(&mut auth);
        (private, Subscription { endpoint: "https://push.example.net/x".into(), p256dh: public, auth })
    }

    #[test]
    fn rfc_8291_appendix_a_encrypts_byte_for_byte() {
        let body = encrypt_with(&rfc_subscription(), PLAINTEXT, &bytes(AS_PRIVATE), &bytes(SALT)).unwrap();
        assert_eq!(crate::b64_encode(&body), BODY);
        // The header carries the RFC's sender key, derived from its private key.
        assert_eq!(body[21..86], bytes::<65>(AS_PUBLIC));
    }

    #[test]
    fn rfc_8291_appendix_a_decrypts() {
        let body = b64_decode(BODY).unwrap();
        assert_eq!(decrypt(&bytes(UA_PRIVATE), &bytes(AUTH), &body).unwrap(), PLAINTEXT);
    }

    #[test]
    fn fresh_keys_round_trip_at_every_size_up_to_the_limit() {
        let (private, sub) = fresh();
        for len in [0, 1, 41, 1000, MAX_PAYLOAD] {
            let payload: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            let body = encrypt(&sub, &payload).unwrap();
            assert_eq!(body.len(), HEADER_LEN + len + 1 + TAG_LEN);
            assert_eq!(decrypt(&private, &sub.auth, &body).unwrap(), payload);
        }
        // The largest payload makes exactly the 4,096-byte body push services must take.
        assert_eq!(encrypt(&sub, &[0; MAX_PAYLOAD]).unwrap().len(), 4096);
        assert_eq!(MAX_PAYLOAD, 3993);
    }

    #[test]
    fn payloads_over_the_limit_are_refused() {
        let (_, sub) = fresh();
        assert_eq!(encrypt(&sub, &[0; MAX_PAYLOAD + 1]), Err(PushError::PayloadTooLarge { len: MAX_PAYLOAD + 1 }));
    }

    #[test]
    fn every_message_has_its_own_salt_and_key() {
        let (private, sub) = fresh();
        let a = encrypt(&sub, b"same").unwrap();
        let b = encrypt(&sub, b"same").unwrap();
        assert_ne!(a[..16], b[..16], "salt");
        assert_ne!(a[21..86], b[21..86], "ephemeral key");
        assert_ne!(a[86..], b[86..], "ciphertext");
        assert_eq!(decrypt(&private, &sub.auth, &a).unwrap(), decrypt(&private, &sub.auth, &b).unwrap());
    }

    #[test]
    fn the_wrong_auth_secret_or_private_key_does_not_decrypt() {
        let (private, sub) = fresh();
        let body = encrypt(&sub, b"principal: staff meeting at 3").unwrap();
        let mut auth = sub.auth;
        auth[0] ^= 1;
        assert_eq!(decrypt(&private, &auth, &body), Err(PushError::DecryptFailed));
        let (other, _) = generate_ua_keys();
        assert_eq!(decrypt(&other, &sub.auth, &body), Err(PushError::DecryptFailed));
    }

    #[test]
    fn any_flipped_byte_is_detected() {
        let (private, sub) = fresh();
        let body = encrypt(&sub, b"principal: staff meeting at 3").unwrap();
        for i in 0..body.len() {
            // rs is not authenticated in aes128gcm; a larger one still fits the one record.
            if (16..20).contains(&i) {
                continue;
            }
            let mut altered = body.clone();
            altered[i] ^= 0x01;
            let err = decrypt(&private, &sub.auth, &altered).unwrap_err();
            match i {
                20 => assert_eq!(err, PushError::KeyId),
                // A changed sender key is usually off the curve, otherwise another key.
                21..86 => assert!(matches!(err, PushError::KeyId | PushError::DecryptFailed), "{i}: {err}"),
                _ => assert_eq!(err, PushError::DecryptFailed, "byte {i}"),
            }
        }
    }

    #[test]
    fn truncated_bodies_are_refused() {
        let (private, sub) = fresh();
        let body = encrypt(&sub, b"principal: staff meeting at 3").unwrap();
        for len in [0, 15, 20, 21, 85, 86, HEADER_LEN + TAG_LEN] {
            assert_eq!(decrypt(&private, &sub.auth, &body[..len]), Err(PushError::BodyTooShort), "{len}");
        }
        assert_eq!(decrypt(&private, &sub.auth, &body[..body.len() - 1]), Err(PushError::DecryptFailed));
        assert_eq!(decrypt(&private, &sub.auth, &body[..HEADER_LEN + TAG_LEN + 1]), Err(PushError::DecryptFailed));
    }

    #[test]
    fn record_sizes_too_small_or_shorter_than_the_record_are_refused() {
        let (private, sub) = fresh();
        let body = encrypt(&sub, b"principal: staff meeting at 3").unwrap();
        let record_len = (body.len() - HEADER_LEN) as u32;
        let with_rs = |rs: u32| {
            let mut b = body.clone();
            b[16..20].copy_from_slice(&rs.to_be_bytes());
            decrypt(&private, &sub.auth, &b)
        };
        for rs in [0, 17, record_len - 1] {
            assert_eq!(with_rs(rs), Err(PushError::RecordSize), "rs {rs}");
        }
        assert!(with_rs(record_len).is_ok());
        assert!(with_rs(u32::MAX).is_ok());

        // An empty payload's record (delimiter and tag) fits rs 17, below RFC 8188's minimum.
        let mut empty = encrypt(&sub, b"").unwrap();
        assert_eq!(empty.len() - HEADER_LEN, 17);
        empty[16..20].copy_from_slice(&17u32.to_be_bytes());
        assert_eq!(decrypt(&private, &sub.auth, &empty), Err(PushError::RecordSize));
        empty[16..20].copy_from_slice(&18u32.to_be_bytes());
        assert_eq!(decrypt(&private, &sub.auth, &empty).unwrap(), b"");
    }

    #[test]
    fn a_key_id_that_is_not_a_p256_key_is_refused() {
        let (private, sub) = fresh();
        let mut body = encrypt(&sub, b"hello").unwrap();
        body[20] = 64;
        assert_eq!(decrypt(&private, &sub.auth, &body), Err(PushError::KeyId));
    }

    #[test]
    fn records_without_the_last_record_delimiter_are_refused() {
        let (private, sub) = fresh();
        let salt = [9u8; 16];
        let as_private = generate_ua_keys().0;
        let sealed = |record: &[u8]| decrypt(&private, &sub.auth, &seal(&sub, record, &as_private, &salt).unwrap());
        assert_eq!(sealed(b"hello"), Err(PushError::PaddingDelimiter));
        // 0x01 closes a record that is not the last: a one-record body must not use it.
        assert_eq!(sealed(b"hello\x01"), Err(PushError::PaddingDelimiter));
        assert_eq!(sealed(b"hello\x01\0\0"), Err(PushError::PaddingDelimiter));
        assert_eq!(sealed(&[0; 8]), Err(PushError::PaddingDelimiter));
        // Not even a delimiter: the record is the tag alone.
        assert_eq!(sealed(b""), Err(PushError::BodyTooShort));
        // Zero padding after the delimiter is RFC 8188's, and is removed.
        assert_eq!(sealed(b"hello\x02\0\0\0").unwrap(), b"hello");
        assert_eq!(sealed(b"hel\0lo\0\x02").unwrap(), b"hel\0lo\0");
    }

    #[test]
    fn invalid_private_keys_and_points_are_errors() {
        let (private, sub) = fresh();
        let salt = [1u8; 16];
        // Zero and the all-ones value (above the group order) are not private keys.
        for bad in [[0u8; 32], [0xff; 32]] {
            assert_eq!(encrypt_with(&sub, b"x", &bad, &salt), Err(PushError::PrivateKeyInvalid));
            let body = encrypt(&sub, b"x").unwrap();
            assert_eq!(decrypt(&bad, &sub.auth, &body), Err(PushError::PrivateKeyInvalid));
        }
        let mut off_curve = sub.clone();
        off_curve.p256dh[64] ^= 1;
        assert_eq!(encrypt(&off_curve, b"x"), Err(PushError::P256dhNotOnCurve));
        assert!(decrypt(&private, &sub.auth, &encrypt(&sub, b"x").unwrap()).is_ok());
    }
}
