//! Reading one dump's members: APIs, parameters and response fields, each refusal with the JSON
//! pointer of the exact member, each normalisation reported as a warning.

use super::*;

pub(super) struct Cx<'a> {
    pub(super) source_name: &'a str,
}

impl Cx<'_> {
    pub(super) fn err(&self, pointer: &str, message: &str) -> SpecError {
        SpecError::Malformed {
            source_name: self.source_name.to_string(),
            pointer: pointer.to_string(),
            message: message.to_string(),
        }
    }
}

pub(super) fn parse_api(
    cx: &Cx<'_>,
    item: &Value,
    ptr: &str,
    warnings: &mut Vec<SpecWarning>,
) -> Result<Api, SpecError> {
    let obj = item
        .as_object()
        .ok_or_else(|| cx.err(ptr, "each API entry must be an object"))?;
    let name = required_name(cx, obj, ptr, "API")?;
    let params_ptr = format!("{ptr}/params");
    let mut merged: Vec<Param> = Vec::new();
    let mut first_at: BTreeMap<String, String> = BTreeMap::new();
    match obj.get("params") {
        None | Some(Value::Null) => {}
        Some(Value::Array(list)) => {
            for (j, p) in list.iter().enumerate() {
                let pptr = format!("{params_ptr}/{j}");
                if p.as_object().is_some_and(Map::is_empty) {
                    continue;
                }
                let param = parse_param(cx, p, &pptr)?;
                match merged.iter_mut().find(|q| q.name == param.name) {
                    Some(q) if q.kind != param.kind || q.required != param.required => {
                        return Err(cx.err(
                            &pptr,
                            &format!(
                                "parameter {:?} is listed again with type {} and required {} (first at {}: type {}, required {}); fix the dump",
                                param.name,
                                param.kind,
                                param.required,
                                first_at.get(&param.name).map_or("?", String::as_str),
                                q.kind,
                                q.required
                            ),
                        ))
                    }
                    Some(q) => {
                        warnings.push(SpecWarning {
                            pointer: pptr.clone(),
                            message: format!(
                                "parameter {:?} is listed again (first at {}); the copies agree and are kept once",
                                param.name,
                                first_at.get(&param.name).map_or("?", String::as_str)
                            ),
                        });
                        merge_into(q, param);
                    }
                    None => {
                        first_at.insert(param.name.clone(), pptr.clone());
                        merged.push(param);
                    }
                }
            }
        }
        Some(_) => return Err(cx.err(&params_ptr, "`params` must be an array")),
    }
    merged.sort_by(|a, b| a.name.cmp(&b.name));
    let response_ptr = format!("{ptr}/response");
    let response = match obj.get("response") {
        None | Some(Value::Null) => Vec::new(),
        Some(v) => parse_response(cx, v, &response_ptr, 0)?,
    };
    Ok(Api {
        name,
        description: text(obj.get("description")),
        is_async: flag(cx, obj.get("isasync"), &format!("{ptr}/isasync"))?,
        since: opt_text(obj.get("since")),
        related: related(obj.get("related")),
        params: merged,
        response,
    })
}

fn parse_param(cx: &Cx<'_>, item: &Value, ptr: &str) -> Result<Param, SpecError> {
    let obj = item
        .as_object()
        .ok_or_else(|| cx.err(ptr, "each parameter must be an object"))?;
    let name = param_name(cx, obj, ptr)?;
    let kind = match obj.get("type") {
        Some(Value::String(s)) if !s.is_empty() => ParamType::parse(s),
        None | Some(Value::Null) => {
            return Err(cx.err(
                &format!("{ptr}/type"),
                &format!(
                    "parameter {name:?} has no `type`; every parameter of a listApis dump has one (uuid, string, ...)"
                ),
            ))
        }
        Some(_) => return Err(cx.err(&format!("{ptr}/type"), "`type` must be a string such as \"uuid\"")),
    };
    let length = match obj.get("length") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => n.as_u64().and_then(|v| u32::try_from(v).ok()).filter(|v| *v > 0),
        Some(Value::String(s)) => s.trim().parse::<u32>().ok().filter(|v| *v > 0),
        Some(_) => return Err(cx.err(&format!("{ptr}/length"), "`length` must be a number")),
    };
    Ok(Param {
        name,
        description: text(obj.get("description")),
        kind,
        required: flag(cx, obj.get("required"), &format!("{ptr}/required"))?,
        length,
        since: opt_text(obj.get("since")),
        related: related(obj.get("related")),
    })
}

