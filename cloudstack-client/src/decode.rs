//! Lenient decoding of CloudStack replies into generated response types.
//!
//! Real servers drift from their own descriptions: ids come as numbers or strings, booleans as `"true"`,
//! fields go missing, single objects arrive wrapped in their object name or not. The functions here accept
//! all of that. A value that does not fit its declared type is not an error: it stays in the response's
//! `extra` map, together with every attribute the description does not know, so nothing is lost.

use serde_json::{Map, Value};

use crate::error::DecodeError;

/// A JSON object.
pub type Object = Map<String, Value>;

/// A generated response type, built from one JSON object.
pub trait FromObject: Sized {
    /// The attribute names the type knows, sorted. Used to tell a flat reply from a wrapped one.
    const FIELDS: &'static [&'static str];

    /// Builds the value, taking the known attributes out of `object` and keeping the rest.
    fn from_object(object: Object) -> Self;
}

/// A type that can be decoded from the value inside a reply's envelope (or an async job's `jobresult`).
pub trait Decode: Sized {
    /// Decodes `inner`; `api` names the command in errors.
    fn decode(api: &str, inner: Value) -> Result<Self, DecodeError>;
}

impl<T: FromObject> Decode for T {
    fn decode(api: &str, inner: Value) -> Result<Self, DecodeError> {
        match inner {
            Value::Object(o) => Ok(T::from_object(unwrap_object(o, T::FIELDS))),
            Value::Null => Ok(T::from_object(Object::new())),
            other => Err(DecodeError::new(api, "expected a JSON object", &other.to_string())),
        }
    }
}

/// One page of a list API's reply.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct List<T> {
    /// The server's `count`: the total number of matches, not the length of this page. `None` when the
    /// reply had no count (an empty list).
    pub count: Option<u64>,
    /// The items of this page.
    pub items: Vec<T>,
}

impl<T: FromObject> Decode for List<T> {
    fn decode(api: &str, inner: Value) -> Result<Self, DecodeError> {
        let (count, objects) = split_list(api, inner)?;
        Ok(Self {
            count,
            items: objects.into_iter().map(T::from_object).collect(),
        })
    }
}

impl Decode for Value {
    fn decode(_api: &str, inner: Value) -> Result<Self, DecodeError> {
        Ok(inner)
    }
}

/// Splits a list reply into its `count` and its item objects.
///
/// Accepts `{}` (empty), `{"count":5}` (a page past the end), `{"count":N,"<anyname>":[...]}` and, for the
/// few list APIs that answer with one object, `{"<name>":{...}}` as a single item.
pub fn split_list(api: &str, inner: Value) -> Result<(Option<u64>, Vec<Object>), DecodeError> {
    let mut obj = match inner {
        Value::Object(o) => o,
        Value::Null => return Ok((None, Vec::new())),
        other => return Err(DecodeError::new(api, "expected a list object", &other.to_string())),
    };
    let count = obj.remove("count").as_ref().and_then(to_u64);
    let array_key = obj.iter().find(|(_, v)| v.is_array()).map(|(k, _)| k.clone());
    let items = match array_key.and_then(|k| obj.remove(&k)) {
        Some(Value::Array(items)) => items
            .into_iter()
            .filter_map(|v| match v {
                Value::Object(o) => Some(o),
                _ => None,
            })
            .collect(),
        _ => obj
            .into_iter()
            .filter_map(|(_, v)| match v {
                Value::Object(o) => Some(o),
                _ => None,
            })
            .take(1)
            .collect(),
    };
    Ok((count, items))
}

/// Returns the object a reply describes: the single object nested in `inner` when `inner` is a wrapper
/// (`{"securitygroup":{...}}`, or `{"ipaddress":{...}}` where `ipaddress` is also an attribute name), else
/// `inner` itself (flat replies, job and success replies).
pub fn unwrap_object(inner: Object, fields: &[&str]) -> Object {
    let is_job_field = |k: &str| k == "jobid" || k == "jobstatus";
    let knows = |o: &Object| {
        o.keys()
            .any(|k| !is_job_field(k) && fields.binary_search(&k.as_str()).is_ok())
    };
    let mut entries = inner.iter().filter(|(k, _)| !is_job_field(k));
    let single = match (entries.next(), entries.next()) {
        (Some((k, Value::Object(o))), None) => Some((k.clone(), o.is_empty() || knows(o) || !knows(&inner))),
        _ => None,
    };
    match single {
        Some((key, true)) => {
            let mut inner = inner;
            match inner.remove(&key) {
                Some(Value::Object(o)) => o,
                _ => inner,
            }
        }
        _ => inner,
    }
}

