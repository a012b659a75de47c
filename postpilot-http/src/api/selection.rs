//! What adding and removing recipients share, for a mailing's recipients
//! and a list's members alike: the body naming which recipients
//! ([`SelectionJson`]), and the errors of a selection that names nothing.

use axum::extract::{FromRequest, Request};
use postpilot_core::ports::{Entity, StoreError};
use postpilot_core::Selection;

use super::extract::ApiJson;
use super::model::SelectionJson;
use crate::error::ApiError;

/// A body naming recipients, validated: exactly one way to choose them.
#[derive(Debug)]
pub(crate) struct ApiSelection(pub Selection);

impl<S: Send + Sync> FromRequest<S> for ApiSelection {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let ApiJson(body) = ApiJson::<SelectionJson>::from_request(request, state).await?;
        Ok(Self(body.validate()?))
    }
}

/// Whether recipients are added or removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Change {
    Add,
    Remove,
}

/// A message, recipient or list named in the body that names nothing is a
/// bad field (422), not a missing resource at this URL.
pub(crate) fn reference_error(err: postpilot_core::Error) -> ApiError {
    referenced_in_body(
        err,
        &[
            (Entity::Message, "message_id"),
            (Entity::Recipient, "recipient_ids"),
            (Entity::List, "list_id"),
        ],
    )
}

/// As [`reference_error`], for a body whose fields name `fields`' entities
/// (each entity with the field that names it); any other missing entity
/// stays a 404.
pub(crate) fn referenced_in_body(
    err: postpilot_core::Error,
    fields: &[(Entity, &'static str)],
) -> ApiError {
    let field = match &err {
        postpilot_core::Error::Store(StoreError::NotFound { entity, .. }) => fields
            .iter()
            .find(|(named, _)| named == entity)
            .map(|(_, field)| *field),
        _ => None,
    };
    match field {
        Some(field) => ApiError::invalid(field, format!("{field}: {err}")),
        None => err.into(),
    }
}
