#!/usr/bin/env bash
# A throwaway OpenLDAP server on loopback for tests and benchmarks.
#
#   slapd.sh start DIR PORT [--no-sync] [--ldif FILE]   creates DIR (config, data), bulk-loads FILE with slapadd
#                                                       if given (else a base with ou=people, ou=groups), starts
#                                                       slapd on ldap://127.0.0.1:PORT and waits until it answers
#   slapd.sh stop DIR                                   stops it (the data stays until DIR is removed)
#   slapd.sh restart DIR                                starts it again on the same port and data
#
# --no-sync leaves out syncprov and accesslog: a directory without RFC 4533 content sync.
# Suffix dc=example,dc=org; rootdn cn=admin,dc=example,dc=org; its password is in DIR/rootpw.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
command=${1:-}
dir=${2:-}
[[ -n "$command" && -n "$dir" ]] || { echo "usage: slapd.sh start DIR PORT [--no-sync] [--ldif FILE] | stop DIR | restart DIR" >&2; exit 2; }
slapd_bin=$(command -v slapd || echo /usr/sbin/slapd)
slapadd_bin=$(command -v slapadd || echo /usr/sbin/slapadd)

wait_until_up() {
    local port=$1
    for _ in $(seq 1 200); do
        if ldapsearch -x -H "ldap://127.0.0.1:$port" -b "" -s base -LLL namingContexts >/dev/null 2>&1; then return 0; fi
        sleep 0.05
    done
    echo "slapd.sh: slapd on port $port did not answer within 10 s" >&2
    return 1
}

launch() {
    local port
    port=$(cat "$dir/port")
    "$slapd_bin" -h "ldap://127.0.0.1:$port/" -f "$dir/slapd.conf" >"$dir/slapd.log" 2>&1 \
        || { echo "slapd.sh: slapd failed to start:" >&2; cat "$dir/slapd.log" >&2; exit 1; }
    wait_until_up "$port"
}

case "$command" in
start)
    port=${3:-}
    [[ -n "$port" ]] || { echo "slapd.sh start: PORT is required" >&2; exit 2; }
    shift 3
    sync=1
    ldif=""
    while (( $# > 0 )); do
        case "$1" in
        --no-sync) sync=0 ;;
        --ldif) ldif=$2; shift ;;
        *) echo "slapd.sh start: unknown option $1" >&2; exit 2 ;;
        esac
        shift
    done
    mkdir -p "$dir/data" "$dir/accesslog"
    echo secret >"$dir/rootpw"
    echo "$port" >"$dir/port"
    if (( sync )); then
        sed -e "s#@DIR@#$dir#g" -e "s#@ROOTPW@#secret#g" "$here/slapd.conf.in" >"$dir/slapd.conf"
    else
        sed -e "s#@DIR@#$dir#g" -e "s#@ROOTPW@#secret#g" -e '/^#@SYNC/,/^#@SYNC/d' "$here/slapd.conf.in" >"$dir/slapd.conf"
    fi
    if [[ -z "$ldif" ]]; then
        ldif="$dir/base.ldif"
        cat >"$ldif" <<'LDIF'
dn: dc=example,dc=org
objectClass: dcObject
objectClass: organization
dc: example
o: Example

dn: ou=people,dc=example,dc=org
objectClass: organizationalUnit
ou: people

dn: ou=groups,dc=example,dc=org
objectClass: organizationalUnit
ou: groups

dn: ou=alumni,dc=example,dc=org
objectClass: organizationalUnit
ou: alumni
LDIF
    fi
    "$slapadd_bin" -q -f "$dir/slapd.conf" -b dc=example,dc=org -l "$ldif" >"$dir/slapadd.log" 2>&1 \
        || { echo "slapd.sh: slapadd failed:" >&2; cat "$dir/slapadd.log" >&2; exit 1; }
    launch
    ;;
restart)
    launch
    ;;
stop)
    if [[ -f "$dir/slapd.pid" ]]; then
        pid=$(cat "$dir/slapd.pid")
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 1 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
        kill -9 "$pid" 2>/dev/null || true
        rm -f "$dir/slapd.pid"
    fi
    ;;
*)
    echo "slapd.sh: unknown command $command" >&2; exit 2 ;;
esac
