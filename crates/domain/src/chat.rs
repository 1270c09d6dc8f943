//! Conversation rules (E2, E3, G1, C1): who may start, add, send, recall and read, as
//! pure functions of loaded facts. Whether one member reaches another is
//! `access::reaches`; these rules build on it and never decide visibility themselves.

use crate::ids::{CampusId, MemberId};
use serde::{Deserialize, Serialize};
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

/// Longest message text, in characters.
pub const TEXT_MAX: usize = 5000;
/// Longest client id of a send.
pub const CLIENT_ID_MAX: usize = 64;
/// Longest group name, in characters.
pub const GROUP_NAME_MAX: usize = 60;
/// Longest group announcement (群公告), in characters.
pub const ANNOUNCEMENT_MAX: usize = 2000;
/// Most different reactions one member puts on one message.
pub const REACTIONS_PER_MEMBER: usize = 10;
/// Most messages forwarded at once.
pub const FORWARD_MAX: usize = 20;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Direct,
    Group,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Direct => "direct",
            Kind::Group => "group",
        }
    }
    pub fn parse(s: &str) -> Option<Kind> {
        match s {
            "direct" => Some(Kind::Direct),
            "group" => Some(Kind::Group),
            _ => None,
        }
    }
}

/// Why a conversation step is refused. Each is a stable error code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ChatRefusal {
    /// The conversation is read-only for the caller: a direct chat whose two people no
    /// longer reach each other, a group they were removed from, or a dissolved group.
    ReadOnly,
    NotOwner,
    GroupTooLarge,
    RecallExpired,
    NotSender,
    MentionNotMember,
    WithSelf,
    ClientIdReused,
    /// Bureau officers belong to no campus and have no conversations.
    BureauCannotChat,
    /// A group step on a direct chat (rename, add, transfer…).
    NotGroup,
    /// The owner must hand the group to someone else before leaving it.
    OwnerCannotLeave,
    /// A member already put `REACTIONS_PER_MEMBER` reactions on the message.
    TooManyReactions,
}

impl ChatRefusal {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ReadOnly => "conversation_read_only",
            Self::NotOwner => "not_group_owner",
            Self::GroupTooLarge => "group_too_large",
            Self::RecallExpired => "recall_expired",
            Self::NotSender => "not_sender",
            Self::MentionNotMember => "mention_not_member",
            Self::WithSelf => "cannot_chat_with_self",
            Self::ClientIdReused => "client_id_reused",
            Self::BureauCannotChat => "bureau_cannot_chat",
            Self::NotGroup => "not_a_group",
            Self::OwnerCannotLeave => "owner_cannot_leave",
            Self::TooManyReactions => "too_many_reactions",
        }
    }
}

/// A message's text: not blank, at most `TEXT_MAX` characters, in NFC, with no control
/// characters but line breaks and tabs.
pub fn message_text(raw: &str) -> Result<String, crate::Invalid> {
    // Most text arrives already composed, and a quick check says so without a copy.
    let text: String = if !raw.contains('\r') && is_nfc_quick(raw.chars()) == IsNormalized::Yes {
        raw.to_owned()
    } else {
        raw.replace("\r\n", "\n").nfc().collect()
    };
    if text.trim().is_empty() {
        return Err(crate::Invalid::Required);
    }
    if text.chars().count() > TEXT_MAX {
        return Err(crate::Invalid::TooLong);
    }
    if text.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\t')) {
        return Err(crate::Invalid::InvalidFormat);
    }
    Ok(text)
}

/// A client's id for one send: 1–64 visible ASCII characters.
pub fn client_id(raw: &str) -> Result<String, crate::Invalid> {
    if raw.is_empty() {
        return Err(crate::Invalid::Required);
    }
    if raw.len() > CLIENT_ID_MAX {
        return Err(crate::Invalid::TooLong);
    }
    if !raw.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(crate::Invalid::InvalidFormat);
    }
    Ok(raw.to_owned())
}

