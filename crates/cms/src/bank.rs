//! `cms bank import`: money in from a camt.053 statement.

use std::collections::HashSet;
use std::path::Path;
use std::process::ExitCode;

use audit_log::{Action, AuditRecord};
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
            // Each batch's postings and its audit entry are one transaction;
            // a statement with nothing to post (or posted before) is still
            // one batch, so every import records that it ran.
            let batches: Vec<&[ledger::Transfer]> = if transfers.is_empty() {
                vec![&[]]
            } else {
                transfers.chunks(TRANSFERS_PER_BATCH).collect()
            };
            let file_name = crate::collect::file_name(file);
            let at = crate::clock::now_unix_seconds();
            for (number, batch) in (1..).zip(&batches) {
                let facts = ImportFacts {
                    file: &file_name,
                    statement: &statement.id,
                    batch: (number, batches.len()),
                    entries: statement.entries.len(),
                    transfers: transfers.len(),
                    to_suspense: unmatched.len(),
                };
                let audit = |summary: PostSummary| import_audit(at, &facts, summary);
                let summary = store
                    .post_transfers_audited(batch, &audit)
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

/// What an import's audit entry says about it: counts and names only.
struct ImportFacts<'a> {
    /// The file's name, without its folder.
    file: &'a str,
    /// The bank's identifier of the statement.
    statement: &'a str,
    /// This batch's number and how many there are.
    batch: (usize, usize),
    /// Entries in the statement.
    entries: usize,
    /// Transfers the statement gives.
    transfers: usize,
    /// Of which to suspense.
    to_suspense: usize,
}

/// The audit entry of one batch of an import: what ran, on which file,
/// with counts; never an amount of anyone's, a payer's words or a name.
fn import_audit(at: i64, facts: &ImportFacts<'_>, summary: PostSummary) -> AuditRecord {
    AuditRecord {
        at_unix_seconds: at,
        actor: "bank-import".to_owned(),
        role: "service".to_owned(),
        action: Action::BatchRan,
        case: None,
        fields: vec!["bank_import".to_owned()],
        reason: Some(format!(
            "bank import of {} (statement {}), batch {} of {}: {} entries, {} transfers, {} to suspense; {} posted, {} already posted",
            facts.file,
            facts.statement,
            facts.batch.0,
            facts.batch.1,
            facts.entries,
            facts.transfers,
            facts.to_suspense,
            summary.posted,
            summary.already_posted
        )),
        count: 1,
    }
}
