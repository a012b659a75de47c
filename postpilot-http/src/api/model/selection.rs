//! Which recipients a change of a mailing's recipients or a list's
//! members is about.

use postpilot_core::{InvalidField, ListId, Problem, RecipientId, RecipientIds, Search, Selection};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::api::rules::{self, as_sent, JsonId};

pub(crate) fn recipient_ids(ids: Vec<JsonId>) -> Result<RecipientIds, InvalidField> {
    RecipientIds::new(ids.into_iter().map(|JsonId(id)| RecipientId(id)).collect())
}
/// Which recipients to add or remove: exactly one of `recipient_ids`,
/// `all`, `search` or `list_id`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(min_properties = 1, max_properties = 1)]
pub struct SelectionJson {
    /// These recipients; each must exist.
    #[serde(default, deserialize_with = "rules::present")]
    #[schema(schema_with = rules::recipient_ids)]
    pub recipient_ids: Option<Vec<JsonId>>,
    #[serde(default, deserialize_with = "rules::present")]
    #[schema(schema_with = rules::all_true)]
    pub all: Option<bool>,
    /// Every recipient whose email or full name holds this text.
    #[serde(default, deserialize_with = "rules::present")]
    #[schema(schema_with = rules::search)]
    pub search: Option<String>,
    /// Every member of this list (Список); it must exist.
    #[serde(default, deserialize_with = "rules::present")]
    #[schema(schema_with = rules::list_id)]
    pub list_id: Option<JsonId>,
}

impl SelectionJson {
    pub fn validate(self) -> Result<Selection, InvalidField> {
        let one = |problem: &str| InvalidField::new("selection", Problem::Other(problem.into()));
        match (self.recipient_ids, self.all, self.search, self.list_id) {
            (Some(ids), None, None, None) => Ok(Selection::Ids(recipient_ids(ids)?)),
            (None, Some(true), None, None) => Ok(Selection::All),
            (None, Some(false), None, None) => Err(InvalidField::new(
                "all",
                Problem::Other("must be true".into()),
            )),
            (None, None, Some(text), None) => Ok(Selection::Matching(Search::parse(as_sent(
                "search",
                &text,
                Search::MAX_CHARS,
            )?)?)),
            (None, None, None, Some(JsonId(id))) => Ok(Selection::List(ListId(id))),
            (None, None, None, None) => {
                Err(one("give one of recipient_ids, all, search or list_id"))
            }
            _ => Err(one(
                "give only one of recipient_ids, all, search or list_id",
            )),
        }
    }
}
