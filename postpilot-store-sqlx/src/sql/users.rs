//! Users (`UserRepository`): the statements both backends run.

pub(crate) const INSERT_USER: &str = "INSERT INTO app_user \
     (email, full_name, password_hash, role, blocked, confirmed, created_at) \
     VALUES ($1, $2, $3, $4, false, $5, $6) \
     RETURNING id, email, full_name, role, blocked, confirmed, created_at, last_login_at";

pub(crate) const GET_USER: &str = "SELECT id, email, full_name, role, blocked, confirmed, \
     created_at, last_login_at FROM app_user WHERE id = $1";

pub(crate) const USER_BY_EMAIL: &str = "SELECT id, email, full_name, role, blocked, confirmed, \
     created_at, last_login_at, password_hash FROM app_user WHERE lower(email) = lower($1)";

/// A page of users (`$1` rows from offset `$2`), each with what they own
/// and have launched counted at `$3` (now): one correlated count per
/// listed user on the owner indexes (`*_by_owner`, `send_run_by_launcher`),
/// so a page costs the same however many users there are.
pub(crate) const LIST_USERS: &str = "SELECT u.id, u.email, u.full_name, u.role, u.blocked, \
     u.confirmed, u.created_at, u.last_login_at, \
     (SELECT count(*) FROM recipient WHERE owner_id = u.id) AS recipients, \
     (SELECT count(*) FROM message WHERE owner_id = u.id) AS messages, \
     (SELECT count(*) FROM mailing WHERE owner_id = u.id) AS mailings, \
     (SELECT count(*) FROM mailing WHERE owner_id = u.id \
     AND launched_at IS NOT NULL AND sent_completed_at > $3) AS mailings_active, \
     (SELECT count(*) FROM send_run WHERE launched_by = u.id) AS runs_launched \
     FROM app_user AS u ORDER BY u.id LIMIT $1 OFFSET $2";

pub(crate) const FIRST_ADMIN: &str =
    "SELECT id FROM app_user WHERE role = 'admin' ORDER BY id LIMIT 1";

pub(crate) const COUNT_USERS: &str = "SELECT count(*) FROM app_user";

pub(crate) const SET_ROLE: &str = "UPDATE app_user SET role = $2 WHERE id = $1 \
     RETURNING id, email, full_name, role, blocked, confirmed, created_at, last_login_at";

pub(crate) const SET_BLOCKED: &str = "UPDATE app_user SET blocked = $2 WHERE id = $1 \
     RETURNING id, email, full_name, role, blocked, confirmed, created_at, last_login_at";

pub(crate) const SET_PASSWORD: &str = "UPDATE app_user SET password_hash = $2 WHERE id = $1";

pub(crate) const CONFIRM_USER: &str = "UPDATE app_user SET confirmed = true WHERE id = $1 \
     RETURNING id, email, full_name, role, blocked, confirmed, created_at, last_login_at";

pub(crate) const NOTE_LOGIN: &str = "UPDATE app_user SET last_login_at = $2 WHERE id = $1";

pub(crate) const END_SESSIONS_OF: &str = "DELETE FROM user_session WHERE user_id = $1";

/// What the first admin adopts: the rows of every owned table that have no
/// owner (made by the system before any admin existed) go to user `$1`
/// (ARCHITECTURE.md, "Users and ownership").
pub(crate) const ADOPT_UNOWNED: [&str; 4] = [
    "UPDATE recipient SET owner_id = $1 WHERE owner_id IS NULL",
    "UPDATE message SET owner_id = $1 WHERE owner_id IS NULL",
    "UPDATE mailing SET owner_id = $1 WHERE owner_id IS NULL",
    "UPDATE recipient_list SET owner_id = $1 WHERE owner_id IS NULL",
];

/// Spends the setup key: `$1` its hash, `$2` now; a row back if it was live.
pub(crate) const TAKE_SETUP_KEY: &str =
    "DELETE FROM setup_key WHERE key_hash = $1 AND expires_at > $2 RETURNING key_hash";
