//! The metadata example template, played as its guest would: the metadata is served only with the
//! stack's token (from the VM's user data), and anything else gets the answer of a resource that
//! does not exist.

mod common;

use std::time::Duration;

use base64::Engine as _;
use common::{assigned, root, sim, stackmate};

async fn get(url: &str, token: Option<&str>) -> (u16, String) {
    let mut req = reqwest::Client::new().get(url);
    if let Some(t) = token {
        req = req.header("X-StackMate-Token", t);
    }
    let resp = req.send().await.expect("answer");
    (resp.status().as_u16(), resp.text().await.expect("body"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metadata_is_served_only_with_the_stacks_token() {
    let sim = sim(20).await;
    let dir = tempfile::tempdir().expect("tmp");
    let state = dir.path().join("state");
    let template = root().join("stackmate-cli/templates/metadata-example.json");
    let mut child = stackmate(&sim.url, &state)
        .args(["create", "meta"])
        .arg(&template)
        .args(["-p", &format!("zoneid={}", cloudstack_sim::fixtures::ZONE_ID)])
        .args(["-p", &format!("templateid={}", cloudstack_sim::fixtures::TEMPLATE_ID)])
        .args([
            "-p",
            &format!(
                "serviceofferingid={}",
                cloudstack_sim::fixtures::SERVICE_OFFERING_SMALL_ID
            ),
        ])
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("create starts");
    let client = cloudstack_client::Client::builder(&sim.url)
        .credentials(cloudstack_sim::DEMO_API_KEY, cloudstack_sim::DEMO_SECRET_KEY)
        .build()
        .expect("client");
    // The guest: its user data, once the VM exists.
    let mut script = String::new();
    for _ in 0..200 {
        let vms = client
            .call("listVirtualMachines", cloudstack_client::HttpMethod::Get, vec![])
            .await
            .expect("list");
        if let Some(id) = vms["virtualmachine"][0]["id"].as_str() {
            let data = client
                .call(
                    "getVirtualMachineUserData",
                    cloudstack_client::HttpMethod::Get,
                    vec![("virtualmachineid".into(), id.to_string())],
                )
                .await
                .expect("userdata");
            let b64 = data["virtualmachineuserdata"]["userdata"].as_str().expect("userdata");
            script =
                String::from_utf8(base64::engine::general_purpose::STANDARD.decode(b64).expect("b64")).expect("utf8");
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(script.contains("TOKEN='"), "the user data holds the token: {script}");
    let (api, token, stack) = (
        assigned(&script, "API"),
        assigned(&script, "TOKEN"),
        assigned(&script, "STACK"),
    );
    let url = format!("{api}metadata/{stack}/Server");
    let describe = format!("{api}?Action=DescribeStackResource&StackName={stack}&LogicalResourceId=Server");
    // Published once the VM is complete: wait for the right token to work.
    let mut served = (0, String::new());
    for _ in 0..200 {
        served = get(&url, Some(&token)).await;
        if served.0 == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(served.0, 200, "{}", served.1);
    assert!(served.1.contains("AWS::CloudFormation::Init"), "{}", served.1);
    assert_eq!(get(&describe, Some(&token)).await.0, 200);
    let unknown = get(&format!("{api}metadata/{stack}/NoSuchResource"), Some(&token)).await;
    assert_eq!(unknown.0, 404);
    for (what, answer) in [
        ("no token", get(&url, None).await),
        ("a wrong token", get(&url, Some("0123456789abcdef")).await),
        ("describe without a token", get(&describe, None).await),
        (
            "another stack's name",
            get(&format!("{api}metadata/other/Server"), Some(&token)).await,
        ),
    ] {
        assert_eq!(answer, unknown, "{what} gets the answer of an unknown resource");
        assert!(!answer.1.contains("Init"), "{what}: {}", answer.1);
    }
    // The guest signals; the stack completes.
    let handle_at = script.find("waitcondition/").expect("handle in user data");
    let begin = script[..handle_at].rfind('\'').expect("quoted") + 1;
    let handle: String = script[begin..].chars().take_while(|c| *c != '\'').collect();
    let signal = r#"{"Status":"SUCCESS","Reason":"configured","UniqueId":"server","Data":"ok"}"#;
    let sent = reqwest::Client::new()
        .put(&handle)
        .body(signal)
        .send()
        .await
        .expect("signal");
    assert_eq!(sent.status().as_u16(), 200);
    let status = tokio::time::timeout(
        Duration::from_secs(60),
        tokio::task::spawn_blocking(move || child.wait()),
    )
    .await
    .expect("create ends")
    .expect("joined")
    .expect("exit");
    assert_eq!(status.code(), Some(0));
}