fn parse_response(cx: &Cx<'_>, v: &Value, ptr: &str, depth: usize) -> Result<Vec<ResponseField>, SpecError> {
    // listApis describes its own response recursively; 32 levels is far beyond any real dump.
    if depth > 32 {
        return Err(cx.err(ptr, "response nesting deeper than 32 levels"));
    }
    let list = v
        .as_array()
        .ok_or_else(|| cx.err(ptr, "`response` must be an array of attribute objects"))?;
    let mut fields: BTreeMap<String, ResponseField> = BTreeMap::new();
    for (i, entry) in list.iter().enumerate() {
        let eptr = format!("{ptr}/{i}");
        let obj = entry
            .as_object()
            .ok_or_else(|| cx.err(&eptr, "each response attribute must be an object"))?;
        // Real dumps contain `{}` entries (and, rarely, nameless ones); they describe nothing.
        let Some(name) = obj.get("name").and_then(Value::as_str).filter(|n| !n.is_empty()) else {
            continue;
        };
        let children = match obj.get("response") {
            None | Some(Value::Null) => Vec::new(),
            Some(nested) => parse_response(cx, nested, &format!("{eptr}/response"), depth + 1)?,
        };
        let field = ResponseField {
            name: name.to_string(),
            kind: obj
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or("string")
                .to_ascii_lowercase(),
            description: text(obj.get("description")),
            children,
        };
        // Duplicate attribute names: keep the richer description (the one with nested attributes).
        match fields.get(name) {
            Some(prev) if prev.children.len() >= field.children.len() => {}
            _ => {
                fields.insert(name.to_string(), field);
            }
        }
    }
    Ok(fields.into_values().collect())
}

/// Merges an agreeing copy of a parameter: the longest length limit and the first non-empty
/// description are kept.
fn merge_into(q: &mut Param, p: Param) {
    q.length = match (q.length, p.length) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    };
    if q.description.is_empty() {
        q.description = p.description;
    }
}

/// A parameter's wire name: any name the wire can carry (letters, digits, `_`, `-`, `.`); names that
/// are not Rust identifiers get an escaped identifier in generated code and keep their wire name.
fn param_name(cx: &Cx<'_>, obj: &Map<String, Value>, ptr: &str) -> Result<String, SpecError> {
    match obj.get("name") {
        Some(Value::String(s)) if !s.trim().is_empty() => {
            if s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
            {
                Ok(s.clone())
            } else {
                Err(cx.err(
                    &format!("{ptr}/name"),
                    &format!(
                        "parameter name {s:?} has characters a request cannot carry (only letters, digits, '_', '-' and '.')"
                    ),
                ))
            }
        }
        Some(Value::String(_)) | None | Some(Value::Null) => Err(cx.err(
            &format!("{ptr}/name"),
            "parameter without a name: every parameter entry needs a non-empty \"name\"",
        )),
        Some(_) => Err(cx.err(&format!("{ptr}/name"), "parameter name must be a string")),
    }
}

fn required_name(cx: &Cx<'_>, obj: &Map<String, Value>, ptr: &str, what: &str) -> Result<String, SpecError> {
    match obj.get("name") {
        Some(Value::String(s)) if !s.trim().is_empty() => {
            if s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                Ok(s.clone())
            } else {
                Err(cx.err(
                    &format!("{ptr}/name"),
                    &format!("{what} name {s:?} has characters other than ASCII letters, digits and '_'"),
                ))
            }
        }
        Some(Value::String(_)) | None | Some(Value::Null) => Err(cx.err(
            &format!("{ptr}/name"),
            &format!("{what} without a name: every {what} entry needs a non-empty \"name\""),
        )),
        Some(_) => Err(cx.err(&format!("{ptr}/name"), &format!("{what} name must be a string"))),
    }
}

fn flag(cx: &Cx<'_>, v: Option<&Value>, ptr: &str) -> Result<bool, SpecError> {
    match v {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Ok(true),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("false") || s.is_empty() => Ok(false),
        Some(_) => Err(cx.err(ptr, "expected true or false")),
    }
}

fn text(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.trim().to_string(),
        _ => String::new(),
    }
}

fn opt_text(v: Option<&Value>) -> Option<String> {
    Some(text(v)).filter(|s| !s.is_empty())
}

fn related(v: Option<&Value>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    if let Some(Value::String(s)) = v {
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            if !out.iter().any(|o| o == part) {
                out.push(part.to_string());
            }
        }
    }
    out
}
