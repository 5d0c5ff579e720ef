//! stack-core engines, one per owner (one CloudStack account), shared by the operations of that
//! owner in this process. An owner's engine talks to its cloud with the owner's credentials (opened
//! from their sealed form only here), under this process's share of the account's request limit.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use stack_core::{Engine, EngineConfig, StateStore};
use stack_signals_http::SignalServer;

use crate::db::Owner;
use crate::sealing::{SealError, SealKey};

/// How engines are set up.
#[derive(Debug, Clone)]
pub struct EngineSettings {
    /// Resources of one stack created or deleted at once (0: no cap but the request slots).
    pub concurrency: usize,
    /// Requests per second each CloudStack account may make in all (`api.throttling.max` per
    /// `api.throttling.interval`), shared among the live workers; `None` for no limit.
    pub account_rate: Option<f64>,
    /// How long one API request waits for its answer.
    pub request_timeout: Duration,
    /// The engine's stack lock lease (a dead worker's stacks are taken over after it).
    pub lock_lease: Duration,
    /// Job poll interval.
    pub poll_interval: Duration,
}

impl Default for EngineSettings {
    fn default() -> Self {
        Self {
            concurrency: 0,
            account_rate: Some(25.0),
            request_timeout: Duration::from_secs(60),
            lock_lease: Duration::from_secs(15),
            poll_interval: Duration::from_millis(500),
        }
    }
}

/// Why an owner's engine could not be made.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The owner's sealed secret does not open.
    #[error(transparent)]
    Sealed(#[from] SealError),
    /// The client could not be built (a bad endpoint).
    #[error("the CloudStack endpoint {endpoint} of owner {owner}: {source}")]
    Client {
        /// The owner.
        owner: String,
        /// Its endpoint.
        endpoint: String,
        /// Why.
        #[source]
        source: Box<cloudstack_client::Error>,
    },
}

/// The engines of this process.
pub struct Engines {
    store: Arc<dyn StateStore>,
    key: SealKey,
    signals: Arc<SignalServer>,
    settings: EngineSettings,
    cache: Mutex<HashMap<i64, (String, Engine)>>,
    /// This process's share of each account's rate (1 = all of it).
    share: Mutex<f64>,
    /// Workers of this process (they share these engines, and so each account's client).
    local_workers: std::sync::atomic::AtomicUsize,
}

impl std::fmt::Debug for Engines {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engines")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl Engines {
    /// Engines on `store`, serving guests through `signals`.
    pub fn new(store: Arc<dyn StateStore>, key: SealKey, signals: Arc<SignalServer>, settings: EngineSettings) -> Self {
        Self {
            store,
            key,
            signals,
            settings,
            cache: Mutex::new(HashMap::new()),
            share: Mutex::new(1.0),
            local_workers: std::sync::atomic::AtomicUsize::new(0),
        }
    }

    /// The state store.
    pub fn store(&self) -> &Arc<dyn StateStore> {
        &self.store
    }

    /// The guest server.
    pub fn signals(&self) -> &Arc<SignalServer> {
        &self.signals
    }

    /// The settings.
    pub fn settings(&self) -> &EngineSettings {
        &self.settings
    }

    fn rate(&self) -> Option<f64> {
        let share = *self.share.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        self.settings.account_rate.map(|r| r * share)
    }

    /// Counts a worker of this process in (`1`) or out (`-1`).
    pub fn count_worker(&self, delta: isize) {
        use std::sync::atomic::Ordering;
        if delta >= 0 {
            self.local_workers.fetch_add(delta.unsigned_abs(), Ordering::Relaxed);
        } else {
            self.local_workers.fetch_sub(delta.unsigned_abs(), Ordering::Relaxed);
        }
    }

    /// Gives this process its share of each account's rate: its workers among the `live` ones of
    /// the database.
    pub fn share_among(&self, live: i64) {
        let local = self.local_workers.load(std::sync::atomic::Ordering::Relaxed).max(1);
        let live = usize::try_from(live).unwrap_or(0).max(local);
        #[allow(clippy::cast_precision_loss)]
        self.set_share(local as f64 / live as f64);
    }

