//! Lists of recipients (`ListRepository`): the statements both backends run.

/// The list `$1` with its member count, if owned by `$2` (NULL: anyone's).
pub(crate) const GET_LIST: &str = "SELECT l.id, l.name, \
     (SELECT count(*) FROM list_member AS m WHERE m.list_id = l.id) AS member_count \
     FROM recipient_list AS l WHERE l.id = $1 AND ($2 IS NULL OR l.owner_id = $2)";

/// A new list named `$1` owned by `$2`; returns its id.
pub(crate) const INSERT_LIST: &str =
    "INSERT INTO recipient_list (name, owner_id) VALUES ($1, $2) RETURNING id";

/// A page of the lists of owner `$3` (NULL: anyone's) with their member
/// counts, by name: `$1` its size, `$2` its start.
pub(crate) const LIST_LISTS: &str = "SELECT l.id, l.name, \
     (SELECT count(*) FROM list_member AS m WHERE m.list_id = l.id) AS member_count \
     FROM recipient_list AS l WHERE ($3 IS NULL OR l.owner_id = $3) \
     ORDER BY l.name, l.id LIMIT $1 OFFSET $2";

/// List `$2`, if owned by `$3` (NULL: anyone's), gets the name `$1`.
pub(crate) const RENAME_LIST: &str =
    "UPDATE recipient_list SET name = $1 WHERE id = $2 AND ($3 IS NULL OR owner_id = $3)";

/// Deletes list `$1` if owned by `$2` (NULL: anyone's); its memberships go
/// by ON DELETE CASCADE.
pub(crate) const DELETE_LIST: &str =
    "DELETE FROM recipient_list WHERE id = $1 AND ($2 IS NULL OR owner_id = $2)";
