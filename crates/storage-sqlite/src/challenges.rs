//! Challenges to decisions in SQLite (issue 16, migration 0019): each event
//! with its sealed words, its evidence file, the work it makes and its
//! audit entry in one transaction.

use audit_log::AuditRecord;
use case_records::CaseReference;
use sqlx::sqlite::SqliteRow;
use sqlx::{Connection, Row};
use storage_api::{ActionOutcome, ChallengeRow, EvidenceRow, StorageError};
use work_items::WorkChange;

use crate::{SqliteStore, append_audit_in, database_error, work};

const EVENT_COLUMNS: &str = "event_id, kind, payload, person_id, role, on_date, words";

fn challenge_row(row: &SqliteRow) -> ChallengeRow {
    ChallengeRow {
        event_id: row.get(0),
        kind: row.get(1),
        payload: row.get(2),
        person: row.get(3),
        role: row.get(4),
        on: row.get(5),
        words: row.get(6),
    }
}

impl SqliteStore {
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn record_challenge_event_now(
        &self,
        case: &CaseReference,
        challenge: &str,
        expected: i64,
        row: &ChallengeRow,
        evidence: Option<&EvidenceRow>,
        work: &[WorkChange],
        audit: AuditRecord,
    ) -> Result<ActionOutcome, StorageError> {
        let reference = case.to_string();
        let mut connection = self.pool.acquire().await.map_err(database_error)?;
        let mut transaction = connection
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(database_error)?;
        sqlx::query("SELECT case_reference FROM cases WHERE case_reference = ?")
            .bind(&reference)
            .fetch_optional(&mut *transaction)
            .await
            .map_err(database_error)?
            .ok_or_else(|| StorageError::UnknownCase(reference.clone()))?;
        let owner: Option<String> =
            sqlx::query("SELECT case_reference FROM challenges WHERE challenge_id = ?")
                .bind(challenge)
                .fetch_optional(&mut *transaction)
                .await
                .map_err(database_error)?
                .map(|r| r.get(0));
        match owner {
            Some(owner) if owner != reference => {
                return Err(StorageError::IdempotencyKeyReused(challenge.to_owned()));
            }
            Some(_) => {}
            None if expected == 0 => {
                sqlx::query("INSERT INTO challenges (challenge_id, case_reference, asked_by, asked_on) VALUES (?, ?, ?, ?)")
                    .bind(challenge)
                    .bind(&reference)
                    .bind(row.person)
                    .bind(&row.on)
                    .execute(&mut *transaction)
                    .await
                    .map_err(database_error)?;
            }
            None => return Err(StorageError::ActionConflict(challenge.to_owned())),
        }
        let earlier = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {EVENT_COLUMNS} FROM challenge_events WHERE challenge_id = ? AND event_id = ?"
        )))
        .bind(challenge)
        .bind(&row.event_id)
        .fetch_optional(&mut *transaction)
        .await
        .map_err(database_error)?;
        if let Some(stored) = earlier {
            let stored = challenge_row(&stored);
            // Words are sealed afresh on a retry: the same event is the
            // same kind, payload and person.
            return if (stored.kind.as_str(), stored.payload.as_str(), stored.person)
                == (row.kind.as_str(), row.payload.as_str(), row.person)
            {
                Ok(ActionOutcome::AlreadyRecorded)
            } else {
                Err(StorageError::IdempotencyKeyReused(row.event_id.clone()))
            };
        }
        let stored: i64 =
            sqlx::query("SELECT COUNT(*) FROM challenge_events WHERE challenge_id = ?")
                .bind(challenge)
                .fetch_one(&mut *transaction)
                .await
                .map_err(database_error)?
                .get(0);
        if stored != expected {
            return Err(StorageError::ActionConflict(challenge.to_owned()));
        }
        let sequence = stored + 1;
        sqlx::query("INSERT INTO challenge_events (challenge_id, sequence, event_id, kind, payload, person_id, role, on_date, words) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
            .bind(challenge)
            .bind(sequence)
            .bind(&row.event_id)
            .bind(&row.kind)
            .bind(&row.payload)
            .bind(row.person)
            .bind(&row.role)
            .bind(&row.on)
            .bind(&row.words)
            .execute(&mut *transaction)
            .await
            .map_err(database_error)?;
        if let Some(file) = evidence {
            sqlx::query("INSERT INTO challenge_evidence (challenge_id, evidence_id, received, media_type, person_id, bytes, sealed) VALUES (?, ?, ?, ?, ?, ?, ?)")
                .bind(challenge)
                .bind(&file.evidence_id)
                .bind(sequence)
                .bind(&file.media_type)
                .bind(file.person)
                .bind(file.bytes)
                .bind(&file.sealed)
                .execute(&mut *transaction)
                .await
                .map_err(database_error)?;
        }
        crate::mi::challenge_in(&mut transaction, challenge, row).await?;
        work::apply_in(&mut transaction, work, Some(audit.at_unix_seconds)).await?;
        append_audit_in(&mut transaction, audit).await?;
        transaction.commit().await.map_err(database_error)?;
        Ok(ActionOutcome::Recorded { sequence })
    }

    pub(crate) async fn challenge_now(
        &self,
        challenge: &str,
    ) -> Result<Option<(CaseReference, Vec<ChallengeRow>)>, StorageError> {
        let owner: Option<String> =
            sqlx::query("SELECT case_reference FROM challenges WHERE challenge_id = ?")
                .bind(challenge)
                .fetch_optional(&self.pool)
                .await
                .map_err(database_error)?
                .map(|r| r.get(0));
        let Some(owner) = owner else {
            return Ok(None);
        };
        let case = CaseReference::parse(&owner)
            .map_err(|_| StorageError::Database(format!("challenge {challenge}: its case")))?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {EVENT_COLUMNS} FROM challenge_events WHERE challenge_id = ? ORDER BY sequence"
        )))
        .bind(challenge)
        .fetch_all(&self.pool)
        .await
        .map_err(database_error)?;
        Ok(Some((case, rows.iter().map(challenge_row).collect())))
    }

    pub(crate) async fn challenges_of_case_now(
        &self,
        case: &CaseReference,
    ) -> Result<Vec<String>, StorageError> {
        let rows = sqlx::query(
            "SELECT c.challenge_id FROM challenges c JOIN challenge_events e ON e.challenge_id = c.challenge_id AND e.sequence = 1 WHERE c.case_reference = ? ORDER BY e.on_date, c.rowid",
        )
        .bind(case.to_string())
        .fetch_all(&self.pool)
        .await
        .map_err(database_error)?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    pub(crate) async fn challenge_evidence_now(
        &self,
        challenge: &str,
    ) -> Result<Vec<EvidenceRow>, StorageError> {
        let rows = sqlx::query("SELECT evidence_id, media_type, person_id, bytes, sealed FROM challenge_evidence WHERE challenge_id = ? ORDER BY received")
            .bind(challenge)
            .fetch_all(&self.pool)
            .await
            .map_err(database_error)?;
        Ok(rows
            .iter()
            .map(|r| EvidenceRow {
                evidence_id: r.get(0),
                media_type: r.get(1),
                person: r.get(2),
                bytes: r.get(3),
                sealed: r.get(4),
            })
            .collect())
    }

    /// The actor of the last change a staff member made to `case`, read
    /// through the audit index on (case, action) (migration 0021).
    pub(crate) async fn last_staff_change_now(
        &self,
        case: &CaseReference,
    ) -> Result<Option<String>, StorageError> {
        let row = sqlx::query(
            "SELECT actor FROM audit_log WHERE case_reference = ? AND action = 'changed' AND actor LIKE 'staff-%' ORDER BY sequence DESC LIMIT 1",
        )
        .bind(case.to_string())
        .fetch_optional(&self.pool)
        .await
        .map_err(database_error)?;
        Ok(row.map(|r| r.get(0)))
    }
}
