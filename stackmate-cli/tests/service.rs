//! `stackmate --service URL`: the commands sent to a stacktician service (in this process, on
//! SQLite, with the simulator behind it) instead of run here, with the local exit codes.

mod common;

use std::time::Duration;

use common::run;
use stacktician::api::accounts::{self, OwnerBody};

async fn service(sim_url: &str, dir: &std::path::Path) -> (stacktician::service::RunningService, String) {
    let mut worker = stacktician::worker::WorkerSettings::new("cli-test");
    worker.poll = Duration::from_millis(100);
    let config = stacktician::service::ServiceConfig {
        database: stacktician::service::Database::Embedded(dir.to_path_buf()),
        key: stacktician::sealing::SealKey::from_base64(&stacktician::sealing::new_key().expect("key"), "test")
            .expect("key"),
        listen: Some("127.0.0.1:0".parse().expect("addr")),
        public_url: None,
        guest_listen: "127.0.0.1:0".parse().expect("addr"),
        workers: 1,
        engine: stacktician::engines::EngineSettings {
            poll_interval: Duration::from_millis(20),
            ..stacktician::engines::EngineSettings::default()
        },
        worker,
        limits: stack_core::limits::Limits::default(),
    };
    let service = stacktician::service::start(config).await.expect("service");
    let owner = accounts::add(
        &service.state,
        OwnerBody {
            name: "ops".into(),
            admin: false,
            endpoint: sim_url.to_string(),
            api_key: cloudstack_sim::DEMO_API_KEY.into(),
            secret_key: cloudstack_sim::DEMO_SECRET_KEY.into(),
            api_version: None,
        },
    )
    .await
    .expect("owner");
    let (_, token) = accounts::issue(&service.state, &owner, "cli").await.expect("token");
    (service, token)
}

fn stackmate(url: &str, token: &str, home: &std::path::Path) -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_stackmate"));
    c.env("HOME", home)
        .env_remove("CLOUDSTACK_ENDPOINT")
        .env_remove("CLOUDSTACK_SECRET")
        .args(["--service", url, "--token", token]);
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_runs_stacks_on_a_service() {
    let sim = common::sim(10).await;
    let dir = tempfile::tempdir().expect("dir");
    let (service, token) = service(&sim.url, &dir.path().join("service")).await;
    let url = service.url.clone().expect("url");
    let template = common::write(dir.path(), "web.json", &common::template(false));
    let home = dir.path().to_path_buf();
    let t = template.clone();
    let (u, k, h) = (url.clone(), token.clone(), home.clone());
    let blocking = move |args: Vec<String>| {
        let (u, k, h) = (u.clone(), k.clone(), h.clone());
        tokio::task::spawn_blocking(move || run(stackmate(&u, &k, &h).args(args)))
    };
    let s = |v: &[&str]| v.iter().map(|x| (*x).to_string()).collect::<Vec<_>>();
    let tp = t.display().to_string();
    let (code, out, err) = blocking(s(&["validate", &tp])).await.expect("run");
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = blocking(s(&["create", "web", &tp, "-p", "Secret=a-secret-value"]))
        .await
        .expect("run");
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("stack web: CREATE_COMPLETE"), "{out}");
    assert!(out.contains("Address = "), "{out}");
    assert!(
        err.contains("CREATE_COMPLETE") && err.contains("Vm"),
        "events followed: {err}"
    );
    let (code, out, _) = blocking(s(&["list"])).await.expect("run");
    assert_eq!(code, 0);
    assert!(out.contains("web") && out.contains("CREATE_COMPLETE"), "{out}");
    let (code, out, _) = blocking(s(&["describe", "web", "-o", "json"])).await.expect("run");
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["parameters"]["Secret"], "****");
    let (code, out, _) = blocking(s(&["events", "web"])).await.expect("run");
    assert!(code == 0 && out.contains("CloudStack::VirtualMachine"), "{out}");
    let (code, out, _) = blocking(s(&["outputs", "web"])).await.expect("run");
    assert!(code == 0 && out.contains("Address"), "{out}");
    // Refusals keep the local exit codes.
    let bad = common::write(
        dir.path(),
        "bad.json",
        r#"{"Resources": {"X": {"Type": "CloudStack::Nope"}}}"#,
    );
    let (code, _, err) = blocking(s(&["create", "bad", &bad.display().to_string()]))
        .await
        .expect("run");
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("/Resources/X/Type"), "{err}");
    let (code, _, err) = tokio::task::spawn_blocking({
        let (u, h) = (url.clone(), home.clone());
        move || run(stackmate(&u, "stk_0000000000000000_0000000000000000000000000000000000000000", &h).arg("list"))
    })
    .await
    .expect("run");
    assert_eq!(code, 3, "{err}");
    let (code, out, err) = blocking(s(&["delete", "web"])).await.expect("run");
    assert_eq!(code, 0, "{out}{err}");
    assert!(sim.handle.created_resources().is_empty());
    let (code, _, _) = blocking(s(&["describe", "web"])).await.expect("run");
    assert_eq!(code, 2, "a deleted stack is gone");
    service.stop().await;
}
