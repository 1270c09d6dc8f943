//! A member's directory fields, parsed and checked once, whether they come from the
//! admin console's form or a line of an import file.

use crate::error::{Errors, FieldError, Invalid};
use crate::values::{self, Login, NAME_MAX, TITLE_MAX};
use std::collections::HashMap;

/// Directory fields of a member, valid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberFields {
    pub login: Login,
    pub name_zh: String,
    pub name_pt: String,
    pub title: String,
    pub phone: String,
    pub email: String,
    pub staff_no: String,
}

/// The same fields as typed.
#[derive(Clone, Debug, Default)]
pub struct RawMemberFields<'a> {
    pub login: &'a str,
    pub name_zh: &'a str,
    pub name_pt: &'a str,
    pub title: &'a str,
    pub phone: &'a str,
    pub email: &'a str,
    pub staff_no: &'a str,
}

impl MemberFields {
    pub fn parse(raw: &RawMemberFields<'_>) -> Result<Self, Vec<FieldError>> {
        let mut e = Errors::default();
        let login = e.take("login", Login::parse(raw.login));
        let name_zh = e.take("name_zh", values::required_text(raw.name_zh, NAME_MAX));
        let name_pt = e.take("name_pt", values::optional_text(raw.name_pt, NAME_MAX));
        let title = e.take("title", values::optional_text(raw.title, TITLE_MAX));
        let phone = e.take("phone", values::phone(raw.phone));
        let email = e.take("email", values::email(raw.email));
        let staff_no = e.take("staff_no", values::staff_no(raw.staff_no));
        match (login, name_zh, name_pt, title, phone, email, staff_no) {
            (Some(login), Some(name_zh), Some(name_pt), Some(title), Some(phone), Some(email), Some(staff_no))
                if e.is_empty() =>
            {
                Ok(Self { login, name_zh, name_pt, title, phone, email, staff_no })
            }
            _ => Err(e.0),
        }
    }
}

/// The import file's columns, in the template's order.
pub const IMPORT_COLUMNS: [&str; 8] =
    ["login", "name_zh", "name_pt", "title", "departments", "phone", "email", "staff_no"];

/// One good line of an import: the member and the department paths it belongs to
/// (`教務處/數學科` → `["教務處", "數學科"]`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportRow {
    pub line: usize,
    pub fields: MemberFields,
    pub departments: Vec<Vec<String>>,
}

/// One bad cell (or a bad header) of an import, with its line number as the user
/// counts lines: the header is line 1.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineError {
    pub line: usize,
    pub column: String,
    pub invalid: Invalid,
}

pub const IMPORT_MAX_ROWS: usize = 20_000;

/// Checks an import's header and rows. All or nothing: either every line is good, or
/// every bad line is reported.
pub fn parse_import(header: &[String], rows: &[Vec<String>]) -> Result<Vec<ImportRow>, Vec<LineError>> {
    match parse_import_lines(header, rows)? {
        (good, refused) if refused.is_empty() => Ok(good),
        (_, refused) => Err(refused),
    }
}

