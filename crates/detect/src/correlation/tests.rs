//! State-machine tests on abstract observations.

use super::*;

mod sliding;

const S: i64 = 1_000_000_000;
const M: i64 = 60 * S;

fn member(kind: CorrelationType, ops: &[(Op, u64)]) -> Member {
    let slot = (kind == CorrelationType::ValueCount).then_some(0);
    Member { kind, condition: Condition::new(ops.to_vec()), slot }
}

fn spec(members: Vec<Member>, n_rules: usize) -> AggSpec {
    AggSpec { span: 10 * M, n_rules, members, slots: vec![SlotSpec { distinct: true, listed: true }] }
}

/// Reports when the condition holds, so these tests see each decision at once; the window-totals
/// reporting has tests of its own below.
fn cfg(mode: WindowMode, lateness: i64) -> AggConfig {
    AggConfig { mode, lateness, emit: Emit::WhenHeld, ..AggConfig::default() }
}

/// (time ns, group, value, rule)
type Ev<'a> = (i64, &'a str, &'a str, usize);

fn run(a: &mut Aggregator, evs: &[Ev<'_>]) -> Vec<Firing> {
    let mut out = Vec::new();
    feed(a, evs, &mut out);
    a.flush(&mut out);
    out
}

fn feed(a: &mut Aggregator, evs: &[Ev<'_>], out: &mut Vec<Firing>) {
    for &(t, g, v, rule) in evs {
        let group = [g];
        let values = [Some(v)];
        a.observe(&Observation { time: t, group: &group, rule, values: &values }, out);
    }
}

fn count_gt(n: u64, mode: WindowMode) -> Aggregator {
    Aggregator::new(spec(vec![member(CorrelationType::EventCount, &[(Op::Gt, n)])], 1), cfg(mode, 5 * S))
}

/// `n` events of group `g`, one per second from `t0`, all with value `v`.
fn burst<'a>(t0: i64, n: usize, g: &'a str, v: &'a str) -> Vec<Ev<'a>> {
    (0..n).map(|i| (t0 + i as i64 * S, g, v, 0)).collect()
}

#[test]
fn thirty_vs_thirty_one_events() {
    for mode in [WindowMode::Sliding, WindowMode::Tumbling] {
        assert!(run(&mut count_gt(30, mode), &burst(0, 30, "10.0.0.1", "x")).is_empty(), "{mode:?}");
        let f = run(&mut count_gt(30, mode), &burst(0, 31, "10.0.0.1", "x"));
        assert_eq!(f.len(), 1, "{mode:?}");
        assert_eq!(f[0].count, 31);
        assert_eq!((f[0].first, f[0].last), (0, 30 * S));
        assert_eq!(f[0].group, ["10.0.0.1"]);
        assert_eq!(f[0].held, [0]);
        assert!(!f[0].at_close);
    }
}

#[test]
fn twenty_vs_twenty_one_distinct() {
    for mode in [WindowMode::Sliding, WindowMode::Tumbling] {
        let names: Vec<String> = (0..21).map(|i| format!("h{i}.example.com")).collect();
        let evs = |n: usize| -> Vec<Ev<'_>> {
            // Each name three times: 60 events but only n distinct values.
            (0..3 * n).map(|i| (i as i64 * S, "g", names[i % n].as_str(), 0)).collect()
        };
        let vc =
            || Aggregator::new(spec(vec![member(CorrelationType::ValueCount, &[(Op::Gt, 20)])], 1), cfg(mode, 5 * S));
        assert!(run(&mut vc(), &evs(20)).is_empty());
        let f = run(&mut vc(), &evs(21));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].distinct, [21]);
        assert_eq!(f[0].count, 21, "fires at the 21st distinct name, the 21st event");
        assert_eq!(f[0].values[0].len(), 20, "listed values capped at 20");
        assert_eq!(f[0].values[0][0], "h0.example.com");
    }
}

#[test]
fn burst_across_a_bin_boundary() {
    // 40 events 09:55..10:05 (every 15 s), around the 10:00 boundary of 10-minute bins.
    let t0 = 10 * 3600 * S - 5 * M;
    let evs: Vec<Ev<'_>> = (0..40).map(|i| (t0 + i * 15 * S, "g", "x", 0)).collect();
    assert!(run(&mut count_gt(30, WindowMode::Tumbling), &evs).is_empty(), "20 + 20 in two bins");
    let f = run(&mut count_gt(30, WindowMode::Sliding), &evs);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].first, t0);
    assert_eq!(f[0].count, 31);
}

