//! The OpenAPI document at `/api/v1/openapi.json`, generated from the
//! handlers' own annotations (utoipa); a test checks that every documented
//! operation is routed and that answers use documented status codes.

use std::sync::OnceLock;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use utoipa::openapi::header::{Header, HeaderBuilder};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::RefOr;
use utoipa::{Modify, OpenApi};

use crate::api;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "postpilot",
        description = "Mailing campaigns: recipients, lists, messages, mailings, sending and its record. \
            Every operation needs `Authorization: Bearer <token>`. Errors have one shape: \
            `{\"error\": {\"code\", \"message\", \"field\"}}`. Times are RFC 3339."
    ),
    paths(
        api::recipients::list, api::recipients::create, api::recipients::show,
        api::recipients::update, api::recipients::remove,
        api::suppression::show, api::suppression::resubscribe, api::suppression::list,
        api::messages::list, api::messages::create, api::messages::show,
        api::messages::update, api::messages::remove, api::messages::preview,
        api::messages::send_test,
        api::mailings::list, api::mailings::create, api::mailings::show,
        api::mailings::update, api::mailings::remove, api::mailings::send,
        api::mailings::runs, api::mailings::run, api::mailings::attempts,
        api::mailings::recipients, api::mailings::add_recipients,
        api::mailings::remove_recipients,
        api::moderation::disable, api::moderation::enable,
        api::lists::list, api::lists::create, api::lists::show, api::lists::rename,
        api::lists::remove, api::lists::members, api::lists::add_members,
        api::lists::remove_members,
        api::stats::show,
        api::users::me, api::users::list, api::users::create, api::users::set_role,
        api::users::block, api::users::unblock, api::users::tokens, api::users::make_token,
        api::users::revoke_token,
    ),
    modifiers(&BearerAuth, &ErrorAnswers),
    security(("bearer" = [])),
    tags(
        (name = "recipients", description = "Получатели"),
        (name = "messages", description = "Сообщения"),
        (name = "mailings", description = "Рассылки, their sending, runs and attempts"),
        (name = "lists", description = "Списки: named groups of recipients"),
        (name = "stats", description = "The home page's figures"),
        (name = "users", description = "Пользователи, roles and API tokens"),
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

/// What each error status means, the same for every operation: the
/// descriptions left empty in the handlers' annotations are filled in
/// here, `401` names its `WWW-Authenticate` header, and every operation
/// that can answer 401 can also answer 429 with `Retry-After` (a client
/// that presented too many wrong tokens is refused for a while, see
/// `limit`).
struct ErrorAnswers;

const ERROR_MEANINGS: [(&str, &str); 7] = [
    (
        "400",
        "The body is not a JSON object: malformed JSON, not UTF-8, empty, or another \
         JSON value (an array, a string, a number, …)",
    ),
    (
        "401",
        "No token, or a wrong one: `Authorization: Bearer <token>`",
    ),
    ("404", "The id in the path names nothing"),
    ("413", "The body is larger than 4 MiB"),
    (
        "415",
        "The body is not sent as JSON (`Content-Type: application/json` or `…+json`)",
    ),
    (
        "422",
        "A field (or query parameter) breaks its rule; `field` names it. Unknown, repeated \
         and missing required fields, values of the wrong type and null in a required field \
         are refused too",
    ),
    (
        "429",
        "Too many wrong tokens from this client: wait for `Retry-After` seconds (the right \
         token is refused too until then)",
    ),
];

fn header(description: &str, schema_type: Type) -> Header {
    HeaderBuilder::new()
        .schema(ObjectBuilder::new().schema_type(schema_type))
        .description(Some(description))
        .build()
}

impl Modify for ErrorAnswers {
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
                if let Some(RefOr::T(unauthorized)) = responses.get("401") {
                    let limited = unauthorized.clone();
                    responses.insert("429".to_owned(), RefOr::T(limited));
                }
                for (status, response) in responses.iter_mut() {
                    let RefOr::T(response) = response else {
                        continue;
                    };
                    if response.description.is_empty() && status.starts_with('2') {
                        response.description = "OK".to_owned();
                    }
                    let meaning = ERROR_MEANINGS.iter().find(|(s, _)| s == status);
                    if let Some((_, meaning)) = meaning {
                        if response.description.is_empty() || status == "429" {
                            response.description = (*meaning).to_owned();
                        }
                    }
                    match status.as_str() {
                        "401" => {
                            response.headers.insert(
                                "WWW-Authenticate".to_owned(),
                                header("`Bearer realm=\"postpilot\"`", Type::String),
                            );
                        }
                        "429" => {
                            response.headers.insert(
                                "Retry-After".to_owned(),
                                header("Seconds until this client may try again", Type::Integer),
                            );
                        }
                        _ => {}
                    }
                }
            }
        }
    }
}

/// The document as JSON, built once.
pub fn openapi_json() -> &'static str {
    static DOCUMENT: OnceLock<String> = OnceLock::new();
    DOCUMENT.get_or_init(|| {
        let mut document = serde_json::to_value(ApiDoc::openapi()).unwrap_or_default();
        camel_case_links(&mut document);
        // utoipa derives `maxProperties` but not `minProperties`.
        document["components"]["schemas"]["SelectionJson"]["minProperties"] = 1.into();
        serde_json::to_string_pretty(&document).unwrap_or_else(|_| String::from("{}"))
    })
}

/// utoipa 5 writes a Link Object's `operationId` and `requestBody` in
/// snake case, which the OpenAPI schema refuses and tools ignore: renames
/// them in every response's `links`.
fn camel_case_links(document: &mut serde_json::Value) {
    let operations = document["paths"]
        .as_object_mut()
        .into_iter()
        .flat_map(|paths| paths.values_mut())
        .filter_map(serde_json::Value::as_object_mut)
        .flat_map(|item| item.values_mut());
    let responses = operations
        .filter_map(|operation| operation.get_mut("responses"))
        .filter_map(serde_json::Value::as_object_mut)
        .flat_map(|responses| responses.values_mut());
    let links = responses
        .filter_map(|response| response.get_mut("links"))
        .filter_map(serde_json::Value::as_object_mut)
        .flat_map(|links| links.values_mut())
        .filter_map(serde_json::Value::as_object_mut);
    for link in links {
        for (snake, camel) in [
            ("operation_id", "operationId"),
            ("operation_ref", "operationRef"),
            ("request_body", "requestBody"),
        ] {
            if let Some(value) = link.remove(snake) {
                link.insert(camel.to_owned(), value);
            }
        }
    }
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
