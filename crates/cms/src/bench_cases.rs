//! `cms bench schedules` and `cms bench events`: cases over time and
//! durable storage, each beside a baseline measured in the same run.

use std::hint::black_box;
use std::process::ExitCode;
use std::time::Instant;

use audit_log::{Action, AuditRecord};
use case_records::{
    CaseHistory, CaseReference, Change, ChildId, FactEvent, ReceivingParentId, liability_schedule,
};
use domain_types::{Date, Pence};
use legal_parameters::Parameters;
use maintenance_calculation::{Income, Nights, OtherChildren};
use storage_api::{FactRow, Store};
use storage_postgres::PostgresStore;
use storage_sqlite::SqliteStore;

use crate::bench::{Generator, PlainCase, per_second, plain_weekly};

fn date(text: &str) -> Date {
    Date::parse_iso(text).expect("a real date")
}

/// A case started on some day of 2023 with income and one to three
/// children, then a few changes over the following years.
fn synthetic_case(random: &mut Generator) -> CaseHistory {
    let start = date("2023-01-02")
        .add_days(i32::try_from(random.below(365)).expect("small"))
        .expect("a real date");
    let mut history = CaseHistory::starting(start);
    history.record(
        start,
        start,
        Change::Income(Income::Weekly(Pence::new(10_000 + random.below(150_000)))),
    );
    for child in 1..=1 + random.below(3) {
        let child = ChildId(u32::try_from(child).expect("small"));
        history.record(
            start,
            start,
            Change::ChildJoined {
                child,
                receiving_parent: ReceivingParentId(1),
            },
        );
    }
    for _ in 0..random.below(4) {
        let when = start
            .add_days(i32::try_from(1 + random.below(900)).expect("small"))
            .expect("a real date");
        let recorded = when
            .add_days(i32::try_from(random.below(60)).expect("small"))
            .expect("a real date");
        let change = match random.below(3) {
            0 => Change::Income(Income::Weekly(Pence::new(10_000 + random.below(150_000)))),
            1 => Change::SharedCare {
                child: ChildId(1),
                nights: Nights::new(u16::try_from(random.below(200)).expect("small"))
                    .expect("a year's nights"),
            },
            _ => Change::RelevantOtherChildren(
                OtherChildren::new(u16::try_from(random.below(3)).expect("small")).expect("small"),
            ),
        };
        history.record(when, recorded, change);
    }
    history
}

#[allow(clippy::float_arithmetic, clippy::cast_precision_loss)] // timing figures, not money
pub fn schedules(cases: usize, seed: u64) -> ExitCode {
    if cases == 0 {
        errln!("cms bench schedules: --cases must be at least 1");
        return ExitCode::from(2);
    }
    let parameters = Parameters::embedded();
    let mut random = Generator(seed);
    let histories: Vec<CaseHistory> = (0..cases).map(|_| synthetic_case(&mut random)).collect();
    let until = date("2026-01-01");

    // Baseline: the plain loop once per segment the schedules produce, so
    // the ratio shows the cost of the schedule's bookkeeping.
    let started = Instant::now();
    let mut segments = 0usize;
    let mut weekly_total = 0u64;
    for history in &histories {
        let schedule = liability_schedule(black_box(history), parameters, until, until)
            .expect("synthetic cases are valid");
        segments += schedule.segments.len();
        weekly_total += schedule
            .segments
            .iter()
            .flat_map(|s| s.weekly.values())
            .map(|p| p.get())
            .sum::<u64>();
    }
    let schedule_seconds = started.elapsed().as_secs_f64();
    let plain: Vec<PlainCase> = (0..segments)
        .map(|i| PlainCase {
            gross_weekly_pence: u32::try_from(20_000 + i % 100_000).expect("small"),
            kids: 1 + u8::try_from(i % 3).expect("small"),
            other_kids: 0,
            nights: 0,
            collect: false,
        })
        .collect();
    let started = Instant::now();
    let mut plain_sum = 0u64;
    for case in &plain {
        plain_sum += u64::from(plain_weekly(black_box(case)).0);
    }
    let plain_seconds = started.elapsed().as_secs_f64().max(1e-9);
    let rate = per_second(cases, schedule_seconds);
    let plain_rate = per_second(segments, plain_seconds);
    outln!(
        "schedule benchmark: {cases} synthetic cases (2023 starts, reviews and changes to 2026), seed {seed}, one thread"
    );
    outln!(
        "  schedules derived:  {:.3} s for all ({:.0} cases/s; {segments} segments)",
        schedule_seconds,
        rate
    );
    outln!(
        "  plain loop, once per segment: {:.3} s ({:.2} million/s)",
        plain_seconds,
        plain_rate / 1e6
    );
    outln!(
        "  ratio schedule cases/s / plain loop/s: {:.5}",
        rate / plain_rate
    );
    outln!("  checksum: {weekly_total} / {plain_sum}");
    outln!(
        "{{\"benchmark\":\"schedules\",\"cases\":{cases},\"seed\":{seed},\"seconds\":{schedule_seconds:.3},\"cases_per_second\":{rate:.0},\"plain_loop_per_second\":{plain_rate:.0},\"ratio\":{:.5}}}",
        rate / plain_rate
    );
    ExitCode::SUCCESS
}

