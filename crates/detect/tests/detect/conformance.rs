//! Sigma conformance over generic JSON events: every modifier, wildcards and escaping (the
//! examples of the specification's "Escape Character" section), null versus empty, keyword lists,
//! condition grammar, Unicode case folding.

use super::helpers::{hits, json_rule};
use serde_json::json;

#[test]
fn plain_values_are_case_insensitive_exact() {
    let r = json_rule("    sel:\n        Image: 'C:\\Windows\\System32\\whoami.exe'\n    condition: sel");
    let evs = [
        json!({"Image": "c:\\windows\\system32\\WHOAMI.EXE"}),
        json!({"Image": "C:\\Windows\\System32\\whoami.exe.bak"}),
        json!({"Other": "C:\\Windows\\System32\\whoami.exe"}),
    ];
    assert_eq!(hits(&r, &evs), [true, false, false]);
}

#[test]
fn wildcards_and_spec_escaping() {
    let evs = [
        json!({"f": "progA.exe"}),
        json!({"f": "prog.exe"}),
        json!({"f": "progAB.exe"}),
        json!({"f": "prog*.exe"}),
        json!({"f": "prog\\A.exe"}),
        json!({"f": "prog\\*.exe"}),
        json!({"f": "prog\\\\.exe"}),
    ];
    let case = |v: &str| hits(&json_rule(&format!("    sel:\n        f: '{v}'\n    condition: sel")), &evs);
    assert_eq!(case("prog?.exe"), [true, false, false, true, false, false, false]);
    assert_eq!(case("prog*.exe"), [true, true, true, true, true, true, true]);
    // `\*` is a plain star.
    assert_eq!(case("prog\\*.exe"), [false, false, false, true, false, false, false]);
    // `\\*` is a backslash followed by the wildcard.
    assert_eq!(case("prog\\\\*.exe"), [false, false, false, false, true, true, true]);
    // `\\\*` is a plain backslash and a plain star.
    assert_eq!(case("prog\\\\\\*.exe"), [false, false, false, false, false, true, false]);
    // A single backslash before another character is literal; `\\\\` is a plain double backslash.
    assert_eq!(case("prog\\A.exe"), [false, false, false, false, true, false, false]);
    assert_eq!(case("prog\\\\\\\\.exe"), [false, false, false, false, false, false, true]);
}

#[test]
fn contains_startswith_endswith_and_all() {
    let evs = [json!({"c": "cmd /c whoami /all"}), json!({"c": "WHOAMI"}), json!({"c": "net user"})];
    let case = |k: &str, v: &str| hits(&json_rule(&format!("    sel:\n        {k}: {v}\n    condition: sel")), &evs);
    assert_eq!(case("c|contains", "'whoami'"), [true, true, false]);
    assert_eq!(case("c|startswith", "'CMD'"), [true, false, false]);
    assert_eq!(case("c|endswith", "'/ALL'"), [true, false, false]);
    assert_eq!(case("c|contains", "['whoami', 'net']"), [true, true, true]);
    assert_eq!(case("c|contains|all", "['whoami', '/c']"), [true, false, false]);
    assert_eq!(case("c|contains|cased", "'whoami'"), [true, false, false]);
    assert_eq!(case("c|cased", "'WHOAMI'"), [false, true, false]);
    assert_eq!(case("c|neq", "'WHOAMI'"), [true, false, true]);
    assert_eq!(case("c|neq", "['whoami', 'net user']"), [true, false, false]);
}

#[test]
fn null_missing_and_empty() {
    let evs = [json!({"f": null}), json!({}), json!({"f": ""}), json!({"f": "x"})];
    let case = |v: &str| hits(&json_rule(&format!("    sel:\n        {v}\n    condition: sel")), &evs);
    assert_eq!(case("f: null"), [true, true, false, false]);
    assert_eq!(case("f: ''"), [false, false, true, false]);
    assert_eq!(case("f|exists: true"), [true, false, true, true]);
    assert_eq!(case("f|exists: false"), [false, true, false, false]);
    assert_eq!(case("f: '*'"), [false, false, true, true]);
    let not_null = json_rule("    sel:\n        f: null\n    condition: not sel");
    assert_eq!(hits(&not_null, &evs), [false, false, true, true]);
}

