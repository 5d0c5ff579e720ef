//! A resource's create call as pure data: its properties evaluated against what its dependencies
//! made, and, for a CloudStack participant, the request with its exact wire parameters (a `name`
//! made unique per stack when the plan says so) and the template's own `Tags`. The engine sends
//! what this builds; reviews, diffs and tests read it without a cloud ([`Plan::create_wire`]).

use cloudstack_client::{DynamicRequest, ParticipantSpec};
use serde_json::{Map, Value};

use super::{Plan, PlannedResource, ResourceKind};
use crate::intrinsics::ResourceView;
use crate::problem::Problem;

/// Why a resource's create call could not be built from its properties.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WireError {
    /// A property could not be evaluated (the pointer is in the problem).
    #[error("{0}")]
    Property(Problem),
    /// A property depends on a value that no resource provided.
    #[error("property {property} depends on a value that is not known")]
    Unresolved {
        /// The property.
        property: String,
    },
    /// A property value does not fit the API's parameter.
    #[error(transparent)]
    Request(#[from] cloudstack_client::BuildError),
}

/// A CloudStack resource's create call.
pub struct CreateCall {
    /// The request, ready to send.
    pub request: DynamicRequest,
    /// Its wire parameters.
    pub wire: Vec<(String, String)>,
    /// The template's `Tags` (for types whose API takes none), to go on with the stack's tags.
    pub extra_tags: Vec<(String, String)>,
}

/// The template's `Tags` property (`[{"Key": .., "Value": ..}]`), for types whose API has no `tags`.
fn template_tags(v: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for t in v.as_array().into_iter().flatten() {
        let get = |n: &str| {
            t.as_object()
                .and_then(|o| o.iter().find(|(k, _)| k.eq_ignore_ascii_case(n)))
                .and_then(|(_, v)| v.as_str())
        };
        if let (Some(key), Some(value)) = (get("Key"), get("Value")) {
            out.push((key.to_string(), value.to_string()));
        }
    }
    out
}

impl Plan {
    /// `r`'s properties evaluated with `view` answering its references; `AWS::NoValue` ones left out.
    pub fn evaluate_properties(
        &self,
        r: &PlannedResource,
        view: &(dyn ResourceView + Sync),
    ) -> Result<Map<String, Value>, WireError> {
        let mut props = Map::new();
        for (k, v) in &r.decl.properties {
            match self.evaluate(view, v, &format!("/Resources/{}/Properties/{k}", r.logical)) {
                Ok(Some(v)) if v.as_str() == Some(crate::intrinsics::NO_VALUE) => {}
                Ok(Some(v)) => {
                    props.insert(k.clone(), v);
                }
                Ok(None) => return Err(WireError::Unresolved { property: k.clone() }),
                Err(p) => return Err(WireError::Property(p)),
            }
        }
        Ok(props)
    }

    /// The create call of participant `spec` with evaluated properties `props` (without
    /// `StackMateTimeout`, which is not sent).
    pub fn create_call(
        &self,
        logical: &str,
        spec: &'static ParticipantSpec,
        props: Map<String, Value>,
    ) -> Result<CreateCall, WireError> {
        // A nested stack's resource is named with its nesting path too: `<stack>-Db-<name>`.
        let prefix = match crate::nesting::name_path(logical) {
            Some(path) => format!("{}-{path}", self.options.stack_name),
            None => self.options.stack_name.clone(),
        };
        let mut request = DynamicRequest::new(spec.create);
        let mut extra_tags = Vec::new();
        for (k, v) in props {
            if k.eq_ignore_ascii_case("tags") && spec.param(&k).is_none() {
                extra_tags = template_tags(&v);
                continue;
            }
            let v = match (self.options.unique_names, spec.param(&k)) {
                (true, Some(p)) if p.name == "name" => {
                    v.as_str().map_or(v.clone(), |s| Value::String(format!("{prefix}-{s}")))
                }
                _ => v,
            };
            request.set_json(&k, &v)?;
        }
        let wire = cloudstack_client::Request::wire_params(&request)?;
        Ok(CreateCall {
            request,
            wire,
            extra_tags,
        })
    }

    /// The wire parameters of `logical`'s create call, with `resources` answering its references:
    /// `None` for a resource that is not a CloudStack participant (a wait condition, a custom type)
    /// or does not exist. Nothing is called.
    pub fn create_wire(
        &self,
        logical: &str,
        resources: &(dyn ResourceView + Sync),
    ) -> Result<Option<Vec<(String, String)>>, WireError> {
        let Some(r) = self.resources.get(logical) else {
            return Ok(None);
        };
        let ResourceKind::CloudStack(spec) = r.kind else {
            return Ok(None);
        };
        let mut props = self.evaluate_properties(r, resources)?;
        props.remove(super::TIMEOUT_PROPERTY);
        Ok(Some(self.create_call(logical, spec, props)?.wire))
    }
}
