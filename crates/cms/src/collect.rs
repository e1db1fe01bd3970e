//! `cms bank collect`: the daily collection run. For every case, on the
//! day: post what fell due (accruals), adjustments for changes recorded
//! since the last run, and disbursements of what was collected; then write
//! the day's payment file from the disbursements stored for that day.
//!
//! Each case is its own unit of work: everything it needs is read and
//! worked out first, then its transfers are posted in one transaction. A
//! case that cannot be processed (a date the law or the calendar does not
//! reach, parties that do not open, records that do not read back) is set
//! aside whole, having posted nothing, and named in the summary by its
//! reference and a reason code; every other case is paid and filed, and the
//! run exits 3. Nothing printed is free text or personal data: references,
//! receiving parents' numbers, amounts, counts and codes only.
//!
//! Crash-safe by construction: every transfer's id is deterministic, so a
//! re-run posts nothing twice; and the payment file is a pure function of
//! the stored disbursements of the day, so a run killed after posting
//! writes the same file when run again, and never a second payment.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

use audit_log::{Action, AuditRecord};
use bank_files::{AccountNumber, Originator, Payee, PaymentInstruction, instruction};
use case_records::{
    CaseHistory, CaseReference, ReceivingParentId, ScheduleError, SealedParty, SortCode,
    open_parties,
};
use domain_types::{Date, Pence};
use field_crypto::KeyRing;
use ledger::{
    AccountKind, CollectionState, CollectionTerms, Disbursement, PeriodOutcome, Transfer,
    TransferCode, TransferId, compliance, daily_transfers, disbursement_run, payment_frequency,
    payment_periods, receiving_parent_fee,
};
use legal_parameters::{Parameters, WorkingDays};
use maintenance_calculation::CalculationError;
use storage_api::{StorageError, Store};

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

/// Why the run set a case aside. Only the code is ever printed: never the
/// error's own words, which may quote what was recorded on the case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SetAside {
    /// A date before the 2012 scheme's rules (no parameter set in force).
    LawNotCoded,
    /// A working day outside the bank holiday calendar's years.
    CalendarNotCoded,
    /// The calculation refuses the case's circumstances on some date.
    CalculationRefused,
    /// A change names a child the case does not have.
    UnknownChild,
    /// The parties cannot be opened with the keys given.
    PartiesUnreadable,
    /// A disbursement stored for the day has no payee to pay it to.
    StoredPaymentWithoutPayee,
    /// The store refused the case's transfers (an id stored with other
    /// fields); nothing of the batch was written.
    PostingRefused,
    /// Something stored on the case cannot be read back.
    RecordsUnreadable,
}

impl SetAside {
    const fn code(self) -> &'static str {
        match self {
            SetAside::LawNotCoded => "law_not_coded",
            SetAside::CalendarNotCoded => "calendar_not_coded",
            SetAside::CalculationRefused => "calculation_refused",
            SetAside::UnknownChild => "unknown_child",
            SetAside::PartiesUnreadable => "parties_unreadable",
            SetAside::StoredPaymentWithoutPayee => "stored_payment_without_payee",
            SetAside::PostingRefused => "posting_refused",
            SetAside::RecordsUnreadable => "records_unreadable",
        }
    }

    fn of_schedule(error: &ScheduleError) -> SetAside {
        match error {
            ScheduleError::Calculation {
                error: CalculationError::NotCoded { .. },
                ..
            } => SetAside::LawNotCoded,
            ScheduleError::UnknownChild { .. } => SetAside::UnknownChild,
            ScheduleError::Calculation { .. } | ScheduleError::NotStarted => {
                SetAside::CalculationRefused
            }
        }
    }
}

/// Why a receiving parent's money waits. A caseworker's hold is printed as
/// its code only: their reason is free text, for the case page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Hold {
    /// A caseworker holds it.
    Caseworker,
    /// No payee details are recorded for them.
    NoPayeeRecorded,
    /// Their details hold no bank account.
    NoBankAccount,
    /// Their account number is not usable.
    BankAccountInvalid,
}

impl Hold {
    const fn code(self) -> &'static str {
        match self {
            Hold::Caseworker => "caseworker_hold",
            Hold::NoPayeeRecorded => "no_payee_recorded",
            Hold::NoBankAccount => "no_bank_account",
            Hold::BankAccountInvalid => "bank_account_invalid",
        }
    }
}

