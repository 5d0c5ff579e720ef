//! Intrinsic functions: Ref, Fn::GetAtt, Fn::Join, Fn::Base64, Fn::Select, Fn::Split, Fn::Sub,
//! Fn::FindInMap, Fn::GetAZs, Fn::If, Fn::Equals, Fn::And, Fn::Or, Fn::Not, and the pseudo parameters.
//!
//! [`eval`] returns `Ok(None)` for a value that depends on a resource not created yet: validation
//! evaluates everything it can before any API call, execution evaluates the rest once the resources
//! exist. [`references`] lists the resources a value depends on, for the DAG.

use std::collections::BTreeMap;

use base64::Engine as _;
use serde_json::{Map, Value};

use crate::problem::Problem;
use crate::template::text as scalar_text;

/// The pseudo parameters, with their `AWS::` aliases.
pub const PSEUDO: &[&str] = &[
    "CloudStack::StackId",
    "CloudStack::StackName",
    "CloudStack::Region",
    "CloudStack::Zone",
    "CloudStack::StackMateApiURL",
    "CloudStack::StackMateMetadataToken",
    "AWS::StackId",
    "AWS::StackName",
    "AWS::Region",
    "AWS::NoValue",
];

/// What intrinsics can ask about resources.
pub trait ResourceView {
    /// Whether `logical` is a resource of the template.
    fn exists(&self, logical: &str) -> bool;
    /// `Ref` of a resource: its physical id, `None` until known.
    fn physical_id(&self, logical: &str) -> Option<Value>;
    /// `Fn::GetAtt`: `None` until known.
    fn attribute(&self, logical: &str, attribute: &str) -> Option<Value>;
}

/// Everything a value may refer to.
pub struct Scope<'a> {
    /// Parameter values (as intrinsics see them).
    pub params: &'a BTreeMap<String, Value>,
    /// Pseudo parameter values.
    pub pseudo: &'a BTreeMap<String, Value>,
    /// `Mappings`.
    pub mappings: &'a Map<String, Value>,
    /// Evaluated conditions.
    pub conditions: &'a BTreeMap<String, bool>,
    /// The cloud's zone ids, for Fn::GetAZs.
    pub zones: &'a [String],
    /// Resources.
    pub resources: &'a (dyn ResourceView + Sync),
}

/// The marker [`eval`] returns for `Ref: AWS::NoValue`: the enclosing property is dropped.
pub const NO_VALUE: &str = "\u{0}AWS::NoValue";

fn bad(ptr: &str, f: &str, expected: &str) -> Problem {
    Problem::new(ptr, format!("{f} expects {expected}"))
}

/// If `v` is an intrinsic call (`{"Ref": ..}` or `{"Fn::X": ..}`), its name and argument.
pub fn call(v: &Value) -> Option<(&str, &Value)> {
    let o = v.as_object()?;
    if o.len() != 1 {
        return None;
    }
    let (k, arg) = o.iter().next()?;
    (k == "Ref" || k.starts_with("Fn::") || k == "Condition").then_some((k.as_str(), arg))
}

