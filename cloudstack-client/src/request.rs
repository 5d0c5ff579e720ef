//! The contract between generated request types and the client, and a dynamic request for callers that
//! only know an API by name (templates, the simulator, scripts).

use serde_json::Value;

use crate::decode::{scalar_text, Decode};
use crate::error::BuildError;
use crate::meta::{ApiMeta, MapShape, ParamKind, ParamMeta};
use crate::params::{Date, ParamValue, Params};

/// A request for one CloudStack command. Implemented by every generated request type and by
/// [`DynamicRequest`].
pub trait Request {
    /// What the command returns (for async commands: the job's result).
    type Response: Decode;

    /// The command's description.
    fn meta(&self) -> &'static ApiMeta;

    /// The values set so far.
    fn params(&self) -> &Params;

    /// The values, for changing them (paging sets `page` and `pagesize`).
    fn params_mut(&mut self) -> &mut Params;

    /// Checks the values and produces the wire parameters (without `command`, `response`, keys and
    /// signature).
    fn wire_params(&self) -> Result<Vec<(String, String)>, BuildError> {
        self.params().to_wire(self.meta())
    }
}

/// A request built at run time from parameter names and JSON values, checked against the command's
/// description. Its response is the raw JSON value inside the envelope.
#[derive(Clone)]
pub struct DynamicRequest {
    meta: &'static ApiMeta,
    params: Params,
}

impl std::fmt::Debug for DynamicRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DynamicRequest")
            .field("api", &self.meta.name)
            .field("params", &self.params.debug_with(self.meta))
            .finish()
    }
}

impl DynamicRequest {
    /// An empty request for `meta`.
    pub fn new(meta: &'static ApiMeta) -> Self {
        Self {
            meta,
            params: Params::new(),
        }
    }

    /// Sets parameter `name` (matched case-insensitively, as the server dispatches) from a JSON value,
    /// converting it to the parameter's type: `"80"` or `80` for integers, `"a,b"`, `"a"` or `["a","b"]`
    /// for lists, `"true"` or `true` for booleans, an object or a list of objects for maps.
    pub fn set_json(&mut self, name: &str, value: &Value) -> Result<&mut Self, BuildError> {
        let (index, meta) = self.lookup(name)?;
        let v = value_from_json(self.meta, meta, value)?;
        self.params.set(index, v);
        Ok(self)
    }

    /// Sets parameter `name` from text, as it would appear in a query string.
    pub fn set_text(&mut self, name: &str, value: impl Into<String>) -> Result<&mut Self, BuildError> {
        let (index, meta) = self.lookup(name)?;
        let text = value.into();
        let v = match meta.kind {
            ParamKind::List => ParamValue::List(split_list(&text)),
            _ => ParamValue::Text(text),
        };
        self.params.set(index, v);
        Ok(self)
    }

    fn lookup(&self, name: &str) -> Result<(u16, &'static ParamMeta), BuildError> {
        let meta = self
            .meta
            .param_ignore_case(name)
            .ok_or_else(|| BuildError::UnknownParameter {
                api: self.meta.name,
                param: name.to_string(),
                hint: closest(name, self.meta.params.iter().map(|p| p.name))
                    .map(|c| format!(" (did you mean `{c}`?)"))
                    .unwrap_or_default(),
            })?;
        let index = self
            .meta
            .param_index(meta.name)
            .and_then(|i| u16::try_from(i).ok())
            .ok_or(BuildError::UnknownParameterIndex {
                api: self.meta.name,
                index: u16::MAX,
            })?;
        Ok((index, meta))
    }
}

impl Request for DynamicRequest {
    type Response = Value;

    fn meta(&self) -> &'static ApiMeta {
        self.meta
    }

    fn params(&self) -> &Params {
        &self.params
    }

    fn params_mut(&mut self) -> &mut Params {
        &mut self.params
    }
}

