-- Moderation tools (issue 16): undo, edits, the site-wide activity log, email action links.

-- The audit trail says what each action did, so that it can be undone and stays readable
-- after the comment is gone: the section, the state before and after (NULL for entries
-- that change no state, such as an answer or an edit), and a detail (an edit's reason,
-- the id of an answer). Never the text a moderator removed.
ALTER TABLE comment_events ADD COLUMN section TEXT;
ALTER TABLE comment_events ADD COLUMN from_status TEXT;
ALTER TABLE comment_events ADD COLUMN to_status TEXT;
ALTER TABLE comment_events ADD COLUMN detail TEXT;
UPDATE comment_events SET section = (SELECT section FROM comments WHERE comments.id = comment_events.comment_id);
-- The activity log reads newest first, by moderator or action.
CREATE INDEX comment_events_by_time ON comment_events (at, id);

-- Sign-ins, failed sign-ins and sign-outs for the activity log. `username` is an existing
-- account's name or 'unknown user': never whatever was typed, which may be a password.
CREATE TABLE sign_in_events (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT    NOT NULL,
    action   TEXT    NOT NULL,
    at       INTEGER NOT NULL
);
CREATE INDEX sign_in_events_by_time ON sign_in_events (at, id);

-- Links in moderators' email that have been used: each works once. The primary key makes
-- the second use fail even when two clicks race.
CREATE TABLE email_links_used (
    nonce      TEXT    PRIMARY KEY,
    comment_id INTEGER NOT NULL,
    action     TEXT    NOT NULL,
    moderator  TEXT    NOT NULL,
    at         INTEGER NOT NULL
);
