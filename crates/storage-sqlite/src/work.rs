//! Work items in SQLite (issue 14): applied inside the transaction of the
//! event that causes them, read by the partial indexes of migration 0017.

use audit_log::AuditRecord;
use case_records::CaseReference;
use safety::{RiskLevel, SafetyState};
use sqlx::sqlite::{SqlitePool, SqliteRow};
use sqlx::{Connection, Row};
use storage_api::{Bound, StorageError, WORK_ITEM_COLUMNS, WorkItemRow, work_conditions};
use work_items::{
    ServiceStandards, WorkChange, WorkCommand, WorkItem, WorkKind, WorkPage, WorkQuery,
};

use crate::{action_row, append_audit_in, database_error};

type Transaction<'c> = sqlx::Transaction<'c, sqlx::Sqlite>;

/// The database's own now, for changes no caller timed.
const NOW: &str = "CAST(strftime('%s', 'now') AS INTEGER)";

/// The case's safety log, the event just appended included.
async fn safety_records_in(
    transaction: &mut Transaction<'_>,
    case: &str,
) -> Result<Vec<safety::SafetyRecord>, StorageError> {
    let rows = sqlx::query("SELECT event_id, kind, payload, person_id, role, on_date FROM safety_events WHERE case_reference = ? ORDER BY sequence")
        .bind(case)
        .fetch_all(&mut **transaction)
        .await
        .map_err(database_error)?;
    rows.iter()
        .map(|row| action_row(row).into_safety())
        .collect::<Result<Vec<_>, _>>()
}

/// The case's coercion-scan events, read in the transaction.
async fn coercion_events_in(
    transaction: &mut Transaction<'_>,
    case: &CaseReference,
) -> Result<Vec<safety::CaseEvent>, StorageError> {
    let reference = case.to_string();
    let records = safety_records_in(transaction, &reference).await?;
    let transfers = sqlx::query("SELECT id, debit_case, debit_kind, credit_case, credit_kind, amount_pence, code, effective, corrects FROM ledger_transfers WHERE debit_case = ? OR credit_case = ? ORDER BY id")
        .bind(&reference)
        .bind(&reference)
        .fetch_all(&mut **transaction)
        .await
        .map_err(database_error)?
        .iter()
        .map(|row| crate::transfer_row(row).into_transfer())
        .collect::<Result<Vec<_>, _>>()?;
    let notes: Vec<(ledger::TransferId, String)> = sqlx::query("SELECT n.transfer_id, n.remittance FROM payment_notes n JOIN ledger_transfers t ON t.id = n.transfer_id WHERE t.credit_case = ?")
        .bind(&reference)
        .fetch_all(&mut **transaction)
        .await
        .map_err(database_error)?
        .iter()
        .map(|row| (ledger::TransferId(row.get(0)), row.get(1)))
        .collect();
    Ok(work_items::coercion_events(
        case, &transfers, &notes, &records,
    ))
}

/// Raises the coercion items that payments just recorded complete, for
/// each case a payment in `transfers` is on (or, with `notes`, each case
/// the noted payments are on), in the caller's transaction.
pub(crate) async fn signals_after_payments_in(
    transaction: &mut Transaction<'_>,
    transfers: &[ledger::Transfer],
    raised: Option<i64>,
) -> Result<(), StorageError> {
    let mut cases: Vec<CaseReference> = transfers
        .iter()
        .filter(|t| t.code == ledger::TransferCode::Payment)
        .filter_map(|t| t.credit.case)
        .collect();
    cases.sort_unstable();
    cases.dedup();
    let changes: Vec<WorkChange> = cases
        .into_iter()
        .map(|case| WorkChange::ScanForSignals { case })
        .collect();
    apply_in(transaction, &changes, raised).await
}

/// The case a noted payment was made to, if it matched one.
pub(crate) async fn cases_of_notes_in(
    transaction: &mut Transaction<'_>,
    notes: &[ledger::TransferId],
) -> Result<Vec<CaseReference>, StorageError> {
    let mut cases = Vec::new();
    for id in notes {
        let row = sqlx::query("SELECT credit_case FROM ledger_transfers WHERE id = ?")
            .bind(&id.0)
            .fetch_optional(&mut **transaction)
            .await
            .map_err(database_error)?;
        if let Some(text) = row.and_then(|r| r.get::<Option<String>, _>(0))
            && let Ok(case) = CaseReference::parse(&text)
            && !cases.contains(&case)
        {
            cases.push(case);
        }
    }
    Ok(cases)
}

