//! The API's errors: JSON `{"error": {"code", "message", "problems"?}}` with a stable `code` per kind
//! of failure. Internal failures (the database, a bug) answer `internal` with no detail; the detail
//! goes to the log.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

use crate::db::DbError;

/// An API error.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No `Authorization: Bearer` token.
    #[error("this request needs an API token: send `Authorization: Bearer stk_...`")]
    MissingToken,
    /// A token that is not one of ours.
    #[error("the API token is not valid")]
    BadToken,
    /// A revoked token.
    #[error("the API token was revoked; ask for a new one")]
    RevokedToken,
    /// Needs an admin token.
    #[error("{0} needs an admin token")]
    Forbidden(&'static str),
    /// Nothing there (or nothing the caller may see).
    #[error("{0}")]
    NotFound(String),
    /// No such route.
    #[error("no such API route: {0}; see /openapi.json")]
    NoRoute(String),
    /// A body that is not the JSON the route takes.
    #[error("the request body is not valid: {0}")]
    MalformedBody(String),
    /// A value in the body or query is refused.
    #[error("{0}")]
    InvalidRequest(String),
    /// A body that is not sent as JSON.
    #[error("the request body is {0}; send it as application/json")]
    UnsupportedMediaType(String),
    /// A body over the limit.
    #[error("the request body is over {limit} bytes")]
    BodyTooLarge {
        /// The limit.
        limit: usize,
    },
    /// A template over the template size limit.
    #[error("the template is {size} bytes, over the limit of {limit} bytes")]
    TemplateTooLarge {
        /// Its size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// A template or its parameters are invalid.
    #[error("the template or its parameters are invalid")]
    InvalidTemplate(stack_core::Problems),
    /// A conflict with what exists or runs.
    #[error("{0}")]
    Conflict(String),
    /// The cloud failed or refused.
    #[error("the cloud did not answer as expected: {0}")]
    Cloud(String),
    /// Everything else: logged, never shown.
    #[error("internal error")]
    Internal(String),
}

impl ApiError {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::MissingToken => "missing_token",
            Self::BadToken => "bad_token",
            Self::RevokedToken => "revoked_token",
            Self::Forbidden(_) => "forbidden",
            Self::NotFound(_) => "not_found",
            Self::NoRoute(_) => "no_such_route",
            Self::MalformedBody(_) => "malformed_body",
            Self::InvalidRequest(_) => "invalid_request",
            Self::BodyTooLarge { .. } => "body_too_large",
            Self::UnsupportedMediaType(_) => "unsupported_media_type",
            Self::TemplateTooLarge { .. } => "template_too_large",
            Self::InvalidTemplate(_) => "invalid_template",
            Self::Conflict(_) => "conflict",
            Self::Cloud(_) => "cloud_error",
            Self::Internal(_) => "internal",
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::MissingToken | Self::BadToken | Self::RevokedToken => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) | Self::NoRoute(_) => StatusCode::NOT_FOUND,
            Self::MalformedBody(_) | Self::InvalidRequest(_) => StatusCode::BAD_REQUEST,
            Self::BodyTooLarge { .. } | Self::TemplateTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::InvalidTemplate(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::Cloud(_) => StatusCode::BAD_GATEWAY,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The answer's body.
    pub fn body(&self) -> stacktician_rest::ErrorAnswer {
        let problems = match self {
            Self::InvalidTemplate(p) => Some(
                p.0.iter()
                    .map(|p| stacktician_rest::ProblemView {
                        pointer: p.pointer.clone(),
                        message: p.message.clone(),
                        hint: p.hint.clone(),
                    })
                    .collect(),
            ),
            _ => None,
        };
        stacktician_rest::ErrorAnswer {
            error: stacktician_rest::ErrorBody {
                code: self.code().to_string(),
                message: self.to_string(),
                problems,
            },
        }
    }
}

impl From<DbError> for ApiError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::Conflict(m) => Self::Conflict(m),
            e => Self::Internal(e.to_string()),
        }
    }
}

impl From<stack_core::state::StateError> for ApiError {
    fn from(e: stack_core::state::StateError) -> Self {
        Self::Internal(e.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let Self::Internal(detail) = &self {
            tracing::error!(detail = %detail, "internal error");
        }
        let mut r = (self.status(), Json(self.body())).into_response();
        if matches!(self, Self::MissingToken | Self::BadToken | Self::RevokedToken) {
            r.headers_mut()
                .insert("www-authenticate", axum::http::HeaderValue::from_static("Bearer"));
        }
        r
    }
}
