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
    let field = match &err {
        postpilot_core::Error::Store(StoreError::NotFound { entity, .. }) => match entity {
            Entity::Message => Some("message_id"),
            Entity::Recipient => Some("recipient_ids"),
            Entity::List => Some("list_id"),
            _ => None,
        },
        _ => None,
    };
    match field {
        Some(field) => ApiError::invalid(field, format!("{field}: {err}")),
        None => err.into(),
    }
}
