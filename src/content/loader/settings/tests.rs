use super::*;
use crate::content::front_matter::{self, LineError};

/// A valid section's front matter, one setting per line; the line numbers are the file's.
const SECTION_FILE: &str = "\
+++
title = \"The risks\"
description = \"What can go wrong.\"
slug = \"risks\"
order = 4
updated = 2026-11-20
last_reviewed = 2026-11-20
next_review = 2027-05-20
reviewed_by = \"The SMP Guide editorial team\"
draft = false

[[sources]]
title = \"Tattoos\"
accessed = 2026-11-20
+++
Body.
";

/// The problems of the section file with `from` replaced by `to`, as (line, message).
fn section_problems(from: &str, to: &str) -> Vec<(usize, String)> {
    assert!(SECTION_FILE.contains(from), "{from:?} is not in the file");
    let text = SECTION_FILE.replacen(from, to, 1);
    let split = front_matter::split(&text).unwrap();
    match front_matter::parse::<SectionFront>(&split, SECTION) {
        Ok(_) => Vec::new(),
        Err(found) => found
            .into_iter()
            .map(|LineError { line, message }| (line, message))
            .collect(),
    }
}

#[test]
fn the_valid_section_has_no_problems() {
    assert_eq!(section_problems("", ""), Vec::new());
}

#[test]
fn each_front_matter_mistake_gets_its_own_message_at_its_line() {
    #[rustfmt::skip]
    let cases: &[(&str, &str, usize, &str)] = &[
        // A whole number expected.
        ("order = 4", "order = four", 5, "`order` must be a whole number, like `order = 4`"),
        ("order = 4", "order = \"4\"", 5, "`order` must be a whole number, like `order = 4`"),
        ("order = 4", "order = 4.5", 5, "`order` must be a whole number, like `order = 4`"),
        ("order = 4", "order = -1", 5, "`order` must be a whole number, like `order = 4`"),
        // Dates written wrongly.
        ("updated = 2026-11-20", "updated = 20/11/2026", 6, "`updated` must be a date: dates are written 2026-11-20 (year-month-day), without quotes"),
        ("updated = 2026-11-20", "updated = \"2026-11-21\"", 6, "`updated` has its date in quotes: dates are written without quotes, like `updated = 2026-11-21`"),
        ("updated = 2026-11-20", "updated = \"yesterday\"", 6, "`updated` must be a date: dates are written 2026-11-20 (year-month-day), without quotes"),
        ("updated = 2026-11-20", "updated = 2026-02-30", 6, "`updated = 2026-02-30` is not a real date: check the day and the month"),
        ("updated = 2026-11-20", "updated = 2026-13-01", 6, "`updated = 2026-13-01` is not a real date: check the day and the month"),
        ("updated = 2026-11-20", "updated = 2026-11-20T10:00:00Z", 6, "`updated` must be a day without a time, like `updated = 2026-11-20`"),
        ("accessed = 2026-11-20", "accessed = 2026/11/20", 14, "`accessed` must be a date: dates are written 2026-11-20 (year-month-day), without quotes"),
        // Text expected.
        ("title = \"The risks\"", "title = The risks", 2, "`title` must be text in straight double quotes, like `title = \"The risks\"`"),
        ("title = \"The risks\"", "title = “The risks”", 2, "`title` must be text in straight double quotes, like `title = \"The risks\"`"),
        ("title = \"The risks\"", "title = \"The risks", 2, "`title` must be text in straight double quotes, like `title = \"The risks\"`"),
        ("slug = \"risks\"", "slug = 4", 4, "`slug` must be text in straight double quotes, like `slug = \"4\"`"),
        ("title = \"Tattoos\"", "title = Tattoos", 13, "`title` must be text in straight double quotes, like `title = \"Tattoos\"`"),
        ("reviewed_by = \"The SMP Guide editorial team\"", "reviewed_by = 3", 9, "`reviewed_by` must be a team's name in straight double quotes, like `reviewed_by = \"3\"`, or a person with a role, like `reviewed_by = { name = \"A. Person\", role = \"Consultant dermatologist\" }`"),
        // True or false expected.
        ("draft = false", "draft = yes", 10, "`draft` must be true or false, like `draft = true`"),
        ("draft = false", "draft = \"false\"", 10, "`draft` must be true or false, like `draft = true`"),
        // Unknown settings, with a suggestion when one is close.
        ("last_reviewed =", "last_reviwed =", 7, "unknown setting `last_reviwed`: did you mean `last_reviewed`?"),
        ("next_review =", "next_reveiw =", 8, "unknown setting `next_reveiw`: did you mean `next_review`?"),
        ("draft = false", "colour = \"red\"", 10, "unknown setting `colour`: remove it, or use one of title, description, slug, order, published, updated, last_reviewed, next_review, reviewed_by, draft, sources, steps, pros, cons, faq"),
        ("accessed =", "acessed =", 14, "unknown setting `acessed` in a [[sources]] block: did you mean `accessed`?"),
        ("\"The SMP Guide editorial team\"", "{ name = \"A. Person\", rol = \"Nurse\" }", 9, "unknown setting `rol` in `reviewed_by`: did you mean `role`?"),
        // Missing settings.
        ("updated = 2026-11-20\n", "", 1, "the required setting `updated` is missing: add a line such as `updated = 2026-11-20`"),
        ("order = 4\n", "", 1, "the required setting `order` is missing: add a line such as `order = 4`"),
        ("title = \"Tattoos\"\n", "", 12, "this [[sources]] block has no `title`: add a line such as `title = \"...\"`"),
        ("\"The SMP Guide editorial team\"", "{ name = \"A. Person\" }", 9, "`reviewed_by` has no `role`: add it, like `role = \"Consultant dermatologist\"`"),
        // Duplicates and lines that are not settings.
        ("draft = false", "title = \"Again\"", 10, "`title` is set twice (first on line 2): keep one of them"),
        ("draft = false", "draft false", 10, "`draft false` is not a setting: write it as `name = value`, one per line"),
        ("[[sources]]", "[[sources]", 12, "`[[sources]` is missing a closing `]`"),
        ("[[sources]]", "[sources]", 12, "`[sources]` needs double square brackets: write `[[sources]]` above each entry"),
    ];
    for &(from, to, line, message) in cases {
        assert_eq!(
            section_problems(from, to),
            [(line, message.to_owned())],
            "{to:?}"
        );
    }
}

