//! The DNS message parser on arbitrary bytes: never panics, and an `Ok` agrees with the header.
#![no_main]
use formats::wire::dns;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut name = String::new();
    if let Ok(s) = dns::parse(data, &mut name) {
        assert_eq!(s.answers, u32::from(s.header.ancount));
        assert!(s.answer_soas <= s.answers);
        assert!(s.question.is_some() == (s.header.qdcount > 0));
    }
});
