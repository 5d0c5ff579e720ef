//! Limits on what a template may hold, checked before anything else is done with it.
//!
//! Every limit is a default that a caller may change ([`Limits`] in [`crate::plan::PlanOptions`], the
//! CLI's `--limit NAME=N`). The defaults follow CloudFormation's quotas where they are generous enough
//! and Heat's where CloudFormation's are tight (CloudFormation: 500 resources, 200 parameters, 200
//! outputs, 200 mappings, 1 MB templates from a URL, 4,096-byte parameter values; Heat: 1,000
//! resources, 512 KiB templates). The checks are cheap: the size is checked before the text is read,
//! nesting while it is read, and the counts before any resource is looked at, so a 20 MiB or
//! 50,000-resource template is refused in milliseconds.

use crate::problem::Problem;

/// The limits of one validation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bytes of template text (JSON or YAML). Default 1 MiB.
    pub template_bytes: usize,
    /// Resources per template. Default 1,000 (Heat's; CloudFormation allows 500).
    pub resources: usize,
    /// Parameters per template. Default 200 (CloudFormation's).
    pub parameters: usize,
    /// Outputs per template. Default 200 (CloudFormation's).
    pub outputs: usize,
    /// Mappings per template. Default 200 (CloudFormation's).
    pub mappings: usize,
    /// Depth of nested objects and lists, which bounds the nesting of intrinsic functions. Default 64.
    pub nesting_depth: usize,
    /// Bytes of one parameter value. Default 4,096 (CloudFormation's).
    pub parameter_value_bytes: usize,
    /// Characters of a logical id, parameter, output, mapping or condition name. Default 255
    /// (CloudFormation's).
    pub name_chars: usize,
    /// Levels of nested stacks below the root. Default 5 (Heat's `max_nested_stack_depth`).
    pub stack_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            template_bytes: 1024 * 1024,
            resources: 1000,
            parameters: 200,
            outputs: 200,
            mappings: 200,
            nesting_depth: 64,
            parameter_value_bytes: 4096,
            name_chars: 255,
            stack_depth: 5,
        }
    }
}

/// The names `--limit NAME=N` takes, with what each bounds.
pub const NAMES: &[(&str, &str)] = &[
    ("template_bytes", "bytes of template text"),
    ("resources", "resources per template"),
    ("parameters", "parameters per template"),
    ("outputs", "outputs per template"),
    ("mappings", "mappings per template"),
    ("nesting_depth", "depth of nested objects and lists"),
    ("parameter_value_bytes", "bytes of one parameter value"),
    ("name_chars", "characters of a logical id or other name"),
    ("stack_depth", "levels of nested stacks"),
];

/// The largest nesting depth the reader supports (the JSON parser's own recursion limit is 128).
pub const MAX_NESTING_DEPTH: usize = 120;

/// A limit that cannot be set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LimitError {
    /// No limit has that name.
    #[error("unknown limit {0:?}; the limits are {names}", names = NAMES.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", "))]
    Unknown(String),
    /// The value is over what the limit can be.
    #[error("{name} can be at most {most}")]
    TooHigh {
        /// The limit.
        name: &'static str,
        /// Its highest value.
        most: usize,
    },
}

impl Limits {
    /// The limits a stored template is planned again with (for resume, delete and rollback): it passed
    /// the limits of its creation, and is not held to today's again.
    pub fn for_stored() -> Self {
        Self {
            template_bytes: usize::MAX,
            resources: usize::MAX,
            parameters: usize::MAX,
            outputs: usize::MAX,
            mappings: usize::MAX,
            nesting_depth: MAX_NESTING_DEPTH,
            parameter_value_bytes: usize::MAX,
            name_chars: usize::MAX,
            stack_depth: usize::MAX,
        }
    }

    /// Sets the limit `name` (one of [`NAMES`]) to `value`.
    pub fn set(&mut self, name: &str, value: usize) -> Result<(), LimitError> {
        let slot = match name {
            "template_bytes" => &mut self.template_bytes,
            "resources" => &mut self.resources,
            "parameters" => &mut self.parameters,
            "outputs" => &mut self.outputs,
            "mappings" => &mut self.mappings,
            "nesting_depth" => {
                if value > MAX_NESTING_DEPTH {
                    return Err(LimitError::TooHigh {
                        name: "nesting_depth",
                        most: MAX_NESTING_DEPTH,
                    });
                }
                &mut self.nesting_depth
            }
            "parameter_value_bytes" => &mut self.parameter_value_bytes,
            "name_chars" => &mut self.name_chars,
            "stack_depth" => &mut self.stack_depth,
            other => return Err(LimitError::Unknown(other.to_string())),
        };
        *slot = value;
        Ok(())
    }

    /// A count over its limit, as a problem at `pointer`.
    pub(crate) fn count(&self, pointer: &str, what: &str, found: usize, limit: usize, name: &str) -> Option<Problem> {
        (found > limit).then(|| over(pointer, what, limit, name))
    }

    /// The limit on the members of a top-level section (`Resources`, ...), with its name.
    pub(crate) fn of_section(&self, section: &str) -> Option<(&'static str, usize, &'static str)> {
        Some(match section {
            "Resources" => ("resources", self.resources, "resources"),
            "Parameters" => ("parameters", self.parameters, "parameters"),
            "Outputs" => ("outputs", self.outputs, "outputs"),
            "Mappings" => ("mappings", self.mappings, "mappings"),
            _ => return None,
        })
    }
}

/// A section with more members than its limit, as a problem at `pointer`.
pub(crate) fn over(pointer: &str, what: &str, limit: usize, name: &str) -> Problem {
    Problem::new(pointer, format!("more than {limit} {what}: the limit is {limit}"))
        .hint(format!("split the stack into nested stacks, or raise the {name} limit"))
}
