//! Virtual machines: deploy (with a NIC per network, a ROOT volume and security group membership),
//! power state, destroy and expunge with CloudStack's clean-up, and `listNics`.

use serde_json::{json, Value};

use crate::error::ApiErr;
use crate::fixtures;
use crate::handlers::{changed, kind_check, name_of, obj, owned_by_name, target, wrapped, Ctx};
use crate::listing::list_reply;
use crate::world::World;

/// Sets the `state` of `id` and answers the object under `kind`.
pub(crate) fn set_state(w: &mut World, id: &str, state: &str, kind: &str) -> Result<Value, ApiErr> {
    changed(w, id, kind, |o| {
        o.insert("state".into(), json!(state));
    })
}

/// The first three octets of a network's gateway (`10.1.1.`), for its NICs' addresses.
fn prefix_of(world: &World, network: &str) -> String {
    let gateway = world
        .get(network)
        .and_then(|n| n.obj.get("gateway"))
        .and_then(Value::as_str)
        .unwrap_or("10.1.0.1");
    gateway
        .rsplit_once('.')
        .map_or_else(|| "10.1.0.".to_string(), |(head, _)| format!("{head}."))
}

/// `deployVirtualMachine`.
pub(crate) fn deploy(world: &mut World, cx: &Ctx<'_>) -> Result<Value, ApiErr> {
    let a = cx.args;
    let zone = a.get("zoneid").unwrap_or_default().to_string();
    let template = a.get("templateid").unwrap_or_default().to_string();
    let offering = a.get("serviceofferingid").unwrap_or_default().to_string();
    kind_check(world, cx, &zone, "zone", "zoneid")?;
    kind_check(world, cx, &template, "template", "templateid")?;
    kind_check(world, cx, &offering, "serviceoffering", "serviceofferingid")?;
    let mut groups = Vec::new();
    for id in a.list("securitygroupids") {
        kind_check(world, cx, &id, "securitygroup", "securitygroupids")?;
        groups.push(id);
    }
    for name in a.list("securitygroupnames") {
        let found = owned_by_name(world, "securitygroup", cx.account, &name)
            .ok_or_else(|| ApiErr::invalid(format!("Unable to find group by name {name}")))?;
        groups.push(found);
    }
    if groups.is_empty() {
        // In a security-group zone a VM without groups joins the account's "default" group.
        groups.extend(owned_by_name(world, "securitygroup", cx.account, "default"));
    }
    let networks = {
        let given = a.list("networkids");
        if given.is_empty() {
            vec![fixtures::GUEST_NETWORK_ID.to_string()]
        } else {
            for n in &given {
                kind_check(world, cx, n, "network", "networkids")?;
            }
            given
        }
    };
    let mut affinity = Vec::new();
    for id in a.list("affinitygroupids") {
        kind_check(world, cx, &id, "affinitygroup", "affinitygroupids")?;
        affinity.push(json!({"id": id, "name": name_of(world, &id)}));
    }
    let offering_obj = world.get(&offering).map(|r| r.obj.clone()).unwrap_or_default();
    let template_obj = world.get(&template).map(|r| r.obj.clone()).unwrap_or_default();
    let mut nics = Vec::new();
    for (i, n) in networks.iter().enumerate() {
        let ip = match (i, a.get("ipaddress")) {
            (0, Some(given)) => given.to_string(),
            _ => {
                let prefix = prefix_of(world, n);
                let host = world.next_ip("");
                format!("{prefix}{}", host.rsplit('.').next().unwrap_or("2"))
            }
        };
        let network = world.get(n).map(|r| r.obj.clone()).unwrap_or_default();
        let nic_id = world.new_id();
        let mac = format!("02:00:{:02x}:{:02x}:00:{:02x}", i, world.rng.u8(..), world.rng.u8(..));
        nics.push(obj(json!({
            "id": nic_id, "networkid": n, "networkname": network.get("name"), "ipaddress": ip,
            "netmask": network.get("netmask").cloned().unwrap_or(json!("255.255.255.0")),
            "gateway": network.get("gateway"), "isdefault": i == 0,
            "type": network.get("type").cloned().unwrap_or(json!("Isolated")),
            "traffictype": "Guest", "macaddress": mac, "deviceid": i.to_string(),
            "broadcasturi": network.get("broadcasturi"), "isolationuri": network.get("broadcasturi"),
            "secondaryip": [], "extradhcpoption": [],
        })));
    }
    let sgs: Vec<Value> = groups
        .iter()
        .map(|g| {
            let description = world.get(g).and_then(|r| r.obj.get("description").cloned());
            json!({"id": g, "name": name_of(world, g), "description": description, "account": cx.account,
                   "ingressrule": [], "egressrule": [], "tags": []})
        })
        .collect();
    let name_given = a.get("name").map(str::to_string);
    let keypair = a.get("keypair").map(str::to_string);
    let mut o = cx.owned(obj(json!({
        "displayname": a.get("displayname").map(str::to_string).or_else(|| name_given.clone()),
        "state": "Starting", "zoneid": zone, "zonename": name_of(world, &zone),
        "templateid": template, "templatename": template_obj.get("name"),
        "templatedisplaytext": template_obj.get("displaytext"),
        "serviceofferingid": offering, "serviceofferingname": offering_obj.get("name"),
        "cpunumber": offering_obj.get("cpunumber").cloned().unwrap_or(json!(1)),
        "cpuspeed": offering_obj.get("cpuspeed").cloned().unwrap_or(json!(1000)),
        "memory": offering_obj.get("memory").cloned().unwrap_or(json!(512)),
        "hypervisor": "Simulator", "haenable": false, "passwordenabled": false, "isdynamicallyscalable": false,
        "displayvm": true, "nic": nics.iter().map(|n| Value::Object(n.clone())).collect::<Vec<_>>(),
        "securitygroup": sgs, "affinitygroup": affinity, "tags": [],
        "guestosid": template_obj.get("ostypeid").cloned().unwrap_or(json!(fixtures::OS_TYPE_ID)),
        "ostypeid": template_obj.get("ostypeid").cloned().unwrap_or(json!(fixtures::OS_TYPE_ID)),
        "osdisplayname": template_obj.get("ostypename"),
        "rootdeviceid": 0, "rootdevicetype": "ROOT",
        "userid": fixtures::ADMIN_USER_ID, "username": cx.account,
        "keypair": keypair, "keypairs": keypair, "group": a.get("group"), "userdata": a.get("userdata"),
    })));
    if let Some(id) = a.get("diskofferingid") {
        o.insert("diskofferingid".into(), json!(id));
        o.insert("diskofferingname".into(), name_of(world, id));
    }
    let id = world.insert("virtualmachine", None, o, Some(cx.account));
    let seq = world.get(&id).map_or(0, |r| r.seq);
    let name = name_given.unwrap_or_else(|| format!("VM-{id}"));
    if let Some(r) = world.get_mut(&id) {
        r.obj.insert("name".into(), json!(name));
        r.obj.entry("displayname").or_insert(json!(name));
        r.obj.insert("instancename".into(), json!(format!("i-2-{seq}-VM")));
    }
    for mut nic in nics {
        nic.insert("virtualmachineid".into(), json!(id));
        let nic_id = nic.get("id").and_then(Value::as_str).unwrap_or_default().to_string();
        world.insert("nic", Some(&nic_id), nic, Some(cx.account));
        world.set_part_of(&nic_id, &id);
    }
    for g in &groups {
        if let Some(group) = world.get_mut(g) {
            if let Some(Value::Array(ids)) = group.obj.get_mut("virtualmachineids") {
                ids.push(json!(id));
            }
            let count = group
                .obj
                .get("virtualmachinecount")
                .and_then(Value::as_i64)
                .unwrap_or(0);
            group.obj.insert("virtualmachinecount".into(), json!(count + 1));
        }
    }
    let root = root_volume(world, cx, &id, seq, &zone, &template_obj, &offering_obj);
    world.set_part_of(&root, &id);
    let start = !a.get("startvm").is_some_and(|v| v.eq_ignore_ascii_case("false"));
    let vm = id.clone();
    Ok(cx.job(
        world,
        Some(("VirtualMachine", id)),
        Box::new(move |w| {
            if let Some(v) = w.get_mut(&root) {
                v.obj.insert("state".into(), json!("Ready"));
            }
            for n in &networks {
                implement_network(w, n);
            }
            set_state(w, &vm, if start { "Running" } else { "Stopped" }, "virtualmachine")
        }),
    ))
}

