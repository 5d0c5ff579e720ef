//! Resource `Metadata` for guests (cfn-init and plain `curl`), served only to the stack's own
//! guests.
//!
//! Each stack has a metadata token (the `CloudStack::StackMateMetadataToken` pseudo parameter,
//! which a template hands to its VMs in their user data), derived from the account's secret key
//! and the stack's id ([`cloudstack_client::Client::derive_token`]), so a resumed run hands out the
//! same one. The server keeps only its SHA-256. A request carries the token in an `X-StackMate-Token`
//! header, an `Authorization: Bearer` header, a `Token` query parameter, or as the access key of
//! cfn-init (`cfn-init -s STACK -r RESOURCE --url URL --access-key TOKEN --secret-key x`); without
//! the right one it gets the same 404 as a resource that does not exist, so it learns nothing about
//! which stacks or resources there are.
//!
//! ```text
//! curl -H "X-StackMate-Token: $TOKEN" "$URL/metadata/$STACK/WebServer"
//! ```

use std::collections::HashMap;

use serde_json::Value;
use sha2::{Digest, Sha256};

/// Metadata published so far.
#[derive(Default)]
pub(crate) struct Published {
    /// (stack id, logical id) -> the resource detail for cfn-init.
    details: HashMap<(String, String), Value>,
    /// stack name -> stack id.
    ids: HashMap<String, String>,
    /// stack id -> SHA-256 of its metadata token.
    keys: HashMap<String, [u8; 32]>,
}

impl Published {
    /// Publishes a resource's detail, readable with `token`.
    pub(crate) fn publish(&mut self, stack_id: &str, stack_name: &str, logical: &str, token: &str, detail: Value) {
        self.ids.insert(stack_name.to_string(), stack_id.to_string());
        self.keys.insert(stack_id.to_string(), digest(token));
        self.details.insert((stack_id.to_string(), logical.to_string()), detail);
    }

    /// The detail of `logical` in `stack` (an id or a name), if `presented` is the stack's token.
    pub(crate) fn read(&self, stack: &str, logical: &str, presented: Option<&str>) -> Option<Value> {
        let id = self.ids.get(stack).map_or(stack, String::as_str);
        let key = self.keys.get(id)?;
        let presented = presented.filter(|p| !p.is_empty())?;
        if !same(&digest(presented), key) {
            return None;
        }
        self.details.get(&(id.to_string(), logical.to_string())).cloned()
    }
}

fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// Compares in time independent of where the first difference is.
fn same(a: &[u8; 32], b: &[u8; 32]) -> bool {
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_the_stacks_token_reads_its_metadata() {
        let mut p = Published::default();
        p.publish("st-1", "web", "Vm", "right-token", json!({"a": 1}));
        assert_eq!(p.read("st-1", "Vm", Some("right-token")), Some(json!({"a": 1})));
        assert_eq!(
            p.read("web", "Vm", Some("right-token")),
            Some(json!({"a": 1})),
            "by name"
        );
        assert_eq!(p.read("web", "Vm", Some("wrong-token")), None);
        assert_eq!(p.read("web", "Vm", None), None);
        assert_eq!(p.read("web", "Vm", Some("")), None);
        assert_eq!(p.read("web", "Nope", Some("right-token")), None);
        assert_eq!(p.read("other", "Vm", Some("right-token")), None);
    }
}
