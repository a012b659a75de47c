//! `/api/v1/stats`: the home page's figures.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};

use super::model::StatsJson;
use crate::error::{ApiError, ErrorBody};
use crate::state::{AppClock, AppMailer, AppState, AppStore};

pub(crate) fn routes<S: AppStore, M: AppMailer, C: AppClock>() -> Router<AppState<S, M, C>> {
    Router::new().route("/stats", get(show::<S, M, C>))
}

/// All mailings, active (Запущена) mailings, unique recipients, and more.
#[utoipa::path(get, path = "/api/v1/stats", tag = "stats", operation_id = "showStats",
    responses((status = 200, body = StatsJson), (status = 401, body = ErrorBody)))]
pub(crate) async fn show<S: AppStore, M: AppMailer, C: AppClock>(
    State(app): State<AppState<S, M, C>>,
) -> Result<Json<StatsJson>, ApiError> {
    Ok(Json(app.statistics().get().await?.into()))
}
