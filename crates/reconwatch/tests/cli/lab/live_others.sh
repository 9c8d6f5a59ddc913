#!/bin/sh
# Knot DNS (mod-dnstap) and Unbound (dnstap) streaming to one live reconwatch, for
# tests/cli/lab_live.rs (root; needs knotd + knot-module-dnstap, unbound, dig, ip).
# Usage: live_others.sh WORKDIR TAG RECONWATCH
# Namespaces as in live_bind.sh: server rw<TAG>s 192.0.2.53, client rw<TAG>c with 198.51.100.7
# (allowed to transfer from Knot) and 203.0.113.9. Each server in turn answers the scenario
# (AXFR from both clients, bulk enumeration from .9, background lookups from .7) while sending
# dnstap to `reconwatch hunt --dnstap-socket WORKDIR/dnstap.sock`; then reconwatch gets SIGTERM.
# Output: WORKDIR/live.jsonl, live.err, live.rc; each server's log in WORKDIR/<server>.log.
set -eu
export PATH="$PATH:/usr/sbin:/sbin"
W=$1 T=$2 RW=$3
S=rw${T}s C=rw${T}c
. "$(dirname "$0")/common.sh"
lab_net
cat > "$W/example.test.db" <<'ZONE'
$TTL 300
@       IN SOA ns1.example.test. hostmaster.example.test. ( 2026112701 3600 600 86400 300 )
        IN NS  ns1.example.test.
        IN MX  10 mail.example.test.
        IN TXT "v=spf1 mx -all"
ns1     IN A   192.0.2.53
www     IN A   192.0.2.80
ZONE
bulk_list

scenario() {
    D="dig +time=2 +tries=1 @192.0.2.53"
    i=0
    until ip netns exec $C $D -b 198.51.100.7 www.example.test A > /dev/null 2>&1; do
        i=$((i + 1)); [ $i -lt 50 ] || { echo "$1 did not answer" >&2; cat "$W/$1.log" >&2; exit 1; }
        sleep 0.2
    done
    ip netns exec $C $D -b 198.51.100.7 example.test AXFR > "$W/$1-axfr-allowed.txt" || true
    ip netns exec $C $D -b 203.0.113.9 example.test AXFR > /dev/null || true
    ip netns exec $C $D -b 203.0.113.9 -f "$W/bulk.txt" > /dev/null
    ip netns exec $C $D -b 198.51.100.7 ns1.example.test A > /dev/null
    sleep 1
}

"$RW" hunt --format jsonl --dnstap-socket "$W/dnstap.sock" > "$W/live.jsonl" 2> "$W/live.err" &
echo $! > "$W/reconwatch.pid"
i=0
until grep -q "listening for dnstap" "$W/live.err" 2>/dev/null; do
    i=$((i + 1)); [ $i -lt 100 ] || { echo "reconwatch did not listen" >&2; cat "$W/live.err" >&2; exit 1; }
    sleep 0.1
done

mkdir -p "$W/knot"
cat > "$W/knot.conf" <<CONF
server:
    rundir: "$W/knot"
    user: root:root
    listen: 192.0.2.53@53
database:
    storage: "$W/knot"
log:
  - target: stderr
    any: info
acl:
  - id: xfr
    address: 198.51.100.7
    action: transfer
mod-dnstap:
  - id: tap
    sink: "unix:$W/dnstap.sock"
    identity: "knot1"
    log-queries: on
    log-responses: on
template:
  - id: default
    global-module: mod-dnstap/tap
zone:
  - domain: example.test
    file: "$W/example.test.db"
    acl: xfr
CONF
ip netns exec $S knotd -c "$W/knot.conf" > "$W/knot.log" 2>&1 &
echo $! > "$W/knot.pid"
scenario knot
stop "$W/knot.pid"

cat > "$W/unbound.conf" <<CONF
server:
    interface: 192.0.2.53
    port: 53
    do-daemonize: no
    username: ""
    chroot: ""
    directory: "$W"
    pidfile: "$W/unbound.run"
    use-syslog: no
    logfile: ""
    module-config: "iterator"
    access-control: 0.0.0.0/0 allow
    local-zone: "example.test." static
    local-data: "example.test. 300 IN SOA ns1.example.test. hostmaster.example.test. 1 3600 600 86400 300"
    local-data: "example.test. 300 IN NS ns1.example.test."
    local-data: "example.test. 300 IN MX 10 ns1.example.test."
    local-data: 'example.test. 300 IN TXT "v=spf1 mx -all"'
    local-data: "www.example.test. 300 IN A 192.0.2.80"
    local-data: "ns1.example.test. 300 IN A 192.0.2.53"
remote-control:
    control-enable: no
dnstap:
    dnstap-enable: yes
    dnstap-socket-path: "$W/dnstap.sock"
    dnstap-send-identity: yes
    dnstap-identity: "unbound1"
    dnstap-log-client-query-messages: yes
    dnstap-log-client-response-messages: yes
CONF
ip netns exec $S unbound -d -c "$W/unbound.conf" > "$W/unbound.log" 2>&1 &
echo $! > "$W/unbound.pid"
scenario unbound
stop "$W/unbound.pid"

RWPID=$(cat "$W/reconwatch.pid")
kill -TERM "$RWPID"
rc=0; wait "$RWPID" || rc=$?
rm -f "$W/reconwatch.pid"
echo $rc > "$W/live.rc"
