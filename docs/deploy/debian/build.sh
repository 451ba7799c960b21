#!/usr/bin/env bash
# Builds the Debian package from a release binary, with dpkg-deb (Debian's
# own tool; nothing to install):
#
#   bash docs/deploy/debian/build.sh                        # builds the binary first
#   bash docs/deploy/debian/build.sh --bin target/release/foraldraskapsstod --out dist
#   bash docs/deploy/debian/build.sh --version 0.1.0-2      # a later revision (tests/ops/deb.sh upgrades with it)
#
# Installs: /usr/bin/foraldraskapsstod; the hardened unit
# /lib/systemd/system/foraldraskapsstod.service; /etc/default/foraldraskapsstod
# (a conffile: every setting commented; upgrades keep your edits); the
# README, DEPLOY.md, OPERATIONS.md and `serve --help` in
# /usr/share/doc/foraldraskapsstod. The maintainer scripts create the
# service's system user and enable the service where systemd runs.
# DEB_MAINTAINER names who builds it (Debian requires a maintainer field).
# Prints the path of the .deb.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../../.." && pwd)"
BIN=""
OUT="$ROOT/target/debian"
VERSION=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        --bin) BIN="$2"; shift 2 ;;
        --out) OUT="$2"; shift 2 ;;
        --version) VERSION="$2"; shift 2 ;;
        -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done
if [[ -z "$BIN" ]]; then
    (cd "$ROOT" && cargo build --release --locked -q)
    BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/foraldraskapsstod"
fi
[[ -x "$BIN" ]] || { echo "no binary at $BIN" >&2; exit 1; }
VERSION="${VERSION:-$(sed -n 's/^version = "\(.*\)"/\1/p' "$ROOT/Cargo.toml" | head -1)-1}"
ARCH="$(dpkg --print-architecture)"
NAME=foraldraskapsstod
STAGE="$(mktemp -d)"
trap 'rm -rf "$STAGE"' EXIT

install -D -m 0755 "$BIN" "$STAGE/usr/bin/$NAME"
# The release profile keeps debug info for profiling; a server package needs none.
strip --strip-debug "$STAGE/usr/bin/$NAME" 2>/dev/null || true
install -D -m 0644 "$HERE/$NAME.service" "$STAGE/lib/systemd/system/$NAME.service"
install -D -m 0640 "$HERE/default" "$STAGE/etc/default/$NAME"
DOC="$STAGE/usr/share/doc/$NAME"
install -D -m 0644 "$HERE/copyright" "$DOC/copyright"
for f in README.md docs/DEPLOY.md docs/OPERATIONS.md; do
    install -m 0644 "$ROOT/$f" "$DOC/$(basename "$f")"
done
"$BIN" serve --help >"$DOC/serve-help.txt"
"$BIN" --help >"$DOC/help.txt"
chmod 0644 "$DOC"/*.txt

mkdir -p "$STAGE/DEBIAN"
install -m 0755 "$HERE/postinst" "$HERE/prerm" "$HERE/postrm" "$STAGE/DEBIAN/"
echo "/etc/default/$NAME" >"$STAGE/DEBIAN/conffiles"
SIZE="$(du -sk --exclude=DEBIAN "$STAGE" | cut -f1)"
cat >"$STAGE/DEBIAN/control" <<CONTROL
Package: $NAME
Version: $VERSION
Architecture: $ARCH
Maintainer: ${DEB_MAINTAINER:-Föräldraskapsstöd open-data API <root@localhost>}
Installed-Size: $SIZE
Depends: libc6, adduser
Section: web
Priority: optional
Description: Open-data API for parenting support (föräldraskapsstöd)
 Parenting-support programmes, Sweden's 290 municipalities with their
 population, sessions, aggregated reach and indicators, and a public page,
 as an HTTP service with an OpenAPI contract. Embedded SQLite by default,
 PostgreSQL for several instances. Runs as its own system user under a
 hardened systemd unit; settings in /etc/default/foraldraskapsstod.
CONTROL
(cd "$STAGE" && find . -type f ! -path './DEBIAN/*' -printf '%P\0' | sort -z | xargs -0 md5sum) >"$STAGE/DEBIAN/md5sums"
mkdir -p "$OUT"
DEB="$OUT/${NAME}_${VERSION}_${ARCH}.deb"
dpkg-deb --root-owner-group -Zxz --build "$STAGE" "$DEB" >/dev/null
echo "$DEB"
