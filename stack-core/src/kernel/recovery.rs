//! Finding what the cloud made when our record of it is incomplete: a create whose reply was lost
//! (the process died between sending the call and recording the reply), and a whole stack whose
//! state is gone (found by the tags the engine puts on every taggable resource).
//!
//! A lost create is looked for in this order:
//! 1. **Its async job.** CloudStack records a job before it answers, so an async create that reached
//!    the cloud has a job. `listAsyncJobs` since the intent (minus a clock-skew margin) gives the
//!    candidates; a candidate must be of the same command, not already claimed by another resource
//!    of the stack, and its result must agree with every parameter we sent that the result echoes
//!    (zone, network, name, ports, ...). Pending candidates are waited for first. The candidate made
//!    nearest the intent's time wins (another stack's look-alike, made by another process a moment
//!    later and not tagged yet, is not taken before it), and a finished one is only taken if its entity still exists (where the type's list API
//!    can tell) and carries no other stack's `cloudstack:stack-id` tag: an older look-alike of
//!    another stack, or one deleted since, is not ours.
//! 2. **Its name.** A create with a `name` parameter (made unique per stack, `<stack>-<name>`) is
//!    looked up with the type's list API.
//!
//! Nothing found means the call never reached the cloud: the engine creates the resource.
//!
//! What cannot be found after such a crash: a **synchronous** create without a `name` parameter
//! (`createSSHKeyPair` has one; most synchronous creates do). For those the engine creates the
//! resource again, and the earlier one, if it exists, is left behind; the window is one HTTP round
//! trip. Types without a list API that filters by name are in the same case. Where the cloud shows
//! such a create elsewhere, it is found there (`quirks::lost_sync_create`: a static NAT shows on its
//! address).

use std::collections::BTreeSet;
use std::time::Duration;

use cloudstack_client::decode::unwrap_object;
use cloudstack_client::{Client, ParticipantSpec};
use serde_json::{Map, Value};

use crate::plan::Plan;
use crate::retry::{RetryPolicy, RetryReason};
use crate::template::text as scalar_text;

/// How far before the recorded intent jobs are looked for (clock skew between us and the cloud).
const SKEW: Duration = Duration::from_secs(300);

/// What a lost create turned out to be.
#[derive(Debug, Clone, PartialEq)]
pub enum Lost {
    /// Its async job (maybe still running), and the entity's id when the job names it.
    Job {
        /// The job.
        job_id: String,
        /// The entity it creates.
        entity_id: Option<String>,
    },
    /// The entity itself (a synchronous create found by name).
    Entity(Value),
    /// It never reached the cloud.
    NotCreated,
}

/// `deployVirtualMachine` and `org.apache...DeployVMCmd` in one comparable form.
fn command_key(s: &str) -> String {
    let simple = s.rsplit('.').next().unwrap_or(s).to_ascii_lowercase();
    // A root admin's call runs the `...CmdByAdmin` variant of the command's class.
    let simple = simple.strip_suffix("byadmin").unwrap_or(&simple);
    let simple = simple.strip_suffix("cmd").unwrap_or(simple).to_string();
    simple
        .replace("virtualmachine", "vm")
        .replace("ipaddress", "ipaddr")
        .replace("securitygroup", "sg")
}

/// Whether a job's `cmd` is the command `api`.
pub fn same_command(job_cmd: &str, api: &str) -> bool {
    let (a, b) = (command_key(job_cmd), command_key(api));
    !a.is_empty() && (a == b || a.starts_with(&b) || b.starts_with(&a))
}

/// Whether `object`, or an object nested in it (a rule in a group's `ingressrule` list, say), agrees
/// with every sent parameter it echoes and echoes at least one.
pub fn fingerprint_matches(object: &Map<String, Value>, wire: &[(String, String)]) -> bool {
    let own = |o: &Map<String, Value>| {
        let mut compared = 0;
        for (k, v) in wire {
            if let Some(found) = o.get(&k.to_ascii_lowercase()).and_then(scalar_text) {
                if !found.eq_ignore_ascii_case(v) {
                    return false;
                }
                compared += 1;
            }
        }
        compared > 0
    };
    own(object)
        || object.values().any(|v| match v {
            Value::Object(o) => own(o),
            Value::Array(items) => items.iter().any(|i| i.as_object().is_some_and(own)),
            _ => false,
        })
}

