//! JSON request bodies: read within a size limit and parsed here, so that every refusal is one of
//! the API's JSON errors (`body_too_large`, `malformed_body`) with the parser's line and column.

use axum::extract::{FromRequest, Request};
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
        let body = axum::body::to_bytes(req.into_body(), limit)
            .await
            .map_err(|_| ApiError::BodyTooLarge { limit })?;
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
        let body = axum::body::to_bytes(req.into_body(), limit)
            .await
            .map_err(|_| ApiError::BodyTooLarge { limit })?;
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self(T::default()));
        }
        serde_json::from_slice(&body)
            .map(JsonOrEmpty)
            .map_err(|e| ApiError::MalformedBody(e.to_string()))
    }
}
