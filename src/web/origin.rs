//! Where a state-changing request came from. A browser names the page a form was sent
//! from in `Origin` (and, failing that, `Referer`); another site's page that posts to ours
//! gives its own origin, or `null` from a sandboxed frame or a `data:` page.
use axum::http::{HeaderMap, header};

use super::AppError;

/// The origins this site's pages are served from: the base URL's, and the request's own
/// `Host` under either scheme (a proxy may serve the site under another name).
fn allowed_origins(base_url: &str, headers: &HeaderMap) -> Vec<String> {
    let mut allowed: Vec<String> = origin_of(base_url).into_iter().collect();
    if let Some(host) = headers.get(header::HOST).and_then(|v| v.to_str().ok()) {
        allowed.push(format!("http://{host}"));
        allowed.push(format!("https://{host}"));
    }
    allowed
}

/// For moderation: the request must prove it came from one of our pages, by `Origin` or,
/// when a browser sends none, by `Referer`.
pub fn require_same_origin(base_url: &str, headers: &HeaderMap) -> Result<(), AppError> {
    let allowed = allowed_origins(base_url, headers);
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    let referer_origin = headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(origin_of);
    let ok = match origin {
        Some(origin) => allowed.iter().any(|a| a == origin),
        None => referer_origin.is_some_and(|r| allowed.contains(&r)),
    };
    ok.then_some(()).ok_or_else(|| {
        AppError::Forbidden("This request did not come from this site's own pages.".into())
    })
}

/// For the public comment form: refuses what a browser says came from another site (an
/// `Origin` that is not ours, `Origin: null`, or `Sec-Fetch-Site: cross-site`), so that
/// another site cannot make its visitors post here and spend their addresses' share of
/// flood control. A request naming neither is accepted: old browsers send no `Origin`
/// on a same-site form, and scripts that post directly gain nothing from a browser.
pub fn refuse_cross_site(base_url: &str, headers: &HeaderMap) -> Result<(), AppError> {
    let refused = || {
        AppError::Forbidden(
            "This comment was sent from another website, so it was not accepted. To comment, \
             use the form on this site's own page."
                .into(),
        )
    };
    if let Some(origin) = headers.get(header::ORIGIN) {
        let origin = origin.to_str().map_err(|_| refused())?;
        return if allowed_origins(base_url, headers)
            .iter()
            .any(|a| a == origin)
        {
            Ok(())
        } else {
            Err(refused())
        };
    }
    match headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        Some("cross-site") => Err(refused()),
        _ => Ok(()),
    }
}

/// `https://example.org:8443/path` -> `https://example.org:8443`.
fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let host = rest.split(['/', '?', '#']).next()?;
    (!host.is_empty()).then(|| format!("{scheme}://{host}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(
                axum::http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                value.parse().unwrap(),
            );
        }
        map
    }

    #[test]
    fn origins_are_scheme_and_host() {
        assert_eq!(
            origin_of("https://smp.example:8443/admin?x").as_deref(),
            Some("https://smp.example:8443")
        );
        assert_eq!(
            origin_of("http://127.0.0.1:3000").as_deref(),
            Some("http://127.0.0.1:3000")
        );
        assert_eq!(origin_of("nonsense"), None);
    }

    #[test]
    fn the_comment_form_refuses_what_a_browser_says_is_cross_site() {
        let base = "https://smp.example";
        let host = ("host", "smp.example");
        let cases = [
            (vec![host], true),
            (vec![host, ("origin", "https://smp.example")], true),
            (vec![host, ("origin", "http://smp.example")], true),
            (vec![host, ("sec-fetch-site", "same-origin")], true),
            (vec![host, ("sec-fetch-site", "none")], true),
            (vec![host, ("origin", "https://evil.example")], false),
            (vec![host, ("origin", "null")], false),
            (vec![host, ("sec-fetch-site", "cross-site")], false),
            (
                vec![host, ("origin", "https://smp.example.evil.example")],
                false,
            ),
        ];
        for (pairs, ok) in cases {
            assert_eq!(
                refuse_cross_site(base, &headers(&pairs)).is_ok(),
                ok,
                "{pairs:?}"
            );
        }
    }

    #[test]
    fn moderation_needs_an_origin_or_referer_of_ours() {
        let base = "https://smp.example";
        let host = ("host", "smp.example");
        assert!(require_same_origin(base, &headers(&[host])).is_err());
        assert!(
            require_same_origin(
                base,
                &headers(&[host, ("referer", "https://smp.example/admin")])
            )
            .is_ok()
        );
        assert!(
            require_same_origin(base, &headers(&[host, ("origin", "https://evil.example")]))
                .is_err()
        );
    }
}
