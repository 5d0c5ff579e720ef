//! An account with a long job history runs a stack as a fresh one does: 5,000 finished jobs in the
//! account's `listAsyncJobs` (made an hour ago, or a minute ago, as a busy account's are) change
//! neither the requests a stack's create and delete make nor their time, beyond 10% (medians of
//! three runs each).

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use stack_core::{EngineConfig, Status};

/// Twelve resources in four tiers: groups, their rules, more groups that need the rules.
fn template() -> String {
    let mut resources = Vec::new();
    for i in 0..4 {
        resources.push(format!(
            r#""G{i}": {{"Type": "CloudStack::SecurityGroup", "Properties": {{"name": "g{i}"}}}}"#
        ));
        resources.push(format!(
            r#""R{i}": {{"Type": "CloudStack::SecurityGroupIngress", "Properties": {{"securitygroupid": {{"Ref": "G{i}"}},
              "protocol": "tcp", "startport": 80, "endport": 80, "cidrlist": "0.0.0.0/0"}}}}"#
        ));
        resources.push(format!(
            r#""H{i}": {{"Type": "CloudStack::SecurityGroup", "DependsOn": "R{i}", "Properties": {{"name": "h{i}"}}}}"#
        ));
    }
    format!(r#"{{"Resources": {{{}}}}}"#, resources.join(","))
}

/// Requests and time of one create and delete, on a simulator whose account first gets `history`
/// (count, age) of finished jobs.
async fn run(history: Option<(usize, Duration)>) -> (u64, Duration) {
    let config = EngineConfig {
        poll_interval: Duration::from_millis(50),
        ..EngineConfig::default()
    };
    let (sim, engine, _) = common::engine_on_sim(Duration::from_millis(150), config).await;
    if let Some((count, age)) = history {
        sim.handle.seed_finished_jobs("admin", count, age);
    }
    let template = stack_core::template::parse(&template()).expect("parses");
    let plan = stack_core::plan(&template, &BTreeMap::new(), &common::options(&engine, "hist")).expect("valid");
    sim.handle.reset_calls();
    let started = Instant::now();
    let mut run = engine.create(plan).await.expect("creates");
    assert_eq!(run.status, Status::CreateComplete);
    engine.delete(&mut run).await.expect("deletes");
    assert_eq!(run.status, Status::DeleteComplete);
    let took = started.elapsed();
    assert!(sim.handle.created_resources().is_empty());
    (sim.handle.total_calls(), took)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_thousand_earlier_jobs_change_neither_requests_nor_time() {
    let (fresh_calls, fresh_time) = run(None).await;
    for (what, age) in [
        ("an hour ago", Duration::from_secs(3_600)),
        ("a minute ago", Duration::from_secs(60)),
    ] {
        let (calls, time) = run(Some((5_000, age))).await;
        println!("5,000 jobs {what}: {calls} requests in {time:?}; fresh: {fresh_calls} in {fresh_time:?}");
        assert!(
            calls as f64 <= fresh_calls as f64 * 1.10,
            "5,000 jobs made {what}: {calls} requests against {fresh_calls} for a fresh account"
        );
        assert!(
            time.as_secs_f64() <= fresh_time.as_secs_f64() * 1.10 + 0.1,
            "5,000 jobs made {what}: {time:?} against {fresh_time:?} for a fresh account"
        );
    }
}
