#!/usr/bin/env bash
# Checks the Debian package: builds it with cargo-deb from the debug binary that
# `cargo build -p campuslink` left (no release build: that is for making releases),
# then looks inside — the binary, the systemd unit, the conffile, the maintainer
# scripts — and runs the packaged binary's check-config on the packaged config.
# Needs cargo-deb (`cargo install cargo-deb --version 3.8.0 --locked`) and dpkg-deb.
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d /tmp/campuslink-deb.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { echo "check-deb: $*" >&2; exit 1; }

# --profile dev makes cargo-deb warn that it is meant for releases; it is, elsewhere.
cargo deb -p campuslink --no-build --profile dev --output "$work/campuslink.deb" 2>"$work/cargo-deb.log" \
  || { cat "$work/cargo-deb.log" >&2; fail "cargo deb failed"; }
deb="$work/campuslink.deb"

dpkg-deb --contents "$deb" >"$work/contents"
for path in ./usr/bin/campuslink ./usr/lib/systemd/system/campuslink.service \
  ./etc/campuslink/campuslink.toml ./usr/share/doc/campuslink/campuslink.example.toml \
  ./usr/share/doc/campuslink/copyright; do
  grep -q " $path\$" "$work/contents" || fail "$path is not in the package"
done
grep -q '^-rw-r----- .* ./etc/campuslink/campuslink.toml$' "$work/contents" \
  || fail "the config file is not mode 640"

dpkg-deb --control "$deb" "$work/control"
grep -qx /etc/campuslink/campuslink.toml "$work/control/conffiles" || fail "the config is not a conffile"
grep -q '^Depends:.*adduser' "$work/control/control" || fail "no dependency on adduser"
grep -q 'adduser --system' "$work/control/postinst" || fail "postinst does not create the user"
grep -q 'deb-systemd-helper enable campuslink.service' "$work/control/postinst" || fail "the unit is not enabled"
grep -q 'deb-systemd-invoke stop campuslink.service' "$work/control/prerm" || fail "removal does not stop the unit"
for f in postinst postrm prerm; do sh -n "$work/control/$f" || fail "$f is not valid sh"; done

dpkg-deb --extract "$deb" "$work/root"
grep -q '^ExecStart=/usr/bin/campuslink serve --config /etc/campuslink/campuslink.toml$' \
  "$work/root/usr/lib/systemd/system/campuslink.service" || fail "unexpected ExecStart"
"$work/root/usr/bin/campuslink" --version
"$work/root/usr/bin/campuslink" check-config --config "$work/root/etc/campuslink/campuslink.toml" >"$work/effective" \
  || fail "the packaged config does not pass check-config"
grep -q 'data_dir = "/var/lib/campuslink"' "$work/effective" || fail "the packaged data_dir is not /var/lib/campuslink"
echo "check-deb: $(du -h "$deb" | cut -f1) package ok"
