//! The REST API (axum): JSON under `/v1`, described by `openapi.json` (served at `/openapi.json`),
//! with the guests' wait-condition and metadata endpoints under `/guest`.
//!
//! Every `/v1` request but `/v1/health` carries an API token (`Authorization: Bearer stk_...`).
//! A caller sees only its owner's stacks and templates; an admin's token sees every owner's, and
//! names another owner's stack with `?owner=NAME`. Errors are [`errors::ApiError`]s.
//!
//! Modules: [`auth`] (tokens to callers), [`body`] (JSON bodies within limits), [`stacks`]
//! (finding and listing stacks), [`stack_ops`] (their operations), [`stack_reads`] (what is read of
//! one), [`template_facts`] and [`version_cache`] (what a stored template says, worked out once), [`events`] (pages and the live stream), [`changes`] (change sets,
//! drift, validate), [`templates`] (stored templates), [`accounts`] (owners and tokens),
//! [`guest`] (the guests' endpoints, passed to the worker that runs the stack), [`ui`] (the web UI
//! at `/`).

use std::sync::Arc;

use axum::routing::{get, post};
use axum::Router;

use crate::db::ServiceDb;
use crate::engines::Engines;
use crate::sealing::SealKey;
use crate::tokens::Verifier;

pub mod accounts;
pub mod auth;
pub mod body;
pub mod changes;
pub mod errors;
pub mod events;
pub mod guest;
pub mod stack_ops;
pub mod stack_reads;
pub mod stacks;
pub mod submit;
pub mod template_facts;
pub mod templates;
pub mod ui;
pub mod version_cache;

pub use errors::ApiError;

/// What every handler shares.
pub struct AppState {
    /// The service's tables.
    pub db: Arc<dyn ServiceDb>,
    /// Engines for the requests answered here (validation, change sets, drift, reads).
    pub engines: Arc<Engines>,
    /// The service key.
    pub key: SealKey,
    /// Token checks.
    pub verifier: Verifier,
    /// Template limits.
    pub limits: stack_core::limits::Limits,
    /// Passes guests' requests to workers.
    pub http: reqwest::Client,
    /// Stacks' outputs, worked out once per version of each.
    pub outputs: version_cache::VersionCache<Vec<stack_core::OutputDetail>>,
    /// What stacks' templates say of them (description, declared order), read once per version.
    pub facts: version_cache::VersionCache<template_facts::TemplateFacts>,
    /// Stacks' dependency graphs (without statuses), planned once per version.
    pub graphs: version_cache::VersionCache<stacktician_rest::StackGraph>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState").finish_non_exhaustive()
    }
}

/// Shared state as handlers take it.
pub type Shared = Arc<AppState>;

/// Every route: method and path as the OpenAPI document names them (checked against it by a test).
pub const ROUTES: &[(&str, &str)] = &[
    ("get", "/v1/health"),
    ("get", "/v1/whoami"),
    ("get", "/v1/stacks"),
    ("post", "/v1/stacks"),
    ("get", "/v1/stacks/{name}"),
    ("put", "/v1/stacks/{name}"),
    ("delete", "/v1/stacks/{name}"),
    ("get", "/v1/stacks/{name}/resources"),
    ("get", "/v1/stacks/{name}/events"),
    ("get", "/v1/stacks/{name}/events/stream"),
    ("get", "/v1/stacks/{name}/outputs"),
    ("get", "/v1/stacks/{name}/template"),
    ("get", "/v1/stacks/{name}/graph"),
    ("get", "/v1/stacks/{name}/operations"),
    ("post", "/v1/stacks/{name}/resume"),
    ("post", "/v1/stacks/{name}/continue-rollback"),
    ("get", "/v1/stacks/{name}/drift"),
    ("post", "/v1/stacks/{name}/drift"),
    ("get", "/v1/stacks/{name}/change-sets"),
    ("post", "/v1/stacks/{name}/change-sets"),
    ("get", "/v1/stacks/{name}/change-sets/{change_set}"),
    ("delete", "/v1/stacks/{name}/change-sets/{change_set}"),
    ("post", "/v1/stacks/{name}/change-sets/{change_set}/execute"),
    ("post", "/v1/validate"),
    ("get", "/v1/templates"),
    ("post", "/v1/templates"),
    ("get", "/v1/templates/{name}"),
    ("get", "/v1/templates/{name}/versions/{version}"),
    ("get", "/v1/operations/{id}"),
    ("get", "/v1/owners"),
    ("post", "/v1/owners"),
    ("get", "/v1/tokens"),
    ("post", "/v1/tokens"),
    ("delete", "/v1/tokens/{id}"),
];

/// The OpenAPI document.
pub const OPENAPI: &str = include_str!("../../openapi.json");

/// The service's router.
pub fn router(state: Shared) -> Router {
    let v1 = Router::new()
        .route(
            "/health",
            get(|| async { axum::Json(serde_json::json!({"status": "ok"})) }),
        )
        .route("/whoami", get(accounts::whoami))
        .route("/stacks", get(stacks::list).post(stack_ops::create))
        .route(
            "/stacks/{name}",
            get(stack_reads::describe)
                .put(stack_ops::update)
                .delete(stack_ops::delete),
        )
        .route("/stacks/{name}/resources", get(stack_reads::resources))
        .route("/stacks/{name}/events", get(events::page))
        .route("/stacks/{name}/events/stream", get(events::stream))
        .route("/stacks/{name}/outputs", get(stack_reads::outputs))
        .route("/stacks/{name}/template", get(stack_reads::template))
        .route("/stacks/{name}/graph", get(stack_reads::graph))
        .route("/stacks/{name}/operations", get(stack_reads::operations))
        .route("/stacks/{name}/resume", post(stack_ops::resume))
        .route("/stacks/{name}/continue-rollback", post(stack_ops::continue_rollback))
        .route("/stacks/{name}/drift", get(changes::last_drift).post(changes::drift))
        .route("/stacks/{name}/change-sets", get(changes::list).post(changes::create))
        .route(
            "/stacks/{name}/change-sets/{change_set}",
            get(changes::describe).delete(changes::delete),
        )
        .route(
            "/stacks/{name}/change-sets/{change_set}/execute",
            post(changes::execute),
        )
        .route("/validate", post(changes::validate))
        .route("/templates", get(templates::list).post(templates::store))
        .route("/templates/{name}", get(templates::describe))
        .route("/templates/{name}/versions/{version}", get(templates::version))
        .route("/operations/{id}", get(stack_reads::operation))
        .route("/owners", get(accounts::owners).post(accounts::add_owner))
        .route("/tokens", get(accounts::tokens).post(accounts::add_token))
        .route("/tokens/{id}", axum::routing::delete(accounts::revoke_token));
    Router::new()
        .nest("/v1", v1)
        .route(
            "/openapi.json",
            get(|| async { ([(axum::http::header::CONTENT_TYPE, "application/json")], OPENAPI) }),
        )
        .merge(guest::routes())
        .merge(ui::routes())
        .fallback(|uri: axum::http::Uri| async move { ApiError::NoRoute(uri.path().chars().take(200).collect()) })
        .method_not_allowed_fallback(|uri: axum::http::Uri| async move {
            ApiError::NoRoute(format!(
                "{} (not with this method)",
                uri.path().chars().take(200).collect::<String>()
            ))
        })
        .layer(axum::extract::DefaultBodyLimit::disable())
        .with_state(state)
}
