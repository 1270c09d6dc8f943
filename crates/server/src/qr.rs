//! QR codes as SVG, drawn from the code's module grid: one square per dark module,
//! with the quiet zone the standard asks for. Scanners (and `rqrr` in the tests) read it.

use qrcode::{Color, EcLevel, QrCode};

pub fn svg(text: &str) -> Result<String, qrcode::types::QrError> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)?;
    let width = code.width();
    let quiet = 4;
    let size = width + 2 * quiet;
    let mut path = String::new();
    for (i, c) in code.to_colors().iter().enumerate() {
        if *c == Color::Dark {
            let (x, y) = (i % width + quiet, i / width + quiet);
            path.push_str(&format!("M{x} {y}h1v1h-1z"));
        }
    }
    Ok(format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" shape-rendering="crispEdges" role="img"><rect width="{size}" height="{size}" fill="#fff"/><path fill="#000" d="{path}"/></svg>"##
    ))
}

/// Reads the module grid back out of `svg` (for tests): (size, dark modules).
pub fn modules(svg: &str) -> (usize, Vec<(usize, usize)>) {
    let size =
        svg.split("viewBox=\"0 0 ").nth(1).and_then(|s| s.split(' ').next()).and_then(|s| s.parse().ok()).unwrap_or(0);
    let d = svg.split(" d=\"").nth(1).and_then(|s| s.split('"').next()).unwrap_or("");
    let dark = d
        .split('M')
        .filter(|s| !s.is_empty())
        .filter_map(|s| {
            let xy = s.split('h').next()?;
            let mut it = xy.split(' ');
            Some((it.next()?.parse().ok()?, it.next()?.parse().ok()?))
        })
        .collect();
    (size, dark)
}
