//! Importing resources made outside any stack (CloudFormation's resource import): each named
//! physical resource is read through its type's list API, checked to exist, to belong to no other
//! stack (by its stack-id tag) and to match the template (the create parameters the template gives
//! it, compared as [`crate::drift`] compares them), and then recorded as the stack's own, as if
//! the stack had made it, and tagged. A later delete deletes it (unless `DeletionPolicy: Retain`).
//!
//! Into a new stack, every resource of the template is imported; into an existing one, the template
//! is the stack's with the imported resources added and nothing else changed. Nothing is called
//! but list calls until every check passed. An import never rolls back (that would delete what it
//! adopted): a failure to tag leaves the stack `CREATE_FAILED` or `UPDATE_COMPLETE` with the
//! resource recorded, and `resume` (or the next update) finishes the tags.
//!
//! A `name` the stack would have made unique (`<stack>-<name>`) may be the template's name as it
//! is: the resource keeps the name it has.

use std::collections::BTreeMap;

use cloudstack_client::decode::unwrap_object;
use serde_json::Value;

use crate::change_set::{diff, Action, ChangeSetError};
use crate::drift::{compare, PropertyDrift};
use crate::durable::DurableError;
use crate::engine::Engine;
use crate::events::Status;
use crate::plan::{Plan, ResourceKind};
use crate::problem::Problems;
use crate::run::{StackError, StackRun};
use crate::state::{ResourceRecord, StackVersion, StateError};
use crate::step::View;

/// Why an import was refused or failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImportError {
    /// The stack could not be read, planned again or written.
    #[error(transparent)]
    Stack(#[from] DurableError),
    /// The template or its parameters are not valid.
    #[error("the template:\n{0}")]
    Invalid(Problems),
    /// A stack of the name exists (for an import into a new stack), or is not complete.
    #[error("stack {stack} is {}: {advice}", status.as_str())]
    StackState {
        /// The stack.
        stack: String,
        /// Its status.
        status: Status,
        /// What to do.
        advice: &'static str,
    },
    /// The resources to import and the template do not agree.
    #[error("{0}")]
    Scope(String),
    /// A resource cannot be imported.
    #[error("{logical}: {why}")]
    NotImportable {
        /// The logical id.
        logical: String,
        /// Why.
        why: String,
    },
    /// The physical resource does not exist.
    #[error("{logical}: no {type_name} {id} exists (or it is not visible to this account)")]
    Missing {
        /// The logical id.
        logical: String,
        /// The type.
        type_name: String,
        /// The physical id given.
        id: String,
    },
    /// The physical resource belongs to another stack.
    #[error("{logical}: {id} belongs to stack {other} (its stack-id tag); delete it from there first")]
    Owned {
        /// The logical id.
        logical: String,
        /// The physical id.
        id: String,
        /// The other stack's id.
        other: String,
    },
    /// The physical resource is not what the template says.
    #[error(
        "{logical}: {id} does not match the template: {}; change the template to what the resource is",
        differences.iter().map(|d| format!("{} is {} where the template says {}", d.property, d.actual, d.expected)).collect::<Vec<_>>().join(", ")
    )]
    Mismatch {
        /// The logical id.
        logical: String,
        /// The physical id.
        id: String,
        /// How it differs.
        differences: Vec<PropertyDrift>,
    },
    /// The resources were recorded but their tags could not all be put on.
    #[error(transparent)]
    Failed(#[from] StackError),
}

impl From<StateError> for ImportError {
    fn from(e: StateError) -> Self {
        Self::Stack(DurableError::State(e))
    }
}

/// The logical ids of `imports` that `plan` lacks, and the plan's enabled resources `imports` lacks.
fn unmatched(plan: &Plan, imports: &BTreeMap<String, String>) -> (Vec<String>, Vec<String>) {
    let unknown = imports
        .keys()
        .filter(|l| !plan.resources.get(*l).is_some_and(|r| r.enabled))
        .cloned()
        .collect();
    let missing = plan
        .resources
        .values()
        .filter(|r| r.enabled && !imports.contains_key(&r.logical))
        .map(|r| r.logical.clone())
        .collect();
    (unknown, missing)
}

