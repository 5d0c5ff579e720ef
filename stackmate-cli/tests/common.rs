//! Shared by the CLI tests: a simulator on a free port and a `stackmate` command pointed at it.

#![allow(dead_code)]

use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// The workspace root (the simulator finds its dump from there).
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace")
}

/// A simulator with `latency_ms` async jobs.
pub async fn sim(latency_ms: u64) -> cloudstack_sim::RunningSim {
    let config = cloudstack_sim::SimConfig {
        job_latency: cloudstack_sim::Latency::Fixed(Duration::from_millis(latency_ms)),
        ..cloudstack_sim::SimConfig::ephemeral()
    };
    cloudstack_sim::start(config).await.expect("simulator")
}

/// `stackmate` with the simulator's endpoint and keys in the environment and a state directory.
pub fn stackmate(url: &str, state: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_stackmate"));
    c.env("CLOUDSTACK_ENDPOINT", url)
        .env("CLOUDSTACK_KEY", cloudstack_sim::DEMO_API_KEY)
        .env("CLOUDSTACK_SECRET", cloudstack_sim::DEMO_SECRET_KEY)
        .env("STACKMATE_POLL_INTERVAL_MS", "20")
        .env("HOME", state)
        .env_remove("STACKMATE_PROFILE")
        .arg("--state-dir")
        .arg(state);
    c
}

/// A multi-resource stack without wait conditions: a group with two rules, two addresses with a
/// firewall rule each, a VM (and, with `fail`, a VM whose offering does not exist, which fails after
/// the others exist, so the stack rolls back).
pub fn template(fail: bool) -> String {
    let zone = cloudstack_sim::fixtures::ZONE_ID;
    let tpl = cloudstack_sim::fixtures::TEMPLATE_ID;
    let offering = cloudstack_sim::fixtures::SERVICE_OFFERING_SMALL_ID;
    let bad = if fail {
        format!(
            r#","Broken": {{"Type": "CloudStack::VirtualMachine", "DependsOn": ["Web", "Ip2"],
                "Properties": {{"zoneid": "{zone}", "templateid": "{tpl}",
                "serviceofferingid": "00000000-0000-4000-8000-00000000dead"}}}}"#
        )
    } else {
        String::new()
    };
    format!(
        r#"{{
  "AWSTemplateFormatVersion": "2010-09-09",
  "Parameters": {{"Secret": {{"Type": "String", "NoEcho": "true", "Default": "change-me-please"}}}},
  "Resources": {{
    "Web": {{"Type": "CloudStack::SecurityGroup", "Properties": {{"name": "web", "description": {{"Ref": "Secret"}}}}}},
    "Http": {{"Type": "CloudStack::SecurityGroupIngress", "Properties": {{"securitygroupid": {{"Ref": "Web"}},
      "protocol": "tcp", "startport": 80, "endport": 80, "cidrlist": "0.0.0.0/0"}}}},
    "Ssh": {{"Type": "CloudStack::SecurityGroupIngress", "Properties": {{"securitygroupid": {{"Ref": "Web"}},
      "protocol": "tcp", "startport": 22, "endport": 22, "cidrlist": "10.0.0.0/8"}}}},
    "Ip1": {{"Type": "CloudStack::IpAddress", "Properties": {{"zoneid": "{zone}"}}}},
    "Ip2": {{"Type": "CloudStack::IpAddress", "Properties": {{"zoneid": "{zone}"}}}},
    "Fw1": {{"Type": "CloudStack::FirewallRule", "Properties": {{"ipaddressid": {{"Ref": "Ip1"}},
      "protocol": "tcp", "startport": 443, "endport": 443}}}},
    "Fw2": {{"Type": "CloudStack::FirewallRule", "Properties": {{"ipaddressid": {{"Ref": "Ip2"}},
      "protocol": "tcp", "startport": 8443, "endport": 8443}}}},
    "Vm": {{"Type": "CloudStack::VirtualMachine", "Properties": {{"zoneid": "{zone}", "templateid": "{tpl}",
      "serviceofferingid": "{offering}", "name": "vm", "securitygroupids": {{"Ref": "Web"}}}}}}{bad}
  }},
  "Outputs": {{"Address": {{"Value": {{"Fn::GetAtt": ["Ip1", "ipaddress"]}}}}}}
}}"#
    )
}

/// CloudStack resources the template above creates.
pub const CLOUD_RESOURCES: usize = 8;

/// Runs `cmd` to the end: its exit code, stdout and stderr. A panic or a backtrace hint fails the
/// test, whatever the exit code.
pub fn run(cmd: &mut Command) -> (i32, String, String) {
    let o = cmd.output().expect("stackmate runs");
    let (out, err) = (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    );
    assert!(!err.contains("panicked"), "a panic: {err}");
    assert!(!err.contains("RUST_BACKTRACE"), "a backtrace hint: {err}");
    (o.status.code().unwrap_or(-1), out, err)
}

/// `s` read as JSON (a test failure naming the text when it is not).
pub fn json(s: &str) -> serde_json::Value {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("not JSON ({e}): {s}"))
}

/// Writes `text` to `dir/name`.
pub fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write");
    p
}

