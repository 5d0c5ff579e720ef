//! What a queued operation asks for ([`OpRequest`], its payload) and how a worker carries it out on
//! an engine ([`carry_out`]). An operation claimed again after its worker died goes through the same
//! recovery as `stackmate resume`: a stack left in progress is resumed, and one that already reached
//! its end is reported as it stands.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use stack_core::lifecycle::DeleteBy;
use stack_core::nesting::Prepared;
use stack_core::update::UpdateOptions;
use stack_core::{Engine, Operation, OperationError, Outcome, PlanCreateError, Status};

use crate::db::OpState;
use crate::engines::release_for;

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
        /// The stack's own tags.
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        tags: BTreeMap<String, String>,
        /// Minutes the create may take.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        timeout_minutes: Option<u32>,
        /// The stack policy (JSON text).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        stack_policy: Option<String>,
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

/// How an operation ended: its queue state and outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct Ended {
    /// Done or failed.
    pub state: OpState,
    /// The outcome.
    pub outcome: StoredOutcome,
}

/// An operation's outcome as the service database keeps it (JSON in its `outcome` column): the
/// text a person reads (a stack status, or `error: ...`) and, when a resource failed, that
/// failure as data: its kind, the cloud's error code and the API, as the engine decided them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredOutcome {
    /// A stack status, `STATUS: why`, or `error: why` (secrets masked).
    pub text: String,
    /// The resource that failed first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<stack_core::ResourceFailure>,
}

impl StoredOutcome {
    /// Text alone.
    pub fn text(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            failure: None,
        }
    }

    /// As the database keeps it.
    pub fn encode(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| self.text.clone())
    }

    /// From the database: JSON, or the plain text rows written before outcomes were typed.
    pub fn decode(raw: &str) -> Self {
        serde_json::from_str(raw).unwrap_or_else(|_| Self::text(raw))
    }
}

