//! Guest networks: `createNetwork` as NetworkServiceImpl answers it for an isolated offering, and
//! `deleteNetwork`, refused while VMs still have NICs on it.

use serde_json::{json, Value};

use crate::error::ApiErr;
use crate::fixtures;
use crate::handlers::{kind_check, name_of, obj, target, wrapped, Ctx};
use crate::models::vm::vms_on_network;
use crate::world::World;

/// The guest CIDR of the simulated zone: isolated networks get it unless a gateway and netmask are
/// given, as CloudStack gives every isolated network the zone's guest CIDR.
const ZONE_GUEST_CIDR: (&str, &str, &str) = ("10.1.1.0/24", "10.1.1.1", "255.255.255.0");

/// The CIDR of `gateway`/`netmask` (`10.2.0.1`, `255.255.0.0` -> `10.2.0.0/16`).
fn cidr_of(gateway: &str, netmask: &str) -> Option<String> {
    let octets = |s: &str| -> Option<[u8; 4]> {
        let parts: Vec<u8> = s.split('.').map(|p| p.parse().ok()).collect::<Option<_>>()?;
        parts.try_into().ok()
    };
    let (g, m) = (
        u32::from_be_bytes(octets(gateway)?),
        u32::from_be_bytes(octets(netmask)?),
    );
    let bits = m.count_ones();
    if m.leading_ones() != bits {
        return None;
    }
    let net = (g & m).to_be_bytes();
    Some(format!("{}.{}.{}.{}/{bits}", net[0], net[1], net[2], net[3]))
}

/// `createNetwork`.
pub(crate) fn create(world: &mut World, cx: &Ctx<'_>) -> Result<Value, ApiErr> {
    let a = cx.args;
    let offering = a.get("networkofferingid").unwrap_or_default().to_string();
    let zone = a.get("zoneid").unwrap_or_default().to_string();
    kind_check(world, cx, &offering, "networkoffering", "networkofferingid")?;
    kind_check(world, cx, &zone, "zone", "zoneid")?;
    let off = world.get(&offering).map(|r| r.obj.clone()).unwrap_or_default();
    let guest_type = off
        .get("guestiptype")
        .and_then(Value::as_str)
        .unwrap_or("Isolated")
        .to_string();
    let (cidr, gateway, netmask) = match (a.get("gateway"), a.get("netmask")) {
        (Some(g), Some(m)) => {
            let cidr = cidr_of(g, m).ok_or_else(|| ApiErr::invalid(format!("Invalid gateway {g} or netmask {m}")))?;
            (cidr, g.to_string(), m.to_string())
        }
        (None, None) => (
            ZONE_GUEST_CIDR.0.to_string(),
            ZONE_GUEST_CIDR.1.to_string(),
            ZONE_GUEST_CIDR.2.to_string(),
        ),
        _ => {
            return Err(ApiErr::invalid(
                "gateway/netmask are required when creating a network with a specified CIDR; pass both or neither",
            ))
        }
    };
    let name = a.get("name").unwrap_or_default().to_string();
    let zone_obj = world.get(&zone).map(|r| r.obj.clone()).unwrap_or_default();
    let o = cx.owned(obj(json!({
        "name": name, "displaytext": a.get("displaytext").unwrap_or(&name),
        "zoneid": zone, "zonename": zone_obj.get("name"),
        "networkofferingid": offering, "networkofferingname": off.get("name"),
        "networkofferingdisplaytext": off.get("displaytext"), "networkofferingavailability": "Optional",
        "networkofferingconservemode": true, "type": guest_type, "traffictype": "Guest",
        // An isolated network stays Allocated until a VM starts in it; a shared one is Setup at once.
        "state": if guest_type == "Isolated" { "Allocated" } else { "Setup" },
        "cidr": cidr, "gateway": gateway, "netmask": netmask, "acltype": "Account",
        "broadcastdomaintype": "Vlan", "dns1": zone_obj.get("dns1"), "canusefordeploy": true,
        "ispersistent": false, "issystem": false, "isdefault": false, "restartrequired": false,
        "specifyipranges": false, "displaynetwork": true, "redundantrouter": false,
        "strechedl2subnet": false, "egressdefaultpolicy": false, "hasannotations": false,
        "networkdomain": a.get("networkdomain"), "vpcid": a.get("vpcid"),
        "vpcname": a.get("vpcid").map(|v| name_of(world, v)), "tags": [],
    })));
    let id = world.insert("network", None, o, Some(cx.account));
    if let Some(n) = world.get_mut(&id) {
        n.obj.insert("related".into(), json!(id));
    }
    let rendered = world.get(&id).map(|r| world.render(r)).unwrap_or(Value::Null);
    Ok(wrapped("network", rendered))
}

/// `deleteNetwork`.
pub(crate) fn delete(world: &mut World, cx: &Ctx<'_>) -> Result<Value, ApiErr> {
    let id = target(world, cx, "network")?;
    if id == fixtures::PUBLIC_NETWORK_ID {
        return Err(ApiErr::invalid(
            "Network with specified id is system and can't be removed",
        ));
    }
    Ok(cx.job(
        world,
        None,
        Box::new(move |w| {
            let users = vms_on_network(w, &id);
            if users > 0 {
                return Err(ApiErr::internal(format!(
                    "Unable to delete network {id}: it is still used by {users} virtual machine(s), destroy and expunge them first"
                )));
            }
            w.remove(&id);
            Ok(json!({"success": true}))
        }),
    ))
}

#[cfg(test)]
mod tests {
    use super::cidr_of;

    #[test]
    fn cidr_from_gateway_and_netmask() {
        assert_eq!(cidr_of("10.2.0.1", "255.255.0.0").as_deref(), Some("10.2.0.0/16"));
        assert_eq!(
            cidr_of("192.168.7.1", "255.255.255.0").as_deref(),
            Some("192.168.7.0/24")
        );
        assert_eq!(cidr_of("10.2.0.1", "255.0.255.0"), None);
        assert_eq!(cidr_of("10.2.0", "255.255.0.0"), None);
    }
}
