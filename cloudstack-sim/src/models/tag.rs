//! Resource tags: create, delete and list (the store itself is [`crate::tags`]).

use serde_json::{json, Value};

use crate::error::ApiErr;
use crate::fixtures;
use crate::handlers::Ctx;
use crate::listing::list_reply;
use crate::tags::TagRec;
use crate::world::World;

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

/// `listTags`.
pub(crate) fn list(world: &mut World, cx: &Ctx<'_>) -> Result<Value, ApiErr> {
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

/// `createTags`: checked at once, applied when the job completes.
pub(crate) fn create(world: &mut World, cx: &Ctx<'_>) -> Result<Value, ApiErr> {
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

/// `deleteTags`: a key without a value deletes that key whatever its value.
pub(crate) fn delete(world: &mut World, cx: &Ctx<'_>) -> Result<Value, ApiErr> {
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
