//! Encryption at rest of personal data.
//!
//! Each field (an address, a phone number, a bank account, a disclosure) is
//! sealed on its own with XChaCha20-Poly1305, an authenticated cipher. The
//! table, column and row it belongs to are bound in as associated data, so a
//! sealed value copied into another row or column fails to open rather than
//! revealing one person's address as another's. Each sealed value names the
//! key that sealed it: a [`KeyRing`] holds the active key, used to seal, and
//! older keys, used only to open, so keys rotate without downtime (add a
//! key, make it active, re-seal at leisure with [`KeyRing::needs_resealing`]).
//!
//! Searching sealed data needs the same value to give the same token, so
//! each key also derives a blind-index key ([`KeyRing::blind_index`]):
//! HMAC-SHA256 of a normalised value under a key derived from the ring's
//! key, never the value itself. A token can be compared, not reversed
//! without the key file.
//!
//! Pure: keys come from configuration text and nonces from the caller (24
//! random bytes each time, from the operating system), so nothing here reads
//! a file or a random source.

use std::collections::BTreeMap;
use std::fmt;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;

/// Labels the blind-index key derived from each key: a new version of the
/// index (another normalisation, say) takes a new label, so old and new
/// tokens can never be mistaken for each other.
const BLIND_INDEX_LABEL: &[u8] = b"cms blind index v1";

/// The layout of a sealed value: format byte, key id (4 bytes, big-endian),
/// nonce (24 bytes), then ciphertext with its 16-byte tag.
const FORMAT: u8 = 1;
const HEADER_BYTES: usize = 1 + 4 + 24;

/// Names a key in the ring.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KeyId(pub u32);

/// Where a field lives: bound into its seal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldContext<'a> {
    /// The table.
    pub table: &'a str,
    /// The column.
    pub column: &'a str,
    /// The row's key, such as a person's id.
    pub row: &'a str,
}

impl FieldContext<'_> {
    fn associated_data(&self, key: KeyId) -> Vec<u8> {
        let mut data =
            Vec::with_capacity(self.table.len() + self.column.len() + self.row.len() + 8);
        for part in [self.table, self.column, self.row] {
            data.extend_from_slice(&u32::try_from(part.len()).unwrap_or(u32::MAX).to_be_bytes());
            data.extend_from_slice(part.as_bytes());
        }
        data.extend_from_slice(&key.0.to_be_bytes());
        data
    }
}

/// Why keys could not be loaded or a value could not be opened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CryptoError {
    /// The key configuration is not as described in [`KeyRing::from_toml`].
    BadKeyConfiguration(String),
    /// The value was sealed with a key the ring does not hold: the key file
    /// is the wrong one, or a retired key was removed too soon.
    UnknownKey(KeyId),
    /// The value does not open with its key and place: it was altered, or
    /// moved from another row or column.
    Tampered,
    /// The bytes are not a sealed value at all.
    NotSealed,
}

impl fmt::Display for CryptoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CryptoError::BadKeyConfiguration(reason) => {
                write!(f, "the encryption keys are not usable: {reason}")
            }
            CryptoError::UnknownKey(KeyId(id)) => write!(
                f,
                "this value was encrypted with key {id}, which is not in the configured keys; is this the right key file?"
            ),
            CryptoError::Tampered => f.write_str(
                "this value does not authenticate: it was altered or moved from another record",
            ),
            CryptoError::NotSealed => f.write_str("this value is not an encrypted field"),
        }
    }
}

impl std::error::Error for CryptoError {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKeys {
    active: u32,
    keys: BTreeMap<String, String>,
}

/// The keys: one active for sealing, all for opening.
pub struct KeyRing {
    active: KeyId,
    ciphers: BTreeMap<KeyId, XChaCha20Poly1305>,
    /// Per key, HMAC-SHA256 keyed with the key's blind-index key
    /// (HMAC-SHA256(key, [`BLIND_INDEX_LABEL`])): never the key itself, so
    /// a token says nothing about the sealing key.
    index_macs: BTreeMap<KeyId, Hmac<Sha256>>,
}

impl fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ids: Vec<u32> = self.ciphers.keys().map(|k| k.0).collect();
        write!(f, "KeyRing {{ active: {}, keys: {ids:?} }}", self.active.0)
    }
}

impl KeyRing {
    /// Reads keys from configuration text:
    ///
    /// ```toml
    /// active = 2
    /// [keys]
    /// 1 = "64 hex digits"
    /// 2 = "64 hex digits"
    /// ```
    ///
    /// # Errors
    /// Malformed text, a key that is not 32 bytes of hex, or an active key
    /// that is not listed.
    pub fn from_toml(text: &str) -> Result<KeyRing, CryptoError> {
        let bad = |reason: String| CryptoError::BadKeyConfiguration(reason);
        let raw: RawKeys = toml::from_str(text).map_err(|e| bad(e.to_string()))?;
        let mut ciphers = BTreeMap::new();
        let mut index_macs = BTreeMap::new();
        for (id, hex) in &raw.keys {
            let id: u32 = id
                .parse()
                .map_err(|_| bad(format!("key id `{id}` is not a number")))?;
            let key =
                decode_key(hex).ok_or_else(|| bad(format!("key {id} is not 64 hex digits")))?;
            ciphers.insert(KeyId(id), XChaCha20Poly1305::new(&key.into()));
            index_macs.insert(KeyId(id), index_mac(&key));
        }
        let active = KeyId(raw.active);
        if !ciphers.contains_key(&active) {
            return Err(bad(format!(
                "the active key {} is not listed under [keys]",
                raw.active
            )));
        }
        Ok(KeyRing {
            active,
            ciphers,
            index_macs,
        })
    }

