//! `cms bank collect`: the daily collection run. For every case, on the
//! day: post what fell due (accruals), adjustments for changes recorded
//! since the last run, and disbursements of what was collected; then write
//! the day's payment file from the disbursements stored for that day.
//!
//! Crash-safe by construction: every transfer's id is deterministic, so a
//! re-run posts nothing twice; and the payment file is a pure function of
//! the stored disbursements of the day, so a run killed after posting
//! writes the same file when run again, and never a second payment.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::ExitCode;

use bank_files::{AccountNumber, Originator, Payee, PaymentInstruction, instruction};
use case_records::{CaseReference, ReceivingParentId, SortCode, open_parties};
use domain_types::{Date, Pence};
use field_crypto::KeyRing;
use ledger::{
    AccountKind, CollectionState, CollectionTerms, Disbursement, PeriodOutcome, TransferCode,
    compliance, daily_transfers, disbursement_run, payment_frequency, payment_periods,
    receiving_parent_fee,
};
use legal_parameters::{Parameters, WorkingDays};
use storage_api::Store;

use crate::finish;
use crate::serve::parse_database_url;

/// What the run is told.
pub struct Run<'a> {
    /// The day of the run.
    pub date: Date,
    /// The last day a run was made (adjustments cover facts recorded after it).
    pub since: Date,
    /// Where the data lives.
    pub database_url: &'a str,
    /// The keys that open personal data (for payees' bank details).
    pub keys_file: &'a Path,
    /// Where to write the pain.001 file.
    pub pain001: &'a Path,
    /// Where to write BACS Standard 18 records, if wanted.
    pub standard18: Option<&'a Path>,
    /// The service's client account: "SORT-CODE ACCOUNT-NUMBER NAME…".
    pub client_account: &'a str,
    /// The law, or the law with a modelled reform (`serve::parameters`).
    pub parameters: &'static Parameters,
}

fn originator(text: &str) -> Result<Originator, String> {
    let mut parts = text.splitn(3, ' ');
    let (Some(sort_code), Some(account), Some(name)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(
            "the client account is \"SORT-CODE ACCOUNT-NUMBER NAME\", e.g. \"60-70-80 10203040 Child Maintenance\""
                .to_owned(),
        );
    };
    Ok(Originator {
        name: name.to_owned(),
        sort_code: SortCode::parse(sort_code).map_err(|e| format!("client account: {e}"))?,
        account_number: AccountNumber::parse(account)
            .map_err(|e| format!("client account: {e}"))?,
    })
}

