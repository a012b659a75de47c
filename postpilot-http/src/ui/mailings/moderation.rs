//! «Отключить» and «Включить» on the mailing page (ARCHITECTURE.md,
//! "Users and ownership"): a manager or an admin stops any mailing they
//! see from being sent, and allows it again. For a user's role both are
//! not found, as every door a role may not use.

use axum::response::Response;
use axum::Extension;
use maud::{html, Markup};
use postpilot_core::{Mailing, MailingId};

use crate::auth::{Acting, Session};
use crate::csrf::CsrfForm;
use crate::state::{AppState, Wiring};
use crate::ui::form::csrf_field;
use crate::ui::layout::Notice;
use crate::ui::{parse_id, see_other_with, IdPath, UiError};

/// The form whose button disables the mailing, or enables it again.
pub(super) fn button(session: &Session, m: &Mailing) -> Markup {
    let (action, label) = if m.is_disabled() {
        ("enable", "Включить рассылку")
    } else {
        ("disable", "Отключить рассылку")
    };
    html! {
        form.inline method="post" action={ "/mailings/" (m.id) "/" (action) } {
            (csrf_field(&session.csrf))
            button.secondary #(action) type="submit" { (label) }
        }
    }
}

/// `POST /mailings/{id}/disable`.
pub(super) async fn disable<W: Wiring>(
    Acting(app): Acting<W>,
    Extension(session): Extension<Session>,
    IdPath(id): IdPath,
    CsrfForm { .. }: CsrfForm,
) -> Result<Response, UiError> {
    set(&app, &session, &id, true).await
}

/// `POST /mailings/{id}/enable`.
pub(super) async fn enable<W: Wiring>(
    Acting(app): Acting<W>,
    Extension(session): Extension<Session>,
    IdPath(id): IdPath,
    CsrfForm { .. }: CsrfForm,
) -> Result<Response, UiError> {
    set(&app, &session, &id, false).await
}

async fn set<W: Wiring>(
    app: &AppState<W>,
    session: &Session,
    id: &str,
    disabled: bool,
) -> Result<Response, UiError> {
    let id = MailingId(parse_id(id)?);
    app.mailings()
        .set_disabled(&session.actor, id, disabled)
        .await?;
    let notice = if disabled {
        Notice::MailingDisabled
    } else {
        Notice::MailingEnabled
    };
    Ok(see_other_with(&format!("/mailings/{id}"), notice))
}
