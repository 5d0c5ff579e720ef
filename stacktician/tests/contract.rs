//! The OpenAPI document against the REST contract's types (`stacktician-rest`): each schema's
//! properties are exactly the fields its type has, at every level (nested objects, array items,
//! `$ref`s, `allOf`). Each type is given with every optional field set, so a field the document
//! lacks, or one it has that the type does not, fails here.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::{json, Value};
use stacktician_rest as rest;

fn some() -> Option<String> {
    Some("x".into())
}

fn operation() -> rest::OperationView {
    rest::OperationView {
        outcome: some(),
        failure: Some(rest::FailedResource {
            kind: Some(cloudstack_client::FailureKind::Capacity),
            code: Some(535),
            api: some(),
            ..rest::FailedResource::default()
        }),
        started: some(),
        finished: some(),
        ..rest::OperationView::default()
    }
}

fn summary() -> rest::StackSummary {
    rest::StackSummary {
        stack_id: some(),
        reason: some(),
        created: some(),
        updated: some(),
        operation: Some(operation()),
        description: some(),
        deleted: true,
        ..rest::StackSummary::default()
    }
}

fn source() -> rest::TemplateSource {
    rest::TemplateSource {
        template: Some(json!("x")),
        template_name: some(),
        template_version: Some(1),
    }
}

fn parameters() -> BTreeMap<String, String> {
    [("P".to_string(), "v".to_string())].into()
}

fn stored_template() -> rest::StoredTemplate {
    rest::StoredTemplate {
        created: some(),
        template: some(),
        document: Some(json!({})),
        versions: Some(vec![rest::StoredTemplate {
            created: some(),
            template: some(),
            document: Some(json!({})),
            versions: Some(Vec::new()),
            ..rest::StoredTemplate::default()
        }]),
        ..rest::StoredTemplate::default()
    }
}

fn owner() -> rest::OwnerView {
    rest::OwnerView {
        api_version: some(),
        ..rest::OwnerView::default()
    }
}

fn token() -> rest::TokenView {
    rest::TokenView {
        owner: some(),
        token: some(),
        ..rest::TokenView::default()
    }
}

fn value(v: impl Serialize) -> Value {
    serde_json::to_value(v).expect("serializes")
}

/// Every schema of the document with the type it describes, each with every field set.
fn samples() -> Vec<(&'static str, Value)> {
    vec![
        (
            "Error",
            value(rest::ErrorAnswer {
                error: rest::ErrorBody {
                    problems: Some(vec![rest::ProblemView {
                        hint: some(),
                        ..rest::ProblemView::default()
                    }]),
                    ..rest::ErrorBody::default()
                },
            }),
        ),
        ("Operation", value(operation())),
        (
            "Accepted",
            value(rest::Accepted {
                stack: "s".into(),
                operation: operation(),
            }),
        ),
        ("StackSummary", value(summary())),
        (
            "StackList",
            value(rest::StackList {
                stacks: vec![summary()],
            }),
        ),
        (
            "Stack",
            value(rest::StackDescription {
                summary: summary(),
                parameters: Some(parameters()),
                parameter_order: vec!["P".into()],
                outputs: Some(parameters()),
                tags: parameters(),
                disable_rollback: true,
                timeout_minutes: Some(5),
                stack_policy: some(),
            }),
        ),
        (
            "EventPage",
            value(rest::EventPage {
                events: vec![rest::EventView {
                    physical_id: some(),
                    reason: some(),
                    ..rest::EventView::default()
                }],
                ..rest::EventPage::default()
            }),
        ),
        (
            "Graph",
            value(rest::StackGraph {
                nodes: vec![rest::GraphNode::default()],
                edges: vec![rest::GraphEdge::default()],
                ..rest::StackGraph::default()
            }),
        ),
        (
            "Resources",
            value(rest::ResourceList {
                resources: vec![rest::ResourceView {
                    physical_id: some(),
                    reason: some(),
                    ..rest::ResourceView::default()
                }],
                ..rest::ResourceList::default()
            }),
        ),
        (
            "Output",
            value(rest::OutputView {
                description: some(),
                export_name: some(),
                ..rest::OutputView::default()
            }),
        ),
        (
            "Outputs",
            value(rest::StackOutputs {
                outputs: parameters(),
                details: vec![rest::OutputView {
                    description: some(),
                    export_name: some(),
                    ..rest::OutputView::default()
                }],
                ..rest::StackOutputs::default()
            }),
        ),
        (
            "StackTemplate",
            value(rest::StackTemplate {
                document: Some(json!({})),
                ..rest::StackTemplate::default()
            }),
        ),
        (
            "Operations",
            value(rest::OperationList {
                operations: vec![operation()],
                ..rest::OperationList::default()
            }),
        ),
        (
            "CreateStack",
            value(rest::CreateStack {
                source: source(),
                concurrency: Some(4),
                tags: parameters(),
                timeout_minutes: Some(5),
                stack_policy: Some(json!({})),
                ..rest::CreateStack::default()
            }),
        ),
        (
            "UpdateStack",
            value(rest::UpdateStack {
                source: source(),
                stack_policy: Some(json!({})),
                policy_override: Some(json!({})),
                ..rest::UpdateStack::default()
            }),
        ),
        ("Secrets", value(rest::SecretsBody::default())),
        (
            "CreateChangeSet",
            value(rest::CreateChangeSet {
                source: source(),
                ..rest::CreateChangeSet::default()
            }),
        ),
        ("ChangeSet", value(rest::ChangeSetView::default())),
        (
            "ChangeSets",
            value(rest::ChangeSetList {
                change_sets: vec![rest::ChangeSetView::default()],
                ..rest::ChangeSetList::default()
            }),
        ),
        ("DeletedChangeSet", value(rest::DeletedChangeSet::default())),
        ("ExecuteChangeSet", value(rest::ExecuteChangeSet::default())),
        (
            "Validate",
            value(rest::Validate {
                source: source(),
                parameters: Some(parameters()),
            }),
        ),
        (
            "Validated",
            value(rest::ValidateAnswer {
                description: some(),
                parameters: vec![rest::DeclaredParameter {
                    default: some(),
                    allowed_pattern: some(),
                    min_length: Some(1),
                    max_length: Some(1),
                    min_value: Some(1.0),
                    max_value: Some(1.0),
                    constraint_description: some(),
                    description: some(),
                    ..rest::DeclaredParameter::default()
                }],
                resources: vec![rest::DeclaredResource::default()],
                ..rest::ValidateAnswer::default()
            }),
        ),
        ("StoreTemplate", value(rest::StoreTemplate::default())),
        ("StoredTemplate", value(stored_template())),
        (
            "Templates",
            value(rest::TemplateList {
                templates: vec![stored_template()],
            }),
        ),
        ("Owner", value(owner())),
        ("Owners", value(rest::OwnerList { owners: vec![owner()] })),
        (
            "Whoami",
            value(rest::Whoami {
                owner: owner(),
                token_id: "t".into(),
            }),
        ),
        (
            "NewOwner",
            value(rest::NewOwner {
                api_version: some(),
                ..rest::NewOwner::default()
            }),
        ),
        (
            "NewToken",
            value(rest::NewToken {
                owner: some(),
                ..rest::NewToken::default()
            }),
        ),
        ("Token", value(token())),
        ("Tokens", value(rest::TokenList { tokens: vec![token()] })),
        ("RevokedToken", value(rest::RevokedToken::default())),
    ]
}

