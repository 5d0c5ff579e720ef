//! Connection settings: flags, then the environment (`CLOUDSTACK_ENDPOINT`, `CLOUDSTACK_KEY`,
//! `CLOUDSTACK_SECRET`), then a named profile of the config file
//! (`~/.config/stackmate/config.toml`, or `--config`):
//!
//! ```toml
//! [profiles.default]
//! endpoint = "https://cloud.example.com/client/api"
//! api_key = "..."
//! secret_key = "..."
//! # api_version = "4.17"   # a shipped release instead of the cloud's own listApis
//! ```

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use cloudstack_client::Client;

use crate::exit::CliError;

/// One profile of the config file.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// API endpoint URL.
    pub endpoint: Option<String>,
    /// API key.
    pub api_key: Option<String>,
    /// Secret key.
    pub secret_key: Option<String>,
    /// A release shipped with the build to plan against (`4.15`, `4.16`, `4.17`), instead of the cloud's
    /// own listApis.
    pub api_version: Option<String>,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(default)]
    profiles: BTreeMap<String, Profile>,
}

/// What the flags say.
#[derive(Debug, Clone, Default)]
pub struct ConnectionFlags {
    /// `--endpoint`.
    pub endpoint: Option<String>,
    /// `--api-key`.
    pub api_key: Option<String>,
    /// `--secret-key`.
    pub secret_key: Option<String>,
    /// `--profile`.
    pub profile: Option<String>,
    /// `--config`.
    pub config: Option<PathBuf>,
    /// `--api-version`.
    pub api_version: Option<String>,
    /// `--request-timeout`: how long one API request may wait for its answer.
    pub request_timeout: Option<Duration>,
    /// `--api-rate`: requests per second at most.
    pub api_rate: Option<f64>,
}

/// How long one API request waits for its answer unless `--request-timeout` says otherwise.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// Resolved settings.
#[derive(Clone)]
pub struct Connection {
    /// Endpoint.
    pub endpoint: String,
    api_key: String,
    secret_key: String,
    /// `--api-version` or the profile's `api_version`, when given.
    pub api_version: Option<String>,
    /// How long one request waits for its answer.
    pub request_timeout: Duration,
    /// Requests per second at most, if limited.
    pub api_rate: Option<f64>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("endpoint", &self.endpoint)
            .field("api_version", &self.api_version)
            .finish_non_exhaustive()
    }
}

fn default_config() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("stackmate").join("config.toml"))
}

fn load_profile(flags: &ConnectionFlags) -> Result<Profile, CliError> {
    let explicit = flags.config.is_some();
    let Some(path) = flags.config.clone().or_else(default_config) else {
        return Ok(Profile::default());
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(_) if !explicit && flags.profile.is_none() => return Ok(Profile::default()),
        Err(e) => return Err(CliError::Invalid(format!("config file {}: {e}", path.display()))),
    };
    let file: ConfigFile =
        toml::from_str(&text).map_err(|e| CliError::Invalid(format!("config file {}: {e}", path.display())))?;
    let name = flags
        .profile
        .clone()
        .or_else(|| std::env::var("STACKMATE_PROFILE").ok())
        .unwrap_or_else(|| "default".to_string());
    match file.profiles.get(&name) {
        Some(p) => Ok(p.clone()),
        None if flags.profile.is_none() => Ok(Profile::default()),
        None => Err(CliError::Invalid(format!(
            "config file {}: no profile [profiles.{name}] (it has: {})",
            path.display(),
            file.profiles.keys().cloned().collect::<Vec<_>>().join(", ")
        ))),
    }
}

impl Connection {
    /// Resolves flags, environment and profile.
    pub fn resolve(flags: &ConnectionFlags) -> Result<Self, CliError> {
        let profile = load_profile(flags)?;
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let pick = |flag: &Option<String>, var: &str, prof: &Option<String>| {
            flag.clone().or_else(|| env(var)).or_else(|| prof.clone())
        };
        let endpoint = pick(&flags.endpoint, "CLOUDSTACK_ENDPOINT", &profile.endpoint).ok_or_else(|| {
            CliError::Invalid(
                "no CloudStack endpoint: give --endpoint, set CLOUDSTACK_ENDPOINT, or add a profile to the \
                 config file (or try `stackmate demo`, which needs none)"
                    .into(),
            )
        })?;
        let api_key = pick(&flags.api_key, "CLOUDSTACK_KEY", &profile.api_key)
            .ok_or_else(|| CliError::Invalid("no API key: give --api-key or set CLOUDSTACK_KEY".into()))?;
        let secret_key = pick(&flags.secret_key, "CLOUDSTACK_SECRET", &profile.secret_key)
            .ok_or_else(|| CliError::Invalid("no secret key: give --secret-key or set CLOUDSTACK_SECRET".into()))?;
        Ok(Self {
            endpoint,
            api_key,
            secret_key,
            api_version: flags.api_version.clone().or(profile.api_version),
            request_timeout: flags.request_timeout.unwrap_or(DEFAULT_REQUEST_TIMEOUT),
            api_rate: flags.api_rate,
        })
    }

    /// Settings for a known endpoint and keys (the demo's simulator).
    pub fn new(endpoint: String, api_key: &str, secret_key: &str, api_version: Option<String>) -> Self {
        Self {
            endpoint,
            api_key: api_key.to_string(),
            secret_key: secret_key.to_string(),
            api_version,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            api_rate: None,
        }
    }

    /// A client for these settings: a short connect timeout, the request timeout, and reads retried
    /// twice (a request that timed out is not retried: a silent server fails after one timeout).
    pub fn client(&self) -> Result<Client, CliError> {
        let mut builder = Client::builder(&self.endpoint);
        if let Some(rate) = self.api_rate {
            builder = builder.max_rate(rate);
        }
        builder
            .credentials(&self.api_key, &self.secret_key)
            .connect_timeout(Duration::from_secs(5).min(self.request_timeout))
            .timeout(self.request_timeout)
            .retry_policy(cloudstack_client::client::RetryPolicy {
                attempts: 3,
                base: Duration::from_millis(200),
                cap: Duration::from_secs(2),
            })
            .build()
            .map_err(|e| CliError::Invalid(format!("--endpoint {}: {e}", self.endpoint)))
    }

    /// The cloud's zone ids (for Fn::GetAZs); also proves the endpoint and keys work.
    pub async fn zones(&self, client: &Client) -> Result<Vec<String>, CliError> {
        stack_core::cloud_release::zone_ids(client)
            .await
            .map_err(|e| CliError::from_client(&format!("listZones at {}", self.endpoint), &e))
    }
}
