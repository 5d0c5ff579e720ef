//! API tokens: `stk_<id>_<secret>`. The id finds the token's row; the secret is kept only as an
//! argon2id hash (PHC string), so the database cannot hand out a working token. A token verified once
//! is remembered in this process by the SHA-256 of its secret, so that later requests cost one row
//! read (still made on every request, so a revoked token stops working at once) and no argon2 run.

use std::collections::HashMap;
use std::sync::Mutex;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use sha2::{Digest, Sha256};

use crate::sealing::{random_bytes, SealError};

/// A token as handed to its user once: its id and the whole token (a secret).
pub struct NewToken {
    /// The id (public: shown in lists, used to revoke).
    pub id: String,
    /// The whole token, `stk_<id>_<secret>`.
    pub token: String,
    /// The argon2id hash of its secret, for the database.
    pub hash: String,
}

impl std::fmt::Debug for NewToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewToken").field("id", &self.id).finish_non_exhaustive()
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Makes a new token.
pub fn new_token() -> Result<NewToken, SealError> {
    let id = hex(&random_bytes::<8>()?);
    let secret = hex(&random_bytes::<20>()?);
    let salt = SaltString::encode_b64(&random_bytes::<16>()?).map_err(|e| SealError::Random(e.to_string()))?;
    let hash = Argon2::default()
        .hash_password(secret.as_bytes(), &salt)
        .map_err(|e| SealError::Random(e.to_string()))?
        .to_string();
    Ok(NewToken {
        token: format!("stk_{id}_{secret}"),
        id,
        hash,
    })
}

/// The id and secret of a presented token, if it has the token's shape.
pub fn parse(token: &str) -> Option<(&str, &str)> {
    let rest = token.strip_prefix("stk_")?;
    let (id, secret) = rest.split_once('_')?;
    let hexy = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_hexdigit());
    (hexy(id, 16) && hexy(secret, 40)).then_some((id, secret))
}

/// Checks secrets against their stored hashes, remembering those it verified.
#[derive(Default)]
pub struct Verifier {
    verified: Mutex<HashMap<String, [u8; 32]>>,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Verifier(..)")
    }
}

impl Verifier {
    /// Whether `secret` is the one `hash` (of token `id`) was made from.
    pub fn verify(&self, id: &str, secret: &str, hash: &str) -> bool {
        let digest: [u8; 32] = Sha256::digest(format!("{hash}\0{secret}").as_bytes()).into();
        let known = self.verified.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if known.get(id).is_some_and(|d| same(d, &digest)) {
            return true;
        }
        drop(known);
        let ok = PasswordHash::new(hash)
            .is_ok_and(|parsed| Argon2::default().verify_password(secret.as_bytes(), &parsed).is_ok());
        if ok {
            self.verified
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .insert(id.to_string(), digest);
        }
        ok
    }
}

/// Compares in time independent of where the first difference is.
fn same(a: &[u8; 32], b: &[u8; 32]) -> bool {
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_verifies_against_its_hash_and_nothing_else_does() {
        let t = new_token().expect("token");
        let (id, secret) = parse(&t.token).expect("shape");
        assert_eq!(id, t.id);
        assert!(!t.hash.contains(secret));
        let v = Verifier::default();
        assert!(v.verify(id, secret, &t.hash));
        assert!(v.verify(id, secret, &t.hash), "remembered");
        let other = "0".repeat(40);
        assert!(!v.verify(id, &other, &t.hash));
        assert!(parse("stk_abc_def").is_none());
        assert!(parse("Bearer x").is_none());
        assert!(!format!("{t:?}").contains(secret));
    }
}
