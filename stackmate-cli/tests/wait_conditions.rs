//! A wait condition outlives the process that began it: a create killed while it waits is resumed
//! at the same URL, with the signals that came before the kill, and the timeout counts from the
//! first wait.

mod common;

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use common::{assigned, run, signal, sim, stackmate, user_data, wait_template, write};

/// Polls `what` every 50 ms until it gives a value, for at most `within`.
async fn eventually<T, F: std::future::Future<Output = Option<T>>>(within: Duration, what: impl Fn() -> F) -> T {
    let deadline = Instant::now() + within;
    loop {
        if let Some(v) = what().await {
            return v;
        }
        assert!(Instant::now() < deadline, "not within {within:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The stack's resource `logical` as `describe -o json` shows it.
fn described(url: &str, state: &std::path::Path, name: &str, logical: &str) -> Option<serde_json::Value> {
    let out = stackmate(url, state)
        .args(["describe", name, "-o", "json"])
        .output()
        .ok()?;
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
    v["resources"]
        .as_array()?
        .iter()
        .find(|r| r["logical_id"] == logical)
        .cloned()
}

/// `stackmate create NAME TEMPLATE` in the background, with a one-second lock lease.
fn start_create(url: &str, state: &std::path::Path, name: &str, template: &std::path::Path) -> Child {
    stackmate(url, state)
        .args(["--lock-lease", "1", "create", name])
        .arg(template)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("create starts")
}

fn kill(mut child: Child) {
    child.kill().expect("kill");
    child.wait().expect("reaped");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_create_killed_while_waiting_resumes_with_its_signals() {
    let sim = sim(20).await;
    let dir = tempfile::tempdir().expect("tmp");
    let state = dir.path().join("state");
    let template = write(dir.path(), "wait.json", &wait_template(2, 120));
    let create = start_create(&sim.url, &state, "waits", &template);
    let script = eventually(Duration::from_secs(30), || user_data(&sim.url, "waits-vm")).await;
    let handle = assigned(&script, "HANDLE");
    assert!(handle.contains("/waitcondition/"), "{handle}");
    // One signal before the kill, taken while the condition waits.
    let waiting = eventually(Duration::from_secs(30), || async {
        described(&sim.url, &state, "waits", "Ready").filter(|r| r["status"] == "CREATE_IN_PROGRESS")
    })
    .await;
    assert!(waiting["physical_id"].is_null(), "{waiting}");
    assert_eq!(signal(&handle, "first", "one").await, Some(200));
    kill(create);

    // Nothing serves the URL now; the condition is still listed, waiting.
    assert_eq!(signal(&handle, "second", "two").await, None, "no process serves it");
    let after_kill = described(&sim.url, &state, "waits", "Ready").expect("listed after the kill");
    assert_eq!(after_kill["status"], "CREATE_IN_PROGRESS", "{after_kill}");
    let handle_row = described(&sim.url, &state, "waits", "Handle").expect("handle listed");
    let shown = handle_row["physical_id"].as_str().unwrap_or_default();
    assert!(shown.ends_with("/****"), "the handle's token is never shown: {shown}");

    // A resume that would serve another URL is refused before it changes anything.
    let (code, _, err) = run(stackmate(&sim.url, &state).args([
        "--lock-lease",
        "1",
        "--metadata-listen",
        "127.0.0.1:0",
        "resume",
        "waits",
    ]));
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("its guests signal wait conditions at") && err.contains("--metadata-url"),
        "{err}"
    );
    // Resumed: the same URL takes the second signal, as cfn-signal's retries would send it.
    let resume = stackmate(&sim.url, &state)
        .args(["--lock-lease", "1", "resume", "waits", "-o", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("resume starts");
    let taken = eventually(Duration::from_secs(30), || async {
        signal(&handle, "second", "two").await.filter(|s| *s != 404)
    })
    .await;
    assert_eq!(taken, 200);
    let out = tokio::task::spawn_blocking(move || resume.wait_with_output())
        .await
        .expect("joined")
        .expect("resume ends");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let run: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    assert_eq!(run["status"], "CREATE_COMPLETE");
    let data: serde_json::Value = serde_json::from_str(run["outputs"]["Data"].as_str().expect("Data")).expect("json");
    assert_eq!(
        data,
        serde_json::json!({"first": "one", "second": "two"}),
        "the signal from before the kill counts"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_timeout_counts_from_the_first_wait() {
    let sim = sim(20).await;
    let dir = tempfile::tempdir().expect("tmp");
    let state = dir.path().join("state");
    let template = write(dir.path(), "wait.json", &wait_template(1, 4));
    let create = start_create(&sim.url, &state, "late", &template);
    eventually(Duration::from_secs(30), || async {
        described(&sim.url, &state, "late", "Ready").filter(|r| r["status"] == "CREATE_IN_PROGRESS")
    })
    .await;
    let began = Instant::now();
    kill(create);
    tokio::time::sleep(Duration::from_secs(4)).await;
    // The 4 s have passed while no process ran: the resumed wait times out at once.
    let resumed = Instant::now();
    let (code, _, err) = run(stackmate(&sim.url, &state).args(["--lock-lease", "1", "resume", "late"]));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("timed out"), "{err}");
    assert!(
        resumed.elapsed() < Duration::from_secs(3),
        "the resumed wait did not start its timeout again: {:?} (first wait {:?} ago)",
        resumed.elapsed(),
        began.elapsed()
    );
    let ready = described(&sim.url, &state, "late", "Ready");
    assert!(
        ready.as_ref().is_none_or(|r| r["status"] != "CREATE_IN_PROGRESS"),
        "rolled back: {ready:?}"
    );
}
