//! The statements both backends run as written, one file per repository
//! port (ARCHITECTURE.md, "Store"). Placeholders are numbered (`$1`, `$2`,
//! …) on both: sqlx binds SQLite's `$NNN` by its number as PostgreSQL does.
//! Each statement's comment says what each placeholder is; a value that
//! appears twice reuses its placeholder. A statement one backend writes its
//! own way is in that backend's file for the port, beside the method bodies.

pub(crate) mod access;
pub(crate) mod attempts;
pub(crate) mod lists;
pub(crate) mod mailings;
pub(crate) mod members;
pub(crate) mod messages;
pub(crate) mod queue;
pub(crate) mod recipients;
pub(crate) mod runs;
pub(crate) mod stats;
pub(crate) mod suppression;
pub(crate) mod users;
