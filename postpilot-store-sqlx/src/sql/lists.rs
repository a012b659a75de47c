//! Lists of recipients (`ListRepository`): the statements both backends run.

/// The list `$1` with its member count.
pub(crate) const GET_LIST: &str = "SELECT l.id, l.name, \
     (SELECT count(*) FROM list_member AS m WHERE m.list_id = l.id) AS member_count \
     FROM recipient_list AS l WHERE l.id = $1";

/// A new list named `$1`; returns its id.
pub(crate) const INSERT_LIST: &str = "INSERT INTO recipient_list (name) VALUES ($1) RETURNING id";

/// A page of lists with their member counts, by name: `$1` its size, `$2`
/// its start.
pub(crate) const LIST_LISTS: &str = "SELECT l.id, l.name, \
     (SELECT count(*) FROM list_member AS m WHERE m.list_id = l.id) AS member_count \
     FROM recipient_list AS l ORDER BY l.name, l.id LIMIT $1 OFFSET $2";

/// List `$2` gets the name `$1`.
pub(crate) const RENAME_LIST: &str = "UPDATE recipient_list SET name = $1 WHERE id = $2";

/// Deletes list `$1`; its memberships go by ON DELETE CASCADE.
pub(crate) const DELETE_LIST: &str = "DELETE FROM recipient_list WHERE id = $1";
