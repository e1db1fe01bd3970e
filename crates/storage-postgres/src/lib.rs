//! The PostgreSQL store: the same [`Store`] interface and the same
//! conformance suite as SQLite, for a deployment that outgrows one machine.
//!
//! Migrations run under a transaction-scoped advisory lock, so several
//! instances starting together apply each one once. Audit appends lock the
//! table against other appenders (readers are not blocked) before reading
//! the head, so the chain cannot fork.

use std::future::Future;
use std::pin::Pin;
use std::str::FromStr;

use audit_log::{AuditRecord, ChainedEntry};
use bank_files::PaymentNote;
use case_records::{
    CaseHistory, CaseReference, FactEvent, SealedParty, SearchKind, SearchQuery, SearchToken,
};
use domain_types::Date;
use ledger::{Account, CollectionAction, RecordedAction, Transfer, TransferId};
use safety::{ProtectionEvent, ProtectionRecord, SafetyRecord};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow};
use sqlx::{Connection, Row};
use storage_api::{
    AWAITING_CALCULATION, ActionOutcome, ActionRow, AppendOutcome, AuditRow, BatchAudit, FactRow,
    GroupCommit, LIFECYCLE_KINDS, Migration, PartiesTransform, PostSummary, ProtectionRow,
    SEARCH_HIT_RESTRICTED, STOPPED_IN_DANGER, SearchHit, StorageError, Store, StoreFuture,
    TransferRow, audit_columns, balances_from_sums, batch_fingerprint, changes_lifecycle,
    check_lifecycle, checksum, disclosers, initial_effective_date_column, is_parent_party,
    people_protected_by_action, people_protected_by_parties, people_protected_by_safety_event,
    work_changes_for_transfers,
};

mod challenges;
mod mi;
mod work;

/// The ledger columns, in the order `transfer_row` reads them.
macro_rules! transfer_columns {
    () => {
        "id, debit_case, debit_kind, credit_case, credit_kind, amount_pence, code, effective, corrects"
    };
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "parameter_sets",
        sql: include_str!("../migrations/0001_parameter_sets.sql"),
    },
    Migration {
        version: 2,
        name: "audit_log",
        sql: include_str!("../migrations/0002_audit_log.sql"),
    },
    Migration {
        version: 3,
        name: "cases",
        sql: include_str!("../migrations/0003_cases.sql"),
    },
    Migration {
        version: 4,
        name: "api_tokens",
        sql: include_str!("../migrations/0004_api_tokens.sql"),
    },
    Migration {
        version: 5,
        name: "parties",
        sql: include_str!("../migrations/0005_parties.sql"),
    },
    Migration {
        version: 6,
        name: "sign_in",
        sql: include_str!("../migrations/0006_sign_in.sql"),
    },
    Migration {
        version: 7,
        name: "person_flags",
        sql: include_str!("../migrations/0007_person_flags.sql"),
    },
    Migration {
        version: 8,
        name: "ledger",
        sql: include_str!("../migrations/0008_ledger.sql"),
    },
    Migration {
        version: 9,
        name: "collection_actions",
        sql: include_str!("../migrations/0009_collection_actions.sql"),
    },
    Migration {
        version: 10,
        name: "payment_notes",
        sql: include_str!("../migrations/0010_payment_notes.sql"),
    },
    Migration {
        version: 11,
        name: "partial_ledger_indexes",
        sql: include_str!("../migrations/0011_partial_ledger_indexes.sql"),
    },
    Migration {
        version: 12,
        name: "safety_events",
        sql: include_str!("../migrations/0012_safety_events.sql"),
    },
    Migration {
        version: 13,
        name: "parties_by_person",
        sql: include_str!("../migrations/0013_parties_by_person.sql"),
    },
    Migration {
        version: 14,
        name: "applications",
        sql: include_str!("../migrations/0014_applications.sql"),
    },
    Migration {
        version: 15,
        name: "person_protection",
        sql: include_str!("../migrations/0015_person_protection.sql"),
    },
    Migration {
        version: 16,
        name: "suspense_allocations",
        sql: include_str!("../migrations/0016_suspense_allocations.sql"),
    },
    Migration {
        version: 17,
        name: "work_items",
        sql: include_str!("../migrations/0017_work_items.sql"),
    },
    Migration {
        version: 18,
        name: "search_index",
        sql: include_str!("../migrations/0018_search_index.sql"),
    },
    Migration {
        version: 19,
        name: "challenges",
        sql: include_str!("../migrations/0019_challenges.sql"),
    },
    Migration {
        version: 20,
        name: "mi_totals",
        sql: include_str!("../migrations/0020_mi_totals.sql"),
    },
    Migration {
        version: 21,
        name: "audit_by_case_action",
        sql: include_str!("../migrations/0021_audit_by_case_action.sql"),
    },
];

/// An arbitrary constant naming the migration lock.
const MIGRATION_LOCK: i64 = 0x0063_6d73_5f6d_6967;

fn database_error(error: sqlx::Error) -> StorageError {
    StorageError::Database(error.to_string())
}

/// An open, migrated PostgreSQL database.
#[derive(Clone, Debug)]
pub struct PostgresStore {
    pool: PgPool,
    /// Audit entries appended on their own are committed in groups (shared
    /// by clones of the store, which share its pool).
    audit_commits: std::sync::Arc<GroupCommit<AuditRecord, ChainedEntry>>,
}

impl PostgresStore {
    /// Connects to `url` (`postgres://…`) and applies outstanding migrations.
    ///
    /// # Errors
    /// The database cannot be reached, or a migration fails.
    pub async fn open(url: &str) -> Result<PostgresStore, StorageError> {
        let options = PgConnectOptions::from_str(url).map_err(database_error)?;
        PostgresStore::connect(options).await
    }

