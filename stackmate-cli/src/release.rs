//! Which CloudStack release a command plans against, from the flags:
//!
//! 1. `--api-spec FILE`: that listApis dump or facts spec;
//! 2. `--api-version X.Y` (or the profile's `api_version`): a release shipped with the build;
//! 3. otherwise, against a cloud: the cloud's own `listApis`, read once and kept in the state
//!    directory per endpoint and account (`--refresh-api-spec` reads it again);
//! 4. offline commands (`validate`, `graph`) with none of these: the cloud's kept spec when the
//!    configured endpoint has one, else the newest shipped release.
//!
//! The choosing and caching are stack-core's ([`stack_core::cloud_release`]); this only maps flags.

use std::path::Path;

use cloudstack_api::Version;
use cloudstack_client::Client;
use stack_core::cloud_release::{self, ReleaseError};
use stack_core::state::StateStore;

use crate::cli::Global;
use crate::connection::{Connection, ConnectionFlags};
use crate::exit::CliError;

/// Loads `--api-spec FILE`. A plain dump does not say its release: it is named after the file
/// (`4.18.json` -> 4.18); a facts spec names its own.
pub fn from_file(path: &Path) -> Result<&'static Version, CliError> {
    let bytes = std::fs::read(path)
        .map_err(|e| CliError::Invalid(format!("--api-spec {}: cannot read it: {e}", path.display())))?;
    let parsed = serde_json::from_slice::<serde_json::Value>(&bytes)
        .map_err(|e| CliError::Invalid(format!("--api-spec {}: not JSON: {e}", path.display())))?;
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("unknown");
    Version::load_value(&parsed, &path.display().to_string(), Some(stem))
        .map_err(|e| CliError::Invalid(format!("--api-spec {}: {e}", path.display())))
}

/// A release shipped with the build.
pub fn shipped(v: &str) -> Result<&'static Version, CliError> {
    cloudstack_api::specs::release(v).map_err(|e| CliError::Invalid(format!("--api-version {v}: {e}")))
}

/// The release given by `--api-spec` or `--api-version`/profile, if any.
pub fn explicit(g: &Global, api_version: Option<&str>) -> Result<Option<&'static Version>, CliError> {
    if let Some(path) = &g.api_spec {
        return from_file(path).map(Some);
    }
    match api_version {
        Some(v) => shipped(v).map(Some),
        None => Ok(None),
    }
}

/// The release for a command that talks to the cloud of `client` when it is known without a call:
/// explicit, or the cloud's kept spec (unless `--refresh-api-spec`).
pub async fn known(
    g: &Global,
    conn: &Connection,
    client: &Client,
    store: &dyn StateStore,
) -> Result<Option<&'static Version>, CliError> {
    if let Some(v) = explicit(g, conn.api_version.as_deref())? {
        return Ok(Some(v));
    }
    if g.refresh_api_spec {
        return Ok(None);
    }
    cloud_release::kept_release(client, store)
        .await
        .map(|kept| kept.map(|k| k.version))
        .map_err(release_error)
}

/// The release for a command that talks to the cloud of `client`.
pub async fn for_cloud(
    g: &Global,
    conn: &Connection,
    client: &Client,
    store: &dyn StateStore,
) -> Result<&'static Version, CliError> {
    if let Some(v) = explicit(g, conn.api_version.as_deref())? {
        return Ok(v);
    }
    match cloud_release::cloud_release(client, store, g.refresh_api_spec).await {
        Ok(r) => {
            if r.fetched_now {
                tracing::info!(
                    release = r.version.version,
                    apis = r.version.apis.len(),
                    participants = r.version.participants.len(),
                    "read the cloud's listApis"
                );
            }
            Ok(r.version)
        }
        Err(e) => Err(release_error(e)),
    }
}

/// The release for a command that makes no call: explicit, or the configured cloud's kept spec, or
/// the newest shipped release. The second value says where it came from, for a note to the user.
pub async fn offline(
    g: &Global,
    flags: &ConnectionFlags,
    store: Option<&dyn StateStore>,
) -> Result<(&'static Version, String), CliError> {
    let profile_version = Connection::resolve(flags).ok().and_then(|c| c.api_version);
    if let Some(v) = explicit(g, flags.api_version.as_deref().or(profile_version.as_deref()))? {
        return Ok((v, format!("CloudStack {}", v.version)));
    }
    if let (Ok(conn), Some(store)) = (Connection::resolve(flags), store) {
        if let Ok(client) = conn.client() {
            let key = cloud_release::endpoint_key(&client);
            if let Some((sha, fetched)) = store
                .endpoint_spec(&key)
                .await
                .map_err(|e| CliError::Invalid(e.to_string()))?
            {
                if let Some(v) = cloud_release::stored_release(store, &sha)
                    .await
                    .map_err(release_error)?
                {
                    return Ok((
                        v,
                        format!(
                            "the APIs of {} (CloudStack {}, read {})",
                            conn.endpoint,
                            v.version,
                            stack_core::state::utc(fetched)
                        ),
                    ));
                }
            }
        }
    }
    let v = cloudstack_api::specs::newest().map_err(|e| CliError::Invalid(e.to_string()))?;
    Ok((
        v,
        format!(
            "CloudStack {} as shipped (no cloud's spec is kept here: --api-spec FILE, --api-version, or one \
             command against the cloud validates against its own APIs)",
            v.version
        ),
    ))
}

fn release_error(e: ReleaseError) -> CliError {
    match e {
        ReleaseError::Call { api, endpoint, source } => CliError::from_client(&format!("{api} at {endpoint}"), &source),
        ReleaseError::Load { .. } => CliError::Connection(format!(
            "{e}; the cloud answered listApis with something unusable: check the endpoint, or give the \
             release with --api-spec FILE or --api-version"
        )),
        ReleaseError::Stored { .. } | ReleaseError::State(_) => CliError::Invalid(e.to_string()),
        other => CliError::Invalid(other.to_string()),
    }
}
