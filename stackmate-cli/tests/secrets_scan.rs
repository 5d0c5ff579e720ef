//! No secret anywhere it should not be: a stack is created with a marker NoEcho value, a metadata
//! token and a wait-condition handle token, all three handed to its VM in user data; then every
//! command's output (with logs at TRACE), every byte of the state files, and the metadata server's
//! answers to a caller without the token are searched for each secret: in clear, URL-encoded,
//! JSON-escaped, and base64 (at every alignment, and inside any base64 run, decoded). NoEcho values
//! the plan or the cloud refuses are not quoted back either, in any output or state file.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use integration_tests::secret_scan::Scan;

use common::{assigned, signal, sim, stackmate, user_data, write};

/// The NoEcho value: a space, `&`, `/` and a quote make its encodings differ from it.
const MARKER: &str = "Mk-7s3cr3t pa&ss/\"q";

fn template() -> String {
    let zone = cloudstack_sim::fixtures::ZONE_ID;
    let tpl = cloudstack_sim::fixtures::TEMPLATE_ID;
    let offering = cloudstack_sim::fixtures::SERVICE_OFFERING_SMALL_ID;
    format!(
        r##"{{
  "Parameters": {{"DbPassword": {{"Type": "String", "NoEcho": "true"}}}},
  "Resources": {{
    "Handle": {{"Type": "AWS::CloudFormation::WaitConditionHandle"}},
    "Group": {{"Type": "CloudStack::SecurityGroup", "Properties": {{"name": "db",
      "description": {{"Fn::Join": ["", ["pw=", {{"Ref": "DbPassword"}}]]}}}}}},
    "Vm": {{"Type": "CloudStack::VirtualMachine",
      "Metadata": {{"AWS::CloudFormation::Init": {{"config": {{"files": {{"/etc/db.conf": {{
        "content": {{"Fn::Join": ["", ["password=", {{"Ref": "DbPassword"}}]]}}}}}}}}}}}},
      "Properties": {{"zoneid": "{zone}", "templateid": "{tpl}", "serviceofferingid": "{offering}", "name": "vm",
        "securitygroupids": {{"Ref": "Group"}},
        "userdata": {{"Fn::Base64": {{"Fn::Join": ["", ["#!/bin/sh\nPASS='", {{"Ref": "DbPassword"}},
          "'\nTOKEN='", {{"Ref": "CloudStack::StackMateMetadataToken"}},
          "'\nAPI='", {{"Ref": "CloudStack::StackMateApiURL"}},
          "'\nSTACK='", {{"Ref": "CloudStack::StackId"}},
          "'\nHANDLE='", {{"Ref": "Handle"}}, "'\n"]]}}}}}}}},
    "Ready": {{"Type": "AWS::CloudFormation::WaitCondition", "DependsOn": "Vm",
      "Properties": {{"Handle": {{"Ref": "Handle"}}, "Timeout": "120"}}}}
  }},
  "Outputs": {{
    "Dsn": {{"Value": {{"Fn::Join": ["", ["mysql://app:", {{"Ref": "DbPassword"}}, "@db"]]}}}},
    "Token": {{"Value": {{"Ref": "CloudStack::StackMateMetadataToken"}}}},
    "HandleUrl": {{"Value": {{"Ref": "Handle"}}}},
    "Data": {{"Value": {{"Fn::GetAtt": ["Ready", "Data"]}}}}
  }}
}}"##
    )
}