/// A case the run set aside: nothing of it was posted today.
struct SetAsideCase {
    case: CaseReference,
    reason: SetAside,
    /// Disbursements an earlier run stored for the day whose payee cannot
    /// be found now: recorded as paid, but not in the file.
    unfiled: usize,
}

pub(crate) struct Outcome {
    pub(crate) posted: usize,
    held: Vec<(CaseReference, ReceivingParentId, Pence, Hold)>,
    /// Payments noticed today as missed (due on the last working day).
    missed: Vec<(CaseReference, Date, Pence)>,
    /// The day's payments: every disbursement stored for the day, whether
    /// posted now or by an earlier run that stopped before its file.
    instructions: Vec<PaymentInstruction>,
    /// Cases that could not be processed, each set aside whole.
    set_aside: Vec<SetAsideCase>,
}

/// What is stored about a case, read before anything is decided.
pub(crate) struct Stored {
    history: CaseHistory,
    log: Vec<ledger::RecordedAction>,
    transfers: Vec<Transfer>,
    parties: Vec<SealedParty>,
}

/// What the run does for one case, worked out whole before anything of it
/// is written, so a case either posts all of it or nothing.
struct CaseRun {
    /// Accruals, adjustments and disbursements: posted in one transaction.
    transfers: Vec<Transfer>,
    held: Vec<(ReceivingParentId, Pence, Hold)>,
    missed: Vec<(Date, Pence)>,
    instructions: Vec<PaymentInstruction>,
}

type Payees = Vec<(ReceivingParentId, Result<Payee, Hold>)>;

/// Each receiving parent's payee, from their own sealed details.
fn payees(case: CaseReference, sealed: &[SealedParty], keys: &KeyRing) -> Result<Payees, SetAside> {
    if sealed.is_empty() {
        return Ok(Vec::new());
    }
    let parties = open_parties(case, sealed, keys).map_err(|_| SetAside::PartiesUnreadable)?;
    Ok(parties
        .receiving_parents
        .iter()
        .map(|(rp, person)| {
            let payee = Payee::of(person).map_err(|_| match person.bank {
                None => Hold::NoBankAccount,
                Some(_) => Hold::BankAccountInvalid,
            });
            (*rp, payee)
        })
        .collect())
}

