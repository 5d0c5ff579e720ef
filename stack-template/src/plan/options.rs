//! [`PlanOptions`]: what a plan is made with besides its template and parameters.

use std::collections::BTreeMap;

use crate::limits::Limits;

/// Options of planning. Make them with [`PlanOptions::new`] and the setters; every field has a default
/// but the stack's name, id and release.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PlanOptions {
    /// The stack's name.
    pub stack_name: String,
    /// The stack's id (the engine makes a unique one).
    pub stack_id: String,
    /// The CloudStack version whose participants are the `CloudStack::` types.
    pub version: &'static cloudstack_api::Version,
    /// The cloud's zone ids (Fn::GetAZs, the Region/Zone pseudo parameters).
    pub zones: Vec<String>,
    /// Make a `name` property unique per stack as StackMate did (`<StackName>-<value>`).
    pub unique_names: bool,
    /// Resource types registered by the embedding program, with the attributes they expose (empty:
    /// any attribute).
    pub custom_types: BTreeMap<String, Vec<String>>,
    /// Base URL of the metadata/wait-condition server (`CloudStack::StackMateApiURL`).
    pub metadata_url: String,
    /// The token the stack's guests read their metadata with
    /// (`CloudStack::StackMateMetadataToken`; see the `metadata` module of stack-core). A secret: masked wherever
    /// it would be written, like a NoEcho value.
    pub metadata_token: cloudstack_client::Secret,
    /// The key the stack's wait-condition handle tokens are derived from (one per handle, the same
    /// on every run of the stack). A secret, never handed out.
    pub signal_key: cloudstack_client::Secret,
    /// What a template may hold.
    pub limits: Limits,
    /// Whether the engine that runs the plan serves guests (wait-condition signals, metadata): when
    /// it does not, wait conditions, their handles and the pseudo parameters that point guests at
    /// the server are refused.
    pub guest_services: bool,
    /// The stack's own tags (CloudFormation's stack tags): put on every resource that takes tags,
    /// beside the stack's id and name tags; a resource's own tag of the same key wins. Keys may not
    /// start with `cloudstack:` (the stack's own tags do).
    pub stack_tags: BTreeMap<String, String>,
    /// Minutes the create may take (CloudFormation's `TimeoutInMinutes`): once they are up, no
    /// resource is started, wait conditions stop waiting, and the create fails (and rolls back
    /// unless rollback is off).
    pub timeout_minutes: Option<u32>,
    /// When the create's time is up (ms since the epoch): set by the engine when the create starts
    /// (and again from the stored stack on a resume), from [`PlanOptions::timeout_minutes`].
    pub create_deadline_ms: Option<u64>,
    /// The stack policy (CloudFormation's JSON) kept with the stack from its create: its updates
    /// are checked against it.
    pub stack_policy: Option<String>,
}

/// Most stack tags a stack may have (CloudFormation's limit).
pub const MAX_STACK_TAGS: usize = 50;

/// Most minutes a create may be given (thirty days).
pub const MAX_TIMEOUT_MINUTES: u32 = 43_200;

/// What is wrong with `options`' stack tags and timeout, if anything: a tag key that is empty,
/// longer than 128 characters or reserved (`cloudstack:`), a value longer than 256, more than
/// [`MAX_STACK_TAGS`] tags, a timeout of 0 or more than [`MAX_TIMEOUT_MINUTES`].
pub fn check_stack_settings(options: &PlanOptions) -> Vec<crate::problem::Problem> {
    use crate::problem::Problem;
    let mut problems = Vec::new();
    if options.stack_tags.len() > MAX_STACK_TAGS {
        problems.push(Problem::new(
            "",
            format!(
                "{} stack tags: a stack has at most {MAX_STACK_TAGS}",
                options.stack_tags.len()
            ),
        ));
    }
    for (key, value) in &options.stack_tags {
        let shown: String = key.chars().take(40).collect();
        if key.trim().is_empty() || key.chars().count() > 128 {
            problems.push(Problem::new(
                "",
                format!("stack tag key {shown:?}: give 1 to 128 characters"),
            ));
        } else if key.to_ascii_lowercase().starts_with("cloudstack:") {
            problems.push(
                Problem::new("", format!("stack tag key {shown:?} is reserved"))
                    .hint("keys starting with cloudstack: are the stack's own tags"),
            );
        }
        if value.chars().count() > 256 {
            problems.push(Problem::new(
                "",
                format!("stack tag {shown:?}: its value is longer than 256 characters"),
            ));
        }
    }
    if let Some(m) = options.timeout_minutes {
        if m == 0 || m > MAX_TIMEOUT_MINUTES {
            problems.push(Problem::new(
                "",
                format!("a timeout of {m} minutes: give 1 to {MAX_TIMEOUT_MINUTES}"),
            ));
        }
    }
    problems
}

