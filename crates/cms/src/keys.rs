//! `cms keys add|reseal|retire`: rotating the encryption keys of personal
//! data without taking the service down.
//!
//! 1. `add` puts a new key in the key file and makes it the one that seals;
//!    the old key stays, so everything sealed so far still opens.
//! 2. Restart (or roll) the service so it reads the new file.
//! 3. `reseal` opens and re-seals every case's parties with the new key,
//!    one case per transaction, while the service runs; each case's search
//!    index (blind-index tokens, made with the active key) is rewritten with
//!    them, and a case whose index is missing (written before there was
//!    one) is indexed.
//! 4. `retire --id N` removes the old key once nothing is sealed with it.

use std::path::Path;
use std::process::ExitCode;

use audit_log::{Action, AuditRecord};
use case_records::{SealedParty, open_parties, seal_parties};
use field_crypto::{KeyId, KeyRing, sealed_key};

use web::Environment;

use crate::finish;
use crate::serve::{parse_database_url, write_private};

fn read_table(path: &Path) -> Result<toml::Table, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the key file {}: {e}", path.display()))?;
    text.parse::<toml::Table>()
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// Replaces the key file whole: a copy is written beside it and renamed
/// over it, so a crash leaves the old file or the new one.
pub(crate) fn replace_key_file(path: &Path, table: &toml::Table) -> Result<(), String> {
    let text = format!(
        "# Encryption keys for personal data. Keep a copy apart from the database\n\
         # and its backups: without it the personal data cannot be read.\n{}",
        toml::to_string(table).map_err(|e| e.to_string())?
    );
    KeyRing::from_toml(&text).map_err(|e| format!("refusing to write unusable keys: {e}"))?;
    let staging = path.with_extension("toml.new");
    let _ = std::fs::remove_file(&staging);
    write_private(&staging, &text)
        .map_err(|e| format!("cannot write {}: {e}", staging.display()))?;
    std::fs::rename(&staging, path).map_err(|e| e.to_string())
}

fn keys_of(table: &mut toml::Table) -> Result<&mut toml::Table, String> {
    table
        .get_mut("keys")
        .and_then(toml::Value::as_table_mut)
        .ok_or_else(|| "the key file has no [keys]".to_owned())
}

/// Adds a fresh key to `table` and makes it active: a random id not in
/// use (so a replaced file can never pass for the old one) and 32 random
/// bytes. Returns its id.
pub(crate) fn add_active_key(table: &mut toml::Table) -> Result<u64, String> {
    if !table.contains_key("keys") {
        table.insert("keys".to_owned(), toml::Value::Table(toml::Table::new()));
    }
    let keys = keys_of(table)?;
    let id = loop {
        let candidate = crate::clock::random_u64() % 0xFFFF_FFFE + 1;
        if !keys.contains_key(&candidate.to_string()) {
            break candidate;
        }
    };
    keys.insert(
        id.to_string(),
        toml::Value::String(crate::clock::System.secret_hex()),
    );
    table.insert(
        "active".to_owned(),
        toml::Value::Integer(i64::try_from(id).expect("below 2^32")),
    );
    Ok(id)
}

pub fn add(keys_file: &Path) -> ExitCode {
    let result = (|| {
        let mut table = read_table(keys_file)?;
        let id = add_active_key(&mut table)?;
        replace_key_file(keys_file, &table)?;
        Ok(format!(
            "key {id} added and made active; the older keys stay for opening. Restart the service, then run `cms keys reseal`."
        ))
    })();
    finish("keys add", result)
}

fn open_store_and_ring(
    keys_file: &Path,
    database_url: &str,
) -> Result<(KeyRing, crate::serve::DatabaseLocation), String> {
    let text = std::fs::read_to_string(keys_file)
        .map_err(|e| format!("cannot read the key file {}: {e}", keys_file.display()))?;
    let ring = KeyRing::from_toml(&text).map_err(|e| e.to_string())?;
    Ok((ring, parse_database_url(database_url)?))
}

pub fn reseal(keys_file: &Path, database_url: &str) -> ExitCode {
    let result = open_store_and_ring(keys_file, database_url).and_then(|(ring, location)| {
        let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
        runtime.block_on(async {
            let store = location.open().await?;
            let mut resealed = 0usize;
            let cases = store.case_references().await.map_err(|e| e.to_string())?;
            for case in &cases {
                // A case is rewritten when a field was sealed with another
                // key, or when its search index is not what the active key
                // makes of it (made with an older key, or written before
                // the index existed): the blind-index tokens are made with
                // the seal, so they move to the new key together.
                let transform =
                    |current: &[SealedParty]| -> Result<Option<Vec<SealedParty>>, String> {
                        if current.is_empty() {
                            return Ok(None);
                        }
                        let stale = current
                            .iter()
                            .flat_map(|p| &p.fields)
                            .any(|(_, sealed)| ring.needs_resealing(sealed).unwrap_or(true));
                        let parties =
                            open_parties(*case, current, &ring).map_err(|e| e.to_string())?;
                        let resealed = seal_parties(&parties, &ring, &mut || {
                            crate::clock::System.nonce()
                        });
                        let index_stale = resealed.len() != current.len()
                            || resealed.iter().any(|fresh| {
                                current
                                    .iter()
                                    .find(|stored| stored.party == fresh.party)
                                    .is_none_or(|stored| stored.search_tokens != fresh.search_tokens)
                            });
                        Ok((stale || index_stale).then_some(resealed))
                    };
                let audit = AuditRecord {
                    at_unix_seconds: crate::clock::now_unix_seconds(),
                    actor: "system".to_owned(),
                    role: "service".to_owned(),
                    action: Action::Changed,
                    case: Some(case.to_string()),
                    fields: vec!["resealed".to_owned()],
                    reason: Some(format!("key rotation to key {}", ring.active().0)),
                    count: 1,
                };
                if store
                    .transform_parties(case, &transform, audit)
                    .await
                    .map_err(|e| format!("case {case}: {e}"))?
                {
                    resealed += 1;
                }
            }
            store.close().await;
            Ok(format!(
                "{resealed} of {} cases re-sealed with key {} (and their search index made with it)",
                cases.len(),
                ring.active().0
            ))
        })
    });
    finish("keys reseal", result)
}

pub fn retire(keys_file: &Path, database_url: &str, id: u32) -> ExitCode {
    let result = open_store_and_ring(keys_file, database_url).and_then(|(ring, location)| {
        if ring.active() == KeyId(id) {
            return Err(format!("key {id} is the active key; add a new one first"));
        }
        if !ring.has_key(KeyId(id)) {
            return Err(format!("there is no key {id} in {}", keys_file.display()));
        }
        let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
        let still_used = runtime.block_on(async {
            let store = location.open().await?;
            let mut still_used = 0usize;
            for case in store.case_references().await.map_err(|e| e.to_string())? {
                let parties = store.parties(&case).await.map_err(|e| e.to_string())?;
                if parties.iter().flat_map(|p| &p.fields).any(|(_, sealed)| sealed_key(sealed) == Ok(KeyId(id))) {
                    still_used += 1;
                }
            }
            store.close().await;
            Ok::<usize, String>(still_used)
        })?;
        if still_used > 0 {
            return Err(format!("{still_used} cases still have data sealed with key {id}; run `cms keys reseal` first"));
        }
        let mut table = read_table(keys_file)?;
        keys_of(&mut table)?.remove(&id.to_string());
        replace_key_file(keys_file, &table)?;
        Ok(format!("key {id} retired: nothing is sealed with it any more"))
    });
    finish("keys retire", result)
}
