//! The template model: StackMate (`CSTemplateFormatVersion`) and CloudFormation
//! (`AWSTemplateFormatVersion`) JSON, read into one structure.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::problem::{segment, Problem};

/// Which dialect the template declared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// `CSTemplateFormatVersion`.
    StackMate,
    /// `AWSTemplateFormatVersion`.
    CloudFormation,
    /// Neither key (accepted: StackMate never read it).
    Unspecified,
}

/// What happens to a resource when its stack is deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeletionPolicy {
    /// Delete it (the default).
    Delete,
    /// Keep it.
    Retain,
}

/// A declared parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct ParameterDecl {
    /// `String`, `Number` or `CommaDelimitedList`.
    pub kind: ParamKind,
    /// `Default`, as text.
    pub default: Option<String>,
    /// `NoEcho`: never shown.
    pub no_echo: bool,
    /// `AllowedValues`.
    pub allowed_values: Vec<String>,
    /// `AllowedPattern` (must match the whole value).
    pub allowed_pattern: Option<String>,
    /// `MinLength`.
    pub min_length: Option<usize>,
    /// `MaxLength`.
    pub max_length: Option<usize>,
    /// `MinValue`.
    pub min_value: Option<f64>,
    /// `MaxValue`.
    pub max_value: Option<f64>,
    /// `ConstraintDescription`, shown when a constraint fails.
    pub constraint_description: Option<String>,
    /// `Description`.
    pub description: Option<String>,
}

/// Parameter types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    /// Text.
    String,
    /// A number.
    Number,
    /// A comma-separated list.
    CommaDelimitedList,
}

/// A declared resource.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceDecl {
    /// `Type`.
    pub kind: String,
    /// `Properties` (empty when absent).
    pub properties: Map<String, Value>,
    /// `DependsOn` (a string or a list).
    pub depends_on: Vec<String>,
    /// `Condition`.
    pub condition: Option<String>,
    /// `DeletionPolicy`.
    pub deletion_policy: DeletionPolicy,
    /// `Metadata`, served to cfn-init.
    pub metadata: Option<Value>,
}

/// An output.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputDecl {
    /// `Value` (may hold intrinsics).
    pub value: Value,
    /// `Description`.
    pub description: Option<String>,
    /// `Condition`.
    pub condition: Option<String>,
}

/// A parsed template.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    /// The declared dialect.
    pub dialect: Dialect,
    /// `Description`.
    pub description: Option<String>,
    /// `Parameters`, by name.
    pub parameters: BTreeMap<String, ParameterDecl>,
    /// `Mappings`.
    pub mappings: Map<String, Value>,
    /// `Conditions`: name -> condition expression.
    pub conditions: Map<String, Value>,
    /// `Resources`, by logical id.
    pub resources: BTreeMap<String, ResourceDecl>,
    /// `Outputs`, by name.
    pub outputs: BTreeMap<String, OutputDecl>,
}

/// Parses template text. JSON syntax errors give line and column.
pub fn parse(text: &str) -> Result<Template, Vec<Problem>> {
    let value: Value = serde_json::from_str(text).map_err(|e| {
        vec![Problem::new(
            "",
            format!("not valid JSON at line {}, column {}: {e}", e.line(), e.column()),
        )
        .hint("templates are JSON documents; check the quoting and commas near that position")]
    })?;
    from_value(&value)
}