/// A group announcement (群公告): at most `ANNOUNCEMENT_MAX` characters, in NFC, line
/// breaks kept; empty (after trimming) clears it.
pub fn announcement_text(raw: &str) -> Result<String, crate::Invalid> {
    let text: String = raw.replace("\r\n", "\n").nfc().collect();
    let text = text.trim().to_owned();
    if text.chars().count() > ANNOUNCEMENT_MAX {
        return Err(crate::Invalid::TooLong);
    }
    if text.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\t')) {
        return Err(crate::Invalid::InvalidFormat);
    }
    Ok(text)
}

/// A reaction: one emoji (with its skin tone, variation selector, or a ZWJ sequence
/// like 👩‍🏫), at most 8 code points. Letters, words and other symbols are not emoji.
pub fn reaction(raw: &str) -> Result<String, crate::Invalid> {
    let chars: Vec<char> = raw.chars().collect();
    if chars.is_empty() {
        return Err(crate::Invalid::Required);
    }
    if chars.len() > 8 {
        return Err(crate::Invalid::TooLong);
    }
    let keycap = chars.contains(&'\u{20E3}');
    let pictographic = |c: char| {
        matches!(c as u32,
            0x1F000..=0x1FAFF | 0x2600..=0x27BF | 0x2B00..=0x2BFF | 0x2300..=0x23FF | 0x2190..=0x21FF
            | 0x25A0..=0x25FF | 0x2934 | 0x2935 | 0x3030 | 0x303D | 0x3297 | 0x3299 | 0x00A9 | 0x00AE
            | 0x203C | 0x2049 | 0x2122 | 0x2139)
    };
    let joiner = |c: char| matches!(c as u32, 0x200D | 0xFE0F | 0x20E3 | 0xE0020..=0xE007F);
    let ok = chars.iter().all(|&c| pictographic(c) || joiner(c) || (keycap && matches!(c, '0'..='9' | '#' | '*')));
    if !ok || !chars.iter().any(|&c| pictographic(c) || keycap) {
        return Err(crate::Invalid::InvalidFormat);
    }
    Ok(raw.to_owned())
}

/// Another reaction by a member who has `already` on this message.
pub fn may_react(already: usize) -> Result<(), ChatRefusal> {
    if already >= REACTIONS_PER_MEMBER { Err(ChatRefusal::TooManyReactions) } else { Ok(()) }
}

/// Whether a forwarded copy may name its original sender: only when everyone now in
/// the conversation it goes to reaches that person (`access::reaches`), so forwarding
/// never tells anyone of a member they could not find themselves. Otherwise the copy
/// says only that it was forwarded.
pub fn forward_names_sender(reached_by_each_member: impl IntoIterator<Item = bool>) -> bool {
    reached_by_each_member.into_iter().all(|r| r)
}

/// A group's name: may be empty (the app then names it after its members).
pub fn group_name(raw: &str) -> Result<String, crate::Invalid> {
    crate::values::optional_text(&raw.nfc().collect::<String>(), GROUP_NAME_MAX)
}

/// The default name of a new group: its first members' names, joined with "、".
pub fn default_group_name<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    let names: Vec<&str> = names.into_iter().filter(|n| !n.is_empty()).collect();
    let mut out = names.iter().take(3).copied().collect::<Vec<_>>().join("、");
    if names.len() > 3 {
        out.push('…');
    }
    out.chars().take(GROUP_NAME_MAX).collect()
}

/// The key that makes a direct chat between two members unique, whichever starts it.
pub fn direct_key(a: MemberId, b: MemberId) -> String {
    let (lo, hi) = if a < b { (a, b) } else { (b, a) };
    format!("{lo}:{hi}")
}

/// Whether a member may post in a conversation. `reachable_peer` is, for a direct chat,
/// whether the two still reach each other (`access::reaches` both ways).
pub fn may_send(kind: Kind, is_current_member: bool, dissolved: bool, reachable_peer: bool) -> Result<(), ChatRefusal> {
    if !is_current_member || dissolved {
        return Err(ChatRefusal::ReadOnly);
    }
    if kind == Kind::Direct && !reachable_peer {
        return Err(ChatRefusal::ReadOnly);
    }
    Ok(())
}