/// A scratch database for a benchmark: a temporary SQLite file or a
/// PostgreSQL schema of its own, removed afterwards.
pub(crate) enum Scratch {
    Sqlite(SqliteStore, std::path::PathBuf),
    Postgres(PostgresStore, String),
}

impl Scratch {
    pub(crate) async fn open(backend: &str, postgres_url: &str) -> Result<Scratch, String> {
        let tag = format!("cms_bench_{}", std::process::id());
        match backend {
            "sqlite" => {
                let folder = std::env::temp_dir().join(&tag);
                let _ = std::fs::remove_dir_all(&folder);
                let store = SqliteStore::open(&folder.join("bench.sqlite"))
                    .await
                    .map_err(|e| e.to_string())?;
                Ok(Scratch::Sqlite(store, folder))
            }
            "postgres" => {
                let store = PostgresStore::open_in_schema(postgres_url, &tag)
                    .await
                    .map_err(|e| e.to_string())?;
                Ok(Scratch::Postgres(store, tag))
            }
            other => Err(format!("--backend `{other}`: use sqlite or postgres")),
        }
    }

    /// The store, shared (for a server running on it); clones share the pool.
    pub(crate) fn shared(&self) -> std::sync::Arc<dyn Store> {
        match self {
            Scratch::Sqlite(store, _) => std::sync::Arc::new(store.clone()),
            Scratch::Postgres(store, _) => std::sync::Arc::new(store.clone()),
        }
    }

    fn store(&self) -> &dyn Store {
        match self {
            Scratch::Sqlite(store, _) => store,
            Scratch::Postgres(store, _) => store,
        }
    }

    async fn plain(&self, case: &str, batches: &[Vec<FactRow>]) -> Result<(), String> {
        match self {
            Scratch::Sqlite(store, _) => store.plain_insert_baseline(case, batches).await,
            Scratch::Postgres(store, _) => store.plain_insert_baseline(case, batches).await,
        }
        .map_err(|e| e.to_string())
    }

    pub(crate) async fn remove(self) {
        match self {
            Scratch::Sqlite(store, folder) => {
                store.close().await;
                let _ = std::fs::remove_dir_all(folder);
            }
            Scratch::Postgres(store, schema) => {
                let _ = store.drop_schema(&schema).await;
                store.close().await;
            }
        }
    }
}

