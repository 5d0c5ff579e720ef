//! The command line (clap).

use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand};

use crate::output::Format;

/// Run StackMate and CloudFormation JSON templates against Apache CloudStack.
///
/// Exit codes: 0 ok, 1 the stack operation failed, 2 invalid input (including a stack that exists or
/// that another run holds), 3 connection or authentication problem.
#[derive(Debug, Parser)]
#[command(name = "stackmate", version, about, long_about)]
pub struct Cli {
    /// Global settings.
    #[command(flatten)]
    pub global: Global,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Settings of every command.
#[derive(Debug, Args, Clone)]
pub struct Global {
    /// Where stack state is kept (one SQLite file). Default: one directory per user,
    /// `$XDG_STATE_HOME/stackmate` (`~/.local/state/stackmate`); a `.stackmate` directory in the
    /// working directory, the default of earlier releases, is still used, with a notice.
    #[arg(long, global = true, env = "STACKMATE_STATE_DIR")]
    pub state_dir: Option<PathBuf>,
    /// CloudStack API endpoint (or CLOUDSTACK_ENDPOINT, or the profile).
    #[arg(long, global = true)]
    pub endpoint: Option<String>,
    /// API key (or CLOUDSTACK_KEY, or the profile).
    #[arg(long, global = true)]
    pub api_key: Option<String>,
    /// Secret key (or CLOUDSTACK_SECRET, or the profile).
    #[arg(long, global = true)]
    pub secret_key: Option<String>,
    /// Profile of the config file (or STACKMATE_PROFILE; default `default`).
    #[arg(long, global = true)]
    pub profile: Option<String>,
    /// Config file (default ~/.config/stackmate/config.toml).
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    /// Plan against this shipped CloudStack release (4.15, 4.16, 4.17) instead of the cloud's own
    /// listApis.
    #[arg(long, global = true)]
    pub api_version: Option<String>,
    /// Plan against this listApis dump or facts spec (any release), instead of the cloud's own
    /// listApis.
    #[arg(long, global = true, value_name = "FILE", conflicts_with = "api_version")]
    pub api_spec: Option<PathBuf>,
    /// Read the cloud's listApis again instead of using the copy kept in the state directory.
    #[arg(long, global = true)]
    pub refresh_api_spec: bool,
    /// Resources created or deleted at once, by create, delete, resume and rollback (default: no cap;
    /// the client's request slots and the cloud's throttle are the limit).
    #[arg(long, global = true, value_name = "N")]
    pub concurrency: Option<usize>,
    /// Seconds one API request may wait for its answer (default 60). A request that gets no answer
    /// in time fails with exit 3 and is not retried.
    #[arg(long, global = true, value_name = "SECONDS", value_parser = parse_request_timeout)]
    pub request_timeout: Option<f64>,
    /// At most this many API requests per second (`25/s`, `25`, or `600/m`), spaced evenly, to stay
    /// under the cloud's throttle (CloudStack's `api.throttling.max` is 25 per second per account).
    /// Without it, 429 answers lower the requests in flight, and they rise again as calls succeed.
    #[arg(long, global = true, value_name = "RATE", value_parser = parse_api_rate)]
    pub api_rate: Option<f64>,
    /// Seconds a stack's lock lasts without renewal (default 30). A run killed without releasing its
    /// lock holds the stack this long; the next command waits for it to run out.
    #[arg(long, global = true, value_name = "SECONDS", value_parser = parse_lock_lease)]
    pub lock_lease: Option<f64>,
    /// Raise or lower a template limit, e.g. `--limit resources=2000` (repeatable). Limits:
    /// template_bytes, resources, parameters, outputs, mappings, nesting_depth, parameter_value_bytes,
    /// name_chars.
    #[arg(long = "limit", global = true, value_name = "NAME=N")]
    pub limits: Vec<String>,
    /// Address of the wait-condition and metadata server (default 127.0.0.1 on a free port; `resume`
    /// listens where the stack's first run did, so that its guests' URLs keep working).
    #[arg(long, global = true)]
    pub metadata_listen: Option<std::net::SocketAddr>,
    /// The URL guests use to reach the metadata server (when it is behind NAT or a proxy; `resume`
    /// uses the stack's).
    #[arg(long, global = true)]
    pub metadata_url: Option<String>,
    /// More log output on stderr (-v info, -vv debug).
    #[arg(long, short = 'v', global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// A stacktician service to send the command to (its URL), instead of running it here: the
    /// stacks are the service's, and the cloud credentials its owner's.
    #[arg(long, global = true, env = "STACKMATE_SERVICE", value_name = "URL")]
    pub service: Option<String>,
    /// The API token for --service.
    #[arg(long, global = true, env = "STACKTICIAN_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
}

/// The state directory of earlier releases, relative to the working directory.
pub const LEGACY_STATE_DIR: &str = ".stackmate";

impl Global {
    /// The state directory: `--state-dir` (or `STACKMATE_STATE_DIR`), else `.stackmate` in the
    /// working directory if it holds a state file (with a notice to return), else the per-user
    /// directory ([`user_state_dir`]).
    pub fn resolve_state_dir(&mut self) -> Option<String> {
        if self.state_dir.is_some() {
            return None;
        }
        let legacy = PathBuf::from(LEGACY_STATE_DIR);
        let user = user_state_dir();
        if legacy.join(stack_store_sqlite::STATE_FILE).is_file() && user.as_deref() != Some(legacy.as_path()) {
            let notice = format!(
                "note: using the state in ./{LEGACY_STATE_DIR}, found in this directory; the default is now {} \
                 (move the directory there, or pass --state-dir)",
                user.as_deref()
                    .map_or("a directory per user".into(), |u| u.display().to_string())
            );
            self.state_dir = Some(legacy);
            return Some(notice);
        }
        self.state_dir = Some(user.unwrap_or(legacy));
        None
    }

