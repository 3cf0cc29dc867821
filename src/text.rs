//! Small text helpers: line numbers for `PATH:LINE` messages (the config file reader and
//! the content loader), and the Unicode rules that keep names and word lists honest
//! (invisible characters, look-alike letters, case).
use unicode_normalization::UnicodeNormalization;
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

/// The 1-based line number of a byte offset in `text`.
pub fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Characters that show nothing, or change how the text around them is shown, without
/// being text themselves: Unicode's format characters (bidi embeddings, overrides and
/// isolates, zero-width spaces and joiners, the word joiner, the byte order mark, soft
/// hyphens, tag characters...), plus variation selectors and the Hangul fillers, which
/// render as nothing. A name may not contain them: they let two different names look alike
/// or reorder what a reader sees.
pub fn is_invisible(c: char) -> bool {
    c.general_category() == GeneralCategory::Format
        || matches!(c, '\u{FE00}'..='\u{FE0F}' | '\u{E0100}'..='\u{E01EF}')
        || matches!(c, '\u{115F}' | '\u{1160}' | '\u{3164}' | '\u{FFA0}')
}

/// The form of a text that word lists and reserved names are compared in: compatibility
/// normalised (full-width and styled letters become plain ones), invisible characters
/// removed, case folded, and each letter replaced by its confusable skeleton (UTS #39), so
/// that a Cyrillic "а" in "cіalis" or a soft hyphen in "ci\u{AD}alis" changes nothing.
pub fn match_key(text: &str) -> String {
    let visible: String = text.nfkc().filter(|c| !is_invisible(*c)).collect();
    let folded = caseless::default_case_fold_str(&visible);
    let skeleton: String = unicode_security::skeleton(&folded).collect();
    // The skeleton may turn a letter into an upper-case look-alike: fold once more.
    caseless::default_case_fold_str(&skeleton)
}

/// The key email addresses are matched by (erasure, export, duplicates): Unicode default
/// case folding, computed here so that SQLite and PostgreSQL agree.
pub fn email_key(email: &str) -> String {
    caseless::default_case_fold_str(&email.trim().nfc().collect::<String>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invisible_characters_are_recognised() {
        for c in [
            '\u{202E}',
            '\u{2066}',
            '\u{200B}',
            '\u{200D}',
            '\u{2060}',
            '\u{FEFF}',
            '\u{AD}',
            '\u{E0041}',
            '\u{FE0F}',
            '\u{3164}',
        ] {
            assert!(is_invisible(c), "U+{:04X}", c as u32);
        }
        for c in ['a', 'é', 'ß', '中', '-', ' ', '\''] {
            assert!(!is_invisible(c), "{c}");
        }
    }

    #[test]
    fn match_keys_see_through_disguises() {
        let plain = match_key("Editorial team");
        for disguised in [
            "EDITORIAL TEAM",
            "Editori\u{0430}l team",  // Cyrillic a
            "Edi\u{200B}torial team", // zero-width space
            "Edito\u{AD}rial team",   // soft hyphen
            "\u{FF25}ditorial team",  // full-width E
        ] {
            assert_eq!(match_key(disguised), plain, "{disguised:?}");
        }
        assert_ne!(match_key("Editorial teams"), plain);
        assert_eq!(match_key("c\u{0456}alis"), match_key("cialis"));
    }

    #[test]
    fn email_keys_fold_case_beyond_ascii() {
        assert_eq!(email_key("Ann@Example.com"), email_key("ann@example.com"));
        assert_eq!(email_key("ÉMILE@exemple.fr"), email_key("émile@exemple.fr"));
        assert_eq!(email_key("STRASSE@x.de"), email_key("straße@x.de"));
        assert_ne!(email_key("ann@example.com"), email_key("anne@example.com"));
    }

    #[test]
    fn offsets_map_to_lines() {
        let text = "one\ntwo\nthree";
        assert_eq!(line_of(text, 0), 1);
        assert_eq!(line_of(text, 4), 2);
        assert_eq!(line_of(text, 8), 3);
        assert_eq!(line_of(text, 999), 3, "past the end is the last line");
    }
}
