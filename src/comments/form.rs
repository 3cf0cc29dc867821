//! The comment form: strict decoding of the body, then parsing each field into a type that
//! can only hold valid input. Handlers only ever see a [`NewComment`].
use std::collections::HashMap;

use percent_encoding::percent_decode;
use unicode_normalization::UnicodeNormalization;

use crate::store::NotifyRequest;
use crate::text::{is_invisible, match_key};

pub const COMMENT_MAX: usize = 5_000;
pub const AUTHOR_MAX: usize = 100;
pub const EMAIL_MAX: usize = 254;
pub const URL_MAX: usize = 200;
/// The hidden field humans never see; bots that fill every field fill this one too.
pub const HONEYPOT_FIELD: &str = "nickname";
/// The optional boxes asking for email about the comment (value `1` when ticked).
pub const NOTIFY_PUBLISHED_FIELD: &str = "notify_published";
pub const NOTIFY_REPLIES_FIELD: &str = "notify_replies";

/// A body that cannot be read as a form at all (400).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormError {
    #[error("the form must be sent as application/x-www-form-urlencoded")]
    NotFormEncoded,
    #[error("the form data is not valid UTF-8 text")]
    InvalidUtf8,
}

/// Decodes an `application/x-www-form-urlencoded` body into its pairs, in order. Unlike
/// lenient decoders, invalid UTF-8 is an error rather than silently replaced, so that
/// nothing is stored garbled.
pub fn decode_pairs(body: &[u8]) -> Result<Vec<(String, String)>, FormError> {
    body.split(|&b| b == b'&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (key, value) = match pair.iter().position(|&b| b == b'=') {
                Some(i) => (&pair[..i], &pair[i + 1..]),
                None => (pair, &[][..]),
            };
            Ok((decode_component(key)?, decode_component(value)?))
        })
        .collect()
}

/// Like [`decode_pairs`], keeping the first value of a repeated name.
pub fn decode_form(body: &[u8]) -> Result<HashMap<String, String>, FormError> {
    let mut fields = HashMap::new();
    for (key, value) in decode_pairs(body)? {
        fields.entry(key).or_insert(value);
    }
    Ok(fields)
}

fn decode_component(raw: &[u8]) -> Result<String, FormError> {
    let plus_as_space: Vec<u8> = raw
        .iter()
        .map(|&b| if b == b'+' { b' ' } else { b })
        .collect();
    let bytes: Vec<u8> = percent_decode(&plus_as_space).collect();
    String::from_utf8(bytes).map_err(|_| FormError::InvalidUtf8)
}

/// What the reader typed, kept so the form can be shown again exactly as it was.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FormValues {
    pub comment: String,
    pub author: String,
    pub email: String,
    pub url: String,
    pub parent: String,
    pub honeypot: String,
    /// "Email me when my comment is published or answered" was ticked.
    pub notify_published: bool,
    /// "Email me about new replies to it" was ticked.
    pub notify_replies: bool,
    /// "Remember me on this device" is ticked (`remember=1`).
    pub remember: bool,
}

impl FormValues {
    pub fn from_fields(mut fields: HashMap<String, String>) -> Self {
        let mut take = |name: &str| fields.remove(name).unwrap_or_default();
        Self {
            comment: take("comment"),
            author: take("author"),
            email: take("email"),
            url: take("url"),
            parent: take("parent"),
            honeypot: take(HONEYPOT_FIELD),
            notify_published: ticked(&take(NOTIFY_PUBLISHED_FIELD)),
            notify_replies: ticked(&take(NOTIFY_REPLIES_FIELD)),
            remember: take("remember") == "1",
        }
    }
}

/// An optional box: absent (or empty, or `0`) is unticked. The form sends `1`; `on` is
/// what a browser sends for a box without a value.
fn ticked(value: &str) -> bool {
    matches!(
        value.trim().to_ascii_lowercase().as_str(),
        "1" | "on" | "true" | "yes"
    )
}

/// A message for one field, shown next to it and in the error summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field's name, which is also the input's id suffix.
    pub field: &'static str,
    pub message: String,
}

