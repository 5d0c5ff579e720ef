//! Which CloudStack release a stack is planned against, and where that release comes from.
//!
//! A stack is validated against exactly the APIs its cloud exposes to its account: the cloud's own
//! `listApis` answer, read once and kept in the state store (as facts, by content hash, and per
//! endpoint and account), so later runs make no call for it until asked to refresh. A release shipped
//! with `cloudstack-api` (`cloudstack_api::specs::release`) or a dump file (`cloudstack_api::Version::load`)
//! can be used instead; every stack records the sha256 of the spec it was planned with, and the store
//! keeps that spec, so resume, delete and rollback plan it again with the same tables whatever the
//! cloud answers by then.

use cloudstack_api::{LoadError, Version};
use cloudstack_client::{Client, HttpMethod};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::state::{StateError, StateStore};

/// Why a cloud's release could not be had.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReleaseError {
    /// The cloud did not answer `listApis` (or `listCapabilities`).
    #[error("{api} at {endpoint}: {source}")]
    Call {
        /// The API.
        api: &'static str,
        /// The endpoint.
        endpoint: String,
        /// The client's error (its kind says whether it is a connection or an authentication problem).
        #[source]
        source: Box<cloudstack_client::Error>,
    },
    /// The answer is not a usable API description.
    #[error("the listApis answer of {endpoint} is not a usable API description: {source}")]
    Load {
        /// The endpoint.
        endpoint: String,
        /// Why.
        #[source]
        source: LoadError,
    },
    /// A stored spec could not be loaded again.
    #[error("the API spec {sha256} kept in the state store does not load: {source}")]
    Stored {
        /// Its hash.
        sha256: String,
        /// Why.
        #[source]
        source: LoadError,
    },
    /// The state store failed.
    #[error(transparent)]
    State(#[from] StateError),
}

/// A cloud's release, and whether it was just read from the cloud.
#[derive(Debug, Clone, Copy)]
pub struct CloudRelease {
    /// The release.
    pub version: &'static Version,
    /// When its listApis answer was read (ms since the epoch).
    pub fetched_ms: u64,
    /// True when this call read it from the cloud; false when it came from the store.
    pub fetched_now: bool,
}

/// The key the store keeps a cloud's spec under: the endpoint and the API key (listApis answers per
/// account), hashed so the key never shows in the store.
pub fn endpoint_key(client: &Client) -> String {
    let digest = Sha256::digest(format!("{}\n{}", client.endpoint(), client.api_key()).as_bytes());
    digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

/// The release of the cloud `client` talks to: from the store when its listApis answer was kept
/// before and `refresh` is false, otherwise read from the cloud (`listApis` and, for the release
/// number, `listCapabilities`) and kept.
pub async fn cloud_release(
    client: &Client,
    store: &dyn StateStore,
    refresh: bool,
) -> Result<CloudRelease, ReleaseError> {
    if !refresh {
        if let Some(kept) = kept_release(client, store).await? {
            return Ok(kept);
        }
    }
    let key = endpoint_key(client);
    let version = fetch(client).await?;
    store.save_spec(version.facts_sha256, version.facts).await?;
    store.set_endpoint_spec(&key, version.facts_sha256).await?;
    Ok(CloudRelease {
        version,
        fetched_ms: crate::state::now_ms(),
        fetched_now: true,
    })
}

/// The release of the cloud `client` talks to as `store` keeps it, without a call; `None` when
/// the store keeps none (then [`cloud_release`] reads the cloud's `listApis`).
pub async fn kept_release(client: &Client, store: &dyn StateStore) -> Result<Option<CloudRelease>, ReleaseError> {
    let Some((sha, fetched_ms)) = store.endpoint_spec(&endpoint_key(client)).await? else {
        return Ok(None);
    };
    Ok(stored_release(store, &sha).await?.map(|version| CloudRelease {
        version,
        fetched_ms,
        fetched_now: false,
    }))
}

/// The release whose facts have `sha256`: shipped with `cloudstack-api`, or kept in the store.
pub async fn stored_release(store: &dyn StateStore, sha256: &str) -> Result<Option<&'static Version>, ReleaseError> {
    if let Some(found) = cloudstack_api::specs::by_sha256(sha256) {
        return found.map(Some).map_err(|source| ReleaseError::Stored {
            sha256: sha256.to_string(),
            source,
        });
    }
    // Loaded by this process already: not read from the store and parsed again.
    if let Some(v) = Version::loaded(sha256) {
        return Ok(Some(v));
    }
    match store.spec(sha256).await? {
        None => Ok(None),
        Some(facts) => Version::load(facts.as_bytes(), &format!("spec {sha256} of the state store"))
            .map(Some)
            .map_err(|source| ReleaseError::Stored {
                sha256: sha256.to_string(),
                source,
            }),
    }
}

/// Keeps `version`'s facts in the store, so stacks planned with it can be planned again.
pub async fn keep(store: &dyn StateStore, version: &Version) -> Result<(), StateError> {
    store.save_spec(version.facts_sha256, version.facts).await
}

async fn fetch(client: &Client) -> Result<&'static Version, ReleaseError> {
    let call = |api: &'static str| async move {
        client
            .call(api, HttpMethod::Get, Vec::new())
            .await
            .map_err(|source| ReleaseError::Call {
                api,
                endpoint: client.endpoint().to_string(),
                source: Box::new(source),
            })
    };
    let apis = call("listApis").await?;
    // The release number is a label only; a cloud that hides its capabilities still works.
    let release = match call("listCapabilities").await {
        Ok(caps) => caps
            .get("capability")
            .and_then(|c| c.get("cloudstackversion"))
            .and_then(Value::as_str)
            .map(str::to_string),
        Err(e) => {
            tracing::warn!(error = %e, "listCapabilities failed; the cloud's release is recorded as unknown");
            None
        }
    };
    let source = format!("listApis of {}", client.endpoint());
    Version::load_value(
        &json!({ "listapisresponse": apis }),
        &source,
        Some(release.as_deref().unwrap_or("unknown")),
    )
    .map_err(|source| ReleaseError::Load {
        endpoint: client.endpoint().to_string(),
        source,
    })
}

/// The ids of the zones the cloud `client` talks to offers its account (for `Fn::GetAZs`).
pub async fn zone_ids(client: &Client) -> Result<Vec<String>, cloudstack_client::Error> {
    let inner = client.call("listZones", HttpMethod::Get, Vec::new()).await?;
    Ok(inner
        .get("zone")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|z| z.get("id").and_then(Value::as_str).map(str::to_string))
        .collect())
}
