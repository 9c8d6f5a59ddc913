//! Hashing a value as its ASCII-lowercase form (distinct values compare ignoring ASCII case),
//! without copying it: eight bytes at a time are folded in a register and fed to the hasher.

use std::hash::{Hash, Hasher};

/// A string hashed as its ASCII-lowercase form.
pub(crate) struct AsciiFolded<'a>(pub &'a str);

impl Hash for AsciiFolded<'_> {
    /// Feeds the folded text as 8-byte words, the last one overlapping the one before (or
    /// zero-padded when the text is shorter than 8 bytes), then the length: with the length,
    /// the words determine the text, so equal hashes still mean equal folded texts (up to
    /// collisions of the hasher). No copy and no per-byte work.
    fn hash<H: Hasher>(&self, h: &mut H) {
        let b = self.0.as_bytes();
        if b.len() >= 8 {
            let mut words = b.chunks_exact(8);
            for w in &mut words {
                h.write_u64(lower8(word(w)));
            }
            if !words.remainder().is_empty() {
                h.write_u64(lower8(word(&b[b.len() - 8..])));
            }
        } else {
            let w = b.iter().enumerate().fold(0u64, |w, (i, &c)| w | u64::from(c) << (8 * i));
            h.write_u64(lower8(w));
        }
        h.write_usize(b.len());
    }
}

/// The first 8 bytes of `b` (which has at least 8) as a little-endian word.
fn word(b: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[..8]);
    u64::from_le_bytes(w)
}

/// Eight bytes ASCII-lowercased at once. Each byte is first given its high bit, so subtracting
/// a byte constant never borrows from the next byte; bytes ≥ 0x80 are left alone.
fn lower8(w: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let a = w | HIGH;
    let at_least_a = a - ONES * u64::from(b'A');
    let past_z = a - ONES * u64::from(b'Z' + 1);
    let upper = at_least_a & !past_z & !w & HIGH;
    w | (upper >> 2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::BuildHasher;

    #[test]
    fn lower8_is_to_ascii_lowercase_for_every_byte_in_every_position() {
        for pos in 0..8 {
            for b in 0..=255u8 {
                for fill in [0u8, b'A', b'z', 0xff] {
                    let mut x = [fill; 8];
                    x[pos] = b;
                    let want = x.map(|c| c.to_ascii_lowercase());
                    assert_eq!(lower8(u64::from_le_bytes(x)).to_le_bytes(), want, "{x:?}");
                }
            }
        }
    }

    #[test]
    fn folded_hash_ignores_ascii_case_only() {
        let s = hashbrown::DefaultHashBuilder::default();
        let h = |x: &str| s.hash_one(AsciiFolded(x));
        let long = "Www.Example.COM.".repeat(9);
        for (a, b) in [("WWW.Example.com", "www.example.COM"), (&long, &long.to_lowercase()), ("ÉX", "ÉX"), ("", "")]
        {
            assert_eq!(h(a), h(b));
        }
        for (a, b) in [
            ("ÉX", "éx"),
            ("a[", "a{"),
            ("a", "a\0"),
            ("", "\0"),
            ("abcdefgh", "abcdefgh\0"),
            ("abcdefghi", "abcdefgih"),
        ] {
            assert_ne!(h(a), h(b), "{a:?} {b:?}");
        }
        // Every length around the word size, differing in one byte anywhere.
        let base = "0123456789abcdefghijklmnopq";
        for len in 0..=base.len() {
            let x = &base[..len];
            assert_eq!(h(x), h(&x.to_ascii_uppercase()));
            for i in 0..len {
                let mut y = x.as_bytes().to_vec();
                y[i] = b'#';
                assert_ne!(h(x), h(std::str::from_utf8(&y).unwrap()), "{x:?} at {i}");
            }
        }
    }
}