#[test]
fn once_per_window() {
    for mode in [WindowMode::Sliding, WindowMode::Tumbling] {
        let mut a = count_gt(30, mode);
        let f = run(&mut a, &burst(0, 100, "g", "x"));
        assert_eq!(f.len(), 1, "{mode:?}");
        assert_eq!(a.stats().absorbed, 69);
        assert_eq!(a.stats().firings, 1);
    }
    // Sliding: after the fired window [0, 10m) closes, the next window starts fresh.
    let mut a = count_gt(30, WindowMode::Sliding);
    let mut evs = burst(0, 40, "g", "x");
    evs.extend(burst(10 * M, 31, "g", "x"));
    let f = run(&mut a, &evs);
    assert_eq!(f.iter().map(|f| (f.first, f.count)).collect::<Vec<_>>(), [(0, 31), (10 * M, 31)]);
}

#[test]
fn sliding_window_expires_old_events_and_values() {
    // 20 events in the first minute, 20 more 10 minutes later: never 31 within 10 minutes.
    let mut evs = burst(0, 20, "g", "x");
    evs.extend(burst(10 * M + 20 * S, 20, "g", "x"));
    assert!(run(&mut count_gt(30, WindowMode::Sliding), &evs).is_empty());
    // Distinct values expire too.
    let names: Vec<String> = (0..30).map(|i| format!("n{i}")).collect();
    let mut evs: Vec<Ev<'_>> = (0..15).map(|i| (i as i64 * S, "g", names[i].as_str(), 0)).collect();
    evs.extend((15..30).map(|i| (11 * M + i as i64 * S, "g", names[i].as_str(), 0)));
    let mut a = Aggregator::new(
        spec(vec![member(CorrelationType::ValueCount, &[(Op::Gt, 20)])], 1),
        cfg(WindowMode::Sliding, 5 * S),
    );
    assert!(run(&mut a, &evs).is_empty());
}

#[test]
fn groups_are_independent() {
    let mut evs = Vec::new();
    for i in 0..31 {
        evs.push((i * S, "a", "x", 0));
        if i < 30 {
            evs.push((i * S, "b", "x", 0));
        }
    }
    for mode in [WindowMode::Sliding, WindowMode::Tumbling] {
        let f = run(&mut count_gt(30, mode), &evs);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].group, ["a"]);
    }
}

#[test]
fn out_of_order_within_lateness_is_placed_correctly() {
    // eq 5 per tumbling bin, decided at close. The 5th event of bin 1 arrives after an event of
    // bin 2 (3 s later in event time, lateness 5 s): it must still count in bin 1.
    let evs: Vec<Ev<'_>> = vec![
        (9 * M, "g", "x", 0),
        (9 * M + S, "g", "x", 0),
        (9 * M + 2 * S, "g", "x", 0),
        (9 * M + 3 * S, "g", "x", 0),
        (10 * M + 2 * S, "g", "x", 0),
        (9 * M + 59 * S, "g", "x", 0),
        (10 * M + 3 * S, "g", "x", 0),
    ];
    let eq5 = || {
        Aggregator::new(
            spec(vec![member(CorrelationType::EventCount, &[(Op::Eq, 5)])], 1),
            cfg(WindowMode::Tumbling, 5 * S),
        )
    };
    let mut a = eq5();
    let f = run(&mut a, &evs);
    assert_eq!(f.len(), 1);
    assert_eq!((f[0].first, f[0].last, f[0].count), (9 * M, 9 * M + 59 * S, 5));
    assert!(f[0].at_close);
    assert_eq!(a.stats().late_dropped, 0);
    // With no lateness allowed the straggler is dropped and counted; bin 1 then has 4.
    let mut a = Aggregator::new(a.spec().clone(), cfg(WindowMode::Tumbling, 0));
    assert!(run(&mut a, &evs).is_empty());
    assert_eq!(a.stats().late_dropped, 1);
}

#[test]
fn too_late_is_counted_not_used() {
    let mut a = count_gt(30, WindowMode::Sliding);
    let mut evs = burst(100 * S, 30, "g", "x");
    evs.push((100 * S - 10 * S, "g", "x", 0)); // 39 s behind the newest, lateness 5 s
    assert!(run(&mut a, &evs).is_empty());
    assert_eq!(a.stats().late_dropped, 1);
    assert_eq!(a.stats().observations, 31);
}

