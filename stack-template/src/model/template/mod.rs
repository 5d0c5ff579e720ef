//! The template model: StackMate (`CSTemplateFormatVersion`) and CloudFormation
//! (`AWSTemplateFormatVersion`) JSON, read into one structure.

mod declarations;

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use self::declarations::{check_mapping, parameter, resource};
use crate::limits::Limits;
use crate::problem::{segment, Problem};
use crate::reader::shown;

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

/// What happens to a resource when its stack is deleted (`DeletionPolicy`), or to the old resource
/// when an update replaces it (`UpdateReplacePolicy`).
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
    /// Whether `DependsOn` was written as a list (its entries are then reported by index).
    pub depends_on_list: bool,
    /// `Condition`.
    pub condition: Option<String>,
    /// `DeletionPolicy`.
    pub deletion_policy: DeletionPolicy,
    /// `UpdateReplacePolicy`: what happens to the old resource when an update replaces it.
    pub update_replace_policy: DeletionPolicy,
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
    /// `Export`'s `Name` (may hold intrinsics): the name other stacks import the value by.
    pub export_name: Option<Value>,
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

/// The `AWSTemplateFormatVersion` values accepted (CloudFormation has only this one).
pub const AWS_FORMAT_VERSIONS: &[&str] = &["2010-09-09"];
/// The `CSTemplateFormatVersion` values accepted (StackMate's templates all say `1`).
pub const CS_FORMAT_VERSIONS: &[&str] = &["1", "1.0"];

/// Parses template text with the default [`Limits`]. Errors carry a JSON pointer, and syntax errors
/// the line and column.
pub fn parse(text: &str) -> Result<Template, Vec<Problem>> {
    parse_with(text.as_bytes(), &Limits::default())
}

/// Parses template bytes (JSON, or YAML when the text is not a JSON object) with `limits`.
pub fn parse_with(bytes: &[u8], limits: &Limits) -> Result<Template, Vec<Problem>> {
    let value = read(bytes, limits).map_err(|p| vec![p])?;
    from_value_with(&value, limits)
}

/// Reads template bytes into a value: JSON when the first non-blank character is `{` or `[`, YAML
/// otherwise (with CloudFormation's short forms such as `!Ref`).
///
/// Each call logs a `template read` event (debug, target `stack_template::work`) with the size:
/// what shows how often a front-end reads a template for one operation.
pub fn read(bytes: &[u8], limits: &Limits) -> Result<Value, Problem> {
    tracing::debug!(target: "stack_template::work", bytes = bytes.len(), "template read");
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace()).copied();
    match first {
        Some(b'{' | b'[') | None => crate::reader::read_json(bytes, limits),
        Some(_) if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) => crate::reader::read_json(bytes, limits),
        Some(_) => crate::yaml::read_yaml(bytes, limits),
    }
}

/// The text of a scalar (string, number or boolean).
pub fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Reads a template from JSON with the default [`Limits`], collecting every structural problem.
pub fn from_value(root: &Value) -> Result<Template, Vec<Problem>> {
    from_value_with(root, &Limits::default())
}

/// Checks a name (logical id, parameter, output, mapping or condition): alphanumeric and not too long.
fn check_name(name: &str, ptr: &str, what: &str, limits: &Limits, problems: &mut Vec<Problem>) {
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric()) {
        problems.push(
            Problem::new(
                ptr,
                format!("{what} {} must be alphanumeric (A-Z, a-z, 0-9)", shown(name)),
            )
            .hint("CloudFormation's rule for names; rename it"),
        );
    } else if name.chars().count() > limits.name_chars {
        problems.push(Problem::new(
            ptr,
            format!(
                "{what} of {} characters is longer than the limit of {}",
                name.chars().count(),
                limits.name_chars
            ),
        ));
    }
}

