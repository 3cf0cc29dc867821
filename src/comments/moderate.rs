//! Moderation: actions on one comment or many, answers from the editorial team, and
//! erasure on request. Each change is stored with its audit entry in one transaction, and
//! each section whose public comments changed is re-rendered once. The admin routes and
//! the command line share these.
use super::Publisher;
use crate::store::{
    Action, ActionOutcome, AnswerOutcome, EditOutcome, LinkUse, NewAnswer, Store, StoreError,
    UndoOutcome,
};

/// What an action did to each comment it was asked about, in order.
#[derive(Debug, Default)]
pub struct Moderated {
    pub outcomes: Vec<(i64, ActionOutcome)>,
}

impl Moderated {
    /// How many comments were changed.
    pub fn done(&self) -> usize {
        self.outcomes
            .iter()
            .filter(|(_, o)| matches!(o, ActionOutcome::Done { .. }))
            .count()
    }

    /// How many were left as they were (gone, or in a state the action does not fit).
    pub fn skipped(&self) -> usize {
        self.outcomes.len() - self.done()
    }
}

/// Applies `action` to each comment, as `moderator`, then re-renders each changed section
/// once.
pub async fn moderate(
    store: &dyn Store,
    pages: &dyn Publisher,
    ids: &[i64],
    action: Action,
    moderator: &str,
    now: i64,
) -> Result<Moderated, StoreError> {
    let mut moderated = Moderated::default();
    let mut changed: Vec<String> = Vec::new();
    for &id in ids {
        let outcome = store.apply(id, action, moderator, now).await?;
        if let ActionOutcome::Done {
            section,
            public_change,
        } = &outcome
        {
            tracing::info!(comment_id = id, action = %action, moderator = %moderator, "moderated");
            crate::metrics::moderation_action(action.as_str(), 1);
            if *public_change && !changed.contains(section) {
                changed.push(section.clone());
            }
        }
        moderated.outcomes.push((id, outcome));
    }
    for section in &changed {
        pages.section_changed(section).await;
    }
    Ok(moderated)
}

/// Publishes an answer from the editorial team under a comment, approving a pending
/// comment with it when asked (so that the answer is never hidden under a comment readers
/// cannot see).
pub async fn answer(
    store: &dyn Store,
    pages: &dyn Publisher,
    answer: NewAnswer,
) -> Result<AnswerOutcome, StoreError> {
    let (parent, moderator) = (answer.parent_id, answer.moderator.clone());
    let outcome = store.answer(answer).await?;
    if let AnswerOutcome::Published {
        id,
        section,
        approved_parent,
    } = &outcome
    {
        tracing::info!(comment_id = parent, answer_id = id, approved_parent, moderator = %moderator, "answered");
        crate::metrics::moderation_action("answer", 1);
        pages.section_changed(section).await;
    }
    Ok(outcome)
}

/// Takes back `moderator`'s last `action` on each comment (see
/// [`crate::store::CorrectionStore::undo`]), then re-renders each changed section once.
pub async fn undo(
    store: &dyn Store,
    pages: &dyn Publisher,
    ids: &[i64],
    action: &str,
    moderator: &str,
    now: i64,
) -> Result<Vec<(i64, UndoOutcome)>, StoreError> {
    let mut outcomes = Vec::new();
    let mut changed: Vec<String> = Vec::new();
    for &id in ids {
        let outcome = store.undo(id, action, moderator, now).await?;
        if let UndoOutcome::Done {
            section,
            public_change,
            ..
        } = &outcome
        {
            tracing::info!(comment_id = id, action = %action, moderator = %moderator, "undone");
            crate::metrics::moderation_action("undo", 1);
            if *public_change && !changed.contains(section) {
                changed.push(section.clone());
            }
        }
        outcomes.push((id, outcome));
    }
    for section in &changed {
        pages.section_changed(section).await;
    }
    Ok(outcomes)
}

/// Replaces a comment's text, with the reason in the audit trail (never the old text).
pub async fn edit(
    store: &dyn Store,
    pages: &dyn Publisher,
    id: i64,
    body: &str,
    reason: &str,
    moderator: &str,
    now: i64,
) -> Result<EditOutcome, StoreError> {
    let outcome = store.edit(id, body, reason, moderator, now).await?;
    if let EditOutcome::Done {
        section,
        public_change,
    } = &outcome
    {
        tracing::info!(comment_id = id, moderator = %moderator, "edited");
        crate::metrics::moderation_action("edit", 1);
        if *public_change {
            pages.section_changed(section).await;
        }
    }
    Ok(outcome)
}

/// Applies the action of a link from a moderator's email, once: a second use of the same
/// link changes nothing.
pub async fn use_email_link(
    store: &dyn Store,
    pages: &dyn Publisher,
    nonce: &str,
    id: i64,
    action: Action,
    moderator: &str,
    now: i64,
) -> Result<LinkUse, StoreError> {
    let outcome = store
        .use_email_link(nonce, id, action, moderator, now)
        .await?;
    if let LinkUse::Applied(ActionOutcome::Done {
        section,
        public_change,
    }) = &outcome
    {
        tracing::info!(comment_id = id, action = %action, moderator = %moderator, "moderated from an email link");
        crate::metrics::moderation_action(action.as_str(), 1);
        if *public_change {
            pages.section_changed(section).await;
        }
    }
    Ok(outcome)
}

/// Deletes every comment with this email address (a data-protection request), recorded
/// in the audit trail as done by `actor`. Returns how many were erased.
pub async fn erase(
    store: &dyn Store,
    email: &str,
    actor: &str,
    now: i64,
) -> Result<u64, StoreError> {
    let erased = store.erase_email(email, actor, now).await?;
    tracing::info!(erased, actor = %actor, "comments erased on request");
    crate::metrics::moderation_action("erase", erased);
    Ok(erased)
}
