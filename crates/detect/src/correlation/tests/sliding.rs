//! The sliding windows against a model that counts the window again at every event.

use super::*;

/// The sliding-window semantics of `window.rs` for monotone conditions, computed the slow way: the
/// window's events kept in a list and counted again at every event. Values beyond the distinct
/// cap are left out of the count (and flag the window) as long as the window holds `cap` others.
mod reference {
    use super::*;

    #[derive(Default)]
    struct Group {
        events: Vec<(i64, String)>,
        /// Values counted (at most the cap), with their last sighting.
        admitted: Vec<(String, i64)>,
        saturated: bool,
        fired: bool,
        closed_until: i64,
    }

    fn firing(g: &Group, key: &str, held: Vec<usize>) -> Firing {
        Firing {
            group: vec![key.to_string()],
            first: g.events[0].0,
            last: g.events[g.events.len() - 1].0,
            count: g.events.len() as u64,
            distinct: vec![g.admitted.len() as u64],
            saturated: vec![g.saturated],
            values: vec![],
            rules_seen: vec![0],
            held,
            at_close: false,
        }
    }

    /// Firings for in-order events `(time, group, value)` (`values` left empty).
    pub fn sliding(spec: &AggSpec, cfg: &AggConfig, evs: &[(i64, String, String)]) -> Vec<Firing> {
        let mut groups: Vec<(String, Group)> = Vec::new();
        let mut out = Vec::new();
        for (t, key, v) in evs {
            let i = groups.iter().position(|g| &g.0 == key).unwrap_or_else(|| {
                groups.push((key.clone(), Group { closed_until: i64::MIN, ..Group::default() }));
                groups.len() - 1
            });
            let g = &mut groups[i].1;
            if *t < g.closed_until {
                continue;
            }
            if g.fired {
                if *t < g.events[0].0 + spec.span {
                    count(g, *t, v, cfg);
                    continue;
                }
                out.push(firing(g, key, held(spec, g)));
                *g = Group { closed_until: g.closed_until, ..Group::default() };
            }
            let cut = t - spec.span;
            g.events.retain(|e| e.0 > cut);
            g.admitted.retain(|a| a.1 > cut);
            if g.events.is_empty() {
                g.saturated = false;
            }
            count(g, *t, v, cfg);
            let h = held(spec, g);
            if !h.is_empty() {
                if cfg.emit == Emit::WhenHeld {
                    out.push(firing(g, key, h));
                    let until = g.events[0].0 + spec.span;
                    *g = Group { closed_until: until, ..Group::default() };
                } else {
                    g.fired = true;
                }
            }
        }
        for (key, g) in &groups {
            if g.fired {
                out.push(firing(g, key, held(spec, g)));
            }
        }
        out
    }

    fn count(g: &mut Group, t: i64, v: &str, cfg: &AggConfig) {
        g.events.push((t, v.to_string()));
        if let Some(a) = g.admitted.iter_mut().find(|a| a.0.eq_ignore_ascii_case(v)) {
            a.1 = t;
        } else if g.admitted.len() < cfg.max_values_per_group {
            g.admitted.push((v.to_string(), t));
        } else {
            g.saturated = true;
        }
    }

    fn held(spec: &AggSpec, g: &Group) -> Vec<usize> {
        let n = |m: &Member| match m.kind {
            CorrelationType::EventCount => g.events.len() as u64,
            _ => g.admitted.len() as u64,
        };
        (0..spec.members.len()).filter(|&i| spec.members[i].condition.holds(n(&spec.members[i]))).collect()
    }
}

#[test]
fn sliding_windows_agree_with_counting_again_at_every_event() {
    let mut seed = 1590u64;
    let mut next = move |n: u64| {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (seed >> 33) % n
    };
    let mut firings = 0;
    for round in 0..300 {
        // Minute steps keep at most 11 distinct times in a 10-minute window: no coarsening.
        let mut t = 0;
        let evs: Vec<(i64, String, String)> = (0..60 + next(140))
            .map(|_| {
                t += next(3) as i64 * M;
                (t, format!("g{}", next(3)), format!("{}{}", ["n", "N"][next(2) as usize], next(12)))
            })
            .collect();
        let members = vec![
            member(CorrelationType::EventCount, &[(Op::Gt, 4 + next(20))]),
            member(CorrelationType::ValueCount, &[(Op::Gte, 2 + next(8))]),
        ];
        let members = match round % 3 {
            0 => members,
            k => vec![members[k as usize - 1].clone()],
        };
        let spec = spec(members, 1);
        let mut c = cfg(WindowMode::Sliding, [0, 5 * S][next(2) as usize]);
        c.emit = [Emit::WhenHeld, Emit::WindowTotals][next(2) as usize];
        c.max_values_per_group = [3, 5, 100_000][next(3) as usize];
        let want = reference::sliding(&spec, &c, &evs);
        let mut a = Aggregator::new(spec, c);
        let mut got = Vec::new();
        for (t, g, v) in &evs {
            let (group, values) = ([g.as_str()], [Some(v.as_str())]);
            a.observe(&Observation { time: *t, group: &group, rule: 0, values: &values }, &mut got);
        }
        a.flush(&mut got);
        got.iter_mut().for_each(|f| f.values.clear());
        let key = |f: &Firing| (f.group.clone(), f.first);
        got.sort_by_key(key);
        let mut want = want;
        want.sort_by_key(key);
        assert_eq!(got, want, "round {round}: {c:?}");
        firings += got.len();
    }
    assert!(firings > 300, "the rounds should fire often: {firings}");
}