/// Runs `cmd` with logs at TRACE and scans what it printed; returns its stdout.
fn command(scan: &mut Scan, place: &str, cmd: &mut Command) -> String {
    let out = cmd.env("STACKMATE_LOG", "trace").output().expect("runs");
    scan.check(&format!("`{place}` stdout"), &out.stdout);
    scan.check(&format!("`{place}` stderr"), &out.stderr);
    assert!(
        out.status.success(),
        "{place}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

async fn get(url: &str) -> (u16, String) {
    let resp = reqwest::Client::new().get(url).send().await.expect("answer");
    (resp.status().as_u16(), resp.text().await.expect("body"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_in_state_output_logs_or_uncredentialed_answers() {
    let sim = sim(20).await;
    let dir = tempfile::tempdir().expect("tmp");
    let state = dir.path().join("state");
    let t = write(dir.path(), "scan.json", &template());
    let sm = || {
        let mut c = stackmate(&sim.url, &state);
        c.env("STACKMATE_PARAM_DbPassword", MARKER);
        c
    };
    let mut scan = Scan::new([("NoEcho value", MARKER)]);
    command(&mut scan, "validate", sm().arg("validate").arg(&t));
    let (create_out, create_err) = (dir.path().join("create.out"), dir.path().join("create.err"));
    let mut create = sm()
        .env("STACKMATE_LOG", "trace")
        .args(["create", "scan", "-o", "json"])
        .arg(&t)
        .stdout(std::fs::File::create(&create_out).expect("out"))
        .stderr(std::fs::File::create(&create_err).expect("err"))
        .stdin(Stdio::null())
        .spawn()
        .expect("create starts");

    // The guest: its user data holds all three secrets.
    let deadline = Instant::now() + Duration::from_secs(30);
    let script = loop {
        if let Some(s) = user_data(&sim.url, "scan-vm").await {
            break s;
        }
        assert!(Instant::now() < deadline, "no VM");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(assigned(&script, "PASS"), MARKER);
    let (token, api, stack, handle) = (
        assigned(&script, "TOKEN"),
        assigned(&script, "API"),
        assigned(&script, "STACK"),
        assigned(&script, "HANDLE"),
    );
    let handle_token = handle.rsplit('/').next().expect("token").to_string();
    scan.secrets.push(("metadata token".into(), token.clone()));
    scan.secrets.push(("handle token".into(), handle_token));
    // Metadata: with the token it is served (the NoEcho value in it, for the guest); without it,
    // nothing.
    let metadata = format!("{api}metadata/{stack}/Vm");
    let mut served = (0, String::new());
    for _ in 0..200 {
        served = reqwest::Client::new()
            .get(&metadata)
            .header("X-StackMate-Token", &token)
            .send()
            .await
            .map(|r| (r.status().as_u16(), String::new()))
            .unwrap_or_default();
        if served.0 == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(served.0, 200, "the guest reads its metadata");
    for url in [
        metadata.clone(),
        format!("{api}?Action=DescribeStackResource&StackName={stack}&LogicalResourceId=Vm"),
        format!("{api}?Action=DescribeStackResource&StackName=scan&LogicalResourceId=Vm"),
        format!("{metadata}?Token=wrong"),
    ] {
        let (status, body) = get(&url).await;
        assert_eq!(status, 404, "{url}");
        scan.check(
            &format!("uncredentialed GET {}", url.replace(&api, "/")),
            body.as_bytes(),
        );
    }
    assert_eq!(signal(&handle, "vm", "configured").await, Some(200));
    let status = tokio::task::spawn_blocking(move || create.wait())
        .await
        .expect("joined")
        .expect("create ends");
    assert!(
        status.success(),
        "{}",
        std::fs::read_to_string(&create_err).unwrap_or_default()
    );
    scan.check("`create -o json` stdout", &std::fs::read(&create_out).expect("out"));
    let logs = std::fs::read(&create_err).expect("err");
    assert!(
        String::from_utf8_lossy(&logs).contains("TRACE"),
        "the create logged at TRACE"
    );
    scan.check("`create` stderr at TRACE", &logs);

    let outputs = command(
        &mut scan,
        "outputs -o json",
        sm().args(["outputs", "scan", "-o", "json"]),
    );
    assert!(outputs.contains("mysql://app:****@db"), "{outputs}");
    command(&mut scan, "outputs", sm().args(["outputs", "scan"]));
    for format in ["text", "json"] {
        command(
            &mut scan,
            &format!("describe -o {format}"),
            sm().args(["describe", "scan", "-o", format]),
        );
        command(
            &mut scan,
            &format!("events -o {format}"),
            sm().args(["events", "scan", "-o", format]),
        );
        command(
            &mut scan,
            &format!("list -o {format}"),
            sm().args(["list", "-o", format]),
        );
    }
    command(&mut scan, "graph", sm().arg("graph").arg(&t));
    scan.files_under(&state, "after create");
    command(&mut scan, "delete", sm().args(["delete", "scan", "-o", "json"]));
    scan.files_under(&state, "after delete");
    assert!(scan.scanned > 20, "scanned {}", scan.scanned);
    scan.assert_clean();
}

/// A template whose VM's offering is a NoEcho parameter.
fn offering_template() -> String {
    let zone = cloudstack_sim::fixtures::ZONE_ID;
    let tpl = cloudstack_sim::fixtures::TEMPLATE_ID;
    format!(
        r#"{{"Parameters": {{"Offering": {{"Type": "String", "NoEcho": "true"}}}},
  "Resources": {{"Vm": {{"Type": "CloudStack::VirtualMachine", "Properties": {{"zoneid": "{zone}",
    "templateid": "{tpl}", "serviceofferingid": {{"Ref": "Offering"}}, "name": "vm"}}}}}}}}"#
    )
}

/// Runs `cmd` with logs at TRACE, which must fail, and scans what it printed.
fn refused(scan: &mut Scan, place: &str, cmd: &mut Command) -> String {
    let out = cmd.env("STACKMATE_LOG", "trace").output().expect("runs");
    scan.check(&format!("`{place}` stdout"), &out.stdout);
    scan.check(&format!("`{place}` stderr"), &out.stderr);
    assert!(!out.status.success(), "{place} was not refused");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn noecho_values_refused_by_validation_or_the_cloud_are_not_quoted() {
    // One the plan refuses (not a resource id), one the cloud refuses and quotes back.
    const REFUSED: &str = "Of-s3cr3t&val/\"x 9";
    const ECHOED: &str = "00000000-0000-4000-8000-0000005ec7e7";
    let sim = sim(10).await;
    let dir = tempfile::tempdir().expect("tmp");
    let state = dir.path().join("state");
    let t = write(dir.path(), "offering.json", &offering_template());
    let mut scan = Scan::new([
        ("offering refused by validation", REFUSED),
        ("offering quoted by the cloud", ECHOED),
    ]);
    let sm = |offering: &str| {
        let mut c = stackmate(&sim.url, &state);
        c.env("STACKMATE_PARAM_Offering", offering);
        c
    };
    let said = refused(&mut scan, "validate", sm(REFUSED).arg("validate").arg(&t));
    assert!(
        said.contains("serviceofferingid"),
        "the refusal names the property: {said}"
    );
    refused(
        &mut scan,
        "create (refused by the plan)",
        sm(REFUSED).args(["create", "refused", "-o", "json"]).arg(&t),
    );
    let said = refused(
        &mut scan,
        "create (refused by the cloud)",
        sm(ECHOED).args(["create", "echoed"]).arg(&t),
    );
    assert!(
        said.contains("431") || said.contains("serviceofferingid"),
        "the cloud's refusal is reported: {said}"
    );
    command(&mut scan, "describe", sm("").args(["describe", "echoed", "-o", "json"]));
    command(&mut scan, "events", sm("").args(["events", "echoed", "-o", "json"]));
    scan.files_under(&state, "after the refusals");
    assert!(scan.scanned > 8, "scanned {}", scan.scanned);
    scan.assert_clean();
}
