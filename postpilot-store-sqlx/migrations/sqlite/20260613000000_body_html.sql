-- A message's optional HTML version, sent beside the text as
-- multipart/alternative; each run keeps the one it sends.
ALTER TABLE message ADD COLUMN body_html TEXT;
ALTER TABLE send_run ADD COLUMN body_html TEXT;
