//! One resource changed where it is: the properties that changed are sent to the APIs the
//! release's update table names for them ([`cloudstack_client::ParticipantSpec::update_of`]),
//! grouped by API, the resource named by its physical id. A change classified as an interruption
//! stops the resource first and starts it after (`quirks::power_cycle`). Used forwards by an
//! update and backwards by its rollback; sending the same values again is harmless, which is what
//! makes an interrupted change safe to redo.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use cloudstack_client::decode::unwrap_object;
use cloudstack_client::{ApiMeta, Error as ClientError, ParticipantSpec, UpdateEffect};
use serde_json::Value;

use crate::engine::Engine;
use crate::events::Status;
use crate::plan::Plan;
use crate::recording::intent;
use crate::resource_error::ResourceError;
use crate::retry::CallKind;
use crate::state::{IntentKind, ResourceRecord};

/// The wire entries of property `property` (`name`, or `name[0].key` for maps and lists of maps).
pub(crate) fn entries_of<'a>(wire: &'a [(String, String)], property: &str) -> Vec<&'a (String, String)> {
    let p = property.to_ascii_lowercase();
    wire.iter()
        .filter(|(k, _)| {
            let k = k.to_ascii_lowercase();
            k == p || k.strip_prefix(&p).is_some_and(|rest| rest.starts_with('['))
        })
        .collect()
}

/// Update calls by API name: the API and its wire parameters.
type Calls = BTreeMap<&'static str, (&'static ApiMeta, Vec<(String, String)>)>;

/// The calls that change `changed` properties of a `spec` resource to their values in `wanted`,
/// by API, each naming the resource by `id`.
fn calls(
    spec: &'static ParticipantSpec,
    id: &str,
    wanted: &[(String, String)],
    changed: &BTreeSet<String>,
) -> Result<(Calls, bool), ResourceError> {
    let mut by_api = Calls::new();
    let mut interrupts = false;
    for property in changed {
        let not = |why: String| ResourceError::NotUpdatable {
            property: property.clone(),
            why,
        };
        let rule = spec
            .update_of(property)
            .filter(|u| u.effect != UpdateEffect::Replacement)
            .ok_or_else(|| not("the release can only replace the resource for it".into()))?;
        let meta = rule
            .api
            .ok_or_else(|| not("the release names no API that changes it".into()))?;
        if meta.param("id").is_none() {
            return Err(not(format!("{} has no id parameter to name the resource", meta.name)));
        }
        let values = entries_of(wanted, property);
        if values.is_empty() {
            return Err(not(
                "CloudStack's update APIs cannot unset a value: give it a value, or remove and add the resource".into(),
            ));
        }
        let entry = by_api
            .entry(meta.name)
            .or_insert_with(|| (meta, vec![("id".to_string(), id.to_string())]));
        for (k, v) in values {
            let renamed = format!("{}{}", rule.param, &k[property.len().min(k.len())..]);
            entry.1.push((renamed, v.clone()));
        }
        interrupts |= rule.effect == UpdateEffect::Interruption;
    }
    Ok((by_api, interrupts))
}

