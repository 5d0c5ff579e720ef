//! Secrets at rest: the owners' CloudStack secret keys and the NoEcho values of queued operations
//! are sealed (XChaCha20-Poly1305, a random nonce per value) with the service key, which comes from
//! the environment (`STACKTICIAN_KEY`, 32 bytes in base64) or a key file, and never from the
//! database. A sealed value is `v1:<base64 of nonce and ciphertext>`.

use base64::Engine as _;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

/// Why a key or a sealed value is refused.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    /// The key is not 32 bytes of base64.
    #[error("the service key {source_name} is not 32 bytes in base64 ({found}); make one with `stacktician key`")]
    BadKey {
        /// Where the key came from.
        source_name: String,
        /// What was wrong.
        found: String,
    },
    /// The key file cannot be read or written.
    #[error("the key file {path}: {message}")]
    KeyFile {
        /// The file.
        path: String,
        /// Why.
        message: String,
    },
    /// A sealed value does not open with this key (another key, or a damaged value).
    #[error("a sealed value does not open with this service key (was the key changed?)")]
    Open,
    /// The operating system gave no randomness.
    #[error("no randomness from the operating system: {0}")]
    Random(String),
}

/// The service key. Its `Debug` shows nothing of it.
#[derive(Clone)]
pub struct SealKey {
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for SealKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SealKey(..)")
    }
}

/// `n` random bytes.
pub(crate) fn random_bytes<const N: usize>() -> Result<[u8; N], SealError> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(|e| SealError::Random(e.to_string()))?;
    Ok(b)
}

/// A new key, in base64.
pub fn new_key() -> Result<String, SealError> {
    Ok(base64::engine::general_purpose::STANDARD.encode(random_bytes::<32>()?))
}

impl SealKey {
    /// The key in `text` (32 bytes in base64), read from `source_name`.
    pub fn from_base64(text: &str, source_name: &str) -> Result<Self, SealError> {
        let bad = |found: String| SealError::BadKey {
            source_name: source_name.to_string(),
            found,
        };
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .map_err(|e| bad(e.to_string()))?;
        if bytes.len() != 32 {
            return Err(bad(format!("{} bytes", bytes.len())));
        }
        let cipher = XChaCha20Poly1305::new_from_slice(&bytes).map_err(|e| bad(e.to_string()))?;
        Ok(Self { cipher })
    }

    /// The key in `path`, made there (readable by its owner only) if `create` and it does not exist.
    pub fn from_file(path: &std::path::Path, create: bool) -> Result<Self, SealError> {
        let shown = path.display().to_string();
        let failed = |e: std::io::Error| SealError::KeyFile {
            path: shown.clone(),
            message: e.to_string(),
        };
        if create && !path.exists() {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(failed)?;
            }
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut f = options.open(path).map_err(failed)?;
            std::io::Write::write_all(&mut f, format!("{}\n", new_key()?).as_bytes()).map_err(failed)?;
        }
        let text = std::fs::read_to_string(path).map_err(failed)?;
        Self::from_base64(&text, &shown)
    }

    /// `plain`, sealed.
    pub fn seal(&self, plain: &str) -> Result<String, SealError> {
        let nonce = random_bytes::<24>()?;
        let sealed = self
            .cipher
            .encrypt(XNonce::from_slice(&nonce), plain.as_bytes())
            .map_err(|_| SealError::Open)?;
        let mut all = nonce.to_vec();
        all.extend_from_slice(&sealed);
        Ok(format!("v1:{}", base64::engine::general_purpose::STANDARD.encode(all)))
    }

    /// A value sealed by [`SealKey::seal`] with this key, opened.
    pub fn open(&self, sealed: &str) -> Result<String, SealError> {
        let bytes = sealed
            .strip_prefix("v1:")
            .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
            .filter(|b| b.len() > 24)
            .ok_or(SealError::Open)?;
        let (nonce, body) = bytes.split_at(24);
        let plain = self
            .cipher
            .decrypt(XNonce::from_slice(nonce), body)
            .map_err(|_| SealError::Open)?;
        String::from_utf8(plain).map_err(|_| SealError::Open)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_with_their_key_only_and_hide_the_plain_text() {
        let key = SealKey::from_base64(&new_key().expect("key"), "test").expect("key");
        let sealed = key.seal("the secret key").expect("seal");
        assert!(!sealed.contains("secret"));
        assert_ne!(sealed, key.seal("the secret key").expect("seal"), "a nonce per value");
        assert_eq!(key.open(&sealed).expect("open"), "the secret key");
        let other = SealKey::from_base64(&new_key().expect("key"), "test").expect("key");
        assert!(matches!(other.open(&sealed), Err(SealError::Open)));
        assert!(matches!(key.open("v1:AAAA"), Err(SealError::Open)));
        assert!(SealKey::from_base64("c2hvcnQ=", "env").is_err());
        assert_eq!(format!("{key:?}"), "SealKey(..)");
    }
}