/// The case's risk, folded from its safety events (the one just appended
/// included).
async fn case_risk_in(
    transaction: &mut Transaction<'_>,
    case: &str,
) -> Result<(RiskLevel, Option<i64>), StorageError> {
    let records = safety_records_in(transaction, case).await?;
    let state = SafetyState::from_records(&records);
    Ok((
        state.risk,
        state
            .named_caseworker
            .map(|p| i64::try_from(p.0).unwrap_or(i64::MAX)),
    ))
}

/// How many parents' requests the case's log holds before `sequence`.
pub(crate) async fn requests_before_in(
    transaction: &mut Transaction<'_>,
    case: &str,
    sequence: i64,
) -> Result<u64, StorageError> {
    let count: i64 = sqlx::query("SELECT COUNT(*) FROM collection_actions WHERE case_reference = ? AND sequence < ? AND kind IN ('move_requested', 'change_reported')")
        .bind(case)
        .bind(sequence)
        .fetch_one(&mut **transaction)
        .await
        .map_err(database_error)?
        .get(0);
    Ok(u64::try_from(count).unwrap_or(0))
}

/// Applies `changes` in the transaction, raised at `raised` (or the
/// database's now).
pub(crate) async fn apply_in(
    transaction: &mut Transaction<'_>,
    changes: &[WorkChange],
    raised: Option<i64>,
) -> Result<(), StorageError> {
    let standards = ServiceStandards::embedded();
    // A scan of the safety log adds the items it finds to those still to
    // apply, in this same transaction.
    let mut pending: std::collections::VecDeque<WorkChange> = changes.iter().cloned().collect();
    while let Some(owned) = pending.pop_front() {
        let change = &owned;
        match change {
            WorkChange::Open {
                id,
                kind,
                case,
                person,
            } => {
                let reference = case.map(|c| c.to_string());
                let (risk, named) = match &reference {
                    Some(case) => case_risk_in(transaction, case).await?,
                    None => (RiskLevel::Standard, None),
                };
                // A review on a case with a named caseworker is theirs from
                // the start, as naming them gives them those already open.
                let assignee = named.filter(|_| {
                    matches!(kind, WorkKind::DisclosureToReview | WorkKind::UnsafeRequest)
                });
                let opened = sqlx::query(sqlx::AssertSqlSafe(format!("INSERT INTO work_items (item_id, kind, team, priority, case_reference, person_id, risk, raised_unix, due_unix, assignee, state) VALUES (?, ?, ?, ?, ?, ?, ?, COALESCE(?, {NOW}), COALESCE(?, {NOW}) + ?, ?, CASE WHEN ? IS NULL THEN 'open' ELSE 'claimed' END) ON CONFLICT (item_id) DO NOTHING")))
                    .bind(id)
                    .bind(kind.code())
                    .bind(kind.team().code())
                    .bind(i64::from(kind.priority()))
                    .bind(reference)
                    .bind(person.map(|p| i64::try_from(p.0).unwrap_or(i64::MAX)))
                    .bind(risk.code())
                    .bind(raised)
                    .bind(raised)
                    .bind(i64::from(standards.minutes(*kind)) * 60)
                    .bind(assignee)
                    .bind(assignee)
                    .execute(&mut **transaction)
                    .await
                    .map_err(database_error)?
                    .rows_affected();
                if opened == 1 {
                    crate::mi::work_opened_in(transaction, kind.code(), risk.code()).await?;
                }
            }
            WorkChange::CloseKinds { case, kinds } => {
                for kind in kinds {
                    let closed = sqlx::query(sqlx::AssertSqlSafe(format!("UPDATE work_items SET state = 'done', closed_unix = COALESCE(?, {NOW}) WHERE case_reference = ? AND kind = ? AND state <> 'done' RETURNING kind, risk")))
                        .bind(raised)
                        .bind(case.to_string())
                        .bind(kind.code())
                        .fetch_all(&mut **transaction)
                        .await
                        .map_err(database_error)?;
                    closed_in(transaction, &closed).await?;
                }
            }
            WorkChange::Close { id } => {
                let closed = sqlx::query(sqlx::AssertSqlSafe(format!("UPDATE work_items SET state = 'done', closed_unix = COALESCE(?, {NOW}) WHERE item_id = ? AND state <> 'done' RETURNING kind, risk")))
                    .bind(raised)
                    .bind(id)
                    .fetch_all(&mut **transaction)
                    .await
                    .map_err(database_error)?;
                closed_in(transaction, &closed).await?;
            }
            WorkChange::SetRisk { case, risk } => {
                let moving = sqlx::query("SELECT kind, risk FROM work_items WHERE case_reference = ? AND state <> 'done' AND risk <> ?")
                    .bind(case.to_string())
                    .bind(risk.code())
                    .fetch_all(&mut **transaction)
                    .await
                    .map_err(database_error)?;
                sqlx::query(
                    "UPDATE work_items SET risk = ? WHERE case_reference = ? AND state <> 'done'",
                )
                .bind(risk.code())
                .bind(case.to_string())
                .execute(&mut **transaction)
                .await
                .map_err(database_error)?;
                for row in &moving {
                    let (kind, from): (String, String) = (row.get(0), row.get(1));
                    crate::mi::work_risk_in(transaction, &kind, &from, risk.code()).await?;
                }
            }
            WorkChange::ScanForSignals { case } => {
                let events = coercion_events_in(transaction, case).await?;
                pending.extend(work_items::changes_for_signals(case, &events));
            }
            WorkChange::Assign { case, kinds, to } => {
                for kind in kinds {
                    sqlx::query("UPDATE work_items SET assignee = ?, state = 'claimed' WHERE case_reference = ? AND kind = ? AND state <> 'done'")
                        .bind(i64::try_from(to.0).unwrap_or(i64::MAX))
                        .bind(case.to_string())
                        .bind(kind.code())
                        .execute(&mut **transaction)
                        .await
                        .map_err(database_error)?;
                }
            }
        }
    }
    Ok(())
}

