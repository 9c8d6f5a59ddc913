//! Building an [`Engine`]: correlation parsing, reference resolution (by id or name), chain
//! cycle detection, merge groups, value slots, feeds and alert suppression (`generate`).

use super::feed::{Feed, Scratch, Src};
use super::prepare::Reads;
use super::{Corr, Det, Engine, EngineConfig, Unit};
use crate::correlation::{
    self, AggConfig, AggSpec, Aggregator, CorrelationSpec, CorrelationType, Emit, Loc, Member, OutputKind, SlotSpec,
};
use crate::{resolve_field, RuleError, RuleErrorKind, RuleMeta, RuleSet};
use event::FieldId;
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ref {
    Det(usize),
    Corr(usize),
}

fn corr_error(meta: &RuleMeta, message: String) -> RuleError {
    RuleError::new(&meta.file, Some(&meta.title), RuleErrorKind::BadCorrelation { at: "correlation".into(), message })
}

pub(super) fn build(rules: RuleSet, cfg: EngineConfig) -> Result<Engine, Vec<RuleError>> {
    let mut errors = Vec::new();
    let mut parsed: Vec<(RuleMeta, CorrelationSpec)> = Vec::new();
    for c in rules.correlations {
        let loc = Loc { file: c.meta.file.display().to_string(), title: c.meta.title.clone() };
        let rw = c.meta.reconwatch();
        match correlation::parse(&c.body, rw, &loc) {
            Ok(s) => parsed.push((c.meta, s)),
            Err(e) => errors.push(corr_error(&c.meta, e.what)),
        }
    }

    // References by id, then by name.
    let mut index: HashMap<&str, Ref> = HashMap::new();
    for (i, d) in rules.detections.iter().enumerate() {
        index.entry(d.meta.id.as_str()).or_insert(Ref::Det(i));
    }
    for (i, (m, _)) in parsed.iter().enumerate() {
        index.entry(m.id.as_str()).or_insert(Ref::Corr(i));
    }
    for (i, d) in rules.detections.iter().enumerate() {
        if let Some(n) = &d.meta.name {
            index.entry(n.as_str()).or_insert(Ref::Det(i));
        }
    }
    for (i, (m, _)) in parsed.iter().enumerate() {
        if let Some(n) = &m.name {
            index.entry(n.as_str()).or_insert(Ref::Corr(i));
        }
    }
    let mut refs: Vec<Vec<Ref>> = Vec::new();
    for (m, s) in &parsed {
        let mut r = Vec::new();
        for name in &s.rules {
            match index.get(name.as_str()) {
                Some(x) => r.push(*x),
                None => errors.push(corr_error(m, format!("`rules`: no rule has id or name `{name}`"))),
            }
        }
        refs.push(r);
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    for (i, (m, _)) in parsed.iter().enumerate() {
        if reaches(i, i, &refs, &mut vec![false; parsed.len()]) {
            errors.push(corr_error(m, "chain of correlations refers back to itself".into()));
        }
    }

    // Merge groups: one unit per merge key (or per correlation without one).
    let mut unit_members: Vec<Vec<usize>> = Vec::new();
    let mut by_key: HashMap<&str, usize> = HashMap::new();
    for (i, (m, s)) in parsed.iter().enumerate() {
        match s.merge.as_deref().and_then(|k| by_key.get(k)) {
            Some(&u) => {
                let (fm, fs) = &parsed[unit_members[u][0]];
                let same = fs.rules == s.rules
                    && fs.group_by == s.group_by
                    && fs.timespan == s.timespan
                    && fs.aliases == s.aliases;
                if !same {
                    errors.push(corr_error(
                        m,
                        format!(
                            "reconwatch.merge `{}`: rules, group-by, timespan and aliases must equal those of `{}`",
                            s.merge.as_deref().unwrap_or(""),
                            fm.title
                        ),
                    ));
                }
                if fs.condition.is_monotone() != s.condition.is_monotone() {
                    errors.push(corr_error(
                        m,
                        format!(
                            "reconwatch.merge `{}`: cannot merge conditions decided at window end (lt/lte/eq/neq) \
                             with ones that fire as soon as they hold",
                            s.merge.as_deref().unwrap_or("")
                        ),
                    ));
                }
                unit_members[u].push(i);
            }
            None => {
                unit_members.push(vec![i]);
                if let Some(k) = s.merge.as_deref() {
                    by_key.insert(k, unit_members.len() - 1);
                }
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }

    // Who emits alerts: unreferenced rules, and referenced ones a referrer says to generate.
    let mut referenced_d = vec![false; rules.detections.len()];
    let mut generate_d = vec![false; rules.detections.len()];
    let mut referenced_c = vec![false; parsed.len()];
    let mut generate_c = vec![false; parsed.len()];
    for (i, r) in refs.iter().enumerate() {
        for x in r {
            let (refd, gen) = match x {
                Ref::Det(d) => (&mut referenced_d[*d], &mut generate_d[*d]),
                Ref::Corr(c) => (&mut referenced_c[*c], &mut generate_c[*c]),
            };
            *refd = true;
            *gen |= parsed[i].1.generate;
        }
    }

    let agg_cfg = AggConfig {
        mode: cfg.window,
        lateness: cfg.lateness.max(0),
        max_groups: cfg.max_groups,
        max_values_per_group: cfg.max_values_per_group,
        max_listed_values: cfg.max_listed_values,
        emit: cfg.emit,
    };
    let mut units = Vec::new();
    for members in &unit_members {
        // Correlations feeding others decide without reordering (lateness 0): their firings
        // must reach the outer correlation in event-time order.
        let feeds_chain = members.iter().any(|&m| referenced_c[m]);
        // They also report as soon as they hold, so the outer correlation sees each firing at once.
        let cfg = if feeds_chain { AggConfig { lateness: 0, emit: Emit::WhenHeld, ..agg_cfg } } else { agg_cfg };
        units.push(build_unit(members, &parsed, cfg));
    }

    let mut dets: Vec<Det> = rules
        .detections
        .into_iter()
        .enumerate()
        .map(|(i, rule)| Det {
            fields: rule.meta.fields.iter().map(|f| (f.clone(), resolve_field(rule.class, f))).collect(),
            emits: !referenced_d[i] || generate_d[i],
            feeds: Vec::new(),
            matches: 0,
            alerts: 0,
            rule,
        })
        .collect();
    let mut feeds_c: Vec<Vec<Feed>> = vec![Vec::new(); parsed.len()];
    // The distinct event fields feeds read: an event's text of each is made once.
    let mut fields: Vec<FieldId> = Vec::new();
    // One feed per unit and referenced rule (merge members share their rules).
    for (u, members) in unit_members.iter().enumerate() {
        let first = members[0];
        let spec = &parsed[first].1;
        for (r, x) in refs[first].iter().enumerate() {
            let feed = match *x {
                Ref::Det(d) => {
                    let rule = &dets[d].rule;
                    let src = |name: &str| {
                        let f = spec.group_field(name, &rule.meta.id, rule.meta.name.as_deref());
                        let id = resolve_field(rule.class, f);
                        let slot = fields.iter().position(|x| *x == id).unwrap_or_else(|| {
                            fields.push(id.clone());
                            fields.len() - 1
                        });
                        Src::Field(id, slot)
                    };
                    make_feed(u, r, spec, &units[u], src)
                }
                Ref::Corr(c) => {
                    let (im, is) = &parsed[c];
                    let src = |name: &str| {
                        let f = spec.group_field(name, &im.id, im.name.as_deref());
                        is.group_by.iter().position(|g| g == f).map_or(Src::Missing, Src::Group)
                    };
                    make_feed(u, r, spec, &units[u], src)
                }
            };
            match *x {
                Ref::Det(d) => dets[d].feeds.push(feed),
                Ref::Corr(c) => feeds_c[c].push(feed),
            }
        }
    }
    let corrs: Vec<Corr> = parsed
        .into_iter()
        .zip(feeds_c)
        .enumerate()
        .map(|(i, ((meta, spec), feeds))| Corr {
            meta,
            spec,
            emits: !referenced_c[i] || generate_c[i],
            feeds,
            alerts: 0,
        })
        .collect();
    let scratch = Scratch::new(fields.len());
    let reads = Reads::new(dets.iter().map(|d| d.feeds.as_slice()), fields);
    let matcher = super::Matcher::new(dets.iter().map(|d| d.rule.clone()).collect(), cfg.zones.clone(), reads);
    Ok(Engine {
        cfg,
        dets,
        matcher: std::sync::Arc::new(matcher),
        corrs,
        units,
        events: [0; 5],
        scratch,
        queue: Default::default(),
    })
}

/// Whether correlation `from` reaches `target` through its references.
fn reaches(from: usize, target: usize, refs: &[Vec<Ref>], seen: &mut Vec<bool>) -> bool {
    for x in &refs[from] {
        if let Ref::Corr(c) = *x {
            if c == target {
                return true;
            }
            if !seen[c] {
                seen[c] = true;
                if reaches(c, target, refs, seen) {
                    return true;
                }
            }
        }
    }
    false
}

fn build_unit(members: &[usize], parsed: &[(RuleMeta, CorrelationSpec)], cfg: AggConfig) -> Unit {
    let first = &parsed[members[0]].1;
    let mut slot_fields: Vec<Vec<String>> = Vec::new();
    let mut slots: Vec<SlotSpec> = Vec::new();
    let mut slot = |fields: Vec<String>, distinct: bool, listed: bool| -> usize {
        let i = match slot_fields.iter().position(|f| *f == fields) {
            Some(i) => i,
            None => {
                slot_fields.push(fields);
                slots.push(SlotSpec::default());
                slots.len() - 1
            }
        };
        slots[i].distinct |= distinct;
        slots[i].listed |= listed;
        i
    };
    let mut agg_members = Vec::new();
    let mut outputs: Vec<(String, OutputKind, Option<usize>)> = Vec::new();
    for &m in members {
        let s = &parsed[m].1;
        let vslot = (s.kind == CorrelationType::ValueCount).then(|| slot(s.value_fields.clone(), true, true));
        agg_members.push(Member { kind: s.kind, condition: s.condition.clone(), slot: vslot });
        for (col, kind) in &s.outputs {
            if outputs.iter().any(|(c, _, _)| c == col) {
                continue;
            }
            let sl = match kind {
                OutputKind::Distinct(f) => Some(slot(vec![f.clone()], true, false)),
                OutputKind::Values(f) => Some(slot(vec![f.clone()], false, true)),
                _ => None,
            };
            outputs.push((col.clone(), kind.clone(), sl));
        }
    }
    let spec = AggSpec { span: first.timespan, n_rules: first.rules.len(), members: agg_members, slots };
    Unit {
        agg: Aggregator::new(spec, cfg),
        members: members.to_vec(),
        group_by: first.group_by.clone(),
        slot_fields,
        outputs,
    }
}

fn make_feed(unit: usize, rule: usize, spec: &CorrelationSpec, u: &Unit, mut src: impl FnMut(&str) -> Src) -> Feed {
    Feed {
        unit,
        rule,
        group: spec.group_by.iter().map(|g| src(g)).collect(),
        slots: u.slot_fields.iter().map(|fs| fs.iter().map(|f| src(f)).collect()).collect(),
    }
}
