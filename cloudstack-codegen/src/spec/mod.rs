//! The listApis dump model and its tolerant loader.
//!
//! Real dumps come in several shapes (bare or wrapped in `listapisresponse`, with empty `{}` entries in
//! `response` arrays, nested `response` arrays, missing optional keys, a parameter listed twice). The
//! loader accepts all of them and normalises them into [`ApiSpec`]; what it normalised is reported in
//! [`ApiSpec::warnings`], each with its JSON pointer. It rejects, with the file name and the JSON
//! pointer of the exact member: an empty `api` array, an API or parameter without a name, a parameter
//! without a `type`, an API listed twice or two whose names differ only in case (the server dispatches
//! commands ignoring case), a parameter listed twice with another type or `required`, parameter names a
//! request cannot carry, and nesting deeper than [`MAX_DEPTH`]. Parameter names that are not Rust
//! identifiers (`user-data`) keep their wire name and get an escaped identifier in generated code. It
//! never panics on any input (`cargo xtask fuzz dump`). The same loader serves the generator, run-time
//! releases (`cloudstack_api::Version::load`) and the simulator.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

mod read;

use read::{parse_api, Cx};

/// A whole listApis dump, normalised: APIs sorted by name, parameters sorted by name and de-duplicated.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiSpec {
    /// Where the dump came from (a file path or a label such as `<memory>`), used in messages.
    pub source: String,
    /// The `facts` header when the document is a facts spec ([`crate::facts`]); `None` for a dump.
    pub header: Option<crate::facts::Header>,
    /// What the loader accepted but a reader should know (repeated parameters), each with its pointer.
    pub warnings: Vec<SpecWarning>,
    /// Every API of the dump, sorted by name.
    pub apis: Vec<Api>,
}

/// One API (command) of a dump.
#[derive(Debug, Clone, PartialEq)]
pub struct Api {
    /// Command name as sent on the wire, e.g. `deployVirtualMachine`.
    pub name: String,
    /// Description from the dump (empty when missing).
    pub description: String,
    /// Whether the command runs as an async job.
    pub is_async: bool,
    /// The `since` version string, unnormalised, when present.
    pub since: Option<String>,
    /// Related API names (de-duplicated, in dump order).
    pub related: Vec<String>,
    /// Parameters sorted by name, duplicates merged.
    pub params: Vec<Param>,
    /// Response fields (for list APIs: the fields of one item), empty entries dropped, sorted by name.
    pub response: Vec<ResponseField>,
}

/// One request parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    /// Parameter name exactly as the server expects it (e.g. `zoneid`, `domainId`).
    pub name: String,
    /// Description from the dump.
    pub description: String,
    /// The declared type.
    pub kind: ParamType,
    /// Whether the server requires it.
    pub required: bool,
    /// Maximum length for strings (the server's `@Parameter.length`), when the dump says.
    pub length: Option<u32>,
    /// The `since` version string, when present.
    pub since: Option<String>,
    /// APIs that produce values for this parameter (e.g. `listZones` for `zoneid`).
    pub related: Vec<String>,
}

/// The declared type of a request parameter (`params[].type`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ParamType {
    /// `boolean`
    Boolean,
    /// `short`
    Short,
    /// `integer`
    Integer,
    /// `long`
    Long,
    /// `float`
    Float,
    /// `double`
    Double,
    /// `uuid`
    Uuid,
    /// `date`
    Date,
    /// `tzdate`
    TzDate,
    /// `list` (comma-joined on the wire)
    List,
    /// `map` (indexed `name[i].field=value` on the wire)
    Map,
    /// `string`
    String,
    /// `object` and any type this loader does not know: sent as text.
    Other(String),
}

