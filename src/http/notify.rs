//! The links in readers' email, `/notify/confirm/{token}` and `/notify/unsubscribe/{token}`:
//! a GET shows a page with a button and changes nothing (mail scanners fetch links); the
//! POST acts. The unsubscribe POST is RFC 8058's one click: mail providers send it from
//! their own servers, with no session, cookie or `Origin`, so it has no cross-site check
//! and its token is its only authority. The confirmation POST comes from our own page and
//! keeps the check of the comment form.
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::clock::now;
use crate::comments::{confirm_subscription, confirmable, subscription_for_link, unsubscribe};
use crate::notify::CONFIRM_DAYS;
use crate::site::{NoticeForm, ReaderNotice, Site};
use crate::state::AppState;
use crate::store::{ConfirmOutcome, NotifyRequest, Status, Subscription, TokenPurpose};
use crate::web::{AppError, HtmlPage, Result};

/// `GET /notify/confirm/{token}`: what confirming means, and the button.
pub async fn confirm_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response> {
    let site = state.site();
    let found = subscription_for_link(state.store.as_ref(), &token, TokenPurpose::Confirm).await?;
    let Some(subscription) = found else {
        return page(&site, StatusCode::NOT_FOUND, not_known());
    };
    if subscription.confirmed_at.is_some() {
        return page(
            &site,
            StatusCode::OK,
            confirmed(&site, &subscription, false),
        );
    }
    if !confirmable(subscription.created_at, now()) {
        return page(&site, StatusCode::GONE, expired());
    }
    let notice = ReaderNotice {
        title: "Confirm email about your comment".into(),
        paragraphs: vec![
            format!(
                "A comment on “{}” asked for email to this address {}.",
                section_title(&site, &subscription),
                wanted(subscription.request)
            ),
            "Press the button to confirm. Every email has a link to stop them.".into(),
        ],
        form: Some(NoticeForm {
            action: format!("/notify/confirm/{token}"),
            button: "Yes, email me".into(),
            one_click: false,
        }),
        link: None,
    };
    page(&site, StatusCode::OK, notice)
}

/// `POST /notify/confirm/{token}`: confirms.
pub async fn confirm(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Result<Response> {
    let site = state.site();
    crate::web::refuse_cross_site(&site.guide.site.base_url, &headers)?;
    match confirm_subscription(state.store.as_ref(), &token, now()).await? {
        ConfirmOutcome::Confirmed(subscription) => {
            state.comments.notifier.reader_mail_queued();
            page(&site, StatusCode::OK, confirmed(&site, &subscription, true))
        }
        ConfirmOutcome::AlreadyConfirmed(subscription) => page(
            &site,
            StatusCode::OK,
            confirmed(&site, &subscription, false),
        ),
        ConfirmOutcome::Expired => page(&site, StatusCode::GONE, expired()),
        ConfirmOutcome::NotFound => page(&site, StatusCode::NOT_FOUND, not_known()),
    }
}

/// `GET /notify/unsubscribe/{token}`: what stopping means, and the button.
pub async fn unsubscribe_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response> {
    let site = state.site();
    let found =
        subscription_for_link(state.store.as_ref(), &token, TokenPurpose::Unsubscribe).await?;
    let Some(subscription) = found else {
        return page(&site, StatusCode::NOT_FOUND, not_known());
    };
    let notice = ReaderNotice {
        title: "Stop email about your comment?".into(),
        paragraphs: vec![format!(
            "This address gets email about a comment on “{}”. Press the button and nothing \
             more will be sent about it.",
            section_title(&site, &subscription)
        )],
        form: Some(NoticeForm {
            action: format!("/notify/unsubscribe/{token}"),
            button: "Stop these emails".into(),
            one_click: true,
        }),
        link: None,
    };
    page(&site, StatusCode::OK, notice)
}

/// `POST /notify/unsubscribe/{token}`: one click, whatever the body (RFC 8058 has mail
/// programs send `List-Unsubscribe=One-Click`, as our own button does).
pub async fn unsubscribe_now(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response> {
    let site = state.site();
    let Some(subscription) = unsubscribe(state.store.as_ref(), &token, now()).await? else {
        return page(&site, StatusCode::NOT_FOUND, not_known());
    };
    let notice = ReaderNotice {
        title: "No more email about this comment".into(),
        paragraphs: vec![format!(
            "Nothing more will be sent about your comment on “{}”. The comment itself stays \
             as it is.",
            section_title(&site, &subscription)
        )],
        form: None,
        link: Some(comment_link(&site, &subscription)),
    };
    page(&site, StatusCode::OK, notice)
}

fn page(site: &Site, status: StatusCode, notice: ReaderNotice) -> Result<Response> {
    let html = site
        .render_notice(&notice)
        .map_err(|err| AppError::Internal(anyhow::anyhow!("rendering a notice page: {err}")))?;
    Ok(HtmlPage::new(status, html).into_response())
}

fn section_title(site: &Site, subscription: &Subscription) -> String {
    site.guide
        .section(&subscription.section)
        .map_or_else(|| subscription.section.clone(), |s| s.title.clone())
}

/// The comment, when readers can see it; else its section.
fn comment_link(site: &Site, subscription: &Subscription) -> (String, String) {
    let section = format!("/guide/{}", subscription.section);
    if subscription.comment_status == Status::Approved {
        (
            format!("{section}#comment-{}", subscription.comment_id),
            "See your comment".into(),
        )
    } else {
        (
            section,
            format!("Back to “{}”", section_title(site, subscription)),
        )
    }
}

fn wanted(request: NotifyRequest) -> &'static str {
    match (request.published, request.replies) {
        (true, true) => "when it is published or answered, and when someone replies to it",
        (true, false) => "when it is published or answered",
        _ => "when someone replies to it",
    }
}

fn confirmed(site: &Site, subscription: &Subscription, just_now: bool) -> ReaderNotice {
    let mut paragraphs = vec![format!(
        "{} We will email you {}. Every email has a link to stop them.",
        if just_now {
            "Thank you: email about your comment is on."
        } else {
            "Email about your comment is already on."
        },
        wanted(subscription.request)
    )];
    paragraphs.push(if subscription.comment_status == Status::Approved {
        "Your comment is already published.".into()
    } else {
        "Your comment appears on the page once a moderator approves it.".into()
    });
    ReaderNotice {
        title: if just_now {
            "Email confirmed".into()
        } else {
            "Already confirmed".into()
        },
        paragraphs,
        form: None,
        link: Some(comment_link(site, subscription)),
    }
}

fn expired() -> ReaderNotice {
    ReaderNotice {
        title: "This link has expired".into(),
        paragraphs: vec![format!(
            "The request for email was not confirmed within {CONFIRM_DAYS} days, so nothing \
             will be sent. To get email about a new comment, tick a box when you post it."
        )],
        form: None,
        link: None,
    }
}

fn not_known() -> ReaderNotice {
    ReaderNotice {
        title: "This link does not work".into(),
        paragraphs: vec![
            "It may be mistyped or cut short, or what it was for has ended: the email was \
             stopped, or the comment was removed. Either way, nothing more is sent for it."
                .into(),
        ],
        form: None,
        link: None,
    }
}
