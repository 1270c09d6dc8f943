//! Values parsed once at the edge. A `Login` or a `Code` that exists is valid.

use crate::error::Invalid;
use serde::Serialize;
use std::fmt;

/// Trims and checks a required text field of at most `max` characters.
pub fn required_text(raw: &str, max: usize) -> Result<String, Invalid> {
    let t = raw.trim();
    if t.is_empty() {
        return Err(Invalid::Required);
    }
    if t.chars().count() > max {
        return Err(Invalid::TooLong);
    }
    if t.chars().any(char::is_control) {
        return Err(Invalid::InvalidFormat);
    }
    Ok(t.to_owned())
}

/// Trims and checks an optional text field; empty becomes "".
pub fn optional_text(raw: &str, max: usize) -> Result<String, Invalid> {
    let t = raw.trim();
    if t.is_empty() {
        return Ok(String::new());
    }
    required_text(t, max)
}

pub const NAME_MAX: usize = 100;
pub const TITLE_MAX: usize = 100;

/// A login name: 2–64 of lowercase ASCII letters, digits, `.`, `_`, `-`, starting with
/// a letter or digit. Stored lowercased, so `Admin.A` and `admin.a` are one login.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Login(String);

impl Login {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let t = raw.trim().to_ascii_lowercase();
        if t.is_empty() {
            return Err(Invalid::Required);
        }
        if t.len() > 64 {
            return Err(Invalid::TooLong);
        }
        if t.len() < 2 {
            return Err(Invalid::TooShort);
        }
        let ok_char = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c);
        let first_ok = t.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
        if !first_ok || !t.chars().all(ok_char) {
            return Err(Invalid::InvalidFormat);
        }
        Ok(Self(t))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Login {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A school's or campus's code (編號): 1–32 of ASCII letters, digits, `-`, `_`; kept as
/// typed, compared without case.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Code(String);

impl Code {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let t = raw.trim();
        if t.is_empty() {
            return Err(Invalid::Required);
        }
        if t.len() > 32 {
            return Err(Invalid::TooLong);
        }
        if !t.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            return Err(Invalid::InvalidFormat);
        }
        Ok(Self(t.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password as typed: 8–128 characters. Never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let n = raw.chars().count();
        if n == 0 {
            return Err(Invalid::Required);
        }
        if n < 8 {
            return Err(Invalid::TooShort);
        }
        if n > 128 {
            return Err(Invalid::TooLong);
        }
        Ok(Self(raw.to_owned()))
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(****)")
    }
}

/// An e-mail address, or empty. Checked for shape only: one `@`, a dot in the domain,
/// no spaces; whether it receives mail is the mail server's business.
pub fn email(raw: &str) -> Result<String, Invalid> {
    let t = raw.trim();
    if t.is_empty() {
        return Ok(String::new());
    }
    if t.len() > 254 {
        return Err(Invalid::TooLong);
    }
    let mut parts = t.split('@');
    let (Some(local), Some(domain), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(Invalid::InvalidEmail);
    };
    let domain_ok =
        domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.') && !domain.contains("..");
    if local.is_empty() || !domain_ok || t.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Invalid::InvalidEmail);
    }
    Ok(t.to_owned())
}

/// A phone number, or empty: digits with an optional leading `+`, and spaces, dashes
/// or parentheses as people write them (`+853 2833 1234`).
pub fn phone(raw: &str) -> Result<String, Invalid> {
    let t = raw.trim();
    if t.is_empty() {
        return Ok(String::new());
    }
    if t.len() > 32 {
        return Err(Invalid::TooLong);
    }
    let body = t.strip_prefix('+').unwrap_or(t);
    let ok = body.chars().all(|c| c.is_ascii_digit() || " -()".contains(c))
        && body.chars().filter(char::is_ascii_digit).count() >= 3;
    if !ok {
        return Err(Invalid::InvalidFormat);
    }
    Ok(t.to_owned())
}

/// A staff number (職員編號), or empty: up to 32 visible ASCII characters.
pub fn staff_no(raw: &str) -> Result<String, Invalid> {
    let t = raw.trim();
    if t.is_empty() {
        return Ok(String::new());
    }
    if t.len() > 32 {
        return Err(Invalid::TooLong);
    }
    if !t.chars().all(|c| c.is_ascii_graphic()) {
        return Err(Invalid::InvalidFormat);
    }
    Ok(t.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logins() {
        assert_eq!(Login::parse(" Teacher.A1 ").unwrap().as_str(), "teacher.a1");
        assert_eq!(Login::parse(""), Err(Invalid::Required));
        assert_eq!(Login::parse("a"), Err(Invalid::TooShort));
        assert_eq!(Login::parse(&"a".repeat(65)), Err(Invalid::TooLong));
        assert_eq!(Login::parse(".abc"), Err(Invalid::InvalidFormat));
        assert_eq!(Login::parse("陳大文"), Err(Invalid::InvalidFormat));
        assert_eq!(Login::parse("a b"), Err(Invalid::InvalidFormat));
    }

    #[test]
    fn codes() {
        assert_eq!(Code::parse(" DEMO-S ").unwrap().as_str(), "DEMO-S");
        assert_eq!(Code::parse(""), Err(Invalid::Required));
        assert_eq!(Code::parse("中學"), Err(Invalid::InvalidFormat));
        assert_eq!(Code::parse(&"X".repeat(33)), Err(Invalid::TooLong));
    }

    #[test]
    fn passwords_hide_themselves() {
        let p = Password::parse("campuslink").unwrap();
        assert_eq!(format!("{p:?}"), "Password(****)");
        assert_eq!(Password::parse("short"), Err(Invalid::TooShort));
        assert_eq!(Password::parse(""), Err(Invalid::Required));
    }

    #[test]
    fn emails() {
        assert_eq!(email("").unwrap(), "");
        assert_eq!(email(" ana@escola.edu.mo ").unwrap(), "ana@escola.edu.mo");
        for bad in ["ana", "ana@", "@x.mo", "ana@mo", "a b@x.mo", "a@@x.mo", "a@x..mo"] {
            assert_eq!(email(bad), Err(Invalid::InvalidEmail), "{bad}");
        }
    }

    #[test]
    fn phones_and_staff_numbers() {
        assert_eq!(phone("+853 2833-1234").unwrap(), "+853 2833-1234");
        assert_eq!(phone("abc"), Err(Invalid::InvalidFormat));
        assert_eq!(phone("12"), Err(Invalid::InvalidFormat));
        assert_eq!(staff_no("T-0012").unwrap(), "T-0012");
        assert_eq!(staff_no("T 12"), Err(Invalid::InvalidFormat));
    }

    #[test]
    fn texts() {
        assert_eq!(required_text("  教務處 ", 10).unwrap(), "教務處");
        assert_eq!(required_text("   ", 10), Err(Invalid::Required));
        assert_eq!(required_text("一二三", 2), Err(Invalid::TooLong));
        assert_eq!(required_text("a\u{0}b", 10), Err(Invalid::InvalidFormat));
        assert_eq!(optional_text(" ", 10).unwrap(), "");
    }
}
