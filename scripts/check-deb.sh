#!/usr/bin/env bash
# Checks the Debian package: builds it with cargo-deb from the debug binary that
# `cargo build -p campuslink` left (no release build: that is for making releases),
# then looks inside — the binary, the systemd unit, the conffile, the maintainer
# scripts — then runs the packaged binary on the packaged config as an unprivileged
# user (systemd does not run here) and reaches /healthz and /readyz.
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
  ./usr/share/doc/campuslink/copyright ./usr/lib/sysctl.d/60-campuslink.conf; do
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
grep -q 'sysctl -q -p /usr/lib/sysctl.d/60-campuslink.conf' "$work/control/postinst" \
  || fail "postinst does not apply the socket buffer limits"

dpkg-deb --extract "$deb" "$work/root"
grep -q '^ExecStart=/usr/bin/campuslink serve --config /etc/campuslink/campuslink.toml$' \
  "$work/root/usr/lib/systemd/system/campuslink.service" || fail "unexpected ExecStart"
"$work/root/usr/bin/campuslink" --version
"$work/root/usr/bin/campuslink" check-config --config "$work/root/etc/campuslink/campuslink.toml" >"$work/effective" \
  || fail "the packaged config does not pass check-config"
grep -q 'data_dir = "/var/lib/campuslink"' "$work/effective" || fail "the packaged data_dir is not /var/lib/campuslink"

# The packaged program on the packaged config, as a user that owns nothing but its data
# directory: what the unit starts, minus systemd. Only the address and data directory
# differ (a free port, a temporary directory).
chmod 755 "$work" "$work/root"
mkdir -p "$work/var"
as_service=()
if [ "$(id -u)" = 0 ]; then
  chown nobody "$work/var"
  # As postinst does for the campuslink group: the config is readable by the service.
  chgrp "$(id -gn nobody)" "$work/root/etc/campuslink/campuslink.toml"
  chmod 755 "$work/root/etc" "$work/root/etc/campuslink"
  as_service=(runuser -u nobody --)
fi
"${as_service[@]}" "$work/root/usr/bin/campuslink" serve --config "$work/root/etc/campuslink/campuslink.toml" \
  --listen 127.0.0.1:0 --data "$work/var" >"$work/serve.out" 2>"$work/serve.err" &
pid=$!
addr=""
for _ in $(seq 1 300); do
  addr=$(sed -n 's/^campuslink listening on //p' "$work/serve.out" | head -n 1)
  [ -n "$addr" ] && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/serve.err" >&2; fail "the packaged program did not start"; }
  sleep 0.1 # polling for the start-up line, bounded at 30 s
done
[ -n "$addr" ] || { kill "$pid"; fail "the packaged program printed no address"; }
curl -fsS "$addr/healthz" >/dev/null || { kill "$pid"; fail "/healthz did not answer"; }
curl -fsS "$addr/readyz" >"$work/ready" || { kill "$pid"; cat "$work/ready" >&2; fail "/readyz is not ready"; }
kill -TERM "$pid"
wait "$pid" || true
[ -f "$work/var/campuslink.db" ] || fail "the service user could not write its data directory"
echo "check-deb: $(du -h "$deb" | cut -f1) package ok; the packaged program served /healthz and /readyz"
