//! Server-side messages in zh-Hant, Portuguese and English, read from the same `.ftl`
//! files the web app uses. The server needs only simple messages (`key = text`, with
//! `{ $name }` placeables), so a small reader serves instead of a full Fluent runtime.

use std::collections::HashMap;
use std::sync::OnceLock;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Lang {
    ZhHant,
    Pt,
    En,
}

impl Lang {
    pub const ALL: [Lang; 3] = [Lang::ZhHant, Lang::Pt, Lang::En];

    /// The language a request asks for in its `Accept-Language` header.
    pub fn of_request(headers: &axum::http::HeaderMap) -> Lang {
        Lang::from_accept_language(headers.get(axum::http::header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()))
    }

    /// The first language of `Accept-Language` that campuslink speaks; zh-Hant otherwise.
    pub fn from_accept_language(header: Option<&str>) -> Lang {
        let Some(h) = header else { return Lang::ZhHant };
        let mut tags: Vec<(f32, &str)> = h
            .split(',')
            .filter_map(|part| {
                let mut it = part.split(';');
                let tag = it.next()?.trim();
                let q = it.find_map(|p| p.trim().strip_prefix("q=").and_then(|q| q.parse::<f32>().ok())).unwrap_or(1.0);
                Some((q, tag))
            })
            .collect();
        tags.sort_by(|a, b| b.0.total_cmp(&a.0));
        for (_, tag) in tags {
            let t = tag.to_ascii_lowercase();
            if t.starts_with("zh") {
                return Lang::ZhHant;
            }
            if t.starts_with("pt") {
                return Lang::Pt;
            }
            if t.starts_with("en") {
                return Lang::En;
            }
        }
        Lang::ZhHant
    }

    /// The language a stored tag (`tag`'s) names; zh-Hant for anything else.
    pub fn from_tag(tag: &str) -> Lang {
        Lang::ALL.into_iter().find(|l| l.tag() == tag).unwrap_or(Lang::ZhHant)
    }

    pub fn tag(self) -> &'static str {
        match self {
            Lang::ZhHant => "zh-Hant",
            Lang::Pt => "pt",
            Lang::En => "en",
        }
    }

    fn source(self) -> &'static str {
        match self {
            Lang::ZhHant => include_str!("../../../locales/zh-Hant/errors.ftl"),
            Lang::Pt => include_str!("../../../locales/pt/errors.ftl"),
            Lang::En => include_str!("../../../locales/en/errors.ftl"),
        }
    }
}

/// A person's name in `lang`, as the web app shows it: the Chinese name in zh-Hant, the
/// Portuguese one otherwise where there is one.
pub fn name_in<'a>(lang: Lang, zh: &'a str, pt: &'a str) -> &'a str {
    match lang {
        Lang::Pt | Lang::En if !pt.trim().is_empty() => pt,
        _ => zh,
    }
}

fn parse(src: &str) -> HashMap<String, String> {
    src.lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|l| l.split_once(" = "))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect()
}

fn bundles() -> &'static HashMap<Lang, HashMap<String, String>> {
    static B: OnceLock<HashMap<Lang, HashMap<String, String>>> = OnceLock::new();
    B.get_or_init(|| Lang::ALL.iter().map(|&l| (l, parse(l.source()))).collect())
}

/// The message `key` in `lang`, with `{ $name }` placeables filled from `args`; the
/// English message, then the key itself, when a translation is missing.
pub fn message(lang: Lang, key: &str, args: &[(&str, &str)]) -> String {
    let b = bundles();
    let text = b
        .get(&lang)
        .and_then(|m| m.get(key))
        .or_else(|| b.get(&Lang::En).and_then(|m| m.get(key)))
        .cloned()
        .unwrap_or_else(|| key.to_owned());
    args.iter().fold(text, |t, (name, value)| t.replace(&format!("{{ ${name} }}"), value))
}

pub fn has_message(lang: Lang, key: &str) -> bool {
    bundles().get(&lang).is_some_and(|m| m.contains_key(key))
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::{ErrorCode, Invalid};

    #[test]
    fn every_code_has_a_message_in_every_language() {
        for lang in Lang::ALL {
            for code in ErrorCode::ALL {
                assert!(has_message(lang, &format!("error-{code}")), "{lang:?} error-{code}");
            }
            for inv in Invalid::ALL {
                assert!(has_message(lang, &format!("field-{}", inv.as_str())), "{lang:?} field-{}", inv.as_str());
            }
        }
    }

    #[test]
    fn accept_language_picks_the_best_spoken_language() {
        assert_eq!(Lang::from_accept_language(None), Lang::ZhHant);
        assert_eq!(Lang::from_accept_language(Some("pt-PT,pt;q=0.9")), Lang::Pt);
        assert_eq!(Lang::from_accept_language(Some("fr, en;q=0.5, pt;q=0.8")), Lang::Pt);
        assert_eq!(Lang::from_accept_language(Some("en-GB")), Lang::En);
        assert_eq!(Lang::from_accept_language(Some("zh-MO")), Lang::ZhHant);
        assert_eq!(Lang::from_accept_language(Some("de")), Lang::ZhHant);
        for l in Lang::ALL {
            assert_eq!(Lang::from_tag(l.tag()), l);
        }
        assert_eq!(Lang::from_tag("fr"), Lang::ZhHant);
    }

    #[test]
    fn messages_differ_by_language() {
        let zh = message(Lang::ZhHant, "error-not_found", &[]);
        let pt = message(Lang::Pt, "error-not_found", &[]);
        assert_ne!(zh, pt);
        assert_eq!(message(Lang::En, "no-such-key", &[]), "no-such-key");
    }
}
