//! The curated table of `map` parameter wire shapes (`data/map-shapes.toml`).

use std::collections::BTreeMap;

use serde::Deserialize;

/// How a map parameter's input becomes `name[i].field=value` wire parameters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum MapShape {
    /// Each (K, V) pair is one entry with the two named fields.
    Pairs {
        /// Field for K.
        key: String,
        /// Field for V.
        value: String,
    },
    /// All pairs are fields of entry 0.
    Flat,
    /// A list of entries with free fields.
    Entries,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ShapeDef {
    shape: String,
    #[serde(default)]
    fields: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TableFile {
    default: ShapeDef,
    #[serde(default)]
    param: BTreeMap<String, ShapeDef>,
    #[serde(default)]
    api: BTreeMap<String, BTreeMap<String, ShapeDef>>,
}

/// The map shape table.
#[derive(Debug, Clone)]
pub struct MapShapes {
    default: MapShape,
    by_param: BTreeMap<String, MapShape>,
    by_api: BTreeMap<(String, String), MapShape>,
}

/// The built-in table's text.
pub const BUILTIN: &str = include_str!("../data/map-shapes.toml");

impl MapShapes {
    /// The table shipped with the generator.
    pub fn builtin() -> Result<Self, crate::error::TableError> {
        Self::from_toml(BUILTIN).map_err(|e| e.in_table("data/map-shapes.toml"))
    }

    /// Parses a table.
    pub fn from_toml(text: &str) -> Result<Self, crate::error::TableError> {
        Self::read(text).map_err(crate::error::TableError::of_text)
    }

    fn read(text: &str) -> Result<Self, String> {
        let file: TableFile = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut by_api = BTreeMap::new();
        for (api, params) in file.api {
            for (param, def) in params {
                let shape = convert(&def).map_err(|e| format!("[api.{api}.{param}]: {e}"))?;
                by_api.insert((api.clone(), param), shape);
            }
        }
        let mut by_param = BTreeMap::new();
        for (param, def) in file.param {
            by_param.insert(
                param.clone(),
                convert(&def).map_err(|e| format!("[param.{param}]: {e}"))?,
            );
        }
        Ok(Self {
            default: convert(&file.default).map_err(|e| format!("[default]: {e}"))?,
            by_param,
            by_api,
        })
    }

    /// The shape of parameter `param` of command `api`.
    pub fn shape(&self, api: &str, param: &str) -> &MapShape {
        self.by_api
            .get(&(api.to_string(), param.to_string()))
            .or_else(|| self.by_param.get(param))
            .unwrap_or(&self.default)
    }
}

fn convert(def: &ShapeDef) -> Result<MapShape, String> {
    match (def.shape.as_str(), def.fields.as_slice()) {
        ("pairs", [k, v]) => Ok(MapShape::Pairs {
            key: k.clone(),
            value: v.clone(),
        }),
        ("pairs", _) => Err("shape \"pairs\" needs fields = [key, value]".into()),
        ("flat", []) => Ok(MapShape::Flat),
        ("entries", []) => Ok(MapShape::Entries),
        ("flat" | "entries", _) => Err(format!("shape {:?} takes no fields", def.shape)),
        (other, _) => Err(format!("unknown shape {other:?}; use pairs, flat or entries")),
    }
}
