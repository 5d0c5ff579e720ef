//! What each command does. Commands that stacks use most have hand-written models (VMs, security groups
//! and their rules, networks, volumes, public IPs, static NAT, SSH key pairs, tags, jobs); every other
//! command follows its [`Behavior`] derived from the dump: list, create, delete, update, or a plain
//! success.

use serde_json::{json, Value};

use crate::args::Args;
use crate::error::ApiErr;
use crate::fixtures;
use crate::listing::{list_reply, page_reply, page_window, ListQuery};
use crate::registry::{ApiDef, Behavior, Registry};
use crate::tags::TagRec;
use crate::world::{now_string, JobAction, Obj, World};

/// The context of one call.
pub struct Ctx<'a> {
    /// The caller's account.
    pub account: &'a str,
    /// The command.
    pub def: &'a ApiDef,
    /// Its decoded parameters.
    pub args: &'a Args,
    /// Set when a fault says this call's job must fail.
    pub fail_job: Option<ApiErr>,
    /// Every command (for `listApis`).
    pub registry: &'a Registry,
}

fn obj(v: Value) -> Obj {
    match v {
        Value::Object(o) => o,
        _ => Obj::new(),
    }
}

/// Resource types createTags accepts, and the object names they refer to.
const TAG_TYPES: &[(&str, &str)] = &[
    ("UserVm", "virtualmachine"),
    ("Template", "template"),
    ("ISO", "iso"),
    ("Volume", "volume"),
    ("Snapshot", "snapshot"),
    ("Network", "network"),
    ("LoadBalancer", "loadbalancerrule"),
    ("PortForwardingRule", "portforwardingrule"),
    ("FirewallRule", "firewallrule"),
    ("SecurityGroup", "securitygroup"),
    ("SecurityGroupRule", "securitygrouprule"),
    ("PublicIpAddress", "publicipaddress"),
    ("Project", "project"),
    ("Account", "account"),
    ("Vpc", "vpc"),
    ("NetworkACL", "networkacl"),
    ("StaticRoute", "staticroute"),
    ("VMSnapshot", "vmsnapshot"),
    ("RemoteAccessVpn", "remoteaccessvpn"),
    ("User", "user"),
    ("SnapshotPolicy", "snapshotpolicy"),
    ("VpcOffering", "vpcoffering"),
];

impl Ctx<'_> {
    fn owned(&self, mut o: Obj) -> Obj {
        o.insert("account".into(), json!(self.account));
        o.insert("domainid".into(), json!(fixtures::ROOT_DOMAIN_ID));
        o.insert("domain".into(), json!("ROOT"));
        o.entry("created").or_insert_with(|| json!(now_string()));
        o
    }

    fn lc(&self) -> String {
        self.def.api.name.to_ascii_lowercase()
    }

    /// Queues the job of an async command. `created` names a resource that was inserted as a
    /// placeholder and must go away if the job fails.
    fn job(&self, world: &mut World, created: Option<(&str, String)>, action: JobAction) -> Value {
        let action: JobAction = match self.fail_job.clone() {
            Some(err) => {
                let placeholder = created.as_ref().map(|(_, id)| id.clone());
                Box::new(move |w: &mut World| {
                    if let Some(id) = placeholder {
                        w.remove(&id);
                    }
                    Err(err)
                })
            }
            None => action,
        };
        let instance = created.as_ref().map(|(t, id)| ((*t).to_string(), id.clone()));
        let job_id = world.submit_job(&self.def.api.name, self.account, instance, action);
        match created {
            Some((_, id)) => json!({"id": id, "jobid": job_id}),
            None => json!({"jobid": job_id}),
        }
    }

    /// Answers `value` now (sync) or as the result of a job (async).
    /// Applies `change` when the call's job completes (at once for a synchronous API) and answers
    /// `{"success": true}`, as CloudStack's delete-style commands do.
    fn succeed_after(&self, world: &mut World, change: impl FnOnce(&mut World) + Send + 'static) -> Value {
        if self.def.api.is_async {
            self.job(
                world,
                None,
                Box::new(move |w| {
                    change(w);
                    Ok(json!({"success": true}))
                }),
            )
        } else {
            change(world);
            json!({"success": true})
        }
    }

    fn done(&self, world: &mut World, value: Value) -> Value {
        if self.def.api.is_async {
            self.job(world, None, Box::new(move |_| Ok(value)))
        } else {
            value
        }
    }
}

fn kind_check(world: &World, id: &str, kind: &str, param: &str, lc: &str) -> Result<(), ApiErr> {
    match world.get(id) {
        Some(r) if r.kind == kind => Ok(()),
        _ => Err(ApiErr::param(format!(
            "Unable to execute API command {lc} due to invalid value. Invalid parameter {param} value={id} due to incorrect long value format, or entity does not exist or due to incorrect parameter annotation for the field in api cmd class."
        ))),
    }
}

