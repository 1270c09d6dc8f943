//! Spreadsheet files in and out: CSV (UTF-8 with or without BOM, or Big5, as Macau
//! files often are) and XLSX. Reading gives a header row and data rows of text cells.

use crate::error::{ApiError, ApiResult};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::member_row::LineError;
use domain::{ErrorCode, Invalid};
use std::io::{Cursor, Write};

pub const XLSX_MIME: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

fn unsupported() -> ApiError {
    ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, ErrorCode::UnsupportedFile)
}

/// Reads an uploaded table, choosing the format by its bytes first (an XLSX is a zip)
/// and its content type second.
pub fn read_table(headers: &HeaderMap, body: &[u8]) -> ApiResult<Table> {
    let ctype = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase();
    if body.starts_with(b"PK\x03\x04") {
        return read_xlsx(body);
    }
    let textual = ctype.is_empty()
        || ctype.starts_with("text/")
        || ctype.contains("csv")
        || ctype.starts_with("application/octet-stream");
    if !textual || body.contains(&0) {
        return Err(unsupported());
    }
    read_csv(body)
}

/// Decodes CSV bytes: UTF-8 (a BOM is dropped), else Big5.
pub fn decode_text(body: &[u8]) -> Result<String, ApiError> {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    if let Ok(s) = std::str::from_utf8(body) {
        return Ok(s.to_owned());
    }
    let (text, _, had_errors) = encoding_rs::BIG5.decode(body);
    if had_errors {
        return Err(ApiError::import(vec![LineError {
            line: 1,
            column: String::new(),
            invalid: Invalid::InvalidEncoding,
        }]));
    }
    Ok(text.into_owned())
}

fn read_csv(body: &[u8]) -> ApiResult<Table> {
    let text = decode_text(body)?;
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut records = Vec::new();
    for r in reader.records() {
        let r = r.map_err(|e| {
            let line = e.position().map(|p| p.line() as usize).unwrap_or(1);
            ApiError::import(vec![LineError { line, column: String::new(), invalid: Invalid::InvalidFormat }])
        })?;
        records.push(r.iter().map(str::to_owned).collect::<Vec<_>>());
    }
    let mut it = records.into_iter();
    let header = it.next().ok_or_else(|| {
        ApiError::import(vec![LineError { line: 1, column: String::new(), invalid: Invalid::MissingColumn }])
    })?;
    Ok(Table { header, rows: it.collect() })
}

fn read_xlsx(body: &[u8]) -> ApiResult<Table> {
    use calamine::{Data, Reader, Xlsx};
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(body.to_vec())).map_err(|_| unsupported())?;
    let range = book.worksheet_range_at(0).ok_or_else(unsupported)?.map_err(|_| unsupported())?;
    let cell = |d: &Data| match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        other => other.to_string(),
    };
    // Rows are numbered as the user sees them: calamine's range may start below row 1.
    let start = range.start().map(|(r, _)| r as usize).unwrap_or(0);
    let mut rows: Vec<Vec<String>> = vec![Vec::new(); start];
    rows.extend(range.rows().map(|r| r.iter().map(cell).collect::<Vec<_>>()));
    let mut it = rows.into_iter();
    let header = it.next().unwrap_or_default();
    if header.iter().all(|h| h.trim().is_empty()) {
        return Err(ApiError::import(vec![LineError {
            line: 1,
            column: String::new(),
            invalid: Invalid::MissingColumn,
        }]));
    }
    Ok(Table { header, rows: it.collect() })
}

fn download(filename: &str, mime: &'static str, bytes: Vec<u8>) -> Response {
    let mut resp = bytes.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// CSV in UTF-8 with a BOM, so spreadsheet programs open Chinese text correctly.
pub fn csv_bytes(header: &[String], rows: &[Vec<String>]) -> Vec<u8> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    let mut w = csv::Writer::from_writer(&mut out);
    let _ = w.write_record(header);
    for r in rows {
        let _ = w.write_record(r);
    }
    let _ = w.flush();
    drop(w);
    out
}

