//! The client's batch job watcher against the simulator, which lists jobs the way CloudStack does (by
//! job id, ascending): later polls read only the jobs in flight, jobs are noticed about when they end,
//! no poll is wasted before any job can have ended, and request slots go to the highest priority
//! first.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cloudstack_api::v4_17 as api;
use cloudstack_client::{with_priority, Client, JobWatcher};
use cloudstack_sim::fixtures::ZONE_ID;
use cloudstack_sim::{Latency, RunningSim, SimConfig, DEMO_API_KEY, DEMO_SECRET_KEY};

async fn sim(latency: Duration) -> RunningSim {
    cloudstack_sim::start(SimConfig {
        job_latency: Latency::Fixed(latency),
        ..SimConfig::ephemeral()
    })
    .await
    .expect("simulator starts")
}

fn client(sim: &RunningSim, slots: usize) -> Client {
    Client::builder(&sim.url)
        .credentials(DEMO_API_KEY, DEMO_SECRET_KEY)
        .max_in_flight(slots)
        .build()
        .expect("client")
}

async fn submit_ips(c: &Client, n: usize) -> Vec<String> {
    let mut jobs = Vec::with_capacity(n);
    for _ in 0..n {
        let reply = c
            .submit(&api::AssociateIpAddress::new().zoneid(ZONE_ID))
            .await
            .expect("submitted");
        jobs.push(reply.job_id);
    }
    jobs
}

async fn wait_all(w: &JobWatcher, jobs: &[String]) {
    let waits = jobs.iter().map(|j| w.wait("associateIpAddress", j));
    for r in futures_util::future::join_all(waits).await {
        r.expect("job succeeds");
    }
}

#[tokio::test]
async fn later_polls_read_only_the_jobs_in_flight() {
    let sim = sim(Duration::from_millis(60)).await;
    let c = client(&sim, 16);
    let watcher = JobWatcher::new(c.clone(), Duration::from_millis(20), Duration::from_secs(20));
    // 300 jobs that finish, then 10 more: the second batch must not re-read the first 300 each poll.
    let first = submit_ips(&c, 300).await;
    wait_all(&watcher, &first).await;
    let (rows0, polls0) = (watcher.rows_listed(), watcher.polls());
    let second = submit_ips(&c, 10).await;
    wait_all(&watcher, &second).await;
    let (rows, polls) = (watcher.rows_listed() - rows0, watcher.polls() - polls0);
    assert!(polls >= 1, "the second batch was polled");
    // Each poll starts at the first unfinished job; a page may start a few rows early.
    assert!(
        rows <= polls * 40,
        "{rows} rows over {polls} polls for 10 jobs in flight (300 finished before them)"
    );
    assert_eq!(
        sim.handle.call_counts().get("queryAsyncJobResult"),
        None,
        "no job needed a query of its own"
    );
}

#[tokio::test]
async fn jobs_are_noticed_about_when_they_end_once_their_run_time_is_known() {
    // Jobs of 250 ms polled every 100 ms: on ticks alone each is noticed about 300 ms after it started.
    let sim = sim(Duration::from_millis(250)).await;
    let c = client(&sim, 16);
    let watcher = JobWatcher::new(c.clone(), Duration::from_millis(100), Duration::from_secs(20));
    // The first jobs are seen running, then finished: the watcher learns how long they take.
    for _ in 0..3 {
        let jobs = submit_ips(&c, 3).await;
        wait_all(&watcher, &jobs).await;
    }
    let mut slowest = Duration::ZERO;
    for _ in 0..4 {
        let t = Instant::now();
        let jobs = submit_ips(&c, 1).await;
        wait_all(&watcher, &jobs).await;
        slowest = slowest.max(t.elapsed());
    }
    assert!(
        slowest < Duration::from_millis(250 + 35),
        "a 250 ms job took {slowest:?} to be noticed"
    );
}

#[tokio::test]
async fn no_regular_poll_is_made_while_no_job_can_have_ended() {
    // Jobs of 200 ms polled every 10 ms: once their run time is pinned down (a few jobs in), the
    // ticks before it are skipped, so a job costs a few polls, not twenty.
    let sim = sim(Duration::from_millis(200)).await;
    let c = client(&sim, 16);
    let watcher = JobWatcher::new(c.clone(), Duration::from_millis(10), Duration::from_secs(20));
    for _ in 0..3 {
        let jobs = submit_ips(&c, 1).await;
        wait_all(&watcher, &jobs).await;
    }
    let learned = watcher.polls();
    for _ in 0..3 {
        let t = Instant::now();
        let jobs = submit_ips(&c, 1).await;
        wait_all(&watcher, &jobs).await;
        assert!(
            t.elapsed() < Duration::from_millis(200 + 40),
            "noticed late: {:?}",
            t.elapsed()
        );
    }
    let per_job = (watcher.polls() - learned) as f64 / 3.0;
    assert!(per_job <= 6.0, "{per_job} polls per 200 ms job at a 10 ms interval");
}

#[tokio::test]
async fn request_slots_go_to_the_highest_priority_first() {
    let sim = sim(Duration::from_millis(10)).await;
    let c = client(&sim, 1);
    let order = Arc::new(Mutex::new(Vec::new()));
    let mut tasks = Vec::new();
    // 60 low-priority calls queue up behind one slot, then one high-priority call arrives last.
    for i in 0..61u32 {
        let (c, order) = (c.clone(), Arc::clone(&order));
        let priority = if i == 60 { 100 } else { 1 };
        if i == 60 {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        tasks.push(tokio::spawn(with_priority(priority, async move {
            c.execute(&api::ListZones::new()).await.expect("listZones");
            order.lock().expect("lock").push(priority);
        })));
    }
    for t in tasks {
        t.await.expect("task");
    }
    let order = order.lock().expect("lock").clone();
    let high = order
        .iter()
        .position(|p| *p == 100)
        .expect("the high-priority call ran");
    assert!(
        high < 30,
        "the high-priority call overtook the queue: it ran at position {high} of {order:?}"
    );
}
