//! A stack found by its tags, for a stack whose state is gone: what carries its tags in the cloud
//! ([`Engine::survey_tags`]), whether a run may still be making it ([`TagSurvey::live_signs`]), and
//! deleting it (how StackMate deleted stacks). The front-ends offer this only when asked for by
//! name (`--by-tags`), after showing what was found.

use crate::ResourceFailure;
use std::collections::{BTreeMap, BTreeSet};

use cloudstack_client::Client;

use crate::durable::DurableError;
use crate::engine::Engine;
use crate::events::Status;
use crate::recovery::list_all;
use crate::state::ResourceRecord;
use crate::tagging::{STACK_ID_TAG, STACK_NAME_TAG};
use crate::template::text as scalar_text;

/// One resource of a stack found by its tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tagged {
    /// `resourcetype` of the tag (`UserVm`, `SecurityGroup`, ...).
    pub resource_type: String,
    /// The resource's id.
    pub resource_id: String,
}

/// Every resource tagged with `cloudstack:stack-name = stack` (and, when given, the stack id).
pub async fn find_by_tags(
    client: &Client,
    version: &cloudstack_api::Version,
    stack: &str,
    stack_id: Option<&str>,
) -> Result<Vec<Tagged>, crate::recovery::LookupError> {
    let by = |key: &str, value: &str| {
        vec![
            ("key".to_string(), key.to_string()),
            ("value".to_string(), value.to_string()),
            ("listall".to_string(), "true".to_string()),
        ]
    };
    let named = list_all(client, version, "listTags", by(STACK_NAME_TAG, stack)).await?;
    let ids: Option<BTreeSet<String>> = match stack_id {
        Some(sid) => Some(
            list_all(client, version, "listTags", by(STACK_ID_TAG, sid))
                .await?
                .iter()
                .filter_map(|t| t.get("resourceid").and_then(scalar_text))
                .collect(),
        ),
        None => None,
    };
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for t in named {
        let (Some(rid), Some(rtype)) = (
            t.get("resourceid").and_then(scalar_text),
            t.get("resourcetype").and_then(scalar_text),
        ) else {
            continue;
        };
        if ids.as_ref().is_some_and(|s| !s.contains(&rid)) || !seen.insert(rid.clone()) {
            continue;
        }
        out.push(Tagged {
            resource_type: rtype,
            resource_id: rid,
        });
    }
    Ok(out)
}

/// The order in which tagged resources of unknown dependencies are deleted: rules before the
/// machines and addresses they use, machines before volumes, networks and groups. Lower goes first.
pub fn teardown_rank(resource_type: &str) -> u8 {
    let t = resource_type.to_ascii_lowercase();
    if t.contains("rule") || t.contains("loadbalancer") || t.contains("vpn") {
        0
    } else if t.contains("vm") || t.contains("autoscale") || t.contains("kubernetes") {
        1
    } else if t.contains("snapshot") || t.contains("volume") || t.contains("template") || t.contains("iso") {
        2
    } else if t.contains("publicipaddress") || t.contains("ipaddress") {
        3
    } else if t.contains("network") && !t.contains("vpc") {
        4
    } else {
        5
    }
}

/// Why a tagged resource looks like the work of a run still in progress.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LiveSign {
    /// An async job is still running on it.
    JobRunning {
        /// The job.
        job_id: String,
        /// Its command (`org.apache...DeployVMCmd`).
        command: String,
    },
    /// It was made within the last lock lease: a live run renews its lease more often than that.
    CreatedRecently {
        /// Seconds ago.
        seconds_ago: u64,
    },
}

impl std::fmt::Display for LiveSign {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::JobRunning { job_id, command } => {
                let short = command.rsplit('.').next().unwrap_or(command);
                write!(f, "job {job_id} ({short}) is still running on it")
            }
            Self::CreatedRecently { seconds_ago } => write!(f, "it was created {seconds_ago} s ago"),
        }
    }
}

/// A resource carrying a stack's tags, and whether a run may still be making it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundByTags {
    /// The tag type and id.
    pub tagged: Tagged,
    /// Why it looks like a live run's work, if it does.
    pub live: Option<LiveSign>,
}

/// What carries a stack's tags in the cloud.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagSurvey {
    /// The stack's name.
    pub stack: String,
    /// The resources, in the order they would be deleted.
    pub found: Vec<FoundByTags>,
}

impl TagSurvey {
    /// The refusal of a delete by these tags while a run looks live, unless `force`.
    pub fn refusal(&self, force: bool) -> Option<DurableError> {
        let signs: Vec<String> = self.live_signs().collect();
        (!force && !signs.is_empty()).then(|| DurableError::LiveRun {
            stack: self.stack.clone(),
            signs,
        })
    }

