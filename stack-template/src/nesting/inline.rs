//! Reading a template's nested templates (the only I/O of nesting): every `TemplateURL` read,
//! recursively, and put in the template as its `TemplateBody`, with cycles and the depth limit
//! checked here, where the files and URLs are known.

use std::path::PathBuf;

use serde_json::Value;

use super::is_stack_type;
use crate::limits::Limits;
use crate::problem::{segment, Problem, Problems};
use crate::template::Template;
use crate::BoxFuture;

/// Where a template was read from: what a nested `TemplateURL` is relative to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A file.
    File(PathBuf),
    /// An `http(s)` URL.
    Url(String),
    /// Text with no place (relative `TemplateURL`s are then relative to the working directory).
    Inline,
}

impl Location {
    /// Where `url` (a `TemplateURL`) points, seen from this template.
    pub fn join(&self, url: &str) -> Location {
        if url.starts_with("http://") || url.starts_with("https://") {
            return Location::Url(url.to_string());
        }
        if let Some(path) = url.strip_prefix("file://") {
            return Location::File(PathBuf::from(path));
        }
        match self {
            Location::File(p) if !url.starts_with('/') => {
                Location::File(p.parent().map_or_else(|| PathBuf::from(url), |d| d.join(url)))
            }
            Location::Url(base) if !url.starts_with('/') => {
                let dir = base.rsplit_once('/').map_or(base.as_str(), |(d, _)| d);
                Location::Url(format!("{dir}/{url}"))
            }
            _ => Location::File(PathBuf::from(url)),
        }
    }

    /// How messages name it.
    pub fn shown(&self) -> String {
        match self {
            Location::File(p) => p
                .file_name()
                .map_or_else(|| p.display().to_string(), |n| n.to_string_lossy().into_owned()),
            Location::Url(u) => u.clone(),
            Location::Inline => "the template".into(),
        }
    }

    /// Its lexical form, which names it in cycle checks (a fetcher may give a better one).
    pub fn lexical_key(&self) -> String {
        match self {
            Location::File(p) => p.display().to_string(),
            Location::Url(u) => u.clone(),
            Location::Inline => String::new(),
        }
    }
}

/// Why a nested template could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FetchError {
    /// A file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// A URL could not be fetched (no connection, a timeout, a broken answer).
    #[error("cannot fetch {url}: {source}")]
    Fetch {
        /// The URL.
        url: String,
        /// What the HTTP client said.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A URL answered with an error status.
    #[error("{url} answered HTTP {status}")]
    Status {
        /// The URL.
        url: String,
        /// The HTTP status.
        status: u16,
    },
    /// The template is larger than a template may be.
    #[error("it is {size} bytes, over the template limit of {limit}")]
    TooLarge {
        /// Its size.
        size: usize,
        /// The limit ([`Limits::template_bytes`]).
        limit: usize,
    },
    /// The template has no place that a relative `TemplateURL` could be read from.
    #[error("there is no place to read it from")]
    NoPlace,
    /// This fetcher reads nothing from there (a service that reads no files for its callers).
    #[error("{why}")]
    Refused {
        /// Why, for a person.
        why: String,
    },
}

/// Reads nested templates (files, URLs): a port of the planning layer. stack-core's `Fetcher`
/// reads files and `http(s)` URLs; a service that reads nothing for its callers refuses.
pub trait TemplateFetcher: Send + Sync {
    /// The bytes at `at`, at most `limit` of them.
    fn fetch<'a>(&'a self, at: &'a Location, limit: usize) -> BoxFuture<Result<Vec<u8>, FetchError>>;

    /// What names `at` in cycle checks: two locations with the same key are one template. The
    /// default is the location as written; a file fetcher gives the canonical path.
    fn key(&self, at: &Location) -> String {
        at.lexical_key()
    }
}

/// A future borrowing what it is given (the recursion of [`inline`]).
type Local<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

/// `text` (read from `at`) with every nested `TemplateURL` read and put in as its `TemplateBody`;
/// the text itself when it nests nothing to read. Every problem carries the nesting path.
pub async fn inline(
    text: &str,
    at: &Location,
    fetch: &dyn TemplateFetcher,
    limits: &Limits,
) -> Result<String, Problems> {
    Ok(prepare(text.as_bytes(), at, fetch, limits).await?.text)
}