    /// The state directory ([`Global::resolve_state_dir`]).
    pub fn state_dir(&self) -> &Path {
        self.state_dir.as_deref().unwrap_or(Path::new(LEGACY_STATE_DIR))
    }
}

/// The per-user state directory: `$XDG_STATE_HOME/stackmate`, else `$HOME/.local/state/stackmate`
/// (`None` without either).
pub fn user_state_dir() -> Option<PathBuf> {
    let absolute = |v: std::ffi::OsString| Some(PathBuf::from(v)).filter(|p| p.is_absolute());
    std::env::var_os("XDG_STATE_HOME")
        .and_then(absolute)
        .or_else(|| {
            std::env::var_os("HOME")
                .and_then(absolute)
                .map(|h| h.join(".local/state"))
        })
        .map(|base| base.join("stackmate"))
}

/// `stackmate change-set ...`.
#[derive(Debug, Subcommand)]
pub enum ChangeSetAction {
    /// What updating stack NAME to TEMPLATE would change, per resource (Add, Modify, Remove) and
    /// property (in place, interruption, replacement), without changing anything. Parameters not
    /// given keep their current values.
    Preview {
        /// The stack's name.
        name: String,
        /// The new template.
        template: PathBuf,
        /// Parameter values (and the stack's NoEcho values, never stored).
        #[command(flatten)]
        params: ParamArgs,
        /// Output format.
        #[command(flatten)]
        out: OutputArgs,
    },
    /// Make change set SET of stack NAME: what updating it to TEMPLATE would change, kept with
    /// the stack to be read and executed later. Nothing in the cloud changes.
    Create {
        /// The stack's name.
        name: String,
        /// The change set's name (letters, digits and dashes).
        set: String,
        /// The new template.
        template: PathBuf,
        /// Parameter values (and the stack's NoEcho values, never stored).
        #[command(flatten)]
        params: ParamArgs,
        /// Output format.
        #[command(flatten)]
        out: OutputArgs,
    },
    /// Show change set SET of stack NAME (and whether it is stale: the stack changed since).
    Describe {
        /// The stack's name.
        name: String,
        /// The change set.
        set: String,
        /// Output format.
        #[command(flatten)]
        out: OutputArgs,
    },
    /// List the change sets of stack NAME.
    List {
        /// The stack's name.
        name: String,
        /// Output format.
        #[command(flatten)]
        out: OutputArgs,
    },
    /// Run change set SET of stack NAME (refused when stale); the stack's other change sets are
    /// discarded.
    Execute {
        /// The stack's name.
        name: String,
        /// The change set.
        set: String,
        /// NoEcho parameter values (never stored).
        #[arg(short = 'p', long = "param", value_name = "NAME=VALUE")]
        params: Vec<String>,
        /// Output format.
        #[command(flatten)]
        out: OutputArgs,
    },
    /// Delete change set SET of stack NAME.
    Delete {
        /// The stack's name.
        name: String,
        /// The change set.
        set: String,
    },
}

/// What `stackmate cloud` lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CloudList {
    /// Zones (`zoneid`).
    Zones,
    /// Templates that can be deployed (`templateid`).
    Templates,
    /// Service and disk offerings (`serviceofferingid`, `diskofferingid`).
    Offerings,
    /// Networks (`networkids`).
    Networks,
}

