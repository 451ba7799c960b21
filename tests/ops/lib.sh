# shellcheck shell=bash
# What the operations scripts share; sourced, not run:
#
#   source tests/ops/lib.sh
#   ops_binary                 # BIN: $FST_BIN, or a release build made now
#   ops_database crash         # DATABASE_URL: a new PostgreSQL database crash_<pid>
#                              #   when PG_ADMIN is set (kept in DB), else a SQLite
#                              #   file in $WORK
#   ops_drop_database          # in the script's cleanup: drops DB, if any
#   PORT=$(free_port); wait_ready "http://127.0.0.1:$PORT" || exit 1

ops_binary() {
    if [[ -n "${FST_BIN:-}" ]]; then
        BIN=$(realpath "$FST_BIN")
    else
        cargo build --release -q
        BIN="${CARGO_TARGET_DIR:-target}/release/foraldraskapsstod"
    fi
    [[ -x "$BIN" ]] || { echo "no binary at $BIN" >&2; exit 1; }
}

ops_database() { # name
    DB=""
    if [[ -n "${PG_ADMIN:-}" ]]; then
        command -v psql >/dev/null || { echo "psql is needed for --postgres" >&2; exit 1; }
        DB="$1_$$"
        psql "$PG_ADMIN" -qc "CREATE DATABASE $DB" >/dev/null
        export DATABASE_URL="${PG_ADMIN%/*}/$DB"
    else
        export DATABASE_URL="sqlite://$WORK/$1.db?mode=rwc"
    fi
}

ops_drop_database() {
    if [[ -n "${DB:-}" ]]; then
        psql "$PG_ADMIN" -qc "ALTER DATABASE $DB ALLOW_CONNECTIONS true" >/dev/null 2>&1 || true
        psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
    fi
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Waits up to 30 s for URL/health/ready to answer 200.
wait_ready() { # url
    for _ in $(seq 300); do
        curl -sf "$1/health/ready" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "$1 did not become ready" >&2
    return 1
}
