//! Typed stacks plan exactly as templates do: the four StackMate templates, built in Rust with the
//! generated participants, give the same DAG, the same create-call wire parameters and the same
//! outputs as the JSON files. (The VM's user data script and cfn-init metadata are taken from the
//! files: they are text, not structure.)

mod common;

use std::collections::BTreeMap;

use cloudstack_api::v4_17::participants::{SecurityGroup, SecurityGroupIngress, VirtualMachine};
use serde_json::{json, Value};
use stack_template::intrinsics::ResourceView;
use stack_template::typed::{join, ParamSpec, Typed, TypedStack, Val, WaitCondition, WaitConditionHandle};
use stack_template::{Plan, PlanOptions};

/// Answers every reference with a made-up value: an id made from the logical id,
/// `<logical>.<attribute>` for attributes.
struct Made;

impl ResourceView for Made {
    fn exists(&self, _: &str) -> bool {
        true
    }
    fn physical_id(&self, logical: &str) -> Option<Value> {
        let n = logical
            .bytes()
            .fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
        Some(json!(format!("{n:08x}-0000-4000-8000-000000000001")))
    }
    fn attribute(&self, logical: &str, attribute: &str) -> Option<Value> {
        Some(json!(format!("{logical}.{attribute}")))
    }
}

fn options() -> PlanOptions {
    PlanOptions::new(
        "typed",
        "typed-id",
        cloudstack_api::specs::release("4.17").expect("4.17"),
    )
    .zones(vec!["1b2c3d4e-0000-4000-8000-000000000001".into()])
}

