//! Intrinsics of a nested template rewritten into its parent's flattened name space: its
//! resources, conditions and mappings get the nesting prefix (`Db.Vm`), its parameters become the
//! expressions the parent passes, and references to its own nested stacks become their ids, the
//! outputs' expressions and the stacks' members. Pure.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Map, Value};

use crate::intrinsics::{call, getatt_args, sub_names};
use crate::problem::Problem;

/// A nested stack already flattened, as its parent's expressions see it.
#[derive(Debug, Clone, Default)]
pub(super) struct Nested {
    /// `Ref` of it: its id.
    pub(super) id: Value,
    /// Its outputs' expressions, in the flattened name space.
    pub(super) outputs: BTreeMap<String, Value>,
    /// Every flattened resource inside it (what a `DependsOn` on it waits for).
    pub(super) members: Vec<String>,
}

/// One template's names, for rewriting its expressions.
pub(super) struct Scope<'a> {
    /// The nesting prefix (`""` at the root, `Db.` inside `Db`).
    pub(super) prefix: &'a str,
    /// Its own resources (not nested stacks).
    pub(super) resources: &'a BTreeSet<String>,
    /// Its parameters' values (`None` at the root, whose parameters stay parameters).
    pub(super) params: Option<&'a BTreeMap<String, Value>>,
    /// Its nested stacks flattened so far.
    pub(super) stacks: &'a BTreeMap<String, Nested>,
    /// Its conditions.
    pub(super) conditions: &'a BTreeSet<String>,
    /// Its mappings.
    pub(super) mappings: &'a BTreeSet<String>,
}

impl<'a> Scope<'a> {
    /// The names of a template under `prefix`, with the nested stacks flattened so far.
    pub(super) fn of(
        prefix: &'a str,
        resources: &'a BTreeSet<String>,
        params: Option<&'a BTreeMap<String, Value>>,
        stacks: &'a BTreeMap<String, Nested>,
        conditions: &'a BTreeSet<String>,
        mappings: &'a BTreeSet<String>,
    ) -> Self {
        Self {
            prefix,
            resources,
            params,
            stacks,
            conditions,
            mappings,
        }
    }

