//! Lists zones, templates and offerings, deploys a VM, waits for its job, shows it, and destroys it.
//!
//! Against a real cloud: set `CLOUDSTACK_ENDPOINT`, `CLOUDSTACK_KEY` and `CLOUDSTACK_SECRET` (as for the
//! Python `cs` client). Without them it starts the embedded simulator and runs against that.
//!
//! Run: `cargo run -p cloudstack-api --example deploy_vm`

use cloudstack_api::v4_17::{
    DeployVirtualMachine, DestroyVirtualMachine, ListServiceOfferings, ListTemplates, ListZones,
};
use cloudstack_client::Client;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut _sim = None;
    let client = if std::env::var_os("CLOUDSTACK_ENDPOINT").is_some() {
        Client::from_env()?
    } else {
        let sim = cloudstack_sim::start(cloudstack_sim::SimConfig::ephemeral()).await?;
        println!("no CLOUDSTACK_ENDPOINT: using the embedded simulator at {}", sim.url);
        let c = Client::builder(&sim.url)
            .credentials(cloudstack_sim::DEMO_API_KEY, cloudstack_sim::DEMO_SECRET_KEY)
            .build()?;
        _sim = Some(sim);
        c
    };

    let zones = client.execute(&ListZones::new().available(true)).await?;
    for z in &zones.items {
        println!(
            "zone      {} {}",
            z.id.as_deref().unwrap_or("?"),
            z.name.as_deref().unwrap_or("?")
        );
    }
    let zone = zones.items.first().and_then(|z| z.id.clone()).ok_or("no zone")?;
    let templates = client.execute(&ListTemplates::new("executable").zoneid(&zone)).await?;
    let template = templates.items.first().ok_or("no template")?;
    println!(
        "template  {} {}",
        template.id.as_deref().unwrap_or("?"),
        template.name.as_deref().unwrap_or("?")
    );
    let offerings = client.execute(&ListServiceOfferings::new()).await?;
    let offering = offerings.items.first().ok_or("no service offering")?;
    println!(
        "offering  {} {}",
        offering.id.as_deref().unwrap_or("?"),
        offering.name.as_deref().unwrap_or("?")
    );

    let deploy = DeployVirtualMachine::new(
        offering.id.clone().ok_or("offering without id")?,
        template.id.clone().ok_or("template without id")?,
        &zone,
    )
    .name("example-vm");
    let submitted = client.submit(&deploy).await?;
    println!(
        "deploying {} (job {})",
        submitted.id.as_deref().unwrap_or("?"),
        submitted.job_id
    );
    let vm = client.execute(&deploy).await?;
    println!(
        "vm        {} {} state={} ip={}",
        vm.id.as_deref().unwrap_or("?"),
        vm.name.as_deref().unwrap_or("?"),
        vm.state.as_deref().unwrap_or("?"),
        vm.nic.first().and_then(|n| n.ipaddress.as_deref()).unwrap_or("?")
    );
    for id in [submitted.id, vm.id].into_iter().flatten() {
        client.execute(&DestroyVirtualMachine::new(&id).expunge(true)).await?;
        println!("destroyed {id}");
    }
    println!("{} API requests", client.request_count());
    Ok(())
}