impl Engine {
    /// Imports `imports` (logical id -> physical id) as a new stack of `plan` (made as for
    /// [`Engine::create`]): every resource of the template is imported.
    pub async fn import_new(&self, plan: Plan, imports: &BTreeMap<String, String>) -> Result<StackRun, ImportError> {
        let name = plan.options.stack_name.clone();
        let (unknown, missing) = unmatched(&plan, imports);
        if !unknown.is_empty() || !missing.is_empty() {
            return Err(ImportError::Scope(format!(
                "an import into a new stack names every resource of its template: {}{}",
                if unknown.is_empty() {
                    String::new()
                } else {
                    format!("the template has no {}; ", unknown.join(", "))
                },
                if missing.is_empty() {
                    String::new()
                } else {
                    format!("no physical id is given for {}", missing.join(", "))
                },
            )));
        }
        self.locked(&name, async {
            if let Some(store) = &self.store {
                if let Some(old) = store.stack(&name).await? {
                    if !matches!(old.status, Status::DeleteComplete | Status::RollbackComplete) {
                        return Err(ImportError::StackState {
                            stack: name.clone(),
                            status: old.status,
                            advice: "a stack of this name exists; import into it with a template that adds the \
                                     resources, or pick another name",
                        });
                    }
                    self.forget_stack(&name).await?;
                }
            }
            let adopted = self.adopt(&plan, imports, &BTreeMap::new()).await?;
            // An import never rolls back: that would delete what it adopted.
            self.save_stack(&plan, Status::CreateInProgress, true).await?;
            let ends = (Status::CreateComplete, Status::CreateFailed);
            self.record_imports(plan, BTreeMap::new(), adopted, ends, true).await
        })
        .await
    }

