//! SSH key pairs, found by name within the caller's account.

use serde_json::{json, Value};

use crate::error::ApiErr;
use crate::handlers::{obj, owned_by_name, Ctx};
use crate::world::World;

/// `createSSHKeyPair` / `registerSSHKeyPair`; a name in use is an InvalidParameterValueException.
pub(crate) fn create(world: &mut World, cx: &Ctx<'_>) -> Result<Value, ApiErr> {
    let name = cx.args.get("name").unwrap_or_default().to_string();
    let taken = owned_by_name(world, "sshkeypair", cx.account, &name).is_some();
    if taken {
        return Err(ApiErr::invalid(format!(
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

/// `deleteSSHKeyPair`.
pub(crate) fn delete(world: &mut World, cx: &Ctx<'_>) -> Result<Value, ApiErr> {
    let name = cx.args.get("name").unwrap_or_default();
    match owned_by_name(world, "sshkeypair", cx.account, name) {
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
