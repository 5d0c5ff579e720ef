//! Wait conditions: a handle is a URL of the signal server; a condition waits there for `Count`
//! success signals within `Timeout` seconds and exposes what they sent as `Data`.

use std::time::Duration;

use serde_json::{Map, Value};

use crate::plan::Plan;
use crate::resource_error::ResourceError;
use crate::signals::SignalServer;
use crate::state::ResourceRecord;

/// Makes a handle: its physical id is its URL.
pub(crate) fn create_handle(signals: &SignalServer, plan: &Plan, rec: &mut ResourceRecord) {
    rec.physical_id = Some(signals.new_handle(&plan.options.stack_id));
}

/// Waits for the condition's signals.
pub(crate) async fn wait(
    signals: &SignalServer,
    plan: &Plan,
    logical: &str,
    props: &Map<String, Value>,
    rec: &mut ResourceRecord,
) -> Result<(), ResourceError> {
    let url = props
        .get("Handle")
        .and_then(Value::as_str)
        .ok_or(ResourceError::NoHandle)?
        .to_string();
    let num = |k: &str, d: u64| {
        props
            .get(k)
            .and_then(|v| v.as_str().map_or_else(|| v.as_u64(), |s| s.parse().ok()))
            .unwrap_or(d)
    };
    let (count, timeout) = (num("Count", 1) as usize, Duration::from_secs(num("Timeout", 600)));
    let data = signals.wait(&url, count, timeout).await?;
    rec.physical_id = Some(format!("{}-{logical}", plan.options.stack_name));
    rec.attributes.insert("Data".into(), Value::String(data.to_string()));
    Ok(())
}

/// Deletes a handle (a condition has nothing to delete).
pub(crate) fn delete_handle(signals: &SignalServer, physical_id: &str) {
    signals.remove_handle(physical_id);
}