/// Names no reader may comment under: the guide's own byline and title, and anything that
/// calls itself the editorial team, compared as `text::match_key` (so not in other
/// letters, cases or with invisible characters either).
#[derive(Debug, Clone, Default)]
pub struct ReservedNames {
    exact: Vec<String>,
    contained: Vec<String>,
}

/// The label the site puts on answers from its editors.
pub const EDITORIAL_LABEL: &str = "Editorial team";

impl ReservedNames {
    /// The names of this site: its byline and title, and the editorial label.
    pub fn of_site(byline: &str, title: &str) -> Self {
        Self {
            exact: [byline, title]
                .iter()
                .map(|name| match_key(name.trim()))
                .filter(|key| !key.is_empty())
                .collect(),
            contained: vec![match_key(EDITORIAL_LABEL)],
        }
    }

    fn reserves(&self, name: &str) -> bool {
        let key = match_key(name);
        self.exact.contains(&key) || self.contained.iter().any(|c| key.contains(c.as_str()))
    }
}

/// A comment that passed every rule. Only `parse` can make one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewComment {
    pub author: String,
    pub email: String,
    pub url: Option<String>,
    pub body: String,
    pub parent: Option<i64>,
    /// The honeypot was filled: accept quietly, store as spam.
    pub honeypot_filled: bool,
    /// The boxes asking for email about the comment; never required, never an error.
    pub notify: NotifyRequest,
}

impl NewComment {
    /// Applies every rule and returns all field errors at once.
    pub fn parse(values: &FormValues, reserved: &ReservedNames) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut check = |field: &'static str, result: Result<String, String>| match result {
            Ok(value) => value,
            Err(message) => {
                errors.push(FieldError { field, message });
                String::new()
            }
        };
        let body = check(
            "comment",
            text_field(&values.comment, "your comment", COMMENT_MAX, true),
        );
        let author = check(
            "author",
            text_field(&values.author, "your name", AUTHOR_MAX, false)
                .and_then(|name| check_name(&name, reserved).map(|()| name)),
        );
        let email = check("email", parse_email(&values.email));
        let url = check("url", parse_url(&values.url));
        let parent = match values.parent.trim() {
            "" => None,
            text => match text.parse::<i64>() {
                Ok(id) if id > 0 => Some(id),
                _ => {
                    errors.push(FieldError {
                        field: "parent",
                        message: "The comment you are replying to does not exist.".into(),
                    });
                    None
                }
            },
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(NewComment {
            author,
            email,
            url: (!url.is_empty()).then_some(url),
            body,
            parent,
            honeypot_filled: !values.honeypot.trim().is_empty(),
            notify: NotifyRequest {
                published: values.notify_published,
                replies: values.notify_replies,
            },
        })
    }
}

/// A name is shown to every reader: it may not hide characters, nor pass for the site.
fn check_name(name: &str, reserved: &ReservedNames) -> Result<(), String> {
    if name.chars().any(is_invisible) {
        return Err(
            "Remove the invisible characters (such as zero-width spaces or text-direction \
             marks) from your name."
                .into(),
        );
    }
    if reserved.reserves(name) {
        return Err(
            "That name is kept for the guide's editorial team. Please use your own name.".into(),
        );
    }
    Ok(())
}

/// The comment text rules, for other forms that publish text (editorial answers).
pub fn parse_comment_text(raw: &str) -> Result<String, String> {
    text_field(raw, "your answer", COMMENT_MAX, true)
}

/// Trims, normalises to NFC, refuses control characters, and counts characters.
pub(super) fn text_field(
    raw: &str,
    what: &str,
    max: usize,
    multiline: bool,
) -> Result<String, String> {
    let text: String = raw.trim().nfc().collect();
    let text = if multiline {
        text.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        text
    };
    if text.is_empty() {
        return Err(format!("Enter {what}."));
    }
    let allowed = |c: char| c == '\t' || (multiline && c == '\n');
    if text.chars().any(|c| c.is_control() && !allowed(c)) {
        return Err(format!("Remove the control characters from {what}."));
    }
    let count = text.chars().count();
    if count > max {
        return Err(format!(
            "Shorten {what} to {max} characters or fewer (it has {count})."
        ));
    }
    Ok(text)
}

