//! Plays a VM of the demo: the simulator boots nothing, so once the VM exists this reads the
//! wait-condition handle URL from its user data (as the guest's cfn-signal would be told it) or from
//! its Metadata on the metadata server (cfn-init), and signals SUCCESS.

use crate::printing::{errln, outln};
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use cloudstack_client::{Client, HttpMethod};
use stack_core::Status;

/// Signals for every VM of the stack once it is created.
pub fn play_vms(engine: &stack_core::Engine, client: Client, stack: String) {
    let Some(base) = engine.signals().map(|s| s.base_url().to_string()) else {
        return;
    };
    let seen = Arc::new(Mutex::new(std::collections::BTreeSet::new()));
    engine.events().subscribe(Arc::new(move |e| {
        if e.resource_type != "CloudStack::VirtualMachine" || e.status != Status::CreateComplete {
            return;
        }
        let Some(vm_id) = e.physical_id.clone() else { return };
        if !seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(vm_id.clone())
        {
            return;
        }
        let (client, base, logical, stack) = (client.clone(), base.clone(), e.logical_id.clone(), stack.clone());
        tokio::spawn(async move {
            match signal(&client, &base, &stack, &logical, &vm_id).await {
                Ok(true) => outln!("  (demo) {logical} booted and signalled its wait condition"),
                Ok(false) => {}
                Err(e) => errln!("  (demo) could not play {logical}: {e}"),
            }
        });
    }));
}

async fn signal(client: &Client, base: &str, stack: &str, logical: &str, vm_id: &str) -> Result<bool, String> {
    // listVirtualMachines does not carry userdata; getVirtualMachineUserData does, as in CloudStack.
    let answer = client
        .call(
            "getVirtualMachineUserData",
            HttpMethod::Get,
            vec![("virtualmachineid".into(), vm_id.to_string())],
        )
        .await
        .map_err(|e| e.to_string())?;
    let userdata = answer["virtualmachineuserdata"]["userdata"]
        .as_str()
        .unwrap_or_default();
    let script = base64::engine::general_purpose::STANDARD
        .decode(userdata)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .unwrap_or_default();
    let marker = format!("{base}waitcondition/");
    let haystack = if script.contains(&marker) {
        script
    } else {
        let url = format!(
            "{base}?Action=DescribeStackResource&StackName={stack}&LogicalResourceId={logical}&ContentType=JSON"
        );
        let detail = reqwest::get(&url)
            .await
            .map_err(|e| e.to_string())?
            .text()
            .await
            .map_err(|e| e.to_string())?;
        detail.replace("\\/", "/").replace("\\\"", "\"")
    };
    let Some(start) = haystack.find(&marker) else {
        return Ok(false);
    };
    let handle: String = haystack[start..]
        .chars()
        .take_while(|c| !c.is_whitespace() && !matches!(c, '\'' | '"' | '\\'))
        .collect();
    let body =
        r#"{"Status":"SUCCESS","Reason":"booted (played by stackmate demo)","UniqueId":"demo-vm","Data":"ready"}"#;
    let resp = reqwest::Client::new()
        .put(&handle)
        .body(body)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if resp.status().is_success() {
        Ok(true)
    } else {
        Err(format!("the metadata server answered {}", resp.status()))
    }
}
