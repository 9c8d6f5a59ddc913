#!/bin/sh
# Writes the lab's zone files into DIR and signs secure.test with NSEC. Usage: zones.sh DIR SERIAL
# Zones (all served by the lab's BIND at 192.0.2.53):
#   example.test                      forward zone: apex MX/TXT (SPF, DMARC, DKIM), common names
#                                     (www, mail, vpn, ns1, ...), host001..host240 and SRV records
#   2.0.192.in-addr.arpa              PTR for every address used in 192.0.2.0/24
#   0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa  PTR for 2001:db8::/64 hosts
#   secure.test                       DNSSEC-signed with NSEC (walkable)
set -eu
D=$1
SERIAL=$2
F=$D/example.test.db
R=$D/2.0.192.in-addr.arpa.db
R6=$D/ip6.db
{
    echo "\$TTL 300"
    echo "@ IN SOA ns1.example.test. hostmaster.example.test. ( $SERIAL 3600 600 86400 300 )"
    echo "@ IN NS ns1"
    echo "@ IN NS ns2"
    echo "@ IN MX 10 mail"
    echo "@ IN MX 20 mx2"
    echo "@ IN A 192.0.2.80"
    echo "@ IN TXT \"v=spf1 mx ip4:192.0.2.0/24 -all\""
    echo "_dmarc IN TXT \"v=DMARC1; p=reject; rua=mailto:dmarc@example.test\""
    echo "sel1._domainkey IN TXT \"v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDlab\""
} > "$F"
echo "\$TTL 300" > "$R"
echo "@ IN SOA ns1.example.test. hostmaster.example.test. ( $SERIAL 3600 600 86400 300 )" >> "$R"
echo "@ IN NS ns1.example.test." >> "$R"
# Named hosts: name, last octet. Chosen to be in the tools' word lists, so brute force finds some.
for pair in ns1:53 ns2:54 mail:25 mx2:26 www:80 vpn:81 ftp:21 dev:90 portal:91 intranet:92 webmail:93 \
    smtp:27 imap:28 pop:29 autodiscover:94 owa:95 remote:96 git:97 jenkins:98 test:99 staging:100 \
    api:101 app:102 db:103 ldap:104 dc1:105 dc2:106 kerberos:107 sip:108 proxy:109 backup:110; do
    n=${pair%%:*} o=${pair#*:}
    echo "$n IN A 192.0.2.$o" >> "$F"
    echo "$o IN PTR $n.example.test." >> "$R"
done
echo "www IN AAAA 2001:db8::80" >> "$F"
echo "mail IN AAAA 2001:db8::25" >> "$F"
echo "vpn IN AAAA 2001:db8::81" >> "$F"
# host001..host120 in 192.0.2.111..230 (forward + reverse); 120 more only in the forward zone.
i=1
while [ $i -le 240 ]; do
    n=$(printf 'host%03d' $i)
    if [ $i -le 120 ]; then
        o=$((110 + i))
        echo "$n IN A 192.0.2.$o" >> "$F"
        echo "$o IN PTR $n.example.test." >> "$R"
    else
        echo "$n IN A 192.0.2.$((i - 120 + 110))" >> "$F"
    fi
    i=$((i + 1))
done
for s in "_ldap._tcp 389 dc1" "_ldap._tcp.dc._msdcs 389 dc1" "_kerberos._udp 88 kerberos" \
    "_kerberos._tcp 88 kerberos" "_kpasswd._udp 464 kerberos" "_gc._tcp 3268 dc1" "_sip._tls 5061 sip" \
    "_sip._udp 5060 sip" "_sips._tcp 5061 sip" "_xmpp-server._tcp 5269 app" "_autodiscover._tcp 443 autodiscover" \
    "_imaps._tcp 993 imap" "_submission._tcp 587 mail" "_caldav._tcp 443 app" "_carddav._tcp 443 app"; do
    set -- $s
    echo "$1 IN SRV 0 100 $2 $3.example.test." >> "$F"
done
# Reverse IPv6 zone for 2001:db8::/64.
{
    echo "\$TTL 300"
    echo "@ IN SOA ns1.example.test. hostmaster.example.test. ( $SERIAL 3600 600 86400 300 )"
    echo "@ IN NS ns1.example.test."
    for pair in 80:www 25:mail 81:vpn 53:ns1; do
        a=${pair%%:*} n=${pair#*:}
        # 2001:db8::XY -> nibbles of the last 16 bits, reversed, then 12 zero nibbles of the interface id.
        h=$(printf '%04x' "0x$a")
        nib=$(echo "$h" | sed 's/./&./g; s/\.$//' | awk -F. '{print $4"."$3"."$2"."$1}')
        echo "$nib.0.0.0.0.0.0.0.0.0.0.0.0 IN PTR $n.example.test."
    done
} > "$R6"
# secure.test, signed with NSEC (no -3): every name is walkable.
S=$D/secure.test.db
{
    echo "\$TTL 300"
    echo "@ IN SOA ns1.example.test. hostmaster.example.test. ( $SERIAL 3600 600 86400 300 )"
    echo "@ IN NS ns1.example.test."
    echo "@ IN MX 10 mail.example.test."
    for n in alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma \
        tau upsilon phi chi psi omega admin billing crm erp hr payroll vault wiki; do
        echo "$n IN A 192.0.2.$(( $(printf '%s' "$n" | cksum | cut -d' ' -f1) % 100 + 1 ))"
    done
} > "$S"
( cd "$D" && dnssec-keygen -q -a ECDSAP256SHA256 -f KSK secure.test > ksk.name 2>/dev/null \
    && dnssec-keygen -q -a ECDSAP256SHA256 secure.test > zsk.name 2>/dev/null \
    && cat "K$(sed 's/^K//' ksk.name).key" "K$(sed 's/^K//' zsk.name).key" >> secure.test.db \
    && dnssec-signzone -q -o secure.test -N keep -f secure.test.db.signed secure.test.db > /dev/null )
