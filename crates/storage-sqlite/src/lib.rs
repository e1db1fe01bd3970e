//! The embedded SQLite store.
//!
//! [`Database::open`] creates the file (and its folder) if needed, switches
//! on write-ahead logging and foreign keys, and applies every migration not
//! yet applied, each in its own transaction with its checksum recorded, so a
//! crash mid-way leaves the schema as before or as after. A migration edited
//! after it was applied is refused rather than silently skipped.
//!
//! Later work (cases, ledger) puts a narrow storage interface in front of
//! this and a PostgreSQL twin behind it; see ARCHITECTURE.md.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use audit_log::{Action, AuditRecord, ChainedEntry, from_hex, to_hex};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Connection, Row};

/// A migration: its number, name and SQL, compiled into the binary.
struct Migration {
    version: i64,
    name: &'static str,
    sql: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "parameter_sets",
        sql: include_str!("../migrations/0001_parameter_sets.sql"),
    },
    Migration {
        version: 2,
        name: "audit_log",
        sql: include_str!("../migrations/0002_audit_log.sql"),
    },
];

/// Why the store failed.
#[derive(Debug)]
pub enum StorageError {
    /// The folder for the database file could not be made.
    Folder {
        /// The folder.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// A stored audit entry cannot be read back (an unknown action or a
    /// malformed hash): itself a sign of tampering.
    UnreadableAuditEntry {
        /// The entry.
        sequence: i64,
    },
    /// A migration applied earlier differs from the one in this binary.
    MigrationChanged {
        /// Its number.
        version: i64,
    },
    /// The database reported an error.
    Database(sqlx::Error),
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
            StorageError::Database(error) => write!(f, "database error: {error}"),
        }
    }
}

impl std::error::Error for StorageError {}

impl From<sqlx::Error> for StorageError {
    fn from(error: sqlx::Error) -> Self {
        StorageError::Database(error)
    }
}

/// An open, migrated SQLite database.
#[derive(Clone, Debug)]
pub struct Database {
    pool: SqlitePool,
}

