//! Byte searches on one line, eight bytes at a time: every separator in one pass, for the
//! readers that split lines into fields (Zeek TSV, CSV), and the first occurrence in a short
//! field (BIND): on fields of a few dozen bytes, `memchr`'s vector set-up costs more than it
//! saves. XOR with the byte repeated turns matches into zero bytes, found exactly (no carries
//! between bytes) by the high-bit test of [`matches`].

const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;

/// High bit set exactly in the bytes of `word` equal to the byte repeated in `pattern`.
pub(crate) fn matches(word: u64, pattern: u64) -> u64 {
    let v = word ^ pattern;
    !(((v & LOW7) + LOW7) | v | LOW7)
}

/// The offsets of every `c` in `line`, in order, into `out` (cleared first).
pub(crate) fn byte_positions(line: &[u8], c: u8, out: &mut Vec<usize>) {
    out.clear();
    let pattern = u64::from_le_bytes([c; 8]);
    let mut chunks = line.chunks_exact(8);
    let mut base = 0;
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let mut zeros = matches(u64::from_le_bytes(word), pattern);
        while zeros != 0 {
            out.push(base + zeros.trailing_zeros() as usize / 8);
            zeros &= zeros - 1;
        }
        base += 8;
    }
    out.extend(chunks.remainder().iter().enumerate().filter(|(_, b)| **b == c).map(|(i, _)| base + i));
}

/// As [`byte_positions`], into `buf[..n]` (`n` returned) of a buffer that only grows (to the
/// longest line): no capacity check per position, where a `Vec` push costs more than finding it.
/// The path of [`separators_into`] without SSE2 (tested everywhere).
#[cfg_attr(all(target_arch = "x86_64", target_feature = "sse2"), allow(dead_code))]
pub(crate) fn byte_positions_into(line: &[u8], c: u8, buf: &mut Vec<usize>) -> usize {
    if buf.len() < line.len() {
        buf.resize(line.len(), 0);
    }
    // At most one position per byte: `out` always has room.
    let out = &mut buf[..line.len()];
    let pattern = u64::from_le_bytes([c; 8]);
    let mut chunks = line.chunks_exact(8);
    let (mut base, mut n) = (0, 0);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let mut zeros = matches(u64::from_le_bytes(word), pattern);
        while zeros != 0 {
            out[n] = base + zeros.trailing_zeros() as usize / 8;
            n += 1;
            zeros &= zeros - 1;
        }
        base += 8;
    }
    for (i, &b) in chunks.remainder().iter().enumerate() {
        if b == c {
            out[n] = base + i;
            n += 1;
        }
    }
    n
}

/// The offsets of every `c` in `line` into `buf[..n]` (as [`byte_positions_into`]), `n`, and
/// whether the line holds a backslash (Zeek's escape: one look spares one per field). With SSE2
/// (every x86-64), 32 bytes per step: a compare against each byte gives a bit mask whose set
/// bits are the positions; the tab-dense lines of a TSV log cost a third of the word-wise scan.
pub(crate) fn separators_into(line: &[u8], c: u8, buf: &mut Vec<usize>) -> (usize, bool) {
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    // SAFETY: the function only needs SSE2, enabled for this build (the `cfg` above); it reads
    // nothing but the slices it is given (no pointer loads).
    return unsafe { sse2::separators_into(line, c, buf) };
    #[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
    return (byte_positions_into(line, c, buf), memchr::memchr(b'\\', line).is_some());
}

#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
pub(crate) mod sse2 {
    use std::arch::x86_64::{__m128i, _mm_cmpeq_epi8, _mm_movemask_epi8, _mm_set1_epi8, _mm_set_epi64x};

    /// Sixteen bytes as a vector: two words (one unaligned load once compiled, no pointer).
    #[target_feature(enable = "sse2")]
    pub(crate) fn load(b: &[u8]) -> __m128i {
        let word = |i: usize| {
            let mut w = [0u8; 8];
            w.copy_from_slice(&b[i..i + 8]);
            u64::from_le_bytes(w) as i64
        };
        _mm_set_epi64x(word(8), word(0))
    }

