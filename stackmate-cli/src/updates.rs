//! `stackmate update`: a stack changed to a new template or new parameters by stack-core's
//! [`stack_core::update`], with its progress and its outcome printed. Refusals (an invalid template
//! or policy, a policy that forbids a change, a stack that is not complete) are input errors.

use std::path::{Path, PathBuf};

use stack_core::UpdateError;

use crate::cli::{Global, OutputArgs, ParamArgs};
use crate::commands::{
    connection_flags, engine_for, known_stack, open_store, print_run, read_template_with, secrets_for,
};
use crate::connection::Connection;
use crate::exit::CliError;
use crate::failures::{stack_error, stack_failed};
use crate::output::Format;
use crate::params;
use crate::progress::Progress;

/// The stack policy files an update was given.
pub(crate) struct PolicyFiles {
    /// `--stack-policy`.
    pub(crate) stack_policy: Option<PathBuf>,
    /// `--policy-override`.
    pub(crate) policy_override: Option<PathBuf>,
}

fn read_policy(path: Option<&Path>) -> Result<Option<String>, CliError> {
    path.map(|p| {
        std::fs::read_to_string(p)
            .map_err(|e| CliError::Invalid(format!("cannot read the stack policy {}: {e}", p.display())))
    })
    .transpose()
}

pub(crate) async fn update(
    g: &Global,
    name: &str,
    template: &Path,
    p: &ParamArgs,
    policies: &PolicyFiles,
    out: OutputArgs,
) -> Result<(), CliError> {
    let conn = Connection::resolve(&connection_flags(g))?;
    let store = open_store(g)?;
    let stored = known_stack(&store, name).await?;
    let (text, _) = read_template_with(template, &crate::commands::limits(g)?)?;
    let given = params::from_flags(&p.params)?;
    let secrets = secrets_for(g, name, &p.params, true).await?;
    let options = stack_core::UpdateOptions {
        stack_policy: read_policy(policies.stack_policy.as_deref())?,
        policy_override: read_policy(policies.policy_override.as_deref())?,
    };
    let engine = engine_for(g, &conn, None, store, Some(&stored.options)).await?;
    Progress::new(out.output == Format::Json).attach(&engine);
    match engine.update(name, &text, &given, &secrets, &options).await {
        Ok(run) => {
            print_run(&run, out);
            Ok(())
        }
        Err(UpdateError::Invalid(problems)) => Err(CliError::Invalid(format!(
            "template {}:\n{problems}",
            template.display()
        ))),
        Err(UpdateError::Stack(e)) => Err(stack_failed(&e)),
        Err(UpdateError::Failed(f)) => Err(stack_error(&f)),
        Err(e) => Err(CliError::Invalid(e.to_string())),
    }
}
