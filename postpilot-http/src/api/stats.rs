//! `/api/v1/stats`: the home page's figures.

use axum::routing::get;
use axum::{Json, Router};

use super::model::StatsJson;
use crate::auth::Acting;
use crate::error::{ApiError, ErrorBody};
use crate::state::{AppState, Wiring};

pub(crate) fn routes<W: Wiring>() -> Router<AppState<W>> {
    Router::new().route("/stats", get(show::<W>))
}

/// All mailings, active (Запущена) mailings, unique recipients, and more.
#[utoipa::path(get, path = "/api/v1/stats", tag = "stats", operation_id = "showStats",
    responses((status = 200, body = StatsJson), (status = 401, body = ErrorBody)))]
pub(crate) async fn show<W: Wiring>(Acting(app): Acting<W>) -> Result<Json<StatsJson>, ApiError> {
    Ok(Json(app.statistics().get().await?.into()))
}