/// A stack whose VM's user data holds a wait-condition handle (`HANDLE='<url>'`), and a condition
/// waiting for `count` signals within `timeout` seconds; its output `Data` is what they sent. The
/// VM is named `vm` (`<stack>-vm` in the cloud).
pub fn wait_template(count: u32, timeout: u32) -> String {
    let zone = cloudstack_sim::fixtures::ZONE_ID;
    let tpl = cloudstack_sim::fixtures::TEMPLATE_ID;
    let offering = cloudstack_sim::fixtures::SERVICE_OFFERING_SMALL_ID;
    format!(
        r##"{{
  "Resources": {{
    "Handle": {{"Type": "AWS::CloudFormation::WaitConditionHandle"}},
    "Ip": {{"Type": "CloudStack::IpAddress", "Properties": {{"zoneid": "{zone}"}}}},
    "Vm": {{"Type": "CloudStack::VirtualMachine", "Properties": {{"zoneid": "{zone}", "templateid": "{tpl}",
      "serviceofferingid": "{offering}", "name": "vm",
      "userdata": {{"Fn::Base64": {{"Fn::Join": ["", ["#!/bin/sh\nHANDLE='", {{"Ref": "Handle"}}, "'\n"]]}}}}}}}},
    "Ready": {{"Type": "AWS::CloudFormation::WaitCondition", "DependsOn": "Vm",
      "Properties": {{"Handle": {{"Ref": "Handle"}}, "Count": "{count}", "Timeout": "{timeout}"}}}}
  }},
  "Outputs": {{"Data": {{"Value": {{"Fn::GetAtt": ["Ready", "Data"]}}}}}}
}}"##
    )
}

/// CloudStack resources [`wait_template`] creates.
pub const WAIT_CLOUD_RESOURCES: usize = 2;

/// The guest's side: the user data script of the VM named `cloud_name`, once it exists.
pub async fn user_data(url: &str, cloud_name: &str) -> Option<String> {
    use base64::Engine as _;
    let client = cloudstack_client::Client::builder(url)
        .credentials(cloudstack_sim::DEMO_API_KEY, cloudstack_sim::DEMO_SECRET_KEY)
        .build()
        .expect("client");
    let vms = client
        .call("listVirtualMachines", cloudstack_client::HttpMethod::Get, vec![])
        .await
        .ok()?;
    let vm = vms["virtualmachine"]
        .as_array()?
        .iter()
        .find(|v| v["name"] == cloud_name)?
        .clone();
    let data = client
        .call(
            "getVirtualMachineUserData",
            cloudstack_client::HttpMethod::Get,
            vec![("virtualmachineid".into(), vm["id"].as_str()?.to_string())],
        )
        .await
        .ok()?;
    let b64 = data["virtualmachineuserdata"]["userdata"].as_str()?;
    String::from_utf8(base64::engine::general_purpose::STANDARD.decode(b64).ok()?).ok()
}

/// The value of `NAME='...'` in a user data script.
pub fn assigned(script: &str, name: &str) -> String {
    let start = script.find(&format!("{name}='")).expect(name) + name.len() + 2;
    script[start..].chars().take_while(|c| *c != '\'').collect()
}

/// Sends a SUCCESS signal to `handle` as cfn-signal does (a PUT of its JSON): the answer's status,
/// or `None` when nothing answers (no process serves the URL).
pub async fn signal(handle: &str, unique_id: &str, data: &str) -> Option<u16> {
    let body = format!(r#"{{"Status":"SUCCESS","Reason":"ready","UniqueId":"{unique_id}","Data":"{data}"}}"#);
    let sent = reqwest::Client::new()
        .put(handle)
        .timeout(Duration::from_secs(5))
        .body(body)
        .send()
        .await
        .ok()?;
    Some(sent.status().as_u16())
}

/// Runs `cmd` on a pseudo-terminal, answers with `answer` once it has shown `prompt`, and returns
/// its exit code and all it showed (what a user at the terminal would see).
pub fn on_a_terminal(cmd: &Command, prompt: &str, answer: &str) -> (i32, String) {
    let program = cmd.get_program().to_string_lossy().into_owned();
    let args: Vec<String> = cmd.get_args().map(|a| a.to_string_lossy().into_owned()).collect();
    let script = r#"
import os, pty, sys, json, select, time
argv = json.loads(sys.argv[1]); prompt = sys.argv[2].encode(); answer = sys.argv[3]
pid, fd = pty.fork()
if pid == 0:
    os.execv(argv[0], argv)
seen, sent, deadline = b"", False, time.time() + 60
while time.time() < deadline:
    r, _, _ = select.select([fd], [], [], 0.2)
    if r:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    if not sent and prompt in seen:
        time.sleep(0.2)
        os.write(fd, answer.encode() + b"\n")
        sent = True
_, status = os.waitpid(pid, 0)
sys.stdout.write(seen.decode(errors="replace"))
sys.exit(os.waitstatus_to_exitcode(status))
"#;
    let mut argv = vec![program];
    argv.extend(args);
    let mut py = Command::new("python3");
    py.arg("-c")
        .arg(script)
        .arg(serde_json::to_string(&argv).expect("json"))
        .arg(prompt)
        .arg(answer);
    for (k, v) in cmd.get_envs() {
        match v {
            Some(v) => py.env(k, v),
            None => py.env_remove(k),
        };
    }
    let o = py.output().expect("python3 runs");
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
    )
}
