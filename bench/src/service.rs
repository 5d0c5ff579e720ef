//! `cargo xtask bench service`: the stacktician service under load: 200 stacks of 20 resources each,
//! created through its REST API at once, carried out by 1, 2 and 4 workers (in one process, sharing
//! the database as separate processes would) on PostgreSQL, against one simulator (a fresh one per
//! run) whose API throttle
//! is on for the stacks' account (`api.throttling.max` `BENCH_LIMIT` per second, default 100), and
//! with the service's per-account limit set to the same. Per worker count, it reports:
//! - stacks per minute (200 / the time from the first request to the last operation's end);
//! - API requests per resource (the simulator's count of calls over the 4,000 resources);
//! - operation latency, p50 and p99 (queued to finished);
//! - the largest request rate of the account in any 1 s window (sampled every 50 ms), against the
//!   limit, and how many calls the simulator refused with 429.
//!
//! The stacks are deleted between runs (not timed). The database is `STACKTICIAN_BENCH_POSTGRES`
//! (default `host=127.0.0.1 user=postgres dbname=test`), in a schema of its own, dropped after;
//! `BENCH_STACKS` and `BENCH_WORKERS=1,2,4` change the load.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use stacktician_rest as rest;

const RESOURCES: usize = 20;

/// A stack of 20 resources: a group with 6 rules, a VM in it, 6 addresses with a firewall rule each.
fn template() -> Value {
    let zone = cloudstack_sim::fixtures::ZONE_ID;
    let mut resources = serde_json::Map::new();
    resources.insert(
        "Web".into(),
        json!({"Type": "CloudStack::SecurityGroup", "Properties": {"name": "web"}}),
    );
    for i in 0..6 {
        resources.insert(
            format!("Rule{i}"),
            json!({"Type": "CloudStack::SecurityGroupIngress", "Properties": {"securitygroupid": {"Ref": "Web"},
                "protocol": "tcp", "startport": 8000 + i, "endport": 8000 + i, "cidrlist": "10.0.0.0/8"}}),
        );
        resources.insert(
            format!("Ip{i}"),
            json!({"Type": "CloudStack::IpAddress", "Properties": {"zoneid": zone}}),
        );
        resources.insert(
            format!("Fw{i}"),
            json!({"Type": "CloudStack::FirewallRule", "Properties": {"ipaddressid": {"Ref": format!("Ip{i}")},
                "protocol": "tcp", "startport": 443, "endport": 443}}),
        );
    }
    resources.insert(
        "Vm".into(),
        json!({"Type": "CloudStack::VirtualMachine", "Properties": {"zoneid": zone,
            "templateid": cloudstack_sim::fixtures::TEMPLATE_ID,
            "serviceofferingid": cloudstack_sim::fixtures::SERVICE_OFFERING_SMALL_ID, "securitygroupids": {"Ref": "Web"}}}),
    );
    json!({ "Resources": resources })
}

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// No request body.
const NO_BODY: Option<&()> = None;

struct Client {
    base: String,
    token: String,
    http: reqwest::Client,
}

