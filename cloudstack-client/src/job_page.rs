//! Reading a `listAsyncJobs` page without building a JSON tree of every job.
//!
//! A poll reads up to 500 jobs, each with the full result object of its command, and needs only the
//! id and status of most of them. Rows are parsed into borrowed slices; a job's result is parsed only
//! when a waiter gets it. A reply of another shape returns `None`, and the caller reads it the generic
//! way.

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::decode::{open_envelope, scalar_text, split_list};
use crate::error::DecodeError;
use crate::jobs::{job_state, JobState};

/// One job of a page, read either way.
pub(crate) enum PageRow<'a> {
    /// Borrowed from the reply text.
    Light(JobRow<'a>),
    /// A whole job object (a reply of an unexpected shape).
    Full(Value),
}

impl PageRow<'_> {
    /// The job id.
    pub fn id(&self) -> Option<String> {
        match self {
            Self::Light(r) => r.id(),
            Self::Full(v) => v.get("jobid").and_then(scalar_text),
        }
    }

    /// Whether the job is still running.
    pub fn running(&self) -> bool {
        match self {
            Self::Light(r) => r.running(),
            Self::Full(v) => job_state(v) == JobState::Pending,
        }
    }

    /// The job object, for [`job_state`].
    pub fn to_job(&self) -> Value {
        match self {
            Self::Light(r) => r.to_job(),
            Self::Full(v) => v.clone(),
        }
    }
}

/// Reads a `listAsyncJobs` reply: the server's total and the page's rows.
pub(crate) fn read<'a>(api: &str, body: &'a str) -> Result<(Option<u64>, Vec<PageRow<'a>>), DecodeError> {
    if let Some(page) = parse(body) {
        return Ok((page.count, page.rows.into_iter().map(PageRow::Light).collect()));
    }
    let (_, inner) = open_envelope(api, body)?;
    let (count, jobs) = split_list(api, inner)?;
    Ok((
        count,
        jobs.into_iter().map(|j| PageRow::Full(Value::Object(j))).collect(),
    ))
}

/// One page: the server's total and its rows.
pub(crate) struct JobPage<'a> {
    pub count: Option<u64>,
    pub rows: Vec<JobRow<'a>>,
}

/// One job of a page, borrowed from the reply text.
#[derive(Deserialize)]
pub(crate) struct JobRow<'a> {
    #[serde(borrow, default)]
    jobid: Option<&'a RawValue>,
    #[serde(borrow, default)]
    jobstatus: Option<&'a RawValue>,
    #[serde(borrow, default)]
    jobresultcode: Option<&'a RawValue>,
    #[serde(borrow, default)]
    jobresult: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct Inner<'a> {
    #[serde(borrow, default)]
    count: Option<&'a RawValue>,
    #[serde(borrow, default)]
    asyncjobs: Option<Vec<JobRow<'a>>>,
}

/// Parses `{"listasyncjobsresponse": {"count": N, "asyncjobs": [...]}}` (any envelope name).
pub(crate) fn parse(body: &str) -> Option<JobPage<'_>> {
    let top: std::collections::BTreeMap<std::borrow::Cow<'_, str>, Inner<'_>> = serde_json::from_str(body).ok()?;
    let (_, inner) = top.into_iter().next()?;
    // Without `asyncjobs` the page is empty, or its rows sit under another name: the generic reader
    // tells which.
    Some(JobPage {
        count: inner.count.and_then(|c| scalar(c)?.parse().ok()),
        rows: inner.asyncjobs?,
    })
}

/// A raw scalar's text: a string without its quotes, or a number as written.
fn scalar(raw: &RawValue) -> Option<String> {
    match serde_json::from_str::<Value>(raw.get()).ok()? {
        Value::String(s) => Some(s),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

impl JobRow<'_> {
    /// The job id.
    pub fn id(&self) -> Option<String> {
        self.jobid.and_then(scalar)
    }

    /// Whether the job is still running (`jobstatus` 0 or missing).
    pub fn running(&self) -> bool {
        self.jobstatus
            .and_then(scalar)
            .and_then(|s| s.parse::<i64>().ok())
            .unwrap_or(0)
            == 0
    }

    /// The job as a JSON object with the fields [`crate::jobs::job_state`] reads.
    pub fn to_job(&self) -> Value {
        let mut o = Map::new();
        for (key, raw) in [
            ("jobstatus", self.jobstatus),
            ("jobresultcode", self.jobresultcode),
            ("jobresult", self.jobresult),
        ] {
            if let Some(v) = raw.and_then(|r| serde_json::from_str::<Value>(r.get()).ok()) {
                o.insert(key.into(), v);
            }
        }
        Value::Object(o)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_read_lazily_and_whole_when_asked() {
        let body = r#"{"listasyncjobsresponse":{"count":"3","asyncjobs":[
            {"jobid":"a","jobstatus":1,"jobresultcode":0,"jobresulttype":"object","jobresult":{"ipaddress":{"id":"ip-1","tags":[]}},"cmd":"x"},
            {"jobid":"b","jobstatus":"0","cmd":"y"},
            {"jobid":"c","jobstatus":2,"jobresultcode":530,"jobresult":{"errorcode":530,"errortext":"no capacity"}}]}}"#;
        let page = parse(body).expect("a job page");
        assert_eq!(page.count, Some(3));
        let ids: Vec<_> = page.rows.iter().map(|r| r.id().unwrap_or_default()).collect();
        assert_eq!(ids, ["a", "b", "c"]);
        assert_eq!(
            page.rows.iter().map(JobRow::running).collect::<Vec<_>>(),
            [false, true, false]
        );
        match job_state(&page.rows[0].to_job()) {
            JobState::Succeeded(v) => assert_eq!(v["ipaddress"]["id"], "ip-1"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            job_state(&page.rows[2].to_job()),
            JobState::Failed { errorcode: 530, .. }
        ));
    }

    #[test]
    fn empty_pages_and_other_shapes() {
        let empty = parse(r#"{"listasyncjobsresponse":{"count":0,"asyncjobs":[]}}"#).expect("an empty page");
        assert!(empty.rows.is_empty() && empty.count == Some(0));
        let (count, rows) = read("listAsyncJobs", r#"{"listasyncjobsresponse":{}}"#).expect("an empty page");
        assert!(rows.is_empty() && count.is_none());
        assert!(parse(r#"{"listasyncjobsresponse":{"count":1,"asyncjobs":{"jobid":"x"}}}"#).is_none());
        assert!(parse("not json").is_none());
    }

    #[test]
    fn other_shapes_are_read_the_generic_way() {
        // The rows under another name, ids as numbers: not the light shape, still a page.
        let body = r#"{"listasyncjobsresponse":{"count":1,"asyncjob":[{"jobid":7,"jobstatus":"1","jobresult":{}}]}}"#;
        let (count, rows) = read("listAsyncJobs", body).expect("a page");
        assert_eq!(count, Some(1));
        assert_eq!(rows[0].id().as_deref(), Some("7"));
        assert!(!rows[0].running());
        assert!(read("listAsyncJobs", "<html>").is_err());
    }
}