/// The day's payments of a case: each disbursement of the day among
/// `transfers` once, in id order, to its payee.
fn todays_payments<'t>(
    case: CaseReference,
    date: Date,
    transfers: impl Iterator<Item = &'t Transfer>,
    payees: &Payees,
) -> Result<Vec<PaymentInstruction>, SetAside> {
    let mut todays: Vec<&Transfer> = transfers
        .filter(|t| t.code == TransferCode::Disbursement && t.effective == date)
        .collect();
    todays.sort_by(|a, b| a.id.cmp(&b.id));
    todays.dedup_by(|a, b| a.id == b.id);
    let mut instructions = Vec::with_capacity(todays.len());
    for transfer in todays {
        let AccountKind::ReceivingParentDue(rp) = transfer.debit.kind else {
            continue;
        };
        let payee = payees
            .iter()
            .find(|(id, _)| *id == rp)
            .and_then(|(_, p)| p.as_ref().ok())
            .ok_or(SetAside::StoredPaymentWithoutPayee)?;
        instructions.push(instruction(
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
    Ok(instructions)
}

/// Works out the day for one case from what is stored, writing nothing.
fn plan_case(
    case: CaseReference,
    run: &Run<'_>,
    keys: &KeyRing,
    stored: &Stored,
) -> Result<CaseRun, SetAside> {
    let parameters = run.parameters;
    let history = &stored.history;
    let terms = CollectionTerms::on(history, run.date, run.date, parameters);
    let frequency = payment_frequency(history);
    let accruals = daily_transfers(case, history, parameters, frequency, run.since, run.date)
        .map_err(|e| SetAside::of_schedule(&e))?;
    // The case's book as it will be once today's accruals are posted.
    let known: BTreeSet<&TransferId> = stored.transfers.iter().map(|t| &t.id).collect();
    let ledger_transfers: Vec<Transfer> = stored
        .transfers
        .iter()
        .chain(accruals.iter().filter(|t| !known.contains(&t.id)))
        .cloned()
        .collect();
    // Disburse what was collected, except to those held or without a
    // usable bank account (who are held until it is put right).
    let mut held_for: BTreeSet<ReceivingParentId> = BTreeSet::new();
    let mut held: Vec<(ReceivingParentId, Pence, Hold)> = Vec::new();
    for rp in CollectionState::from_actions(&stored.log).held.into_keys() {
        held_for.insert(rp);
        held.push((rp, Pence::ZERO, Hold::Caseworker));
    }
    let payees = payees(case, &stored.parties, keys)?;
    for (rp, payee) in &payees {
        if let Err(hold) = payee
            && held_for.insert(*rp)
        {
            held.push((*rp, Pence::ZERO, *hold));
        }
    }
    // A payment not received by its due date is noticed the next working
    // day: for the enforcement queue.
    let mut missed = Vec::new();
    if terms.collect_and_pay
        && let Some(start) = history.initial_effective_date
    {
        let due_dates: Vec<Date> = payment_periods(start, run.date, frequency)
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
        .map_err(|_| SetAside::CalendarNotCoded)?;
        for period in report.missed() {
            if let PeriodOutcome::Missed {
                noticed_on,
                shortfall,
            } = period.outcome
                && noticed_on == run.date
            {
                missed.push((period.due, shortfall));
            }
        }
    }
    let rate = receiving_parent_fee(terms, parameters, run.date);
    let mut disbursements = disbursement_run(&ledger_transfers, case, run.date, rate, &held_for);
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
            held.push((*rp, waiting.gross, Hold::NoPayeeRecorded));
        }
    }
    for (rp, waiting) in &disbursements.held {
        if let Some(entry) = held.iter_mut().find(|(r, _, _)| r == rp) {
            entry.1 = *waiting;
        }
    }
    // The day's file is what is stored for the day: what was there before
    // this run and what it is about to post, in id order, each once.
    let instructions = todays_payments(
        case,
        run.date,
        ledger_transfers.iter().chain(&disbursements.transfers),
        &payees,
    )?;
    let mut transfers = accruals;
    transfers.append(&mut disbursements.transfers);
    Ok(CaseRun {
        transfers,
        held,
        missed,
        instructions,
    })
}

/// How processing a case failed.
enum Failure {
    /// The case cannot be processed; `filed` are payments an earlier run
    /// stored for the day (still owed to the file), `unfiled` those of them
    /// without a payee.
    SetAside {
        reason: SetAside,
        filed: Vec<PaymentInstruction>,
        unfiled: usize,
    },
    /// Reading or writing failed: the case's own records, or the database.
    Storage(StorageError),
}

/// Reads what is stored about a case, or `None` if it has not started by
/// the day of the run.
pub(crate) async fn read_case(
    store: &dyn Store,
    case: CaseReference,
    date: Date,
) -> Result<Option<Stored>, StorageError> {
    let Some(history) = store.case_history(&case).await? else {
        return Ok(None);
    };
    if history
        .initial_effective_date
        .is_none_or(|start| start > date)
    {
        return Ok(None);
    }
    Ok(Some(Stored {
        history,
        log: store.collection_actions(&case).await?,
        transfers: store.transfers_for_case(&case).await?,
        parties: store.parties(&case).await?,
    }))
}

/// One case, as one unit of work: read, work out, then post everything in
/// one transaction, or set the case aside having posted nothing.
async fn process_case(
    store: &dyn Store,
    case: CaseReference,
    run: &Run<'_>,
    keys: &KeyRing,
) -> Result<Option<(usize, CaseRun)>, Failure> {
    let Some(stored) = read_case(store, case, run.date)
        .await
        .map_err(Failure::Storage)?
    else {
        return Ok(None);
    };
    let plan = match plan_case(case, run, keys, &stored) {
        Ok(plan) => plan,
        Err(reason) => {
            // What an earlier run stored for the day is still filed, so the
            // file stays what is stored for the day.
            let (filed, unfiled) = match payees(case, &stored.parties, keys) {
                Ok(payees) => {
                    match todays_payments(case, run.date, stored.transfers.iter(), &payees) {
                        Ok(filed) => (filed, 0),
                        Err(_) => (Vec::new(), stored_today(&stored, run.date)),
                    }
                }
                Err(_) => (Vec::new(), stored_today(&stored, run.date)),
            };
            return Err(Failure::SetAside {
                reason,
                filed,
                unfiled,
            });
        }
    };
    let posted = store
        .post_transfers(&plan.transfers)
        .await
        .map_err(Failure::Storage)?
        .posted;
    Ok(Some((posted, plan)))
}

/// How many disbursements are stored for the case on `date`.
fn stored_today(stored: &Stored, date: Date) -> usize {
    stored
        .transfers
        .iter()
        .filter(|t| t.code == TransferCode::Disbursement && t.effective == date)
        .count()
}

/// Every case of the store, each in its own unit of work.
///
/// # Errors
/// The database cannot be reached: the run stops, and running the day
/// again finishes it (nothing is posted twice).
pub(crate) async fn run_cases(
    store: &dyn Store,
    cases: &[CaseReference],
    run: &Run<'_>,
    keys: &KeyRing,
) -> Result<Outcome, String> {
    let mut outcome = Outcome {
        posted: 0,
        held: Vec::new(),
        missed: Vec::new(),
        instructions: Vec::new(),
        set_aside: Vec::new(),
    };
    for case in cases {
        match process_case(store, *case, run, keys).await {
            Ok(None) => {}
            Ok(Some((posted, mut plan))) => {
                outcome.posted += posted;
                outcome
                    .held
                    .extend(plan.held.iter().map(|(rp, p, h)| (*case, *rp, *p, *h)));
                outcome
                    .missed
                    .extend(plan.missed.iter().map(|(due, p)| (*case, *due, *p)));
                outcome.instructions.append(&mut plan.instructions);
            }
            Err(Failure::SetAside {
                reason,
                mut filed,
                unfiled,
            }) => {
                outcome.instructions.append(&mut filed);
                outcome.set_aside.push(SetAsideCase {
                    case: *case,
                    reason,
                    unfiled,
                });
            }
            Err(Failure::Storage(error)) => {
                // A database that cannot be reached stops the run; an error
                // of this case's own records sets this case aside.
                if let Err(down) = store.check().await {
                    return Err(format!("the database cannot be reached: {down}"));
                }
                let reason = match error {
                    StorageError::TransferConflict(_) => SetAside::PostingRefused,
                    _ => SetAside::RecordsUnreadable,
                };
                outcome.set_aside.push(SetAsideCase {
                    case: *case,
                    reason,
                    unfiled: 0,
                });
            }
        }
    }
    Ok(outcome)
}

/// The summary: references, receiving parents' numbers, amounts, counts
/// and codes only.
fn summary(run: &Run<'_>, outcome: &Outcome, instructions: &[PaymentInstruction]) -> String {
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
        let _ = write!(
            report,
            "\n  missed: {case} payment due {due}: {shortfall} unpaid"
        );
    }
    for (case, rp, waiting, hold) in &outcome.held {
        let _ = write!(
            report,
            "\n  held: {case} receiving parent {}: {waiting} waiting ({})",
            rp.0,
            hold.code()
        );
    }
    for set_aside in &outcome.set_aside {
        let _ = write!(
            report,
            "\n  set aside: {} {}",
            set_aside.case,
            set_aside.reason.code()
        );
        if set_aside.unfiled > 0 {
            let _ = write!(
                report,
                "\n  not filed: {} {} payments recorded earlier today (stored_payment_without_payee)",
                set_aside.case, set_aside.unfiled
            );
        }
    }
    if !outcome.set_aside.is_empty() {
        let _ = write!(report, "\n{}", set_aside_line(outcome.set_aside.len()));
    }
    report
}

