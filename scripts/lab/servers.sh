# Sourced by run.sh: configuration and start of the lab's BIND primary, BIND secondary and Unbound.
# Needs $W (work dir), $L (artifact dir), $SRV, $SEC, $RES set.
primary_conf() {
    cat > "$W/named.conf" <<CONF
options {
    directory "$W";
    pid-file "$W/named.pid";
    session-keyfile "$W/session.key";
    listen-on { 192.0.2.53; 192.0.2.54; 127.0.0.1; };
    listen-on-v6 { 2001:db8::53; };
    recursion no;
    dnssec-validation no;
    notify explicit;
    also-notify { 198.51.100.53; };
    ixfr-from-differences yes;
    dnstap { all; };
    dnstap-output file "$L/dnstap.fstrm";
};
controls { };
acl secondaries { 198.51.100.53; };
// The transfer-test runs (dig AXFR/IXFR, nslookup, dnsrecon axfr) are let through so that the lab
// exercises a transfer that succeeds; every other external client is refused, as on a sane server.
acl leaky { $LEAKY };
logging {
    channel q { file "$L/queries.log"; print-time yes; print-category yes; print-severity yes; severity info; };
    channel x { file "$L/xfer.log"; print-time yes; print-category yes; print-severity yes; severity info; };
    channel d { file "$W/named-default.log"; print-time yes; severity info; };
    category queries { q; };
    category xfer-out { x; };
    category security { x; };
    category default { d; };
};
zone "example.test" { type primary; file "$W/example.test.db"; allow-transfer { secondaries; leaky; }; };
zone "secure.test" { type primary; file "$W/secure.test.db.signed"; allow-transfer { secondaries; }; };
zone "2.0.192.in-addr.arpa" { type primary; file "$W/2.0.192.in-addr.arpa.db"; allow-transfer { secondaries; }; };
zone "0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa" { type primary; file "$W/ip6.db"; allow-transfer { secondaries; }; };
CONF
}
secondary_conf() {
    mkdir -p "$W/sec"
    cat > "$W/sec/named.conf" <<CONF
options {
    directory "$W/sec";
    pid-file "$W/sec/named.pid";
    session-keyfile "$W/sec/session.key";
    listen-on { 198.51.100.53; };
    listen-on-v6 { none; };
    recursion no;
    dnssec-validation no;
    notify no;
};
controls { };
logging { channel d { file "$W/sec/named.log"; print-time yes; severity info; }; category default { d; }; };
CONF
    for z in example.test secure.test 2.0.192.in-addr.arpa 0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa; do
        echo "zone \"$z\" { type secondary; primaries { 192.0.2.53; }; file \"$W/sec/$z.bk\"; };" >> "$W/sec/named.conf"
    done
}
unbound_conf() {
    cat > "$W/unbound.conf" <<CONF
server:
    interface: 127.0.0.1
    outgoing-interface: 198.51.100.10
    access-control: 127.0.0.0/8 allow
    do-ip6: no
    username: ""
    chroot: ""
    directory: "$W"
    pidfile: "$W/unbound.pid"
    logfile: "$W/unbound.log"
    use-syslog: no
    module-config: "iterator"
    qname-minimisation: yes
    do-not-query-localhost: no
    domain-insecure: "test"
    domain-insecure: "arpa"
    local-zone: "test." nodefault
    local-zone: "arpa." nodefault
    local-zone: "2.0.192.in-addr.arpa." nodefault
forward-zone:
    name: "example.test"
    forward-addr: 192.0.2.53
forward-zone:
    name: "secure.test"
    forward-addr: 192.0.2.53
forward-zone:
    name: "2.0.192.in-addr.arpa"
    forward-addr: 192.0.2.53
CONF
}
# wait_dns NS SERVER NAME: until SERVER answers NAME SOA from NS.
wait_dns() {
    i=0
    until ip netns exec "$1" dig +time=1 +tries=1 @"$2" "$3" SOA 2>/dev/null | grep -q 'status: NOERROR'; do
        i=$((i + 1)); [ $i -lt 60 ] || { echo "lab: $2 never answered $3 SOA" >&2; return 1; }
        sleep 0.25
    done
}
start_servers() {
    primary_conf
    secondary_conf
    unbound_conf
    ip netns exec "$SRV" env TZ=UTC named -f -n 1 -u root -c "$W/named.conf" > "$W/named.out" 2>&1 &
    PIDS="$PIDS $!"
    wait_dns "$SRV" 127.0.0.1 example.test
    ip netns exec "$RES" unbound -d -c "$W/unbound.conf" > "$W/unbound.out" 2>&1 &
    PIDS="$PIDS $!"
}
start_secondary() {
    ip netns exec "$SEC" env TZ=UTC named -f -n 1 -u root -c "$W/sec/named.conf" > "$W/sec/named.out" 2>&1 &
    PIDS="$PIDS $!"
}
