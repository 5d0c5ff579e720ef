//! `cargo xtask bench engine`: stacks against their critical path's lower bound, on the simulator
//! (in process, on a runtime of its own):
//! - `mixed`: 500 resources of mixed widths and depths at 50 ms job latency, without a resource cap
//!   and at concurrency 64 (goals: <= 1.10 x the bound; <= 1.3 API requests per resource);
//! - `deep`: 5,000 resources, 20 deep, job latencies between 20 and 200 ms (goals: <= 1.15 x; engine
//!   CPU under 0.3 ms per resource);
//! - `throttled`: the 500 again under CloudStack's API throttle of 25 requests a second, with the
//!   client's rate limit at 25/s (goal: within 10% of the bound the rate itself sets);
//! - `tiered`: 10 application tiers at 1 s job latency (goals: create and delete <= 1.2 x);
//! - `nested`: 10 nested stacks of 50 resources, and the same 500 resources in one flat stack, at
//!   50 ms job latency (goal: the nested stack's create / bound within 5% of the flat one's).
//!
//! The bound is the longest chain of jobs, each as long as the simulator ran it (a synchronous
//! create, one round trip, counts as nothing; a synchronous create's tags, a createTags job after
//! it, count at the end of its chain), and, for a rate or a cap, the work that has to pass through
//! it. Everything else (requests, polling, planning, records) is the engine's overhead. Every
//! figure is given as the median, min and max of `BENCH_RUNS` runs (default 5), each on a fresh
//! simulator. `BENCH_CASES=mixed,tiered` picks cases; `BENCH_DETAIL=1` shows where each run's time
//! went; `RUST_LOG=...` shows what the engine and the simulator log.

use std::time::Duration;

use cloudstack_sim::{ApiThrottle, Latency};

use crate::engine_run::{one_run, Figures, Runtimes, Setup};
use crate::engine_shapes::{layered, mixed, nested, tiered, Shape};

/// Runs the benchmark and prints its figures.
pub fn run() -> Result<(), String> {
    let rt = Runtimes::new()?;
    let runs: usize = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5)
        .max(1);
    let cases = std::env::var("BENCH_CASES").unwrap_or_else(|_| "mixed,deep,throttled,tiered,nested".into());
    println!("engine: {runs} runs per case, each on a fresh simulator");
    for case in cases.split(',').map(str::trim) {
        match case {
            "mixed" => {
                let shape = mixed(500);
                let fixed = Duration::from_millis(50);
                for concurrency in [0, 64] {
                    let setup = Setup {
                        concurrency,
                        ..Setup::new(Latency::Fixed(fixed), Duration::from_millis(2))
                    };
                    let label = if concurrency == 0 {
                        "no cap".to_string()
                    } else {
                        format!("concurrency {concurrency}")
                    };
                    case_runs(
                        &rt,
                        &format!("mixed, {label}, 50 ms jobs"),
                        &shape,
                        &setup,
                        runs,
                        &Goals {
                            create: 1.10,
                            delete: None,
                            requests: Some(1.3),
                            cpu_ms: None,
                        },
                    )?;
                }
            }
            "deep" => {
                let shape = layered(5_000, 20);
                let jobs = Latency::Range(Duration::from_millis(20), Duration::from_millis(200));
                let setup = Setup::new(jobs, Duration::from_millis(10));
                case_runs(
                    &rt,
                    "deep, 20-200 ms jobs",
                    &shape,
                    &setup,
                    runs,
                    &Goals {
                        create: 1.15,
                        delete: None,
                        requests: None,
                        cpu_ms: Some(0.3),
                    },
                )?;
            }
            "throttled" => {
                let shape = mixed(500);
                let setup = Setup {
                    throttle: Some(ApiThrottle::default()),
                    rate: Some(25.0),
                    ..Setup::new(Latency::Fixed(Duration::from_millis(50)), Duration::from_millis(250))
                };
                case_runs(
                    &rt,
                    "throttled at 25 requests/s, --api-rate 25/s, 50 ms jobs",
                    &shape,
                    &setup,
                    runs,
                    &Goals {
                        create: 1.10,
                        delete: None,
                        requests: None,
                        cpu_ms: None,
                    },
                )?;
            }
            "tiered" => {
                let shape = tiered(10);
                let setup = Setup::new(Latency::Fixed(Duration::from_secs(1)), Duration::from_millis(10));
                case_runs(
                    &rt,
                    "tiered, 1 s jobs",
                    &shape,
                    &setup,
                    runs,
                    &Goals {
                        create: 1.2,
                        delete: Some(1.2),
                        requests: None,
                        cpu_ms: None,
                    },
                )?;
            }
            "nested" => {
                let (nested_shape, flat_shape) = nested(10, 50);
                let setup = Setup::new(Latency::Fixed(Duration::from_millis(50)), Duration::from_millis(2));
                // The goal is the quotient below; a 5-deep DAG's bound (250 ms) leaves the fixed
                // start-up and tagging overhead a larger share than in `mixed`.
                let goals = Goals {
                    create: 1.25,
                    delete: None,
                    requests: None,
                    cpu_ms: None,
                };
                let flat = case_runs(&rt, "flat, 50 ms jobs", &flat_shape, &setup, runs, &goals)?;
                let nest = case_runs(&rt, "nested, 50 ms jobs", &nested_shape, &setup, runs, &goals)?;
                let quotient = nest / flat;
                let verdict = if quotient <= 1.05 { "meets" } else { "misses" };
                println!(
                    "    nested / flat (median create / bound): {nest:.3} / {flat:.3} = {quotient:.3} ({verdict} the goal of <= 1.05)"
                );
            }
            other => {
                return Err(format!(
                    "unknown case {other:?}; cases: mixed, deep, throttled, tiered, nested"
                ))
            }
        }
    }
    Ok(())
}

