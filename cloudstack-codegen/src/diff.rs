//! Differences between two dumps: APIs and parameters added, removed and changed.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use crate::spec::{Api, ApiSpec, Param};

/// What changed between two dumps.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SpecDiff {
    /// APIs only in the new dump.
    pub added_apis: Vec<String>,
    /// APIs only in the old dump.
    pub removed_apis: Vec<String>,
    /// APIs in both whose description changed in a way that matters to callers.
    pub changed_apis: Vec<ApiChange>,
}

/// Changes to one API.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApiChange {
    /// Command name.
    pub api: String,
    /// Human-readable changes, one per line (`+ param zoneid (uuid, required)`, ...).
    pub changes: Vec<String>,
}

/// Compares `old` with `new`.
pub fn diff(old: &ApiSpec, new: &ApiSpec) -> SpecDiff {
    let old_names: BTreeSet<&str> = old.apis.iter().map(|a| a.name.as_str()).collect();
    let new_names: BTreeSet<&str> = new.apis.iter().map(|a| a.name.as_str()).collect();
    let mut out = SpecDiff {
        added_apis: new_names.difference(&old_names).map(|s| s.to_string()).collect(),
        removed_apis: old_names.difference(&new_names).map(|s| s.to_string()).collect(),
        changed_apis: Vec::new(),
    };
    for name in old_names.intersection(&new_names) {
        if let (Some(a), Some(b)) = (old.api(name), new.api(name)) {
            let changes = api_changes(a, b);
            if !changes.is_empty() {
                out.changed_apis.push(ApiChange {
                    api: name.to_string(),
                    changes,
                });
            }
        }
    }
    out
}

fn describe(p: &Param) -> String {
    let mut s = format!("{}", p.kind);
    if p.required {
        s.push_str(", required");
    }
    if let Some(l) = p.length {
        let _ = write!(s, ", length {l}");
    }
    s
}

fn api_changes(a: &Api, b: &Api) -> Vec<String> {
    let mut changes = Vec::new();
    if a.is_async != b.is_async {
        changes.push(format!("~ isasync {} -> {}", a.is_async, b.is_async));
    }
    for p in &b.params {
        match a.param(&p.name) {
            None => changes.push(format!("+ param {} ({})", p.name, describe(p))),
            Some(q) => {
                if q.kind != p.kind {
                    changes.push(format!("~ param {} type {} -> {}", p.name, q.kind, p.kind));
                }
                if q.required != p.required {
                    let what = if p.required {
                        "optional -> required"
                    } else {
                        "required -> optional"
                    };
                    changes.push(format!("~ param {} {what}", p.name));
                }
                if q.length != p.length {
                    let show = |l: Option<u32>| l.map_or("none".to_string(), |v| v.to_string());
                    changes.push(format!(
                        "~ param {} length {} -> {}",
                        p.name,
                        show(q.length),
                        show(p.length)
                    ));
                }
            }
        }
    }
    for q in &a.params {
        if b.param(&q.name).is_none() {
            changes.push(format!("- param {} ({})", q.name, describe(q)));
        }
    }
    for f in &b.response {
        if a.response_field(&f.name).is_none() {
            changes.push(format!("+ response {} ({})", f.name, f.kind));
        }
    }
    for f in &a.response {
        if b.response_field(&f.name).is_none() {
            changes.push(format!("- response {} ({})", f.name, f.kind));
        }
    }
    changes
}

impl SpecDiff {
    /// A plain-text report.
    pub fn render(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "{} APIs added, {} removed, {} changed",
            self.added_apis.len(),
            self.removed_apis.len(),
            self.changed_apis.len()
        );
        for a in &self.added_apis {
            let _ = writeln!(s, "+ {a}");
        }
        for a in &self.removed_apis {
            let _ = writeln!(s, "- {a}");
        }
        for c in &self.changed_apis {
            let _ = writeln!(s, "~ {}", c.api);
            for line in &c.changes {
                let _ = writeln!(s, "    {line}");
            }
        }
        s
    }
}
