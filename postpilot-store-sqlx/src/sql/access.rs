//! Sessions, API tokens and one-time links (`AccessRepository`): the
//! statements both backends run.

pub(crate) const END_STALE_SESSIONS: &str = "DELETE FROM user_session WHERE expires_at <= $1";

pub(crate) const START_SESSION: &str =
    "INSERT INTO user_session (key_hash, user_id, csrf, expires_at) VALUES ($1, $2, $3, $4)";

pub(crate) const SESSION: &str = "SELECT s.csrf, s.expires_at AS session_expires_at, \
     u.id, u.email, u.full_name, u.role, u.blocked, u.confirmed, u.created_at, u.last_login_at \
     FROM user_session AS s JOIN app_user AS u ON u.id = s.user_id \
     WHERE s.key_hash = $1 AND s.expires_at > $2";

pub(crate) const END_SESSION: &str = "DELETE FROM user_session WHERE key_hash = $1";

pub(crate) const ADD_TOKEN: &str = "INSERT INTO api_token (user_id, name, key_hash, created_at) \
     VALUES ($1, $2, $3, $4) \
     RETURNING id AS token_id, user_id, name AS token_name, \
     created_at AS token_created_at, last_used_at AS token_last_used_at";

pub(crate) const TOKEN: &str = "SELECT t.id AS token_id, t.user_id, t.name AS token_name, \
     t.created_at AS token_created_at, t.last_used_at AS token_last_used_at, \
     u.id, u.email, u.full_name, u.role, u.blocked, u.confirmed, u.created_at, u.last_login_at \
     FROM api_token AS t JOIN app_user AS u ON u.id = t.user_id WHERE t.key_hash = $1";

pub(crate) const NOTE_TOKEN_USE: &str = "UPDATE api_token SET last_used_at = $2 WHERE id = $1";

pub(crate) const LIST_TOKENS: &str = "SELECT id AS token_id, user_id, name AS token_name, \
     created_at AS token_created_at, last_used_at AS token_last_used_at \
     FROM api_token WHERE user_id = $1 ORDER BY id";

pub(crate) const REVOKE_TOKEN: &str = "DELETE FROM api_token WHERE user_id = $1 AND id = $2";

pub(crate) const END_STALE_LINKS: &str = "DELETE FROM user_link WHERE expires_at <= $1";

pub(crate) const ADD_LINK: &str =
    "INSERT INTO user_link (key_hash, user_id, purpose, expires_at) VALUES ($1, $2, $3, $4)";

pub(crate) const TAKE_LINK: &str = "DELETE FROM user_link \
     WHERE key_hash = $1 AND purpose = $2 AND expires_at > $3 RETURNING user_id";

/// Every setup key: a new one replaces them.
pub(crate) const END_SETUP_KEYS: &str = "DELETE FROM setup_key";

/// `$1` the key's hash, `$2` when it expires.
pub(crate) const ADD_SETUP_KEY: &str =
    "INSERT INTO setup_key (key_hash, expires_at) VALUES ($1, $2)";

/// `$1` the key's hash, `$2` now.
pub(crate) const SETUP_KEY_LIVE: &str =
    "SELECT count(*) FROM setup_key WHERE key_hash = $1 AND expires_at > $2";
