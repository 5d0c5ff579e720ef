//! What each `stacktician` command does.

use crate::api::accounts::{self, OwnerBody};
use crate::cli::{config, stop_signal, Cli, CliError, Command, OwnerAction, TokenAction};
use crate::service::{start, RunningService};

/// Runs a parsed command.
pub async fn run(cli: Cli) -> Result<(), CliError> {
    let Cli { store, command } = cli;
    match command {
        Command::Key => {
            println!("{}", crate::sealing::new_key()?);
            Ok(())
        }
        Command::Serve {
            listen,
            workers,
            #[cfg(feature = "demo")]
            demo,
            run,
        } => {
            #[cfg(feature = "demo")]
            let sim = if demo { Some(start_simulator().await?) } else { None };
            let service = start(config(&store, &run, Some(listen), workers)?).await?;
            let url = service.url.clone().unwrap_or_default();
            #[cfg(feature = "demo")]
            if let Some(sim) = &sim {
                demo_owner(&service, &sim.url).await?;
                let guests = cloudstack_client::Client::builder(sim.url.clone())
                    .credentials(cloudstack_sim::DEMO_API_KEY, cloudstack_sim::DEMO_SECRET_KEY)
                    .build()
                    .map_err(|e| CliError::Settings(format!("the demo's guests: {e}")))?;
                crate::demo_guests::play(sim.handle.clone(), guests);
            }
            eprintln!("stacktician: serving {url} (API under {url}/v1, its description at {url}/openapi.json) with {workers} worker(s)");
            service.run_until(stop_signal()).await;
            Ok(())
        }
        Command::Worker { workers, run } => {
            if workers == 0 {
                return Err(CliError::Settings(
                    "--workers 0: a worker process runs at least one".into(),
                ));
            }
            let service = start(config(&store, &run, None, workers)?).await?;
            eprintln!("stacktician: {workers} worker(s) running");
            service.run_until(stop_signal()).await;
            Ok(())
        }
        Command::Owner { action } => {
            let service = admin_service(&store).await?;
            match action {
                OwnerAction::Add {
                    name,
                    endpoint,
                    api_key,
                    admin,
                    api_version,
                } => {
                    let secret_key = std::env::var("CLOUDSTACK_SECRET").map_err(|_| {
                        CliError::Settings("set CLOUDSTACK_SECRET to the owner's CloudStack secret key".into())
                    })?;
                    let owner = accounts::add(
                        &service.state,
                        OwnerBody {
                            name,
                            admin,
                            endpoint,
                            api_key,
                            secret_key,
                            api_version,
                        },
                    )
                    .await?;
                    let (row, token) = accounts::issue(&service.state, &owner, "first").await?;
                    println!(
                        "owner {} added; its API token (id {}), shown once:\n{token}",
                        owner.name, row.id
                    );
                }
                OwnerAction::List => {
                    for o in service.state.db.owners().await.map_err(crate::api::ApiError::from)? {
                        println!("{}\t{}\t{}", o.name, if o.admin { "admin" } else { "-" }, o.endpoint);
                    }
                }
            }
            service.stop().await;
            Ok(())
        }
        Command::Token { action } => {
            let service = admin_service(&store).await?;
            match action {
                TokenAction::Add { owner, label } => {
                    let o = service
                        .state
                        .db
                        .owner_named(&owner)
                        .await
                        .map_err(crate::api::ApiError::from)?
                        .ok_or_else(|| CliError::Settings(format!("no owner named {owner}")))?;
                    let (row, token) = accounts::issue(&service.state, &o, &label).await?;
                    println!("token {} for {owner}, shown once:\n{token}", row.id);
                }
                TokenAction::Revoke { id } => {
                    if !service
                        .state
                        .db
                        .revoke_token(&id)
                        .await
                        .map_err(crate::api::ApiError::from)?
                    {
                        return Err(CliError::Settings(format!("no token with id {id}")));
                    }
                    println!("token {id} revoked");
                }
            }
            service.stop().await;
            Ok(())
        }
    }
}

/// The service's state without an API or workers, for account commands.
async fn admin_service(store: &crate::cli::StoreArgs) -> Result<RunningService, CliError> {
    let run = crate::cli::RunArgs {
        public_url: None,
        guest_listen: "127.0.0.1:0"
            .parse()
            .map_err(|_| CliError::Settings("address".into()))?,
        max_operations: 1,
        concurrency: 0,
        account_rate: 0.0,
        lease: 15.0,
        shutdown_grace: 1.0,
        poll_ms: 500,
        worker_id: None,
    };
    Ok(start(config(store, &run, None, 0)?).await?)
}

#[cfg(feature = "demo")]
async fn start_simulator() -> Result<cloudstack_sim::RunningSim, CliError> {
    let sim = cloudstack_sim::start(cloudstack_sim::SimConfig {
        job_latency: cloudstack_sim::Latency::Fixed(std::time::Duration::from_millis(300)),
        ..cloudstack_sim::SimConfig::ephemeral()
    })
    .await
    .map_err(|e| CliError::Settings(format!("the simulator did not start: {e}")))?;
    // The simulator lives as long as the process.
    Ok(sim)
}

/// The demo owner on the simulator at `url`, made (with a token printed) or pointed at it again.
#[cfg(feature = "demo")]
async fn demo_owner(service: &RunningService, url: &str) -> Result<(), CliError> {
    let db = &service.state.db;
    if db
        .owner_named("demo")
        .await
        .map_err(crate::api::ApiError::from)?
        .is_some()
    {
        eprintln!(
            "stacktician: the demo owner exists (from an earlier start); its stacks were on an earlier simulator. \
             Remove the data directory for a fresh demo."
        );
        return Ok(());
    }
    let owner = accounts::add(
        &service.state,
        OwnerBody {
            name: "demo".into(),
            admin: true,
            endpoint: url.to_string(),
            api_key: cloudstack_sim::DEMO_API_KEY.into(),
            secret_key: cloudstack_sim::DEMO_SECRET_KEY.into(),
            api_version: None,
        },
    )
    .await?;
    let (_, token) = accounts::issue(&service.state, &owner, "demo").await?;
    // The demo's template, stored for launching from the web UI.
    let now = crate::api::submit::now_ms();
    db.put_template(owner.id, "lamp-demo", &crate::demo_guests::demo_template(), now)
        .await
        .map_err(crate::api::ApiError::from)?;
    let api = service.url.clone().unwrap_or_default();
    eprintln!("stacktician: the CloudStack simulator runs at {url}; admin owner demo's API token (shown once):");
    println!("{token}");
    eprintln!("try: curl -H \"Authorization: Bearer $TOKEN\" {api}/v1/stacks   (TOKEN: the line above)");
    eprintln!("or sign in at {api}/ with it and launch the stored template lamp-demo");
    Ok(())
}
