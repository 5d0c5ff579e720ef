//! Data volumes: attach, detach and delete (ROOT volumes come and go with their VM).

use serde_json::{json, Value};

use crate::error::ApiErr;
use crate::handlers::{changed, kind_check, target, Ctx};
use crate::world::World;

/// `deleteVolume`, refused while the volume is attached.
pub(crate) fn delete(world: &mut World, cx: &Ctx<'_>) -> Result<Value, ApiErr> {
    let id = target(world, cx, "volume")?;
    if world.get(&id).is_some_and(|v| v.obj.contains_key("virtualmachineid")) {
        return Err(ApiErr::invalid(
            "Please specify a volume that is not attached to any VM.",
        ));
    }
    world.remove(&id);
    Ok(cx.done(world, json!({"success": true})))
}

/// `attachVolume`.
pub(crate) fn attach(world: &mut World, cx: &Ctx<'_>) -> Result<Value, ApiErr> {
    let id = cx.args.get("id").unwrap_or_default().to_string();
    let vm = cx.args.get("virtualmachineid").unwrap_or_default().to_string();
    kind_check(world, cx, &id, "volume", "id")?;
    kind_check(world, cx, &vm, "virtualmachine", "virtualmachineid")?;
    if world.get(&id).is_some_and(|v| v.obj.contains_key("virtualmachineid")) {
        return Err(ApiErr::invalid(format!("Volume {id} is already attached to a VM")));
    }
    let device = cx.args.int("deviceid").unwrap_or(1);
    Ok(cx.job(
        world,
        None,
        Box::new(move |w| {
            changed(w, &id, "volume", |v| {
                v.insert("virtualmachineid".into(), json!(vm));
                v.insert("attached".into(), json!(crate::world::now_string()));
                v.insert("deviceid".into(), json!(device));
                v.insert("state".into(), json!("Ready"));
            })
        }),
    ))
}

/// `detachVolume`, by id or by VM and device.
pub(crate) fn detach(world: &mut World, cx: &Ctx<'_>) -> Result<Value, ApiErr> {
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
    kind_check(world, cx, &id, "volume", "id")?;
    if !world.get(&id).is_some_and(|v| v.obj.contains_key("virtualmachineid")) {
        return Err(ApiErr::invalid(format!("Volume {id} is not attached to any VM")));
    }
    Ok(cx.job(
        world,
        None,
        Box::new(move |w| {
            changed(w, &id, "volume", |v| {
                for f in ["virtualmachineid", "deviceid", "attached"] {
                    v.remove(f);
                }
            })
        }),
    ))
}
