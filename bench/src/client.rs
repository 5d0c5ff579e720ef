//! `cargo xtask bench client`: signatures per second, and requests per poll interval for 200 in-flight
//! jobs with the batch job watcher versus per-job polling (against the in-process simulator).

use std::time::{Duration, Instant};

use cloudstack_api::v4_17::DeployVirtualMachine;
use cloudstack_client::signing::signature;
use cloudstack_client::{Client, JobWatcher, WatchMode};
use cloudstack_sim::fixtures::{SERVICE_OFFERING_SMALL_ID, TEMPLATE_ID, ZONE_ID};

/// Runs the benchmark and prints its figures.
pub fn run() -> Result<(), String> {
    signing_rate();
    let rt = crate::runtime()?;
    rt.block_on(watcher())
}

fn signing_rate() {
    // A 10-parameter request as the client sends it (command, response, apiKey, version, expires + 5).
    let params: Vec<(String, String)> = [
        ("command", "deployVirtualMachine"),
        ("response", "json"),
        (
            "apiKey",
            "plgWJfZK4gyS3mOMTVmjUVg-X-jlWlnfaUJ9GAbBbf9EdM-kAYMmAiLqzzq1ElZLYq_u38zCm0bewzGUdP66mg",
        ),
        ("signatureVersion", "3"),
        ("expires", "2030-01-01T00:00:00+0000"),
        ("serviceofferingid", "a1b2c3d4-0003-4000-8000-000000000001"),
        ("templateid", "a1b2c3d4-0002-4000-8000-000000000001"),
        ("zoneid", "a1b2c3d4-0001-4000-8000-000000000001"),
        ("name", "web server 1"),
        ("displayname", "Web server ~ number one"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let secret = "VDaACYb0LV9eNjTetIOElcVQkvJck_J_QljX_FcHRj87ZKiy0z0ty0ZsYBkoXkY9b7eq1EhwJaw7FF3akA3KBQ";
    let n = 300_000u32;
    let started = Instant::now();
    let mut total = 0usize;
    for _ in 0..n {
        total += signature(std::hint::black_box(&params), secret).len();
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "signing: {n} signatures of a 10-parameter request in {secs:.2} s on one thread = {:.0} signatures/s (goal > 200,000) [{total}]",
        f64::from(n) / secs
    );
}

async fn watcher() -> Result<(), String> {
    const JOBS: usize = 200;
    let interval = Duration::from_millis(250);
    let config = cloudstack_sim::SimConfig {
        job_latency: cloudstack_sim::Latency::Fixed(Duration::from_secs(3)),
        ..cloudstack_sim::SimConfig::ephemeral()
    };
    let sim = cloudstack_sim::start(config).await.map_err(|e| e.to_string())?;
    let make = || {
        Client::builder(&sim.url)
            .credentials(cloudstack_sim::DEMO_API_KEY, cloudstack_sim::DEMO_SECRET_KEY)
            .build()
            .map_err(|e| e.to_string())
    };
    println!("job watching: {JOBS} in-flight deployVirtualMachine jobs of 3 s, poll interval {interval:?}");
    let mut per_interval = Vec::new();
    for mode in [WatchMode::Batch, WatchMode::PerJob] {
        let submitter = make()?;
        let mut jobs = Vec::with_capacity(JOBS);
        for i in 0..JOBS {
            let req =
                DeployVirtualMachine::new(SERVICE_OFFERING_SMALL_ID, TEMPLATE_ID, ZONE_ID).name(format!("bench-{i}"));
            jobs.push(submitter.submit(&req).await.map_err(|e| e.to_string())?.job_id);
        }
        let poller = make()?;
        let watcher = JobWatcher::with_mode(poller.clone(), interval, Duration::from_secs(60), mode);
        let started = Instant::now();
        let results =
            futures_util::future::join_all(jobs.iter().map(|j| watcher.wait("deployVirtualMachine", j))).await;
        let failed = results.iter().filter(|r| r.is_err()).count();
        let requests = poller.request_count();
        let polls = watcher.polls().max(1);
        let rate = requests as f64 / polls as f64;
        per_interval.push(rate);
        println!(
            "  {mode:?}: all done in {:.2} s, {failed} failed, {requests} requests over {polls} poll intervals = {rate:.1} requests per interval",
            started.elapsed().as_secs_f64()
        );
    }
    if let [batch, per_job] = per_interval[..] {
        println!(
            "  per-job polling sends {:.0}x the requests of the batch watcher",
            per_job / batch.max(f64::MIN_POSITIVE)
        );
    }
    sim.stop().await;
    Ok(())
}