/// `--output text|json`.
#[derive(Debug, Args, Clone, Copy)]
pub struct OutputArgs {
    /// Output format: text for people, json for scripts (stable field names).
    #[arg(long, short = 'o', value_enum, default_value = "text")]
    pub output: Format,
}

/// Template parameters.
#[derive(Debug, Args, Clone)]
pub struct ParamArgs {
    /// A parameter value (repeatable).
    #[arg(short = 'p', long = "param", value_name = "NAME=VALUE")]
    pub params: Vec<String>,
    /// Parameters from a JSON file: CloudFormation's [{"ParameterKey", "ParameterValue"}] or an object.
    #[arg(long)]
    pub parameters: Option<PathBuf>,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check a template and its parameters; print every error, or the plan.
    Validate {
        /// Output format.
        #[command(flatten)]
        out: OutputArgs,
        /// The template file.
        template: PathBuf,
        /// Parameters.
        #[command(flatten)]
        params: ParamArgs,
    },
    /// Create a stack.
    Create {
        /// Output format.
        #[command(flatten)]
        out: OutputArgs,
        /// The stack's name.
        name: String,
        /// The template file.
        template: PathBuf,
        /// Parameters.
        #[command(flatten)]
        params: ParamArgs,
        /// Keep what was created when the create fails.
        #[arg(long)]
        disable_rollback: bool,
        /// Default timeout of one resource, in seconds (a resource's StackMateTimeout property wins).
        #[arg(long)]
        timeout: Option<u64>,
        /// Minutes the whole create may take (CloudFormation's TimeoutInMinutes): past them no
        /// resource is started, wait conditions stop waiting, and the create fails and rolls back.
        #[arg(long, value_name = "MINUTES")]
        timeout_minutes: Option<u32>,
        /// A tag for the stack, put on every resource that takes tags (repeat for more; a
        /// resource's own tag of the same key wins).
        #[arg(long = "tag", value_name = "KEY=VALUE", value_parser = tag_pair)]
        tags: Vec<(String, String)>,
        /// A stack policy (CloudFormation's JSON) to keep with the stack for its updates.
        #[arg(long, value_name = "FILE")]
        stack_policy: Option<PathBuf>,
        /// Wait for the stack to finish (default).
        #[arg(long, overrides_with = "no_wait")]
        wait: bool,
        /// Start the stack in the background and return; follow it with `events --follow`.
        #[arg(long)]
        no_wait: bool,
    },
    /// Update stack NAME to TEMPLATE (a change set made and run at once): in place where the
    /// release can change a property, stopping and starting a VM where it must, and by replacing
    /// (new resource first, old one deleted last) where it cannot. A failed update rolls back to
    /// the previous template and parameters. Parameters not given keep their current values.
    Update {
        /// Output format.
        #[command(flatten)]
        out: OutputArgs,
        /// The stack's name.
        name: String,
        /// The new template (with --from-drift, the stack's own when left out).
        #[arg(required_unless_present = "from_drift")]
        template: Option<PathBuf>,
        /// Parameters (and the stack's NoEcho values, never stored).
        #[command(flatten)]
        params: ParamArgs,
        /// Also bring back what drifted (see `stackmate drift`): properties changed outside the
        /// stack get the template's values again, resources deleted outside it are made again.
        #[arg(long)]
        from_drift: bool,
        /// A stack policy (CloudFormation's JSON) to keep with the stack: this update and later
        /// ones may not modify, replace or delete what it does not allow.
        #[arg(long, value_name = "FILE")]
        stack_policy: Option<PathBuf>,
        /// A stack policy for this update only, checked instead of the stack's.
        #[arg(long, value_name = "FILE")]
        policy_override: Option<PathBuf>,
    },
    /// Adopt resources made outside any stack into stack NAME (a new one, or an existing one
    /// whose template TEMPLATE extends with them), after checking that each exists, belongs to no
    /// other stack and matches the template. They are tagged, and deleted with the stack.
    Import {
        /// Output format.
        #[command(flatten)]
        out: OutputArgs,
        /// The stack's name.
        name: String,
        /// The template: the resources to import (for a new stack), or the stack's own with them added.
        template: PathBuf,
        /// A resource to import, as LOGICAL=PHYSICAL-ID (repeat for each).
        #[arg(long = "resource", value_name = "LOGICAL=ID", required = true)]
        resources: Vec<String>,
        /// Parameters.
        #[command(flatten)]
        params: ParamArgs,
    },
    /// Compare each resource of stack NAME with the cloud: IN_SYNC, MODIFIED (with each property's
    /// expected and actual value), DELETED or NOT_CHECKED. Reads only.
    Drift {
        /// Output format.
        #[command(flatten)]
        out: OutputArgs,
        /// The stack's name.
        name: String,
    },
    /// Delete a stack (by its state, or by its tags when the state is gone).
    Delete {
        /// Output format.
        #[command(flatten)]
        out: OutputArgs,
        /// The stack's name.
        name: String,
        /// NoEcho parameter values (never stored).
        #[arg(short = 'p', long = "param", value_name = "NAME=VALUE")]
        params: Vec<String>,
        /// Delete the resources tagged with the stack's name instead, for a stack whose state is
        /// gone. They are listed first, and deleted after a confirmation on a terminal (`--yes`
        /// elsewhere). Refused while a run looks live: a job still running on one, or one created
        /// within the last lock lease.
        #[arg(long)]
        by_tags: bool,
        /// With `--by-tags`: delete without asking (for scripts).
        #[arg(long, requires = "by_tags")]
        yes: bool,
        /// With `--by-tags`: delete even if a run looks live.
        #[arg(long, requires = "by_tags")]
        force: bool,
    },
    /// Finish or undo what a stopped run left.
    Resume {
        /// Output format.
        #[command(flatten)]
        out: OutputArgs,
        /// The stack's name.
        name: String,
        /// NoEcho parameter values (never stored).
        #[arg(short = 'p', long = "param", value_name = "NAME=VALUE")]
        params: Vec<String>,
    },
    /// Continue a failed rollback or delete, keeping the resources that will not go; for an
    /// update's rollback (UPDATE_ROLLBACK_FAILED), leaving the skipped ones as they are.
    #[command(visible_alias = "continue-update-rollback")]
    ContinueRollback {
        /// Output format.
        #[command(flatten)]
        out: OutputArgs,
        /// The stack's name.
        name: String,
        /// Logical ids to record as retained instead of deleting (comma-separated).
        #[arg(long, value_delimiter = ',')]
        skip: Vec<String>,
        /// NoEcho parameter values (never stored).
        #[arg(short = 'p', long = "param", value_name = "NAME=VALUE")]
        params: Vec<String>,
    },
    /// List the stacks of the state directory.
    List {
        /// Output format.
        #[command(flatten)]
        out: OutputArgs,
        /// Also list each stack's nested stacks (as `ROOT/Child/Grandchild`).
        #[arg(long)]
        nested: bool,
    },
    /// A stack's status, parameters and resources.
    Describe {
        /// Output format.
        #[command(flatten)]
        out: OutputArgs,
        /// The stack's name.
        name: String,
    },
    /// A stack's events.
    Events {
        /// Output format.
        #[command(flatten)]
        out: OutputArgs,
        /// The stack's name.
        name: String,
        /// Keep printing new events until the stack settles.
        #[arg(long, short = 'f')]
        follow: bool,
    },
    /// A stack's outputs.
    Outputs {
        /// Output format.
        #[command(flatten)]
        out: OutputArgs,
        /// The stack's name.
        name: String,
    },
    /// The dependency graph of a template.
    Graph {
        /// The template file.
        template: PathBuf,
        /// DOT (Graphviz) or Mermaid.
        #[arg(long, value_enum, default_value = "dot")]
        format: GraphFormat,
        /// Parameters (conditions may depend on them).
        #[command(flatten)]
        params: ParamArgs,
    },
    /// The resource types a template may use on the chosen release (the configured cloud's, or
    /// --api-version / --api-spec): with a filter, each type's properties (required first) and
    /// attributes; without one, every type with its required properties.
    Types {
        /// Only types whose name contains this (ignoring case), e.g. `vm` or `SecurityGroup`.
        filter: Option<String>,
        /// Output format.
        #[command(flatten)]
        out: OutputArgs,
    },
    /// What the cloud offers that templates need the ids of.
    Cloud {
        /// What to list.
        #[arg(value_enum)]
        what: CloudList,
        /// Output format.
        #[command(flatten)]
        out: OutputArgs,
    },
    /// Change sets: what an update would do, before it is done.
    ChangeSet {
        /// What to do.
        #[command(subcommand)]
        action: ChangeSetAction,
    },
    /// The cloud's API description.
    ApiSpec {
        /// What to do.
        #[command(subcommand)]
        action: ApiSpecAction,
    },
    /// Run a template against the embedded simulator: create, signal, outputs, delete.
    #[cfg(feature = "demo")]
    Demo {
        /// The template (default: the project's LAMP demo template, built in).
        template: Option<PathBuf>,
        /// Parameters (the demo fills the zone, template and offering of the simulator).
        #[command(flatten)]
        params: ParamArgs,
        /// Async job duration of the simulator, in milliseconds.
        #[arg(long, default_value_t = 300)]
        latency_ms: u64,
    },
}

