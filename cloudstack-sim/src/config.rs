//! Simulator settings: which dump, where to listen, accounts, job latency, faults, seed.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

use crate::faults::FaultRule;

/// The API key of the demo account, printed at start.
pub const DEMO_API_KEY: &str = "sim-demo-api-key";
/// The secret key of the demo account.
pub const DEMO_SECRET_KEY: &str = "sim-demo-secret-key";

/// An account with one API key pair. The first account is the root admin that owns the seeded
/// domain objects.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Account {
    /// Account name (`admin` for the default).
    pub name: String,
    /// API key.
    pub apikey: String,
    /// Secret key.
    pub secretkey: String,
}

/// How long an async job takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Latency {
    /// Always this long.
    Fixed(Duration),
    /// Uniformly between the two (seeded).
    Range(Duration, Duration),
}

impl Latency {
    /// Parses `200ms`, `1s`, `50ms..300ms`.
    pub fn parse(s: &str) -> Result<Self, String> {
        fn dur(s: &str) -> Result<Duration, String> {
            let s = s.trim();
            let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
            let n: u64 = num
                .parse()
                .map_err(|_| format!("{s:?} is not a duration like 200ms or 2s"))?;
            match unit {
                "ms" | "" => Ok(Duration::from_millis(n)),
                "s" => Ok(Duration::from_secs(n)),
                _ => Err(format!("{s:?}: unit must be ms or s")),
            }
        }
        match s.split_once("..") {
            Some((a, b)) => {
                let (a, b) = (dur(a)?, dur(b)?);
                if a > b {
                    return Err(format!("{s:?}: the range is empty"));
                }
                Ok(Self::Range(a, b))
            }
            None => Ok(Self::Fixed(dur(s)?)),
        }
    }
}

/// Which API description the simulator serves.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum SpecSource {
    /// The newest release shipped with `cloudstack-api` (its facts).
    #[default]
    Newest,
    /// A release shipped with `cloudstack-api`, e.g. `4.15`.
    Release(String),
    /// A listApis dump or facts spec file.
    File(PathBuf),
}

/// Everything the simulator needs to start.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// The API description to serve.
    pub spec: SpecSource,
    /// Where to listen (`127.0.0.1:0` picks a free port).
    pub listen: SocketAddr,
    /// Accounts and their keys; the first is the root admin.
    pub accounts: Vec<Account>,
    /// Async job duration.
    pub job_latency: Latency,
    /// Faults active from the start.
    pub faults: Vec<FaultRule>,
    /// Seed of every random choice (ids, latencies, failure rates), for reproducible runs.
    pub seed: u64,
    /// CloudStack's API throttling (`api.throttling.enabled`), off by default as in CloudStack.
    pub api_throttle: Option<ApiThrottle>,
}

/// CloudStack's per-account API limit (the `ApiRateLimit` plugin): each account may make `max`
/// calls per `interval`, counted from its first call of the interval; the call over the limit is
/// refused with 429 and "retry after N ms" (the interval's time left), without being executed. The
/// root admin is not limited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiThrottle {
    /// `api.throttling.max` (CloudStack's default: 25).
    pub max: u32,
    /// `api.throttling.interval` (CloudStack's default: 1 s).
    pub interval: Duration,
}

impl Default for ApiThrottle {
    fn default() -> Self {
        Self {
            max: 25,
            interval: Duration::from_secs(1),
        }
    }
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            spec: SpecSource::Newest,
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            accounts: vec![Account {
                name: "admin".into(),
                apikey: DEMO_API_KEY.into(),
                secretkey: DEMO_SECRET_KEY.into(),
            }],
            job_latency: Latency::Fixed(Duration::from_millis(100)),
            faults: Vec::new(),
            seed: 42,
            api_throttle: None,
        }
    }
}

impl SimConfig {
    /// Defaults with a free loopback port: what tests and the demo use.
    pub fn ephemeral() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            ..Self::default()
        }
    }
}