    /// Sets this process's share of each account's rate, for every engine.
    pub fn set_share(&self, share: f64) {
        *self.share.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = share.clamp(0.01, 1.0);
        let rate = self.rate();
        for (_, engine) in self
            .cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .values()
        {
            engine.client().set_max_rate(rate);
        }
    }

    /// The engine of `owner` (made on first use, and again when its credentials change).
    pub fn for_owner(&self, owner: &Owner) -> Result<Engine, EngineError> {
        let fingerprint = format!("{}\n{}\n{}", owner.endpoint, owner.api_key, owner.secret_sealed);
        let mut cache = self.cache.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((f, e)) = cache.get(&owner.id) {
            if *f == fingerprint {
                return Ok(e.clone());
            }
        }
        let secret = self.key.open(&owner.secret_sealed)?;
        let mut builder = cloudstack_client::Client::builder(owner.endpoint.clone())
            .credentials(owner.api_key.clone(), secret)
            .timeout(self.settings.request_timeout);
        if let Some(r) = self.rate() {
            builder = builder.max_rate(r);
        }
        let client = builder.build().map_err(|source| EngineError::Client {
            owner: owner.name.clone(),
            endpoint: owner.endpoint.clone(),
            source: Box::new(source),
        })?;
        let config = EngineConfig {
            concurrency: self.settings.concurrency,
            poll_interval: self.settings.poll_interval,
            ..EngineConfig::default()
        }
        .with_lock_lease(self.settings.lock_lease);
        let engine = Engine::new(client, config)
            .with_signals(Arc::clone(&self.signals) as Arc<dyn stack_core::signals::Signals>)
            .with_store(Arc::clone(&self.store));
        cache.insert(owner.id, (fingerprint, engine.clone()));
        Ok(engine)
    }
}

/// Why an owner's release or zones could not be had.
#[derive(Debug, thiserror::Error)]
pub enum CloudError {
    /// The owner's `api_version` is not a shipped release.
    #[error("owner {owner}: api_version {version}: {message}")]
    Version {
        /// The owner.
        owner: String,
        /// The version named.
        version: String,
        /// Why.
        message: String,
    },
    /// The cloud's own release could not be read.
    #[error(transparent)]
    Release(#[from] stack_core::cloud_release::ReleaseError),
    /// `listZones` failed.
    #[error("listZones: {0}")]
    Zones(#[from] Box<cloudstack_client::Error>),
}

/// The release `owner`'s stacks are planned against when it is known without a call: its
/// `api_version`, or its cloud's own as the state store keeps it.
pub async fn known_release(
    owner: &Owner,
    engine: &Engine,
    store: &dyn StateStore,
) -> Result<Option<&'static cloudstack_api::Version>, CloudError> {
    if owner.api_version.is_some() {
        return release_for(owner, engine, store).await.map(Some);
    }
    Ok(stack_core::cloud_release::kept_release(engine.client(), store)
        .await?
        .map(|k| k.version))
}

/// The release `owner`'s stacks are planned against: its `api_version`, else its cloud's own
/// (read once and kept in the state store).
pub async fn release_for(
    owner: &Owner,
    engine: &Engine,
    store: &dyn StateStore,
) -> Result<&'static cloudstack_api::Version, CloudError> {
    if let Some(v) = &owner.api_version {
        return cloudstack_api::specs::release(v).map_err(|e| CloudError::Version {
            owner: owner.name.clone(),
            version: v.clone(),
            message: e.to_string(),
        });
    }
    Ok(stack_core::cloud_release::cloud_release(engine.client(), store, false)
        .await?
        .version)
}

/// The zone ids of the owner's cloud (for `Fn::GetAZs`).
pub async fn zones(engine: &Engine) -> Result<Vec<String>, CloudError> {
    Ok(stack_core::cloud_release::zone_ids(engine.client())
        .await
        .map_err(Box::new)?)
}
