#!/bin/sh
# The reconnaissance lab (issue 7, atomic tests). Usage, as root: scripts/lab/run.sh OUTDIR
# Starts BIND 9 (query log, xfer-out/security log, dnstap), a BIND secondary and Unbound in network
# namespaces of their own (documentation addresses only; nothing leaves them), records the traffic
# with dumpcap and the tool processes with auditd, runs every reconnaissance tool from its own
# address in an "external" namespace and the benign baselines from theirs, and leaves in OUTDIR:
#   queries.log xfer.log dnstap.fstrm lab.pcapng audit.log    the five artifacts to hunt
#   runs.tsv       label, source address, login uid, start, end, exit status of each run
#   tools/*.out    each tool's own output
# Exit 77 with "SKIPPED: reason" when not root or a program is missing. See docs/LAB.md.
set -eu
export PATH="/usr/sbin:/usr/bin:/sbin:/bin"
HERE=$(cd "$(dirname "$0")" && pwd)
skip() { echo "SKIPPED: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "the lab needs root (network namespaces, auditd)"
for p in ip named dig nslookup dnssec-keygen dnssec-signzone unbound dumpcap tshark auditctl auditd ausearch \
    dnsrecon fierce dnsenum ldns-walk timeout python3; do
    command -v "$p" > /dev/null || skip "$p missing (scripts/install-test-deps installs the lab's packages)"
done
auditctl -s > /dev/null 2>&1 || skip "auditctl cannot talk to the kernel audit subsystem"
auditctl -s | grep -q 'loginuid_immutable 1' && skip "loginuid is immutable, so runs cannot get login uids of their own"
L=$(mkdir -p "$1" && cd "$1" && pwd)
TN=$(($$ % 10000))
T=$(printf '%04d' $TN)
W=""
mkdir -p "$L/tools"
rm -f "$L/queries.log" "$L/xfer.log" "$L/dnstap.fstrm" "$L/lab.pcapng" "$L/audit.log"
. "$HERE/net.sh"
. "$HERE/servers.sh"
. "$HERE/baselines.sh"
EXT=rwl${T}x DIS=rwl${T}d RES=rwl${T}r MAIL=rwl${T}m MON=rwl${T}n SEC=rwl${T}2
KEY=rwlab-$T
AUID0=$((1900000000 + TN * 100))
PIDS=""
AUDITD_STARTED=""
AUDIT_RULE="always,exit -F arch=b64 -S execve -F auid>=$AUID0 -F auid<=$((AUID0 + 99)) -F key=$KEY"
cleanup() {
    rm -f "$W/running"
    for p in $PIDS; do kill "$p" 2>/dev/null || true; done
    [ -n "${CAP:-}" ] && kill -INT "$CAP" 2>/dev/null || true
    sleep 0.5
    auditctl -d $AUDIT_RULE > /dev/null 2>&1 || true
    [ -n "$AUDITD_STARTED" ] && { kill "$AUDITD_STARTED" 2>/dev/null || true; auditctl -e "$AUDIT_ENABLED" > /dev/null 2>&1 || true; }
    net_cleanup
    [ -z "$W" ] || rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
W=$(mktemp -d "/tmp/rwlab-$T.XXXXXX")
now() { date -u +%Y-%m-%dT%H:%M:%S.%3NZ; }

# Transfer-test runs that the primary lets through (see servers.sh).
LEAKY="203.0.113.11; 203.0.113.12; 203.0.113.14; 203.0.113.22;"
EXT_ADDRS="203.0.113.11 203.0.113.12 203.0.113.13 203.0.113.14 203.0.113.21 203.0.113.22 203.0.113.23 203.0.113.24
203.0.113.25 203.0.113.31 203.0.113.41 203.0.113.51"
# The benign baselines run this long (seconds); the tool runs are spread over the first two thirds.
LAB_SECONDS=${LAB_SECONDS:-150}
sh "$HERE/zones.sh" "$W" 2026112701
net_server
# shellcheck disable=SC2086
net_client "$EXT" 192.0.2.53 $EXT_ADDRS
# shellcheck disable=SC2046
net_client6 "$DIS" $(seq -f '2001:db8:d15::%g' 100 139)
net_client "$RES" 127.0.0.1 198.51.100.10
net_client "$MAIL" 192.0.2.53 198.51.100.25
net_client "$MON" 192.0.2.53 198.51.100.60
net_client "$SEC" 192.0.2.53 198.51.100.53

ip netns exec "$SRV" dumpcap -q -i br0 -f "port 53" -w "$L/lab.pcapng" > "$W/dumpcap.out" 2>&1 &
CAP=$!
sleep 1
start_servers
wait_dns "$RES" 127.0.0.1 example.test

AUDIT_ENABLED=$(auditctl -s | sed -n 's/^enabled //p')
if [ "$(auditctl -s | sed -n 's/^pid //p')" = 0 ]; then
    auditd
    i=0
    while [ "$(auditctl -s | sed -n 's/^pid //p')" = 0 ]; do
        i=$((i + 1)); [ $i -lt 50 ] || skip "auditd never registered with the kernel"; sleep 0.2
    done
    AUDITD_STARTED=$(auditctl -s | sed -n 's/^pid //p')
fi
# shellcheck disable=SC2086
auditctl -a $AUDIT_RULE > /dev/null || skip "the kernel refused the audit rule"

start_secondary
start_baselines
printf 'label\tsource\tauid\tstart\tend\tstatus\n' > "$L/runs.tsv"
N=0
# run LABEL ADDR CMD...: CMD in the external namespace from ADDR under a login uid of its own.
run() {
    label=$1 addr=$2
    shift 2
    N=$((N + 1))
    auid=$((AUID0 + N))
    use_source "$EXT" "$addr"
    sleep "${GAP:-4}"
    start=$(now)
    for try in 1 2; do
        st=0
        sh -c "echo $auid > /proc/self/loginuid && cd '$W' && exec ip netns exec $EXT timeout 90 \"\$@\"" sh "$@" \
            > "$L/tools/$label.out" 2>&1 < /dev/null || st=$?
        # A tool killed by a signal (dnsenum's Perl threads die of SIGSEGV now and then, before its
        # reverse sweep) runs once more, from the same address and inside the same recorded window.
        [ "$st" -gt 128 ] && [ "$try" = 1 ] || break
        echo "lab: $label died of signal $((st - 128)) (exit $st); running it once more"
        mv "$L/tools/$label.out" "$L/tools/$label.out.1"
    done
    end=$(now)
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$addr" "$auid" "$start" "$end" "$st" >> "$L/runs.tsv"
    echo "lab: $label from $addr: exit $st ($start .. $end)"
}
S=192.0.2.53
T0=$(date +%s)
sleep 10
run dig-axfr 203.0.113.11 sh -c "dig @$S example.test AXFR; dig @$S secure.test AXFR"
run dig-ixfr 203.0.113.12 dig @$S example.test IXFR=2026110100
run dig-any 203.0.113.13 dig @$S example.test ANY
run nslookup-axfr 203.0.113.14 nslookup -type=axfr example.test $S
run dnsrecon-std 203.0.113.21 dnsrecon -d example.test -n $S -t std
run dnsrecon-axfr 203.0.113.22 dnsrecon -d example.test -n $S -t axfr
# Midway: the zone changes; the primary NOTIFYs the secondary, which pulls an IXFR.
echo "ixfr-probe IN A 192.0.2.240" >> "$W/example.test.db"
sed -i 's/2026112701/2026112702/' "$W/example.test.db"
kill -HUP "$(cat "$W/named.pid")"
run dnsrecon-brt 203.0.113.23 dnsrecon -d example.test -n $S -t brt -D /usr/share/dnsrecon/namelist.txt
run dnsrecon-rvl 203.0.113.24 dnsrecon -r 192.0.2.0/24 -n $S -t rvl
run dnsrecon-zonewalk 203.0.113.25 dnsrecon -d secure.test -n $S -t zonewalk
run fierce 203.0.113.31 fierce --domain example.test --dns-servers $S
run dnsenum 203.0.113.41 dnsenum --nocolor --dnsserver $S --threads 5 -t 3 example.test
run ldns-walk 203.0.113.51 ldns-walk @$S secure.test
# Distributed brute force: dnsrecon's word list split over 40 addresses of one /64 (48 names each, A and
# AAAA), all at once, each a `dig -b ADDR -f BATCH` (a botnet or a fleet of cloud functions), over IPv6
# from a network no other run uses.
split -d -l 48 /usr/share/dnsrecon/namelist.txt "$W/chunk."
sleep 4
i=100
start=$(now)
DP=""
for c in "$W"/chunk.*; do
    sed 's/.*/&.example.test A\n&.example.test AAAA/' "$c" > "$c.batch"
    N=$((N + 1))
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' distributed-brt "2001:db8:d15::$i" "$((AUID0 + N))" "$start" "" 0 >> "$W/dist.tsv"
    sh -c "echo $((AUID0 + N)) > /proc/self/loginuid && exec ip netns exec $DIS dig -b 2001:db8:d15::$i \
        @2001:db8::53 +time=2 +tries=1 -f $c.batch" > "$L/tools/distributed-brt-$i.out" 2>&1 < /dev/null &
    DP="$DP $!"
    i=$((i + 1))
done
# shellcheck disable=SC2086
wait $DP
end=$(now)
sed "s/\t\t0\$/\t$end\t0/" "$W/dist.tsv" >> "$L/runs.tsv"
echo "lab: distributed-brt from 2001:db8:d15::100-$((i - 1)) ($start .. $end)"
while [ $(($(date +%s) - T0)) -lt "$LAB_SECONDS" ]; do sleep 1; done
rm -f "$W/running"
wait_for() { i=0; while kill -0 "$1" 2>/dev/null; do i=$((i + 1)); [ $i -lt 50 ] || break; sleep 0.1; done; }
for p in $PIDS; do kill "$p" 2>/dev/null || true; wait_for "$p"; done
PIDS=""
kill -INT "$CAP"; wait_for "$CAP"; CAP=""
# auditd writes asynchronously: wait until the last run's exec is there.
i=0
until ausearch --raw -k "$KEY" 2>/dev/null | grep -q 'chunk.39.batch'; do
    i=$((i + 1)); [ $i -lt 60 ] || { echo "lab: ausearch never showed the last run" >&2; break; }; sleep 0.3
done
ausearch --raw -k "$KEY" > "$L/audit.log" 2>/dev/null || true
grep -q 'transfer of' "$L/xfer.log" || { echo "lab: no transfer logged" >&2; exit 1; }
echo "lab: artifacts in $L"
