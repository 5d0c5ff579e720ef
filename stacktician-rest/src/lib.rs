//! The contract of stacktician's REST API (`/v1`) as Rust types: every request body the service
//! takes, every answer it gives, and its error, shared by the server (which builds its answers from
//! them), `stackmate --service`, the service bench and the tests, so that a field renamed on one
//! side fails to compile on the other. `stacktician/openapi.json` describes the same shapes and a
//! test of the service checks each schema's properties against these types.
//!
//! Requests refuse unknown fields, as the service does; answers keep every field (absent values are
//! `null`) unless a field's doc says it is left out.
//!
//! ```
//! use stacktician_rest::{Accepted, CreateStack, TemplateSource};
//!
//! let body = CreateStack {
//!     name: "web".into(),
//!     source: TemplateSource::text(r#"{"Resources": {"G": {"Type": "CloudStack::SecurityGroup"}}}"#),
//!     ..CreateStack::default()
//! };
//! let json = serde_json::to_value(&body).expect("serializes");
//! assert_eq!(json["name"], "web");
//! let answer: Accepted = serde_json::from_str(
//!     r#"{"stack": "web", "operation": {"id": 7, "stack": "web", "kind": "create", "state": "queued",
//!         "outcome": null, "failure": null, "created": "2026-12-07T20:00:00Z", "started": null,
//!         "finished": null, "attempts": 0}}"#,
//! ).expect("reads");
//! assert_eq!(answer.operation.id, 7);
//! ```

mod accounts;
mod change_sets;
mod errors;
mod events;
mod operations;
mod stacks;
mod templates;

pub use accounts::{NewOwner, NewToken, OwnerList, OwnerView, RevokedToken, TokenList, TokenView, Whoami};
pub use change_sets::{ChangeSetList, ChangeSetView, CreateChangeSet, DeletedChangeSet, ExecuteChangeSet};
pub use errors::{ErrorAnswer, ErrorBody, ProblemView};
pub use events::{EventPage, EventView};
pub use operations::{Accepted, FailedResource, OperationList, OperationView};
pub use stacks::{
    CreateStack, GraphEdge, GraphNode, OutputView, ResourceList, ResourceView, SecretsBody, StackDescription,
    StackGraph, StackList, StackOutputs, StackSummary, StackTemplate, TemplateSource, UpdateStack,
};
pub use templates::{
    DeclaredParameter, DeclaredResource, StoreTemplate, StoredTemplate, TemplateList, Validate, ValidateAnswer,
};

/// The API's version prefix.
pub const PREFIX: &str = "/v1";
