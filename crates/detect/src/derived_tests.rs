use super::*;
use event::DnsEvent;

fn zone<'n>(zones: &Zones, name: &'n str) -> &'n str {
    zones.zone_of(name)
}

#[test]
fn zone_by_public_suffix_list() {
    let z = Zones::default();
    assert_eq!(zone(&z, "www.example.com"), "example.com");
    assert_eq!(zone(&z, "a.b.c.Example.CO.UK"), "Example.CO.UK");
    assert_eq!(zone(&z, "example.com"), "example.com");
    assert_eq!(zone(&z, "com"), "com");
    assert_eq!(zone(&z, "host.corp.internal"), "corp.internal");
    assert_eq!(zone(&z, "."), ".");
    let long = format!("{}.example.org", "a".repeat(300));
    assert_eq!(zone(&z, &long), "example.org");
}

#[test]
fn configured_zones_win_longest_first() {
    let z = Zones::new(&["Example.com.", "corp.example.com", "lab.test"]).unwrap();
    assert_eq!(zone(&z, "www.corp.example.com"), "corp.example.com");
    assert_eq!(zone(&z, "WWW.EXAMPLE.COM"), "EXAMPLE.COM");
    assert_eq!(zone(&z, "xcorp.example.com"), "example.com");
    assert_eq!(zone(&z, "a.b.lab.test"), "lab.test");
    // Outside every configured zone: the registered domain.
    assert_eq!(zone(&z, "www.other.org"), "other.org");
    assert!(Zones::new(&["bad..zone"]).is_err());
    assert!(Zones::new(&[""]).is_err());
}

#[test]
fn reverse_names() {
    let z = Zones::default();
    assert_eq!(zone(&z, "4.3.2.1.in-addr.arpa"), "3.2.1.in-addr.arpa");
    assert_eq!(zone(&z, "3.2.1.IN-ADDR.ARPA"), "3.2.1.IN-ADDR.ARPA");
    assert_eq!(reverse_network("10.2.0.192.in-addr.arpa"), Some("192.0.2.0".parse().unwrap()));
    assert_eq!(reverse_network("2.0.192.in-addr.arpa"), Some("192.0.2.0".parse().unwrap()));
    assert_eq!(reverse_network("0.192.in-addr.arpa"), None);
    assert_eq!(reverse_network("x.2.0.192.in-addr.arpa"), Some("192.0.2.0".parse().unwrap()));
    assert_eq!(reverse_network("1.2.0.300.in-addr.arpa"), None);
    assert_eq!(reverse_network("www.example.com"), None);
    let v6 = "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.5.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa";
    assert_eq!(reverse_network(v6), Some("2001:db8:0:5::".parse().unwrap()));
    assert_eq!(zone(&z, v6), "5.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
    assert_eq!(reverse_network("8.b.d.0.1.0.0.2.ip6.arpa"), None);
    assert_eq!(reverse_network("g.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa"), None);
}

#[test]
fn client_networks() {
    let n = |s: &str| client_network(s.parse().unwrap()).to_string();
    assert_eq!(n("203.0.113.77"), "203.0.113.0");
    assert_eq!(n("::ffff:203.0.113.77"), "203.0.113.0");
    assert_eq!(n("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::");
}

#[test]
fn derived_fields_through_the_engine_view() {
    let d = DnsEvent {
        name: "Www.Example.com".into(),
        client_ip: Some("198.51.100.9".parse().unwrap()),
        ..DnsEvent::default()
    };
    let ev = Event::Dns(d);
    let zones = Zones::default();
    let w = WithDerived::new(&ev, &zones);
    assert_eq!(w.field(&FieldId::Derived(DerivedField::Zone)), FieldValue::Str("Example.com"));
    assert_eq!(w.field(&FieldId::Derived(DerivedField::Zone)), FieldValue::Str("Example.com"));
    assert_eq!(w.field(&FieldId::Derived(DerivedField::ReverseNetwork)), FieldValue::Missing);
    assert_eq!(
        w.field(&FieldId::Derived(DerivedField::ClientNetwork)),
        FieldValue::Ip("198.51.100.0".parse().unwrap())
    );
    // Plain events have no derived fields.
    assert_eq!(ev.field(&FieldId::Derived(DerivedField::Zone)), FieldValue::Missing);
}
