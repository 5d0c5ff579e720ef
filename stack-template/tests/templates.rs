//! The four original StackMate templates validate and plan; intrinsics, parameters and the DAG behave.

mod common;

use std::collections::BTreeMap;

use serde_json::{json, Value};
use stack_template::intrinsics::{eval, ResourceView, Scope};
use stack_template::plan::{plan, PlanOptions};
use stack_template::template::parse;

fn options() -> PlanOptions {
    PlanOptions::new(
        "teststack",
        "teststack-0001",
        cloudstack_api::specs::release("4.17").expect("4.17"),
    )
    .zones(vec!["a1b2c3d4-0001-4000-8000-000000000001".into()])
}

fn params(list: &[(&str, &str)]) -> BTreeMap<String, String> {
    list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

const ZONE: &str = "a1b2c3d4-0001-4000-8000-000000000001";
const TEMPLATE: &str = "a1b2c3d4-0002-4000-8000-000000000001";
const OFFERING: &str = "a1b2c3d4-0003-4000-8000-000000000001";

fn lamp_params() -> BTreeMap<String, String> {
    params(&[
        ("zoneid", ZONE),
        ("templateid", TEMPLATE),
        ("serviceofferingid", OFFERING),
        ("KeyName", "demo key"),
        ("DBUsername", "admin"),
        ("DBPassword", "Secret123"),
        ("DBRootPassword", "RootSecret123"),
    ])
}

#[test]
fn the_four_stackmate_templates_plan() {
    for name in [
        "LAMP_Single_Instance_CloudStack.template",
        "LAMP_Ubuntu.template",
        "Wordpress_CloudStack.template",
    ] {
        let t = parse(&common::shared(name)).unwrap_or_else(|p| panic!("{name}: {p:?}"));
        let plan = plan(&t, &lamp_params(), &options()).unwrap_or_else(|p| panic!("{name}: {p}"));
        let pos = |r: &str| plan.order.iter().position(|x| x == r).expect("in order");
        assert!(
            pos("WebServerSecurityGroup") < pos("WebServer"),
            "{name}: {:?}",
            plan.order
        );
        assert!(pos("WaitHandle") < pos("WebServer"));
        assert!(pos("WebServer") < pos("WaitCondition"));
        assert!(pos("WebServerSecurityGroup") < pos("SecurityGroupIngress1"));
        assert_eq!(
            plan.resources["WebServer"].depends_on.iter().collect::<Vec<_>>(),
            ["WaitHandle", "WebServerSecurityGroup"]
        );
        assert!(plan.params["DBPassword"].no_echo);
        assert!(
            !format!("{:?}", plan.params).contains("Secret123"),
            "NoEcho values are masked in Debug"
        );
    }
    let citrix = parse(&common::shared("Citrix_License_Server_CloudStack_Basic.template")).expect("parses");
    let p = params(&[
        ("ZoneId", ZONE),
        ("TemplateId", TEMPLATE),
        ("ServiceOfferingId", OFFERING),
    ]);
    let plan = plan(&citrix, &p, &options()).unwrap_or_else(|p| panic!("citrix: {p}"));
    assert_eq!(plan.order.last().map(String::as_str), Some("WaitCondition"));
}

#[test]
fn parameter_constraints_use_constraint_description() {
    let t = parse(&common::shared("LAMP_Single_Instance_CloudStack.template")).expect("parses");
    let mut p = lamp_params();
    p.insert("DBName".into(), "1bad".into());
    p.insert("SSHLocation".into(), "10.0.0.0/8 ".into());
    let err = plan(&t, &p, &options()).expect_err("constraints");
    let msgs: Vec<String> = err.0.iter().map(ToString::to_string).collect();
    assert!(
        msgs.iter().any(|m| m
            .starts_with("/Parameters/DBName: parameter \"DBName\" value \"1bad\" does not match AllowedPattern")
            && m.ends_with("(must begin with a letter and contain only alphanumeric characters.)")),
        "{msgs:#?}"
    );
    assert!(
        msgs.iter().any(|m| m.starts_with("/Parameters/SSHLocation:")),
        "whole-value match: a trailing space fails: {msgs:#?}"
    );
    let mut p = lamp_params();
    p.insert("DBPassword".into(), "has space".into());
    let err = plan(&t, &p, &options()).expect_err("noecho");
    assert!(err.to_string().contains("value (hidden) does not match"), "{err}");
    assert!(!err.to_string().contains("has space"));
}

struct Known;
impl ResourceView for Known {
    fn exists(&self, logical: &str) -> bool {
        logical == "Vm"
    }
    fn physical_id(&self, _: &str) -> Option<Value> {
        Some(json!("vm-1"))
    }
    fn attribute(&self, _: &str, a: &str) -> Option<Value> {
        (a == "PrivateIp").then(|| json!("10.1.0.5"))
    }
}

#[test]
fn intrinsics_evaluate() {
    let params = BTreeMap::from([
        ("Env".to_string(), json!("prod")),
        ("Ports".to_string(), json!(["80", "443"])),
    ]);
    let pseudo = BTreeMap::from([("AWS::StackName".to_string(), json!("s"))]);
    let mappings = json!({"Size": {"prod": {"Offering": "large"}}});
    let conditions = BTreeMap::from([("IsProd".to_string(), true)]);
    let zones = vec!["z1".to_string(), "z2".to_string()];
    let scope = Scope {
        params: &params,
        pseudo: &pseudo,
        mappings: mappings.as_object().expect("object"),
        conditions: &conditions,
        zones: &zones,
        resources: &Known,
    };
    let cases = [
        (json!({"Ref": "Env"}), json!("prod")),
        (json!({"Ref": "Vm"}), json!("vm-1")),
        (json!({"Fn::GetAtt": ["Vm", "PrivateIp"]}), json!("10.1.0.5")),
        (json!({"Fn::Join": ["-", ["a", {"Ref": "Env"}, 3]]}), json!("a-prod-3")),
        (json!({"Fn::Base64": "hi"}), json!("aGk=")),
        (json!({"Fn::Select": [1, {"Ref": "Ports"}]}), json!("443")),
        (json!({"Fn::Split": [",", "a,b"]}), json!(["a", "b"])),
        (
            json!({"Fn::Sub": "http://${Vm.PrivateIp}/${Env}/${!Literal}"}),
            json!("http://10.1.0.5/prod/${Literal}"),
        ),
        (
            json!({"Fn::Sub": ["${X}-${AWS::StackName}", {"X": {"Ref": "Env"}}]}),
            json!("prod-s"),
        ),
        (
            json!({"Fn::FindInMap": ["Size", {"Ref": "Env"}, "Offering"]}),
            json!("large"),
        ),
        (json!({"Fn::GetAZs": ""}), json!(["z1", "z2"])),
        (json!({"Fn::If": ["IsProd", "big", "small"]}), json!("big")),
        (json!({"Fn::Equals": [{"Ref": "Env"}, "prod"]}), json!(true)),
        (
            json!({"Fn::And": [{"Condition": "IsProd"}, {"Fn::Not": [{"Fn::Equals": ["a", "b"]}]}]}),
            json!(true),
        ),
        (json!({"Fn::Or": [{"Fn::Equals": ["a", "b"]}, false]}), json!(false)),
        (
            json!({"a": {"Ref": "Env"}, "b": {"Ref": "AWS::NoValue"}}),
            json!({"a": "prod"}),
        ),
    ];
    for (expr, expected) in cases {
        assert_eq!(
            eval(&expr, &scope, "").expect("evaluates"),
            Some(expected.clone()),
            "{expr}"
        );
    }
    let err = eval(&json!({"Fn::Select": [5, ["a"]]}), &scope, "/X").expect_err("range");
    assert_eq!(err.pointer, "/X/Fn::Select");
}

#[test]
fn dag_and_dot() {
    let t = parse(
        r#"{"Resources": {
        "A": {"Type": "CloudStack::SecurityGroup", "Properties": {"name": "a"}},
        "B": {"Type": "CloudStack::SecurityGroupIngress", "Properties": {"securitygroupid": {"Ref": "A"}}},
        "C": {"Type": "CloudStack::SecurityGroup", "Properties": {"name": {"Fn::Sub": "${A}-c"}}, "DependsOn": "B"}}}"#,
    )
    .expect("parses");
    let plan = plan(&t, &BTreeMap::new(), &options()).expect("valid");
    assert_eq!(plan.order, ["A", "B", "C"]);
    let dot = stack_template::plan::to_dot(&plan);
    assert!(
        dot.contains("\"A\" -> \"B\"") && dot.contains("\"B\" -> \"C\"") && dot.contains("\"A\" -> \"C\""),
        "{dot}"
    );
}