    /// As [`PostgresStore::open`], inside `schema` (created if missing):
    /// how tests get a fresh, empty database each.
    ///
    /// # Errors
    /// As `open`, or a schema name other than lower-case letters, digits and
    /// underscores.
    pub async fn open_in_schema(url: &str, schema: &str) -> Result<PostgresStore, StorageError> {
        let schema = plain_identifier(schema)?;
        let options = PgConnectOptions::from_str(url).map_err(database_error)?;
        let setup = PgPoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone())
            .await
            .map_err(database_error)?;
        // The schema name was checked above to be a plain identifier.
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "CREATE SCHEMA IF NOT EXISTS {schema}"
        )))
        .execute(&setup)
        .await
        .map_err(database_error)?;
        setup.close().await;
        PostgresStore::connect(options.options([("search_path", schema)])).await
    }

    /// As [`PostgresStore::open_in_schema`], but the schema is first dropped
    /// with everything in it, before anything is read: how tests start
    /// afresh even when the machine's database holds a schema that an
    /// earlier build migrated differently (which opening would refuse).
    ///
    /// # Errors
    /// As `open_in_schema`.
    pub async fn open_fresh_in_schema(
        url: &str,
        schema: &str,
    ) -> Result<PostgresStore, StorageError> {
        let plain = plain_identifier(schema)?;
        let options = PgConnectOptions::from_str(url).map_err(database_error)?;
        let setup = PgPoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await
            .map_err(database_error)?;
        // The schema name was checked above to be a plain identifier.
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "DROP SCHEMA IF EXISTS {plain} CASCADE"
        )))
        .execute(&setup)
        .await
        .map_err(database_error)?;
        setup.close().await;
        PostgresStore::open_in_schema(url, schema).await
    }

    async fn connect(options: PgConnectOptions) -> Result<PostgresStore, StorageError> {
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await
            .map_err(database_error)?;
        let store = PostgresStore {
            pool,
            audit_commits: std::sync::Arc::default(),
        };
        store.migrate().await?;
        Ok(store)
    }

    /// Removes the schema and everything in it: for tests only.
    ///
    /// # Errors
    /// The database cannot be reached.
    pub async fn drop_schema(&self, schema: &str) -> Result<(), StorageError> {
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "DROP SCHEMA IF EXISTS {} CASCADE",
            plain_identifier(schema)?
        )))
        .execute(&self.pool)
        .await
        .map_err(database_error)?;
        Ok(())
    }

    async fn migrate(&self) -> Result<(), StorageError> {
        let mut transaction = self.pool.begin().await.map_err(database_error)?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(MIGRATION_LOCK)
            .execute(&mut *transaction)
            .await
            .map_err(database_error)?;
        sqlx::raw_sql(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                version BIGINT PRIMARY KEY NOT NULL,
                name TEXT NOT NULL,
                checksum TEXT NOT NULL,
                applied_at TEXT NOT NULL DEFAULT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')
            )",
        )
        .execute(&mut *transaction)
        .await
        .map_err(database_error)?;
        transaction.commit().await.map_err(database_error)?;
        for migration in MIGRATIONS {
            let checksum = checksum(migration.sql);
            let mut transaction = self.pool.begin().await.map_err(database_error)?;
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(MIGRATION_LOCK)
                .execute(&mut *transaction)
                .await
                .map_err(database_error)?;
            let applied: Option<String> =
                sqlx::query("SELECT checksum FROM schema_migrations WHERE version = $1")
                    .bind(migration.version)
                    .fetch_optional(&mut *transaction)
                    .await
                    .map_err(database_error)?
                    .map(|row| row.get(0));
            match applied {
                Some(existing) if existing == checksum => continue,
                Some(_) => {
                    return Err(StorageError::MigrationChanged {
                        version: migration.version,
                    });
                }
                None => {}
            }
            sqlx::raw_sql(migration.sql)
                .execute(&mut *transaction)
                .await
                .map_err(database_error)?;
            sqlx::query(
                "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
            )
            .bind(migration.version)
            .bind(migration.name)
            .bind(&checksum)
            .execute(&mut *transaction)
            .await
            .map_err(database_error)?;
            transaction.commit().await.map_err(database_error)?;
        }
        Ok(())
    }

    /// The benchmark's baseline: the same fact rows, in the same batches,
    /// each batch one durable transaction, into a plain table with no
    /// index, no idempotency record and no audit entry.
    ///
    /// # Errors
    /// The database cannot be written.
    pub async fn plain_insert_baseline(
        &self,
        case: &str,
        batches: &[Vec<FactRow>],
    ) -> Result<(), StorageError> {
        let mut connection = self.pool.acquire().await.map_err(database_error)?;
        sqlx::raw_sql("CREATE TEMP TABLE IF NOT EXISTS bench_plain (case_reference TEXT NOT NULL, sequence BIGINT NOT NULL, effective_from TEXT NOT NULL, recorded_on TEXT NOT NULL, kind TEXT NOT NULL, payload TEXT NOT NULL)")
            .execute(&mut *connection)
            .await
            .map_err(database_error)?;
        for batch in batches {
            let mut transaction = connection.begin().await.map_err(database_error)?;
            // As many rows per statement as the ingest uses: the fair baseline.
            for rows in batch.chunks(500) {
                let mut insert = sqlx::QueryBuilder::<sqlx::Postgres>::new(
                    "INSERT INTO bench_plain (case_reference, sequence, effective_from, recorded_on, kind, payload) ",
                );
                insert.push_values(rows, |mut values, row| {
                    values
                        .push_bind(case)
                        .push_bind(row.sequence)
                        .push_bind(row.effective_from.clone())
                        .push_bind(row.recorded_on.clone())
                        .push_bind(row.kind.clone())
                        .push_bind(row.payload.clone());
                });
                insert
                    .build()
                    .execute(&mut *transaction)
                    .await
                    .map_err(database_error)?;
            }
            transaction.commit().await.map_err(database_error)?;
        }
        Ok(())
    }

    async fn put_parties_once(
        &self,
        case: &CaseReference,
        parties: &[SealedParty],
        audit: AuditRecord,
    ) -> Result<(), StorageError> {
        let reference = case.to_string();
        let mut transaction = self.pool.begin().await.map_err(database_error)?;
        lock_case_in(&mut transaction, &reference).await?;
        write_parties_in(&mut transaction, &reference, parties).await?;
        protect_parties_in(&mut transaction, &reference, parties, &audit).await?;
        append_audit_in(&mut transaction, audit).await?;
        transaction.commit().await.map_err(database_error)?;
        Ok(())
    }

    async fn transform_parties_once(
        &self,
        case: &CaseReference,
        transform: &PartiesTransform<'_>,
        audit: AuditRecord,
    ) -> Result<bool, StorageError> {
        let reference = case.to_string();
        let mut transaction = self.pool.begin().await.map_err(database_error)?;
        lock_case_in(&mut transaction, &reference).await?;
        let current = read_parties_in(&mut transaction, &reference).await?;
        let Some(changed) = transform(&current).map_err(StorageError::Transform)? else {
            return Ok(false);
        };
        write_parties_in(&mut transaction, &reference, &changed).await?;
        protect_parties_in(&mut transaction, &reference, &changed, &audit).await?;
        append_audit_in(&mut transaction, audit).await?;
        transaction.commit().await.map_err(database_error)?;
        Ok(true)
    }

    async fn search_index(
        &self,
        query: &SearchQuery,
        limit: u32,
    ) -> Result<Vec<SearchHit>, StorageError> {
        if query.tokens.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let mut select = sqlx::QueryBuilder::<sqlx::Postgres>::new(format!(
            "SELECT s.case_reference, s.party, {SEARCH_HIT_RESTRICTED} FROM search_index s WHERE s.kind = "
        ));
        select.push_bind(query.kind.code());
        select.push(" AND s.token IN (");
        let mut tokens = select.separated(", ");
        for token in &query.tokens {
            tokens.push_bind(token.to_vec());
        }
        select.push(") GROUP BY s.case_reference, s.party HAVING COUNT(DISTINCT s.token) >= ");
        select.push_bind(i64::from(query.needed));
        select.push(" ORDER BY s.case_reference, s.party LIMIT ");
        select.push_bind(i64::from(limit));
        select
            .build()
            .fetch_all(&self.pool)
            .await
            .map_err(database_error)?
            .iter()
            .map(|row| {
                let text: String = row.get(0);
                Ok(SearchHit {
                    case: CaseReference::parse(&text)
                        .map_err(|e| StorageError::Database(format!("case {text}: {e}")))?,
                    party: row.get(1),
                    restricted: row.get(2),
                })
            })
            .collect()
    }

    async fn read_parties(&self, case: &CaseReference) -> Result<Vec<SealedParty>, StorageError> {
        let mut transaction = self.pool.begin().await.map_err(database_error)?;
        let parties = read_parties_in(&mut transaction, &case.to_string()).await?;
        transaction.commit().await.map_err(database_error)?;
        Ok(parties)
    }

    async fn end_session_now(&self, session_hash: &str) -> Result<(), StorageError> {
        sqlx::query("DELETE FROM sessions WHERE session_hash = $1")
            .bind(session_hash)
            .execute(&self.pool)
            .await
            .map_err(database_error)?;
        Ok(())
    }

    async fn post_transfers_once(
        &self,
        transfers: &[Transfer],
    ) -> Result<PostSummary, StorageError> {
        let mut transaction = self.pool.begin().await.map_err(database_error)?;
        let summary = post_transfers_in(&mut transaction, transfers).await?;
        // Coercion signals the payments complete, as work items (issue 14).
        work::signals_after_payments_in(&mut transaction, transfers, None).await?;
        transaction.commit().await.map_err(database_error)?;
        Ok(summary)
    }

    /// Appends to one of a case's logs: the row, its transfers and its
    /// audit entry in one transaction, refused if the log moved since the
    /// caller read `expected` rows; a retry under the same id changes nothing.
    #[allow(clippy::too_many_arguments)]
    async fn append_to_log(
        &self,
        log: CaseLog,
        case: &CaseReference,
        expected: i64,
        row: ActionRow,
        transfers: &[Transfer],
        protecting: Protecting<'_>,
        audit: AuditRecord,
    ) -> Result<ActionOutcome, StorageError> {
        let reference = case.to_string();
        let mut transaction = self.pool.begin().await.map_err(database_error)?;
        // Appends to one case are serialised; other cases are not held up.
        sqlx::query("SELECT case_reference FROM cases WHERE case_reference = $1 FOR UPDATE")
            .bind(&reference)
            .fetch_optional(&mut *transaction)
            .await
            .map_err(database_error)?
            .ok_or_else(|| StorageError::UnknownCase(reference.clone()))?;
        let earlier = sqlx::query(log.find())
            .bind(&reference)
            .bind(&row.id)
            .fetch_optional(&mut *transaction)
            .await
            .map_err(database_error)?;
        if let Some(stored) = earlier {
            return if action_row(&stored) == row {
                Ok(ActionOutcome::AlreadyRecorded)
            } else {
                Err(StorageError::IdempotencyKeyReused(row.id))
            };
        }
        // Money in suspense is allocated once, whatever the case or id: the
        // claim is made before anything else is written, and a second one
        // finds it (waiting, on PostgreSQL, for the first to commit).
        if let Protecting::Action(RecordedAction {
            action: CollectionAction::AllocateSuspensePayment { payment, .. },
            ..
        }) = protecting
        {
            claim_suspense_payment_in(&mut transaction, payment, &reference, &row.id).await?;
        }
        let stored: i64 = sqlx::query(log.count())
            .bind(&reference)
            .fetch_one(&mut *transaction)
            .await
            .map_err(database_error)?
            .get(0);
        if stored != expected {
            return Err(StorageError::ActionConflict(reference));
        }
        let sequence = stored + 1;
        sqlx::query(log.insert())
            .bind(&reference)
            .bind(sequence)
            .bind(&row.id)
            .bind(&row.kind)
            .bind(&row.payload)
            .bind(row.person)
            .bind(&row.role)
            .bind(&row.on)
            .execute(&mut *transaction)
            .await
            .map_err(database_error)?;
        post_transfers_in(&mut transaction, transfers).await?;
        let people = match protecting {
            Protecting::Action(action) => people_protected_by_action(action),
            Protecting::Safety(record) => {
                let parties = parent_people_in(&mut transaction, &reference).await?;
                people_protected_by_safety_event(record, &parties)
            }
        };
        for (person, cause) in people {
            protect_in(
                &mut transaction,
                person,
                &ProtectionRow::implied(cause, &audit),
            )
            .await?;
        }
        // The work it makes or does, in the same transaction.
        let changes = match protecting {
            Protecting::Safety(record) => {
                work_items::changes_for_safety_event(case, &row.id, record)
            }
            Protecting::Action(action) => {
                let before =
                    work::requests_before_in(&mut transaction, &reference, sequence).await?;
                work_items::changes_for_collection_action(case, before, action)
            }
        };
        work::apply_in(&mut transaction, &changes, Some(audit.at_unix_seconds)).await?;
        mi::logged_in(
            &mut transaction,
            &reference,
            matches!(log, CaseLog::SafetyEvents),
            &row.kind,
        )
        .await?;
        append_audit_in(&mut transaction, audit).await?;
        transaction.commit().await.map_err(database_error)?;
        Ok(ActionOutcome::Recorded { sequence })
    }

    /// Case references from `sql`, with `person` bound to its one
    /// placeholder if given.
    async fn read_references(
        &self,
        sql: &'static str,
        person: Option<i64>,
    ) -> Result<Vec<CaseReference>, StorageError> {
        let mut query = sqlx::query(sql);
        if let Some(person) = person {
            query = query.bind(person);
        }
        query
            .fetch_all(&self.pool)
            .await
            .map_err(database_error)?
            .iter()
            .map(|row| {
                let text: String = row.get(0);
                CaseReference::parse(&text)
                    .map_err(|e| StorageError::Database(format!("case {text}: {e}")))
            })
            .collect()
    }

    async fn find_in_log(
        &self,
        log: CaseLog,
        case: &CaseReference,
        id: &str,
    ) -> Result<Option<ActionRow>, StorageError> {
        Ok(sqlx::query(log.find())
            .bind(case.to_string())
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(database_error)?
            .map(|row| action_row(&row)))
    }

    async fn read_log(
        &self,
        log: CaseLog,
        case: &CaseReference,
    ) -> Result<Vec<ActionRow>, StorageError> {
        Ok(sqlx::query(log.all())
            .bind(case.to_string())
            .fetch_all(&self.pool)
            .await
            .map_err(database_error)?
            .iter()
            .map(action_row)
            .collect())
    }

    /// Opens a case with `start` in its `initial_effective_date` column
    /// (a date, or `AWAITING_CALCULATION` for an application), or gives an
    /// application its date; `false` when it already held `start`, refused
    /// when it held anything else.
    async fn open_once(&self, case: &CaseReference, start: &str) -> Result<bool, StorageError> {
        let reference = case.to_string();
        let mut transaction = self.pool.begin().await.map_err(database_error)?;
        let opened_before = mi::exists_in(&mut transaction, &reference).await?;
        // An application stopped in danger is only ever inserted: it never
        // becomes, nor replaces, an application waiting for its calculation.
        let query = if start == STOPPED_IN_DANGER {
            sqlx::query("INSERT INTO cases (case_reference, initial_effective_date) VALUES ($1, $2) ON CONFLICT (case_reference) DO NOTHING")
                .bind(&reference)
                .bind(start)
        } else {
            sqlx::query("INSERT INTO cases (case_reference, initial_effective_date) VALUES ($1, $2) ON CONFLICT (case_reference) DO UPDATE SET initial_effective_date = excluded.initial_effective_date WHERE cases.initial_effective_date = $3 AND excluded.initial_effective_date <> $4")
                .bind(&reference)
                .bind(start)
                .bind(AWAITING_CALCULATION)
                .bind(AWAITING_CALCULATION)
        };
        let written = query
            .execute(&mut *transaction)
            .await
            .map_err(database_error)?
            .rows_affected()
            == 1;
        if written {
            // An application waits for its calculation; making it (giving
            // the case its date) closes that work, in the same transaction.
            // Stopped in danger: no application work, nor counted as one.
            if start != STOPPED_IN_DANGER {
                let changes =
                    work_items::changes_for_application(case, start != AWAITING_CALCULATION);
                work::apply_in(&mut transaction, &changes, None).await?;
            }
            mi::opened_in(
                &mut transaction,
                !opened_before,
                start == AWAITING_CALCULATION,
            )
            .await?;
            transaction.commit().await.map_err(database_error)?;
            return Ok(true);
        }
        let existing: String =
            sqlx::query("SELECT initial_effective_date FROM cases WHERE case_reference = $1")
                .bind(&reference)
                .fetch_one(&mut *transaction)
                .await
                .map_err(database_error)?
                .get(0);
        transaction.commit().await.map_err(database_error)?;
        if existing == start {
            Ok(false)
        } else {
            Err(StorageError::CaseConflict(reference))
        }
    }

    async fn append_facts_once(
        &self,
        case: &CaseReference,
        events: &[FactEvent],
        idempotency_key: &str,
        audit: AuditRecord,
    ) -> Result<AppendOutcome, StorageError> {
        let reference = case.to_string();
        let mut transaction = self.pool.begin().await.map_err(database_error)?;
        // Appends to one case are serialised; other cases are not held up.
        let started: String = sqlx::query(
            "SELECT initial_effective_date FROM cases WHERE case_reference = $1 FOR UPDATE",
        )
        .bind(&reference)
        .fetch_optional(&mut *transaction)
        .await
        .map_err(database_error)?
        .ok_or_else(|| StorageError::UnknownCase(reference.clone()))?
        .get(0);
        let fingerprint = batch_fingerprint(events);
        let earlier = sqlx::query("SELECT fingerprint, first_sequence FROM case_fact_batches WHERE case_reference = $1 AND idempotency_key = $2")
            .bind(&reference)
            .bind(idempotency_key)
            .fetch_optional(&mut *transaction)
            .await
            .map_err(database_error)?;
        if let Some(row) = earlier {
            let stored: String = row.get(0);
            return if stored == fingerprint {
                Ok(AppendOutcome::AlreadyApplied {
                    first_sequence: row.get(1),
                })
            } else {
                Err(StorageError::IdempotencyKeyReused(
                    idempotency_key.to_owned(),
                ))
            };
        }
        if changes_lifecycle(events) {
            let started = initial_effective_date_column(&reference, &started)?;
            let rows = sqlx::query("SELECT sequence, effective_from, recorded_on, kind, payload FROM case_facts WHERE case_reference = $1 AND kind IN ($2, $3) ORDER BY sequence")
                .bind(&reference)
                .bind(LIFECYCLE_KINDS[0])
                .bind(LIFECYCLE_KINDS[1])
                .fetch_all(&mut *transaction)
                .await
                .map_err(database_error)?;
            let stored = rows
                .iter()
                .map(|row| FactRow {
                    sequence: row.get(0),
                    effective_from: row.get(1),
                    recorded_on: row.get(2),
                    kind: row.get(3),
                    payload: row.get(4),
                })
                .collect();
            check_lifecycle(case, started, stored, events)?;
        }
        let first_sequence: i64 = sqlx::query(
            "SELECT COALESCE(MAX(sequence), 0) + 1 FROM case_facts WHERE case_reference = $1",
        )
        .bind(&reference)
        .fetch_one(&mut *transaction)
        .await
        .map_err(database_error)?
        .get(0);
        for (offset, event) in (0..).zip(events) {
            let row = FactRow::from_event(first_sequence + offset, event);
            sqlx::query("INSERT INTO case_facts (case_reference, sequence, effective_from, recorded_on, kind, payload) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(&reference)
                .bind(row.sequence)
                .bind(row.effective_from)
                .bind(row.recorded_on)
                .bind(row.kind)
                .bind(row.payload)
                .execute(&mut *transaction)
                .await
                .map_err(database_error)?;
        }
        sqlx::query("INSERT INTO case_fact_batches (case_reference, idempotency_key, fingerprint, first_sequence) VALUES ($1, $2, $3, $4)")
            .bind(&reference)
            .bind(idempotency_key)
            .bind(&fingerprint)
            .bind(first_sequence)
            .execute(&mut *transaction)
            .await
            .map_err(database_error)?;
        mi::facts_in(&mut transaction, &reference, first_sequence, events).await?;
        append_audit_in(&mut transaction, audit).await?;
        transaction.commit().await.map_err(database_error)?;
        Ok(AppendOutcome::Appended { first_sequence })
    }

    async fn read_case_history(
        &self,
        case: &CaseReference,
    ) -> Result<Option<CaseHistory>, StorageError> {
        let reference = case.to_string();
        let Some(started) =
            sqlx::query("SELECT initial_effective_date FROM cases WHERE case_reference = $1")
                .bind(&reference)
                .fetch_optional(&self.pool)
                .await
                .map_err(database_error)?
        else {
            return Ok(None);
        };
        let started: String = started.get(0);
        let initial_effective_date = initial_effective_date_column(&reference, &started)?;
        let rows = sqlx::query("SELECT sequence, effective_from, recorded_on, kind, payload FROM case_facts WHERE case_reference = $1 ORDER BY sequence")
            .bind(&reference)
            .fetch_all(&self.pool)
            .await
            .map_err(database_error)?;
        let events = rows
            .iter()
            .map(|row| {
                FactRow {
                    sequence: row.get(0),
                    effective_from: row.get(1),
                    recorded_on: row.get(2),
                    kind: row.get(3),
                    payload: row.get(4),
                }
                .into_event(case)
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Some(CaseHistory {
            initial_effective_date,
            events,
        }))
    }

    async fn append(&self, record: AuditRecord) -> Result<ChainedEntry, StorageError> {
        self.audit_commits
            .submit(record, |records| async move {
                let mut transaction = self.pool.begin().await.map_err(database_error)?;
                let mut entries = Vec::with_capacity(records.len());
                for record in records {
                    entries.push(append_audit_in(&mut transaction, record).await?);
                }
                transaction.commit().await.map_err(database_error)?;
                Ok(entries)
            })
            .await
    }
}

/// A schema name of lower-case letters, digits and underscores only, so it
/// can be put into SQL text safely.
fn plain_identifier(name: &str) -> Result<&str, StorageError> {
    if !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        Ok(name)
    } else {
        Err(StorageError::Database(format!(
            "`{name}` is not a plain schema name"
        )))
    }
}

