-- Accounts have roles: `moderator` (the comment queue) and `editor` (the content preview
-- and problems), one or both, as a space-separated list in a fixed order. Accounts made
-- before roles existed were moderators.
ALTER TABLE moderators ADD COLUMN roles TEXT NOT NULL DEFAULT 'moderator';
