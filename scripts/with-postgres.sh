#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL cluster.
#
#   scripts/with-postgres.sh CMD [ARGS...]
#
# Creates a temporary cluster (trust auth, no fsync; fast and disposable),
# listening on 127.0.0.1 on a free port, creates database `valitila_test`,
# runs CMD with
#   TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:PORT/valitila_test
# exported, then stops the cluster and deletes its directory (also when CMD
# fails or the script is interrupted). Exits with CMD's exit code.
#
# PostgreSQL binaries: `pg_config --bindir`, else the highest
# /usr/lib/postgresql/*/bin; if none and running as root, installs Debian's
# `postgresql` package. As root the server runs as the `postgres` user
# (initdb refuses root); as a normal user it runs as that user.
set -euo pipefail

if [ "$#" -eq 0 ]; then
    echo "usage: $0 CMD [ARGS...]" >&2
    exit 2
fi

log() { echo "with-postgres: $*" >&2; }

# --- locate the server binaries ---------------------------------------------
find_bindir() {
    local dir
    if command -v pg_config >/dev/null 2>&1; then
        dir="$(pg_config --bindir 2>/dev/null || true)"
        # pg_config may come from libpq-dev without the server installed.
        if [ -n "$dir" ] && [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
            echo "$dir"
            return 0
        fi
    fi
    # Debian layout: /usr/lib/postgresql/<major>/bin; take the highest major
    # (numeric comparison, so 9.6 < 10 < 15).
    local best="" best_ver=-1 ver
    for dir in /usr/lib/postgresql/*/bin; do
        if [ ! -x "$dir/initdb" ] || [ ! -x "$dir/pg_ctl" ]; then continue; fi
        ver="${dir#/usr/lib/postgresql/}"
        ver="${ver%%/*}"
        ver="${ver%%.*}"
        case "$ver" in ''|*[!0-9]*) continue ;; esac
        if [ "$ver" -gt "$best_ver" ]; then best="$dir"; best_ver="$ver"; fi
    done
    [ -n "$best" ] || return 1
    echo "$best"
}

if ! BINDIR="$(find_bindir)"; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        log "PostgreSQL server binaries not found; installing Debian package 'postgresql'..."
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq postgresql >/dev/null
    fi
    if ! BINDIR="$(find_bindir)"; then
        log "PostgreSQL server binaries (initdb, pg_ctl) not found."
        log "  Install them with:  sudo apt-get install postgresql"
        log "  (looked at \`pg_config --bindir\` and /usr/lib/postgresql/*/bin)"
        exit 1
    fi
fi

# --- how to run server commands (as postgres when we are root) ---------------
if [ "$(id -u)" -eq 0 ]; then
    if ! id postgres >/dev/null 2>&1; then
        log "running as root but there is no 'postgres' user to run the server as."
        log "  Create one (e.g. apt-get install postgresql does) or run as a normal user."
        exit 1
    fi
    # cd / so the postgres user is not left in a directory it cannot read.
    as_pg() { (cd / && runuser -u postgres -- "$@"); }
else
    as_pg() { "$@"; }
fi

# --- cluster setup and guaranteed teardown ------------------------------------
# As root the directory must be reachable by the postgres user, so use /tmp
# rather than a possibly private $TMPDIR.
if [ "$(id -u)" -eq 0 ]; then tmpbase=/tmp; else tmpbase="${TMPDIR:-/tmp}"; fi
PGTMP="$(mktemp -d "$tmpbase/valitila-pg.XXXXXX")"
started=0

# shellcheck disable=SC2317  # invoked via trap
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if [ "$started" -eq 1 ]; then
        as_pg "$BINDIR/pg_ctl" -D "$PGTMP" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$PGTMP"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ "$(id -u)" -eq 0 ]; then
    chown postgres: "$PGTMP"
fi
chmod 700 "$PGTMP"

# A stable, environment-independent locale: C.UTF-8 (code point ordering,
# Unicode-aware upper/lower) where available, else plain C.
locale_opt=--locale=C
if locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$'; then
    locale_opt=--locale=C.UTF-8
fi

if ! initdb_out="$(as_pg "$BINDIR/initdb" -D "$PGTMP" -A trust -U postgres -E UTF8 \
        "$locale_opt" --no-sync 2>&1)"; then
    echo "$initdb_out" >&2
    log "initdb failed"
    exit 1
fi

# Ask the kernel for a free port; without python3 fall back to a random high
# port (the retry loop below covers the unlikely collision).
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' \
        2>/dev/null || echo $((20000 + RANDOM % 40000))
}

# Another process could grab the port between probing and binding: retry.
for attempt in 1 2 3; do
    PORT="$(free_port)"
    if as_pg "$BINDIR/pg_ctl" -D "$PGTMP" \
            -o "-k $PGTMP -p $PORT -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
            -w -t 60 -l "$PGTMP/log" start >/dev/null; then
        started=1
        break
    fi
    log "server start failed on port $PORT (attempt $attempt)"
done
if [ "$started" -ne 1 ]; then
    log "could not start PostgreSQL; server log follows:"
    cat "$PGTMP/log" >&2 || true
    exit 1
fi

"$BINDIR/createdb" -h 127.0.0.1 -p "$PORT" -U postgres valitila_test

export TEST_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:$PORT/valitila_test"
# For the test that stops and restarts the cluster (the 503 answer while it is down).
export TEST_PG_BINDIR="$BINDIR" TEST_PG_DATA="$PGTMP" TEST_PG_PORT="$PORT"
log "PostgreSQL $("$BINDIR/pg_ctl" --version | awk '{print $3}') on 127.0.0.1:$PORT, TEST_DATABASE_URL exported"

# Run the command; its status becomes ours (cleanup runs via the EXIT trap).
set +e
"$@"
rc=$?
set -e
exit "$rc"