#[test]
fn keyword_lists_search_every_string() {
    let evs = [
        json!({"a": "x", "n": {"deep": ["y", "an EVILSERVICE started"]}}),
        json!({"a": "svchost.exe -n evil"}),
        json!({"a": "OabVirtualDirectory", "b": "set -ExternalUrl http://x"}),
        json!({"a": 42}),
    ];
    let kw =
        json_rule("    keywords:\n        - 'evilservice'\n        - 'svchost.exe -n evil'\n    condition: keywords");
    assert_eq!(hits(&kw, &evs), [true, true, false, false]);
    let all = json_rule(
        "    keywords_cmdlet:\n        '|all':\n            - 'OabVirtualDirectory'\n            - ' -ExternalUrl '\n    \
         condition: keywords_cmdlet",
    );
    assert_eq!(hits(&all, &evs), [false, false, true, false]);
    let re = json_rule("    kw:\n        '|re': '^svchost\\.exe'\n    condition: kw");
    assert_eq!(hits(&re, &evs), [false, true, false, false]);
}

#[test]
fn maps_lists_of_maps_and_value_lists() {
    let evs = [
        json!({"EventID": 517, "EventLog": "Security"}),
        json!({"EventID": "1102", "EventLog": "security"}),
        json!({"EventID": 4624, "EventLog": "Security"}),
        json!({"Description": "a Test executable"}),
    ];
    let map = json_rule("    sel:\n        EventLog: Security\n        EventID:\n            - 517\n            - 1102\n    condition: sel");
    assert_eq!(hits(&map, &evs), [true, true, false, false]);
    let list = json_rule(
        "    sel:\n        - EventID: 4624\n        - Description|contains: 'test executable'\n    condition: sel",
    );
    assert_eq!(hits(&list, &evs), [false, false, true, true]);
}

#[test]
fn regex_and_flags() {
    let evs = [json!({"c": "Line1\nNSLOOKUP -type=ns"}), json!({"c": "dig ns example.com"}), json!({"c": "dns"})];
    let case = |k: &str, v: &str| hits(&json_rule(&format!("    sel:\n        {k}: '{v}'\n    condition: sel")), &evs);
    assert_eq!(case("c|re", "(?:^|[^0-9A-Za-z])ns(?:$|[^0-9A-Za-z])"), [true, true, false]);
    assert_eq!(case("c|re", "^NSLOOKUP"), [false, false, false]);
    assert_eq!(case("c|re|m", "^NSLOOKUP"), [true, false, false]);
    assert_eq!(case("c|re|i|m", "^nslookup"), [true, false, false]);
    assert_eq!(case("c|re", "Line1.NS"), [false, false, false]);
    assert_eq!(case("c|re|s", "Line1.NS"), [true, false, false]);
    let many = json_rule(
        "    sel:\n        c|re|i:\n            - '(?:^|[^0-9A-Za-z])-type=ns(?:$|[^0-9A-Za-z])'\n            - \
         '(?:^|[^0-9A-Za-z])dns(?:$|[^0-9A-Za-z])'\n    condition: sel",
    );
    assert_eq!(hits(&many, &evs), [true, false, true]);
    let all =
        json_rule("    sel:\n        c|re|all:\n            - 'dig'\n            - 'example'\n    condition: sel");
    assert_eq!(hits(&all, &evs), [false, true, false]);
}

#[test]
fn windash() {
    let evs = [
        json!({"c": "tool -f x"}),
        json!({"c": "tool /f x"}),
        json!({"c": "tool \u{2013}f x"}),
        json!({"c": "tool \u{2015}f x"}),
        json!({"c": "tool a-f x"}),
        json!({"c": "tool +f x"}),
    ];
    let r = json_rule("    sel:\n        c|windash|contains: ' -f '\n    condition: sel");
    assert_eq!(hits(&r, &evs), [true, true, true, true, false, false]);
}

