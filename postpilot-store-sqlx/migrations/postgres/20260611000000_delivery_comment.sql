-- The recipient's comment, copied at launch beside the email and the full
-- name: a personalised email ({{ comment }}) renders what the recipient
-- was when the run began, even if they are edited or deleted since.
ALTER TABLE delivery ADD COLUMN comment TEXT NOT NULL DEFAULT '';
