//! "Did you mean …?" for editors: the known name nearest to what was typed, offered only
//! when the two are close enough that the difference is a slip of the keyboard.

/// The most edits (letters added, dropped, changed or swapped) that still count as a slip.
const MAX_EDITS: usize = 2;

/// The name in `known` nearest to `typed`, ignoring case, when it is within two edits and
/// the edits touch at most a third of its letters (so `fa` suggests `faq`, but `to` does not
/// suggest `title`). Ties go to the first name in `known`.
pub fn closest<'a>(typed: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let typed = typed.to_lowercase();
    known
        .into_iter()
        .filter(|name| !name.is_empty())
        .map(|name| (strsim::osa_distance(&typed, &name.to_lowercase()), name))
        .filter(|&(edits, name)| edits <= MAX_EDITS && edits * 3 <= name.chars().count())
        .min_by_key(|&(edits, _)| edits)
        .map(|(_, name)| name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slips_are_matched_and_different_words_are_not() {
        let known = [
            "title",
            "last_reviewed",
            "next_review",
            "faq",
            "risks",
            "urgent",
        ];
        let cases = [
            ("last_reviwed", Some("last_reviewed")),
            ("lastreviewed", Some("last_reviewed")),
            ("next_reveiw", Some("next_review")),
            ("Title", Some("title")),
            ("titel", Some("title")),
            ("fa", Some("faq")),
            ("risk", Some("risks")),
            ("URGNET", Some("urgent")),
            ("to", None),
            ("colour", None),
            ("warning", None),
            ("", None),
        ];
        for (typed, expected) in cases {
            assert_eq!(closest(typed, known), expected, "{typed:?}");
        }
    }
}
