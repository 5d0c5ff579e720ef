//! A create run: the plan walked forwards ([`crate::walk`]); each resource starts as soon as all its
//! dependencies are done (not in waves), critical path first, and its API calls carry that chain's
//! length as their priority in the client's request queue ([`cloudstack_client::with_priority`]).
//! Async jobs are watched in batches, each with its resource's own deadline; created resources are
//! tagged off the critical path (`tagging`); on failure nothing new starts, in-flight work finishes,
//! and what was created is deleted backwards, in parallel (`deletion`).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use tracing::Instrument as _;

use crate::engine::Engine;
use crate::events::Status;
use crate::plan::{Plan, ResourceKind};
use crate::run::{LaunchError, Refused, StackError, StackRun};

use crate::state::ResourceRecord;
use crate::visits::CreateVisitor;
use crate::walk::{walk, Direction, Graph, WalkOptions};

impl Engine {
    /// Parses and validates `template_text` (JSON or YAML) with `params`, then creates the stack.
    /// Nothing is called, not even a read, unless the whole template is valid: planning is pure.
    pub async fn launch(
        &self,
        template_text: &str,
        params: &BTreeMap<String, String>,
        options: &crate::plan::PlanOptions,
    ) -> Result<StackRun, LaunchError> {
        let template = crate::template::parse_with(template_text.as_bytes(), &options.limits)
            .map_err(|p| LaunchError::Invalid(crate::problem::Problems(p)))?;
        let mut plan = crate::plan::plan(&template, params, options).map_err(LaunchError::Invalid)?;
        plan.source = Some(template_text.to_string());
        Ok(self.create(plan).await?)
    }

    /// Creates the stack of `plan`. On failure the error carries the state after rollback.
    pub async fn create(&self, plan: Plan) -> Result<StackRun, StackError> {
        let span = tracing::info_span!("stack", stack = %plan.options.stack_name);
        async {
            let name = plan.options.stack_name.clone();
            let guard = match self.lock(&name).await {
                Ok(g) => g,
                Err(e) => {
                    let refused = matches!(e, crate::state::StateError::Locked { .. })
                        .then(|| Refused::Locked { message: e.to_string() });
                    return Err(StackError::before_start(plan, e.to_string(), refused));
                }
            };
            let out = self.create_locked(plan).await;
            if let Some(g) = guard {
                g.release().await;
            }
            out
        }
        .instrument(span)
        .await
    }

    async fn create_locked(&self, mut plan: Plan) -> Result<StackRun, StackError> {
        let name = plan.options.stack_name.clone();
        if let Some(minutes) = plan.options.timeout_minutes {
            plan.options
                .create_deadline_ms
                .get_or_insert(crate::state::now_ms() + u64::from(minutes) * 60_000);
        }
        if let Some(store) = &self.store {
            match store.stack(&name).await {
                Ok(Some(old)) if !matches!(old.status, Status::DeleteComplete | Status::RollbackComplete) => {
                    let reason = format!("a stack named {name} already exists ({})", old.status.as_str());
                    let refused = Some(Refused::Exists { status: old.status });
                    return Err(StackError::before_start(plan, reason, refused));
                }
                Ok(Some(_)) => {
                    if let Err(e) = self.forget_stack(&name).await {
                        return Err(StackError::before_start(plan, e.to_string(), None));
                    }
                }
                Ok(None) => {}
                Err(e) => return Err(StackError::before_start(plan, e.to_string(), None)),
            }
        }
        if let Err(e) = self
            .save_stack(&plan, Status::CreateInProgress, self.config.disable_rollback)
            .await
        {
            return Err(StackError::before_start(plan, e.to_string(), None));
        }
        self.create_inner(plan, BTreeMap::new(), self.config.disable_rollback)
            .await
    }