/// Recall (撤回): only the sender, within `window_ms` of sending.
pub fn may_recall(
    caller: MemberId,
    sender: Option<MemberId>,
    sent_at: i64,
    now: i64,
    window_ms: i64,
) -> Result<(), ChatRefusal> {
    if sender != Some(caller) {
        return Err(ChatRefusal::NotSender);
    }
    if now - sent_at > window_ms {
        return Err(ChatRefusal::RecallExpired);
    }
    Ok(())
}

/// Whether `who` is @mentioned in a message: by name, or by @所有人.
pub fn mentioned(mentions: &[MemberId], mention_all: bool, who: MemberId) -> bool {
    mention_all || mentions.contains(&who)
}

/// Whether a message tells a member of itself (a push, a line in their e-mail digest):
/// always, but in a conversation they muted (消息免打擾) only when it mentions them.
pub fn notifies(muted: bool, mentioned: bool) -> bool {
    !muted || mentioned
}

/// Whether what a conversation holds is still open to a member: they are in it now (not
/// left, removed, or dissolved), in a direct chat the two still reach each other
/// (`access::reaches`), and the thing itself was not recalled. One who left, or whose
/// direct chat turned read-only, keeps the text they received, but neither its files
/// (`attachment::may_fetch`) nor news of it (`in_digest`).
pub fn still_open(current_member: bool, peer_reachable: bool, removed: bool) -> bool {
    current_member && peer_reachable && !removed
}

/// What is known of one message and one member when their e-mail digest is made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DigestFacts {
    /// A current member of a conversation that is not dissolved.
    pub current_member: bool,
    /// For a direct chat: the two still reach each other. `true` for groups.
    pub peer_reachable: bool,
    /// The message is inside the member's window (sent after they joined).
    pub sees_message: bool,
    /// Above the member's read position.
    pub unread: bool,
    /// Sent by the member themself.
    pub own: bool,
    /// A system message (someone joined, a call's record…).
    pub system: bool,
    pub recalled: bool,
    /// The member muted the conversation (消息免打擾).
    pub muted: bool,
    /// The message @mentions the member (or @所有人).
    pub mentioned: bool,
}

/// Whether a message goes into a member's e-mail digest: someone else's text, unread by
/// them, still open to them (`still_open`), and telling them of itself (`notifies`).
pub fn in_digest(f: DigestFacts) -> bool {
    still_open(f.current_member, f.peer_reachable, f.recalled)
        && f.sees_message
        && f.unread
        && !f.own
        && !f.system
        && notifies(f.muted, f.mentioned)
}

/// A group's size after adding `adding` members to `current`.
pub fn may_grow(current: usize, adding: usize, limit: usize) -> Result<(), ChatRefusal> {
    if current + adding > limit { Err(ChatRefusal::GroupTooLarge) } else { Ok(()) }
}

/// Who may remove `target` from a group: its owner (anyone but themself), or anyone
/// themself (leaving) — except the owner, who transfers the group first.
pub fn may_remove(caller: MemberId, owner: Option<MemberId>, target: MemberId) -> Result<(), ChatRefusal> {
    let caller_owns = owner == Some(caller);
    match (caller == target, caller_owns) {
        (true, true) => Err(ChatRefusal::OwnerCannotLeave),
        (true, false) => Ok(()),
        (false, true) => Ok(()),
        (false, false) => Err(ChatRefusal::NotOwner),
    }
}

/// Rename, transfer ownership, dissolve, @所有人: the owner's.
pub fn owner_only(caller: MemberId, owner: Option<MemberId>) -> Result<(), ChatRefusal> {
    if owner == Some(caller) { Ok(()) } else { Err(ChatRefusal::NotOwner) }
}

