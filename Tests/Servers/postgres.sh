#!/usr/bin/env bash
# A throwaway PostgreSQL on loopback for tests (RECIPES.md, "PostgreSQL").
#
#   Tests/Servers/postgres.sh start DIR [PORT]   initdb + start; prints the port it listens on
#   Tests/Servers/postgres.sh stop DIR           stops it and removes its data
#
# Without PORT (or with 0) a free port is chosen, retrying if another suite takes it first.
# As root (CI), the server runs as the 'postgres' user via runuser; otherwise as the caller.
# Authentication is 'trust' on 127.0.0.1 only: user 'postgres', database 'postgres'.
set -euo pipefail

die() { echo "postgres.sh: $*" >&2; exit 1; }

bindir() {
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    [[ -n "$dir" && -x "$dir/initdb" ]] || die "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb); run .ci/install-deps"
    echo "$dir"
}

as_server() {
    if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
    local port
    for _ in $(seq 1 50); do
        port=$(( 20000 + RANDOM % 40000 ))
        if ! (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null; then echo "$port"; return; fi
    done
    die "found no free port"
}

start() {
    local dir=${1:?usage: postgres.sh start DIR [PORT]} port=${2:-0}
    local bin data
    bin=$(bindir)
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    [[ ! -e "$dir/pgdata" ]] || die "$dir already holds a PostgreSQL (stop it first)"
    # The data lives where the server's user can reach it whatever the permissions above DIR.
    data=$(mktemp -d /tmp/tandem-pg.XXXXXX)
    if [[ $(id -u) -eq 0 ]]; then
        id postgres >/dev/null 2>&1 || die "there is no 'postgres' user to run the server as"
        chown postgres:postgres "$data"
    fi
    ln -s "$data" "$dir/pgdata"
    as_server "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
    local attempt chosen
    for attempt in 1 2 3 4 5; do
        chosen=$port
        [[ "$chosen" != 0 ]] || chosen=$(free_port)
        if as_server "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w -t 30 \
            -o "-p $chosen -k $data -c listen_addresses=127.0.0.1 -c fsync=off" start >"$dir/pg_ctl.log" 2>&1; then
            echo "$chosen" >"$dir/port"
            echo "$chosen"
            return
        fi
        [[ "$port" == 0 ]] || break
    done
    cat "$dir/pg_ctl.log" "$data/server.log" >&2 2>/dev/null || true
    die "PostgreSQL did not start (see above)"
}

stop() {
    local dir=${1:?usage: postgres.sh stop DIR}
    [[ -L "$dir/pgdata" ]] || return 0
    local data bin
    data=$(readlink "$dir/pgdata")
    bin=$(bindir)
    as_server "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf -- "$data"
    rm -f -- "$dir/pgdata" "$dir/port"
}

case "${1:-}" in
    start) shift; start "$@" ;;
    stop) shift; stop "$@" ;;
    *) die "usage: postgres.sh start DIR [PORT] | stop DIR" ;;
esac
