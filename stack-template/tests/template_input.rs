//! Template input as bytes: encodings, sizes and YAML, each refusal with its position.

use std::collections::BTreeMap;

use stack_template::limits::Limits;
use stack_template::plan::{plan, PlanOptions};
use stack_template::template::{parse, parse_with};

fn only(bytes: &[u8], limits: &Limits) -> stack_template::Problem {
    let mut p = parse_with(bytes, limits).expect_err("refused");
    assert_eq!(p.len(), 1, "{p:#?}");
    p.remove(0)
}

#[test]
fn a_byte_order_mark_is_named() {
    let p = only(b"\xEF\xBB\xBF{\"Resources\": {}}", &Limits::default());
    assert_eq!(p.pointer, "");
    assert_eq!(
        p.message,
        "the template starts with a UTF-8 byte order mark (BOM, bytes EF BB BF at offset 0)"
    );
    assert!(p.hint.as_deref().is_some_and(|h| h.contains("without a BOM")));
}

#[test]
fn invalid_utf8_gives_its_byte_offset_and_line() {
    let text = b"{\n  \"Resources\": {\n    \"G\": {\"Type\": \"Cloud\xC3\x28\"}}}";
    let p = only(text, &Limits::default());
    assert_eq!(
        p.message,
        "the template is not valid UTF-8: byte 43 (0xC3, line 3, column 25) does not continue a UTF-8 character"
    );
}

#[test]
fn oversized_templates_are_refused_before_they_are_read() {
    // 20 MiB of text: refused by its size, without being parsed.
    let big = format!(
        "{{\"Resources\": {{\"G\": {{\"Type\": \"{}\"}}}}}}",
        "x".repeat(20 * 1024 * 1024)
    );
    let p = only(big.as_bytes(), &Limits::default());
    assert_eq!(
        p.message,
        format!("the template is {} bytes, over the limit of 1048576 bytes", big.len())
    );
    // 50,000 resources under a raised size limit: refused by their count, before any is looked at.
    let many: Vec<String> = (0..50_000)
        .map(|i| format!("\"R{i}\": {{\"Type\": \"CloudStack::SecurityGroup\"}}"))
        .collect();
    let text = format!("{{\"Resources\": {{{}}}}}", many.join(","));
    let limits = Limits {
        template_bytes: 64 * 1024 * 1024,
        ..Limits::default()
    };
    let p = only(text.as_bytes(), &limits);
    assert_eq!(
        (p.pointer.as_str(), p.message.as_str()),
        (
            "/Resources",
            "more than 1000 resources: the limit is 1000 (at line 1, column 45912)"
        )
    );
    // Limits are settings: raised, the same template reads.
    let mut raised = limits;
    raised.set("resources", 50_000).expect("a known limit");
    assert_eq!(
        parse_with(text.as_bytes(), &raised).expect("reads").resources.len(),
        50_000
    );
    assert!(raised
        .set("resourcez", 1)
        .unwrap_err()
        .to_string()
        .contains("unknown limit"));
}

#[test]
fn control_characters_in_names_are_escaped_when_printed() {
    let text = "{\"Resources\": {\"Bad\\u001b[31mName\": {\"Type\": \"CloudStack::SecurityGroup\"}}}";
    let p = only(text.as_bytes(), &Limits::default());
    let shown = p.to_string();
    assert!(!shown.contains('\u{1b}'), "{shown:?}");
    assert!(shown.contains("\\u{1b}[31m"), "{shown}");
}

const JSON: &str = r#"{
  "AWSTemplateFormatVersion": "2010-09-09",
  "Parameters": {"Site": {"Type": "String", "Default": "demo"}},
  "Conditions": {"Big": {"Fn::Equals": [{"Ref": "Site"}, "big"]}},
  "Resources": {
    "Web": {"Type": "CloudStack::SecurityGroup", "Properties": {"name": {"Fn::Sub": "${Site}-web"}}},
    "Http": {"Type": "CloudStack::SecurityGroupIngress",
             "Properties": {"securitygroupid": {"Ref": "Web"}, "protocol": "tcp", "startport": 80,
                            "endport": {"Fn::If": ["Big", 8080, 80]}, "cidrlist": {"Fn::Join": [",", ["10.0.0.0/8"]]}}}
  },
  "Outputs": {"Group": {"Value": {"Fn::GetAtt": ["Web", "name"]}}}
}"#;

const YAML: &str = "\
AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  Site: {Type: String, Default: demo}
Conditions:
  Big: !Equals [!Ref Site, big]
Resources:
  Web:
    Type: CloudStack::SecurityGroup
    Properties:
      name: !Sub '${Site}-web'
  Http:
    Type: CloudStack::SecurityGroupIngress
    Properties:
      securitygroupid: !Ref Web
      protocol: tcp
      startport: 80
      endport: !If [Big, 8080, 80]
      cidrlist: !Join [',', [10.0.0.0/8]]
Outputs:
  Group:
    Value: !GetAtt Web.name
";

#[test]
fn a_yaml_template_with_short_forms_is_the_json_template() {
    let from_json = parse(JSON).expect("json");
    let from_yaml = parse(YAML).expect("yaml");
    assert_eq!(from_json, from_yaml);
    let options = PlanOptions::new("s", "s-1", cloudstack_api::specs::release("4.17").expect("4.17"));
    let a = plan(&from_json, &BTreeMap::new(), &options).expect("plans");
    let b = plan(&from_yaml, &BTreeMap::new(), &options).expect("plans");
    assert_eq!(a.order, b.order);
    assert_eq!(a.order, ["Web", "Http"]);
}

#[test]
fn yaml_holds_one_document() {
    let p = only(b"Resources: {}\n---\nResources: {}\n", &Limits::default());
    assert_eq!(
        p.message,
        "the YAML text holds more than one document; a template is one document (at line 2, column 1)"
    );
}

#[test]
fn a_noecho_value_refused_as_a_property_is_not_quoted_back() {
    let text = r#"{"Parameters": {"Offering": {"Type": "String", "NoEcho": "true"}},
      "Resources": {"Vm": {"Type": "CloudStack::VirtualMachine", "Properties": {
        "zoneid": "1b2c3d4e-0000-4000-8000-000000000001", "templateid": "1b2c3d4e-0000-4000-8000-000000000002",
        "serviceofferingid": {"Ref": "Offering"}}}}}"#;
    let template = parse(text).expect("parses");
    let given = BTreeMap::from([("Offering".to_string(), "the-secret-offering".to_string())]);
    let release = cloudstack_api::specs::release("4.17").expect("4.17");
    let problems = plan(&template, &given, &PlanOptions::new("s", "s-1", release)).expect_err("refused");
    let shown = problems.to_string();
    assert!(
        shown.contains("serviceofferingid"),
        "the refusal names the property: {shown}"
    );
    assert!(
        !shown.contains("the-secret-offering"),
        "the NoEcho value is not quoted: {shown}"
    );
    assert!(shown.contains("****"), "it is masked: {shown}");
}
