#!/usr/bin/env bash
# Starts or stops a throwaway scim2-server (PyPI, in memory) on loopback for tests.
#
#   scim-server.sh start DIR PORT TOKEN   # serves http://127.0.0.1:PORT/v2; logs and pid in DIR; waits until it answers
#   scim-server.sh stop DIR               # stops the server started with DIR
#
# The server runs from a venv in .venv-tests/ at the repository root, created here when missing
# (.ci/install-deps creates it too). Quirks: HTTP/1.0, one request per connection, count capped at 1000,
# default list order random (page with sortBy), PATCH answers 204.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="${TANDEM_TEST_VENV:-$root/.venv-tests}"
version="0.8.3"

ensure_venv() {
    installed() {
        "$venv/bin/python" -c "import importlib.metadata as m; assert m.version('scim2-server') == '$version'" \
            2>/dev/null
    }
    installed && return
    # Concurrent test suites may both find it missing: one creates it, the others wait.
    exec 9>"$root/.venv-tests.lock"
    flock 9
    if ! installed; then
        python3 -m venv "$venv" >&2
        "$venv/bin/pip" install -q "scim2-server==$version" >&2
    fi
    flock -u 9
}

case "${1:-}" in
start)
    [[ $# -eq 4 ]] || { echo "usage: $0 start DIR PORT TOKEN" >&2; exit 2; }
    dir="$2" port="$3" token="$4"
    ensure_venv
    mkdir -p "$dir"
    set -m  # a background job started from a script otherwise ignores SIGINT
    "$venv/bin/scim2-server" --hostname 127.0.0.1 --port "$port" --bearer-token "$token" >"$dir/scim.log" 2>&1 &
    echo $! >"$dir/scim.pid"
    for _ in $(seq 1 200); do
        if python3 - "$port" <<'PY' 2>/dev/null; then exit 0; fi
import socket, sys
socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=0.2).close()
PY
        if ! kill -0 "$(cat "$dir/scim.pid")" 2>/dev/null; then
            echo "scim2-server exited early; its log:" >&2; cat "$dir/scim.log" >&2; exit 1
        fi
        sleep 0.05
    done
    echo "scim2-server did not answer on port $port within 10 s; its log: $dir/scim.log" >&2
    exit 1
    ;;
stop)
    [[ $# -eq 2 ]] || { echo "usage: $0 stop DIR" >&2; exit 2; }
    pidfile="$2/scim.pid"
    if [[ -f "$pidfile" ]]; then
        pid="$(cat "$pidfile")"
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
        kill -9 "$pid" 2>/dev/null || true
        rm -f "$pidfile"
    fi
    ;;
*)
    echo "usage: $0 start DIR PORT TOKEN | stop DIR" >&2
    exit 2
    ;;
esac