    /// Bit `i` set where `block[i] == c`, and where `block[i]` is a backslash (32 bytes).
    #[target_feature(enable = "sse2")]
    fn masks(block: &[u8], c: u8) -> (u32, u32) {
        let (x, y) = (load(&block[..16]), load(&block[16..32]));
        let (cs, bs) = (_mm_set1_epi8(c as i8), _mm_set1_epi8(b'\\' as i8));
        let m = |v: __m128i, p: __m128i| _mm_movemask_epi8(_mm_cmpeq_epi8(v, p)) as u16 as u32;
        (m(x, cs) | m(y, cs) << 16, m(x, bs) | m(y, bs) << 16)
    }

    #[target_feature(enable = "sse2")]
    // Kept out of line: inlined into the Zeek row loop it cost that loop 15 M instructions per
    // 100 k lines (registers spilled around it) for the call it saved.
    #[inline(never)]
    pub(super) fn separators_into(line: &[u8], c: u8, buf: &mut Vec<usize>) -> (usize, bool) {
        if buf.len() < line.len() {
            buf.resize(line.len(), 0);
        }
        // At most one position per byte: `out` always has room.
        let out = &mut buf[..line.len()];
        let (mut n, mut escapes) = (0, 0);
        let mut put = |mut m: u32, base: usize| {
            while m != 0 {
                out[n] = base + m.trailing_zeros() as usize;
                n += 1;
                m &= m - 1;
            }
        };
        let mut blocks = line.chunks_exact(32);
        let mut base = 0;
        for block in &mut blocks {
            let (m, e) = masks(block, c);
            put(m, base);
            escapes |= e;
            base += 32;
        }
        let rest = blocks.remainder().len();
        if rest > 0 {
            // The last 32 bytes (or the whole line, padded), without the bits already seen.
            let (m, e) = if line.len() >= 32 {
                let (m, e) = masks(&line[line.len() - 32..], c);
                (m >> (32 - rest), e)
            } else {
                let mut pad = [0u8; 32];
                pad[..rest].copy_from_slice(line);
                let keep = (1u32 << rest) - 1;
                let (m, e) = masks(&pad, c);
                (m & keep, e & keep)
            };
            put(m, base);
            escapes |= e;
        }
        (n, escapes != 0)
    }
}

/// The first `c` in `hay`: `memchr` for the short fields of one line (a few to a few dozen
/// bytes), where `memchr`'s vector set-up costs more than the search (eight bytes at a time).
#[inline]
pub(crate) fn find_byte(hay: &[u8], c: u8) -> Option<usize> {
    find_either(hay, c, c)
}

/// The first `a` or `b` in `hay` (`memchr2`, for short fields as [`find_byte`]).
#[inline]
pub(crate) fn find_either(hay: &[u8], a: u8, b: u8) -> Option<usize> {
    let (pa, pb) = (u64::from_le_bytes([a; 8]), u64::from_le_bytes([b; 8]));
    let mut chunks = hay.chunks_exact(8);
    let mut base = 0;
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let w = u64::from_le_bytes(word);
        let found = matches(w, pa) | matches(w, pb);
        if found != 0 {
            return Some(base + found.trailing_zeros() as usize / 8);
        }
        base += 8;
    }
    chunks.remainder().iter().position(|&x| x == a || x == b).map(|i| base + i)
}

#[cfg(test)]
mod tests {
    use super::{byte_positions, byte_positions_into, find_byte, find_either, separators_into};

