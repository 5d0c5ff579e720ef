//! Async jobs: reading a job's state. [`JobWatcher`] (in [`crate::watcher`]) resolves many in-flight
//! jobs with one `listAsyncJobs` call per poll instead of one `queryAsyncJobResult` per job.

use serde_json::Value;

use crate::decode::scalar_text;

/// The state of an async job as `queryAsyncJobResult`/`listAsyncJobs` describe it.
#[derive(Debug, Clone, PartialEq)]
pub enum JobState {
    /// `jobstatus` 0.
    Pending,
    /// `jobstatus` 1: the `jobresult`.
    Succeeded(Value),
    /// `jobstatus` 2: `jobresult.errorcode`/`errortext` (or `jobresultcode`).
    Failed {
        /// The error code.
        errorcode: u16,
        /// The error text.
        errortext: String,
    },
    /// `jobstatus` 3.
    Cancelled,
}

/// Reads a job object.
pub fn job_state(job: &Value) -> JobState {
    let status = job
        .get("jobstatus")
        .and_then(scalar_text)
        .and_then(|s| s.parse::<i64>().ok())
        .unwrap_or(0);
    let result = job.get("jobresult").cloned().unwrap_or(Value::Null);
    match status {
        0 => JobState::Pending,
        1 => JobState::Succeeded(result),
        3 => JobState::Cancelled,
        _ => {
            let code = |v: Option<&Value>| v.and_then(scalar_text).and_then(|s| s.parse::<u16>().ok());
            JobState::Failed {
                errorcode: code(result.get("errorcode"))
                    .or_else(|| code(job.get("jobresultcode")))
                    .unwrap_or(530),
                errortext: result
                    .get("errortext")
                    .and_then(scalar_text)
                    .or_else(|| result.as_str().map(str::to_string))
                    .unwrap_or_else(|| "the job failed without an error text".to_string()),
            }
        }
    }
}

#[cfg(feature = "http")]
pub use crate::watcher::{JobWatcher, WatchMode};