#[test]
fn base64_base64offset_and_utf16() {
    // "/bin/sh" at offsets 0, 1 and 2 inside base64 text.
    let evs = [
        json!({"c": "echo L2Jpbi9zaA== | base64 -d"}),
        json!({"c": "eC9iaW4vc2g="}),
        json!({"c": "eHgvYmluL3No"}),
        json!({"c": "L2Jpbi9iYXNo"}),
    ];
    let off = json_rule("    sel:\n        c|base64offset|contains: '/bin/sh'\n    condition: sel");
    assert_eq!(hits(&off, &evs), [true, true, true, false]);
    let b64 = json_rule("    sel:\n        c|base64|contains: '/bin/sh'\n    condition: sel");
    assert_eq!(hits(&b64, &evs), [true, false, false, false]);
    // PowerShell -EncodedCommand: UTF-16LE then base64.
    let ps = [json!({"c": "powershell -enc SQBFAFgAIAAoA"}), json!({"c": "powershell -enc SUVYICgo"})];
    let wide = json_rule("    sel:\n        c|wide|base64offset|contains: 'IEX ('\n    condition: sel");
    assert_eq!(hits(&wide, &ps), [true, false]);
    let le = json_rule("    sel:\n        c|utf16le|base64: 'cmd'\n    condition: sel");
    assert_eq!(hits(&le, &[json!({"c": "YwBtAGQA"})]), [true]);
    let be = json_rule("    sel:\n        c|utf16be|base64: 'cmd'\n    condition: sel");
    assert_eq!(hits(&be, &[json!({"c": "AGMAbQBk"})]), [true]);
    let bom = json_rule("    sel:\n        c|utf16|base64: 'cmd'\n    condition: sel");
    assert_eq!(hits(&bom, &[json!({"c": "//5jAG0AZAA="})]), [true]);
}

#[test]
fn numeric_comparisons() {
    let evs = [json!({"n": 5}), json!({"n": "10"}), json!({"n": 10.5}), json!({"n": "x"}), json!({})];
    let case = |k: &str| hits(&json_rule(&format!("    sel:\n        {k}: 10\n    condition: sel")), &evs);
    assert_eq!(case("n|lt"), [true, false, false, false, false]);
    assert_eq!(case("n|lte"), [true, true, false, false, false]);
    assert_eq!(case("n|gt"), [false, false, true, false, false]);
    assert_eq!(case("n|gte"), [false, true, true, false, false]);
    assert_eq!(case("n"), [false, true, false, false, false]);
}

#[test]
fn time_modifiers() {
    let evs = [
        json!({"t": "2026-11-27T22:15:00Z"}),
        json!({"t": "2026-01-01 03:04:05"}),
        json!({"t": "1764201600"}),
        json!({"t": "not a date"}),
    ];
    let case = |k: &str, v: &str| hits(&json_rule(&format!("    sel:\n        t|{k}: {v}\n    condition: sel")), &evs);
    assert_eq!(case("hour", "[22, 23, 0, 1, 2, 3]"), [true, true, true, false]);
    assert_eq!(case("minute", "4"), [false, true, false, false]);
    assert_eq!(case("day", "27"), [true, false, true, false]);
    assert_eq!(case("week", "48"), [true, false, true, false]);
    assert_eq!(case("month", "11"), [true, false, true, false]);
    assert_eq!(case("year", "2026"), [true, true, false, false]);
}

#[test]
fn cidr_on_text_fields() {
    let evs = [
        json!({"ip": "10.1.2.3"}),
        json!({"ip": "::ffff:10.1.2.3"}),
        json!({"ip": "2001:db8::7"}),
        json!({"ip": "203.0.113.5"}),
        json!({"ip": "not an ip"}),
    ];
    let r = json_rule(
        "    sel:\n        ip|cidr:\n            - 10.0.0.0/8\n            - 2001:db8::/32\n    condition: sel",
    );
    assert_eq!(hits(&r, &evs), [true, true, true, false, false]);
}

#[test]
fn fieldref() {
    let evs = [
        json!({"a": "Alice", "b": "alice"}),
        json!({"a": "alice", "b": "bob"}),
        json!({"a": "C:\\x\\alice.exe", "b": "ALICE.EXE"}),
    ];
    let eq = json_rule("    sel:\n        a|fieldref: b\n    condition: sel");
    assert_eq!(hits(&eq, &evs), [true, false, false]);
    let ends = json_rule("    sel:\n        a|fieldref|endswith: b\n    condition: sel");
    assert_eq!(hits(&ends, &evs), [true, false, true]);
    let neq = json_rule("    sel:\n        a|fieldref|neq: b\n    condition: sel");
    assert_eq!(hits(&neq, &evs), [false, true, true]);
}