    #[test]
    fn find_agrees_with_memchr() {
        let mut line = Vec::new();
        for a in 0..=255u8 {
            line.extend([a, 0x20, a.wrapping_add(1), 0x80, 0x7f, 0x00, 0x01, 0xff, 0x23]);
        }
        for (a, b) in [(0x20u8, 0x23u8), (0x00, 0x00), (0x01, 0x80), (0x7f, 0xff), (b'#', b' '), (b'z', b'z')] {
            for start in 0..line.len() {
                for len in [0, 1, 7, 8, 9, 17, 40] {
                    let s = &line[start..(start + len).min(line.len())];
                    assert_eq!(find_either(s, a, b), memchr::memchr2(a, b, s), "{a} {b} {start} {len}");
                    assert_eq!(find_byte(s, a), memchr::memchr(a, s), "{a} {start} {len}");
                }
            }
        }
    }

    #[test]
    fn agrees_with_memchr_on_every_byte_value_and_length() {
        let (mut out, mut buf) = (Vec::new(), vec![7usize; 3]);
        // Every byte value next to every other (catches carries/borrows between bytes), at every
        // alignment and tail length.
        let mut line = Vec::new();
        for a in 0..=255u8 {
            line.extend([a, 0x09, a.wrapping_add(1), 0x80, 0x7f, 0x00, 0x01, 0xff, 0x0a]);
        }
        for c in [0x09u8, 0x00, 0x01, 0x7f, 0x80, 0xff, b',', b'a'] {
            for start in 0..9 {
                for end in [line.len(), line.len() - 1, line.len() - 5, start + 7, start] {
                    let s = &line[start..end.max(start)];
                    byte_positions(s, c, &mut out);
                    let want: Vec<usize> = memchr::memchr_iter(c, s).collect();
                    assert_eq!(out, want, "c={c:#x} start={start} len={}", s.len());
                    // The reused buffer holds the last (longer or shorter) line's positions.
                    let n = byte_positions_into(s, c, &mut buf);
                    assert_eq!(&buf[..n], &want[..], "into: c={c:#x} start={start} len={}", s.len());
                }
            }
        }
    }

    /// The byte-by-byte answer: every `c`, and whether there is a backslash.
    fn simple(line: &[u8], c: u8) -> (Vec<usize>, bool) {
        let at = line.iter().enumerate().filter(|(_, &b)| b == c).map(|(i, _)| i).collect();
        (at, line.contains(&b'\\'))
    }

    #[test]
    fn separators_agree_with_the_simple_scan() {
        // Empty fields, separators and backslashes at block edges (31, 32, 33, 63, 64...),
        // lines shorter and longer than a block, non-ASCII and every other byte value.
        let mut lines: Vec<Vec<u8>> = vec![Vec::new(), b"\t".to_vec(), b"\t\t\t".to_vec()];
        let alphabet: [&[u8]; 8] = [b"\t", b"\t\t", b"a", b"\\", "é".as_bytes(), b"\xff", b"bcdefgh", b"\x00"];
        let mut seed = 1590u64;
        for len in 0..140 {
            for _ in 0..6 {
                let mut v = Vec::new();
                while v.len() < len {
                    seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                    v.extend_from_slice(alphabet[(seed >> 33) as usize % alphabet.len()]);
                }
                v.truncate(len);
                lines.push(v);
            }
            for at in [0, len / 2, len.saturating_sub(1)] {
                let mut v = vec![b'x'; len];
                if len > 0 {
                    v[at] = b'\t';
                }
                lines.push(v.clone());
                if len > 0 {
                    v[at] = b'\\';
                }
                lines.push(v);
            }
        }
        let mut all = Vec::new();
        for a in 0..=255u8 {
            all.extend([a, 0x09, 0x5c, 0x80, 0x7f, 0x00, 0xff]);
        }
        lines.push(all);
        let mut buf = vec![9usize; 5];
        for line in &lines {
            for c in [b'\t', b',', 0x00, 0xff, b'\\'] {
                let (n, escaped) = separators_into(line, c, &mut buf);
                let (want, want_escaped) = simple(line, c);
                assert_eq!((&buf[..n], escaped), (&want[..], want_escaped), "c={c:#x} {line:?}");
            }
        }
    }
}
