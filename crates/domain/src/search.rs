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

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(indexed: &[&str], query: &str) -> bool {
        let tokens = index_tokens(indexed.iter().copied());
        let terms = query_terms(query);
        !terms.is_empty() && terms.iter().all(|t| tokens.iter().any(|k| k.starts_with(t.as_str())))
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
