//! The web UI: plain HTML, CSS and JavaScript embedded in the binary at build time and served at `/`
//! (`ui/` in the crate). It calls the REST API and nothing else, fetches nothing from elsewhere (the
//! content security policy allows this origin only), and works offline against a local service.

use axum::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, X_CONTENT_TYPE_OPTIONS};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;

use super::Shared;

const INDEX: &str = include_str!("../../ui/index.html");
const APP_JS: &str = include_str!("../../ui/app.js");
const GRAPH_JS: &str = include_str!("../../ui/graph.js");
const APP_CSS: &str = include_str!("../../ui/app.css");

/// What every page answer carries: this origin only, nothing cached across versions.
fn page(kind: &'static str, body: &'static str) -> impl IntoResponse {
    (
        [
            (CONTENT_TYPE, kind),
            (
                CONTENT_SECURITY_POLICY,
                "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; frame-ancestors 'none'",
            ),
            (X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
}

/// The UI's routes.
pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/", get(|| async { page("text/html; charset=utf-8", INDEX) }))
        .route(
            "/ui/app.js",
            get(|| async { page("text/javascript; charset=utf-8", APP_JS) }),
        )
        .route(
            "/ui/graph.js",
            get(|| async { page("text/javascript; charset=utf-8", GRAPH_JS) }),
        )
        .route(
            "/ui/app.css",
            get(|| async { page("text/css; charset=utf-8", APP_CSS) }),
        )
}