    /// Each sign that a run is still making the stack, as `"<type> <id>: <why>"`.
    pub fn live_signs(&self) -> impl Iterator<Item = String> + '_ {
        self.found.iter().filter_map(|f| {
            let sign = f.live.as_ref()?;
            Some(format!("{} {}: {sign}", f.tagged.resource_type, f.tagged.resource_id))
        })
    }
}

/// Seconds ago of a CloudStack time, `now` being seconds since the epoch.
fn seconds_ago(created: &str, now: u64) -> Option<u64> {
    cloudstack_client::signing::parse_utc(created).map(|t| now.saturating_sub(t))
}

/// When each of `ids` was created, from its type's list API (where one lists by id).
async fn created_times(
    client: &Client,
    version: &'static cloudstack_api::Version,
    found: &[Tagged],
) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for t in found {
        let spec = version.participants.iter().find(|p| {
            p.tag_resource_type
                .is_some_and(|r| r.eq_ignore_ascii_case(&t.resource_type))
        });
        let Some(api) = spec.and_then(|s| crate::recovery::entity_list_api(version, s)) else {
            continue;
        };
        if api.param("id").is_none() {
            continue;
        }
        let query = vec![
            ("id".to_string(), t.resource_id.clone()),
            ("listall".to_string(), "true".to_string()),
        ];
        if let Ok(items) = list_all(client, version, api.name, query).await {
            if let Some(created) = items
                .iter()
                .find(|o| o.get("id").and_then(scalar_text).as_deref() == Some(t.resource_id.as_str()))
                .and_then(|o| o.get("created").and_then(scalar_text))
            {
                out.insert(t.resource_id.clone(), created);
            }
        }
    }
    out
}

impl Engine {
    /// What carries stack `name`'s tags in the cloud of release `version`, each with the sign, if
    /// any, that a run is still making it: an async job still running on it, or a create within
    /// the last lock lease ([`crate::EngineConfig::lock_lease`]). Reads only.
    pub async fn survey_tags(
        &self,
        name: &str,
        version: &'static cloudstack_api::Version,
    ) -> Result<TagSurvey, DurableError> {
        let tagged = find_by_tags(&self.client, version, name, None).await?;
        let ids: BTreeSet<&str> = tagged.iter().map(|t| t.resource_id.as_str()).collect();
        let jobs = list_all(
            &self.client,
            version,
            "listAsyncJobs",
            vec![("listall".to_string(), "true".to_string())],
        )
        .await?;
        let now = crate::state::now_ms() / 1000;
        let lease = self.config.lock_lease.as_secs().max(1);
        let mut live: BTreeMap<String, LiveSign> = BTreeMap::new();
        for j in &jobs {
            let Some(entity) = j.get("jobinstanceid").and_then(scalar_text) else {
                continue;
            };
            if !ids.contains(entity.as_str()) {
                continue;
            }
            let text = |k: &str| j.get(k).and_then(scalar_text).unwrap_or_default();
            if text("jobstatus") == "0" {
                live.insert(
                    entity,
                    LiveSign::JobRunning {
                        job_id: text("jobid"),
                        command: text("cmd"),
                    },
                );
            } else if let Some(ago) = seconds_ago(&text("created"), now).filter(|a| *a < lease) {
                live.entry(entity)
                    .or_insert(LiveSign::CreatedRecently { seconds_ago: ago });
            }
        }
        let unsure: Vec<Tagged> = tagged
            .iter()
            .filter(|t| !live.contains_key(&t.resource_id))
            .cloned()
            .collect();
        for (id, created) in created_times(&self.client, version, &unsure).await {
            if let Some(ago) = seconds_ago(&created, now).filter(|a| *a < lease) {
                live.insert(id, LiveSign::CreatedRecently { seconds_ago: ago });
            }
        }
        let mut found: Vec<FoundByTags> = tagged
            .into_iter()
            .map(|t| FoundByTags {
                live: live.remove(&t.resource_id),
                tagged: t,
            })
            .collect();
        found.sort_by_key(|f| teardown_rank(&f.tagged.resource_type));
        Ok(TagSurvey {
            stack: name.to_string(),
            found,
        })
    }

