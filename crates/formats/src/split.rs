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
    use super::{byte_positions, byte_positions_into, find_byte, find_either};

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
}