/// The id of the `kind` resource named `name` that `account` owns.
fn owned_by_name(world: &World, kind: &str, account: &str, name: &str) -> Option<String> {
    world
        .of_kind(kind)
        .into_iter()
        .find(|r| r.owner.as_deref() == Some(account) && r.obj.get("name").and_then(Value::as_str) == Some(name))
        .map(|r| r.id.clone())
}

/// A security group given by id (`id_param`) or by name (`name_param`).
fn security_group(world: &World, cx: &Ctx<'_>, id_param: &str, name_param: &str) -> Result<String, ApiErr> {
    match (cx.args.get(id_param), cx.args.get(name_param)) {
        (Some(id), _) => {
            kind_check(world, id, "securitygroup", id_param, &cx.lc())?;
            Ok(id.to_string())
        }
        (None, Some(name)) => owned_by_name(world, "securitygroup", cx.account, name)
            .ok_or_else(|| ApiErr::invalid(format!("Unable to find security group by name {name}"))),
        (None, None) => Err(ApiErr::invalid(format!(
            "Either {id_param} or {name_param} is required"
        ))),
    }
}

/// The `id` parameter, checked to name a resource of `kind`.
fn target(world: &World, cx: &Ctx<'_>, kind: &str) -> Result<String, ApiErr> {
    let id = cx.args.get("id").unwrap_or_default().to_string();
    kind_check(world, &id, kind, "id", &cx.lc())?;
    Ok(id)
}

fn name_of(world: &World, id: &str) -> Value {
    world
        .get(id)
        .and_then(|r| r.obj.get("name").cloned())
        .unwrap_or(Value::Null)
}

/// `{key: inner}`, moving `inner` (`json!` would copy it through the serializer).
pub fn wrapped(key: impl Into<String>, inner: Value) -> Value {
    let mut o = Obj::new();
    o.insert(key.into(), inner);
    Value::Object(o)
}

