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

/// Writes `text` to `dir/name`.
pub fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write");
    p
}
