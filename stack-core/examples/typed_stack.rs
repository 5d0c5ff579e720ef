//! A three-tier application as a typed stack, created against the embedded CloudStack simulator
//! and deleted again: a security group per tier, a web, an application and a database VM, a
//! public address with static NAT to the web VM, another with port forwarding to the application
//! VM's SSH, and a wait condition the application VM's guest signals once it knows where the
//! database is.
//!
//! ```text
//! cargo run -p stack-core --example typed_stack
//! ```
//!
//! The compiler checks what it can: required properties are `new`'s arguments, values have the
//! request bindings' Rust types, attributes are methods, and a security group's id goes only where
//! a security group's id belongs. The stack then runs as a template would.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use cloudstack_api::v4_17::participants::{
    IpAddress, PortForwardingRule, SecurityGroup, SecurityGroupIngress, StaticNat, VirtualMachine,
};
use cloudstack_client::{Client, HttpMethod};
use cloudstack_sim::fixtures::{SERVICE_OFFERING_SMALL_ID, TEMPLATE_ID, ZONE_ID};
use stack_core::typed::{base64, join, ParamSpec, Typed, TypedStack, Val, WaitCondition, WaitConditionHandle};
use stack_core::{Engine, EngineConfig, Status};
use stack_signals_http::SignalServer;

/// The stack: every reference below is checked by the compiler, and makes a dependency.
fn three_tier() -> TypedStack {
    let mut stack = TypedStack::new();
    stack.description("Three tiers: web, application, database");
    let zone = stack.parameter("Zone", ParamSpec::string().description("the zone's id"));
    let template = stack.parameter("Template", ParamSpec::string());
    let offering = stack.parameter("Offering", ParamSpec::string());
    let admin = stack.parameter("AdminCidr", ParamSpec::string().default("10.0.0.0/8"));

    let rule = |logical: &str, group: &SecurityGroup, port: i32, cidr: Val<String>| {
        SecurityGroupIngress::new(logical)
            .securitygroupid(group.reference())
            .protocol("tcp")
            .startport(port)
            .endport(port)
            .cidrlist([cidr])
    };
    let web_group = SecurityGroup::new("WebGroup", "web");
    let app_group = SecurityGroup::new("AppGroup", "app");
    let db_group = SecurityGroup::new("DbGroup", "db");
    let rules = [
        rule("WebHttp", &web_group, 80, "0.0.0.0/0".into()),
        rule("AppHttp", &app_group, 8080, "10.0.0.0/8".into()),
        rule("AppSshIn", &app_group, 22, (&admin).into()),
        rule("DbPostgres", &db_group, 5432, "10.0.0.0/8".into()),
    ];

    let vm = |logical: &str, name: &str, group: &SecurityGroup| {
        VirtualMachine::new(logical, &offering, &template, &zone)
            .name(name)
            .securitygroupids([group.reference()])
    };
    let db = vm("Db", "db", &db_group);
    let web = vm("Web", "web", &web_group);
    let ready = WaitConditionHandle::new("AppReady");
    let app = vm("App", "app", &app_group).userdata(base64(join(
        "",
        [
            "#!/bin/sh\nDB_HOST='".into(),
            db.attr_private_ip().into(),
            "'\nHANDLE='".into(),
            ready.reference().into(),
            "'\n".into(),
        ],
    )));
    let app_up = WaitCondition::new("AppUp", ready.reference())
        .timeout(120)
        .depends_on(&app);

    let web_ip = IpAddress::new("WebIp").zoneid(&zone);
    let nat = StaticNat::new("WebNat", web_ip.reference(), web.reference());
    let app_ip = IpAddress::new("AppIp").zoneid(&zone);
    let ssh = PortForwardingRule::new("AppSsh", app_ip.reference(), 22, "tcp", 2222, app.reference());

    stack.output("WebAddress", web_ip.attr_ipaddress());
    stack.output(
        "AppSsh",
        join("", ["ssh -p 2222 ".into(), app_ip.attr_ipaddress().into()]),
    );
    stack.output("AppReport", app_up.attr_data());
    for r in rules {
        stack.add(r);
    }
    stack
        .add(web_group)
        .add(app_group)
        .add(db_group)
        .add(db)
        .add(web)
        .add(app)
        .add(ready)
        .add(app_up)
        .add(web_ip)
        .add(nat)
        .add(app_ip)
        .add(ssh);
    stack
}