/// Handles one validated call; returns the value to put inside the envelope.
pub fn handle(world: &mut World, cx: &Ctx<'_>) -> Result<Value, ApiErr> {
    match cx.def.api.name.as_str() {
        "listApis" => list_apis(cx),
        "listCapabilities" => Ok(json!({"capability": {
            "cloudstackversion": format!("{}.0-simulator", cx.registry.version), "securitygroupsenabled": true,
            "userpublictemplateenabled": true, "supportELB": "false", "projectinviterequired": false,
            "allowusercreateprojects": true, "customdiskofferingmaxsize": 1024, "kvmsnapshotenabled": true,
            "apilimitinterval": 1, "apilimitmax": 25, "dynamicrolesenabled": true}})),
        "queryAsyncJobResult" => {
            let id = cx.args.get("jobid").unwrap_or_default();
            world
                .job(id)
                .map(crate::world::Job::to_json)
                .ok_or_else(|| ApiErr::invalid(format!("Unable to find a job by id {id}")))
        }
        "listAsyncJobs" => {
            let owner = if cx.args.flag("listall") {
                None
            } else {
                Some(cx.account)
            };
            let since = cx
                .args
                .get("startdate")
                .and_then(crate::auth::parse_tz_date)
                .map_or(0, |s| u64::try_from(s).unwrap_or(0));
            let jobs = world.jobs_of(owner, since);
            // Only the page's jobs are turned into JSON: an account can hold many thousands.
            let (start, size) = page_window(cx)?;
            let page = jobs.iter().skip(start).take(size).map(|j| j.to_json()).collect();
            Ok(page_reply("asyncjobs", jobs.len(), page))
        }
        "deployVirtualMachine" => deploy_vm(world, cx),
        "destroyVirtualMachine" => destroy_vm(world, cx),
        "expungeVirtualMachine" => {
            let id = target(world, cx, "virtualmachine")?;
            Ok(cx.succeed_after(world, move |w| {
                w.remove(&id);
            }))
        }
        "startVirtualMachine" | "stopVirtualMachine" | "rebootVirtualMachine" => {
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
        "createSecurityGroup" => create_security_group(world, cx),
        "deleteSecurityGroup" => delete_security_group(world, cx),
        "authorizeSecurityGroupIngress" => authorize(world, cx, "ingressrule"),
        "authorizeSecurityGroupEgress" => authorize(world, cx, "egressrule"),
        "revokeSecurityGroupIngress" | "revokeSecurityGroupEgress" => revoke(world, cx),
        "deleteNetwork" => delete_network(world, cx),
        "attachVolume" => attach_volume(world, cx),
        "detachVolume" => detach_volume(world, cx),
        "deleteVolume" => {
            let id = target(world, cx, "volume")?;
            if world.get(&id).is_some_and(|v| v.obj.contains_key("virtualmachineid")) {
                return Err(ApiErr::invalid(
                    "Please specify a volume that is not attached to any VM.",
                ));
            }
            world.remove(&id);
            Ok(cx.done(world, json!({"success": true})))
        }
        "associateIpAddress" => associate_ip(world, cx),
        "disassociateIpAddress" => {
            let id = target(world, cx, "publicipaddress")?;
            Ok(cx.succeed_after(world, move |w| {
                // Releasing an address releases the rules on it, as CloudStack does.
                w.remove_referring(None, "ipaddressid", &id);
                w.remove(&id);
            }))
        }
        "enableStaticNat" => {
            let ip = cx.args.get("ipaddressid").unwrap_or_default().to_string();
            let vm = cx.args.get("virtualmachineid").unwrap_or_default().to_string();
            kind_check(world, &ip, "publicipaddress", "ipaddressid", &cx.lc())?;
            kind_check(world, &vm, "virtualmachine", "virtualmachineid", &cx.lc())?;
            if world
                .get(&ip)
                .and_then(|r| r.obj.get("isstaticnat"))
                .and_then(Value::as_bool)
                == Some(true)
            {
                return Err(ApiErr::internal(format!(
                    "Failed to enable static nat for the ip address id={ip} as it's already assigned to a vm"
                )));
            }
            if let Some(r) = world.get_mut(&ip) {
                r.obj.insert("isstaticnat".into(), json!(true));
                r.obj.insert("virtualmachineid".into(), json!(vm));
            }
            Ok(json!({"success": true}))
        }
        "disableStaticNat" => {
            let ip = cx.args.get("ipaddressid").unwrap_or_default().to_string();
            kind_check(world, &ip, "publicipaddress", "ipaddressid", &cx.lc())?;
            if world
                .get(&ip)
                .and_then(|r| r.obj.get("isstaticnat"))
                .and_then(Value::as_bool)
                != Some(true)
            {
                return Err(ApiErr::invalid(format!(
                    "Specified IP address id is not associated with any vm Id: {ip}"
                )));
            }
            Ok(cx.succeed_after(world, move |w| {
                if let Some(r) = w.get_mut(&ip) {
                    r.obj.insert("isstaticnat".into(), json!(false));
                    r.obj.remove("virtualmachineid");
                }
            }))
        }
        "createSSHKeyPair" | "registerSSHKeyPair" => create_keypair(world, cx),
        "deleteSSHKeyPair" => {
            let name = cx.args.get("name").unwrap_or_default();
            let found = owned_by_name(world, "sshkeypair", cx.account, name);
            match found {
                Some(id) => {
                    world.remove(&id);
                    Ok(json!({"success": true}))
                }
                None => Err(ApiErr::invalid(format!(
                    "A key pair with name '{name}' does not exist for account {} in specified domain id",
                    cx.account
                ))),
            }
        }
        "createTags" => create_tags(world, cx),
        "deleteTags" => delete_tags(world, cx),
        "listTags" => {
            let candidates: Box<dyn Iterator<Item = &TagRec>> = match cx.args.get("resourceid") {
                Some(id) => Box::new(world.tags.of(id)),
                None => Box::new(world.tags.iter()),
            };
            let tags: Vec<Value> = candidates
                .filter(|t| {
                    cx.args
                        .get("resourcetype")
                        .is_none_or(|v| v.eq_ignore_ascii_case(&t.resourcetype))
                })
                .filter(|t| cx.args.get("resourceid").is_none_or(|v| v == t.resourceid))
                .filter(|t| cx.args.get("key").is_none_or(|v| v == t.key))
                .filter(|t| cx.args.get("value").is_none_or(|v| v == t.value))
                .map(|t| {
                    json!({"key": t.key, "value": t.value, "resourcetype": t.resourcetype, "resourceid": t.resourceid,
                                "account": t.owner, "domainid": fixtures::ROOT_DOMAIN_ID, "domain": "ROOT"})
                })
                .collect();
            list_reply(cx, "tag", tags)
        }
        _ => generic(world, cx),
    }
}

fn list_apis(cx: &Ctx<'_>) -> Result<Value, ApiErr> {
    let items: Vec<Value> = match cx.args.get("name") {
        Some(name) => {
            let found: Vec<Value> = cx
                .registry
                .raw
                .iter()
                .filter(|a| a.get("name").and_then(Value::as_str) == Some(name))
                .cloned()
                .collect();
            if found.is_empty() {
                return Err(ApiErr::internal(
                    "Api Discovery plugin was unable to find an api by that name or process any apis",
                ));
            }
            found
        }
        None => cx.registry.raw.clone(),
    };
    Ok(json!({"count": items.len(), "api": items}))
}

fn set_state(w: &mut World, id: &str, state: &str, kind: &str) -> Result<Value, ApiErr> {
    let r = w
        .get_mut(id)
        .ok_or_else(|| ApiErr::internal(format!("Unable to find {kind} {id}")))?;
    r.obj.insert("state".into(), json!(state));
    let r = w
        .get(id)
        .ok_or_else(|| ApiErr::internal(format!("Unable to find {kind} {id}")))?;
    Ok(wrapped(kind, w.render(r)))
}

fn deploy_vm(world: &mut World, cx: &Ctx<'_>) -> Result<Value, ApiErr> {
    let lc = cx.lc();
    let a = cx.args;
    let zone = a.get("zoneid").unwrap_or_default().to_string();
    let template = a.get("templateid").unwrap_or_default().to_string();
    let offering = a.get("serviceofferingid").unwrap_or_default().to_string();
    kind_check(world, &zone, "zone", "zoneid", &lc)?;
    kind_check(world, &template, "template", "templateid", &lc)?;
    kind_check(world, &offering, "serviceoffering", "serviceofferingid", &lc)?;
    let mut groups = Vec::new();
    for id in a.list("securitygroupids") {
        kind_check(world, &id, "securitygroup", "securitygroupids", &lc)?;
        groups.push(id);
    }
    for name in a.list("securitygroupnames") {
        let found = owned_by_name(world, "securitygroup", cx.account, &name)
            .ok_or_else(|| ApiErr::invalid(format!("Unable to find group by name {name}")))?;
        groups.push(found);
    }
    let networks = {
        let given = a.list("networkids");
        if given.is_empty() {
            vec![fixtures::GUEST_NETWORK_ID.to_string()]
        } else {
            for n in &given {
                kind_check(world, n, "network", "networkids", &lc)?;
            }
            given
        }
    };
    let mut affinity = Vec::new();
    for id in a.list("affinitygroupids") {
        kind_check(world, &id, "affinitygroup", "affinitygroupids", &lc)?;
        affinity.push(json!({"id": id, "name": name_of(world, &id)}));
    }
    let offering_obj = world.get(&offering).map(|r| r.obj.clone()).unwrap_or_default();
    let nics: Vec<Value> = networks
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let ip = world.next_ip("10.1.");
            let nic_id = world.new_id();
            json!({"id": nic_id, "networkid": n, "networkname": name_of(world, n), "ipaddress": ip,
                   "netmask": "255.255.0.0", "gateway": "10.1.0.1", "isdefault": i == 0, "type": "Isolated",
                   "macaddress": format!("02:00:{:02x}:{:02x}:00:{:02x}", i, world.rng.u8(..), world.rng.u8(..))})
        })
        .collect();
    let sgs: Vec<Value> = groups
        .iter()
        .map(|g| json!({"id": g, "name": name_of(world, g), "ingressrule": [], "egressrule": [], "tags": []}))
        .collect();
    let name_given = a.get("name").map(str::to_string);
    let mut o = cx.owned(obj(json!({
        "displayname": a.get("displayname").map(str::to_string).or_else(|| name_given.clone()),
        "state": "Starting", "zoneid": zone, "zonename": name_of(world, &zone),
        "templateid": template, "templatename": name_of(world, &template), "templatedisplaytext": name_of(world, &template),
        "serviceofferingid": offering, "serviceofferingname": name_of(world, &offering),
        "cpunumber": offering_obj.get("cpunumber").cloned().unwrap_or(json!(1)),
        "cpuspeed": offering_obj.get("cpuspeed").cloned().unwrap_or(json!(1000)),
        "memory": offering_obj.get("memory").cloned().unwrap_or(json!(512)),
        "hypervisor": "Simulator", "haenable": false, "passwordenabled": false, "isdynamicallyscalable": false,
        "nic": nics, "securitygroup": sgs, "affinitygroup": affinity, "tags": [],
        "guestosid": fixtures::OS_TYPE_ID, "rootdeviceid": 0, "rootdevicetype": "ROOT",
    })));
    if let Some(k) = a.get("keypair") {
        o.insert("keypair".into(), json!(k));
    }
    if let Some(g) = a.get("group") {
        o.insert("group".into(), json!(g));
    }
    if a.get("userdata").is_some() {
        o.insert("userdata".into(), json!(a.get("userdata")));
    }
    let id = world.insert("virtualmachine", None, o, Some(cx.account));
    if name_given.is_none() {
        if let Some(r) = world.get_mut(&id) {
            let n = format!("VM-{id}");
            r.obj.insert("name".into(), json!(n));
            r.obj.entry("displayname").or_insert(json!(n));
        }
    } else if let Some(r) = world.get_mut(&id) {
        r.obj.insert("name".into(), json!(name_given));
    }
    let start = !a.get("startvm").is_some_and(|v| v.eq_ignore_ascii_case("false"));
    let vm = id.clone();
    Ok(cx.job(
        world,
        Some(("VirtualMachine", id)),
        Box::new(move |w| set_state(w, &vm, if start { "Running" } else { "Stopped" }, "virtualmachine")),
    ))
}

