//! The engine against the simulator: the four StackMate templates create, give outputs and delete with
//! nothing left; failures roll back in order; wait conditions time out and fail; custom types,
//! Retain, resource timeouts and throttling. How work is scheduled is `scheduling.rs`.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

mod common;

use base64::Engine as _;
use cloudstack_sim::fixtures::{SERVICE_OFFERING_SMALL_ID, TEMPLATE_ID, ZONE_ID};
use cloudstack_sim::FaultRule;
use stack_core::{Engine, EngineConfig, Status};

fn given(list: &[(&str, &str)]) -> BTreeMap<String, String> {
    list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// Plays the VM: once `vm` is created, reads the wait handle URL from its userdata (as cfn-signal would
/// be told it) and sends `status`.
fn play_vm(engine: &Engine, sim_url: String, vm: &'static str, status: &'static str) {
    let base = engine.signals().expect("signals").base_url().to_string();
    let done = Arc::new(Mutex::new(false));
    // The stack's id, from its own first event: the guest's metadata token is derived from it.
    let stack_id: Arc<Mutex<Option<String>>> = Arc::default();
    let for_token = engine.clone();
    engine.events().subscribe(Arc::new(move |e| {
        if e.logical_id == e.stack {
            let mut id = stack_id.lock().expect("lock");
            if id.is_none() {
                id.clone_from(&e.physical_id);
            }
            return;
        }
        if e.logical_id != vm || e.status != Status::CreateComplete {
            return;
        }
        let token = stack_id
            .lock()
            .expect("lock")
            .as_deref()
            .map(|id| for_token.metadata_token(id).expose().to_string())
            .unwrap_or_default();
        let Some(vm_id) = e.physical_id.clone() else { return };
        let mut once = done.lock().expect("lock");
        if *once {
            return;
        }
        *once = true;
        let (url, base) = (sim_url.clone(), base.clone());
        tokio::spawn(async move {
            let c = common::demo_client(&url);
            let answer = c
                .call(
                    "getVirtualMachineUserData",
                    cloudstack_client::HttpMethod::Get,
                    vec![("virtualmachineid".into(), vm_id)],
                )
                .await
                .expect("userdata of the vm");
            let userdata = answer["virtualmachineuserdata"]["userdata"]
                .as_str()
                .expect("userdata")
                .to_string();
            let script = String::from_utf8(
                base64::engine::general_purpose::STANDARD
                    .decode(userdata)
                    .expect("base64"),
            )
            .expect("utf8");
            // cfn-signal's URL is in the userdata, or (cfn-init) in the resource's Metadata on the
            // metadata server, which the guest reads with DescribeStackResource.
            let haystack = if script.contains(&format!("{base}waitcondition/")) {
                script
            } else {
                let describe =
                    format!("{base}?Action=DescribeStackResource&StackName=st&LogicalResourceId={vm}&ContentType=JSON");
                let anonymous = reqwest::get(&describe).await.expect("metadata");
                assert_eq!(
                    anonymous.status().as_u16(),
                    404,
                    "no metadata without the stack's token"
                );
                let detail = reqwest::Client::new()
                    .get(&describe)
                    .header("X-StackMate-Token", &token)
                    .send()
                    .await
                    .expect("metadata")
                    .text()
                    .await
                    .expect("body");
                assert!(
                    detail.contains("StackResourceDetail"),
                    "metadata server answers: {detail}"
                );
                detail.replace("\\/", "/").replace("\\\"", "\"")
            };
            let start = haystack
                .find(&format!("{base}waitcondition/"))
                .expect("handle url in userdata or metadata");
            let handle: String = haystack[start..]
                .chars()
                .take_while(|c| !c.is_whitespace() && !matches!(c, '\'' | '"' | '\\'))
                .collect();
            let body =
                format!(r#"{{"Status":"{status}","Reason":"played by the test","UniqueId":"vm-1","Data":"ready"}}"#);
            let resp = reqwest::Client::new()
                .put(&handle)
                .body(body)
                .send()
                .await
                .expect("signal");
            assert_eq!(resp.status().as_u16(), 200);
        });
    }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_four_stackmate_templates_create_output_and_delete() {
    let lamp = given(&[
        ("zoneid", ZONE_ID),
        ("templateid", TEMPLATE_ID),
        ("serviceofferingid", SERVICE_OFFERING_SMALL_ID),
        ("KeyName", "demo"),
        ("DBUsername", "admin"),
        ("DBPassword", "Secret123"),
        ("DBRootPassword", "RootSecret123"),
    ]);
    let citrix = given(&[
        ("ZoneId", ZONE_ID),
        ("TemplateId", TEMPLATE_ID),
        ("ServiceOfferingId", SERVICE_OFFERING_SMALL_ID),
    ]);
    let cases = [
        (
            "LAMP_Single_Instance_CloudStack.template",
            "WebServer",
            "WebsiteURL",
            &lamp,
        ),
        ("LAMP_Ubuntu.template", "WebServer", "WebsiteURL", &lamp),
        ("Wordpress_CloudStack.template", "WebServer", "WebsiteURL", &lamp),
        (
            "Citrix_License_Server_CloudStack_Basic.template",
            "LicenseServer",
            "LicenseServerPrivateIP",
            &citrix,
        ),
    ];
    for (file, vm, output, params) in cases {
        let (sim, engine) = common::quick_engine(Duration::from_millis(20)).await;
        if std::env::var_os("ENGINE_TRACE").is_some() {
            engine.events().subscribe(Arc::new(|e| {
                eprintln!(
                    "{} {} {:?} {:?}",
                    e.logical_id,
                    e.status.as_str(),
                    e.physical_id,
                    e.reason
                )
            }));
        }
        play_vm(&engine, sim.url.clone(), vm, "SUCCESS");
        let template = stack_core::template::parse(&common::shared(file)).expect("parses");
        let plan = stack_core::plan(&template, params, &common::options(&engine, "st"))
            .unwrap_or_else(|p| panic!("{file}: {p}"));
        let mut run = engine.create(plan).await.unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(run.status, Status::CreateComplete);
        let out = &run.outputs[output];
        assert!(out.contains("10.1."), "{file}: output {output} = {out}");
        let created = sim.handle.created_resources();
        // Every resource carries the stack's tags (batched: the same tags on many resources).
        let id_tag = format!("cloudstack:stack-id={}", run.plan.options.stack_id);
        assert!(
            created.iter().any(|r| r.kind == "virtualmachine")
                && created
                    .iter()
                    .all(|r| r.tags.contains(&id_tag) && r.tags.iter().any(|t| t == "cloudstack:stack-name=st")),
            "{file} ({vm}): {created:?}"
        );
        if file.starts_with("LAMP") {
            assert!(
                created
                    .iter()
                    .any(|r| r.name.as_deref() == Some("st-Enable HTTP access via port 80")),
                "unique name: {created:?}"
            );
        }
        engine.delete(&mut run).await.unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(
            sim.handle.created_resources().is_empty(),
            "{file}: left {:?}",
            sim.handle.created_resources()
        );
        let statuses: Vec<(String, Status)> = engine
            .events()
            .all()
            .into_iter()
            .map(|e| (e.logical_id, e.status))
            .collect();
        assert_eq!(statuses.last(), Some(&("st".to_string(), Status::DeleteComplete)));
        let log = format!("{:?}", engine.events().all());
        assert!(!log.contains("Secret123"), "NoEcho values never appear in events");
    }
}

const CHAIN: &str = r#"{"Resources": {
  "Group": {"Type": "CloudStack::SecurityGroup", "Properties": {"name": "web"}},
  "Http": {"Type": "CloudStack::SecurityGroupIngress", "Properties": {"securitygroupid": {"Ref": "Group"}, "protocol": "tcp", "startport": 80, "endport": 80}},
  "Vm": {"Type": "CloudStack::VirtualMachine", "Properties": {"zoneid": "a1b2c3d4-0001-4000-8000-000000000001",
         "templateid": "a1b2c3d4-0002-4000-8000-000000000001", "serviceofferingid": "a1b2c3d4-0003-4000-8000-000000000001",
         "securitygroupids": {"Ref": "Group"}}, "DependsOn": "Http"},
  "Ip": {"Type": "CloudStack::IpAddress", "Properties": {"zoneid": "a1b2c3d4-0001-4000-8000-000000000001"}},
  "Nat": {"Type": "CloudStack::StaticNat", "Properties": {"ipaddressid": {"Ref": "Ip"}, "virtualmachineid": {"Ref": "Vm"}}}
}}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn injected_failures_roll_back_everything_in_order() {
    for failing in [
        "associateIpAddress",
        "deployVirtualMachine",
        "enableStaticNat",
        "authorizeSecurityGroupIngress",
    ] {
        let (sim, engine) = common::quick_engine(Duration::from_millis(10)).await;
        let in_job = failing != "enableStaticNat";
        let rule = FaultRule::parse(&format!("{failing}:next=1{}", if in_job { ",in_job" } else { "" })).expect("rule");
        sim.handle.set_faults(vec![rule]);
        let template = stack_core::template::parse(CHAIN).expect("parses");
        let plan = stack_core::plan(&template, &BTreeMap::new(), &common::options(&engine, "rb")).expect("valid");
        let err = engine.create(plan).await.expect_err("fails");
        assert!(err.reason.contains("Simulated failure"), "{failing}: {}", err.reason);
        assert_eq!(err.run.status, Status::RollbackComplete, "{failing}");
        assert!(
            sim.handle.created_resources().is_empty(),
            "{failing}: left {:?}",
            sim.handle.created_resources()
        );
        let events = engine.events().all();
        let pos = |logical: &str, status: Status| {
            events
                .iter()
                .position(|e| e.logical_id == logical && e.status == status)
        };
        let rb = pos("rb", Status::RollbackInProgress).expect("rollback started");
        assert!(events.iter().any(|e| e.status == Status::CreateFailed), "{failing}");
        // Every resource deleted in the rollback is deleted after its dependents.
        for (child, parent) in [("Http", "Group"), ("Vm", "Group"), ("Nat", "Vm"), ("Nat", "Ip")] {
            if let (Some(c), Some(p)) = (pos(child, Status::DeleteComplete), pos(parent, Status::DeleteComplete)) {
                assert!(c < p && c > rb, "{failing}: {child} must go before {parent}");
            }
        }
        assert_eq!(events.last().map(|e| e.status), Some(Status::RollbackComplete));
    }
}

const WAIT: &str = r#"{"Resources": {
  "Handle": {"Type": "StackMate::WaitConditionHandle"},
  "Group": {"Type": "CloudStack::SecurityGroup", "Properties": {"name": "w", "description": {"Ref": "Handle"}}},
  "Wait": {"Type": "AWS::CloudFormation::WaitCondition", "DependsOn": "Group", "Properties": {"Handle": {"Ref": "Handle"}, "Timeout": "TIMEOUT", "Count": "2"}}
}}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_condition_timeout_and_failure_roll_back() {
    let (sim, engine) = common::quick_engine(Duration::from_millis(10)).await;
    let template = stack_core::template::parse(&WAIT.replace("TIMEOUT", "1")).expect("parses");
    let plan = stack_core::plan(&template, &BTreeMap::new(), &common::options(&engine, "w1")).expect("valid");
    let err = engine.create(plan).await.expect_err("times out");
    assert!(
        err.reason.contains("timed out") && err.reason.contains("0 of 2"),
        "{}",
        err.reason
    );
    assert_eq!(err.run.status, Status::RollbackComplete);
    assert!(sim.handle.created_resources().is_empty());

    // A guest reads the handle URL (here from the group's description) and signals one success, then
    // a FAILURE: the wait condition fails at once and the stack rolls back.
    let (sim, engine) = common::quick_engine(Duration::from_millis(10)).await;
    let template = stack_core::template::parse(&WAIT.replace("TIMEOUT", "60")).expect("parses");
    let plan = stack_core::plan(&template, &BTreeMap::new(), &common::options(&engine, "w2")).expect("valid");
    let url = sim.url.clone();
    engine.events().subscribe(Arc::new(move |e| {
        if e.logical_id != "Group" || e.status != Status::CreateComplete {
            return;
        }
        let url = url.clone();
        tokio::spawn(async move {
            let c = common::demo_client(&url);
            let groups = c
                .call(
                    "listSecurityGroups",
                    cloudstack_client::HttpMethod::Get,
                    vec![("securitygroupname".into(), "w2-w".into())],
                )
                .await
                .expect("list");
            let handle = groups["securitygroup"][0]["description"]
                .as_str()
                .expect("handle url")
                .to_string();
            let http = reqwest::Client::new();
            for body in [
                r#"{"Status":"SUCCESS","Reason":"one","UniqueId":"a","Data":"x"}"#,
                r#"{"Status":"FAILURE","Reason":"disk full","UniqueId":"b","Data":""}"#,
            ] {
                http.put(&handle).body(body).send().await.expect("signal");
            }
        });
    }));
    let started = Instant::now();
    let err = engine.create(plan).await.expect_err("fails");
    assert!(err.reason.contains("FAILURE signal: disk full"), "{}", err.reason);
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "a FAILURE ends the wait at once"
    );
    assert!(sim.handle.created_resources().is_empty());
    let log = format!("{:?}", engine.events().all());
    assert!(
        log.contains("/waitcondition/w2-id/****"),
        "handle URLs are masked in events: {log}"
    );
}