impl ParamType {
    /// Parses the dump's type string (case-insensitive); unknown names become [`ParamType::Other`].
    pub fn parse(s: &str) -> Self {
        match s.to_ascii_lowercase().as_str() {
            "boolean" => Self::Boolean,
            "short" => Self::Short,
            "integer" | "int" => Self::Integer,
            "long" => Self::Long,
            "float" => Self::Float,
            "double" | "bigdecimal" => Self::Double,
            "uuid" => Self::Uuid,
            "date" => Self::Date,
            "tzdate" => Self::TzDate,
            "list" => Self::List,
            "map" => Self::Map,
            "string" => Self::String,
            other => Self::Other(other.to_string()),
        }
    }

    /// The dump's spelling of this type.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Boolean => "boolean",
            Self::Short => "short",
            Self::Integer => "integer",
            Self::Long => "long",
            Self::Float => "float",
            Self::Double => "double",
            Self::Uuid => "uuid",
            Self::Date => "date",
            Self::TzDate => "tzdate",
            Self::List => "list",
            Self::Map => "map",
            Self::String => "string",
            Self::Other(s) => s,
        }
    }
}

impl fmt::Display for ParamType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One response attribute, possibly with nested attributes (`set`/`list` of objects).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResponseField {
    /// Attribute name as the server writes it.
    pub name: String,
    /// The declared type, lowercased (`string`, `long`, `set`, `list`, `map`, `resourceiconresponse`, ...).
    pub kind: String,
    /// Description from the dump.
    pub description: String,
    /// Nested attributes when the dump describes the items of a `set` or `list`.
    pub children: Vec<ResponseField>,
}

/// Something the loader accepted and normalised, at its JSON pointer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecWarning {
    /// JSON pointer into the dump.
    pub pointer: String,
    /// What was found and what the loader did with it.
    pub message: String,
}

/// Why a dump could not be loaded. Every variant names the file; malformation also names the JSON pointer.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    /// The file could not be read.
    #[error("cannot read listApis dump {path}: {source}. Check the path and its permissions.")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The file is not JSON.
    #[error("{source_name}: not valid JSON at line {line}, column {column}: {message}. Save the raw output of `listApis` with `response=json`.")]
    Json {
        /// The file or label.
        source_name: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The parser's message.
        message: String,
    },
    /// The JSON does not have the shape of a listApis dump.
    #[error("{source_name}: {pointer}: {message}")]
    Malformed {
        /// The file or label.
        source_name: String,
        /// JSON pointer to the offending value (`""` for the document root).
        pointer: String,
        /// What is wrong and what to do.
        message: String,
    },
}

