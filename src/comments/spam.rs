//! Content rules that hold a comment for a moderator or send it straight to spam.
//!
//! Words are compared in `text::match_key` form on both sides: case folded, compatibility
//! normalised, invisible characters removed and look-alike letters mapped to one skeleton,
//! so that a soft hyphen, a zero-width space or a Cyrillic "і" does not slip a word past.
use super::NewComment;
use crate::config::CommentSettings;
use crate::text::match_key;

/// What the rules decided, with the reason a moderator will see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Nothing suspicious.
    Clean,
    /// Keep pending, with the reason recorded (even if the author is trusted).
    Hold(String),
    /// Store as spam at once.
    Spam(String),
}

#[derive(Debug, Clone, Default)]
pub struct SpamRules {
    hold_words: Vec<Word>,
    block_words: Vec<Word>,
    medical_words: Vec<Word>,
}

/// A configured word: as the moderator wrote it (for the reason shown), and as compared.
#[derive(Debug, Clone)]
struct Word {
    shown: String,
    key: String,
}

/// The start of the reason given to comments that may describe a medical problem; the
/// queue shows these first and most prominently.
pub const MEDICAL_CONCERN: &str = "possible medical concern";

impl SpamRules {
    pub fn new(settings: &CommentSettings) -> Self {
        let lower = |words: &[String]| {
            words
                .iter()
                .map(|w| Word {
                    shown: w.trim().to_lowercase(),
                    key: match_key(w.trim()),
                })
                .filter(|w| !w.key.is_empty())
                .collect()
        };
        Self {
            hold_words: lower(&settings.hold_words),
            block_words: lower(&settings.block_words),
            medical_words: lower(&settings.medical_words),
        }
    }

    pub fn judge(&self, comment: &NewComment) -> Verdict {
        if comment.honeypot_filled {
            return Verdict::Spam("filled the hidden honeypot field".into());
        }
        let text = match_key(&format!("{}\n{}", comment.author, comment.body));
        let words: Vec<&str> = text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        let has_word = |list: &[Word], plurals: bool| {
            list.iter()
                .find(|entry| {
                    let key = entry.key.as_str();
                    // A single word matches whole words; a phrase matches as text.
                    if key.contains(|c: char| !c.is_alphanumeric()) {
                        text.contains(key)
                    } else if plurals {
                        words.iter().any(|w| {
                            w.strip_prefix(key)
                                .is_some_and(|rest| matches!(rest, "" | "s" | "es"))
                        })
                    } else {
                        words.contains(&key)
                    }
                })
                .map(|entry| entry.shown.clone())
        };
        if let Some(word) = has_word(&self.block_words, false) {
            return Verdict::Spam(format!("contains the blocked word \"{word}\""));
        }
        let mut reasons = Vec::new();
        if let Some(word) = has_word(&self.medical_words, true) {
            reasons.push(format!("{MEDICAL_CONCERN} (mentions \"{word}\")"));
        }
        let links = count_links(&comment.body);
        if links >= 2 {
            reasons.push(format!("contains {links} links"));
        }
        if contains_email(&comment.body) {
            reasons.push("contains an email address".to_owned());
        }
        if contains_phone_number(&comment.body) {
            reasons.push("contains a phone number".to_owned());
        }
        if let Some(word) = has_word(&self.hold_words, false) {
            reasons.push(format!("contains the held word \"{word}\""));
        }
        if reasons.is_empty() {
            Verdict::Clean
        } else {
            Verdict::Hold(reasons.join("; "))
        }
    }
}

fn count_links(text: &str) -> usize {
    let lower = text.to_lowercase();
    lower
        .split_whitespace()
        .filter(|w| w.contains("http://") || w.contains("https://") || w.starts_with("www."))
        .count()
}

fn contains_email(text: &str) -> bool {
    text.split(|c: char| c.is_whitespace() || "<>()[],;\"'".contains(c))
        .any(|token| {
            let token = token.trim_matches(|c: char| ".:!?".contains(c));
            token.split_once('@').is_some_and(|(user, domain)| {
                !user.is_empty() && domain.contains('.') && !domain.starts_with('.')
            })
        })
}

