//! The HTTP side: `/client/api` by GET and POST as the management server serves it, plus a control API
//! under `/sim/` (live resources, call counts, faults) for tests.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Instant, SystemTime};

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::Value;

use crate::args::{validate, Args};
use crate::config::{Account, SimConfig, SpecSource};
use crate::error::{ApiErr, SimError};
use crate::faults::{Decision, FaultRule, Faults};
use crate::handlers::{handle, Ctx};
use crate::registry::Registry;
use crate::world::{LiveResource, World};

struct Shared {
    registry: Registry,
    accounts: Vec<Account>,
    world: Mutex<World>,
    throttle: Option<crate::config::ApiThrottle>,
    /// Per account: when its throttle interval began, and its calls in it.
    windows: Mutex<std::collections::BTreeMap<String, (Instant, u32)>>,
    /// Calls refused by the API throttle.
    throttled: std::sync::atomic::AtomicU64,
}

impl Shared {
    /// Counts a call of `account` against the API throttle; the milliseconds until its interval ends
    /// when the call is over the limit (the root admin, the first account, is never limited).
    fn over_limit(&self, account: &str) -> Option<u64> {
        let throttle = self.throttle?;
        if self.accounts.first().is_some_and(|a| a.name == account) {
            return None;
        }
        let now = Instant::now();
        let mut windows = self.windows.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let window = windows.entry(account.to_string()).or_insert((now, 0));
        if now.duration_since(window.0) >= throttle.interval {
            *window = (now, 0);
        }
        window.1 += 1;
        if window.1 <= throttle.max {
            return None;
        }
        self.throttled.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let left = throttle.interval.saturating_sub(now.duration_since(window.0));
        Some(u64::try_from(left.as_millis()).unwrap_or(u64::MAX))
    }

    fn world(&self) -> MutexGuard<'_, World> {
        // A panic while holding the lock would be a simulator bug; keep serving with the state as is.
        self.world.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A handle on a running simulator's state, for tests: live resources, call counts, faults.
#[derive(Clone)]
pub struct SimHandle {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for SimHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimHandle")
            .field("version", &self.shared.registry.version)
            .finish()
    }
}

impl SimHandle {
    /// Every live resource, seeded ones included.
    pub fn live_resources(&self) -> Vec<LiveResource> {
        self.shared.world().live()
    }

    /// The resources created through the API (not the seeded zone, templates, offerings, ...), without
    /// the parts made for them (a VM's NICs and ROOT volume, which go with it).
    pub fn created_resources(&self) -> Vec<LiveResource> {
        let mut world = self.shared.world();
        world.complete_due(Instant::now());
        world
            .live()
            .into_iter()
            .filter(|r| !r.seeded && r.part_of.is_none())
            .collect()
    }

    /// Calls per command so far.
    pub fn call_counts(&self) -> BTreeMap<String, u64> {
        self.shared.world().calls.clone()
    }

    /// All calls so far.
    pub fn total_calls(&self) -> u64 {
        self.shared.world().calls.values().sum()
    }

    /// Every async job so far, in submission order (for benchmarks that compute lower bounds).
    pub fn job_runs(&self) -> Vec<crate::JobRun> {
        self.shared.world().job_runs()
    }

