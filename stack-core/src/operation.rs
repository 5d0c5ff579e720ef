//! Operations as values: one way for every front-end (the CLI, the service's workers, an embedding
//! program) to ask the engine for a state-changing operation on a stack, and one shape of answer.
//!
//! A create carries its plan, made once by the caller ([`Engine::plan_create`] or [`crate::plan()`]): the template is read and
//! planned once per operation, and nothing is read again to run it. The other operations name a
//! stack the state store knows (the engine plans it again from its stored template).
//!
//! ```no_run
//! # async fn run(engine: stack_core::Engine) -> Result<(), stack_core::OperationError> {
//! use stack_core::operation::{Operation, Outcome};
//!
//! match engine.run(Operation::resume("web")).await? {
//!     Outcome::Stack(run) => println!("{}", run.status.as_str()),
//!     Outcome::DeletedByTags(found) => println!("{} resources deleted", found.len()),
//! }
//! # Ok(()) }
//! ```

use std::collections::BTreeMap;

use crate::change_set::StoredChangeSetError;
use crate::durable::DurableError;
use crate::engine::Engine;
use crate::lifecycle::{DeleteBy, Deleted};
use crate::plan::Plan;
use crate::resource_error::ResourceFailure;
use crate::run::{StackError, StackRun};
use crate::update::{UpdateError, UpdateOptions};

/// NoEcho parameter values by name: asked for again for every operation, never stored.
pub type Secrets = BTreeMap<String, String>;

/// A state-changing operation on one stack.
#[non_exhaustive]
pub enum Operation {
    /// Create the stack of a plan.
    Create(Box<Plan>),
    /// Update stack `name` to a new template.
    Update {
        /// The stack.
        name: String,
        /// The new template's text (nested templates in place).
        template: String,
        /// Parameter values given (others keep theirs), NoEcho ones included.
        params: BTreeMap<String, String>,
        /// The NoEcho values of the stack's current template.
        secrets: Secrets,
        /// Stack policy and drift handling.
        options: UpdateOptions,
    },
    /// Run a stored change set of stack `name`.
    ExecuteChangeSet {
        /// The stack.
        name: String,
        /// The change set.
        change_set: String,
        /// NoEcho values (the stack's and the change set's).
        secrets: Secrets,
        /// Stack policy and drift handling.
        options: UpdateOptions,
    },
    /// Delete stack `name`, found by its state or by its tags.
    Delete {
        /// The stack.
        name: String,
        /// How it is found.
        by: DeleteBy,
        /// NoEcho values.
        secrets: Secrets,
    },
    /// Finish a run of stack `name` left in progress (a crash, a lost lease).
    Resume {
        /// The stack.
        name: String,
        /// NoEcho values.
        secrets: Secrets,
    },
    /// Get stack `name` unstuck after its rollback or delete failed, leaving `skip` behind.
    ContinueRollback {
        /// The stack.
        name: String,
        /// Logical ids recorded as retained instead of deleted again.
        skip: Vec<String>,
        /// NoEcho values.
        secrets: Secrets,
    },
}

/// What kind of operation an [`Operation`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OperationKind {
    /// [`Operation::Create`].
    Create,
    /// [`Operation::Update`].
    Update,
    /// [`Operation::ExecuteChangeSet`].
    ExecuteChangeSet,
    /// [`Operation::Delete`].
    Delete,
    /// [`Operation::Resume`].
    Resume,
    /// [`Operation::ContinueRollback`].
    ContinueRollback,
}

impl OperationKind {
    /// Its spelling (snake case, as queues and logs show it).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Update => "update",
            Self::ExecuteChangeSet => "execute_change_set",
            Self::Delete => "delete",
            Self::Resume => "resume",
            Self::ContinueRollback => "continue_rollback",
        }
    }
}

impl Operation {
    /// Create the stack of `plan`.
    pub fn create(plan: Plan) -> Self {
        Self::Create(Box::new(plan))
    }

    /// Resume stack `name`, with no NoEcho values.
    pub fn resume(name: impl Into<String>) -> Self {
        Self::Resume {
            name: name.into(),
            secrets: Secrets::new(),
        }
    }

    /// Delete stack `name` by its state, with no NoEcho values.
    pub fn delete(name: impl Into<String>) -> Self {
        Self::Delete {
            name: name.into(),
            by: DeleteBy::State,
            secrets: Secrets::new(),
        }
    }

