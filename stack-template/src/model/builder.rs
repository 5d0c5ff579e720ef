//! Building a stack in Rust code, without a template.
//!
//! ```
//! use serde_json::json;
//! use stack_template::builder::StackBuilder;
//!
//! let template = StackBuilder::new()
//!     .string_parameter("Zone", None)
//!     .resource("Web", "CloudStack::SecurityGroup", json!({"name": "web"}))
//!     .resource("Http", "CloudStack::SecurityGroupIngress",
//!               json!({"securitygroupid": {"Ref": "Web"}, "protocol": "tcp", "startport": 80, "endport": 80}))
//!     .output("Group", json!({"Ref": "Web"}))
//!     .build();
//! assert_eq!(template.resources.len(), 2);
//! ```

use serde_json::{Map, Value};

use crate::template::{DeletionPolicy, Dialect, OutputDecl, ParamKind, ParameterDecl, ResourceDecl, Template};

/// Builds a [`Template`] step by step; validation happens in [`crate::plan::plan`], as for templates.
#[derive(Debug, Clone)]
pub struct StackBuilder {
    template: Template,
}

impl Default for StackBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl StackBuilder {
    /// An empty stack.
    pub fn new() -> Self {
        Self {
            template: Template {
                dialect: Dialect::Unspecified,
                description: None,
                parameters: Default::default(),
                mappings: Map::new(),
                conditions: Map::new(),
                resources: Default::default(),
                outputs: Default::default(),
            },
        }
    }

    /// Sets the description.
    pub fn description(mut self, text: impl Into<String>) -> Self {
        self.template.description = Some(text.into());
        self
    }

    /// Declares a parameter.
    pub fn parameter(mut self, name: impl Into<String>, decl: ParameterDecl) -> Self {
        self.template.parameters.insert(name.into(), decl);
        self
    }

    /// Declares a plain String parameter with an optional default.
    pub fn string_parameter(self, name: impl Into<String>, default: Option<&str>) -> Self {
        self.parameter(
            name,
            ParameterDecl {
                kind: ParamKind::String,
                default: default.map(str::to_string),
                no_echo: false,
                allowed_values: Vec::new(),
                allowed_pattern: None,
                min_length: None,
                max_length: None,
                min_value: None,
                max_value: None,
                constraint_description: None,
                description: None,
            },
        )
    }

    /// Adds a resource; `properties` is a JSON object (intrinsics allowed).
    pub fn resource(mut self, logical: impl Into<String>, type_name: impl Into<String>, properties: Value) -> Self {
        let properties = match properties {
            Value::Object(o) => o,
            _ => Map::new(),
        };
        self.template.resources.insert(
            logical.into(),
            ResourceDecl {
                kind: type_name.into(),
                properties,
                depends_on: Vec::new(),
                depends_on_list: true,
                condition: None,
                deletion_policy: DeletionPolicy::Delete,
                update_replace_policy: DeletionPolicy::Delete,
                metadata: None,
            },
        );
        self
    }

    /// Makes `logical` depend on `on` (DependsOn).
    pub fn depends_on(mut self, logical: &str, on: impl Into<String>) -> Self {
        if let Some(r) = self.template.resources.get_mut(logical) {
            r.depends_on.push(on.into());
        }
        self
    }

    /// Keeps `logical` when the stack is deleted (DeletionPolicy Retain).
    pub fn retain(mut self, logical: &str) -> Self {
        if let Some(r) = self.template.resources.get_mut(logical) {
            r.deletion_policy = DeletionPolicy::Retain;
        }
        self
    }

    /// Sets a resource's Metadata (served to cfn-init).
    pub fn metadata(mut self, logical: &str, metadata: Value) -> Self {
        if let Some(r) = self.template.resources.get_mut(logical) {
            r.metadata = Some(metadata);
        }
        self
    }

    /// Adds an output.
    pub fn output(mut self, name: impl Into<String>, value: Value) -> Self {
        self.template.outputs.insert(
            name.into(),
            OutputDecl {
                value,
                description: None,
                condition: None,
                export_name: None,
            },
        );
        self
    }

    /// The template.
    pub fn build(self) -> Template {
        self.template
    }
}
