//! askama views of the admin pages, and the admin layout they share: no public menu, no
//! medical disclaimer; the moderation menu, who is signed in, and the admin script.
use askama::Template;

use crate::assets::Assets;
use crate::content::{Guide, SiteInfo, human_date};
use crate::store::{Action, Comment, Event, Status};

use super::Moderator;

/// What the admin layout needs on every page.
pub struct AdminLayout<'a> {
    pub site: &'a SiteInfo,
    pub assets: &'a Assets,
    /// The full `<title>`.
    pub title: String,
    /// Signed in: who, and the CSRF token for the sign-out form.
    pub moderator: Option<&'a Moderator>,
    /// Which menu item is this page's (`queue`, `activity`), if any.
    pub current: &'static str,
    /// Where the skip link goes, and what it says.
    pub skip_to: String,
    pub skip_label: &'static str,
}

impl<'a> AdminLayout<'a> {
    pub fn new(
        site: &'a SiteInfo,
        assets: &'a Assets,
        title: &str,
        moderator: Option<&'a Moderator>,
    ) -> Self {
        Self {
            site,
            assets,
            title: format!("{title} | {} moderation", site.title),
            moderator,
            current: "",
            skip_to: "#main".to_owned(),
            skip_label: "Skip to main content",
        }
    }

    pub fn current(mut self, item: &'static str) -> Self {
        self.current = item;
        self
    }

    pub fn username(&self) -> &str {
        self.moderator.map_or("", |m| m.username.as_str())
    }

    pub fn csrf(&self) -> &str {
        self.moderator.map_or("", |m| m.csrf_token.as_str())
    }

    /// The signed-in account moderates (the queue and activity log are in its menu).
    pub fn moderates(&self) -> bool {
        self.moderator
            .is_some_and(|m| m.is(crate::store::Role::Moderator))
    }

    /// The signed-in account edits the guide (the preview is in its menu).
    pub fn edits(&self) -> bool {
        self.moderator
            .is_some_and(|m| m.is(crate::store::Role::Editor))
    }
}

/// A comment as a moderator sees it: everything, including the private fields.
pub struct AdminComment {
    pub comment: Comment,
    pub section_title: String,
    pub when: String,
    pub paragraphs: Vec<String>,
    /// One line of the text, for the compact card.
    pub excerpt: String,
    pub events: Vec<AdminEvent>,
    /// The actions that fit the comment's state, buttons on the card (deletion is a link
    /// to its confirmation page, and only in spam and trash).
    pub actions: Vec<Action>,
    pub can_delete: bool,
    /// The comment it replies to: author and an excerpt.
    pub parent: Option<(String, String)>,
    /// The id of the card that follows this one in the list (or precedes it, for the last),
    /// so that the page comes back there after an action.
    pub next: Option<i64>,
    /// Ticked (after "Select all" without JavaScript).
    pub selected: bool,
    /// Rendered, sanitised HTML of an editorial answer.
    pub answer_html: Option<String>,
}

pub struct AdminEvent {
    pub action: String,
    pub moderator: String,
    pub when: String,
    pub detail: Option<String>,
}

impl AdminComment {
    pub fn new(comment: Comment, guide: &Guide, events: &[Event]) -> Self {
        let section_title = guide
            .section(&comment.section)
            .map_or_else(|| comment.section.clone(), |s| s.title.clone());
        let events = events
            .iter()
            .filter(|e| e.comment_id == comment.id)
            .map(|e| AdminEvent {
                action: e.action.clone(),
                moderator: e.moderator.clone(),
                when: timestamp(e.at),
                detail: e.detail.clone(),
            })
            .collect();
        let actions = Action::ALL
            .into_iter()
            .filter(|a| *a != Action::Delete && a.target(comment.status).is_ok())
            .collect();
        Self {
            section_title,
            when: short_time(comment.created_at),
            paragraphs: comment.body.split("\n\n").map(str::to_owned).collect(),
            excerpt: crate::notify::excerpt_of(&comment.body, 160),
            events,
            actions,
            can_delete: Action::Delete.target(comment.status).is_ok(),
            parent: None,
            next: None,
            selected: false,
            answer_html: comment
                .editorial
                .then(|| crate::comments::answer_html(&comment.body)),
            comment,
        }
    }

    /// Adds the excerpt of the comment this one replies to.
    pub fn with_parent(mut self, parent: Option<&Comment>) -> Self {
        self.parent = parent.map(|p| (p.author.clone(), crate::notify::excerpt_of(&p.body, 120)));
        self
    }

    pub fn url(&self) -> &str {
        self.comment.url.as_deref().unwrap_or("")
    }

    /// When it was posted, in full.
    pub fn posted(&self) -> String {
        timestamp(self.comment.created_at)
    }

