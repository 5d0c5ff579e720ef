//! What a queued operation asks for ([`OpRequest`], its payload) and how a worker carries it out on
//! an engine ([`carry_out`]). An operation claimed again after its worker died goes through the same
//! recovery as `stackmate resume`: a stack left in progress is resumed, and one that already reached
//! its end is reported as it stands.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use stack_core::lifecycle::{DeleteBy, Deleted};
use stack_core::update::UpdateOptions;
use stack_core::{Engine, Status};

use crate::db::OpState;
use crate::engines::{release_for, zones};

/// An operation's arguments (NoEcho values travel apart, sealed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OpRequest {
    /// Create a stack.
    Create {
        /// The template text (nested templates inlined).
        template: String,
        /// Parameter values (without NoEcho ones).
        params: BTreeMap<String, String>,
        /// Keep what was made if it fails.
        #[serde(default)]
        disable_rollback: bool,
        /// This stack's cap on resources made at once (the service's default if not given).
        #[serde(default)]
        concurrency: Option<usize>,
    },
    /// Delete a stack.
    Delete,
    /// Resume a stack left in progress.
    Resume,
    /// Finish a failed rollback, skipping these resources.
    ContinueRollback {
        /// Logical ids to leave behind.
        #[serde(default)]
        skip: Vec<String>,
    },
    /// Update a stack.
    Update {
        /// The new template text.
        template: String,
        /// Parameter values given (others keep theirs).
        params: BTreeMap<String, String>,
        /// A new stack policy.
        #[serde(default)]
        stack_policy: Option<String>,
        /// A policy for this update only.
        #[serde(default)]
        policy_override: Option<String>,
    },
    /// Run a change set.
    ExecuteChangeSet {
        /// Its name.
        change_set: String,
    },
}

impl OpRequest {
    /// The kind's spelling (the queue's `kind` column).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Create { .. } => "create",
            Self::Delete => "delete",
            Self::Resume => "resume",
            Self::ContinueRollback { .. } => "continue_rollback",
            Self::Update { .. } => "update",
            Self::ExecuteChangeSet { .. } => "execute_change_set",
        }
    }
}

/// How an operation ended: its queue state and outcome text (a stack status, or `error: ...`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ended {
    /// Done or failed.
    pub state: OpState,
    /// The outcome.
    pub outcome: String,
}

fn ended(status: Status, ok: bool) -> Ended {
    Ended {
        state: if ok { OpState::Done } else { OpState::Failed },
        outcome: status.as_str().to_string(),
    }
}

/// `record`, unless it only remembers a deleted stack (the state store keeps a deleted stack's
/// record, as `DELETE_COMPLETE`, until a stack of its name is made again): a stack that stands.
pub fn standing(record: Option<stack_core::state::StackRecord>) -> Option<stack_core::state::StackRecord> {
    record.filter(|r| r.status != Status::DeleteComplete)
}

/// Whether a stack that ended in `status` got where its operation wanted.
fn succeeded(status: Status) -> bool {
    status.is_stable() || status == Status::DeleteComplete
}

fn failed(message: impl std::fmt::Display) -> Ended {
    Ended {
        state: OpState::Failed,
        outcome: format!("error: {message}"),
    }
}

/// What an operation needs besides its request.
pub struct Job<'a> {
    /// The owner's engine.
    pub engine: &'a Engine,
    /// The owner.
    pub owner: &'a crate::db::Owner,
    /// The stack's name in the store.
    pub store_name: &'a str,
    /// NoEcho values.
    pub secrets: &'a BTreeMap<String, String>,
    /// Template limits.
    pub limits: &'a stack_core::limits::Limits,
}