/// A template made ready to plan, read once: its text with every nested template put in (what a
/// stack's state keeps and a queued operation carries) and its model.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The text: as given when it nests nothing to read, else the template with its nested
    /// templates in place (JSON).
    pub text: String,
    /// The template read from it.
    pub template: Template,
}

/// Reads template `bytes` (from `at`) once: its structure checked within `limits`, then every
/// nested `TemplateURL` read through `fetch` and put in as its `TemplateBody`. A template whose
/// structure is wrong fetches nothing. Every problem carries the nesting path.
pub async fn prepare(
    bytes: &[u8],
    at: &Location,
    fetch: &dyn TemplateFetcher,
    limits: &Limits,
) -> Result<Prepared, Problems> {
    let value = crate::template::read(bytes, limits).map_err(|p| Problems(vec![p]))?;
    let template = crate::template::from_value_with(&value, limits).map_err(Problems)?;
    let mut problems = Vec::new();
    let chain = vec![(fetch.key(at), at.shown())];
    let (value, changed) = inline_value(value, at.clone(), fetch, limits, String::new(), chain, 1, &mut problems).await;
    if !problems.is_empty() {
        return Err(Problems(problems));
    }
    if !changed {
        return Ok(Prepared {
            text: String::from_utf8_lossy(bytes).into_owned(),
            template,
        });
    }
    // The nested templates are in: the whole is held to the limits of a stored template (the
    // caller's limits held each part).
    let template = crate::template::from_value_with(&value, &Limits::for_stored()).map_err(Problems)?;
    let text = serde_json::to_string_pretty(&value).map_err(|e| Problems(vec![Problem::new("", e.to_string())]))?;
    Ok(Prepared { text, template })
}

