#!/bin/sh
# Real-BIND lab for crates/formats/tests/real_bind.rs. Needs root, named (bind9), dig
# (bind9-dnsutils), ip (iproute2). Usage: bind_lab.sh WORKDIR TAG
# Builds three network namespaces joined by veth pairs (nothing leaves them):
#   rw<TAG>s  server  192.0.2.53 (on both veths) + 10.0.0.5 on lo as an "internal" client
#   rw<TAG>a  client  198.51.100.7 and 2001:db8::7 (allowed to transfer)
#   rw<TAG>b  client  203.0.113.9   (denied)
#   (server also 2001:db8::53)
# named runs with TZ=UTC, so its print-time stamps are UTC. When rsyslogd is installed, named
# also logs to syslog: the server runs in its own mount and UTS namespaces (host name ns1) with a
# private tmpfs /dev holding the /dev/log socket of a private rsyslogd, which writes the RFC 3164,
# RFC 5424 and RFC 3339 file formats to WORKDIR/log/syslog-*.log.
# runs named there with file logging of queries/xfer-out/security, fires real dig queries, stops
# named, and leaves the logs in WORKDIR/log/. Cleans up namespaces and named on every exit path.
set -eu
export PATH="$PATH:/usr/sbin:/sbin"
W=$1
T=$2
S=rw${T}s A=rw${T}a B=rw${T}b
cleanup() {
    if [ -f "$W/named.pid" ]; then kill "$(cat "$W/named.pid")" 2>/dev/null || true; fi
    if [ -f "$W/rsyslog.pid" ]; then kill "$(cat "$W/rsyslog.pid")" 2>/dev/null || true; fi
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
SYSLOG_CHANNEL= SYSLOG_REF=
if command -v rsyslogd > /dev/null; then
    SYSLOG_CHANNEL='channel sl { syslog daemon; severity info; print-category yes; print-severity yes; };'
    SYSLOG_REF='sl;'
    cat > "$W/rsyslog.conf" <<RSYS
global(workDirectory="$W")
module(load="imuxsock")
if \$programname == 'named' then {
    action(type="omfile" file="$W/log/syslog-3164.log" template="RSYSLOG_TraditionalFileFormat")
    action(type="omfile" file="$W/log/syslog-5424.log" template="RSYSLOG_SyslogProtocol23Format")
    action(type="omfile" file="$W/log/syslog-3339.log" template="RSYSLOG_FileFormat")
}
RSYS
fi
cat > "$W/named.conf" <<CONF
options {
    directory "$W";
    pid-file "$W/named.pid";
    listen-on { 127.0.0.1; 192.0.2.53; 10.0.0.5; };
    listen-on-v6 { 2001:db8::53; };
    recursion no;
    notify no;
    dnssec-validation no;
};
controls { };
logging {
    channel q { file "$W/log/queries.log"; print-time yes; print-category yes; print-severity yes; severity info; };
    channel x { file "$W/log/xfer.log"; print-time yes; print-category yes; print-severity yes; severity info; };
    channel qi { file "$W/log/queries-iso-utc.log"; print-time iso8601-utc; severity info; };
    channel ql { file "$W/log/queries-iso-local.log"; print-time iso8601; print-severity yes; severity info; };
    $SYSLOG_CHANNEL
    category queries { q; qi; ql; $SYSLOG_REF };
    category xfer-out { x; $SYSLOG_REF };
    category security { x; $SYSLOG_REF };
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
for n in $S $A $B; do
    ip netns add "$n"
    ip netns exec "$n" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
    ip -n "$n" link set lo up
done
ip link add rw${T}sa netns $S type veth peer name rw${T}as netns $A
ip link add rw${T}sb netns $S type veth peer name rw${T}bs netns $B
ip -n $S addr add 10.0.0.5/32 dev lo
ip -n $S addr add 192.0.2.53/32 dev rw${T}sa
ip -n $S addr add 192.0.2.53/32 dev rw${T}sb
ip -n $A addr add 198.51.100.7/32 dev rw${T}as
ip -n $S addr add 2001:db8::53/128 dev rw${T}sa nodad
ip -n $A addr add 2001:db8::7/128 dev rw${T}as nodad
ip -n $B addr add 203.0.113.9/32 dev rw${T}bs
for l in "$S rw${T}sa" "$S rw${T}sb" "$A rw${T}as" "$B rw${T}bs"; do set -- $l; ip -n "$1" link set "$2" up; done
ip -n $S route add 198.51.100.7/32 dev rw${T}sa src 192.0.2.53
ip -n $S route add 203.0.113.9/32 dev rw${T}sb src 192.0.2.53
ip -n $A route add 192.0.2.53/32 dev rw${T}as src 198.51.100.7
ip -n $B route add 192.0.2.53/32 dev rw${T}bs src 203.0.113.9
ip -n $S route add 2001:db8::7/128 dev rw${T}sa src 2001:db8::53
ip -n $A route add 2001:db8::53/128 dev rw${T}as src 2001:db8::7
# -f (foreground, logging as configured); -g would send every log line to stderr instead.
if [ -n "$SYSLOG_REF" ]; then
    ip netns exec $S unshare -m -u sh -c '
        set -e
        W=$1
        hostname ns1
        mount --make-rprivate /
        mkdir -p "$W/olddev"
        mount --bind /dev "$W/olddev"
        mount -t tmpfs -o size=1m,mode=755 rwdev /dev
        for d in null zero random urandom; do touch /dev/$d; mount --bind "$W/olddev/$d" /dev/$d; done
        TZ=UTC rsyslogd -f "$W/rsyslog.conf" -i "$W/rsyslog.pid"
        i=0
        until [ -S /dev/log ]; do i=$((i + 1)); [ $i -lt 50 ] || exit 1; sleep 0.1; done
        exec env TZ=UTC named -f -n 1 -u root -c "$W/named.conf"' rwlab "$W" > "$W/named.out" 2>&1 &
else
    ip netns exec $S env TZ=UTC named -f -n 1 -u root -c "$W/named.conf" > "$W/named.out" 2>&1 &
fi
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
ip netns exec $A dig +time=2 +tries=1 @2001:db8::53 mail.example.test A > /dev/null
# An AXFR over UDP (dig always uses TCP for AXFR): a hand-made query sent with bash's /dev/udp.
ip netns exec $A bash -c "printf '\\022\\064\\000\\000\\000\\001\\000\\000\\000\\000\\000\\000\\007example\\004test\\000\\000\\374\\000\\001' > /dev/udp/192.0.2.53/53"
sleep 0.3
ip netns exec $B $D example.test AXFR > "$W/axfr-denied.txt" || true
ip netns exec $B $D example.test IXFR=2026110100 +tcp > /dev/null || true
ip netns exec $B $D example.org AXFR > /dev/null || true
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
if [ -f "$W/rsyslog.pid" ]; then
    P=$(cat "$W/rsyslog.pid")
    kill "$P"
    i=0
    while kill -0 "$P" 2>/dev/null; do i=$((i + 1)); [ $i -lt 50 ] || break; sleep 0.1; done
fi
echo done