/// The properties `schema` gives an object (through `$ref`, `allOf` and `oneOf`), or `None` when
/// it does not name them (a map).
fn properties<'a>(doc: &'a Value, schema: &'a Value) -> Option<BTreeMap<String, &'a Value>> {
    let schema = resolve(doc, schema);
    let mut out = BTreeMap::new();
    let mut named = false;
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        named = true;
        out.extend(props.iter().map(|(k, v)| (k.clone(), v)));
    }
    for key in ["allOf", "oneOf"] {
        for part in schema.get(key).and_then(Value::as_array).into_iter().flatten() {
            if let Some(p) = properties(doc, part) {
                named = true;
                out.extend(p);
            }
        }
    }
    named.then_some(out)
}

fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => doc
            .pointer(r.trim_start_matches('#'))
            .unwrap_or_else(|| panic!("{r} is not in the document")),
        None => schema,
    }
}

/// The items schema of an array schema (through `$ref` and `oneOf`).
fn items<'a>(doc: &'a Value, schema: &'a Value) -> Option<&'a Value> {
    let schema = resolve(doc, schema);
    schema.get("items").or_else(|| {
        schema
            .get("oneOf")
            .and_then(Value::as_array)
            .and_then(|parts| parts.iter().find_map(|p| items(doc, p)))
    })
}

/// Every difference between `sample` and `schema`, at `at`.
fn differences(doc: &Value, schema: &Value, sample: &Value, at: &str, out: &mut Vec<String>) {
    match sample {
        Value::Object(fields) => {
            let Some(props) = properties(doc, schema) else { return };
            let have: BTreeSet<&String> = fields.keys().collect();
            let documented: BTreeSet<&String> = props.keys().collect();
            for k in have.difference(&documented) {
                out.push(format!("{at}/{k}: a field of the type that the document lacks"));
            }
            for k in documented.difference(&have) {
                out.push(format!("{at}/{k}: documented, but the type has no such field"));
            }
            for (k, v) in fields {
                if let Some(s) = props.get(k) {
                    differences(doc, s, v, &format!("{at}/{k}"), out);
                }
            }
        }
        Value::Array(list) => {
            if let (Some(first), Some(s)) = (list.first(), items(doc, schema)) {
                differences(doc, s, first, &format!("{at}/0"), out);
            }
        }
        _ => {}
    }
}

#[test]
fn the_openapi_document_describes_the_contract_types_exactly() {
    let doc: Value = serde_json::from_str(stacktician::api::OPENAPI).expect("the document is JSON");
    let schemas = doc["components"]["schemas"].as_object().expect("schemas");
    let samples = samples();
    let mut out = Vec::new();
    for (name, sample) in &samples {
        match schemas.get(*name) {
            Some(schema) => differences(&doc, schema, sample, name, &mut out),
            None => out.push(format!("{name}: no such schema in the document")),
        }
    }
    let covered: BTreeSet<&str> = samples.iter().map(|(n, _)| *n).collect();
    for name in schemas.keys() {
        // Event and ResourceFailure are checked inside EventPage and Operation.
        if !covered.contains(name.as_str()) && !["ResourceFailure", "Event"].contains(&name.as_str()) {
            out.push(format!("{name}: a schema no contract type is checked against"));
        }
    }
    assert!(out.is_empty(), "the document and the types differ:\n{}", out.join("\n"));
}
