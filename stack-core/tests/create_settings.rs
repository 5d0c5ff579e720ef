//! CloudFormation's create options, on the simulator: stack tags on every resource that takes tags
//! (a resource's own tag of the same key wins), a timeout that stops the create and rolls it back,
//! and a stack policy kept from the create for the stack's updates.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use stack_core::nesting::Prepared;
use stack_core::{CreateSettings, EngineConfig, PlanCreateError, Status};

const GROUPS: &str = r#"{"Resources": {
  "Web": {"Type": "CloudStack::SecurityGroup", "Properties": {"name": "web",
    "Tags": [{"Key": "team", "Value": "own"}]}},
  "Db": {"Type": "CloudStack::SecurityGroup", "Properties": {"name": "db"}}
}}"#;

fn prepared(text: &str) -> Prepared {
    Prepared {
        text: text.to_string(),
        template: stack_core::template::parse(text).expect("parses"),
    }
}

async fn setup() -> (cloudstack_sim::RunningSim, stack_core::Engine) {
    let config = EngineConfig {
        poll_interval: Duration::from_millis(20),
        ..EngineConfig::default()
    };
    let (sim, engine, _) = common::engine_on_sim(Duration::from_millis(10), config).await;
    (
        sim,
        engine.with_store(std::sync::Arc::new(stack_core::MemoryStore::default())),
    )
}

