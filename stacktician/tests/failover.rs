//! Failover: three `stacktician worker` processes share one PostgreSQL database (a schema of their
//! own) with an API served here; 30 stacks are created at once; one worker is SIGKILLed mid-run and
//! another stopped gracefully (SIGTERM, with a short grace, so it hands work back). Every stack must
//! end CREATE_COMPLETE, with exactly its resources in the simulator (none leaked, none twice), and
//! deleting them all must leave the simulator empty. The database is `STACKTICIAN_TEST_POSTGRES`
//! (default: this machine's `host=127.0.0.1 user=postgres dbname=test`).

mod common;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;
use stacktician::service::Database;

const STACKS: usize = 30;

fn template() -> serde_json::Value {
    let zone = cloudstack_sim::fixtures::ZONE_ID;
    let tpl = cloudstack_sim::fixtures::TEMPLATE_ID;
    let offering = cloudstack_sim::fixtures::SERVICE_OFFERING_SMALL_ID;
    json!({
        "Resources": {
            "Web": {"Type": "CloudStack::SecurityGroup", "Properties": {"name": "web"}},
            "Http": {"Type": "CloudStack::SecurityGroupIngress", "Properties": {"securitygroupid": {"Ref": "Web"},
                "protocol": "tcp", "startport": 80, "endport": 80, "cidrlist": "0.0.0.0/0"}},
            "Vm": {"Type": "CloudStack::VirtualMachine", "Properties": {"zoneid": zone, "templateid": tpl,
                "serviceofferingid": offering, "name": "vm", "securitygroupids": {"Ref": "Web"}}},
            "Ip": {"Type": "CloudStack::IpAddress", "Properties": {"zoneid": zone}},
            "Nat": {"Type": "CloudStack::StaticNat", "Properties": {"ipaddressid": {"Ref": "Ip"},
                "virtualmachineid": {"Ref": "Vm"}}}
        }
    })
}

/// Cloud resources of one stack (the rule and the NAT are resources of the cloud too).
const PER_STACK: usize = 5;

struct Workers {
    children: Vec<(String, Child)>,
    logs: std::path::PathBuf,
}

impl Workers {
    fn log(&self, id: &str) -> String {
        std::fs::read_to_string(self.logs.join(format!("{id}.log"))).unwrap_or_default()
    }
}