/// What a case must meet.
struct Goals {
    create: f64,
    delete: Option<f64>,
    requests: Option<f64>,
    cpu_ms: Option<f64>,
}

/// The participant of `kind` in 4.17.
fn participant(kind: &str) -> Option<&'static cloudstack_client::ParticipantSpec> {
    cloudstack_api::specs::release("4.17")
        .ok()?
        .participants
        .iter()
        .find(|p| p.type_name == kind)
}

/// Whether `kind`'s create (or delete) is an async API.
fn is_async(kind: &str, delete: bool) -> bool {
    participant(kind).is_some_and(|p| if delete { p.delete.is_async } else { p.create.is_async })
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Median, min and max.
fn spread(mut v: Vec<f64>) -> (f64, f64, f64) {
    v.sort_by(f64::total_cmp);
    (v[v.len() / 2], v[0], v[v.len() - 1])
}

fn report(name: &str, v: Vec<f64>, unit: &str, goal: Option<f64>) {
    let (median, min, max) = spread(v);
    let goal = goal.map(|g| {
        let met = if median <= g { "met" } else { "NOT met" };
        format!(" (goal <= {g}: {met})")
    });
    println!(
        "    {name}: median {median:.3}{unit}, min {min:.3}, max {max:.3}{}",
        goal.unwrap_or_default()
    );
}

#[allow(clippy::too_many_arguments)]
fn case_runs(
    rt: &Runtimes,
    label: &str,
    shape: &Shape,
    setup: &Setup,
    runs: usize,
    goals: &Goals,
) -> Result<f64, String> {
    let n = shape.len() as f64;
    println!("  {label}: {} ({} deep)", shape.title, shape.depth());
    let fixed = match setup.latency {
        Latency::Fixed(d) => d,
        Latency::Range(a, _) => a,
    };
    let (mut ratios, mut deletes, mut requests, mut cpus) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for i in 1..=runs {
        let f: Figures = one_run(rt, setup, shape)?;
        let api = |l: &str, delete: bool| -> Option<&'static str> {
            let p = participant(shape.kinds[l])?;
            Some(if delete { p.delete.name } else { p.create.name })
        };
        // A resource's job of `api` as the simulator ran it (the distribution's least if unknown).
        let job = |l: &str, delete: bool| -> Duration {
            let name = api(l, delete).unwrap_or_default();
            f.jobs
                .get(l)
                .and_then(|js| js.iter().find(|(c, _)| c == name))
                .map_or(fixed, |(_, d)| *d)
        };
        // Create: an async create's job (a synchronous create, one round trip, counts as nothing).
        let cost = |l: &str| {
            if is_async(shape.kinds[l], false) {
                job(l, false)
            } else {
                Duration::ZERO
            }
        };
        // A synchronous create's tags go on after it (a createTags job); an async one's during its job.
        let tags = |l: &str| {
            let taggable = participant(shape.kinds[l]).is_some_and(|p| p.tag_resource_type.is_some());
            if taggable && !is_async(shape.kinds[l], false) {
                fixed
            } else {
                Duration::ZERO
            }
        };
        let mut bound = shape.critical_path(false, cost, tags);
        if setup.concurrency > 0 {
            let work: Duration = shape.kinds.keys().map(|l| cost(l)).sum();
            bound = bound.max(work / u32::try_from(setup.concurrency).unwrap_or(u32::MAX));
        }
        if let Some(rate) = setup.rate {
            bound = bound.max(Duration::from_secs_f64(f.requests.saturating_sub(1) as f64 / rate));
        }
        let ratio = f.wall.as_secs_f64() / bound.as_secs_f64().max(1e-9);
        let delete_cost = |l: &str| {
            if is_async(shape.kinds[l], true) {
                job(l, true)
            } else {
                Duration::ZERO
            }
        };
        let delete_bound = shape.critical_path(true, delete_cost, |_| Duration::ZERO);
        let delete_ratio = f.delete.as_secs_f64() / delete_bound.as_secs_f64().max(1e-9);
        // Where the time over the bound goes: a resource's start after its last dependency's end
        // (scheduling, request slots), and its run over its own job (requests, polling).
        let (mut lag, mut over, mut counted) = (Duration::ZERO, Duration::ZERO, 0u32);
        for (l, (start, end)) in &f.spans {
            let ready = shape.deps[l]
                .iter()
                .filter_map(|d| f.spans.get(d))
                .map(|s| s.1)
                .max()
                .unwrap_or(f.first_start);
            lag += start.saturating_sub(ready);
            over += end.saturating_sub(*start).saturating_sub(cost(l));
            counted += 1;
        }
        let counted = counted.max(1);
        if std::env::var("BENCH_DETAIL").is_ok() {
            print_detail(shape, &f, &cost);
        }
        let per = f.requests as f64 / n;
        let cpu = f.engine_cpu * 1000.0 / n;
        println!(
            "    run {i}: create {:.3} s over a bound of {:.3} s = {ratio:.3} x; delete {:.3} s over {:.3} s = {delete_ratio:.3} x; {per:.2} requests per resource (createTags {}, job polls {}); engine CPU {cpu:.3} ms per resource; first resource after {:.0} ms, then per resource {:.1} ms from ready to start and {:.1} ms over its job, last tags {:.0} ms after the last resource; {} refused by the throttle; {} left",
            f.wall.as_secs_f64(),
            bound.as_secs_f64(),
            f.delete.as_secs_f64(),
            delete_bound.as_secs_f64(),
            f.calls.get("createTags").copied().unwrap_or(0),
            f.calls.get("listAsyncJobs").copied().unwrap_or(0) + f.calls.get("queryAsyncJobResult").copied().unwrap_or(0),
            ms(f.first_start),
            ms(lag / counted),
            ms(over / counted),
            ms(f.tail),
            f.throttled,
            f.left
        );
        ratios.push(ratio);
        deletes.push(delete_ratio);
        requests.push(per);
        cpus.push(cpu);
    }
    let median = spread(ratios.clone()).0;
    report("create / bound", ratios, " x", Some(goals.create));
    if goals.delete.is_some() {
        report("delete / bound", deletes, " x", goals.delete);
    }
    report("API requests per resource", requests, "", goals.requests);
    report("engine CPU per resource", cpus, " ms", goals.cpu_ms);
    Ok(median)
}