fn ended(status: Status, ok: bool) -> Ended {
    Ended {
        state: if ok { OpState::Done } else { OpState::Failed },
        outcome: StoredOutcome::text(status.as_str()),
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

/// An operation that failed for `message`.
pub fn failed(message: impl std::fmt::Display) -> Ended {
    Ended {
        state: OpState::Failed,
        outcome: StoredOutcome::text(format!("error: {message}")),
    }
}

/// An operation whose run failed: a run that ended failed says its status and why, with the
/// failed resource as data; one refused before it ran says why.
fn failed_with(e: &OperationError) -> Ended {
    let outcome = match e.failed() {
        Some(run) => StoredOutcome {
            text: format!("{}: {}", run.run.status.as_str(), run.reason),
            failure: run.failure.as_deref().cloned(),
        },
        None => StoredOutcome::text(format!("error: {e}")),
    };
    Ended {
        state: OpState::Failed,
        outcome,
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

/// Carries out `request` for `job`'s stack. How it ended never quotes a NoEcho value: a cloud error
/// that echoes one (`... value=<it>`) is masked before the outcome is stored, answered or logged.
pub async fn carry_out(request: &OpRequest, job: &Job<'_>) -> Ended {
    let ended = run(request, job).await;
    let secrets: Vec<String> = job.secrets.values().filter(|v| !v.is_empty()).cloned().collect();
    if secrets.is_empty() {
        return ended;
    }
    let masker = stack_core::secrets::Masker::new(&secrets);
    Ended {
        state: ended.state,
        outcome: StoredOutcome {
            text: masker.mask(&ended.outcome.text),
            failure: ended.outcome.failure.map(|f| stack_core::ResourceFailure {
                message: masker.mask(&f.message),
                ..f
            }),
        },
    }
}

async fn run(request: &OpRequest, job: &Job<'_>) -> Ended {
    let engine = job.engine;
    let name = job.store_name;
    let record = match engine.store() {
        Some(store) => match store.stack(name).await {
            Ok(r) => standing(r),
            Err(e) => return failed(e),
        },
        None => None,
    };
    let secrets = job.secrets.clone();
    // An operation taken over from a worker that died: the same recovery as `stackmate resume`.
    if let Some(rec) = &record {
        let left_in_progress = rec.status.as_str().ends_with("_IN_PROGRESS") || rec.status.is_updating();
        if left_in_progress && !matches!(request, OpRequest::ContinueRollback { .. }) {
            tracing::info!(
                stack = name,
                status = rec.status.as_str(),
                "resuming a stack left in progress"
            );
            let resume = Operation::Resume {
                name: name.to_string(),
                secrets,
            };
            return finish(engine.run(resume).await, succeeded);
        }
    }
    let name = name.to_string();
    let operation = match request {
        OpRequest::Create {
            template,
            params,
            disable_rollback,
            concurrency,
            tags,
            timeout_minutes,
            stack_policy,
        } => {
            if let Some(rec) = &record {
                // Claimed again after the run reached its end but before the row was finished.
                return ended(rec.status, rec.status == Status::CreateComplete);
            }
            let settings = stack_core::CreateSettings::new(*job.limits)
                .stack_tags(tags.clone())
                .timeout_minutes(*timeout_minutes)
                .stack_policy(stack_policy.clone());
            return create(job, template, params, settings, *disable_rollback, *concurrency).await;
        }
        OpRequest::Delete => {
            if record.is_none() {
                return ended(Status::DeleteComplete, true);
            }
            Operation::Delete {
                name,
                by: DeleteBy::State,
                secrets,
            }
        }
        OpRequest::Resume => Operation::Resume { name, secrets },
        OpRequest::ContinueRollback { skip } => Operation::ContinueRollback {
            name,
            skip: skip.clone(),
            secrets,
        },
        OpRequest::Update {
            template,
            params,
            stack_policy,
            policy_override,
        } => {
            let mut given = params.clone();
            given.extend(secrets.iter().map(|(k, v)| (k.clone(), v.clone())));
            Operation::Update {
                name,
                template: template.clone(),
                params: given,
                secrets,
                options: UpdateOptions {
                    stack_policy: stack_policy.clone(),
                    policy_override: policy_override.clone(),
                    repair_drift: false,
                },
            }
        }
        OpRequest::ExecuteChangeSet { change_set } => Operation::ExecuteChangeSet {
            name,
            change_set: change_set.clone(),
            secrets,
            options: UpdateOptions::default(),
        },
    };
    let is_delete = matches!(request, OpRequest::Delete);
    finish(engine.run(operation).await, |status| {
        if is_delete {
            status == Status::DeleteComplete
        } else {
            true
        }
    })
}

/// How a run's result ends its operation; `ok` says whether the status it reached is what the
/// operation wanted.
fn finish(result: Result<Outcome, OperationError>, ok: impl Fn(Status) -> bool) -> Ended {
    match result {
        Ok(Outcome::Stack(run)) => ended(run.status, ok(run.status)),
        Ok(Outcome::DeletedByTags(_)) => ended(Status::DeleteComplete, true),
        Err(e) => failed_with(&e),
    }
}

async fn create(
    job: &Job<'_>,
    text: &str,
    params: &BTreeMap<String, String>,
    settings: stack_core::CreateSettings,
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
    // The queued text is the prepared one (nested templates in place, checked by the API): read
    // once here, planned once.
    let prepared = match stack_core::template::parse_with(text.as_bytes(), job.limits) {
        Ok(template) => Prepared {
            text: text.to_string(),
            template,
        },
        Err(p) => return failed(format!("the template is invalid:\n{}", stack_core::Problems(p))),
    };
    let mut given = params.clone();
    given.extend(job.secrets.iter().map(|(k, v)| (k.clone(), v.clone())));
    let plan = match engine
        .plan_create(job.store_name, prepared, &given, version, settings)
        .await
    {
        Ok(plan) => plan,
        Err(PlanCreateError::Invalid(p)) => return failed(format!("the template is invalid:\n{p}")),
        Err(e) => return failed(e),
    };
    let mut engine = engine.with_disable_rollback(disable_rollback);
    if let Some(n) = concurrency {
        engine = engine.with_concurrency(n);
    }
    finish(engine.run(Operation::create(plan)).await, |_| true)
}
