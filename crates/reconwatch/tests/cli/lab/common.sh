# Shared by live_bind.sh and live_others.sh (sourced, after `set -eu` and with W, S, C set):
# clean-up on every exit path, stopping a daemon by its pid file, the two namespaces, and the
# bulk-enumeration query list.

cleanup() {
    for p in "$W"/*.pid; do [ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null || true; done
    for n in $S $C; do ip netns del "$n" 2>/dev/null || true; done
}
trap cleanup EXIT INT TERM

stop() { # pidfile [signal, default TERM]: signals it and waits up to 10 s for it to exit
    [ -f "$1" ] || return 0
    pid=$(cat "$1")
    kill "-${2:-TERM}" "$pid" 2>/dev/null || true
    i=0
    while kill -0 "$pid" 2>/dev/null; do i=$((i + 1)); [ $i -lt 100 ] || break; sleep 0.1; done
    rm -f "$1"
}

# Server namespace $S (192.0.2.53) and client namespace $C (198.51.100.7, 203.0.113.9), joined by a
# veth pair; nothing is routed out of them.
lab_net() {
    for n in $S $C; do ip netns add "$n"; ip -n "$n" link set lo up; done
    ip -n $S link add vs type veth peer name vc netns $C
    ip -n $S addr add 192.0.2.53/24 dev vs
    ip -n $C addr add 198.51.100.7/24 dev vc
    ip -n $C addr add 203.0.113.9/24 dev vc
    ip -n $S link set vs up
    ip -n $C link set vc up
    ip -n $S route add 198.51.100.0/24 dev vs
    ip -n $S route add 203.0.113.0/24 dev vs
    ip -n $C route add 192.0.2.0/24 dev vc
}

# Enumeration queries: 24 distinct names x TXT, then NS/MX/SOA/TXT of the apex twice (> 30 queries).
bulk_list() {
    : > "$W/bulk.txt"
    i=1; while [ $i -le 24 ]; do echo "h$i.example.test TXT" >> "$W/bulk.txt"; i=$((i + 1)); done
    for k in 1 2; do for q in NS MX SOA TXT; do echo "example.test $q" >> "$W/bulk.txt"; done; done
}
