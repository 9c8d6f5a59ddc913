//! Rules over typed DNS and process events: aliases, QType / Rcode / IP comparisons, CIDR with
//! IPv6 and IPv4-mapped addresses, extra columns, keyword search over typed fields.

use super::helpers::{dns, process, rule};
use event::{DnsEvent, DnsKind, EventClass, Rcode};

const ZONE: &str = r#"
title: External zone transfer
id: 11111111-2222-3333-4444-555555555555
logsource:
    category: dns
detection:
    selection:
        QueryType:
            - AXFR
            - IXFR
            - 255
    filter_private:
        ClientIP|cidr:
            - 10.0.0.0/8
            - 172.16.0.0/12
            - 192.168.0.0/16
            - 127.0.0.0/8
            - 169.254.0.0/16
            - fc00::/7
    condition: selection and not filter_private
level: high
tags:
    - attack.reconnaissance
    - attack.t1590.002
reconwatch:
    alert_type: External DNS Zone Transfer Attempt
    risk_score: 90
"#;

#[test]
fn zone_transfer_rule_typed() {
    let r = rule(ZONE);
    assert_eq!(r.class, EventClass::DnsQuery);
    assert_eq!(r.meta.techniques(), vec!["T1590.002"]);
    assert_eq!(r.meta.custom[0].0, "reconwatch");
    assert_eq!(r.meta.custom[0].1["risk_score"], 90);
    assert!(r.matches(&dns("203.0.113.7", "corp.example", 252)));
    assert!(r.matches(&dns("2001:db8::1", "corp.example", 251)));
    assert!(r.matches(&dns("198.51.100.1", "corp.example", 255)));
    assert!(!r.matches(&dns("203.0.113.7", "corp.example", 1)));
    assert!(!r.matches(&dns("10.9.8.7", "corp.example", 252)));
    assert!(!r.matches(&dns("::ffff:10.9.8.7", "corp.example", 252)));
    assert!(!r.matches(&dns("fd00::5", "corp.example", 252)));
    // No client address: not private, so the filter does not exclude it.
    assert!(r.matches(&dns("", "corp.example", 252)));
    assert_eq!(r.matched_selections(&dns("203.0.113.7", "x", 252)), vec!["selection"]);
}

#[test]
fn aliases_wildcards_and_rcodes() {
    let r = rule(
        "title: T\nlogsource: {category: dns}\ndetection:\n    sel:\n        query|endswith: '.Example.COM'\n        \
         rcode: NXDOMAIN\n        record_type: 'TXT'\n    condition: sel\n",
    );
    let mut e = dns("192.0.2.1", "_dmarc.example.com", 16);
    assert!(!r.matches(&e));
    e.rcode = Some(Rcode::NXDOMAIN);
    assert!(r.matches(&e));
    e.rcode = Some(Rcode(3));
    assert!(r.matches(&e));
    let numeric =
        rule("title: T\nlogsource: {category: dns}\ndetection:\n    s:\n        ResultCode: 3\n    condition: s\n");
    assert!(numeric.matches(&e));
    let wild =
        rule("title: T\nlogsource: {category: dns}\ndetection:\n    s:\n        QueryType: '*XFR'\n    condition: s\n");
    assert!(wild.matches(&dns("192.0.2.1", "z", 252)));
    assert!(wild.matches(&dns("192.0.2.1", "z", 251)));
    assert!(!wild.matches(&dns("192.0.2.1", "z", 16)));
    let gt = rule(
        "title: T\nlogsource: {category: dns}\ndetection:\n    s:\n        QueryType|gte: 250\n    condition: s\n",
    );
    assert!(gt.matches(&dns("192.0.2.1", "z", 252)));
    assert!(!gt.matches(&dns("192.0.2.1", "z", 16)));
}

#[test]
fn ip_equality_is_typed() {
    let r =
        rule("title: T\nlogsource: {category: dns}\ndetection:\n    s:\n        src_ip: 10.1.2.3\n    condition: s\n");
    assert!(r.matches(&dns("10.1.2.3", "a", 1)));
    assert!(r.matches(&dns("::ffff:10.1.2.3", "a", 1)));
    assert!(!r.matches(&dns("10.1.2.30", "a", 1)));
}

#[test]
fn extra_columns_and_keywords_on_typed_events() {
    let r = rule(
        "title: T\nlogsource: {category: dns}\ndetection:\n    s:\n        Flags|contains: 'RD'\n    kw:\n        - \
         'evil.example'\n    condition: s or kw\n",
    );
    let mut e = dns("192.0.2.1", "www.EVIL.example", 1);
    assert!(r.matches(&e));
    assert_eq!(r.matched_selections(&e), vec!["kw"]);
    e.name = "benign.example".into();
    assert!(!r.matches(&e));
    e.extra.push("Flags", "QR RD RA");
    assert!(r.matches(&e));
}

#[test]
fn dns_transfer_category_routes_to_transfers() {
    let r = rule("title: T\nlogsource: {category: dns_transfer}\ndetection:\n    s:\n        EventKind: transfer\n    condition: s\n");
    assert_eq!(r.class, EventClass::DnsTransfer);
    let e = DnsEvent { kind: DnsKind::Transfer, ..DnsEvent::default() };
    assert!(r.matches(&e));
}

#[test]
fn process_rule_with_sigma_and_canonical_names() {
    let r = rule(
        r#"
title: DNS recon tool
logsource:
    category: process_creation
detection:
    sel_tool:
        Image|endswith:
            - '\dnsrecon.exe'
            - '\fierce.exe'
    sel_nslookup:
        FileName: nslookup.exe
        CommandLine|re|i:
            - '(?:^|[^0-9A-Za-z])-type=axfr(?:$|[^0-9A-Za-z])'
            - '(?:^|[^0-9A-Za-z])ls -d(?:$|[^0-9A-Za-z])'
    condition: 1 of sel_*
"#,
    );
    assert_eq!(r.class, EventClass::ProcessCreation);
    assert!(r.matches(&process("DNSRECON.EXE", "dnsrecon -d corp.example")));
    assert!(r.matches(&process("nslookup.exe", "nslookup -TYPE=AXFR corp.example")));
    assert!(r.matches(&process("nslookup.exe", "nslookup\nls -d corp.example")));
    assert!(!r.matches(&process("nslookup.exe", "nslookup -type=axfrx corp.example")));
    assert!(!r.matches(&process("nslookup.exe", "nslookup corp.example")));
    assert!(!r.matches(&process("cmd.exe", "-type=axfr")));
}
