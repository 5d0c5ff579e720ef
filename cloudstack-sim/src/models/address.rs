//! Public IP addresses: `associateIpAddress` (to a network, or to the account's network in a zone),
//! `disassociateIpAddress` (its rules go with it) and static NAT.

use serde_json::{json, Value};

use crate::error::ApiErr;
use crate::fixtures;
use crate::handlers::{kind_check, name_of, obj, target, Ctx};
use crate::world::{Obj, World};

/// The guest network an address in `zone` is associated with when only the zone is given: the
/// account's own isolated network there, else the zone's default guest network (AssociateIPAddrCmd
/// picks the account's network in an advanced zone).
fn network_in_zone(world: &World, account: &str, zone: &str) -> String {
    world
        .of_kind("network")
        .into_iter()
        .find(|n| {
            n.owner.as_deref() == Some(account)
                && n.obj.get("zoneid").and_then(Value::as_str) == Some(zone)
                && n.obj.get("type").and_then(Value::as_str) == Some("Isolated")
        })
        .map_or_else(|| fixtures::GUEST_NETWORK_ID.to_string(), |n| n.id.clone())
}

/// `associateIpAddress`.
pub(crate) fn associate(world: &mut World, cx: &Ctx<'_>) -> Result<Value, ApiErr> {
    let network = match cx.args.get("networkid") {
        Some(n) => {
            kind_check(world, cx, n, "network", "networkid")?;
            n.to_string()
        }
        None => {
            let zone = cx.args.get("zoneid").unwrap_or(fixtures::ZONE_ID);
            kind_check(world, cx, zone, "zone", "zoneid")?;
            network_in_zone(world, cx.account, zone)
        }
    };
    let zone = world
        .get(&network)
        .and_then(|n| n.obj.get("zoneid"))
        .and_then(Value::as_str)
        .unwrap_or(fixtures::ZONE_ID)
        .to_string();
    let vpc = world.get(&network).and_then(|n| n.obj.get("vpcid").cloned());
    let address = world.next_ip("203.0.");
    let o = cx.owned(obj(json!({
        "ipaddress": address, "allocated": crate::world::now_string(), "zoneid": zone,
        "zonename": name_of(world, &zone), "associatednetworkid": network,
        "associatednetworkname": name_of(world, &network), "networkid": fixtures::PUBLIC_NETWORK_ID,
        "state": "Allocating", "issourcenat": false, "isstaticnat": false, "issystem": false,
        "isportable": false, "forvirtualnetwork": true, "fordisplay": true, "hasannotations": false,
        "vpcid": vpc, "tags": [],
    })));
    let id = world.insert("publicipaddress", None, o, Some(cx.account));
    let ip = id.clone();
    Ok(cx.job(
        world,
        Some(("IpAddress", id)),
        Box::new(move |w| {
            let r = w.get_mut(&ip).ok_or_else(|| ApiErr::internal("ip vanished"))?;
            r.obj.insert("state".into(), json!("Allocated"));
            let r = w.get(&ip).ok_or_else(|| ApiErr::internal("ip vanished"))?;
            Ok(json!({"ipaddress": w.render(r)}))
        }),
    ))
}

/// `disassociateIpAddress`: releasing an address releases the rules on it, as CloudStack does.
pub(crate) fn disassociate(world: &mut World, cx: &Ctx<'_>) -> Result<Value, ApiErr> {
    let id = target(world, cx, "publicipaddress")?;
    Ok(cx.succeed_after(world, move |w| {
        w.remove_referring(None, "ipaddressid", &id);
        w.remove(&id);
    }))
}

fn static_nat_on(world: &World, ip: &str) -> bool {
    world
        .get(ip)
        .and_then(|r| r.obj.get("isstaticnat"))
        .and_then(Value::as_bool)
        == Some(true)
}

/// `enableStaticNat`: the address then names the VM and the guest IP it forwards to.
pub(crate) fn enable_static_nat(world: &mut World, cx: &Ctx<'_>) -> Result<Value, ApiErr> {
    let ip = cx.args.get("ipaddressid").unwrap_or_default().to_string();
    let vm = cx.args.get("virtualmachineid").unwrap_or_default().to_string();
    kind_check(world, cx, &ip, "publicipaddress", "ipaddressid")?;
    kind_check(world, cx, &vm, "virtualmachine", "virtualmachineid")?;
    if static_nat_on(world, &ip) {
        return Err(ApiErr::internal(format!(
            "Failed to enable static nat for the ip address id={ip} as it's already assigned to a vm"
        )));
    }
    let vm_obj = world.get(&vm).map(|r| r.obj.clone()).unwrap_or_default();
    let guest_ip = cx.args.get("vmguestip").map(str::to_string).or_else(|| {
        vm_obj
            .get("nic")
            .and_then(Value::as_array)
            .and_then(|nics| nics.iter().find(|n| n.get("isdefault") == Some(&json!(true))))
            .and_then(|n| n.get("ipaddress"))
            .and_then(Value::as_str)
            .map(str::to_string)
    });
    if let Some(r) = world.get_mut(&ip) {
        r.obj.insert("isstaticnat".into(), json!(true));
        r.obj.insert("purpose".into(), json!("StaticNat"));
        r.obj.insert("virtualmachineid".into(), json!(vm));
        for (to, from) in [
            ("virtualmachinename", "name"),
            ("virtualmachinedisplayname", "displayname"),
        ] {
            if let Some(v) = vm_obj.get(from) {
                r.obj.insert(to.into(), v.clone());
            }
        }
        if let Some(g) = guest_ip {
            r.obj.insert("vmipaddress".into(), json!(g));
        }
    }
    Ok(json!({"success": true}))
}

/// The fields static NAT sets, removed.
pub(crate) fn clear_static_nat(o: &mut Obj) {
    o.insert("isstaticnat".into(), json!(false));
    for f in [
        "virtualmachineid",
        "virtualmachinename",
        "virtualmachinedisplayname",
        "vmipaddress",
        "purpose",
    ] {
        o.remove(f);
    }
}

/// `disableStaticNat`.
pub(crate) fn disable_static_nat(world: &mut World, cx: &Ctx<'_>) -> Result<Value, ApiErr> {
    let ip = cx.args.get("ipaddressid").unwrap_or_default().to_string();
    kind_check(world, cx, &ip, "publicipaddress", "ipaddressid")?;
    if !static_nat_on(world, &ip) {
        return Err(ApiErr::invalid(format!(
            "Specified IP address id is not associated with any vm Id: {ip}"
        )));
    }
    Ok(cx.succeed_after(world, move |w| {
        if let Some(r) = w.get_mut(&ip) {
            clear_static_nat(&mut r.obj);
        }
    }))
}