#[allow(clippy::float_arithmetic)] // timing figures, not money
pub fn events(backend: &str, writes: usize, postgres_url: &str) -> ExitCode {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime starts");
    let result: Result<String, String> = runtime.block_on(async {
        let scratch = Scratch::open(backend, postgres_url).await?;
        let cases: Vec<CaseReference> = (0..100).map(CaseReference::from_random).collect();
        for case in &cases {
            scratch.store().open_case(case, date("2025-01-06")).await.map_err(|e| e.to_string())?;
        }
        let batch = |write: usize| -> Vec<FactEvent> {
            (0..3u64)
                .map(|i| FactEvent {
                    effective_from: date("2025-02-03"),
                    recorded_on: date("2025-02-03"),
                    change: Change::Income(Income::Weekly(Pence::new(u64::try_from(write).expect("small") * 10 + i))),
                })
                .collect()
        };
        let rows: Vec<Vec<FactRow>> = (0..writes)
            .map(|w| batch(w).iter().zip(1..).map(|(e, s)| FactRow::from_event(s, e)).collect())
            .collect();
        let started = Instant::now();
        scratch.plain("bench", &rows).await?;
        let plain_seconds = started.elapsed().as_secs_f64();
        let started = Instant::now();
        for write in 0..writes {
            let case = &cases[write % cases.len()];
            let audit = AuditRecord {
                at_unix_seconds: 1_780_000_000,
                actor: "bench".to_owned(),
                role: "caseworker".to_owned(),
                action: Action::Changed,
                case: Some(case.to_string()),
                fields: vec!["income".to_owned(); 3],
                reason: None,
                count: 1,
            };
            scratch
                .store()
                .append_facts(case, &batch(write), &format!("bench-{write}"), audit)
                .await
                .map_err(|e| e.to_string())?;
        }
        let append_seconds = started.elapsed().as_secs_f64();
        scratch.remove().await;
        let facts = writes * 3;
        let plain_rate = per_second(facts, plain_seconds);
        let rate = per_second(facts, append_seconds);
        Ok(format!(
            "event benchmark on {backend}: {writes} writes of 3 facts, each write one durable transaction\n  \
             plain insert of the same rows, same batches: {plain_rate:.0} facts/s ({plain_seconds:.2} s)\n  \
             append_facts (idempotency record + audit entry, chained): {rate:.0} facts/s ({append_seconds:.2} s)\n  \
             ratio append / plain: {:.3}\n\
             {{\"benchmark\":\"events\",\"backend\":\"{backend}\",\"writes\":{writes},\"facts_per_second\":{rate:.0},\"plain_facts_per_second\":{plain_rate:.0},\"ratio\":{:.4}}}",
            rate / plain_rate,
            rate / plain_rate
        ))
    });
    match result {
        Ok(report) => {
            outln!("{report}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            errln!("cms bench events: {message}");
            ExitCode::FAILURE
        }
    }
}

/// A statement of `payments` credits spread over `cases` cases: 95% with a
/// good reference, 2% with none, 3% with a typo the check character catches.
fn synthetic_statement(
    payments: usize,
    cases: &[CaseReference],
    seed: u64,
) -> bank_files::Statement {
    let mut random = Generator(seed);
    let booked = date("2025-02-03");
    let entries = (0..payments)
        .map(|index| {
            let case = cases[usize::try_from(random.below(cases.len() as u64)).expect("small")];
            let remittance = match random.below(100) {
                0..=1 => "CHILD MAINTENANCE".to_owned(),
                2..=4 => {
                    let text = case.to_string();
                    let swapped = if text.as_bytes()[3] == b'X' { 'Y' } else { 'X' };
                    format!("{}{swapped}{}", &text[..3], &text[4..])
                }
                // Payers who add words of their own (kept as notes).
                5..=9 => format!("CMS {case}"),
                _ => case.to_string(),
            };
            bank_files::StatementEntry {
                bank_reference: format!("E{index:08}"),
                amount: Pence::new(500 + random.below(20_000)),
                is_credit: true,
                booked,
                remittance,
            }
        })
        .collect();
    bank_files::Statement {
        id: format!("BENCH-{seed}"),
        entries,
    }
}

#[allow(clippy::float_arithmetic)] // timing figures, not money
pub fn ingest(backend: &str, payments: usize, cases: usize, postgres_url: &str) -> ExitCode {
    if payments == 0 || cases == 0 {
        errln!("cms bench ingest: --payments and --cases must be at least 1");
        return ExitCode::from(2);
    }
    let references: Vec<CaseReference> = (0..cases as u64)
        .map(|i| CaseReference::from_random(i * 7_919 + 1))
        .collect();
    let known: std::collections::HashSet<CaseReference> = references.iter().copied().collect();
    let statement = synthetic_statement(payments, &references, 42);
    let file = bank_files::write_camt053(&statement);
    let expected_total: u128 = statement
        .entries
        .iter()
        .map(|e| u128::from(e.amount.get()))
        .sum();
    let runtime = tokio::runtime::Runtime::new().expect("a runtime starts");
    let result: Result<String, String> = runtime.block_on(async {
        let scratch = Scratch::open(backend, postgres_url).await?;
        // Baseline: the same number of rows, in the same batches, plain.
        let rows: Vec<Vec<FactRow>> = statement
            .entries
            .chunks(crate::bank::TRANSFERS_PER_BATCH)
            .map(|chunk| {
                chunk
                    .iter()
                    .zip(1..)
                    .map(|(e, s)| FactRow {
                        sequence: s,
                        effective_from: e.booked.to_string(),
                        recorded_on: e.booked.to_string(),
                        kind: "payment".to_owned(),
                        payload: e.bank_reference.clone(),
                    })
                    .collect()
            })
            .collect();
        let started = Instant::now();
        scratch.plain("bench", &rows).await?;
        let plain_seconds = started.elapsed().as_secs_f64();

        let started = Instant::now();
        let parsed = bank_files::parse_camt053(&file).map_err(|e| e.to_string())?;
        let (transfers, unmatched) = bank_files::payment_transfers(&parsed, &|c| known.contains(c));
        for batch in transfers.chunks(crate::bank::TRANSFERS_PER_BATCH) {
            scratch.store().post_transfers(batch).await.map_err(|e| e.to_string())?;
        }
        let notes = bank_files::payment_notes(&parsed, &unmatched);
        scratch.store().record_payment_notes(&notes).await.map_err(|e| e.to_string())?;
        let ingest_seconds = started.elapsed().as_secs_f64();

        // Proofs: the trial balance is zero and the bank holds every penny;
        // a second ingest of the same file books nothing new.
        let balances = scratch.store().account_balances().await.map_err(|e| e.to_string())?;
        let trial: i128 = balances.iter().map(|(_, b)| b).sum();
        let bank = balances.iter().find(|(a, _)| *a == ledger::Account::BANK).map_or(0, |(_, b)| *b);
        let mut again = storage_api::PostSummary::default();
        for batch in transfers.chunks(crate::bank::TRANSFERS_PER_BATCH) {
            let s = scratch.store().post_transfers(batch).await.map_err(|e| e.to_string())?;
            again.posted += s.posted;
            again.already_posted += s.already_posted;
        }
        scratch.remove().await;
        if trial != 0 || u128::try_from(bank).unwrap_or(0) != expected_total || again.posted != 0 {
            return Err(format!("a proof failed: trial balance {trial}, bank {bank} of {expected_total}, re-ingest posted {}", again.posted));
        }
        let rate = per_second(payments, ingest_seconds);
        let plain_rate = per_second(payments, plain_seconds);
        Ok(format!(
            "ingest benchmark on {backend}: {payments} payments for {cases} cases ({} to suspense, {} notes kept), {} per transaction\n  \
             plain batched insert of as many rows: {plain_rate:.0} rows/s ({plain_seconds:.2} s)\n  \
             parse, match, post durably: {rate:.0} payments/s ({ingest_seconds:.2} s)\n  \
             ratio ingest / plain: {:.3}; trial balance 0; bank holds all {expected_total}p; re-ingest posted nothing\n\
             {{\"benchmark\":\"ingest\",\"backend\":\"{backend}\",\"payments\":{payments},\"cases\":{cases},\"payments_per_second\":{rate:.0},\"plain_rows_per_second\":{plain_rate:.0},\"ratio\":{:.4}}}",
            unmatched.len(),
            notes.len(),
            crate::bank::TRANSFERS_PER_BATCH,
            rate / plain_rate,
            rate / plain_rate
        ))
    });
    match result {
        Ok(report) => {
            outln!("{report}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            errln!("cms bench ingest: {message}");
            ExitCode::FAILURE
        }
    }
}
