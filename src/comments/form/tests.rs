use super::*;

fn values(comment: &str, author: &str, email: &str, url: &str) -> FormValues {
    FormValues {
        comment: comment.into(),
        author: author.into(),
        email: email.into(),
        url: url.into(),
        ..FormValues::default()
    }
}

fn field_errors(v: &FormValues) -> Vec<&'static str> {
    match NewComment::parse(v, &ReservedNames::default()) {
        Ok(_) => Vec::new(),
        Err(errors) => errors.iter().map(|e| e.field).collect(),
    }
}

#[test]
fn each_rule_accepts_and_refuses_at_its_boundary() {
    let ok = "fine";
    let email = "a@example.com";
    let cases: Vec<(FormValues, Vec<&str>)> = vec![
        (values(ok, ok, email, ""), vec![]),
        (values(&"é".repeat(5_000), ok, email, ""), vec![]),
        (values(&"é".repeat(5_001), ok, email, ""), vec!["comment"]),
        (values("   ", ok, email, ""), vec!["comment"]),
        (values(ok, &"ñ".repeat(100), email, ""), vec![]),
        (values(ok, &"ñ".repeat(101), email, ""), vec!["author"]),
        (values(ok, "", email, ""), vec!["author"]),
        (values(ok, "Ann\nBee", email, ""), vec!["author"]),
        (values("line one\nline two\ttab", ok, email, ""), vec![]),
        (values("nul \0 byte", ok, email, ""), vec!["comment"]),
        (values("bell \u{7}", ok, email, ""), vec!["comment"]),
        (values(ok, ok, "", ""), vec!["email"]),
        (values(ok, ok, "not-an-email", ""), vec!["email"]),
        (
            values(ok, ok, &format!("{}@example.com", "a".repeat(242)), ""),
            vec!["email"],
        ),
        (values(ok, ok, email, "https://example.org/about"), vec![]),
        (values(ok, ok, email, "http://example.org"), vec![]),
        (values(ok, ok, email, "javascript:alert(1)"), vec!["url"]),
        (values(ok, ok, email, "ftp://example.org"), vec!["url"]),
        (values(ok, ok, "priya@example", ""), vec!["email"]),
        (values(ok, ok, "priya@example.", ""), vec!["email"]),
        (values(ok, ok, "priya@[192.0.2.1]", ""), vec!["email"]),
        (
            values(ok, ok, "Priya <priya@example.com>", ""),
            vec!["email"],
        ),
        (values(ok, ok, "priya@mail.example.co.uk", ""), vec![]),
        (values(ok, ok, email, "example.org"), vec![]),
        (values(ok, ok, email, "priya.example.com/blog?x=1"), vec![]),
        (values(ok, ok, email, "example.org:8080/blog"), vec![]),
        (values(ok, ok, email, "priya"), vec!["url"]),
        (values(ok, ok, email, "priya@example.com"), vec!["url"]),
        (values(ok, ok, email, "localhost:3000"), vec!["url"]),
        (values(ok, ok, email, "/guide/risks"), vec!["url"]),
        (values(ok, ok, email, "two words.com"), vec!["url"]),
        (
            values(ok, ok, email, &format!("example.org/{}", "a".repeat(188))),
            vec![],
        ),
        (
            values(ok, ok, email, &format!("example.org/{}", "a".repeat(189))),
            vec!["url"],
        ),
        (
            values(
                ok,
                ok,
                email,
                &format!("https://example.org/{}", "a".repeat(180)),
            ),
            vec![],
        ),
        (
            values(
                ok,
                ok,
                email,
                &format!("https://example.org/{}", "a".repeat(181)),
            ),
            vec!["url"],
        ),
        (
            values("", "", "", "mailto:x"),
            vec!["comment", "author", "email", "url"],
        ),
    ];
    for (input, expected) in cases {
        assert_eq!(field_errors(&input), expected, "{input:?}");
    }
}

