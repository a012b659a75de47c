//! What a change of members names (the selection posted) and why one was
//! refused.

use postpilot_core::ports::{Entity, StoreError};
use postpilot_core::{ListId, RecipientId, RecipientIds, Search, Selection};

use crate::csrf::FormData;
use crate::ui::form::problem_text;
use crate::ui::UiError;

/// The selection a posted form names, or why it names none. Recipient
/// ids may come one a field or many in one, apart by commas or spaces.
pub(crate) fn selection(form: &FormData) -> Result<Selection, String> {
    if form.get("all").is_some() {
        return Ok(Selection::All);
    }
    if let Some(list) = form.get("list_id") {
        return crate::api::extract::parse_id(list)
            .map(|id| Selection::List(ListId(id)))
            .ok_or_else(|| "Неверный список.".to_owned());
    }
    if let Some(text) = form.get("search") {
        return Search::parse(text)
            .map(Selection::Matching)
            .map_err(|e| format!("Поиск: {}", problem_text(&e.problem)));
    }
    let ids: Option<Vec<RecipientId>> = form
        .all("recipient_ids")
        .flat_map(|ids| ids.split(|c: char| c == ',' || c.is_whitespace()))
        .filter(|id| !id.is_empty())
        .map(|id| crate::api::extract::parse_id(id).map(RecipientId))
        .collect();
    match ids {
        Some(ids) if !ids.is_empty() => RecipientIds::new(ids)
            .map(Selection::Ids)
            .map_err(|e| problem_text(&e.problem)),
        Some(_) => Err("Выберите получателей.".to_owned()),
        None => Err("Неверный получатель.".to_owned()),
    }
}

#[derive(Clone, Copy)]
pub(crate) enum Change {
    Add,
    Remove,
}

/// Why a change naming a recipient or a list that is not there was
/// refused, for the page; any other error is the page's own.
pub(crate) fn refusal(err: postpilot_core::Error) -> Result<String, UiError> {
    match err {
        postpilot_core::Error::Store(StoreError::NotFound {
            entity: Entity::Recipient,
            id: missing,
        }) => Ok(format!("Получателя №{missing} нет (удалён?).")),
        postpilot_core::Error::Store(StoreError::NotFound {
            entity: Entity::List,
            id: missing,
        }) => Ok(format!("Списка №{missing} нет (удалён?).")),
        err => Err(err.into()),
    }
}
