//! What each command does. Commands that stacks and common clients use have hand-written models in
//! [`crate::models`] (VMs with their NICs and ROOT volumes, security groups and their rules, networks,
//! volumes, public IPs and static NAT, SSH key pairs, tags); jobs, `listApis` and `listCapabilities` are
//! answered here; every other command follows its [`Behavior`] derived from the dump: list, create,
//! delete, update, or a plain success.

use serde_json::{json, Value};

use crate::args::Args;
use crate::error::ApiErr;
use crate::fixtures;
use crate::listing::{page_reply, page_window, ListQuery};
use crate::models::{address, keypair, network, security_group, tag, vm, volume};
use crate::registry::{ApiDef, Behavior, Registry};
use crate::world::{now_string, JobAction, Obj, World};

/// The context of one call.
pub struct Ctx<'a> {
    /// The caller's account.
    pub account: &'a str,
    /// Whether the caller is a root admin (the first configured account).
    pub admin: bool,
    /// The command.
    pub def: &'a ApiDef,
    /// Its decoded parameters.
    pub args: &'a Args,
    /// Set when a fault says this call's job must fail.
    pub fail_job: Option<ApiErr>,
    /// Every command (for `listApis`).
    pub registry: &'a Registry,
}

/// The object inside `v` (empty when `v` is not an object).
pub(crate) fn obj(v: Value) -> Obj {
    match v {
        Value::Object(o) => o,
        _ => Obj::new(),
    }
}

impl Ctx<'_> {
    /// `o` with the caller as owner, and a creation date.
    pub(crate) fn owned(&self, mut o: Obj) -> Obj {
        o.insert("account".into(), json!(self.account));
        o.insert("domainid".into(), json!(fixtures::ROOT_DOMAIN_ID));
        o.insert("domain".into(), json!("ROOT"));
        o.entry("created").or_insert_with(|| json!(now_string()));
        o
    }

    /// The command name in lowercase, as error texts quote it.
    pub(crate) fn lc(&self) -> String {
        self.def.api.name.to_ascii_lowercase()
    }

    /// Queues the job of an async command. `created` names a resource that was inserted as a
    /// placeholder and must go away if the job fails.
    pub(crate) fn job(&self, world: &mut World, created: Option<(&str, String)>, action: JobAction) -> Value {
        let action: JobAction = match self.fail_job.clone() {
            Some(err) => {
                let placeholder = created.as_ref().map(|(_, id)| id.clone());
                Box::new(move |w: &mut World| {
                    if let Some(id) = placeholder {
                        discard(w, &id);
                    }
                    Err(err)
                })
            }
            None => action,
        };
        let instance = created.as_ref().map(|(t, id)| ((*t).to_string(), id.clone()));
        let job_id = world.submit_job(&self.def.api.name, self.account, self.admin, instance, action);
        match created {
            Some((_, id)) => json!({"id": id, "jobid": job_id}),
            None => json!({"jobid": job_id}),
        }
    }

    /// Applies `change` when the call's job completes (at once for a synchronous API) and answers
    /// `{"success": true}`, as CloudStack's delete-style commands do.
    pub(crate) fn succeed_after(&self, world: &mut World, change: impl FnOnce(&mut World) + Send + 'static) -> Value {
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

    /// Answers `value` now (sync) or as the result of a job (async).
    pub(crate) fn done(&self, world: &mut World, value: Value) -> Value {
        if self.def.api.is_async {
            self.job(world, None, Box::new(move |_| Ok(value)))
        } else {
            value
        }
    }
}

/// Removes a resource whose create failed, with what was made for it (a VM's NICs and ROOT volume).
fn discard(w: &mut World, id: &str) {
    if w.get(id).is_some_and(|r| r.kind == "virtualmachine") {
        vm::remove_vm(w, id);
    } else {
        w.remove(id);
    }
}

/// ParamProcessWorker's answer for an id that names nothing (not even a removed row).
pub(crate) fn missing_entity(param: &str, id: &str, lc: &str) -> ApiErr {
    ApiErr::param(format!(
        "Unable to execute API command {lc} due to invalid value. Invalid parameter {param} value={id} due to incorrect long value format, or entity does not exist or due to incorrect parameter annotation for the field in api cmd class."
    ))
}

