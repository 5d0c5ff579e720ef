//! Facts specs: a listApis dump with its prose taken out, small enough to commit and ship in a crate.
//!
//! A facts spec is itself a listApis dump (`{"listapisresponse":{"count":N,"api":[...]}}`), so the
//! same loader reads both. It keeps what code and engines need: API names, the async flag, `since` and
//! `related`; for each parameter its name, type, required flag, length, `since` and `related`; for each
//! response field its name, type and nested fields. It drops every `description` (that text belongs to
//! the CloudStack project) and the empty `{}` entries real dumps contain. A header object, `facts`,
//! says which release it describes and which dump it was made from.
//!
//! The text is canonical: [`render`] of a spec loaded from a facts file gives that file back byte for
//! byte, so its sha256 ([`Facts::sha256`]) identifies the API surface whatever formatting or prose the
//! original dump had. One API per line keeps diffs between releases readable.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::manifest::sha256_hex;
use crate::spec::{ApiSpec, ResponseField};

/// The facts format this crate writes and reads.
pub const FORMAT: u32 = 1;

/// The `facts` header of a facts spec.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Header {
    /// [`FORMAT`].
    pub format: u32,
    /// The CloudStack release, e.g. `4.17`.
    pub version: String,
    /// sha256 of the dump the facts were taken from (empty when unknown).
    #[serde(default)]
    pub dump_sha256: String,
    /// Where the facts came from and where the full text can be had.
    #[serde(default)]
    pub note: String,
}

/// A spec in canonical facts form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    /// The canonical text.
    pub text: String,
    /// Lowercase hex sha256 of [`Facts::text`].
    pub sha256: String,
}

/// The note every facts file carries.
pub fn note(version: &str) -> String {
    format!(
        "API facts of CloudStack {version} (names, types, flags, lengths, response fields), extracted by \
         `cargo xtask spec-import`. Descriptions are left out: they are in the release's own listApis \
         output and API documentation (https://cloudstack.apache.org/api.html)."
    )
}

/// Renders `spec` as a facts spec with `header`.
pub fn render(spec: &ApiSpec, header: &Header) -> Facts {
    let mut text = String::with_capacity(spec.apis.len() * 1800);
    let header_json = serde_json::to_string(header).unwrap_or_else(|_| "{}".into());
    text.push_str(&format!(
        "{{\"facts\":{header_json},\n\"listapisresponse\":{{\"count\":{},\"api\":[\n",
        spec.apis.len()
    ));
    for (i, api) in spec.apis.iter().enumerate() {
        let mut o = Map::new();
        o.insert("name".into(), json!(api.name));
        o.insert("isasync".into(), json!(api.is_async));
        if let Some(s) = &api.since {
            o.insert("since".into(), json!(s));
        }
        if !api.related.is_empty() {
            o.insert("related".into(), json!(api.related.join(",")));
        }
        let params: Vec<Value> = api
            .params
            .iter()
            .map(|p| {
                let mut po = Map::new();
                po.insert("name".into(), json!(p.name));
                po.insert("type".into(), json!(p.kind.as_str()));
                po.insert("required".into(), json!(p.required));
                if let Some(l) = p.length {
                    po.insert("length".into(), json!(l));
                }
                if let Some(s) = &p.since {
                    po.insert("since".into(), json!(s));
                }
                if !p.related.is_empty() {
                    po.insert("related".into(), json!(p.related.join(",")));
                }
                Value::Object(po)
            })
            .collect();
        o.insert("params".into(), Value::Array(params));
        o.insert("response".into(), fields(&api.response));
        text.push_str(&Value::Object(o).to_string());
        text.push_str(if i + 1 < spec.apis.len() { ",\n" } else { "\n" });
    }
    text.push_str("]}}\n");
    let sha256 = sha256_hex(text.as_bytes());
    Facts { text, sha256 }
}

fn fields(list: &[ResponseField]) -> Value {
    Value::Array(
        list.iter()
            .map(|f| {
                let mut o = Map::new();
                o.insert("name".into(), json!(f.name));
                o.insert("type".into(), json!(f.kind));
                if !f.children.is_empty() {
                    o.insert("response".into(), fields(&f.children));
                }
                Value::Object(o)
            })
            .collect(),
    )
}

/// The `facts` header of a document, if it has one (a plain listApis dump has none).
pub fn header(root: &Value) -> Result<Option<Header>, crate::error::FactsError> {
    match root.get("facts") {
        None => Ok(None),
        Some(v) => {
            let h: Header = serde_json::from_value(v.clone()).map_err(|e| crate::error::FactsError {
                pointer: "/facts".into(),
                message: e.to_string(),
            })?;
            if h.format != FORMAT {
                return Err(crate::error::FactsError {
                    pointer: "/facts/format".into(),
                    message: format!(
                        "this is facts format {}, this build reads format {FORMAT}; re-import the dump \
                         with `cargo xtask spec-import`",
                        h.format
                    ),
                });
            }
            Ok(Some(h))
        }
    }
}

/// The header for facts of release `version` taken from a dump with sha256 `dump_sha256`.
pub fn header_for(version: &str, dump_sha256: &str) -> Header {
    Header {
        format: FORMAT,
        version: version.to_string(),
        dump_sha256: dump_sha256.to_string(),
        note: note(version),
    }
}