/// Evaluates `v` (found at `ptr`). `Ok(None)`: depends on something not known yet.
pub fn eval(v: &Value, s: &Scope<'_>, ptr: &str) -> Result<Option<Value>, Problem> {
    let Some((f, arg)) = call(v) else {
        return match v {
            Value::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    match eval(item, s, &format!("{ptr}/{i}"))? {
                        Some(x) if x.as_str() == Some(NO_VALUE) => {}
                        Some(x) => out.push(x),
                        None => return Ok(None),
                    }
                }
                Ok(Some(Value::Array(out)))
            }
            Value::Object(o) => {
                let mut out = Map::new();
                let mut known = true;
                for (k, item) in o {
                    match eval(item, s, &format!("{ptr}/{}", crate::problem::segment(k)))? {
                        Some(x) if x.as_str() == Some(NO_VALUE) => {}
                        Some(x) => {
                            out.insert(k.clone(), x);
                        }
                        None => known = false,
                    }
                }
                Ok(known.then_some(Value::Object(out)))
            }
            other => Ok(Some(other.clone())),
        };
    };
    let here = format!("{ptr}/{}", crate::problem::segment(f));
    match f {
        "Ref" => {
            let name = arg.as_str().ok_or_else(|| bad(&here, "Ref", "a parameter or resource name"))?;
            if name == "AWS::NoValue" {
                return Ok(Some(Value::String(NO_VALUE.into())));
            }
            if let Some(p) = s.params.get(name) {
                return Ok(Some(p.clone()));
            }
            if let Some(p) = s.pseudo.get(name) {
                return Ok(Some(p.clone()));
            }
            if s.resources.exists(name) {
                return Ok(s.resources.physical_id(name));
            }
            let mut p = Problem::new(&here, format!("Ref to {name:?}, which is neither a parameter, a pseudo parameter nor a resource"));
            let candidates = s.params.keys().map(String::as_str).chain(PSEUDO.iter().copied());
            if let Some(c) = cloudstack_client::request::closest(name, candidates) {
                p = p.hint(format!("did you mean {c:?}?"));
            }
            Err(p)
        }
        "Fn::GetAtt" => {
            let (r, a) = getatt_args(arg).ok_or_else(|| bad(&here, "Fn::GetAtt", "[\"LogicalId\", \"Attribute\"]"))?;
            if !s.resources.exists(&r) {
                return Err(Problem::new(&here, format!("Fn::GetAtt of {r:?}, which is not a resource of this template")));
            }
            Ok(s.resources.attribute(&r, &a))
        }
        "Fn::Join" => {
            let (delim, list) = match arg.as_array().map(Vec::as_slice) {
                Some([d, l]) => (d.as_str().ok_or_else(|| bad(&here, "Fn::Join", "a string delimiter"))?, l),
                _ => return Err(bad(&here, "Fn::Join", "[delimiter, [values...]]")),
            };
            let Some(list) = eval(list, s, &format!("{here}/1"))? else { return Ok(None) };
            let items = list.as_array().ok_or_else(|| bad(&here, "Fn::Join", "a list of values to join"))?;
            let mut parts = Vec::with_capacity(items.len());
            for item in items {
                parts.push(scalar_text(item).ok_or_else(|| bad(&here, "Fn::Join", "strings or numbers in its list"))?);
            }
            Ok(Some(Value::String(parts.join(delim))))
        }
        "Fn::Base64" => {
            let Some(v) = eval(arg, s, &here)? else { return Ok(None) };
            let t = scalar_text(&v).ok_or_else(|| bad(&here, "Fn::Base64", "a string"))?;
            Ok(Some(Value::String(base64::engine::general_purpose::STANDARD.encode(t))))
        }
        "Fn::Select" => {
            let (index, list) = match arg.as_array().map(Vec::as_slice) {
                Some([i, l]) => (i, l),
                _ => return Err(bad(&here, "Fn::Select", "[index, [values...]]")),
            };
            let Some(index) = eval(index, s, &format!("{here}/0"))? else { return Ok(None) };
            let i = scalar_text(&index)
                .and_then(|t| t.parse::<usize>().ok())
                .ok_or_else(|| bad(&here, "Fn::Select", "a non-negative index"))?;
            let Some(list) = eval(list, s, &format!("{here}/1"))? else { return Ok(None) };
            let items = list.as_array().ok_or_else(|| bad(&here, "Fn::Select", "a list"))?;
            items
                .get(i)
                .cloned()
                .map(Some)
                .ok_or_else(|| Problem::new(&here, format!("Fn::Select index {i} is out of range for a list of {}", items.len())))
        }
        "Fn::Split" => {
            let (delim, text) = match arg.as_array().map(Vec::as_slice) {
                Some([d, t]) => (d.as_str().ok_or_else(|| bad(&here, "Fn::Split", "a string delimiter"))?, t),
                _ => return Err(bad(&here, "Fn::Split", "[delimiter, string]")),
            };
            if delim.is_empty() {
                return Err(bad(&here, "Fn::Split", "a non-empty delimiter"));
            }
            let Some(text) = eval(text, s, &format!("{here}/1"))? else { return Ok(None) };
            let t = scalar_text(&text).ok_or_else(|| bad(&here, "Fn::Split", "a string to split"))?;
            Ok(Some(Value::Array(t.split(delim).map(|p| Value::String(p.into())).collect())))
        }
        "Fn::Sub" => sub(arg, s, &here),
        "Fn::FindInMap" => {
            let args = match arg.as_array() {
                Some(a) if a.len() == 3 => a,
                _ => return Err(bad(&here, "Fn::FindInMap", "[map, top-level key, second-level key]")),
            };
            let mut keys = Vec::new();
            for (i, a) in args.iter().enumerate() {
                let Some(v) = eval(a, s, &format!("{here}/{i}"))? else { return Ok(None) };
                keys.push(scalar_text(&v).ok_or_else(|| bad(&here, "Fn::FindInMap", "string keys"))?);
            }
            s.mappings
                .get(&keys[0])
                .and_then(|m| m.get(&keys[1]))
                .and_then(|m| m.get(&keys[2]))
                .cloned()
                .map(Some)
                .ok_or_else(|| Problem::new(&here, format!("Fn::FindInMap: no {}/{}/{} in Mappings", keys[0], keys[1], keys[2])))
        }
        "Fn::GetAZs" => Ok(Some(Value::Array(s.zones.iter().map(|z| Value::String(z.clone())).collect()))),
        "Fn::If" => {
            let (cond, a, b) = match arg.as_array().map(Vec::as_slice) {
                Some([c, a, b]) => (c, a, b),
                _ => return Err(bad(&here, "Fn::If", "[condition name, value if true, value if false]")),
            };
            let name = cond.as_str().ok_or_else(|| bad(&here, "Fn::If", "a condition name first"))?;
            let truth = *s
                .conditions
                .get(name)
                .ok_or_else(|| Problem::new(&here, format!("Fn::If names condition {name:?}, which Conditions does not declare")))?;
            if truth {
                eval(a, s, &format!("{here}/1"))
            } else {
                eval(b, s, &format!("{here}/2"))
            }
        }
        "Fn::Equals" => {
            let (a, b) = match arg.as_array().map(Vec::as_slice) {
                Some([a, b]) => (a, b),
                _ => return Err(bad(&here, "Fn::Equals", "[value, value]")),
            };
            let (Some(a), Some(b)) = (eval(a, s, &format!("{here}/0"))?, eval(b, s, &format!("{here}/1"))?) else {
                return Ok(None);
            };
            Ok(Some(Value::Bool(scalar_text(&a).zip(scalar_text(&b)).map_or(a == b, |(x, y)| x == y))))
        }
        "Fn::And" | "Fn::Or" => {
            let items = arg.as_array().filter(|a| (1..=10).contains(&a.len())).ok_or_else(|| bad(&here, f, "a list of 1 to 10 conditions"))?;
            let mut values = Vec::new();
            for (i, item) in items.iter().enumerate() {
                let Some(v) = eval(item, s, &format!("{here}/{i}"))? else { return Ok(None) };
                values.push(v.as_bool().ok_or_else(|| bad(&here, f, "conditions (true/false values)"))?);
            }
            Ok(Some(Value::Bool(if f == "Fn::And" { values.iter().all(|x| *x) } else { values.iter().any(|x| *x) })))
        }
        "Fn::Not" => {
            let item = match arg.as_array().map(Vec::as_slice) {
                Some([c]) => c,
                _ => return Err(bad(&here, "Fn::Not", "[condition]")),
            };
            let Some(v) = eval(item, s, &format!("{here}/0"))? else { return Ok(None) };
            Ok(Some(Value::Bool(!v.as_bool().ok_or_else(|| bad(&here, "Fn::Not", "a condition"))?)))
        }
        "Condition" => {
            let name = arg.as_str().ok_or_else(|| bad(&here, "Condition", "a condition name"))?;
            s.conditions
                .get(name)
                .map(|b| Some(Value::Bool(*b)))
                .ok_or_else(|| Problem::new(&here, format!("condition {name:?} is not declared")))
        }
        other => Err(Problem::new(&here, format!("unknown intrinsic function {other:?}")).hint(
            "supported: Ref, Fn::GetAtt, Fn::Join, Fn::Base64, Fn::Select, Fn::Split, Fn::Sub, Fn::FindInMap, Fn::GetAZs, Fn::If, Fn::Equals, Fn::And, Fn::Or, Fn::Not",
        )),
    }
}

