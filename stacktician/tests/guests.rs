//! The guests' endpoints of the service: a VM reads its wait-condition handle, metadata token and
//! the service's guest URL from its user data; metadata is served with the stack's token only; a
//! signal sent to the service's API process is kept in the state store before it is answered, and
//! the worker running the wait condition sees it there; after the stack is made (no worker holds it)
//! a signal is still kept.

mod common;

use common::world;
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_conditions_are_signalled_and_metadata_read_through_the_service() {
    let w = world(10).await;
    let zone = cloudstack_sim::fixtures::ZONE_ID;
    let tpl = cloudstack_sim::fixtures::TEMPLATE_ID;
    let offering = cloudstack_sim::fixtures::SERVICE_OFFERING_SMALL_ID;
    let template = json!({
        "Resources": {
            "Handle": {"Type": "AWS::CloudFormation::WaitConditionHandle"},
            "Vm": {"Type": "CloudStack::VirtualMachine", "Metadata": {"app": {"port": 8080}},
                "Properties": {"zoneid": zone, "templateid": tpl, "serviceofferingid": offering, "name": "vm",
                "userdata": {"Fn::Base64": {"Fn::Join": ["", ["HANDLE='", {"Ref": "Handle"}, "'\nTOKEN='",
                    {"Ref": "CloudStack::StackMateMetadataToken"}, "'\nAPI='", {"Ref": "CloudStack::StackMateApiURL"}, "'\n"]]}}}},
            "Ready": {"Type": "AWS::CloudFormation::WaitCondition", "DependsOn": "Vm",
                "Properties": {"Handle": {"Ref": "Handle"}, "Count": "1", "Timeout": "60"}}
        },
        "Outputs": {"Data": {"Value": {"Fn::GetAtt": ["Ready", "Data"]}}}
    });
    let (s, v) = w
        .alice
        .post("/v1/stacks", &json!({"name": "waits", "template": template}))
        .await;
    assert_eq!(s, 202, "{v}");
    // The guest: its user data, from the cloud, as alice's VM would have it.
    let client = cloudstack_client::Client::builder(&w.sim.url)
        .credentials("alice-key", common::ALICE_SECRET)
        .build()
        .expect("client");
    let script = loop {
        if let Ok(vms) = client
            .call("listVirtualMachines", cloudstack_client::HttpMethod::Get, vec![])
            .await
        {
            if let Some(id) = vms["virtualmachine"]
                .as_array()
                .and_then(|l| l.first())
                .and_then(|v| v["id"].as_str())
            {
                let data = client
                    .call(
                        "getVirtualMachineUserData",
                        cloudstack_client::HttpMethod::Get,
                        vec![("virtualmachineid".into(), id.to_string())],
                    )
                    .await
                    .expect("user data");
                use base64::Engine as _;
                let b64 = data["virtualmachineuserdata"]["userdata"].as_str().expect("b64");
                break String::from_utf8(base64::engine::general_purpose::STANDARD.decode(b64).expect("b64"))
                    .expect("utf8");
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    let value = |name: &str| -> String {
        let start = script.find(&format!("{name}='")).expect(name) + name.len() + 2;
        script[start..].chars().take_while(|c| *c != '\'').collect()
    };
    let (handle, token, api) = (value("HANDLE"), value("TOKEN"), value("API"));
    assert!(
        handle.starts_with(&format!("{}/guest/waitcondition/", w.alice.base)),
        "{handle}"
    );
    assert_eq!(api, format!("{}/guest/", w.alice.base));
    let http = reqwest::Client::new();
    // Metadata: with the stack's token only.
    let stack_id = handle.split('/').rev().nth(1).expect("stack id").to_string();
    let md = format!("{api}metadata/{stack_id}/Vm");
    let r = http.get(&md).send().await.expect("metadata");
    assert_eq!(r.status(), 404);
    // Published once the VM exists.
    let started = std::time::Instant::now();
    let r = loop {
        let r = http
            .get(&md)
            .header("x-stackmate-token", &token)
            .send()
            .await
            .expect("metadata");
        if r.status() == 200 || started.elapsed() > std::time::Duration::from_secs(20) {
            break r;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert_eq!(r.status(), 200);
    let detail: Value = serde_json::from_str(&r.text().await.expect("text")).expect("json");
    assert!(detail.to_string().contains("8080"), "{detail}");
    // A bad handle, then the real signal.
    let bad = format!("{}x", handle);
    assert_eq!(http.put(&bad).body("{}").send().await.expect("put").status(), 404);
    let r = http
        .put(&handle)
        .body(r#"{"Status":"SUCCESS","Reason":"up","UniqueId":"vm1","Data":"hello"}"#)
        .send()
        .await
        .expect("signal");
    assert_eq!(r.status(), 200);
    let d = w.alice.settled("waits").await;
    assert_eq!(d["status"], "CREATE_COMPLETE", "{d}");
    assert!(
        d["outputs"]["Data"].as_str().is_some_and(|o| o.contains("hello")),
        "{d}"
    );
    // No worker runs the stack now: a signal is still taken, into the state store, by the API
    // process the guest reached; one that is not cfn-signal's is refused.
    let r = http
        .put(&handle)
        .body(r#"{"Status":"SUCCESS","Reason":"again","UniqueId":"vm2","Data":"later"}"#)
        .send()
        .await
        .expect("signal");
    assert_eq!(r.status(), 200);
    let store_name = stacktician::names::store_name(&w.alice_name, "waits");
    let kept = w
        .service
        .state
        .engines
        .store()
        .signals(&store_name, "Handle")
        .await
        .expect("signals");
    let ids: Vec<&str> = kept.iter().map(|s| s.unique_id.as_str()).collect();
    assert_eq!(ids, ["vm1", "vm2"], "both signals kept");
    assert_eq!(http.put(&handle).body("{}").send().await.expect("put").status(), 400);
    assert!(
        !w.alice.seen().contains(&token),
        "the metadata token is not in any answer"
    );
}
