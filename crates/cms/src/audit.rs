//! `cms audit verify`: checks the audit log's hash chain end to end.

use std::process::ExitCode;

use storage_sqlite::Database;

use crate::serve::{DatabaseLocation, parse_database_url};

pub fn verify(database_url: &str) -> ExitCode {
    let DatabaseLocation::Sqlite(path) = match parse_database_url(database_url) {
        Ok(location) => location,
        Err(message) => {
            eprintln!("cms audit verify: {message}");
            return ExitCode::from(2);
        }
    };
    if !path.exists() {
        eprintln!(
            "cms audit verify: there is no database at {}",
            path.display()
        );
        return ExitCode::from(2);
    }
    let runtime = tokio::runtime::Runtime::new().expect("a runtime starts");
    let entries = runtime.block_on(async {
        let database = Database::open(&path).await?;
        let entries = database.audit_entries().await;
        database.close().await;
        entries
    });
    match entries.map(|entries| (audit_log::verify(&entries), entries)) {
        Ok((Ok(()), entries)) => {
            let head = entries
                .last()
                .map_or("none".to_owned(), |e| audit_log::to_hex(&e.hash));
            println!(
                "audit log intact: {} entries; head hash {head}",
                entries.len()
            );
            println!(
                "(keep the head hash elsewhere too: cutting entries off the end leaves a shorter chain that still verifies)"
            );
            ExitCode::SUCCESS
        }
        Ok((Err(chain_break), _)) => {
            println!("audit log BROKEN: {chain_break}");
            ExitCode::FAILURE
        }
        Err(error) => {
            println!("audit log BROKEN or unreadable: {error}");
            ExitCode::FAILURE
        }
    }
}