struct DnsRecord {
    log: Arc<Mutex<Vec<String>>>,
}

impl stack_core::CustomResource for DnsRecord {
    fn attributes(&self) -> Vec<String> {
        vec!["Fqdn".into()]
    }
    fn create(
        &self,
        logical_id: &str,
        properties: serde_json::Value,
    ) -> stack_core::BoxFuture<Result<stack_core::Created, stack_core::CustomError>> {
        let host = properties["Host"].as_str().unwrap_or("x").to_string();
        self.log
            .lock()
            .expect("lock")
            .push(format!("create {logical_id} {host}"));
        Box::pin(async move {
            let mut attributes = serde_json::Map::new();
            attributes.insert("Fqdn".into(), serde_json::Value::String(format!("{host}.example.test")));
            Ok(stack_core::Created {
                physical_id: format!("rec-{host}"),
                attributes,
            })
        })
    }
    fn delete(
        &self,
        physical_id: &str,
        _: &serde_json::Map<String, serde_json::Value>,
    ) -> stack_core::BoxFuture<Result<(), stack_core::CustomError>> {
        self.log.lock().expect("lock").push(format!("delete {physical_id}"));
        Box::pin(async { Ok(()) })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stacks_built_in_code_with_custom_types_and_retain() {
    let (sim, mut engine) = common::quick_engine(Duration::from_millis(10)).await;
    let log = Arc::new(Mutex::new(Vec::new()));
    engine.register("Acme::Dns::Record", Arc::new(DnsRecord { log: Arc::clone(&log) }));
    let template = stack_core::builder::StackBuilder::new()
        .resource(
            "Group",
            "CloudStack::SecurityGroup",
            serde_json::json!({"name": "web", "description": {"Fn::GetAtt": ["Dns", "Fqdn"]}}),
        )
        .resource("Dns", "Acme::Dns::Record", serde_json::json!({"Host": "www"}))
        .resource("Kept", "CloudStack::SecurityGroup", serde_json::json!({"name": "kept"}))
        .retain("Kept")
        .output("Name", serde_json::json!({"Fn::GetAtt": ["Dns", "Fqdn"]}))
        .build();
    let plan = stack_core::plan(&template, &BTreeMap::new(), &common::options(&engine, "code")).expect("valid");
    assert!(plan.order.iter().position(|x| x == "Dns") < plan.order.iter().position(|x| x == "Group"));
    let mut run = engine.create(plan).await.expect("created");
    assert_eq!(run.outputs["Name"], "www.example.test");
    engine.delete(&mut run).await.expect("deleted");
    assert_eq!(*log.lock().expect("lock"), ["create Dns www", "delete rec-www"]);
    let left = sim.handle.created_resources();
    assert_eq!(left.len(), 1, "only the retained group is left: {left:?}");
    assert_eq!(left[0].name.as_deref(), Some("code-kept"));
    assert_eq!(run.resources["Kept"].status, Status::DeleteSkipped);
}

const ONE_VM: &str = r#"{"Resources": {"Vm": {"Type": "CloudStack::VirtualMachine", "Properties": {
  "zoneid": "a1b2c3d4-0001-4000-8000-000000000001", "templateid": "a1b2c3d4-0002-4000-8000-000000000001",
  "serviceofferingid": "a1b2c3d4-0003-4000-8000-000000000001" TIMEOUT}}}}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resource_timeout_rolls_back_what_the_cloud_already_started() {
    let (sim, engine) = common::quick_engine(Duration::from_secs(3)).await;
    let text = ONE_VM.replace("TIMEOUT", r#", "StackMateTimeout": "1""#);
    let started = Instant::now();
    let err = match engine
        .launch(&text, &BTreeMap::new(), &common::options(&engine, "to"))
        .await
    {
        Err(stack_core::LaunchError::Failed(e)) => e,
        other => panic!("expected a failed stack, got {other:?}"),
    };
    assert!(err.reason.contains("timed out after 1s"), "{}", err.reason);
    assert!(started.elapsed() < Duration::from_secs(20));
    assert_eq!(err.run.status, Status::RollbackComplete);
    assert!(
        sim.handle.created_resources().is_empty(),
        "the VM whose job outlived the timeout was deleted: {:?}",
        sim.handle.created_resources()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttled_creates_are_retried() {
    let (sim, engine) = common::quick_engine(Duration::from_millis(10)).await;
    sim.handle.set_faults(vec![
        FaultRule::parse("deployVirtualMachine:throttle,next=2").expect("rule")
    ]);
    let mut run = engine
        .launch(
            &ONE_VM.replace("TIMEOUT", ""),
            &BTreeMap::new(),
            &common::options(&engine, "th"),
        )
        .await
        .expect("created after retries");
    assert_eq!(sim.handle.call_counts()["deployVirtualMachine"], 3);
    engine.delete(&mut run).await.expect("deleted");
    assert!(sim.handle.created_resources().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resources_own_timeout_outlasts_the_engines_default() {
    // A 5 s job (create, its tags, then its delete) under a 2 s default, with StackMateTimeout: 30.
    let config = EngineConfig {
        poll_interval: Duration::from_millis(50),
        resource_timeout: Duration::from_secs(2),
        type_timeouts: BTreeMap::new(),
        concurrency: 64,
        ..EngineConfig::default()
    };
    let (sim, engine, _) = common::engine_on_sim(Duration::from_secs(5), config).await;
    let text = ONE_VM.replace("TIMEOUT", r#", "StackMateTimeout": 30"#);
    let mut run = engine
        .launch(&text, &BTreeMap::new(), &common::options(&engine, "own"))
        .await
        .expect("the job ends within the resource's own 30 s");
    assert_eq!(run.status, Status::CreateComplete);
    engine.delete(&mut run).await.expect("its delete job has 30 s too");
    assert!(sim.handle.created_resources().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_throttled_answers_in_a_row_are_survived() {
    let (sim, engine) = common::quick_engine(Duration::from_millis(10)).await;
    sim.handle.set_faults(vec![FaultRule::parse(
        "deployVirtualMachine:throttle,next=50,retry=20ms",
    )
    .expect("rule")]);
    let mut run = engine
        .launch(
            &ONE_VM.replace("TIMEOUT", r#", "StackMateTimeout": 30"#),
            &BTreeMap::new(),
            &common::options(&engine, "th50"),
        )
        .await
        .expect("created once the throttle lets it through");
    assert_eq!(sim.handle.call_counts()["deployVirtualMachine"], 51);
    engine.delete(&mut run).await.expect("deleted");
    assert!(sim.handle.created_resources().is_empty());
}