#[test]
fn flood_of_groups_is_bounded_and_evictions_counted() {
    let mut c = cfg(WindowMode::Sliding, 0);
    c.max_groups = 10_000;
    let mut a = Aggregator::new(spec(vec![member(CorrelationType::EventCount, &[(Op::Gt, 30)])], 1), c);
    let mut out = Vec::new();
    let mut buf = String::new();
    for i in 0..1_000_000u32 {
        use std::fmt::Write;
        buf.clear();
        let _ = write!(buf, "198.51.{}.{}", i >> 8, i & 255);
        let group = [buf.as_str()];
        a.observe(&Observation { time: i64::from(i), group: &group, rule: 0, values: &[Some("x")] }, &mut out);
        if i % 1000 == 0 {
            assert!(a.stats().live_groups <= 10_000);
        }
    }
    let st = a.stats();
    assert!(out.is_empty());
    assert_eq!(st.peak_groups, 10_000);
    assert_eq!(st.groups_evicted + st.live_groups as u64, 1_000_000);
    assert!(st.groups_evicted >= 990_000);
}

/// Evicted groups still holding buffered observations: those observations are applied, and
/// fire, whenever some window they open could report (the evicted ones here are `a`, then `b`).
#[test]
fn evicted_groups_apply_what_they_buffered_when_it_could_fire() {
    for (ops, want) in [
        (vec![(Op::Gt, 30)], vec![("a", 31)]),
        (vec![(Op::Gt, 2)], vec![("a", 3), ("c", 3)]),
        (vec![(Op::Gt, 0)], vec![("a", 1), ("b", 1), ("c", 1)]),
        (vec![(Op::Lt, 5)], vec![("b", 1), ("c", 3)]),
    ] {
        // A lateness of an hour keeps every observation buffered until its group is finished.
        let mut c = cfg(WindowMode::Tumbling, 3600 * S);
        c.max_groups = 1;
        let mut a = Aggregator::new(spec(vec![member(CorrelationType::EventCount, &ops)], 1), c);
        let mut evs = burst(0, 31, "a", "x");
        evs.extend(burst(40 * S, 1, "b", "x"));
        evs.extend(burst(50 * S, 3, "c", "x"));
        let got: Vec<(String, u64)> = run(&mut a, &evs).iter().map(|f| (f.group[0].clone(), f.count)).collect();
        let want: Vec<(String, u64)> = want.iter().map(|&(g, n)| (g.to_string(), n)).collect();
        assert_eq!(got, want, "{ops:?}");
        assert_eq!(a.stats().groups_evicted, 2);
    }
    // Three buffered observations a bucket apart open three windows of one: "exactly one" holds in
    // each though it fails for three; only monotone conditions are bounded by the total.
    let c = AggConfig { max_groups: 1, ..cfg(WindowMode::Tumbling, 3600 * S) };
    let mut a = Aggregator::new(spec(vec![member(CorrelationType::EventCount, &[(Op::Eq, 1)])], 1), c);
    let evs = [(0, "c", "x", 0), (10 * M, "c", "x", 0), (20 * M, "c", "x", 0), (20 * M, "d", "x", 0)];
    let got: Vec<(String, u64)> = run(&mut a, &evs).iter().map(|f| (f.group[0].clone(), f.count)).collect();
    assert_eq!(got, [("c".to_string(), 1), ("c".to_string(), 1), ("c".to_string(), 1), ("d".to_string(), 1)]);
}

#[test]
fn stale_groups_expire_as_time_advances() {
    let mut c = cfg(WindowMode::Sliding, 0);
    c.max_groups = 100;
    let mut a = Aggregator::new(spec(vec![member(CorrelationType::EventCount, &[(Op::Gt, 30)])], 1), c);
    let names: Vec<String> = (0..1000).map(|i| format!("g{i}")).collect();
    // One group per minute: each is long over (10 m span) when the cap would be hit.
    let evs: Vec<Ev<'_>> = names.iter().enumerate().map(|(i, g)| (i as i64 * M, g.as_str(), "x", 0)).collect();
    run(&mut a, &evs);
    let st = a.stats();
    assert_eq!(st.groups_evicted, 0);
    assert!(st.peak_groups <= 100, "{st:?}");
    assert!(st.groups_expired > 800, "{st:?}");
    assert_eq!(st.live_groups, 0, "flush finishes the rest");
}