impl Database {
    /// Opens the database file at `path`, creating it and its folder if
    /// needed, and applies outstanding migrations.
    ///
    /// # Errors
    /// The folder or file cannot be created, or a migration fails.
    pub async fn open(path: &Path) -> Result<Database, StorageError> {
        if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(folder).map_err(|source| StorageError::Folder {
                path: folder.to_owned(),
                source,
            })?;
        }
        let options = SqliteConnectOptions::from_str("sqlite://")?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: a committed write survives power loss, not just a crash.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await?;
        let database = Database { pool };
        database.migrate().await?;
        Ok(database)
    }

    async fn migrate(&self) -> Result<(), StorageError> {
        let mut connection = self.pool.acquire().await?;
        sqlx::raw_sql(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                version INTEGER PRIMARY KEY NOT NULL,
                name TEXT NOT NULL,
                checksum TEXT NOT NULL,
                applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
            )",
        )
        .execute(&mut *connection)
        .await?;
        for migration in MIGRATIONS {
            let checksum = checksum(migration.sql);
            let mut transaction = connection.begin().await?;
            let applied: Option<String> =
                sqlx::query("SELECT checksum FROM schema_migrations WHERE version = ?")
                    .bind(migration.version)
                    .fetch_optional(&mut *transaction)
                    .await?
                    .map(|row| row.get(0));
            match applied {
                Some(existing) if existing == checksum => continue,
                Some(_) => {
                    return Err(StorageError::MigrationChanged {
                        version: migration.version,
                    });
                }
                None => {}
            }
            sqlx::raw_sql(migration.sql)
                .execute(&mut *transaction)
                .await?;
            sqlx::query("INSERT INTO schema_migrations (version, name, checksum) VALUES (?, ?, ?)")
                .bind(migration.version)
                .bind(migration.name)
                .bind(&checksum)
                .execute(&mut *transaction)
                .await?;
            transaction.commit().await?;
        }
        Ok(())
    }

    /// The migrations applied, by number and name.
    ///
    /// # Errors
    /// The database cannot be read.
    pub async fn applied_migrations(&self) -> Result<Vec<(i64, String)>, StorageError> {
        let rows = sqlx::query("SELECT version, name FROM schema_migrations ORDER BY version")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(|row| (row.get(0), row.get(1))).collect())
    }

    /// Answers whether the database can be read now.
    ///
    /// # Errors
    /// The database cannot be reached.
    pub async fn check(&self) -> Result<(), StorageError> {
        sqlx::query("SELECT 1").fetch_one(&self.pool).await?;
        Ok(())
    }

    /// Records the parameter files behind `version`, once; recording the
    /// same version again changes nothing. Returns whether it was new.
    ///
    /// # Errors
    /// The database cannot be written.
    pub async fn record_parameter_set(
        &self,
        version: &str,
        files_json: &str,
    ) -> Result<bool, StorageError> {
        let result = sqlx::query("INSERT INTO parameter_sets (version, files_json) VALUES (?, ?) ON CONFLICT (version) DO NOTHING")
            .bind(version)
            .bind(files_json)
            .execute(&self.pool)
            .await?;
        Ok(result.rows_affected() == 1)
    }

    /// The parameter files recorded for `version`, if any.
    ///
    /// # Errors
    /// The database cannot be read.
    pub async fn parameter_set_files(&self, version: &str) -> Result<Option<String>, StorageError> {
        Ok(
            sqlx::query("SELECT files_json FROM parameter_sets WHERE version = ?")
                .bind(version)
                .fetch_optional(&self.pool)
                .await?
                .map(|row| row.get(0)),
        )
    }

    /// Appends `record` to the audit log, chained to the entry before it.
    /// The write lock is taken before the head is read (`BEGIN IMMEDIATE`),
    /// so two writers cannot both chain onto the same entry.
    ///
    /// # Errors
    /// The database cannot be written.
    pub async fn append_audit(&self, record: AuditRecord) -> Result<ChainedEntry, StorageError> {
        let mut connection = self.pool.acquire().await?;
        let mut transaction = connection.begin_with("BEGIN IMMEDIATE").await?;
        let head = sqlx::query(AUDIT_SELECT_HEAD)
            .fetch_optional(&mut *transaction)
            .await?;
        let previous = head.map(|row| audit_entry(&row)).transpose()?;
        let entry = audit_log::chain(previous.as_ref(), record);
        let record = &entry.record;
        sqlx::query(AUDIT_INSERT)
            .bind(i64::try_from(entry.sequence).expect("fewer than 2^63 entries"))
            .bind(record.at_unix_seconds)
            .bind(&record.actor)
            .bind(&record.role)
            .bind(record.action.code())
            .bind(&record.case)
            .bind(record.fields.join("\n"))
            .bind(&record.reason)
            .bind(i64::from(record.count))
            .bind(to_hex(&entry.previous_hash))
            .bind(to_hex(&entry.hash))
            .execute(&mut *transaction)
            .await?;
        transaction.commit().await?;
        Ok(entry)
    }

    /// Every audit entry, in sequence order.
    ///
    /// # Errors
    /// The database cannot be read, or an entry cannot be read back.
    pub async fn audit_entries(&self) -> Result<Vec<ChainedEntry>, StorageError> {
        let rows = sqlx::query(AUDIT_SELECT_ALL).fetch_all(&self.pool).await?;
        rows.iter().map(audit_entry).collect()
    }

    /// Closes every connection.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// The audit columns, in the order `audit_entry` reads them.
macro_rules! audit_columns {
    () => {
        "sequence, at_unix_seconds, actor, role, action, case_reference, fields, reason, count, previous_hash, hash"
    };
}
const AUDIT_INSERT: &str = concat!(
    "INSERT INTO audit_log (",
    audit_columns!(),
    ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
);
const AUDIT_SELECT_HEAD: &str = concat!(
    "SELECT ",
    audit_columns!(),
    " FROM audit_log ORDER BY sequence DESC LIMIT 1"
);
const AUDIT_SELECT_ALL: &str = concat!(
    "SELECT ",
    audit_columns!(),
    " FROM audit_log ORDER BY sequence"
);

fn audit_entry(row: &sqlx::sqlite::SqliteRow) -> Result<ChainedEntry, StorageError> {
    let sequence: i64 = row.get(0);
    let unreadable = || StorageError::UnreadableAuditEntry { sequence };
    let fields: String = row.get(6);
    let count: i64 = row.get(8);
    let action: String = row.get(4);
    let previous_hash: String = row.get(9);
    let hash: String = row.get(10);
    Ok(ChainedEntry {
        sequence: u64::try_from(sequence).map_err(|_| unreadable())?,
        record: AuditRecord {
            at_unix_seconds: row.get(1),
            actor: row.get(2),
            role: row.get(3),
            action: Action::from_code(&action).ok_or_else(unreadable)?,
            case: row.get(5),
            fields: if fields.is_empty() {
                Vec::new()
            } else {
                fields.split('\n').map(str::to_owned).collect()
            },
            reason: row.get(7),
            count: u32::try_from(count).map_err(|_| unreadable())?,
        },
        previous_hash: from_hex(&previous_hash).ok_or_else(unreadable)?,
        hash: from_hex(&hash).ok_or_else(unreadable)?,
    })
}

/// FNV-1a of a migration's text: enough to notice an edit, not a security
/// measure.
fn checksum(sql: &str) -> String {
    let hash = sql.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    format!("{hash:016x}")
}
