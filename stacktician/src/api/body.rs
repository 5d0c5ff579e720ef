//! What a request carries, read here so that every refusal is one of the API's JSON errors: bodies
//! (sent as JSON, within a size limit: `unsupported_media_type`, `body_too_large`,
//! `malformed_body` with the parser's line and column) and query and path values
//! (`invalid_request`, naming the value).

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::{ApiError, Shared};

/// A body's size limit: room for a template at the size limit, escaped in JSON.
pub fn limit(state: &Shared) -> usize {
    state.limits.template_bytes.saturating_mul(2).saturating_add(64 * 1024)
}

/// A JSON body of type `T`.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned> FromRequest<Shared> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &Shared) -> Result<Self, Self::Rejection> {
        let limit = limit(state);
        let json = sent_as_json(&req);
        let body = axum::body::to_bytes(req.into_body(), limit)
            .await
            .map_err(|_| ApiError::BodyTooLarge { limit })?;
        json?;
        if body.is_empty() {
            return Err(ApiError::MalformedBody("it is empty; send a JSON object".into()));
        }
        serde_json::from_slice(&body)
            .map(JsonBody)
            .map_err(|e| ApiError::MalformedBody(e.to_string()))
    }
}

/// A JSON body of type `T`, or `T::default()` when the body is empty.
#[derive(Debug)]
pub struct JsonOrEmpty<T>(pub T);

impl<T: DeserializeOwned + Default> FromRequest<Shared> for JsonOrEmpty<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &Shared) -> Result<Self, Self::Rejection> {
        let limit = limit(state);
        let json = sent_as_json(&req);
        let body = axum::body::to_bytes(req.into_body(), limit)
            .await
            .map_err(|_| ApiError::BodyTooLarge { limit })?;
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self(T::default()));
        }
        json?;
        serde_json::from_slice(&body)
            .map(JsonOrEmpty)
            .map_err(|e| ApiError::MalformedBody(e.to_string()))
    }
}

/// Whether `req` says its body is JSON (`application/json`, or a `+json` type): a body sent as
/// anything else (a form, text) is refused with 415 rather than read as JSON.
fn sent_as_json(req: &Request) -> Result<(), ApiError> {
    let Some(value) = req.headers().get(axum::http::header::CONTENT_TYPE) else {
        return Err(ApiError::UnsupportedMediaType("sent without a Content-Type".into()));
    };
    let text = value.to_str().unwrap_or_default();
    let essence = text.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    if essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json")) {
        Ok(())
    } else {
        let shown: String = text.chars().take(80).collect();
        Err(ApiError::UnsupportedMediaType(format!("sent as {shown:?}")))
    }
}

/// Query values of type `T`; a value of the wrong type is an `invalid_request` naming it.
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| Self(q.0))
            .map_err(|e| ApiError::InvalidRequest(format!("the query: {}", e.body_text())))
    }
}

/// Path values of type `T`; a value of the wrong type is an `invalid_request` naming it.
#[derive(Debug)]
pub struct Path<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Path<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| Self(p.0))
            .map_err(|e| ApiError::InvalidRequest(format!("the path: {}", e.body_text())))
    }
}