    /// Creates what `prior` (records from the state store) does not have as complete; adopts jobs
    /// and lost creates recorded there. The caller holds the stack's lock.
    pub(crate) async fn create_inner(
        &self,
        plan: Plan,
        prior: BTreeMap<String, ResourceRecord>,
        disable_rollback: bool,
    ) -> Result<StackRun, StackError> {
        self.stack_event(&plan, Status::CreateInProgress, None).await;
        let mut records: BTreeMap<String, ResourceRecord> = plan
            .resources
            .values()
            .map(|r| {
                let rec = prior
                    .get(&r.logical)
                    .cloned()
                    .unwrap_or_else(|| ResourceRecord::new(&r.logical, &r.type_name, Status::CreateInProgress));
                (r.logical.clone(), rec)
            })
            .collect();
        // Complete and tagged (or untaggable) resources of an earlier run are done already.
        let finished = |l: &str| {
            records.get(l).is_some_and(|x| {
                x.status == Status::CreateComplete
                    && (x.tagged
                        || !matches!(plan.resources.get(l).map(|r| r.kind), Some(ResourceKind::CloudStack(s)) if s.tag_resource_type.is_some()))
            })
        };
        let done: BTreeSet<String> = plan
            .resources
            .values()
            .filter(|r| r.enabled && finished(&r.logical))
            .map(|r| r.logical.clone())
            .collect();
        let to_create: Vec<String> = plan
            .order
            .iter()
            .filter(|l| plan.resources.get(*l).is_some_and(|r| r.enabled) && !done.contains(*l))
            .cloned()
            .collect();
        let graph = Graph::new(to_create, |l| {
            plan.resources[l].depends_on.iter().map(String::as_str).collect()
        });
        let plan = Arc::new(plan);
        let mut visitor = CreateVisitor {
            engine: self,
            plan: Arc::clone(&plan),
            records: &mut records,
            failure: None,
            tagging: tokio::task::JoinSet::new(),
            expedite: graph.longest_chain_ends(Direction::Forward),
        };
        let options = WalkOptions {
            direction: Direction::Forward,
            concurrency: self.config.concurrency,
            stop_on_failure: true,
        };
        walk(&graph, options, &mut visitor).await;
        visitor.finish_tagging().await;
        let CreateVisitor {
            failure, plan: held, ..
        } = visitor;
        // The last other holder of the plan: with it gone, the plan is not copied.
        drop(held);
        let plan = Arc::try_unwrap(plan).unwrap_or_else(|p| (*p).clone());
        let mut run = StackRun {
            plan,
            resources: records,
            outputs: BTreeMap::new(),
            status: Status::CreateInProgress,
        };
        if let Some(crate::visits::FirstFailure {
            reason,
            resource: failed_resource,
        }) = failure
        {
            if disable_rollback {
                run.status = Status::CreateFailed;
                self.stack_event(
                    &run.plan,
                    Status::CreateFailed,
                    Some(format!("{reason}; rollback disabled, created resources kept")),
                )
                .await;
            } else {
                self.stack_event(&run.plan, Status::RollbackInProgress, Some(reason.clone()))
                    .await;
                let ok = self.delete_all(&mut run, false).await.is_ok();
                run.status = if ok {
                    Status::RollbackComplete
                } else {
                    Status::RollbackFailed
                };
                self.stack_event(&run.plan, run.status, None).await;
            }
            return Err(StackError {
                stack: run.plan.options.stack_name.clone(),
                reason,
                failure: failed_resource,
                run: Box::new(run.masked()),
                refused: None,
            });
        }
        run.outputs = self.outputs(&run);
        run.status = Status::CreateComplete;
        self.stack_event(&run.plan, Status::CreateComplete, None).await;
        Ok(run.masked())
    }

    /// The stack's outputs, evaluated against its records; a NoEcho value in one shows as `****`.
    pub(crate) fn outputs(&self, run: &StackRun) -> BTreeMap<String, String> {
        run.output_details().into_iter().map(|o| (o.name, o.value)).collect()
    }
}