#[test]
fn text_is_trimmed_and_normalised_to_nfc() {
    // "e" followed by a combining acute accent becomes the single character "é".
    let parsed = NewComment::parse(
        &values("  Cafe\u{301} ✂️ مرحبا  ", " Zoë ", " a@example.com ", ""),
        &ReservedNames::default(),
    )
    .unwrap();
    assert_eq!(parsed.body, "Café ✂️ مرحبا");
    assert_eq!(parsed.author, "Zoë");
    assert_eq!(parsed.email, "a@example.com");
    assert_eq!(parsed.url, None);
}

#[test]
fn a_website_without_a_scheme_is_read_as_https() {
    let url = |typed: &str| {
        NewComment::parse(
            &values("a", "b", "a@example.com", typed),
            &ReservedNames::default(),
        )
        .unwrap()
        .url
    };
    assert_eq!(
        url("priya.example.com").as_deref(),
        Some("https://priya.example.com/")
    );
    assert_eq!(
        url(" Priya.Example.com/blog ").as_deref(),
        Some("https://priya.example.com/blog")
    );
    assert_eq!(
        url("http://priya.example.com").as_deref(),
        Some("http://priya.example.com/"),
        "a scheme the reader gave is kept"
    );
    // 200 characters as typed; the `https://` the server adds does not count.
    let typed = format!("example.org/{}", "a".repeat(188));
    assert_eq!(typed.chars().count(), URL_MAX);
    assert_eq!(url(&typed).unwrap(), format!("https://{typed}"));
}

#[test]
fn an_email_without_a_dot_in_its_domain_is_refused_clearly() {
    let errors = NewComment::parse(
        &values("a", "b", "priya@example", ""),
        &ReservedNames::default(),
    )
    .unwrap_err();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].field, "email");
    assert!(
        errors[0]
            .message
            .contains("with a dot in the part after the @"),
        "{}",
        errors[0].message
    );
}

#[test]
fn carriage_returns_become_newlines() {
    let parsed = NewComment::parse(
        &values("one\r\ntwo\rthree", "A", "a@example.com", ""),
        &ReservedNames::default(),
    )
    .unwrap();
    assert_eq!(parsed.body, "one\ntwo\nthree");
}

#[test]
fn parent_must_be_a_positive_id() {
    for (parent, ok) in [
        ("", true),
        ("12", true),
        ("0", false),
        ("-3", false),
        ("x", false),
    ] {
        let mut v = values("a", "b", "a@example.com", "");
        v.parent = parent.into();
        assert_eq!(
            NewComment::parse(&v, &ReservedNames::default()).is_ok(),
            ok,
            "{parent:?}"
        );
    }
}

#[test]
fn the_honeypot_is_noticed() {
    let mut v = values("a", "b", "a@example.com", "");
    v.honeypot = "bot text".into();
    assert!(
        NewComment::parse(&v, &ReservedNames::default())
            .unwrap()
            .honeypot_filled
    );
}

#[test]
fn the_email_boxes_are_optional_and_never_an_error() {
    let cases = [
        ("", (false, false)),
        ("notify_published=1", (true, false)),
        ("notify_replies=1", (false, true)),
        ("notify_published=1&notify_replies=1", (true, true)),
        ("notify_published=on&notify_replies=0", (true, false)),
        ("notify_published=&notify_replies=maybe", (false, false)),
    ];
    for (extra, (published, replies)) in cases {
        let body = format!("comment=Hi&author=Ann&email=a%40example.com&{extra}");
        let values = FormValues::from_fields(decode_form(body.as_bytes()).unwrap());
        let comment = NewComment::parse(&values, &ReservedNames::default()).unwrap();
        assert_eq!(
            comment.notify,
            NotifyRequest { published, replies },
            "{extra}"
        );
    }
}