/// The ROOT volume a deployment creates from the template; returns its id.
fn root_volume(
    world: &mut World,
    cx: &Ctx<'_>,
    vm: &str,
    seq: u64,
    zone: &str,
    template: &crate::world::Obj,
    offering: &crate::world::Obj,
) -> String {
    let size = cx.args.int("rootdisksize").map_or_else(
        || template.get("size").cloned().unwrap_or(json!(2_147_483_648u64)),
        |gb| json!(gb.saturating_mul(1 << 30)),
    );
    let o = cx.owned(obj(json!({
        "name": format!("ROOT-{seq}"), "type": "ROOT", "state": "Allocated", "deviceid": 0,
        "virtualmachineid": vm, "zoneid": zone, "zonename": name_of(world, zone), "size": size,
        "templateid": template.get("id"), "templatename": template.get("name"),
        "templatedisplaytext": template.get("displaytext"),
        "serviceofferingid": offering.get("id"), "serviceofferingname": offering.get("name"),
        "serviceofferingdisplaytext": offering.get("displaytext"),
        "storagetype": "shared", "hypervisor": "Simulator", "provisioningtype": "thin",
        "destroyed": false, "isextractable": false, "displayvolume": true, "quiescevm": false,
        "supportsstoragesnapshot": false, "attached": crate::world::now_string(), "tags": [],
    })));
    world.insert("volume", None, o, Some(cx.account))
}

