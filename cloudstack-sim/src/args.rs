//! Request parameters as the server reads them: names case-insensitive, the first value of a repeated
//! name, `name[i].field=value` maps, and the parameter checks of ParamProcessWorker with its exact
//! error codes and texts.

use std::collections::{BTreeMap, HashMap};

use cloudstack_codegen::spec::ParamType;

use crate::error::ApiErr;
use crate::registry::ApiDef;
use crate::world::World;

/// The decoded parameters of one request.
#[derive(Debug, Clone, Default)]
pub struct Args {
    values: HashMap<String, String>,
    maps: HashMap<String, BTreeMap<i64, Vec<(String, String)>>>,
}

fn malformed(name: &str) -> ApiErr {
    ApiErr::malformed(format!(
        "Unable to decode parameter {name}; if specifying an object array, please use parameter[index].field=XXX, e.g. userGroupList[0].group=httpGroup"
    ))
}

impl Args {
    /// Decodes raw parameters (names lowercased for lookup; map field names keep their case).
    pub fn parse(params: &[(String, String)]) -> Result<Self, ApiErr> {
        let mut args = Self::default();
        for (name, value) in params {
            match name.find('[') {
                None => {
                    args.values
                        .entry(name.to_ascii_lowercase())
                        .or_insert_with(|| value.clone());
                }
                Some(open) => {
                    let base = name[..open].to_ascii_lowercase();
                    let rest = &name[open + 1..];
                    let close = rest.find(']').ok_or_else(|| malformed(name))?;
                    let index: i64 = rest[..close].parse().map_err(|_| malformed(name))?;
                    let field = rest[close + 1..].strip_prefix('.').ok_or_else(|| malformed(name))?;
                    if field.is_empty() || field.contains(['[', ']']) || rest[..close].contains('.') {
                        return Err(malformed(name));
                    }
                    let entry = args.maps.entry(base).or_default().entry(index).or_default();
                    if !entry.iter().any(|(f, _)| f == field) {
                        entry.push((field.to_string(), value.clone()));
                    }
                }
            }
        }
        Ok(args)
    }

    /// A scalar parameter.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str).filter(|v| !v.is_empty())
    }

    /// `Boolean.valueOf`: only `true` (any case) is true.
    pub fn flag(&self, name: &str) -> bool {
        self.get(name).is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }

    /// An integer parameter (already validated).
    pub fn int(&self, name: &str) -> Option<i64> {
        self.get(name).and_then(|v| v.trim().parse().ok())
    }

    /// A list parameter split like StringTokenizer(","): empty items dropped.
    pub fn list(&self, name: &str) -> Vec<String> {
        self.get(name)
            .map(|v| {
                v.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// A map parameter's entries in index order.
    pub fn entries(&self, name: &str) -> Vec<Vec<(String, String)>> {
        self.maps
            .get(name)
            .map(|m| m.values().cloned().collect())
            .unwrap_or_default()
    }

    /// `tags[i].key`/`tags[i].value` pairs (a missing value is an error, as TaggedResources says).
    pub fn key_values(&self, name: &str) -> Result<Vec<(String, String)>, ApiErr> {
        let mut out = Vec::new();
        for entry in self.entries(name) {
            let get = |f: &str| {
                entry
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(f))
                    .map(|(_, v)| v.clone())
            };
            let key = get("key").unwrap_or_default();
            match get("value") {
                Some(v) => out.push((key, v)),
                None => return Err(ApiErr::invalid(format!("No value is passed in for key {key}"))),
            }
        }
        Ok(out)
    }

    /// Every scalar parameter that the API declares, by its declared name, for storing on a resource.
    pub fn declared_scalars(&self, def: &ApiDef) -> Vec<(String, String)> {
        def.api
            .params
            .iter()
            .filter(|p| p.kind != ParamType::Map)
            .filter_map(|p| {
                self.get(&p.name.to_ascii_lowercase())
                    .map(|v| (p.name.to_ascii_lowercase(), v.to_string()))
            })
            .collect()
    }

    /// Whether any value at all was given for `name` (scalar or map).
    pub fn has(&self, name: &str) -> bool {
        self.values.contains_key(name) || self.maps.contains_key(name)
    }
}

fn is_date(v: &str, with_time: bool) -> bool {
    let b = v.as_bytes();
    let day = b.len() >= 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b[..4].iter().chain(&b[5..7]).chain(&b[8..10]).all(u8::is_ascii_digit);
    match b.len() {
        10 => day,
        19 if with_time => day && b[10] == b' ' && b[13] == b':' && b[16] == b':',
        _ => false,
    }
}

/// Checks `args` against the command's parameters, as ParamProcessWorker does.
pub fn validate(def: &ApiDef, args: &Args, world: &World) -> Result<(), ApiErr> {
    let lc = def.api.name.to_ascii_lowercase();
    for p in &def.api.params {
        if p.required && !args.has(&p.name.to_ascii_lowercase()) {
            return Err(ApiErr::param(format!(
                "Unable to execute API command {lc} due to missing parameter {}",
                p.name
            )));
        }
    }
    let dated = matches!(
        lc.as_str(),
        "listevents" | "deleteevents" | "archiveevents" | "archivealerts" | "deletealerts"
    ) || lc.contains("usage");
    for p in &def.api.params {
        let Some(value) = args.values.get(&p.name.to_ascii_lowercase()) else {
            continue;
        };
        if value.chars().any(|c| c.is_ascii_control()) {
            return Err(ApiErr::param(format!(
                "Received value containing illegal ASCII non-printable characters for parameter {}",
                p.name
            )));
        }
        let bad_value = || {
            ApiErr::param(format!(
                "Unable to execute API command {lc} due to invalid value {value} for parameter {}",
                p.name
            ))
        };
        let missing_entity = |v: &str| {
            ApiErr::param(format!(
                "Unable to execute API command {lc} due to invalid value. Invalid parameter {} value={v} due to incorrect long value format, or entity does not exist or due to incorrect parameter annotation for the field in api cmd class.",
                p.name
            ))
        };
        match &p.kind {
            // Integer.valueOf / Short.valueOf / Long.valueOf: no spaces, and the Java type's range.
            ParamType::Integer if !value.trim().is_empty() && value.parse::<i32>().is_err() => {
                return Err(bad_value());
            }
            ParamType::Short if !value.trim().is_empty() && value.parse::<i16>().is_err() => {
                return Err(bad_value());
            }
            ParamType::Long if !value.trim().is_empty() && value.parse::<i64>().is_err() => {
                return Err(bad_value());
            }
            ParamType::Float | ParamType::Double
                if !value.trim().is_empty() && value.trim().parse::<f64>().is_err() =>
            {
                return Err(bad_value());
            }
            ParamType::Uuid if value != "-1" && !world.exists(value) => return Err(missing_entity(value)),
            ParamType::List if p.name.ends_with("ids") => {
                for item in value.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                    if !world.exists(item) {
                        return Err(missing_entity(item));
                    }
                }
            }
            ParamType::Date if !is_date(value, dated) => {
                return Err(ApiErr::param(format!(
                    "Unable to parse date {value} for command {lc}, please pass dates in the format mentioned in the api documentation"
                )));
            }
            ParamType::String | ParamType::Other(_) => {
                let limit = p.length.unwrap_or(255) as usize;
                if value.encode_utf16().count() > limit {
                    return Err(ApiErr::param(format!(
                        "Unable to execute API command {lc} due to invalid value. Value greater than max allowed length {limit} for param: {}",
                        p.name
                    )));
                }
            }
            _ => {}
        }
    }
    Ok(())
}
