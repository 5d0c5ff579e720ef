//! Finding the Python that has the peer clients (`cs`, `libcloud`) installed.

use std::path::PathBuf;
use std::process::Command;

/// The Python to run a peer client with: `$STACKMATE_PEER_PYTHON` (set by `cargo xtask test`), the
/// venv `cargo xtask test` makes under `target/peer-venv`, or `python3`, whichever imports `module`.
/// `None` only when `SKIP_PEER_TESTS` is set; otherwise a missing client fails the test with what to do.
pub fn python(module: &str) -> Option<PathBuf> {
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"),
        PathBuf::from,
    );
    let candidates = std::env::var_os("STACKMATE_PEER_PYTHON")
        .map(PathBuf::from)
        .into_iter()
        .chain([target.join("peer-venv/bin/python"), PathBuf::from("python3")]);
    for c in candidates {
        let imports = Command::new(&c)
            .args(["-c", &format!("import {module}")])
            .status()
            .is_ok_and(|s| s.success());
        if imports {
            return Some(c);
        }
    }
    if std::env::var_os("SKIP_PEER_TESTS").is_some() {
        eprintln!("skipping: no Python with `{module}` and SKIP_PEER_TESTS is set");
        return None;
    }
    panic!(
        "no Python with the peer client `{module}`: run the suite with `cargo xtask test` (it installs the \
         peer clients in target/peer-venv), or set STACKMATE_PEER_PYTHON, or SKIP_PEER_TESTS=1"
    );
}

/// Runs the peer script `tests/peer/<script>` with `python` against the simulator at `url`; returns
/// whether it succeeded and its stdout and stderr.
async fn run(python: PathBuf, script: &str, url: &str) -> (bool, String, String) {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/peer")
        .join(script);
    let url = url.to_string();
    let output = tokio::task::spawn_blocking(move || {
        Command::new(python)
            .arg(script)
            .env("CLOUDSTACK_ENDPOINT", url)
            .env("CLOUDSTACK_KEY", cloudstack_sim::DEMO_API_KEY)
            .env("CLOUDSTACK_SECRET", cloudstack_sim::DEMO_SECRET_KEY)
            .output()
    })
    .await
    .expect("the peer script's thread joins")
    .expect("python runs");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Starts a simulator, runs the peer script with the Python that has `module`, and checks that it
/// passed, that each of `apis` was called, and that nothing it created is left.
pub async fn drive(module: &str, script: &str, apis: &[&str]) {
    let Some(python) = python(module) else { return };
    let config = cloudstack_sim::SimConfig {
        job_latency: cloudstack_sim::Latency::Fixed(std::time::Duration::from_millis(30)),
        ..cloudstack_sim::SimConfig::ephemeral()
    };
    let sim = cloudstack_sim::start(config).await.expect("simulator starts");
    let (ok, stdout, stderr) = run(python, script, &sim.url).await;
    assert!(ok, "{script} failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("passed, 0 failed"), "{stdout}");
    let counts = sim.handle.call_counts();
    for api in apis {
        assert!(
            counts.get(*api).is_some_and(|n| *n > 0),
            "{api} was not called: {counts:?}"
        );
    }
    assert!(
        sim.handle.created_resources().is_empty(),
        "{:?}",
        sim.handle.created_resources()
    );
}