/// Reads a template from JSON, collecting every structural problem.
pub fn from_value_with(root: &Value, limits: &Limits) -> Result<Template, Vec<Problem>> {
    let mut problems = Vec::new();
    let Some(top) = root.as_object() else {
        return Err(vec![Problem::new("", "a template must be a JSON object")]);
    };
    let aws = top.get("AWSTemplateFormatVersion");
    let cs = top.get("CSTemplateFormatVersion");
    for (key, value, known) in [
        ("AWSTemplateFormatVersion", aws, AWS_FORMAT_VERSIONS),
        ("CSTemplateFormatVersion", cs, CS_FORMAT_VERSIONS),
    ] {
        if let Some(v) = value {
            if !v.as_str().is_some_and(|s| known.contains(&s)) {
                problems.push(
                    Problem::new(format!("/{key}"), format!("unknown {key} {v}")).hint(format!(
                        "use {}",
                        known.iter().map(|k| format!("{k:?}")).collect::<Vec<_>>().join(" or ")
                    )),
                );
            }
        }
    }
    if aws.is_some() && cs.is_some() {
        problems.push(
            Problem::new(
                "/CSTemplateFormatVersion",
                "the template gives both AWSTemplateFormatVersion and CSTemplateFormatVersion",
            )
            .hint("keep one: AWSTemplateFormatVersion for CloudFormation templates, CSTemplateFormatVersion for StackMate's"),
        );
    }
    let dialect = if aws.is_some() {
        Dialect::CloudFormation
    } else if cs.is_some() {
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
                Problem::new(
                    format!("/{}", segment(k)),
                    format!("unknown top-level section {}", shown(k)),
                )
                .hint("sections are Description, Parameters, Mappings, Conditions, Resources and Outputs"),
            );
        }
    }
    if let Some(d) = top.get("Description") {
        if !d.is_string() {
            problems.push(Problem::new("/Description", "Description must be a string"));
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
    let params_section = section("Parameters", &mut problems);
    let res_section = section("Resources", &mut problems);
    let out_section = section("Outputs", &mut problems);
    let mappings = section("Mappings", &mut problems);
    let conditions = section("Conditions", &mut problems);
    // The counts first: a template over a limit is refused before any of it is looked at.
    let over: Vec<Problem> = [
        (
            "/Resources",
            "resources",
            res_section.len(),
            limits.resources,
            "resources",
        ),
        (
            "/Parameters",
            "parameters",
            params_section.len(),
            limits.parameters,
            "parameters",
        ),
        ("/Outputs", "outputs", out_section.len(), limits.outputs, "outputs"),
        ("/Mappings", "mappings", mappings.len(), limits.mappings, "mappings"),
    ]
    .into_iter()
    .filter_map(|(ptr, what, n, limit, name)| limits.count(ptr, what, n, limit, name))
    .collect();
    if !over.is_empty() {
        return Err(over);
    }
    let mut parameters = BTreeMap::new();
    for (name, decl) in params_section {
        let ptr = format!("/Parameters/{}", segment(&name));
        check_name(&name, &ptr, "parameter name", limits, &mut problems);
        match parameter(&decl, &ptr) {
            Ok(p) => {
                parameters.insert(name, p);
            }
            Err(mut p) => problems.append(&mut p),
        }
    }
    for (name, m) in &mappings {
        let ptr = format!("/Mappings/{}", segment(name));
        check_name(name, &ptr, "mapping name", limits, &mut problems);
        check_mapping(m, &ptr, &mut problems);
    }
    for name in conditions.keys() {
        check_name(
            name,
            &format!("/Conditions/{}", segment(name)),
            "condition name",
            limits,
            &mut problems,
        );
    }
    let mut resources = BTreeMap::new();
    if res_section.is_empty() && !problems.iter().any(|p| p.pointer == "/Resources") {
        problems.push(
            Problem::new("/Resources", "the template declares no resources")
                .hint("add at least one resource under Resources"),
        );
    }
    for (name, decl) in res_section {
        let ptr = format!("/Resources/{}", segment(&name));
        check_name(&name, &ptr, "logical id", limits, &mut problems);
        if parameters.contains_key(&name) {
            problems.push(
                Problem::new(&ptr, format!("{} is both a parameter and a resource", shown(&name)))
                    .hint("Ref would be ambiguous: parameters and resources share one name space; rename one"),
            );
        }
        match resource(&decl, &ptr) {
            Ok(r) => {
                resources.insert(name, r);
            }
            Err(mut p) => problems.append(&mut p),
        }
    }
    let mut outputs = BTreeMap::new();
    for (name, decl) in out_section {
        let ptr = format!("/Outputs/{}", segment(&name));
        check_name(&name, &ptr, "output name", limits, &mut problems);
        let Some(o) = decl.as_object() else {
            problems.push(Problem::new(&ptr, "an output must be an object with a Value"));
            continue;
        };
        for k in o.keys() {
            if !["Value", "Description", "Condition", "Export"].contains(&k.as_str()) {
                problems.push(
                    Problem::new(
                        format!("{ptr}/{}", segment(k)),
                        format!("unknown output attribute {}", shown(k)),
                    )
                    .hint("an output has Value, Description, Condition and Export"),
                );
            }
        }
        let export_name = match o.get("Export") {
            None => None,
            Some(Value::Object(e)) if e.contains_key("Name") && e.len() == 1 => e.get("Name").cloned(),
            Some(_) => {
                problems.push(
                    Problem::new(
                        format!("{ptr}/Export"),
                        "an output's Export must be an object with one key, Name",
                    )
                    .hint("write \"Export\": {\"Name\": ...}"),
                );
                None
            }
        };
        match o.get("Value") {
            Some(v) => {
                outputs.insert(
                    name,
                    OutputDecl {
                        value: v.clone(),
                        description: o.get("Description").and_then(text),
                        condition: o.get("Condition").and_then(text),
                        export_name,
                    },
                );
            }
            None => problems.push(Problem::new(format!("{ptr}/Value"), "an output needs a Value")),
        }
    }
    let template = Template {
        dialect,
        description: top.get("Description").and_then(text),
        parameters,
        mappings,
        conditions,
        resources,
        outputs,
    };
    if problems.is_empty() {
        Ok(template)
    } else {
        Err(problems)
    }
}
