//! `cms backup` and `cms restore` for the embedded SQLite database.
//! (PostgreSQL has its own tools: pg_dump and pg_basebackup.)

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use storage_api::Store;
use storage_sqlite::SqliteStore;

use crate::finish;
use crate::serve::{DatabaseLocation, parse_database_url};

fn sqlite_path(database_url: &str, command: &str) -> Result<PathBuf, String> {
    match parse_database_url(database_url)? {
        DatabaseLocation::Sqlite(path) => Ok(path),
        DatabaseLocation::Postgres(_) => Err(format!(
            "cms {command} handles the embedded SQLite database; for PostgreSQL use pg_dump or pg_basebackup"
        )),
    }
}

/// A consistent copy while the service runs.
pub fn backup(database_url: &str, destination: &Path) -> ExitCode {
    let result = sqlite_path(database_url, "backup").and_then(|path| {
        if !path.exists() {
            return Err(format!("there is no database at {}", path.display()));
        }
        let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
        runtime.block_on(async {
            let store = SqliteStore::open(&path).await.map_err(|e| e.to_string())?;
            let result = store
                .backup_to(destination)
                .await
                .map_err(|e| e.to_string());
            store.close().await;
            result?;
            check_copy(destination).await?;
            Ok(format!(
                "backed up {} to {}",
                path.display(),
                destination.display()
            ))
        })
    });
    finish("backup", result)
}

/// Checks a copy: SQLite's integrity check, and the audit chain verifies.
async fn check_copy(copy: &Path) -> Result<usize, String> {
    let store = SqliteStore::open(copy)
        .await
        .map_err(|e| format!("{} is not a usable database: {e}", copy.display()))?;
    let outcome = async {
        store.integrity_check().await.map_err(|e| e.to_string())?;
        let entries = store.audit_entries().await.map_err(|e| e.to_string())?;
        audit_log::verify(&entries).map_err(|e| format!("its audit log is broken: {e}"))?;
        Ok(entries.len())
    }
    .await;
    store.close().await;
    outcome
}

/// Puts a checked backup in place of the database; refuses while the
/// database is in use.
pub fn restore(database_url: &str, source: &Path) -> ExitCode {
    let result = sqlite_path(database_url, "restore").and_then(|path| {
        let mut wal = path.clone().into_os_string();
        wal.push("-wal");
        if Path::new(&wal).exists() {
            return Err(format!(
                "{} looks in use (its write-ahead log is present); stop cms serve first",
                path.display()
            ));
        }
        // Check a copy beside the target, then rename it into place: the
        // database is the old one or the restored one, never half of each.
        let staging = path.with_extension("restoring");
        let _ = std::fs::remove_file(&staging);
        if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(folder).map_err(|e| e.to_string())?;
        }
        std::fs::copy(source, &staging)
            .map_err(|e| format!("cannot read {}: {e}", source.display()))?;
        let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
        let entries = runtime.block_on(check_copy(&staging)).inspect_err(|_| {
            let _ = std::fs::remove_file(&staging);
        })?;
        for suffix in ["-wal", "-shm"] {
            let mut side = staging.clone().into_os_string();
            side.push(suffix);
            let _ = std::fs::remove_file(side);
        }
        std::fs::rename(&staging, &path).map_err(|e| e.to_string())?;
        Ok(format!(
            "restored {} from {} ({entries} audit entries, chain intact)",
            path.display(),
            source.display()
        ))
    });
    finish("restore", result)
}
