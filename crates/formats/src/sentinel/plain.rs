//! The usual CSV line, found and split in one pass: no `"`, no stray `\r`, ending within the
//! buffered bytes (see [`super::records`]).

#[cfg(any(test, not(all(target_arch = "x86_64", target_feature = "sse2"))))]
use std::ops::ControlFlow;

/// The first line of `chunk` when it holds no `"` and no `\r` (but the `\r` of a final `\r\n`)
/// and ends within `chunk`: its length, where its `\n` is and how many comma-separated fields it
/// has, their ranges written to the front of `fields` (a fixed buffer, reused: no push per field).
/// `None` for anything else, left to the general paths, also a line with more fields than
/// `fields` holds. With SSE2 (every x86-64)
/// 32 bytes per step, a third of the instructions of the word-wise scan on 80-byte lines.
pub(super) fn plain_line(chunk: &[u8], fields: &mut [(usize, usize)]) -> Option<(usize, usize, usize)> {
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    // SAFETY: the function only needs SSE2, enabled for this build (the `cfg` above); it reads
    // nothing but the slices it is given (no pointer loads).
    return unsafe { sse2::plain_line(chunk, fields) };
    #[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
    return plain_line_words(chunk, fields);
}

#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
mod sse2 {
    use crate::split::sse2::load;
    use std::arch::x86_64::{__m128i, _mm_cmpeq_epi8, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8};

    /// Bit `i` set where `block[i]` (32 bytes) is a comma; and where it is `\n`, `\r` or `"`.
    #[target_feature(enable = "sse2")]
    // Out of line: inlined into the loop below, LLVM took the masks apart bit by bit (some
    // 200 instructions per block instead of 40).
    #[inline(never)]
    fn masks(block: &[u8; 32]) -> (u32, u32) {
        let (x, y) = (load(&block[..16]), load(&block[16..32]));
        let eq = |v: __m128i, c: u8| _mm_cmpeq_epi8(v, _mm_set1_epi8(c as i8));
        let bits = |v: __m128i| _mm_movemask_epi8(v) as u32;
        let special = |v: __m128i| bits(_mm_or_si128(_mm_or_si128(eq(v, b'\n'), eq(v, b'\r')), eq(v, b'"')));
        (bits(eq(x, b',')) | bits(eq(y, b',')) << 16, special(x) | special(y) << 16)
    }

    #[target_feature(enable = "sse2")]
    #[inline]
    pub(super) fn plain_line(chunk: &[u8], fields: &mut [(usize, usize)]) -> Option<(usize, usize, usize)> {
        let (mut start, mut base, mut n) = (0, 0, 0);
        while base < chunk.len() {
            let (mut commas, special) = match chunk.get(base..).and_then(<[u8]>::first_chunk::<32>) {
                Some(block) => masks(block),
                None => {
                    // The end of the buffered bytes, padded with zeros (neither comma nor special).
                    let rest = &chunk[base..];
                    let mut pad = [0u8; 32];
                    pad[..rest.len()].copy_from_slice(rest);
                    masks(&pad)
                }
            };
            if special != 0 {
                let at = special.trailing_zeros() as usize;
                let end = base + at;
                let nl_at = match chunk[end] {
                    b'\n' => end,
                    b'\r' if chunk.get(end + 1) == Some(&b'\n') => end + 1,
                    _ => return None,
                };
                commas &= (1u32 << at) - 1;
                super::push_fields(u64::from(commas), 0, base, &mut start, fields, &mut n)?;
                *fields.get_mut(n)? = (start, end);
                return Some((end, nl_at, n + 1));
            }
            super::push_fields(u64::from(commas), 0, base, &mut start, fields, &mut n)?;
            base += 32;
        }
        None
    }
}

/// [`plain_line`] without SSE2, eight bytes at a time: a word with no byte at or below `,` is passed over, one with a comma is split, one with a
/// byte below `#` (line breaks, `"`, but also spaces) is looked at exactly.
#[cfg(any(test, not(all(target_arch = "x86_64", target_feature = "sse2"))))]
fn plain_line_words(chunk: &[u8], fields: &mut [(usize, usize)]) -> Option<(usize, usize, usize)> {
    let (mut start, mut base, mut n) = (0, 0, 0);
    while let Some(&bytes) = chunk.get(base..).and_then(|r| r.first_chunk::<8>()) {
        if let ControlFlow::Break(found) = scan_word(u64::from_le_bytes(bytes), base, chunk, &mut start, fields, &mut n)
        {
            return found;
        }
        base += 8;
    }
    let rest = &chunk[base..];
    let mut bytes = [0u8; 8];
    bytes[..rest.len()].copy_from_slice(rest);
    match scan_word(u64::from_le_bytes(bytes), chunk.len() - rest.len(), chunk, &mut start, fields, &mut n) {
        ControlFlow::Break(found) => found,
        ControlFlow::Continue(()) => None,
    }
}

