//! Compressed inputs: zstd (one frame, several frames, skippable frames, cut short) and gzip,
//! detected by magic number, decoded on the fly; the byte counter of `open_counted` sees the
//! compressed bytes.

use formats::input::{open, open_counted, InputPath};
use std::io::Read;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

struct Temp(PathBuf);
impl Temp {
    fn new(tag: &str, bytes: &[u8]) -> Self {
        let p = std::env::temp_dir().join(format!("rw-compressed-{tag}-{}", std::process::id()));
        std::fs::write(&p, bytes).unwrap();
        Temp(p)
    }
    fn input(&self) -> InputPath {
        InputPath::File(self.0.clone())
    }
}
impl Drop for Temp {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn text(lines: std::ops::Range<u32>) -> String {
    lines
        .map(|i| format!("2026-11-27T00:00:{:02}Z,dns1,203.0.113.{},h{i}.example.com,MX,0\n", i % 60, i % 250))
        .collect()
}

fn zstd_frame(s: &str) -> Vec<u8> {
    zstd::encode_all(s.as_bytes(), 3).unwrap()
}

/// A skippable frame (RFC 8878 §3.1.2) with magic nibble `n` and `len` bytes of user data.
fn skippable(n: u8, len: u32) -> Vec<u8> {
    let mut f = vec![0x50 | n, 0x2a, 0x4d, 0x18];
    f.extend_from_slice(&len.to_le_bytes());
    f.extend((0..len).map(|i| i as u8));
    f
}

fn read_all(input: &InputPath) -> std::io::Result<String> {
    let mut s = String::new();
    open(input).unwrap().reader.read_to_string(&mut s)?;
    Ok(s)
}

#[test]
fn one_zstd_frame_is_decoded_whatever_the_name() {
    let plain = text(0..5000);
    let f = Temp::new("one.log", &zstd_frame(&plain));
    assert_eq!(read_all(&f.input()).unwrap(), plain);
}

#[test]
fn concatenated_and_skippable_frames() {
    let (a, b) = (text(0..3000), text(3000..7000));
    let mut bytes = skippable(0xa, 16);
    bytes.extend(zstd_frame(&a));
    bytes.extend(skippable(0, 0));
    bytes.extend(skippable(0xf, 1000));
    bytes.extend(zstd_frame(&b));
    bytes.extend(skippable(3, 5));
    let f = Temp::new("multi", &bytes);
    assert_eq!(read_all(&f.input()).unwrap(), a + &b);
}

#[test]
fn truncated_zstd_is_an_error_naming_zstd_after_the_good_part() {
    let plain = text(0..20_000);
    let z = zstd_frame(&plain);
    let f = Temp::new("cut", &z[..z.len() * 2 / 3]);
    let mut src = open(&f.input()).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let err = loop {
        match src.reader.read(&mut buf) {
            Ok(0) => panic!("a truncated frame read to the end without an error"),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) => break e,
        }
    };
    assert!(err.to_string().starts_with("zstd: "), "{err}");
    assert!(!got.is_empty() && plain.as_bytes().starts_with(&got), "the bytes before the cut are kept");
}

#[test]
fn the_counter_sees_compressed_bytes() {
    let plain = text(0..10_000);
    let z = zstd_frame(&plain);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, plain.as_bytes()).unwrap();
    for (tag, bytes) in [("z", z), ("gz", gz.finish().unwrap()), ("plain", plain.clone().into_bytes())] {
        let f = Temp::new(tag, &bytes);
        let counter = Arc::new(AtomicU64::new(0));
        let mut s = String::new();
        open_counted(&f.input(), Some(counter.clone())).unwrap().reader.read_to_string(&mut s).unwrap();
        assert_eq!(s, plain, "{tag}");
        assert_eq!(counter.load(Ordering::Relaxed), bytes.len() as u64, "{tag}");
    }
}
