# Sourced by run.sh: the benign baselines. Each loops until $W/running disappears.
# Every one of them uses real software or plain dig from its own documentation address:
#   users behind Unbound (198.51.100.10)  many users' lookups of existing names (A, AAAA), 10% search-list
#                                         expansions (www.google.com.example.test: NXDOMAIN); Unbound caches
#   mail server (198.51.100.25)           per message: SPF/DKIM/DMARC TXT, MX, FCrDNS PTR + A of the peer;
#                                         repeats within a TTL are served from its own cache (not re-asked)
#   monitoring (198.51.100.60)            every 30 s: SOA example.test and A www.example.test
#   secondary (198.51.100.53)             BIND secondary: AXFR of all zones at start, IXFR on NOTIFY
alive() { [ -f "$W/running" ]; }
users() {
    names="www mail vpn portal intranet webmail owa autodiscover git jenkins api app wiki"
    # Search-list expansion: a user's resolver library tries "name.example.test" first (NXDOMAIN).
    expand="www.google.com login.microsoftonline.com outlook.office365.com github.com slack.com zoom.us
        teams.microsoft.com s3.amazonaws.com cdn.jsdelivr.net update.microsoft.com printer fileserver
        wpad isatap localhost.localdomain api.github.com docs.google.com time.windows.com ocsp.digicert.com"
    i=0
    while alive; do
        i=$((i + 1))
        h=$(printf 'host%03d' $(( (i * 7) % 240 + 1 )))
        case $((i % 10)) in
            0) set -- $expand; shift $(( (i / 10) % $# )); q="$1.example.test A" ;;
            5) q="$h.example.test AAAA" ;;
            1 | 3) set -- $names; shift $((i % $#)); q="$1.example.test A" ;;
            *) q="$h.example.test A" ;;
        esac
        ip netns exec "$RES" dig +time=2 +tries=1 @127.0.0.1 $q > /dev/null 2>&1 || true
        sleep 0.15
    done
}
mail() {
    seen=" "
    i=0
    while alive; do
        i=$((i + 1))
        peer=192.0.2.$(( (i * 7) % 6 + 111 ))   # a handful of peers send mail
        for q in "example.test TXT" "sel1._domainkey.example.test TXT" "_dmarc.example.test TXT" \
            "example.test MX" "mail.example.test A" "-x $peer"; do
            case "$seen" in *" $q "*) continue ;; esac
            seen="$seen$q "
            ip netns exec "$MAIL" dig +time=2 +tries=1 @192.0.2.53 $q > /dev/null 2>&1 || true
        done
        sleep 4
    done
}
monitoring() {
    while alive; do
        ip netns exec "$MON" dig +time=2 +tries=1 @192.0.2.53 example.test SOA > /dev/null 2>&1 || true
        ip netns exec "$MON" dig +time=2 +tries=1 @192.0.2.53 www.example.test A > /dev/null 2>&1 || true
        j=0
        while alive && [ $j -lt 60 ]; do sleep 0.5; j=$((j + 1)); done
    done
}
start_baselines() {
    touch "$W/running"
    users & PIDS="$PIDS $!"
    mail & PIDS="$PIDS $!"
    monitoring & PIDS="$PIDS $!"
}
