//! "Remember me on this device": a reader who ticks the box gets their name, email address
//! and website back in the form next time, from a cookie their own browser holds. Nothing
//! is kept on the server for it.
//!
//! The value is `v1&n=NAME&e=EMAIL&u=WEBSITE`, each part percent-encoded. A cookie is
//! the reader's to change, so what comes back is read as strictly as a form: a value too
//! long, not UTF-8, of another version, or with a part that breaks the form's rules of
//! length, characters and format, is ignored as a whole (the reader sees an empty form,
//! never an error).
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};

use super::NewComment;
use super::form::{AUTHOR_MAX, URL_MAX, decode_pairs, parse_email, parse_url, text_field};
use crate::text::is_invisible;

/// The cookie's name.
pub const REMEMBER_COOKIE: &str = "smp_remember";
/// How long a browser keeps it: a year, renewed with every comment posted with the box ticked.
pub const REMEMBER_COOKIE_DAYS: i64 = 365;
/// The longest value written or read. Browsers keep at least 4,096 bytes per cookie
/// (RFC 6265), attributes included; a name, an address and a website in plain letters
/// take a few hundred.
pub const REMEMBER_MAX_BYTES: usize = 2_048;

const VERSION: &str = "v1";

/// What a cookie value may not hold as it is (RFC 6265 `cookie-octet`), plus the
/// separators of our own format.
const ENCODED: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b',')
    .add(b';')
    .add(b'\\')
    .add(b'%')
    .add(b'&')
    .add(b'=')
    .add(b'+');

/// The details a reader asked this device to remember.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remembered {
    pub author: String,
    pub email: String,
    /// Empty when the reader gave none.
    pub url: String,
}

impl Remembered {
    /// The details of a comment that was just accepted. A website that grew past
    /// [`URL_MAX`] when the server added `https://` is left out: put back in the form, it
    /// would be refused as too long.
    pub fn of(comment: &NewComment) -> Self {
        let url = comment.url.clone().unwrap_or_default();
        Self {
            author: comment.author.clone(),
            email: comment.email.clone(),
            url: if url.chars().count() <= URL_MAX {
                url
            } else {
                String::new()
            },
        }
    }

    /// The cookie value; `None` if it would be longer than [`REMEMBER_MAX_BYTES`] (then
    /// nothing is remembered, rather than a cookie the browser may drop or cut).
    pub fn to_cookie_value(&self) -> Option<String> {
        let part = |text: &str| utf8_percent_encode(text, ENCODED).to_string();
        let value = format!(
            "{VERSION}&n={}&e={}&u={}",
            part(&self.author),
            part(&self.email),
            part(&self.url)
        );
        (value.len() <= REMEMBER_MAX_BYTES).then_some(value)
    }

    /// The details in a cookie value, if every part passes the form's own rules.
    pub fn from_cookie_value(value: &str) -> Option<Self> {
        if value.len() > REMEMBER_MAX_BYTES {
            return None;
        }
        let pairs = decode_pairs(value.as_bytes()).ok()?;
        let mut pairs = pairs.into_iter();
        if pairs.next()? != (VERSION.to_owned(), String::new()) {
            return None;
        }
        let (mut author, mut email, mut url) = (None, None, None);
        for (key, part) in pairs {
            let slot = match key.as_str() {
                "n" => &mut author,
                "e" => &mut email,
                "u" => &mut url,
                _ => return None,
            };
            if slot.replace(part).is_some() {
                return None;
            }
        }
        let author = text_field(&author?, "your name", AUTHOR_MAX, false)
            .ok()
            .filter(|name| !name.chars().any(is_invisible))?;
        let email = parse_email(&email?).ok()?;
        let url = parse_url(&url.unwrap_or_default()).ok()?;
        Some(Self { author, email, url })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn details(author: &str, email: &str, url: &str) -> Remembered {
        Remembered {
            author: author.into(),
            email: email.into(),
            url: url.into(),
        }
    }

    #[test]
    fn details_round_trip_through_the_cookie_value() {
        for remembered in [
            details("Priya", "priya@example.com", ""),
            details(
                "Zoë; \"Z\" & co = 100%+",
                "zoe+smp@example.co.uk",
                "https://zoe.example.com/a?b=c&d=e",
            ),
            details("李小龙", "li@example.com", "https://example.org/"),
        ] {
            let value = remembered.to_cookie_value().unwrap();
            assert!(
                value
                    .bytes()
                    .all(|b| b.is_ascii_graphic() && !b"\",;\\".contains(&b)),
                "only cookie-octets: {value}"
            );
            assert_eq!(
                Remembered::from_cookie_value(&value),
                Some(remembered.clone())
            );
        }
    }

    #[test]
    fn anything_but_a_sound_value_is_ignored() {
        let good = details("Priya", "priya@example.com", "https://priya.example.com/")
            .to_cookie_value()
            .unwrap();
        let too_long = format!("{good}&x={}", "a".repeat(REMEMBER_MAX_BYTES));
        for bad in [
            "",
            "v1",
            "v2&n=Priya&e=priya%40example.com&u=",
            "n=Priya&e=priya%40example.com&u=",
            "v1&n=Priya&u=",
            "v1&n=&e=priya%40example.com&u=",
            "v1&n=Priya&e=priya%40example&u=",
            "v1&n=Priya&e=priya%40example.com&u=javascript%3Aalert(1)",
            "v1&n=Pri%0Aya&e=priya%40example.com&u=",
            "v1&n=Pri%E2%80%8Bya&e=priya%40example.com&u=",
            "v1&n=Priya&e=priya%40example.com&u=&n=Other",
            "v1&n=Priya&e=priya%40example.com&u=&extra=1",
            "v1&n=%FF&e=priya%40example.com&u=",
            too_long.as_str(),
        ] {
            assert_eq!(Remembered::from_cookie_value(bad), None, "{bad:?}");
        }
        assert!(Remembered::from_cookie_value(&good).is_some());
    }

    #[test]
    fn a_value_that_would_not_fit_is_not_written() {
        let huge = details(
            &"é".repeat(100),
            &format!("{}@example.com", "ü".repeat(240)),
            "",
        );
        assert_eq!(huge.to_cookie_value(), None);
    }
}