#[test]
fn distinct_cap_saturates_and_counts() {
    let mut c = cfg(WindowMode::Tumbling, 0);
    c.max_values_per_group = 100;
    let mut a = Aggregator::new(spec(vec![member(CorrelationType::ValueCount, &[(Op::Gt, 1000)])], 1), c);
    let names: Vec<String> = (0..150).map(|i| format!("n{i}")).collect();
    let evs: Vec<Ev<'_>> = names.iter().map(|n| (0, "g", n.as_str(), 0)).collect();
    assert!(run(&mut a, &evs).is_empty());
    assert_eq!(a.stats().values_dropped, 50);
}

#[test]
fn temporal_all_rules_within_span() {
    let t = || {
        let s = spec(vec![member(CorrelationType::Temporal, &[(Op::Gte, 3)])], 3);
        Aggregator::new(AggSpec { span: 5 * M, ..s }, cfg(WindowMode::Sliding, 0))
    };
    let f = run(&mut t(), &[(0, "h", "", 2), (M, "h", "", 0), (2 * M, "h", "", 1)]);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].rules_seen, [0, 1, 2]);
    assert!(run(&mut t(), &[(0, "h", "", 0), (M, "h", "", 1)]).is_empty());
    // a, then b and c six minutes later: a is out of the 5-minute window.
    assert!(run(&mut t(), &[(0, "h", "", 0), (6 * M, "h", "", 1), (7 * M, "h", "", 2)]).is_empty());
    // Different hosts do not combine.
    assert!(run(&mut t(), &[(0, "h1", "", 0), (M, "h2", "", 1), (2 * M, "h1", "", 2)]).is_empty());
}

#[test]
fn temporal_ordered_needs_the_order() {
    let t = |mode| {
        let s = spec(vec![member(CorrelationType::TemporalOrdered, &[(Op::Gte, 2)])], 2);
        Aggregator::new(AggSpec { span: 5 * M, ..s }, cfg(mode, 0))
    };
    for mode in [WindowMode::Sliding, WindowMode::Tumbling] {
        assert_eq!(run(&mut t(mode), &[(0, "u", "", 0), (M, "u", "", 1)]).len(), 1);
        assert!(run(&mut t(mode), &[(0, "u", "", 1), (M, "u", "", 0)]).is_empty());
        // b, a, b: the second b follows a.
        let f = run(&mut t(mode), &[(0, "u", "", 1), (M, "u", "", 0), (2 * M, "u", "", 1)]);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].last, 2 * M);
    }
    // a then b 6 minutes later: too far apart.
    assert!(run(&mut t(WindowMode::Sliding), &[(0, "u", "", 0), (6 * M, "u", "", 1)]).is_empty());
}

#[test]
fn ranges_are_decided_at_window_close() {
    let range = |mode| {
        let m = member(CorrelationType::EventCount, &[(Op::Gte, 3), (Op::Lte, 5)]);
        Aggregator::new(spec(vec![m], 1), cfg(mode, 0))
    };
    for mode in [WindowMode::Sliding, WindowMode::Tumbling] {
        let mut a = range(mode);
        let mut out = Vec::new();
        feed(&mut a, &burst(0, 4, "g", "x"), &mut out);
        assert!(out.is_empty(), "not decided while the window is open");
        feed(&mut a, &[(11 * M, "g", "x", 0)], &mut out);
        assert_eq!(out.len(), 1, "{mode:?}: decided when time passes the window end");
        assert_eq!((out[0].count, out[0].first, out[0].at_close), (4, 0, true));
        a.flush(&mut out);
        assert_eq!(out.len(), 1, "the last window has 1 event");
        assert!(run(&mut range(mode), &burst(0, 6, "g", "x")).is_empty(), "6 is above the range");
    }
}

#[test]
fn eq_and_lt_at_flush() {
    let one = |ops: &[(Op, u64)]| {
        Aggregator::new(spec(vec![member(CorrelationType::EventCount, ops)], 1), cfg(WindowMode::Sliding, 5 * S))
    };
    let f = run(&mut one(&[(Op::Lt, 3)]), &burst(0, 2, "g", "x"));
    assert_eq!(f.len(), 1);
    assert!(f[0].at_close);
    assert!(run(&mut one(&[(Op::Lt, 3)]), &burst(0, 3, "g", "x")).is_empty());
    assert_eq!(run(&mut one(&[(Op::Eq, 7)]), &burst(0, 7, "g", "x")).len(), 1);
    assert!(run(&mut one(&[(Op::Eq, 7)]), &burst(0, 8, "g", "x")).is_empty());
    assert_eq!(run(&mut one(&[(Op::Neq, 7)]), &burst(0, 8, "g", "x")).len(), 1);
}