fn split_list(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// Converts a JSON value to the value of parameter `meta`, accepting the spellings StackMate templates
/// use (everything as strings) as well as native JSON types.
pub fn value_from_json(
    api: &'static ApiMeta,
    meta: &'static ParamMeta,
    value: &Value,
) -> Result<ParamValue, BuildError> {
    let invalid = |reason: String| BuildError::InvalidValue {
        api: api.name,
        param: meta.name,
        reason,
    };
    let got = |v: &Value| -> &'static str {
        match v {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "an array",
            Value::Object(_) => "an object",
        }
    };
    Ok(match meta.kind {
        ParamKind::Boolean => match value {
            Value::Bool(b) => ParamValue::Bool(*b),
            Value::String(s) if s.eq_ignore_ascii_case("true") => ParamValue::Bool(true),
            Value::String(s) if s.eq_ignore_ascii_case("false") => ParamValue::Bool(false),
            other => return Err(invalid(format!("expected true or false, got {other}"))),
        },
        ParamKind::Short | ParamKind::Integer | ParamKind::Long => {
            let n = match value {
                Value::Number(n) => n.as_i64(),
                Value::String(s) => s.trim().parse::<i64>().ok(),
                _ => None,
            };
            ParamValue::Int(n.ok_or_else(|| invalid(format!("expected an integer, got {value}")))?)
        }
        ParamKind::Float | ParamKind::Double => {
            let x = match value {
                Value::Number(n) => n.as_f64(),
                Value::String(s) => s.trim().parse::<f64>().ok(),
                _ => None,
            };
            ParamValue::Float(x.ok_or_else(|| invalid(format!("expected a number, got {value}")))?)
        }
        ParamKind::Date | ParamKind::TzDate => match value {
            Value::String(s) => ParamValue::Date(Date::parse(s).map_err(|e| invalid(e.to_string()))?),
            other => return Err(invalid(format!("expected a date string, got {}", got(other)))),
        },
        ParamKind::List => {
            match value {
                Value::Array(items) => {
                    let mut out = Vec::with_capacity(items.len());
                    for item in items {
                        out.push(scalar_text(item).ok_or_else(|| {
                            invalid(format!("list items must be strings or numbers, got {}", got(item)))
                        })?);
                    }
                    ParamValue::List(out)
                }
                other => ParamValue::List(split_list(
                    &scalar_text(other).ok_or_else(|| invalid(format!("expected a list, got {}", got(other))))?,
                )),
            }
        }
        ParamKind::Map(shape) => ParamValue::Map(map_entries(shape, value).map_err(invalid)?),
        ParamKind::Uuid | ParamKind::String | ParamKind::Other => match value {
            Value::Array(_) | Value::Object(_) | Value::Null => {
                return Err(invalid(format!(
                    "expected a {} value, got {}",
                    meta.kind.as_str(),
                    got(value)
                )))
            }
            other => ParamValue::Text(scalar_text(other).unwrap_or_default()),
        },
    })
}

/// Turns a JSON map value into entries for `shape`:
/// - `{"k":"v",...}` gives one pair per key (for `Pairs` and `Flat`) or one entry (for `Entries`);
/// - `[{"key":"k","value":"v"},...]` (any case of `Key`/`Value`) gives pairs, as CloudFormation tags are written;
/// - `[{...},{...}]` gives one entry per object (for `Entries`).
fn map_entries(shape: MapShape, value: &Value) -> Result<Vec<Vec<(String, String)>>, String> {
    let fields = |o: &serde_json::Map<String, Value>| -> Result<Vec<(String, String)>, String> {
        o.iter()
            .map(|(k, v)| {
                scalar_text(v)
                    .map(|s| (k.clone(), s))
                    .ok_or_else(|| format!("map value for {k:?} must be a string, number or boolean"))
            })
            .collect()
    };
    match (shape, value) {
        (MapShape::Entries, Value::Object(o)) => Ok(vec![fields(o)?]),
        (MapShape::Entries, Value::Array(items)) => items
            .iter()
            .map(|item| match item {
                Value::Object(o) => fields(o),
                _ => Err("each map entry must be an object".to_string()),
            })
            .collect(),
        (_, Value::Object(o)) => Ok(fields(o)?.into_iter().map(|p| vec![p]).collect()),
        (
            MapShape::Pairs {
                key,
                value: value_field,
            },
            Value::Array(items),
        ) => items
            .iter()
            .map(|item| {
                let Value::Object(o) = item else {
                    return Err("each map entry must be an object".to_string());
                };
                let get = |name: &str| {
                    o.iter()
                        .find(|(k, _)| k.eq_ignore_ascii_case(name))
                        .and_then(|(_, v)| scalar_text(v))
                };
                match (get(key), get(value_field)) {
                    (Some(k), Some(v)) => Ok(vec![(k, v)]),
                    _ => Err(format!("each entry needs `{key}` and `{value_field}`")),
                }
            })
            .collect(),
        (MapShape::Flat, Value::Array(items)) => {
            let mut all = Vec::new();
            for item in items {
                match item {
                    Value::Object(o) => all.extend(fields(o)?.into_iter().map(|p| vec![p])),
                    _ => return Err("each map entry must be an object".to_string()),
                }
            }
            Ok(all)
        }
        _ => Err("expected an object of key/value pairs or a list of objects".to_string()),
    }
}

/// The candidate closest to `name` by edit distance, when it is close enough to be a likely typo.
pub fn closest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    // A suggestion is for a typo: a name far longer than any candidate has none, and comparing it
    // would cost its length times each candidate's.
    if name.len() > 256 {
        return None;
    }
    let lower = name.to_ascii_lowercase();
    candidates
        .filter(|c| c.len().abs_diff(lower.len()) <= (c.len().max(3) / 3).max(2))
        .map(|c| (edit_distance(&lower, &c.to_ascii_lowercase()), c))
        .filter(|(d, c)| *d <= (c.len().max(3) / 3).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Levenshtein distance over chars.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The `Debug` output of a generated request: its command and parameters, secrets hidden.
pub fn debug_request(f: &mut std::fmt::Formatter<'_>, api: &'static ApiMeta, params: &Params) -> std::fmt::Result {
    f.debug_struct(api.name)
        .field("params", &params.debug_with(api))
        .finish()
}
