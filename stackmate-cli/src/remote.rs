//! `--service URL`: the same commands sent to a stacktician service's REST API instead of run here.
//! The service keeps the stacks and holds the cloud credentials (its owner's); this side reads
//! templates (with their nested templates inlined, as the service reads no files), gathers
//! parameters, sends the request, follows the operation's events until it ends, and prints the
//! result as the local commands do. Exit codes are the same: 1 for a failed stack, 2 for a refused
//! request, 3 when the service cannot be reached or refuses the token.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{json, Value};

use crate::cli::{ChangeSetAction, Command, Global, OutputArgs};
use crate::exit::CliError;
use crate::output::{print_json, Format};
use crate::printing::outln;

/// The service's client.
struct Service {
    base: String,
    token: String,
    http: reqwest::Client,
}

impl Service {
    async fn call(&self, method: reqwest::Method, path: &str, body: Option<&Value>) -> Result<Value, CliError> {
        let mut r = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .timeout(Duration::from_secs(120));
        if let Some(b) = body {
            r = r.header("content-type", "application/json").body(b.to_string());
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
        let v: Value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        if status < 300 {
            return Ok(v);
        }
        let code = v["error"]["code"].as_str().unwrap_or("unknown");
        let mut message = v["error"]["message"]
            .as_str()
            .map_or_else(|| v.to_string(), str::to_string);
        if let Some(problems) = v["error"]["problems"].as_array() {
            for p in problems {
                message.push_str(&format!(
                    "\n  {}: {}",
                    p["pointer"].as_str().unwrap_or(""),
                    p["message"].as_str().unwrap_or("")
                ));
            }
        }
        Err(match (status, code) {
            (401, _) => CliError::Connection(format!("the service refused the token ({code}): {message}")),
            (502 | 500, _) => CliError::Connection(format!("the service failed ({code}): {message}")),
            _ => CliError::Invalid(format!("{message} ({code})")),
        })
    }

    async fn get(&self, path: &str) -> Result<Value, CliError> {
        self.call(reqwest::Method::GET, path, None).await
    }

    async fn post(&self, path: &str, body: &Value) -> Result<Value, CliError> {
        self.call(reqwest::Method::POST, path, Some(body)).await
    }

    /// The id of stack `name`'s last event (0 for none, or no such stack).
    async fn last_event(&self, name: &str) -> u64 {
        let mut after = 0u64;
        while let Ok(page) = self
            .get(&format!("/v1/stacks/{name}/events?after={after}&limit=1000"))
            .await
        {
            after = page["next"].as_u64().unwrap_or(after);
            if page["more"] != true {
                break;
            }
        }
        after
    }

    /// Follows stack `name`'s events after `after` until operation `op` ends; its last state.
    async fn follow(&self, name: &str, op: i64, mut after: u64, quiet: bool) -> Result<Value, CliError> {
        loop {
            if let Ok(page) = self
                .get(&format!("/v1/stacks/{name}/events?after={after}&limit=1000"))
                .await
            {
                for e in page["events"].as_array().into_iter().flatten() {
                    if !quiet {
                        eprintln!(
                            "{} {:<28} {:<36} {}{}",
                            e["timestamp"].as_str().unwrap_or(""),
                            e["status"].as_str().unwrap_or(""),
                            e["logical_id"].as_str().unwrap_or(""),
                            e["resource_type"].as_str().unwrap_or(""),
                            e["reason"].as_str().map(|r| format!(": {r}")).unwrap_or_default()
                        );
                    }
                }
                after = page["next"].as_u64().unwrap_or(after);
            }
            let o = self.get(&format!("/v1/operations/{op}")).await?;
            if matches!(o["state"].as_str(), Some("done" | "failed")) {
                return Ok(o);
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    }

    /// Sends an operation, follows it and prints how the stack ended.
    async fn operate(
        &self,
        name: &str,
        path: &str,
        method: reqwest::Method,
        body: &Value,
        out: OutputArgs,
    ) -> Result<(), CliError> {
        // Only what this operation brings: the events already there are skipped.
        let after = self.last_event(name).await;
        let accepted = self.call(method, path, Some(body).filter(|b| !b.is_null())).await?;
        let op = accepted["operation"]["id"].as_i64().unwrap_or_default();
        let ended = self.follow(name, op, after, out.output == Format::Json).await?;
        let stack = self.get(&format!("/v1/stacks/{name}")).await.unwrap_or(Value::Null);
        let failed = ended["state"] == "failed";
        if out.output == Format::Json {
            print_json(&json!({"name": name, "operation": ended, "stack": stack}));
        } else {
            outln!(
                "stack {name}: {}",
                stack["status"]
                    .as_str()
                    .or(ended["outcome"].as_str())
                    .unwrap_or("DELETE_COMPLETE")
            );
            print_outputs(&stack["outputs"]);
        }
        if failed {
            return Err(CliError::StackFailed(format!(
                "stack {name}: {}",
                ended["outcome"].as_str().unwrap_or("the operation failed")
            )));
        }
        Ok(())
    }
}

fn print_outputs(outputs: &Value) {
    if let Some(o) = outputs.as_object().filter(|o| !o.is_empty()) {
        outln!("outputs:");
        for (k, v) in o {
            outln!("  {k} = {}", v.as_str().map_or_else(|| v.to_string(), str::to_string));
        }
    }
}

fn show(v: &Value, out: OutputArgs, text: impl FnOnce(&Value)) {
    if out.output == Format::Json {
        print_json(v);
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
            let v = s
                .post("/v1/validate", &json!({"template": text, "parameters": given}))
                .await?;
            show(&v, out, |v| {
                outln!("template {} is valid", template.display());
                for p in v["parameters"].as_array().into_iter().flatten() {
                    outln!(
                        "  parameter {}{}",
                        p["name"].as_str().unwrap_or(""),
                        if p["no_echo"] == true { " (NoEcho)" } else { "" }
                    );
                }
            });
            Ok(())
        }
        Command::Create {
            name,
            template,
            params,
            disable_rollback,
            no_wait,
            out,
            ..
        } => {
            let (text, given) = template_and_params(g, &template, &params, true).await?;
            let body =
                json!({"name": name, "template": text, "parameters": given, "disable_rollback": disable_rollback});
            if no_wait {
                let v = s.post("/v1/stacks", &body).await?;
                show(&v, out, |v| {
                    outln!("stack {name}: queued (operation {})", v["operation"]["id"]);
                });
                return Ok(());
            }
            s.operate(&name, "/v1/stacks", reqwest::Method::POST, &body, out).await
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
            let read = |p: Option<std::path::PathBuf>| -> Result<Option<String>, CliError> {
                p.map(|p| std::fs::read_to_string(&p).map_err(|e| CliError::Invalid(format!("{}: {e}", p.display()))))
                    .transpose()
            };
            let mut body = json!({"stack_policy": read(stack_policy)?, "policy_override": read(policy_override)?});
            let mut given = crate::params::from_flags(&params.params)?;
            if let Some(t) = template {
                let (text, g2) = template_and_params(g, &t, &params, false).await?;
                body["template"] = json!(text);
                given = g2;
            }
            body["parameters"] = json!(given);
            s.operate(&name, &format!("/v1/stacks/{name}"), reqwest::Method::PUT, &body, out)
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
                &Value::Null,
                out,
            )
            .await
        }
        Command::Resume { name, params, out } => {
            let body = json!({"parameters": crate::params::from_flags(&params)?});
            s.operate(
                &name,
                &format!("/v1/stacks/{name}/resume"),
                reqwest::Method::POST,
                &body,
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
            let body = json!({"parameters": crate::params::from_flags(&params)?, "skip": skip});
            s.operate(
                &name,
                &format!("/v1/stacks/{name}/continue-rollback"),
                reqwest::Method::POST,
                &body,
                out,
            )
            .await
        }
        Command::List { out, .. } => {
            let v = s.get("/v1/stacks").await?;
            show(&v, out, |v| {
                for st in v["stacks"].as_array().into_iter().flatten() {
                    outln!(
                        "{:<24} {:<28} {:<12} {}",
                        st["name"].as_str().unwrap_or(""),
                        st["status"].as_str().unwrap_or(""),
                        st["owner"].as_str().unwrap_or(""),
                        st["updated"].as_str().unwrap_or("")
                    );
                }
            });
            Ok(())
        }
        Command::Describe { name, out } => {
            let v = s.get(&format!("/v1/stacks/{name}")).await?;
            show(&v, out, |v| {
                outln!("stack {name}: {}", v["status"].as_str().unwrap_or(""));
                if let Some(r) = v["reason"].as_str() {
                    outln!("reason: {r}");
                }
                print_outputs(&v["outputs"]);
            });
            Ok(())
        }
        Command::Outputs { name, out } => {
            let v = s.get(&format!("/v1/stacks/{name}/outputs")).await?;
            show(&v, out, |v| print_outputs(&v["outputs"]));
            Ok(())
        }
        Command::Events { name, out, .. } => {
            let v = s.get(&format!("/v1/stacks/{name}/events?limit=1000")).await?;
            show(&v, out, |v| {
                for e in v["events"].as_array().into_iter().flatten() {
                    outln!(
                        "{} {:<28} {:<36} {}",
                        e["timestamp"].as_str().unwrap_or(""),
                        e["status"].as_str().unwrap_or(""),
                        e["logical_id"].as_str().unwrap_or(""),
                        e["resource_type"].as_str().unwrap_or("")
                    );
                }
            });
            Ok(())
        }
        Command::Drift { name, out } => {
            let v = s.post(&format!("/v1/stacks/{name}/drift"), &json!({})).await?;
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
    let print = |v: &Value, out: OutputArgs| {
        show(v, out, |v| {
            outln!(
                "change set {}{}:",
                v["name"].as_str().unwrap_or(""),
                if v["stale"] == true { " (stale)" } else { "" }
            );
            for c in v["changes"].as_array().into_iter().flatten() {
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
            let v = s
                .post(
                    &format!("/v1/stacks/{name}/change-sets"),
                    &json!({"name": set, "template": text, "parameters": given}),
                )
                .await?;
            print(&v, out);
            Ok(())
        }
        ChangeSetAction::Describe { name, set, out } => {
            let v = s.get(&format!("/v1/stacks/{name}/change-sets/{set}")).await?;
            print(&v, out);
            Ok(())
        }
        ChangeSetAction::List { name, out } => {
            let v = s.get(&format!("/v1/stacks/{name}/change-sets")).await?;
            show(&v, out, |v| {
                for c in v["change_sets"].as_array().into_iter().flatten() {
                    outln!(
                        "{} {}",
                        c["name"].as_str().unwrap_or(""),
                        c["created"].as_str().unwrap_or("")
                    );
                }
            });
            Ok(())
        }
        ChangeSetAction::Execute { name, set, params, out } => {
            let body = json!({"parameters": crate::params::from_flags(&params)?});
            s.operate(
                &name,
                &format!("/v1/stacks/{name}/change-sets/{set}/execute"),
                reqwest::Method::POST,
                &body,
                out,
            )
            .await
        }
        ChangeSetAction::Delete { name, set } => {
            s.call(
                reqwest::Method::DELETE,
                &format!("/v1/stacks/{name}/change-sets/{set}"),
                None,
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