    /// Whether the ring holds key `id`.
    #[must_use]
    pub fn has_key(&self, id: KeyId) -> bool {
        self.ciphers.contains_key(&id)
    }

    /// The key new values are sealed with.
    #[must_use]
    pub fn active(&self) -> KeyId {
        self.active
    }

    /// Every key in the ring, the active one first: a search asks for the
    /// tokens of each, so what was indexed before a rotation is still found
    /// until it is re-sealed.
    #[must_use]
    pub fn key_ids(&self) -> Vec<KeyId> {
        let mut ids = vec![self.active];
        ids.extend(self.ciphers.keys().copied().filter(|id| *id != self.active));
        ids
    }

    /// The blind-index token of `message` in `domain` (what kind of value
    /// it is, so a postcode and a phone number never share a token) under
    /// key `key`: HMAC-SHA256, keyed with HMAC-SHA256(key, "cms blind index
    /// v1"), of the domain's length (4 bytes, big-endian), the domain and
    /// the message. The same value gives the same token under the same key;
    /// without the key file the token tells nothing of the value. `None`
    /// for a key not in the ring.
    #[must_use]
    pub fn blind_index(&self, key: KeyId, domain: &str, message: &[u8]) -> Option<[u8; 32]> {
        let mut mac = self.index_macs.get(&key)?.clone();
        mac.update(
            &u32::try_from(domain.len())
                .unwrap_or(u32::MAX)
                .to_be_bytes(),
        );
        mac.update(domain.as_bytes());
        mac.update(message);
        Some(mac.finalize().into_bytes().into())
    }

    /// Seals `plaintext` for `context` with the active key and `nonce`,
    /// which must be 24 fresh random bytes: never reuse one.
    ///
    /// # Panics
    /// Only if the cipher refuses a message under 256 GiB, which it does not.
    #[must_use]
    pub fn seal(&self, context: &FieldContext<'_>, plaintext: &[u8], nonce: [u8; 24]) -> Vec<u8> {
        let cipher = &self.ciphers[&self.active];
        let aad = context.associated_data(self.active);
        let ciphertext = cipher
            .encrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: plaintext,
                    aad: &aad,
                },
            )
            .expect("XChaCha20-Poly1305 seals any message this size");
        let mut sealed = Vec::with_capacity(HEADER_BYTES + ciphertext.len());
        sealed.push(FORMAT);
        sealed.extend_from_slice(&self.active.0.to_be_bytes());
        sealed.extend_from_slice(&nonce);
        sealed.extend_from_slice(&ciphertext);
        sealed
    }

    /// Opens a sealed value for `context`.
    ///
    /// # Errors
    /// Not a sealed value, a key not in the ring, or a value altered or
    /// moved from another place.
    pub fn open(&self, context: &FieldContext<'_>, sealed: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let key = sealed_key(sealed)?;
        let cipher = self.ciphers.get(&key).ok_or(CryptoError::UnknownKey(key))?;
        let nonce =
            XNonce::try_from(&sealed[5..HEADER_BYTES]).map_err(|_| CryptoError::NotSealed)?;
        let aad = context.associated_data(key);
        cipher
            .decrypt(
                &nonce,
                Payload {
                    msg: &sealed[HEADER_BYTES..],
                    aad: &aad,
                },
            )
            .map_err(|_| CryptoError::Tampered)
    }

    /// Whether a sealed value was sealed with a key other than the active
    /// one, so a rotation job should open and re-seal it.
    ///
    /// # Errors
    /// Not a sealed value.
    pub fn needs_resealing(&self, sealed: &[u8]) -> Result<bool, CryptoError> {
        Ok(sealed_key(sealed)? != self.active)
    }
}

/// The key a value was sealed with.
///
/// # Errors
/// Not a sealed value.
pub fn sealed_key(sealed: &[u8]) -> Result<KeyId, CryptoError> {
    if sealed.len() < HEADER_BYTES + 16 || sealed[0] != FORMAT {
        return Err(CryptoError::NotSealed);
    }
    let id: [u8; 4] = sealed[1..5].try_into().expect("four bytes");
    Ok(KeyId(u32::from_be_bytes(id)))
}

/// HMAC-SHA256 keyed with the blind-index key derived from `key`.
fn index_mac(key: &[u8; 32]) -> Hmac<Sha256> {
    let mut derive = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    derive.update(BLIND_INDEX_LABEL);
    let index_key: [u8; 32] = derive.finalize().into_bytes().into();
    Hmac::<Sha256>::new_from_slice(&index_key).expect("HMAC takes any key length")
}

fn decode_key(hex: &str) -> Option<[u8; 32]> {
    if hex.len() != 64 || !hex.is_ascii() {
        return None;
    }
    let mut key = [0u8; 32];
    for (index, byte) in key.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[index * 2..index * 2 + 2], 16).ok()?;
    }
    Some(key)
}