/// Carries out `request` for `job`'s stack.
pub async fn carry_out(request: &OpRequest, job: &Job<'_>) -> Ended {
    let engine = job.engine;
    let name = job.store_name;
    let record = match engine.store() {
        Some(store) => match store.stack(name).await {
            Ok(r) => standing(r),
            Err(e) => return failed(e),
        },
        None => None,
    };
    // An operation taken over from a worker that died: the same recovery as `stackmate resume`.
    if let Some(rec) = &record {
        let left_in_progress = rec.status.as_str().ends_with("_IN_PROGRESS") || rec.status.is_updating();
        if left_in_progress && !matches!(request, OpRequest::ContinueRollback { .. }) {
            tracing::info!(
                stack = name,
                status = rec.status.as_str(),
                "resuming a stack left in progress"
            );
            return match engine.resume(name, job.secrets).await {
                Ok(run) => ended(run.status, succeeded(run.status)),
                Err(e) => failed(e),
            };
        }
    }
    match request {
        OpRequest::Create {
            template,
            params,
            disable_rollback,
            concurrency,
        } => {
            if let Some(rec) = &record {
                // Claimed again after the run reached its end but before the row was finished.
                return ended(rec.status, rec.status == Status::CreateComplete);
            }
            create(job, template, params, *disable_rollback, *concurrency).await
        }
        OpRequest::Delete => match record {
            None => ended(Status::DeleteComplete, true),
            Some(_) => match engine.delete_named(name, DeleteBy::State, job.secrets).await {
                Ok(Deleted::Stack(run)) => ended(run.status, run.status == Status::DeleteComplete),
                Ok(Deleted::ByTags(_)) => ended(Status::DeleteComplete, true),
                Err(e) => failed(e),
            },
        },
        OpRequest::Resume => match engine.resume(name, job.secrets).await {
            Ok(run) => ended(run.status, true),
            Err(e) => failed(e),
        },
        OpRequest::ContinueRollback { skip } => match engine.continue_rollback(name, skip, job.secrets).await {
            Ok(run) => ended(run.status, true),
            Err(e) => failed(e),
        },
        OpRequest::Update {
            template,
            params,
            stack_policy,
            policy_override,
        } => {
            let mut given = params.clone();
            given.extend(job.secrets.iter().map(|(k, v)| (k.clone(), v.clone())));
            let options = UpdateOptions {
                stack_policy: stack_policy.clone(),
                policy_override: policy_override.clone(),
                repair_drift: false,
            };
            match engine.update(name, template, &given, job.secrets, &options).await {
                Ok(run) => ended(run.status, true),
                Err(e) => failed(e),
            }
        }
        OpRequest::ExecuteChangeSet { change_set } => {
            match engine
                .execute_change_set(name, change_set, job.secrets, &UpdateOptions::default())
                .await
            {
                Ok(run) => ended(run.status, true),
                Err(e) => failed(e),
            }
        }
    }
}

async fn create(
    job: &Job<'_>,
    template: &str,
    params: &BTreeMap<String, String>,
    disable_rollback: bool,
    concurrency: Option<usize>,
) -> Ended {
    let engine = job.engine;
    let Some(store) = engine.store() else {
        return failed("no state store");
    };
    let version = match release_for(job.owner, engine, store.as_ref()).await {
        Ok(v) => v,
        Err(e) => return failed(e),
    };
    let zones = match zones(engine).await {
        Ok(z) => z,
        Err(e) => return failed(e),
    };
    let options = engine
        .plan_options(job.store_name, version)
        .limits(*job.limits)
        .zones(zones);
    let mut engine = engine.with_disable_rollback(disable_rollback);
    if let Some(n) = concurrency {
        engine = engine.with_concurrency(n);
    }
    let mut given = params.clone();
    given.extend(job.secrets.iter().map(|(k, v)| (k.clone(), v.clone())));
    match engine.launch(template, &given, &options).await {
        Ok(run) => ended(run.status, true),
        Err(stack_core::LaunchError::Invalid(p)) => failed(format!("the template is invalid:\n{p}")),
        Err(stack_core::LaunchError::Failed(f)) => Ended {
            state: OpState::Failed,
            outcome: format!("{}: {}", f.run.status.as_str(), f.reason),
        },
    }
}
