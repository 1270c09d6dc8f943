//! Directory search that works for Chinese, Portuguese (with or without accents) and
//! English, on SQLite and PostgreSQL alike.
//!
//! A member's searchable text becomes a set of tokens: every Latin/digit word folded
//! (lowercase, accents removed: "João" → "joao"), every CJK character, and every pair
//! of adjacent CJK characters ("陳大文" → 陳 大 文 陳大 大文). A query is folded the
//! same way into terms — words, single CJK characters, or CJK pairs — and a member
//! matches when every term is a prefix of one of its tokens. Prefix lookups on an
//! indexed token column are plain portable SQL, so one query serves both databases.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF      // kana
        | 0x3400..=0x4DBF    // CJK extension A
        | 0x4E00..=0x9FFF    // CJK unified ideographs
        | 0xAC00..=0xD7AF    // hangul
        | 0xF900..=0xFAFF    // CJK compatibility
        | 0x20000..=0x3134F) // CJK extensions B–G
}

/// Lowercase, accents removed, compatibility forms unified (full-width "ＡＢ" → "ab").
pub fn fold(text: &str) -> String {
    text.nfkd().filter(|c| !is_combining_mark(*c)).flat_map(char::to_lowercase).collect()
}

/// Splits folded text into runs: Latin/digit words and CJK runs, dropping the rest.
fn runs(folded: &str) -> Vec<(bool, String)> {
    let mut out: Vec<(bool, String)> = Vec::new();
    for c in folded.chars() {
        let kind = if is_cjk(c) {
            Some(true)
        } else if c.is_alphanumeric() {
            Some(false)
        } else {
            None
        };
        match (kind, out.last_mut()) {
            (Some(k), Some((lk, s))) if *lk == k && !s.is_empty() => s.push(c),
            (Some(k), _) => out.push((k, c.to_string())),
            (None, Some((_, s))) if !s.is_empty() => out.push((false, String::new())),
            (None, _) => {}
        }
    }
    out.retain(|(_, s)| !s.is_empty());
    out
}

/// The tokens to index for the given texts (names, title, staff number…).
pub fn index_tokens<'a>(texts: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut tokens = std::collections::BTreeSet::new();
    for text in texts {
        for (cjk, run) in runs(&fold(text)) {
            if cjk {
                let chars: Vec<char> = run.chars().collect();
                for (i, c) in chars.iter().enumerate() {
                    tokens.insert(c.to_string());
                    if let Some(next) = chars.get(i + 1) {
                        tokens.insert(format!("{c}{next}"));
                    }
                }
            } else {
                tokens.insert(run);
            }
        }
    }
    tokens.into_iter().collect()
}

/// The terms a query must match, each as a token prefix. Empty for a query with
/// nothing searchable in it (punctuation only).
pub fn query_terms(query: &str) -> Vec<String> {
    let mut terms = std::collections::BTreeSet::new();
    for (cjk, run) in runs(&fold(query)) {
        let chars: Vec<char> = run.chars().collect();
        if cjk && chars.len() > 1 {
            for pair in chars.windows(2) {
                terms.insert(pair.iter().collect::<String>());
            }
        } else {
            terms.insert(run);
        }
    }
    // Bounded so a pasted paragraph cannot become a hundred-way join.
    terms.into_iter().take(8).collect()
}

/// The smallest string greater than every string that starts with `prefix`, for the
/// range `token >= prefix AND token < upper` that an index answers.
pub fn prefix_upper_bound(prefix: &str) -> String {
    format!("{prefix}\u{10FFFF}")
}

// ---- history search: the same tokens over messages -------------------------------------

/// Longest token kept for a message: a run of letters this long is a pasted blob, not a
/// word (and PostgreSQL caps a lexeme at 2 KB). Longer runs are cut here and a query
/// term as long becomes a prefix, so both sides cut alike and still meet.
pub const MAX_TOKEN_CHARS: usize = 64;

/// Shortest last word of a query that matches as a prefix: "reu" finds "reunião" as it
/// is typed, while one or two letters match only whole words (a one-letter prefix
/// would be most of the index).
pub const MIN_PREFIX_CHARS: usize = 3;