/// Parses a reply body and returns the envelope name and the value inside it
/// (`{"listzonesresponse":{...}}` -> (`listzonesresponse`, `{...}`)).
pub fn open_envelope(api: &str, body: &str) -> Result<(String, Value), DecodeError> {
    let value: Value =
        serde_json::from_str(body).map_err(|e| DecodeError::new(api, format!("the reply is not JSON ({e})"), body))?;
    let Value::Object(mut top) = value else {
        return Err(DecodeError::new(api, "the reply is not a JSON object", body));
    };
    let key = if top.len() == 1 {
        top.keys().next().cloned()
    } else {
        top.keys().find(|k| k.ends_with("response")).cloned()
    };
    match key.and_then(|k| top.remove(&k).map(|v| (k, v))) {
        Some(pair) => Ok(pair),
        None => Err(DecodeError::new(
            api,
            "the reply has no `<command>response` envelope",
            body,
        )),
    }
}

fn to_u64(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The text of a scalar (string, number or boolean); `None` for arrays, objects and null.
pub(crate) fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn to_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

fn to_i64(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|x| x.fract() == 0.0 && x.abs() < 9.0e15)
                .map(|x| x as i64)
        }),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn to_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Takes `key` out of `o` when `convert` accepts its value; otherwise leaves it in place.
fn take_with<T>(o: &mut Object, key: &str, convert: fn(&Value) -> Option<T>) -> Option<T> {
    let out = convert(o.get(key)?)?;
    o.remove(key);
    Some(out)
}

/// A text attribute (numbers and booleans are accepted and written out).
pub fn take_string(o: &mut Object, key: &str) -> Option<String> {
    take_with(o, key, scalar_text)
}

/// A boolean attribute (`true`, `"true"`, `"TRUE"`, ...).
pub fn take_bool(o: &mut Object, key: &str) -> Option<bool> {
    take_with(o, key, to_bool)
}

/// An integer attribute (a number or a numeric string).
pub fn take_i64(o: &mut Object, key: &str) -> Option<i64> {
    take_with(o, key, to_i64)
}

/// A float attribute (a number or a numeric string).
pub fn take_f64(o: &mut Object, key: &str) -> Option<f64> {
    take_with(o, key, to_f64)
}

/// Any JSON value, as is.
pub fn take_value(o: &mut Object, key: &str) -> Option<Value> {
    o.remove(key).filter(|v| !v.is_null())
}

fn array_of<T>(v: &Value, item: fn(&Value) -> Option<T>) -> Option<Vec<T>> {
    match v {
        Value::Array(a) => a.iter().map(item).collect(),
        // A lone scalar where a list was described: a list of one.
        other => item(other).map(|x| vec![x]),
    }
}

/// A list of texts.
pub fn take_strings(o: &mut Object, key: &str) -> Option<Vec<String>> {
    take_with(o, key, |v| array_of(v, scalar_text))
}

/// A list of integers.
pub fn take_i64s(o: &mut Object, key: &str) -> Option<Vec<i64>> {
    take_with(o, key, |v| array_of(v, to_i64))
}

/// A list of floats.
pub fn take_f64s(o: &mut Object, key: &str) -> Option<Vec<f64>> {
    take_with(o, key, |v| array_of(v, to_f64))
}

/// Nested objects (a `set`/`list` with described items). A single object counts as a list of one; a
/// value of any other shape is left in place.
pub fn take_objects<T: FromObject>(o: &mut Object, key: &str) -> Vec<T> {
    let items: Vec<Object> = match o.get(key) {
        Some(Value::Array(a)) if a.iter().all(Value::is_object) => match o.remove(key) {
            Some(Value::Array(a)) => a
                .into_iter()
                .filter_map(|v| match v {
                    Value::Object(m) => Some(m),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        },
        Some(Value::Object(_)) => match o.remove(key) {
            Some(Value::Object(m)) => vec![m],
            _ => Vec::new(),
        },
        _ => Vec::new(),
    };
    items.into_iter().map(T::from_object).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Object {
        match v {
            Value::Object(o) => o,
            _ => Object::new(),
        }
    }

    #[test]
    fn unwraps_when_the_wrapper_name_is_also_a_field() {
        // associateIpAddress: {"ipaddress":{"id":..,"ipaddress":"203.0.113.5"}}, and `ipaddress` is a field.
        let fields = ["id", "ipaddress", "state"];
        let inner = obj(json!({"ipaddress": {"id": "x", "ipaddress": "203.0.113.5"}}));
        assert_eq!(unwrap_object(inner, &fields).get("id"), Some(&json!("x")));
        let flat = obj(json!({"id": "x", "ipaddress": "203.0.113.5", "jobid": "j"}));
        assert_eq!(
            unwrap_object(flat, &fields).get("ipaddress"),
            Some(&json!("203.0.113.5"))
        );
        let wrapped = obj(json!({"securitygroup": {"id": "g"}, "jobstatus": 1}));
        assert_eq!(unwrap_object(wrapped, &fields).get("id"), Some(&json!("g")));
        let success = obj(json!({"success": true}));
        assert!(unwrap_object(success, &["displaytext", "success"]).contains_key("success"));
    }
}