/// Why the cloud could not be searched.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LookupError {
    /// The release has no such list API.
    #[error("{api}: not an API of CloudStack {version}")]
    NoSuchApi {
        /// The API.
        api: String,
        /// The release.
        version: String,
    },
    /// The cloud refused or failed the listing (the error names the API).
    #[error(transparent)]
    Cloud(#[from] cloudstack_client::Error),
}

/// Every item of list API `api` (paged by the client's pager).
pub(crate) async fn list_all(
    client: &Client,
    version: &cloudstack_api::Version,
    api: &str,
    wire: Vec<(String, String)>,
) -> Result<Vec<Map<String, Value>>, LookupError> {
    use futures_util::TryStreamExt as _;
    let meta = version.api(api).ok_or_else(|| LookupError::NoSuchApi {
        api: api.to_string(),
        version: version.version.to_string(),
    })?;
    Ok(client.list_all_raw(meta, wire).try_collect().await?)
}

/// What a search for a lost create must not adopt, and how long it waits.
#[derive(Debug, Clone, Copy)]
pub struct Claims<'a> {
    /// Job and entity ids the stack's records already name.
    pub claimed: &'a BTreeSet<String>,
    /// Ids adopted by searches of this process so far (one is added atomically when adopted).
    pub adopted: &'a std::sync::Mutex<BTreeSet<String>>,
    /// Pending candidates are waited for under its "not yet visible" backoff.
    pub policy: &'a RetryPolicy,
}

/// Looks for what a create whose reply was lost made (see the module docs).
pub async fn find_lost_create(
    client: &Client,
    plan: &Plan,
    spec: &'static ParticipantSpec,
    wire: &[(String, String)],
    intent_ms: u64,
    claims: Claims<'_>,
) -> Result<Lost, LookupError> {
    let Claims {
        claimed,
        adopted,
        policy,
    } = claims;
    let taken = |id: &str| {
        claimed.contains(id)
            || adopted
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .contains(id)
    };
    if spec.create.is_async {
        let since = (intent_ms / 1000).saturating_sub(SKEW.as_secs());
        let startdate = cloudstack_client::signing::format_utc(since, "+0000");
        // Pending candidates are waited for under the policy's "not yet visible" backoff.
        let budget = policy.not_yet_visible.budget.unwrap_or(Duration::from_secs(600));
        let mut attempts = policy.attempts(budget);
        loop {
            let jobs = list_all(
                client,
                plan.options.version,
                "listAsyncJobs",
                vec![("startdate".into(), startdate.clone())],
            )
            .await?;
            let candidates: Vec<&Map<String, Value>> = jobs
                .iter()
                .filter(|j| {
                    j.get("cmd")
                        .and_then(Value::as_str)
                        .is_some_and(|c| same_command(c, spec.create.name))
                })
                .filter(|j| j.get("jobid").and_then(scalar_text).is_some_and(|id| !taken(&id)))
                .collect();
            let pending = candidates
                .iter()
                .any(|j| j.get("jobstatus").and_then(scalar_text).as_deref() == Some("0"));
            if pending {
                if let Some(wait) = attempts.wait_after(Some((RetryReason::NotYetVisible, None))) {
                    tokio::time::sleep(wait).await;
                    continue;
                }
            }
            // Nearest to the intent first: the lost create was sent right after its intent was
            // recorded, so a look-alike made well before or after it (another stack's, in another
            // process, whose tags may not be on yet) is tried only when nothing nearer matches. Jobs
            // without a readable time come last, newest first.
            let intent_s = i64::try_from(intent_ms / 1000).unwrap_or(i64::MAX);
            let mut candidates: Vec<(usize, &Map<String, Value>)> = candidates.into_iter().enumerate().collect();
            candidates.sort_by_key(|(i, j)| {
                let created = j
                    .get("created")
                    .and_then(Value::as_str)
                    .and_then(cloudstack_client::signing::parse_utc)
                    .and_then(|t| i64::try_from(t).ok());
                (
                    created.map_or(i64::MAX, |t| (t - intent_s).abs()),
                    std::cmp::Reverse(*i),
                )
            });
            for (_, job) in candidates {
                let Some(Value::Object(result)) = job.get("jobresult") else {
                    continue;
                };
                let object = unwrap_object(result.clone(), spec.create.fields);
                let id = object.get("id").and_then(scalar_text);
                if !fingerprint_matches(&object, wire) {
                    continue;
                }
                let job_id = job.get("jobid").and_then(scalar_text).unwrap_or_default();
                let entity = job.get("jobinstanceid").and_then(scalar_text).or_else(|| id.clone());
                if job.get("jobstatus").and_then(scalar_text).as_deref() == Some("1") {
                    if let Some(entity) = &entity {
                        // An older look-alike (another stack's, or one deleted since) is not ours.
                        if !could_be_ours(client, plan, spec, entity).await {
                            continue;
                        }
                    }
                }
                // Claimed atomically: two lost creates of one kind never adopt the same job.
                if !adopted
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .insert(job_id.clone())
                    || claimed.contains(&job_id)
                {
                    continue;
                }
                // The job's entity is the reply's id (async creates), not the result's wrapper id.
                return Ok(Lost::Job {
                    job_id,
                    entity_id: entity,
                });
            }
            break;
        }
    }
    if !spec.create.is_async {
        if let Some(result) = crate::quirks::lost_sync_create(client, spec, wire).await {
            return Ok(Lost::Entity(result));
        }
    }
    let Some(name) = wire.iter().find(|(k, _)| k == "name").map(|(_, v)| v.clone()) else {
        return Ok(Lost::NotCreated);
    };
    let Some(list_api) = list_api_of(plan.options.version, spec) else {
        return Ok(Lost::NotCreated);
    };
    let mut query = vec![("listall".to_string(), "true".to_string())];
    if list_api.param("name").is_some() {
        query.push(("name".into(), name.clone()));
    } else if list_api.param("keyword").is_some() {
        query.push(("keyword".into(), name.clone()));
    }
    let items = list_all(client, plan.options.version, list_api.name, query).await?;
    Ok(items
        .into_iter()
        .find(|o| {
            o.get("name").and_then(Value::as_str) == Some(name.as_str())
                && o.get("id").and_then(scalar_text).is_some_and(|id| {
                    !taken(&id)
                        && adopted
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner)
                            .insert(id.clone())
                })
        })
        .map_or(Lost::NotCreated, |o| Lost::Entity(Value::Object(o))))
}

