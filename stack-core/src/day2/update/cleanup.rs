//! An update's clean-up: the physical resources it left behind deleted, backwards over the plan they
//! belong to: after an update, the ones it removed or replaced; after its rollback, the ones it
//! added or made as replacements.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use super::enabled;
use super::walks::CleanupVisitor;
use crate::engine::Engine;
use crate::events::Status;
use crate::plan::{Plan, ResourceKind};
use crate::recording::{claimed_jobs, Slot};
use crate::state::ResourceRecord;
use crate::template::DeletionPolicy;
use crate::walk::{walk, Direction, Graph, WalkOptions};

/// Which clean-up: after an update (over the old plan) or after its rollback (over the new).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Cleanup {
    /// After an update.
    Forward,
    /// After its rollback.
    Rollback,
}

impl Engine {
    /// Deletes what an update left behind: after it (`Forward`, over `old`), the resources it removed
    /// and those it replaced; after its rollback (`Rollback`, over `new`), the resources it added
    /// and the replacements it made. `DeletionPolicy` and `UpdateReplacePolicy: Retain` keep theirs
    /// after an update; `skip` keeps the named ones after a rollback. Returns whether all went.
    pub(super) async fn clean_up(
        &self,
        old: &Plan,
        new: &Plan,
        records: &mut BTreeMap<String, ResourceRecord>,
        which: Cleanup,
        skip: &[String],
    ) -> bool {
        let (plan, other) = match which {
            Cleanup::Forward => (old, new),
            Cleanup::Rollback => (new, old),
        };
        let claimed = claimed_jobs(records);
        let mut own = BTreeSet::new();
        let mut nodes = BTreeSet::new();
        for (l, rec) in records.iter_mut() {
            let Some(planned) = plan.resources.get(l).filter(|r| r.enabled) else {
                continue;
            };
            let spec = match planned.kind {
                ResourceKind::CloudStack(spec) => Some(spec),
                _ => None,
            };
            // Why a resource that would go stays in the cloud, if it does.
            let kept = |policy: DeletionPolicy, name: &'static str| {
                if skip.contains(l) {
                    Some("skipped by continue-rollback; left in the cloud")
                } else {
                    (which == Cleanup::Forward && policy == DeletionPolicy::Retain).then_some(name)
                }
            };
            // What the update left to delete in the record: the other physical resource.
            if let Some(mut inner) = rec.replaced.take() {
                let live = rec.clone();
                if let (Some(spec), Cleanup::Rollback) = (spec, which) {
                    self.find_lost_create(plan, spec, &mut inner, &claimed, &Slot::ReplacedIn(&live))
                        .await;
                }
                let why = kept(planned.decl.update_replace_policy, "UpdateReplacePolicy Retain");
                match (inner.physical_id.is_some(), why) {
                    (true, None) => {
                        rec.replaced = Some(inner);
                        nodes.insert(l.clone());
                    }
                    (made, why) => self.keep(plan, rec, &inner, why.filter(|_| made)).await,
                }
                continue;
            }
            // A resource only one side has: removed by the update, or added by it.
            if enabled(other, l) || matches!(rec.status, Status::DeleteComplete | Status::DeleteSkipped) {
                continue;
            }
            if let (Some(spec), Cleanup::Rollback) = (spec, which) {
                self.find_lost_create(plan, spec, rec, &claimed, &Slot::Own).await;
            }
            if rec.physical_id.is_none() {
                continue;
            }
            if let Some(why) = kept(planned.decl.deletion_policy, "DeletionPolicy Retain") {
                rec.status = Status::DeleteSkipped;
                let shown = rec.clone();
                self.keep(plan, rec, &shown, Some(why)).await;
                continue;
            }
            own.insert(l.clone());
            nodes.insert(l.clone());
        }
        let order: Vec<String> = plan.order.iter().filter(|l| nodes.contains(*l)).cloned().collect();
        let graph = Graph::new(order, |l| {
            plan.resources[l].depends_on.iter().map(String::as_str).collect()
        });
        let mut visitor = CleanupVisitor {
            engine: self,
            plan: Arc::new(plan.clone()),
            records,
            own,
        };
        let options = WalkOptions {
            direction: Direction::Reverse,
            concurrency: self.config.concurrency,
            stop_on_failure: false,
        };
        walk(&graph, options, &mut visitor).await.all_succeeded()
    }

    /// Records `rec` as it stays; `why` (when set) is the `DELETE_SKIPPED` event's reason for
    /// `shown`, the physical resource left in the cloud.
    async fn keep(&self, plan: &Plan, rec: &ResourceRecord, shown: &ResourceRecord, why: Option<&str>) {
        if let Err(e) = self.persist(plan, rec).await {
            tracing::error!(error = %e, "could not record a resource kept");
        }
        if let Some(why) = why {
            let pid = shown.physical_id.as_deref();
            self.event(
                plan,
                &rec.logical,
                &shown.type_name,
                pid,
                Status::DeleteSkipped,
                Some(why.into()),
            )
            .await;
        }
    }
}