/// Longest query, in characters.
pub const QUERY_MAX: usize = 200;

fn cut(token: String) -> (String, bool) {
    match token.char_indices().nth(MAX_TOKEN_CHARS) {
        Some((at, _)) => (token[..at].to_owned(), true),
        None => (token, false),
    }
}

/// The tokens a message is found by: those of its text and of its attachment's file
/// name (`index_tokens`), each at most `MAX_TOKEN_CHARS`.
pub fn message_tokens(text: &str, attachment_name: Option<&str>) -> Vec<String> {
    let mut out: Vec<String> =
        index_tokens(std::iter::once(text).chain(attachment_name)).into_iter().map(|t| cut(t).0).collect();
    out.sort();
    out.dedup();
    out
}

/// One term of a message query: a token the message must have, or (`prefix`) a
/// beginning of one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Term {
    pub text: String,
    pub prefix: bool,
}

/// What a message must hold to match `query`: every one of `query_terms(query)`, each a
/// whole token, except the last Latin word while it is being typed (the query ends in
/// it, and it has at least `MIN_PREFIX_CHARS`), which is a prefix. CJK terms are whole
/// tokens: single characters and pairs are all indexed. Empty when nothing in the
/// query is searchable.
pub fn message_terms(query: &str) -> Vec<Term> {
    let folded = fold(query);
    let typing = match (folded.chars().last(), runs(&folded).pop()) {
        (Some(c), Some((false, word))) if c.is_alphanumeric() && !is_cjk(c) => Some(word),
        _ => None,
    };
    query_terms(query)
        .into_iter()
        .map(|t| {
            let last = typing.as_deref() == Some(t.as_str()) && t.chars().count() >= MIN_PREFIX_CHARS;
            let (text, was_cut) = cut(t);
            Term { text, prefix: last || was_cut }
        })
        .collect()
}

