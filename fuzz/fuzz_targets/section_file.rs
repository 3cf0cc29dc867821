//! Any text as a guide section file (front matter and Markdown): problems, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    for problem in smp_guide::content::check_section_text(text) {
        assert!(problem.line >= 1);
    }
});
