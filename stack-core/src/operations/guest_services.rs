//! Before a create is resumed, its guests are served again: each wait-condition handle an earlier
//! run made is registered again at its URL with the signals kept for it, and each created
//! resource's metadata is published again. Part of resuming (`durable`), over the kernel's
//! wait conditions.

use crate::durable::DurableError;
use crate::engine::Engine;
use crate::events::Status;
use crate::plan::{Plan, ResourceKind};
use crate::resource_error::ResourceError;
use crate::state::{ResourceRecord, StackRecord};
use crate::wait_condition::{handle_token, token_sha256};

impl Engine {
    /// Before a create is resumed: serves again what its guests use. Each handle an earlier run made
    /// is registered again at its URL with the signals kept for it, and each created resource's
    /// Metadata is published again. A stack whose guests would not reach this run (another URL,
    /// another secret key) cannot be resumed, and nothing is changed.
    pub(crate) async fn restore_guest_services(
        &self,
        plan: &Plan,
        stored: &StackRecord,
        prior: &mut std::collections::BTreeMap<String, ResourceRecord>,
    ) -> Result<(), DurableError> {
        let cannot = |reason: String| DurableError::CannotResume {
            stack: stored.name.clone(),
            reason,
        };
        let handles = match &self.store {
            Some(store) => store.handles(&stored.name).await?,
            None => Vec::new(),
        };
        let waiting = plan.resources.values().any(|r| {
            matches!(r.kind, ResourceKind::WaitCondition)
                && prior.get(&r.logical).is_none_or(|x| x.status != Status::CreateComplete)
        });
        let served = self.signals.as_ref().map_or("", |s| s.base_url());
        if let Some(url) = stored.options.metadata_url.as_deref().filter(|u| *u != served) {
            if waiting && !handles.is_empty() {
                return Err(DurableError::GuestsElsewhere {
                    stack: stored.name.clone(),
                    url: url.to_string(),
                    served: served.to_string(),
                    listen: stored.options.metadata_listen.clone(),
                });
            }
        }
        for h in &handles {
            let Some(rec) = prior.get_mut(&h.logical) else { continue };
            if rec.status != Status::CreateComplete {
                continue;
            }
            if token_sha256(&handle_token(&plan.options, &h.logical)) != h.token_sha256 {
                return Err(cannot(format!(
                    "wait condition handle {} was made with another secret key: its guests' signals would \
                     not be taken; resume with the credentials the stack was created with",
                    h.logical
                )));
            }
            rec.physical_id = Some(match self.register_handle(plan, &h.logical).await {
                Ok(url) => url,
                Err(ResourceError::State(e)) => return Err(e.into()),
                Err(other) => return Err(cannot(other.to_string())),
            });
        }
        let view = crate::step::View(prior, &plan.resources);
        for r in plan.resources.values() {
            if let Some(rec) = prior.get(&r.logical).filter(|x| x.status == Status::CreateComplete) {
                self.publish_metadata(plan, r, &view, rec);
            }
        }
        Ok(())
    }
}
