#!/usr/bin/env bash
# Runs every campuslink test: lints, unit and API tests on SQLite, the store story and
# the API tests on PostgreSQL (a throw-away cluster started here), and the browser
# tests in headless Chromium, and the Debian package. Needs: Rust, Node.js + npm,
# PostgreSQL 15 server binaries in /usr/lib/postgresql/15/bin, Debian's chromium at
# /usr/bin/chromium, coturn's /usr/bin/turnserver, unshare and ip (the browser tests
# run in a network namespace that reaches nothing outside it: web/e2e/run.mjs), cargo-deb (cargo install
# cargo-deb --version 3.8.0 --locked), and moto's S3-compatible server (python3 -m pip
# install 'moto[server]==5.2.5').
set -euo pipefail
cd "$(dirname "$0")/.."

pgdir=$(mktemp -d /tmp/campuslink-pg.XXXXXX)
s3dir=$(mktemp -d /tmp/campuslink-s3.XXXXXX)
cleanup() {
  scripts/postgres.sh stop "$pgdir"
  scripts/s3.sh stop "$s3dir"
}
trap cleanup EXIT
eval "$(scripts/postgres.sh start "$pgdir")"
export CAMPUSLINK_TEST_POSTGRES
eval "$(scripts/s3.sh start "$s3dir")"
export CAMPUSLINK_TEST_S3

step() { printf '\n==> %s\n' "$*"; }

step "format and lints"
cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings

step "unit, store and API tests (SQLite; store story on PostgreSQL too)"
cargo test --workspace --locked

step "API tests on PostgreSQL"
# --workspace keeps the same feature set as above, so nothing is rebuilt.
CAMPUSLINK_TEST_API_DB=postgres cargo test --workspace --locked --test api

step "web app: API types generated from the OpenAPI document are current"
# The unit tests above checked web/openapi.json is the document the server serves;
# the TypeScript types must be generated from it.
npm --prefix web run api-types
git diff --exit-code -- web/src/lib/api-types.ts

step "web app: types (svelte-check) and unit tests (vitest)"
npm --prefix web run check
npm --prefix web test

step "browser tests (headless Chromium)"
cargo build --locked -p campuslink
CAMPUSLINK_BIN="${CARGO_TARGET_DIR:-$PWD/target}/debug/campuslink" npm --prefix web run e2e

step "Debian package (cargo-deb, from the debug binary above)"
scripts/check-deb.sh

step "all tests passed"