#[test]
fn merged_members_fire_once_naming_what_held() {
    let merged = |mode| {
        let s = spec(
            vec![
                member(CorrelationType::EventCount, &[(Op::Gt, 30)]),
                member(CorrelationType::ValueCount, &[(Op::Gt, 20)]),
            ],
            1,
        );
        Aggregator::new(s, cfg(mode, 0))
    };
    let names: Vec<String> = (0..60).map(|i| format!("n{i}.example.org")).collect();
    for mode in [WindowMode::Sliding, WindowMode::Tumbling] {
        // 25 distinct names, 25 queries: only the distinct condition.
        let evs: Vec<Ev<'_>> = (0..25).map(|i| (i as i64 * S, "g", names[i].as_str(), 0)).collect();
        let f = run(&mut merged(mode), &evs);
        assert_eq!(f.iter().map(|f| f.held.clone()).collect::<Vec<_>>(), [vec![1]]);
        // 40 queries over 5 names: only the count condition.
        let evs: Vec<Ev<'_>> = (0..40).map(|i| (i as i64 * S, "g", names[i % 5].as_str(), 0)).collect();
        let f = run(&mut merged(mode), &evs);
        assert_eq!(f.iter().map(|f| f.held.clone()).collect::<Vec<_>>(), [vec![0]]);
        assert_eq!(f[0].count, 31);
        // 60 distinct names: both hold at the same event? The 21st distinct comes first.
        let evs: Vec<Ev<'_>> = (0..60).map(|i| (i as i64 * S, "g", names[i].as_str(), 0)).collect();
        let f = run(&mut merged(mode), &evs);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].held, [1]);
    }
    // Both at once: 30 queries over 20 names, then one query for a 21st name.
    let mut evs: Vec<Ev<'_>> = (0..30).map(|i| (i as i64 * S, "g", names[i % 20].as_str(), 0)).collect();
    evs.push((31 * S, "g", names[20].as_str(), 0));
    let f = run(&mut merged(WindowMode::Sliding), &evs);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].held, [0, 1]);
    assert_eq!((f[0].count, f[0].distinct[0]), (31, 21));
}

#[test]
fn chained_correlations() {
    // Inner: ≥ 3 failures per user in 10 m; outer: inner then success (rule 1), in order, 10 m.
    let mut inner = Aggregator::new(
        spec(vec![member(CorrelationType::EventCount, &[(Op::Gte, 3)])], 1),
        cfg(WindowMode::Sliding, 0),
    );
    let mut outer = Aggregator::new(
        spec(vec![member(CorrelationType::TemporalOrdered, &[(Op::Gte, 2)])], 2),
        cfg(WindowMode::Sliding, 0),
    );
    let mut fired = Vec::new();
    let mut alerts = Vec::new();
    let success = |t: i64, user: &str, out: &mut Vec<Firing>, outer: &mut Aggregator| {
        outer.observe(&Observation { time: t, group: &[user], rule: 1, values: &[None] }, out);
    };
    success(0, "bob", &mut alerts, &mut outer); // success before the failures: no order
    for i in 1..=3 {
        inner.observe(&Observation { time: i * S, group: &["bob"], rule: 0, values: &[None] }, &mut fired);
    }
    assert_eq!(fired.len(), 1);
    for f in &fired {
        let group: Vec<&str> = f.group.iter().map(String::as_str).collect();
        outer.observe(&Observation { time: f.last, group: &group, rule: 0, values: &[None] }, &mut alerts);
    }
    assert!(alerts.is_empty());
    success(5 * S, "alice", &mut alerts, &mut outer);
    assert!(alerts.is_empty(), "other user");
    success(6 * S, "bob", &mut alerts, &mut outer);
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].group, ["bob"]);
    assert_eq!(alerts[0].rules_seen, [0, 1]);
}

