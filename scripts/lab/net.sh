# Sourced by run.sh: network namespaces of the lab. Needs $T (tag) set.
# One server namespace holds a bridge (192.0.2.53/24) into which every client namespace is wired by a
# veth pair; clients use documentation addresses only and route nothing but the lab ranges.
SRV=rwl${T}s
CLIENTS=""
ns_up() { # NAME
    ip netns add "$1"
    ip -n "$1" link set lo up
    ip netns exec "$1" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
        net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
}
net_server() {
    ns_up "$SRV"
    ip -n "$SRV" link add br0 type bridge
    ip -n "$SRV" addr add 192.0.2.53/24 dev br0
    ip -n "$SRV" addr add 192.0.2.54/24 dev br0   # ns2: the zone lists two name servers
    ip -n "$SRV" addr add 2001:db8::53/64 dev br0 nodad
    ip -n "$SRV" link set br0 up
    ip -n "$SRV" route add 2001:db8:d15::/64 dev br0
    ip -n "$SRV" route add 198.51.100.0/24 dev br0
    ip -n "$SRV" route add 203.0.113.0/24 dev br0
    mkdir -p "/etc/netns/$SRV"
    echo "nameserver 127.0.0.1" > "/etc/netns/$SRV/resolv.conf"
}
# net_client NAME RESOLVER ADDR... : a client namespace with these addresses; the first is the source.
net_client() {
    n=$1 res=$2
    shift 2
    ns_up "$n"
    CLIENTS="$CLIENTS $n"
    ip link add "v$n" netns "$SRV" type veth peer name eth0 netns "$n"
    ip -n "$SRV" link set "v$n" master br0 up
    for a in "$@"; do ip -n "$n" addr add "$a/32" dev eth0; done
    ip -n "$n" link set eth0 up
    ip -n "$n" route add 192.0.2.0/24 dev eth0 src "$1"
    mkdir -p "/etc/netns/$n"
    echo "nameserver $res" > "/etc/netns/$n/resolv.conf"
}
# net_client6 NAME ADDR...: an IPv6-only client namespace (2001:db8:d15::/64) asking 2001:db8::53.
net_client6() {
    n=$1
    shift
    ns_up "$n"
    CLIENTS="$CLIENTS $n"
    ip link add "v$n" netns "$SRV" type veth peer name eth0 netns "$n"
    ip -n "$SRV" link set "v$n" master br0 up
    for a in "$@"; do ip -n "$n" addr add "$a/128" dev eth0 nodad; done
    ip -n "$n" link set eth0 up
    ip -n "$n" route add 2001:db8::/64 dev eth0 src "$1"
    mkdir -p "/etc/netns/$n"
    echo "nameserver 2001:db8::53" > "/etc/netns/$n/resolv.conf"
}
# use_source NAME ADDR: later connections from NAME leave from ADDR.
use_source() { ip -n "$1" route replace 192.0.2.0/24 dev eth0 src "$2"; }
net_cleanup() {
    for n in $CLIENTS $SRV; do
        ip netns del "$n" 2>/dev/null || true
        rm -rf "/etc/netns/$n"
    done
}
