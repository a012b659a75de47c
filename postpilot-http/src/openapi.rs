//! The OpenAPI document at `/api/v1/openapi.json`, generated from the
//! handlers' own annotations (utoipa); a test checks that every documented
//! operation is routed and that answers use documented status codes.

use std::sync::OnceLock;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::api;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "postpilot",
        description = "Mailing campaigns: recipients, messages, mailings, sending and its record. \
            Every operation needs `Authorization: Bearer <token>`. Errors have one shape: \
            `{\"error\": {\"code\", \"message\", \"field\"}}`. Times are RFC 3339."
    ),
    paths(
        api::recipients::list, api::recipients::create, api::recipients::show,
        api::recipients::update, api::recipients::remove,
        api::messages::list, api::messages::create, api::messages::show,
        api::messages::update, api::messages::remove,
        api::mailings::list, api::mailings::create, api::mailings::show,
        api::mailings::update, api::mailings::remove, api::mailings::send,
        api::mailings::runs, api::mailings::run, api::mailings::attempts,
        api::stats::show,
    ),
    modifiers(&BearerAuth, &TooManyWrongTokens),
    security(("bearer" = [])),
    tags(
        (name = "recipients", description = "Получатели"),
        (name = "messages", description = "Сообщения"),
        (name = "mailings", description = "Рассылки, their sending, runs and attempts"),
        (name = "stats", description = "The home page's figures"),
    )
)]
pub(crate) struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// Every operation that can answer 401 can also answer 429: a client that
/// presented too many wrong tokens is refused for a while (see `limit`).
struct TooManyWrongTokens;

impl Modify for TooManyWrongTokens {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for operation in operations.into_iter().flatten() {
                let responses = &mut operation.responses.responses;
                let Some(utoipa::openapi::RefOr::T(unauthorized)) = responses.get("401") else {
                    continue;
                };
                let mut limited = unauthorized.clone();
                limited.description = "Too many wrong tokens from this client: wait for \
                    `Retry-After` seconds (the right token is refused too until then)"
                    .to_owned();
                responses.insert("429".to_owned(), utoipa::openapi::RefOr::T(limited));
            }
        }
    }
}

/// The document as JSON, built once.
pub fn openapi_json() -> &'static str {
    static DOCUMENT: OnceLock<String> = OnceLock::new();
    DOCUMENT.get_or_init(|| {
        ApiDoc::openapi()
            .to_pretty_json()
            .unwrap_or_else(|_| String::from("{}"))
    })
}

/// `GET /api/v1/openapi.json` (no token needed).
pub(crate) async fn document() -> Response {
    (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        openapi_json(),
    )
        .into_response()
}