/// The text of a scalar (string, number or boolean).
pub(crate) fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Reads a template from JSON, collecting every structural problem.
pub fn from_value(root: &Value) -> Result<Template, Vec<Problem>> {
    let mut problems = Vec::new();
    let Some(top) = root.as_object() else {
        return Err(vec![Problem::new("", "a template must be a JSON object")]);
    };
    let dialect = if top.contains_key("AWSTemplateFormatVersion") {
        Dialect::CloudFormation
    } else if top.contains_key("CSTemplateFormatVersion") {
        Dialect::StackMate
    } else {
        Dialect::Unspecified
    };
    const KNOWN: &[&str] = &[
        "AWSTemplateFormatVersion",
        "CSTemplateFormatVersion",
        "Description",
        "Parameters",
        "Mappings",
        "Conditions",
        "Resources",
        "Outputs",
        "Metadata",
        "Transform",
    ];
    for k in top.keys() {
        if !KNOWN.contains(&k.as_str()) {
            problems.push(
                Problem::new(format!("/{}", segment(k)), format!("unknown top-level section {k:?}"))
                    .hint("sections are Description, Parameters, Mappings, Conditions, Resources and Outputs"),
            );
        }
    }
    let section = |name: &str, problems: &mut Vec<Problem>| -> Map<String, Value> {
        match top.get(name) {
            None => Map::new(),
            Some(Value::Object(o)) => o.clone(),
            Some(_) => {
                problems.push(Problem::new(format!("/{name}"), format!("{name} must be an object")));
                Map::new()
            }
        }
    };
    let mut parameters = BTreeMap::new();
    for (name, decl) in section("Parameters", &mut problems) {
        let ptr = format!("/Parameters/{}", segment(&name));
        match parameter(&decl, &ptr) {
            Ok(p) => {
                parameters.insert(name, p);
            }
            Err(mut p) => problems.append(&mut p),
        }
    }
    let mut resources = BTreeMap::new();
    let res_section = section("Resources", &mut problems);
    if res_section.is_empty() && !problems.iter().any(|p| p.pointer == "/Resources") {
        problems.push(
            Problem::new("/Resources", "the template declares no resources")
                .hint("add at least one resource under Resources"),
        );
    }
    for (name, decl) in res_section {
        let ptr = format!("/Resources/{}", segment(&name));
        if !name.chars().all(|c| c.is_ascii_alphanumeric()) || name.is_empty() {
            problems.push(Problem::new(&ptr, format!("logical id {name:?} must be alphanumeric")));
        }
        match resource(&decl, &ptr) {
            Ok(r) => {
                resources.insert(name, r);
            }
            Err(mut p) => problems.append(&mut p),
        }
    }
    let mut outputs = BTreeMap::new();
    for (name, decl) in section("Outputs", &mut problems) {
        let ptr = format!("/Outputs/{}", segment(&name));
        match decl.as_object().and_then(|o| o.get("Value").map(|v| (o, v))) {
            Some((o, v)) => {
                outputs.insert(
                    name,
                    OutputDecl {
                        value: v.clone(),
                        description: o.get("Description").and_then(text),
                        condition: o.get("Condition").and_then(text),
                    },
                );
            }
            None => problems.push(Problem::new(&ptr, "an output needs a Value")),
        }
    }
    let template = Template {
        dialect,
        description: top.get("Description").and_then(text),
        parameters,
        mappings: section("Mappings", &mut problems),
        conditions: section("Conditions", &mut problems),
        resources,
        outputs,
    };
    if problems.is_empty() {
        Ok(template)
    } else {
        Err(problems)
    }
}

