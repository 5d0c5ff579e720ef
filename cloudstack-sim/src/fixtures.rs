//! The seeded cloud: one zone, templates, offerings, a guest network, the ROOT domain and the admin
//! account and user, with fixed ids that demos and tests can use.

use serde_json::{json, Value};

use crate::config::Account;
use crate::world::{Obj, World};

/// The zone "Sandbox-simulator".
pub const ZONE_ID: &str = "a1b2c3d4-0001-4000-8000-000000000001";
/// Zone name, as CloudStack's simulator setup names it.
pub const ZONE_NAME: &str = "Sandbox-simulator";
/// A CentOS template.
pub const TEMPLATE_ID: &str = "a1b2c3d4-0002-4000-8000-000000000001";
/// An Ubuntu template.
pub const TEMPLATE_UBUNTU_ID: &str = "a1b2c3d4-0002-4000-8000-000000000002";
/// "Small Instance" (1 CPU, 512 MB).
pub const SERVICE_OFFERING_SMALL_ID: &str = "a1b2c3d4-0003-4000-8000-000000000001";
/// "Medium Instance" (2 CPU, 2 GB).
pub const SERVICE_OFFERING_MEDIUM_ID: &str = "a1b2c3d4-0003-4000-8000-000000000002";
/// "Small" data disk (5 GB).
pub const DISK_OFFERING_SMALL_ID: &str = "a1b2c3d4-0004-4000-8000-000000000001";
/// "Custom" data disk.
pub const DISK_OFFERING_CUSTOM_ID: &str = "a1b2c3d4-0004-4000-8000-000000000002";
/// The isolated network offering with source NAT.
pub const NETWORK_OFFERING_ID: &str = "a1b2c3d4-0005-4000-8000-000000000001";
/// The default guest network.
pub const GUEST_NETWORK_ID: &str = "a1b2c3d4-0006-4000-8000-000000000001";
/// The zone's public network (a system network: `listNetworks` shows it only with `issystem=true`).
pub const PUBLIC_NETWORK_ID: &str = "a1b2c3d4-0006-4000-8000-000000000002";
/// The ROOT domain.
pub const ROOT_DOMAIN_ID: &str = "a1b2c3d4-0007-4000-8000-000000000001";
/// The admin account.
pub const ADMIN_ACCOUNT_ID: &str = "a1b2c3d4-0008-4000-8000-000000000001";
/// The admin user.
pub const ADMIN_USER_ID: &str = "a1b2c3d4-0009-4000-8000-000000000001";
/// An OS type.
pub const OS_TYPE_ID: &str = "a1b2c3d4-0010-4000-8000-000000000001";

fn obj(v: Value) -> Obj {
    match v {
        Value::Object(o) => o,
        _ => Obj::new(),
    }
}

/// Puts the seeded objects into `world`.
pub fn seed(world: &mut World, accounts: &[Account]) {
    world.seeding = true;
    seed_objects(world, accounts);
    world.seeding = false;
}

