//! What the path and the query carry: ids (404 when not one), `offset` and
//! `limit`, `q`; and their OpenAPI parameters.

use axum::extract::{FromRequestParts, Path, RawPathParams};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, Schema, SchemaFormat, SchemaType, Type};
use utoipa::openapi::{KnownFormat, RefOr, Required};
use utoipa::IntoParams;

use crate::error::ApiError;

/// An id as written in a path: a positive decimal number without sign or
/// leading zeros that fits in 64 bits. Other spellings of a number (`+1`,
/// `01`) name nothing, so that each resource has one address.
pub(crate) fn parse_id(raw: &str) -> Option<i64> {
    let canonical = raw.bytes().all(|b| b.is_ascii_digit()) && !raw.starts_with('0');
    canonical.then(|| raw.parse().ok()).flatten()
}

/// Ids in the path; anything that is not one (see [`parse_id`]) names no
/// resource: 404.
#[derive(Debug)]
pub(crate) struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let path = parts.uri.path().to_owned();
        let not_found = || ApiError::not_found(format!("{path} not found"));
        let raw = RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|_| not_found())?;
        if !raw.iter().all(|(_, value)| parse_id(value).is_some()) {
            return Err(not_found());
        }
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(v)| Self(v))
            .map_err(|_| not_found())
    }
}

/// Rows of a list to return.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Paging {
    pub offset: u64,
    pub limit: u64,
}

impl Paging {
    pub const DEFAULT_LIMIT: u64 = 100;
    pub const MAX_LIMIT: u64 = 1000;

    pub fn page(self) -> postpilot_core::Page {
        postpilot_core::Page::new(self.offset, self.limit)
    }
}

/// One documented parameter.
fn parameter(
    name: &str,
    within: ParameterIn,
    description: &str,
    schema: RefOr<Schema>,
) -> Parameter {
    let required = if matches!(within, ParameterIn::Path) {
        Required::True
    } else {
        Required::False
    };
    ParameterBuilder::new()
        .name(name)
        .parameter_in(within)
        .required(required)
        .description(Some(description))
        .schema(Some(schema))
        .build()
}

fn integer() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(SchemaType::new(Type::Integer))
}

/// The query parameters of every list, as [`Paging`] reads them (for the
/// OpenAPI document).
pub(crate) struct PagingParams;

impl IntoParams for PagingParams {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        // Every u64, written exactly (a format of int64 would stop at 2^63 - 1).
        let max_offset = usize::try_from(u64::MAX).unwrap_or(usize::MAX);
        let max_limit = usize::try_from(Paging::MAX_LIMIT).unwrap_or(usize::MAX);
        let offset = integer()
            .minimum(Some(0))
            .maximum(Some(max_offset))
            .default(Some(0.into()));
        let limit = integer()
            .minimum(Some(1))
            .maximum(Some(max_limit))
            .default(Some(Paging::DEFAULT_LIMIT.into()));
        vec![
            parameter(
                "offset",
                ParameterIn::Query,
                "Rows to skip: a whole number from 0 to 18446744073709551615 (past \
                 9223372036854775807 it is taken as that)",
                offset.into(),
            ),
            parameter(
                "limit",
                ParameterIn::Query,
                "Rows to return, 1 to 1000",
                limit.into(),
            ),
        ]
    }
}

/// An id in a path as [`parse_id`] takes it (a positive decimal number
/// that fits in 64 bits): anything else names nothing, 404.
fn path_id(name: &str, description: &str) -> Parameter {
    let schema = integer()
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
        .minimum(Some(1));
    parameter(name, ParameterIn::Path, description, schema.into())
}

macro_rules! path_params {
    ($(#[$doc:meta])* $name:ident: $($param:literal => $description:literal),+) => {
        $(#[$doc])*
        pub(crate) struct $name;

        impl IntoParams for $name {
            fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
                vec![$(path_id($param, $description)),+]
            }
        }
    };
}

path_params!(
    /// `/recipients/{id}`, for the OpenAPI document.
    RecipientPath: "id" => "The recipient's id"
);
path_params!(
    /// `/messages/{id}`, for the OpenAPI document.
    MessagePath: "id" => "The message's id"
);
path_params!(
    /// `/mailings/{id}…`, for the OpenAPI document.
    MailingPath: "id" => "The mailing's id"
);
path_params!(
    /// `/lists/{id}…`, for the OpenAPI document.
    ListPath: "id" => "The list's id"
);
path_params!(
    /// `/users/{id}…`, for the OpenAPI document.
    UserPath: "id" => "The user's id"
);
path_params!(
    /// `/tokens/{id}`, for the OpenAPI document.
    TokenPath: "id" => "The token's id"
);
path_params!(
    /// `/mailings/{id}/runs/{run_id}`, for the OpenAPI document.
    RunPath: "id" => "The mailing's id", "run_id" => "The run's id"
);

/// `?search=` of a list of recipients: none when left out, empty or blank.
#[derive(Debug, Clone)]
pub(crate) struct SearchQuery(pub Option<postpilot_core::Search>);

/// `search`, as [`SearchQuery`] reads it (for the OpenAPI document).
pub(crate) struct SearchParams;

impl IntoParams for SearchParams {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        let max = postpilot_core::Search::MAX_CHARS;
        let schema = ObjectBuilder::new()
            .schema_type(SchemaType::new(Type::String))
            .max_length(Some(max))
            .pattern(Some(crate::api::rules::search_or_blank()));
        vec![parameter(
            "search",
            ParameterIn::Query,
            "Only recipients whose email or full name holds this text, in any letter case \
             (Latin and Cyrillic): one line, at most 100 characters; empty or blank for all",
            schema.into(),
        )]
    }
}

impl<S: Send + Sync> FromRequestParts<S> for SearchQuery {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let query = parts.uri.query().unwrap_or_default();
        let mut search = None;
        for (name, value) in form_urlencoded::parse(query.as_bytes()) {
            if name == "search" {
                let invalid =
                    |e: postpilot_core::InvalidField| ApiError::invalid("search", e.to_string());
                let text =
                    crate::api::rules::as_sent("search", &value, postpilot_core::Search::MAX_CHARS)
                        .map_err(invalid)?;
                search = postpilot_core::Search::optional(Some(text)).map_err(invalid)?;
            }
        }
        Ok(Self(search))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Paging {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let mut paging = Self {
            offset: 0,
            limit: Self::DEFAULT_LIMIT,
        };
        let query = parts.uri.query().unwrap_or_default();
        for (name, value) in form_urlencoded::parse(query.as_bytes()) {
            let number = || {
                value.parse::<u64>().map_err(|_| {
                    ApiError::invalid(
                        name.to_string(),
                        format!("{name}: must be a whole number ≥ 0"),
                    )
                })
            };
            match name.as_ref() {
                "offset" => paging.offset = number()?.min(i64::MAX as u64),
                "limit" => paging.limit = number()?,
                _ => {}
            }
        }
        if !(1..=Self::MAX_LIMIT).contains(&paging.limit) {
            return Err(ApiError::invalid(
                "limit",
                format!("limit: must be between 1 and {}", Self::MAX_LIMIT),
            ));
        }
        Ok(paging)
    }
}
