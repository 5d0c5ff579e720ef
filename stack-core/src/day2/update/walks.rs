//! What visiting a resource means for the three walks of an update ([`crate::walk`], which knows
//! nothing of updates):
//! - forwards over the new plan: add what is new (as a create does), change in place what the
//!   release can change, create the replacement of what it cannot (the old one stays, in the
//!   record's `replaced`);
//! - forwards over the old plan, in a rollback: change back in place what was changed;
//! - backwards, in a clean-up: delete what the update removed or replaced (over the old plan), or,
//!   after a rollback, what it added or made as replacements (over the new plan).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use cloudstack_client::UpdateEffect;
use tracing::Instrument as _;

use super::in_place::entries_of;
use crate::change_set::{Action, ResourceChange};
use crate::engine::Engine;
use crate::events::Status;
use crate::plan::{Plan, PlannedResource, ResourceKind};
use crate::recording::Slot;
use crate::resource_error::ResourceError;
use crate::state::ResourceRecord;
use crate::step::View;
use crate::tagging::TagWork;
use crate::visits::{create_and_record, delete_and_record, snapshot, CreateVisitor, Visited};
use crate::walk::{Visit, Visitor};

/// What a modified resource's change turns out to be once its new values are known.
enum Decision {
    /// Nothing that reaches the cloud changed (a value that only might have did not).
    Nothing,
    /// These properties change in place, to the values of this create call.
    InPlace {
        spec: &'static cloudstack_client::ParticipantSpec,
        wanted: Vec<(String, String)>,
        changed: BTreeSet<String>,
        timeout: std::time::Duration,
    },
    /// A new resource replaces it.
    Replace,
}

/// Whether property `name` of a resource of `kind` can change only by replacement.
fn replaces(kind: ResourceKind, name: &str) -> bool {
    crate::change_set::effect_of(kind, name) == UpdateEffect::Replacement
}

/// Decides what `change` does to `current`, with the new values evaluated against `view`.
fn decide(
    engine: &Engine,
    plan: &Plan,
    r: &PlannedResource,
    current: &ResourceRecord,
    view: &View<'_>,
    change: &ResourceChange,
) -> Result<Decision, ResourceError> {
    let ResourceKind::CloudStack(spec) = r.kind else {
        return Ok(Decision::Replace);
    };
    if current.type_name != r.type_name || current.physical_id.is_none() {
        return Ok(Decision::Replace);
    }
    let mut props = plan.evaluate_properties(r, view)?;
    let timeout = engine.timeout_of(&r.type_name, props.remove(crate::plan::TIMEOUT_PROPERTY).as_ref());
    let wanted = plan.create_call(&r.logical, spec, props)?.wire;
    let mut changed = BTreeSet::new();
    for p in &change.properties {
        // Not sent to the cloud: the engine's own timeout, and template tags of a type whose API
        // takes none (the stack's tags are the engine's).
        if p.name.eq_ignore_ascii_case(crate::plan::TIMEOUT_PROPERTY)
            || (p.name.eq_ignore_ascii_case("tags") && spec.param(&p.name).is_none())
        {
            continue;
        }
        let differs = !p.dynamic || entries_of(&wanted, &p.name) != entries_of(&current.create_wire, &p.name);
        if !differs {
            continue;
        }
        if replaces(r.kind, &p.name) || !r.decl.properties.contains_key(&p.name) {
            return Ok(Decision::Replace);
        }
        changed.insert(p.name.to_ascii_lowercase());
    }
    Ok(if changed.is_empty() {
        Decision::Nothing
    } else {
        Decision::InPlace {
            spec,
            wanted,
            changed,
            timeout,
        }
    })
}