/// A network a VM starts in leaves `Allocated`: CloudStack implements it on first use.
fn implement_network(w: &mut World, id: &str) {
    let seq = w.get(id).map_or(0, |r| r.seq);
    if let Some(n) = w.get_mut(id) {
        if n.obj.get("state").and_then(Value::as_str) == Some("Allocated") {
            n.obj.insert("state".into(), json!("Implemented"));
            n.obj
                .insert("broadcasturi".into(), json!(format!("vlan://{}", 100 + seq % 3900)));
        }
    }
}

/// `startVirtualMachine`, `stopVirtualMachine`, `rebootVirtualMachine`.
pub(crate) fn power(world: &mut World, cx: &Ctx<'_>) -> Result<Value, ApiErr> {
    let id = target(world, cx, "virtualmachine")?;
    let state = if cx.def.api.name == "stopVirtualMachine" {
        "Stopped"
    } else {
        "Running"
    };
    Ok(cx.job(
        world,
        None,
        Box::new(move |w| set_state(w, &id, state, "virtualmachine")),
    ))
}

/// `destroyVirtualMachine`: Destroyed, or gone at once with `expunge=true`.
pub(crate) fn destroy(world: &mut World, cx: &Ctx<'_>) -> Result<Value, ApiErr> {
    let id = target(world, cx, "virtualmachine")?;
    let expunge = cx.args.flag("expunge");
    Ok(cx.job(
        world,
        None,
        Box::new(move |w| {
            if expunge {
                let mut r = w.get(&id).map(|r| w.render(r)).unwrap_or(Value::Null);
                remove_vm(w, &id);
                if let Some(o) = r.as_object_mut() {
                    o.insert("state".into(), json!("Expunging"));
                }
                Ok(wrapped("virtualmachine", r))
            } else {
                set_state(w, &id, "Destroyed", "virtualmachine")
            }
        }),
    ))
}

