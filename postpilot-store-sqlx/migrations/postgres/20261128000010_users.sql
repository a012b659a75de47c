-- Users, their UI sessions, API tokens and one-time links (ARCHITECTURE.md,
-- "Users and ownership"). Keys are never stored: only the SHA-256 of each,
-- in hex. The login is unique case-insensitively (lower(email)), exact for
-- the ASCII-only addresses the domain admits.
CREATE TABLE app_user (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email         TEXT NOT NULL,
    full_name     TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('user', 'manager', 'admin')),
    blocked       BOOLEAN NOT NULL DEFAULT false,
    confirmed     BOOLEAN NOT NULL DEFAULT true,
    created_at    TIMESTAMPTZ NOT NULL,
    last_login_at TIMESTAMPTZ
);
CREATE UNIQUE INDEX app_user_email_key ON app_user (lower(email));

CREATE TABLE user_session (
    key_hash   TEXT PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
    csrf       TEXT NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX user_session_by_user ON user_session (user_id);
CREATE INDEX user_session_by_end ON user_session (expires_at);

CREATE TABLE api_token (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    key_hash     TEXT NOT NULL UNIQUE,
    created_at   TIMESTAMPTZ NOT NULL,
    last_used_at TIMESTAMPTZ
);
CREATE INDEX api_token_by_user ON api_token (user_id);

CREATE TABLE user_link (
    key_hash   TEXT PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
    purpose    TEXT NOT NULL CHECK (purpose IN ('confirm', 'reset')),
    expires_at TIMESTAMPTZ NOT NULL
);
