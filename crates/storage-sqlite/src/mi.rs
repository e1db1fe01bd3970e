//! Management information kept in SQLite (issue 14, migration 0020): each
//! write that changes a total changes it in its own transaction
//! (`storage_api::mi` says what changes); pages read the totals and a page
//! of the arrears index, never the caseload.

use std::collections::BTreeMap;

use case_records::{CaseReference, FactEvent};
use domain_types::Date;
use ledger::Transfer;
use sqlx::Row;
use sqlx::sqlite::SqlitePool;
use storage_api::StorageError;
use storage_api::mi::{self, CaseTotals, MiTotals, WorkTally};

use crate::database_error;

type Transaction<'c> = sqlx::Transaction<'c, sqlx::Sqlite>;

/// Adds `delta` to a total.
pub(crate) async fn add_in(
    transaction: &mut Transaction<'_>,
    measure: &str,
    period: &str,
    delta: i64,
) -> Result<(), StorageError> {
    if delta == 0 {
        return Ok(());
    }
    sqlx::query("INSERT INTO mi_totals (measure, period, amount) VALUES (?, ?, ?) ON CONFLICT (measure, period) DO UPDATE SET amount = mi_totals.amount + excluded.amount")
        .bind(measure)
        .bind(period)
        .bind(delta)
        .execute(&mut **transaction)
        .await
        .map_err(database_error)?;
    Ok(())
}

async fn add_all_in(
    transaction: &mut Transaction<'_>,
    totals: &MiTotals,
) -> Result<(), StorageError> {
    for ((measure, period), delta) in &totals.rows {
        add_in(transaction, measure, period, *delta).await?;
    }
    Ok(())
}

async fn case_row_in(
    transaction: &mut Transaction<'_>,
    case: &str,
) -> Result<CaseTotals, StorageError> {
    Ok(sqlx::query(
        "SELECT owed, collect_and_pay, disclosed FROM case_totals WHERE case_reference = ?",
    )
    .bind(case)
    .fetch_optional(&mut **transaction)
    .await
    .map_err(database_error)?
    .map(|row| CaseTotals {
        owed: row.get(0),
        collect_and_pay: row.get::<i64, _>(1) != 0,
        disclosed: row.get::<i64, _>(2) != 0,
    })
    .unwrap_or_default())
}

/// Changes a case's row with `change`, and the totals by what changed.
async fn change_case_in(
    transaction: &mut Transaction<'_>,
    case: &str,
    change: impl FnOnce(&mut CaseTotals),
) -> Result<(), StorageError> {
    let old = case_row_in(transaction, case).await?;
    let mut new = old;
    change(&mut new);
    if new == old {
        return Ok(());
    }
    sqlx::query("INSERT INTO case_totals (case_reference, owed, collect_and_pay, disclosed) VALUES (?, ?, ?, ?) ON CONFLICT (case_reference) DO UPDATE SET owed = excluded.owed, collect_and_pay = excluded.collect_and_pay, disclosed = excluded.disclosed")
        .bind(case)
        .bind(new.owed)
        .bind(i64::from(new.collect_and_pay))
        .bind(i64::from(new.disclosed))
        .execute(&mut **transaction)
        .await
        .map_err(database_error)?;
    for (measure, delta) in old.deltas(new) {
        add_in(transaction, measure, "", delta).await?;
    }
    Ok(())
}

/// Whether the case is stored already (read before opening it).
pub(crate) async fn exists_in(
    transaction: &mut Transaction<'_>,
    case: &str,
) -> Result<bool, StorageError> {
    Ok(sqlx::query("SELECT 1 FROM cases WHERE case_reference = ?")
        .bind(case)
        .fetch_optional(&mut **transaction)
        .await
        .map_err(database_error)?
        .is_some())
}

/// A case opened (`new`), or an application given its calculation.
pub(crate) async fn opened_in(
    transaction: &mut Transaction<'_>,
    new: bool,
    application: bool,
) -> Result<(), StorageError> {
    if new {
        add_in(transaction, mi::CASES, "", 1).await?;
    }
    match (new, application) {
        (true, true) => add_in(transaction, mi::APPLICATIONS_WAITING, "", 1).await,
        (false, false) => add_in(transaction, mi::APPLICATIONS_WAITING, "", -1).await,
        _ => Ok(()),
    }
}

