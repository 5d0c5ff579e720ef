//! A real third-party client, the Python `cs` package, works against the simulator unchanged.
//! `cargo xtask test` installs it in a venv and names its Python in `STACKMATE_PEER_PYTHON`; without
//! it this test fails and says what to run, unless `SKIP_PEER_TESTS=1` is set.

mod peer;

use std::path::Path;
use std::process::Command;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_cs_client_drives_the_simulator() {
    let Some(python) = peer::python("cs") else { return };
    let config = cloudstack_sim::SimConfig {
        job_latency: cloudstack_sim::Latency::Fixed(std::time::Duration::from_millis(30)),
        ..cloudstack_sim::SimConfig::ephemeral()
    };
    let sim = cloudstack_sim::start(config).await.expect("simulator starts");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/peer/cs_peer.py");
    let url = sim.url.clone();
    let output = tokio::task::spawn_blocking(move || {
        Command::new(python)
            .arg(script)
            .env("CLOUDSTACK_ENDPOINT", url)
            .env("CLOUDSTACK_KEY", cloudstack_sim::DEMO_API_KEY)
            .env("CLOUDSTACK_SECRET", cloudstack_sim::DEMO_SECRET_KEY)
            .output()
    })
    .await
    .expect("join")
    .expect("python3 runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "cs client failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("passed, 0 failed"), "{stdout}");
    let counts = sim.handle.call_counts();
    for api in [
        "deployVirtualMachine",
        "queryAsyncJobResult",
        "createTags",
        "listInstanceGroups",
    ] {
        assert!(
            counts.get(api).is_some_and(|n| *n > 0),
            "{api} was not called: {counts:?}"
        );
    }
    assert!(
        sim.handle.created_resources().is_empty(),
        "{:?}",
        sim.handle.created_resources()
    );
}
