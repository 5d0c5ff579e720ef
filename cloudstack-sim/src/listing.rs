//! List replies: visibility (own resources unless `listall`), filters (id, name, keyword, tags and any
//! parameter that names an attribute), and BaseListCmd's paging rules with their exact errors.

use serde_json::{json, Value};

use crate::error::ApiErr;
use crate::handlers::Ctx;
use crate::world::{Resource, World};

/// The page size the server uses by default and allows at most.
pub const MAX_PAGE_SIZE: i64 = 500;

/// Parameters that are not attribute filters.
const NOT_FILTERS: &[&str] = &[
    "page",
    "pagesize",
    "keyword",
    "listall",
    "isrecursive",
    "tags",
    "templatefilter",
    "isofilter",
    "details",
    "showicon",
    "showremoved",
    "fordisplay",
    "available",
    "domainid",
    "account",
    "projectid",
    "id",
    "ids",
    "name",
];

/// The filters of one list call.
pub struct ListQuery {
    listall: bool,
    id: Option<String>,
    ids: Vec<String>,
    name: Option<String>,
    keyword: Option<String>,
    tags: Vec<(String, String)>,
    attrs: Vec<(String, String)>,
}

impl ListQuery {
    /// Reads the filters of `cx`.
    pub fn new(cx: &Ctx<'_>) -> Self {
        let a = cx.args;
        Self {
            listall: a.flag("listall"),
            id: a.get("id").map(str::to_string),
            ids: a.list("ids"),
            name: a.get("name").map(str::to_string),
            keyword: a.get("keyword").map(str::to_ascii_lowercase),
            tags: a.key_values("tags").unwrap_or_default(),
            attrs: a
                .declared_scalars(cx.def)
                .into_iter()
                .filter(|(k, _)| !NOT_FILTERS.contains(&k.as_str()))
                .collect(),
        }
    }

    /// Whether the caller sees `r` at all.
    pub fn visible(&self, r: &Resource, account: &str) -> bool {
        self.listall || r.owner.is_none() || r.owner.as_deref() == Some(account)
    }

    /// Whether `r` passes the filters.
    pub fn matches(&self, world: &World, r: &Resource) -> bool {
        let text = |k: &str| {
            r.obj
                .get(k)
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
        };
        if self.id.as_ref().is_some_and(|id| *id != r.id) {
            return false;
        }
        if !self.ids.is_empty() && !self.ids.contains(&r.id) {
            return false;
        }
        if self
            .name
            .as_ref()
            .is_some_and(|n| text("name").as_deref() != Some(n.as_str()))
        {
            return false;
        }
        if let Some(k) = &self.keyword {
            let hit = ["name", "displayname", "displaytext", "description"]
                .iter()
                .filter_map(|f| text(f))
                .any(|t| t.to_ascii_lowercase().contains(k.as_str()));
            if !hit {
                return false;
            }
        }
        for (k, v) in &self.tags {
            let has = world
                .tags
                .of(&r.id)
                .any(|t| t.key.eq_ignore_ascii_case(k) && t.value.eq_ignore_ascii_case(v));
            if !has {
                return false;
            }
        }
        for (k, v) in &self.attrs {
            match text(k) {
                Some(t) if t.eq_ignore_ascii_case(v) => {}
                Some(_) => return false,
                None if k.ends_with("id") => return false,
                None => {}
            }
        }
        true
    }
}

/// The window of a list call, as BaseListCmd computes it: (first index, page size).
pub fn page_window(cx: &Ctx<'_>) -> Result<(usize, usize), ApiErr> {
    if cx.def.api.param("pagesize").is_none() {
        return Ok((0, usize::MAX));
    }
    let (start, size) = match (cx.args.int("page"), cx.args.int("pagesize")) {
        (None, None) => (0, MAX_PAGE_SIZE),
        (Some(_), None) => {
            return Err(ApiErr::invalid(
                "\"pagesize\" parameter is required when \"page\" is specified",
            ))
        }
        (Some(_), Some(-1)) => {
            return Err(ApiErr::invalid(
                "Can't specify page parameter when pagesize is -1 (Unlimited)",
            ))
        }
        (None, Some(-1)) => (0, i64::MAX),
        (None, Some(_)) => {
            return Err(ApiErr::invalid(
                "\"page\" parameter is required when \"pagesize\" is specified",
            ))
        }
        (Some(_), Some(s)) if s > MAX_PAGE_SIZE => {
            return Err(ApiErr::invalid(format!(
                "Page size can't exceed max allowed page size value: {MAX_PAGE_SIZE}"
            )))
        }
        (Some(_), Some(s)) if s <= 0 => {
            return Err(ApiErr::invalid(format!("Page size must be a positive number: {s}")))
        }
        (Some(p), Some(s)) => (s.saturating_mul((p - 1).max(0)), s),
    };
    Ok((
        usize::try_from(start).unwrap_or(usize::MAX),
        usize::try_from(size).unwrap_or(usize::MAX),
    ))
}

/// The reply for one page: `{}` when nothing matches, `{"count":N}` past the end, else the items.
pub fn page_reply(key: &str, total: usize, page_items: Vec<Value>) -> Value {
    match (total, page_items.is_empty()) {
        (0, _) => json!({}),
        (_, true) => json!({"count": total}),
        _ => {
            // Built by hand: `json!` would copy every item through the serializer.
            let mut o = serde_json::Map::new();
            o.insert("count".into(), total.into());
            o.insert(key.into(), Value::Array(page_items));
            Value::Object(o)
        }
    }
}

/// A list reply of `items` under `key`, paged as BaseListCmd pages.
pub fn list_reply(cx: &Ctx<'_>, key: &str, items: Vec<Value>) -> Result<Value, ApiErr> {
    let (start, size) = page_window(cx)?;
    let total = items.len();
    Ok(page_reply(
        key,
        total,
        items.into_iter().skip(start).take(size).collect(),
    ))
}
