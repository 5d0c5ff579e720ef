//! Lifecycle policy that every front-end (the CLI, the service, an embedding program) shares: how a
//! stack gets its id, the plan options of a stack this engine runs, and how a stack is opened for
//! delete: by its state, or, only when asked for explicitly, by its tags.

use std::collections::BTreeMap;

use crate::durable::DurableError;
use crate::engine::Engine;
use crate::limits::Limits;
use crate::nesting::Prepared;
use crate::plan::{Plan, PlanOptions};
use crate::problem::Problems;
use crate::run::StackRun;

/// A new, unique stack id: the name, the time (hex ms) and random bits. Tags carry it, so two stacks
/// of one name (one deleted, one new) are never confused.
pub fn new_stack_id(name: &str) -> String {
    let token = crate::state::LockHolder::this_process().token;
    format!("{name}-{:x}-{}", crate::state::now_ms(), &token[..8])
}

/// How a new stack is made, besides its template and parameters: what its template may hold, and
/// CloudFormation's create options. `Limits` alone convert into settings with no other option.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct CreateSettings {
    /// What the template may hold.
    pub limits: Limits,
    /// The stack's own tags ([`PlanOptions::stack_tags`]).
    pub stack_tags: BTreeMap<String, String>,
    /// Minutes the create may take ([`PlanOptions::timeout_minutes`]).
    pub timeout_minutes: Option<u32>,
    /// The stack policy its updates are checked against (CloudFormation's JSON).
    pub stack_policy: Option<String>,
}

impl CreateSettings {
    /// Settings with `limits` and no option.
    pub fn new(limits: Limits) -> Self {
        Self {
            limits,
            ..Self::default()
        }
    }

    /// With the stack's own tags.
    pub fn stack_tags(mut self, tags: BTreeMap<String, String>) -> Self {
        self.stack_tags = tags;
        self
    }

    /// With a timeout for the create.
    pub fn timeout_minutes(mut self, minutes: Option<u32>) -> Self {
        self.timeout_minutes = minutes;
        self
    }

    /// With a stack policy.
    pub fn stack_policy(mut self, policy: Option<String>) -> Self {
        self.stack_policy = policy;
        self
    }
}

impl From<Limits> for CreateSettings {
    fn from(limits: Limits) -> Self {
        Self::new(limits)
    }
}

/// Why a create could not be planned.
#[derive(Debug, thiserror::Error)]
pub enum PlanCreateError {
    /// The template or its parameters are not valid; nothing was called.
    #[error("{0}")]
    Invalid(Problems),
    /// The cloud's zones (which the template uses) could not be read.
    #[error("cannot read the cloud's zones (listZones): {0}")]
    Zones(#[source] cloudstack_client::Error),
}

/// How a stack is found for delete.
#[derive(Debug, Clone, Copy)]
pub enum DeleteBy {
    /// Its record in the state store (the default): unknown stacks are an error.
    State,
    /// The resources tagged with its name (how StackMate deleted), for a stack whose state is gone.
    /// Refused while a run may still be making it ([`crate::by_tags::TagSurvey::live_signs`]),
    /// unless `force`.
    Tags {
        /// The cloud's release: it says which delete API each tag type takes.
        release: &'static cloudstack_api::Version,
        /// Delete even if a run looks live.
        force: bool,
    },
}

/// What a delete removed.
#[derive(Debug)]
pub enum Deleted {
    /// The stack, by its state.
    Stack(Box<StackRun>),
    /// The resources found by tags, as (tag type, id).
    ByTags(Vec<(String, String)>),
}

impl Engine {
    /// Plan options for a new stack `name` run by this engine: a fresh stack id
    /// ([`new_stack_id`]), the engine's custom types and its metadata URL; without a signals port,
    /// templates that need one are refused. Add zones, limits and the
    /// rest with the options' setters.
    pub fn plan_options(&self, name: &str, version: &'static cloudstack_api::Version) -> PlanOptions {
        self.stack_plan_options(name, &new_stack_id(name), version)
            .guest_services(self.signals.is_some())
    }

    /// Plans the create of stack `name` from `prepared` with `given` against `version`, once: the
    /// options of [`Engine::plan_options`] with `settings` (a stack policy given is checked here,
    /// with the template), and the cloud's zones read before planning
    /// when the template may use them ([`crate::plan::uses_zones`]), else after it, so that a
    /// template refused here has made no call. The plan keeps the prepared text as its source (what
    /// the state keeps for resume, update and delete).
    pub async fn plan_create(
        &self,
        name: &str,
        prepared: Prepared,
        given: &BTreeMap<String, String>,
        version: &'static cloudstack_api::Version,
        settings: impl Into<CreateSettings>,
    ) -> Result<Plan, PlanCreateError> {
        let settings = settings.into();
        if let Some(policy) = &settings.stack_policy {
            crate::update::StackPolicy::parse(policy).map_err(|p| PlanCreateError::Invalid(Problems(p)))?;
        }
        let zones_first = crate::plan::uses_zones(&prepared.text);
        let mut options = self
            .plan_options(name, version)
            .limits(settings.limits)
            .stack_tags(settings.stack_tags)
            .timeout_minutes(settings.timeout_minutes)
            .stack_policy(settings.stack_policy);
        if zones_first {
            options = options.zones(self.zones().await?);
        }
        let mut plan = crate::plan::plan(&prepared.template, given, &options).map_err(PlanCreateError::Invalid)?;
        if !zones_first {
            // Not used by this template, but kept with the stack for its updates.
            plan.options.zones = self.zones().await?;
        }
        plan.source = Some(prepared.text);
        Ok(plan)
    }

    async fn zones(&self) -> Result<Vec<String>, PlanCreateError> {
        crate::cloud_release::zone_ids(&self.client)
            .await
            .map_err(PlanCreateError::Zones)
    }

    /// The metadata token of stack `stack_id` (`CloudStack::StackMateMetadataToken`): derived from
    /// the account's secret key, so every run of the stack hands out the same one
    /// ([`crate::metadata`]).
    pub fn metadata_token(&self, stack_id: &str) -> cloudstack_client::Secret {
        self.client.derive_token(&format!("metadata {stack_id}"))
    }

    /// Plan options of stack `name` with id `stack_id` (a stack that exists: its stored id): the
    /// engine's custom types, its metadata URL, and the stack's metadata token and signal key, derived
    /// from the account's secret key so that every run of the stack hands out the same ones.
    pub fn stack_plan_options(
        &self,
        name: &str,
        stack_id: &str,
        version: &'static cloudstack_api::Version,
    ) -> PlanOptions {
        PlanOptions::new(name, stack_id, version)
            .custom_types(self.custom_types())
            .metadata_url(self.signals.as_ref().map_or("", |s| s.base_url()))
            .metadata_token(self.metadata_token(stack_id))
            .signal_key(self.client.derive_token(&format!("waitcondition {stack_id}")))
    }

    /// Deletes stack `name`, found as `by` says. By state, a stack the store does not know is an
    /// error that names the way out; by tags, nothing is read from or written to the store.
    pub async fn delete_named(
        &self,
        name: &str,
        by: DeleteBy,
        secrets: &BTreeMap<String, String>,
    ) -> Result<Deleted, DurableError> {
        match by {
            DeleteBy::State => Ok(Deleted::Stack(Box::new(self.delete_stack(name, secrets).await?))),
            DeleteBy::Tags { release, force } => Ok(Deleted::ByTags(self.delete_by_tags(name, release, force).await?)),
        }
    }
}