impl Engine {
    /// Changes the live resource of `rec` so that its `changed` properties take their values in
    /// `wanted` (its create call's wire parameters as they are to be), written ahead: the record
    /// says `UPDATE_IN_PROGRESS` with the target parameters before the first call. Ends with the
    /// record at `done`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn change_in_place(
        &self,
        plan: &Plan,
        spec: &'static ParticipantSpec,
        rec: &mut ResourceRecord,
        wanted: Vec<(String, String)>,
        changed: &BTreeSet<String>,
        done: Status,
        timeout: Duration,
    ) -> Result<(), ResourceError> {
        let started = Instant::now();
        let left = || timeout.saturating_sub(started.elapsed());
        let id = rec.physical_id.clone().ok_or_else(|| ResourceError::NotUpdatable {
            property: changed.iter().next().cloned().unwrap_or_default(),
            why: "the resource has no physical id".into(),
        })?;
        let (by_api, interrupts) = calls(spec, &id, &wanted, changed)?;
        let cycle = crate::quirks::power_cycle(spec)
            .filter(|_| interrupts)
            .and_then(|(stop, start)| Some((plan.options.version.api(stop)?, plan.options.version.api(start)?)));
        rec.status = Status::UpdateInProgress;
        rec.create_wire = wanted;
        rec.intent = Some(intent(
            IntentKind::Update,
            by_api.keys().next().copied().unwrap_or_default(),
        ));
        self.persist(plan, rec).await?;
        let id_only = vec![("id".to_string(), id.clone())];
        if let Some((stop, _)) = cycle {
            self.send(stop, id_only.clone(), left()).await?;
        }
        for (meta, wire) in by_api.into_values() {
            let result = match self.send(meta, wire, left()).await {
                Ok(r) => r,
                Err(e) => {
                    // Not left stopped by a change that did not happen: started again, if it can be.
                    if let Some((_, start)) = cycle {
                        if let Err(s) = self.send(start, id_only.clone(), left()).await {
                            tracing::warn!(error = %s, "could not start the resource again after a failed change");
                        }
                    }
                    return Err(e.into());
                }
            };
            // The changed entity, when the API answers with it: its attributes are the new ones.
            if let Value::Object(o) = result {
                let attributes = unwrap_object(o, spec.create.fields);
                if attributes.get("id").and_then(Value::as_str) == Some(id.as_str()) {
                    rec.attributes = attributes;
                    crate::quirks::created_attributes(spec, &mut rec.attributes);
                }
            }
        }
        if let Some((_, start)) = cycle {
            self.send(start, id_only, left()).await?;
        }
        rec.status = done;
        rec.intent = None;
        rec.job_id = None;
        rec.reason = None;
        self.persist(plan, rec).await?;
        Ok(())
    }

    /// Sends one call (retried while the cloud refuses it before acting) and, for an async API,
    /// waits for its job within `time_left`.
    async fn send(
        &self,
        meta: &'static ApiMeta,
        wire: Vec<(String, String)>,
        time_left: Duration,
    ) -> Result<Value, ClientError> {
        let started = Instant::now();
        let inner = self
            .config
            .retry
            .run(CallKind::Write, time_left, || {
                self.client.call(meta.name, meta.method, wire.clone())
            })
            .await?;
        if !meta.is_async {
            return Ok(inner);
        }
        let reply = cloudstack_client::client::async_reply(meta.name, &inner)?;
        self.watcher
            .wait_for(meta.name, &reply.job_id, time_left.saturating_sub(started.elapsed()))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_vm_name_and_offering_change_go_to_their_apis_with_a_restart() {
        let release = cloudstack_api::specs::release("4.17").expect("shipped");
        let spec = release.participant("CloudStack::VirtualMachine").expect("VM");
        let wanted = vec![
            ("name".to_string(), "web2".to_string()),
            ("serviceofferingid".to_string(), "so-2".to_string()),
            ("zoneid".to_string(), "z".to_string()),
        ];
        let changed: BTreeSet<String> = ["name".to_string(), "serviceofferingid".to_string()].into();
        let (by_api, interrupts) = calls(spec, "vm-1", &wanted, &changed).expect("in place");
        assert!(interrupts);
        let names: Vec<&str> = by_api.keys().copied().collect();
        assert_eq!(names, ["changeServiceForVirtualMachine", "updateVirtualMachine"]);
        assert_eq!(
            by_api["updateVirtualMachine"].1,
            [
                ("id".to_string(), "vm-1".to_string()),
                ("name".to_string(), "web2".to_string())
            ]
        );
        // The zone of a VM can only be changed by replacing it.
        let zone: BTreeSet<String> = ["zoneid".to_string()].into();
        assert!(matches!(
            calls(spec, "vm-1", &wanted, &zone),
            Err(ResourceError::NotUpdatable { .. })
        ));
        let unset: BTreeSet<String> = ["displayname".to_string()].into();
        assert!(
            calls(spec, "vm-1", &wanted, &unset).is_err(),
            "a value cannot be unset in place"
        );
    }

    #[test]
    fn map_entries_belong_to_their_property() {
        let wire = vec![
            ("details[0].key".to_string(), "a".to_string()),
            ("detailsx".to_string(), "b".to_string()),
            ("details".to_string(), "c".to_string()),
        ];
        assert_eq!(entries_of(&wire, "Details").len(), 2);
    }
}