fn destroy_vm(world: &mut World, cx: &Ctx<'_>) -> Result<Value, ApiErr> {
    let id = target(world, cx, "virtualmachine")?;
    let expunge = cx.args.flag("expunge");
    Ok(cx.job(
        world,
        None,
        Box::new(move |w| {
            if expunge {
                let r = w.get(&id).map(|r| w.render(r)).unwrap_or(Value::Null);
                // Data volumes attached to it are detached, as CloudStack does on expunge.
                let attached: Vec<String> = w
                    .of_kind("volume")
                    .iter()
                    .filter(|v| v.obj.get("virtualmachineid").and_then(Value::as_str) == Some(id.as_str()))
                    .map(|v| v.id.clone())
                    .collect();
                for v in attached {
                    if let Some(vol) = w.get_mut(&v) {
                        vol.obj.remove("virtualmachineid");
                        vol.obj.insert("state".into(), json!("Ready"));
                    }
                }
                w.remove(&id);
                let mut r = r;
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

fn create_security_group(world: &mut World, cx: &Ctx<'_>) -> Result<Value, ApiErr> {
    let name = cx.args.get("name").unwrap_or_default().to_string();
    let taken = owned_by_name(world, "securitygroup", cx.account, &name).is_some();
    if taken {
        return Err(ApiErr::internal(format!(
            "Unable to create security group, a group with name {name} already exists."
        )));
    }
    let o = cx.owned(obj(json!({"name": name, "description": cx.args.get("description"),
                                 "ingressrule": [], "egressrule": [], "tags": [], "virtualmachinecount": 0, "virtualmachineids": []})));
    let id = world.insert("securitygroup", None, o, Some(cx.account));
    let r = world.get(&id).map(|r| world.render(r)).unwrap_or(Value::Null);
    Ok(json!({"securitygroup": r}))
}

/// How many VMs refer to `id` in their `field` list (`securitygroup` by `id`, `nic` by `networkid`).
fn vms_using(world: &World, field: &str, id: &str) -> usize {
    let key = if field == "nic" { "networkid" } else { "id" };
    world
        .of_kind("virtualmachine")
        .iter()
        .filter(|vm| {
            vm.obj
                .get(field)
                .and_then(Value::as_array)
                .is_some_and(|items| items.iter().any(|i| i.get(key).and_then(Value::as_str) == Some(id)))
        })
        .count()
}

fn delete_security_group(world: &mut World, cx: &Ctx<'_>) -> Result<Value, ApiErr> {
    let id = security_group(world, cx, "id", "name")?;
    if world.get(&id).and_then(|r| r.obj.get("name")).and_then(Value::as_str) == Some("default") {
        return Err(ApiErr::invalid(
            "The network group default is a default network group; can't be deleted",
        ));
    }
    let users = vms_using(world, "securitygroup", &id);
    if users > 0 {
        return Err(ApiErr::in_use(format!(
            "Cannot delete group when it's in use by virtual machines ({users} VMs)"
        )));
    }
    world.remove_referring(Some("securitygrouprule"), "securitygroupid", &id);
    world.remove(&id);
    Ok(json!({"success": true}))
}

fn authorize(world: &mut World, cx: &Ctx<'_>, list: &'static str) -> Result<Value, ApiErr> {
    let a = cx.args;
    let group = security_group(world, cx, "securitygroupid", "securitygroupname")?;
    let protocol = a.get("protocol").unwrap_or("tcp").to_ascii_lowercase();
    let mut rule = obj(
        json!({"protocol": protocol, "securitygroupid": group, "securitygroupname": name_of(world, &group), "tags": []}),
    );
    for f in ["startport", "endport", "icmptype", "icmpcode"] {
        if let Some(n) = a.int(f) {
            rule.insert(f.into(), json!(n));
        }
    }
    let cidrs = a.list("cidrlist");
    rule.insert(
        "cidr".into(),
        json!(if cidrs.is_empty() {
            "0.0.0.0/0".to_string()
        } else {
            cidrs.join(",")
        }),
    );
    let rule_id = world.insert("securitygrouprule", None, cx.owned(rule), Some(cx.account));
    if let Some(r) = world.get_mut(&rule_id) {
        r.obj.remove("id");
        r.obj.insert("ruleid".into(), json!(rule_id.clone()));
    }
    let rid = rule_id.clone();
    Ok(cx.job(
        world,
        Some(("SecurityGroupRule", rule_id)),
        Box::new(move |w| {
            let rule = w
                .get(&rid)
                .map(|r| w.render(r))
                .ok_or_else(|| ApiErr::internal("rule vanished"))?;
            let g = w
                .get_mut(&group)
                .ok_or_else(|| ApiErr::internal(format!("security group {group} vanished")))?;
            if let Some(Value::Array(rules)) = g.obj.get_mut(list) {
                rules.push(rule.clone());
            }
            let mut reply =
                obj(json!({"id": group, "name": g.obj.get("name").cloned(), "account": g.obj.get("account").cloned()}));
            reply.insert(list.into(), json!([rule]));
            Ok(json!({"securitygroup": reply}))
        }),
    ))
}

fn revoke(world: &mut World, cx: &Ctx<'_>) -> Result<Value, ApiErr> {
    let id = target(world, cx, "securitygrouprule")?;
    Ok(cx.job(
        world,
        None,
        Box::new(move |w| {
            let group = w
                .get(&id)
                .and_then(|r| r.obj.get("securitygroupid"))
                .and_then(Value::as_str)
                .map(str::to_string);
            if let Some(g) = group.and_then(|g| w.get_mut(&g)) {
                for list in ["ingressrule", "egressrule"] {
                    if let Some(Value::Array(rules)) = g.obj.get_mut(list) {
                        rules.retain(|r| r.get("ruleid").and_then(Value::as_str) != Some(id.as_str()));
                    }
                }
            }
            w.remove(&id);
            Ok(json!({"success": true}))
        }),
    ))
}

fn delete_network(world: &mut World, cx: &Ctx<'_>) -> Result<Value, ApiErr> {
    let id = target(world, cx, "network")?;
    Ok(cx.job(world, None, Box::new(move |w| {
        let users = vms_using(w, "nic", &id);
        if users > 0 {
            return Err(ApiErr::internal(format!(
                "Unable to delete network {id}: it is still used by {users} virtual machine(s), destroy and expunge them first"
            )));
        }
        w.remove(&id);
        Ok(json!({"success": true}))
    })))
}

fn attach_volume(world: &mut World, cx: &Ctx<'_>) -> Result<Value, ApiErr> {
    let id = cx.args.get("id").unwrap_or_default().to_string();
    let vm = cx.args.get("virtualmachineid").unwrap_or_default().to_string();
    kind_check(world, &id, "volume", "id", &cx.lc())?;
    kind_check(world, &vm, "virtualmachine", "virtualmachineid", &cx.lc())?;
    if world.get(&id).is_some_and(|v| v.obj.contains_key("virtualmachineid")) {
        return Err(ApiErr::invalid(format!("Volume {id} is already attached to a VM")));
    }
    let device = cx.args.int("deviceid").unwrap_or(1);
    Ok(cx.job(
        world,
        None,
        Box::new(move |w| {
            let vm_name = name_of(w, &vm);
            let v = w
                .get_mut(&id)
                .ok_or_else(|| ApiErr::internal(format!("volume {id} vanished")))?;
            v.obj.insert("virtualmachineid".into(), json!(vm));
            v.obj.insert("vmname".into(), vm_name);
            v.obj.insert("deviceid".into(), json!(device));
            v.obj.insert("state".into(), json!("Ready"));
            let v = w.get(&id).ok_or_else(|| ApiErr::internal("volume vanished"))?;
            Ok(json!({"volume": w.render(v)}))
        }),
    ))
}

fn detach_volume(world: &mut World, cx: &Ctx<'_>) -> Result<Value, ApiErr> {
    let id = match cx.args.get("id") {
        Some(id) => id.to_string(),
        None => {
            let vm = cx.args.get("virtualmachineid").unwrap_or_default();
            let dev = cx.args.int("deviceid");
            world
                .of_kind("volume")
                .into_iter()
                .find(|v| {
                    v.obj.get("virtualmachineid").and_then(Value::as_str) == Some(vm)
                        && v.obj.get("deviceid").and_then(Value::as_i64) == dev
                })
                .map(|v| v.id.clone())
                .ok_or_else(|| {
                    ApiErr::invalid("Please provide either a volume id, or a tuple(device id, instance id)")
                })?
        }
    };
    kind_check(world, &id, "volume", "id", &cx.lc())?;
    if !world.get(&id).is_some_and(|v| v.obj.contains_key("virtualmachineid")) {
        return Err(ApiErr::invalid(format!("Volume {id} is not attached to any VM")));
    }
    Ok(cx.job(
        world,
        None,
        Box::new(move |w| {
            let v = w
                .get_mut(&id)
                .ok_or_else(|| ApiErr::internal(format!("volume {id} vanished")))?;
            for f in ["virtualmachineid", "vmname", "deviceid"] {
                v.obj.remove(f);
            }
            let v = w.get(&id).ok_or_else(|| ApiErr::internal("volume vanished"))?;
            Ok(json!({"volume": w.render(v)}))
        }),
    ))
}

fn associate_ip(world: &mut World, cx: &Ctx<'_>) -> Result<Value, ApiErr> {
    let zone = cx.args.get("zoneid").unwrap_or(fixtures::ZONE_ID).to_string();
    let network = cx.args.get("networkid").map(str::to_string);
    let address = world.next_ip("203.0.");
    let o = cx.owned(obj(
        json!({"ipaddress": address, "zoneid": zone, "zonename": name_of(world, &zone),
        "associatednetworkid": network, "networkid": network, "state": "Allocating", "issourcenat": false,
        "isstaticnat": false, "issystem": false, "forvirtualnetwork": true, "tags": []}),
    ));
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

fn create_keypair(world: &mut World, cx: &Ctx<'_>) -> Result<Value, ApiErr> {
    let name = cx.args.get("name").unwrap_or_default().to_string();
    let taken = owned_by_name(world, "sshkeypair", cx.account, &name).is_some();
    if taken {
        return Err(ApiErr::internal(format!(
            "A key pair with name '{name}' already exists."
        )));
    }
    let bytes: Vec<String> = (0..16).map(|_| format!("{:02x}", world.rng.u8(..))).collect();
    let mut o = cx.owned(obj(json!({"name": name, "fingerprint": bytes.join(":")})));
    let id = world.insert("sshkeypair", None, o.clone(), Some(cx.account));
    o.insert("id".into(), json!(id));
    if cx.def.api.name == "createSSHKeyPair" {
        // The private key is returned once and not stored.
        o.insert(
            "privatekey".into(),
            json!(format!(
                "-----BEGIN RSA PRIVATE KEY-----\nSIMULATED{id}\n-----END RSA PRIVATE KEY-----\n"
            )),
        );
    }
    Ok(json!({"keypair": o}))
}

fn create_tags(world: &mut World, cx: &Ctx<'_>) -> Result<Value, ApiErr> {
    let rtype = cx.args.get("resourcetype").unwrap_or_default().to_string();
    let (canonical, kind) = TAG_TYPES
        .iter()
        .find(|(t, _)| t.eq_ignore_ascii_case(&rtype))
        .ok_or_else(|| ApiErr::invalid(format!("Invalid resource type {rtype}")))?;
    let pairs = cx.args.key_values("tags")?;
    for (k, v) in &pairs {
        if v.is_empty() {
            return Err(ApiErr::invalid(format!(
                "Value for the key {k} is either null or empty"
            )));
        }
    }
    let ids = cx.args.list("resourceids");
    for id in &ids {
        if world.get(id).is_none_or(|r| r.kind != *kind) {
            return Err(ApiErr::invalid(format!(
                "Unable to find resource by uuid {id} and type {canonical}"
            )));
        }
    }
    let owner = cx.account.to_string();
    let canonical = (*canonical).to_string();
    Ok(cx.job(
        world,
        None,
        Box::new(move |w| {
            for id in &ids {
                for (k, _) in &pairs {
                    if w.tags.of(id).any(|t| t.key.eq_ignore_ascii_case(k)) {
                        return Err(ApiErr::internal(format!("tag {k} already on {canonical} with id {id}")));
                    }
                }
            }
            for id in &ids {
                if w.get(id).is_none() {
                    return Err(ApiErr::internal(format!(
                        "Unable to find resource by uuid {id} and type {canonical}"
                    )));
                }
                for (k, v) in &pairs {
                    w.tags.add(TagRec {
                        resourceid: id.clone(),
                        resourcetype: canonical.clone(),
                        key: k.clone(),
                        value: v.clone(),
                        owner: owner.clone(),
                    });
                }
            }
            Ok(json!({"success": true}))
        }),
    ))
}

fn delete_tags(world: &mut World, cx: &Ctx<'_>) -> Result<Value, ApiErr> {
    let rtype = cx.args.get("resourcetype").unwrap_or_default().to_string();
    if !TAG_TYPES.iter().any(|(t, _)| t.eq_ignore_ascii_case(&rtype)) {
        return Err(ApiErr::invalid(format!("Invalid resource type {rtype}")));
    }
    let ids = cx.args.list("resourceids");
    // A key without a value deletes that key whatever its value.
    let filters: Vec<(String, Option<String>)> = cx
        .args
        .entries("tags")
        .into_iter()
        .map(|e| {
            let get = |f: &str| {
                e.iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(f))
                    .map(|(_, v)| v.clone())
            };
            (get("key").unwrap_or_default(), get("value").filter(|v| !v.is_empty()))
        })
        .collect();
    Ok(cx.job(
        world,
        None,
        Box::new(move |w| {
            for id in &ids {
                w.tags.remove_on(id, |t| {
                    t.resourcetype.eq_ignore_ascii_case(&rtype)
                        && (filters.is_empty()
                            || filters.iter().any(|(k, v)| {
                                t.key.eq_ignore_ascii_case(k)
                                    && v.as_ref().is_none_or(|v| v.eq_ignore_ascii_case(&t.value))
                            }))
                });
            }
            Ok(json!({"success": true}))
        }),
    ))
}

fn generic(world: &mut World, cx: &Ctx<'_>) -> Result<Value, ApiErr> {
    match &cx.def.behavior {
        Behavior::List { kind } => {
            let q = ListQuery::new(cx);
            let (start, size) = page_window(cx)?;
            let matching: Vec<&crate::world::Resource> = world
                .of_kind(kind)
                .into_iter()
                .filter(|r| q.visible(r, cx.account) && q.matches(world, r))
                .collect();
            // Render only the page: a list of 100,000 objects must not copy them all.
            let page = matching
                .iter()
                .skip(start)
                .take(size)
                .map(|r| world.render(r))
                .collect();
            Ok(page_reply(kind, matching.len(), page))
        }
        Behavior::Create { kind } => {
            let mut o = Obj::new();
            for (k, v) in cx.args.declared_scalars(cx.def) {
                o.insert(k, json!(v));
            }
            if cx.def.api.response_field("tags").is_some() {
                o.insert("tags".into(), json!([]));
            }
            if cx.def.api.response_field("state").is_some() {
                o.insert(
                    "state".into(),
                    json!(if cx.def.api.is_async { "Creating" } else { "Ready" }),
                );
            }
            let o = cx.owned(o);
            let id = world.insert(kind, None, o, Some(cx.account));
            if cx.def.api.is_async {
                let (rid, kind) = (id.clone(), kind.clone());
                let instance = cloudstack_codegen::naming::pascal(&kind);
                Ok(cx.job(
                    world,
                    Some((instance.as_str(), id)),
                    Box::new(move |w| {
                        let r = w
                            .get_mut(&rid)
                            .ok_or_else(|| ApiErr::internal(format!("{kind} {rid} vanished")))?;
                        if r.obj.get("state").and_then(Value::as_str) == Some("Creating") {
                            r.obj.insert("state".into(), json!("Ready"));
                        }
                        let r = w.get(&rid).ok_or_else(|| ApiErr::internal("vanished"))?;
                        Ok(wrapped(kind, w.render(r)))
                    }),
                ))
            } else {
                let r = world.get(&id).map(|r| world.render(r)).unwrap_or(Value::Null);
                Ok(wrapped(kind.clone(), r))
            }
        }
        Behavior::Delete { kind, param, attribute } => {
            let value = cx.args.get(&param.to_ascii_lowercase()).unwrap_or_default().to_string();
            let target = world
                .of_kind(kind)
                .into_iter()
                .find(|r| {
                    r.id == value
                        || (attribute != "id"
                            && r.owner.as_deref() == Some(cx.account)
                            && r.obj.get(attribute).and_then(Value::as_str) == Some(value.as_str()))
                })
                .map(|r| r.id.clone());
            let Some(id) = target else {
                return Err(ApiErr::invalid(format!("Unable to find {kind} with {param} {value}")));
            };
            Ok(cx.succeed_after(world, move |w| {
                w.remove(&id);
            }))
        }
        Behavior::Update { kind } => {
            let id = cx.args.get("id").unwrap_or_default().to_string();
            let updates = cx.args.declared_scalars(cx.def);
            let r = world
                .get_mut(&id)
                .ok_or_else(|| ApiErr::invalid(format!("Unable to find {kind} with id {id}")))?;
            for (k, v) in updates {
                if k != "id" {
                    r.obj.insert(k, json!(v));
                }
            }
            let kind = r.kind.clone();
            let rendered = world.get(&id).map(|r| world.render(r)).unwrap_or(Value::Null);
            Ok(cx.done(world, wrapped(kind, rendered)))
        }
        Behavior::Other => Ok(cx.done(world, json!({"success": true}))),
    }
}