/// [`plain_line_words`] on the word at `base` (zero bytes past the end of `chunk`): its commas, and
/// the end of the line if it is in it.
#[cfg(any(test, not(all(target_arch = "x86_64", target_feature = "sse2"))))]
#[inline(always)]
fn scan_word(
    word: u64,
    base: usize,
    chunk: &[u8],
    start: &mut usize,
    fields: &mut [(usize, usize)],
    n: &mut usize,
) -> ControlFlow<Option<(usize, usize, usize)>> {
    use crate::split::matches;
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // No byte at or below `,` (so no comma, quote or line break): most words of names and
    // addresses, passed over with this one test (exact for the whole word, as below).
    if word.wrapping_sub(ONES * u64::from(b'-')) & !word & HIGH == 0 {
        return ControlFlow::Continue(());
    }
    let [comma, nl, cr, quote] = [b',', b'\n', b'\r', b'"'].map(|c| u64::from_le_bytes([c; 8]));
    let mut commas = matches(word, comma);
    // Some byte below `#` ("any" is exact; `hasless` in Bit Twiddling Hacks).
    if word.wrapping_sub(ONES * u64::from(b'#')) & !word & HIGH != 0 {
        let special = matches(word, nl) | matches(word, cr) | matches(word, quote);
        if special != 0 {
            let at = special.trailing_zeros() as usize / 8;
            let end = base + at;
            let nl_at = match chunk.get(end) {
                Some(b'\n') => end,
                Some(b'\r') if chunk.get(end + 1) == Some(&b'\n') => end + 1,
                _ => return ControlFlow::Break(None),
            };
            commas &= (1u64 << (at * 8)).wrapping_sub(1);
            let fits = push_fields(commas, 3, base, start, fields, n).is_some() && *n < fields.len();
            if !fits {
                return ControlFlow::Break(None);
            }
            fields[*n] = (*start, end);
            return ControlFlow::Break(Some((end, nl_at, *n + 1)));
        }
    }
    match push_fields(commas, 3, base, start, fields, n) {
        Some(()) => ControlFlow::Continue(()),
        None => ControlFlow::Break(None),
    }
}

/// The fields ended by the commas flagged in `commas` (bytes from `base` on, one bit per byte for
/// the SSE2 masks, `shift` 0, or the top bit of each byte for the word-wise scan, `shift` 3),
/// written from `fields[*n]` on; `None` when they do not fit.
#[inline(always)]
fn push_fields(
    mut commas: u64,
    shift: u32,
    base: usize,
    start: &mut usize,
    fields: &mut [(usize, usize)],
    n: &mut usize,
) -> Option<()> {
    while commas != 0 {
        let comma = base + (commas.trailing_zeros() >> shift) as usize;
        *fields.get_mut(*n)? = (*start, comma);
        *n += 1;
        *start = comma + 1;
        commas &= commas - 1;
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A line's length, fields and newline.
    type Plain = (usize, Vec<(usize, usize)>, usize);

    /// `plain_line` as the straightforward code reads it, with room for `cap` fields.
    fn plain_line_naive(chunk: &[u8], cap: usize) -> Option<Plain> {
        let nl = chunk.iter().position(|&b| b == b'\n')?;
        let line = &chunk[..nl];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.contains(&b'"') || line.contains(&b'\r') {
            return None;
        }
        let mut fields = Vec::new();
        let mut start = 0;
        for (i, _) in line.iter().enumerate().filter(|(_, &b)| b == b',') {
            fields.push((start, i));
            start = i + 1;
        }
        fields.push((start, line.len()));
        (fields.len() <= cap).then_some((line.len(), fields, nl))
    }

    #[test]
    fn plain_line_agrees_with_the_naive_split() {
        let alphabet = [b'a', b',', b'"', b'\r', b'\n', b' ', b'!', b'#', b'+', b'-', 0x00, 0x80, 0xff];
        for prefix in 0..10 {
            for mut n in 0..alphabet.len().pow(4) {
                let mut chunk: Vec<u8> = b"ab,cd,efgh"[..prefix].to_vec();
                for _ in 0..4 {
                    chunk.push(alphabet[n % alphabet.len()]);
                    n /= alphabet.len();
                }
                chunk.extend_from_slice(b",x\n");
                for (len, cap) in [(chunk.len() - 1, 64), (chunk.len(), 64), (chunk.len(), 3), (chunk.len(), 4)] {
                    let chunk = &chunk[..len];
                    let mut fields = vec![(0, 0); cap];
                    let want = plain_line_naive(chunk, cap);
                    let got = plain_line(chunk, &mut fields).map(|(end, nl, n)| (end, fields[..n].to_vec(), nl));
                    assert_eq!(got, want, "{chunk:?}");
                    let got = plain_line_words(chunk, &mut fields).map(|(end, nl, n)| (end, fields[..n].to_vec(), nl));
                    assert_eq!(got, want, "words: {chunk:?}");
                }
            }
        }
    }

    /// Lines across and beyond 32-byte blocks: specials and commas at every block edge.
    #[test]
    fn long_lines_agree_with_the_naive_split() {
        let alphabet: [&[u8]; 9] = [b",", b"\n", b"\r\n", b"\r", b"\"", b"abcdefg", b"x", "é".as_bytes(), b"\x00"];
        let mut seed = 1590u64;
        for len in 0..140 {
            for round in 0..40 {
                let mut chunk = Vec::new();
                while chunk.len() < len {
                    seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                    // Mostly text and commas, so that many lines run long before a special.
                    let pick = (seed >> 33) as usize % (alphabet.len() * 4);
                    let at = match pick {
                        p if p < alphabet.len() => p,
                        p if p % 2 == 0 => 5,
                        _ => 0,
                    };
                    chunk.extend_from_slice(alphabet[at]);
                }
                chunk.truncate(len);
                if round % 2 == 1 && len > 0 {
                    chunk[len - 1] = b'\n';
                }
                // Room for all fields, or too little for lines with many.
                let cap = if round % 4 < 2 { 64 } else { 5 };
                let mut fields = vec![(0, 0); cap];
                let want = plain_line_naive(&chunk, cap);
                let got = plain_line(&chunk, &mut fields).map(|(end, nl, n)| (end, fields[..n].to_vec(), nl));
                assert_eq!(got, want, "{chunk:?}");
                let got = plain_line_words(&chunk, &mut fields).map(|(end, nl, n)| (end, fields[..n].to_vec(), nl));
                assert_eq!(got, want, "words: {chunk:?}");
            }
        }
    }
}