/// Plays the application VM's guest: reads the handle from its user data, signals SUCCESS.
fn play_guest(engine: &Engine, client: Client) {
    engine.events().subscribe(Arc::new(move |e| {
        if e.logical_id != "App" || e.status != Status::CreateComplete {
            return;
        }
        let (Some(id), client) = (e.physical_id.clone(), client.clone()) else {
            return;
        };
        tokio::spawn(async move {
            let answer = client
                .call(
                    "getVirtualMachineUserData",
                    HttpMethod::Get,
                    vec![("virtualmachineid".into(), id)],
                )
                .await;
            let script = answer
                .ok()
                .and_then(|a| a["virtualmachineuserdata"]["userdata"].as_str().map(str::to_string))
                .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
                .and_then(|b| String::from_utf8(b).ok())
                .unwrap_or_default();
            let field = |name: &str| {
                script
                    .split(&format!("{name}='"))
                    .nth(1)
                    .and_then(|rest| rest.split('\'').next())
                    .unwrap_or_default()
                    .to_string()
            };
            let body = format!(
                r#"{{"Status":"SUCCESS","UniqueId":"app","Reason":"configured","Data":"db at {}"}}"#,
                field("DB_HOST")
            );
            let sent = reqwest::Client::new().put(field("HANDLE")).body(body).send().await;
            if let Err(e) = sent {
                eprintln!("the guest could not signal: {e}");
            }
        });
    }));
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sim = cloudstack_sim::start(cloudstack_sim::SimConfig {
        job_latency: cloudstack_sim::Latency::Fixed(Duration::from_millis(50)),
        ..cloudstack_sim::SimConfig::ephemeral()
    })
    .await?;
    let client = Client::builder(&sim.url)
        .credentials(cloudstack_sim::DEMO_API_KEY, cloudstack_sim::DEMO_SECRET_KEY)
        .build()?;
    let signals = SignalServer::start("127.0.0.1:0".parse()?, None).await?;
    let engine = Engine::new(client.clone(), EngineConfig::default()).with_signals(std::sync::Arc::new(signals));
    play_guest(&engine, client);

    let stack = three_tier();
    // What the stack renders as, for review: the application VM's declaration.
    let json = stack.to_json();
    println!("App = {}", serde_json::to_string_pretty(&json["Resources"]["App"])?);
    let template = stack.template()?;
    let given = BTreeMap::from([
        ("Zone".to_string(), ZONE_ID.to_string()),
        ("Template".to_string(), TEMPLATE_ID.to_string()),
        ("Offering".to_string(), SERVICE_OFFERING_SMALL_ID.to_string()),
    ]);
    let release = cloudstack_api::specs::release("4.17")?;
    let options = engine
        .plan_options("three-tier", release)
        .zones(vec![ZONE_ID.to_string()]);
    let plan = stack_core::plan(&template, &given, &options)?;
    println!("\nplan: {}", plan.order.join(" -> "));

    let run = engine.create(plan).await?;
    println!("\n{}: {} resources", run.status.as_str(), run.resources.len());
    for (name, value) in &run.outputs {
        println!("  {name} = {value}");
    }
    let made = sim.handle.created_resources().len();
    let mut run = run;
    engine.delete(&mut run).await?;
    let left = sim.handle.created_resources();
    println!(
        "\n{}: the simulator held {made} resources of the stack and holds {} now",
        run.status.as_str(),
        left.len()
    );
    if !left.is_empty() {
        return Err(format!("the delete left {left:?}").into());
    }
    Ok(())
}