fn set_aside_line(count: usize) -> String {
    format!(
        "completed with {count} case{} set aside",
        if count == 1 { "" } else { "s" }
    )
}

/// The day's pain.001 (and Standard 18, if asked for), from `instructions`.
fn write_files(
    run: &Run<'_>,
    originator: &Originator,
    instructions: &[PaymentInstruction],
) -> Result<(), String> {
    let message_id = format!("CMS-{}", run.date);
    write_atomically(
        run.pain001,
        bank_files::write_pain001(&message_id, originator, run.date, instructions).as_bytes(),
    )?;
    if let Some(path) = run.standard18 {
        write_atomically(
            path,
            bank_files::write_standard18(originator, instructions).as_bytes(),
        )?;
    }
    Ok(())
}

/// A file's name without its folder, for the audit log.
pub(crate) fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |name| name.to_string_lossy().into_owned(),
    )
}

/// The run's audit entry: what ran, with counts and the file's name only
/// (no reference, name, account or caseworker's words).
fn run_audit(
    run: &Run<'_>,
    cases: usize,
    outcome: &Outcome,
    instructions: &[PaymentInstruction],
    file_written: bool,
) -> AuditRecord {
    let total: u64 = instructions.iter().map(|i| i.amount.get()).sum();
    AuditRecord {
        at_unix_seconds: crate::clock::now_unix_seconds(),
        actor: "collection-run".to_owned(),
        role: "service".to_owned(),
        action: Action::BatchRan,
        case: None,
        fields: vec!["bank_collect".to_owned()],
        reason: Some(format!(
            "collection run {} (changes since {}): {cases} cases, {} transfers posted; {} payments of {} in {}{}; {} held, {} missed, {} set aside",
            run.date,
            run.since,
            outcome.posted,
            instructions.len(),
            Pence::new(total),
            file_name(run.pain001),
            if file_written { "" } else { " (not written)" },
            outcome.held.len(),
            outcome.missed.len(),
            outcome.set_aside.len()
        )),
        count: 1,
    }
}