/// Template `v` (read from `at`, nested `depth` levels, its problems' pointers starting with
/// `chain_ptr`) with its nested stacks' `TemplateURL`s read; whether anything was. `chain` holds
/// the templates that include it, to refuse a cycle.
#[allow(clippy::too_many_arguments)]
fn inline_value<'a>(
    mut v: Value,
    at: Location,
    fetch: &'a dyn TemplateFetcher,
    limits: &'a Limits,
    chain_ptr: String,
    chain: Vec<(String, String)>,
    depth: usize,
    problems: &'a mut Vec<Problem>,
) -> Local<'a, (Value, bool)> {
    Box::pin(async move {
        let mut changed = false;
        let Some(resources) = v.get_mut("Resources").and_then(Value::as_object_mut) else {
            return (v, false);
        };
        for (name, r) in resources.iter_mut() {
            if !r.get("Type").and_then(Value::as_str).is_some_and(is_stack_type) {
                continue;
            }
            let ptr = format!("{chain_ptr}/Resources/{}", segment(name));
            let Some(props) = r.get_mut("Properties").and_then(Value::as_object_mut) else {
                continue;
            };
            if depth > limits.stack_depth {
                problems.push(super::too_deep(&ptr, depth, limits));
                continue;
            }
            let url = match (props.get("TemplateURL"), props.get("TemplateBody")) {
                (Some(Value::String(u)), None) => u.clone(),
                (Some(_), Some(_)) => {
                    problems.push(Problem::new(
                        format!("{ptr}/Properties"),
                        "a nested stack has TemplateURL or TemplateBody, not both",
                    ));
                    continue;
                }
                (Some(_), None) => {
                    problems.push(Problem::new(
                        format!("{ptr}/Properties/TemplateURL"),
                        "TemplateURL is a string",
                    ));
                    continue;
                }
                (None, Some(Value::Object(_))) => {
                    // An inline template may nest others, relative to this one.
                    let body = props.remove("TemplateBody").unwrap_or_default();
                    let inner_ptr = format!("{ptr}/Properties/TemplateBody: ");
                    let (body, inner) = inline_value(
                        body,
                        at.clone(),
                        fetch,
                        limits,
                        inner_ptr,
                        chain.clone(),
                        depth + 1,
                        &mut *problems,
                    )
                    .await;
                    props.insert("TemplateBody".into(), body);
                    changed |= inner;
                    continue;
                }
                _ => continue,
            };
            let url_ptr = format!("{ptr}/Properties/TemplateURL");
            let loc = at.join(&url);
            let key = fetch.key(&loc);
            if chain.iter().any(|(k, _)| *k == key) {
                let path: Vec<&str> = chain.iter().map(|(_, s)| s.as_str()).chain([url.as_str()]).collect();
                problems.push(
                    Problem::new(&url_ptr, format!("the template includes itself: {}", path.join(" -> ")))
                        .hint("a nested stack cannot contain the template that contains it"),
                );
                continue;
            }
            let bytes = match fetch.fetch(&loc, limits.template_bytes).await {
                Ok(b) => b,
                Err(e) => {
                    problems.push(Problem::new(
                        &url_ptr,
                        format!("cannot read the nested template {url}: {e}"),
                    ));
                    continue;
                }
            };
            let child_ptr = format!("{url_ptr} -> {url}: ");
            let child = match crate::template::read(&bytes, limits) {
                Ok(c) => c,
                Err(p) => {
                    problems.push(Problem {
                        pointer: format!("{child_ptr}{}", p.pointer),
                        ..p
                    });
                    continue;
                }
            };
            let mut inner_chain = chain.clone();
            inner_chain.push((key, url.clone()));
            let (child, _) = inline_value(
                child,
                loc,
                fetch,
                limits,
                child_ptr,
                inner_chain,
                depth + 1,
                &mut *problems,
            )
            .await;
            props.insert("TemplateBody".into(), child);
            changed = true;
        }
        (v, changed)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;
    use std::sync::Mutex;

    /// Templates by location, and what was asked for.
    struct Served(BTreeMap<String, String>, Mutex<Vec<String>>);

    impl TemplateFetcher for Served {
        fn fetch<'a>(&'a self, at: &'a Location, _limit: usize) -> BoxFuture<Result<Vec<u8>, FetchError>> {
            let key = match at {
                Location::Url(u) => u.clone(),
                Location::File(p) => p.display().to_string(),
                Location::Inline => String::new(),
            };
            self.1.lock().expect("log").push(key.clone());
            let found = self.0.get(&key).cloned();
            Box::pin(async move {
                found.map(String::into_bytes).ok_or(FetchError::Refused {
                    why: format!("no {key}"),
                })
            })
        }
    }

    #[tokio::test]
    async fn urls_resolve_against_their_parent_and_bodies_are_put_in() {
        let child = r#"{"Resources": {"G": {"Type": "CloudStack::SecurityGroup", "Properties": {"name": "g"}}}}"#;
        let served = Served(
            [("https://h.example/t/app/child.json".to_string(), child.to_string())].into(),
            Mutex::default(),
        );
        let root =
            r#"{"Resources": {"C": {"Type": "CloudStack::Stack", "Properties": {"TemplateURL": "app/child.json"}}}}"#;
        let at = Location::Url("https://h.example/t/root.json".into());
        let text = inline(root, &at, &served, &Limits::default()).await.expect("inlined");
        let v: Value = serde_json::from_str(&text).expect("json");
        assert_eq!(
            v["Resources"]["C"]["Properties"]["TemplateBody"]["Resources"]["G"]["Properties"]["name"],
            "g"
        );
        assert_eq!(
            served.1.lock().expect("log").as_slice(),
            ["https://h.example/t/app/child.json"]
        );
        // A template that nests nothing comes back as it was.
        let plain = r#"{"Resources": {"G": {"Type": "CloudStack::SecurityGroup"}}}"#;
        assert_eq!(
            inline(plain, &at, &served, &Limits::default()).await.expect("same"),
            plain
        );
        // What cannot be read is a problem at its TemplateURL.
        let missing = root.replace("app/child.json", "gone.json");
        let problems = inline(&missing, &at, &served, &Limits::default())
            .await
            .expect_err("refused");
        assert_eq!(problems.0[0].pointer, "/Resources/C/Properties/TemplateURL");
        assert_eq!(
            Location::File("/a/b/root.json".into()).join("file:///x/y.json"),
            Location::File("/x/y.json".into())
        );
        assert_eq!(
            Location::File("/a/b/root.json".into()).join("c/d.json"),
            Location::File("/a/b/c/d.json".into())
        );
    }
}