/// The plan to make `r`'s replacement with, when it would have the old resource's name: names of
/// security groups, key pairs and affinity groups are unique in an account, so the old one, which
/// lives until the clean-up, would refuse it. The replacement's name gets `-r<n>`, `n` counting
/// the replacements (the old name's own `-r<n>`, plus one). `None` when the name changes anyway
/// or the type has none.
fn renamed(plan: &Plan, r: &PlannedResource, current: &ResourceRecord, view: &View<'_>) -> Option<Plan> {
    let ResourceKind::CloudStack(spec) = r.kind else {
        return None;
    };
    let key = r
        .decl
        .properties
        .keys()
        .find(|k| k.eq_ignore_ascii_case("name"))?
        .clone();
    spec.param(&key)?;
    let mut props = plan.evaluate_properties(r, view).ok()?;
    props.remove(crate::plan::TIMEOUT_PROPERTY);
    let wanted = plan.create_call(&r.logical, spec, props.clone()).ok()?.wire;
    let old = entries_of(&current.create_wire, "name")
        .first()
        .map(|(_, v)| v.clone())?;
    if entries_of(&wanted, "name").first().map(|(_, v)| v) != Some(&old) {
        return None;
    }
    let generation = old
        .rsplit_once("-r")
        .and_then(|(_, n)| n.parse::<u32>().ok())
        .unwrap_or(0);
    let base = props.get(&key)?.as_str()?.to_string();
    let mut out = plan.clone();
    let planned = out.resources.get_mut(&r.logical)?;
    planned
        .decl
        .properties
        .insert(key, serde_json::Value::String(format!("{base}-r{}", generation + 1)));
    Some(out)
}

/// Changes one modified resource (in place, or by creating its replacement) and records it.
async fn modify_and_record(
    engine: Engine,
    plan: Arc<Plan>,
    logical: String,
    current: ResourceRecord,
    snapshot: BTreeMap<String, ResourceRecord>,
    change: ResourceChange,
) -> Visited<Option<TagWork>> {
    let r = &plan.resources[&logical];
    let view = View(&snapshot, &plan.resources);
    let decided = decide(&engine, &plan, r, &current, &view, &change);
    let (spec, wanted, changed, timeout) = match decided {
        Ok(Decision::Nothing) => return (current, Ok(None)),
        Ok(Decision::Replace) => {
            let plan = renamed(&plan, r, &current, &view).map_or_else(|| Arc::clone(&plan), Arc::new);
            let mut fresh = ResourceRecord::new(&logical, &r.type_name, Status::UpdateInProgress);
            fresh.replaced = Some(Box::new(current));
            return create_and_record(engine, plan, logical, fresh, snapshot, BTreeSet::new()).await;
        }
        Ok(Decision::InPlace {
            spec,
            wanted,
            changed,
            timeout,
        }) => (spec, wanted, changed, timeout),
        Err(e) => return failed(&engine, &plan, current, e).await,
    };
    let what = format!(
        "changing {} in place",
        changed.iter().cloned().collect::<Vec<_>>().join(", ")
    );
    let (rec, outcome) = change_and_record(&engine, &plan, current, spec, wanted, &changed, timeout, what).await;
    (rec, outcome.map(|()| None))
}

/// Changes `rec` in place ([`Engine::change_in_place`]) with its `UPDATE_*` events, saying `what`.
#[allow(clippy::too_many_arguments)]
async fn change_and_record(
    engine: &Engine,
    plan: &Plan,
    mut rec: ResourceRecord,
    spec: &'static cloudstack_client::ParticipantSpec,
    wanted: Vec<(String, String)>,
    changed: &BTreeSet<String>,
    timeout: std::time::Duration,
    what: String,
) -> Visited<()> {
    let (logical, type_name, pid) = (rec.logical.clone(), rec.type_name.clone(), rec.physical_id.clone());
    engine
        .event(
            plan,
            &logical,
            &type_name,
            pid.as_deref(),
            Status::UpdateInProgress,
            Some(what),
        )
        .await;
    match engine
        .change_in_place(plan, spec, &mut rec, wanted, changed, Status::UpdateComplete, timeout)
        .await
    {
        Ok(()) => {
            engine
                .event(plan, &logical, &type_name, pid.as_deref(), Status::UpdateComplete, None)
                .await;
            (rec, Ok(()))
        }
        Err(e) => failed(engine, plan, rec, e).await,
    }
}

/// Records that a resource's change failed.
async fn failed<T>(engine: &Engine, plan: &Plan, mut rec: ResourceRecord, error: ResourceError) -> Visited<T> {
    let failure = error.failure(&rec.logical, &rec.type_name, &plan.masker());
    let reason = error.to_string();
    rec.status = Status::UpdateFailed;
    rec.reason = Some(reason.clone());
    if let Err(e) = engine.persist(plan, &rec).await {
        tracing::error!(error = %e, "could not record a failed update");
    }
    let (t, pid) = (rec.type_name.clone(), rec.physical_id.clone());
    engine
        .event(
            plan,
            &rec.logical,
            &t,
            pid.as_deref(),
            Status::UpdateFailed,
            Some(reason),
        )
        .await;
    (rec, Err(failure))
}

