//! The API's one error shape: `{"error": {"code", "message", "field"}}`.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use postpilot_core::ports::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

/// An error with every cause below it, `outer: inner: ...`: what the log
/// says of an answer `500` gives no detail of (its causes name what failed,
/// never a secret: the store and mailer errors keep URLs and passwords out).
pub(crate) fn with_causes(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut cause = err.source();
    while let Some(inner) = cause {
        let more = inner.to_string();
        // Some errors repeat their source in their own message.
        if !text.ends_with(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        cause = inner.source();
    }
    text
}

/// The body of every error answer of the API.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable, machine-readable: `bad_request`, `unauthorized`, `forbidden`, `not_found`,
    /// `method_not_allowed`, `duplicate`, `in_use`, `mailing_completed`,
    /// `payload_too_large`, `unsupported_media_type`, `invalid`,
    /// `too_many_requests`, `internal`, `timeout`, `not_ready`.
    #[schema(example = "invalid")]
    pub code: &'static str,
    /// For people; never holds internals.
    #[schema(example = "email: is not a valid email address: missing '@'")]
    pub message: String,
    /// The input field at fault, when there is one.
    #[schema(example = "email")]
    pub field: Option<String>,
}

/// An error answered by the API.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    detail: ErrorDetail,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            detail: ErrorDetail {
                code,
                message: message.into(),
                field: None,
            },
        }
    }

    fn on(mut self, field: impl Into<String>) -> Self {
        self.detail.field = Some(field.into());
        self
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "a valid token is required: Authorization: Bearer <token>",
        )
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    pub fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "this method is not allowed here",
        )
    }

    /// Too many wrong tokens from this client: wait `retry_after` seconds.
    pub fn too_many_requests(retry_after: u64) -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_requests",
            format!("too many wrong tokens from this address; retry in {retry_after} s"),
        )
    }

    pub fn payload_too_large() -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "the request body is larger than this server accepts",
        )
    }

    pub fn unsupported_media_type() -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the body as JSON with Content-Type: application/json",
        )
    }

    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", message).on(field)
    }

    pub fn timeout() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "timeout",
            "the request took too long and was abandoned",
        )
    }

    pub fn not_ready() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "not_ready",
            "the database is not reachable",
        )
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal server error",
        )
    }
}

impl From<postpilot_core::InvalidField> for ApiError {
    fn from(invalid: postpilot_core::InvalidField) -> Self {
        Self::invalid(invalid.field, invalid.to_string())
    }
}

impl From<postpilot_core::Error> for ApiError {
    fn from(err: postpilot_core::Error) -> Self {
        use postpilot_core::Error;
        match err {
            Error::Invalid(invalid) => invalid.into(),
            Error::Mail(_) => Self::new(StatusCode::BAD_GATEWAY, "not_sent", err.to_string()),
            Error::MailingCompleted(_) => {
                Self::new(StatusCode::CONFLICT, "mailing_completed", err.to_string())
            }
            Error::MailingDisabled(_) => {
                Self::new(StatusCode::CONFLICT, "mailing_disabled", err.to_string())
            }
            Error::WrongCredentials | Error::AccountBlocked | Error::AccountUnconfirmed => {
                Self::new(StatusCode::UNAUTHORIZED, "unauthorized", err.to_string())
            }
            Error::Forbidden { .. } => {
                Self::new(StatusCode::FORBIDDEN, "forbidden", err.to_string())
            }
            // Only senders wait out an outage; no request does.
            Error::StoreUnavailable { .. } => {
                tracing::error!(error = %with_causes(&err), "store failure");
                Self::internal()
            }
            Error::Store(store) => match store {
                StoreError::NotFound { .. } => Self::not_found(store.to_string()),
                StoreError::Duplicate { field, .. } => {
                    Self::new(StatusCode::CONFLICT, "duplicate", store.to_string()).on(field)
                }
                StoreError::InUse { .. } => {
                    Self::new(StatusCode::CONFLICT, "in_use", store.to_string())
                }
                StoreError::Backend { .. } => {
                    // The cause is for the log, not for the client.
                    tracing::error!(error = %with_causes(&store), "store failure");
                    Self::internal()
                }
            },
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let unauthorized = self.status == StatusCode::UNAUTHORIZED;
        let mut response = (self.status, Json(ErrorBody { error: self.detail })).into_response();
        if unauthorized {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"postpilot\""),
            );
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::with_causes;

    #[derive(Debug, thiserror::Error)]
    #[error("{what}")]
    struct Layer {
        what: &'static str,
        #[source]
        source: Option<Box<Layer>>,
    }

    fn layer(what: &'static str, source: Option<Layer>) -> Layer {
        Layer {
            what,
            source: source.map(Box::new),
        }
    }

    #[test]
    fn a_500_is_logged_with_every_cause_once() {
        let err = layer(
            "store failure",
            Some(layer(
                "pool timed out",
                Some(layer("connection refused", None)),
            )),
        );
        assert_eq!(
            with_causes(&err),
            "store failure: pool timed out: connection refused"
        );
        // A message that already ends with its cause does not repeat it.
        let err = layer(
            "backend: pool timed out",
            Some(layer("pool timed out", None)),
        );
        assert_eq!(with_causes(&err), "backend: pool timed out");
    }
}
