//! Shared by the service tests: a simulator with three accounts, a service in this process (SQLite
//! in a temporary directory, or PostgreSQL), owners with tokens, and a small JSON client.
#![allow(dead_code)]

use std::io::Write as _;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use stacktician::api::accounts::{self, OwnerBody};
use stacktician::service::{Database, RunningService, ServiceConfig};

/// The PostgreSQL database of the tests: `STACKTICIAN_TEST_POSTGRES`, else this machine's.
pub fn postgres() -> String {
    std::env::var("STACKTICIAN_TEST_POSTGRES").unwrap_or_else(|_| "host=127.0.0.1 user=postgres dbname=test".into())
}

/// Everything the service logged in this test process (debug level).
pub fn logs() -> String {
    String::from_utf8_lossy(&log_buffer().lock().expect("logs")).into_owned()
}

fn log_buffer() -> &'static Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buf = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&buf);
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(
                "debug,hyper=info,reqwest=info,tokio_postgres=info",
            ))
            .with_writer(move || Sink(Arc::clone(&sink)))
            .try_init();
        buf
    })
}

struct Sink(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Sink {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("logs").extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The three simulator accounts: the root admin and two users.
pub const ALICE_SECRET: &str = "alice-cloudstack-secret-0001";
/// Bob's CloudStack secret key.
pub const BOB_SECRET: &str = "bob-cloudstack-secret-0002";

/// A simulator with `latency_ms` jobs and accounts for alice and bob.
pub async fn sim(latency_ms: u64) -> cloudstack_sim::RunningSim {
    let mut config = cloudstack_sim::SimConfig {
        job_latency: cloudstack_sim::Latency::Fixed(Duration::from_millis(latency_ms)),
        ..cloudstack_sim::SimConfig::ephemeral()
    };
    for (name, key, secret) in [("alice", "alice-key", ALICE_SECRET), ("bob", "bob-key", BOB_SECRET)] {
        config.accounts.push(cloudstack_sim::Account {
            name: name.into(),
            apikey: key.into(),
            secretkey: secret.into(),
        });
    }
    cloudstack_sim::start(config).await.expect("simulator")
}

/// Service settings for tests: quick polls and leases.
pub fn config(database: Database, workers: usize) -> ServiceConfig {
    let _ = log_buffer();
    let mut worker = stacktician::worker::WorkerSettings::new(stacktician::worker::new_worker_id());
    worker.lease = Duration::from_secs(3);
    worker.poll = Duration::from_millis(200);
    worker.shutdown_grace = Duration::from_secs(10);
    ServiceConfig {
        database,
        key: stacktician::sealing::SealKey::from_base64(&stacktician::sealing::new_key().expect("key"), "test")
            .expect("key"),
        listen: Some("127.0.0.1:0".parse().expect("addr")),
        public_url: None,
        guest_listen: "127.0.0.1:0".parse().expect("addr"),
        workers,
        engine: stacktician::engines::EngineSettings {
            poll_interval: Duration::from_millis(20),
            lock_lease: Duration::from_secs(3),
            account_rate: None,
            ..stacktician::engines::EngineSettings::default()
        },
        worker,
        limits: stack_core::limits::Limits::default(),
    }
}

/// A running service with owners `admin` (an admin), `alice` and `bob` (a random suffix when the
/// database is shared), each with a token.
pub struct World {
    /// The simulator.
    pub sim: cloudstack_sim::RunningSim,
    /// The service.
    pub service: RunningService,
    /// The data directory (embedded).
    pub dir: tempfile::TempDir,
    /// The admin's client.
    pub admin: Api,
    /// Alice's.
    pub alice: Api,
    /// Bob's.
    pub bob: Api,
    /// Alice's owner name.
    pub alice_name: String,
}

/// A world on SQLite with one worker.
pub async fn world(latency_ms: u64) -> World {
    let sim = sim(latency_ms).await;
    let dir = tempfile::tempdir().expect("dir");
    let service = stacktician::service::start(config(Database::Embedded(dir.path().to_path_buf()), 1))
        .await
        .expect("service");
    let suffix = "";
    let url = service.url.clone().expect("url");
    let mk = |name: String, admin: bool, key: &str, secret: &str| OwnerBody {
        name,
        admin,
        endpoint: sim.url.clone(),
        api_key: key.into(),
        secret_key: secret.into(),
        api_version: None,
    };
    let mut tokens = Vec::new();
    for body in [
        mk(
            format!("admin{suffix}"),
            true,
            cloudstack_sim::DEMO_API_KEY,
            cloudstack_sim::DEMO_SECRET_KEY,
        ),
        mk(format!("alice{suffix}"), false, "alice-key", ALICE_SECRET),
        mk(format!("bob{suffix}"), false, "bob-key", BOB_SECRET),
    ] {
        let owner = accounts::add(&service.state, body).await.expect("owner");
        tokens.push(accounts::issue(&service.state, &owner, "test").await.expect("token").1);
    }
    World {
        admin: Api::new(&url, &tokens[0]),
        alice: Api::new(&url, &tokens[1]),
        bob: Api::new(&url, &tokens[2]),
        alice_name: format!("alice{suffix}"),
        sim,
        service,
        dir,
    }
}

/// A JSON client with one token. Every answer it gets is kept, for the secrets scan.
#[derive(Clone)]
pub struct Api {
    /// The service URL.
    pub base: String,
    /// The token.
    pub token: String,
    http: reqwest::Client,
    seen: Arc<Mutex<String>>,
}

impl Api {
    /// A client of `base` with `token`.
    pub fn new(base: &str, token: &str) -> Self {
        Self {
            base: base.to_string(),
            token: token.to_string(),
            http: reqwest::Client::new(),
            seen: Arc::default(),
        }
    }

    /// Every answer's body so far.
    pub fn seen(&self) -> String {
        self.seen.lock().expect("seen").clone()
    }

    /// A request with a raw body and no token handling of its own.
    pub async fn raw(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Vec<u8>>,
    ) -> (u16, Value) {
        let mut r = self.http.request(method, format!("{}{path}", self.base));
        if let Some(t) = token {
            r = r.header("authorization", format!("Bearer {t}"));
        }
        if let Some(b) = body {
            r = r.header("content-type", "application/json").body(b);
        }
        let resp = r
            .timeout(Duration::from_secs(60))
            .send()
            .await
            .expect("the service answers");
        let status = resp.status().as_u16();
        let text = resp.text().await.expect("body");
        {
            let mut seen = self.seen.lock().expect("seen");
            seen.push_str(&text);
            seen.push('\n');
        }
        let v = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, v)
    }

    /// GET.
    pub async fn get(&self, path: &str) -> (u16, Value) {
        self.raw(reqwest::Method::GET, path, Some(&self.token.clone()), None)
            .await
    }

    /// POST of a JSON body.
    pub async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        self.raw(
            reqwest::Method::POST,
            path,
            Some(&self.token.clone()),
            Some(body.to_string().into_bytes()),
        )
        .await
    }

    /// PUT of a JSON body.
    pub async fn put(&self, path: &str, body: &Value) -> (u16, Value) {
        self.raw(
            reqwest::Method::PUT,
            path,
            Some(&self.token.clone()),
            Some(body.to_string().into_bytes()),
        )
        .await
    }

    /// DELETE.
    pub async fn delete(&self, path: &str) -> (u16, Value) {
        self.raw(reqwest::Method::DELETE, path, Some(&self.token.clone()), None)
            .await
    }

    /// Waits until stack `name`'s latest operation has ended; its describe answer.
    pub async fn settled(&self, name: &str) -> Value {
        let started = Instant::now();
        loop {
            let (status, v) = self.get(&format!("/v1/stacks/{name}")).await;
            if status == 404 {
                return v;
            }
            let state = v["operation"]["state"].as_str().unwrap_or_default().to_string();
            if state == "done" || state == "failed" {
                return v;
            }
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "stack {name} did not settle: {v}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// The LAMP-like test template: a group with a rule, a VM whose user data holds the NoEcho
/// database password, and an address; `Address` is an output.
pub fn lamp() -> Value {
    let zone = cloudstack_sim::fixtures::ZONE_ID;
    let tpl = cloudstack_sim::fixtures::TEMPLATE_ID;
    let offering = cloudstack_sim::fixtures::SERVICE_OFFERING_SMALL_ID;
    json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "A web server with its database password",
        "Parameters": {
            "DbPassword": {"Type": "String", "NoEcho": "true", "MinLength": "8"},
            "Size": {"Type": "String", "Default": "small", "AllowedValues": ["small", "large"]}
        },
        "Resources": {
            "Web": {"Type": "CloudStack::SecurityGroup", "Properties": {"name": "web"}},
            "Http": {"Type": "CloudStack::SecurityGroupIngress", "Properties": {"securitygroupid": {"Ref": "Web"},
                "protocol": "tcp", "startport": 80, "endport": 80, "cidrlist": "0.0.0.0/0"}},
            "Vm": {"Type": "CloudStack::VirtualMachine", "Properties": {"zoneid": zone, "templateid": tpl,
                "serviceofferingid": offering, "name": "web", "securitygroupids": {"Ref": "Web"},
                "userdata": {"Fn::Base64": {"Fn::Join": ["", ["#!/bin/sh\nPASS='", {"Ref": "DbPassword"}, "'\n"]]}}}},
            "Ip": {"Type": "CloudStack::IpAddress", "Properties": {"zoneid": zone}}
        },
        "Outputs": {"Address": {"Value": {"Fn::GetAtt": ["Ip", "ipaddress"]}}}
    })
}

/// The template the console tests launch, as text (its parameters and outputs declared out of
/// name order, as a person writes them): the test template with an administrator parameter, the
/// VM's display name (what drift compares), the rule's port `port` (8080 instead of 80 replaces
/// the rule), and described outputs, one exported.
pub fn console_template(port: u16) -> String {
    let zone = cloudstack_sim::fixtures::ZONE_ID;
    let tpl = cloudstack_sim::fixtures::TEMPLATE_ID;
    let offering = cloudstack_sim::fixtures::SERVICE_OFFERING_SMALL_ID;
    format!(
        r##"{{
  "AWSTemplateFormatVersion": "2010-09-09",
  "Description": "A web server with its database password",
  "Parameters": {{
    "Size": {{"Type": "String", "Default": "small", "AllowedValues": ["small", "large"], "Description": "How big the server is"}},
    "DbPassword": {{"Type": "String", "NoEcho": "true", "MinLength": "8", "Description": "The database's password"}},
    "Admin": {{"Type": "String", "Default": "root"}}
  }},
  "Resources": {{
    "Web": {{"Type": "CloudStack::SecurityGroup", "Properties": {{"name": "web"}}}},
    "Http": {{"Type": "CloudStack::SecurityGroupIngress", "Properties": {{"securitygroupid": {{"Ref": "Web"}},
      "protocol": "tcp", "startport": {port}, "endport": {port}, "cidrlist": "0.0.0.0/0"}}}},
    "Vm": {{"Type": "CloudStack::VirtualMachine", "Properties": {{"zoneid": "{zone}", "templateid": "{tpl}",
      "serviceofferingid": "{offering}", "name": "web", "displayname": "web server", "securitygroupids": {{"Ref": "Web"}},
      "userdata": {{"Fn::Base64": {{"Fn::Join": ["", ["#!/bin/sh\nPASS='", {{"Ref": "DbPassword"}}, "'\n"]]}}}}}}}},
    "Ip": {{"Type": "CloudStack::IpAddress", "Properties": {{"zoneid": "{zone}"}}}}
  }},
  "Outputs": {{
    "Url": {{"Value": {{"Fn::Join": ["", ["http://", {{"Fn::GetAtt": ["Ip", "ipaddress"]}}, ":{port}/"]]}},
      "Description": "Where the site answers", "Export": {{"Name": {{"Fn::Sub": "${{AWS::StackName}}-url"}}}}}},
    "Address": {{"Value": {{"Fn::GetAtt": ["Ip", "ipaddress"]}}, "Description": "The public address"}}
  }}
}}"##
    )
}

/// The NoEcho value the tests give.
pub const PASSWORD: &str = "pw-never-shown-7f3a9c";

/// Waits (reading the database, not the API, which would read the stored template to describe
/// the stack) until operation `id` has ended; its state.
pub async fn operation_ended(w: &World, id: i64) -> String {
    let started = Instant::now();
    loop {
        let op = w.service.state.db.operation(id).await.expect("db").expect("operation");
        if matches!(op.state.as_str(), "done" | "failed") {
            return op.state.as_str().to_string();
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "operation {id} did not end"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Appends `text` to `target/stacktician-test.log`, for looking at after a run.
pub fn note(text: &str) {
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(concat!(env!("CARGO_MANIFEST_DIR"), "/../target/stacktician-test.log"))
    {
        let _ = writeln!(f, "{text}");
    }
}
