//! [`Extra`]: the source columns of an event that have no normalized home.

use std::fmt;

/// Source columns without a normalized home: kept in order, looked up by exact name, then by
/// name ignoring ASCII case.
///
/// Readers refill one event per record; [`Extra::clear`] keeps the entries' allocations aside and
/// [`Extra::push`] reuses them (the key too when it is the same as last time), so a format that
/// keeps the same columns on every record allocates nothing per record once warmed up.
#[derive(Default)]
pub struct Extra(pub Vec<(Box<str>, String)>, Spare);

/// Cleared entries kept for reuse, last cleared first out; not part of the value.
#[derive(Default)]
pub struct Spare(Vec<(Box<str>, String)>);

/// A bound on kept spare entries, so one record with many columns does not pin memory forever.
const MAX_SPARE: usize = 64;

impl Extra {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| &**k == key)
            .or_else(|| self.0.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)))
            .map(|(_, v)| v.as_str())
    }
    pub fn push(&mut self, key: impl AsRef<str>, value: impl AsRef<str>) {
        let (key, value) = (key.as_ref(), value.as_ref());
        // A spare entry with this key if there is one (the last one, usually; records that lack
        // a column now and then would otherwise trade keys back and forth), else the last one.
        let spare = &mut self.1 .0;
        let same = match spare.last() {
            Some((k, _)) if **k == *key => Some(spare.len() - 1),
            Some(_) => spare.iter().rposition(|(k, _)| **k == *key),
            None => None,
        };
        let entry = match (same, spare.pop()) {
            (_, None) => (key.into(), value.to_string()),
            (Some(i), Some(last)) => {
                // Entry `i` (the same key) out, the last one in its place.
                let (k, mut v) = if i == spare.len() { last } else { std::mem::replace(&mut spare[i], last) };
                v.clear();
                v.push_str(value);
                (k, v)
            }
            (None, Some((_, mut v))) => {
                v.clear();
                v.push_str(value);
                (key.into(), v)
            }
        };
        self.0.push(entry);
    }
    /// Sets entry `n` (the entries before it set already): overwritten in place when it has the
    /// same key (a reader refilling the same columns record after record). The entries after `n`
    /// are left as they are: [`Extra::truncate`] drops the ones not set again.
    #[inline]
    pub fn put_at(&mut self, n: usize, key: &str, value: &str) {
        match self.0.get_mut(n) {
            Some((k, v)) if same_key(k, key) => {
                v.clear();
                v.push_str(value);
            }
            _ => self.put_at_moved(n, key, value),
        }
    }
    /// [`Extra::put_at`] when entry `n` has another key or is missing: the entry with this key is
    /// swapped in from further on, else pushed (from the spare ones when there) and swapped in. A
    /// record lacking a column then swaps two entries instead of dropping and pushing the rest.
    #[cold]
    #[inline(never)]
    fn put_at_moved(&mut self, n: usize, key: &str, value: &str) {
        let later = self.0.get(n + 1..).and_then(|rest| rest.iter().position(|(k, _)| same_key(k, key)));
        match later {
            Some(j) => {
                self.0.swap(n, n + 1 + j);
                let v = &mut self.0[n].1;
                v.clear();
                v.push_str(value);
            }
            None => {
                self.push(key, value);
                let last = self.0.len() - 1;
                self.0.swap(n.min(last), last);
            }
        }
    }
    /// Keeps the first `n` entries; the others are kept aside for reuse, as by [`Extra::clear`].
    pub fn truncate(&mut self, n: usize) {
        while self.0.len() > n {
            if let Some(entry) = self.0.pop() {
                if self.1 .0.len() < MAX_SPARE {
                    self.1 .0.push(entry);
                }
            }
        }
    }
    /// Removes every entry, keeping their allocations for the next [`Extra::push`]es.
    pub fn clear(&mut self) {
        // Last entry first onto the stack, so the first entry pushed next reuses the first one.
        self.truncate(0);
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Clone for Extra {
    fn clone(&self) -> Self {
        Extra(self.0.clone(), Spare::default())
    }
}

impl PartialEq for Extra {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

impl fmt::Debug for Extra {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Extra").field(&self.0).finish()
    }
}

/// Column names compared without a `memcmp` call (see [`crate::bytes_eq`]).
#[inline]
fn same_key(a: &str, b: &str) -> bool {
    crate::bytes_eq(a.as_bytes(), b.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clear_then_push_reuses_entries_in_order_and_compares_by_entries_only() {
        let mut e = Extra::default();
        e.push("uid", "C1");
        e.push("answers", "10.0.0.1,10.0.0.2");
        let ptrs: Vec<*const u8> = e.0.iter().map(|(k, _)| k.as_ptr()).collect();
        e.clear();
        assert!(e.is_empty() && e.get("uid").is_none());
        e.push("uid", "C2");
        e.push("ANSWERS", "x");
        e.push("rejected", "F");
        assert_eq!(e.0[0].0.as_ptr(), ptrs[0], "same key: allocation reused");
        assert_ne!(e.0[1].0.as_ptr(), ptrs[1], "other key: replaced");
        assert_eq!(e.get("uid"), Some("C2"));
        assert_eq!(e.get("answers"), Some("x"));
        assert_eq!(e.get("rejected"), Some("F"));
        let mut fresh = Extra::default();
        for (k, v) in [("uid", "C2"), ("ANSWERS", "x"), ("rejected", "F")] {
            fresh.push(k, v);
        }
        assert_eq!(e, fresh);
        assert_eq!(format!("{e:?}"), format!("{fresh:?}"));
        assert_eq!(e.clone(), fresh);
    }

    #[test]
    fn put_at_overwrites_same_keys_in_place() {
        let mut e = Extra::default();
        e.put_at(0, "uid", "C1");
        e.put_at(1, "answers", "a");
        e.put_at(2, "rejected", "F");
        let ptr = e.0[1].1.as_ptr();
        e.put_at(0, "uid", "C2");
        e.put_at(1, "answers", "b");
        e.truncate(2);
        assert_eq!(e.0[1].1.as_ptr(), ptr);
        let mut want = Extra::default();
        want.push("uid", "C2");
        want.push("answers", "b");
        assert_eq!(e, want);
        e.put_at(1, "other", "x");
        e.truncate(2);
        want.0.truncate(1);
        want.push("other", "x");
        assert_eq!(e, want);
        // A column missing from one record and back in the next: entries come back from the
        // spare ones, with their allocations.
        e.put_at(1, "answers", "c");
        e.truncate(2);
        assert_eq!(e.0[1].1.as_ptr(), ptr);
        assert_eq!(e.get("answers"), Some("c"));
        let key = e.0[1].0.as_ptr();
        e.truncate(1);
        e.push("rejected", "T");
        e.push("answers", "d");
        assert_eq!(e.0[2].0.as_ptr(), key, "the spare entry with the same key is found");
    }

    #[test]
    fn spare_entries_are_bounded() {
        let mut e = Extra::default();
        for i in 0..(MAX_SPARE * 2) {
            e.push(i.to_string(), "v");
        }
        e.clear();
        assert_eq!(e.1 .0.len(), MAX_SPARE);
        e.clear();
        assert_eq!(e.1 .0.len(), MAX_SPARE);
    }
    /// The entries `put_at` then `truncate` leave, against the plain model (drop from `n` on, push).
    #[test]
    fn put_at_rows_match_truncate_and_push() {
        let cols = ["uid", "answers", "rejected", "_x", "answers"];
        let mut e = Extra::default();
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for row in 0..2000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            // Each column present or not (a `-`), under its name or, now and then, another one
            // (another header); some rows end early (an error: truncated where they stop).
            let mut want: Vec<(Box<str>, String)> = Vec::new();
            let mut n = 0;
            for (c, name) in cols.iter().enumerate() {
                let bits = seed >> (c * 4);
                if bits & 3 == 0 {
                    continue;
                }
                let key = if bits & 12 == 0 { "renamed" } else { name };
                let value = format!("{row}-{c}");
                e.put_at(n, key, &value);
                want.push((key.into(), value));
                n += 1;
            }
            e.truncate(n);
            assert_eq!(e.0, want, "row {row}");
            assert!(e.1 .0.len() <= MAX_SPARE);
        }
    }

    #[test]
    fn same_key_is_eq() {
        let keys = [
            "",
            "a",
            "b",
            "ab",
            "ba",
            "abc",
            "abd",
            "xbc",
            "uid",
            "uie",
            "answers",
            "answerz",
            "rejected",
            "rejecteD",
            "id.orig_h",
            "id.orig_p",
            "sixteen-bytes-ab",
            "sixteen-bytes-aB",
            "Sixteen-bytes-ab",
            "seventeen-bytes-a",
            "seventeen-bytes-b",
        ];
        for a in keys {
            for b in keys {
                assert_eq!(same_key(a, b), a == b, "{a:?} {b:?}");
            }
        }
    }
}