/// How addresses are read: a domain name with at least one dot (`priya@example` is almost
/// always a typo, and mail to it goes nowhere), no `[192.0.2.1]` literal, and no display
/// name (`Priya <priya@example.com>`) around the address.
const EMAIL_RULES: email_address::Options = email_address::Options {
    minimum_sub_domains: 2,
    allow_domain_literal: false,
    allow_display_text: false,
    allow_long_local_parts: false,
};

pub(super) fn parse_email(raw: &str) -> Result<String, String> {
    let email: String = raw.trim().nfc().collect();
    if email.is_empty() {
        return Err("Enter your email address. It will not be published.".into());
    }
    if email.chars().count() > EMAIL_MAX {
        return Err(format!(
            "Enter an email address of {EMAIL_MAX} characters or fewer."
        ));
    }
    if email.chars().any(char::is_control) {
        return Err(EMAIL_FORMAT.into());
    }
    match email_address::EmailAddress::parse_with_options(&email, EMAIL_RULES) {
        Ok(_) => Ok(email),
        Err(email_address::Error::DomainTooFew) => Err(
            "Enter your whole email address, with a dot in the part after the @, like \
             name@example.com."
                .into(),
        ),
        Err(_) => Err(EMAIL_FORMAT.into()),
    }
}

const EMAIL_FORMAT: &str = "Enter an email address in the correct format, like name@example.com.";

/// A website as typed: `https://...` or `http://...`, or a bare address such as
/// `priya.example.com`, read as `https://priya.example.com`. At most [`URL_MAX`]
/// characters as typed; what is stored is the `url` crate's normal form, which must be an
/// `http` or `https` URL with a host, and stays within [`URL_MAX`] plus the `https://`
/// the server may have added.
pub(super) fn parse_url(raw: &str) -> Result<String, String> {
    let text: String = raw.trim().nfc().collect();
    if text.is_empty() {
        return Ok(text);
    }
    let too_long = || format!("Enter a website address of {URL_MAX} characters or fewer.");
    if text.chars().count() > URL_MAX {
        return Err(too_long());
    }
    let bare = || bare_website(&text).map(|url| (url, "https://".len()));
    let (url, added) = match url::Url::parse(&text) {
        // `example.com:8080/blog` parses with `example.com` as its scheme.
        Ok(url) if url.scheme().contains('.') => bare().ok_or(URL_FORMAT)?,
        Ok(url) => (url, 0),
        Err(url::ParseError::RelativeUrlWithoutBase) => bare().ok_or(URL_FORMAT)?,
        Err(_) => return Err(URL_FORMAT.into()),
    };
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return Err(URL_FORMAT.into());
    }
    // Normalising can lengthen an address (punycode, percent-encoding).
    if url.as_str().chars().count() > URL_MAX + added {
        return Err(too_long());
    }
    Ok(url.to_string())
}

const URL_FORMAT: &str =
    "Enter a website address like example.com or https://example.com, or leave it empty.";

/// `priya.example.com/blog` as `https://priya.example.com/blog`: only a host name with a
/// dot (or an IP address), and no user name, so that a word or an email address typed into
/// the field is not mistaken for a website.
fn bare_website(text: &str) -> Option<url::Url> {
    if text.starts_with('/') || text.contains(char::is_whitespace) {
        return None;
    }
    let url = url::Url::parse(&format!("https://{text}")).ok()?;
    let host_ok = match url.host()? {
        url::Host::Domain(name) => {
            let name = name.trim_end_matches('.');
            name.contains('.') && !name.starts_with('.')
        }
        url::Host::Ipv4(_) | url::Host::Ipv6(_) => true,
    };
    (host_ok && url.username().is_empty() && url.password().is_none()).then_some(url)
}

/// The form as the template shows it: values, errors, and a message for the whole form.
#[derive(Debug, Clone, Default)]
pub struct CommentForm {
    pub values: FormValues,
    pub errors: Vec<FieldError>,
    /// A problem with the submission as a whole (duplicate, too fast, storage down).
    pub general_error: Option<String>,
}

impl CommentForm {
    pub fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }

    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty() || self.general_error.is_some()
    }
}

#[cfg(test)]
mod tests;