/// Entity `id` as its type's list API answers for it, with that API (its fields name what an
/// answer holds): `None` when the type has no list API with an `id` filter; `Ok(None)` when the
/// entity is not there (CloudStack lists a removed entity's id as empty and refuses an id that
/// never existed with a parameter error); `Err` when the list call failed for another reason.
pub(crate) async fn entity_by_id(
    client: &Client,
    version: &'static cloudstack_api::Version,
    spec: &ParticipantSpec,
    id: &str,
) -> Option<(
    &'static cloudstack_client::ApiMeta,
    Result<Option<Map<String, Value>>, cloudstack_client::Error>,
)> {
    use futures_util::TryStreamExt as _;
    let list_api = entity_list_api(version, spec).filter(|a| a.param("id").is_some())?;
    let query = vec![
        ("id".to_string(), id.to_string()),
        ("listall".to_string(), "true".to_string()),
    ];
    let found: Result<Vec<Map<String, Value>>, _> = client.list_all_raw(list_api, query).try_collect().await;
    let answer = match found {
        Ok(items) => Ok(items
            .into_iter()
            .find(|o| o.get("id").and_then(scalar_text).as_deref() == Some(id))),
        Err(e) if e.kind() == cloudstack_client::FailureKind::InvalidRequest => Ok(None),
        Err(e) => Err(e),
    };
    Some((list_api, answer))
}

/// Whether the type's list API shows entity `id`: `None` when it cannot tell (no list API with an
/// `id` filter, or the list call failed) ([`entity_by_id`]).
pub(crate) async fn entity_listed(client: &Client, plan: &Plan, spec: &ParticipantSpec, id: &str) -> Option<bool> {
    match entity_by_id(client, plan.options.version, spec, id).await? {
        (_, Ok(found)) => Some(found.is_some()),
        (_, Err(_)) => None,
    }
}