/// Values for the parameters `t` declares (both spellings of the ids the templates use).
fn given(t: &stack_template::template::Template) -> BTreeMap<String, String> {
    const ZONE: &str = "1b2c3d4e-0000-4000-8000-000000000001";
    const TEMPLATE: &str = "1b2c3d4e-0000-4000-8000-000000000002";
    const OFFERING: &str = "1b2c3d4e-0000-4000-8000-000000000003";
    [
        ("zoneid", ZONE),
        ("templateid", TEMPLATE),
        ("serviceofferingid", OFFERING),
        ("ZoneId", ZONE),
        ("TemplateId", TEMPLATE),
        ("ServiceOfferingId", OFFERING),
        ("KeyName", "my-key"),
        ("DBUsername", "admin"),
        ("DBPassword", "pw1"),
        ("DBRootPassword", "pw2"),
    ]
    .into_iter()
    .filter(|(k, _)| t.parameters.contains_key(*k))
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

/// Per resource: its dependencies and its create call's wire parameters.
type Resources = BTreeMap<String, (Vec<String>, Option<Vec<(String, String)>>)>;

/// The DAG, the wire parameters of each create call, and the outputs of a plan.
fn shape(plan: &Plan) -> (Vec<String>, Resources, Value) {
    let resources = plan
        .resources
        .iter()
        .map(|(l, r)| {
            let deps: Vec<String> = r.depends_on.iter().cloned().collect();
            let wire = plan.create_wire(l, &Made).expect("wire");
            (l.clone(), (deps, wire))
        })
        .collect();
    let outputs: serde_json::Map<String, Value> = plan
        .template
        .outputs
        .iter()
        .map(|(k, o)| (k.clone(), o.value.clone()))
        .collect();
    (plan.order.clone(), resources, Value::Object(outputs))
}

fn plan_json(text: &str) -> Plan {
    let t = stack_template::template::parse(text).expect("parses");
    stack_template::plan(&t, &given(&t), &options()).expect("plans")
}

fn plan_typed(stack: &TypedStack) -> Plan {
    let t = stack.template().expect("reads");
    stack_template::plan(&t, &given(&t), &options()).expect("plans")
}

/// The three LAMP-style templates: a VM in a security group with two ingress rules, waiting for
/// its guest's signal.
fn lamp(file: &Value, url_suffix: &str) -> TypedStack {
    let mut s = TypedStack::new();
    let zone = s.parameter("zoneid", ParamSpec::string());
    let template = s.parameter("templateid", ParamSpec::string());
    let offering = s.parameter("serviceofferingid", ParamSpec::string());
    let key = s.parameter(
        "KeyName",
        ParamSpec::string().length(1, 64).allowed_pattern("[-_ a-zA-Z0-9]*"),
    );
    s.parameter(
        "DBName",
        ParamSpec::string()
            .default("MyDatabase")
            .length(1, 64)
            .allowed_pattern("[a-zA-Z][a-zA-Z0-9]*"),
    );
    for (name, max, pattern) in [
        ("DBUsername", 16, "[a-zA-Z][a-zA-Z0-9]*"),
        ("DBPassword", 41, "[a-zA-Z0-9]*"),
        ("DBRootPassword", 41, "[a-zA-Z0-9]*"),
    ] {
        s.parameter(
            name,
            ParamSpec::string().no_echo().length(1, max).allowed_pattern(pattern),
        );
    }
    let ssh = s.parameter(
        "SSHLocation",
        ParamSpec::string()
            .length(9, 18)
            .default("0.0.0.0/0")
            .allowed_pattern(r"(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})/(\d{1,2})"),
    );
    let group = SecurityGroup::new("WebServerSecurityGroup", "Enable HTTP access via port 80");
    let http = SecurityGroupIngress::new("SecurityGroupIngress1")
        .securitygroupid(group.reference())
        .protocol("tcp")
        .startport(80)
        .endport(80)
        .cidrlist(["0.0.0.0/0"]);
    let ssh_in = SecurityGroupIngress::new("SecurityGroupIngress2")
        .securitygroupid(group.reference())
        .protocol("tcp")
        .startport(22)
        .endport(22)
        .cidrlist([&ssh]);
    let handle = WaitConditionHandle::new("WaitHandle");
    let web = VirtualMachine::new("WebServer", &offering, &template, &zone)
        .securitygroupids([group.reference()])
        .keypair(&key)
        .userdata(Val::raw(
            file["Resources"]["WebServer"]["Properties"]["userdata"].clone(),
        ));
    let wait = WaitCondition::new("WaitCondition", handle.reference())
        .timeout(300)
        .depends_on(&web);
    let mut url = vec![Val::from("http://"), web.attr_private_ip().into()];
    if !url_suffix.is_empty() {
        url.push(url_suffix.into());
    }
    s.output("WebsiteURL", join("", url));
    s.add(web).add(handle).add(wait).add(group).add(http).add(ssh_in);
    s
}

/// The Citrix license server: a VM with cfn-init metadata, waiting for its guest's signal.
fn citrix(file: &Value) -> TypedStack {
    let mut s = TypedStack::new();
    let zone = s.parameter("ZoneId", ParamSpec::string());
    let server = s.parameter("ServerName", ParamSpec::string().default("windows-server"));
    let template = s.parameter("TemplateId", ParamSpec::string());
    let offering = s.parameter("ServiceOfferingId", ParamSpec::string());
    let groups = s.parameter("SecurityGroupNames", ParamSpec::string().default("default"));
    s.parameter(
        "AdminPassword",
        ParamSpec::string().default("Citrix123").length(8, 32).no_echo(),
    );
    let vm_json = &file["Resources"]["LicenseServer"];
    let server_vm = VirtualMachine::new("LicenseServer", &offering, &template, &zone)
        .displayname(&server)
        .name(&server)
        .securitygroupnames([&groups])
        .userdata(Val::raw(vm_json["Properties"]["userdata"].clone()))
        .metadata(vm_json["Metadata"].clone());
    let handle = WaitConditionHandle::new("WaitHandle");
    let wait = WaitCondition::new("WaitCondition", handle.reference())
        .timeout(1800)
        .depends_on(&server_vm);
    s.output("ServerId", server_vm.reference());
    s.output("LicenseServerPrivateIP", server_vm.attr_private_ip());
    s.add(server_vm).add(handle).add(wait);
    s
}

#[test]
fn the_stackmate_templates_built_in_rust_plan_the_same() {
    for (file, suffix) in [
        ("LAMP_Single_Instance_CloudStack.template", Some("")),
        ("LAMP_Ubuntu.template", Some("")),
        ("Wordpress_CloudStack.template", Some("/wordpress")),
        ("Citrix_License_Server_CloudStack_Basic.template", None),
    ] {
        let text = common::shared(file);
        let json: Value = serde_json::from_str(&text).expect("json");
        let typed = match suffix {
            Some(s) => lamp(&json, s),
            None => citrix(&json),
        };
        let (from_file, from_rust) = (plan_json(&text), plan_typed(&typed));
        let (a, b) = (shape(&from_file), shape(&from_rust));
        assert_eq!(a.0, b.0, "{file}: creation order");
        for (logical, (deps, wire)) in &a.1 {
            let (typed_deps, typed_wire) = b.1.get(logical).unwrap_or_else(|| panic!("{file}: no {logical}"));
            assert_eq!(deps, typed_deps, "{file}: {logical}'s dependencies");
            assert_eq!(wire, typed_wire, "{file}: {logical}'s create call");
            if wire.is_some() {
                assert!(wire.as_ref().is_some_and(|w| !w.is_empty()), "{file}: {logical}");
            }
        }
        assert_eq!(a.1.len(), b.1.len(), "{file}: resources");
        assert_eq!(a.2, b.2, "{file}: outputs");
        let vm = from_rust
            .resources
            .values()
            .find(|r| r.type_name == VirtualMachine::TYPE)
            .expect("a VM");
        assert!(vm.decl.metadata.is_some() == (suffix.is_none()), "{file}: metadata");
    }
}

#[test]
fn references_make_the_dependencies_and_to_json_is_a_template() {
    let mut s = TypedStack::new();
    let group = SecurityGroup::new("Web", "web");
    let rule = SecurityGroupIngress::new("Http")
        .securitygroupid(group.reference())
        .protocol("tcp")
        .startport(80)
        .endport(80);
    s.add(rule).add(group);
    let doc = s.to_json();
    assert_eq!(
        doc["Resources"]["Http"]["Properties"]["securitygroupid"],
        json!({"Ref": "Web"})
    );
    assert_eq!(doc["Resources"]["Http"]["Properties"]["startport"], json!(80));
    let plan = plan_typed(&s);
    assert_eq!(plan.order, ["Web", "Http"]);
    assert!(plan.resources["Http"].depends_on.iter().eq(["Web"]));
    // The rendered JSON is a template like any other.
    let again = plan_json(&doc.to_string());
    assert_eq!(shape(&again), shape(&plan));
}

#[test]
fn what_the_compiler_cannot_see_the_plan_still_refuses() {
    // A value no typed setter can check (a raw one) is checked by the plan, at its pointer.
    let mut s = TypedStack::new();
    s.add(SecurityGroupIngress::new("Http").property("startport", json!("eighty")));
    let t = s.template().expect("reads");
    let problems = stack_template::plan(&t, &BTreeMap::new(), &options()).expect_err("refused");
    assert!(
        problems.to_string().contains("/Resources/Http/Properties/startport"),
        "{problems}"
    );
}

/// A custom type of the embedding program, with typed properties of its own.
#[derive(Debug, Clone)]
struct DnsRecord(stack_template::typed::Resource);

impl DnsRecord {
    const TYPE: &'static str = "Acme::DnsRecord";

    fn new(logical: &str, name: impl Into<Val<String>>, address: impl Into<Val<String>>) -> Self {
        let mut r = stack_template::typed::Resource::new(Self::TYPE, logical);
        r.set("Name", name.into().erase());
        r.set("Address", address.into().erase());
        Self(r)
    }

    fn ttl(mut self, seconds: impl Into<Val<i64>>) -> Self {
        self.0.set("Ttl", seconds.into().erase());
        self
    }

    fn attr_fqdn(&self) -> stack_template::typed::Att<String> {
        self.0.att("Fqdn")
    }
}

impl Typed for DnsRecord {
    fn resource(&self) -> &stack_template::typed::Resource {
        &self.0
    }
    fn resource_mut(&mut self) -> &mut stack_template::typed::Resource {
        &mut self.0
    }
}

impl From<DnsRecord> for stack_template::typed::Resource {
    fn from(d: DnsRecord) -> Self {
        d.0
    }
}

#[test]
fn custom_types_take_part_with_typed_properties() {
    use cloudstack_api::v4_17::participants::IpAddress;
    let mut s = TypedStack::new();
    let ip = IpAddress::new("Ip").zoneid("1b2c3d4e-0000-4000-8000-000000000001");
    let dns = DnsRecord::new("Dns", "www", ip.attr_ipaddress()).ttl(300);
    s.output("Site", dns.attr_fqdn());
    s.add(ip).add(dns);
    let t = s.template().expect("reads");
    let custom = BTreeMap::from([(DnsRecord::TYPE.to_string(), vec!["Fqdn".to_string()])]);
    let plan = stack_template::plan(&t, &BTreeMap::new(), &options().custom_types(custom)).expect("plans");
    assert_eq!(plan.order, ["Ip", "Dns"]);
    assert_eq!(
        t.resources["Dns"].properties["Address"],
        json!({"Fn::GetAtt": ["Ip", "ipaddress"]})
    );
    assert_eq!(t.resources["Dns"].properties["Ttl"], json!(300));
    // Without the type registered, the plan says what is missing.
    let unknown = stack_template::plan(&t, &BTreeMap::new(), &options()).expect_err("unknown type");
    assert!(unknown.to_string().contains("Acme::DnsRecord"), "{unknown}");
}

#[test]
fn a_typed_stack_nests_another_and_plans_as_one() {
    use stack_template::typed::NestedStack;
    let mut child = TypedStack::new();
    let name = child.parameter("GroupName", ParamSpec::string());
    let group = SecurityGroup::new("Group", &name);
    child.output("GroupId", group.reference());
    child.add(group);
    let mut root = TypedStack::new();
    let nested = NestedStack::new("Tier", &child).parameter("GroupName", Val::<String>::from("tier"));
    root.output("Group", nested.output("GroupId"));
    root.add(nested);
    let release = cloudstack_api::specs::release("4.17").expect("release");
    let options = stack_template::PlanOptions::new("typed", "typed-1", release);
    let plan = stack_template::plan(&root.template().expect("template"), &Default::default(), &options).expect("plans");
    assert_eq!(plan.order, ["Tier.Group"]);
    assert_eq!(
        plan.template.outputs["Group"].value,
        serde_json::json!({"Ref": "Tier.Group"})
    );
}
