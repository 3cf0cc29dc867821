//! Any request body through the comment form's decoder and validator: never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use smp_guide::comments::{FormValues, NewComment, decode_form};

fuzz_target!(|body: &[u8]| {
    if let Ok(fields) = decode_form(body) {
        let _ = NewComment::parse(&FormValues::from_fields(fields));
    }
});