/// `parse_import`, line by line: the lines that parsed and what was wrong with the
/// others, so that what only the store can tell (a login of another campus) is
/// reported with them in one go. `Err` is a file that cannot be read as lines at all
/// (unknown or missing columns, too many rows).
pub fn parse_import_lines(
    header: &[String],
    rows: &[Vec<String>],
) -> Result<(Vec<ImportRow>, Vec<LineError>), Vec<LineError>> {
    let mut errors = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    for (i, h) in header.iter().enumerate() {
        let name = h.trim().trim_start_matches('\u{feff}').to_ascii_lowercase();
        match IMPORT_COLUMNS.iter().find(|c| **c == name) {
            Some(c) => {
                index.insert(c, i);
            }
            None if name.is_empty() => {}
            None => errors.push(LineError { line: 1, column: h.trim().to_owned(), invalid: Invalid::UnknownColumn }),
        }
    }
    for required in ["login", "name_zh"] {
        if !index.contains_key(required) {
            errors.push(LineError { line: 1, column: required.to_owned(), invalid: Invalid::MissingColumn });
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    if rows.len() > IMPORT_MAX_ROWS {
        return Err(vec![LineError {
            line: IMPORT_MAX_ROWS + 2,
            column: String::new(),
            invalid: Invalid::TooManyRows,
        }]);
    }

    let cell = |row: &'_ Vec<String>, col: &str| -> String {
        index.get(col).and_then(|&i| row.get(i)).cloned().unwrap_or_default()
    };
    let mut good = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, row) in rows.iter().enumerate() {
        let line = i + 2;
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let (login, name_zh, name_pt, title, phone, email, staff_no, depts) = (
            cell(row, "login"),
            cell(row, "name_zh"),
            cell(row, "name_pt"),
            cell(row, "title"),
            cell(row, "phone"),
            cell(row, "email"),
            cell(row, "staff_no"),
            cell(row, "departments"),
        );
        let raw = RawMemberFields {
            login: &login,
            name_zh: &name_zh,
            name_pt: &name_pt,
            title: &title,
            phone: &phone,
            email: &email,
            staff_no: &staff_no,
        };
        let departments = match department_paths(&depts) {
            Ok(d) => Some(d),
            Err(invalid) => {
                errors.push(LineError { line, column: "departments".into(), invalid });
                None
            }
        };
        match MemberFields::parse(&raw) {
            Ok(fields) => {
                if seen.insert(fields.login.as_str().to_owned(), line).is_some() {
                    errors.push(LineError { line, column: "login".into(), invalid: Invalid::DuplicateInFile });
                } else if let Some(departments) = departments {
                    good.push(ImportRow { line, fields, departments });
                }
            }
            Err(fe) => errors.extend(fe.into_iter().map(|f| LineError { line, column: f.field, invalid: f.invalid })),
        }
    }
    Ok((good, errors))
}

/// `教務處/數學科; 行政部` → `[["教務處","數學科"], ["行政部"]]`.
pub fn department_paths(raw: &str) -> Result<Vec<Vec<String>>, Invalid> {
    let mut out = Vec::new();
    for path in raw.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let mut levels = Vec::new();
        for level in path.split('/') {
            levels.push(values::required_text(level, NAME_MAX)?);
        }
        if levels.len() > 10 {
            return Err(Invalid::TooLong);
        }
        out.push(levels);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn a_good_file_parses() {
        let header = s(&IMPORT_COLUMNS);
        let rows = vec![
            s(&[
                "chan.tm",
                "陳大文",
                "Chan Tai Man",
                "教師",
                "教務處/數學科;行政部",
                "+853 6612 3456",
                "chan@escola.mo",
                "T001",
            ]),
            s(&["", "", "", "", "", "", "", ""]),
            s(&["ana.s", "施安娜", "Ana Sousa", "", "", "", "", ""]),
        ];
        let out = parse_import(&header, &rows).unwrap();
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].line, 2);
        assert_eq!(out[0].departments, vec![s(&["教務處", "數學科"]), s(&["行政部"])]);
        assert_eq!(out[1].line, 4);
        assert_eq!(out[1].fields.login.as_str(), "ana.s");
    }

    #[test]
    fn every_bad_line_is_reported() {
        let header = s(&IMPORT_COLUMNS);
        let rows = vec![
            s(&["ok.one", "甲", "", "", "", "", "", ""]),
            s(&["bad.mail", "乙", "", "", "", "", "not-an-email", ""]),
            s(&["ok.one", "丙", "", "", "", "", "", ""]),
            s(&["x", "", "", "", "a//b", "", "", ""]),
        ];
        let errs = parse_import(&header, &rows).unwrap_err();
        let got: Vec<(usize, &str, Invalid)> = errs.iter().map(|e| (e.line, e.column.as_str(), e.invalid)).collect();
        assert_eq!(
            got,
            vec![
                (3, "email", Invalid::InvalidEmail),
                (4, "login", Invalid::DuplicateInFile),
                (5, "departments", Invalid::Required),
                (5, "login", Invalid::TooShort),
                (5, "name_zh", Invalid::Required),
            ]
        );
    }

    #[test]
    fn header_problems_are_line_one() {
        let errs = parse_import(&s(&["login", "nome", "title"]), &[]).unwrap_err();
        assert_eq!(errs[0], LineError { line: 1, column: "nome".into(), invalid: Invalid::UnknownColumn });
        assert_eq!(errs[1], LineError { line: 1, column: "name_zh".into(), invalid: Invalid::MissingColumn });
    }

    #[test]
    fn bom_and_case_in_header_are_accepted() {
        let out = parse_import(&s(&["\u{feff}LOGIN", "Name_ZH"]), &[s(&["li.m", "李明"])]).unwrap();
        assert_eq!(out[0].fields.name_zh, "李明");
    }
}