/// Checks that `id` names a live `kind` resource. A removed one passed parameter validation, as in
/// CloudStack, and gets the command's own "not found" error.
pub(crate) fn kind_check(world: &World, cx: &Ctx<'_>, id: &str, kind: &str, param: &str) -> Result<(), ApiErr> {
    match world.get(id) {
        Some(r) if r.kind == kind => Ok(()),
        None => match world.tombstone(id) {
            Some((k, seq)) if k == kind => Err(gone(&cx.def.api.name, kind, id, seq)),
            _ => Err(missing_entity(param, id, &cx.lc())),
        },
        Some(_) => Err(missing_entity(param, id, &cx.lc())),
    }
}

/// The error a command gives for a removed entity, as the 4.17 service layer words it.
fn gone(api: &str, kind: &str, id: &str, seq: u64) -> ApiErr {
    match api {
        "destroyVirtualMachine" | "expungeVirtualMachine" => {
            ApiErr::invalid("Unable to find a virtual machine with specified vmId")
        }
        "startVirtualMachine" | "stopVirtualMachine" | "rebootVirtualMachine" => {
            ApiErr::invalid(format!("unable to find a virtual machine with id {seq}"))
        }
        "deleteNetwork" => ApiErr::invalid("unable to find network with specified id"),
        "deleteSecurityGroup" => {
            ApiErr::invalid(format!("Unable to find network group: {seq}; failed to delete group."))
        }
        "deleteVolume" | "attachVolume" | "detachVolume" => {
            ApiErr::invalid(format!("Unable to find volume with ID [{seq}]."))
        }
        "disassociateIpAddress" | "enableStaticNat" | "disableStaticNat" => {
            ApiErr::invalid("Unable to find ip address by id")
        }
        "listNics" => ApiErr::internal("Virtual machine id does not exist"),
        _ => ApiErr::invalid(format!("Unable to find {kind} with id {id}")),
    }
}

/// The id of the `kind` resource named `name` that `account` owns.
pub(crate) fn owned_by_name(world: &World, kind: &str, account: &str, name: &str) -> Option<String> {
    world
        .named(kind, name)
        .into_iter()
        .find(|r| r.owner.as_deref() == Some(account))
        .map(|r| r.id.clone())
}

/// The `id` parameter, checked to name a live resource of `kind`.
pub(crate) fn target(world: &World, cx: &Ctx<'_>, kind: &str) -> Result<String, ApiErr> {
    let id = cx.args.get("id").unwrap_or_default().to_string();
    kind_check(world, cx, &id, kind, "id")?;
    Ok(id)
}

/// The `name` of resource `id` (null when it has none; nulls never reach the wire).
pub(crate) fn name_of(world: &World, id: &str) -> Value {
    world
        .get(id)
        .and_then(|r| r.obj.get("name").cloned())
        .unwrap_or(Value::Null)
}