/// Seven or more digits in a run that may hold spaces, dots, dashes, slashes and brackets,
/// optionally after a `+`: the shape of a phone number in most countries.
fn contains_phone_number(text: &str) -> bool {
    let mut digits = 0;
    for c in text.chars() {
        if c.is_ascii_digit() {
            digits += 1;
            if digits >= 7 {
                return true;
            }
        } else if !" .-/()+".contains(c) {
            digits = 0;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judge(rules: &SpamRules, body: &str) -> Verdict {
        rules.judge(&NewComment {
            author: "Ann".into(),
            email: "a@example.com".into(),
            url: None,
            body: body.into(),
            parent: None,
            honeypot_filled: false,
            notify: Default::default(),
        })
    }

    #[test]
    fn suspicious_text_is_held_with_a_reason() {
        let rules = SpamRules::new(&CommentSettings {
            hold_words: vec!["Discount".into()],
            block_words: vec!["casino".into(), "buy now".into()],
            ..CommentSettings::default()
        });
        let cases = [
            ("Thanks, this helped.", Verdict::Clean),
            ("See https://a.example only one link", Verdict::Clean),
            (
                "Two: https://a.example and www.b.example",
                Verdict::Hold("contains 2 links".into()),
            ),
            (
                "Write to me at ann@example.com.",
                Verdict::Hold("contains an email address".into()),
            ),
            (
                "Call +44 (0)20 7946 0958 today",
                Verdict::Hold("contains a phone number".into()),
            ),
            ("It cost 2,500 dollars in 2026", Verdict::Clean),
            (
                "Ask for a discount!",
                Verdict::Hold("contains the held word \"discount\"".into()),
            ),
            ("Discounted prices", Verdict::Clean),
            (
                "Best CASINO here",
                Verdict::Spam("contains the blocked word \"casino\"".into()),
            ),
            (
                "Please buy now!",
                Verdict::Spam("contains the blocked word \"buy now\"".into()),
            ),
        ];
        for (body, expected) in cases {
            assert_eq!(judge(&rules, body), expected, "{body}");
        }
    }

    #[test]
    fn disguised_words_are_still_caught() {
        let rules = SpamRules::new(&CommentSettings {
            hold_words: vec!["discount".into()],
            block_words: vec!["casino".into()],
            ..CommentSettings::default()
        });
        let blocked = Verdict::Spam("contains the blocked word \"casino\"".into());
        for body in [
            "Best ca\u{200B}sino here", // zero-width space
            "Best ca\u{AD}sino here",   // soft hyphen
            "Best c\u{0430}sino here",  // Cyrillic a
            "Best \u{FF43}asino here",  // full-width c
            "Best CA\u{2060}SINO here", // word joiner
        ] {
            assert_eq!(judge(&rules, body), blocked, "{body:?}");
        }
        assert_eq!(
            judge(&rules, "A d\u{0456}scount?"),
            Verdict::Hold("contains the held word \"discount\"".into())
        );
        assert_eq!(
            judge(&rules, "I have a f\u{0435}ver"),
            Verdict::Hold("possible medical concern (mentions \"fever\")".into())
        );
    }

    #[test]
    fn comments_that_describe_a_medical_problem_are_held_first() {
        let rules = SpamRules::new(&CommentSettings::default());
        let cases = [
            ("Does it hurt much?", Verdict::Clean),
            (
                "I have a fever since my session",
                Verdict::Hold("possible medical concern (mentions \"fever\")".into()),
            ),
            (
                "Are infections common?",
                Verdict::Hold("possible medical concern (mentions \"infection\")".into()),
            ),
            (
                "It feels hot to the touch",
                Verdict::Hold("possible medical concern (mentions \"hot to the touch\")".into()),
            ),
            (
                "My rashes",
                Verdict::Hold("possible medical concern (mentions \"rash\")".into()),
            ),
            (
                "He was rash to book",
                Verdict::Hold("possible medical concern (mentions \"rash\")".into()),
            ),
            ("Pushing back", Verdict::Clean),
            (
                "Pus, call 0207 946 0958",
                Verdict::Hold(
                    "possible medical concern (mentions \"pus\"); contains a phone number".into(),
                ),
            ),
        ];
        for (body, expected) in cases {
            assert_eq!(judge(&rules, body), expected, "{body}");
        }
        let off = SpamRules::new(&CommentSettings {
            medical_words: Vec::new(),
            ..CommentSettings::default()
        });
        assert_eq!(judge(&off, "I have a fever"), Verdict::Clean);
    }
}
