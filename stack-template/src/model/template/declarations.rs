//! One declaration of a template read and checked: a parameter, a resource, a mapping. Each problem
//! is reported at its JSON pointer.

use serde_json::{Map, Value};

use super::{text, DeletionPolicy, ParamKind, ParameterDecl, ResourceDecl};
use crate::problem::{segment, Problem};
use crate::reader::shown;

/// A mapping is a map of keys to maps of keys to a string or a list of strings (numbers are read as
/// their text).
pub(crate) fn check_mapping(m: &Value, ptr: &str, problems: &mut Vec<Problem>) {
    let Some(top) = m.as_object() else {
        problems.push(Problem::new(ptr, "a mapping must be an object of keys to objects"));
        return;
    };
    if top.is_empty() {
        problems.push(Problem::new(ptr, "a mapping needs at least one key"));
    }
    for (k1, second) in top {
        let p1 = format!("{ptr}/{}", segment(k1));
        let Some(second) = second.as_object() else {
            problems.push(Problem::new(
                &p1,
                "a mapping's top-level key must hold an object of keys to values",
            ));
            continue;
        };
        for (k2, v) in second {
            let p2 = format!("{p1}/{}", segment(k2));
            let scalar = |v: &Value| v.is_string() || v.is_number();
            let ok = scalar(v) || v.as_array().is_some_and(|a| a.iter().all(scalar));
            if !ok {
                problems.push(Problem::new(
                    &p2,
                    "a mapping value must be a string or a list of strings",
                ));
            }
        }
    }
}

pub(crate) fn parameter(decl: &Value, ptr: &str) -> Result<ParameterDecl, Vec<Problem>> {
    let Some(o) = decl.as_object() else {
        return Err(vec![Problem::new(ptr, "a parameter declaration must be an object")]);
    };
    let mut problems = Vec::new();
    const KEYS: &[&str] = &[
        "Type",
        "Default",
        "NoEcho",
        "AllowedValues",
        "AllowedPattern",
        "MinLength",
        "MaxLength",
        "MinValue",
        "MaxValue",
        "ConstraintDescription",
        "Description",
    ];
    for k in o.keys() {
        if !KEYS.contains(&k.as_str()) {
            problems.push(
                Problem::new(
                    format!("{ptr}/{}", segment(k)),
                    format!("unknown parameter attribute {}", shown(k)),
                )
                .hint(format!("a parameter has {}", KEYS.join(", "))),
            );
        }
    }
    let kind = match o.get("Type") {
        Some(Value::String(t)) => match t.as_str() {
            "String" => ParamKind::String,
            "Number" => ParamKind::Number,
            "CommaDelimitedList" | "List<String>" | "List<Number>" => ParamKind::CommaDelimitedList,
            other => {
                problems.push(
                    Problem::new(
                        format!("{ptr}/Type"),
                        format!("unknown parameter type {}", shown(other)),
                    )
                    .hint("use String, Number or CommaDelimitedList"),
                );
                ParamKind::String
            }
        },
        Some(_) => {
            problems.push(Problem::new(
                format!("{ptr}/Type"),
                "Type must be a string such as \"String\"",
            ));
            ParamKind::String
        }
        None => {
            problems.push(
                Problem::new(format!("{ptr}/Type"), "a parameter needs a Type")
                    .hint("add \"Type\": \"String\" (or Number, or CommaDelimitedList)"),
            );
            ParamKind::String
        }
    };
    let no_echo = match o.get("NoEcho") {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => true,
        Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => false,
        Some(v) => {
            problems.push(Problem::new(
                format!("{ptr}/NoEcho"),
                format!("NoEcho must be true or false (a boolean, or the string \"true\" or \"false\"), not {v}"),
            ));
            // Hidden when in doubt: a mistyped NoEcho never shows the value.
            true
        }
    };
    if let Some(v) = o.get("AllowedValues") {
        match v.as_array() {
            Some(items) => {
                for (i, item) in items.iter().enumerate() {
                    if !(item.is_string() || item.is_number()) {
                        problems.push(Problem::new(
                            format!("{ptr}/AllowedValues/{i}"),
                            "AllowedValues must list strings or numbers",
                        ));
                    }
                }
            }
            None => problems.push(Problem::new(
                format!("{ptr}/AllowedValues"),
                "AllowedValues must be a list",
            )),
        }
    }
    if let Some(v) = o.get("Default") {
        let ok = v.is_string()
            || v.is_number()
            || v.is_boolean()
            || v.as_array()
                .is_some_and(|a| a.iter().all(|x| x.is_string() || x.is_number()));
        if !ok {
            problems.push(Problem::new(
                format!("{ptr}/Default"),
                "Default must be a string, a number or a list of strings",
            ));
        }
    }
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
        no_echo,
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

pub(crate) fn resource(decl: &Value, ptr: &str) -> Result<ResourceDecl, Vec<Problem>> {
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
            "UpdateReplacePolicy",
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
                .hint(
                    "a resource has Type, Properties, DependsOn, Condition, DeletionPolicy, \
                     UpdateReplacePolicy and Metadata",
                ),
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
        Some(Value::Array(a)) => {
            let mut names = Vec::with_capacity(a.len());
            for (i, v) in a.iter().enumerate() {
                match v.as_str() {
                    Some(n) => names.push(n.to_string()),
                    None => problems.push(Problem::new(
                        format!("{ptr}/DependsOn/{i}"),
                        "each DependsOn entry must be a logical id (a string)",
                    )),
                }
            }
            names
        }
        Some(_) => {
            problems.push(Problem::new(
                format!("{ptr}/DependsOn"),
                "DependsOn must be a logical id or a list of them",
            ));
            Vec::new()
        }
    };
    if o.get("Condition").is_some_and(|c| !c.is_string()) {
        problems.push(Problem::new(
            format!("{ptr}/Condition"),
            "Condition must be the name of a condition",
        ));
    }
    let mut policy = |attribute: &str| match o.get(attribute).and_then(Value::as_str) {
        None | Some("Delete") => DeletionPolicy::Delete,
        Some("Retain") => DeletionPolicy::Retain,
        Some(other) => {
            problems.push(
                Problem::new(format!("{ptr}/{attribute}"), format!("unknown {attribute} {other:?}"))
                    .hint("use Delete or Retain"),
            );
            DeletionPolicy::Delete
        }
    };
    let deletion_policy = policy("DeletionPolicy");
    let update_replace_policy = policy("UpdateReplacePolicy");
    if problems.is_empty() {
        Ok(ResourceDecl {
            kind,
            properties,
            depends_on_list: matches!(o.get("DependsOn"), Some(Value::Array(_))),
            depends_on,
            condition: o.get("Condition").and_then(Value::as_str).map(str::to_string),
            deletion_policy,
            update_replace_policy,
            metadata: o.get("Metadata").cloned(),
        })
    } else {
        Err(problems)
    }
}