/// Applies `change` to the live `kind` resource `id` and answers it as `{kind: object}`: what a
/// job that changes one object (its state, an attachment) returns.
pub(crate) fn changed(w: &mut World, id: &str, kind: &str, change: impl FnOnce(&mut Obj)) -> Result<Value, ApiErr> {
    let r = w
        .get_mut(id)
        .ok_or_else(|| ApiErr::internal(format!("Unable to find {kind} {id}")))?;
    change(&mut r.obj);
    let r = w
        .get(id)
        .ok_or_else(|| ApiErr::internal(format!("Unable to find {kind} {id}")))?;
    Ok(wrapped(kind, w.render(r)))
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
        "listCapabilities" => Ok(capabilities(cx)),
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
            // Only the page's jobs are read: an account can hold many thousands.
            let (start, size) = page_window(cx)?;
            let (total, jobs) = world.jobs_page(owner, since, start, size);
            let page = jobs.iter().map(|j| j.to_json()).collect();
            Ok(page_reply("asyncjobs", total, page))
        }
        "deployVirtualMachine" => vm::deploy(world, cx),
        "destroyVirtualMachine" => vm::destroy(world, cx),
        "expungeVirtualMachine" => vm::expunge(world, cx),
        "startVirtualMachine" | "stopVirtualMachine" | "rebootVirtualMachine" => vm::power(world, cx),
        "updateVirtualMachine" => vm::update(world, cx),
        "changeServiceForVirtualMachine" => vm::change_service(world, cx),
        "listNics" => vm::list_nics(world, cx),
        "getVirtualMachineUserData" => vm::userdata(world, cx),
        "createSecurityGroup" => security_group::create(world, cx),
        "deleteSecurityGroup" => security_group::delete(world, cx),
        "authorizeSecurityGroupIngress" => security_group::authorize(world, cx, "ingressrule"),
        "authorizeSecurityGroupEgress" => security_group::authorize(world, cx, "egressrule"),
        "revokeSecurityGroupIngress" | "revokeSecurityGroupEgress" => security_group::revoke(world, cx),
        "createNetwork" => network::create(world, cx),
        "deleteNetwork" => network::delete(world, cx),
        "attachVolume" => volume::attach(world, cx),
        "detachVolume" => volume::detach(world, cx),
        "deleteVolume" => volume::delete(world, cx),
        "associateIpAddress" => address::associate(world, cx),
        "disassociateIpAddress" => address::disassociate(world, cx),
        "enableStaticNat" => address::enable_static_nat(world, cx),
        "disableStaticNat" => address::disable_static_nat(world, cx),
        "createSSHKeyPair" | "registerSSHKeyPair" => keypair::create(world, cx),
        "deleteSSHKeyPair" => keypair::delete(world, cx),
        "createTags" => tag::create(world, cx),
        "deleteTags" => tag::delete(world, cx),
        "listTags" => tag::list(world, cx),
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

/// `listCapabilities` as ListCapabilitiesCmd fills it for this cloud, limited to the fields the
/// release declares. The version is four-part, as CloudStack's `getVersion` reports it.
fn capabilities(cx: &Ctx<'_>) -> Value {
    let version = match cx.registry.version.split('.').count() {
        1 => format!("{}.0.0.0", cx.registry.version),
        2 => format!("{}.0.0", cx.registry.version),
        3 => format!("{}.0", cx.registry.version),
        _ => cx.registry.version.clone(),
    };
    let all = json!({
        "cloudstackversion": version, "securitygroupsenabled": true, "userpublictemplateenabled": true,
        "supportELB": "false", "projectinviterequired": false, "allowusercreateprojects": true,
        "customdiskofferingminsize": 1, "customdiskofferingmaxsize": 1024, "kvmsnapshotenabled": true,
        "regionsecondaryenabled": false, "apilimitinterval": 1, "apilimitmax": 25,
        "allowuserviewdestroyedvm": false, "allowuserexpungerecovervm": false,
        "allowuserexpungerecovervolume": false, "allowuserviewalldomainaccounts": false,
        "kubernetesserviceenabled": false, "kubernetesclusterexperimentalfeaturesenabled": false,
        "defaultuipagesize": 20, "dynamicrolesenabled": true,
    });
    let mut capability = obj(all);
    capability.retain(|k, _| cx.def.api.response_field(k).is_some());
    json!({ "capability": capability })
}

fn generic(world: &mut World, cx: &Ctx<'_>) -> Result<Value, ApiErr> {
    match &cx.def.behavior {
        Behavior::List { kind } => {
            let q = ListQuery::new(cx, world);
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
                if let Some((k, seq)) = world.tombstone(&value) {
                    return Err(gone(&cx.def.api.name, k, &value, seq));
                }
                return Err(ApiErr::invalid(format!("Unable to find {kind} with {param} {value}")));
            };
            Ok(cx.succeed_after(world, move |w| {
                w.remove(&id);
            }))
        }
        Behavior::Update { kind } => {
            let id = cx.args.get("id").unwrap_or_default().to_string();
            let updates = cx.args.declared_scalars(cx.def);
            if world.get(&id).is_none() {
                if let Some((k, seq)) = world.tombstone(&id) {
                    return Err(gone(&cx.def.api.name, k, &id, seq));
                }
            }
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
