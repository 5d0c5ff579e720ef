//! A REST create reads its template once in the API and once in the worker, and plans it once in
//! each: the API checks the prepared (inlined) template and queues it; the worker reads that text
//! once and runs the one plan it makes. Counted from the planning layer's own `template read` and
//! `template planned` events (stack_template::work), split by the worker's operation span. The log
//! is this process's, so this file holds this one test.

mod common;

use common::{lamp, world, PASSWORD};
use serde_json::json;

/// The work one request did, from the log lines written after `mark`: (reads, plans, prechecks)
/// by the API (outside any operation) and by the worker (inside its `operation` span).
struct Work {
    api: (usize, usize, usize),
    worker: (usize, usize, usize),
}

fn work_since(mark: usize) -> Work {
    let logs = common::logs();
    let mut w = Work {
        api: (0, 0, 0),
        worker: (0, 0, 0),
    };
    for line in logs[mark..].lines().filter(|l| l.contains("stack_template::work")) {
        let side = if line.contains("operation{") {
            &mut w.worker
        } else {
            &mut w.api
        };
        if line.contains("template read") {
            side.0 += 1;
        } else if line.contains("template planned") {
            side.1 += 1;
        } else if line.contains("template prechecked") {
            side.2 += 1;
        }
    }
    w
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rest_create_reads_and_plans_once_in_the_api_and_once_in_the_worker() {
    let w = world(10).await;
    let a = &w.alice;
    for (round, name) in ["first", "second"].into_iter().enumerate() {
        let mark = common::logs().len();
        let (status, v) = a
            .post(
                "/v1/stacks",
                &json!({"name": name, "template": lamp(), "parameters": {"DbPassword": PASSWORD}}),
            )
            .await;
        assert_eq!(status, 202, "{v}");
        let id = v["operation"]["id"].as_i64().expect("operation id");
        assert_eq!(common::operation_ended(&w, id).await, "done");
        let work = work_since(mark);
        assert_eq!(work.api.0, 1, "{name}: the API reads the template once");
        assert_eq!(work.api.1, 1, "{name}: the API plans it once");
        assert_eq!(work.worker.0, 1, "{name}: the worker reads the queued template once");
        assert_eq!(work.worker.1, 1, "{name}: the worker plans it once");
        assert_eq!(work.worker.2, 0, "{name}: the worker needs no precheck");
        // The first contact with the owner's cloud reads its listApis: the checks that need no
        // release run first, so that a refused template makes no call. After that the release is
        // kept, and the plan is the only pass.
        let expected_prechecks = usize::from(round == 0);
        assert_eq!(work.api.2, expected_prechecks, "{name}: prechecks in the API");
    }
}
