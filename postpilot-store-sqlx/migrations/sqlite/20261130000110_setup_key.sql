-- The one-time setup key (ARCHITECTURE.md, "Users and ownership"): printed
-- by `serve` on a database without an admin, it opens /setup/KEY, which
-- adds the first admin. Only its SHA-256 is kept, in hex; at most one row
-- (each start replaces it). No user yet, so not a user_link.
CREATE TABLE setup_key (
    key_hash   TEXT PRIMARY KEY NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT;