impl Drop for Workers {
    fn drop(&mut self) {
        for (_, c) in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

async fn with_schema(base: &str, schema: &str) -> String {
    let (client, conn) = tokio_postgres::connect(base, tokio_postgres::NoTls)
        .await
        .expect("postgres");
    tokio::spawn(conn);
    client
        .batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {schema}"))
        .await
        .expect("schema");
    format!("{base} options='-c search_path={schema}'")
}

async fn drop_schema(base: &str, schema: &str) {
    if let Ok((client, conn)) = tokio_postgres::connect(base, tokio_postgres::NoTls).await {
        tokio::spawn(conn);
        let _ = client
            .batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
            .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_workers_one_killed_one_stopped_lose_and_duplicate_nothing() {
    let base = common::postgres();
    let schema = format!("stacktician_failover_{:x}", stack_core::state::now_ms());
    let database = with_schema(&base, &schema).await;
    let sim = common::sim(300).await;
    let dir = tempfile::tempdir().expect("dir");
    let key = stacktician::sealing::new_key().expect("key");
    let key_file = dir.path().join("service.key");
    std::fs::write(&key_file, &key).expect("key file");
    let mut config = common::config(Database::Postgres(database.clone()), 0);
    config.key = stacktician::sealing::SealKey::from_base64(&key, "test").expect("key");
    let service = stacktician::service::start(config).await.expect("service");
    let url = service.url.clone().expect("url");
    let owner = stacktician::api::accounts::add(
        &service.state,
        stacktician::api::accounts::OwnerBody {
            name: "alice".into(),
            admin: false,
            endpoint: sim.url.clone(),
            api_key: "alice-key".into(),
            secret_key: common::ALICE_SECRET.into(),
            api_version: None,
        },
    )
    .await
    .expect("owner");
    let (_, token) = stacktician::api::accounts::issue(&service.state, &owner, "failover")
        .await
        .expect("token");
    let api = common::Api::new(&url, &token);

    let mut workers = Workers {
        children: Vec::new(),
        logs: dir.path().to_path_buf(),
    };
    for id in ["w1", "w2", "w3"] {
        let log = std::fs::File::create(dir.path().join(format!("{id}.log"))).expect("log");
        let child = Command::new(env!("CARGO_BIN_EXE_stacktician"))
            .args(["--database", &database, "--key-file"])
            .arg(&key_file)
            .args([
                "worker",
                "--worker-id",
                id,
                "--public-url",
                &url,
                "--lease",
                "3",
                "--poll-ms",
                "20",
            ])
            .args(["--shutdown-grace", "1", "--account-rate", "0"])
            .env("STACKTICIAN_LOG", "info")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("worker");
        workers.children.push((id.to_string(), child));
    }

    let started = Instant::now();
    let creates = (0..STACKS).map(|i| {
        let api = api.clone();
        async move {
            let (s, v) = api
                .post("/v1/stacks", &json!({"name": format!("s{i}"), "template": template()}))
                .await;
            assert_eq!(s, 202, "{v}");
        }
    });
    futures_util::future::join_all(creates).await;

    // Once w2 holds operations and w1 holds one whose stack is being made (its record in the state
    // store says CREATE_IN_PROGRESS, so a taker-over must resume it), kill w1 and stop w2 at once.
    let db = &service.state.db;
    let store = service.state.engines.store();
    let held = |ops: &[stacktician::db::Operation], id: &str| -> Vec<(i64, String)> {
        ops.iter()
            .filter(|o| o.worker.as_deref() == Some(id) && o.state == stacktician::db::OpState::Running)
            .map(|o| (o.id, o.stack.clone()))
            .collect()
    };
    let (killed_ops, stopped_held) = loop {
        let ops = db.active_operations().await.expect("ops");
        let (w1, w2) = (held(&ops, "w1"), held(&ops, "w2"));
        let mut making = 0;
        for (_, stack) in &w1 {
            let record = store
                .stack(&stacktician::names::store_name("alice", stack))
                .await
                .expect("store");
            making += usize::from(record.is_some_and(|r| r.status == stack_core::events::Status::CreateInProgress));
        }
        if making > 0 && !w2.is_empty() {
            workers.children[0].1.kill().expect("SIGKILL w1");
            break (w1, w2.len());
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the workers did not claim work: {ops:?}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    let _ = workers.children[0].1.wait();
    let killed_held = killed_ops.len();
    let pid = workers.children[1].1.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill")
        .success());

    // Every stack completes, each with its own resources, once.
    for i in 0..STACKS {
        let d = api.settled(&format!("s{i}")).await;
        assert_eq!(
            d["status"],
            "CREATE_COMPLETE",
            "s{i}: {d}\nw1:\n{}\nw3:\n{}",
            workers.log("w1"),
            workers.log("w3")
        );
    }
    let took = started.elapsed();
    let w2 = workers.children[1].1.wait().expect("w2 stops");
    assert!(w2.success(), "a graceful stop exits 0: {w2:?}\n{}", workers.log("w2"));
    let live = sim.handle.created_resources();
    let mut ids: Vec<String> = Vec::new();
    for i in 0..STACKS {
        let (_, r) = api.get(&format!("/v1/stacks/s{i}/resources")).await;
        for res in r["resources"].as_array().expect("resources") {
            ids.push(res["physical_id"].as_str().expect("physical id").to_string());
        }
    }
    assert_eq!(ids.len(), STACKS * PER_STACK, "every stack has all its resources");
    // A static NAT's physical id is its address's: the cloud resources are the distinct ids.
    let unique: std::collections::BTreeSet<&String> = ids.iter().collect();
    let live_ids: std::collections::BTreeSet<&String> = live.iter().map(|r| &r.id).collect();
    assert_eq!(live.len(), live_ids.len());
    assert_eq!(
        live_ids, unique,
        "the simulator holds exactly the stacks' resources: nothing leaked, nothing made twice"
    );
    let vms = live.iter().filter(|r| r.kind.contains("irtual")).count();
    assert_eq!(vms, STACKS, "one VM per stack: {live:?}");
    let ops = db.active_operations().await.expect("ops");
    assert!(ops.is_empty(), "nothing left in progress: {ops:?}");
    // What the killed worker held ended done: finished by w1 before it died (a stack can end
    // between the look at the queue and the kill) or claimed again (its fence raised) and finished
    // by another worker; at least the stack being made at the kill was taken over.
    let mut claimed_again = 0;
    for (id, stack) in &killed_ops {
        let op = db.operation(*id).await.expect("operation").expect("kept");
        // A finished row names no worker; a claim after the kill raised its fence.
        let by_another = op.fence >= 2;
        assert!(op.state == stacktician::db::OpState::Done, "{stack}: {op:?}");
        claimed_again += usize::from(by_another);
    }
    assert!(claimed_again > 0, "nothing w1 held was taken over: {killed_ops:?}");
    let handed_back = workers.log("w2").matches("handed back to the queue").count();
    let taken_over = workers.log("w3").matches("resuming a stack left in progress").count();
    common::note(&format!(
        "failover: {STACKS} stacks in {took:?}; w1 killed holding {killed_held}, w2 stopped holding {stopped_held} \
         (handed back {handed_back}); w3 resumed {taken_over}"
    ));
    assert!(
        taken_over > 0,
        "the killed worker's stacks were resumed by another:\n{}",
        workers.log("w3")
    );

    // Deleted by the last worker, nothing is left.
    for i in 0..STACKS {
        assert_eq!(api.delete(&format!("/v1/stacks/s{i}")).await.0, 202);
    }
    for i in 0..STACKS {
        api.settled(&format!("s{i}")).await;
    }
    assert!(
        sim.handle.created_resources().is_empty(),
        "{:?}",
        sim.handle.created_resources()
    );
    drop(workers);
    service.stop().await;
    drop_schema(&base, &schema).await;
}
