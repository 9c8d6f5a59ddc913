#!/bin/sh
# Real-BIND lab for crates/formats/tests/real_bind.rs. Needs root, named (bind9), dig
# (bind9-dnsutils), ip (iproute2). Usage: bind_lab.sh WORKDIR TAG
# Builds three network namespaces joined by veth pairs (nothing leaves them):
#   rw<TAG>s  server  192.0.2.53 (on both veths) + 10.0.0.5 on lo as an "internal" client
#   rw<TAG>a  client  198.51.100.7  (allowed to transfer)
#   rw<TAG>b  client  203.0.113.9   (denied)
# named runs with TZ=UTC, so its print-time stamps are UTC.
# runs named there with file logging of queries/xfer-out/security, fires real dig queries, stops
# named, and leaves the logs in WORKDIR/log/. Cleans up namespaces and named on every exit path.
set -eu
W=$1
T=$2
S=rw${T}s A=rw${T}a B=rw${T}b
cleanup() {
    if [ -f "$W/named.pid" ]; then kill "$(cat "$W/named.pid")" 2>/dev/null || true; fi
    for n in $S $A $B; do ip netns del "$n" 2>/dev/null || true; done
}
trap cleanup EXIT INT TERM
mkdir -p "$W/log"
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
cat > "$W/named.conf" <<CONF
options {
    directory "$W";
    pid-file "$W/named.pid";
    listen-on { 127.0.0.1; 192.0.2.53; 10.0.0.5; };
    listen-on-v6 { none; };
    recursion no;
    notify no;
    dnssec-validation no;
};
controls { };
logging {
    channel q { file "$W/log/queries.log"; print-time yes; print-category yes; print-severity yes; severity info; };
    channel x { file "$W/log/xfer.log"; print-time yes; print-category yes; print-severity yes; severity info; };
    category queries { q; };
    category xfer-out { x; };
    category security { x; };
    category default { null; };
};
view internal {
    match-clients { 10.0.0.0/8; };
    zone "example.test" { type primary; file "$W/example.test.db"; allow-transfer { any; }; };
};
view external {
    match-clients { any; };
    zone "example.test" { type primary; file "$W/example.test.db"; allow-transfer { 198.51.100.7; }; };
};
CONF
for n in $S $A $B; do ip netns add "$n"; ip -n "$n" link set lo up; done
ip link add rw${T}sa netns $S type veth peer name rw${T}as netns $A
ip link add rw${T}sb netns $S type veth peer name rw${T}bs netns $B
ip -n $S addr add 10.0.0.5/32 dev lo
ip -n $S addr add 192.0.2.53/32 dev rw${T}sa
ip -n $S addr add 192.0.2.53/32 dev rw${T}sb
ip -n $A addr add 198.51.100.7/32 dev rw${T}as
ip -n $B addr add 203.0.113.9/32 dev rw${T}bs
for l in "$S rw${T}sa" "$S rw${T}sb" "$A rw${T}as" "$B rw${T}bs"; do set -- $l; ip -n "$1" link set "$2" up; done
ip -n $S route add 198.51.100.7/32 dev rw${T}sa src 192.0.2.53
ip -n $S route add 203.0.113.9/32 dev rw${T}sb src 192.0.2.53
ip -n $A route add 192.0.2.53/32 dev rw${T}as src 198.51.100.7
ip -n $B route add 192.0.2.53/32 dev rw${T}bs src 203.0.113.9
# -f (foreground, logging as configured); -g would send every log line to stderr instead.
ip netns exec $S env TZ=UTC named -f -n 1 -u root -c "$W/named.conf" > "$W/named.out" 2>&1 &
i=0
# Readiness probe over the server namespace's own loopback (logged as client 127.0.0.1).
until ip netns exec $S dig +time=1 +tries=1 @127.0.0.1 example.test SOA > /dev/null 2>&1; do
    i=$((i + 1)); [ $i -lt 50 ] || { echo "named did not answer" >&2; cat "$W/named.out" >&2; exit 1; }
    sleep 0.2
done
D="dig +time=2 +tries=1 @192.0.2.53"
ip netns exec $A $D example.test AXFR > "$W/axfr-allowed.txt"
ip netns exec $A $D example.test IXFR=2026110100 +tcp > /dev/null
ip netns exec $A $D example.test ANY > /dev/null
ip netns exec $A $D example.test NS > /dev/null
ip netns exec $A $D example.test MX > /dev/null
ip netns exec $A $D example.test TXT > /dev/null
ip netns exec $A $D +tcp www.example.test A > /dev/null
ip netns exec $B $D example.test AXFR > "$W/axfr-denied.txt" || true
ip netns exec $B $D example.test IXFR=2026110100 +tcp > /dev/null || true
ip netns exec $B $D +norecurse www.example.test A > /dev/null
ip netns exec $B $D vpn.example.test A > /dev/null
ip netns exec $B $D nosuch.example.test AAAA > /dev/null
ip netns exec $S $D -b 10.0.0.5 www.example.test A > /dev/null
ip netns exec $S $D -b 10.0.0.5 example.test AXFR > /dev/null
kill "$(cat "$W/named.pid")"
i=0
while [ -f "$W/named.pid" ] && kill -0 "$(cat "$W/named.pid")" 2>/dev/null; do
    i=$((i + 1)); [ $i -lt 50 ] || break; sleep 0.1
done
echo done
