//! Template parameters from `-p K=V`, from files (CloudFormation's
//! `[{"ParameterKey": .., "ParameterValue": ..}]` or a plain JSON object), from the environment
//! (`STACKMATE_PARAM_<NAME>`) and, for NoEcho parameters, from a prompt.

use crate::printing::{errln, errout};
use std::collections::BTreeMap;
use std::io::{BufRead, IsTerminal};
use std::path::Path;

use serde_json::Value;
use stack_core::template::Template;

use crate::exit::CliError;

/// Reads a parameters file in either format.
pub fn from_file(path: &Path) -> Result<BTreeMap<String, String>, CliError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::Invalid(format!("--parameters {}: cannot read it: {e}", path.display())))?;
    let value: Value = serde_json::from_str(&text).map_err(|e| {
        CliError::Invalid(format!(
            "--parameters {}: not valid JSON at line {}, column {}: {e}",
            path.display(),
            e.line(),
            e.column()
        ))
    })?;
    let scalar = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Array(a) => Some(
            a.iter()
                .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_string))
                .collect::<Vec<_>>()
                .join(","),
        ),
        _ => None,
    };
    let mut out = BTreeMap::new();
    match value {
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let key = item.get("ParameterKey").and_then(Value::as_str);
                let val = item.get("ParameterValue").and_then(scalar);
                match (key, val) {
                    (Some(k), Some(v)) => {
                        out.insert(k.to_string(), v);
                    }
                    _ => {
                        return Err(CliError::Invalid(format!(
                            "--parameters {}: item /{i} needs \"ParameterKey\" and \"ParameterValue\"",
                            path.display()
                        )))
                    }
                }
            }
        }
        Value::Object(map) => {
            for (k, v) in map {
                let v = scalar(&v).ok_or_else(|| {
                    CliError::Invalid(format!(
                        "--parameters {}: /{k} must be a string, number, boolean or list",
                        path.display()
                    ))
                })?;
                out.insert(k, v);
            }
        }
        _ => {
            return Err(CliError::Invalid(format!(
                "--parameters {}: expected a JSON object or a CloudFormation parameter list",
                path.display()
            )))
        }
    }
    Ok(out)
}

/// Parses `-p K=V` flags.
pub fn from_flags(flags: &[String]) -> Result<BTreeMap<String, String>, CliError> {
    let mut out = BTreeMap::new();
    for f in flags {
        let (k, v) = f
            .split_once('=')
            .ok_or_else(|| CliError::Invalid(format!("-p {f}: expected NAME=VALUE")))?;
        out.insert(k.trim().to_string(), v.to_string());
    }
    Ok(out)
}

/// The environment variable that may hold parameter `name`.
pub fn env_var(name: &str) -> String {
    format!("STACKMATE_PARAM_{name}")
}

/// Merges file and flag values (flags win), checks that every name is a parameter of the template,
/// and fills NoEcho parameters without a value and default from the environment or a prompt.
pub fn gather(
    template: &Template,
    file: Option<&Path>,
    flags: &[String],
    prompt: bool,
) -> Result<BTreeMap<String, String>, CliError> {
    let mut given = match file {
        Some(p) => from_file(p)?,
        None => BTreeMap::new(),
    };
    given.extend(from_flags(flags)?);
    for k in given.keys() {
        if !template.parameters.contains_key(k) {
            let known: Vec<&str> = template.parameters.keys().map(String::as_str).collect();
            let hint = cloudstack_client::request::closest(k, known.iter().copied())
                .map_or_else(String::new, |c| format!(" (did you mean {c}?)"));
            return Err(CliError::Invalid(format!(
                "unknown parameter {k}{hint}: the template's parameters are {}",
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            )));
        }
    }
    secrets(template, &mut given, prompt)?;
    Ok(given)
}

/// Fills parameters without a value from `STACKMATE_PARAM_<NAME>`, then NoEcho ones that have no
/// default from a prompt on a terminal.
pub fn secrets(template: &Template, given: &mut BTreeMap<String, String>, prompt: bool) -> Result<(), CliError> {
    for (name, decl) in &template.parameters {
        if given.contains_key(name) {
            continue;
        }
        if let Ok(v) = std::env::var(env_var(name)) {
            given.insert(name.clone(), v);
            continue;
        }
        if !decl.no_echo || decl.default.is_some() {
            continue;
        }
        if prompt && std::io::stdin().is_terminal() {
            given.insert(name.clone(), read_line(name, "input is not shown in logs")?);
        }
    }
    Ok(())
}

/// Asks for NoEcho parameter `name` on the terminal and reads one line, not echoed.
fn read_line(name: &str, why: &str) -> Result<String, CliError> {
    errout!("{name} (NoEcho, {why}): ");
    let mut line = String::new();
    let read = without_echo(|| std::io::stdin().lock().read_line(&mut line));
    errln!();
    read.map_err(|e| CliError::Invalid(format!("reading {name}: {e}")))?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

/// Runs `read` with the terminal's echo off, and turns it back on after, whatever happened.
#[cfg(unix)]
fn without_echo<T>(read: impl FnOnce() -> std::io::Result<T>) -> std::io::Result<T> {
    use rustix::termios::{tcgetattr, tcsetattr, LocalModes, OptionalActions};
    let stdin = std::io::stdin();
    let before = tcgetattr(&stdin)?;
    let mut quiet = before.clone();
    quiet.local_modes.remove(LocalModes::ECHO);
    tcsetattr(&stdin, OptionalActions::Now, &quiet)?;
    let out = read();
    let restored = tcsetattr(&stdin, OptionalActions::Now, &before);
    let out = out?;
    restored?;
    Ok(out)
}

/// Elsewhere the value is read as typed (the prompt says NoEcho, the terminal may still show it).
#[cfg(not(unix))]
fn without_echo<T>(read: impl FnOnce() -> std::io::Result<T>) -> std::io::Result<T> {
    read()
}

/// Values for the NoEcho parameters of a stored stack, from flags, the environment or a prompt.
pub fn stored_secrets(names: &[String], flags: &[String], prompt: bool) -> Result<BTreeMap<String, String>, CliError> {
    let mut out = from_flags(flags)?;
    for name in names {
        if out.contains_key(name) {
            continue;
        }
        if let Ok(v) = std::env::var(env_var(name)) {
            out.insert(name.clone(), v);
        } else if prompt && std::io::stdin().is_terminal() {
            out.insert(name.clone(), read_line(name, "not stored; give it again")?);
        }
    }
    Ok(out)
}
