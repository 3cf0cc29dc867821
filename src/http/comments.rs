//! `POST /guide/{slug}/comments` and the per-request variants of a section page (a reply
//! target, the reader's own pending comment behind a signed link, or a form filled in from
//! the "remember me" cookie).
use std::net::SocketAddr;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::remember;
use crate::clock::now;
use crate::comments::{
    ClientAddress, CommentForm, FieldError, FormValues, NewComment, RETURNING_COOKIE,
    RETURNING_COOKIE_DAYS, Remembered, ReservedNames, Submission, Submitted, decode_form,
    verify_returning,
};
use crate::site::{PublicComment, ReplyTarget, SectionExtras, Site};
use crate::state::AppState;
use crate::store::Status;
use crate::web::{AppError, HtmlPage, Result, cached_response, see_other};

#[derive(Debug, Default, Deserialize)]
pub struct SectionQuery {
    reply: Option<String>,
    pending: Option<String>,
    /// Set on the page after posting with an email box ticked: the notice says a
    /// confirmation email is on its way.
    emailed: Option<String>,
}

/// `GET /guide/{slug}`: the cached page, unless the query asks for a reply form or a
/// preview, or the reader's browser holds their remembered details.
pub async fn show_section(State(state): State<AppState>, request: Request) -> Result<Response> {
    let (uri, headers) = (request.uri(), request.headers());
    // One snapshot for the whole request: a reload meanwhile cannot mix versions.
    let site = state.site();
    let Some(page) = site.page(uri.path()) else {
        return Err(AppError::NotFound);
    };
    // The common case, kept free of parsing and allocation: the cached page.
    if uri.query().is_none() && !remember::may_carry_cookie(headers) {
        return Ok(cached_response(&page, headers));
    }
    let remembered = remember::from_request(headers);
    let slug = uri.path().trim_start_matches("/guide/").to_owned();
    // A malformed query string is ignored: the reader still gets the page.
    let query = uri.query().map_or_else(SectionQuery::default, |_| {
        Query::<SectionQuery>::try_from_uri(uri)
            .map_or_else(|_| SectionQuery::default(), |Query(q)| q)
    });
    if query.reply.is_none() && query.pending.is_none() && remembered.is_none() {
        return Ok(cached_response(&page, headers));
    }
    let mut extras = base_extras(&state, remembered.is_some());
    if let Some(details) = remembered {
        remember::prefill(&mut extras, details);
    }
    if let Some(target) = reply_target(&site, &slug, query.reply.as_deref()) {
        extras.form.values.parent = target.id.to_string();
        extras.reply_to = Some(target);
    }
    if let Some(token) = &query.pending {
        match own_pending_comment(&state, &slug, token).await? {
            Some(comment) => {
                extras.pending = Some(comment);
                extras.emailed = query.emailed.is_some();
            }
            None => extras.preview_expired = !is_already_public(&site, &slug, token),
        }
    }
    render(&site, &slug, &extras, StatusCode::OK)
}

/// What every section page rendered for one request starts from.
fn base_extras(state: &AppState, remembered: bool) -> SectionExtras {
    SectionExtras {
        remembered,
        moderation_time: state.config.comments.moderation_time.clone(),
        ..SectionExtras::default()
    }
}

/// The approved, top-level comment of this section that `reply` names, if any.
fn reply_target(site: &Site, slug: &str, reply: Option<&str>) -> Option<ReplyTarget> {
    let id = reply.and_then(|r| r.parse::<i64>().ok())?;
    site.threads(slug)
        .iter()
        .find(|c| c.id == id)
        .map(|c| ReplyTarget {
            id: c.id,
            author: c.author.clone(),
        })
}

