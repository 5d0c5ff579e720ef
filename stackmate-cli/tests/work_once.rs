//! `stackmate create` reads its template once and plans it once, counted from the planning
//! layer's own `template read` and `template planned` events (stack_template::work at debug).

mod common;

use common::{sim, stackmate, template};

/// (reads, plans, prechecks) in a run's log.
fn work(stderr: &str) -> (usize, usize, usize) {
    let lines: Vec<&str> = stderr.lines().filter(|l| l.contains("stack_template::work")).collect();
    let count = |what: &str| lines.iter().filter(|l| l.contains(what)).count();
    (
        count("template read"),
        count("template planned"),
        count("template prechecked"),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_create_reads_and_plans_its_template_once() {
    let sim = sim(5).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let t = dir.path().join("stack.json");
    std::fs::write(&t, template(false)).expect("write");
    let state = dir.path().join("state");
    // The first create against this cloud reads its listApis: the checks that need no release come
    // first (a refused template makes no call), then the plan. The second finds the release kept.
    for (name, prechecks) in [("first", 1), ("second", 0)] {
        let out = stackmate(&sim.url, &state)
            .env("STACKMATE_LOG", "warn,stack_template::work=debug")
            .args(["create", name])
            .arg(&t)
            .output()
            .expect("runs");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{name}: {err}");
        assert_eq!(
            work(&err),
            (1, 1, prechecks),
            "{name}: (reads, plans, prechecks)\n{err}"
        );
    }
    // With the release named, there is nothing to check before it.
    let out = stackmate(&sim.url, &state)
        .env("STACKMATE_LOG", "warn,stack_template::work=debug")
        .args(["--api-version", "4.17", "create", "third"])
        .arg(&t)
        .output()
        .expect("runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert_eq!(work(&err), (1, 1, 0), "{err}");
}