/// `["R","A"]` or `"R.A"`.
pub fn getatt_args(arg: &Value) -> Option<(String, String)> {
    match arg {
        Value::Array(a) if a.len() == 2 => Some((a[0].as_str()?.to_string(), a[1].as_str()?.to_string())),
        Value::String(s) => s.split_once('.').map(|(r, a)| (r.to_string(), a.to_string())),
        _ => None,
    }
}

/// The `${...}` names in a Fn::Sub string (`${!x}` is a literal).
pub fn sub_names(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else { break };
        let name = &after[..end];
        if !name.starts_with('!') {
            out.push(name.trim().to_string());
        }
        rest = &after[end + 1..];
    }
    out
}

fn sub(arg: &Value, s: &Scope<'_>, here: &str) -> Result<Option<Value>, Problem> {
    let (text, vars) = match arg {
        Value::String(t) => (t.as_str(), None),
        Value::Array(a) if a.len() == 2 => (
            a[0].as_str().ok_or_else(|| bad(here, "Fn::Sub", "a string first"))?,
            Some(
                a[1].as_object()
                    .ok_or_else(|| bad(here, "Fn::Sub", "a map of variables second"))?,
            ),
        ),
        _ => return Err(bad(here, "Fn::Sub", "a string, or [string, {variables}]")),
    };
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find('}')
            .ok_or_else(|| Problem::new(here, "Fn::Sub: unclosed ${"))?;
        let name = after[..end].trim();
        if let Some(literal) = name.strip_prefix('!') {
            out.push_str("${");
            out.push_str(literal);
            out.push('}');
        } else {
            let value = if let Some(v) = vars.and_then(|m| m.get(name)) {
                eval(v, s, here)?
            } else if let Some((r, a)) = name.split_once('.').filter(|(r, _)| s.resources.exists(r)) {
                s.resources.attribute(r, a)
            } else {
                eval(&serde_json::json!({ "Ref": name }), s, here)?
            };
            let Some(value) = value else { return Ok(None) };
            out.push_str(
                &scalar_text(&value).ok_or_else(|| bad(here, "Fn::Sub", "variables that are strings or numbers"))?,
            );
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(Some(Value::String(out)))
}

/// A reference from a value to a resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// The resource referred to.
    pub target: String,
    /// The attribute, for GetAtt and `${R.A}`.
    pub attribute: Option<String>,
    /// Where the reference is.
    pub pointer: String,
}

