//! The links in readers' email: confirming a subscription (the double opt-in) and ending
//! one. A GET of either link only shows a page with a button (mail scanners fetch links);
//! these run on the POST. Tokens are checked for their shape, then looked up by their hash;
//! log lines name the comment, never the token or the address.
use crate::notify::{CONFIRM_DAYS, is_token, token_hash};
use crate::store::{ConfirmOutcome, Store, StoreError, Subscription, TokenPurpose};

/// The subscription a link's token belongs to, if it is a genuine token of that purpose.
pub async fn subscription_for_link(
    store: &dyn Store,
    token: &str,
    purpose: TokenPurpose,
) -> Result<Option<Subscription>, StoreError> {
    if !is_token(token) {
        return Ok(None);
    }
    store.subscription(&token_hash(token), purpose).await
}

/// Whether a subscription made at `created_at` can still be confirmed at `now`.
pub fn confirmable(created_at: i64, now: i64) -> bool {
    created_at >= now - CONFIRM_DAYS * 24 * 60 * 60
}

/// Confirms the subscription of a confirmation link: from now on its emails are sent.
pub async fn confirm_subscription(
    store: &dyn Store,
    token: &str,
    now: i64,
) -> Result<ConfirmOutcome, StoreError> {
    if !is_token(token) {
        return Ok(ConfirmOutcome::NotFound);
    }
    let outcome = store
        .confirm(&token_hash(token), now, now - CONFIRM_DAYS * 24 * 60 * 60)
        .await?;
    if let ConfirmOutcome::Confirmed(subscription) = &outcome {
        tracing::info!(
            comment_id = subscription.comment_id,
            "a reader confirmed email about their comment"
        );
    }
    Ok(outcome)
}

/// Ends the subscription of an unsubscribe link, and cancels what it had queued. `None`
/// for a link that is not (or no longer) known.
pub async fn unsubscribe(
    store: &dyn Store,
    token: &str,
    now: i64,
) -> Result<Option<Subscription>, StoreError> {
    if !is_token(token) {
        return Ok(None);
    }
    let ended = store.unsubscribe(&token_hash(token), now).await?;
    if let Some(subscription) = &ended {
        tracing::info!(
            comment_id = subscription.comment_id,
            "a reader stopped email about their comment"
        );
    }
    Ok(ended)
}
