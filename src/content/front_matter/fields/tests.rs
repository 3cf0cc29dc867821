use super::*;

const FIELDS: &[Field] = &[
    Field::required("title", Kind::Text),
    Field::required("reviewed_by", Kind::Reviewer),
    Field::optional(
        "sources",
        Kind::Blocks(&[Field::required("title", Kind::Text)]),
    ),
];

/// The problems of front matter that starts on file line 2, as `LINE: message`.
fn problems(front: &str) -> Vec<String> {
    check(front, 2, FIELDS)
        .into_iter()
        .map(|p| format!("{}: {}", p.line, p.message))
        .collect()
}

#[test]
fn broken_structure_is_one_problem_at_its_line() {
    #[rustfmt::skip]
    let cases: &[(&str, &str)] = &[
        ("title = \"x\"\nreviewed_by = { name = \"A\"\n", "3: `reviewed_by` must be a team's name in straight double quotes, like `reviewed_by = \"The SMP Guide editorial team\"`, or a person with a role, like `reviewed_by = { name = \"A. Person\", role = \"Consultant dermatologist\" }`"),
        ("title = \"\"\"x\nreviewed_by = \"A\"\n", "2: `title` must be text in straight double quotes, like `title = \"...\"`"),
        ("title = 'x\nreviewed_by = \"A\"\n", "2: `title` must be text in straight double quotes, like `title = \"x\"`"),
        ("title = \"x\"\nreviewed_by = \"A\" extra\n", "3: `reviewed_by = \"A\" extra` has more after its value: put each setting on its own line, and text in double quotes"),
        ("title: \"x\"\nreviewed_by = \"A\"\n", "2: `title: \"x\"` is not a setting: write it as `name = value`, one per line"),
        ("title = \"x\"\nreviewed_by = \"A\"\n]\n", "4: `]` is not a setting: write it as `name = value`, one per line"),
        ("title = \"x\"\nreviewed_by = \"A\"\n[[ ]]\n", "4: `[[ ]]` is not a setting: write it as `name = value`, one per line"),
        ("title = \"x\"\nreviewed_by = \"A\"\nsources = [1, 2]\n", "4: `sources` must be a list of `[[sources]]` blocks, each with its settings on the lines below it"),
        ("title = \"x\"\nreviewed_by = \"A\"\n[[sources]]\ntitle = \"a\"\ntitle = \"b\"\n", "6: `title` is set twice (first on line 5): keep one of them"),
        ("title.x = \"x\"\nreviewed_by = \"A\"\n", "2: `title` must be text in straight double quotes, like `title = \"...\"`"),
        ("Title = \"x\"\nreviewed_by = \"A\"\n", "2: unknown setting `Title`: did you mean `title`?"),
    ];
    for &(front, expected) in cases {
        assert_eq!(problems(front), [expected], "{front:?}");
    }
}

#[test]
fn each_block_is_checked_on_its_own() {
    let front = "title = \"x\"\nreviewed_by = \"A\"\n[[sources]]\n[[sources]]\ntitle = 1\n";
    assert_eq!(
        problems(front),
        [
            "4: this [[sources]] block has no `title`: add a line such as `title = \"...\"`",
            "6: `title` must be text in straight double quotes, like `title = \"1\"`",
        ]
    );
}

#[test]
fn a_file_without_fences_reports_missing_settings_on_line_one() {
    assert_eq!(
        check("title = \"x\"\n", 1, FIELDS)[0],
        LineError {
            line: 1,
            message: "the required setting `reviewed_by` is missing: add a line such as `reviewed_by = \"The SMP Guide editorial team\"`".into(),
        }
    );
}

mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// Lines an editor might write, right or wrong, in any order: the check never
        /// panics and every problem is on a line of the front matter.
        #[test]
        fn every_problem_is_on_a_line_of_the_file(lines in proptest::collection::vec(
            prop_oneof![
                Just("title = \"x\""), Just("title = x y"), Just("title = \"x"), Just("title = \"\"\"x"),
                Just("reviewed_by = { name = \"A\""), Just("reviewed_by = { name = \"A\", role = \"B\" }"),
                Just("[[sources]]"), Just("[[sources]"), Just("[sources]"), Just("sources = [1"),
                Just("titel = 1"), Just("= 3"), Just("]"), Just("é = é"), Just("title = “x”"), Just(""),
            ],
            0..10,
        )) {
            let front = lines.join("\n");
            let last_line = 2 + front.lines().count().max(1);
            for problem in check(&front, 2, FIELDS) {
                prop_assert!((1..=last_line).contains(&problem.line), "{front:?}: {problem:?}");
                prop_assert!(!problem.message.is_empty());
            }
        }
    }
}