/// The forward walk of an update: adds as a create does (the create visitor, with its tagging),
/// modifies through [`modify_and_record`].
pub(crate) struct UpdateVisitor<'a> {
    pub(crate) inner: CreateVisitor<'a>,
    /// The resources that are added or modified, by logical id.
    pub(crate) changes: BTreeMap<String, ResourceChange>,
}

impl Visitor for UpdateVisitor<'_> {
    type Output = Visited<Option<TagWork>>;

    fn start(&mut self, logical: &str, priority: u32) -> Visit<Self::Output> {
        let Some(change) = self.changes.get(logical).filter(|c| c.action == Action::Modify) else {
            return self.inner.start(logical, priority);
        };
        let plan = &self.inner.plan;
        let r = &plan.resources[logical];
        let current = self
            .inner
            .records
            .get(logical)
            .cloned()
            .unwrap_or_else(|| ResourceRecord::new(logical, &r.type_name, Status::CreateInProgress));
        let span = tracing::info_span!("resource", resource = %logical, kind = %r.type_name);
        let visit = modify_and_record(
            self.inner.engine.clone(),
            Arc::clone(plan),
            logical.to_string(),
            current,
            snapshot(self.inner.records, r),
            change.clone(),
        );
        Box::pin(cloudstack_client::with_priority(priority, visit).instrument(span))
    }

    fn finish(&mut self, logical: &str, output: Self::Output) -> bool {
        self.inner.finish(logical, output)
    }

    fn panicked(&mut self, logical: &str, message: String) {
        self.inner.panicked(logical, message);
    }
}

/// The properties whose recorded values differ from `wanted`'s and that can change back in place
/// (a masked value is a NoEcho one, not a change).
fn to_change_back(
    spec: &'static cloudstack_client::ParticipantSpec,
    recorded: &[(String, String)],
    wanted: &[(String, String)],
) -> BTreeSet<String> {
    let base = |k: &str| k.split('[').next().unwrap_or(k).to_ascii_lowercase();
    let names: BTreeSet<String> = recorded.iter().chain(wanted).map(|(k, _)| base(k)).collect();
    names
        .into_iter()
        .filter(|p| {
            let (was, want) = (entries_of(recorded, p), entries_of(wanted, p));
            was != want
                && !was.iter().any(|(_, v)| v.contains(crate::secrets::MASK))
                && !replaces(ResourceKind::CloudStack(spec), p)
        })
        .collect()
}

/// Changes one resource back to the old plan's values, where the update changed it in place.
async fn revert_and_record(
    engine: Engine,
    plan: Arc<Plan>,
    mut rec: ResourceRecord,
    snapshot: BTreeMap<String, ResourceRecord>,
) -> Visited<()> {
    let logical = rec.logical.clone();
    let r = &plan.resources[&logical];
    let ResourceKind::CloudStack(spec) = r.kind else {
        return (rec, Ok(()));
    };
    let view = View(&snapshot, &plan.resources);
    let wanted = plan.evaluate_properties(r, &view).and_then(|mut props| {
        let timeout = engine.timeout_of(&r.type_name, props.remove(crate::plan::TIMEOUT_PROPERTY).as_ref());
        Ok((plan.create_call(&r.logical, spec, props)?.wire, timeout))
    });
    let (wanted, timeout) = match wanted {
        Ok(w) => w,
        Err(e) => return failed(&engine, &plan, rec, e.into()).await,
    };
    let changed = to_change_back(spec, &rec.create_wire, &wanted);
    if changed.is_empty() {
        if matches!(rec.status, Status::UpdateInProgress | Status::UpdateFailed) {
            rec.status = Status::UpdateComplete;
            rec.intent = None;
            if let Err(e) = engine.persist(&plan, &rec).await {
                let failure = ResourceError::from(e).failure(&rec.logical, &rec.type_name, &plan.masker());
                return (rec, Err(failure));
            }
        }
        return (rec, Ok(()));
    }
    let what = format!(
        "changing {} back",
        changed.iter().cloned().collect::<Vec<_>>().join(", ")
    );
    change_and_record(&engine, &plan, rec, spec, wanted, &changed, timeout, what).await
}

