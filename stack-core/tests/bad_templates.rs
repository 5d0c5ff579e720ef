//! Bad templates: every case fails validation before any API call, with its exact problem and pointer.
//! (Planning is pure: it has no client, so no API call can happen; the engine plans before it calls.)

mod common;

use std::collections::BTreeMap;

use stack_core::plan::{plan, PlanOptions};
use stack_core::template::parse;

fn options() -> PlanOptions {
    PlanOptions::new("s", "s-1", cloudstack_api::specs::release("4.17").expect("4.17"))
        .zones(vec!["z".into()])
        .custom_types(BTreeMap::from([(
            "Acme::Dns::Record".to_string(),
            vec!["Fqdn".to_string()],
        )]))
}

const Z: &str = "a1b2c3d4-0001-4000-8000-000000000001";

fn vm(extra: &str) -> String {
    format!(
        r#"{{"Type": "CloudStack::VirtualMachine", "Properties": {{"zoneid": "{Z}", "templateid": "{Z}", "serviceofferingid": "{Z}"{extra}}}}}"#
    )
}

fn with(resources: &str) -> String {
    format!(r#"{{"CSTemplateFormatVersion": "1", "Resources": {{{resources}}}}}"#)
}

/// One bad template: (case, template, parameters, expected pointer, expected message).
type Case = (
    &'static str,
    String,
    Vec<(&'static str, &'static str)>,
    &'static str,
    String,
);

fn cases() -> Vec<Case> {
    let sg = r#""G": {"Type": "CloudStack::SecurityGroup", "Properties": {"name": "g"}}"#;
    vec![
        ("not json", "{\"Resources\": {".to_string(), vec![], "", "not valid JSON at line 1, column 15: EOF while parsing an object".into()),
        ("not an object", "[]".into(), vec![], "", "a template must be a JSON object".into()),
        ("unknown section", r#"{"Resources": {"G": {"Type": "CloudStack::SecurityGroup", "Properties": {"name": "g"}}}, "Output": {}}"#.into(), vec![], "/Output", "unknown top-level section \"Output\"".into()),
        ("no resources", r#"{"Resources": {}}"#.into(), vec![], "/Resources", "the template declares no resources".into()),
        ("resources not object", r#"{"Resources": []}"#.into(), vec![], "/Resources", "Resources must be an object".into()),
        ("bad logical id", with(r#""a-b": {"Type": "CloudStack::SecurityGroup", "Properties": {"name": "g"}}"#), vec![], "/Resources/a-b", "logical id \"a-b\" must be alphanumeric (A-Z, a-z, 0-9)".into()),
        ("missing type", with(r#""G": {"Properties": {}}"#), vec![], "/Resources/G/Type", "a resource needs a Type".into()),
        ("unknown resource attribute", with(r#""G": {"Type": "CloudStack::SecurityGroup", "Propertys": {}}"#), vec![], "/Resources/G/Propertys", "unknown resource attribute \"Propertys\"".into()),
        ("properties not object", with(r#""G": {"Type": "CloudStack::SecurityGroup", "Properties": "x"}"#), vec![], "/Resources/G/Properties", "Properties must be an object".into()),
        ("bad deletion policy", with(r#""G": {"Type": "CloudStack::SecurityGroup", "Properties": {"name": "g"}, "DeletionPolicy": "Keep"}"#), vec![], "/Resources/G/DeletionPolicy", "unknown DeletionPolicy \"Keep\"".into()),
        ("bad depends on shape", with(r#""G": {"Type": "CloudStack::SecurityGroup", "Properties": {"name": "g"}, "DependsOn": 5}"#), vec![], "/Resources/G/DependsOn", "DependsOn must be a logical id or a list of them".into()),
        ("unknown type", with(r#""G": {"Type": "CloudStack::SecurityGrup", "Properties": {"name": "g"}}"#), vec![], "/Resources/G/Type", "unknown resource type \"CloudStack::SecurityGrup\"".into()),
        ("missing required property", with(r#""V": {"Type": "CloudStack::VirtualMachine", "Properties": {"zoneid": "a1b2c3d4-0001-4000-8000-000000000001", "templateid": "a1b2c3d4-0001-4000-8000-000000000001"}}"#), vec![], "/Resources/V/Properties/serviceofferingid", "V (CloudStack::VirtualMachine) is missing required property \"serviceofferingid\"".into()),
        ("unknown property", with(&format!(r#""V": {}"#, vm(r#", "zoneidd": "x""#))), vec![], "/Resources/V/Properties/zoneidd", "V (CloudStack::VirtualMachine) has no property \"zoneidd\": deployVirtualMachine takes no such parameter, and CloudStack would silently ignore it".into()),
        ("bad integer", with(&format!(r#"{sg}, "I": {{"Type": "CloudStack::SecurityGroupIngress", "Properties": {{"securitygroupid": {{"Ref": "G"}}, "startport": "eighty"}}}}"#)), vec![], "/Resources/I/Properties/startport", "authorizeSecurityGroupIngress: parameter `startport`: expected an integer, got \"eighty\"".into()),
        ("bad timeout", with(&format!(r#""V": {}"#, vm(r#", "StackMateTimeout": "0""#))), vec![], "/Resources/V/Properties/StackMateTimeout", "StackMateTimeout must be a number of seconds from 1 to 86400".into()),
        ("bad boolean", with(&format!(r#""V": {}"#, vm(r#", "startvm": "yes""#))), vec![], "/Resources/V/Properties/startvm", "deployVirtualMachine: parameter `startvm`: expected true or false, got \"yes\"".into()),
        ("bad uuid", with(&format!(r#""V": {}"#, vm(r#", "diskofferingid": "small""#))), vec![], "/Resources/V/Properties/diskofferingid", "deployVirtualMachine: parameter `diskofferingid`: \"small\" is not a resource id (a UUID such as 1b2c3d4e-0000-4000-8000-000000000001, or a number)".into()),
        ("too long", with(&format!(r#""G": {{"Type": "CloudStack::SecurityGroup", "Properties": {{"name": "{}"}}}}"#, "n".repeat(254))), vec![], "/Resources/G/Properties/name", "createSecurityGroup: parameter `name` is 256 characters long, the server allows at most 255; shorten it".into()),
        ("object for string", with(r#""G": {"Type": "CloudStack::SecurityGroup", "Properties": {"name": {"a": 1}}}"#), vec![], "/Resources/G/Properties/name", "createSecurityGroup: parameter `name`: expected a string value, got an object".into()),
        ("bad list item", with(&format!(r#""V": {}"#, vm(r#", "securitygroupids": [{"a": 1}]"#))), vec![], "/Resources/V/Properties/securitygroupids", "deployVirtualMachine: parameter `securitygroupids`: list items must be strings or numbers, got an object".into()),
        ("bad map", with(&format!(r#""V": {}"#, vm(r#", "details": 5"#))), vec![], "/Resources/V/Properties/details", "deployVirtualMachine: parameter `details`: expected an object of key/value pairs or a list of objects".into()),
        ("ref to nothing", with(&format!(r#""V": {}"#, vm(r#", "keypair": {"Ref": "Key"}"#))), vec![], "/Resources/V/Properties/keypair/Ref", "Ref to \"Key\", which is neither a parameter, a pseudo parameter nor a resource".into()),
        ("getatt of nothing", with(&format!(r#""V": {}"#, vm(r#", "displayname": {"Fn::GetAtt": ["Nope", "name"]}"#))), vec![], "/Resources/V/Properties/displayname/Fn::GetAtt", "Fn::GetAtt of \"Nope\", which is not a resource".into()),
        ("unknown attribute", with(&format!(r#"{sg}, "V": {}"#, vm(r#", "displayname": {"Fn::GetAtt": ["G", "ipaddress"]}"#))), vec![], "/Resources/V/Properties/displayname/Fn::GetAtt", "G (CloudStack::SecurityGroup) has no attribute \"ipaddress\"".into()),
        ("self reference", with(r#""G": {"Type": "CloudStack::SecurityGroup", "Properties": {"name": {"Ref": "G"}}}"#), vec![], "/Resources/G/Properties/name/Ref", "G refers to itself".into()),
        ("depends on missing", with(r#""G": {"Type": "CloudStack::SecurityGroup", "Properties": {"name": "g"}, "DependsOn": "H"}"#), vec![], "/Resources/G/DependsOn", "DependsOn names \"H\", which is not a resource".into()),
        ("cycle", with(r#""A": {"Type": "CloudStack::SecurityGroup", "Properties": {"name": "a"}, "DependsOn": "B"}, "B": {"Type": "CloudStack::SecurityGroup", "Properties": {"name": {"Fn::GetAtt": ["A", "name"]}}}"#), vec![], "/Resources/A", "dependency cycle: A -> B -> A".into()),
        ("unknown intrinsic", with(r#""G": {"Type": "CloudStack::SecurityGroup", "Properties": {"name": {"Fn::Concat": ["a", "b"]}}}"#), vec![], "/Resources/G/Properties/name/Fn::Concat", "unknown intrinsic function \"Fn::Concat\"".into()),
        ("join bad args", with(r#""G": {"Type": "CloudStack::SecurityGroup", "Properties": {"name": {"Fn::Join": ["-"]}}}"#), vec![], "/Resources/G/Properties/name/Fn::Join", "Fn::Join expects [delimiter, [values...]]".into()),
        ("select out of range", with(r#""G": {"Type": "CloudStack::SecurityGroup", "Properties": {"name": {"Fn::Select": [3, ["a"]]}}}"#), vec![], "/Resources/G/Properties/name/Fn::Select", "Fn::Select index 3 is out of range for a list of 1".into()),
        ("findinmap missing", r#"{"Mappings": {"M": {"a": {"b": "c"}}}, "Resources": {"G": {"Type": "CloudStack::SecurityGroup", "Properties": {"name": {"Fn::FindInMap": ["M", "a", "x"]}}}}}"#.into(), vec![], "/Resources/G/Properties/name/Fn::FindInMap", "Fn::FindInMap: no M/a/x in Mappings".into()),
        ("if unknown condition", with(r#""G": {"Type": "CloudStack::SecurityGroup", "Properties": {"name": {"Fn::If": ["Prod", "a", "b"]}}}"#), vec![], "/Resources/G/Properties/name/Fn::If", "Fn::If names condition \"Prod\", which Conditions does not declare".into()),
        ("resource condition undeclared", with(r#""G": {"Type": "CloudStack::SecurityGroup", "Properties": {"name": "g"}, "Condition": "Prod"}"#), vec![], "/Resources/G/Condition", "condition \"Prod\" is not declared under Conditions".into()),
        ("condition not boolean", r#"{"Conditions": {"C": {"Fn::Join": ["", ["a"]]}}, "Resources": {"G": {"Type": "CloudStack::SecurityGroup", "Properties": {"name": "g"}}}}"#.into(), vec![], "/Conditions/C", "condition \"C\" does not evaluate to true or false".into()),
        ("sub unclosed", with(r#""G": {"Type": "CloudStack::SecurityGroup", "Properties": {"name": {"Fn::Sub": "a-${x"}}}"#), vec![], "/Resources/G/Properties/name/Fn::Sub", "Fn::Sub: unclosed ${".into()),
        ("missing parameter value", r#"{"Parameters": {"P": {"Type": "String"}}, "Resources": {"G": {"Type": "CloudStack::SecurityGroup", "Properties": {"name": {"Ref": "P"}}}}}"#.into(), vec![], "/Parameters/P", "parameter \"P\" has no value and no Default".into()),
        ("undeclared parameter given", r#"{"Parameters": {"Name": {"Type": "String", "Default": "x"}}, "Resources": {"G": {"Type": "CloudStack::SecurityGroup", "Properties": {"name": {"Ref": "Name"}}}}}"#.into(), vec![("Nmae", "y")], "/Parameters", "parameter \"Nmae\" was given but the template does not declare it".into()),
        ("allowed values", r#"{"Parameters": {"Size": {"Type": "String", "AllowedValues": ["s", "m"]}}, "Resources": {"G": {"Type": "CloudStack::SecurityGroup", "Properties": {"name": {"Ref": "Size"}}}}}"#.into(), vec![("Size", "xl")], "/Parameters/Size", "parameter \"Size\" value \"xl\" is not one of the AllowedValues [\"s\", \"m\"]".into()),
        ("min length", r#"{"Parameters": {"P": {"Type": "String", "MinLength": "3"}}, "Resources": {"G": {"Type": "CloudStack::SecurityGroup", "Properties": {"name": {"Ref": "P"}}}}}"#.into(), vec![("P", "ab")], "/Parameters/P", "parameter \"P\" value \"ab\" is shorter than MinLength 3".into()),
        ("max value", r#"{"Parameters": {"N": {"Type": "Number", "MaxValue": "10"}}, "Resources": {"G": {"Type": "CloudStack::SecurityGroup", "Properties": {"name": "g"}}}}"#.into(), vec![("N", "11")], "/Parameters/N", "parameter \"N\" value \"11\" is above MaxValue 10".into()),
        ("not a number", r#"{"Parameters": {"N": {"Type": "Number"}}, "Resources": {"G": {"Type": "CloudStack::SecurityGroup", "Properties": {"name": "g"}}}}"#.into(), vec![("N", "ten")], "/Parameters/N", "parameter \"N\" value \"ten\" is not a number".into()),
        ("bad parameter type", r#"{"Parameters": {"P": {"Type": "Strin"}}, "Resources": {"G": {"Type": "CloudStack::SecurityGroup", "Properties": {"name": "g"}}}}"#.into(), vec![], "/Parameters/P/Type", "unknown parameter type \"Strin\"".into()),
        ("bad pattern", r#"{"Parameters": {"P": {"Type": "String", "AllowedPattern": "[a-"}}, "Resources": {"G": {"Type": "CloudStack::SecurityGroup", "Properties": {"name": "g"}}}}"#.into(), vec![], "/Parameters/P/AllowedPattern", "AllowedPattern \"[a-\" is not a valid regular expression".into()),
        ("wait condition without handle", with(r#""W": {"Type": "StackMate::WaitCondition", "Properties": {"Timeout": "60"}}"#), vec![], "/Resources/W/Properties/Handle", "a WaitCondition needs Handle: {\"Ref\": \"<WaitConditionHandle>\"}".into()),
        ("wait condition bad timeout", with(r#""H": {"Type": "StackMate::WaitConditionHandle"}, "W": {"Type": "StackMate::WaitCondition", "Properties": {"Handle": {"Ref": "H"}, "Timeout": "soon"}}"#), vec![], "/Resources/W/Properties/Timeout", "Timeout must be a number of seconds from 1 to 43200".into()),
        ("wait condition bad count", with(r#""H": {"Type": "StackMate::WaitConditionHandle"}, "W": {"Type": "StackMate::WaitCondition", "Properties": {"Handle": {"Ref": "H"}, "Timeout": "60", "Count": "0"}}"#), vec![], "/Resources/W/Properties/Count", "Count must be a whole number of at least 1".into()),
        ("wait condition handle not a handle", with(&format!(r#"{sg}, "W": {{"Type": "StackMate::WaitCondition", "Properties": {{"Handle": {{"Ref": "G"}}, "Timeout": "60"}}}}"#)), vec![], "/Resources/W/Properties/Handle", "Handle refers to \"G\", which is not a WaitConditionHandle".into()),
        ("custom type unknown attribute", with(r#""D": {"Type": "Acme::Dns::Record"}, "G": {"Type": "CloudStack::SecurityGroup", "Properties": {"name": {"Fn::GetAtt": ["D", "Ip"]}}}"#), vec![], "/Resources/G/Properties/name/Fn::GetAtt", "D (Acme::Dns::Record) has no attribute \"Ip\"".into()),
        ("output references nothing", r#"{"Resources": {"G": {"Type": "CloudStack::SecurityGroup", "Properties": {"name": "g"}}}, "Outputs": {"O": {"Value": {"Fn::GetAtt": ["X", "id"]}}}}"#.into(), vec![], "/Outputs/O/Value/Fn::GetAtt", "\"X\" is not a resource of this template".into()),
        ("output without value", r#"{"Resources": {"G": {"Type": "CloudStack::SecurityGroup", "Properties": {"name": "g"}}}, "Outputs": {"O": {"Description": "d"}}}"#.into(), vec![], "/Outputs/O/Value", "an output needs a Value".into()),
        // Structure: duplicates, format versions, names, name spaces, mappings, parameter declarations.
        ("duplicate logical id", r#"{"Resources": {"G": {"Type": "CloudStack::SecurityGroup"}, "G": {"Type": "CloudStack::SecurityGroup"}}}"#.into(), vec![], "/Resources/G", "\"G\" is given twice: keys of an object must be unique (at line 1, column 62)".into()),
        ("property given twice", with(r#""G": {"Type": "CloudStack::SecurityGroup", "Properties": {"name": "a", "name": "b"}}"#), vec![], "/Resources/G/Properties/name", "\"name\" is given twice: keys of an object must be unique (at line 1, column 124)".into()),
        ("property given twice in another case", with(r#""G": {"Type": "CloudStack::SecurityGroup", "Properties": {"name": "a", "NAME": "b"}}"#), vec![], "/Resources/G/Properties/name", "\"name\" and \"NAME\" both give parameter \"name\" of createSecurityGroup (property names are not case-sensitive)".into()),
        ("duplicate deep inside", with(r#""G": {"Type": "CloudStack::SecurityGroup", "Properties": {"name": {"Fn::Join": ["-", ["a"]], "Fn::Join": ["+", ["b"]]}}}"#), vec![], "/Resources/G/Properties/name/Fn::Join", "\"Fn::Join\" is given twice: keys of an object must be unique (at line 1, column 150)".into()),
        ("unknown AWS format version", r#"{"AWSTemplateFormatVersion": "2011-01-01", "Resources": {"G": {"Type": "CloudStack::SecurityGroup", "Properties": {"name": "g"}}}}"#.into(), vec![], "/AWSTemplateFormatVersion", "unknown AWSTemplateFormatVersion \"2011-01-01\"".into()),
        ("unknown StackMate format version", r#"{"CSTemplateFormatVersion": "2", "Resources": {"G": {"Type": "CloudStack::SecurityGroup", "Properties": {"name": "g"}}}}"#.into(), vec![], "/CSTemplateFormatVersion", "unknown CSTemplateFormatVersion \"2\"".into()),
        ("both format versions", r#"{"AWSTemplateFormatVersion": "2010-09-09", "CSTemplateFormatVersion": "1", "Resources": {"G": {"Type": "CloudStack::SecurityGroup", "Properties": {"name": "g"}}}}"#.into(), vec![], "/CSTemplateFormatVersion", "the template gives both AWSTemplateFormatVersion and CSTemplateFormatVersion".into()),
        ("logical id too long", with(&format!(r#""{}": {{"Type": "CloudStack::SecurityGroup", "Properties": {{"name": "g"}}}}"#, "L".repeat(300))), vec![], Box::leak(format!("/Resources/{}", "L".repeat(300)).into_boxed_str()), "logical id of 300 characters is longer than the limit of 255".into()),
        ("resource named like a parameter", r#"{"Parameters": {"Web": {"Type": "String", "Default": "x"}}, "Resources": {"Web": {"Type": "CloudStack::SecurityGroup", "Properties": {"name": "g"}}}}"#.into(), vec![], "/Resources/Web", "\"Web\" is both a parameter and a resource".into()),
        ("mapping not two levels", r#"{"Mappings": {"M": {"a": "flat"}}, "Resources": {"G": {"Type": "CloudStack::SecurityGroup", "Properties": {"name": "g"}}}}"#.into(), vec![], "/Mappings/M/a", "a mapping's top-level key must hold an object of keys to values".into()),
        ("mapping value an object", r#"{"Mappings": {"M": {"a": {"b": {"c": "d"}}}}, "Resources": {"G": {"Type": "CloudStack::SecurityGroup", "Properties": {"name": "g"}}}}"#.into(), vec![], "/Mappings/M/a/b", "a mapping value must be a string or a list of strings".into()),
        ("mappings not an object", r#"{"Mappings": ["M"], "Resources": {"G": {"Type": "CloudStack::SecurityGroup", "Properties": {"name": "g"}}}}"#.into(), vec![], "/Mappings", "Mappings must be an object".into()),
        ("no echo not boolean", r#"{"Parameters": {"P": {"Type": "String", "NoEcho": "yes", "Default": "x"}}, "Resources": {"G": {"Type": "CloudStack::SecurityGroup", "Properties": {"name": "g"}}}}"#.into(), vec![], "/Parameters/P/NoEcho", "NoEcho must be true or false (a boolean, or the string \"true\" or \"false\"), not \"yes\"".into()),
        ("parameter without type", r#"{"Parameters": {"P": {"Default": "x"}}, "Resources": {"G": {"Type": "CloudStack::SecurityGroup", "Properties": {"name": "g"}}}}"#.into(), vec![], "/Parameters/P/Type", "a parameter needs a Type".into()),
        ("unknown parameter attribute", r#"{"Parameters": {"P": {"Type": "String", "Default": "x", "Hidden": true}}, "Resources": {"G": {"Type": "CloudStack::SecurityGroup", "Properties": {"name": "g"}}}}"#.into(), vec![], "/Parameters/P/Hidden", "unknown parameter attribute \"Hidden\"".into()),
        ("default breaks its constraint", r#"{"Parameters": {"P": {"Type": "String", "Default": "ab", "MinLength": "3"}}, "Resources": {"G": {"Type": "CloudStack::SecurityGroup", "Properties": {"name": {"Ref": "P"}}}}}"#.into(), vec![], "/Parameters/P/Default", "parameter \"P\" value \"ab\" is shorter than MinLength 3".into()),
        ("bad depends on entry", with(r#""A": {"Type": "CloudStack::SecurityGroup", "Properties": {"name": "a"}}, "G": {"Type": "CloudStack::SecurityGroup", "Properties": {"name": "g"}, "DependsOn": ["A", "Nope"]}"#), vec![], "/Resources/G/DependsOn/1", "DependsOn names \"Nope\", which is not a resource".into()),
        ("depends on entry not a string", with(r#""G": {"Type": "CloudStack::SecurityGroup", "Properties": {"name": "g"}, "DependsOn": ["A", 5]}"#), vec![], "/Resources/G/DependsOn/1", "each DependsOn entry must be a logical id (a string)".into()),
        ("conditions in a cycle", r#"{"Conditions": {"A": {"Fn::Not": [{"Condition": "B"}]}, "B": {"Fn::And": [{"Condition": "C"}, {"Condition": "A"}]}, "C": {"Fn::Equals": ["a", "a"]}}, "Resources": {"G": {"Type": "CloudStack::SecurityGroup", "Properties": {"name": "g"}, "Condition": "A"}}}"#.into(), vec![], "/Conditions/A", "conditions form a cycle: A -> B -> A".into()),
        ("unknown output attribute", r#"{"Resources": {"G": {"Type": "CloudStack::SecurityGroup", "Properties": {"name": "g"}}}, "Outputs": {"O": {"Value": "x", "Note": "y"}}}"#.into(), vec![], "/Outputs/O/Note", "unknown output attribute \"Note\"".into()),
        ("parameter value too long", r#"{"Parameters": {"P": {"Type": "String"}}, "Resources": {"G": {"Type": "CloudStack::SecurityGroup", "Properties": {"name": "g"}}}}"#.into(), vec![("P", Box::leak("v".repeat(5000).into_boxed_str()))], "/Parameters/P", "the value of parameter \"P\" is 5000 bytes, over the limit of 4096".into()),
        ("nested too deep", with(&format!(r#""G": {{"Type": "CloudStack::SecurityGroup", "Properties": {{"name": {}"x"{}}}}}"#, "[".repeat(70), "]".repeat(70))), vec![], Box::leak(format!("/Resources/G/Properties/name{}", "/0".repeat(60)).into_boxed_str()), "nested deeper than the limit of 64 levels of objects and lists (at line 1, column 174)".into()),
        ("too many resources", with(&(0..1001).map(|i| format!(r#""R{i}": {{"Type": "CloudStack::SecurityGroup"}}"#)).collect::<Vec<_>>().join(",")), vec![], "/Resources", "more than 1000 resources: the limit is 1000 (at line 1, column 45944)".into()),
        ("too many parameters", format!(r#"{{"Parameters": {{{}}}, "Resources": {{"G": {{"Type": "CloudStack::SecurityGroup"}}}}}}"#, (0..201).map(|i| format!(r#""P{i}": {{"Type": "String"}}"#)).collect::<Vec<_>>().join(",")), vec![], "/Parameters", "more than 200 parameters: the limit is 200 (at line 1, column 5312)".into()),
        // YAML, with the same strictness.
        ("yaml duplicate key", "Resources:\n  G:\n    Type: CloudStack::SecurityGroup\n  G:\n    Type: CloudStack::SecurityGroup\n".into(), vec![], "/Resources/G", "\"G\" is given twice: keys of a mapping must be unique (at line 4, column 3)".into()),
        ("yaml unknown tag", "Resources:\n  G:\n    Type: CloudStack::SecurityGroup\n    Properties:\n      name: !Reff Web\n".into(), vec![], "/Resources/G/Properties/name", "unknown tag !Reff (at line 5, column 13)".into()),
        ("yaml alias", "Resources:\n  G:\n    Type: &t CloudStack::SecurityGroup\n  H:\n    Type: *t\n".into(), vec![], "/Resources/G/Type", "YAML anchors (&name) are not supported in templates; write the value out (at line 3, column 11)".into()),
        ("yaml short form checked", "Resources:\n  G:\n    Type: CloudStack::SecurityGroup\n    Properties:\n      name: !Ref Nothing\n".into(), vec![], "/Resources/G/Properties/name/Ref", "Ref to \"Nothing\", which is neither a parameter, a pseudo parameter nor a resource".into()),
        ("yaml syntax", "Resources:\n  G: [a, b\n".into(), vec![], "", "not valid YAML at line 3, column 1: while parsing a flow sequence, expected ',' or ']'".into()),
    ]
}

#[test]
fn every_bad_template_fails_with_its_exact_problem() {
    let all = cases();
    assert!(all.len() >= 40, "{} cases", all.len());
    let mut failures = Vec::new();
    for (case, text, params, pointer, message) in all {
        let given: BTreeMap<String, String> = params.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let problems = match parse(&text) {
            Err(p) => p,
            Ok(t) => match plan(&t, &given, &options()) {
                Err(p) => p.0,
                Ok(_) => {
                    failures.push(format!("{case}: planned without a problem"));
                    continue;
                }
            },
        };
        if !problems.iter().any(|p| p.pointer == pointer && p.message == message) {
            failures.push(format!(
                "{case}: expected {pointer:?}: {message:?}\n   got {problems:#?}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} case(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_templates_make_no_api_call() {
    let (sim, engine, _) = common::engine_on_sim(std::time::Duration::ZERO, stack_core::EngineConfig::default()).await;
    for (case, text, params, _, _) in cases() {
        let given: BTreeMap<String, String> = params.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        match engine.launch(&text, &given, &options()).await {
            Err(stack_core::LaunchError::Invalid(_)) => {}
            other => panic!("{case}: expected a validation failure, got {other:?}"),
        }
        assert_eq!(sim.handle.total_calls(), 0, "{case}: the simulator received API calls");
    }
}

#[test]
fn problems_are_all_collected_with_hints() {
    let text = with(&format!(
        r#""V": {}, "G": {{"Type": "CloudStack::SecurityGroup", "Properties": {{"nmae": "x"}}}}"#,
        vm(r#", "zoneidd": "x""#)
    ));
    let err = plan(&parse(&text).expect("parses"), &BTreeMap::new(), &options()).expect_err("invalid");
    assert!(err.0.len() >= 3, "{err}");
    let typo = err
        .0
        .iter()
        .find(|p| p.pointer.ends_with("/zoneidd"))
        .expect("typo reported");
    assert_eq!(typo.hint.as_deref(), Some("did you mean \"zoneid\"?"));
    let ty = plan(
        &parse(&with(r#""G": {"Type": "CloudStack::SecurityGrup"}"#)).expect("parses"),
        &BTreeMap::new(),
        &options(),
    )
    .expect_err("type");
    assert_eq!(
        ty.0[0].hint.as_deref(),
        Some("did you mean \"CloudStack::SecurityGroup\"?")
    );
}