/// Writes `text` to `path` whole or not at all.
pub(crate) fn write_atomically(path: &Path, text: &[u8]) -> Result<(), String> {
    let staging = path.with_extension("partial");
    std::fs::write(&staging, text)
        .map_err(|e| format!("cannot write {}: {e}", staging.display()))?;
    std::fs::rename(&staging, path).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

struct Outcome {
    posted: usize,
    held: Vec<(CaseReference, ReceivingParentId, Pence, String)>,
    /// Payments noticed today as missed (due on the last working day).
    missed: Vec<(CaseReference, Date, Pence)>,
    /// The day's payments: every disbursement stored for the day, whether
    /// posted now or by an earlier run that stopped before its file.
    instructions: Vec<PaymentInstruction>,
}

async fn post_case(
    store: &dyn Store,
    case: CaseReference,
    run: &Run<'_>,
    keys: &KeyRing,
    outcome: &mut Outcome,
) -> Result<(), String> {
    let parameters = run.parameters;
    let Some(history) = store.case_history(&case).await.map_err(|e| e.to_string())? else {
        return Ok(());
    };
    if history
        .initial_effective_date
        .is_none_or(|start| start > run.date)
    {
        return Ok(());
    }
    let terms = CollectionTerms::on(&history, run.date, run.date, parameters);
    let transfers = daily_transfers(
        case,
        &history,
        parameters,
        payment_frequency(&history),
        run.since,
        run.date,
    )
    .map_err(|e| format!("{case}: {e}"))?;
    outcome.posted += store
        .post_transfers(&transfers)
        .await
        .map_err(|e| e.to_string())?
        .posted;
    // Disburse what was collected, except to those held or without a
    // usable bank account (who are held until it is put right).
    let log = store
        .collection_actions(&case)
        .await
        .map_err(|e| e.to_string())?;
    let mut held: BTreeSet<ReceivingParentId> = BTreeSet::new();
    for (rp, reason) in CollectionState::from_actions(&log).held {
        held.insert(rp);
        outcome.held.push((case, rp, Pence::ZERO, reason));
    }
    let payees = payees(store, case, keys).await?;
    for (rp, payee) in &payees {
        if let Err(reason) = payee
            && held.insert(*rp)
        {
            outcome
                .held
                .push((case, *rp, Pence::ZERO, (*reason).to_owned()));
        }
    }
    let ledger_transfers = store
        .transfers_for_case(&case)
        .await
        .map_err(|e| e.to_string())?;
    // A payment not received by its due date is noticed the next working
    // day: for the enforcement queue.
    if terms.collect_and_pay
        && let Some(start) = history.initial_effective_date
    {
        let due_dates: Vec<Date> = payment_periods(start, run.date, payment_frequency(&history))
            .into_iter()
            .map(|(from, _)| from)
            .collect();
        let report = compliance(
            &ledger_transfers,
            case,
            &due_dates,
            run.date,
            WorkingDays::england_and_wales(),
        )
        .map_err(|e| format!("{case}: {e}"))?;
        for period in report.missed() {
            if let PeriodOutcome::Missed {
                noticed_on,
                shortfall,
            } = period.outcome
                && noticed_on == run.date
            {
                outcome.missed.push((case, period.due, shortfall));
            }
        }
    }
    let rate = receiving_parent_fee(terms, parameters, run.date);
    let mut disbursements = disbursement_run(&ledger_transfers, case, run.date, rate, &held);
    // Nobody is paid without a payee on record (no parties recorded, or a
    // receiving parent missing from them): their money waits, reported.
    let unpayable: Vec<ReceivingParentId> = disbursements
        .disbursements
        .iter()
        .map(|d| d.receiving_parent)
        .filter(|rp| !payees.iter().any(|(id, payee)| id == rp && payee.is_ok()))
        .collect();
    for rp in &unpayable {
        let due = ledger::Account::of_case(case, AccountKind::ReceivingParentDue(*rp));
        disbursements.transfers.retain(|t| t.debit != due);
        if let Some(waiting) = disbursements
            .disbursements
            .iter()
            .find(|d| d.receiving_parent == *rp)
        {
            outcome.held.push((
                case,
                *rp,
                waiting.gross,
                "no payee details are recorded".to_owned(),
            ));
        }
    }
    for (rp, waiting) in &disbursements.held {
        if let Some(entry) = outcome
            .held
            .iter_mut()
            .find(|(c, r, _, _)| *c == case && r == rp)
        {
            entry.2 = *waiting;
        }
    }
    outcome.posted += store
        .post_transfers(&disbursements.transfers)
        .await
        .map_err(|e| e.to_string())?
        .posted;
    // The day's file is what is stored for the day: what was there before
    // this run and what it has just posted, in id order, each once.
    let mut todays: Vec<&ledger::Transfer> = ledger_transfers
        .iter()
        .chain(&disbursements.transfers)
        .filter(|t| t.code == TransferCode::Disbursement && t.effective == run.date)
        .collect();
    todays.sort_by(|a, b| a.id.cmp(&b.id));
    todays.dedup_by(|a, b| a.id == b.id);
    for transfer in todays {
        let AccountKind::ReceivingParentDue(rp) = transfer.debit.kind else {
            continue;
        };
        let payee = payees
            .iter()
            .find(|(id, _)| *id == rp)
            .and_then(|(_, p)| p.as_ref().ok())
            .ok_or_else(|| format!("{case}: no payee for a stored disbursement"))?;
        outcome.instructions.push(instruction(
            &Disbursement {
                case,
                receiving_parent: rp,
                gross: transfer.amount,
                fee: Pence::ZERO,
                net: transfer.amount,
                id: transfer.id.clone(),
            },
            payee.clone(),
        ));
    }
    Ok(())
}

type Payees = Vec<(ReceivingParentId, Result<Payee, &'static str>)>;

/// Each receiving parent's payee, from their own sealed details.
async fn payees(store: &dyn Store, case: CaseReference, keys: &KeyRing) -> Result<Payees, String> {
    let sealed = store.parties(&case).await.map_err(|e| e.to_string())?;
    if sealed.is_empty() {
        return Ok(Vec::new());
    }
    let parties = open_parties(case, &sealed, keys).map_err(|e| format!("{case}: {e}"))?;
    Ok(parties
        .receiving_parents
        .iter()
        .map(|(rp, person)| (*rp, Payee::of(person)))
        .collect())
}

/// The day's payment instructions, from the disbursements stored for it.
pub fn collect(run: &Run<'_>) -> ExitCode {
    let result = (|| {
        let originator = originator(run.client_account)?;
        let text = std::fs::read_to_string(run.keys_file)
            .map_err(|e| format!("cannot read the key file {}: {e}", run.keys_file.display()))?;
        let keys = KeyRing::from_toml(&text).map_err(|e| e.to_string())?;
        if run.since > run.date {
            return Err("--since is after --date".to_owned());
        }
        let location = parse_database_url(run.database_url)?;
        let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
        runtime.block_on(async {
            let store = location.open().await?;
            let cases = store.case_references().await.map_err(|e| e.to_string())?;
            let mut outcome = Outcome {
                posted: 0,
                held: Vec::new(),
                missed: Vec::new(),
                instructions: Vec::new(),
            };
            for case in &cases {
                post_case(store.as_ref(), *case, run, &keys, &mut outcome).await?;
            }
            let instructions = std::mem::take(&mut outcome.instructions);
            store.close().await;
            let message_id = format!("CMS-{}", run.date);
            write_atomically(
                run.pain001,
                bank_files::write_pain001(&message_id, &originator, run.date, &instructions)
                    .as_bytes(),
            )?;
            if let Some(path) = run.standard18 {
                write_atomically(
                    path,
                    bank_files::write_standard18(&originator, &instructions).as_bytes(),
                )?;
            }
            let total: u64 = instructions.iter().map(|i| i.amount.get()).sum();
            let mut report = format!(
                "collection run {}: {} transfers posted; {} payments of {} in {}",
                run.date,
                outcome.posted,
                instructions.len(),
                Pence::new(total),
                run.pain001.display()
            );
            for (case, due, shortfall) in &outcome.missed {
                report.push_str(&format!(
                    "\n  missed: {case} payment due {due}: {shortfall} unpaid"
                ));
            }
            for (case, rp, waiting, reason) in &outcome.held {
                report.push_str(&format!(
                    "\n  held: {case} receiving parent {}: {waiting} waiting ({reason})",
                    rp.0
                ));
            }
            Ok(report)
        })
    })();
    finish("bank collect", result)
}