    /// Imports `imports` into stack `name`, whose template becomes `template_text` (the stack's
    /// with the imported resources added, nothing else changed) with `params`.
    pub async fn import_existing(
        &self,
        name: &str,
        template_text: &str,
        params: &BTreeMap<String, String>,
        secrets: &BTreeMap<String, String>,
        imports: &BTreeMap<String, String>,
    ) -> Result<StackRun, ImportError> {
        self.locked(name, async {
            let record = self.stack_record(name).await?;
            if !record.status.is_stable() {
                return Err(ImportError::StackState {
                    stack: name.to_string(),
                    status: record.status,
                    advice: "an import starts from CREATE_COMPLETE, UPDATE_COMPLETE or UPDATE_ROLLBACK_COMPLETE",
                });
            }
            let old = self.stored_plan(name, secrets).await?;
            let new = self.plan_update(&record, &old, template_text, params, secrets).map_err(|e| match e {
                ChangeSetError::Invalid(p) => ImportError::Invalid(p),
                ChangeSetError::Stack(d) => ImportError::Stack(d),
            })?;
            let others: Vec<String> = diff(&old, &new)
                .into_iter()
                .filter(|c| !(c.action == Action::Add && imports.contains_key(&c.logical)))
                .map(|c| format!("{} ({:?})", c.logical, c.action))
                .collect();
            let not_new: Vec<&String> = imports.keys().filter(|l| old.resources.contains_key(*l)).collect();
            if !others.is_empty() || !not_new.is_empty() {
                return Err(ImportError::Scope(format!(
                    "an import adds the imported resources and changes nothing else{}{}; update the stack before or after",
                    if others.is_empty() { String::new() } else { format!(": the template also changes {}", others.join(", ")) },
                    if not_new.is_empty() {
                        String::new()
                    } else {
                        format!("; the stack already has {}", not_new.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", "))
                    },
                )));
            }
            let (unknown, _) = unmatched(&new, imports);
            if !unknown.is_empty() {
                return Err(ImportError::Scope(format!("the template has no {}", unknown.join(", "))));
            }
            let records = self.stored_records(name).await?;
            let adopted = self.adopt(&new, imports, &records).await?;
            let previous = StackVersion {
                template: record.template.clone(),
                params: record.params.clone(),
                no_echo: record.no_echo.clone(),
            };
            self.save_stack_version(&new, Status::UpdateInProgress, record.options.disable_rollback, Some(previous), None)
                .await?;
            let ends = (Status::UpdateComplete, Status::UpdateComplete);
            self.record_imports(new, records, adopted, ends, record.options.disable_rollback)
                .await
        })
        .await
    }

    /// Reads and checks each resource to import (in the plan's order, so references between them
    /// resolve); returns their records. Only list calls.
    async fn adopt(
        &self,
        plan: &Plan,
        imports: &BTreeMap<String, String>,
        existing: &BTreeMap<String, ResourceRecord>,
    ) -> Result<BTreeMap<String, ResourceRecord>, ImportError> {
        let mut known = existing.clone();
        let mut adopted = BTreeMap::new();
        for logical in plan.order.iter().filter(|l| imports.contains_key(*l)) {
            let id = &imports[logical];
            let r = &plan.resources[logical];
            let not = |why: &str| ImportError::NotImportable {
                logical: logical.clone(),
                why: why.to_string(),
            };
            let ResourceKind::CloudStack(spec) = r.kind else {
                return Err(not("only CloudStack resources can be imported"));
            };
            let (list, answer) = crate::recovery::entity_by_id(&self.client, plan.options.version, spec, id)
                .await
                .ok_or_else(|| not("its type has no list API to check that it exists"))?;
            let live = answer.map_err(|e| not(&format!("it could not be read: {e}")))?;
            let live = live.ok_or_else(|| ImportError::Missing {
                logical: logical.clone(),
                type_name: r.type_name.clone(),
                id: id.clone(),
            })?;
            if let Some(rtype) = spec.tag_resource_type {
                let ids = crate::tagging::stack_ids_on(&self.client, rtype, id)
                    .await
                    .unwrap_or_default();
                if let Some(other) = ids.into_iter().find(|s| *s != plan.options.stack_id) {
                    return Err(ImportError::Owned {
                        logical: logical.clone(),
                        id: id.clone(),
                        other,
                    });
                }
            }
            let view = View(&known, &plan.resources);
            let mut props = plan.evaluate_properties(r, &view).map_err(|e| not(&e.to_string()))?;
            props.remove(crate::plan::TIMEOUT_PROPERTY);
            let template_name = props
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("name"))
                .and_then(|(_, v)| v.as_str().map(str::to_string));
            let mut wire = plan
                .create_call(logical, spec, props)
                .map_err(|e| not(&e.to_string()))?
                .wire;
            // The resource keeps its name: the template's, without the stack's prefix.
            let live_name = live.get("name").and_then(Value::as_str);
            if let (Some(t), Some(l)) = (&template_name, live_name) {
                if t == l {
                    for (k, v) in &mut wire {
                        if k == "name" {
                            v.clone_from(t);
                        }
                    }
                }
            }
            let differences = compare(&r.type_name, &wire, &live, list.fields);
            if !differences.is_empty() {
                return Err(ImportError::Mismatch {
                    logical: logical.clone(),
                    id: id.clone(),
                    differences,
                });
            }
            let mut rec = ResourceRecord::new(logical, &r.type_name, Status::CreateComplete);
            rec.attributes = unwrap_object(live, spec.create.fields);
            crate::quirks::created_attributes(spec, &mut rec.attributes);
            let keys = spec
                .delete_params(&wire, &Value::Object(rec.attributes.clone()))
                .map_err(|e| not(&e.to_string()))?;
            rec.physical_id = keys.first().map(|(_, v)| v.clone()).or_else(|| Some(id.clone()));
            rec.create_wire = wire;
            rec.tagged = spec.tag_resource_type.is_none();
            rec.reason = Some("imported".into());
            known.insert(logical.clone(), rec.clone());
            adopted.insert(logical.clone(), rec);
        }
        Ok(adopted)
    }

    /// Records the adopted resources, tags them, and ends the stack at `ends.0` (or `ends.1` when a
    /// tag could not be put on).
    async fn record_imports(
        &self,
        plan: Plan,
        mut records: BTreeMap<String, ResourceRecord>,
        adopted: BTreeMap<String, ResourceRecord>,
        (done, failed): (Status, Status),
        disable_rollback: bool,
    ) -> Result<StackRun, ImportError> {
        let started = if done == Status::CreateComplete {
            Status::CreateInProgress
        } else {
            Status::UpdateInProgress
        };
        self.stack_event(&plan, started, Some("importing".into())).await;
        let mut tagging = Vec::new();
        for (logical, rec) in adopted {
            self.persist(&plan, &rec).await?;
            let pid = rec.physical_id.clone();
            self.event(
                &plan,
                &logical,
                &rec.type_name,
                pid.as_deref(),
                Status::CreateComplete,
                Some("imported".into()),
            )
            .await;
            if let ResourceKind::CloudStack(spec) = plan.resources[&logical].kind {
                let timeout = self.timeout_of(&rec.type_name, None);
                if let Some(work) = crate::tagging::pending_tags(&rec, spec, Vec::new(), timeout) {
                    tagging.push((rec.clone(), self.submit_tags(&plan, work, false)));
                }
            }
            records.insert(logical, rec);
        }
        self.tags.flush();
        let mut failure = None;
        for (rec, sent) in tagging {
            let logical = rec.logical.clone();
            match self.finish_tags(&plan, rec, sent).await {
                Ok(()) => {
                    if let Some(r) = records.get_mut(&logical) {
                        r.tagged = true;
                    }
                }
                Err(e) => {
                    failure.get_or_insert(format!("{logical}: the stack's tags could not be put on: {e}"));
                }
            }
        }
        let status = if failure.is_some() { failed } else { done };
        self.save_stack_version(&plan, status, disable_rollback, None, None)
            .await?;
        self.stack_event(&plan, status, failure.clone()).await;
        let mut run = StackRun {
            plan,
            resources: records,
            outputs: BTreeMap::new(),
            status,
        };
        run.outputs = self.outputs(&run);
        match failure {
            Some(reason) => Err(ImportError::Failed(StackError {
                stack: run.plan.options.stack_name.clone(),
                reason,
                run: Box::new(run.masked()),
                failure: None,
                refused: None,
            })),
            None => Ok(run.masked()),
        }
    }
}