    pub fn flagged(&self) -> bool {
        self.comment.flag_reason.is_some()
    }

    /// Held because the text may describe a medical problem: the card says so first.
    pub fn medical_concern(&self) -> bool {
        self.comment
            .flag_reason
            .as_deref()
            .is_some_and(|reason| reason.starts_with(crate::comments::MEDICAL_CONCERN))
    }

    /// The one action drawn as the main button: approve for an ordinary pending comment;
    /// on a flagged one spam (or nothing, for a medical concern, where answering is the
    /// point), so that a promotional comment is never one press from the site.
    pub fn is_primary(&self, action: &Action) -> bool {
        match (self.comment.status, self.flagged()) {
            (Status::Pending, false) => *action == Action::Approve,
            (Status::Pending, true) => *action == Action::Spam && !self.medical_concern(),
            (Status::Spam | Status::Trash, _) => *action == Action::Restore,
            _ => false,
        }
    }

    /// Answering makes sense for comments readers see or may soon see.
    pub fn can_answer(&self) -> bool {
        matches!(self.comment.status, Status::Pending | Status::Approved)
    }

    /// The comment on its public page: only approved comments have one.
    pub fn public_url(&self) -> Option<String> {
        (self.comment.status == Status::Approved).then(|| {
            format!(
                "/guide/{}#comment-{}",
                self.comment.section, self.comment.id
            )
        })
    }

    /// The card's button label: "Approve", "Unapprove"...
    pub fn label(action: &Action) -> &'static str {
        action_label(*action)
    }

    /// The keyboard shortcut the admin script gives this action, if any.
    pub fn key(action: &Action) -> &'static str {
        match action {
            Action::Approve => "a",
            Action::Spam => "s",
            Action::Trash => "t",
            _ => "",
        }
    }

    pub fn next_value(&self) -> String {
        self.next.map(|n| n.to_string()).unwrap_or_default()
    }
}

/// What a button says for an action.
pub fn action_label(action: Action) -> &'static str {
    match action {
        Action::Approve => "Approve",
        Action::Unapprove => "Unapprove",
        Action::Spam => "Spam",
        Action::Trash => "Trash",
        Action::Restore => "Restore",
        Action::Delete => "Delete for good",
    }
}

/// `25 November 2026, 14:03 UTC`.
pub fn timestamp(at: i64) -> String {
    let t = crate::clock::datetime(at);
    format!(
        "{}, {:02}:{:02} UTC",
        human_date(t.date()),
        t.hour(),
        t.minute()
    )
}

/// `25 Nov, 14:03`: short enough for a card's first line.
pub fn short_time(at: i64) -> String {
    let t = crate::clock::datetime(at);
    let month = t.month().to_string();
    format!(
        "{} {}, {:02}:{:02}",
        t.day(),
        &month[..3.min(month.len())],
        t.hour(),
        t.minute()
    )
}

#[derive(Template)]
#[template(path = "admin/login.html")]
pub struct LoginPage<'a> {
    pub layout: AdminLayout<'a>,
    pub username: &'a str,
    pub error: Option<&'a str>,
    /// Where to go once signed in (an admin path).
    pub next: &'a str,
}

impl<'a> LoginPage<'a> {
    pub fn new(
        guide: &'a Guide,
        assets: &'a Assets,
        username: &'a str,
        error: Option<&'a str>,
        next: &'a str,
    ) -> Self {
        Self {
            layout: AdminLayout::new(&guide.site, assets, "Sign in", None),
            username,
            error,
            next,
        }
    }
}

/// A short page for an outcome: a refused link, a gone comment.
#[derive(Template)]
#[template(path = "admin/message.html")]
pub struct MessagePage<'a> {
    pub layout: AdminLayout<'a>,
    pub heading: String,
    pub message: String,
    /// (URL, label) of the way on.
    pub link: (String, String),
}

pub fn encode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// One page in the editor's preview index.
pub struct PreviewLink {
    pub title: String,
    /// The page's own path (`/guide/risks`); the preview is under `/admin/preview`.
    pub path: String,
    pub draft: bool,
}

impl PreviewLink {
    pub fn new(title: &str, path: &str, draft: bool) -> Self {
        Self {
            title: title.to_owned(),
            path: path.to_owned(),
            draft,
        }
    }

    /// The preview's address (the home page's is `/admin/preview/home`).
    pub fn href(&self) -> String {
        if self.path == "/" {
            "/admin/preview/home".to_owned()
        } else {
            format!("/admin/preview{}", self.path)
        }
    }
}

#[derive(Template)]
#[template(path = "admin/preview.html")]
pub struct PreviewIndex<'a> {
    pub layout: AdminLayout<'a>,
    pub links: Vec<PreviewLink>,
    /// The problems of the last refused save, shown above the list.
    pub preview: crate::site::PreviewBanner,
}