/// Items just closed (their kind and risk): the counts follow.
async fn closed_in(
    transaction: &mut Transaction<'_>,
    closed: &[SqliteRow],
) -> Result<(), StorageError> {
    for row in closed {
        let (kind, risk): (String, String) = (row.get(0), row.get(1));
        crate::mi::work_closed_in(transaction, &kind, &risk).await?;
    }
    Ok(())
}

fn item_row(row: &SqliteRow) -> WorkItemRow {
    WorkItemRow {
        id: row.get(0),
        kind: row.get(1),
        case: row.get(2),
        person: row.get(3),
        risk: row.get(4),
        raised: row.get(5),
        due: row.get(6),
        assignee: row.get(7),
        state: row.get(8),
        restricted: row.get(9),
    }
}

fn bind_all<'q>(
    mut query: sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments>,
    binds: &'q [Bound],
) -> sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments> {
    for bound in binds {
        query = match bound {
            Bound::Text(text) => query.bind(text.as_str()),
            Bound::Whole(n) => query.bind(*n),
        };
    }
    query
}

/// A page of a queue with its counts.
/// One read of a queue's items, in the order of its index.
async fn items_of(pool: &SqlitePool, query: &WorkQuery) -> Result<Vec<WorkItem>, StorageError> {
    let (conditions, binds) = work_conditions(query, &|_| "?".to_owned());
    let items_sql = format!(
        "SELECT {WORK_ITEM_COLUMNS} FROM work_items w{conditions} ORDER BY w.priority, w.raised_unix, w.item_id LIMIT {} OFFSET {}",
        query.limit.max(1),
        query.offset
    );
    let rows = bind_all(sqlx::query(sqlx::AssertSqlSafe(items_sql)), &binds)
        .fetch_all(pool)
        .await
        .map_err(database_error)?;
    rows.iter()
        .map(|row| item_row(row).into_item())
        .collect::<Result<Vec<_>, _>>()
}

pub(crate) async fn queue(pool: &SqlitePool, query: &WorkQuery) -> Result<WorkPage, StorageError> {
    let reads = storage_api::mi::queue_reads(query);
    let mut found = Vec::new();
    for read in &reads {
        found.extend(items_of(pool, read).await?);
    }
    let items = storage_api::mi::queue_page(found, query, reads.len());
    let (conditions, binds) = work_conditions(query, &|_| "?".to_owned());
    // The counts are kept as items open, close and change risk (`mi`):
    // read by key, not counted, unless the query filters by what is not
    // kept (who has it, overdue, one case), which its own index bounds.
    if storage_api::mi::counts_are_kept(query) {
        let totals = crate::mi::totals(pool, Some(storage_api::mi::WORK_OPEN)).await?;
        let counts = storage_api::mi::queue_counts(&totals, query);
        return Ok(WorkPage { items, counts });
    }
    let counts_sql =
        format!("SELECT w.kind, COUNT(*) FROM work_items w{conditions} GROUP BY w.kind");
    let counted = bind_all(sqlx::query(sqlx::AssertSqlSafe(counts_sql)), &binds)
        .fetch_all(pool)
        .await
        .map_err(database_error)?;
    let mut counts: Vec<(WorkKind, u64)> = counted
        .iter()
        .filter_map(|row| {
            let kind = WorkKind::from_code(&row.get::<String, _>(0))?;
            Some((kind, u64::try_from(row.get::<i64, _>(1)).unwrap_or(0)))
        })
        .collect();
    counts.sort_by_key(|(kind, _)| kind.priority());
    Ok(WorkPage { items, counts })
}

