-- Reader comments. Emails and client hashes are private: never shown on public pages.
CREATE TABLE comments (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    section     TEXT    NOT NULL,
    parent_id   INTEGER REFERENCES comments (id) ON DELETE CASCADE,
    author      TEXT    NOT NULL,
    email       TEXT    NOT NULL,
    url         TEXT,
    body        TEXT    NOT NULL,
    status      TEXT    NOT NULL CHECK (status IN ('pending', 'approved', 'spam', 'trash')),
    created_at  INTEGER NOT NULL,
    client_hash TEXT,
    user_agent  TEXT,
    flag_reason TEXT
);

-- Public pages read approved comments of one section in order.
CREATE INDEX comments_by_section ON comments (section, status, id);
-- Returning commenters are recognised by name and email.
CREATE INDEX comments_by_author ON comments (author, email, status);
-- An exact duplicate (same section, author and text) is refused, even under concurrency.
CREATE UNIQUE INDEX comments_no_duplicates ON comments (section, author, body);

-- Secrets shared by every instance: the client-hash salt, the preview-link key.
CREATE TABLE secrets (
    name  TEXT PRIMARY KEY,
    value BLOB NOT NULL
);
