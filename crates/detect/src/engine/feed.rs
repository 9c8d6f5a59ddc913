//! Turning a matched event (or an inner correlation's firing) into the observation an
//! aggregation counts: its group-by values and value slots, as text.
//!
//! An event often feeds several correlations that read the same fields (the brute-force and the
//! distributed-enumeration correlations both read `ClientIP`, `Zone` and `Name`). Each field's
//! text is therefore made once per event, into one buffer, and every feed of that event takes
//! it from there: no field is formatted twice and no text is copied per feed.

use super::Unit;
use crate::correlation::{Firing, Observation};
use crate::derived::WithDerived;
use event::{DerivedField, FieldId, Record};

/// Where a value of an observation comes from.
#[derive(Debug, Clone)]
pub(super) enum Src {
    /// An event field, and its slot in the per-event text cache (one slot per distinct field
    /// read by any feed).
    Field(FieldId, usize),
    /// The n-th group-by value of an inner correlation's firing.
    Group(usize),
    Missing,
}

/// How matches of one referenced rule feed one aggregation.
#[derive(Debug, Clone)]
pub(super) struct Feed {
    pub unit: usize,
    /// Index of the referenced rule in the correlation's `rules`.
    pub rule: usize,
    pub group: Vec<Src>,
    /// Per value slot: the fields forming the value (several: a tuple).
    pub slots: Vec<Vec<Src>>,
}

/// Byte range of a text in a [`Scratch`] buffer; `None`: the field is missing.
pub(super) type Span = Option<(u32, u32)>;

/// Buffers reused from observation to observation.
#[derive(Default)]
pub(super) struct Scratch {
    /// The current event's field texts, and per field slot its span once made.
    text: String,
    cached: Vec<Option<Span>>,
    /// The current firing's texts (chained correlations).
    firing_text: String,
    /// Per value of the observation being built: its span.
    spans: Vec<Span>,
    joined: String,
    pub firings: Vec<Firing>,
    pub hits: Vec<u32>,
}

impl Scratch {
    /// Scratch for feeds reading `fields` distinct event fields.
    pub fn new(fields: usize) -> Scratch {
        Scratch { cached: vec![None; fields], ..Scratch::default() }
    }

    /// Forgets the previous event's field texts, and takes the new event's that were made in
    /// the thread that matched it (`slots`: see [`FieldTexts`](super::FieldTexts); empty: none).
    pub fn next_event(&mut self, (text, slots): (&str, &[Option<Span>])) {
        self.text.clear();
        if slots.len() == self.cached.len() {
            self.text.push_str(text);
            self.cached.copy_from_slice(slots);
        } else {
            self.cached.fill(None);
        }
    }
}

/// Feeds one matched event to `unit` (call [`Scratch::next_event`] once before an event's first
/// feed).
pub(super) fn observe_event(unit: &mut Unit, feed: &Feed, ev: &WithDerived, s: &mut Scratch) {
    let Scratch { text, cached, spans, joined, firings, .. } = s;
    build(feed, From::Event(ev), text, cached, spans, joined);
    observe(unit, feed, ev.time().0, text, spans, firings);
}

/// Feeds an inner correlation's firing to `unit` (a chained correlation).
pub(super) fn observe_firing(unit: &mut Unit, feed: &Feed, f: &Firing, s: &mut Scratch) {
    let Scratch { firing_text: text, spans, joined, firings, .. } = s;
    text.clear();
    build(feed, From::Firing(f), text, &mut [], spans, joined);
    observe(unit, feed, f.last, text, spans, firings);
}

/// What an observation is made of.
#[derive(Clone, Copy)]
enum From<'a> {
    Event(&'a WithDerived<'a>),
    Firing(&'a Firing),
}

/// The spans in `text` of a feed's group-by values, then of its value slots, into `spans`.
fn build(
    feed: &Feed,
    from: From,
    text: &mut String,
    cached: &mut [Option<Span>],
    spans: &mut Vec<Span>,
    joined: &mut String,
) {
    spans.clear();
    for src in &feed.group {
        // A missing group-by field forms its own (empty) group, like KQL's summarize by.
        spans.push(Some(text_of(src, from, text, cached).unwrap_or((0, 0))));
    }
    for srcs in &feed.slots {
        let span = match srcs.as_slice() {
            [one] => text_of(one, from, text, cached),
            many => {
                // A tuple: present only if all its parts are.
                joined.clear();
                let mut present = true;
                for (j, src) in many.iter().enumerate() {
                    if j > 0 {
                        joined.push_str(" | ");
                    }
                    match text_of(src, from, text, cached) {
                        Some((a, b)) => joined.push_str(&text[a as usize..b as usize]),
                        None => present = false,
                    }
                }
                present.then(|| push(text, joined))
            }
        };
        spans.push(span);
    }
}

/// A source's text, added to `text` (an event field: once per event, then taken from `cached`).
fn text_of(src: &Src, from: From, text: &mut String, cached: &mut [Option<Span>]) -> Span {
    match (src, from) {
        (Src::Field(id, k), From::Event(ev)) => {
            if let Some(span) = cached[*k] {
                return span;
            }
            let span = field_text(ev, id, text);
            cached[*k] = Some(span);
            span
        }
        (Src::Group(i), From::Firing(f)) => f.group.get(*i).map(|g| push(text, g)),
        _ => None,
    }
}

fn observe(unit: &mut Unit, feed: &Feed, time: i64, text: &str, spans: &[Span], firings: &mut Vec<Firing>) {
    let get = |s: Span| s.map(|(a, b)| &text[a as usize..b as usize]);
    let ng = feed.group.len();
    // Room for the usual few group-by values and slots without a heap allocation.
    const STACK: usize = 8;
    if spans.len() <= STACK {
        let mut group = [""; STACK];
        let mut values = [None; STACK];
        for (k, &s) in spans.iter().enumerate() {
            if k < ng {
                group[k] = get(s).unwrap_or("");
            } else {
                values[k - ng] = get(s);
            }
        }
        let obs = Observation { time, group: &group[..ng], rule: feed.rule, values: &values[..spans.len() - ng] };
        unit.agg.observe(&obs, firings);
    } else {
        let group: Vec<&str> = spans[..ng].iter().map(|&s| get(s).unwrap_or("")).collect();
        let values: Vec<Option<&str>> = spans[ng..].iter().map(|&s| get(s)).collect();
        let obs = Observation { time, group: &group, rule: feed.rule, values: &values };
        unit.agg.observe(&obs, firings);
    }
}

/// An event field's text, added to `text` (zones lower-cased: a zone is one group whatever its
/// case).
/// Written straight into `text` (an address is formatted there, not in a buffer then copied).
pub(super) fn field_text(ev: &WithDerived, id: &FieldId, text: &mut String) -> Span {
    let at = text.len();
    if !ev.field(id).push_text(text) {
        return None;
    }
    if *id == FieldId::Derived(DerivedField::Zone) {
        text[at..].make_ascii_lowercase();
    }
    Some((at as u32, text.len() as u32))
}

fn push(text: &mut String, s: &str) -> (u32, u32) {
    let at = text.len() as u32;
    text.push_str(s);
    (at, text.len() as u32)
}
