//! The storage interface.
//!
//! [`Store`] speaks only domain types; there is no SQL in its signatures, so
//! the service above it does not know which database it runs on. Each
//! back-end (`storage-sqlite`, `storage-postgres`) implements it and passes
//! the one conformance suite (`storage-conformance`). The trait returns
//! boxed futures so that it can be used as `dyn Store`, chosen at start-up
//! from `DATABASE_URL`.
//!
//! Every row the service will store is keyed by case where it belongs to
//! one, so the data can later be sharded by case.

use std::fmt;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;

use audit_log::{Action, AuditRecord, ChainedEntry, Hash, from_hex, to_hex};

/// What a store operation returns.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StorageError>> + Send + 'a>>;

/// A database the service can run on.
pub trait Store: Send + Sync {
    /// `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;

    /// Answers whether the database can be reached now.
    fn check(&self) -> StoreFuture<'_, ()>;

    /// The migrations applied, by number and name.
    fn applied_migrations(&self) -> StoreFuture<'_, Vec<(i64, String)>>;

    /// Records the parameter files behind `version` once; returns whether it
    /// was new. Recording the same version again changes nothing.
    fn record_parameter_set<'a>(
        &'a self,
        version: &'a str,
        files_json: &'a str,
    ) -> StoreFuture<'a, bool>;

    /// The parameter files recorded for `version`.
    fn parameter_set_files<'a>(&'a self, version: &'a str) -> StoreFuture<'a, Option<String>>;

    /// Appends to the audit log, chained to the entry before it; concurrent
    /// appends never chain onto the same entry.
    fn append_audit(&self, record: AuditRecord) -> StoreFuture<'_, ChainedEntry>;

    /// Every audit entry in sequence order.
    fn audit_entries(&self) -> StoreFuture<'_, Vec<ChainedEntry>>;

    /// Closes every connection.
    fn close(&self) -> Pin<Box<dyn Future<Output = ()> + Send + '_>>;
}

/// Why a store operation failed.
#[derive(Debug)]
pub enum StorageError {
    /// The folder for a database file could not be made.
    Folder {
        /// The folder.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// A migration applied earlier differs from the one in this binary.
    MigrationChanged {
        /// Its number.
        version: i64,
    },
    /// A stored audit entry cannot be read back: a sign of tampering.
    UnreadableAuditEntry {
        /// The entry.
        sequence: i64,
    },
    /// The database reported an error.
    Database(String),
}

impl fmt::Display for StorageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StorageError::Folder { path, source } => {
                write!(
                    f,
                    "cannot create the database folder {}: {source}",
                    path.display()
                )
            }
            StorageError::MigrationChanged { version } => write!(
                f,
                "migration {version} in the database differs from the one in this program; refusing to continue"
            ),
            StorageError::UnreadableAuditEntry { sequence } => {
                write!(
                    f,
                    "audit entry {sequence} cannot be read back: it has been tampered with"
                )
            }
            StorageError::Database(message) => write!(f, "database error: {message}"),
        }
    }
}

impl std::error::Error for StorageError {}

/// A migration: its number, name and SQL, compiled into the binary. Each
/// back-end has its own SQL under the same numbers and names.
#[derive(Clone, Copy, Debug)]
pub struct Migration {
    /// Its number, from 1.
    pub version: i64,
    /// Its name.
    pub name: &'static str,
    /// The SQL.
    pub sql: &'static str,
}

/// FNV-1a of a migration's text: enough to notice an edit, not a security
/// measure.
#[must_use]
pub fn checksum(sql: &str) -> String {
    let hash = sql.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    format!("{hash:016x}")
}

/// An audit entry as columns, in the order both back-ends store them:
/// sequence, at, actor, role, action, case, fields, reason, count,
/// previous hash, hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditRow {
    /// The entry's sequence.
    pub sequence: i64,
    /// Seconds since the epoch.
    pub at_unix_seconds: i64,
    /// Who.
    pub actor: String,
    /// Role.
    pub role: String,
    /// The action's code.
    pub action: String,
    /// The case reference.
    pub case_reference: Option<String>,
    /// Field names, one per line.
    pub fields: String,
    /// Why.
    pub reason: Option<String>,
    /// How many identical records.
    pub count: i64,
    /// Hex.
    pub previous_hash: String,
    /// Hex.
    pub hash: String,
}

/// The column list of [`AuditRow`], as a literal for `concat!` so that
/// queries stay static text.
#[macro_export]
macro_rules! audit_columns {
    () => {
        "sequence, at_unix_seconds, actor, role, action, case_reference, fields, reason, count, previous_hash, hash"
    };
}

impl AuditRow {
    /// The row for an entry.
    ///
    /// # Panics
    /// Beyond 2^63 entries.
    #[must_use]
    pub fn from_entry(entry: &ChainedEntry) -> AuditRow {
        let record = &entry.record;
        AuditRow {
            sequence: i64::try_from(entry.sequence).expect("fewer than 2^63 entries"),
            at_unix_seconds: record.at_unix_seconds,
            actor: record.actor.clone(),
            role: record.role.clone(),
            action: record.action.code().to_owned(),
            case_reference: record.case.clone(),
            fields: record.fields.join("\n"),
            reason: record.reason.clone(),
            count: i64::from(record.count),
            previous_hash: to_hex(&entry.previous_hash),
            hash: to_hex(&entry.hash),
        }
    }

    /// The entry a row holds.
    ///
    /// # Errors
    /// An unknown action, a count or hash that cannot be read: tampering.
    pub fn into_entry(self) -> Result<ChainedEntry, StorageError> {
        let sequence = self.sequence;
        let unreadable = || StorageError::UnreadableAuditEntry { sequence };
        let hash =
            |text: &str| -> Result<Hash, StorageError> { from_hex(text).ok_or_else(unreadable) };
        Ok(ChainedEntry {
            sequence: u64::try_from(sequence).map_err(|_| unreadable())?,
            previous_hash: hash(&self.previous_hash)?,
            hash: hash(&self.hash)?,
            record: AuditRecord {
                at_unix_seconds: self.at_unix_seconds,
                actor: self.actor,
                role: self.role,
                action: Action::from_code(&self.action).ok_or_else(unreadable)?,
                case: self.case_reference,
                fields: if self.fields.is_empty() {
                    Vec::new()
                } else {
                    self.fields.split('\n').map(str::to_owned).collect()
                },
                reason: self.reason,
                count: u32::try_from(self.count).map_err(|_| unreadable())?,
            },
        })
    }
}
