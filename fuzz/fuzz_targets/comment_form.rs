//! Any request body through the comment form's decoder and validator (with the reserved
//! names of a site): never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use smp_guide::comments::{FormValues, NewComment, ReservedNames, decode_form};

fuzz_target!(|body: &[u8]| {
    if let Ok(fields) = decode_form(body) {
        let reserved = ReservedNames::of_site("The SMP Guide editorial team", "SMP Guide");
        let _ = NewComment::parse(&FormValues::from_fields(fields), &reserved);
    }
});
