//! Running one case of `bench engine`: a fresh simulator on a runtime of its own (threads named
//! `sim`, so the engine's CPU can be told from the simulator's), an engine on the bench's runtime,
//! one create and one delete, and what they measured.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use cloudstack_client::Client;
use cloudstack_sim::{Account, ApiThrottle, Latency, RunningSim, SimConfig};
use stack_core::{Engine, EngineConfig, Status};
use stack_signals_http::SignalServer;

use crate::engine_shapes::Shape;

/// How a case's cloud and engine are set up.
#[derive(Clone, Copy)]
pub struct Setup {
    /// Job latency of the simulator.
    pub latency: Latency,
    /// The simulator's API throttle (on the `bench` user account), if any.
    pub throttle: Option<ApiThrottle>,
    /// The client's rate limit (requests per second), if any.
    pub rate: Option<f64>,
    /// The engine's resource cap (0: none).
    pub concurrency: usize,
    /// The job watcher's poll interval.
    pub poll: Duration,
}

impl Setup {
    /// Jobs of `latency`, polled every `poll`; no throttle, no rate limit, no resource cap.
    pub fn new(latency: Latency, poll: Duration) -> Self {
        Self {
            latency,
            throttle: None,
            rate: None,
            concurrency: 0,
            poll,
        }
    }
}

/// What one create and delete measured.
pub struct Figures {
    /// Create wall time.
    pub wall: Duration,
    /// Delete wall time.
    pub delete: Duration,
    /// CPU of the engine, the client and this bench (not the simulator) during the create, seconds.
    pub engine_cpu: f64,
    /// API requests of the create.
    pub requests: u64,
    /// Calls per API of the create.
    pub calls: BTreeMap<String, u64>,
    /// Calls the simulator's throttle refused.
    pub throttled: u64,
    /// Each resource's jobs as the simulator ran them: (API, latency), create first.
    pub jobs: BTreeMap<String, Vec<(String, Duration)>>,
    /// Each resource's create job: when the simulator took it and when it ended, from the launch.
    pub create_jobs: BTreeMap<String, (Duration, Duration)>,
    /// From the launch to the first resource's start (parsing, planning, the stack's records).
    pub first_start: Duration,
    /// From the last resource's completion to the stack's (the last tags).
    pub tail: Duration,
    /// Each resource's start and completion, from the launch.
    pub spans: BTreeMap<String, (Duration, Duration)>,
    /// Resources left after the delete.
    pub left: usize,
}

/// The runtimes of a bench: the engine's (the caller's) and the simulator's.
pub struct Runtimes {
    /// Runs the simulator.
    pub sim: tokio::runtime::Runtime,
    /// Runs the engine.
    pub engine: tokio::runtime::Runtime,
}

impl Runtimes {
    /// Two runtimes of two workers each.
    pub fn new() -> Result<Self, String> {
        let build = |name: &str| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_name(name)
                .enable_all()
                .build()
                .map_err(|e| e.to_string())
        };
        Ok(Self {
            sim: build("sim")?,
            engine: build("engine")?,
        })
    }
}

/// CPU seconds of this process (all threads, dead ones included) and of its `sim` threads.
fn cpu() -> (f64, f64) {
    let ticks = |stat: &str| -> Option<f64> {
        let after = stat.rsplit_once(')')?.1;
        let f: Vec<&str> = after.split_whitespace().collect();
        Some((f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?) / 100.0)
    };
    let total = std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| ticks(&s))
        .unwrap_or(0.0);
    let mut sim = 0.0;
    if let Ok(tasks) = std::fs::read_dir("/proc/self/task") {
        for t in tasks.flatten() {
            let comm = std::fs::read_to_string(t.path().join("comm")).unwrap_or_default();
            if comm.trim_end().starts_with("sim") {
                sim += std::fs::read_to_string(t.path().join("stat"))
                    .ok()
                    .and_then(|s| ticks(&s))
                    .unwrap_or(0.0);
            }
        }
    }
    (total, sim)
}

fn start_sim(rt: &Runtimes, setup: &Setup) -> Result<RunningSim, String> {
    let mut config = SimConfig {
        job_latency: setup.latency,
        api_throttle: setup.throttle,
        ..SimConfig::ephemeral()
    };
    config.accounts.push(Account {
        name: "bench".into(),
        apikey: "bench-key".into(),
        secretkey: "bench-secret".into(),
    });
    rt.sim
        .block_on(cloudstack_sim::start(config))
        .map_err(|e| e.to_string())
}