impl Client {
    /// A request with the REST contract's types: the answer, or the service's error.
    async fn call<B: serde::Serialize, A: serde::de::DeserializeOwned>(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<A, String> {
        let mut r = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(b) = body {
            let text = serde_json::to_string(b).map_err(|e| e.to_string())?;
            r = r.header("content-type", "application/json").body(text);
        }
        let resp = r.send().await.map_err(|e| e.to_string())?;
        let status = resp.status().as_u16();
        let text = resp.text().await.map_err(|e| e.to_string())?;
        if status >= 300 {
            return Err(match serde_json::from_str::<rest::ErrorAnswer>(&text) {
                Ok(e) => format!("{path}: {status} {}: {}", e.error.code, e.error.message),
                Err(_) => format!("{path}: {status} {text}"),
            });
        }
        serde_json::from_str(&text).map_err(|e| format!("{path}: {e}"))
    }
}

/// Runs the benchmark and prints its figures.
pub fn run() -> Result<(), String> {
    let rt = crate::runtime()?;
    rt.block_on(run_all())
}

async fn run_all() -> Result<(), String> {
    let stacks = env_or("BENCH_STACKS", 200);
    let limit = env_or("BENCH_LIMIT", 100);
    let worker_counts: Vec<usize> = std::env::var("BENCH_WORKERS")
        .unwrap_or_else(|_| "1,2,4".into())
        .split(',')
        .filter_map(|v| v.trim().parse().ok())
        .collect();
    let base = std::env::var("STACKTICIAN_BENCH_POSTGRES")
        .unwrap_or_else(|_| "host=127.0.0.1 user=postgres dbname=test".into());
    println!(
        "service: {stacks} stacks x {RESOURCES} resources, jobs 50-200 ms, the account's throttle and the service's limit {limit}/s"
    );
    println!(
        "{:>7} {:>10} {:>12} {:>12} {:>10} {:>10} {:>16} {:>6}",
        "workers", "wall s", "stacks/min", "req/resource", "p50 s", "p99 s", "max req/s (1 s)", "429s"
    );
    for workers in worker_counts {
        let schema = format!("stacktician_bench_{:x}", stack_core::state::now_ms());
        let (admin, conn) = tokio_postgres::connect(&base, tokio_postgres::NoTls)
            .await
            .map_err(|e| format!("PostgreSQL ({base}): {e}"))?;
        tokio::spawn(conn);
        admin
            .batch_execute(&format!("CREATE SCHEMA {schema}"))
            .await
            .map_err(|e| e.to_string())?;
        let database = format!("{base} options='-c search_path={schema}'");
        // A simulator per run: an account's job history grows with every run, and the job listings
        // the engine polls with grow with it.
        let sim = simulator(limit).await?;
        let result = one_run(&sim, &database, workers, stacks, limit).await;
        let _ = admin.batch_execute(&format!("DROP SCHEMA {schema} CASCADE")).await;
        result?;
    }
    Ok(())
}

/// A simulator whose throttle allows `limit` calls a second per account, with the account `bench`.
async fn simulator(limit: usize) -> Result<cloudstack_sim::RunningSim, String> {
    let mut config = cloudstack_sim::SimConfig {
        job_latency: cloudstack_sim::Latency::Range(Duration::from_millis(50), Duration::from_millis(200)),
        api_throttle: Some(cloudstack_sim::ApiThrottle {
            max: u32::try_from(limit).unwrap_or(u32::MAX),
            interval: Duration::from_secs(1),
        }),
        ..cloudstack_sim::SimConfig::ephemeral()
    };
    config.accounts.push(cloudstack_sim::Account {
        name: "bench".into(),
        apikey: "bench-key".into(),
        secretkey: "bench-secret".into(),
    });
    cloudstack_sim::start(config).await.map_err(|e| e.to_string())
}

async fn one_run(
    sim: &cloudstack_sim::RunningSim,
    database: &str,
    workers: usize,
    stacks: usize,
    limit: usize,
) -> Result<(), String> {
    let key = stacktician::sealing::SealKey::from_base64(
        &stacktician::sealing::new_key().map_err(|e| e.to_string())?,
        "bench",
    )
    .map_err(|e| e.to_string())?;
    let mut worker = stacktician::worker::WorkerSettings::new(format!("bench-{workers}"));
    worker.poll = Duration::from_millis(200);
    worker.max_operations = 32;
    #[allow(clippy::cast_precision_loss)]
    let engine = stacktician::engines::EngineSettings {
        account_rate: Some(limit as f64),
        poll_interval: Duration::from_millis(100),
        ..stacktician::engines::EngineSettings::default()
    };
    let config = stacktician::service::ServiceConfig {
        database: stacktician::service::Database::Postgres(database.to_string()),
        key,
        listen: Some("127.0.0.1:0".parse().map_err(|_| "address")?),
        public_url: None,
        guest_listen: "127.0.0.1:0".parse().map_err(|_| "address")?,
        workers,
        engine,
        worker,
        limits: stack_core::limits::Limits::default(),
    };
    let service = stacktician::service::start(config).await.map_err(|e| e.to_string())?;
    let owner = stacktician::api::accounts::add(
        &service.state,
        stacktician::api::accounts::OwnerBody {
            name: "bench".into(),
            admin: false,
            endpoint: sim.url.clone(),
            api_key: "bench-key".into(),
            secret_key: "bench-secret".into(),
            api_version: Some("4.17".into()),
        },
    )
    .await
    .map_err(|e| e.to_string())?;
    let (_, token) = stacktician::api::accounts::issue(&service.state, &owner, "bench")
        .await
        .map_err(|e| e.to_string())?;
    let client = Arc::new(Client {
        base: service.url.clone().unwrap_or_default(),
        token,
        http: reqwest::Client::new(),
    });
    // Give the workers a heartbeat, so the account's rate is shared from the start.
    tokio::time::sleep(Duration::from_millis(300)).await;
    sim.handle.reset_calls();
    let throttled_before = sim.handle.throttled_calls();
    let sampling = Arc::new(AtomicBool::new(true));
    let sampler = {
        let (handle, on) = (sim.handle.clone(), Arc::clone(&sampling));
        tokio::spawn(async move {
            let mut samples: Vec<(Instant, u64)> = Vec::new();
            while on.load(Ordering::Relaxed) {
                samples.push((Instant::now(), handle.total_calls()));
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            samples
        })
    };
    let started = Instant::now();
    let template = template();
    let sends = (0..stacks).map(|i| {
        let (c, t) = (Arc::clone(&client), template.clone());
        async move {
            let body = rest::CreateStack {
                name: format!("b{i}"),
                source: rest::TemplateSource {
                    template: Some(t),
                    ..rest::TemplateSource::default()
                },
                ..rest::CreateStack::default()
            };
            c.call::<_, rest::Accepted>(reqwest::Method::POST, "/v1/stacks", Some(&body))
                .await
        }
    });
    for r in futures_util::future::join_all(sends).await {
        r.map_err(|e| format!("a create was refused: {e}"))?;
    }
    let mut latencies = Vec::new();
    for i in 0..stacks {
        loop {
            let v: rest::OperationList = client
                .call(reqwest::Method::GET, &format!("/v1/stacks/b{i}/operations"), NO_BODY)
                .await?;
            let Some(op) = v.operations.first() else {
                return Err(format!("stack b{i} has no operation"));
            };
            if op.ended() {
                if op.outcome.as_deref() != Some("CREATE_COMPLETE") {
                    return Err(format!("stack b{i}: {op:?}"));
                }
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    let wall = started.elapsed();
    sampling.store(false, Ordering::Relaxed);
    let samples = sampler.await.map_err(|e| e.to_string())?;
    let calls = sim.handle.total_calls();
    let throttled = sim.handle.throttled_calls() - throttled_before;
    if std::env::var_os("BENCH_DETAIL").is_some() {
        // Where the requests went, most first.
        let mut by_api: Vec<(String, u64)> = sim.handle.call_counts().into_iter().collect();
        by_api.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
        let shown: Vec<String> = by_api.iter().take(8).map(|(k, v)| format!("{k} {v}")).collect();
        println!("  calls: {}", shown.join(", "));
    }
    if let Some(op) = service
        .state
        .db
        .active_operations()
        .await
        .map_err(|e| e.to_string())?
        .first()
    {
        return Err(format!("an operation is still active: {op:?}"));
    }
    for i in 0..stacks {
        let ops = service
            .state
            .db
            .operations(owner.id, &format!("b{i}"), 1)
            .await
            .map_err(|e| e.to_string())?;
        if let Some(op) = ops.first() {
            if let Some(f) = op.finished_ms {
                latencies.push(Duration::from_millis(u64::try_from(f - op.created_ms).unwrap_or(0)));
            }
        }
    }
    latencies.sort();
    let pct = |p: f64| {
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            clippy::cast_precision_loss
        )]
        let i = ((latencies.len() as f64 - 1.0) * p).round() as usize;
        latencies.get(i).copied().unwrap_or_default()
    };
    let mut max_rate = 0u64;
    for (i, (t0, c0)) in samples.iter().enumerate() {
        if let Some((_, c1)) = samples[i..]
            .iter()
            .take_while(|(t, _)| *t - *t0 <= Duration::from_secs(1))
            .last()
        {
            max_rate = max_rate.max(c1 - c0);
        }
    }
    #[allow(clippy::cast_precision_loss)]
    let (per_min, per_resource) = (
        stacks as f64 / wall.as_secs_f64() * 60.0,
        calls as f64 / (stacks * RESOURCES) as f64,
    );
    println!(
        "{workers:>7} {:>10.1} {per_min:>12.1} {per_resource:>12.2} {:>10.1} {:>10.1} {:>9} / {limit:<4} {throttled:>6}",
        wall.as_secs_f64(),
        pct(0.5).as_secs_f64(),
        pct(0.99).as_secs_f64(),
        max_rate,
    );
    // Clean up for the next run (not timed).
    for i in 0..stacks {
        let _: rest::Accepted = client
            .call(reqwest::Method::DELETE, &format!("/v1/stacks/b{i}"), NO_BODY)
            .await?;
    }
    loop {
        if service
            .state
            .db
            .active_operations()
            .await
            .map_err(|e| e.to_string())?
            .is_empty()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let left = sim.handle.created_resources().len();
    if left > 0 {
        return Err(format!("{left} resources left after the deletes"));
    }
    service.stop().await;
    Ok(())
}