fn parameter(decl: &Value, ptr: &str) -> Result<ParameterDecl, Vec<Problem>> {
    let Some(o) = decl.as_object() else {
        return Err(vec![Problem::new(ptr, "a parameter declaration must be an object")]);
    };
    let mut problems = Vec::new();
    let kind = match o.get("Type").and_then(Value::as_str) {
        None | Some("String") => ParamKind::String,
        Some("Number") => ParamKind::Number,
        Some("CommaDelimitedList") | Some("List<String>") => ParamKind::CommaDelimitedList,
        Some(other) => {
            problems.push(
                Problem::new(format!("{ptr}/Type"), format!("unknown parameter type {other:?}"))
                    .hint("use String, Number or CommaDelimitedList"),
            );
            ParamKind::String
        }
    };
    let usize_of = |k: &str, problems: &mut Vec<Problem>| -> Option<usize> {
        let v = o.get(k)?;
        match text(v).and_then(|t| t.trim().parse::<usize>().ok()) {
            Some(n) => Some(n),
            None => {
                problems.push(Problem::new(
                    format!("{ptr}/{k}"),
                    format!("{k} must be a non-negative integer"),
                ));
                None
            }
        }
    };
    let f64_of = |k: &str, problems: &mut Vec<Problem>| -> Option<f64> {
        let v = o.get(k)?;
        match text(v).and_then(|t| t.trim().parse::<f64>().ok()) {
            Some(n) => Some(n),
            None => {
                problems.push(Problem::new(format!("{ptr}/{k}"), format!("{k} must be a number")));
                None
            }
        }
    };
    let allowed_pattern = o.get("AllowedPattern").and_then(text);
    if let Some(p) = &allowed_pattern {
        if regex::Regex::new(p).is_err() {
            problems.push(Problem::new(
                format!("{ptr}/AllowedPattern"),
                format!("AllowedPattern {p:?} is not a valid regular expression"),
            ));
        }
    }
    let decl = ParameterDecl {
        kind,
        default: o.get("Default").and_then(|v| match v {
            Value::Array(items) => Some(items.iter().filter_map(text).collect::<Vec<_>>().join(",")),
            other => text(other),
        }),
        no_echo: o
            .get("NoEcho")
            .and_then(text)
            .is_some_and(|t| t.eq_ignore_ascii_case("true")),
        allowed_values: o
            .get("AllowedValues")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(text).collect())
            .unwrap_or_default(),
        allowed_pattern,
        min_length: usize_of("MinLength", &mut problems),
        max_length: usize_of("MaxLength", &mut problems),
        min_value: f64_of("MinValue", &mut problems),
        max_value: f64_of("MaxValue", &mut problems),
        constraint_description: o.get("ConstraintDescription").and_then(text),
        description: o.get("Description").and_then(text),
    };
    if problems.is_empty() {
        Ok(decl)
    } else {
        Err(problems)
    }
}

fn resource(decl: &Value, ptr: &str) -> Result<ResourceDecl, Vec<Problem>> {
    let Some(o) = decl.as_object() else {
        return Err(vec![Problem::new(ptr, "a resource declaration must be an object")]);
    };
    let mut problems = Vec::new();
    for k in o.keys() {
        if ![
            "Type",
            "Properties",
            "DependsOn",
            "Condition",
            "DeletionPolicy",
            "Metadata",
            "UpdatePolicy",
            "CreationPolicy",
        ]
        .contains(&k.as_str())
        {
            problems.push(
                Problem::new(
                    format!("{ptr}/{}", segment(k)),
                    format!("unknown resource attribute {k:?}"),
                )
                .hint("a resource has Type, Properties, DependsOn, Condition, DeletionPolicy and Metadata"),
            );
        }
    }
    let kind = match o.get("Type") {
        Some(Value::String(t)) if !t.is_empty() => t.clone(),
        _ => {
            problems.push(
                Problem::new(format!("{ptr}/Type"), "a resource needs a Type")
                    .hint("e.g. \"Type\": \"CloudStack::VirtualMachine\""),
            );
            String::new()
        }
    };
    let properties = match o.get("Properties") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(p)) => p.clone(),
        Some(_) => {
            problems.push(Problem::new(
                format!("{ptr}/Properties"),
                "Properties must be an object",
            ));
            Map::new()
        }
    };
    let depends_on = match o.get("DependsOn") {
        None => Vec::new(),
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) if a.iter().all(Value::is_string) => {
            a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect()
        }
        Some(_) => {
            problems.push(Problem::new(
                format!("{ptr}/DependsOn"),
                "DependsOn must be a logical id or a list of them",
            ));
            Vec::new()
        }
    };
    let deletion_policy = match o.get("DeletionPolicy").and_then(Value::as_str) {
        None | Some("Delete") => DeletionPolicy::Delete,
        Some("Retain") => DeletionPolicy::Retain,
        Some(other) => {
            problems.push(
                Problem::new(
                    format!("{ptr}/DeletionPolicy"),
                    format!("unknown DeletionPolicy {other:?}"),
                )
                .hint("use Delete or Retain"),
            );
            DeletionPolicy::Delete
        }
    };
    if problems.is_empty() {
        Ok(ResourceDecl {
            kind,
            properties,
            depends_on,
            condition: o.get("Condition").and_then(text),
            deletion_policy,
            metadata: o.get("Metadata").cloned(),
        })
    } else {
        Err(problems)
    }
}
