//! The guests of `serve --demo`'s stacks: the simulator boots nothing, so this plays each VM's
//! guest as cfn-signal would on a booted machine. It watches the simulator for new VMs, reads each
//! one's user data through the CloudStack API (`getVirtualMachineUserData`, as the guest's own
//! script is given it), finds the service's wait-condition handle URL in it and signals SUCCESS
//! there, so a template with a wait condition (`lamp-demo.json`) completes in seconds.

use std::collections::BTreeSet;
use std::time::Duration;

use base64::Engine as _;
use cloudstack_client::{Client, HttpMethod};

/// The demo's template ([`cloudstack_sim::fixtures::LAMP_DEMO_TEMPLATE`], the CLI demo's too), with the
/// simulator's zone, Linux template and small offering as the defaults of its `zoneid`,
/// `templateid` and `serviceofferingid`: what `serve --demo` stores as `lamp-demo`, so that it is
/// launched from the web UI with only its database password typed.
pub fn demo_template() -> String {
    let mut text = cloudstack_sim::fixtures::LAMP_DEMO_TEMPLATE.to_string();
    for (param, id) in [
        ("zoneid", cloudstack_sim::fixtures::ZONE_ID),
        ("templateid", cloudstack_sim::fixtures::TEMPLATE_ID),
        ("serviceofferingid", cloudstack_sim::fixtures::SERVICE_OFFERING_SMALL_ID),
    ] {
        let declared = format!("\"{param}\": {{\"Type\": \"String\",");
        text = text.replacen(&declared, &format!("{declared} \"Default\": \"{id}\","), 1);
    }
    text
}

/// The part of a handle URL that names the service's wait-condition route.
const HANDLE_ROUTE: &str = "/guest/waitcondition/";

/// Plays the guests of the VMs the simulator `sim` makes, with `client` (an account of it that
/// sees them), until the process ends.
pub fn play(sim: cloudstack_sim::SimHandle, client: Client) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut done: BTreeSet<String> = BTreeSet::new();
        let http = reqwest::Client::new();
        loop {
            for vm in sim
                .live_resources()
                .into_iter()
                .filter(|r| r.kind == "virtualmachine" && !r.seeded)
            {
                if done.contains(&vm.id) {
                    continue;
                }
                match signal(&client, &http, &vm.id).await {
                    Ok(Some(handle)) => {
                        tracing::info!(vm = %vm.id, "demo guest: booted and signalled its wait condition");
                        let _ = handle;
                        done.insert(vm.id);
                    }
                    // No handle in its user data: nothing waits for it.
                    Ok(None) => {
                        done.insert(vm.id);
                    }
                    // Not readable yet, or the signal was not taken yet: try again next round.
                    Err(e) => tracing::debug!(vm = %vm.id, error = %e, "demo guest: not yet"),
                }
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    })
}

/// Signals the wait-condition handle named in VM `vm`'s user data; the handle, or `None` when its
/// user data names none.
async fn signal(client: &Client, http: &reqwest::Client, vm: &str) -> Result<Option<String>, String> {
    let answer = client
        .call(
            "getVirtualMachineUserData",
            HttpMethod::Get,
            vec![("virtualmachineid".into(), vm.to_string())],
        )
        .await
        .map_err(|e| e.to_string())?;
    let encoded = answer["virtualmachineuserdata"]["userdata"]
        .as_str()
        .unwrap_or_default();
    let script = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .unwrap_or_default();
    let Some(handle) = handle_in(&script) else {
        return Ok(None);
    };
    let body =
        r#"{"Status":"SUCCESS","Reason":"booted (played by stacktician's demo)","UniqueId":"demo-vm","Data":"ready"}"#;
    let resp = http
        .put(&handle)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .map_err(|e| e.without_url().to_string())?;
    if resp.status().is_success() {
        Ok(Some(handle))
    } else {
        Err(format!("the handle answered {}", resp.status()))
    }
}

/// The first wait-condition handle URL in `script`.
fn handle_in(script: &str) -> Option<String> {
    let at = script.find(HANDLE_ROUTE)?;
    let start = script[..at]
        .rfind(|c: char| c.is_whitespace() || matches!(c, '\'' | '"' | '='))
        .map_or(0, |i| i + 1);
    let url: String = script[start..]
        .chars()
        .take_while(|c| !c.is_whitespace() && !matches!(c, '\'' | '"' | '\\'))
        .collect();
    url.starts_with("http").then_some(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_template_defaults_to_the_simulators_ids() {
        let t: serde_json::Value = serde_json::from_str(&demo_template()).expect("JSON");
        for (param, id) in [
            ("zoneid", cloudstack_sim::fixtures::ZONE_ID),
            ("templateid", cloudstack_sim::fixtures::TEMPLATE_ID),
            ("serviceofferingid", cloudstack_sim::fixtures::SERVICE_OFFERING_SMALL_ID),
        ] {
            assert_eq!(t["Parameters"][param]["Default"], id, "{param}");
        }
    }

    #[test]
    fn the_handle_is_found_in_a_script() {
        let script = "#!/bin/sh\nHANDLE='http://127.0.0.1:8750/guest/waitcondition/alice--web/abc123'\ncurl -X PUT \"$HANDLE\"\n";
        assert_eq!(
            handle_in(script).as_deref(),
            Some("http://127.0.0.1:8750/guest/waitcondition/alice--web/abc123")
        );
        assert_eq!(handle_in("#!/bin/sh\necho no handle\n"), None);
    }
}
