//! A group's key (its group-by values) in one allocation: each part preceded by its length.
//! A flood of short-lived groups would otherwise pay one allocation per part, plus one.

/// The group-by values of a group, length-prefixed (4 bytes, little-endian) and concatenated.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Key(Vec<u8>);

const LEN: usize = 4;

impl Key {
    pub fn new(parts: &[&str]) -> Key {
        let mut k = Key(Vec::with_capacity(parts.iter().map(|p| p.len() + LEN).sum()));
        k.set(parts);
        k
    }

    /// Replaces the parts, keeping the allocation (a recycled group).
    pub fn set(&mut self, parts: &[&str]) {
        self.0.clear();
        for p in parts {
            self.0.extend_from_slice(&(p.len() as u32).to_le_bytes());
            self.0.extend_from_slice(p.as_bytes());
        }
    }

    /// Same parts as `parts`?
    pub fn is(&self, parts: &[&str]) -> bool {
        let mut rest = self.0.as_slice();
        for p in parts {
            let Some((len, tail)) = split_len(rest) else { return false };
            if len != p.len() || !tail.get(..len).is_some_and(|k| event::bytes_eq(k, p.as_bytes())) {
                return false;
            }
            rest = &tail[len..];
        }
        rest.is_empty()
    }

    /// The parts, in group-by order.
    pub fn parts(&self) -> impl Iterator<Item = &str> {
        let mut rest = self.0.as_slice();
        std::iter::from_fn(move || {
            let (len, tail) = split_len(rest)?;
            let (part, tail) = tail.split_at_checked(len)?;
            rest = tail;
            // Always UTF-8: each part was copied whole from a `&str`.
            Some(std::str::from_utf8(part).unwrap_or_default())
        })
    }

    pub fn to_vec(&self) -> Vec<String> {
        self.parts().map(str::to_string).collect()
    }
}

fn split_len(b: &[u8]) -> Option<(usize, &[u8])> {
    let (len, tail) = b.split_first_chunk::<LEN>()?;
    Some((u32::from_le_bytes(*len) as usize, tail))
}

#[cfg(test)]
mod tests {
    use super::Key;

    #[test]
    fn parts_round_trip_and_compare_like_slices() {
        let cases: &[&[&str]] =
            &[&[], &[""], &["", ""], &["a"], &["a", "bc"], &["ab", "c"], &["10.0.0.1", "éx.com", ""]];
        for &a in cases {
            let k = Key::new(a);
            assert_eq!(k.to_vec(), a.iter().map(|s| s.to_string()).collect::<Vec<_>>());
            for &b in cases {
                assert_eq!(k.is(b), a == b, "{a:?} vs {b:?}");
            }
        }
    }

    #[test]
    fn set_replaces_the_parts() {
        let mut k = Key::new(&["a long first part", "x"]);
        k.set(&["b"]);
        assert!(k.is(&["b"]));
        assert!(!k.is(&["b", "x"]));
        assert_eq!(k, Key::new(&["b"]));
    }
}