/// Creates and deletes `shape` once on a fresh simulator.
pub fn one_run(rt: &Runtimes, setup: &Setup, shape: &Shape) -> Result<Figures, String> {
    let sim = start_sim(rt, setup)?;
    let mut builder = Client::builder(&sim.url).credentials("bench-key", "bench-secret");
    if let Some(n) = std::env::var("BENCH_SLOTS").ok().and_then(|v| v.parse().ok()) {
        builder = builder.max_in_flight(n);
    }
    if let Some(rate) = setup.rate {
        builder = builder.max_rate(rate);
    }
    let client = builder.build().map_err(|e| e.to_string())?;
    let figures = rt.engine.block_on(async {
        let signals = SignalServer::start("127.0.0.1:0".parse().map_err(|_| "addr")?, None)
            .await
            .map_err(|e| e.to_string())?;
        let config = EngineConfig {
            concurrency: setup.concurrency,
            poll_interval: setup.poll,
            ..EngineConfig::default()
        };
        let engine = Engine::new(client.clone(), config).with_signals(std::sync::Arc::new(signals));
        let release = cloudstack_api::specs::release("4.17").map_err(|e| e.to_string())?;
        let options = engine
            .plan_options("bench", release)
            .zones(vec![cloudstack_sim::fixtures::ZONE_ID.into()])
            .limits(stack_core::limits::Limits {
                resources: 10_000,
                template_bytes: 16 << 20,
                ..stack_core::limits::Limits::default()
            });
        type Mark = (bool, String, Status, Instant);
        let marks = std::sync::Arc::new(std::sync::Mutex::new(Vec::<Mark>::new()));
        let sink = std::sync::Arc::clone(&marks);
        engine
            .events()
            .subscribe(std::sync::Arc::new(move |e: &stack_core::Event| {
                if let Ok(mut m) = sink.lock() {
                    m.push((
                        e.resource_type == "CloudStack::Stack",
                        e.logical_id.clone(),
                        e.status,
                        Instant::now(),
                    ));
                }
            }));
        let (cpu0, sim0) = cpu();
        let t = Instant::now();
        let mut run = engine
            .launch(&shape.text, &BTreeMap::new(), &options)
            .await
            .map_err(|e| e.to_string())?;
        let wall = t.elapsed();
        let (cpu1, sim1) = cpu();
        if run.status != Status::CreateComplete {
            return Err(format!("the create ended {}", run.status.as_str()));
        }
        let requests = client.request_count();
        let calls = sim.handle.call_counts();
        let throttled = sim.handle.throttled_calls();
        let (first_start, tail, spans) = marks.lock().map_or_else(
            |_| (Duration::ZERO, Duration::ZERO, BTreeMap::new()),
            |m| {
                let of = |stack: bool, status: Status| m.iter().filter(move |x| x.0 == stack && x.2 == status);
                let first = of(false, Status::CreateInProgress).map(|x| x.3).min();
                let last = of(false, Status::CreateComplete).map(|x| x.3).max();
                let done = of(true, Status::CreateComplete).map(|x| x.3).max();
                let mut spans: BTreeMap<String, (Duration, Duration)> = BTreeMap::new();
                for x in of(false, Status::CreateInProgress) {
                    spans.entry(x.1.clone()).or_default().0 = x.3.saturating_duration_since(t);
                }
                for x in of(false, Status::CreateComplete) {
                    spans.entry(x.1.clone()).or_default().1 = x.3.saturating_duration_since(t);
                }
                (
                    first.map_or(Duration::ZERO, |f| f.saturating_duration_since(t)),
                    done.zip(last)
                        .map_or(Duration::ZERO, |(d, l)| d.saturating_duration_since(l)),
                    spans,
                )
            },
        );
        let ids: BTreeMap<String, String> = run
            .resources
            .iter()
            .filter_map(|(l, r)| Some((r.physical_id.clone()?, l.clone())))
            .collect();
        let d = Instant::now();
        engine.delete(&mut run).await.map_err(|e| e.to_string())?;
        let delete = d.elapsed();
        let mut jobs: BTreeMap<String, Vec<(String, Duration)>> = BTreeMap::new();
        let mut create_jobs: BTreeMap<String, (Duration, Duration)> = BTreeMap::new();
        for j in sim.handle.job_runs() {
            if let Some(l) = j.instance_id.as_ref().and_then(|i| ids.get(i)) {
                let from = j.submitted.saturating_duration_since(t);
                if from < wall {
                    create_jobs.entry(l.clone()).or_insert((from, from + j.duration));
                }
                jobs.entry(l.clone()).or_default().push((j.cmd, j.duration));
            }
        }
        Ok::<_, String>(Figures {
            wall,
            delete,
            engine_cpu: (cpu1 - cpu0) - (sim1 - sim0),
            requests,
            calls,
            throttled,
            jobs,
            create_jobs,
            first_start,
            tail,
            spans,
            left: sim.handle.created_resources().len(),
        })
    })?;
    rt.sim.block_on(sim.stop());
    Ok(figures)
}
