//! A fake CloudStack endpoint for client tests: serves `/client/api` by GET and POST, checks every
//! request's signature with the rules in [`crate::java_rules`] (401 on mismatch, as the server does),
//! records the calls, and answers with whatever the test's handler returns.

use std::sync::{Arc, Mutex};

use axum::extract::{Query, State};
use axum::http::{Method, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;

/// One request the fake received.
#[derive(Debug, Clone)]
pub struct Call {
    /// `GET` or `POST`.
    pub method: String,
    /// The `command` parameter.
    pub command: String,
    /// Every parameter, decoded, in the order received (query first, then form body).
    pub params: Vec<(String, String)>,
}

impl Call {
    /// The first value of a parameter.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

type Handler = dyn Fn(&Call) -> (u16, String) + Send + Sync;

#[derive(Clone)]
struct AppState {
    secret: String,
    calls: Arc<Mutex<Vec<Call>>>,
    handler: Arc<Handler>,
}

/// A running fake; stops when dropped.
pub struct FakeCloud {
    /// The endpoint URL (`http://127.0.0.1:<port>/client/api`).
    pub url: String,
    calls: Arc<Mutex<Vec<Call>>>,
    _stop: tokio::sync::oneshot::Sender<()>,
}

/// The API key every fake accepts.
pub const API_KEY: &str = "fake-api-key";

impl FakeCloud {
    /// Starts a fake on a free loopback port that accepts [`API_KEY`] signed with `secret`.
    pub async fn start(secret: &str, handler: impl Fn(&Call) -> (u16, String) + Send + Sync + 'static) -> Self {
        let calls = Arc::new(Mutex::new(Vec::new()));
        let state = AppState {
            secret: secret.to_string(),
            calls: Arc::clone(&calls),
            handler: Arc::new(handler),
        };
        let app = Router::new()
            .route("/client/api", get(serve).post(serve))
            .with_state(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        });
        Self {
            url: format!("http://{addr}/client/api"),
            calls,
            _stop: tx,
        }
    }

    /// Every call so far.
    pub fn calls(&self) -> Vec<Call> {
        self.calls.lock().expect("lock").clone()
    }

    /// How many calls of `command` arrived.
    pub fn count(&self, command: &str) -> usize {
        self.calls().iter().filter(|c| c.command == command).count()
    }
}

async fn serve(
    State(state): State<AppState>,
    method: Method,
    Query(query): Query<Vec<(String, String)>>,
    body: String,
) -> impl IntoResponse {
    let mut params = query;
    if method == Method::POST {
        params.extend(serde_urlencoded::from_str::<Vec<(String, String)>>(&body).unwrap_or_default());
    }
    let get = |name: &str| params.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let command = get("command").unwrap_or_default();
    let expected =
        cloudstack_client::signing::sign_canonical(&crate::java_rules::java_canonical(&params), &state.secret);
    let signed_ok = get("apiKey").as_deref() == Some(API_KEY) && get("signature").as_deref() == Some(expected.as_str());
    let call = Call {
        method: method.to_string(),
        command: command.clone(),
        params,
    };
    state.calls.lock().expect("lock").push(call.clone());
    let (status, body) = if signed_ok {
        (state.handler)(&call)
    } else {
        let envelope = format!("{}response", command.to_lowercase());
        (
            401,
            serde_json::json!({envelope: {"uuidList": [], "errorcode": 401,
                "errortext": "unable to verify user credentials and/or request signature"}})
            .to_string(),
        )
    };
    (
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        [("content-type", "application/json; charset=UTF-8")],
        body,
    )
}
