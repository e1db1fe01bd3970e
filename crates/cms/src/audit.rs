//! `cms audit verify`: checks the audit log's hash chain end to end.

use std::process::ExitCode;

use audit_log::ChainedEntry;

use crate::serve::{DatabaseLocation, parse_database_url};

pub fn verify(database_url: &str) -> ExitCode {
    let location = match parse_database_url(database_url) {
        Ok(location) => location,
        Err(message) => {
            errln!("cms audit verify: {message}");
            return ExitCode::from(2);
        }
    };
    // Verifying must never create the database it was asked to check.
    if let DatabaseLocation::Sqlite(path) = &location
        && !path.exists()
    {
        errln!(
            "cms audit verify: there is no database at {}",
            path.display()
        );
        return ExitCode::from(2);
    }
    let runtime = tokio::runtime::Runtime::new().expect("a runtime starts");
    let entries: Result<Vec<ChainedEntry>, String> = runtime.block_on(async {
        let store = location.open().await?;
        let entries = store.audit_entries().await.map_err(|e| e.to_string());
        store.close().await;
        entries
    });
    let entries = match entries {
        Ok(entries) => entries,
        Err(error) => {
            outln!("audit log BROKEN or unreadable: {error}");
            return ExitCode::FAILURE;
        }
    };
    match audit_log::verify(&entries) {
        Ok(()) => {
            let head = entries
                .last()
                .map_or("none".to_owned(), |e| audit_log::to_hex(&e.hash));
            outln!(
                "audit log intact: {} entries; head hash {head}",
                entries.len()
            );
            outln!(
                "(keep the head hash elsewhere too: cutting entries off the end leaves a shorter chain that still verifies)"
            );
            ExitCode::SUCCESS
        }
        Err(chain_break) => {
            outln!("audit log BROKEN: {chain_break}");
            ExitCode::FAILURE
        }
    }
}
