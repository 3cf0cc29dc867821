//! Readers' email queued inside other transactions: the subscription and confirmation
//! stored with a comment, "published", "answered" and "reply" emails queued by approvals
//! and answers, and what erasure and deletion take away. Each runs on the caller's
//! connection, so that a change and its email commit together (or not at all).
use sqlx::AnyConnection;

use super::subscriptions::NotifyRequest;
use crate::text;

/// Inside the transaction that stores comment `comment_id`: its subscription and the
/// confirmation email, the only one sent before the reader confirms.
pub(super) async fn subscribe(
    tx: &mut AnyConnection,
    comment_id: i64,
    email: &str,
    request: NotifyRequest,
    at: i64,
) -> std::result::Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO subscriptions (comment_id, published, replies, created_at) \
         VALUES ($1, $2, $3, $4)",
    )
    .bind(comment_id)
    .bind(request.published)
    .bind(request.replies)
    .bind(at)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO mail_outbox (comment_id, email_key, kind, created_at, next_attempt_at) \
         VALUES ($1, $2, 'confirm', $3, $3)",
    )
    .bind(comment_id)
    .bind(text::email_key(email))
    .bind(at)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Inside the transaction that makes comment `id` public: "published" to its confirmed
/// subscriber (once per subscription; not when `answered`, since the answer's email says
/// so too), and, when it is a reply, "reply" to the confirmed subscriber of replies to its
/// parent (unless the same address wrote both, and once per reply).
pub(super) async fn queue_on_approval(
    tx: &mut AnyConnection,
    id: i64,
    at: i64,
    answered: bool,
) -> std::result::Result<(), sqlx::Error> {
    if !answered {
        sqlx::query(
            "INSERT INTO mail_outbox (comment_id, email_key, kind, created_at, next_attempt_at) \
             SELECT s.comment_id, c.email_key, 'published', $2, $2 \
             FROM subscriptions s JOIN comments c ON c.id = s.comment_id \
             WHERE s.comment_id = $1 AND s.confirmed_at IS NOT NULL AND s.published \
             AND NOT s.published_sent",
        )
        .bind(id)
        .bind(at)
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query(
        "UPDATE subscriptions SET published_sent = TRUE \
         WHERE comment_id = $1 AND confirmed_at IS NOT NULL",
    )
    .bind(id)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO mail_outbox (comment_id, email_key, kind, about_id, created_at, \
         next_attempt_at) \
         SELECT s.comment_id, p.email_key, 'reply', r.id, $2, $2 \
         FROM comments r JOIN comments p ON p.id = r.parent_id \
         JOIN subscriptions s ON s.comment_id = p.id \
         WHERE r.id = $1 AND s.confirmed_at IS NOT NULL AND s.replies \
         AND p.email_key <> r.email_key \
         AND NOT EXISTS (SELECT 1 FROM mail_outbox o WHERE o.comment_id = s.comment_id \
         AND o.about_id = r.id AND o.kind IN ('reply', 'answered'))",
    )
    .bind(id)
    .bind(at)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Inside the transaction that publishes answer `answer_id` to comment `answered_id`:
/// "answered" to the comment's confirmed subscriber (either box), and, when the answer
/// joins another comment's thread (`thread_id`, the answered comment being a reply in it),
/// "reply" to that comment's subscriber of replies, unless it is the same address.
pub(super) async fn queue_on_answer(
    tx: &mut AnyConnection,
    answered_id: i64,
    answer_id: i64,
    thread_id: i64,
    at: i64,
) -> std::result::Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO mail_outbox (comment_id, email_key, kind, about_id, created_at, \
         next_attempt_at) \
         SELECT s.comment_id, c.email_key, 'answered', $2, $3, $3 \
         FROM subscriptions s JOIN comments c ON c.id = s.comment_id \
         WHERE s.comment_id = $1 AND s.confirmed_at IS NOT NULL AND (s.published OR s.replies)",
    )
    .bind(answered_id)
    .bind(answer_id)
    .bind(at)
    .execute(&mut *tx)
    .await?;
    if thread_id != answered_id {
        sqlx::query(
            "INSERT INTO mail_outbox (comment_id, email_key, kind, about_id, created_at, \
             next_attempt_at) \
             SELECT s.comment_id, t.email_key, 'reply', $2, $3, $3 \
             FROM subscriptions s JOIN comments t ON t.id = s.comment_id \
             JOIN comments a ON a.id = $4 \
             WHERE s.comment_id = $1 AND s.confirmed_at IS NOT NULL AND s.replies \
             AND t.email_key <> a.email_key",
        )
        .bind(thread_id)
        .bind(answer_id)
        .bind(at)
        .bind(answered_id)
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

/// Inside an erasure: every subscription, token and outbox entry of the address `key`.
pub(super) async fn erase_address(
    tx: &mut AnyConnection,
    key: &str,
) -> std::result::Result<(), sqlx::Error> {
    for sql in [
        "DELETE FROM subscription_tokens WHERE comment_id IN \
         (SELECT id FROM comments WHERE email_key = $1)",
        "DELETE FROM subscriptions WHERE comment_id IN \
         (SELECT id FROM comments WHERE email_key = $1)",
        "DELETE FROM mail_outbox WHERE email_key = $1",
    ] {
        sqlx::query(sql).bind(key).execute(&mut *tx).await?;
    }
    Ok(())
}

/// Inside a deletion of comment `id`: its outbox entries (its subscription and tokens go
/// with it by their foreign keys).
pub(super) async fn forget_comment(
    tx: &mut AnyConnection,
    id: i64,
) -> std::result::Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM mail_outbox WHERE comment_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    Ok(())
}
