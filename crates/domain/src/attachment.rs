//! Attachments (pictures, files, voice messages): their kinds, names and limits, and who
//! may fetch one, as pure functions of loaded facts. Whether two members reach each
//! other is `access::reaches`; this builds on it.

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

/// Longest file name kept, in characters.
pub const NAME_MAX: usize = 200;
/// Longest voice message.
pub const VOICE_MAX_MS: i64 = 60_000;
/// Largest voice message accepted: an Opus recording of a minute is ~0.5 MB at the
/// bitrates browsers use; anything far bigger is not a voice message.
pub const VOICE_MAX_BYTES: u64 = 4 * 1024 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A picture campuslink could decode: shown inline, with a thumbnail.
    Image,
    /// Anything else, pictures it could not decode included: offered for download.
    File,
    /// A recorded voice message (Opus), played inline.
    Voice,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Image => "image",
            Kind::File => "file",
            Kind::Voice => "voice",
        }
    }
    pub fn parse(s: &str) -> Option<Kind> {
        match s {
            "image" => Some(Kind::Image),
            "file" => Some(Kind::File),
            "voice" => Some(Kind::Voice),
            _ => None,
        }
    }
}

/// A file's name as shown and offered on download: the last path component (browsers
/// and phones sometimes send a path), in NFC, without control characters or the
/// characters Windows forbids in names, at most `NAME_MAX` characters keeping the
/// extension. Empty after that: `Required`.
pub fn file_name(raw: &str) -> Result<String, crate::Invalid> {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String =
        last.nfc().filter(|c| !c.is_control() && !matches!(c, '<' | '>' | ':' | '"' | '|' | '?' | '*')).collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim().to_owned();
    if cleaned.is_empty() {
        return Err(crate::Invalid::Required);
    }
    if cleaned.chars().count() <= NAME_MAX {
        return Ok(cleaned);
    }
    // Keep a short extension: "report….pdf" still opens with the right program.
    let ext: String = match cleaned.rsplit_once('.') {
        Some((_, e)) if !e.is_empty() && e.chars().count() <= 10 => format!(".{e}"),
        _ => String::new(),
    };
    let keep = NAME_MAX - ext.chars().count() - 1;
    Ok(format!("{}…{ext}", cleaned.chars().take(keep).collect::<String>()))
}

/// A declared content type, lowercased and without parameters, if it is one
/// (`type/subtype` of token characters); otherwise `None`.
pub fn content_type(raw: &str) -> Option<String> {
    let essence = raw.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    let (t, s) = essence.split_once('/')?;
    let token = |x: &str| {
        !x.is_empty() && x.len() <= 100 && x.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b))
    };
    (token(t) && token(s)).then_some(essence)
}

/// What is known when someone asks for an attachment's bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FetchFacts {
    /// The asker is a current member of the attachment's conversation.
    pub current_member: bool,
    /// The attachment was sent in a message inside the asker's window.
    pub sees_message: bool,
    /// The asker uploaded it and it is not sent yet (their own preview).
    pub own_unsent: bool,
    /// For a direct chat: the two people still reach each other. `true` for groups.
    pub peer_reachable: bool,
    /// The message was recalled (or the upload discarded).
    pub removed: bool,
}

/// Who may fetch an attachment: only someone in the conversation now. A member who
/// left or was removed keeps the text of what they received, not the files; in a
/// direct chat whose two people no longer reach each other (a campus removed from the
/// interconnection, a member no longer exposed) neither can fetch its files. A recalled
/// attachment is gone for everyone. A refusal looks like absence (404).
pub fn may_fetch(f: FetchFacts) -> bool {
    crate::chat::still_open(f.current_member, f.peer_reachable, f.removed) && (f.sees_message || f.own_unsent)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Invalid;

    #[test]
    fn names_lose_paths_and_unsafe_characters() {
        assert_eq!(file_name("C:\\Users\\陳\\課程表.pdf").as_deref(), Ok("課程表.pdf"));
        assert_eq!(file_name("../../etc/passwd").as_deref(), Ok("passwd"));
        assert_eq!(file_name("a\u{0}b?.txt").as_deref(), Ok("ab.txt"));
        assert_eq!(file_name(".hidden").as_deref(), Ok("hidden"));
        assert_eq!(file_name("  "), Err(Invalid::Required));
        assert_eq!(file_name("dir/"), Err(Invalid::Required));
        let long = format!("{}.pdf", "字".repeat(300));
        let cut = file_name(&long).unwrap();
        assert_eq!(cut.chars().count(), NAME_MAX);
        assert!(cut.ends_with("….pdf"), "{cut}");
    }

    #[test]
    fn content_types_are_checked() {
        assert_eq!(content_type("Image/JPEG; charset=x").as_deref(), Some("image/jpeg"));
        assert_eq!(content_type("audio/webm;codecs=opus").as_deref(), Some("audio/webm"));
        assert_eq!(content_type("text/html<script>"), None);
        assert_eq!(content_type("nonsense"), None);
        assert_eq!(content_type(""), None);
    }

    /// Fetching, as a table over every combination of the facts.
    #[test]
    fn who_may_fetch() {
        for bits in 0..32u8 {
            let f = FetchFacts {
                current_member: bits & 1 != 0,
                sees_message: bits & 2 != 0,
                own_unsent: bits & 4 != 0,
                peer_reachable: bits & 8 != 0,
                removed: bits & 16 != 0,
            };
            let want = f.current_member && f.peer_reachable && !f.removed && (f.sees_message || f.own_unsent);
            assert_eq!(may_fetch(f), want, "{f:?}");
        }
        let base = FetchFacts {
            current_member: true,
            sees_message: true,
            own_unsent: false,
            peer_reachable: true,
            removed: false,
        };
        assert!(may_fetch(base));
        assert!(!may_fetch(FetchFacts { current_member: false, ..base }), "left the group");
        assert!(!may_fetch(FetchFacts { peer_reachable: false, ..base }), "campus removed");
        assert!(!may_fetch(FetchFacts { removed: true, ..base }), "recalled");
        assert!(!may_fetch(FetchFacts { sees_message: false, ..base }), "sent before joining");
    }
}
