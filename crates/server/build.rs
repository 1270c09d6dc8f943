//! Builds the web app (web/ → web/dist) so that `cargo build` gives a binary with the
//! consoles embedded. Needs npm. `CAMPUSLINK_WEB_BUILD=skip` uses web/dist as it is
//! (or a placeholder page when there is none), for working on the server alone.
//! Then compresses every text file of web/dist with brotli and gzip, once, here: a
//! phone on a slow link gets the smallest form without the server spending CPU per
//! request (see `precompress`).

use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    build_web();
    let dist = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../web/dist");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default());
    if let Err(e) = precompress(&dist, &out) {
        panic!("cannot precompress web/dist: {e}");
    }
}

fn build_web() {
    let web = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../web");
    let dist = web.join("dist");
    for p in ["src", "public", "index.html", "package.json", "package-lock.json", "vite.config.ts", "../locales"] {
        println!("cargo:rerun-if-changed={}", web.join(p).display());
    }
    println!("cargo:rerun-if-env-changed=CAMPUSLINK_WEB_BUILD");

    let skip = std::env::var("CAMPUSLINK_WEB_BUILD").is_ok_and(|v| v == "skip");
    if skip || !web.join("package.json").exists() {
        if !dist.join("index.html").exists() {
            let written = std::fs::create_dir_all(&dist).and_then(|()| std::fs::write(
                dist.join("index.html"),
                "<!doctype html><meta charset=utf-8><title>campuslink</title><p>The web app was not built (CAMPUSLINK_WEB_BUILD=skip).</p>",
            ));
            if let Err(e) = written {
                panic!("cannot write a placeholder web/dist/index.html: {e}");
            }
        }
        return;
    }
    let npm = if cfg!(windows) { "npm.cmd" } else { "npm" };
    let run = |args: &[&str]| {
        let status = Command::new(npm).args(args).current_dir(&web).status();
        match status {
            Ok(s) if s.success() => {}
            Ok(s) => panic!("`npm {}` in web/ failed ({s}); see its output above", args.join(" ")),
            Err(e) => panic!(
                "cannot run npm ({e}): campuslink embeds its web app and needs Node.js and npm to build it \
                 (or set CAMPUSLINK_WEB_BUILD=skip to build the server without it)"
            ),
        }
    };
    if !web.join("node_modules").exists() {
        run(&["ci", "--no-audit", "--no-fund"]);
    }
    run(&["run", "build"]);
}

/// Types worth compressing; images and fonts in web/dist are compressed already.
const COMPRESSIBLE: [&str; 9] = ["html", "js", "mjs", "css", "svg", "json", "webmanifest", "wasm", "txt"];

/// Writes `OUT_DIR/precompressed.rs`: for each compressible file of `dist`, the SHA-256
/// of its content with its brotli and gzip forms (`include_bytes!` of files beside it).
/// The server looks the forms up by the hash of the file it is about to send, so a
/// web/dist rebuilt after this ran (the debug binary reads it from disk) can never get
/// a stale compressed form: it just goes out uncompressed.
fn precompress(dist: &Path, out: &Path) -> std::io::Result<()> {
    let dir = out.join("precompressed");
    std::fs::create_dir_all(&dir)?;
    let mut files = Vec::new();
    walk(dist, &mut files)?;
    files.sort();
    let mut code = String::from("&[\n");
    let mut kept = std::collections::HashSet::new();
    for file in files {
        let compressible = file.extension().and_then(|e| e.to_str()).is_some_and(|e| COMPRESSIBLE.contains(&e));
        if !compressible {
            continue;
        }
        let raw = std::fs::read(&file)?;
        let hash: String = Sha256::digest(&raw).iter().map(|b| format!("{b:02x}")).collect();
        let br = dir.join(format!("{hash}.br"));
        let gz = dir.join(format!("{hash}.gz"));
        kept.insert(br.clone());
        kept.insert(gz.clone());
        // Content-addressed: what was compressed by an earlier build is reused.
        if !br.exists() {
            let mut enc = brotli::CompressorWriter::new(Vec::new(), 64 * 1024, 11, 22);
            enc.write_all(&raw)?;
            std::fs::write(&br, enc.into_inner())?;
        }
        if !gz.exists() {
            let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            enc.write_all(&raw)?;
            std::fs::write(&gz, enc.finish()?)?;
        }
        code.push_str(&format!(
            "    ({hash:?}, include_bytes!({:?}), include_bytes!({:?})),\n",
            br.display().to_string(),
            gz.display().to_string()
        ));
    }
    code.push_str("]\n");
    // Forms of files no longer in web/dist would only pile up.
    for entry in std::fs::read_dir(&dir)? {
        let path = entry?.path();
        if !kept.contains(&path) {
            std::fs::remove_file(path)?;
        }
    }
    std::fs::write(out.join("precompressed.rs"), code)
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            walk(&path, files)?;
        } else {
            files.push(path);
        }
    }
    Ok(())
}