/// Where a run's time went (`BENCH_DETAIL=1`): the resources furthest over their own job, and per
/// depth, when the first resource started and the last ended.
fn print_detail(shape: &Shape, f: &Figures, cost: &dyn Fn(&str) -> Duration) {
    let mut worst: Vec<(Duration, &String, Duration, Duration)> = f
        .spans
        .iter()
        .map(|(l, (s, e))| (e.saturating_sub(*s).saturating_sub(cost(l)), l, *s, *e))
        .collect();
    worst.sort();
    for (over, l, s, e) in worst.iter().rev().take(8) {
        println!(
            "      {l} ({}): started at {:.0} ms, ended at {:.0} ms, {:.0} ms over its job ({:?})",
            shape.kinds[l.as_str()],
            ms(*s),
            ms(*e),
            ms(*over),
            f.jobs.get(l.as_str())
        );
    }
    // The chain that ended last, from its first resource: where its time went.
    let mut chain: Vec<&String> = Vec::new();
    let mut at = f.spans.iter().max_by_key(|(_, (_, e))| *e).map(|(l, _)| l);
    while let Some(l) = at {
        chain.push(l);
        at = shape.deps[l.as_str()]
            .iter()
            .filter_map(|d| f.spans.get_key_value(d))
            .max_by_key(|(_, (_, e))| *e)
            .map(|(d, _)| d);
    }
    for l in chain.iter().rev() {
        let (s, e) = f.spans[l.as_str()];
        // An async create's job: how long after the start the cloud took it, and how long after its
        // end the engine saw that.
        let job = f.create_jobs.get(l.as_str()).map_or(String::new(), |(js, je)| {
            format!(
                " (its job taken {:.1} ms after the start, seen {:.1} ms after its end)",
                ms(js.saturating_sub(s)),
                ms(e.saturating_sub(*je))
            )
        });
        println!(
            "      chain: {l} ({}): started at {:.1} ms, ended at {:.1} ms, {:.1} ms over its job{job}",
            shape.kinds[l.as_str()],
            ms(s),
            ms(e),
            ms(e.saturating_sub(s).saturating_sub(cost(l)))
        );
    }
    let levels = shape.levels();
    let mut by_level: std::collections::BTreeMap<usize, (Duration, Duration, usize)> = Default::default();
    for (l, (s, e)) in &f.spans {
        let x =
            by_level
                .entry(levels.get(l.as_str()).copied().unwrap_or(0))
                .or_insert((Duration::MAX, Duration::ZERO, 0));
        x.0 = x.0.min(*s);
        x.1 = x.1.max(*e);
        x.2 += 1;
    }
    for (level, (s, e, count)) in by_level {
        println!(
            "      depth {level}: {count} resources, the first started at {:.0} ms, the last ended at {:.0} ms",
            ms(s),
            ms(e)
        );
    }
}
