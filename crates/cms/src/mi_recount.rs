//! `cms mi recount`: management information worked out again from
//! everything stored (`storage_api::mi::recount`, which reads every case),
//! compared with the totals the store keeps as the work happens and, unless
//! `--check`, written in their place in one transaction. For a database
//! from before migration 0020 (which starts with no totals) or a repair;
//! run it while the service is stopped, as a write between the count and
//! the replacement would be lost from the totals. No page ever recounts.

use std::process::ExitCode;

use clap::Subcommand;

use crate::serve::{DatabaseLocation, parse_database_url};

/// What to do with management information.
#[derive(Subcommand)]
pub enum MiCommand {
    /// Recount the kept totals from every case and replace them (with --check, only compare; exit 1 if they differ).
    Recount {
        /// Where the data lives: sqlite://PATH or postgres://….
        #[arg(long, env = "DATABASE_URL", default_value = crate::serve::DEFAULT_DATABASE_URL)]
        database_url: String,
        /// Compare only: write nothing.
        #[arg(long)]
        check: bool,
    },
}

/// Runs `cms mi …`.
pub fn run(command: &MiCommand) -> ExitCode {
    let MiCommand::Recount {
        database_url,
        check,
    } = command;
    let location = match parse_database_url(database_url) {
        Ok(location) => location,
        Err(message) => return crate::finish("mi recount", Err(message)),
    };
    if let DatabaseLocation::Sqlite(path) = &location
        && !path.exists()
    {
        return crate::finish(
            "mi recount",
            Err(format!("there is no database at {}", path.display())),
        );
    }
    let runtime = tokio::runtime::Runtime::new().expect("a runtime starts");
    let result = runtime.block_on(async {
        let store = location.open().await?;
        let outcome = async {
            let (totals, cases) = storage_api::mi::recount(store.as_ref())
                .await
                .map_err(|e| e.to_string())?;
            let kept = store.mi_totals(None).await.map_err(|e| e.to_string())?;
            let kept_cases = store.case_totals().await.map_err(|e| e.to_string())?;
            let mut differences = Vec::new();
            for key in kept.rows.keys().chain(totals.rows.keys()) {
                let (measure, period) = key;
                let (was, is) = (kept.get(measure, period), totals.get(measure, period));
                if was != is && !differences.iter().any(|(k, _, _)| k == key) {
                    differences.push((key.clone(), was, is));
                }
            }
            let cases_differ = kept_cases != cases;
            let mut report = format!(
                "{} totals recounted from {} cases: {} differ from those kept{}\n",
                totals.rows.len(),
                totals.get(storage_api::mi::CASES, ""),
                differences.len(),
                if cases_differ {
                    ", and the case rows differ"
                } else {
                    ""
                },
            );
            for ((measure, period), was, is) in &differences {
                report.push_str(&format!("  {measure} {period}: kept {was}, counted {is}\n"));
            }
            if *check {
                if differences.is_empty() && !cases_differ {
                    return Ok(report);
                }
                return Err(report);
            }
            store
                .replace_mi(&totals, &cases)
                .await
                .map_err(|e| e.to_string())?;
            report.push_str("the recount now stands in their place\n");
            Ok(report)
        }
        .await;
        store.close().await;
        outcome
    });
    crate::finish("mi recount", result)
}
