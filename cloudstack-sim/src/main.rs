//! `cloudstack-sim`: serve a simulated CloudStack API until Ctrl-C.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use cloudstack_sim::{Account, FaultRule, Latency, SimConfig, SpecSource};

/// A CloudStack API simulator driven by a listApis dump.
#[derive(Parser)]
#[command(name = "cloudstack-sim", version)]
struct Cli {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// The listApis dump or facts spec to serve (default: the newest release shipped with the build).
    #[arg(long, conflicts_with = "release")]
    spec: Option<PathBuf>,
    /// A release shipped with the build, e.g. 4.15 (default: the newest).
    #[arg(long)]
    release: Option<String>,
    /// An account as NAME:APIKEY:SECRET (repeatable; default: the demo account).
    #[arg(long = "account")]
    accounts: Vec<String>,
    /// A JSON file `{"accounts":[{"name":..,"apikey":..,"secretkey":..}]}`.
    #[arg(long)]
    accounts_file: Option<PathBuf>,
    /// Async job duration: `200ms`, `1s` or a range `50ms..300ms`.
    #[arg(long, default_value = "100ms")]
    job_latency: String,
    /// A fault, e.g. `deployVirtualMachine:rate=0.2,in_job` or `*:throttle,next=3` (repeatable).
    #[arg(long = "fault")]
    faults: Vec<String>,
    /// Seed of ids, latencies and fault rates.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Limit every account but the root admin to N API calls per second, as CloudStack's
    /// `api.throttling.max` does (the call over it gets 429).
    #[arg(long, value_name = "N")]
    api_throttle: Option<u32>,
}

#[derive(serde::Deserialize)]
struct AccountsFile {
    accounts: Vec<Account>,
}

fn config(cli: &Cli) -> Result<SimConfig, String> {
    let mut accounts = Vec::new();
    for a in &cli.accounts {
        let mut parts = a.splitn(3, ':');
        match (parts.next(), parts.next(), parts.next()) {
            (Some(name), Some(key), Some(secret)) if !name.is_empty() && !key.is_empty() && !secret.is_empty() => {
                accounts.push(Account {
                    name: name.into(),
                    apikey: key.into(),
                    secretkey: secret.into(),
                })
            }
            _ => return Err(format!("--account {a:?}: expected NAME:APIKEY:SECRET")),
        }
    }
    if let Some(file) = &cli.accounts_file {
        let text = std::fs::read_to_string(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
        let parsed: AccountsFile = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", file.display()))?;
        accounts.extend(parsed.accounts);
    }
    let defaults = SimConfig::default();
    Ok(SimConfig {
        spec: match (&cli.spec, &cli.release) {
            (Some(p), _) => SpecSource::File(p.clone()),
            (None, Some(v)) => SpecSource::Release(v.clone()),
            (None, None) => SpecSource::Newest,
        },
        listen: cli.listen,
        accounts: if accounts.is_empty() {
            defaults.accounts
        } else {
            accounts
        },
        job_latency: Latency::parse(&cli.job_latency).map_err(|e| format!("--job-latency: {e}"))?,
        faults: cli
            .faults
            .iter()
            .map(|f| FaultRule::parse(f))
            .collect::<Result<_, _>>()?,
        seed: cli.seed,
        api_throttle: cli.api_throttle.map(|max| cloudstack_sim::ApiThrottle {
            max,
            ..cloudstack_sim::ApiThrottle::default()
        }),
    })
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    let cli = Cli::parse();
    let config = match config(&cli) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let first = config.accounts[0].clone();
    match cloudstack_sim::start(config).await {
        Ok(sim) => {
            println!("CloudStack {} simulator listening on {}", sim.handle.version(), sim.url);
            println!(
                "  account {}: CLOUDSTACK_KEY={} CLOUDSTACK_SECRET={}",
                first.name, first.apikey, first.secretkey
            );
            println!("  export CLOUDSTACK_ENDPOINT={}", sim.url);
            sim.serve_until_ctrl_c().await;
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}