async fn item_in(
    connection: &mut sqlx::SqliteConnection,
    id: &str,
) -> Result<Option<WorkItem>, StorageError> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {WORK_ITEM_COLUMNS} FROM work_items w WHERE w.item_id = ?"
    )))
    .bind(id)
    .fetch_optional(&mut *connection)
    .await
    .map_err(database_error)?
    .map(|row| item_row(&row).into_item())
    .transpose()
}

/// One item.
pub(crate) async fn item(pool: &SqlitePool, id: &str) -> Result<Option<WorkItem>, StorageError> {
    let mut connection = pool.acquire().await.map_err(database_error)?;
    item_in(&mut connection, id).await
}

/// Claims, assigns, completes or returns an item, with its audit entry.
pub(crate) async fn command(
    pool: &SqlitePool,
    id: &str,
    command: WorkCommand,
    by: i64,
    at: i64,
    audit: AuditRecord,
) -> Result<WorkItem, StorageError> {
    let mut connection = pool.acquire().await.map_err(database_error)?;
    let mut transaction = connection
        .begin_with("BEGIN IMMEDIATE")
        .await
        .map_err(database_error)?;
    let state: Option<String> = sqlx::query("SELECT state FROM work_items WHERE item_id = ?")
        .bind(id)
        .fetch_optional(&mut *transaction)
        .await
        .map_err(database_error)?
        .map(|row| row.get(0));
    match state.as_deref() {
        None => return Err(StorageError::UnknownWorkItem(id.to_owned())),
        Some("done") => return Err(StorageError::WorkItemDone(id.to_owned())),
        Some(_) => {}
    }
    let query = match command {
        WorkCommand::Claim => sqlx::query("UPDATE work_items SET assignee = ?, state = 'claimed' WHERE item_id = ?").bind(by).bind(id),
        WorkCommand::AssignTo(person) => sqlx::query("UPDATE work_items SET assignee = ?, state = 'claimed' WHERE item_id = ?")
            .bind(i64::try_from(person.0).unwrap_or(i64::MAX))
            .bind(id),
        WorkCommand::Return => sqlx::query("UPDATE work_items SET assignee = NULL, state = 'open' WHERE item_id = ?").bind(id),
        WorkCommand::Complete => sqlx::query("UPDATE work_items SET state = 'done', closed_unix = ?, closed_by = ? WHERE item_id = ?")
            .bind(at)
            .bind(by)
            .bind(id),
    };
    query
        .execute(&mut *transaction)
        .await
        .map_err(database_error)?;
    if matches!(command, WorkCommand::Complete) {
        let row = sqlx::query("SELECT kind, risk FROM work_items WHERE item_id = ?")
            .bind(id)
            .fetch_one(&mut *transaction)
            .await
            .map_err(database_error)?;
        let (kind, risk): (String, String) = (row.get(0), row.get(1));
        crate::mi::work_closed_in(&mut transaction, &kind, &risk).await?;
    }
    append_audit_in(&mut transaction, audit).await?;
    let item = item_in(&mut transaction, id)
        .await?
        .ok_or_else(|| StorageError::UnknownWorkItem(id.to_owned()))?;
    transaction.commit().await.map_err(database_error)?;
    Ok(item)
}

/// Applies changes no other write carries, in their own transaction.
pub(crate) async fn record(
    pool: &SqlitePool,
    changes: &[WorkChange],
    raised: i64,
) -> Result<(), StorageError> {
    let mut connection = pool.acquire().await.map_err(database_error)?;
    let mut transaction = connection
        .begin_with("BEGIN IMMEDIATE")
        .await
        .map_err(database_error)?;
    apply_in(&mut transaction, changes, Some(raised)).await?;
    transaction.commit().await.map_err(database_error)?;
    Ok(())
}