#[test]
fn decoding_is_strict_about_utf8() {
    let fields = decode_form(b"comment=caf%C3%A9+ok&author=A%26B&empty=&flag").unwrap();
    assert_eq!(fields["comment"], "café ok");
    assert_eq!(fields["author"], "A&B");
    assert_eq!(fields["empty"], "");
    assert_eq!(fields["flag"], "");
    assert_eq!(decode_form(b"comment=%FF"), Err(FormError::InvalidUtf8));
    assert_eq!(decode_form(b"comment=\xff"), Err(FormError::InvalidUtf8));
    assert_eq!(decode_form(b"a=1&a=2").unwrap()["a"], "1");
}

mod properties {
    use proptest::prelude::*;

    use super::super::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

        /// Any bytes at all: decoding either fails cleanly or yields fields that parse
        /// (or are refused) without panicking.
        #[test]
        fn no_body_makes_the_decoder_or_validator_panic(body in proptest::collection::vec(any::<u8>(), 0..512)) {
            if let Ok(fields) = decode_form(&body) {
                let _ = NewComment::parse(&FormValues::from_fields(fields), &ReservedNames::default());
            }
        }

        /// Form-shaped input with arbitrary Unicode, control characters and lengths.
        #[test]
        fn accepted_comments_always_satisfy_the_rules(
            comment in "\\PC{0,40}|.{0,5010}",
            author in "\\PC{0,120}",
            email in "[a-z0-9.+-]{0,20}@?[a-z0-9.-]{0,20}",
            url in "(https?://)?\\PC{0,30}",
            parent in "-?[0-9]{0,4}|x",
        ) {
            let values = FormValues { comment, author, email, url, parent, ..FormValues::default() };
            if let Ok(parsed) = NewComment::parse(&values, &ReservedNames::default()) {
                let chars = |s: &str| s.chars().count();
                prop_assert!((1..=COMMENT_MAX).contains(&chars(&parsed.body)));
                prop_assert!((1..=AUTHOR_MAX).contains(&chars(&parsed.author)));
                prop_assert!(chars(&parsed.email) <= EMAIL_MAX);
                prop_assert!(!parsed.body.chars().any(|c| c.is_control() && c != '\n' && c != '\t'));
                prop_assert!(!parsed.author.chars().any(char::is_control));
                prop_assert_eq!(parsed.body.trim(), parsed.body.as_str());
                if let Some(url) = &parsed.url {
                    prop_assert!(url.starts_with("http://") || url.starts_with("https://"));
                    prop_assert!(chars(url) <= URL_MAX + "https://".len());
                    prop_assert!(url::Url::parse(url).is_ok());
                }
            }
        }
    }
}

#[test]
fn names_may_not_hide_characters_or_pass_for_the_site() {
    let reserved = ReservedNames::of_site("The SMP Guide editorial team", "SMP Guide");
    let name_error = |name: &str| {
        NewComment::parse(&values("fine", name, "a@example.com", ""), &reserved)
            .err()
            .and_then(|errors| errors.into_iter().find(|e| e.field == "author"))
            .map(|e| e.message)
    };
    for ok in [
        "Ann",
        "Zoë Müller",
        "李小龙",
        "Priya (Leeds)",
        "SMP Guide fan",
        "Ed Torial",
    ] {
        assert_eq!(name_error(ok), None, "{ok}");
    }
    for invisible in [
        "Ann\u{200B}",         // zero-width space
        "\u{202E}nnA",         // right-to-left override
        "An\u{2066}n\u{2069}", // isolate
        "Ann\u{E0041}",        // tag character
        "An\u{AD}n",           // soft hyphen
        "\u{FEFF}Ann",         // byte order mark
    ] {
        let message = name_error(invisible).expect(invisible);
        assert!(
            message.contains("invisible characters"),
            "{invisible:?}: {message}"
        );
    }
    for impostor in [
        "The SMP Guide editorial team",
        "the smp guide EDITORIAL TEAM",
        "The SMP Guide editori\u{0430}l team", // Cyrillic a
        "Editorial team",
        "Editorial Team (official)",
        "SMP Guide",
        "ＳＭＰ Guide", // full-width letters
    ] {
        let message = name_error(impostor).expect(impostor);
        assert!(
            message.contains("editorial team"),
            "{impostor:?}: {message}"
        );
    }
}
