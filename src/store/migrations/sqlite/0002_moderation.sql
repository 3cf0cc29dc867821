-- Moderator accounts. Passwords are Argon2id PHC strings; there is no default account.
CREATE TABLE moderators (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    username      TEXT    NOT NULL UNIQUE,
    password_hash TEXT    NOT NULL,
    created_at    INTEGER NOT NULL
);

-- Sign-in sessions, stored as SHA-256 of the cookie's token so that a copy of the
-- database does not hand out working cookies. Shared by every instance.
CREATE TABLE sessions (
    token_hash   TEXT    PRIMARY KEY,
    moderator_id INTEGER NOT NULL REFERENCES moderators (id) ON DELETE CASCADE,
    csrf_token   TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL
);

-- Failed sign-ins, for throttling per username and client.
CREATE TABLE login_failures (
    username    TEXT    NOT NULL,
    client_hash TEXT    NOT NULL,
    at          INTEGER NOT NULL
);
CREATE INDEX login_failures_by_key ON login_failures (username, client_hash, at);

-- The audit trail: every moderation action. No foreign key, so that the record of a
-- deletion outlives the comment.
CREATE TABLE comment_events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    comment_id INTEGER NOT NULL,
    action     TEXT    NOT NULL,
    moderator  TEXT    NOT NULL,
    at         INTEGER NOT NULL
);
CREATE INDEX comment_events_by_comment ON comment_events (comment_id, id);

-- Answers from the editorial team are published replies marked as such.
ALTER TABLE comments ADD COLUMN editorial INTEGER NOT NULL DEFAULT 0;

-- One row per change to what readers see in a section, so that every instance (and a
-- server after a command-line change) can re-render the pages that changed.
CREATE TABLE page_revisions (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    section TEXT    NOT NULL,
    at      INTEGER NOT NULL
);
