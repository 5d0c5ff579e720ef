//! Discovery for newcomers: `stackmate types [FILTER]` (what a template may use, from stack-core's
//! [`stack_core::catalog`]) and `stackmate cloud zones|templates|offerings|networks` (the ids a
//! template needs, read from the cloud), as tables or JSON.

use futures_util::TryStreamExt as _;
use serde_json::{json, Map, Value};
use stack_core::catalog::{resource_types, TypeInfo, TypeOrigin};

use crate::cli::{CloudList, Global, OutputArgs};
use crate::commands::{connection_flags, offline_release};
use crate::connection::Connection;
use crate::exit::CliError;
use crate::output::{print_json, Format};
use crate::printing::outln;

/// `name (kind)` for each property of `t`, required or not; with `updates`, what a change of it
/// does when that is not a replacement (`name (string, in place)`).
fn props(t: &TypeInfo, required: bool, updates: bool) -> Vec<String> {
    t.properties
        .iter()
        .filter(|p| p.required == required)
        .map(|p| match p.on_update.filter(|e| updates && *e != "replacement") {
            Some(effect) => format!("{} ({}, {effect})", p.name, p.kind),
            None => format!("{} ({})", p.name, p.kind),
        })
        .collect()
}

/// Lines of at most ~100 columns, `items` joined by commas, each line indented by `indent`; `-`
/// for none.
fn wrapped(items: &[String], indent: usize) -> String {
    if items.is_empty() {
        return "-".to_string();
    }
    let mut lines: Vec<String> = vec![String::new()];
    for item in items {
        let line = lines.last_mut().map_or(0, |l| l.len());
        if line > 0 && line + item.len() > 100 - indent {
            lines.push(String::new());
        }
        if let Some(l) = lines.last_mut() {
            if !l.is_empty() {
                l.push_str(", ");
            }
            l.push_str(item);
        }
    }
    lines.join(&format!(",\n{}", " ".repeat(indent)))
}

pub(crate) async fn types(g: &Global, filter: Option<&str>, out: OutputArgs) -> Result<(), CliError> {
    let (version, source) = offline_release(g).await?;
    // The CLI registers no custom types; a program that embeds the engine lists its own.
    let found = resource_types(version, &Default::default(), filter);
    if out.output == Format::Json {
        print_json(&json!({"release": version.version, "source": source, "types": found}));
        return Ok(());
    }
    if found.is_empty() {
        return Err(CliError::Invalid(format!(
            "no type of {source} matches {:?}; `stackmate types` lists them all",
            filter.unwrap_or_default()
        )));
    }
    outln!("{source}: {} types", found.len());
    for t in &found {
        let from = match &t.origin {
            TypeOrigin::CloudStack { create, delete } => format!("{create} / {delete}"),
            TypeOrigin::BuiltIn => "built in".to_string(),
            _ => "custom".to_string(),
        };
        let required = props(t, true, false);
        if filter.is_none() {
            let req = if required.is_empty() {
                "-".to_string()
            } else {
                required.join(", ")
            };
            outln!("{:<44} requires {req}", t.type_name);
            continue;
        }
        outln!("\n{}  ({from})", t.type_name);
        outln!("  required:   {}", wrapped(&props(t, true, true), 14));
        outln!("  optional:   {}", wrapped(&props(t, false, true), 14));
        outln!("  attributes: {}", wrapped(&t.attributes, 14));
    }
    if filter.is_none() {
        outln!("\n`stackmate types FILTER` shows a type's optional properties and attributes");
    } else {
        outln!("\n(in place / interruption: what an update of that property does; the others are replaced)");
    }
    Ok(())
}

/// What one `cloud` listing calls and shows.
struct Listing {
    api: &'static str,
    query: &'static [(&'static str, &'static str)],
    kind: &'static str,
    columns: &'static [&'static str],
}

fn listings(what: CloudList) -> &'static [Listing] {
    match what {
        CloudList::Zones => &[Listing {
            api: "listZones",
            query: &[],
            kind: "zone",
            columns: &["id", "name", "networktype", "allocationstate"],
        }],
        CloudList::Templates => &[Listing {
            api: "listTemplates",
            query: &[("templatefilter", "executable")],
            kind: "template",
            columns: &["id", "name", "ostypename", "zonename", "isready"],
        }],
        CloudList::Offerings => &[
            Listing {
                api: "listServiceOfferings",
                query: &[],
                kind: "service",
                columns: &["id", "name", "cpunumber", "cpuspeed", "memory"],
            },
            Listing {
                api: "listDiskOfferings",
                query: &[],
                kind: "disk",
                columns: &["id", "name", "disksize", "iscustomized"],
            },
        ],
        CloudList::Networks => &[Listing {
            api: "listNetworks",
            query: &[("listall", "true")],
            kind: "network",
            columns: &["id", "name", "type", "zonename", "state", "cidr"],
        }],
    }
}

fn cell(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => "-".to_string(),
        Some(other) => other.to_string(),
    }
}

pub(crate) async fn cloud(g: &Global, what: CloudList, out: OutputArgs) -> Result<(), CliError> {
    let conn = Connection::resolve(&connection_flags(g))?;
    let client = conn.client()?;
    // List APIs (and their paging) are the same in every release: the newest shipped one describes them.
    let release = cloudstack_api::specs::newest().map_err(|e| CliError::Invalid(e.to_string()))?;
    let mut rows: Vec<(&'static Listing, Map<String, Value>)> = Vec::new();
    for l in listings(what) {
        let meta = release
            .api(l.api)
            .ok_or_else(|| CliError::Invalid(format!("{} is not an API of CloudStack {}", l.api, release.version)))?;
        let query = l.query.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let items: Vec<Map<String, Value>> = client
            .list_all_raw(meta, query)
            .try_collect()
            .await
            .map_err(|e| CliError::from_client(&format!("{} at {}", l.api, conn.endpoint), &e))?;
        rows.extend(items.into_iter().map(|o| (l, o)));
    }
    if out.output == Format::Json {
        let items: Vec<Value> = rows
            .iter()
            .map(|(l, o)| {
                let mut m: Map<String, Value> = l
                    .columns
                    .iter()
                    .filter_map(|c| o.get(*c).map(|v| ((*c).to_string(), v.clone())))
                    .collect();
                m.insert("kind".into(), Value::String(l.kind.to_string()));
                Value::Object(m)
            })
            .collect();
        print_json(&json!({"endpoint": conn.endpoint, "items": items}));
        return Ok(());
    }
    if rows.is_empty() {
        outln!("{}: none", conn.endpoint);
        return Ok(());
    }
    for l in listings(what) {
        let mine: Vec<Vec<String>> = rows
            .iter()
            .filter(|(x, _)| std::ptr::eq(*x, l))
            .map(|(_, o)| l.columns.iter().map(|c| cell(o.get(*c))).collect())
            .collect();
        if mine.is_empty() {
            continue;
        }
        if listings(what).len() > 1 {
            outln!("{} offerings:", l.kind);
        }
        let widths: Vec<usize> = (0..l.columns.len())
            .map(|i| {
                mine.iter()
                    .map(|r| r[i].len())
                    .chain([l.columns[i].len()])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let line = |cells: Vec<String>| {
            cells
                .iter()
                .zip(&widths)
                .map(|(c, w)| format!("{c:<w$}"))
                .collect::<Vec<_>>()
                .join("  ")
                .trim_end()
                .to_string()
        };
        outln!("{}", line(l.columns.iter().map(|c| c.to_uppercase()).collect()));
        for r in mine {
            outln!("{}", line(r));
        }
    }
    Ok(())
}