#[test]
fn every_mistake_in_a_file_is_reported_in_line_order() {
    let text = SECTION_FILE
        .replacen("order = 4", "order = four", 1)
        .replacen("updated = 2026-11-20", "updated = 20/11/2026", 1)
        .replacen("last_reviewed", "last_reviwed", 1)
        .replacen("draft = false", "draft = \"no\"", 1)
        .replacen("accessed = 2026-11-20", "accessed = \"2026-11-20\"", 1);
    let split = front_matter::split(&text).unwrap();
    let lines: Vec<usize> = front_matter::parse::<SectionFront>(&split, SECTION)
        .err()
        .unwrap()
        .iter()
        .map(|problem| problem.line)
        .collect();
    assert_eq!(lines, [5, 6, 7, 10, 14]);
}

/// Each file kind's fields name exactly what its struct accepts: a file with every
/// setting (each at its example value) deserializes, and so does one with only the
/// required ones.
#[test]
fn the_field_lists_match_the_structs() {
    fn document(fields: &[Field], all: bool) -> String {
        let mut scalars = String::new();
        let mut blocks = String::new();
        for field in fields.iter().filter(|f| all || f.required) {
            match field.kind {
                Kind::Blocks(inner) => {
                    blocks.push_str(&format!("[[{}]]\n{}", field.name, document(inner, true)));
                }
                _ => scalars.push_str(&format!("{} = {}\n", field.name, field.example)),
            }
        }
        scalars + &blocks
    }
    fn accepts<T: serde::de::DeserializeOwned>(fields: &'static [Field]) {
        for all in [true, false] {
            let text = document(fields, all);
            let split = front_matter::Split {
                front: &text,
                front_line: 1,
                body: "",
            };
            if let Err(found) = front_matter::parse::<T>(&split, fields) {
                panic!("{text}\n{found:?}");
            }
        }
    }
    accepts::<SiteFile>(SITE);
    accepts::<HomeFront>(HOME);
    accepts::<SectionFront>(SECTION);
    accepts::<PageFront>(PAGE);
}
