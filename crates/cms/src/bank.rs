//! `cms bank import`: money in from a camt.053 statement.

use std::collections::HashSet;
use std::path::Path;
use std::process::ExitCode;

use storage_api::PostSummary;

use crate::finish;
use crate::serve::parse_database_url;

/// Transfers per transaction: a crash leaves whole batches, and importing
/// the file again completes it, since every transfer's id is the bank's own.
pub const TRANSFERS_PER_BATCH: usize = 50_000;

pub fn import(file: &Path, database_url: &str) -> ExitCode {
    let result = (|| {
        let text = std::fs::read_to_string(file)
            .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
        let statement =
            bank_files::parse_camt053(&text).map_err(|e| format!("{}: {e}", file.display()))?;
        let location = parse_database_url(database_url)?;
        let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
        runtime.block_on(async {
            let store = location.open().await?;
            let known: HashSet<_> = store
                .case_references()
                .await
                .map_err(|e| e.to_string())?
                .into_iter()
                .collect();
            let (transfers, unmatched) =
                bank_files::payment_transfers(&statement, &|case| known.contains(case));
            let notes = bank_files::payment_notes(&statement, &unmatched);
            let mut total = PostSummary::default();
            for batch in transfers.chunks(TRANSFERS_PER_BATCH) {
                let summary = store
                    .post_transfers(batch)
                    .await
                    .map_err(|e| e.to_string())?;
                total.posted += summary.posted;
                total.already_posted += summary.already_posted;
            }
            // After the money: a crash between leaves notes to the re-import,
            // which posts nothing and keeps them.
            store
                .record_payment_notes(&notes)
                .await
                .map_err(|e| e.to_string())?;
            store.close().await;
            let mut report = format!(
                "statement {}: {} entries; {} transfers posted, {} already posted; {} to suspense",
                statement.id,
                statement.entries.len(),
                total.posted,
                total.already_posted,
                unmatched.len()
            );
            for item in &unmatched {
                report.push_str(&format!(
                    "\n  suspense: {} {} {}: {}",
                    item.entry.bank_reference, item.entry.booked, item.entry.amount, item.reason
                ));
            }
            Ok(report)
        })
    })();
    finish("bank import", result)
}