    /// Calls the API throttle refused (with 429) so far; they are not in [`SimHandle::call_counts`].
    pub fn throttled_calls(&self) -> u64 {
        self.shared.throttled.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Gives account `owner` a history of `count` finished jobs made `age` ago (before every job
    /// so far): what a long-lived account's `listAsyncJobs` holds.
    pub fn seed_finished_jobs(&self, owner: &str, count: usize, age: std::time::Duration) {
        self.shared.world().seed_finished_jobs(owner, count, age);
    }

    /// Forgets the call counts.
    pub fn reset_calls(&self) {
        self.shared.world().calls.clear();
    }

    /// Replaces the fault rules.
    pub fn set_faults(&self, rules: Vec<FaultRule>) {
        self.shared.world().faults.set(rules);
    }

    /// Jobs not finished yet (finishing the ones that are due first).
    pub fn pending_jobs(&self) -> usize {
        let mut world = self.shared.world();
        world.complete_due(Instant::now());
        world.pending_jobs()
    }

    /// The CloudStack version being simulated.
    pub fn version(&self) -> String {
        self.shared.registry.version.clone()
    }
}

/// A simulator serving on a port. Stops when dropped or on [`RunningSim::stop`].
pub struct RunningSim {
    /// The API endpoint, `http://127.0.0.1:<port>/client/api`.
    pub url: String,
    /// The bound address.
    pub addr: SocketAddr,
    /// State access for tests.
    pub handle: SimHandle,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl std::fmt::Debug for RunningSim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningSim").field("url", &self.url).finish()
    }
}

impl RunningSim {
    /// Stops serving and waits for the server task to end.
    pub async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    /// Serves until Ctrl-C.
    pub async fn serve_until_ctrl_c(self) {
        let _ = tokio::signal::ctrl_c().await;
        self.stop().await;
    }
}

impl Drop for RunningSim {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }
}

/// Loads the API description `config.spec`, seeds the cloud and starts serving on `config.listen`.
pub async fn start(config: SimConfig) -> Result<RunningSim, SimError> {
    let registry = match &config.spec {
        SpecSource::Newest => Registry::embedded(None)?,
        SpecSource::Release(v) => Registry::embedded(Some(v))?,
        SpecSource::File(p) => Registry::load(p)?,
    };
    start_with_registry(config, registry).await
}

/// Starts serving an already loaded registry.
pub async fn start_with_registry(config: SimConfig, registry: Registry) -> Result<RunningSim, SimError> {
    if config.accounts.is_empty() {
        return Err(SimError::Config("at least one account is needed".into()));
    }
    let mut world = World::new(config.seed, config.job_latency, Faults::new(config.faults.clone()));
    crate::fixtures::seed(&mut world, &config.accounts);
    world.set_declared(registry.declared_fields());
    let shared = Arc::new(Shared {
        registry,
        accounts: config.accounts.clone(),
        world: Mutex::new(world),
        throttle: config.api_throttle,
        windows: Mutex::default(),
        throttled: std::sync::atomic::AtomicU64::new(0),
    });
    let app = Router::new()
        .route("/client/api", get(api).post(api))
        .route("/sim/resources", get(resources))
        .route("/sim/calls", get(calls))
        .route("/sim/faults", get(get_faults).put(put_faults))
        .route("/sim/health", get(|| async { "ok" }))
        .with_state(Arc::clone(&shared));
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|source| SimError::Bind {
            addr: config.listen.to_string(),
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| SimError::Bind {
        addr: config.listen.to_string(),
        source,
    })?;
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await;
        if let Err(e) = served {
            tracing::error!(error = %e, "simulator server stopped");
        }
    });
    Ok(RunningSim {
        url: format!("http://{addr}/client/api"),
        addr,
        handle: SimHandle { shared },
        stop: Some(tx),
        task: Some(task),
    })
}

fn reply(status: u16, body: &Value) -> Response {
    let mut resp = (
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        [("content-type", "application/json; charset=UTF-8")],
        body.to_string(),
    )
        .into_response();
    if status != 200 {
        if let Some(text) = body
            .as_object()
            .and_then(|o| o.values().next())
            .and_then(|v| v.get("errortext"))
            .and_then(Value::as_str)
        {
            if let Ok(h) = HeaderValue::from_str(&text.replace(|c: char| !c.is_ascii() || c.is_ascii_control(), " ")) {
                resp.headers_mut().insert("X-Description", h);
            }
        }
    }
    resp
}

fn error(envelope: &str, e: &ApiErr) -> Response {
    reply(e.code, &e.body(envelope))
}