fn release() -> &'static cloudstack_api::Version {
    cloudstack_api::specs::release("4.17").expect("4.17")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stack_tags_go_on_every_resource_and_a_resources_own_tag_wins() {
    let (sim, engine) = setup().await;
    let tags: BTreeMap<String, String> = [("team", "platform"), ("cost-centre", "42")]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let settings = CreateSettings::default().stack_tags(tags.clone());
    let plan = engine
        .plan_create("tagged", prepared(GROUPS), &BTreeMap::new(), release(), settings)
        .await
        .expect("plans");
    let run = engine.create(plan).await.expect("creates");
    assert_eq!(run.status, Status::CreateComplete);
    let made = sim.handle.created_resources();
    assert_eq!(made.len(), 2, "{made:?}");
    for r in &made {
        let has = |t: &str| r.tags.iter().any(|x| x == t);
        assert!(has("cost-centre=42"), "{r:?}");
        let team = if r.name.as_deref().is_some_and(|n| n.ends_with("web")) {
            "team=own"
        } else {
            "team=platform"
        };
        assert!(has(team), "{team} on {r:?}");
        assert_eq!(r.tags.iter().filter(|t| t.starts_with("team=")).count(), 1, "{r:?}");
    }
    // Kept with the stack: a resource an update adds gets them too.
    let record = engine
        .store()
        .expect("store")
        .stack("tagged")
        .await
        .expect("read")
        .expect("record");
    assert_eq!(record.options.stack_tags, tags);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_settings_are_refused_before_any_call() {
    let (sim, engine) = setup().await;
    sim.handle.reset_calls();
    let cases: Vec<(CreateSettings, &str)> = vec![
        (
            CreateSettings::default().stack_tags([("cloudstack:stack-id".to_string(), "x".to_string())].into()),
            "reserved",
        ),
        (
            CreateSettings::default().timeout_minutes(Some(0)),
            "timeout of 0 minutes",
        ),
        (
            CreateSettings::default().stack_policy(Some("{\"Statement\": 3}".into())),
            "Statement",
        ),
    ];
    for (settings, said) in cases {
        let e = engine
            .plan_create("refused", prepared(GROUPS), &BTreeMap::new(), release(), settings)
            .await
            .expect_err("refused");
        assert!(matches!(e, PlanCreateError::Invalid(_)), "{e}");
        assert!(e.to_string().contains(said), "{said}: {e}");
    }
    let calls: u64 = sim
        .handle
        .call_counts()
        .iter()
        .filter(|(api, _)| api.as_str() != "listZones")
        .map(|(_, n)| n)
        .sum();
    assert_eq!(calls, 0, "{:?}", sim.handle.call_counts());
}

const WAITS: &str = r#"{"Resources": {
  "Handle": {"Type": "AWS::CloudFormation::WaitConditionHandle"},
  "Group": {"Type": "CloudStack::SecurityGroup", "Properties": {"name": "g"}},
  "Wait": {"Type": "AWS::CloudFormation::WaitCondition", "DependsOn": "Group",
    "Properties": {"Handle": {"Ref": "Handle"}, "Timeout": "600"}},
  "After": {"Type": "CloudStack::SecurityGroup", "DependsOn": "Wait", "Properties": {"name": "after"}}
}}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_create_past_its_timeout_stops_waiting_and_rolls_back() {
    let (sim, engine) = setup().await;
    let settings = CreateSettings::default().timeout_minutes(Some(5));
    let mut plan = engine
        .plan_create("slow", prepared(WAITS), &BTreeMap::new(), release(), settings)
        .await
        .expect("plans");
    // The five minutes, as good as up: the wait condition (600 s of its own) stops at the deadline.
    plan.options.create_deadline_ms = Some(stack_core::state::now_ms() + 1_500);
    let started = std::time::Instant::now();
    let err = engine.create(plan).await.expect_err("times out");
    assert!(started.elapsed() < Duration::from_secs(30), "{:?}", started.elapsed());
    assert!(err.reason.contains("timeout of 5 minutes"), "{}", err.reason);
    assert_eq!(err.failure.as_ref().map(|f| f.logical.as_str()), Some("Wait"));
    assert_eq!(err.run.status, Status::RollbackComplete);
    assert!(sim.handle.created_resources().is_empty(), "rolled back");
    assert!(
        !sim.handle.call_counts().contains_key("createSecurityGroup")
            || sim.handle.call_counts()["createSecurityGroup"] == 1,
        "After was never started: {:?}",
        sim.handle.call_counts()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_create_whose_time_is_up_starts_nothing() {
    let (sim, engine) = setup().await;
    let mut plan = engine
        .plan_create(
            "late",
            prepared(GROUPS),
            &BTreeMap::new(),
            release(),
            CreateSettings::default().timeout_minutes(Some(1)),
        )
        .await
        .expect("plans");
    plan.options.create_deadline_ms = Some(1);
    let err = engine.create(plan).await.expect_err("times out");
    assert!(err.reason.contains("timeout of 1 minutes"), "{}", err.reason);
    assert_eq!(sim.handle.call_counts().get("createSecurityGroup"), None);
    let events = engine.store().expect("store").events("late", 0).await.expect("events");
    assert!(
        events.iter().any(
            |(_, e)| e.status == Status::CreateFailed && e.reason.as_deref().is_some_and(|r| r.contains("timeout"))
        ),
        "{events:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stack_policy_given_at_create_guards_its_updates() {
    let (_sim, engine) = setup().await;
    let policy = r#"{"Statement": [
        {"Effect": "Allow", "Action": "Update:*", "Principal": "*", "Resource": "*"},
        {"Effect": "Deny", "Action": "Update:*", "Principal": "*", "Resource": "LogicalResourceId/Db"}]}"#;
    let plan = engine
        .plan_create(
            "guarded",
            prepared(GROUPS),
            &BTreeMap::new(),
            release(),
            CreateSettings::default().stack_policy(Some(policy.into())),
        )
        .await
        .expect("plans");
    engine.create(plan).await.expect("creates");
    let record = engine
        .store()
        .expect("store")
        .stack("guarded")
        .await
        .expect("read")
        .expect("record");
    assert_eq!(record.options.stack_policy.as_deref(), Some(policy));
    let changed = GROUPS.replace("\"name\": \"db\"", "\"name\": \"db2\"");
    let refused = engine
        .run(stack_core::Operation::Update {
            name: "guarded".into(),
            template: changed,
            params: BTreeMap::new(),
            secrets: BTreeMap::new(),
            options: stack_core::UpdateOptions::default(),
        })
        .await
        .expect_err("the policy denies it");
    assert!(refused.to_string().contains("Db"), "{refused}");
}