/// Appends an audit entry inside `transaction`, chained to the head read
/// under the transaction's lock.
/// Posts transfers inside `transaction`: the batch's repeats count as
/// already posted, an id reused for another transfer refuses the batch.
async fn post_transfers_in(
    transaction: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    transfers: &[Transfer],
) -> Result<PostSummary, StorageError> {
    // Rows per INSERT: one statement per row costs a round trip to the
    // driver each; 500 rows x 9 values stays under every engine's limit.
    const ROWS_PER_STATEMENT: usize = 500;
    let mut summary = PostSummary::default();
    // The same id twice in one batch: a repeat counts as already
    // posted, a different transfer refuses the batch, as across batches.
    let mut first_seen: std::collections::HashMap<&TransferId, &Transfer> =
        std::collections::HashMap::new();
    let mut unique = Vec::with_capacity(transfers.len());
    for transfer in transfers {
        match first_seen.get(&transfer.id) {
            Some(earlier) if *earlier == transfer => summary.already_posted += 1,
            Some(_) => return Err(StorageError::TransferConflict(transfer.id.0.clone())),
            None => {
                first_seen.insert(&transfer.id, transfer);
                unique.push(transfer.clone());
            }
        }
    }
    let mut newly_posted: std::collections::HashSet<String> = std::collections::HashSet::new();
    for chunk in unique.chunks(ROWS_PER_STATEMENT) {
        let mut insert = sqlx::QueryBuilder::<sqlx::Postgres>::new(concat!(
            "INSERT INTO ledger_transfers (",
            transfer_columns!(),
            ") "
        ));
        // The values move into the statement: no copies on the hot path.
        insert.push_values(
            chunk.iter().map(TransferRow::from_transfer),
            |mut values, row| {
                values
                    .push_bind(row.id)
                    .push_bind(row.debit_case)
                    .push_bind(row.debit_kind)
                    .push_bind(row.credit_case)
                    .push_bind(row.credit_kind)
                    .push_bind(row.amount_pence)
                    .push_bind(row.code)
                    .push_bind(row.effective)
                    .push_bind(row.corrects);
            },
        );
        insert.push(" ON CONFLICT (id) DO NOTHING RETURNING id");
        let inserted: Vec<String> = insert
            .build()
            .fetch_all(&mut **transaction)
            .await
            .map_err(database_error)?
            .iter()
            .map(|row| row.get(0))
            .collect();
        let affected = inserted.len();
        newly_posted.extend(inserted);
        summary.posted += affected;
        if affected == chunk.len() {
            continue;
        }
        // Some ids were there already: now every row must be stored
        // exactly as given, or an id was reused for another transfer.
        let rows: Vec<TransferRow> = chunk.iter().map(TransferRow::from_transfer).collect();
        let mut select = sqlx::QueryBuilder::<sqlx::Postgres>::new(concat!(
            "SELECT ",
            transfer_columns!(),
            " FROM ledger_transfers WHERE id IN ("
        ));
        let mut ids = select.separated(", ");
        for row in &rows {
            ids.push_bind(row.id.clone());
        }
        select.push(")");
        let stored: std::collections::HashMap<String, TransferRow> = select
            .build()
            .fetch_all(&mut **transaction)
            .await
            .map_err(database_error)?
            .iter()
            .map(|row| {
                let stored = transfer_row(row);
                (stored.id.clone(), stored)
            })
            .collect();
        if let Some(conflict) = rows.iter().find(|row| stored.get(&row.id) != Some(*row)) {
            return Err(StorageError::TransferConflict(conflict.id.clone()));
        }
        summary.already_posted += chunk.len() - affected;
    }
    // What paying parents owe and money by month, kept with the postings.
    let posted: Vec<Transfer> = unique
        .iter()
        .filter(|t| newly_posted.contains(&t.id.0))
        .cloned()
        .collect();
    mi::transfers_in(transaction, &posted).await?;
    // Money into suspense is work for those who work money.
    for (change, raised) in work_changes_for_transfers(&unique) {
        work::apply_in(transaction, std::slice::from_ref(&change), Some(raised)).await?;
    }
    Ok(summary)
}

