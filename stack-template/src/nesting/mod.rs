//! Nested stacks: a resource of type `CloudStack::Stack` (or `AWS::CloudFormation::Stack`) is a
//! whole template run as part of its parent, CloudFormation's and Heat's model done as one run.
//!
//! - **Properties**: `TemplateURL` (a path relative to the parent template, a `file://` URL or an
//!   `http(s)` URL) or `TemplateBody` (the template inline, as an object or as text); `Parameters`
//!   (a map of strings, or intrinsics of the parent); `TimeoutInMinutes` (each of its resources'
//!   default timeout); `Tags` (added to each of its resources' own). `Ref` gives the nested
//!   stack's id (`<root stack id>/<path>`), `Fn::GetAtt [Child, Outputs.Name]` its outputs; a
//!   `DependsOn` on it waits for all its resources, and its own `DependsOn` and `Condition` apply
//!   to all of them.
//! - **Reading** ([`inline`], the only I/O): every `TemplateURL` is read, recursively, and put in
//!   the template as its `TemplateBody`, so the text the state keeps needs nothing else to be
//!   planned again (resume, update, delete). A template that includes itself, directly or through
//!   others, is an error naming the cycle; nesting deeper than [`Limits::stack_depth`] (default
//!   5, Heat's) is an error; each nested template is held to the template limits.
//! - **Planning** (`flatten`, pure): the tree becomes one flat template. A nested template's
//!   resources, conditions and mappings take the nesting path as a prefix (`Db.Vm`,
//!   `App.Db.Vm`: the names `describe`, `events` and `continue-rollback --skip` use), its
//!   parameters become what the parent passes (checked against their declarations where the
//!   value is known), its outputs their expressions. Every problem in a nested template carries
//!   the nesting path: `/Resources/Db/Properties/TemplateURL -> db.json: /Resources/Vm/Properties/zoneid`.
//! - **Running**: the flat plan is one DAG under the run's concurrency limit and job watcher, so a
//!   nested resource starts as soon as its own dependencies are done; one state, one rollback,
//!   one resume, one delete for the whole tree, and the stack's tags (with the root's id) on every
//!   resource. An update of the parent updates only the nested resources that change; a nested
//!   stack is never replaced (it has no physical resource of its own). A `name` made unique per
//!   stack carries the nesting path too (`<stack>-Db-<name>`).

mod flatten;
mod inline;
mod rewrite;

pub(crate) use flatten::flatten;
pub use inline::{inline, prepare, FetchError, Location, Prepared, TemplateFetcher};

use crate::problem::Problem;

use crate::limits::Limits;

/// The resource types of a nested stack.
pub const STACK_TYPES: [&str; 2] = ["CloudStack::Stack", "AWS::CloudFormation::Stack"];

/// Whether `type_name` is a nested stack's.
pub fn is_stack_type(type_name: &str) -> bool {
    STACK_TYPES.contains(&type_name)
}

/// For each nested template, its flattened name prefix (`Db.`) and the pointer prefix that leads
/// to it in the root template's terms (`/Resources/Db/Properties/TemplateURL -> db.json: `).
pub type Origins = Vec<(String, String)>;

/// `p` with a pointer into the flat template moved to where it is in the nested template's terms.
pub fn locate(p: Problem, origins: &Origins) -> Problem {
    for section in ["/Resources/", "/Conditions/", "/Mappings/"] {
        let Some(rest) = p.pointer.strip_prefix(section) else {
            continue;
        };
        let (name, tail) = rest.split_once('/').map_or((rest, ""), |(n, t)| (n, t));
        let Some((prefix, shown)) = origins
            .iter()
            .filter(|(prefix, _)| name.starts_with(prefix.as_str()))
            .max_by_key(|(prefix, _)| prefix.len())
        else {
            return p;
        };
        let local = &name[prefix.len()..];
        let tail = if tail.is_empty() {
            String::new()
        } else {
            format!("/{tail}")
        };
        return Problem {
            pointer: format!("{shown}{section}{local}{tail}"),
            ..p
        };
    }
    p
}

/// The nesting path of a flattened logical id, as a name prefix (`Db.App.Vm` -> `Db-App`), if
/// it is nested.
pub fn name_path(logical: &str) -> Option<String> {
    logical.rsplit_once('.').map(|(path, _)| path.replace('.', "-"))
}

/// The problem of a nested stack at `ptr`, `depth` levels down, past the depth limit.
pub fn too_deep(ptr: &str, depth: usize, limits: &Limits) -> Problem {
    Problem::new(
        ptr,
        format!(
            "nested stacks go {depth} levels deep here, over the limit of {}",
            limits.stack_depth
        ),
    )
    .hint("raise the stack_depth limit, or nest less")
}