/// `api-spec` actions.
#[derive(Debug, Subcommand)]
pub enum ApiSpecAction {
    /// Call listApis and save the dump (to import the release, or to give it with --api-spec).
    Fetch {
        /// Where to write it.
        #[arg(long, short = 'o')]
        output: PathBuf,
    },
    /// Read the cloud's listApis again and keep it in the state directory for later commands.
    Refresh {
        /// Output format.
        #[command(flatten)]
        out: OutputArgs,
    },
    /// Which release commands plan against, where it comes from, and what it has.
    Show {
        /// Output format.
        #[command(flatten)]
        out: OutputArgs,
    },
}

/// Graph formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GraphFormat {
    /// Graphviz DOT.
    Dot,
    /// Mermaid flowchart.
    Mermaid,
}

/// `--api-rate`: `N/s`, `N/m` or `N` (per second), more than 0.
fn parse_api_rate(v: &str) -> Result<f64, String> {
    let t = v.trim();
    let (n, per) = match t.split_once('/') {
        Some((n, "s")) => (n, 1.0),
        Some((n, "m")) => (n, 60.0),
        Some(_) => return Err(format!("{v:?}: give requests per second (25/s) or per minute (600/m)")),
        None => (t, 1.0),
    };
    match n.trim().parse::<f64>() {
        Ok(x) if x > 0.0 && x.is_finite() => Ok(x / per),
        _ => Err(format!("{v:?} is not a positive rate such as 25/s")),
    }
}

/// `--lock-lease`: seconds, from 0.5 to a day.
fn parse_lock_lease(v: &str) -> Result<f64, String> {
    match v.trim().parse::<f64>() {
        Ok(s) if (0.5..=86_400.0).contains(&s) => Ok(s),
        _ => Err(format!("{v:?} is not a number of seconds between 0.5 and 86400")),
    }
}

/// `--request-timeout`: a positive number of seconds, at most a day.
fn parse_request_timeout(v: &str) -> Result<f64, String> {
    match v.trim().parse::<f64>() {
        Ok(s) if s > 0.0 && s <= 86_400.0 => Ok(s),
        _ => Err(format!("{v:?} is not a number of seconds between 0 and 86400")),
    }
}

/// `KEY=VALUE` of `--tag`.
fn tag_pair(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
        _ => Err(format!("{s:?}: give KEY=VALUE")),
    }
}
