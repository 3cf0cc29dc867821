//! "Remember me on this device" over HTTP: reading the cookie from a request, setting and
//! clearing it, and `POST /comments/forget`. The cookie's format and rules are
//! `comments::Remembered`'s.
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;

use crate::comments::{REMEMBER_COOKIE, REMEMBER_COOKIE_DAYS, Remembered, decode_form};
use crate::site::SectionExtras;
use crate::state::AppState;
use crate::web::{AppError, Result, see_other};

/// Whether a request may carry the cookie: a byte search, so that the pages served from
/// memory stay free of parsing for everyone else.
pub fn may_carry_cookie(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::COOKIE)
        .iter()
        .any(|value| memchr::memmem::find(value.as_bytes(), REMEMBER_NEEDLE).is_some())
}

/// `REMEMBER_COOKIE` and its `=`.
const REMEMBER_NEEDLE: &[u8] = b"smp_remember=";

/// The remembered details a request carries, if its cookie is sound; anything else
/// (several cookies of the name, a value cut short, forged or from an older version) is
/// the first sound one, or none.
pub fn from_request(headers: &HeaderMap) -> Option<Remembered> {
    if !may_carry_cookie(headers) {
        return None;
    }
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .filter_map(std::result::Result::ok)
        .filter(|c| c.name() == REMEMBER_COOKIE)
        .find_map(|c| Remembered::from_cookie_value(c.value()))
}

/// Puts the remembered details in the form, with the box ticked (unticking it and posting
/// forgets them) and the "Forget me" button shown.
pub fn prefill(extras: &mut SectionExtras, remembered: Remembered) {
    let values = &mut extras.form.values;
    values.author = remembered.author;
    values.email = remembered.email;
    values.url = remembered.url;
    values.remember = true;
    extras.remembered = true;
}

/// `Set-Cookie` for these details, or `None` when they would not fit in a cookie.
pub fn set_cookie(remembered: &Remembered, secure: bool) -> Option<HeaderValue> {
    let value = remembered.to_cookie_value()?;
    let cookie = base(value, secure)
        .max_age(cookie::time::Duration::days(REMEMBER_COOKIE_DAYS))
        .build();
    HeaderValue::from_str(&cookie.to_string()).ok()
}

/// `Set-Cookie` that makes the browser drop the cookie at once.
pub fn clear_cookie(secure: bool) -> HeaderValue {
    let cookie = base(String::new(), secure)
        .max_age(cookie::time::Duration::ZERO)
        .expires(cookie::time::OffsetDateTime::UNIX_EPOCH)
        .build();
    HeaderValue::from_str(&cookie.to_string()).expect("a cookie without a value is a valid header")
}

/// Sent back with every page (the form is on each section), never readable by scripts,
/// and not sent along when another site links or posts here.
fn base(value: String, secure: bool) -> cookie::CookieBuilder<'static> {
    cookie::Cookie::build((REMEMBER_COOKIE, value))
        .http_only(true)
        .same_site(cookie::SameSite::Lax)
        .path("/")
        .secure(secure)
}

/// Whether cookies for this site must travel over HTTPS only.
pub fn secure_site(base_url: &str) -> bool {
    !base_url.starts_with("http://")
}

/// `POST /comments/forget`: clears the cookie and goes back to the section the button was
/// on (`section`), at the form. Refused (403) when a browser says another site sent it.
pub async fn forget(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response> {
    let site = state.site();
    crate::web::refuse_cross_site(&site.guide.site.base_url, &headers).map_err(|_| {
        AppError::Forbidden(
            "This request was sent from another website, so nothing was changed. To forget \
             your details, use the button on this site's own page."
                .into(),
        )
    })?;
    let fields = decode_form(&body)
        .map_err(|err| AppError::BadRequest(format!("The form could not be read: {err}.")))?;
    let location = fields
        .get("section")
        .and_then(|slug| site.guide.section(slug))
        .map_or_else(|| "/".to_owned(), |s| format!("{}#respond", s.path()));
    let mut response = see_other(&location);
    response.headers_mut().append(
        header::SET_COOKIE,
        clear_cookie(secure_site(&site.guide.site.base_url)),
    );
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_quick_search_looks_for_the_cookie_itself() {
        assert_eq!(REMEMBER_NEEDLE, format!("{REMEMBER_COOKIE}=").as_bytes());
    }

    #[test]
    fn the_cookie_is_http_only_lax_site_wide_and_secure_on_https() {
        let details = Remembered {
            author: "Priya".into(),
            email: "priya@example.com".into(),
            url: String::new(),
        };
        let set = set_cookie(&details, true).unwrap();
        let set = set.to_str().unwrap();
        for part in [
            "HttpOnly",
            "SameSite=Lax",
            "Path=/",
            "Secure",
            "Max-Age=31536000",
        ] {
            assert!(set.split("; ").any(|p| p == part), "{part} in {set}");
        }
        assert!(
            !set_cookie(&details, false)
                .unwrap()
                .to_str()
                .unwrap()
                .contains("Secure")
        );
        let cleared = clear_cookie(false);
        assert!(cleared.to_str().unwrap().starts_with("smp_remember=;"));
        assert!(cleared.to_str().unwrap().contains("Max-Age=0"));
    }
}