    /// Its kind.
    pub fn kind(&self) -> OperationKind {
        match self {
            Self::Create(_) => OperationKind::Create,
            Self::Update { .. } => OperationKind::Update,
            Self::ExecuteChangeSet { .. } => OperationKind::ExecuteChangeSet,
            Self::Delete { .. } => OperationKind::Delete,
            Self::Resume { .. } => OperationKind::Resume,
            Self::ContinueRollback { .. } => OperationKind::ContinueRollback,
        }
    }

    /// The stack it is about.
    pub fn stack(&self) -> &str {
        match self {
            Self::Create(plan) => &plan.options.stack_name,
            Self::Update { name, .. }
            | Self::ExecuteChangeSet { name, .. }
            | Self::Delete { name, .. }
            | Self::Resume { name, .. }
            | Self::ContinueRollback { name, .. } => name,
        }
    }
}

/// Shows the kind and the stack only: parameter values and NoEcho values are never shown.
impl std::fmt::Debug for Operation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Operation")
            .field("kind", &self.kind())
            .field("stack", &self.stack())
            .finish_non_exhaustive()
    }
}

/// What an operation that did not fail gives back.
#[derive(Debug)]
pub enum Outcome {
    /// The stack as it stands after it (its status says how it ended: a resume of a stack whose
    /// rollback had started ends rolled back).
    Stack(Box<StackRun>),
    /// A delete by tags: the resources deleted, as (tag type, id).
    DeletedByTags(Vec<(String, String)>),
}

impl Outcome {
    /// The stack's run, unless this was a delete by tags.
    pub fn run(&self) -> Option<&StackRun> {
        match self {
            Self::Stack(run) => Some(run),
            Self::DeletedByTags(_) => None,
        }
    }
}

/// Why an operation did not succeed, by what the caller can do about it.
#[derive(Debug, thiserror::Error)]
pub enum OperationError {
    /// A create failed or was refused before it started (the error says which).
    #[error(transparent)]
    Create(#[from] StackError),
    /// An operation on a stored stack failed (unknown stack, the store, the lock, a run that failed).
    #[error(transparent)]
    Stack(#[from] DurableError),
    /// An update was refused or failed.
    #[error(transparent)]
    Update(#[from] UpdateError),
    /// A change set could not be run.
    #[error(transparent)]
    ChangeSet(#[from] StoredChangeSetError),
}

impl OperationError {
    /// The run that failed, with the state after its rollback, when the operation ran and failed.
    pub fn failed(&self) -> Option<&StackError> {
        match self {
            Self::Create(e) => Some(e),
            Self::Stack(DurableError::Failed(e))
            | Self::Update(UpdateError::Failed(e) | UpdateError::Stack(DurableError::Failed(e)))
            | Self::ChangeSet(StoredChangeSetError::Update(
                UpdateError::Failed(e) | UpdateError::Stack(DurableError::Failed(e)),
            )) => Some(e),
            _ => None,
        }
    }

    /// The resource that failed first, as data (its failure's kind and the cloud's code).
    pub fn failure(&self) -> Option<&ResourceFailure> {
        self.failed().and_then(|e| e.failure.as_deref())
    }
}

impl Engine {
    /// Runs `operation`: the one door every front-end uses for a state-changing operation.
    pub async fn run(&self, operation: Operation) -> Result<Outcome, OperationError> {
        let stack = |run: StackRun| Outcome::Stack(Box::new(run));
        match operation {
            Operation::Create(plan) => Ok(stack(self.create(*plan).await?)),
            Operation::Update {
                name,
                template,
                params,
                secrets,
                options,
            } => Ok(stack(self.update(&name, &template, &params, &secrets, &options).await?)),
            Operation::ExecuteChangeSet {
                name,
                change_set,
                secrets,
                options,
            } => Ok(stack(
                self.execute_change_set(&name, &change_set, &secrets, &options).await?,
            )),
            Operation::Delete { name, by, secrets } => match self.delete_named(&name, by, &secrets).await? {
                Deleted::Stack(run) => Ok(Outcome::Stack(run)),
                Deleted::ByTags(found) => Ok(Outcome::DeletedByTags(found)),
            },
            Operation::Resume { name, secrets } => Ok(stack(self.resume(&name, &secrets).await?)),
            Operation::ContinueRollback { name, skip, secrets } => {
                Ok(stack(self.continue_rollback(&name, &skip, &secrets).await?))
            }
        }
    }
}
