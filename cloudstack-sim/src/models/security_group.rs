//! Security groups and their ingress and egress rules.

use serde_json::{json, Value};

use crate::error::ApiErr;
use crate::handlers::{kind_check, name_of, obj, owned_by_name, target, Ctx};
use crate::world::World;

/// A security group given by id (`id_param`) or by name (`name_param`).
fn security_group(world: &World, cx: &Ctx<'_>, id_param: &str, name_param: &str) -> Result<String, ApiErr> {
    match (cx.args.get(id_param), cx.args.get(name_param)) {
        (Some(id), _) => {
            kind_check(world, cx, id, "securitygroup", id_param)?;
            Ok(id.to_string())
        }
        (None, Some(name)) => owned_by_name(world, "securitygroup", cx.account, name)
            .ok_or_else(|| ApiErr::invalid(format!("Unable to find security group by name {name}"))),
        (None, None) => Err(ApiErr::invalid(format!(
            "Either {id_param} or {name_param} is required"
        ))),
    }
}

/// `createSecurityGroup`.
pub(crate) fn create(world: &mut World, cx: &Ctx<'_>) -> Result<Value, ApiErr> {
    let name = cx.args.get("name").unwrap_or_default().to_string();
    let taken = owned_by_name(world, "securitygroup", cx.account, &name).is_some();
    if taken {
        return Err(ApiErr::invalid(format!(
            "Unable to create security group, a group with name {name} already exists."
        )));
    }
    let o = cx.owned(obj(json!({"name": name, "description": cx.args.get("description"),
                                 "ingressrule": [], "egressrule": [], "tags": [], "virtualmachinecount": 0, "virtualmachineids": []})));
    let id = world.insert("securitygroup", None, o, Some(cx.account));
    let r = world.get(&id).map(|r| world.render(r)).unwrap_or(Value::Null);
    Ok(json!({"securitygroup": r}))
}

/// How many VMs are in group `id`.
fn vms_using(world: &World, id: &str) -> usize {
    world
        .of_kind("virtualmachine")
        .iter()
        .filter(|vm| {
            vm.obj
                .get("securitygroup")
                .and_then(Value::as_array)
                .is_some_and(|items| items.iter().any(|i| i.get("id").and_then(Value::as_str) == Some(id)))
        })
        .count()
}

/// `deleteSecurityGroup`, refused for `default` and while VMs are in the group.
pub(crate) fn delete(world: &mut World, cx: &Ctx<'_>) -> Result<Value, ApiErr> {
    let id = security_group(world, cx, "id", "name")?;
    if world.get(&id).and_then(|r| r.obj.get("name")).and_then(Value::as_str) == Some("default") {
        return Err(ApiErr::invalid(
            "The network group default is a default network group; can't be deleted",
        ));
    }
    let users = vms_using(world, &id);
    if users > 0 {
        return Err(ApiErr::in_use(format!(
            "Cannot delete group when it's in use by virtual machines ({users} VMs)"
        )));
    }
    world.remove_referring(Some("securitygrouprule"), "securitygroupid", &id);
    world.remove(&id);
    Ok(json!({"success": true}))
}

/// `authorizeSecurityGroupIngress` / `Egress`: a rule in the group's `list`.
pub(crate) fn authorize(world: &mut World, cx: &Ctx<'_>, list: &'static str) -> Result<Value, ApiErr> {
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

/// `revokeSecurityGroupIngress` / `Egress`.
pub(crate) fn revoke(world: &mut World, cx: &Ctx<'_>) -> Result<Value, ApiErr> {
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