async fn api(State(shared): State<Arc<Shared>>, RawQuery(query): RawQuery, body: Bytes) -> Response {
    let mut params: Vec<(String, String)> = query
        .as_deref()
        .map(|q| serde_urlencoded::from_str(q).unwrap_or_default())
        .unwrap_or_default();
    if !body.is_empty() {
        if let Ok(form) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body) {
            params.extend(form);
        }
    }
    process(&shared, &params).await
}

async fn process(shared: &Shared, params: &[(String, String)]) -> Response {
    let Some(command) = params.iter().find(|(k, _)| k == "command").map(|(_, v)| v.clone()) else {
        return error(
            "errorresponse",
            &ApiErr {
                code: 432,
                cs: Some(9999),
                text: "Invalid request, no command sent".into(),
            },
        );
    };
    let envelope = format!("{}response", command.to_ascii_lowercase());
    let account = match crate::auth::verify(params, &shared.accounts, SystemTime::now()) {
        Ok(a) => a.name.clone(),
        Err(why) => {
            tracing::debug!(command, ?why, "authentication failed");
            return error(&envelope, &ApiErr::unauthorized());
        }
    };
    let Some(def) = shared.registry.apis.get(&command) else {
        // With an API key, verifyRequest refuses a command it does not know: 401, not 432.
        return error(&envelope, &ApiErr::unauthorized());
    };
    if let Some(retry_ms) = shared.over_limit(&account) {
        return error(&envelope, &ApiErr::throttled(retry_ms));
    }
    let (decision, latency) = {
        let mut world = shared.world();
        *world.calls.entry(command.clone()).or_default() += 1;
        let World { faults, rng, .. } = &mut *world;
        faults.decide(&command, rng)
    };
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let fail_job = match decision {
        Decision::Pass => None,
        Decision::Throttle(retry_ms) => return error(&envelope, &ApiErr::throttled(retry_ms)),
        Decision::FailCall(e) => return error(&envelope, &e),
        Decision::FailJob(e) if def.api.is_async => Some(e),
        Decision::FailJob(e) => return error(&envelope, &e),
    };
    let args = match Args::parse(params) {
        Ok(a) => a,
        Err(e) => return error(&envelope, &e),
    };
    let mut world = shared.world();
    world.complete_due(Instant::now());
    if let Err(e) = validate(def, &args, &world) {
        return error(&envelope, &e);
    }
    let admin = shared.accounts.first().is_some_and(|a| a.name == account);
    let cx = Ctx {
        account: &account,
        admin,
        def,
        args: &args,
        fail_job,
        registry: &shared.registry,
    };
    match handle(&mut world, &cx) {
        Ok(mut inner) => {
            // CloudStack's serializer leaves unset fields out; no answer carries a JSON null.
            crate::world::strip_nulls(&mut inner);
            reply(200, &crate::handlers::wrapped(def.envelope.clone(), inner))
        }
        Err(e) => error(&def.envelope, &e),
    }
}

async fn resources(State(shared): State<Arc<Shared>>, RawQuery(query): RawQuery) -> Json<Vec<LiveResource>> {
    let handle = SimHandle { shared };
    if query.is_some_and(|q| q.contains("created=true")) {
        Json(handle.created_resources())
    } else {
        Json(handle.live_resources())
    }
}

async fn calls(State(shared): State<Arc<Shared>>) -> Json<BTreeMap<String, u64>> {
    Json(shared.world().calls.clone())
}

async fn get_faults(State(shared): State<Arc<Shared>>) -> Json<Vec<FaultRule>> {
    Json(shared.world().faults.rules().to_vec())
}

async fn put_faults(State(shared): State<Arc<Shared>>, Json(rules): Json<Vec<FaultRule>>) -> StatusCode {
    shared.world().faults.set(rules);
    StatusCode::NO_CONTENT
}