/// Facts appended to a case: its service, and moves to Collect and Pay.
pub(crate) async fn facts_in(
    transaction: &mut Transaction<'_>,
    case: &str,
    first_sequence: i64,
    events: &[FactEvent],
) -> Result<(), StorageError> {
    let Some(service) = mi::latest_service(events) else {
        return Ok(());
    };
    let first: Option<String> = sqlx::query(
        "SELECT MIN(recorded_on) FROM case_facts WHERE case_reference = ? AND sequence < ?",
    )
    .bind(case)
    .bind(first_sequence)
    .fetch_one(&mut **transaction)
    .await
    .map_err(database_error)?
    .get(0);
    let first = first.as_deref().and_then(|d| Date::parse_iso(d).ok());
    add_in(
        transaction,
        mi::MOVES_TO_COLLECT_AND_PAY,
        "",
        mi::moves(events, first),
    )
    .await?;
    change_case_in(transaction, case, |row| {
        row.collect_and_pay = service == case_records::ServiceType::CollectAndPay;
    })
    .await
}

/// Transfers newly posted: what each paying parent owes, money by month.
pub(crate) async fn transfers_in(
    transaction: &mut Transaction<'_>,
    posted: &[Transfer],
) -> Result<(), StorageError> {
    let (owed, totals) = mi::transfer_totals(posted);
    add_all_in(transaction, &totals).await?;
    for (case, delta) in owed {
        change_case_in(transaction, &case.to_string(), |row| row.owed += delta).await?;
    }
    Ok(())
}

/// A row appended to one of a case's logs, by its stored kind.
pub(crate) async fn logged_in(
    transaction: &mut Transaction<'_>,
    case: &str,
    safety: bool,
    kind: &str,
) -> Result<(), StorageError> {
    if !safety {
        return add_in(transaction, mi::COLLECTION_ACTIONS, kind, 1).await;
    }
    match kind {
        "referred" => add_in(transaction, mi::REFERRALS, "", 1).await,
        "disclosed" => change_case_in(transaction, case, |row| row.disclosed = true).await,
        _ => Ok(()),
    }
}

/// An event of a challenge stored: requests, outcomes with the days
/// taken, appeals.
pub(crate) async fn challenge_in(
    transaction: &mut Transaction<'_>,
    challenge: &str,
    row: &storage_api::ChallengeRow,
) -> Result<(), StorageError> {
    let asked_on: Option<String> =
        sqlx::query("SELECT asked_on FROM challenges WHERE challenge_id = ?")
            .bind(challenge)
            .fetch_optional(&mut **transaction)
            .await
            .map_err(database_error)?
            .map(|r| r.get(0));
    let totals = mi::challenge_totals(&row.kind, &row.payload, &row.on, asked_on.as_deref());
    add_all_in(transaction, &totals).await
}

/// A work item opened.
pub(crate) async fn work_opened_in(
    transaction: &mut Transaction<'_>,
    kind: &str,
    risk: &str,
) -> Result<(), StorageError> {
    add_in(transaction, mi::WORK_OPENED, kind, 1).await?;
    add_in(
        transaction,
        mi::WORK_OPEN,
        &mi::work_open_period(kind, risk),
        1,
    )
    .await
}

/// A work item closed.
pub(crate) async fn work_closed_in(
    transaction: &mut Transaction<'_>,
    kind: &str,
    risk: &str,
) -> Result<(), StorageError> {
    add_in(transaction, mi::WORK_CLOSED, kind, 1).await?;
    add_in(
        transaction,
        mi::WORK_OPEN,
        &mi::work_open_period(kind, risk),
        -1,
    )
    .await
}

/// An open item's risk changed.
pub(crate) async fn work_risk_in(
    transaction: &mut Transaction<'_>,
    kind: &str,
    from: &str,
    to: &str,
) -> Result<(), StorageError> {
    add_in(
        transaction,
        mi::WORK_OPEN,
        &mi::work_open_period(kind, from),
        -1,
    )
    .await?;
    add_in(
        transaction,
        mi::WORK_OPEN,
        &mi::work_open_period(kind, to),
        1,
    )
    .await
}