    /// Deletes every resource tagged with stack `name` without any state (how StackMate deleted
    /// stacks): rules first, then machines, volumes, addresses, networks and groups, each retried
    /// while something still uses it. Returns the deleted resources as (tag type, id). Nothing is
    /// recorded: there is no state to record it in.
    ///
    /// `version` is the cloud's release: its participants say which delete API each tag type takes.
    /// Unless `force`, nothing is deleted while a run may still be making the stack
    /// ([`TagSurvey::live_signs`]): that is [`DurableError::LiveRun`].
    pub(crate) async fn delete_by_tags(
        &self,
        name: &str,
        version: &'static cloudstack_api::Version,
        force: bool,
    ) -> Result<Vec<(String, String)>, DurableError> {
        let survey = self.survey_tags(name, version).await?;
        if let Some(refused) = survey.refusal(force) {
            return Err(refused);
        }
        let found = survey.found.into_iter().map(|f| f.tagged);
        let options = self.stack_plan_options(name, "", version);
        // A plan with no resources of its own: the deletes only need its options.
        let empty =
            crate::template::parse(r#"{"Resources": {"Placeholder": {"Type": "StackMate::WaitConditionHandle"}}}"#)
                .map_err(|p| DurableError::Unplannable {
                    stack: name.to_string(),
                    problems: crate::problem::Problems(p),
                })?;
        let plan =
            crate::plan::plan(&empty, &BTreeMap::new(), &options).map_err(|problems| DurableError::Unplannable {
                stack: name.to_string(),
                problems,
            })?;
        // No state: the deletes record nothing.
        let stateless = Engine {
            store: None,
            ..self.clone()
        };
        let mut by_rank: BTreeMap<u8, Vec<Tagged>> = BTreeMap::new();
        for t in found {
            by_rank.entry(teardown_rank(&t.resource_type)).or_default().push(t);
        }
        let mut deleted = Vec::new();
        let mut errors = Vec::new();
        for (_, group) in by_rank {
            let mut tasks = tokio::task::JoinSet::new();
            for t in group {
                // Every participant whose resources carry this tag type, the simplest delete first
                // (ingress and egress rules share one tag type: the wrong API refuses, the next is tried).
                let mut specs: Vec<&'static cloudstack_client::ParticipantSpec> = version
                    .participants
                    .iter()
                    .filter(|p| {
                        p.tag_resource_type
                            .is_some_and(|r| r.eq_ignore_ascii_case(&t.resource_type))
                    })
                    .filter(|p| p.delete_keys.iter().filter(|k| k.required).count() == 1)
                    .collect();
                specs.sort_by_key(|p| p.type_name);
                if specs.is_empty() {
                    errors.push(tagged_failure(
                        &t,
                        "no participant of the release deletes this tag type",
                    ));
                    continue;
                }
                let (engine, plan) = (stateless.clone(), plan.clone());
                tasks.spawn(async move {
                    let masker = plan.masker();
                    let mut last = tagged_failure(&t, "no participant has a delete key");
                    for spec in specs {
                        let Some(key) = spec.delete_keys.iter().find(|k| k.required) else {
                            continue;
                        };
                        let mut wire = vec![(key.param.to_string(), t.resource_id.clone())];
                        wire.extend(spec.delete_defaults.iter().map(|(k, v)| (k.to_string(), v.to_string())));
                        let mut rec = ResourceRecord::new(&t.resource_id, spec.type_name, Status::CreateComplete);
                        rec.physical_id = Some(t.resource_id.clone());
                        match engine
                            .delete_with_retries(&plan, spec, wire, &mut rec, &crate::recording::Slot::Own)
                            .await
                        {
                            Ok(()) => return (t, Ok(())),
                            Err(e) => last = e.failure(&t.resource_id, spec.type_name, &masker),
                        }
                    }
                    (t, Err(last))
                });
            }
            while let Some(joined) = tasks.join_next().await {
                match joined {
                    Ok((t, Ok(()))) => deleted.push((t.resource_type, t.resource_id)),
                    Ok((_, Err(failure))) => errors.push(failure),
                    Err(e) => errors.push(ResourceFailure {
                        logical: String::new(),
                        type_name: String::new(),
                        kind: None,
                        code: None,
                        api: None,
                        message: format!("a delete task failed: {e}"),
                    }),
                }
            }
        }
        if errors.is_empty() {
            Ok(deleted)
        } else {
            Err(DurableError::TagsLeft {
                stack: name.to_string(),
                deleted,
                failures: errors,
            })
        }
    }
}

/// A tagged resource that could not be deleted, for `why`.
fn tagged_failure(t: &Tagged, why: &str) -> ResourceFailure {
    ResourceFailure {
        logical: t.resource_id.clone(),
        type_name: t.resource_type.clone(),
        kind: None,
        code: None,
        api: None,
        message: why.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_go_before_machines_before_networks() {
        assert!(teardown_rank("PortForwardingRule") < teardown_rank("UserVm"));
        assert!(teardown_rank("UserVm") < teardown_rank("PublicIpAddress"));
        assert!(teardown_rank("PublicIpAddress") < teardown_rank("Network"));
        assert!(teardown_rank("Network") < teardown_rank("SecurityGroup"));
    }
}
