//! List replies: visibility (own resources unless `listall`), filters (id, keyword, tags, and the
//! per-parameter rules of [`crate::filters`]), and BaseListCmd's paging rules with their exact errors.

use serde_json::{json, Value};

use crate::error::ApiErr;
use crate::filters::{Filter, DEFAULTS};
use crate::handlers::Ctx;
use crate::world::{Resource, World};

/// The page size the server uses by default and allows at most.
pub const MAX_PAGE_SIZE: i64 = 500;

/// The filters of one list call.
pub struct ListQuery {
    listall: bool,
    id: Option<String>,
    ids: Vec<String>,
    keyword: Option<String>,
    tags: Vec<(String, String)>,
    filters: Vec<(Filter, String)>,
}

impl ListQuery {
    /// Reads the filters of `cx`; a filter the simulator cannot apply is reported once in `world`.
    pub fn new(cx: &Ctx<'_>, world: &mut World) -> Self {
        let a = cx.args;
        let mut filters = Vec::new();
        for (param, filter) in &cx.def.filters {
            let given = a.get(param).map(str::to_string).or_else(|| {
                DEFAULTS
                    .iter()
                    .find(|(api, p, _)| *api == cx.def.api.name && p == param)
                    .map(|(_, _, v)| (*v).to_string())
            });
            let Some(value) = given else { continue };
            match filter {
                Filter::NotAFilter => {}
                Filter::Unapplied => {
                    world.warn_unapplied_filter(&cx.def.api.name, param);
                }
                f => filters.push((f.clone(), value)),
            }
        }
        Self {
            listall: a.flag("listall"),
            id: a.get("id").map(str::to_string),
            ids: a.list("ids"),
            keyword: a.get("keyword").map(str::to_ascii_lowercase),
            tags: a.key_values("tags").unwrap_or_default(),
            filters,
        }
    }

    /// Whether the caller sees `r` at all.
    pub fn visible(&self, r: &Resource, account: &str) -> bool {
        self.listall || r.owner.is_none() || r.owner.as_deref() == Some(account)
    }

    /// Whether `r` passes the filters.
    pub fn matches(&self, world: &World, r: &Resource) -> bool {
        if self.id.as_ref().is_some_and(|id| *id != r.id) {
            return false;
        }
        if !self.ids.is_empty() && !self.ids.contains(&r.id) {
            return false;
        }
        if let Some(k) = &self.keyword {
            let hit = ["name", "displayname", "displaytext", "description"]
                .iter()
                .filter_map(|f| r.obj.get(*f).and_then(Value::as_str))
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
        self.filters.iter().all(|(f, v)| f.accepts(&r.obj, v).unwrap_or(true))
    }
}

/// The window of a list call, as BaseListCmd computes it: (first index, page size).
///
/// The checks run in CloudStack's order: the dispatch chain's `validateSpecificParameters` first
/// (ServerApiException, cserrorcode 9999), then `getPageSize` while the command executes
/// (InvalidParameterValueException, 4350). `pagesize=0` is no error: the page is empty and the answer
/// carries the count only. A negative size other than -1 is treated the same way.
pub fn page_window(cx: &Ctx<'_>) -> Result<(usize, usize), ApiErr> {
    if cx.def.api.param("pagesize").is_none() {
        return Ok((0, usize::MAX));
    }
    let (page, size) = (cx.args.int("page"), cx.args.int("pagesize"));
    match (page, size) {
        (None, Some(s)) if s != -1 => {
            return Err(ApiErr::param(
                "\"page\" parameter is required when \"pagesize\" is specified",
            ))
        }
        (Some(_), None) => {
            return Err(ApiErr::param(
                "\"pagesize\" parameter is required when \"page\" is specified",
            ))
        }
        _ => {}
    }
    if size.is_some_and(|s| s > MAX_PAGE_SIZE) {
        return Err(ApiErr::invalid(format!(
            "Page size can't exceed max allowed page size value: {MAX_PAGE_SIZE}"
        )));
    }
    if size == Some(-1) && page.is_some() {
        return Err(ApiErr::invalid(
            "Can't specify page parameter when pagesize is -1 (Unlimited)",
        ));
    }
    let (start, size) = match size {
        None => (0, MAX_PAGE_SIZE),
        Some(-1) => (0, i64::MAX),
        Some(s) if s <= 0 => (0, 0),
        Some(s) => (s.saturating_mul(page.map_or(0, |p| (p - 1).max(0))), s),
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
