//! Any `X-Forwarded-For` values from a trusted proxy: the client is always an address,
//! never a panic; and any text through the matching key used for names and word lists.
#![no_main]
use axum::http::{HeaderMap, HeaderValue};
use libfuzzer_sys::fuzz_target;
use smp_guide::comments::ClientAddress;

fuzz_target!(|data: &[u8]| {
    let mut headers = HeaderMap::new();
    for part in data.split(|b| *b == b'\n') {
        if let Ok(value) = HeaderValue::from_bytes(part) {
            headers.append("x-forwarded-for", value);
        }
    }
    let peer = "10.0.0.1:443".parse().unwrap();
    let trusted = ["10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap()];
    let _ = ClientAddress::resolve(peer, &headers, &trusted);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = smp_guide::text::match_key(text);
    }
});
