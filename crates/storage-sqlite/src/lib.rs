//! The embedded SQLite store, the service's default.
//!
//! [`SqliteStore::open`] creates the file (and its folder) if needed,
//! switches on write-ahead logging, `synchronous=FULL` and foreign keys, and
//! applies every migration not yet applied, each in its own transaction with
//! its checksum recorded, so a crash mid-way leaves the schema as before or
//! as after. A migration edited after it was applied is refused.

use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::str::FromStr;
use std::time::Duration;

use audit_log::{AuditRecord, ChainedEntry};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use sqlx::{Connection, Row};
use storage_api::{AuditRow, Migration, StorageError, Store, StoreFuture, audit_columns, checksum};

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

fn database_error(error: sqlx::Error) -> StorageError {
    StorageError::Database(error.to_string())
}

/// An open, migrated SQLite database.
#[derive(Clone, Debug)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens the database file at `path`, creating it and its folder if
    /// needed, and applies outstanding migrations.
    ///
    /// # Errors
    /// The folder or file cannot be created, or a migration fails.
    pub async fn open(path: &Path) -> Result<SqliteStore, StorageError> {
        if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(folder).map_err(|source| StorageError::Folder {
                path: folder.to_owned(),
                source,
            })?;
        }
        let options = SqliteConnectOptions::from_str("sqlite://")
            .map_err(database_error)?
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
            .await
            .map_err(database_error)?;
        let store = SqliteStore { pool };
        store.migrate().await?;
        Ok(store)
    }

    async fn migrate(&self) -> Result<(), StorageError> {
        let mut connection = self.pool.acquire().await.map_err(database_error)?;
        sqlx::raw_sql(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                version INTEGER PRIMARY KEY NOT NULL,
                name TEXT NOT NULL,
                checksum TEXT NOT NULL,
                applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
            )",
        )
        .execute(&mut *connection)
        .await
        .map_err(database_error)?;
        for migration in MIGRATIONS {
            let checksum = checksum(migration.sql);
            let mut transaction = connection
                .begin_with("BEGIN IMMEDIATE")
                .await
                .map_err(database_error)?;
            let applied: Option<String> =
                sqlx::query("SELECT checksum FROM schema_migrations WHERE version = ?")
                    .bind(migration.version)
                    .fetch_optional(&mut *transaction)
                    .await
                    .map_err(database_error)?
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
                .await
                .map_err(database_error)?;
            sqlx::query("INSERT INTO schema_migrations (version, name, checksum) VALUES (?, ?, ?)")
                .bind(migration.version)
                .bind(migration.name)
                .bind(&checksum)
                .execute(&mut *transaction)
                .await
                .map_err(database_error)?;
            transaction.commit().await.map_err(database_error)?;
        }
        Ok(())
    }

    async fn append(&self, record: AuditRecord) -> Result<ChainedEntry, StorageError> {
        let mut connection = self.pool.acquire().await.map_err(database_error)?;
        // The write lock is taken before the head is read, so two writers
        // cannot both chain onto the same entry.
        let mut transaction = connection
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(database_error)?;
        let head = sqlx::query(concat!(
            "SELECT ",
            audit_columns!(),
            " FROM audit_log ORDER BY sequence DESC LIMIT 1"
        ))
        .fetch_optional(&mut *transaction)
        .await
        .map_err(database_error)?;
        let previous = head.map(|row| audit_row(&row).into_entry()).transpose()?;
        let entry = audit_log::chain(previous.as_ref(), record);
        let row = AuditRow::from_entry(&entry);
        sqlx::query(concat!(
            "INSERT INTO audit_log (",
            audit_columns!(),
            ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        ))
        .bind(row.sequence)
        .bind(row.at_unix_seconds)
        .bind(row.actor)
        .bind(row.role)
        .bind(row.action)
        .bind(row.case_reference)
        .bind(row.fields)
        .bind(row.reason)
        .bind(row.count)
        .bind(row.previous_hash)
        .bind(row.hash)
        .execute(&mut *transaction)
        .await
        .map_err(database_error)?;
        transaction.commit().await.map_err(database_error)?;
        Ok(entry)
    }
}

fn audit_row(row: &SqliteRow) -> AuditRow {
    AuditRow {
        sequence: row.get(0),
        at_unix_seconds: row.get(1),
        actor: row.get(2),
        role: row.get(3),
        action: row.get(4),
        case_reference: row.get(5),
        fields: row.get(6),
        reason: row.get(7),
        count: row.get(8),
        previous_hash: row.get(9),
        hash: row.get(10),
    }
}

impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    fn check(&self) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            sqlx::query("SELECT 1")
                .fetch_one(&self.pool)
                .await
                .map_err(database_error)?;
            Ok(())
        })
    }

    fn applied_migrations(&self) -> StoreFuture<'_, Vec<(i64, String)>> {
        Box::pin(async move {
            let rows = sqlx::query("SELECT version, name FROM schema_migrations ORDER BY version")
                .fetch_all(&self.pool)
                .await
                .map_err(database_error)?;
            Ok(rows.iter().map(|row| (row.get(0), row.get(1))).collect())
        })
    }

    fn record_parameter_set<'a>(
        &'a self,
        version: &'a str,
        files_json: &'a str,
    ) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let result = sqlx::query(
                "INSERT INTO parameter_sets (version, files_json) VALUES (?, ?) ON CONFLICT (version) DO NOTHING",
            )
            .bind(version)
            .bind(files_json)
            .execute(&self.pool)
            .await
            .map_err(database_error)?;
            Ok(result.rows_affected() == 1)
        })
    }

    fn parameter_set_files<'a>(&'a self, version: &'a str) -> StoreFuture<'a, Option<String>> {
        Box::pin(async move {
            Ok(
                sqlx::query("SELECT files_json FROM parameter_sets WHERE version = ?")
                    .bind(version)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(database_error)?
                    .map(|row| row.get(0)),
            )
        })
    }

    fn append_audit(&self, record: AuditRecord) -> StoreFuture<'_, ChainedEntry> {
        Box::pin(self.append(record))
    }

    fn audit_entries(&self) -> StoreFuture<'_, Vec<ChainedEntry>> {
        Box::pin(async move {
            let rows = sqlx::query(concat!(
                "SELECT ",
                audit_columns!(),
                " FROM audit_log ORDER BY sequence"
            ))
            .fetch_all(&self.pool)
            .await
            .map_err(database_error)?;
            rows.iter().map(|row| audit_row(row).into_entry()).collect()
        })
    }

    fn close(&self) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        Box::pin(self.pool.close())
    }
}