/// Every total, read.
pub(crate) async fn totals(
    pool: &SqlitePool,
    measure: Option<&str>,
) -> Result<MiTotals, StorageError> {
    let rows = match measure {
        Some(measure) => {
            sqlx::query("SELECT measure, period, amount FROM mi_totals WHERE measure = ?")
                .bind(measure)
                .fetch_all(pool)
                .await
        }
        None => {
            sqlx::query("SELECT measure, period, amount FROM mi_totals")
                .fetch_all(pool)
                .await
        }
    }
    .map_err(database_error)?;
    Ok(MiTotals::from_rows(
        rows.iter().map(|row| (row.get(0), row.get(1), row.get(2))),
    ))
}

fn reference(text: &str) -> Result<CaseReference, StorageError> {
    CaseReference::parse(text).map_err(|e| StorageError::Database(format!("case {text}: {e}")))
}

/// Every case's kept row that is not all zero.
pub(crate) async fn case_rows(
    pool: &SqlitePool,
) -> Result<BTreeMap<CaseReference, CaseTotals>, StorageError> {
    sqlx::query("SELECT case_reference, owed, collect_and_pay, disclosed FROM case_totals WHERE owed <> 0 OR collect_and_pay <> 0 OR disclosed <> 0")
        .fetch_all(pool)
        .await
        .map_err(database_error)?
        .iter()
        .map(|row| {
            Ok((
                reference(&row.get::<String, _>(0))?,
                CaseTotals {
                    owed: row.get(1),
                    collect_and_pay: row.get::<i64, _>(2) != 0,
                    disclosed: row.get::<i64, _>(3) != 0,
                },
            ))
        })
        .collect()
}

/// A page of the cases whose paying parents owe most, by the index.
pub(crate) async fn arrears(
    pool: &SqlitePool,
    offset: u32,
    limit: u32,
) -> Result<Vec<(CaseReference, i64)>, StorageError> {
    sqlx::query("SELECT case_reference, owed FROM case_totals WHERE owed > 0 ORDER BY owed DESC, case_reference LIMIT ? OFFSET ?")
        .bind(i64::from(limit))
        .bind(i64::from(offset))
        .fetch_all(pool)
        .await
        .map_err(database_error)?
        .iter()
        .map(|row| Ok((reference(&row.get::<String, _>(0))?, row.get(1))))
        .collect()
}

/// Work items by kind, risk and whether done (a scan: for the recount).
pub(crate) async fn work_tallies(pool: &SqlitePool) -> Result<Vec<WorkTally>, StorageError> {
    Ok(sqlx::query("SELECT kind, risk, state = 'done', COUNT(*) FROM work_items GROUP BY kind, risk, state = 'done'")
        .fetch_all(pool)
        .await
        .map_err(database_error)?
        .iter()
        .map(|row| WorkTally {
            kind: row.get(0),
            risk: row.get(1),
            done: row.get(2),
            count: row.get(3),
        })
        .collect())
}

/// Replaces every total and case row, in one transaction.
pub(crate) async fn replace(
    pool: &SqlitePool,
    totals: &MiTotals,
    cases: &BTreeMap<CaseReference, CaseTotals>,
) -> Result<(), StorageError> {
    use sqlx::Connection;
    let mut connection = pool.acquire().await.map_err(database_error)?;
    let mut transaction = connection
        .begin_with("BEGIN IMMEDIATE")
        .await
        .map_err(database_error)?;
    for table in ["DELETE FROM mi_totals", "DELETE FROM case_totals"] {
        sqlx::query(table)
            .execute(&mut *transaction)
            .await
            .map_err(database_error)?;
    }
    add_all_in(&mut transaction, totals).await?;
    for (case, row) in cases {
        sqlx::query("INSERT INTO case_totals (case_reference, owed, collect_and_pay, disclosed) VALUES (?, ?, ?, ?)")
            .bind(case.to_string())
            .bind(row.owed)
            .bind(i64::from(row.collect_and_pay))
            .bind(i64::from(row.disclosed))
            .execute(&mut *transaction)
            .await
            .map_err(database_error)?;
    }
    transaction.commit().await.map_err(database_error)?;
    Ok(())
}
