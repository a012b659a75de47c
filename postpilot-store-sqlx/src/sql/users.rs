//! Users (`UserRepository`): the statements both backends run.

pub(crate) const INSERT_USER: &str = "INSERT INTO app_user \
     (email, full_name, password_hash, role, blocked, confirmed, created_at) \
     VALUES ($1, $2, $3, $4, false, $5, $6) \
     RETURNING id, email, full_name, role, blocked, confirmed, created_at, last_login_at";

pub(crate) const GET_USER: &str = "SELECT id, email, full_name, role, blocked, confirmed, \
     created_at, last_login_at FROM app_user WHERE id = $1";

pub(crate) const USER_BY_EMAIL: &str = "SELECT id, email, full_name, role, blocked, confirmed, \
     created_at, last_login_at, password_hash FROM app_user WHERE lower(email) = lower($1)";

pub(crate) const LIST_USERS: &str = "SELECT id, email, full_name, role, blocked, confirmed, \
     created_at, last_login_at FROM app_user ORDER BY id LIMIT $1 OFFSET $2";

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
