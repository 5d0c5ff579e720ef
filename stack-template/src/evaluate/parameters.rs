//! Parameter values: defaults, given values, and every constraint (AllowedValues, AllowedPattern on the
//! whole value, Min/MaxLength, Min/MaxValue), with ConstraintDescription in the message.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::limits::Limits;
use crate::problem::{segment, Problem};
use crate::template::{ParamKind, ParameterDecl, Template};

/// A parameter's resolved value.
#[derive(Clone, PartialEq)]
pub struct ParamValue {
    /// The text value.
    pub text: String,
    /// The value as intrinsics see it (a string, or a list for CommaDelimitedList).
    pub value: Value,
    /// NoEcho: masked in every output.
    pub no_echo: bool,
}

impl std::fmt::Debug for ParamValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.no_echo {
            f.write_str("ParamValue(****)")
        } else {
            write!(f, "ParamValue({:?})", self.text)
        }
    }
}

/// Resolves every declared parameter from `given` (name -> text) and defaults. Unknown given names and
/// missing values without default are problems, as are constraint failures.
pub fn resolve(
    template: &Template,
    given: &BTreeMap<String, String>,
    limits: &Limits,
) -> Result<BTreeMap<String, ParamValue>, Vec<Problem>> {
    let mut problems = Vec::new();
    for name in given.keys() {
        if !template.parameters.contains_key(name) {
            let hint = cloudstack_client::request::closest(name, template.parameters.keys().map(String::as_str))
                .map_or_else(
                    || "remove it, or declare it under Parameters".to_string(),
                    |c| format!("did you mean {c:?}?"),
                );
            problems.push(
                Problem::new(
                    "/Parameters",
                    format!("parameter {name:?} was given but the template does not declare it"),
                )
                .hint(hint),
            );
        }
    }
    let mut out = BTreeMap::new();
    for (name, decl) in &template.parameters {
        let ptr = format!("/Parameters/{}", segment(name));
        let (text, from_default) = match (given.get(name), &decl.default) {
            (Some(v), _) => (v.clone(), false),
            (None, Some(d)) => (d.clone(), true),
            (None, None) => {
                problems.push(
                    Problem::new(&ptr, format!("parameter {name:?} has no value and no Default"))
                        .hint(format!("pass it, e.g. -p {name}=...")),
                );
                continue;
            }
        };
        // A Default that breaks its own constraints is the template's mistake, reported at the Default.
        let at = if from_default {
            format!("{ptr}/Default")
        } else {
            ptr.clone()
        };
        if text.len() > limits.parameter_value_bytes {
            problems.push(
                Problem::new(
                    &at,
                    format!(
                        "the value of parameter {name:?} is {} bytes, over the limit of {}",
                        text.len(),
                        limits.parameter_value_bytes
                    ),
                )
                .hint("raise the parameter_value_bytes limit, or pass a shorter value"),
            );
            continue;
        }
        if let Err(p) = check(name, decl, &text, &at) {
            problems.push(p);
            continue;
        }
        let value = match decl.kind {
            ParamKind::CommaDelimitedList => {
                Value::Array(text.split(',').map(|s| Value::String(s.trim().to_string())).collect())
            }
            _ => Value::String(text.clone()),
        };
        out.insert(
            name.clone(),
            ParamValue {
                text,
                value,
                no_echo: decl.no_echo,
            },
        );
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

/// Checks `text` against parameter `name`'s declaration `d` (a problem at `ptr`).
pub(crate) fn check(name: &str, d: &ParameterDecl, text: &str, ptr: &str) -> Result<(), Problem> {
    let shown = if d.no_echo {
        "(hidden)".to_string()
    } else {
        format!("{text:?}")
    };
    let fail = |what: String| {
        let mut p = Problem::new(ptr, format!("parameter {name:?} value {shown} {what}"));
        if let Some(c) = &d.constraint_description {
            p = p.hint(c.clone());
        }
        p
    };
    if !d.allowed_values.is_empty() && !d.allowed_values.iter().any(|v| v == text) {
        return Err(fail(format!("is not one of the AllowedValues {:?}", d.allowed_values)));
    }
    let len = text.chars().count();
    if let Some(min) = d.min_length {
        if len < min {
            return Err(fail(format!("is shorter than MinLength {min}")));
        }
    }
    if let Some(max) = d.max_length {
        if len > max {
            return Err(fail(format!("is longer than MaxLength {max}")));
        }
    }
    if let Some(pattern) = &d.allowed_pattern {
        // The whole value must match, as in CloudFormation.
        let anchored = format!("^(?:{pattern})$");
        match regex::Regex::new(&anchored) {
            Ok(re) if re.is_match(text) => {}
            Ok(_) => return Err(fail(format!("does not match AllowedPattern {pattern:?}"))),
            Err(_) => {
                return Err(fail(format!(
                    "cannot be checked: AllowedPattern {pattern:?} is invalid"
                )))
            }
        }
    }
    if d.kind == ParamKind::Number || d.min_value.is_some() || d.max_value.is_some() {
        let Ok(n) = text.trim().parse::<f64>() else {
            return Err(fail("is not a number".into()));
        };
        if d.min_value.is_some_and(|m| n < m) {
            return Err(fail(format!("is below MinValue {}", d.min_value.unwrap_or_default())));
        }
        if d.max_value.is_some_and(|m| n > m) {
            return Err(fail(format!("is above MaxValue {}", d.max_value.unwrap_or_default())));
        }
    }
    Ok(())
}
