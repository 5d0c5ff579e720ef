//! `stackmate api-spec fetch|refresh|show`: the cloud's listApis answer, kept and shown.

use crate::printing::outln;
use std::path::PathBuf;

use serde_json::{json, Value};

use crate::cli::{Global, OutputArgs};
use crate::connection::Connection;
use crate::exit::CliError;
use crate::output::{print_json, Format};

use crate::commands::{connection_flags, offline_release, open_store};

pub(crate) async fn fetch_spec(g: &Global, output: &PathBuf) -> Result<(), CliError> {
    let conn = Connection::resolve(&connection_flags(g))?;
    let client = conn.client()?;
    let inner = client
        .call("listApis", cloudstack_client::HttpMethod::Get, Vec::new())
        .await
        .map_err(|e| CliError::from_client(&format!("listApis at {}", conn.endpoint), &e))?;
    let count = inner.get("api").and_then(Value::as_array).map_or(0, Vec::len);
    // The same shape as a dump saved from the API: {"listapisresponse": {"count": .., "api": [..]}}.
    let raw = json!({ "listapisresponse": inner });
    let text = serde_json::to_string_pretty(&raw).map_err(|e| CliError::Invalid(e.to_string()))?;
    std::fs::write(output, text).map_err(|e| CliError::Invalid(format!("--output {}: {e}", output.display())))?;
    outln!(
        "saved {count} APIs to {0}; plan against it with `stackmate --api-spec {0} ...`, or ship it with \
         `cargo xtask spec-import {0} --version X.Y` (see api-specs/README.md)",
        output.display()
    );
    Ok(())
}

pub(crate) fn release_json(v: &cloudstack_api::Version, source: &str) -> Value {
    json!({
        "release": v.version,
        "source": source,
        "facts_sha256": v.facts_sha256,
        "apis": v.apis.len(),
        "participants": v.participants.len(),
    })
}

pub(crate) async fn refresh_spec(g: &Global, out: OutputArgs) -> Result<(), CliError> {
    let conn = Connection::resolve(&connection_flags(g))?;
    let client = conn.client()?;
    let store = open_store(g)?;
    let r = stack_core::cloud_release::cloud_release(&client, store.as_ref(), true)
        .await
        .map_err(|e| match e {
            stack_core::cloud_release::ReleaseError::Call { api, endpoint, source } => {
                CliError::from_client(&format!("{api} at {endpoint}"), &source)
            }
            other => CliError::Connection(other.to_string()),
        })?;
    let source = format!("listApis of {}", conn.endpoint);
    if out.output == Format::Json {
        print_json(&release_json(r.version, &source));
    } else {
        outln!(
            "{}: CloudStack {}, {} APIs, {} participants (facts {}); kept in {}",
            conn.endpoint,
            r.version.version,
            r.version.apis.len(),
            r.version.participants.len(),
            &r.version.facts_sha256[..12],
            store.path().display()
        );
    }
    Ok(())
}

pub(crate) async fn show_spec(g: &Global, out: OutputArgs) -> Result<(), CliError> {
    let (v, source) = offline_release(g).await?;
    if out.output == Format::Json {
        print_json(&release_json(v, &source));
    } else {
        outln!("{source}");
        outln!(
            "  {} APIs, {} participants, facts sha256 {}",
            v.apis.len(),
            v.participants.len(),
            v.facts_sha256
        );
        outln!(
            "  shipped with this build: {}",
            cloudstack_api::specs::releases().join(", ")
        );
    }
    Ok(())
}
