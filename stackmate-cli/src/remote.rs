//! `--service URL`: the same commands sent to a stacktician service's REST API instead of run here.
//! The service keeps the stacks and holds the cloud credentials (its owner's); this side reads
//! templates (with their nested templates inlined, as the service reads no files), gathers
//! parameters, sends the request, follows the operation's events until it ends, and prints the
//! result as the local commands do. Exit codes are the same: 1 for a failed stack, 2 for a refused
//! request, 3 when the service cannot be reached or refuses the token.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};
use stacktician_rest as rest;

use crate::cli::{ChangeSetAction, Command, Global, OutputArgs};
use crate::exit::CliError;
use crate::output::{print_json, Format};
use crate::printing::outln;

/// The service's client: requests and answers are the REST contract's types.
struct Service {
    base: String,
    token: String,
    http: reqwest::Client,
}

/// No request body.
const NO_BODY: Option<&()> = None;

impl Service {
    async fn call<B: Serialize, A: DeserializeOwned>(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<A, CliError> {
        let mut r = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .timeout(Duration::from_secs(120));
        if let Some(b) = body {
            let text = serde_json::to_string(b).map_err(|e| CliError::Invalid(format!("the request: {e}")))?;
            r = r.header("content-type", "application/json").body(text);
        }
        let resp = r.send().await.map_err(|e| {
            CliError::Connection(format!(
                "the service at {} did not answer: {}",
                self.base,
                e.without_url()
            ))
        })?;
        let status = resp.status().as_u16();
        let text = resp
            .text()
            .await
            .map_err(|e| CliError::Connection(format!("the service's answer was cut off: {e}")))?;
        if status < 300 {
            return serde_json::from_str(&text).map_err(|e| {
                CliError::Connection(format!(
                    "the service at {} answered {path} with what this stackmate does not read ({e}); \
                     is it another version?",
                    self.base
                ))
            });
        }
        let Ok(rest::ErrorAnswer { error }) = serde_json::from_str::<rest::ErrorAnswer>(&text) else {
            let shown: String = text.chars().take(300).collect();
            return Err(CliError::Connection(format!("the service answered {status}: {shown}")));
        };
        let mut message = error.message;
        for p in error.problems.iter().flatten() {
            message.push_str(&format!("\n  {}: {}", p.pointer, p.message));
        }
        let code = error.code;
        Err(match status {
            401 => CliError::Connection(format!("the service refused the token ({code}): {message}")),
            502 | 500 => CliError::Connection(format!("the service failed ({code}): {message}")),
            _ => CliError::Invalid(format!("{message} ({code})")),
        })
    }

    async fn get<A: DeserializeOwned>(&self, path: &str) -> Result<A, CliError> {
        self.call(reqwest::Method::GET, path, NO_BODY).await
    }

    async fn post<B: Serialize, A: DeserializeOwned>(&self, path: &str, body: &B) -> Result<A, CliError> {
        self.call(reqwest::Method::POST, path, Some(body)).await
    }

    async fn events(&self, name: &str, after: u64) -> Result<rest::EventPage, CliError> {
        self.get(&format!("/v1/stacks/{name}/events?after={after}&limit=1000"))
            .await
    }

    /// The id of stack `name`'s last event (0 for none, or no such stack).
    async fn last_event(&self, name: &str) -> u64 {
        let mut after = 0u64;
        while let Ok(page) = self.events(name, after).await {
            after = page.next;
            if !page.more {
                break;
            }
        }
        after
    }

    /// Follows stack `name`'s events after `after` until operation `op` ends; how it ended.
    async fn follow(&self, name: &str, op: i64, mut after: u64, quiet: bool) -> Result<rest::OperationView, CliError> {
        loop {
            if let Ok(page) = self.events(name, after).await {
                for e in &page.events {
                    if !quiet {
                        eprintln!(
                            "{} {:<28} {:<36} {}{}",
                            e.timestamp,
                            e.status,
                            e.logical_id,
                            e.resource_type,
                            e.reason.as_deref().map(|r| format!(": {r}")).unwrap_or_default()
                        );
                    }
                }
                after = page.next;
            }
            let o: rest::OperationView = self.get(&format!("/v1/operations/{op}")).await?;
            if o.ended() {
                return Ok(o);
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    }

    /// Sends an operation, follows it and prints how the stack ended.
    async fn operate<B: Serialize>(
        &self,
        name: &str,
        path: &str,
        method: reqwest::Method,
        body: Option<&B>,
        out: OutputArgs,
    ) -> Result<(), CliError> {
        // Only what this operation brings: the events already there are skipped.
        let after = self.last_event(name).await;
        let accepted: rest::Accepted = self.call(method, path, body).await?;
        let ended = self
            .follow(name, accepted.operation.id, after, out.output == Format::Json)
            .await?;
        let stack: Option<rest::StackDescription> = self.get(&format!("/v1/stacks/{name}")).await.ok();
        if out.output == Format::Json {
            print_json(&json!({"name": name, "operation": ended, "stack": stack}));
        } else {
            let status = stack
                .as_ref()
                .map(|s| s.summary.status.as_str())
                .or(ended.outcome.as_deref())
                .unwrap_or("DELETE_COMPLETE");
            outln!("stack {name}: {status}");
            if let Some(outputs) = stack.as_ref().and_then(|s| s.outputs.as_ref()) {
                print_outputs(outputs);
            }
        }
        if ended.state == "failed" {
            let mut why = ended.outcome.clone().unwrap_or_else(|| "the operation failed".into());
            if let Some(f) = &ended.failure {
                // The failure as data: its kind and the cloud's code, not only the words.
                let kind = f
                    .kind
                    .map(|k| json!(k).as_str().unwrap_or("").to_string())
                    .unwrap_or_default();
                why.push_str(&format!(
                    "\nfailed first: {} ({}){}{}",
                    f.logical,
                    f.type_name,
                    f.api.as_deref().map(|a| format!(", {a}")).unwrap_or_default(),
                    f.code.map(|c| format!(", code {c} {kind}")).unwrap_or_default()
                ));
            }
            return Err(CliError::StackFailed(format!("stack {name}: {why}")));
        }
        Ok(())
    }
}

fn print_outputs(outputs: &BTreeMap<String, String>) {
    if !outputs.is_empty() {
        outln!("outputs:");
        for (k, v) in outputs {
            outln!("  {k} = {v}");
        }
    }
}

fn show<T: Serialize>(v: &T, out: OutputArgs, text: impl FnOnce(&T)) {
    if out.output == Format::Json {
        print_json(&serde_json::to_value(v).unwrap_or_default());
    } else {
        text(v);
    }
}

/// A template file read with its nested templates inlined, and its parameters gathered.
async fn template_and_params(
    g: &Global,
    path: &std::path::Path,
    p: &crate::cli::ParamArgs,
    prompt: bool,
) -> Result<(String, BTreeMap<String, String>), CliError> {
    let limits = crate::commands::limits(g)?;
    let (text, t) = crate::commands::read_template_with(path, &limits).await?;
    let given = crate::params::gather(&t, p.parameters.as_deref(), &p.params, prompt)?;
    Ok((text, given))
}

/// Runs `command` on the service at `url`.
pub async fn run(g: &Global, url: &str, command: Command) -> Result<(), CliError> {
    let token = g
        .token
        .clone()
        .ok_or_else(|| CliError::Invalid("--service needs an API token: --token or STACKTICIAN_TOKEN".into()))?;
    let s = Service {
        base: url.trim_end_matches('/').to_string(),
        token,
        http: reqwest::Client::new(),
    };
    match command {
        Command::Validate { template, params, out } => {
            let (text, given) = template_and_params(g, &template, &params, false).await?;
            let body = rest::Validate {
                source: rest::TemplateSource::text(text),
                parameters: Some(given),
            };
            let v: rest::ValidateAnswer = s.post("/v1/validate", &body).await?;
            show(&v, out, |v| {
                outln!("template {} is valid", template.display());
                for p in &v.parameters {
                    outln!("  parameter {}{}", p.name, if p.no_echo { " (NoEcho)" } else { "" });
                }
            });
            Ok(())
        }
        Command::Create {
            name,
            template,
            params,
            disable_rollback,
            timeout_minutes,
            tags,
            stack_policy,
            no_wait,
            out,
            ..
        } => {
            let (text, given) = template_and_params(g, &template, &params, true).await?;
            let body = rest::CreateStack {
                name: name.clone(),
                source: rest::TemplateSource::text(text),
                parameters: given,
                disable_rollback,
                concurrency: None,
                tags: tags.into_iter().collect(),
                timeout_minutes,
                stack_policy: crate::updates::read_policy(stack_policy.as_deref())?.map(serde_json::Value::String),
            };
            if no_wait {
                let v: rest::Accepted = s.post("/v1/stacks", &body).await?;
                show(&v, out, |v| {
                    outln!("stack {name}: queued (operation {})", v.operation.id);
                });
                return Ok(());
            }
            s.operate(&name, "/v1/stacks", reqwest::Method::POST, Some(&body), out)
                .await
        }
        Command::Update {
            name,
            template,
            params,
            out,
            from_drift,
            stack_policy,
            policy_override,
        } => {
            if from_drift {
                return Err(CliError::Invalid(
                    "update --from-drift is not offered by the service yet".into(),
                ));
            }
            let read = |p: Option<std::path::PathBuf>| -> Result<Option<Value>, CliError> {
                p.map(|p| {
                    std::fs::read_to_string(&p)
                        .map(Value::String)
                        .map_err(|e| CliError::Invalid(format!("{}: {e}", p.display())))
                })
                .transpose()
            };
            let mut body = rest::UpdateStack {
                stack_policy: read(stack_policy)?,
                policy_override: read(policy_override)?,
                parameters: crate::params::from_flags(&params.params)?,
                ..rest::UpdateStack::default()
            };
            if let Some(t) = template {
                let (text, given) = template_and_params(g, &t, &params, false).await?;
                body.source = rest::TemplateSource::text(text);
                body.parameters = given;
            }
            s.operate(
                &name,
                &format!("/v1/stacks/{name}"),
                reqwest::Method::PUT,
                Some(&body),
                out,
            )
            .await
        }
        Command::Delete { name, out, by_tags, .. } => {
            if by_tags {
                return Err(CliError::Invalid(
                    "delete --by-tags runs against a cloud directly, not a service".into(),
                ));
            }
            s.operate(
                &name,
                &format!("/v1/stacks/{name}"),
                reqwest::Method::DELETE,
                NO_BODY,
                out,
            )
            .await
        }
        Command::Resume { name, params, out } => {
            let body = rest::SecretsBody {
                parameters: crate::params::from_flags(&params)?,
                skip: Vec::new(),
            };
            s.operate(
                &name,
                &format!("/v1/stacks/{name}/resume"),
                reqwest::Method::POST,
                Some(&body),
                out,
            )
            .await
        }
        Command::ContinueRollback {
            name,
            skip,
            params,
            out,
        } => {
            let body = rest::SecretsBody {
                parameters: crate::params::from_flags(&params)?,
                skip,
            };
            s.operate(
                &name,
                &format!("/v1/stacks/{name}/continue-rollback"),
                reqwest::Method::POST,
                Some(&body),
                out,
            )
            .await
        }
        Command::List { out, .. } => {
            let v: rest::StackList = s.get("/v1/stacks").await?;
            show(&v, out, |v| {
                for st in &v.stacks {
                    outln!(
                        "{:<24} {:<28} {:<12} {}",
                        st.name,
                        st.status,
                        st.owner,
                        st.updated.as_deref().unwrap_or("")
                    );
                }
            });
            Ok(())
        }
        Command::Describe { name, out } => {
            let v: rest::StackDescription = s.get(&format!("/v1/stacks/{name}")).await?;
            show(&v, out, |v| {
                outln!("stack {name}: {}", v.summary.status);
                if let Some(r) = &v.summary.reason {
                    outln!("reason: {r}");
                }
                if let Some(o) = &v.outputs {
                    print_outputs(o);
                }
            });
            Ok(())
        }
        Command::Outputs { name, out } => {
            let v: rest::StackOutputs = s.get(&format!("/v1/stacks/{name}/outputs")).await?;
            show(&v, out, |v| print_outputs(&v.outputs));
            Ok(())
        }
        Command::Events { name, out, .. } => {
            let v = s.events(&name, 0).await?;
            show(&v, out, |v| {
                for e in &v.events {
                    outln!(
                        "{} {:<28} {:<36} {}",
                        e.timestamp,
                        e.status,
                        e.logical_id,
                        e.resource_type
                    );
                }
            });
            Ok(())
        }
        Command::Drift { name, out } => {
            // The engine's drift report, as the service answers it.
            let v: Value = s.post(&format!("/v1/stacks/{name}/drift"), &json!({})).await?;
            show(&v, out, |v| {
                outln!("stack {name}: {}", v["status"].as_str().unwrap_or(""))
            });
            Ok(())
        }
        Command::ChangeSet { action } => change_set(g, &s, action).await,
        _ => Err(CliError::Invalid(
            "this command runs here, not on a service: drop --service".into(),
        )),
    }
}

async fn change_set(g: &Global, s: &Service, action: ChangeSetAction) -> Result<(), CliError> {
    let print = |v: &rest::ChangeSetView, out: OutputArgs| {
        show(v, out, |v| {
            outln!("change set {}{}:", v.name, if v.stale { " (stale)" } else { "" });
            for c in &v.changes {
                outln!(
                    "  {:<8} {:<24} {:<36} {}",
                    c["action"].as_str().unwrap_or(""),
                    c["logical"].as_str().unwrap_or(""),
                    c["type_name"].as_str().unwrap_or(""),
                    c["replacement"].as_str().unwrap_or("")
                );
            }
        });
    };
    match action {
        ChangeSetAction::Create {
            name,
            set,
            template,
            params,
            out,
        } => {
            let (text, given) = template_and_params(g, &template, &params, true).await?;
            let body = rest::CreateChangeSet {
                name: set,
                source: rest::TemplateSource::text(text),
                parameters: given,
            };
            let v: rest::ChangeSetView = s.post(&format!("/v1/stacks/{name}/change-sets"), &body).await?;
            print(&v, out);
            Ok(())
        }
        ChangeSetAction::Describe { name, set, out } => {
            let v: rest::ChangeSetView = s.get(&format!("/v1/stacks/{name}/change-sets/{set}")).await?;
            print(&v, out);
            Ok(())
        }
        ChangeSetAction::List { name, out } => {
            let v: rest::ChangeSetList = s.get(&format!("/v1/stacks/{name}/change-sets")).await?;
            show(&v, out, |v| {
                for c in &v.change_sets {
                    outln!("{} {}", c.name, c.created);
                }
            });
            Ok(())
        }
        ChangeSetAction::Execute { name, set, params, out } => {
            let body = rest::ExecuteChangeSet {
                parameters: crate::params::from_flags(&params)?,
            };
            s.operate(
                &name,
                &format!("/v1/stacks/{name}/change-sets/{set}/execute"),
                reqwest::Method::POST,
                Some(&body),
                out,
            )
            .await
        }
        ChangeSetAction::Delete { name, set } => {
            let _: rest::DeletedChangeSet = s
                .call(
                    reqwest::Method::DELETE,
                    &format!("/v1/stacks/{name}/change-sets/{set}"),
                    NO_BODY,
                )
                .await?;
            outln!("change set {set} of {name}: deleted");
            Ok(())
        }
        ChangeSetAction::Preview { .. } => Err(CliError::Invalid(
            "change-set preview runs here; with --service, make one with change-set create".into(),
        )),
    }
}
