//! Comments as readers see them: approved only, threaded one level deep, no private data.
use std::collections::HashMap;

use crate::content::human_date;
use crate::store::{Comment, Status};

/// One comment on a public page. Holds no email, client hash or user agent.
#[derive(Debug, Clone)]
pub struct PublicComment {
    pub id: i64,
    /// The comment this one answers, for a reply.
    pub parent: Option<i64>,
    /// When it was posted, in seconds since 1970 (UTC): the order of feeds.
    pub created_at: i64,
    pub author: String,
    pub url: Option<String>,
    /// The text split into paragraphs; escaped by the template.
    pub paragraphs: Vec<Vec<String>>,
    /// `2026-11-25T14:03:00Z`
    pub datetime: String,
    /// `25 November 2026`
    pub date: String,
    /// Shown to its author only, through a signed link.
    pub pending: bool,
    /// An answer from the site's editorial team.
    pub editorial: bool,
    /// An editorial answer's Markdown, rendered and sanitised (readers' comments are text).
    pub html: Option<String>,
    pub replies: Vec<PublicComment>,
}

impl PublicComment {
    pub fn from_comment(comment: &Comment) -> Self {
        let created = crate::clock::datetime(comment.created_at);
        let datetime = crate::clock::rfc3339(comment.created_at);
        Self {
            id: comment.id,
            parent: comment.parent_id,
            created_at: comment.created_at,
            author: comment.author.clone(),
            url: comment.url.clone(),
            paragraphs: paragraphs(&comment.body),
            datetime,
            date: human_date(created.date()),
            pending: comment.status != Status::Approved,
            editorial: comment.editorial,
            html: comment
                .editorial
                .then(|| crate::comments::answer_html(&comment.body)),
            replies: Vec::new(),
        }
    }
}

/// Paragraphs split at blank lines; each paragraph a list of lines (joined with `<br>`).
fn paragraphs(body: &str) -> Vec<Vec<String>> {
    body.split("\n\n")
        .map(|p| {
            p.lines()
                .map(str::trim_end)
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .filter(|p: &Vec<String>| !p.is_empty())
        .collect()
}

/// Groups approved comments (oldest first) into threads per section slug.
pub fn threads_by_section(approved: &[Comment]) -> HashMap<String, Vec<PublicComment>> {
    let mut by_section: HashMap<String, Vec<PublicComment>> = HashMap::new();
    for comment in approved.iter().filter(|c| c.parent_id.is_none()) {
        by_section
            .entry(comment.section.clone())
            .or_default()
            .push(PublicComment::from_comment(comment));
    }
    for reply in approved.iter().filter(|c| c.parent_id.is_some()) {
        let parent = by_section
            .get_mut(&reply.section)
            .and_then(|list| list.iter_mut().find(|c| Some(c.id) == reply.parent_id));
        // A reply whose parent is no longer public waits, unseen, until it is again.
        if let Some(parent) = parent {
            parent.replies.push(PublicComment::from_comment(reply));
        }
    }
    by_section
}

/// Comments and replies in a thread list.
pub fn count(threads: &[PublicComment]) -> usize {
    threads.iter().map(|c| 1 + c.replies.len()).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn comment(id: i64, section: &str, parent: Option<i64>, body: &str) -> Comment {
        Comment {
            id,
            section: section.into(),
            parent_id: parent,
            author: format!("author {id}"),
            email: "private@example.com".into(),
            url: None,
            body: body.into(),
            status: Status::Approved,
            created_at: 1_764_000_000,
            client_hash: Some("hash".into()),
            user_agent: None,
            flag_reason: None,
            editorial: false,
        }
    }

    #[test]
    fn replies_sit_under_their_parent_and_orphans_wait() {
        let list = [
            comment(1, "risks", None, "a"),
            comment(2, "faq", None, "b"),
            comment(3, "risks", Some(1), "c"),
            comment(4, "risks", Some(99), "orphan"),
        ];
        let threads = threads_by_section(&list);
        assert_eq!(threads["risks"].len(), 1);
        assert_eq!(threads["risks"][0].replies[0].id, 3);
        assert_eq!(count(&threads["risks"]), 2);
        assert_eq!(count(&threads["faq"]), 1);
    }

    #[test]
    fn text_becomes_paragraphs_and_lines() {
        assert_eq!(
            paragraphs("one\ntwo\n\n\nthree\n"),
            vec![
                vec!["one".to_owned(), "two".to_owned()],
                vec!["three".to_owned()]
            ]
        );
    }
}