fn seed_objects(world: &mut World, accounts: &[Account]) {
    let created = "2024-01-01T00:00:00+0000";
    world.insert(
        "domain",
        Some(ROOT_DOMAIN_ID),
        obj(json!({"name": "ROOT", "level": 0, "haschild": false, "path": "ROOT", "state": "Active"})),
        None,
    );
    for (i, a) in accounts.iter().enumerate() {
        let account_id = if i == 0 {
            ADMIN_ACCOUNT_ID.to_string()
        } else {
            world.new_id()
        };
        let user_id = if i == 0 {
            ADMIN_USER_ID.to_string()
        } else {
            world.new_id()
        };
        world.insert(
            "account",
            Some(&account_id),
            obj(json!({"name": a.name, "accounttype": if i == 0 { 1 } else { 0 }, "roletype": if i == 0 { "Admin" } else { "User" },
                       "domainid": ROOT_DOMAIN_ID, "domain": "ROOT", "state": "enabled", "created": created,
                       "user": [{"id": user_id, "username": a.name, "account": a.name, "apikey": a.apikey}]})),
            None,
        );
        // Every account of a security-group zone has a "default" group.
        world.insert(
            "securitygroup",
            None,
            obj(
                json!({"name": "default", "description": "Default Security Group", "account": a.name,
                       "domainid": ROOT_DOMAIN_ID, "domain": "ROOT", "ingressrule": [], "egressrule": [], "tags": []}),
            ),
            Some(&a.name),
        );
        world.insert(
            "user",
            Some(&user_id),
            obj(json!({"username": a.name, "account": a.name, "accountid": account_id, "accounttype": if i == 0 { 1 } else { 0 },
                       "domainid": ROOT_DOMAIN_ID, "domain": "ROOT", "state": "enabled", "apikey": a.apikey, "created": created,
                       "firstname": a.name, "lastname": "user", "email": format!("{}@sim.invalid", a.name)})),
            None,
        );
    }
    world.insert(
        "zone",
        Some(ZONE_ID),
        obj(json!({"name": ZONE_NAME, "networktype": "Advanced", "securitygroupsenabled": true, "allocationstate": "Enabled",
                   "dns1": "8.8.8.8", "internaldns1": "10.0.0.1", "localstorageenabled": false, "tags": []})),
        None,
    );
    for (id, name, os) in [
        (
            TEMPLATE_ID,
            "CentOS 5.6 (64-bit) no GUI (Simulator)",
            "CentOS 5.6 (64-bit)",
        ),
        (TEMPLATE_UBUNTU_ID, "Ubuntu 22.04 (Simulator)", "Ubuntu 22.04 LTS"),
    ] {
        world.insert(
            "template",
            Some(id),
            obj(
                json!({"name": name, "displaytext": name, "ispublic": true, "isfeatured": true, "isready": true,
                       "passwordenabled": false, "format": "VHD", "hypervisor": "Simulator", "ostypeid": OS_TYPE_ID,
                       "ostypename": os, "zoneid": ZONE_ID, "zonename": ZONE_NAME, "templatetype": "BUILTIN",
                       "status": "Download Complete", "size": 2_147_483_648u64, "created": created, "tags": []}),
            ),
            None,
        );
    }
    for (id, name, cpu, mem) in [
        (SERVICE_OFFERING_SMALL_ID, "Small Instance", 1, 512),
        (SERVICE_OFFERING_MEDIUM_ID, "Medium Instance", 2, 2048),
    ] {
        world.insert(
            "serviceoffering",
            Some(id),
            obj(
                json!({"name": name, "displaytext": name, "cpunumber": cpu, "cpuspeed": 1000, "memory": mem,
                       "storagetype": "shared", "offerha": false, "iscustomized": false, "created": created}),
            ),
            None,
        );
    }
    for (id, name, size, custom) in [
        (DISK_OFFERING_SMALL_ID, "Small", 5, false),
        (DISK_OFFERING_CUSTOM_ID, "Custom", 0, true),
    ] {
        world.insert(
            "diskoffering",
            Some(id),
            obj(
                json!({"name": name, "displaytext": name, "disksize": size, "iscustomized": custom,
                       "storagetype": "shared", "created": created}),
            ),
            None,
        );
    }
    world.insert(
        "networkoffering",
        Some(NETWORK_OFFERING_ID),
        obj(json!({"name": "DefaultIsolatedNetworkOfferingWithSourceNatService",
                   "displaytext": "Offering for Isolated networks with Source Nat service enabled",
                   "guestiptype": "Isolated", "state": "Enabled", "isdefault": true, "traffictype": "Guest",
                   "supportsstrechedl2subnet": false, "created": created})),
        None,
    );
    world.insert(
        "ostype",
        Some(OS_TYPE_ID),
        obj(json!({"description": "CentOS 5.6 (64-bit)", "oscategoryid": OS_TYPE_ID})),
        None,
    );
    world.insert(
        "network",
        Some(GUEST_NETWORK_ID),
        obj(
            json!({"name": "defaultGuestNetwork", "displaytext": "Default guest network", "zoneid": ZONE_ID,
                   "zonename": ZONE_NAME, "networkofferingid": NETWORK_OFFERING_ID, "type": "Isolated",
                   "state": "Implemented", "cidr": "10.1.0.0/16", "gateway": "10.1.0.1", "traffictype": "Guest",
                   "account": accounts.first().map_or("admin", |a| a.name.as_str()), "domainid": ROOT_DOMAIN_ID,
                   "domain": "ROOT", "tags": [], "acltype": "Account", "broadcastdomaintype": "Vlan",
                   "canusefordeploy": true, "issystem": false, "isdefault": true, "displaynetwork": true,
                   "netmask": "255.255.0.0", "networkofferingname": "DefaultIsolatedNetworkOfferingWithSourceNatService",
                   "related": GUEST_NETWORK_ID, "restartrequired": false, "specifyipranges": false}),
        ),
        None,
    );
    world.insert(
        "network",
        Some(PUBLIC_NETWORK_ID),
        obj(
            json!({"zoneid": ZONE_ID, "zonename": ZONE_NAME, "traffictype": "Public", "issystem": true,
                   "state": "Setup", "broadcastdomaintype": "Vlan", "related": PUBLIC_NETWORK_ID,
                   "acltype": "Domain", "tags": []}),
        ),
        None,
    );
}

/// A LAMP-like template for demos on the simulator (`templates/lamp-demo.json`): a security group
/// with its rules, a VM whose user data installs the site and signals a wait condition, a public
/// address with NAT. Its `zoneid`, `templateid` and `serviceofferingid` parameters take
/// [`ZONE_ID`], [`TEMPLATE_ID`] and [`SERVICE_OFFERING_SMALL_ID`] here. The CLI's and the
/// service's demos run it.
pub const LAMP_DEMO_TEMPLATE: &str = include_str!("../templates/lamp-demo.json");
