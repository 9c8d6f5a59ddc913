//! Sigma filters (filters specification): ANDed onto the rules they name, per pySigma.

use super::helpers::dns;
use detect::load_paths;

const RULE: &str =
    "title: Zone transfer\nid: zt-1\nname: zone_transfer\nlogsource:\n    category: dns\ndetection:\n    \
                    sel:\n        QueryType: AXFR\n    condition: sel\n";

#[test]
fn filters_tune_the_rules_they_name() {
    let dir = std::env::temp_dir().join(format!("detect-filters-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("a_rule.yml"), RULE).unwrap();
    std::fs::write(
        dir.join("b_rule.yml"),
        RULE.replace("Zone transfer", "Other").replace("zt-1", "zt-2").replace("zone_transfer", "other"),
    )
    .unwrap();
    // Authorized secondaries may transfer; named by rule `name`.
    std::fs::write(
        dir.join("mf_secondaries.yml"),
        "title: Secondary name servers\nlogsource:\n    category: dns\nfilter:\n    rules:\n        - zone_transfer\n    \
         secondaries:\n        ClientIP|cidr: 198.51.100.0/24\n    condition: not secondaries\n",
    )
    .unwrap();
    // A filter for another log source does not apply.
    std::fs::write(
        dir.join("mf_process.yml"),
        "title: Process only\nlogsource:\n    category: process_creation\nfilter:\n    rules: any\n    sel:\n        \
         FileName: x\n    condition: not sel\n",
    )
    .unwrap();
    let (set, errors) = load_paths(std::slice::from_ref(&dir));
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(set.filters.len(), 2);
    let [tuned, other] = &set.detections[..] else { panic!("two rules expected") };
    assert_eq!((tuned.filters_applied(), other.filters_applied()), (1, 0));
    assert!(tuned.matches(&dns("203.0.113.5", "corp.example", 252)));
    assert!(!tuned.matches(&dns("198.51.100.53", "corp.example", 252)));
    assert!(other.matches(&dns("198.51.100.53", "corp.example", 252)));
    assert_eq!(tuned.selection_names(), ["sel", "_filter0_secondaries"]);
    assert_eq!(tuned.matched_selections(&dns("203.0.113.5", "c", 252)), vec!["sel"]);
}

#[test]
fn broken_filter_is_reported_against_its_file() {
    let dir = std::env::temp_dir().join(format!("detect-filters-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("a_rule.yml"), RULE).unwrap();
    std::fs::write(
        dir.join("mf_bad.yml"),
        "title: Bad filter\nlogsource:\n    category: dns\nfilter:\n    rules: any\n    sel:\n        Name|nope: x\n    \
         condition: not sel\n",
    )
    .unwrap();
    let (set, errors) = load_paths(std::slice::from_ref(&dir));
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(set.detections[0].filters_applied(), 0);
    assert_eq!(errors.len(), 1);
    assert_eq!(
        errors[0].to_string(),
        format!(
            "{}: rule \"Bad filter\": filter.sel.Name|nope: unknown modifier `nope`",
            dir.join("mf_bad.yml").display()
        )
    );
}
