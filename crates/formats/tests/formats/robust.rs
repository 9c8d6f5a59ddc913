//! No input makes a reader panic or loop: odd shapes and pseudo-random bytes through every format.

use formats::{open_reader, ReadOptions, Rejects, Source, FORMATS};

fn run_all_formats(input: &[u8]) {
    for f in FORMATS {
        let src = Source { name: "x".into(), path: None, reader: Box::new(std::io::Cursor::new(input.to_vec())) };
        let mut opts = ReadOptions::default();
        opts.max_record = 256;
        let Ok((_, mut r)) = open_reader(src, Some(f.name), &opts) else { continue };
        let mut rejects = Rejects::default();
        let mut ev = event::Event::Dns(Default::default());
        let mut n = 0;
        while r.read(&mut ev, &mut rejects).unwrap() {
            n += 1;
            assert!(n <= input.len(), "{}: more events than bytes", f.name);
        }
        assert!(rejects.count <= input.len() as u64 + 1, "{}: {} rejects", f.name, rejects.count);
        let _ = (f.sniff)(input);
    }
}

#[test]
fn odd_shapes_end_cleanly() {
    let cases: &[&[u8]] = &[
        b"[",
        b"{",
        b"]]]]}}}}",
        b"\"",
        b"{\"tables\":",
        b"{\"tables\":[{\"rows\":[[1]]}]}",
        b"{\"tables\":[{\"columns\":[{\"name\":\"x\"}],\"rows\":[[1],[2,3]]}]}",
        b"{\"tables\":[{\"columns\":[{\"type\":\"x\"}],\"rows\":[]}],\"x\":[}",
        b"{\"Results\":[1,,2 3]}",
        b"{\"Schema\":[],\"Results\":{}}",
        b"[{},{},]",
        b"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
        b"{\"a\":\"\\",
        b"TimeGenerated,Name,QueryType,ClientIP\n\"unterminated,x,y,z\n",
        b"TimeGenerated,Name,QueryType,ClientIP\n,,,\n\n\r\n",
        b"\xEF\xBB\xBF",
        b"\n\n\n",
    ];
    for c in cases {
        run_all_formats(c);
    }
}

#[test]
fn pseudo_random_bytes_end_cleanly() {
    let alphabet = b"{}[],:\"\\ \n\r0123456789.-eEtrufalsn\xff\xc3abcTimeGeneratdNmQuyTpClIP";
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..400 {
        let mut input = Vec::new();
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let len = (state >> 33) % 300;
        for _ in 0..len {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            input.push(alphabet[((state >> 33) % alphabet.len() as u64) as usize]);
        }
        run_all_formats(&input);
    }
}
