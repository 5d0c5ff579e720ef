//! The web UI: plain HTML, CSS and JavaScript embedded in the binary at build time and served at `/`
//! (`ui/` in the crate). It calls the REST API and nothing else, fetches nothing from elsewhere (the
//! content security policy allows this origin only), and works offline against a local service.

use axum::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, X_CONTENT_TYPE_OPTIONS};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;

use super::Shared;

const INDEX: &str = include_str!("../../ui/index.html");
const APP_CSS: &str = include_str!("../../ui/app.css");

/// The scripts, in the order the page loads them: shared pieces, the pages, then the entry.
const SCRIPTS: &[(&str, &str)] = &[
    ("core.js", include_str!("../../ui/core.js")),
    ("text.js", include_str!("../../ui/text.js")),
    ("graph.js", include_str!("../../ui/graph.js")),
    ("stacks.js", include_str!("../../ui/stacks.js")),
    ("launch.js", include_str!("../../ui/launch.js")),
    ("stack.js", include_str!("../../ui/stack.js")),
    ("changes.js", include_str!("../../ui/changes.js")),
    ("templates.js", include_str!("../../ui/templates.js")),
    ("app.js", include_str!("../../ui/app.js")),
];

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
    let mut router = Router::new()
        .route("/", get(|| async { page("text/html; charset=utf-8", INDEX) }))
        .route(
            "/ui/app.css",
            get(|| async { page("text/css; charset=utf-8", APP_CSS) }),
        );
    for (name, body) in SCRIPTS {
        let body: &'static str = body;
        router = router.route(
            &format!("/ui/{name}"),
            get(move || async move { page("text/javascript; charset=utf-8", body) }),
        );
    }
    router
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_loads_every_script_in_order() {
        let loaded: Vec<&str> = INDEX
            .lines()
            .filter_map(|l| l.split("src=\"/ui/").nth(1))
            .filter_map(|l| l.split('"').next())
            .collect();
        let served: Vec<&str> = SCRIPTS.iter().map(|(n, _)| *n).collect();
        assert_eq!(loaded, served);
    }
}