/// `expungeVirtualMachine`.
pub(crate) fn expunge(world: &mut World, cx: &Ctx<'_>) -> Result<Value, ApiErr> {
    let id = target(world, cx, "virtualmachine")?;
    Ok(cx.succeed_after(world, move |w| remove_vm(w, &id)))
}

/// What expunging does besides removing the VM, as `UserVmManagerImpl.cleanupVmResources` and the
/// volume orchestrator do: NICs and the ROOT volume go, data volumes are detached, the VM leaves its
/// security groups, its static NAT is disabled and its port forwarding rules are removed.
pub(crate) fn remove_vm(w: &mut World, id: &str) {
    let nics: Vec<String> = w
        .of_kind("nic")
        .iter()
        .filter(|n| n.obj.get("virtualmachineid").and_then(Value::as_str) == Some(id))
        .map(|n| n.id.clone())
        .collect();
    for n in nics {
        w.remove(&n);
    }
    let volumes: Vec<(String, bool)> = w
        .of_kind("volume")
        .iter()
        .filter(|v| v.obj.get("virtualmachineid").and_then(Value::as_str) == Some(id))
        .map(|v| (v.id.clone(), v.obj.get("type").and_then(Value::as_str) == Some("ROOT")))
        .collect();
    for (v, root) in volumes {
        if root {
            w.remove(&v);
        } else if let Some(vol) = w.get_mut(&v) {
            for f in ["virtualmachineid", "deviceid", "attached"] {
                vol.obj.remove(f);
            }
            vol.obj.insert("state".into(), json!("Ready"));
        }
    }
    let groups: Vec<String> = w.of_kind("securitygroup").iter().map(|g| g.id.clone()).collect();
    for g in groups {
        if let Some(group) = w.get_mut(&g) {
            let mut left = false;
            if let Some(Value::Array(ids)) = group.obj.get_mut("virtualmachineids") {
                let before = ids.len();
                ids.retain(|v| v.as_str() != Some(id));
                left = ids.len() < before;
            }
            if left {
                let count = group
                    .obj
                    .get("virtualmachinecount")
                    .and_then(Value::as_i64)
                    .unwrap_or(1);
                group
                    .obj
                    .insert("virtualmachinecount".into(), json!((count - 1).max(0)));
            }
        }
    }
    let addresses: Vec<String> = w
        .of_kind("publicipaddress")
        .iter()
        .filter(|a| a.obj.get("virtualmachineid").and_then(Value::as_str) == Some(id))
        .map(|a| a.id.clone())
        .collect();
    for a in addresses {
        if let Some(ip) = w.get_mut(&a) {
            crate::models::address::clear_static_nat(&mut ip.obj);
        }
    }
    w.remove_referring(Some("portforwardingrule"), "virtualmachineid", id);
    w.remove(id);
}

/// `listNics`: the NICs of one VM, by NIC id or network when given.
pub(crate) fn list_nics(world: &mut World, cx: &Ctx<'_>) -> Result<Value, ApiErr> {
    let vm = cx.args.get("virtualmachineid").unwrap_or_default().to_string();
    kind_check(world, cx, &vm, "virtualmachine", "virtualmachineid")?;
    let nic = cx.args.get("nicid");
    let network = cx.args.get("networkid");
    let nics: Vec<Value> = world
        .of_kind("nic")
        .into_iter()
        .filter(|n| n.obj.get("virtualmachineid").and_then(Value::as_str) == Some(vm.as_str()))
        .filter(|n| nic.is_none_or(|id| n.id == id))
        .filter(|n| network.is_none_or(|id| n.obj.get("networkid").and_then(Value::as_str) == Some(id)))
        .map(|n| world.render(n))
        .collect();
    list_reply(cx, "nic", nics)
}

