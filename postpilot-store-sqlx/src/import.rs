//! The part of a recipient import every backend shares: which rows reach
//! SQL, and matching what SQL inserted back to the input order. Each
//! backend's `recipients.rs` holds its import statement.

use std::collections::hash_map::{Entry, HashMap};

use postpilot_core::domain::{NewRecipient, RecipientId};

/// The ids of one import found so far.
#[derive(Debug)]
pub(crate) struct ImportPlan {
    /// In input order: the new id, or `None` for an email that already existed.
    pub(crate) ids: Vec<Option<RecipientId>>,
    first_of: HashMap<String, usize>,
    /// The input position of each row to insert (SQLite's import reads its
    /// new ids in this order).
    #[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
    order: Vec<usize>,
}

impl ImportPlan {
    /// The plan, and the rows to insert: the first row of each email
    /// (case-folded), in input order; later ones stay `None` without
    /// reaching SQL.
    pub(crate) fn new(rows: &[NewRecipient]) -> (Self, Vec<&NewRecipient>) {
        let mut first_of = HashMap::with_capacity(rows.len());
        let mut to_insert = Vec::with_capacity(rows.len());
        let mut order = Vec::with_capacity(rows.len());
        for (i, row) in rows.iter().enumerate() {
            if let Entry::Vacant(slot) = first_of.entry(row.email.key()) {
                slot.insert(i);
                to_insert.push(row);
                order.push(i);
            }
        }
        let plan = Self {
            ids: vec![None; rows.len()],
            first_of,
            order,
        };
        (plan, to_insert)
    }

    /// Notes that the `count` rows to insert from position `start` on got
    /// the ids from `first` on, one after another.
    #[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
    pub(crate) fn inserted_in_order(&mut self, start: usize, count: usize, first: i64) {
        for (&i, id) in self.order[start..start + count].iter().zip(first..) {
            self.ids[i] = Some(RecipientId(id));
        }
    }

    /// Notes rows SQL inserted, as `(id, email)` in any order (that of
    /// `RETURNING` is unspecified).
    pub(crate) fn inserted(&mut self, rows: impl IntoIterator<Item = (i64, String)>) {
        for (id, email) in rows {
            if let Some(&i) = self.first_of.get(&email.to_ascii_lowercase()) {
                self.ids[i] = Some(RecipientId(id));
            }
        }
    }
}