/// A case's append-only logs, which share one shape: collection actions
/// and safety events.
#[derive(Clone, Copy)]
enum CaseLog {
    CollectionActions,
    SafetyEvents,
}

impl CaseLog {
    const fn find(self) -> &'static str {
        match self {
            CaseLog::CollectionActions => {
                "SELECT action_id, kind, payload, person_id, role, on_date FROM collection_actions WHERE case_reference = $1 AND action_id = $2"
            }
            CaseLog::SafetyEvents => {
                "SELECT event_id, kind, payload, person_id, role, on_date FROM safety_events WHERE case_reference = $1 AND event_id = $2"
            }
        }
    }

    const fn count(self) -> &'static str {
        match self {
            CaseLog::CollectionActions => {
                "SELECT COUNT(*) FROM collection_actions WHERE case_reference = $1"
            }
            CaseLog::SafetyEvents => "SELECT COUNT(*) FROM safety_events WHERE case_reference = $1",
        }
    }

    const fn insert(self) -> &'static str {
        match self {
            CaseLog::CollectionActions => {
                "INSERT INTO collection_actions (case_reference, sequence, action_id, kind, payload, person_id, role, on_date) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
            }
            CaseLog::SafetyEvents => {
                "INSERT INTO safety_events (case_reference, sequence, event_id, kind, payload, person_id, role, on_date) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
            }
        }
    }

    const fn all(self) -> &'static str {
        match self {
            CaseLog::CollectionActions => {
                "SELECT action_id, kind, payload, person_id, role, on_date FROM collection_actions WHERE case_reference = $1 ORDER BY sequence"
            }
            CaseLog::SafetyEvents => {
                "SELECT event_id, kind, payload, person_id, role, on_date FROM safety_events WHERE case_reference = $1 ORDER BY sequence"
            }
        }
    }
}

/// Claims a payment in suspense for an allocation to `case` by action
/// `action_id`, or refuses: it was claimed already.
async fn claim_suspense_payment_in(
    transaction: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    payment: &str,
    case: &str,
    action_id: &str,
) -> Result<(), StorageError> {
    let claimed = sqlx::query(
        "INSERT INTO suspense_allocations (payment, case_reference, action_id) VALUES ($1, $2, $3) ON CONFLICT (payment) DO NOTHING",
    )
    .bind(payment)
    .bind(case)
    .bind(action_id)
    .execute(&mut **transaction)
    .await
    .map_err(database_error)?
    .rows_affected();
    if claimed == 0 {
        return Err(StorageError::AlreadyAllocated(payment.to_owned()));
    }
    Ok(())
}