/// How many VMs have a NIC on network `id`.
pub(crate) fn vms_on_network(world: &World, id: &str) -> usize {
    world
        .of_kind("nic")
        .iter()
        .filter(|n| n.obj.get("networkid").and_then(Value::as_str) == Some(id))
        .count()
}

/// `getVirtualMachineUserData`: the userdata a VM was deployed with (lists never carry it).
pub(crate) fn userdata(world: &mut World, cx: &Ctx<'_>) -> Result<Value, ApiErr> {
    let vm = cx.args.get("virtualmachineid").unwrap_or_default().to_string();
    kind_check(world, cx, &vm, "virtualmachine", "virtualmachineid")?;
    let data = world.get(&vm).and_then(|r| r.obj.get("userdata").cloned());
    Ok(json!({"virtualmachineuserdata": {"virtualmachineid": vm, "userdata": data}}))
}

/// Refuses a change that CloudStack makes only to a stopped VM.
fn require_stopped(world: &World, id: &str, what: &str) -> Result<(), ApiErr> {
    let state = world
        .get(id)
        .and_then(|r| r.obj.get("state"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    if state == "Stopped" {
        Ok(())
    } else {
        Err(ApiErr::invalid(format!(
            "Unable to {what} of virtual machine {id} in state {state}; make sure the virtual machine is stopped"
        )))
    }
}

/// `updateVirtualMachine`: names and flags at any time; security groups only while stopped.
pub(crate) fn update(world: &mut World, cx: &Ctx<'_>) -> Result<Value, ApiErr> {
    let id = target(world, cx, "virtualmachine")?;
    let a = cx.args;
    let groups = a.has("securitygroupids").then(|| a.list("securitygroupids"));
    let mut rendered = Vec::new();
    if let Some(groups) = &groups {
        require_stopped(world, &id, "change the security groups")?;
        for g in groups {
            kind_check(world, cx, g, "securitygroup", "securitygroupids")?;
            let description = world.get(g).and_then(|r| r.obj.get("description").cloned());
            rendered.push(json!({"id": g, "name": name_of(world, g), "description": description,
                                 "account": cx.account, "ingressrule": [], "egressrule": [], "tags": []}));
        }
    }
    let scalars: Vec<(String, String)> = a
        .declared_scalars(cx.def)
        .into_iter()
        .filter(|(k, _)| !matches!(k.as_str(), "id" | "securitygroupids" | "securitygroupnames"))
        .collect();
    let answer = changed(world, &id, "virtualmachine", |o| {
        for (k, v) in scalars {
            o.insert(k, json!(v));
        }
        if groups.is_some() {
            o.insert("securitygroup".into(), Value::Array(rendered));
        }
    })?;
    Ok(cx.done(world, answer))
}

/// `changeServiceForVirtualMachine`: a stopped VM's new offering, with its CPU and memory.
pub(crate) fn change_service(world: &mut World, cx: &Ctx<'_>) -> Result<Value, ApiErr> {
    let id = target(world, cx, "virtualmachine")?;
    let offering = cx.args.get("serviceofferingid").unwrap_or_default().to_string();
    kind_check(world, cx, &offering, "serviceoffering", "serviceofferingid")?;
    require_stopped(world, &id, "upgrade the service offering")?;
    let o = world.get(&offering).map(|r| r.obj.clone()).unwrap_or_default();
    let answer = changed(world, &id, "virtualmachine", |vm| {
        vm.insert("serviceofferingid".into(), json!(offering));
        vm.insert(
            "serviceofferingname".into(),
            o.get("name").cloned().unwrap_or(Value::Null),
        );
        for f in ["cpunumber", "cpuspeed", "memory"] {
            if let Some(v) = o.get(f) {
                vm.insert(f.into(), v.clone());
            }
        }
    })?;
    Ok(cx.done(world, answer))
}
