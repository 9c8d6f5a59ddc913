//! Making, in the thread that matched an event, the texts of its fields that the correlations
//! fed by its matched rules read (parallel hunting): formatting an address or finding a zone
//! depends only on the event and the rules, so the engine's thread, which every event passes
//! through, only takes them ([`Engine::process_prepared`](super::Engine::process_prepared)).

use super::feed::{field_text, Feed, Span, Src};
use crate::derived::WithDerived;
use event::FieldId;

pub use event::FieldSlot;

/// The field slots (the engine's per-event text cache numbering) each detection rule's feeds
/// read, and the field of each slot.
#[derive(Debug, Clone, Default)]
pub(super) struct Reads {
    per_rule: Vec<Box<[usize]>>,
    fields: Vec<FieldId>,
}

impl Reads {
    /// From the feeds of each detection rule and the field of each slot.
    pub fn new<'a>(feeds: impl Iterator<Item = &'a [Feed]>, fields: Vec<FieldId>) -> Reads {
        let per_rule = feeds
            .map(|fs| {
                let mut slots: Vec<usize> = fs
                    .iter()
                    .flat_map(|f| f.group.iter().chain(f.slots.iter().flatten()))
                    .filter_map(|s| match s {
                        Src::Field(_, k) => Some(*k),
                        _ => None,
                    })
                    .collect();
                slots.sort_unstable();
                slots.dedup();
                slots.into_boxed_slice()
            })
            .collect();
        Reads { per_rule, fields }
    }

    /// Whether an event matching `hits` feeds a correlation that reads one of its fields.
    fn any(&self, hits: &[u32]) -> bool {
        hits.iter().any(|&d| !self.per_rule[d as usize].is_empty())
    }
}

/// The field texts of a batch of events, event after event (reused from batch to batch).
#[derive(Debug, Default)]
pub struct FieldTexts {
    /// The events' texts, back to back.
    text: String,
    /// Per event with texts, one [`FieldSlot`] per field slot, spans relative to its text.
    slots: Vec<FieldSlot>,
    /// Per event: where its text and slots end.
    ends: Vec<(u32, u32)>,
}

impl FieldTexts {
    pub fn clear(&mut self) {
        self.text.clear();
        self.slots.clear();
        self.ends.clear();
    }

    /// Events added.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Event `i`'s text and field slots (none: nothing was made for it).
    #[inline]
    pub fn get(&self, i: usize) -> (&str, &[FieldSlot]) {
        let (t0, s0) = if i == 0 { (0, 0) } else { self.ends[i - 1] };
        let (t1, s1) = self.ends[i];
        (&self.text[t0 as usize..t1 as usize], &self.slots[s0 as usize..s1 as usize])
    }

    /// Adds the next event: the texts of the fields read by the feeds of `hits`, if any.
    pub(super) fn add(&mut self, reads: &Reads, ev: &WithDerived, hits: &[u32]) {
        if reads.any(hits) {
            let FieldTexts { text, slots, .. } = self;
            let base = text.len() as u32;
            let first = slots.len();
            slots.resize(first + reads.fields.len(), None);
            for &d in hits {
                for &k in reads.per_rule[d as usize].iter() {
                    if slots[first + k].is_none() {
                        let span: Span = field_text(ev, &reads.fields[k], text);
                        slots[first + k] = Some(span.map(|(a, b)| (a - base, b - base)));
                    }
                }
            }
        }
        self.ends.push((self.text.len() as u32, self.slots.len() as u32));
    }
}
