//! Every command against the simulator, and the bad input a user gives.

mod common;

use common::{json, run, sim, stackmate, template, write, CLOUD_RESOURCES};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_life_of_a_stack() {
    let sim = sim(20).await;
    let dir = tempfile::tempdir().expect("tmp");
    let state = dir.path().join("state");
    let t = write(dir.path(), "stack.json", &template(false));
    let sm = || stackmate(&sim.url, &state);

    let (code, out, err) = run(sm().args(["validate"]).arg(&t));
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("valid; 8 resources") && out.contains("Http") && out.contains("after Web"),
        "{out}"
    );
    let (code, out, _) = run(sm().args(["validate", "-o", "json"]).arg(&t));
    assert_eq!(code, 0);
    assert_eq!(json(&out)["order"].as_array().map(Vec::len), Some(8));

    let (code, out, _) = run(sm().arg("graph").arg(&t));
    assert_eq!(code, 0);
    assert!(
        out.starts_with("digraph stack") && out.contains("\"Web\" -> \"Http\""),
        "{out}"
    );
    let (code, out, _) = run(sm().args(["graph", "--format", "mermaid"]).arg(&t));
    assert_eq!(code, 0);
    assert!(out.starts_with("flowchart LR") && out.contains("Web --> Http"), "{out}");

    let (code, out, err) = run(sm().args(["create", "web"]).arg(&t).args(["-p", "Secret=hunter2"]));
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("CREATE_COMPLETE"),
        "plain lines when not a terminal: {out}"
    );
    assert!(
        out.contains("Vm ") && out.contains("CloudStack::VirtualMachine"),
        "{out}"
    );
    assert_eq!(sim.handle.created_resources().len(), CLOUD_RESOURCES);

    let (code, out, _) = run(sm().args(["list", "-o", "json"]));
    assert_eq!(code, 0);
    let v = json(&out);
    assert_eq!(v["stacks"][0]["name"], "web");
    assert_eq!(v["stacks"][0]["status"], "CREATE_COMPLETE");
    assert_eq!(v["stacks"][0]["no_echo_parameters"][0], "Secret");
    let (code, out, _) = run(sm().arg("list"));
    assert_eq!(code, 0);
    assert!(out.contains("web") && out.contains("CREATE_COMPLETE"), "{out}");

    let (code, out, _) = run(sm().args(["describe", "web", "-o", "json"]));
    assert_eq!(code, 0);
    let v = json(&out);
    assert_eq!(v["resources"].as_array().map(Vec::len), Some(8));
    assert!(v["resources"]
        .as_array()
        .into_iter()
        .flatten()
        .all(|r| r["status"] == "CREATE_COMPLETE"));
    let (code, out, _) = run(sm().args(["describe", "web"]));
    assert_eq!(code, 0);
    assert!(out.contains("Secret = **** (NoEcho, not stored)"), "{out}");

    let (code, out, _) = run(sm().args(["events", "web", "-o", "json"]));
    assert_eq!(code, 0);
    let events = json(&out)["events"].as_array().cloned().unwrap_or_default();
    assert_eq!(
        events.first().map(|e| e["status"].clone()),
        Some("CREATE_IN_PROGRESS".into())
    );
    assert_eq!(
        events.last().map(|e| e["status"].clone()),
        Some("CREATE_COMPLETE".into())
    );
    assert_eq!(events.last().map(|e| e["logical_id"].clone()), Some("web".into()));
    let (code, out, _) = run(sm().args(["events", "web", "--follow"]));
    assert_eq!(code, 0, "--follow ends once the stack is settled");
    assert!(out.lines().count() >= 17, "{out}");

    let (code, out, err) = run(sm().args(["outputs", "web", "-o", "json"]));
    assert_eq!(code, 0, "{err}");
    assert!(
        json(&out)["outputs"]["Address"]
            .as_str()
            .is_some_and(|a| a.contains('.')),
        "{out}"
    );
    let (code, out, _) = run(sm().args(["outputs", "web"]));
    assert_eq!(code, 0);
    assert!(out.starts_with("Address = "), "{out}");

    let (code, _, err) = run(sm().args(["create", "web"]).arg(&t));
    assert_eq!(code, 2, "a second stack of the same name is an input error: {err}");
    assert!(err.contains("already exists"), "{err}");

    let (code, out, err) = run(sm().args(["delete", "web"]));
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("DELETE_COMPLETE"), "{out}");
    assert_eq!(sim.handle.created_resources().len(), 0);
    let (code, out, _) = run(sm().args(["resume", "web", "-o", "json"]));
    assert_eq!(code, 0, "resuming a finished stack does nothing");
    assert_eq!(json(&out)["status"], "DELETE_COMPLETE");

    let spec = dir.path().join("dump.json");
    let (code, out, err) = run(sm().args(["api-spec", "fetch", "--output"]).arg(&spec));
    assert_eq!(code, 0, "{out}{err}");
    let dump = json(&std::fs::read_to_string(&spec).expect("dump"));
    assert!(
        dump["listapisresponse"]["api"]
            .as_array()
            .is_some_and(|a| a.len() > 500),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_create_rolls_back_and_stuck_stacks_get_unstuck() {
    let sim = sim(20).await;
    let dir = tempfile::tempdir().expect("tmp");
    let state = dir.path().join("state");
    let t = write(dir.path(), "stack.json", &template(true));
    let (code, _, err) = run(stackmate(&sim.url, &state).args(["create", "bad"]).arg(&t));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("Broken") && err.contains("ROLLBACK_COMPLETE"), "{err}");
    assert_eq!(sim.handle.created_resources().len(), 0);

    // Rollback disabled: kept; resume retries only what failed (still failing), delete clears it.
    let (code, _, err) = run(stackmate(&sim.url, &state)
        .args(["create", "kept", "--disable-rollback"])
        .arg(&t));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("rollback was disabled"), "{err}");
    // What started before the failure is kept (nothing new starts after a failure).
    let kept = sim.handle.created_resources().len();
    assert!((1..=CLOUD_RESOURCES).contains(&kept), "{kept}");
    let (code, _, err) = run(stackmate(&sim.url, &state).args(["resume", "kept"]));
    assert_eq!(code, 1, "{err}");
    let after = sim.handle.created_resources().len();
    assert!(
        after >= kept && after <= CLOUD_RESOURCES,
        "nothing created twice: {kept} then {after}"
    );

    // A group that will not go: delete fails, continue-rollback --skip keeps it and finishes.
    sim.handle.set_faults(vec![cloudstack_sim::FaultRule::parse(
        "deleteSecurityGroup:next=1000,code=431,text=the group is protected",
    )
    .expect("fault")]);
    let (code, _, err) = run(stackmate(&sim.url, &state).args(["delete", "kept"]));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("continue-rollback kept --skip"), "{err}");
    let (code, out, err) = run(stackmate(&sim.url, &state).args(["continue-rollback", "kept", "--skip", "Web"]));
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("DELETE_COMPLETE"), "{out}");
    let left = sim.handle.created_resources();
    assert_eq!(left.len(), 1, "only the skipped group is left: {left:?}");
    assert_eq!(left[0].kind, "securitygroup");
    let (code, out, _) = run(stackmate(&sim.url, &state).args(["describe", "kept", "-o", "json"]));
    assert_eq!(code, 0);
    let web = json(&out)["resources"]
        .as_array()
        .and_then(|r| r.iter().find(|r| r["logical_id"] == "Web").cloned())
        .expect("Web");
    assert_eq!(web["status"], "DELETE_SKIPPED");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_exit_2_and_a_message_that_says_what_to_do() {
    let sim = sim(20).await;
    let dir = tempfile::tempdir().expect("tmp");
    let state = dir.path().join("state");
    let sm = || stackmate(&sim.url, &state);

    let (code, _, err) = run(sm().args(["validate", "nope.template"]));
    assert_eq!(code, 2);
    assert!(
        err.contains("nope.template: cannot read it") && err.contains("check the path"),
        "{err}"
    );

    let broken = write(
        dir.path(),
        "broken.json",
        "{\n  \"Resources\": {\n    \"A\": {,}\n  }\n}\n",
    );
    let (code, _, err) = run(sm().arg("validate").arg(&broken));
    assert_eq!(code, 2);
    assert!(err.contains("line 3, column"), "{err}");

    let t = write(dir.path(), "stack.json", &template(false));
    let (code, _, err) = run(sm().arg("validate").arg(&t).args(["-p", "Secrt=1"]));
    assert_eq!(code, 2);
    assert!(
        err.contains("unknown parameter Secrt") && err.contains("did you mean Secret"),
        "{err}"
    );
    let (code, _, err) = run(sm().arg("validate").arg(&t).args(["-p", "Secret"]));
    assert_eq!(code, 2);
    assert!(err.contains("expected NAME=VALUE"), "{err}");

    // Parameters files: both formats; a bad one says where.
    let cf = write(
        dir.path(),
        "cf.json",
        r#"[{"ParameterKey": "Secret", "ParameterValue": "s3"}]"#,
    );
    assert_eq!(run(sm().arg("validate").arg(&t).arg("--parameters").arg(&cf)).0, 0);
    let obj = write(dir.path(), "obj.json", r#"{"Secret": "s3"}"#);
    assert_eq!(run(sm().arg("validate").arg(&t).arg("--parameters").arg(&obj)).0, 0);
    let bad = write(dir.path(), "bad.json", r#"[{"ParameterKey": "Secret"}]"#);
    let (code, _, err) = run(sm().arg("validate").arg(&t).arg("--parameters").arg(&bad));
    assert_eq!(code, 2);
    assert!(err.contains("item /0 needs"), "{err}");

    let invalid = write(
        dir.path(),
        "invalid.json",
        r#"{"Resources": {"A": {"Type": "CloudStack::VirtualMachin"}}}"#,
    );
    let (code, _, err) = run(sm().arg("validate").arg(&invalid));
    assert_eq!(code, 2);
    assert!(
        err.contains("/Resources/A/Type") && err.contains("CloudStack::VirtualMachine"),
        "{err}"
    );

    let (code, _, err) = run(sm().args(["describe", "ghost"]));
    assert_eq!(code, 2);
    assert!(
        err.contains("no stack named ghost") && err.contains("stackmate list"),
        "{err}"
    );

    let (code, _, err) = run(sm().args(["create", "x"]).arg(&t).env("CLOUDSTACK_SECRET", "wrong"));
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains("refused the credentials") && err.contains("secret key"),
        "{err}"
    );

    let (code, _, err) = run(sm()
        .args(["create", "x"])
        .arg(&t)
        .env("CLOUDSTACK_ENDPOINT", "http://127.0.0.1:9/client/api"));
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("cannot reach") && err.contains("--endpoint"), "{err}");

    let (code, _, err) = run(sm().args(["create", "x"]).arg(&t).env_remove("CLOUDSTACK_ENDPOINT"));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no CloudStack endpoint"), "{err}");

    let (code, _, err) = run(sm().args(["validate", "--api-version", "3.0"]).arg(&t));
    assert_eq!(code, 2);
    assert!(
        err.contains("ships (4.15, 4.16, 4.17)") && err.contains("--api-spec"),
        "{err}"
    );

    let (code, _, _) = run(sm().arg("frobnicate"));
    assert_eq!(code, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn profiles_from_the_config_file() {
    let sim = sim(20).await;
    let dir = tempfile::tempdir().expect("tmp");
    let config = write(
        dir.path(),
        "config.toml",
        &format!(
            "[profiles.lab]\nendpoint = \"{}\"\napi_key = \"{}\"\nsecret_key = \"{}\"\napi_version = \"4.16\"\n",
            sim.url,
            cloudstack_sim::DEMO_API_KEY,
            cloudstack_sim::DEMO_SECRET_KEY
        ),
    );
    let t = write(dir.path(), "stack.json", &template(false));
    let mut cmd = assert_cmd::Command::cargo_bin("stackmate").expect("bin");
    cmd.env_remove("CLOUDSTACK_ENDPOINT")
        .env_remove("CLOUDSTACK_KEY")
        .env_remove("CLOUDSTACK_SECRET")
        .arg("--state-dir")
        .arg(dir.path().join("s"))
        .arg("--config")
        .arg(&config)
        .args(["--profile", "lab", "create", "p"])
        .arg(&t)
        .assert()
        .success();
    assert_eq!(sim.handle.created_resources().len(), CLOUD_RESOURCES);
    let mut cmd = assert_cmd::Command::cargo_bin("stackmate").expect("bin");
    let out = cmd
        .arg("--config")
        .arg(&config)
        .args(["--profile", "nope", "list"])
        .arg("--state-dir")
        .arg(dir.path().join("s"))
        .assert()
        .code(0)
        .get_output()
        .clone();
    // `list` needs no connection; a missing profile only matters to commands that connect.
    let _ = out;
    let mut cmd = assert_cmd::Command::cargo_bin("stackmate").expect("bin");
    let out = cmd
        .env_remove("CLOUDSTACK_ENDPOINT")
        .arg("--config")
        .arg(&config)
        .args(["--profile", "nope", "delete", "p"])
        .arg("--state-dir")
        .arg(dir.path().join("s"))
        .assert()
        .code(2)
        .get_output()
        .clone();
    assert!(String::from_utf8_lossy(&out.stderr).contains("no profile [profiles.nope] (it has: lab)"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn noecho_values_are_in_neither_the_state_file_nor_the_logs() {
    let sim = sim(20).await;
    let dir = tempfile::tempdir().expect("tmp");
    let state = dir.path().join("state");
    let t = write(dir.path(), "stack.json", &template(true));
    let secret = "hunter2-Zq9";
    let mut logs = String::new();
    // A failing stack: errors, rollback and events all pass through the masking.
    let (code, out, err) = run(stackmate(&sim.url, &state)
        .args(["-vv", "create", "s", "--disable-rollback"])
        .arg(&t)
        .args(["-p", &format!("Secret={secret}")])
        .env("STACKMATE_LOG", "trace"));
    assert_eq!(code, 1, "{err}");
    logs.push_str(&out);
    logs.push_str(&err);
    for args in [
        &["describe", "s", "-o", "json"][..],
        &["events", "s"],
        &["outputs", "s"],
        &["delete", "s"],
    ] {
        let (_, out, err) = run(stackmate(&sim.url, &state).args(args).env("STACKMATE_LOG", "trace"));
        logs.push_str(&out);
        logs.push_str(&err);
    }
    assert!(logs.len() > 2_000, "trace logs were captured: {} bytes", logs.len());
    assert!(!logs.contains(secret), "the NoEcho value is in the output or logs");
    // The group's description was the secret: the cloud has it, the state must not.
    let mut scanned = 0;
    for entry in std::fs::read_dir(&state).expect("state dir") {
        let bytes = std::fs::read(entry.expect("entry").path()).expect("read");
        scanned += bytes.len();
        assert!(
            !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
            "the NoEcho value is in the state files"
        );
    }
    assert!(scanned > 4_000, "the state files were scanned: {scanned} bytes");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_stack_is_refused_with_who_holds_it() {
    use stack_core::state::StateStore as _;
    let sim = sim(20).await;
    let dir = tempfile::tempdir().expect("tmp");
    let state = dir.path().join("state");
    let t = write(dir.path(), "stack.json", &template(false));
    assert_eq!(run(stackmate(&sim.url, &state).args(["create", "l"]).arg(&t)).0, 0);
    // This (live) test process holds the lock, as a running `stackmate` would.
    let store = stack_store_sqlite::SqliteStore::open_dir(&state).expect("store");
    let holder = stack_core::state::LockHolder::this_process();
    let lease = store
        .acquire_lock("l", &holder, std::time::Duration::from_secs(60))
        .await
        .expect("lock");
    let (code, _, err) = run(stackmate(&sim.url, &state).args(["delete", "l"]));
    assert_eq!(code, 2, "a locked stack is an input error: {err}");
    assert!(
        err.contains(&format!("stack l is locked by pid {}", std::process::id())),
        "{err}"
    );
    assert_eq!(
        sim.handle.created_resources().len(),
        CLOUD_RESOURCES,
        "nothing was touched"
    );
    store.release_lock(&lease).await.expect("release");
    assert_eq!(run(stackmate(&sim.url, &state).args(["delete", "l"])).0, 0);
    assert_eq!(sim.handle.created_resources().len(), 0);
}

#[test]
fn the_demo_creates_signals_and_deletes_leaving_nothing() {
    let dir = tempfile::tempdir().expect("tmp");
    let (code, out, err) = run(std::process::Command::new(env!("CARGO_BIN_EXE_stackmate"))
        .current_dir(common::root())
        .env("TMPDIR", dir.path())
        .args(["demo", "--latency-ms", "20"]));
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("signalled its wait condition"), "{out}");
    assert!(out.contains("WebsiteURL = http://"), "{out}");
    assert!(out.contains("resources left in the simulator: 0"), "{out}");
}
