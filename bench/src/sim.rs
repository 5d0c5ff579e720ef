//! `cargo xtask bench sim`: signed `listZones` and deploy+poll throughput with 64 concurrent clients,
//! and memory with 100,000 resources, against the in-process simulator on this machine (client and
//! server share its cores).

use std::time::{Duration, Instant};

use cloudstack_api::v4_17::{CreateInstanceGroup, DeployVirtualMachine, ListInstanceGroups, ListZones};
use cloudstack_client::{Client, JobPolicy};
use cloudstack_sim::fixtures::{SERVICE_OFFERING_SMALL_ID, TEMPLATE_ID, ZONE_ID};

const CLIENTS: usize = 64;

/// Runs the benchmark and prints its figures.
pub fn run() -> Result<(), String> {
    let rt = crate::runtime()?;
    rt.block_on(bench())
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        })
        .unwrap_or(0)
}

async fn bench() -> Result<(), String> {
    let config = cloudstack_sim::SimConfig {
        job_latency: cloudstack_sim::Latency::Fixed(Duration::ZERO),
        ..cloudstack_sim::SimConfig::ephemeral()
    };
    let rss_before = rss_kib();
    let sim = cloudstack_sim::start(config).await.map_err(|e| e.to_string())?;
    // 64 tasks share one client: let all of them be on the wire at once.
    let client = Client::builder(&sim.url)
        .credentials(cloudstack_sim::DEMO_API_KEY, cloudstack_sim::DEMO_SECRET_KEY)
        .max_in_flight(CLIENTS)
        .job_policy(JobPolicy {
            start: Duration::from_millis(1),
            factor: 1.0,
            cap: Duration::from_millis(1),
            timeout: Duration::from_secs(30),
        })
        .build()
        .map_err(|e| e.to_string())?;
    let window = Duration::from_secs(5);

    let count = drive(&client, window, |c| async move {
        c.execute(&ListZones::new()).await.map(|_| ())
    })
    .await?;
    println!(
        "signed listZones, {CLIENTS} concurrent clients, {window:?}: {count} requests = {:.0} requests/s (goal > 10,000)",
        count as f64 / window.as_secs_f64()
    );

    let before = client.request_count();
    let deployed = drive(&client, window, |c| async move {
        c.execute(&DeployVirtualMachine::new(
            SERVICE_OFFERING_SMALL_ID,
            TEMPLATE_ID,
            ZONE_ID,
        ))
        .await
        .map(|_| ())
    })
    .await?;
    let requests = client.request_count() - before;
    println!(
        "deploy+poll, {CLIENTS} concurrent clients, {window:?}: {deployed} VMs = {:.0} VMs/s, {:.0} requests/s",
        deployed as f64 / window.as_secs_f64(),
        requests as f64 / window.as_secs_f64()
    );

    let target = 100_000usize;
    let existing = sim.handle.created_resources().len();
    let rss_start = rss_kib();
    let started = Instant::now();
    let per_task = (target - existing.min(target)) / CLIENTS + 1;
    let mut tasks = Vec::new();
    for t in 0..CLIENTS {
        let c = client.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..per_task {
                c.execute(&CreateInstanceGroup::new(format!("g-{t}-{i}")))
                    .await
                    .map_err(|e| e.to_string())?;
            }
            Ok::<(), String>(())
        }));
    }
    for t in tasks {
        t.await.map_err(|e| e.to_string())??;
    }
    let total = sim.handle.created_resources().len();
    let rss_end = rss_kib();
    let t = Instant::now();
    let page = client
        .list_page(ListInstanceGroups::new(), 100, 500)
        .await
        .map_err(|e| e.to_string())?;
    println!(
        "memory: {total} resources created in {:.1} s; process RSS {} MiB before the simulator, {} MiB at {existing}, {} MiB at {total} ({:.0} bytes per resource); one 500-item page of {:?} takes {:.1} ms",
        started.elapsed().as_secs_f64(),
        rss_before / 1024,
        rss_start / 1024,
        rss_end / 1024,
        (rss_end.saturating_sub(rss_start) * 1024) as f64 / (total - existing).max(1) as f64,
        page.count,
        t.elapsed().as_secs_f64() * 1000.0
    );
    sim.stop().await;
    Ok(())
}

/// Runs `op` in a loop on `CLIENTS` tasks for `window`; returns how many completed.
async fn drive<F, Fut>(client: &Client, window: Duration, op: F) -> Result<u64, String>
where
    F: Fn(Client) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = Result<(), cloudstack_client::Error>> + Send,
{
    let deadline = Instant::now() + window;
    let mut tasks = Vec::new();
    for _ in 0..CLIENTS {
        let (c, op) = (client.clone(), op.clone());
        tasks.push(tokio::spawn(async move {
            let mut n = 0u64;
            while Instant::now() < deadline {
                op(c.clone()).await.map_err(|e| e.to_string())?;
                n += 1;
            }
            Ok::<u64, String>(n)
        }));
    }
    let mut total = 0;
    for t in tasks {
        total += t.await.map_err(|e| e.to_string())??;
    }
    Ok(total)
}