#[test]
fn shards_equal_one_engine_when_groups_do_not_span_files() {
    // File A (later in time) then file B (earlier), different groups.
    let names: Vec<String> = (0..40).map(|i| format!("n{i}")).collect();
    let a: Vec<Ev<'_>> = (0..40).map(|i| (3600 * S + i as i64 * S, "ga", names[i].as_str(), 0)).collect();
    let b: Vec<Ev<'_>> = (0..35).map(|i| (i as i64 * 7 * S, "gb", names[i % 3].as_str(), 0)).collect();
    let make = || {
        let s = spec(
            vec![
                member(CorrelationType::EventCount, &[(Op::Gt, 30)]),
                member(CorrelationType::ValueCount, &[(Op::Gt, 20)]),
            ],
            1,
        );
        Aggregator::new(s, cfg(WindowMode::Sliding, 5 * S))
    };
    let mut one = make();
    let mut out = Vec::new();
    feed(&mut one, &a, &mut out);
    feed(&mut one, &b, &mut out);
    one.flush(&mut out);
    let mut sharded = run(&mut make(), &a);
    sharded.extend(run(&mut make(), &b));
    let key = |f: &Firing| (f.group.clone(), f.first, f.count, f.held.clone());
    let mut x: Vec<_> = out.iter().map(key).collect();
    let mut y: Vec<_> = sharded.iter().map(key).collect();
    x.sort();
    y.sort();
    assert_eq!(x.len(), 2);
    assert_eq!(x, y);
    assert_eq!(one.stats().late_dropped, 0);
}

#[test]
fn shards_equal_one_engine_across_sweeps() {
    // Enough observations to run the periodic sweep several times while the older file B is
    // read after the newer file A: B's active groups must not be finished early.
    let groups: Vec<String> = (0..8).map(|i| format!("198.51.100.{i}")).collect();
    let names: Vec<String> = (0..50).map(|i| format!("n{i}")).collect();
    let file = |t0: i64, gs: &[String], n: usize| -> Vec<(i64, String, String)> {
        (0..n)
            .map(|i| (t0 + i as i64 * S / 2, gs[i % gs.len()].clone(), names[(i / 4) % names.len()].clone()))
            .collect()
    };
    let a = file(100 * 3600 * S, &groups[..4], 6000);
    let b = file(3600 * S, &groups[4..], 20000);
    let make = || {
        let s = spec(
            vec![
                member(CorrelationType::EventCount, &[(Op::Gt, 150)]),
                member(CorrelationType::ValueCount, &[(Op::Gt, 45)]),
            ],
            1,
        );
        Aggregator::new(s, cfg(WindowMode::Sliding, 5 * S))
    };
    let feed_owned = |agg: &mut Aggregator, evs: &[(i64, String, String)], out: &mut Vec<Firing>| {
        for (t, g, v) in evs {
            let group = [g.as_str()];
            agg.observe(&Observation { time: *t, group: &group, rule: 0, values: &[Some(v.as_str())] }, out);
        }
    };
    let mut one = make();
    let mut x = Vec::new();
    feed_owned(&mut one, &a, &mut x);
    feed_owned(&mut one, &b, &mut x);
    one.flush(&mut x);
    let mut y = Vec::new();
    for part in [&a, &b] {
        let mut agg = make();
        feed_owned(&mut agg, part, &mut y);
        agg.flush(&mut y);
    }
    let key = |f: &Firing| (f.group.clone(), f.first, f.last, f.count, f.distinct.clone(), f.held.clone());
    let mut x: Vec<_> = x.iter().map(key).collect();
    let mut y: Vec<_> = y.iter().map(key).collect();
    x.sort();
    y.sort();
    assert!(x.len() > 50, "{}", x.len());
    assert_eq!(x, y);
    assert_eq!(one.stats().late_dropped, 0);
}

/// Window-totals reporting (the default): decided when the condition holds, reported when the
/// window ends, with the window's totals.
mod window_totals {
    use super::*;

    fn totals(mode: WindowMode) -> AggConfig {
        AggConfig { mode, lateness: 0, ..AggConfig::default() }
    }

    fn feed(agg: &mut Aggregator, times: &[i64], names: impl Fn(usize) -> String) -> Vec<Firing> {
        let mut out = Vec::new();
        for (i, &t) in times.iter().enumerate() {
            let n = names(i);
            let values = [Some(n.as_str())];
            agg.observe(&Observation { time: t, group: &["g"], rule: 0, values: &values }, &mut out);
        }
        agg.flush(&mut out);
        out
    }