pub fn csv_download(filename: &str, header: &[String], rows: &[Vec<String>]) -> Response {
    download(filename, "text/csv; charset=utf-8", csv_bytes(header, rows))
}

fn xml_escape(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control() || *c == '\t' || *c == '\n')
        .map(|c| match c {
            '&' => "&amp;".to_owned(),
            '<' => "&lt;".to_owned(),
            '>' => "&gt;".to_owned(),
            '"' => "&quot;".to_owned(),
            c => c.to_string(),
        })
        .collect()
}

fn column_name(mut i: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

/// A one-sheet XLSX workbook of text cells (inline strings, so no shared-strings part).
pub fn xlsx_bytes(header: &[String], rows: &[Vec<String>]) -> std::io::Result<Vec<u8>> {
    let mut sheet = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#,
    );
    for (r, row) in std::iter::once(header).chain(rows.iter().map(|r| r.as_slice())).enumerate() {
        sheet.push_str(&format!(r#"<row r="{}">"#, r + 1));
        for (c, v) in row.iter().enumerate() {
            sheet.push_str(&format!(
                r#"<c r="{}{}" t="inlineStr"><is><t xml:space="preserve">{}</t></is></c>"#,
                column_name(c),
                r + 1,
                xml_escape(v)
            ));
        }
        sheet.push_str("</row>");
    }
    sheet.push_str("</sheetData></worksheet>");
    let parts: [(&str, &str); 4] = [
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#,
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
        ),
        (
            "xl/workbook.xml",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="members" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
        ),
        (
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#,
        ),
    ];
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, content) in parts {
        zip.start_file(name, opts).map_err(std::io::Error::other)?;
        zip.write_all(content.as_bytes())?;
    }
    zip.start_file("xl/worksheets/sheet1.xml", opts).map_err(std::io::Error::other)?;
    zip.write_all(sheet.as_bytes())?;
    Ok(zip.finish().map_err(std::io::Error::other)?.into_inner())
}

pub fn xlsx_download(filename: &str, header: &[String], rows: &[Vec<String>]) -> ApiResult<Response> {
    let bytes = xlsx_bytes(header, rows).map_err(ApiError::internal)?;
    Ok(download(filename, XLSX_MIME, bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(ct: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_str(ct).unwrap());
        h
    }

    #[test]
    fn csv_in_utf8_with_bom_and_in_big5() {
        let utf8 = "\u{feff}login,name_zh\nchan.tm,陳大文\n";
        let t = read_table(&headers("text/csv"), utf8.as_bytes()).unwrap();
        assert_eq!(t.header, ["login", "name_zh"]);
        assert_eq!(t.rows[0], ["chan.tm", "陳大文"]);
        let (big5, _, _) = encoding_rs::BIG5.encode("login,name_zh\nchan.tm,陳大文\n");
        let t = read_table(&headers("text/csv"), &big5).unwrap();
        assert_eq!(t.rows[0][1], "陳大文");
    }

    #[test]
    fn xlsx_round_trips_through_calamine() {
        let header = vec!["login".to_string(), "name_zh".to_string()];
        let rows = vec![vec!["ana.c".to_string(), "施安娜 & <co>".to_string()]];
        let bytes = xlsx_bytes(&header, &rows).unwrap();
        let t = read_table(&headers(XLSX_MIME), &bytes).unwrap();
        assert_eq!(t.header, header);
        assert_eq!(t.rows, rows);
    }

    #[test]
    fn other_files_are_refused() {
        let e = read_table(&headers("image/png"), b"\x89PNG....").err().unwrap();
        assert_eq!(e.code, ErrorCode::UnsupportedFile);
        let e = read_table(&headers("text/csv"), b"a,b\x00c").err().unwrap();
        assert_eq!(e.code, ErrorCode::UnsupportedFile);
        let e = read_table(&headers(XLSX_MIME), b"PK\x03\x04garbage").err().unwrap();
        assert_eq!(e.code, ErrorCode::UnsupportedFile);
    }

    #[test]
    fn column_names() {
        assert_eq!(column_name(0), "A");
        assert_eq!(column_name(25), "Z");
        assert_eq!(column_name(26), "AA");
    }
}