fn action_row(row: &PgRow) -> ActionRow {
    ActionRow {
        id: row.get(0),
        kind: row.get(1),
        payload: row.get(2),
        person: row.get(3),
        role: row.get(4),
        on: row.get(5),
    }
}

async fn append_audit_in(
    transaction: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    record: AuditRecord,
) -> Result<ChainedEntry, StorageError> {
    // SHARE ROW EXCLUSIVE conflicts with itself, not with readers.
    sqlx::raw_sql("LOCK TABLE audit_log IN SHARE ROW EXCLUSIVE MODE")
        .execute(&mut **transaction)
        .await
        .map_err(database_error)?;
    let head = sqlx::query(concat!(
        "SELECT ",
        audit_columns!(),
        " FROM audit_log ORDER BY sequence DESC LIMIT 1"
    ))
    .fetch_optional(&mut **transaction)
    .await
    .map_err(database_error)?;
    let previous = head.map(|row| audit_row(&row).into_entry()).transpose()?;
    let entry = audit_log::chain(previous.as_ref(), record);
    let row = AuditRow::from_entry(&entry);
    sqlx::query(concat!(
        "INSERT INTO audit_log (",
        audit_columns!(),
        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
    ))
    .bind(row.sequence)
    .bind(row.at_unix_seconds)
    .bind(row.actor)
    .bind(row.role)
    .bind(row.action)
    .bind(row.case_reference)
    .bind(row.fields)
    .bind(row.reason)
    .bind(row.count)
    .bind(row.previous_hash)
    .bind(row.hash)
    .execute(&mut **transaction)
    .await
    .map_err(database_error)?;
    Ok(entry)
}

async fn lock_case_in(
    transaction: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    reference: &str,
) -> Result<(), StorageError> {
    sqlx::query("SELECT case_reference FROM cases WHERE case_reference = $1 FOR UPDATE")
        .bind(reference)
        .fetch_optional(&mut **transaction)
        .await
        .map_err(database_error)?
        .ok_or_else(|| StorageError::UnknownCase(reference.to_owned()))?;
    Ok(())
}

async fn write_parties_in(
    transaction: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    reference: &str,
    parties: &[SealedParty],
) -> Result<(), StorageError> {
    for statement in [
        "DELETE FROM search_index WHERE case_reference = $1",
        "DELETE FROM party_fields WHERE case_reference = $1",
        "DELETE FROM case_parties WHERE case_reference = $1",
    ] {
        sqlx::query(sqlx::AssertSqlSafe(statement))
            .bind(reference)
            .execute(&mut **transaction)
            .await
            .map_err(database_error)?;
    }
    for party in parties {
        sqlx::query("INSERT INTO case_parties (case_reference, party, person_id, non_disclosure) VALUES ($1, $2, $3, $4)")
            .bind(reference)
            .bind(&party.party)
            .bind(party.person_id)
            .bind(party.non_disclosure)
            .execute(&mut **transaction)
            .await
            .map_err(database_error)?;
        for (field, sealed) in &party.fields {
            sqlx::query("INSERT INTO party_fields (case_reference, party, field, sealed) VALUES ($1, $2, $3, $4)")
                .bind(reference)
                .bind(&party.party)
                .bind(field)
                .bind(sealed)
                .execute(&mut **transaction)
                .await
                .map_err(database_error)?;
        }
        // The party's blind-index entries, with it: replaced whole.
        if !party.search_tokens.is_empty() {
            let mut insert = sqlx::QueryBuilder::<sqlx::Postgres>::new(
                "INSERT INTO search_index (case_reference, party, kind, token) ",
            );
            insert.push_values(&party.search_tokens, |mut values, entry| {
                values
                    .push_bind(reference)
                    .push_bind(&party.party)
                    .push_bind(entry.kind.code())
                    .push_bind(entry.token.to_vec());
            });
            insert
                .build()
                .execute(&mut **transaction)
                .await
                .map_err(database_error)?;
        }
    }
    Ok(())
}

async fn read_parties_in(
    transaction: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    reference: &str,
) -> Result<Vec<SealedParty>, StorageError> {
    // A parent's `non_disclosure` is the person's protection (person_flags),
    // whatever this case's row says: protection belongs to the person.
    let people = sqlx::query("SELECT p.party, p.person_id, COALESCE(f.non_disclosure, FALSE) AND (p.party = 'paying_parent' OR p.party LIKE 'receiving_parent:%') FROM case_parties p LEFT JOIN person_flags f ON f.person_id = p.person_id WHERE p.case_reference = $1 ORDER BY p.party")
        .bind(reference)
        .fetch_all(&mut **transaction)
        .await
        .map_err(database_error)?;
    let fields = sqlx::query("SELECT party, field, sealed FROM party_fields WHERE case_reference = $1 ORDER BY party, field")
        .bind(reference)
        .fetch_all(&mut **transaction)
        .await
        .map_err(database_error)?;
    let tokens =
        sqlx::query("SELECT party, kind, token FROM search_index WHERE case_reference = $1")
            .bind(reference)
            .fetch_all(&mut **transaction)
            .await
            .map_err(database_error)?;
    people
        .iter()
        .map(|row| {
            let party: String = row.get(0);
            let mut search_tokens = tokens
                .iter()
                .filter(|t| t.get::<String, _>(0) == party)
                .map(|t| search_token(&t.get::<String, _>(1), &t.get::<Vec<u8>, _>(2)))
                .collect::<Result<Vec<_>, _>>()?;
            search_tokens.sort_unstable();
            Ok(SealedParty {
                fields: fields
                    .iter()
                    .filter(|f| f.get::<String, _>(0) == party)
                    .map(|f| (f.get(1), f.get(2)))
                    .collect(),
                party,
                person_id: row.get(1),
                non_disclosure: row.get(2),
                search_tokens,
            })
        })
        .collect()
}

/// A stored blind-index entry, read back.
fn search_token(kind: &str, token: &[u8]) -> Result<SearchToken, StorageError> {
    Ok(SearchToken {
        kind: SearchKind::from_code(kind)
            .ok_or_else(|| StorageError::Database(format!("unknown search kind `{kind}`")))?,
        token: token
            .try_into()
            .map_err(|_| StorageError::Database("a search token is not 32 bytes".to_owned()))?,
    })
}