    #[test]
    fn tumbling_reports_the_bucket_totals_like_kql_summarize() {
        let s = spec(vec![member(CorrelationType::EventCount, &[(Op::Gt, 30)])], 1);
        let mut agg = Aggregator::new(s, totals(WindowMode::Tumbling));
        // 40 events in one bucket, then 5 in the next: one firing, with all 40.
        let times: Vec<i64> = (0..40).map(|i| i * S).chain((0..5).map(|i| 10 * M + i * S)).collect();
        let out = feed(&mut agg, &times, |i| format!("n{}", i % 25));
        assert_eq!(out.len(), 1);
        assert_eq!((out[0].count, out[0].distinct[0], out[0].first, out[0].last), (40, 25, 0, 39 * S));
    }

    #[test]
    fn sliding_reports_first_plus_span_totals_and_then_a_fresh_window() {
        let s = spec(vec![member(CorrelationType::EventCount, &[(Op::Gt, 30)])], 1);
        let mut agg = Aggregator::new(s, totals(WindowMode::Sliding));
        // 40 events at 0..39 s fire (window [0, 10 min)); 40 more at 10 min.. open a new window.
        let times: Vec<i64> = (0..40).map(|i| i * S).chain((0..40).map(|i| 10 * M + i * S)).collect();
        let out = feed(&mut agg, &times, |i| format!("n{i}"));
        assert_eq!(out.len(), 2, "{out:?}");
        assert_eq!((out[0].count, out[0].first, out[0].last), (40, 0, 39 * S));
        assert_eq!((out[1].count, out[1].first), (40, 10 * M));
        assert_eq!(agg.stats().absorbed, 0);
    }

    #[test]
    fn a_held_window_survives_eviction_and_is_reported() {
        let s = spec(vec![member(CorrelationType::EventCount, &[(Op::Gt, 2)])], 1);
        let mut agg = Aggregator::new(s, AggConfig { max_groups: 2, ..totals(WindowMode::Tumbling) });
        let mut out = Vec::new();
        let v = [Some("x")];
        for i in 0..3 {
            agg.observe(&Observation { time: i * S, group: &["held"], rule: 0, values: &v }, &mut out);
        }
        for (i, g) in ["a", "b", "c", "d"].iter().enumerate() {
            agg.observe(&Observation { time: (3 + i as i64) * S, group: &[g], rule: 0, values: &v }, &mut out);
        }
        assert!(agg.stats().groups_evicted > 0);
        assert_eq!(out.len(), 1, "the evicted group's held window is reported: {out:?}");
        assert_eq!((out[0].group[0].as_str(), out[0].count), ("held", 3));
    }
}

#[test]
fn distinct_values_ignore_ascii_case() {
    let s = spec(vec![member(CorrelationType::ValueCount, &[(Op::Gt, 1)])], 1);
    let mut agg = Aggregator::new(s, cfg(WindowMode::Tumbling, 0));
    let mut out = Vec::new();
    for (i, name) in ["WWW.Example.COM", "www.example.com", "www.EXAMPLE.com"].iter().enumerate() {
        let v = [Some(*name)];
        agg.observe(&Observation { time: i as i64 * S, group: &["g"], rule: 0, values: &v }, &mut out);
    }
    agg.flush(&mut out);
    assert!(out.is_empty(), "one name in three spellings: {out:?}");
}

#[test]
fn sliding_windows_list_new_values_once_old_ones_left_the_window() {
    // Value count > 3, at most 3 values listed. a0 leaves the window at 10:30, making room in the
    // list for b3; b4 then makes four distinct values (a1, a2, b3, b4) within 10 minutes.
    let mut a = Aggregator::new(
        spec(vec![member(CorrelationType::ValueCount, &[(Op::Gt, 3)])], 1),
        AggConfig { max_listed_values: 3, ..cfg(WindowMode::Sliding, 0) },
    );
    let evs: Vec<Ev<'_>> = vec![
        (0, "g", "a0", 0),
        (M, "g", "a1.example", 0),
        (2 * M, "g", "a2", 0),
        (10 * M + 30 * S, "g", "b3.example.com", 0),
        (10 * M + 40 * S, "g", "b4", 0),
    ];
    let f = run(&mut a, &evs);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].distinct, [4]);
    assert_eq!(f[0].values[0], ["a1.example", "a2", "b3.example.com"]);
}