/// The rollback's forward walk over the old plan: changes back what was changed in place.
pub(crate) struct RevertVisitor<'a> {
    pub(crate) engine: &'a Engine,
    pub(crate) plan: Arc<Plan>,
    pub(crate) records: &'a mut BTreeMap<String, ResourceRecord>,
}

impl Visitor for RevertVisitor<'_> {
    type Output = Visited<()>;

    fn start(&mut self, logical: &str, priority: u32) -> Visit<Self::Output> {
        let r = &self.plan.resources[logical];
        let rec = self.records[logical].clone();
        let span = tracing::info_span!("resource", resource = %logical, kind = %r.type_name);
        let visit = revert_and_record(
            self.engine.clone(),
            Arc::clone(&self.plan),
            rec,
            snapshot(self.records, r),
        );
        Box::pin(cloudstack_client::with_priority(priority, visit).instrument(span))
    }

    fn finish(&mut self, logical: &str, (rec, outcome): Self::Output) -> bool {
        self.records.insert(logical.to_string(), rec);
        outcome.is_ok()
    }

    fn panicked(&mut self, logical: &str, message: String) {
        tracing::error!(resource = %logical, %message, "the task changing a resource back panicked");
    }
}

/// Deletes the old resource a live one replaced (or, after a rollback, the replacement), writing
/// it inside the live record; the live record comes back without it once it is gone.
async fn delete_replaced_and_record(engine: Engine, plan: Arc<Plan>, mut live: ResourceRecord) -> Visited<()> {
    let Some(old) = live.replaced.take() else {
        return (live, Ok(()));
    };
    let mut old = *old;
    let logical = live.logical.clone();
    let kind = plan.resources[&logical].kind;
    let (type_name, pid) = (old.type_name.clone(), old.physical_id.clone());
    engine
        .event(
            &plan,
            &logical,
            &type_name,
            pid.as_deref(),
            Status::DeleteInProgress,
            None,
        )
        .await;
    let outcome = engine
        .delete_one(&plan, kind, old.clone(), &Slot::ReplacedIn(&live))
        .await;
    let (status, reason) = match &outcome {
        Ok(()) => (Status::DeleteComplete, None),
        Err(e) => {
            old.status = Status::DeleteFailed;
            old.reason = Some(e.to_string());
            old.intent = None;
            old.job_id = None;
            live.replaced = Some(Box::new(old));
            (Status::DeleteFailed, Some(e.to_string()))
        }
    };
    if let Err(e) = engine.persist(&plan, &live).await {
        tracing::error!(error = %e, "could not record the deletion of a replaced resource");
    }
    engine
        .event(&plan, &logical, &type_name, pid.as_deref(), status, reason)
        .await;
    (
        live,
        outcome.map_err(|e| e.failure(&logical, &type_name, &plan.masker())),
    )
}

/// A clean-up's backward walk: deletes the records named in `own`, and the `replaced` part of
/// the others.
pub(crate) struct CleanupVisitor<'a> {
    pub(crate) engine: &'a Engine,
    pub(crate) plan: Arc<Plan>,
    pub(crate) records: &'a mut BTreeMap<String, ResourceRecord>,
    pub(crate) own: BTreeSet<String>,
}

impl Visitor for CleanupVisitor<'_> {
    type Output = Visited<()>;

    fn start(&mut self, logical: &str, priority: u32) -> Visit<Self::Output> {
        let rec = self.records[logical].clone();
        let span = tracing::info_span!("resource", resource = %logical, kind = %rec.type_name);
        let (engine, plan) = (self.engine.clone(), Arc::clone(&self.plan));
        if self.own.contains(logical) {
            Box::pin(cloudstack_client::with_priority(priority, delete_and_record(engine, plan, rec)).instrument(span))
        } else {
            let visit = delete_replaced_and_record(engine, plan, rec);
            Box::pin(cloudstack_client::with_priority(priority, visit).instrument(span))
        }
    }

    fn finish(&mut self, logical: &str, (rec, outcome): Self::Output) -> bool {
        self.records.insert(logical.to_string(), rec);
        outcome.is_ok()
    }

    fn panicked(&mut self, logical: &str, message: String) {
        tracing::error!(resource = %logical, %message, "the task cleaning up a resource panicked");
    }
}