/// What else an append to a case's log does: whom it protects, and the
/// work it makes or does.
#[derive(Clone, Copy)]
enum Protecting<'a> {
    /// A parent's request saying it is not safe.
    Action(&'a RecordedAction),
    /// A disclosure.
    Safety(&'a SafetyRecord),
}

/// Serialises protection events of one person across transactions.
async fn lock_person_in(
    transaction: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    person: i64,
) -> Result<(), StorageError> {
    sqlx::query(
        "SELECT pg_advisory_xact_lock(hashtextextended('person-protection:' || $1::text, 0))",
    )
    .bind(person)
    .execute(&mut **transaction)
    .await
    .map_err(database_error)?;
    Ok(())
}

/// The parents of a case, as `(party, person)`.
async fn parent_people_in(
    transaction: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    reference: &str,
) -> Result<Vec<(String, i64)>, StorageError> {
    Ok(
        sqlx::query("SELECT party, person_id FROM case_parties WHERE case_reference = $1")
            .bind(reference)
            .fetch_all(&mut **transaction)
            .await
            .map_err(database_error)?
            .iter()
            .map(|row| (row.get::<String, _>(0), row.get::<i64, _>(1)))
            .filter(|(party, _)| is_parent_party(party))
            .collect(),
    )
}

/// Protects every parent just written with `non_disclosure`, and every
/// parent who disclosed abuse on the case, as a person.
async fn protect_parties_in(
    transaction: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    reference: &str,
    parties: &[SealedParty],
    audit: &AuditRecord,
) -> Result<(), StorageError> {
    let rows = sqlx::query("SELECT event_id, kind, payload, person_id, role, on_date FROM safety_events WHERE case_reference = $1 AND kind = 'disclosed'")
        .bind(reference)
        .fetch_all(&mut **transaction)
        .await
        .map_err(database_error)?;
    let records = rows
        .iter()
        .map(|row| action_row(row).into_safety())
        .collect::<Result<Vec<_>, _>>()?;
    for (person, cause) in people_protected_by_parties(parties, &disclosers(&records)) {
        protect_in(transaction, person, &ProtectionRow::implied(cause, audit)).await?;
    }
    Ok(())
}

async fn person_protected_in(
    transaction: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    person: i64,
) -> Result<bool, StorageError> {
    Ok(
        sqlx::query("SELECT non_disclosure FROM person_flags WHERE person_id = $1")
            .bind(person)
            .fetch_optional(&mut **transaction)
            .await
            .map_err(database_error)?
            .is_some_and(|row| row.get::<bool, _>(0)),
    )
}

/// Protects `person` unless they are protected already.
async fn protect_in(
    transaction: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    person: i64,
    row: &ProtectionRow,
) -> Result<(), StorageError> {
    lock_person_in(transaction, person).await?;
    if !person_protected_in(transaction, person).await? {
        append_protection_in(transaction, person, row, true).await?;
    }
    Ok(())
}

/// Appends a protection event and sets the person's flag as it leaves it;
/// returns the event's sequence number. The caller holds the person's lock.
async fn append_protection_in(
    transaction: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    person: i64,
    row: &ProtectionRow,
    protected_after: bool,
) -> Result<i64, StorageError> {
    let sequence: i64 = sqlx::query(
        "SELECT COALESCE(MAX(sequence), 0) + 1 FROM protection_events WHERE person_id = $1",
    )
    .bind(person)
    .fetch_one(&mut **transaction)
    .await
    .map_err(database_error)?
    .get(0);
    sqlx::query("INSERT INTO protection_events (person_id, sequence, kind, payload, by_person, by_role, on_date) VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(person)
        .bind(sequence)
        .bind(&row.kind)
        .bind(&row.payload)
        .bind(row.by_person)
        .bind(&row.by_role)
        .bind(&row.on)
        .execute(&mut **transaction)
        .await
        .map_err(database_error)?;
    sqlx::query("INSERT INTO person_flags (person_id, non_disclosure) VALUES ($1, $2) ON CONFLICT (person_id) DO UPDATE SET non_disclosure = excluded.non_disclosure")
        .bind(person)
        .bind(protected_after)
        .execute(&mut **transaction)
        .await
        .map_err(database_error)?;
    Ok(sequence)
}

fn transfer_row(row: &PgRow) -> TransferRow {
    TransferRow {
        id: row.get(0),
        debit_case: row.get(1),
        debit_kind: row.get(2),
        credit_case: row.get(3),
        credit_kind: row.get(4),
        amount_pence: row.get(5),
        code: row.get(6),
        effective: row.get(7),
        corrects: row.get(8),
    }
}

fn audit_row(row: &PgRow) -> AuditRow {
    AuditRow {
        sequence: row.get(0),
        at_unix_seconds: row.get(1),
        actor: row.get(2),
        role: row.get(3),
        action: row.get(4),
        case_reference: row.get(5),
        fields: row.get(6),
        reason: row.get(7),
        count: row.get(8),
        previous_hash: row.get(9),
        hash: row.get(10),
    }
}

impl Store for PostgresStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    fn check(&self) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            sqlx::query("SELECT 1")
                .fetch_one(&self.pool)
                .await
                .map_err(database_error)?;
            Ok(())
        })
    }

    fn applied_migrations(&self) -> StoreFuture<'_, Vec<(i64, String)>> {
        Box::pin(async move {
            let rows = sqlx::query("SELECT version, name FROM schema_migrations ORDER BY version")
                .fetch_all(&self.pool)
                .await
                .map_err(database_error)?;
            Ok(rows.iter().map(|row| (row.get(0), row.get(1))).collect())
        })
    }

    fn record_parameter_set<'a>(
        &'a self,
        version: &'a str,
        files_json: &'a str,
    ) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let result = sqlx::query(
                "INSERT INTO parameter_sets (version, files_json) VALUES ($1, $2) ON CONFLICT (version) DO NOTHING",
            )
            .bind(version)
            .bind(files_json)
            .execute(&self.pool)
            .await
            .map_err(database_error)?;
            Ok(result.rows_affected() == 1)
        })
    }

    fn parameter_set_files<'a>(&'a self, version: &'a str) -> StoreFuture<'a, Option<String>> {
        Box::pin(async move {
            Ok(
                sqlx::query("SELECT files_json FROM parameter_sets WHERE version = $1")
                    .bind(version)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(database_error)?
                    .map(|row| row.get(0)),
            )
        })
    }

    fn append_audit(&self, record: AuditRecord) -> StoreFuture<'_, ChainedEntry> {
        Box::pin(self.append(record))
    }

    fn audit_entries(&self) -> StoreFuture<'_, Vec<ChainedEntry>> {
        Box::pin(async move {
            let rows = sqlx::query(concat!(
                "SELECT ",
                audit_columns!(),
                " FROM audit_log ORDER BY sequence"
            ))
            .fetch_all(&self.pool)
            .await
            .map_err(database_error)?;
            rows.iter().map(|row| audit_row(row).into_entry()).collect()
        })
    }

    fn open_case<'a>(
        &'a self,
        case: &'a CaseReference,
        initial_effective_date: Date,
    ) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            self.open_once(case, &initial_effective_date.to_string())
                .await
        })
    }

    fn open_application<'a>(&'a self, case: &'a CaseReference) -> StoreFuture<'a, bool> {
        Box::pin(self.open_once(case, AWAITING_CALCULATION))
    }

    fn open_stopped_in_danger<'a>(&'a self, case: &'a CaseReference) -> StoreFuture<'a, bool> {
        Box::pin(self.open_once(case, STOPPED_IN_DANGER))
    }

    fn applications(&self) -> StoreFuture<'_, Vec<CaseReference>> {
        Box::pin(self.read_references(
            "SELECT case_reference FROM cases WHERE initial_effective_date = '' ORDER BY opened_at, case_reference",
            None,
        ))
    }

    fn append_facts<'a>(
        &'a self,
        case: &'a CaseReference,
        events: &'a [FactEvent],
        idempotency_key: &'a str,
        audit: AuditRecord,
    ) -> StoreFuture<'a, AppendOutcome> {
        Box::pin(self.append_facts_once(case, events, idempotency_key, audit))
    }

    fn put_parties<'a>(
        &'a self,
        case: &'a CaseReference,
        parties: &'a [SealedParty],
        audit: AuditRecord,
    ) -> StoreFuture<'a, ()> {
        Box::pin(self.put_parties_once(case, parties, audit))
    }

    fn parties<'a>(&'a self, case: &'a CaseReference) -> StoreFuture<'a, Vec<SealedParty>> {
        Box::pin(self.read_parties(case))
    }

    fn search<'a>(&'a self, query: &'a SearchQuery, limit: u32) -> StoreFuture<'a, Vec<SearchHit>> {
        Box::pin(self.search_index(query, limit))
    }

    fn create_account<'a>(
        &'a self,
        login: &'a str,
        password_hash: &'a str,
        person: i64,
        role: &'a str,
    ) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            sqlx::query("INSERT INTO accounts (login, password_hash, person_id, role) VALUES ($1, $2, $3, $4)")
                .bind(login)
                .bind(password_hash)
                .bind(person)
                .bind(role)
                .execute(&self.pool)
                .await
                .map_err(database_error)?;
            Ok(())
        })
    }

    fn account<'a>(&'a self, login: &'a str) -> StoreFuture<'a, Option<(String, i64, String)>> {
        Box::pin(async move {
            Ok(
                sqlx::query("SELECT password_hash, person_id, role FROM accounts WHERE login = $1")
                    .bind(login)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(database_error)?
                    .map(|row| (row.get(0), row.get(1), row.get(2))),
            )
        })
    }

    fn start_session<'a>(
        &'a self,
        session_hash: &'a str,
        person: i64,
        role: &'a str,
        now: i64,
    ) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            sqlx::query("INSERT INTO sessions (session_hash, person_id, role, last_seen_unix_seconds) VALUES ($1, $2, $3, $4)")
                .bind(session_hash)
                .bind(person)
                .bind(role)
                .bind(now)
                .execute(&self.pool)
                .await
                .map_err(database_error)?;
            Ok(())
        })
    }

    fn touch_session<'a>(
        &'a self,
        session_hash: &'a str,
        now: i64,
        idle_limit_seconds: i64,
    ) -> StoreFuture<'a, Option<(i64, String)>> {
        Box::pin(async move {
            // A session used in the last `TOUCH_EVERY_SECONDS` is live and is
            // not written again: most requests read only.
            let recent: Option<(i64, String)> = sqlx::query("SELECT person_id, role FROM sessions WHERE session_hash = $1 AND last_seen_unix_seconds >= $2")
                .bind(session_hash)
                .bind(now - storage_api::TOUCH_EVERY_SECONDS)
                .fetch_optional(&self.pool)
                .await
                .map_err(database_error)?
                .map(|row| (row.get(0), row.get(1)));
            if recent.is_some() {
                return Ok(recent);
            }
            // One statement: a session idle too long is never revived by a
            // request racing its expiry.
            let live = sqlx::query("UPDATE sessions SET last_seen_unix_seconds = $1 WHERE session_hash = $2 AND last_seen_unix_seconds >= $3 RETURNING person_id, role")
                .bind(now)
                .bind(session_hash)
                .bind(now - idle_limit_seconds)
                .fetch_optional(&self.pool)
                .await
                .map_err(database_error)?
                .map(|row| (row.get(0), row.get(1)));
            if live.is_none() {
                self.end_session_now(session_hash).await?;
            }
            Ok(live)
        })
    }

    fn end_session<'a>(&'a self, session_hash: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(self.end_session_now(session_hash))
    }

    fn transform_parties<'a>(
        &'a self,
        case: &'a CaseReference,
        transform: &'a PartiesTransform<'a>,
        audit: AuditRecord,
    ) -> StoreFuture<'a, bool> {
        Box::pin(self.transform_parties_once(case, transform, audit))
    }

    fn record_protection<'a>(
        &'a self,
        person: i64,
        expected_events: i64,
        record: &'a ProtectionRecord,
        audit: AuditRecord,
    ) -> StoreFuture<'a, ActionOutcome> {
        Box::pin(async move {
            let mut transaction = self.pool.begin().await.map_err(database_error)?;
            lock_person_in(&mut transaction, person).await?;
            let known = sqlx::query("SELECT 1 FROM case_parties WHERE person_id = $1 UNION ALL SELECT 1 FROM accounts WHERE person_id = $1 UNION ALL SELECT 1 FROM api_tokens WHERE person_id = $1 LIMIT 1")
                .bind(person)
                .fetch_optional(&mut *transaction)
                .await
                .map_err(database_error)?;
            if known.is_none() {
                return Err(StorageError::UnknownPerson(person));
            }
            let protected = person_protected_in(&mut transaction, person).await?;
            if protected && matches!(record.event, ProtectionEvent::Protected { .. }) {
                return Ok(ActionOutcome::AlreadyRecorded);
            }
            let stored: i64 =
                sqlx::query("SELECT COUNT(*) FROM protection_events WHERE person_id = $1")
                    .bind(person)
                    .fetch_one(&mut *transaction)
                    .await
                    .map_err(database_error)?
                    .get(0);
            if stored != expected_events {
                return Err(StorageError::ActionConflict(format!("person {person}")));
            }
            let sequence = append_protection_in(
                &mut transaction,
                person,
                &ProtectionRow::from_record(record),
                record.event.leaves_protected(),
            )
            .await?;
            append_audit_in(&mut transaction, audit).await?;
            transaction.commit().await.map_err(database_error)?;
            Ok(ActionOutcome::Recorded { sequence })
        })
    }

    fn protection_events(&self, person: i64) -> StoreFuture<'_, Vec<ProtectionRecord>> {
        Box::pin(async move {
            sqlx::query("SELECT kind, payload, by_person, by_role, on_date FROM protection_events WHERE person_id = $1 ORDER BY sequence")
                .bind(person)
                .fetch_all(&self.pool)
                .await
                .map_err(database_error)?
                .iter()
                .map(|row| {
                    ProtectionRow {
                        kind: row.get(0),
                        payload: row.get(1),
                        by_person: row.get(2),
                        by_role: row.get(3),
                        on: row.get(4),
                    }
                    .into_record(person)
                })
                .collect()
        })
    }

    fn protected_people(&self) -> StoreFuture<'_, Vec<i64>> {
        Box::pin(async move {
            Ok(sqlx::query(
                "SELECT person_id FROM person_flags WHERE non_disclosure ORDER BY person_id",
            )
            .fetch_all(&self.pool)
            .await
            .map_err(database_error)?
            .iter()
            .map(|row| row.get(0))
            .collect())
        })
    }

    fn post_transfers<'a>(&'a self, transfers: &'a [Transfer]) -> StoreFuture<'a, PostSummary> {
        Box::pin(self.post_transfers_once(transfers))
    }

    fn post_transfers_audited<'a>(
        &'a self,
        transfers: &'a [Transfer],
        audit: &'a BatchAudit<'a>,
    ) -> StoreFuture<'a, PostSummary> {
        Box::pin(async move {
            let mut transaction = self.pool.begin().await.map_err(database_error)?;
            let summary = post_transfers_in(&mut transaction, transfers).await?;
            work::signals_after_payments_in(&mut transaction, transfers, None).await?;
            append_audit_in(&mut transaction, audit(summary)).await?;
            transaction.commit().await.map_err(database_error)?;
            Ok(summary)
        })
    }

    fn record_collection_action<'a>(
        &'a self,
        case: &'a CaseReference,
        expected_actions: i64,
        id: &'a str,
        action: &'a RecordedAction,
        transfers: &'a [Transfer],
        audit: AuditRecord,
    ) -> StoreFuture<'a, ActionOutcome> {
        Box::pin(self.append_to_log(
            CaseLog::CollectionActions,
            case,
            expected_actions,
            ActionRow::from_action(id, action),
            transfers,
            Protecting::Action(action),
            audit,
        ))
    }

    fn record_safety_event<'a>(
        &'a self,
        case: &'a CaseReference,
        expected_events: i64,
        id: &'a str,
        record: &'a SafetyRecord,
        audit: AuditRecord,
    ) -> StoreFuture<'a, ActionOutcome> {
        Box::pin(self.append_to_log(
            CaseLog::SafetyEvents,
            case,
            expected_events,
            ActionRow::from_safety(id, record),
            &[],
            Protecting::Safety(record),
            audit,
        ))
    }

    fn safety_event<'a>(
        &'a self,
        case: &'a CaseReference,
        id: &'a str,
    ) -> StoreFuture<'a, Option<SafetyRecord>> {
        Box::pin(async move {
            self.find_in_log(CaseLog::SafetyEvents, case, id)
                .await?
                .map(ActionRow::into_safety)
                .transpose()
        })
    }

    fn safety_events<'a>(&'a self, case: &'a CaseReference) -> StoreFuture<'a, Vec<SafetyRecord>> {
        Box::pin(async move {
            self.read_log(CaseLog::SafetyEvents, case)
                .await?
                .into_iter()
                .map(ActionRow::into_safety)
                .collect()
        })
    }

    fn cases_with_safety_events(&self) -> StoreFuture<'_, Vec<CaseReference>> {
        Box::pin(self.read_references(
            "SELECT DISTINCT case_reference FROM safety_events ORDER BY case_reference",
            None,
        ))
    }

    fn record_challenge_event<'a>(
        &'a self,
        case: &'a CaseReference,
        challenge: &'a str,
        expected_events: i64,
        row: &'a storage_api::ChallengeRow,
        evidence: Option<&'a storage_api::EvidenceRow>,
        work: &'a [work_items::WorkChange],
        audit: AuditRecord,
    ) -> StoreFuture<'a, ActionOutcome> {
        Box::pin(self.record_challenge_event_now(
            case,
            challenge,
            expected_events,
            row,
            evidence,
            work,
            audit,
        ))
    }

    fn challenge<'a>(
        &'a self,
        challenge: &'a str,
    ) -> StoreFuture<'a, Option<(CaseReference, Vec<storage_api::ChallengeRow>)>> {
        Box::pin(self.challenge_now(challenge))
    }

    fn challenges_of_case<'a>(&'a self, case: &'a CaseReference) -> StoreFuture<'a, Vec<String>> {
        Box::pin(self.challenges_of_case_now(case))
    }

    fn challenge_evidence<'a>(
        &'a self,
        challenge: &'a str,
    ) -> StoreFuture<'a, Vec<storage_api::EvidenceRow>> {
        Box::pin(self.challenge_evidence_now(challenge))
    }

    fn last_staff_change<'a>(&'a self, case: &'a CaseReference) -> StoreFuture<'a, Option<String>> {
        Box::pin(self.last_staff_change_now(case))
    }

    fn collection_action<'a>(
        &'a self,
        case: &'a CaseReference,
        id: &'a str,
    ) -> StoreFuture<'a, Option<RecordedAction>> {
        Box::pin(async move {
            self.find_in_log(CaseLog::CollectionActions, case, id)
                .await?
                .map(ActionRow::into_action)
                .transpose()
        })
    }

    fn collection_actions<'a>(
        &'a self,
        case: &'a CaseReference,
    ) -> StoreFuture<'a, Vec<RecordedAction>> {
        Box::pin(async move {
            self.read_log(CaseLog::CollectionActions, case)
                .await?
                .into_iter()
                .map(ActionRow::into_action)
                .collect()
        })
    }

    fn record_payment_notes<'a>(&'a self, notes: &'a [PaymentNote]) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let mut transaction = self.pool.begin().await.map_err(database_error)?;
            for chunk in notes.chunks(500) {
                let mut insert = sqlx::QueryBuilder::<sqlx::Postgres>::new(
                    "INSERT INTO payment_notes (transfer_id, remittance, suspense_reason) ",
                );
                insert.push_values(chunk, |mut values, note| {
                    values
                        .push_bind(note.transfer.0.clone())
                        .push_bind(note.remittance.clone())
                        .push_bind(note.suspense_reason.clone());
                });
                insert.push(" ON CONFLICT (transfer_id) DO NOTHING");
                insert
                    .build()
                    .execute(&mut *transaction)
                    .await
                    .map_err(database_error)?;
            }
            // Words on a payment may complete a signal (messages in references).
            let noted: Vec<TransferId> = notes.iter().map(|n| n.transfer.clone()).collect();
            let changes: Vec<work_items::WorkChange> =
                work::cases_of_notes_in(&mut transaction, &noted)
                    .await?
                    .into_iter()
                    .map(|case| work_items::WorkChange::ScanForSignals { case })
                    .collect();
            work::apply_in(&mut transaction, &changes, None).await?;
            transaction.commit().await.map_err(database_error)?;
            Ok(())
        })
    }

    fn payment_notes_for<'a>(
        &'a self,
        transfers: &'a [TransferId],
    ) -> StoreFuture<'a, Vec<PaymentNote>> {
        Box::pin(async move {
            let mut notes = Vec::new();
            for chunk in transfers.chunks(500) {
                let mut select = sqlx::QueryBuilder::<sqlx::Postgres>::new(
                    "SELECT transfer_id, remittance, suspense_reason FROM payment_notes WHERE transfer_id IN (",
                );
                let mut ids = select.separated(", ");
                for id in chunk {
                    ids.push_bind(id.0.clone());
                }
                select.push(") ORDER BY transfer_id");
                let rows = select
                    .build()
                    .fetch_all(&self.pool)
                    .await
                    .map_err(database_error)?;
                notes.extend(rows.iter().map(|row| PaymentNote {
                    transfer: TransferId(row.get(0)),
                    remittance: row.get(1),
                    suspense_reason: row.get(2),
                }));
            }
            Ok(notes)
        })
    }

    fn suspense_queue(&self) -> StoreFuture<'_, Vec<(Transfer, Option<PaymentNote>)>> {
        Box::pin(async move {
            let rows = sqlx::query("SELECT t.id, t.debit_case, t.debit_kind, t.credit_case, t.credit_kind, t.amount_pence, t.code, t.effective, t.corrects, n.remittance, n.suspense_reason FROM ledger_transfers t LEFT JOIN payment_notes n ON n.transfer_id = t.id WHERE t.credit_kind = 'suspense' AND t.credit_case IS NULL AND t.code = 'unmatched' AND NOT EXISTS (SELECT 1 FROM ledger_transfers a WHERE a.id = t.id || '/allocated') ORDER BY t.effective, t.id")
                .fetch_all(&self.pool)
                .await
                .map_err(database_error)?;
            rows.iter()
                .map(|row| {
                    let transfer = transfer_row(row).into_transfer()?;
                    let note = row
                        .get::<Option<String>, _>(9)
                        .map(|remittance| PaymentNote {
                            transfer: transfer.id.clone(),
                            remittance,
                            suspense_reason: row.get(10),
                        });
                    Ok((transfer, note))
                })
                .collect()
        })
    }

    fn transfers_for_case<'a>(&'a self, case: &'a CaseReference) -> StoreFuture<'a, Vec<Transfer>> {
        Box::pin(async move {
            let reference = case.to_string();
            let rows = sqlx::query("SELECT id, debit_case, debit_kind, credit_case, credit_kind, amount_pence, code, effective, corrects FROM ledger_transfers WHERE debit_case = $1 OR credit_case = $2 ORDER BY id")
                .bind(&reference)
                .bind(&reference)
                .fetch_all(&self.pool)
                .await
                .map_err(database_error)?;
            rows.iter()
                .map(|row| transfer_row(row).into_transfer())
                .collect()
        })
    }

    fn account_balances(&self) -> StoreFuture<'_, Vec<(Account, i128)>> {
        Box::pin(async move {
            let rows = sqlx::query(
                "SELECT debit_case, debit_kind, CAST(SUM(amount_pence) AS BIGINT), 1 FROM ledger_transfers GROUP BY debit_case, debit_kind
                 UNION ALL
                 SELECT credit_case, credit_kind, CAST(SUM(amount_pence) AS BIGINT), 0 FROM ledger_transfers GROUP BY credit_case, credit_kind",
            )
            .fetch_all(&self.pool)
            .await
            .map_err(database_error)?;
            Ok(balances_from_sums(
                rows.iter()
                    .map(|row| {
                        let is_debit: i32 = row.get(3);
                        (row.get(0), row.get(1), row.get::<i64, _>(2), is_debit == 1)
                    })
                    .collect(),
            ))
        })
    }

    fn cases_of_person(&self, person: i64) -> StoreFuture<'_, Vec<CaseReference>> {
        Box::pin(self.read_references(
            "SELECT DISTINCT case_reference FROM case_parties WHERE person_id = $1 AND (party = 'paying_parent' OR party LIKE 'receiving_parent:%') ORDER BY case_reference",
            Some(person),
        ))
    }

    fn case_references(&self) -> StoreFuture<'_, Vec<CaseReference>> {
        Box::pin(self.read_references(
            "SELECT case_reference FROM cases ORDER BY case_reference",
            None,
        ))
    }

    fn issue_token<'a>(
        &'a self,
        token_hash: &'a str,
        person: i64,
        role: &'a str,
    ) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            sqlx::query("INSERT INTO api_tokens (token_hash, person_id, role) VALUES ($1, $2, $3)")
                .bind(token_hash)
                .bind(person)
                .bind(role)
                .execute(&self.pool)
                .await
                .map_err(database_error)?;
            Ok(())
        })
    }

    fn token_holder<'a>(&'a self, token_hash: &'a str) -> StoreFuture<'a, Option<(i64, String)>> {
        Box::pin(async move {
            Ok(
                sqlx::query("SELECT person_id, role FROM api_tokens WHERE token_hash = $1")
                    .bind(token_hash)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(database_error)?
                    .map(|row| (row.get(0), row.get(1))),
            )
        })
    }

    fn case_history<'a>(&'a self, case: &'a CaseReference) -> StoreFuture<'a, Option<CaseHistory>> {
        Box::pin(self.read_case_history(case))
    }

    fn record_work_changes<'a>(
        &'a self,
        changes: &'a [work_items::WorkChange],
        raised: i64,
    ) -> StoreFuture<'a, ()> {
        Box::pin(work::record(&self.pool, changes, raised))
    }

    fn work_queue<'a>(
        &'a self,
        query: &'a work_items::WorkQuery,
    ) -> StoreFuture<'a, work_items::WorkPage> {
        Box::pin(work::queue(&self.pool, query))
    }

    fn work_item<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<work_items::WorkItem>> {
        Box::pin(work::item(&self.pool, id))
    }

    fn command_work_item<'a>(
        &'a self,
        id: &'a str,
        command: work_items::WorkCommand,
        by: i64,
        at: i64,
        audit: AuditRecord,
    ) -> StoreFuture<'a, work_items::WorkItem> {
        Box::pin(work::command(&self.pool, id, command, by, at, audit))
    }

    fn mi_totals<'a>(
        &'a self,
        measure: Option<&'a str>,
    ) -> StoreFuture<'a, storage_api::mi::MiTotals> {
        Box::pin(mi::totals(&self.pool, measure))
    }

    fn case_totals(
        &self,
    ) -> StoreFuture<'_, std::collections::BTreeMap<CaseReference, storage_api::mi::CaseTotals>>
    {
        Box::pin(mi::case_rows(&self.pool))
    }

    fn arrears_page(&self, offset: u32, limit: u32) -> StoreFuture<'_, Vec<(CaseReference, i64)>> {
        Box::pin(mi::arrears(&self.pool, offset, limit))
    }

    fn work_tallies(&self) -> StoreFuture<'_, Vec<storage_api::mi::WorkTally>> {
        Box::pin(mi::work_tallies(&self.pool))
    }

    fn replace_mi<'a>(
        &'a self,
        totals: &'a storage_api::mi::MiTotals,
        cases: &'a std::collections::BTreeMap<CaseReference, storage_api::mi::CaseTotals>,
    ) -> StoreFuture<'a, ()> {
        Box::pin(mi::replace(&self.pool, totals, cases))
    }

    fn close(&self) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        Box::pin(self.pool.close())
    }
}
