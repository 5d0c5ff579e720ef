//! Change sets kept with a stack (CloudFormation's CreateChangeSet, DescribeChangeSet,
//! ListChangeSets, ExecuteChangeSet, DeleteChangeSet): the diff of an update, made and stored
//! without touching the cloud, to be read, and executed later as the update it describes. A change
//! set goes stale when the stack changes after it was made (another update, a rollback, a
//! delete): executing a stale one is refused, as its diff no longer says what would happen.
//! Executing one discards the stack's others. NoEcho values are never stored: they are given
//! again to execute.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{diff, ChangeSetError, ResourceChange};
use crate::durable::DurableError;
use crate::engine::Engine;
use crate::run::StackRun;
use crate::state::{ChangeSetRecord, StateError};
use crate::update::{UpdateError, UpdateOptions};

/// A change set as kept in the store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredChangeSet {
    /// Its name.
    pub name: String,
    /// The stack.
    pub stack: String,
    /// The new template's text.
    pub template: String,
    /// The parameters given, without NoEcho values.
    pub params: BTreeMap<String, String>,
    /// The NoEcho parameters given (their values are asked for again to execute).
    pub no_echo: Vec<String>,
    /// What it changes.
    pub changes: Vec<ResourceChange>,
    /// When the stack was last changed when this was made (ms since the epoch): a stack changed
    /// since makes it stale.
    pub stack_updated_ms: u64,
    /// When it was made.
    pub created_ms: u64,
    /// Whether the stack changed since (filled in when read).
    #[serde(default)]
    pub stale: bool,
}

/// Why a change set operation was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoredChangeSetError {
    /// Planning or reading the stack failed.
    #[error(transparent)]
    ChangeSet(#[from] ChangeSetError),
    /// The name is not a change set name.
    #[error("{0:?} is not a change set name: it has 1 to 128 letters, digits and dashes, starting with a letter")]
    BadName(String),
    /// No change set of that name.
    #[error("stack {stack} has no change set {name}")]
    Unknown {
        /// The stack.
        stack: String,
        /// The name asked for.
        name: String,
    },
    /// The stack changed after the change set was made.
    #[error(
        "change set {name} of stack {stack} is stale: the stack changed after it was made, so it no longer \
         says what would happen; make a new one"
    )]
    Stale {
        /// The stack.
        stack: String,
        /// The change set.
        name: String,
    },
    /// Executing it failed or was refused.
    #[error(transparent)]
    Update(#[from] UpdateError),
}

impl From<StateError> for StoredChangeSetError {
    fn from(e: StateError) -> Self {
        Self::ChangeSet(ChangeSetError::Stack(DurableError::State(e)))
    }
}

impl From<DurableError> for StoredChangeSetError {
    fn from(e: DurableError) -> Self {
        Self::ChangeSet(ChangeSetError::Stack(e))
    }
}

fn check_name(name: &str) -> Result<(), StoredChangeSetError> {
    let ok = (1..=128).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if ok {
        Ok(())
    } else {
        Err(StoredChangeSetError::BadName(name.to_string()))
    }
}

impl Engine {
    /// Makes change set `set` of stack `name`: what updating it to `template_text` with `params`
    /// would do (see [`Engine::preview_update`]), kept with the stack. Nothing is called.
    pub async fn create_change_set(
        &self,
        name: &str,
        set: &str,
        template_text: &str,
        params: &BTreeMap<String, String>,
        secrets: &BTreeMap<String, String>,
    ) -> Result<StoredChangeSet, StoredChangeSetError> {
        check_name(set)?;
        let record = self.stack_record(name).await?;
        let old = self.teardown_plan(name, secrets).await?;
        let new = self.plan_update(&record, &old, template_text, params, secrets)?;
        let (kept, no_echo): (Vec<_>, Vec<_>) = params
            .iter()
            .partition(|(k, _)| !new.params.get(*k).is_some_and(|p| p.no_echo));
        let stored = StoredChangeSet {
            name: set.to_string(),
            stack: name.to_string(),
            template: template_text.to_string(),
            params: kept.into_iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            no_echo: no_echo.into_iter().map(|(k, _)| k.clone()).collect(),
            changes: diff(&old, &new),
            stack_updated_ms: record.updated_ms,
            created_ms: crate::state::now_ms(),
            stale: false,
        };
        let body = serde_json::to_string(&stored).unwrap_or_default();
        let row = ChangeSetRecord {
            name: set.to_string(),
            body,
            created_ms: stored.created_ms,
        };
        self.locked(name, async {
            let store = self.store.as_ref().ok_or(DurableError::NoStore)?;
            let lease = self.lease_for_write(name)?;
            store.save_change_set(&lease, &row).await?;
            Ok::<_, StoredChangeSetError>(())
        })
        .await?;
        Ok(stored)
    }

    /// The change sets of stack `name`, each marked stale or not.
    pub async fn change_sets(&self, name: &str) -> Result<Vec<StoredChangeSet>, StoredChangeSetError> {
        let record = self.stack_record(name).await?;
        let store = self.store.as_ref().ok_or(DurableError::NoStore)?;
        let rows = store.change_sets(name).await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let mut set: StoredChangeSet = serde_json::from_str(&row.body).map_err(|e| StateError::Corrupt {
                stack: name.to_string(),
                message: format!("change set {}: {e}", row.name),
            })?;
            set.stale = set.stack_updated_ms != record.updated_ms;
            out.push(set);
        }
        Ok(out)
    }

    /// Change set `set` of stack `name`.
    pub async fn change_set(&self, name: &str, set: &str) -> Result<StoredChangeSet, StoredChangeSetError> {
        self.change_sets(name)
            .await?
            .into_iter()
            .find(|c| c.name == set)
            .ok_or_else(|| StoredChangeSetError::Unknown {
                stack: name.to_string(),
                name: set.to_string(),
            })
    }

    /// Deletes change set `set` of stack `name`.
    pub async fn delete_change_set(&self, name: &str, set: &str) -> Result<(), StoredChangeSetError> {
        self.change_set(name, set).await?;
        self.locked(name, async {
            let store = self.store.as_ref().ok_or(DurableError::NoStore)?;
            let lease = self.lease_for_write(name)?;
            store.remove_change_sets(&lease, Some(set)).await?;
            Ok::<_, StoredChangeSetError>(())
        })
        .await
    }

    /// Executes change set `set` of stack `name`: the update it describes, refused when it is
    /// stale. `secrets` gives the NoEcho values (the stack's and the change set's).
    pub async fn execute_change_set(
        &self,
        name: &str,
        set: &str,
        secrets: &BTreeMap<String, String>,
        options: &UpdateOptions,
    ) -> Result<StackRun, StoredChangeSetError> {
        let stored = self.change_set(name, set).await?;
        if stored.stale {
            return Err(StoredChangeSetError::Stale {
                stack: name.to_string(),
                name: set.to_string(),
            });
        }
        let mut params = stored.params.clone();
        for p in &stored.no_echo {
            if let Some(v) = secrets.get(p) {
                params.insert(p.clone(), v.clone());
            }
        }
        Ok(self.update(name, &stored.template, &params, secrets, options).await?)
    }
}
