//! Hand-computed alerts at every boundary of the seed rule.

use crate::{brief, hunt, TempDir};

const HEADER: &str = "TimeGenerated,Computer,ClientIP,Name,QueryType,ResultCode\n";

/// `n` queries from `client` to `server`, one per `step_s` seconds from `start`, over `names`
/// distinct names, of type `qtype`.
fn burst(start: &str, step_s: i64, n: usize, server: &str, client: &str, names: usize, qtype: &str) -> String {
    let t0 = event::Timestamp::parse_rfc3339(start).unwrap();
    (0..n)
        .map(|i| {
            let t = event::Timestamp(t0.0 + i as i64 * step_s * event::NANOS_PER_SEC);
            format!("{t},{server},{client},h{}.example.com,{qtype},0\n", i % names)
        })
        .collect()
}

fn dns_csv(dir: &TempDir, rows: &[String]) -> String {
    dir.write("DnsEvents.csv", &(HEADER.to_string() + &rows.concat()))
}

fn bulk_clients(alerts: &[serde_json::Value]) -> Vec<String> {
    let mut v: Vec<String> = alerts
        .iter()
        .filter(|a| a["AlertType"] == "Bulk External DNS Enumeration")
        .map(|a| format!("{}@{}", a["ClientIP"].as_str().unwrap(), a["Computer"].as_str().unwrap()))
        .collect();
    v.sort();
    v
}

#[test]
fn thirty_queries_do_not_fire_thirty_one_do() {
    let d = TempDir::new("count");
    let f = dns_csv(
        &d,
        &[
            burst("2026-11-27T10:00:00Z", 5, 30, "dns1", "203.0.113.30", 1, "MX"),
            burst("2026-11-27T10:00:00Z", 5, 31, "dns1", "203.0.113.31", 1, "MX"),
        ],
    );
    for window in ["sliding", "tumbling"] {
        let alerts = hunt(&["--window", window, &f]);
        assert_eq!(bulk_clients(&alerts), ["203.0.113.31@dns1"], "{window}");
        let a = &alerts[0];
        assert_eq!(a["QueryCount"], 31, "{window}: {a}");
        assert_eq!(a["UniqueNames"], 1, "{window}: {a}");
    }
}

#[test]
fn twenty_distinct_names_do_not_fire_twenty_one_do() {
    let d = TempDir::new("names");
    let f = dns_csv(
        &d,
        &[
            burst("2026-11-27T10:00:00Z", 5, 25, "dns1", "203.0.113.20", 20, "TXT"),
            burst("2026-11-27T10:00:00Z", 5, 25, "dns1", "203.0.113.21", 21, "TXT"),
        ],
    );
    for window in ["sliding", "tumbling"] {
        let alerts = hunt(&["--window", window, &f]);
        assert_eq!(bulk_clients(&alerts), ["203.0.113.21@dns1"], "{window}");
        assert_eq!(alerts[0]["UniqueNames"], 21, "{window}");
        assert_eq!(alerts[0]["QueryCount"], 25, "{window}");
    }
}

#[test]
fn names_differing_only_in_case_or_trailing_dot_are_one_name() {
    let d = TempDir::new("case");
    let rows: String = (0..25)
        .map(|i| {
            let name = match i % 3 {
                0 => "WWW.Example.COM",
                1 => "www.example.com.",
                _ => "www.example.com",
            };
            format!("2026-11-27T10:00:{i:02}Z,dns1,203.0.113.5,{name},NS,0\n")
        })
        .collect();
    let alerts = hunt(&[&dns_csv(&d, &[rows])]);
    assert!(bulk_clients(&alerts).is_empty(), "25 queries of one name: {alerts:?}");
}

#[test]
fn burst_across_a_bin_boundary_fires_only_sliding() {
    let d = TempDir::new("straddle");
    // 16 queries at 10:08:00..10:09:50 and 16 at 10:10:00..10:11:50: 32 within 4 minutes.
    let f = dns_csv(&d, &[burst("2026-11-27T10:08:00Z", 7, 32, "dns1", "198.51.100.9", 1, "SOA")]);
    assert_eq!(bulk_clients(&hunt(&["--window", "sliding", &f])), ["198.51.100.9@dns1"]);
    assert!(bulk_clients(&hunt(&["--window", "tumbling", &f])).is_empty());
}

#[test]
fn the_same_client_on_two_servers_is_two_groups() {
    let d = TempDir::new("servers");
    let f = dns_csv(
        &d,
        &[
            burst("2026-11-27T10:00:00Z", 5, 20, "dns1", "203.0.113.7", 1, "NS"),
            burst("2026-11-27T10:00:01Z", 5, 20, "dns2", "203.0.113.7", 1, "NS"),
            burst("2026-11-27T11:00:00Z", 5, 31, "dns1", "203.0.113.8", 1, "NS"),
            burst("2026-11-27T11:00:01Z", 5, 31, "dns2", "203.0.113.8", 1, "NS"),
        ],
    );
    assert_eq!(bulk_clients(&hunt(&[&f])), ["203.0.113.8@dns1", "203.0.113.8@dns2"]);
}

#[test]
fn once_per_window_not_once_per_event() {
    let d = TempDir::new("once");
    let f = dns_csv(&d, &[burst("2026-11-27T10:00:00Z", 1, 200, "dns1", "203.0.113.50", 50, "TXT")]);
    for window in ["sliding", "tumbling"] {
        assert_eq!(bulk_clients(&hunt(&["--window", window, &f])).len(), 1, "{window}: 200 queries within 4 minutes");
    }
}

