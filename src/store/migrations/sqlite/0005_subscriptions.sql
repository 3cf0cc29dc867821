-- Readers' email about their own comments (issue 17): a subscription per comment, the
-- tokens of the links in those emails, and the outbox the background sender drains.
-- (Numbered 5 but written after 6: sqlx applies any migration not yet applied, in order,
-- so a database already at 6 gets this one on its next start.)

-- One per comment at most, for the address the comment was posted with (read from the
-- comment: the address is not stored twice). `published`: "email me when my comment is
-- published or answered"; `replies`: "email me about new replies to it". Nothing but the
-- confirmation email is sent until `confirmed_at` is set; `published_sent` makes the
-- "published" email go once, however often the comment is unapproved and approved again.
-- Deleting or erasing the comment deletes its subscription.
CREATE TABLE subscriptions (
    comment_id     INTEGER PRIMARY KEY REFERENCES comments (id) ON DELETE CASCADE,
    published      INTEGER NOT NULL,
    replies        INTEGER NOT NULL,
    created_at     INTEGER NOT NULL,
    confirmed_at   INTEGER,
    published_sent INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX subscriptions_by_age ON subscriptions (confirmed_at, created_at);

-- The links in readers' email, by the SHA-256 of their random token: the token itself is
-- only ever in the email. `purpose` is `confirm` or `unsubscribe`.
CREATE TABLE subscription_tokens (
    hash       TEXT    PRIMARY KEY,
    comment_id INTEGER NOT NULL REFERENCES subscriptions (comment_id) ON DELETE CASCADE,
    purpose    TEXT    NOT NULL CHECK (purpose IN ('confirm', 'unsubscribe')),
    created_at INTEGER NOT NULL
);
CREATE INDEX subscription_tokens_by_comment ON subscription_tokens (comment_id);

-- Every email to a reader, queued in the transaction of what caused it (the submission, the
-- approval, the answer), so that none is lost on a restart. `kind`: confirm, published,
-- answered, reply; `about_id`: the reply or answer it tells of. `state`: queued, sending
-- (claimed by an instance until `claimed_until`), sent, dropped (over the daily limit),
-- failed (refused by the mail server, or too many attempts), cancelled (unsubscribed, or
-- what it was about is no longer public). `email_key` (the address's case-folded key)
-- counts mails per address for the daily limit and finds them for export and erasure;
-- finished rows are deleted after two days. No foreign key: the count outlives an
-- unsubscription.
CREATE TABLE mail_outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    comment_id      INTEGER NOT NULL,
    email_key       TEXT    NOT NULL,
    kind            TEXT    NOT NULL CHECK (kind IN ('confirm', 'published', 'answered', 'reply')),
    about_id        INTEGER,
    state           TEXT    NOT NULL DEFAULT 'queued'
                    CHECK (state IN ('queued', 'sending', 'sent', 'dropped', 'failed', 'cancelled')),
    created_at      INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    claimed_until   INTEGER,
    finished_at     INTEGER
);
CREATE INDEX mail_outbox_due ON mail_outbox (state, next_attempt_at);
CREATE INDEX mail_outbox_by_address ON mail_outbox (email_key, state, finished_at);
CREATE INDEX mail_outbox_by_comment ON mail_outbox (comment_id);
