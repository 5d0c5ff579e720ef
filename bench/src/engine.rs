//! `cargo xtask bench engine`: a generated 500-resource DAG (mixed widths and depths) at 50 ms job
//! latency against the in-process simulator: wall time over the critical path's lower bound, API
//! requests per resource, and CPU time per resource.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cloudstack_client::Client;
use cloudstack_sim::fixtures::ZONE_ID;
use stack_core::signals::SignalServer;
use stack_core::{Engine, EngineConfig, PlanOptions, Status};

const RESOURCES: usize = 500;
const LATENCY: Duration = Duration::from_millis(50);

/// Runs the benchmark and prints its figures.
pub fn run() -> Result<(), String> {
    let rt = crate::runtime()?;
    rt.block_on(bench())
}

/// A small deterministic generator (so runs are comparable).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) as usize) % n.max(1)
    }
}

/// Resources in layers of varying width; each depends on 0..=2 resources of earlier layers.
fn generate() -> (String, BTreeMap<String, Vec<String>>, BTreeMap<String, &'static str>) {
    let mut rng = Lcg(7);
    let mut deps: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut kinds = BTreeMap::new();
    let mut earlier: Vec<String> = Vec::new();
    let mut entries = Vec::new();
    let mut made = 0;
    while made < RESOURCES {
        let width = (5 + rng.next(80)).min(RESOURCES - made);
        let mut layer = Vec::new();
        for _ in 0..width {
            let name = format!("R{made}");
            let (kind, props) = if made % 2 == 0 {
                ("CloudStack::IpAddress", format!(r#"{{"zoneid": "{ZONE_ID}"}}"#))
            } else {
                ("CloudStack::SecurityGroup", format!(r#"{{"name": "{name}"}}"#))
            };
            let mut on = Vec::new();
            if !earlier.is_empty() {
                for _ in 0..rng.next(3) {
                    let d = earlier[rng.next(earlier.len())].clone();
                    if !on.contains(&d) {
                        on.push(d);
                    }
                }
            }
            let depends = if on.is_empty() {
                String::new()
            } else {
                format!(r#", "DependsOn": {}"#, serde_json::to_string(&on).unwrap_or_default())
            };
            entries.push(format!(
                r#""{name}": {{"Type": "{kind}", "Properties": {props}{depends}}}"#
            ));
            kinds.insert(name.clone(), kind);
            deps.insert(name.clone(), on);
            layer.push(name);
            made += 1;
        }
        earlier.extend(layer);
    }
    (format!(r#"{{"Resources": {{{}}}}}"#, entries.join(",")), deps, kinds)
}

fn cpu_seconds() -> f64 {
    // utime + stime of this process, in clock ticks (100 per second on Linux).
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            let after = s.rsplit_once(')')?.1;
            let f: Vec<&str> = after.split_whitespace().collect();
            Some((f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?) / 100.0)
        })
        .unwrap_or(0.0)
}

async fn engine_for(concurrency: usize) -> Result<(cloudstack_sim::RunningSim, Engine, Client), String> {
    let config = cloudstack_sim::SimConfig {
        job_latency: cloudstack_sim::Latency::Fixed(LATENCY),
        ..cloudstack_sim::SimConfig::ephemeral()
    };
    let sim = cloudstack_sim::start(config).await.map_err(|e| e.to_string())?;
    let client = Client::builder(&sim.url)
        .credentials(cloudstack_sim::DEMO_API_KEY, cloudstack_sim::DEMO_SECRET_KEY)
        .build()
        .map_err(|e| e.to_string())?;
    let signals = SignalServer::start("127.0.0.1:0".parse().map_err(|_| "addr")?, None)
        .await
        .map_err(|e| e.to_string())?;
    let engine = Engine::new(
        client.clone(),
        signals,
        EngineConfig {
            concurrency,
            poll_interval: Duration::from_millis(10),
            ..EngineConfig::default()
        },
    );
    Ok((sim, engine, client))
}

fn options(engine: &Engine, name: &str) -> Result<PlanOptions, String> {
    Ok(PlanOptions::new(
        name,
        format!("{name}-id"),
        cloudstack_api::specs::release("4.17").map_err(|e| e.to_string())?,
    )
    .zones(vec![ZONE_ID.into()])
    .metadata_url(engine.signals().base_url()))
}

async fn bench() -> Result<(), String> {
    // The fastest one resource of each type can be created alone: the lower bound of a step.
    let mut single = BTreeMap::new();
    for (kind, props) in [
        ("CloudStack::IpAddress", format!(r#"{{"zoneid": "{ZONE_ID}"}}"#)),
        ("CloudStack::SecurityGroup", r#"{"name": "one"}"#.to_string()),
    ] {
        let mut best = Duration::MAX;
        for i in 0..3 {
            let (_sim, engine, _) = engine_for(1).await?;
            let text = format!(r#"{{"Resources": {{"One": {{"Type": "{kind}", "Properties": {props}}}}}}}"#);
            let t = Instant::now();
            engine
                .launch(&text, &BTreeMap::new(), &options(&engine, &format!("one{i}"))?)
                .await
                .map_err(|e| e.to_string())?;
            best = best.min(t.elapsed());
        }
        single.insert(kind, best);
    }
    let (text, deps, kinds) = generate();
    // Critical path: the longest chain of per-resource lower bounds.
    let mut finish: BTreeMap<String, Duration> = BTreeMap::new();
    let order: Vec<String> = (0..RESOURCES).map(|i| format!("R{i}")).collect();
    for name in &order {
        let start = deps[name].iter().map(|d| finish[d]).max().unwrap_or(Duration::ZERO);
        finish.insert(name.clone(), start + single[kinds[name]]);
    }
    let bound = finish.values().max().copied().unwrap_or(Duration::ZERO);
    let depth = {
        let mut level: BTreeMap<&str, usize> = BTreeMap::new();
        for name in &order {
            let l = deps[name].iter().map(|d| level[d.as_str()] + 1).max().unwrap_or(1);
            level.insert(name, l);
        }
        level.values().max().copied().unwrap_or(0)
    };
    let work: Duration = order.iter().map(|n| single[kinds[n]]).sum();
    println!("engine: {RESOURCES} resources (half async IpAddress, half sync SecurityGroup), critical path {depth} resources deep, job latency {LATENCY:?}");
    println!(
        "  one resource alone: IpAddress {:?}, SecurityGroup {:?}; critical-path lower bound {:.2} s; total work {:.1} s",
        single["CloudStack::IpAddress"], single["CloudStack::SecurityGroup"], bound.as_secs_f64(), work.as_secs_f64()
    );
    let runs: usize = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5)
        .max(1);
    let shape = Shape {
        text: &text,
        deps: &deps,
        kinds: &kinds,
        single: &single,
    };
    for concurrency in [RESOURCES, 64] {
        // With a concurrency cap, the work spread over the slots is a lower bound too.
        let capped = bound.max(work / u32::try_from(concurrency).unwrap_or(u32::MAX));
        println!(
            "  concurrency {concurrency}, lower bound {:.3} s, {runs} runs (each on a fresh simulator):",
            capped.as_secs_f64()
        );
        let mut ratios = Vec::with_capacity(runs);
        for i in 1..=runs {
            let fig = one_run(concurrency, &shape).await?;
            let ratio = fig.wall.as_secs_f64() / capped.as_secs_f64().max(1e-9);
            ratios.push(ratio);
            println!(
                "    run {i}: wall {:.3} s = {ratio:.3} x; {:.2} API requests per resource {:?}; CPU {:.2} ms per resource; {}; delete {:.2} s, {} resources left",
                fig.wall.as_secs_f64(),
                fig.requests as f64 / RESOURCES as f64,
                fig.calls,
                fig.cpu * 1000.0 / RESOURCES as f64,
                fig.breakdown,
                fig.delete.as_secs_f64(),
                fig.left
            );
        }
        ratios.sort_by(f64::total_cmp);
        println!(
            "    median {:.3} x the lower bound (min {:.3}, max {:.3}; goal <= 1.15)",
            ratios[ratios.len() / 2],
            ratios[0],
            ratios[ratios.len() - 1]
        );
    }
    println!("  (API requests: create + createTags = 2 per resource are needed, the rest is batched job polling; CPU counts the engine, the client and the in-process simulator together)");
    Ok(())
}

/// The generated stack and what the bound was computed from.
struct Shape<'a> {
    text: &'a str,
    deps: &'a BTreeMap<String, Vec<String>>,
    kinds: &'a BTreeMap<String, &'static str>,
    single: &'a BTreeMap<&'static str, Duration>,
}

/// What one create of the big stack measured.
struct RunFigures {
    wall: Duration,
    cpu: f64,
    requests: u64,
    calls: BTreeMap<String, u64>,
    breakdown: String,
    delete: Duration,
    left: usize,
}

async fn one_run(concurrency: usize, shape: &Shape<'_>) -> Result<RunFigures, String> {
    let (sim, engine, client) = engine_for(concurrency).await?;
    let marks = Arc::new(Mutex::new(Vec::<(String, Status, Instant)>::new()));
    let sink = Arc::clone(&marks);
    engine.events().subscribe(Arc::new(move |e: &stack_core::Event| {
        if let Ok(mut m) = sink.lock() {
            m.push((e.logical_id.clone(), e.status, Instant::now()));
        }
    }));
    let cpu0 = cpu_seconds();
    let t = Instant::now();
    let mut run = engine
        .launch(shape.text, &BTreeMap::new(), &options(&engine, "big")?)
        .await
        .map_err(|e| e.to_string())?;
    let wall = t.elapsed();
    let cpu = cpu_seconds() - cpu0;
    let requests = client.request_count();
    let calls = sim.handle.call_counts();
    let breakdown = marks
        .lock()
        .map(|m| breakdown(t, &m, shape.deps, shape.kinds, shape.single))
        .unwrap_or_default();
    let d = Instant::now();
    engine.delete(&mut run).await?;
    let delete = d.elapsed();
    let left = sim.handle.created_resources().len();
    sim.stop().await;
    Ok(RunFigures {
        wall,
        cpu,
        requests,
        calls,
        breakdown,
        delete,
        left,
    })
}

/// Where the time over the bound goes: planning before the first resource starts, the lag between a
/// resource's last dependency finishing and its own start, and each resource's time over its lone time.
fn breakdown(
    t0: Instant,
    marks: &[(String, Status, Instant)],
    deps: &BTreeMap<String, Vec<String>>,
    kinds: &BTreeMap<String, &'static str>,
    single: &BTreeMap<&'static str, Duration>,
) -> String {
    let mut start: BTreeMap<&str, Instant> = BTreeMap::new();
    let mut end: BTreeMap<&str, Instant> = BTreeMap::new();
    for (logical, status, at) in marks {
        match status {
            Status::CreateInProgress => start.insert(logical, *at),
            Status::CreateComplete => end.insert(logical, *at),
            _ => None,
        };
    }
    let first = start.values().min().copied().unwrap_or(t0);
    let (mut lag, mut over, mut n) = (Duration::ZERO, Duration::ZERO, 0u32);
    let mut worst_over = Duration::ZERO;
    for (name, on) in deps {
        let (Some(s), Some(e)) = (start.get(name.as_str()), end.get(name.as_str())) else {
            continue;
        };
        let ready = on
            .iter()
            .filter_map(|d| end.get(d.as_str()))
            .max()
            .copied()
            .unwrap_or(first);
        lag += s.saturating_duration_since(ready);
        let took = e.saturating_duration_since(*s);
        let extra = took.saturating_sub(single[kinds[name]]);
        over += extra;
        worst_over = worst_over.max(extra);
        n += 1;
    }
    let n = n.max(1);
    format!(
        "planning {:.1} ms; start lag {:.1} ms; over a lone resource {:.1} ms (worst {:.1} ms)",
        first.saturating_duration_since(t0).as_secs_f64() * 1000.0,
        (lag / n).as_secs_f64() * 1000.0,
        (over / n).as_secs_f64() * 1000.0,
        worst_over.as_secs_f64() * 1000.0
    )
}