/// The reader's own comment, if the signed link is genuine, fresh, and the comment is still
/// waiting (or quietly marked as spam: the reader is not told).
async fn own_pending_comment(
    state: &AppState,
    slug: &str,
    token: &str,
) -> Result<Option<PublicComment>> {
    let Some(id) = state.comments.preview.verify(token, now()) else {
        return Ok(None);
    };
    let comment = state.store.get(id).await?;
    Ok(comment
        .filter(|c| c.section == slug && matches!(c.status, Status::Pending | Status::Spam))
        .map(|c| PublicComment::from_comment(&c)))
}

/// A genuine link to a comment that has since been approved needs no "expired" notice.
fn is_already_public(site: &Site, slug: &str, token: &str) -> bool {
    let id = token
        .split('.')
        .next()
        .and_then(|id| id.parse::<i64>().ok());
    let threads = site.threads(slug);
    id.is_some_and(|id| {
        threads
            .iter()
            .any(|c| c.id == id || c.replies.iter().any(|r| r.id == id))
    })
}

/// `POST /guide/{slug}/comments`: read and validate the form, then hand the comment to
/// the workflow and turn its outcome into a response.
pub async fn submit_comment(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response> {
    let site = state.site();
    let Some(section) = site.guide.section(&slug) else {
        return Err(AppError::NotFound);
    };
    if let Err(refused) = crate::web::refuse_cross_site(&site.guide.site.base_url, &headers) {
        crate::metrics::comment_submitted("cross_site");
        return Err(refused);
    }
    if !is_form_encoded(&headers) {
        return Err(AppError::BadRequest(
            "The comment form must be sent as application/x-www-form-urlencoded.".into(),
        ));
    }
    let fields = decode_form(&body)
        .map_err(|err| AppError::BadRequest(format!("The form could not be read: {err}.")))?;
    let mut values = FormValues::from_fields(fields);
    let had_cookie = remember::from_request(&headers).is_some();
    let page = Resend {
        site: &site,
        slug: &slug,
        extras: base_extras(&state, had_cookie),
    };
    let reserved = ReservedNames::of_site(&site.guide.site.byline, &site.guide.site.title);
    let mut comment = match NewComment::parse(&values, &reserved) {
        Ok(comment) => comment,
        Err(errors) => {
            crate::metrics::comment_submitted("invalid");
            return page.rerender(values, errors, None, StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    if let Some(parent_id) = comment.parent
        && !can_reply_to(&site, &slug, parent_id)
    {
        let error = FieldError {
            field: "parent",
            message: "The comment you are replying to is not available. Your text is kept below: post it as a new comment.".into(),
        };
        values.parent.clear();
        crate::metrics::comment_submitted("invalid");
        return page.rerender(values, vec![error], None, StatusCode::UNPROCESSABLE_ENTITY);
    }

    // The boxes are on the form only when email can be sent; a request that sends them
    // anyway asks for nothing.
    if !site.guide.site.reader_mail {
        comment.notify = Default::default();
    }
    let remembered = values.remember.then(|| Remembered::of(&comment));
    let emailed = comment.notify.any();
    let submission = Submission {
        section: slug.clone(),
        section_title: section.title.clone(),
        comment,
        client: ClientAddress::resolve(peer, &headers, &state.config.comments.trusted_proxies).0,
        user_agent: headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        returning: cookie(&headers, RETURNING_COOKIE)
            .and_then(|value| verify_returning(&state.comments.client_key, &value)),
        now: now(),
    };
    let outcome = state
        .comments
        .submit(state.store.as_ref(), &state, submission)
        .await?;
    match outcome {
        Submitted::Stored {
            id,
            preview_token,
            returning_token,
            ..
        } => {
            let location = match preview_token {
                None => format!("/guide/{slug}#comment-{id}"),
                Some(token) if emailed => {
                    format!("/guide/{slug}?pending={token}&emailed=1#comment-{id}")
                }
                Some(token) => format!("/guide/{slug}?pending={token}#comment-{id}"),
            };
            let mut response = see_other(&location);
            let secure = remember::secure_site(&site.guide.site.base_url);
            if let Some(token) = returning_token
                && let Ok(value) = HeaderValue::from_str(&returning_cookie(&token, secure))
            {
                response.headers_mut().append(header::SET_COOKIE, value);
            }
            // Ticked: remember (or renew) the details; unticked: forget them.
            let remember_header = match &remembered {
                Some(details) => remember::set_cookie(details, secure),
                None => had_cookie.then(|| remember::clear_cookie(secure)),
            };
            if let Some(value) = remember_header {
                response.headers_mut().append(header::SET_COOKIE, value);
            }
            Ok(response)
        }
        Submitted::TooFast { wait_secs } => {
            let message = format!(
                "You are sending comments too quickly. Please wait {wait_secs} seconds, then post again: your text is kept below."
            );
            let response = page.rerender(
                values,
                Vec::new(),
                Some(message),
                StatusCode::TOO_MANY_REQUESTS,
            )?;
            Ok(with_retry_after(response, wait_secs))
        }
        Submitted::Duplicate => {
            let message = "You have already posted this comment here, so it was not sent again. \
                           If it is waiting for moderation, it will appear once approved.";
            page.rerender(
                values,
                Vec::new(),
                Some(message.into()),
                StatusCode::CONFLICT,
            )
        }
        Submitted::Unavailable => {
            let message = "Sorry, we could not save your comment just now. Your text is kept below: \
                           please try again in a few minutes.";
            let response = page.rerender(
                values,
                Vec::new(),
                Some(message.into()),
                StatusCode::SERVICE_UNAVAILABLE,
            )?;
            Ok(with_retry_after(
                response,
                crate::web::RETRY_UNAVAILABLE_SECS,
            ))
        }
    }
}

/// A cookie's value from the request, by name.
fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_owned())
}

/// The returning-commenter cookie: sent back only with comment forms and section pages,
/// never readable by scripts.
fn returning_cookie(token: &str, secure: bool) -> String {
    cookie::Cookie::build((RETURNING_COOKIE, token.to_owned()))
        .http_only(true)
        .same_site(cookie::SameSite::Lax)
        .path("/guide")
        .secure(secure)
        .max_age(cookie::time::Duration::days(RETURNING_COOKIE_DAYS))
        .build()
        .to_string()
}

fn with_retry_after(mut response: Response, seconds: u64) -> Response {
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    response
}

/// Replies go one level deep, under an approved comment of the same section.
fn can_reply_to(site: &Site, slug: &str, parent_id: i64) -> bool {
    site.threads(slug).iter().any(|c| c.id == parent_id)
}

fn is_form_encoded(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| {
            mime.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}

/// A section page to send back to the reader who posted to it.
struct Resend<'a> {
    site: &'a Site,
    slug: &'a str,
    extras: SectionExtras,
}

impl Resend<'_> {
    /// The section page again, with the reader's values and the messages.
    fn rerender(
        self,
        values: FormValues,
        errors: Vec<FieldError>,
        general_error: Option<String>,
        status: StatusCode,
    ) -> Result<Response> {
        let reply_to = reply_target(self.site, self.slug, Some(&values.parent));
        let extras = SectionExtras {
            form: CommentForm {
                values,
                errors,
                general_error,
            },
            reply_to,
            ..self.extras
        };
        render(self.site, self.slug, &extras, status)
    }
}

/// A section page rendered for one request. It holds what that reader typed, their own
/// pending comment or their remembered details, so no cache, shared or not, may keep it.
fn render(site: &Site, slug: &str, extras: &SectionExtras, status: StatusCode) -> Result<Response> {
    let html = site.render_section(slug, extras)?;
    let mut response = HtmlPage::new(status, html).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    if extras.form.has_errors() {
        // The script that moves focus to the error summary (static/focus-error.js).
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            crate::web::SCRIPT_POLICY.clone(),
        );
    }
    Ok(response)
}