/// The exit status of a run that completed but set cases aside.
pub const SET_ASIDE_EXIT: u8 = 3;

/// The day's payment instructions, from the disbursements stored for it.
/// Exit 0: every case processed; 3: completed, with cases set aside (each
/// named with a reason code, nothing of them posted); 1: the run could not
/// be made (bad flags, keys, the database unreachable), no file written.
pub fn collect(run: &Run<'_>) -> ExitCode {
    let result = (|| {
        let originator = originator(run.client_account)?;
        let text = std::fs::read_to_string(run.keys_file)
            .map_err(|e| format!("cannot read the key file {}: {e}", run.keys_file.display()))?;
        let keys = KeyRing::from_toml(&text).map_err(|e| e.to_string())?;
        if run.since > run.date {
            return Err("--since is after --date".to_owned());
        }
        // The day itself and the next working day must be on the calendar,
        // or no case could be processed: that is the run's fault, not a case's.
        WorkingDays::england_and_wales()
            .next_working_day(run.date)
            .map_err(|e| format!("--date {}: {e}", run.date))?;
        let location = parse_database_url(run.database_url)?;
        let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
        runtime.block_on(async {
            let store = location.open().await?;
            let cases = store.case_references().await.map_err(|e| e.to_string())?;
            let mut outcome = match run_cases(store.as_ref(), &cases, run, &keys).await {
                Ok(outcome) => outcome,
                Err(message) => {
                    store.close().await;
                    return Err(message);
                }
            };
            let instructions = std::mem::take(&mut outcome.instructions);
            let written = write_files(run, &originator, &instructions);
            // Right after the postings (each case posted in its own
            // transaction): the run's own record that it ran, counts only.
            let audited = store
                .append_audit(run_audit(
                    run,
                    cases.len(),
                    &outcome,
                    &instructions,
                    written.is_ok(),
                ))
                .await
                .map_err(|e| e.to_string());
            // Cases set aside and payments noticed missed are work for a
            // caseworker: one item each, raised once however often the day
            // is run.
            let mut changes = Vec::new();
            for set_aside in &outcome.set_aside {
                changes.extend(work_items::changes_for_set_aside(
                    &set_aside.case,
                    &run.date.to_string(),
                    set_aside.reason.code(),
                ));
            }
            for (case, due, _) in &outcome.missed {
                changes.extend(work_items::changes_for_missed_payment(
                    case,
                    &due.to_string(),
                ));
            }
            let worked = store
                .record_work_changes(&changes, crate::clock::now_unix_seconds())
                .await
                .map_err(|e| format!("the work for caseworkers could not be recorded: {e}"));
            store.close().await;
            written?;
            audited?;
            worked?;
            Ok((
                summary(run, &outcome, &instructions),
                outcome.set_aside.len(),
            ))
        })
    })();
    match result {
        Ok((report, 0)) => finish("bank collect", Ok(report)),
        Ok((report, set_aside)) => {
            outln!("{report}");
            errln!("cms bank collect: {}", set_aside_line(set_aside));
            ExitCode::from(SET_ASIDE_EXIT)
        }
        Err(message) => finish("bank collect", Err(message)),
    }
}
