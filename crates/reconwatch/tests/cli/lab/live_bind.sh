#!/bin/sh
# Real-BIND lab for tests/cli/lab_live.rs (root; needs named, dig, tcpdump, ip).
# Usage: live_bind.sh WORKDIR TAG RECONWATCH
# Two network namespaces joined by a veth pair (nothing leaves them):
#   rw<TAG>s  server  192.0.2.53, and 10.0.0.5 on lo as an internal client
#   rw<TAG>c  client  198.51.100.7 (allowed to transfer) and 203.0.113.9 (denied)
# The acceptance scenario (external AXFR that succeeds, external AXFR that is refused, bulk
# enumeration, background lookups) runs twice against the same named configuration, because
# BIND writes dnstap to one destination only:
#   phase "sock": dnstap-output unix to a live `reconwatch hunt --dnstap-socket` (started first,
#                 SIGTERMed after named stopped) -> WORKDIR/live.jsonl, live.err, live.rc
#   phase "file": dnstap-output file -> WORKDIR/file/dnstap.tap
# and in each phase the query log and xfer/security log (WORKDIR/PHASE/queries.log, xfer.log)
# and a tcpdump pcap of the veth (WORKDIR/PHASE/dns.pcap). Cleans up on every exit path.
set -eu
export PATH="$PATH:/usr/sbin:/sbin"
W=$1 T=$2 RW=$3
S=rw${T}s C=rw${T}c
. "$(dirname "$0")/common.sh"
cat > "$W/example.test.db" <<'ZONE'
$TTL 300
@       IN SOA ns1.example.test. hostmaster.example.test. ( 2026112701 3600 600 86400 300 )
        IN NS  ns1.example.test.
        IN MX  10 mail.example.test.
        IN TXT "v=spf1 mx -all"
ns1     IN A   192.0.2.53
mail    IN A   192.0.2.25
www     IN A   192.0.2.80
vpn     IN A   192.0.2.81
ZONE
lab_net
ip -n $S addr add 10.0.0.5/32 dev lo
bulk_list

phase() { # NAME DNSTAP-OUTPUT
    P=$W/$1
    mkdir -p "$P"
    cat > "$P/named.conf" <<CONF
options {
    directory "$W";
    pid-file "$W/named.pid";
    listen-on { 127.0.0.1; 192.0.2.53; 10.0.0.5; };
    listen-on-v6 { none; };
    recursion no;
    notify no;
    dnssec-validation no;
    dnstap { all; };
    dnstap-output $2;
    dnstap-identity "ns1";
};
controls { };
logging {
    channel q { file "$P/queries.log"; print-time yes; print-category yes; print-severity yes; severity info; };
    channel x { file "$P/xfer.log"; print-time yes; print-category yes; print-severity yes; severity info; };
    category queries { q; };
    category xfer-out { x; };
    category security { x; };
    category default { null; };
};
zone "example.test" { type primary; file "$W/example.test.db"; allow-transfer { 198.51.100.7; 10.0.0.5; }; };
CONF
    ip netns exec $S tcpdump -i vs -U -w "$P/dns.pcap" port 53 > "$P/tcpdump.out" 2>&1 &
    echo $! > "$W/tcpdump.pid"
    ip netns exec $S env TZ=UTC named -f -n 1 -u root -c "$P/named.conf" > "$P/named.out" 2>&1 &
    i=0
    until ip netns exec $S dig +time=1 +tries=1 @127.0.0.1 example.test SOA > /dev/null 2>&1; do
        i=$((i + 1)); [ $i -lt 50 ] || { echo "named did not answer" >&2; cat "$P/named.out" >&2; exit 1; }
        sleep 0.2
    done
    sleep 1 # tcpdump is capturing by now
    D="dig +time=2 +tries=1 @192.0.2.53"
    # Background lookups: internal, and ordinary external ones.
    for h in www mail vpn; do ip netns exec $S $D -b 10.0.0.5 $h.example.test A > /dev/null; done
    for h in www mail; do ip netns exec $C $D -b 198.51.100.7 $h.example.test A > /dev/null; done
    # An external AXFR that succeeds, and one that is refused.
    ip netns exec $C $D -b 198.51.100.7 example.test AXFR > "$P/axfr-allowed.txt"
    ip netns exec $C $D -b 203.0.113.9 example.test AXFR > "$P/axfr-denied.txt" || true
    # Bulk enumeration from the denied address.
    ip netns exec $C $D -b 203.0.113.9 -f "$W/bulk.txt" > /dev/null
    ip netns exec $C $D -b 198.51.100.7 vpn.example.test A > /dev/null
    sleep 1
    stop "$W/named.pid" TERM
    sleep 0.5
    stop "$W/tcpdump.pid" INT
}

"$RW" hunt --format jsonl --dnstap-socket "$W/dnstap.sock" > "$W/live.jsonl" 2> "$W/live.err" &
echo $! > "$W/reconwatch.pid"
i=0
until grep -q "listening for dnstap" "$W/live.err" 2>/dev/null; do
    i=$((i + 1)); [ $i -lt 100 ] || { echo "reconwatch did not listen" >&2; cat "$W/live.err" >&2; exit 1; }
    sleep 0.1
done
phase sock "unix \"$W/dnstap.sock\""
RWPID=$(cat "$W/reconwatch.pid")
kill -TERM "$RWPID"
rc=0; wait "$RWPID" || rc=$?
rm -f "$W/reconwatch.pid"
echo $rc > "$W/live.rc"
phase file "file \"$W/file/dnstap.tap\""
