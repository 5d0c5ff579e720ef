//! An update's rollback: replaced resources take their old physical resources back (the records
//! change, not the cloud), changes made in place are made again with the old values (the old plan
//! walked forwards), then what the update made is deleted (`super::cleanup`).

use std::collections::BTreeMap;
use std::sync::Arc;

use super::cleanup::Cleanup;
use super::enabled;
use super::walks::RevertVisitor;
use crate::engine::Engine;
use crate::events::Status;
use crate::plan::{Plan, ResourceKind};
use crate::run::StackRun;
use crate::state::ResourceRecord;
use crate::walk::{walk, Direction, Graph, WalkOptions};

impl Engine {
    /// Rolls an update from `old` to `new` back: replaced resources take their old physical
    /// resources back, changes made in place are undone, then what the update made is deleted.
    /// Resources in `skip` are left as they are (a rollback that failed on them goes on).
    pub(super) async fn roll_back_update(
        &self,
        old: Plan,
        new: Plan,
        mut records: BTreeMap<String, ResourceRecord>,
        skip: &[String],
    ) -> StackRun {
        // Old resources come back first: the records change, not the cloud.
        for rec in records.values_mut() {
            let Some(inner) = rec.replaced.take() else { continue };
            if !inner.status.is_live() || skip.contains(&rec.logical) {
                rec.replaced = Some(inner);
                continue;
            }
            let mut made = std::mem::replace(rec, *inner);
            made.status = Status::RollbackInProgress;
            made.replaced = None;
            rec.replaced = Some(Box::new(made));
            if let Err(e) = self.persist(&old, rec).await {
                tracing::error!(error = %e, "could not record a resource taken back");
            }
        }
        for l in skip {
            if let Some(rec) = records.get_mut(l) {
                if matches!(rec.status, Status::UpdateFailed | Status::UpdateInProgress) {
                    rec.status = Status::UpdateComplete;
                    rec.intent = None;
                    rec.reason = Some("skipped by continue-rollback; it may differ from the template".into());
                    if let Err(e) = self.persist(&old, rec).await {
                        tracing::error!(error = %e, "could not record a skipped resource");
                    }
                }
            }
        }
        let nodes: Vec<String> = old
            .order
            .iter()
            .filter(|l| enabled(&old, l) && !skip.contains(*l))
            .filter(|l| {
                matches!(old.resources[*l].kind, ResourceKind::CloudStack(_))
                    && records.get(*l).is_some_and(|r| {
                        r.physical_id.is_some() && r.status.is_live()
                            || matches!(r.status, Status::UpdateInProgress | Status::UpdateFailed)
                    })
            })
            .cloned()
            .collect();
        let graph = Graph::new(nodes, |l| {
            old.resources[l].depends_on.iter().map(String::as_str).collect()
        });
        let old = Arc::new(old);
        let mut visitor = RevertVisitor {
            engine: self,
            plan: Arc::clone(&old),
            records: &mut records,
        };
        let options = WalkOptions {
            direction: Direction::Forward,
            concurrency: self.config.concurrency,
            stop_on_failure: false,
        };
        let reverted = walk(&graph, options, &mut visitor).await.all_succeeded();
        let old = Arc::try_unwrap(old).unwrap_or_else(|p| (*p).clone());
        let status = if reverted {
            self.stack_event(&old, Status::UpdateRollbackCompleteCleanupInProgress, None)
                .await;
            if self.clean_up(&old, &new, &mut records, Cleanup::Rollback, skip).await {
                Status::UpdateRollbackComplete
            } else {
                Status::UpdateRollbackFailed
            }
        } else {
            Status::UpdateRollbackFailed
        };
        if status == Status::UpdateRollbackComplete {
            let disable_rollback = self.disable_rollback_of(&old).await;
            if let Err(e) = self
                .save_stack_version(&old, status, disable_rollback, None, None)
                .await
            {
                tracing::error!(error = %e, "could not record the rolled back stack");
            }
        }
        let reason = (status == Status::UpdateRollbackFailed).then(|| {
            "some resources could not be changed back or deleted; see the failed events, then \
             continue the rollback, skipping the ones that must stay as they are"
                .to_string()
        });
        self.stack_event(&old, status, reason).await;
        let mut run = StackRun {
            plan: old,
            resources: records,
            outputs: BTreeMap::new(),
            status,
        };
        if status == Status::UpdateRollbackComplete {
            run.outputs = self.outputs(&run);
        }
        run
    }
}