    fn renamed(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    /// `Ref name` in the flattened name space, or `None` when the name is not this template's.
    fn reference(&self, name: &str) -> Option<Value> {
        if self.resources.contains(name) {
            return Some(json!({"Ref": self.renamed(name)}));
        }
        if let Some(v) = self.params.and_then(|p| p.get(name)) {
            return Some(v.clone());
        }
        self.stacks.get(name).map(|s| s.id.clone())
    }

    /// `Fn::GetAtt [name, attribute]` in the flattened name space.
    fn attribute(&self, name: &str, attribute: &str, ptr: &str, problems: &mut Vec<Problem>) -> Option<Value> {
        if self.resources.contains(name) {
            return Some(json!({"Fn::GetAtt": [self.renamed(name), attribute]}));
        }
        let stack = self.stacks.get(name)?;
        match attribute.strip_prefix("Outputs.").and_then(|o| stack.outputs.get(o)) {
            Some(v) => Some(v.clone()),
            None => {
                let known: Vec<&String> = stack.outputs.keys().collect();
                problems.push(
                    Problem::new(ptr, format!("the nested stack {name} has no attribute {attribute}"))
                        .hint(format!("a nested stack's attributes are Outputs.NAME, of {known:?}")),
                );
                Some(Value::Null)
            }
        }
    }

    /// The flattened resources a `DependsOn` entry `name` means.
    pub(super) fn depends(&self, name: &str) -> Vec<String> {
        if self.resources.contains(name) {
            return vec![self.renamed(name)];
        }
        match self.stacks.get(name) {
            Some(s) => s.members.clone(),
            None => vec![name.to_string()],
        }
    }

    /// A condition's flattened name.
    pub(super) fn condition(&self, name: &str) -> String {
        if self.conditions.contains(name) {
            self.renamed(name)
        } else {
            name.to_string()
        }
    }
}

/// `v` (at `ptr`) rewritten into the flattened name space of `s`.
pub(super) fn rewrite(v: &Value, s: &Scope<'_>, ptr: &str, problems: &mut Vec<Problem>) -> Value {
    if let Some((f, arg)) = call(v) {
        let here = format!("{ptr}/{}", crate::problem::segment(f));
        match (f, arg) {
            ("Ref", Value::String(n)) => return s.reference(n).unwrap_or_else(|| v.clone()),
            ("Fn::GetAtt", _) => {
                if let Some((r, a)) = getatt_args(arg) {
                    if let Some(out) = s.attribute(&r, &a, &here, problems) {
                        return out;
                    }
                }
                return v.clone();
            }
            ("Fn::Sub", _) => return sub(arg, s, &here, problems),
            ("Condition", Value::String(c)) => return json!({"Condition": s.condition(c)}),
            ("Fn::If", Value::Array(a)) if !a.is_empty() => {
                let mut out = Vec::with_capacity(a.len());
                out.push(match &a[0] {
                    Value::String(c) => Value::String(s.condition(c)),
                    other => other.clone(),
                });
                for (i, x) in a.iter().enumerate().skip(1) {
                    out.push(rewrite(x, s, &format!("{here}/{i}"), problems));
                }
                return json!({ f: out });
            }
            ("Fn::FindInMap", Value::Array(a)) if !a.is_empty() => {
                let mut out = Vec::with_capacity(a.len());
                out.push(match &a[0] {
                    Value::String(m) if s.mappings.contains(m) => Value::String(format!("{}{m}", s.prefix)),
                    other => rewrite(other, s, &format!("{here}/0"), problems),
                });
                for (i, x) in a.iter().enumerate().skip(1) {
                    out.push(rewrite(x, s, &format!("{here}/{i}"), problems));
                }
                return json!({ f: out });
            }
            _ => {
                let mut o = Map::new();
                o.insert(f.to_string(), rewrite(arg, s, &here, problems));
                return Value::Object(o);
            }
        }
    }
    match v {
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, x)| {
                    let p = format!("{ptr}/{}", crate::problem::segment(k));
                    (k.clone(), rewrite(x, s, &p, problems))
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(
            a.iter()
                .enumerate()
                .map(|(i, x)| rewrite(x, s, &format!("{ptr}/{i}"), problems))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// `Fn::Sub` rewritten: every `${name}` of this template becomes a variable holding its flattened
/// expression (a dotted flattened name would read as an attribute).
fn sub(arg: &Value, s: &Scope<'_>, ptr: &str, problems: &mut Vec<Problem>) -> Value {
    let (text, vars) = match arg {
        Value::String(t) => (t.clone(), Map::new()),
        Value::Array(a) if a.len() == 2 => match (&a[0], &a[1]) {
            (Value::String(t), Value::Object(m)) => (t.clone(), m.clone()),
            _ => return json!({"Fn::Sub": rewrite(arg, s, ptr, problems)}),
        },
        _ => return json!({"Fn::Sub": rewrite(arg, s, ptr, problems)}),
    };
    let mut vars: Map<String, Value> = vars
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                rewrite(v, s, &format!("{ptr}/1/{}", crate::problem::segment(k)), problems),
            )
        })
        .collect();
    let mut replaced: BTreeMap<String, String> = BTreeMap::new();
    for name in sub_names(&text) {
        if vars.contains_key(&name) || replaced.contains_key(&name) {
            continue;
        }
        let value = match name.split_once('.') {
            Some((r, a)) => s.attribute(r, a, ptr, problems),
            None => s.reference(&name),
        };
        if let Some(value) = value {
            let var = format!("nested{}", replaced.len());
            vars.insert(var.clone(), value);
            replaced.insert(name, var);
        }
    }
    if replaced.is_empty() && vars.is_empty() {
        return json!({"Fn::Sub": text});
    }
    // Each `${ name }` of a replaced name, spaces and all, becomes `${var}`.
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            rest = "";
            break;
        };
        let name = after[..end].trim();
        match replaced.get(name) {
            Some(var) => out.push_str(&format!("${{{var}}}")),
            None => out.push_str(&rest[start..start + 2 + end + 1]),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    json!({"Fn::Sub": [out, vars]})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_child_s_names_move_under_its_prefix_and_its_parameters_become_the_parent_s_values() {
        let resources: BTreeSet<String> = ["Vm".to_string()].into();
        let params: BTreeMap<String, Value> = [("Net".to_string(), json!({"Ref": "Network"}))].into();
        let stacks: BTreeMap<String, Nested> = [(
            "Inner".to_string(),
            Nested {
                id: json!("inner-id"),
                outputs: [("Ip".to_string(), json!({"Fn::GetAtt": ["Db.Inner.Vm", "PrivateIp"]}))].into(),
                members: vec!["Db.Inner.Vm".into()],
            },
        )]
        .into();
        let conditions: BTreeSet<String> = ["Prod".to_string()].into();
        let mappings = BTreeSet::new();
        let s = Scope {
            prefix: "Db.",
            resources: &resources,
            params: Some(&params),
            stacks: &stacks,
            conditions: &conditions,
            mappings: &mappings,
        };
        let mut problems = Vec::new();
        let v = json!({
            "a": {"Ref": "Vm"}, "b": {"Ref": "Net"}, "c": {"Fn::GetAtt": "Vm.PrivateIp"},
            "d": {"Fn::GetAtt": ["Inner", "Outputs.Ip"]}, "e": {"Fn::If": ["Prod", {"Ref": "AWS::Region"}, "x"]},
            "f": {"Fn::Sub": "${Vm} on ${ Net } in ${AWS::Region} at ${Inner.Outputs.Ip}"}
        });
        let out = rewrite(&v, &s, "", &mut problems);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(out["a"], json!({"Ref": "Db.Vm"}));
        assert_eq!(out["b"], json!({"Ref": "Network"}));
        assert_eq!(out["c"], json!({"Fn::GetAtt": ["Db.Vm", "PrivateIp"]}));
        assert_eq!(out["d"], json!({"Fn::GetAtt": ["Db.Inner.Vm", "PrivateIp"]}));
        assert_eq!(out["e"]["Fn::If"][0], "Db.Prod");
        assert_eq!(
            out["f"],
            json!({"Fn::Sub": ["${nested0} on ${nested1} in ${AWS::Region} at ${nested2}",
                   {"nested0": {"Ref": "Db.Vm"}, "nested1": {"Ref": "Network"},
                    "nested2": {"Fn::GetAtt": ["Db.Inner.Vm", "PrivateIp"]}}]})
        );
        assert_eq!(s.depends("Inner"), ["Db.Inner.Vm"]);
        let bad = rewrite(
            &json!({"Fn::GetAtt": ["Inner", "Outputs.Nope"]}),
            &s,
            "/x",
            &mut problems,
        );
        assert_eq!(bad, Value::Null);
        assert!(
            problems[0].message.contains("has no attribute Outputs.Nope"),
            "{problems:?}"
        );
    }
}
