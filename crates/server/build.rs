//! Builds the web app (web/ → web/dist) so that `cargo build` gives a binary with the
//! consoles embedded. Needs npm. `CAMPUSLINK_WEB_BUILD=skip` uses web/dist as it is
//! (or a placeholder page when there is none), for working on the server alone.

use std::path::Path;
use std::process::Command;

fn main() {
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