/// Whether a member of `campus` may be in a group whose home campus is `home`, given
/// the campuses connected to `home` (a live, published interconnection with both).
pub fn fits_group(home: CampusId, connected_to_home: &[CampusId], campus: CampusId) -> bool {
    campus == home || connected_to_home.contains(&campus)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_checked() {
        assert_eq!(message_text("  "), Err(crate::Invalid::Required));
        assert_eq!(message_text(""), Err(crate::Invalid::Required));
        assert_eq!(message_text(&"字".repeat(TEXT_MAX)).map(|t| t.chars().count()), Ok(TEXT_MAX));
        assert_eq!(message_text(&"字".repeat(TEXT_MAX + 1)), Err(crate::Invalid::TooLong));
        assert_eq!(message_text(" 開會 ").as_deref(), Ok(" 開會 "), "kept as written");
        // Composed or not, the same text is stored: "é" as e + combining acute becomes one
        // character, and a Windows line break becomes "\n".
        assert_eq!(message_text("Jose\u{301}").as_deref(), Ok("Jos\u{e9}"));
        assert_eq!(message_text("Jos\u{e9}").as_deref(), Ok("Jos\u{e9}"));
        assert_eq!(message_text("a\r\nb").as_deref(), Ok("a\nb"));
        assert_eq!(message_text("a\u{7}"), Err(crate::Invalid::InvalidFormat));
    }

    #[test]
    fn reactions_are_single_emoji() {
        for ok in ["👍", "❤️", "😂", "👩\u{200D}🏫", "👍🏽", "1\u{FE0F}\u{20E3}", "🇲🇴", "✅"] {
            assert_eq!(reaction(ok).as_deref(), Ok(ok), "{ok}");
        }
        assert_eq!(reaction(""), Err(crate::Invalid::Required));
        for bad in ["a", "好", "ok", "1", "👍 ", "\u{200D}", "<b>", "👍👍👍👍👍👍👍👍👍"] {
            assert!(reaction(bad).is_err(), "{bad:?}");
        }
        assert_eq!(may_react(REACTIONS_PER_MEMBER - 1), Ok(()));
        assert_eq!(may_react(REACTIONS_PER_MEMBER), Err(ChatRefusal::TooManyReactions));
    }

    #[test]
    fn announcements_are_checked() {
        assert_eq!(
            announcement_text("  明天早會改在禮堂。\r\n請準時。 ").as_deref(),
            Ok("明天早會改在禮堂。\n請準時。")
        );
        assert_eq!(announcement_text("   ").as_deref(), Ok(""), "clears it");
        assert_eq!(announcement_text(&"字".repeat(ANNOUNCEMENT_MAX + 1)), Err(crate::Invalid::TooLong));
        assert_eq!(announcement_text("a\u{7}"), Err(crate::Invalid::InvalidFormat));
    }

    #[test]
    fn a_forward_names_its_sender_only_to_people_who_reach_them() {
        assert!(forward_names_sender([true, true]));
        assert!(!forward_names_sender([true, false]));
        assert!(forward_names_sender([]), "nobody to tell");
    }

    #[test]
    fn client_ids_are_checked() {
        assert!(client_id("c-1").is_ok());
        assert_eq!(client_id(""), Err(crate::Invalid::Required));
        assert_eq!(client_id(&"x".repeat(65)), Err(crate::Invalid::TooLong));
        assert_eq!(client_id("a b"), Err(crate::Invalid::InvalidFormat));
        assert_eq!(client_id("中"), Err(crate::Invalid::InvalidFormat));
    }

    #[test]
    fn default_names_take_three_members() {
        assert_eq!(default_group_name(["陳大文", "李小明"]), "陳大文、李小明");
        assert_eq!(default_group_name(["甲", "乙", "丙", "丁"]), "甲、乙、丙…");
        assert_eq!(default_group_name([]), "");
    }

    #[test]
    fn direct_keys_do_not_depend_on_who_starts() {
        let (a, b) = (MemberId::new(), MemberId::new());
        assert_eq!(direct_key(a, b), direct_key(b, a));
        assert_ne!(direct_key(a, b), direct_key(a, MemberId::new()));
    }

    /// Sending, as a table over the states a conversation can be in.
    #[test]
    fn who_may_send() {
        use Kind::*;
        let cases = [
            (Direct, true, false, true, Ok(())),
            (Direct, true, false, false, Err(ChatRefusal::ReadOnly)), // no longer reach each other
            (Group, true, false, false, Ok(())),                      // the peer flag is for direct chats
            (Group, false, false, true, Err(ChatRefusal::ReadOnly)),  // removed or left
            (Group, true, true, true, Err(ChatRefusal::ReadOnly)),    // dissolved
            (Direct, false, false, true, Err(ChatRefusal::ReadOnly)),
        ];
        for (kind, member, dissolved, reach, want) in cases {
            assert_eq!(
                may_send(kind, member, dissolved, reach),
                want,
                "{kind:?} member={member} dissolved={dissolved} reach={reach}"
            );
        }
    }

    #[test]
    fn recall_is_the_senders_within_the_window() {
        let (me, other) = (MemberId::new(), MemberId::new());
        let day = 24 * 3600 * 1000;
        assert_eq!(may_recall(me, Some(me), 0, day, day), Ok(()));
        assert_eq!(may_recall(me, Some(me), 0, day + 1, day), Err(ChatRefusal::RecallExpired));
        assert_eq!(may_recall(me, Some(other), 0, 1, day), Err(ChatRefusal::NotSender));
        assert_eq!(may_recall(me, None, 0, 1, day), Err(ChatRefusal::NotSender), "system messages stay");
    }

    #[test]
    fn removing_and_leaving() {
        let (owner, m, n) = (MemberId::new(), MemberId::new(), MemberId::new());
        assert_eq!(may_remove(owner, Some(owner), m), Ok(()));
        assert_eq!(may_remove(m, Some(owner), m), Ok(()), "leaving");
        assert_eq!(may_remove(m, Some(owner), n), Err(ChatRefusal::NotOwner));
        assert_eq!(may_remove(owner, Some(owner), owner), Err(ChatRefusal::OwnerCannotLeave));
        assert_eq!(owner_only(m, Some(owner)), Err(ChatRefusal::NotOwner));
        assert_eq!(owner_only(owner, Some(owner)), Ok(()));
    }

    /// The digest, as a table over every combination of the facts.
    #[test]
    fn what_goes_into_a_digest() {
        for bits in 0..512u16 {
            let f = DigestFacts {
                current_member: bits & 1 != 0,
                peer_reachable: bits & 2 != 0,
                sees_message: bits & 4 != 0,
                unread: bits & 8 != 0,
                own: bits & 16 != 0,
                system: bits & 32 != 0,
                recalled: bits & 64 != 0,
                muted: bits & 128 != 0,
                mentioned: bits & 256 != 0,
            };
            let want = f.current_member
                && f.peer_reachable
                && f.sees_message
                && f.unread
                && !f.own
                && !f.system
                && !f.recalled
                && (!f.muted || f.mentioned);
            assert_eq!(in_digest(f), want, "{f:?}");
        }
        let base = DigestFacts {
            current_member: true,
            peer_reachable: true,
            sees_message: true,
            unread: true,
            own: false,
            system: false,
            recalled: false,
            muted: false,
            mentioned: false,
        };
        assert!(in_digest(base));
        assert!(!in_digest(DigestFacts { unread: false, ..base }), "read in time");
        assert!(!in_digest(DigestFacts { muted: true, ..base }), "muted");
        assert!(in_digest(DigestFacts { muted: true, mentioned: true, ..base }), "muted, but mentioned");
        assert!(!in_digest(DigestFacts { current_member: false, ..base }), "left the group");
        assert!(!in_digest(DigestFacts { peer_reachable: false, ..base }), "campus removed");
        assert!(!in_digest(DigestFacts { recalled: true, ..base }), "recalled");
    }

    #[test]
    fn mentions_by_name_or_everyone() {
        let (me, other) = (MemberId::new(), MemberId::new());
        assert!(mentioned(&[me], false, me));
        assert!(!mentioned(&[other], false, me));
        assert!(mentioned(&[], true, me), "@所有人");
        assert!(notifies(false, false));
        assert!(!notifies(true, false));
        assert!(notifies(true, true));
    }

    #[test]
    fn groups_have_a_limit() {
        assert_eq!(may_grow(1999, 1, 2000), Ok(()));
        assert_eq!(may_grow(1999, 2, 2000), Err(ChatRefusal::GroupTooLarge));
    }

    #[test]
    fn group_members_come_from_the_home_campus_or_one_connected_to_it() {
        let (a, b, c) = (CampusId::new(), CampusId::new(), CampusId::new());
        assert!(fits_group(a, &[], a));
        assert!(fits_group(a, &[b], b));
        assert!(!fits_group(a, &[b], c), "connected to B but not to the home campus");
    }
}