/// Loads and normalises a dump from a file.
pub fn load_file(path: &Path) -> Result<ApiSpec, SpecError> {
    let bytes = std::fs::read(path).map_err(|source| SpecError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    load_slice(&bytes, &path.display().to_string())
}

/// The deepest nesting of objects and arrays a dump may have.
pub const MAX_DEPTH: usize = 64;

/// Loads and normalises a dump from memory; `source_name` appears in error messages.
pub fn load_slice(bytes: &[u8], source_name: &str) -> Result<ApiSpec, SpecError> {
    // Real dumps nest about 10 levels (listApis describes responses three deep); the parser's own limit
    // is 128 and would give no pointer.
    crate::depth::check(bytes, MAX_DEPTH).map_err(|d| SpecError::Malformed {
        source_name: source_name.to_string(),
        pointer: d.pointer,
        message: format!(
            "nested deeper than {MAX_DEPTH} levels of objects and arrays (at line {}); no listApis dump does that",
            d.line
        ),
    })?;
    let value: Value = serde_json::from_slice(bytes).map_err(|e| SpecError::Json {
        source_name: source_name.to_string(),
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })?;
    from_value(&value, source_name)
}

/// Normalises an already parsed dump.
pub fn from_value(root: &Value, source_name: &str) -> Result<ApiSpec, SpecError> {
    let cx = Cx { source_name };
    let root_obj = root.as_object().ok_or_else(|| {
        cx.err(
            "",
            "the document is not a JSON object; expected {\"api\":[...]} or {\"listapisresponse\":{\"api\":[...]}}",
        )
    })?;
    let (container, base) = match root_obj.get("listapisresponse") {
        Some(inner) => (
            inner
                .as_object()
                .ok_or_else(|| cx.err("/listapisresponse", "expected an object holding the `api` array"))?,
            "/listapisresponse",
        ),
        None => (root_obj, ""),
    };
    let api_ptr = format!("{base}/api");
    let apis_json = match container.get("api") {
        Some(Value::Array(a)) if a.is_empty() => {
            return Err(cx.err(
                &api_ptr,
                "the dump lists no APIs; save listApis as an admin account, which sees every API",
            ))
        }
        Some(Value::Array(a)) => a,
        Some(_) => return Err(cx.err(&api_ptr, "`api` must be an array of API objects")),
        None => {
            return Err(cx.err(
                base,
                "no `api` array: this is not a listApis dump (save the output of `listApis` with `response=json`)",
            ))
        }
    };
    let mut by_name: BTreeMap<String, Api> = BTreeMap::new();
    // Lowercased name -> (name, pointer): the server dispatches commands ignoring case.
    let mut seen: BTreeMap<String, (String, String)> = BTreeMap::new();
    let mut warnings = Vec::new();
    for (i, item) in apis_json.iter().enumerate() {
        let ptr = format!("{api_ptr}/{i}");
        let api = parse_api(&cx, item, &ptr, &mut warnings)?;
        if let Some((other, at)) = seen.get(&api.name.to_ascii_lowercase()) {
            let message = if *other == api.name {
                format!("API {:?} is listed twice (first at {at})", api.name)
            } else {
                format!(
                    "API {:?} differs only in case from {other:?} (at {at}); the server dispatches commands ignoring case, so one would shadow the other",
                    api.name
                )
            };
            return Err(cx.err(&format!("{ptr}/name"), &message));
        }
        seen.insert(api.name.to_ascii_lowercase(), (api.name.clone(), ptr));
        by_name.insert(api.name.clone(), api);
    }
    let header = crate::facts::header(root).map_err(|e| cx.err(&e.pointer, &e.message))?;
    Ok(ApiSpec {
        source: source_name.to_string(),
        header,
        warnings,
        apis: by_name.into_values().collect(),
    })
}

impl ApiSpec {
    /// Copies the descriptions of `full` (the same release's complete dump) into this spec, matching APIs,
    /// parameters and response fields by name. Nothing else changes, so code generated from the result
    /// has the same items as code generated from the facts alone, with documentation added.
    pub fn merge_descriptions(&mut self, full: &ApiSpec) {
        for api in &mut self.apis {
            let Some(src) = full.api(&api.name) else { continue };
            api.description.clone_from(&src.description);
            for p in &mut api.params {
                if let Some(sp) = src.param(&p.name) {
                    p.description.clone_from(&sp.description);
                }
            }
            merge_field_descriptions(&mut api.response, &src.response);
        }
    }

    /// Looks an API up by its exact name.
    pub fn api(&self, name: &str) -> Option<&Api> {
        self.apis
            .binary_search_by(|a| a.name.as_str().cmp(name))
            .ok()
            .map(|i| &self.apis[i])
    }
}

fn merge_field_descriptions(into: &mut [ResponseField], from: &[ResponseField]) {
    for f in into {
        if let Some(src) = from.iter().find(|s| s.name == f.name) {
            f.description.clone_from(&src.description);
            merge_field_descriptions(&mut f.children, &src.children);
        }
    }
}

impl Api {
    /// Looks a parameter up by its exact name.
    pub fn param(&self, name: &str) -> Option<&Param> {
        self.params.iter().find(|p| p.name == name)
    }

    /// Looks a top-level response attribute up by its exact name.
    pub fn response_field(&self, name: &str) -> Option<&ResponseField> {
        self.response.iter().find(|f| f.name == name)
    }
}