/// Whether a member finds a message of a conversation by searching: only while they are
/// still in it (a member who left or was removed finds nothing of it), only inside
/// their window (nothing from before they joined), and never a recalled message.
pub fn findable(joined_position: i64, left_position: Option<i64>, position: i64, recalled: bool) -> bool {
    left_position.is_none() && position > joined_position && !recalled
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(indexed: &[&str], query: &str) -> bool {
        let tokens = index_tokens(indexed.iter().copied());
        let terms = query_terms(query);
        !terms.is_empty() && terms.iter().all(|t| tokens.iter().any(|k| k.starts_with(t.as_str())))
    }

    fn found(text: &str, query: &str) -> bool {
        let tokens = message_tokens(text, None);
        let terms = message_terms(query);
        !terms.is_empty()
            && terms.iter().all(|t| {
                if t.prefix { tokens.iter().any(|k| k.starts_with(&t.text)) } else { tokens.contains(&t.text) }
            })
    }

    #[test]
    fn messages_match_as_the_issue_asks() {
        let cases: &[(&str, &str, bool, &str)] = &[
            ("明天下午開家長會", "家長", true, "a CJK pair"),
            ("明天下午開家長會", "長會", true, "the other pair"),
            ("明天下午開家長會", "家長會", true, "both pairs"),
            ("明天下午開家長會", "會家", false, "pairs keep their order"),
            ("明天下午開家長會", "長", true, "one character"),
            ("明天下午開家長會", "開會", false, "not adjacent"),
            ("A reunião é amanhã", "reuniao", true, "without accents"),
            ("A reuniao e amanha", "reunião", true, "accents on the query only"),
            ("A reunião é amanhã", "REUNIÃO", true, "case"),
            ("Parents' MEETING tomorrow", "meeting", true, "English, any case"),
            ("Parents' meeting tomorrow", "meet", true, "the last word as a prefix"),
            ("Parents' meeting tomorrow", "meet tomorrow", false, "a word before the last is whole"),
            ("Parents' meeting tomorrow", "meeting tom", true, "AND, the last a prefix"),
            ("Parents' meeting tomorrow", "meeting today", false, "every term must match"),
            ("Parents' meeting tomorrow", "meet ", false, "a finished word is whole"),
            ("Parents' meeting tomorrow", "me", false, "two letters are a whole word"),
            ("家長會 reunião", "reuni 家長", false, "the last word typed is CJK"),
            ("家長會 reunião", "家長 reuni", true, "mixed scripts"),
            ("Sala 204, 10h", "204", true, "numbers"),
            ("  ", "!!", false, "nothing searchable"),
        ];
        for (text, query, want, why) in cases {
            assert_eq!(found(text, query), *want, "{why}: {text:?} by {query:?}");
        }
    }

    #[test]
    fn attachment_names_are_found_and_long_runs_are_cut() {
        let tokens = message_tokens("", Some("課程表 v2.pdf"));
        assert!(tokens.contains(&"課程".to_owned()) && tokens.contains(&"pdf".to_owned()), "{tokens:?}");
        let blob = "x".repeat(300);
        let tokens = message_tokens(&blob, None);
        assert_eq!(tokens, vec!["x".repeat(MAX_TOKEN_CHARS)]);
        let terms = message_terms(&format!("{blob} y"));
        assert!(terms.contains(&Term { text: "x".repeat(MAX_TOKEN_CHARS), prefix: true }), "{terms:?}");
        assert!(found(&blob, &blob), "the same blob still meets");
    }

    #[test]
    fn only_a_current_member_finds_and_only_inside_the_window() {
        // (joined, left, position, recalled) → found
        let cases = [
            ((10, None, 11, false), true),
            ((10, None, 10, false), false), // the position they joined at is before them
            ((10, None, 5, false), false),  // before joining
            ((10, None, 11, true), false),  // recalled
            ((10, Some(20), 15, false), false), // left: nothing, though they saw it
            ((10, Some(20), 25, false), false),
        ];
        for ((joined, left, position, recalled), want) in cases {
            assert_eq!(findable(joined, left, position, recalled), want, "{joined} {left:?} {position} {recalled}");
        }
    }

    #[test]
    fn folding() {
        assert_eq!(fold("João Conceição"), "joao conceicao");
        assert_eq!(fold("ＡＢＣ"), "abc");
        assert_eq!(fold("陳大文"), "陳大文");
    }

    #[test]
    fn chinese_names_match_by_characters_and_pairs() {
        let m = ["陳大文", "數學科主任"];
        assert!(matches(&m, "陳"));
        assert!(matches(&m, "大文"));
        assert!(matches(&m, "陳大文"));
        assert!(matches(&m, "主任"));
        assert!(matches(&m, "數學"));
        assert!(!matches(&m, "文大"), "order matters within a pair");
        assert!(!matches(&m, "李"));
    }

    #[test]
    fn two_character_words_match() {
        // The case FTS5's trigram tokenizer misses.
        assert!(matches(&["家長會議"], "會議"));
    }

    #[test]
    fn portuguese_with_or_without_accents() {
        let m = ["Conceição Gonçalves", "Professora de Música"];
        assert!(matches(&m, "conceicao"));
        assert!(matches(&m, "Conceição"));
        assert!(matches(&m, "GONÇ"));
        assert!(matches(&m, "musica"));
        assert!(matches(&m, "prof mus"));
        assert!(!matches(&m, "silva"));
    }

    #[test]
    fn english_and_staff_numbers() {
        let m = ["Mary Chan", "Teacher", "T-0012"];
        assert!(matches(&m, "mary"));
        assert!(matches(&m, "CHA"));
        assert!(matches(&m, "T-0012"));
        assert!(matches(&m, "0012"));
        assert!(!matches(&m, "0013"));
    }

    #[test]
    fn mixed_scripts_split() {
        assert_eq!(index_tokens(["陳Ana"]), vec!["ana", "陳"]);
        assert!(query_terms("  !!  ").is_empty());
    }

    #[test]
    fn upper_bound_sorts_after_every_extension() {
        let u = prefix_upper_bound("ana");
        assert!("ana" < u.as_str() && "anabela" < u.as_str() && "anb" > u.as_str());
    }
}
