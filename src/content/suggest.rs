//! "Did you mean …?" for editors: the known name nearest to what was typed, offered only
//! when the two are close enough that the difference is a slip of the keyboard.

/// The name in `known` nearest to `typed`, ignoring case, when the difference is a slip:
/// one edit (a letter added, dropped, changed, or two swapped) in a name of three letters
/// or more, two in a name of eight or more. So `fa` suggests `faq` and `last_revewd`
/// suggests `last_reviewed`, but `prices` does not suggest `process`. Ties go to the first
/// name in `known`.
pub fn closest<'a>(typed: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let typed = typed.to_lowercase();
    known
        .into_iter()
        .filter(|name| !name.is_empty())
        .map(|name| (strsim::osa_distance(&typed, &name.to_lowercase()), name))
        .filter(|&(edits, name)| edits <= allowed_edits(name.chars().count()))
        .min_by_key(|&(edits, _)| edits)
        .map(|(_, name)| name)
}

fn allowed_edits(letters: usize) -> usize {
    match letters {
        0..=2 => 0,
        3..=7 => 1,
        _ => 2,
    }
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
            ("last_revewd", Some("last_reviewed")),
            ("prices", None),
            ("tilte", Some("title")),
            ("tle", None),
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
