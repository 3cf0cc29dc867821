-- Email addresses are matched by a key the server computes (Unicode case folding), so
-- that SQLite and PostgreSQL agree; lower() fills it for ASCII here, and the server
-- recomputes the key for the rest when it first opens the migrated database.
ALTER TABLE comments ADD COLUMN email_key TEXT NOT NULL DEFAULT '';
UPDATE comments SET email_key = lower(email);
CREATE INDEX comments_by_email ON comments (email_key);
DROP INDEX comments_by_author;

-- A reader's comment repeats another when the same email address wrote the same text in
-- the same section, whatever name it gives; answers from the editorial team never count,
-- so that a reader cannot block a moderator's answer by posting its text first.
-- `dedup_key` is a hash of (section, email key, text) that the server computes for readers'
-- comments; it is NULL for answers, and for an older comment that repeats another under the
-- new rule (the server fills the column for old rows when it first opens the database).
DROP INDEX comments_no_duplicates;
ALTER TABLE comments ADD COLUMN dedup_key TEXT;
CREATE UNIQUE INDEX comments_no_duplicates ON comments (dedup_key);

-- Sign-in attempts, for throttling. No typed username is kept: `key_hash` is a keyed hash
-- of it (a password typed into the username box is never stored). An attempt is recorded
-- before the password is checked, in one transaction with the count, so that concurrent
-- guesses cannot pass the limit; a successful sign-in clears them.
DROP TABLE login_failures;
CREATE TABLE sign_in_attempts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    key_hash    TEXT    NOT NULL,
    client_hash TEXT    NOT NULL,
    at          INTEGER NOT NULL
);
CREATE INDEX sign_in_attempts_by_key ON sign_in_attempts (key_hash, client_hash, at);
CREATE INDEX sign_in_attempts_by_time ON sign_in_attempts (at);
