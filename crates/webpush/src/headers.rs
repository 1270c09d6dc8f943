//! The headers of the POST to a push endpoint besides `Authorization` (RFC 8030 §5,
//! RFC 8291 §4). Names are lowercase, as HTTP/2 writes them and `http::HeaderName`
//! requires for its constant names; HTTP/1.1 servers compare them case-insensitively.

use crate::PushError;

/// RFC 8030 §5.3: how soon the user agent wants the message, which decides whether a
/// push service wakes a phone on battery for it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Urgency {
    VeryLow,
    Low,
    /// What a push service assumes when the header is absent.
    #[default]
    Normal,
    High,
}

impl Urgency {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::VeryLow => "very-low",
            Self::Low => "low",
            Self::Normal => "normal",
            Self::High => "high",
        }
    }
}

/// The per-message choices of a push request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PushHeaders {
    /// How long the push service keeps the message for an offline device; 0 means
    /// "deliver now or drop".
    pub ttl_seconds: u32,
    pub urgency: Urgency,
    /// A message with the same topic replaces an undelivered earlier one, so a chat's
    /// burst reaches a phone that was off as one notification.
    pub topic: Option<String>,
}

/// RFC 8030 §5.4.
const MAX_TOPIC_LEN: usize = 32;

/// The headers for a push request carrying a body from [`crate::encrypt`]: `content-encoding`,
/// `ttl`, `urgency`, and `topic` when there is one. Refuses a topic that is empty, longer
/// than 32 characters, or outside the base64url alphabet (RFC 8030 §5.4).
pub fn headers(h: &PushHeaders) -> Result<Vec<(&'static str, String)>, PushError> {
    let mut out = vec![
        ("content-encoding", "aes128gcm".to_owned()),
        ("ttl", h.ttl_seconds.to_string()),
        ("urgency", h.urgency.as_str().to_owned()),
    ];
    if let Some(topic) = &h.topic {
        let base64url = |c: u8| c.is_ascii_alphanumeric() || c == b'-' || c == b'_';
        if topic.is_empty() || topic.len() > MAX_TOPIC_LEN || !topic.bytes().all(base64url) {
            return Err(PushError::Topic);
        }
        out.push(("topic", topic.clone()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_topic(topic: Option<&str>) -> Result<Vec<(&'static str, String)>, PushError> {
        headers(&PushHeaders { ttl_seconds: 86_400, urgency: Urgency::High, topic: topic.map(str::to_owned) })
    }

    #[test]
    fn headers_carry_encoding_ttl_urgency_and_topic() {
        assert_eq!(
            with_topic(Some("chat-0194c2f1_7b")).unwrap(),
            vec![
                ("content-encoding", "aes128gcm".to_owned()),
                ("ttl", "86400".to_owned()),
                ("urgency", "high".to_owned()),
                ("topic", "chat-0194c2f1_7b".to_owned()),
            ]
        );
        let plain = headers(&PushHeaders { ttl_seconds: 0, urgency: Urgency::default(), topic: None }).unwrap();
        assert_eq!(
            plain,
            vec![
                ("content-encoding", "aes128gcm".to_owned()),
                ("ttl", "0".to_owned()),
                ("urgency", "normal".to_owned())
            ]
        );
    }

    #[test]
    fn urgencies_are_rfc_8030_tokens() {
        let all = [Urgency::VeryLow, Urgency::Low, Urgency::Normal, Urgency::High].map(Urgency::as_str);
        assert_eq!(all, ["very-low", "low", "normal", "high"]);
    }

    #[test]
    fn topics_are_at_most_32_base64url_characters() {
        assert!(with_topic(Some(&"A".repeat(32))).is_ok());
        assert!(with_topic(Some("aZ09-_")).is_ok());
        for bad in ["", &"A".repeat(33), "chat 1", "chat/1", "chat+1", "chat=", "chät", "chat.1"] {
            assert_eq!(with_topic(Some(bad)), Err(PushError::Topic), "{bad:?}");
        }
    }
}
