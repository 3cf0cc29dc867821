//! `/admin/email/{token}`: the approve, spam and trash links in moderators' email.
//!
//! A GET never changes anything: it shows the comment and a button. The link can be
//! forwarded, so acting needs a signed-in moderator (a signed-out click goes through the
//! sign-in page and comes back), and the POST carries the session's CSRF token like every
//! other admin form. A link is signed, expires (`[notify] link_days`, 7 by default) and
//! works once: its use is recorded in the same transaction as the action.
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::views::{AdminComment, AdminLayout, MessagePage, action_label, encode, timestamp};
use super::{AdminForm, Moderator};
use crate::clock::now;
use crate::notify::{EmailLink, LinkProblem};
use crate::state::AppState;
use crate::store::{ActionOutcome, LinkUse};
use crate::web::{AppError, HtmlPage, Result, render};

#[derive(Template)]
#[template(path = "admin/email_confirm.html")]
pub struct ConfirmPage<'a> {
    pub layout: AdminLayout<'a>,
    pub item: AdminComment,
    pub link: EmailLink,
    pub token: &'a str,
    pub label: &'static str,
    pub expires: String,
}

pub async fn confirm_email_action(
    State(state): State<AppState>,
    moderator: std::result::Result<Moderator, AppError>,
    Path(token): Path<String>,
) -> Result<Response> {
    let moderator = match moderator {
        Ok(moderator) => moderator,
        Err(AppError::Unauthorized) => {
            let next = format!("/admin/email/{token}");
            return Ok(
                Redirect::to(&format!("/admin/login?next={}", encode(&next))).into_response(),
            );
        }
        Err(other) => return Err(other),
    };
    let link = match check(&state, &moderator, &token).await? {
        Ok(link) => link,
        Err(refusal) => return Ok(refusal),
    };
    let site = state.site();
    let Some(comment) = state.store.get(link.comment_id).await? else {
        return message(
            &state,
            &moderator,
            StatusCode::GONE,
            "This comment is gone",
            format!(
                "Comment {} was deleted after the email was sent. The activity log says who deleted it and when.",
                link.comment_id
            ),
            ("/admin/activity".into(), "Open the activity log".into()),
        );
    };
    let label = action_label(link.action);
    let title = format!("{label} comment {}?", link.comment_id);
    let view = ConfirmPage {
        layout: AdminLayout::new(&site.guide.site, &site.assets, &title, Some(&moderator)),
        item: AdminComment::new(comment, &site.guide, &[]),
        expires: timestamp(link.expires),
        label,
        token: &token,
        link,
    };
    Ok(HtmlPage::ok(render(&view, "an email link's confirmation page")?).into_response())
}

pub async fn apply_email_action(
    State(state): State<AppState>,
    Path(token): Path<String>,
    form: AdminForm,
) -> Result<Response> {
    let moderator = form.moderator;
    let link = match check(&state, &moderator, &token).await? {
        Ok(link) => link,
        Err(refusal) => return Ok(refusal),
    };
    let outcome = crate::comments::use_email_link(
        state.store.as_ref(),
        &state,
        &link.nonce,
        link.comment_id,
        link.action,
        &moderator.username,
        now(),
    )
    .await?;
    match outcome {
        LinkUse::Applied(ActionOutcome::Done { .. }) => {
            let back = super::actions::with_notice(
                "/admin?status=pending",
                link.action.as_str(),
                1,
                0,
                &[link.comment_id],
                None,
            );
            Ok(Redirect::to(&back).into_response())
        }
        LinkUse::Applied(ActionOutcome::NotFound) => Err(AppError::NotFound),
        LinkUse::Applied(ActionOutcome::Refused(refused)) => Err(AppError::Conflict(format!(
            "Comment {} was not changed: {refused}. Someone may have moderated it already.",
            link.comment_id
        ))),
        LinkUse::AlreadyUsed(used) => used_page(&state, &moderator, &used),
    }
}

/// The link, if genuine, unexpired and unused; otherwise the page that says why not.
async fn check(
    state: &AppState,
    moderator: &Moderator,
    token: &str,
) -> Result<std::result::Result<EmailLink, Response>> {
    let queue = ("/admin".to_owned(), "Open the moderation queue".to_owned());
    let link = match state.email_links.verify(token, now()) {
        Ok(link) => link,
        Err(LinkProblem::Invalid) => {
            return message(
                state,
                moderator,
                StatusCode::NOT_FOUND,
                "This link does not work",
                "It is not a link this site sent, or part of it was lost on the way (some mail programs break long links). Moderate from the queue instead.".into(),
                queue,
            )
            .map(Err);
        }
        Err(LinkProblem::Expired { expired_at }) => {
            return message(
                state,
                moderator,
                StatusCode::GONE,
                "This link has expired",
                format!(
                    "Links in moderators' email work for a limited time; this one stopped on {}. Nothing was changed. Moderate from the queue instead.",
                    timestamp(expired_at)
                ),
                queue,
            )
            .map(Err);
        }
    };
    if let Some(used) = state.store.used_email_link(&link.nonce).await? {
        return used_page(state, moderator, &used).map(Err);
    }
    Ok(Ok(link))
}

fn used_page(
    state: &AppState,
    moderator: &Moderator,
    used: &crate::store::UsedLink,
) -> Result<Response> {
    message(
        state,
        moderator,
        StatusCode::GONE,
        "This link has been used",
        format!(
            "The links for comment {} in that email work once: {} used one to {} it on {}. Nothing more was changed.",
            used.comment_id,
            used.moderator,
            used.action,
            timestamp(used.at)
        ),
        (
            format!("/admin/comments/{}", used.comment_id),
            format!("Open comment {}", used.comment_id),
        ),
    )
}

fn message(
    state: &AppState,
    moderator: &Moderator,
    status: StatusCode,
    heading: &str,
    message: String,
    link: (String, String),
) -> Result<Response> {
    let site = state.site();
    let view = MessagePage {
        layout: AdminLayout::new(&site.guide.site, &site.assets, heading, Some(moderator)),
        heading: heading.to_owned(),
        message,
        link,
    };
    Ok(HtmlPage::new(status, render(&view, "an email link's page")?).into_response())
}