/// Whether the entity a finished look-alike job made can be the one a lost create of this stack
/// made: it still exists (where the type's list API tells), and it carries no other stack's tag.
/// When a check cannot be made (no list API, a failing call) it does not rule the entity out.
async fn could_be_ours(client: &Client, plan: &Plan, spec: &ParticipantSpec, entity: &str) -> bool {
    if entity_listed(client, plan, spec, entity).await == Some(false) {
        return false;
    }
    let Some(rtype) = spec.tag_resource_type else {
        return true;
    };
    match crate::tagging::stack_ids_on(client, rtype, entity).await {
        Some(ids) => ids.iter().all(|v| *v == plan.options.stack_id),
        None => true,
    }
}

/// The list API of the entity a participant makes: the type's own ([`list_api_of`]) or its tag
/// resource type's (`PublicIpAddress` -> `listPublicIpAddresses`).
pub(crate) fn entity_list_api(
    version: &'static cloudstack_api::Version,
    spec: &ParticipantSpec,
) -> Option<&'static cloudstack_client::ApiMeta> {
    list_api_of(version, spec).or_else(|| {
        let noun = spec.tag_resource_type?;
        plural_list_names(noun).iter().find_map(|n| version.api_ignore_case(n))
    })
}

/// `list<Noun>s`, `list<Noun>es`, `list<Noun>` and `list<Nou>ies`.
fn plural_list_names(noun: &str) -> Vec<String> {
    let mut names = vec![format!("list{noun}s"), format!("list{noun}es"), format!("list{noun}")];
    if let Some(stem) = noun.strip_suffix('y') {
        names.push(format!("list{stem}ies"));
    }
    names
}

/// The list API of a participant's type: `createSecurityGroup` -> `listSecurityGroups`.
pub fn list_api_of(
    version: &'static cloudstack_api::Version,
    spec: &ParticipantSpec,
) -> Option<&'static cloudstack_client::ApiMeta> {
    let noun = spec.type_name.strip_prefix("CloudStack::").unwrap_or(spec.type_name);
    plural_list_names(noun).iter().find_map(|n| version.api_ignore_case(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_match_their_classes() {
        assert!(same_command(
            "org.apache.cloudstack.api.command.user.address.AssociateIPAddrCmd",
            "associateIpAddress"
        ));
        assert!(same_command(
            "org.apache.cloudstack.api.command.user.vm.DeployVMCmd",
            "deployVirtualMachine"
        ));
        assert!(same_command(
            "org.apache.cloudstack.api.command.deployVirtualMachineCmd",
            "deployVirtualMachine"
        ));
        assert!(same_command(
            "org.apache.cloudstack.api.command.admin.vm.DeployVMCmdByAdmin",
            "deployVirtualMachine"
        ));
        assert!(!same_command(
            "org.apache.cloudstack.api.command.user.vm.DestroyVMCmd",
            "deployVirtualMachine"
        ));
        assert!(!same_command(
            "org.apache.cloudstack.api.command.admin.vm.DestroyVMCmdByAdmin",
            "deployVirtualMachine"
        ));
    }

    #[test]
    fn fingerprints_compare_echoed_parameters() {
        let o: Map<String, Value> = serde_json::from_str(r#"{"id": "x", "zoneid": "Z", "name": "s-web"}"#).unwrap();
        let wire = |z: &str| vec![("zoneid".to_string(), z.to_string()), ("name".into(), "s-web".into())];
        assert!(fingerprint_matches(&o, &wire("Z")));
        assert!(!fingerprint_matches(&o, &wire("other")));
        let group: Map<String, Value> = serde_json::from_str(
            r#"{"id": "g", "ingressrule": [{"ruleid": "r", "startport": 22, "protocol": "tcp"}]}"#,
        )
        .unwrap();
        let rule = |port: &str| {
            vec![
                ("startport".to_string(), port.to_string()),
                ("securitygroupid".into(), "g".into()),
            ]
        };
        assert!(fingerprint_matches(&group, &rule("22")));
        assert!(!fingerprint_matches(&group, &rule("80")));
    }
}