#[test]
fn private_and_external_addresses_v4_and_v6() {
    let d = TempDir::new("private");
    let cases = [
        ("172.15.255.255", true),
        ("172.16.0.1", false),
        ("172.31.255.255", false),
        ("172.32.0.0", true),
        ("10.255.0.1", false),
        ("11.0.0.1", true),
        ("192.168.7.7", false),
        ("192.169.0.1", true),
        ("127.0.0.1", false),
        ("169.254.1.1", false),
        ("::1", false),
        ("fd12:3456::1", false),
        ("fe80::1", false),
        ("::ffff:192.168.1.1", false),
        ("::ffff:203.0.113.1", true),
        ("2001:db8::1", true),
    ];
    let rows: String = cases
        .iter()
        .enumerate()
        .map(|(i, (ip, _))| format!("2026-11-27T10:00:{i:02}Z,dns1,{ip},example.com,AXFR,5\n"))
        .collect();
    let alerts = hunt(&[&dns_csv(&d, &[rows])]);
    let mut fired: Vec<String> = alerts.iter().map(|a| a["ClientIP"].as_str().unwrap().to_string()).collect();
    fired.sort();
    let mut want: Vec<String> = cases.iter().filter(|c| c.1).map(|c| c.0.to_string()).collect();
    want.sort();
    assert_eq!(fired, want);
}

#[test]
fn an_empty_client_address_is_external_as_in_the_seed() {
    let d = TempDir::new("noip");
    let alerts = hunt(&[&dns_csv(&d, &["2026-11-27T10:00:00Z,dns1,,example.com,AXFR,5\n".to_string()])]);
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert!(alerts[0]["ClientIP"].is_null(), "{}", alerts[0]);
}

#[test]
fn numeric_and_named_query_types_are_the_same_type() {
    let d = TempDir::new("qtype");
    let types = ["AXFR", "axfr", "252", "IXFR", "251", "ANY", "255", "A", "1", "SOA", "NS"];
    let rows: String = types
        .iter()
        .enumerate()
        .map(|(i, t)| format!("2026-11-27T10:00:{i:02}Z,dns1,203.0.113.{i},example.com,{t},0\n"))
        .collect();
    let alerts = hunt(&[&dns_csv(&d, &[rows])]);
    let of_type = |t: &str| {
        let mut got: Vec<String> = alerts
            .iter()
            .filter(|a| a["AlertType"] == t)
            .map(|a| a["QueryType"].as_str().unwrap().to_string())
            .collect();
        got.sort();
        got
    };
    assert_eq!(of_type("External DNS Zone Transfer Attempt"), ["ANY", "ANY", "AXFR", "AXFR", "AXFR", "IXFR", "IXFR"]);
    // The rows say NOERROR: the AXFRs (any spelling) also delivered the zone (rules/recon); an IXFR answer
    // without a record count may be an "up to date" SOA, so it does not.
    assert_eq!(of_type("Successful External Zone Transfer"), ["AXFR", "AXFR", "AXFR"]);
    assert_eq!(alerts.len(), 10, "{alerts:?}");
}

#[test]
fn tool_file_names_and_dig_terms() {
    let d = TempDir::new("tools");
    let cases = [
        ("dig", "dig NS example.com", true),
        ("DIG", "DIG axfr @ns1 example.com", true),
        ("dig", "dig ns1.example.com", false),
        ("dig", "dig dnsname.example.com", false),
        ("dig", "dig +short www.example.com", true),
        ("dig", "dig +shortest www.example.com", false),
        ("dig", "dig _dmarc.example.com", true),
        ("dig", "dig www.example.com", false),
        ("dig.exe", "dig.exe AXFR example.com", false),
        ("NSLOOKUP.EXE", "nslookup -type=ANY example.com", true),
        ("nslookup", "nslookup -type=nsec example.com", false),
        ("nslookup", "nslookup -querytype=axfr example.com", true),
        ("python3", "python3 /usr/share/dnsrecon/dnsrecon.py -d example.com", true),
        ("python3", "python3 mydnsrecon.py", false),
        ("python3.11", "python3.11 /usr/share/dnsrecon/dnsrecon.py -d example.com", false),
        ("DNSRecon.exe", "DNSRecon.exe -d example.com", true),
        ("dnsreconx", "dnsreconx -d example.com", false),
        ("fierce.py", "fierce.py --domain example.com", true),
    ];
    let mut csv = String::from("Timestamp,DeviceName,AccountName,FileName,ProcessCommandLine\n");
    for (i, (file, cmd, _)) in cases.iter().enumerate() {
        csv += &format!("2026-11-27T10:00:{i:02}Z,HOST{i},u,{file},{cmd}\n");
    }
    let alerts = hunt(&[&d.write("DeviceProcessEvents.csv", &csv)]);
    // The seed's branch 3 only: rules/endpoint's extended rule catches dig.exe and python3.11 on purpose.
    let alerts: Vec<_> = alerts.into_iter().filter(|a| a["RuleId"] == "d759daaf-7180-44d6-add7-c5076abea7a3").collect();
    let mut got: Vec<String> = alerts.iter().map(|a| a["ProcessCommandLine"].as_str().unwrap().to_string()).collect();
    got.sort();
    let mut want: Vec<String> = cases.iter().filter(|c| c.2).map(|c| c.1.to_string()).collect();
    want.sort();
    assert_eq!(got, want);
    assert!(brief(&alerts).iter().all(|b| b.0 == "DNS Enumeration Tool Execution on Endpoint"));
}