/// Whether a plan of template `text` may depend on the cloud's zones (`Fn::GetAZs`, the
/// Region/Zone pseudo parameters), so that they must be known before planning. Conservative: a
/// template that only mentions one of the names (in a description, say) is counted too; one that
/// does not cannot depend on them, so a front-end may plan it first and ask the cloud after.
pub fn uses_zones(text: &str) -> bool {
    ["GetAZs", "Region", "CloudStack::Zone"]
        .iter()
        .any(|n| text.contains(n))
}

impl PlanOptions {
    /// Options for stack `stack_name` with id `stack_id` on `version`: no zones known, unique names,
    /// no custom types, the metadata server on `http://127.0.0.1:4567/` with a random metadata token
    /// and signal key (the engine's `Engine::plan_options` of stack-core derives ones that a resume gives
    /// again), the default limits.
    pub fn new(
        stack_name: impl Into<String>,
        stack_id: impl Into<String>,
        version: &'static cloudstack_api::Version,
    ) -> Self {
        Self {
            stack_name: stack_name.into(),
            stack_id: stack_id.into(),
            version,
            zones: Vec::new(),
            unique_names: true,
            custom_types: BTreeMap::new(),
            metadata_url: "http://127.0.0.1:4567/".into(),
            metadata_token: cloudstack_client::Secret::new(crate::secrets::random_token()),
            signal_key: cloudstack_client::Secret::new(crate::secrets::random_token()),
            limits: Limits::default(),
            guest_services: true,
            stack_tags: BTreeMap::new(),
            timeout_minutes: None,
            create_deadline_ms: None,
            stack_policy: None,
        }
    }

    /// The cloud's zone ids.
    pub fn zones(mut self, zones: Vec<String>) -> Self {
        self.zones = zones;
        self
    }

    /// Whether `name` properties get the stack name in front.
    pub fn unique_names(mut self, on: bool) -> Self {
        self.unique_names = on;
        self
    }

    /// The custom resource types and their attributes.
    pub fn custom_types(mut self, types: BTreeMap<String, Vec<String>>) -> Self {
        self.custom_types = types;
        self
    }

    /// The metadata server's base URL.
    pub fn metadata_url(mut self, url: impl Into<String>) -> Self {
        self.metadata_url = url.into();
        self
    }

    /// The stack's metadata token.
    pub fn metadata_token(mut self, token: cloudstack_client::Secret) -> Self {
        self.metadata_token = token;
        self
    }

    /// The key the stack's wait-condition handle tokens are derived from.
    pub fn signal_key(mut self, key: cloudstack_client::Secret) -> Self {
        self.signal_key = key;
        self
    }

    /// Whether the engine serves guests (see [`PlanOptions::guest_services`]).
    pub fn guest_services(mut self, on: bool) -> Self {
        self.guest_services = on;
        self
    }

    /// The stack's own tags (see [`PlanOptions::stack_tags`]).
    pub fn stack_tags(mut self, tags: BTreeMap<String, String>) -> Self {
        self.stack_tags = tags;
        self
    }

    /// Minutes the create may take (see [`PlanOptions::timeout_minutes`]).
    pub fn timeout_minutes(mut self, minutes: Option<u32>) -> Self {
        self.timeout_minutes = minutes;
        self
    }

    /// The stack policy kept with the stack from its create.
    pub fn stack_policy(mut self, policy: Option<String>) -> Self {
        self.stack_policy = policy;
        self
    }

    /// The limits.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// The token of wait-condition handle `logical` of this stack, derived from the signal key (a
    /// secret: it is what the handle's URL holds).
    pub fn handle_token(&self, logical: &str) -> String {
        cloudstack_client::signing::hmac_hex(format!("handle {logical}").as_bytes(), self.signal_key.expose())
    }
}