/// Every Ref, Fn::GetAtt and Fn::Sub reference in `v` (to anything: the caller filters resources).
pub fn references(v: &Value, ptr: &str, out: &mut Vec<Reference>) {
    if let Some((f, arg)) = call(v) {
        let here = format!("{ptr}/{}", crate::problem::segment(f));
        match f {
            "Ref" => {
                if let Some(name) = arg.as_str() {
                    out.push(Reference {
                        target: name.to_string(),
                        attribute: None,
                        pointer: here.clone(),
                    });
                }
            }
            "Fn::GetAtt" => {
                if let Some((r, a)) = getatt_args(arg) {
                    out.push(Reference {
                        target: r,
                        attribute: Some(a),
                        pointer: here.clone(),
                    });
                }
            }
            "Fn::Sub" => {
                let (text, vars) = match arg {
                    Value::String(t) => (Some(t.as_str()), None),
                    Value::Array(a) if a.len() == 2 => (a[0].as_str(), a[1].as_object()),
                    _ => (None, None),
                };
                for name in text.map(sub_names).unwrap_or_default() {
                    if vars.is_some_and(|m| m.contains_key(&name)) {
                        continue;
                    }
                    let (target, attribute) = match name.split_once('.') {
                        Some((r, a)) => (r.to_string(), Some(a.to_string())),
                        None => (name.clone(), None),
                    };
                    out.push(Reference {
                        target,
                        attribute,
                        pointer: here.clone(),
                    });
                }
            }
            _ => {}
        }
        references(arg, &here, out);
        return;
    }
    match v {
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                references(item, &format!("{ptr}/{i}"), out);
            }
        }
        Value::Object(o) => {
            for (k, item) in o {
                references(item, &format!("{ptr}/{}", crate::problem::segment(k)), out);
            }
        }
        _ => {}
    }
}