#[test]
fn expand_with_placeholder_values() {
    use detect::{load_str_with, CompileOptions, Rule};
    let mut opts = CompileOptions::default();
    opts.placeholders.insert("Servers".into(), vec!["srv*".into(), "dc01".into()]);
    let text = "title: T\nlogsource: {product: x}\ndetection:\n    sel:\n        host|expand: '%Servers%'\n    \
                condition: sel\n";
    let rules = load_str_with(text, std::path::Path::new("t.yml"), &opts).expect("loads");
    let Some(Rule::Detection(r)) = rules.first() else { panic!("no detection rule") };
    let evs = [json!({"host": "SRV12"}), json!({"host": "dc01"}), json!({"host": "ws1"})];
    assert_eq!(hits(r, &evs), [true, true, false]);
}

#[test]
fn unicode_case_folding() {
    let evs = [json!({"f": "viel ärger"}), json!({"f": "VIEL ÄRGER"}), json!({"f": "viel arger"})];
    let r = json_rule("    sel:\n        f|endswith: 'ÄRGER'\n    condition: sel");
    assert_eq!(hits(&r, &evs), [true, true, false]);
    let exact = json_rule("    sel:\n        f: 'Viel Ärger'\n    condition: sel");
    assert_eq!(hits(&exact, &evs), [true, true, false]);
    let cased = json_rule("    sel:\n        f|cased: 'viel ärger'\n    condition: sel");
    assert_eq!(hits(&cased, &evs), [true, false, false]);
    let ascii_pat = json_rule("    sel:\n        f|contains: 'VIEL'\n    condition: sel");
    assert_eq!(hits(&ascii_pat, &evs), [true, true, true]);
}

#[test]
fn arrays_match_any_element() {
    let evs = [json!({"t": ["a", "MX", "b"]}), json!({"t": ["a"]}), json!({"t": []})];
    let r = json_rule("    sel:\n        t: mx\n    condition: sel");
    assert_eq!(hits(&r, &evs), [true, false, false]);
}

#[test]
fn nested_and_dotted_fields() {
    let evs = [json!({"dns": {"question": {"name": "a.example"}}}), json!({"dns.question.name": "a.example"})];
    let r = json_rule("    sel:\n        dns.question.name|endswith: '.example'\n    condition: sel");
    assert_eq!(hits(&r, &evs), [true, true]);
}

#[test]
fn condition_grammar() {
    let det = "    selection_a:\n        a: 1\n    selection_b:\n        b: 1\n    filter:\n        c: 1\n    _helper:\n        \
               d: 1\n";
    let evs = [
        json!({"a": 1}),
        json!({"a": 1, "b": 1}),
        json!({"a": 1, "c": 1}),
        json!({"c": 1}),
        json!({"d": 1}),
        json!({"a": 1, "b": 1, "c": 1}),
    ];
    let case = |c: &str| hits(&json_rule(&format!("{det}    condition: {c}")), &evs);
    // not > and > or
    assert_eq!(case("selection_a or selection_b and filter"), [true, true, true, false, false, true]);
    assert_eq!(case("(selection_a or selection_b) and not filter"), [true, true, false, false, false, false]);
    assert_eq!(case("not selection_a and filter"), [false, false, false, true, false, false]);
    assert_eq!(case("1 of selection_* and not filter"), [true, true, false, false, false, false]);
    assert_eq!(case("all of selection_*"), [false, true, false, false, false, true]);
    assert_eq!(case("any of selection_*"), [true, true, true, false, false, true]);
    // `_helper` is not part of `them`.
    assert_eq!(case("1 of them"), [true, true, true, true, false, true]);
    assert_eq!(case("all of them"), [false, false, false, false, false, true]);
    assert_eq!(case("_helper"), [false, false, false, false, true, false]);
    assert_eq!(case("not 1 of them"), [false, false, false, false, true, false]);
    assert_eq!(case("NOT selection_a AND filter"), [false, false, false, true, false, false]);
    // A list of conditions is an OR.
    assert_eq!(case("\n        - filter\n        - _helper"), [false, false, true, true, true, true]);
}

#[test]
fn evidence_names_matching_selections() {
    let r = json_rule("    sel_a:\n        a: 1\n    sel_b:\n        b: 1\n    condition: 1 of sel_*");
    let e = super::helpers::json(json!({"b": 1}));
    assert!(r.matches(&e));
    assert_eq!(r.matched_selections(&e), vec!["sel_b"]);
    assert_eq!(r.selection_names(), ["sel_a", "sel_b"]);
}
