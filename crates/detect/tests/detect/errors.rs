//! Rejected rules: every error names the file, the rule and the place, in words.

use super::helpers::rejection;

fn det(body: &str) -> String {
    rejection(&format!("title: Bad\nlogsource: {{product: x}}\ndetection:\n{body}\n"))
}

#[test]
fn yaml_syntax_error_has_line_and_column() {
    let e = rejection("title: T\ndetection:\n  sel: [a, b\n  condition: sel\n");
    assert!(e.starts_with("test.yml: YAML syntax error at line 4, column"), "{e}");
}

#[test]
fn modifier_errors() {
    assert_eq!(
        det("    sel:\n        f|containz: x\n    condition: sel"),
        "test.yml: rule \"Bad\": detection.sel.f|containz: unknown modifier `containz`"
    );
    assert_eq!(
        det("    sel:\n        f|contains|i: x\n    condition: sel"),
        "test.yml: rule \"Bad\": detection.sel.f|contains|i: `i` is only allowed after `re`"
    );
    assert_eq!(
        det("    sel:\n        f|re|cidr: x\n    condition: sel"),
        "test.yml: rule \"Bad\": detection.sel.f|re|cidr: `cidr` cannot be combined with another type modifier"
    );
    assert_eq!(
        det("    sel:\n        f|base64: 'a*'\n    condition: sel"),
        "test.yml: rule \"Bad\": detection.sel.f|base64: `base64` cannot encode a value with wildcards"
    );
    assert_eq!(
        det("    sel:\n        f|hour|gt: 3\n    condition: sel"),
        "test.yml: rule \"Bad\": detection.sel.f|hour|gt: `gt` cannot be combined with another type modifier"
    );
}

#[test]
fn value_errors() {
    assert_eq!(
        det("    sel:\n        ip|cidr: 10.0.0.0/40\n    condition: sel"),
        "test.yml: rule \"Bad\": detection.sel.ip|cidr: bad CIDR network \"10.0.0.0/40\""
    );
    let e = det("    sel:\n        c|re: '(?<=a)b'\n    condition: sel");
    assert!(e.starts_with("test.yml: rule \"Bad\": detection.sel.c|re: bad regular expression: \"(?<=a)b\": "), "{e}");
    assert!(e.contains("look-around"), "{e}");
    assert_eq!(
        det("    sel:\n        h|expand: '%Servers%'\n    condition: sel"),
        "test.yml: rule \"Bad\": detection.sel.h|expand: placeholder %Servers% has no value (no placeholder map \
         supplied for `expand`)"
    );
    assert_eq!(
        det("    sel:\n        n|gt: many\n    condition: sel"),
        "test.yml: rule \"Bad\": detection.sel.n|gt: expected a number"
    );
    assert_eq!(
        det("    sel:\n        '|cidr': 10.0.0.0/8\n    condition: sel"),
        "test.yml: rule \"Bad\": detection.sel.|cidr: keywords take string or `re` values; this modifier needs a \
         field name"
    );
    assert_eq!(
        det("    sel:\n        f|exists: maybe\n    condition: sel"),
        "test.yml: rule \"Bad\": detection.sel.f|exists: `exists` takes true or false"
    );
}

#[test]
fn condition_errors_are_located() {
    assert_eq!(
        det("    sel:\n        f: x\n    condition: sel and (sel or"),
        "test.yml: rule \"Bad\": condition \"sel and (sel or\", column 16: expected an identifier, `not`, `1 of`, \
         `all of` or `(`"
    );
    assert_eq!(
        det("    sel:\n        f: x\n    condition: sel and filter"),
        "test.yml: rule \"Bad\": condition \"sel and filter\": \"filter\" is not defined in detection"
    );
    assert_eq!(
        det("    sel:\n        f: x\n    condition: 1 of filter*"),
        "test.yml: rule \"Bad\": condition \"1 of filter*\": \"filter*\" is not defined in detection"
    );
    assert_eq!(
        det("    sel:\n        f: x\n    condition: sel | count() by h > 5"),
        "test.yml: rule \"Bad\": condition \"sel | count() by h > 5\", column 5: Sigma v1 aggregations (`| count() \
         ...`) are not supported: write a correlation rule"
    );
    assert_eq!(det("    sel:\n        f: x"), "test.yml: rule \"Bad\": missing `detection.condition`");
}

#[test]
fn collections_and_multi_document_files() {
    use detect::{load_str, Rule};
    let text =
        "action: global\ntitle: Shared\nlogsource: {product: x}\ndetection:\n    condition: sel\n---\ndetection:\n    \
                sel:\n        a: 1\n---\ntitle: Other\ndetection:\n    sel:\n        b: 2\n";
    let rules = load_str(text, std::path::Path::new("c.yml")).expect("loads");
    let titles: Vec<&str> = rules
        .iter()
        .map(|r| match r {
            Rule::Detection(d) => d.meta.title.as_str(),
            Rule::Correlation(c) => c.meta.title.as_str(),
            Rule::Filter(f) => f.title.as_str(),
        })
        .collect();
    assert_eq!(titles, ["Shared", "Other"]);
    let e = rejection("title: A\naction: repeat\ndetection: {}\n");
    assert_eq!(e, "test.yml: rule \"A\": unsupported: Sigma v1 rule collection `action: repeat`");
    let corr = "title: C\nname: c\ncorrelation:\n    type: event_count\n    rules: [a]\n";
    let rules = load_str(corr, std::path::Path::new("c.yml")).expect("loads");
    assert!(matches!(&rules[0], Rule::Correlation(c) if c.meta.name.as_deref() == Some("c")));
}

#[test]
fn load_paths_walks_directories() {
    let dir = std::env::temp_dir().join(format!("detect-load-{}", std::process::id()));
    let sub = dir.join("sub");
    std::fs::create_dir_all(&sub).unwrap();
    let good = "title: G\nlogsource: {category: dns}\ndetection:\n    s:\n        Name: x\n    condition: s\n";
    std::fs::write(dir.join("a.yml"), good).unwrap();
    std::fs::write(sub.join("b.yaml"), good).unwrap();
    std::fs::write(sub.join("b.tests.yml"), "not: [a rule").unwrap();
    std::fs::write(sub.join("c.yml"), "title: Broken\ndetection:\n    condition: nope\n").unwrap();
    std::fs::write(sub.join("notes.txt"), "ignored").unwrap();
    let (set, errors) = detect::load_paths(std::slice::from_ref(&dir));
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(set.detections.len(), 2);
    assert_eq!(errors.len(), 1);
    assert_eq!(
        errors[0].to_string(),
        format!(
            "{}: rule \"Broken\": condition \"nope\": \"nope\" is not defined in detection",
            sub.join("c.yml").display()
        )
    );
}
