//! The storage interface.
//!
//! [`Store`] speaks only domain types; there is no SQL in its signatures, so
//! the service above it does not know which database it runs on. Each
//! back-end (`storage-sqlite`, `storage-postgres`) implements it and passes
//! the one conformance suite (`storage-conformance`). The trait returns
//! boxed futures so that it can be used as `dyn Store`, chosen at start-up
//! from `DATABASE_URL`.
//!
//! Every row the service will store is keyed by case where it belongs to
//! one, so the data can later be sharded by case.

use std::fmt;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;

use audit_log::{Action, AuditRecord, ChainedEntry, Hash, from_hex, to_hex};
use bank_files::PaymentNote;
use case_records::{CaseHistory, CaseReference, Change, FactEvent, SealedParty, SearchQuery};
use case_records::{PersonId, Role};
use domain_types::{Date, Pence};
use ledger::{
    Account, AccountKind, CollectionAction, Decision, RecordedAction, Transfer, TransferCode,
    TransferId,
};
use safety::{
    Party, ProtectionCause, ProtectionEvent, ProtectionRecord, Recorder, SafetyEvent, SafetyRecord,
};
use work_items::{WorkChange, WorkCommand, WorkItem, WorkKind, WorkPage, WorkQuery, WorkState};

pub mod mi;

/// An event of a challenge to a decision as columns (issue 16): the
/// challenges crate's kind and payload, who and when, and the free words
/// that came with it, sealed by the caller (`None` for none).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChallengeRow {
    /// The caller's id for it (idempotency).
    pub event_id: String,
    /// Its kind.
    pub kind: String,
    /// Its payload.
    pub payload: String,
    /// Who.
    pub person: i64,
    /// In what role.
    pub role: String,
    /// On what day (ISO).
    pub on: String,
    /// Its words, sealed.
    pub words: Option<String>,
}

/// An evidence file of a challenge, sealed by the caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EvidenceRow {
    /// Its id within the challenge.
    pub evidence_id: String,
    /// Its media type, from its bytes.
    pub media_type: String,
    /// Who sent it.
    pub person: i64,
    /// Its size before sealing.
    pub bytes: i64,
    /// The file, sealed.
    pub sealed: Vec<u8>,
}

/// What a store operation returns.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StorageError>> + Send + 'a>>;

/// A change to a case's sealed parties, worked out from the parties as they
/// are inside the transaction: `Ok(None)` leaves them as they are.
pub type PartiesTransform<'t> =
    dyn Fn(&[SealedParty]) -> Result<Option<Vec<SealedParty>>, String> + Send + Sync + 't;

/// A database the service can run on.
pub trait Store: Send + Sync {
    /// `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;

    /// Answers whether the database can be reached now.
    fn check(&self) -> StoreFuture<'_, ()>;

    /// The migrations applied, by number and name.
    fn applied_migrations(&self) -> StoreFuture<'_, Vec<(i64, String)>>;

    /// Records the parameter files behind `version` once; returns whether it
    /// was new. Recording the same version again changes nothing.
    fn record_parameter_set<'a>(
        &'a self,
        version: &'a str,
        files_json: &'a str,
    ) -> StoreFuture<'a, bool>;

    /// The parameter files recorded for `version`.
    fn parameter_set_files<'a>(&'a self, version: &'a str) -> StoreFuture<'a, Option<String>>;

    /// Appends to the audit log, chained to the entry before it; concurrent
    /// appends never chain onto the same entry.
    fn append_audit(&self, record: AuditRecord) -> StoreFuture<'_, ChainedEntry>;

    /// Every audit entry in sequence order.
    fn audit_entries(&self) -> StoreFuture<'_, Vec<ChainedEntry>>;

    /// Opens a case whose liability starts on `initial_effective_date`, or
    /// gives a case opened by an application (`open_application`) its
    /// date: the calculation has been made. Either returns `true`. Opening
    /// it again with the same date changes nothing and returns `false`;
    /// with another date it is refused.
    fn open_case<'a>(
        &'a self,
        case: &'a CaseReference,
        initial_effective_date: Date,
    ) -> StoreFuture<'a, bool>;

    /// Opens a case on a parent's application: it has no initial effective
    /// date until a caseworker makes the calculation (`open_case`), so its
    /// history reads `initial_effective_date: None` and its state is
    /// `CaseState::Application`. Opening it again changes nothing and
    /// returns `false`; a case that already has a date is refused.
    fn open_application<'a>(&'a self, case: &'a CaseReference) -> StoreFuture<'a, bool>;

    /// Opens the case of an application stopped because the applicant was
    /// in immediate danger (issue 14), to hold their disclosure and its
    /// immediate-danger work item: never an application waiting for a
    /// calculation (not in `applications`, no application work item, not
    /// counted as one in management information) and never given a
    /// calculation (`open_case` refuses it). Its column holds
    /// [`STOPPED_IN_DANGER`]. Opening it again changes nothing and returns
    /// `false`; a case already opened otherwise is refused.
    fn open_stopped_in_danger<'a>(&'a self, case: &'a CaseReference) -> StoreFuture<'a, bool>;

    /// Cases opened by an application and still waiting for their
    /// calculation, oldest first: the applications queue.
    fn applications(&self) -> StoreFuture<'_, Vec<CaseReference>>;

    /// Appends `events` to a case, and `audit` to the audit log, in one
    /// transaction. A retry with the same `idempotency_key` and the same
    /// events changes nothing (and writes no second audit entry); the same
    /// key with different events is refused and changes nothing.
    fn append_facts<'a>(
        &'a self,
        case: &'a CaseReference,
        events: &'a [FactEvent],
        idempotency_key: &'a str,
        audit: AuditRecord,
    ) -> StoreFuture<'a, AppendOutcome>;

    /// Replaces the parties of a case (their fields already sealed), and
    /// appends `audit`, in one transaction. A parent recorded with
    /// `non_disclosure`, or who has disclosed abuse on the case, is
    /// protected as a person in the same transaction
    /// ([`people_protected_by_parties`]); a party recorded without it lifts
    /// nothing.
    fn put_parties<'a>(
        &'a self,
        case: &'a CaseReference,
        parties: &'a [SealedParty],
        audit: AuditRecord,
    ) -> StoreFuture<'a, ()>;

    /// The parties of a case, sealed, in party order. Each parent's
    /// `non_disclosure` is the person's protection, read with the party:
    /// the one flag every case, role, channel and file reads.
    fn parties<'a>(&'a self, case: &'a CaseReference) -> StoreFuture<'a, Vec<SealedParty>>;

    /// The parties whose blind-index entries of `query.kind` include at
    /// least `query.needed` of `query.tokens` (case-records' `search_query`),
    /// found by the index alone, never by reading the cases: ordered by
    /// case and party, at most `limit`. Each says whether its case is
    /// restricted (a parent in it protected), read with it.
    fn search<'a>(&'a self, query: &'a SearchQuery, limit: u32) -> StoreFuture<'a, Vec<SearchHit>>;

    /// Reads a case's parties, applies `transform` and writes the result
    /// with `audit`, all in one transaction holding the case: a concurrent
    /// edit is neither lost nor overwritten. Returns whether anything changed.
    fn transform_parties<'a>(
        &'a self,
        case: &'a CaseReference,
        transform: &'a PartiesTransform<'a>,
        audit: AuditRecord,
    ) -> StoreFuture<'a, bool>;

    /// Records an event in a person's protection (checked by the caller
    /// against [`safety::Protection`] folded from `expected_events` events)
    /// with `audit`, and sets the person's flag as the event leaves it, in
    /// one transaction: refused with [`StorageError::ActionConflict`] if
    /// another event was stored since, and with
    /// [`StorageError::UnknownPerson`] for a person in no case and with no
    /// account. Protecting someone already protected stores nothing and is
    /// [`ActionOutcome::AlreadyRecorded`].
    fn record_protection<'a>(
        &'a self,
        person: i64,
        expected_events: i64,
        record: &'a ProtectionRecord,
        audit: AuditRecord,
    ) -> StoreFuture<'a, ActionOutcome>;

    /// A person's protection events, in order.
    fn protection_events(&self, person: i64) -> StoreFuture<'_, Vec<ProtectionRecord>>;

    /// Everyone protected now.
    fn protected_people(&self) -> StoreFuture<'_, Vec<i64>>;

    /// Posts ledger transfers in one transaction. A transfer already stored
    /// with identical fields counts as already posted; an id stored with
    /// different fields refuses the whole batch, and nothing is written.
    fn post_transfers<'a>(&'a self, transfers: &'a [Transfer]) -> StoreFuture<'a, PostSummary>;

    /// Posts ledger transfers as [`Store::post_transfers`] does, and appends
    /// the audit entry `audit` makes from what the batch did, in the same
    /// transaction: a batch run's postings and its record that it ran are
    /// kept together or not at all. A batch that posts nothing (a
    /// re-import) still writes its entry.
    fn post_transfers_audited<'a>(
        &'a self,
        transfers: &'a [Transfer],
        audit: &'a BatchAudit<'a>,
    ) -> StoreFuture<'a, PostSummary>;

    /// Every transfer touching a case's accounts, in id order.
    fn transfers_for_case<'a>(&'a self, case: &'a CaseReference) -> StoreFuture<'a, Vec<Transfer>>;

    /// Records a caseworker's collection action (a hold, an enforcement
    /// step) with the transfers it posts (an enforcement charge) and its
    /// audit entry, in one transaction (a parent's request saying it is not
    /// safe protects them in it: [`people_protected_by_action`]). An
    /// allocation of money in suspense claims the payment in the same
    /// transaction: the same payment allocated again, on any case and under
    /// any id, is [`StorageError::AlreadyAllocated`] and writes nothing (no
    /// action, no transfer, no audit entry).
    /// `expected_actions` is how many
    /// actions the caller saw when it checked the action against the case's
    /// state: if another was stored since, nothing is written and the
    /// answer is [`StorageError::ActionConflict`], so two people can never
    /// both approve one step. `id` makes a retry harmless: the same id with
    /// the same action is [`ActionOutcome::AlreadyRecorded`].
    fn record_collection_action<'a>(
        &'a self,
        case: &'a CaseReference,
        expected_actions: i64,
        id: &'a str,
        action: &'a RecordedAction,
        transfers: &'a [Transfer],
        audit: AuditRecord,
    ) -> StoreFuture<'a, ActionOutcome>;

    /// The collection action recorded on a case under `id`, if any: so a
    /// retry can be answered as before without being checked again.
    fn collection_action<'a>(
        &'a self,
        case: &'a CaseReference,
        id: &'a str,
    ) -> StoreFuture<'a, Option<RecordedAction>>;

    /// A case's collection actions, in the order taken.
    fn collection_actions<'a>(
        &'a self,
        case: &'a CaseReference,
    ) -> StoreFuture<'a, Vec<RecordedAction>>;

    /// Records a safety event (a disclosure, the named caseworker, a review,
    /// the risk level, a Domestic Abuse Plan step) with its audit entry in
    /// one transaction; a disclosure protects the person who made it in the
    /// same transaction ([`people_protected_by_safety_event`]); refused with [`StorageError::ActionConflict`] if
    /// another was stored since the caller read `expected_events`, and a
    /// retry under the same `id` is [`ActionOutcome::AlreadyRecorded`].
    fn record_safety_event<'a>(
        &'a self,
        case: &'a CaseReference,
        expected_events: i64,
        id: &'a str,
        record: &'a SafetyRecord,
        audit: AuditRecord,
    ) -> StoreFuture<'a, ActionOutcome>;

    /// The safety event recorded on a case under `id`, if any: so a retry
    /// is answered as before without being checked again.
    fn safety_event<'a>(
        &'a self,
        case: &'a CaseReference,
        id: &'a str,
    ) -> StoreFuture<'a, Option<SafetyRecord>>;

    /// A case's safety events, in order.
    fn safety_events<'a>(&'a self, case: &'a CaseReference) -> StoreFuture<'a, Vec<SafetyRecord>>;

    /// Every case with any safety event, in order: the queues are folded
    /// from these.
    fn cases_with_safety_events(&self) -> StoreFuture<'_, Vec<CaseReference>>;

    /// Records an event of a challenge to a decision (issue 16: asked,
    /// the other parent's view, evidence, decided, appealed, a bundle
    /// sent) on `case`, with its sealed words and its evidence file if
    /// any, the work it makes or closes and its audit entry, in one
    /// transaction. The first event (`expected_events` 0) opens the
    /// challenge. Refused with [`StorageError::ActionConflict`] if another
    /// event was stored since the caller read `expected_events`; the same
    /// `event_id` with the same kind and payload is
    /// [`ActionOutcome::AlreadyRecorded`], with others
    /// [`StorageError::IdempotencyKeyReused`].
    #[allow(clippy::too_many_arguments)]
    fn record_challenge_event<'a>(
        &'a self,
        case: &'a CaseReference,
        challenge: &'a str,
        expected_events: i64,
        row: &'a ChallengeRow,
        evidence: Option<&'a EvidenceRow>,
        work: &'a [WorkChange],
        audit: AuditRecord,
    ) -> StoreFuture<'a, ActionOutcome>;

    /// A challenge's case and events, in order; `None` for none.
    fn challenge<'a>(
        &'a self,
        challenge: &'a str,
    ) -> StoreFuture<'a, Option<(CaseReference, Vec<ChallengeRow>)>>;

    /// The challenges on a case, oldest first.
    fn challenges_of_case<'a>(&'a self, case: &'a CaseReference) -> StoreFuture<'a, Vec<String>>;

    /// A challenge's evidence files (sealed), in the order received.
    fn challenge_evidence<'a>(&'a self, challenge: &'a str) -> StoreFuture<'a, Vec<EvidenceRow>>;

    /// The actor (`staff-<person>`) of the last change a staff member made
    /// to `case`: who made the decision now standing, who may not work its
    /// reconsideration. Read through the audit index on (case, action)
    /// (migration 0021), never by reading the whole log.
    fn last_staff_change<'a>(&'a self, case: &'a CaseReference) -> StoreFuture<'a, Option<String>>;

    /// Keeps payers' notes; a note already kept is left as it is, so a
    /// re-imported statement changes nothing.
    fn record_payment_notes<'a>(&'a self, notes: &'a [PaymentNote]) -> StoreFuture<'a, ()>;

    /// The payers' notes kept for these transfers (caseworkers only).
    fn payment_notes_for<'a>(
        &'a self,
        transfers: &'a [TransferId],
    ) -> StoreFuture<'a, Vec<PaymentNote>>;

    /// The suspense work queue: money received that is in suspense and not
    /// yet allocated to a case (no transfer `<id>/allocated`), oldest first,
    /// each with the payer's note and the reason if kept.
    fn suspense_queue(&self) -> StoreFuture<'_, Vec<(Transfer, Option<PaymentNote>)>>;

    /// Every account's debit balance (debits less credits).
    fn account_balances(&self) -> StoreFuture<'_, Vec<(Account, i128)>>;

    /// Every case reference, in order.
    fn case_references(&self) -> StoreFuture<'_, Vec<CaseReference>>;

    /// The cases in which `person` is a party, for their own pages.
    fn cases_of_person(&self, person: i64) -> StoreFuture<'_, Vec<CaseReference>>;

    /// Creates a sign-in account; a login is created once.
    fn create_account<'a>(
        &'a self,
        login: &'a str,
        password_hash: &'a str,
        person: i64,
        role: &'a str,
    ) -> StoreFuture<'a, ()>;

    /// The password hash, person and role of a login.
    fn account<'a>(&'a self, login: &'a str) -> StoreFuture<'a, Option<(String, i64, String)>>;

    /// Starts a server-side session, held by the hash of its id.
    fn start_session<'a>(
        &'a self,
        session_hash: &'a str,
        person: i64,
        role: &'a str,
        now: i64,
    ) -> StoreFuture<'a, ()>;

    /// The person and role of a live session, marking it seen now; a session
    /// idle for more than `idle_limit_seconds` is ended instead. Marked at
    /// most every [`TOUCH_EVERY_SECONDS`], so most requests only read.
    fn touch_session<'a>(
        &'a self,
        session_hash: &'a str,
        now: i64,
        idle_limit_seconds: i64,
    ) -> StoreFuture<'a, Option<(i64, String)>>;

    /// Ends a session now.
    fn end_session<'a>(&'a self, session_hash: &'a str) -> StoreFuture<'a, ()>;

    /// Stores an API token, by its SHA-256 hash only, for a person in a role.
    fn issue_token<'a>(
        &'a self,
        token_hash: &'a str,
        person: i64,
        role: &'a str,
    ) -> StoreFuture<'a, ()>;

    /// The person and role holding the token with this hash.
    fn token_holder<'a>(&'a self, token_hash: &'a str) -> StoreFuture<'a, Option<(i64, String)>>;

    /// Everything recorded about a case, in the order recorded; `None` for
    /// a case never opened.
    fn case_history<'a>(&'a self, case: &'a CaseReference) -> StoreFuture<'a, Option<CaseHistory>>;

    /// Applies work changes that no other write carries (the daily run's
    /// cases set aside and payments noticed missed), raised at `raised`
    /// (Unix seconds), in one transaction. Every other event applies its
    /// own changes in its own transaction (`work_items`).
    fn record_work_changes<'a>(
        &'a self,
        changes: &'a [WorkChange],
        raised: i64,
    ) -> StoreFuture<'a, ()>;

    /// A page of a queue, most urgent first then oldest, read by index,
    /// with counts by kind over the whole query: its cost follows the page
    /// and the open work, never the caseload.
    fn work_queue<'a>(&'a self, query: &'a WorkQuery) -> StoreFuture<'a, WorkPage>;

    /// One work item.
    fn work_item<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<WorkItem>>;

    /// Someone claims, assigns, completes or returns an item, at `at`, with
    /// `audit`, in one transaction: [`StorageError::UnknownWorkItem`] if
    /// there is none, [`StorageError::WorkItemDone`] if it is done.
    fn command_work_item<'a>(
        &'a self,
        id: &'a str,
        command: WorkCommand,
        by: i64,
        at: i64,
        audit: AuditRecord,
    ) -> StoreFuture<'a, WorkItem>;

    /// Management information kept as the work happens ([`mi`]): the
    /// totals of `measure` (every measure if `None`), read by key.
    fn mi_totals<'a>(&'a self, measure: Option<&'a str>) -> StoreFuture<'a, mi::MiTotals>;

    /// Every case's kept row that is not all zero (a scan: for checking
    /// against [`mi::recount`], never for a page).
    fn case_totals(
        &self,
    ) -> StoreFuture<'_, std::collections::BTreeMap<CaseReference, mi::CaseTotals>>;

    /// A page of the cases whose paying parents owe most (pence), largest
    /// first, read by the index on what is owed.
    fn arrears_page(&self, offset: u32, limit: u32) -> StoreFuture<'_, Vec<(CaseReference, i64)>>;

    /// Work items counted by kind, risk and whether done (a scan: for
    /// [`mi::recount`] only).
    fn work_tallies(&self) -> StoreFuture<'_, Vec<mi::WorkTally>>;

    /// Replaces every kept total and case row in one transaction (`cms mi
    /// recount`, with what [`mi::recount`] worked out).
    fn replace_mi<'a>(
        &'a self,
        totals: &'a mi::MiTotals,
        cases: &'a std::collections::BTreeMap<CaseReference, mi::CaseTotals>,
    ) -> StoreFuture<'a, ()>;

    /// Closes every connection.
    fn close(&self) -> Pin<Box<dyn Future<Output = ()> + Send + '_>>;
}

/// The audit entry of a batch of transfers, made from what the batch did
/// inside the transaction that posts it.
pub type BatchAudit<'t> = dyn Fn(PostSummary) -> AuditRecord + Send + Sync + 't;

/// What posting a batch of transfers did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PostSummary {
    /// Transfers newly stored.
    pub posted: usize,
    /// Transfers already stored with identical fields.
    pub already_posted: usize,
}

/// A transfer as columns, in the order both back-ends store them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransferRow {
    /// The id.
    pub id: String,
    /// The debited account's case.
    pub debit_case: Option<String>,
    /// The debited account's kind.
    pub debit_kind: String,
    /// The credited account's case.
    pub credit_case: Option<String>,
    /// The credited account's kind.
    pub credit_kind: String,
    /// Pence.
    pub amount_pence: i64,
    /// The transfer code.
    pub code: String,
    /// ISO date.
    pub effective: String,
    /// The corrected transfer's id.
    pub corrects: Option<String>,
}

impl TransferRow {
    /// The row for a transfer.
    ///
    /// # Panics
    /// For an amount beyond 2^63 pence, which the ledger's inputs exclude.
    #[must_use]
    pub fn from_transfer(transfer: &Transfer) -> TransferRow {
        TransferRow {
            id: transfer.id.0.clone(),
            debit_case: transfer.debit.case.map(|c| c.to_string()),
            debit_kind: transfer.debit.kind.code(),
            credit_case: transfer.credit.case.map(|c| c.to_string()),
            credit_kind: transfer.credit.kind.code(),
            amount_pence: i64::try_from(transfer.amount.get()).expect("amounts are bounded"),
            code: transfer.code.code().to_owned(),
            effective: transfer.effective.to_string(),
            corrects: transfer.corrects.as_ref().map(|c| c.0.clone()),
        }
    }

    /// The transfer a row holds.
    ///
    /// # Errors
    /// A column that cannot be read back.
    pub fn into_transfer(self) -> Result<Transfer, StorageError> {
        let bad =
            |what: &str| StorageError::Database(format!("transfer {}: unreadable {what}", self.id));
        let account = |case: &Option<String>, kind: &str| -> Result<Account, StorageError> {
            Ok(Account {
                case: case
                    .as_deref()
                    .map(CaseReference::parse)
                    .transpose()
                    .map_err(|_| bad("case"))?,
                kind: AccountKind::from_code(kind).ok_or_else(|| bad("account kind"))?,
            })
        };
        Ok(Transfer {
            debit: account(&self.debit_case, &self.debit_kind)?,
            credit: account(&self.credit_case, &self.credit_kind)?,
            amount: Pence::new(u64::try_from(self.amount_pence).map_err(|_| bad("amount"))?),
            code: TransferCode::from_code(&self.code).ok_or_else(|| bad("code"))?,
            effective: Date::parse_iso(&self.effective).map_err(|_| bad("date"))?,
            corrects: self.corrects.clone().map(TransferId),
            id: TransferId(self.id.clone()),
        })
    }
}

/// Sums debit and credit totals per account into debit balances.
#[must_use]
pub fn balances_from_sums(rows: Vec<(Option<String>, String, i64, bool)>) -> Vec<(Account, i128)> {
    let mut balances: std::collections::BTreeMap<Account, i128> = std::collections::BTreeMap::new();
    for (case, kind, total, is_debit) in rows {
        let account = Account {
            case: case.as_deref().and_then(|c| CaseReference::parse(c).ok()),
            kind: AccountKind::from_code(&kind).unwrap_or(AccountKind::Suspense),
        };
        *balances.entry(account).or_default() += if is_debit {
            i128::from(total)
        } else {
            -i128::from(total)
        };
    }
    balances.into_iter().collect()
}

/// What recording a collection action did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActionOutcome {
    /// Stored, as the case's action number `sequence`.
    Recorded {
        /// Its position in the case's log, from 1.
        sequence: i64,
    },
    /// The same action under the same id was stored before: nothing new.
    AlreadyRecorded,
}

/// A collection action as columns, in the order both back-ends store them:
/// id, kind, payload, person, role, date.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActionRow {
    /// The caller's id for it (idempotency).
    pub id: String,
    /// Its kind.
    pub kind: String,
    /// Its payload.
    pub payload: String,
    /// Who took it.
    pub person: i64,
    /// In what role.
    pub role: String,
    /// On what day (ISO).
    pub on: String,
}

impl ActionRow {
    /// The columns for an action.
    #[must_use]
    pub fn from_action(id: &str, recorded: &RecordedAction) -> ActionRow {
        let (kind, payload) = recorded.action.encode();
        ActionRow {
            id: id.to_owned(),
            kind: kind.to_owned(),
            payload,
            person: i64::try_from(recorded.by.by.0).expect("person ids fit in i64"),
            role: recorded.by.role.code().to_owned(),
            on: recorded.by.on.to_string(),
        }
    }

    /// The action the columns hold.
    ///
    /// # Errors
    /// A stored value that cannot be read.
    pub fn into_action(self) -> Result<RecordedAction, StorageError> {
        let unreadable = |reason: String| {
            StorageError::Database(format!("collection action {}: {reason}", self.id))
        };
        let action = CollectionAction::decode(&self.kind, &self.payload)
            .map_err(|e| unreadable(e.to_string()))?;
        Ok(RecordedAction {
            action,
            by: Decision {
                by: PersonId(
                    u64::try_from(self.person).map_err(|_| unreadable("person".to_owned()))?,
                ),
                role: Role::from_code(&self.role).ok_or_else(|| unreadable("role".to_owned()))?,
                on: Date::parse_iso(&self.on).map_err(|e| unreadable(e.to_string()))?,
            },
        })
    }
}

impl ActionRow {
    /// The columns for a safety event.
    #[must_use]
    pub fn from_safety(id: &str, record: &SafetyRecord) -> ActionRow {
        let (kind, payload) = record.event.encode();
        ActionRow {
            id: id.to_owned(),
            kind: kind.to_owned(),
            payload,
            person: i64::try_from(record.by.person.0).expect("person ids fit in i64"),
            role: record.by.role.code().to_owned(),
            on: record.by.on.to_string(),
        }
    }

    /// The safety event the columns hold.
    ///
    /// # Errors
    /// A stored value that cannot be read.
    pub fn into_safety(self) -> Result<SafetyRecord, StorageError> {
        let unreadable =
            |reason: String| StorageError::Database(format!("safety event {}: {reason}", self.id));
        Ok(SafetyRecord {
            event: SafetyEvent::decode(&self.kind, &self.payload)
                .map_err(|e| unreadable(e.to_string()))?,
            by: Recorder {
                person: PersonId(
                    u64::try_from(self.person).map_err(|_| unreadable("person".to_owned()))?,
                ),
                role: Role::from_code(&self.role).ok_or_else(|| unreadable("role".to_owned()))?,
                on: Date::parse_iso(&self.on).map_err(|e| unreadable(e.to_string()))?,
            },
        })
    }
}

/// What an append did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppendOutcome {
    /// The events were stored from this sequence number on.
    Appended {
        /// The sequence number of the first event.
        first_sequence: i64,
    },
    /// The same events under the same key were stored before: nothing new.
    AlreadyApplied {
        /// The sequence number of their first event.
        first_sequence: i64,
    },
}

/// A fact as columns, in the order both back-ends store them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FactRow {
    /// Position in the case's history, from 1.
    pub sequence: i64,
    /// ISO date.
    pub effective_from: String,
    /// ISO date.
    pub recorded_on: String,
    /// The change's kind.
    pub kind: String,
    /// The change's payload.
    pub payload: String,
}

impl FactRow {
    /// The row for an event at `sequence`.
    #[must_use]
    pub fn from_event(sequence: i64, event: &FactEvent) -> FactRow {
        let (kind, payload) = event.change.encode();
        FactRow {
            sequence,
            effective_from: event.effective_from.to_string(),
            recorded_on: event.recorded_on.to_string(),
            kind: kind.to_owned(),
            payload,
        }
    }

    /// The event a row holds.
    ///
    /// # Errors
    /// A date or change that cannot be read.
    pub fn into_event(self, case: &CaseReference) -> Result<FactEvent, StorageError> {
        let unreadable = |reason: String| StorageError::UnreadableFact {
            case: case.to_string(),
            sequence: self.sequence,
            reason,
        };
        let date =
            |text: &str| Date::parse_iso(text).map_err(|e| unreadable(format!("{text}: {e}")));
        Ok(FactEvent {
            effective_from: date(&self.effective_from)?,
            recorded_on: date(&self.recorded_on)?,
            change: Change::decode(&self.kind, &self.payload)
                .map_err(|e| unreadable(e.to_string()))?,
        })
    }
}

/// Group commit: items that callers submit while a batch is being written
/// wait, and are then written together in one transaction (one sync to
/// disk) by whichever of them gets the writer's lock first. Each caller
/// still returns only once its own item is committed, so "audited before
/// the answer leaves" holds; under load, many audit entries share one
/// commit instead of queueing for one each.
pub struct GroupCommit<T, R> {
    pending: std::sync::Mutex<Vec<PendingItem<T, R>>>,
    writer: tokio::sync::Mutex<()>,
}

type PendingItem<T, R> = (T, tokio::sync::oneshot::Sender<Result<R, String>>);

impl<T, R> fmt::Debug for GroupCommit<T, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GroupCommit").finish_non_exhaustive()
    }
}

impl<T, R> Default for GroupCommit<T, R> {
    fn default() -> Self {
        GroupCommit {
            pending: std::sync::Mutex::new(Vec::new()),
            writer: tokio::sync::Mutex::new(()),
        }
    }
}

impl<T, R> GroupCommit<T, R> {
    /// Submits `item` and waits until it is written: by this caller, with
    /// everything pending, through `write` (which writes a batch in one
    /// transaction and returns one result per item, in order), or by
    /// another caller who took it into their batch.
    ///
    /// # Errors
    /// The batch's write failed (every item in it fails, nothing of it is
    /// kept), or the writer was cancelled before answering.
    pub async fn submit<F, Fut>(&self, item: T, write: F) -> Result<R, StorageError>
    where
        F: FnOnce(Vec<T>) -> Fut,
        Fut: Future<Output = Result<Vec<R>, StorageError>>,
    {
        let (sender, mut receiver) = tokio::sync::oneshot::channel();
        self.pending
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push((item, sender));
        let _writing = self.writer.lock().await;
        // Written meanwhile as part of someone else's batch.
        if let Ok(result) = receiver.try_recv() {
            return result.map_err(StorageError::Database);
        }
        let batch = std::mem::take(
            &mut *self
                .pending
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        let (items, senders): (Vec<T>, Vec<_>) = batch.into_iter().unzip();
        match write(items).await {
            Ok(results) => {
                for (sender, result) in senders.into_iter().zip(results) {
                    let _ = sender.send(Ok(result));
                }
            }
            Err(error) => {
                let message = error.to_string();
                for sender in senders {
                    let _ = sender.send(Err(message.clone()));
                }
            }
        }
        match receiver.await {
            Ok(result) => result.map_err(StorageError::Database),
            Err(_) => Err(StorageError::Database(
                "the audit writer stopped before answering".to_owned(),
            )),
        }
    }
}

/// A session is written (its last use moved on) at most this often; a
/// request within this many seconds of the last write only reads it. The
/// idle limit is therefore kept to within this many seconds.
pub const TOUCH_EVERY_SECONDS: i64 = 30;

/// Whether a batch closes or reopens its case, so that the store must
/// check it against the case's state inside the appending transaction.
#[must_use]
pub fn changes_lifecycle(events: &[FactEvent]) -> bool {
    events
        .iter()
        .any(|e| matches!(e.change, Change::CaseClosed | Change::CaseReopened))
}

/// The fact kinds that close or reopen a case, as stored.
pub const LIFECYCLE_KINDS: [&str; 2] = ["case_closed", "case_reopened"];

/// Checks a batch's closings and reopenings against the case's stored ones
/// (`CaseHistory::check_lifecycle`), read in the same transaction that will
/// append the batch, so two requests cannot both close an open case.
///
/// # Errors
/// `LifecycleRefused` naming the date and the state; a stored fact that
/// cannot be read.
pub fn check_lifecycle(
    case: &CaseReference,
    initial_effective_date: Option<Date>,
    stored_lifecycle: Vec<FactRow>,
    events: &[FactEvent],
) -> Result<(), StorageError> {
    let history = CaseHistory {
        initial_effective_date,
        events: stored_lifecycle
            .into_iter()
            .map(|row| row.into_event(case))
            .collect::<Result<_, _>>()?,
    };
    let Some(known_on) = events
        .iter()
        .chain(&history.events)
        .map(|e| e.recorded_on)
        .max()
        .or(initial_effective_date)
    else {
        return Ok(());
    };
    history
        .check_lifecycle(events, known_on)
        .map_err(|(on, refused)| StorageError::LifecycleRefused(format!("on {on}, {refused}")))
}

/// What `cases.initial_effective_date` holds for a case opened by an
/// application, until its calculation is made. The column stays `NOT NULL`
/// because SQLite cannot relax that without rebuilding a table five others
/// reference; both stores keep the same convention (migration 0014).
pub const AWAITING_CALCULATION: &str = "";

/// What `cases.initial_effective_date` holds for an application stopped
/// because the applicant was in immediate danger
/// (`Store::open_stopped_in_danger`): no date, and none ever to come.
pub const STOPPED_IN_DANGER: &str = "stopped: the applicant was in danger";

/// Reads `cases.initial_effective_date`: a date, or none yet on an
/// application ([`AWAITING_CALCULATION`]).
///
/// # Errors
/// The column holds something that is neither.
pub fn initial_effective_date_column(case: &str, text: &str) -> Result<Option<Date>, StorageError> {
    if text == AWAITING_CALCULATION || text == STOPPED_IN_DANGER {
        return Ok(None);
    }
    Date::parse_iso(text)
        .map(Some)
        .map_err(|e| StorageError::UnreadableFact {
            case: case.to_owned(),
            sequence: 0,
            reason: format!("initial effective date {text}: {e}"),
        })
}

/// A fingerprint of a batch of events, to tell a retry from a reuse of its
/// key: FNV-1a of their stored text.
#[must_use]
pub fn batch_fingerprint(events: &[FactEvent]) -> String {
    let text: String = events
        .iter()
        .map(|event| {
            let row = FactRow::from_event(0, event);
            format!(
                "{}|{}|{}|{}\n",
                row.effective_from, row.recorded_on, row.kind, row.payload
            )
        })
        .collect();
    checksum(&text)
}

/// Why a store operation failed.
#[derive(Debug)]
pub enum StorageError {
    /// The folder for a database file could not be made.
    Folder {
        /// The folder.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// A migration applied earlier differs from the one in this binary.
    MigrationChanged {
        /// Its number.
        version: i64,
    },
    /// A stored audit entry cannot be read back: a sign of tampering.
    UnreadableAuditEntry {
        /// The entry.
        sequence: i64,
    },
    /// No case has this reference.
    UnknownCase(String),
    /// The case exists with another initial effective date.
    CaseConflict(String),
    /// An idempotency key was used before for different events.
    IdempotencyKeyReused(String),
    /// A transfer id already stored for a different transfer.
    TransferConflict(String),
    /// A transformation of stored data refused to go on.
    Transform(String),
    /// A stored fact cannot be read back.
    UnreadableFact {
        /// The case.
        case: String,
        /// The fact.
        sequence: i64,
        /// Why.
        reason: String,
    },
    /// Another collection action was stored on the case since the caller
    /// read it: nothing was written; read the case again and decide again.
    ActionConflict(String),
    /// Closing or reopening that the case's state does not allow (closing
    /// a closed case, reopening an open one): nothing was written.
    LifecycleRefused(String),
    /// No case and no account knows this person.
    UnknownPerson(i64),
    /// There is no work item with this id.
    UnknownWorkItem(String),
    /// The work item is done: nothing more can be done to it.
    WorkItemDone(String),
    /// This payment in suspense was allocated to a case already (by this
    /// request's twin, or anyone): nothing was written.
    AlreadyAllocated(String),
    /// The database reported an error.
    Database(String),
}

impl fmt::Display for StorageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StorageError::Folder { path, source } => {
                write!(
                    f,
                    "cannot create the database folder {}: {source}",
                    path.display()
                )
            }
            StorageError::MigrationChanged { version } => write!(
                f,
                "migration {version} in the database differs from the one in this program; refusing to continue"
            ),
            StorageError::UnreadableAuditEntry { sequence } => {
                write!(
                    f,
                    "audit entry {sequence} cannot be read back: it has been tampered with"
                )
            }
            StorageError::UnknownCase(case) => write!(f, "there is no case {case}"),
            StorageError::UnknownPerson(person) => {
                write!(f, "no case and no account knows person {person}")
            }
            StorageError::UnknownWorkItem(id) => write!(f, "there is no work item {id}"),
            StorageError::WorkItemDone(id) => {
                write!(f, "work item {id} is done; nothing more can be done to it")
            }
            StorageError::Transform(reason) => write!(f, "nothing was changed: {reason}"),
            StorageError::TransferConflict(id) => {
                write!(
                    f,
                    "transfer {id} is already stored with different fields; nothing from this batch was posted"
                )
            }
            StorageError::CaseConflict(case) => {
                write!(
                    f,
                    "case {case} already exists with a different initial effective date"
                )
            }
            StorageError::IdempotencyKeyReused(key) => write!(
                f,
                "the idempotency key `{key}` was already used for different changes; nothing was written"
            ),
            StorageError::UnreadableFact {
                case,
                sequence,
                reason,
            } => {
                write!(f, "fact {sequence} of case {case} cannot be read: {reason}")
            }
            StorageError::ActionConflict(case) => write!(
                f,
                "case {case} changed while this action was being decided; nothing was written, look again"
            ),
            StorageError::LifecycleRefused(reason) => {
                write!(f, "{reason}; nothing was written")
            }
            StorageError::AlreadyAllocated(payment) => write!(
                f,
                "payment {payment} was allocated to a case already; nothing was written"
            ),
            StorageError::Database(message) => write!(f, "database error: {message}"),
        }
    }
}

impl std::error::Error for StorageError {}

/// A migration: its number, name and SQL, compiled into the binary. Each
/// back-end has its own SQL under the same numbers and names.
#[derive(Clone, Copy, Debug)]
pub struct Migration {
    /// Its number, from 1.
    pub version: i64,
    /// Its name.
    pub name: &'static str,
    /// The SQL.
    pub sql: &'static str,
}

/// FNV-1a of a migration's text: enough to notice an edit, not a security
/// measure.
#[must_use]
pub fn checksum(sql: &str) -> String {
    let hash = sql.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    format!("{hash:016x}")
}

/// An audit entry as columns, in the order both back-ends store them:
/// sequence, at, actor, role, action, case, fields, reason, count,
/// previous hash, hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditRow {
    /// The entry's sequence.
    pub sequence: i64,
    /// Seconds since the epoch.
    pub at_unix_seconds: i64,
    /// Who.
    pub actor: String,
    /// Role.
    pub role: String,
    /// The action's code.
    pub action: String,
    /// The case reference.
    pub case_reference: Option<String>,
    /// Field names, one per line.
    pub fields: String,
    /// Why.
    pub reason: Option<String>,
    /// How many identical records.
    pub count: i64,
    /// Hex.
    pub previous_hash: String,
    /// Hex.
    pub hash: String,
}

/// The column list of [`AuditRow`], as a literal for `concat!` so that
/// queries stay static text.
#[macro_export]
macro_rules! audit_columns {
    () => {
        "sequence, at_unix_seconds, actor, role, action, case_reference, fields, reason, count, previous_hash, hash"
    };
}

impl AuditRow {
    /// The row for an entry.
    ///
    /// # Panics
    /// Beyond 2^63 entries.
    #[must_use]
    pub fn from_entry(entry: &ChainedEntry) -> AuditRow {
        let record = &entry.record;
        AuditRow {
            sequence: i64::try_from(entry.sequence).expect("fewer than 2^63 entries"),
            at_unix_seconds: record.at_unix_seconds,
            actor: record.actor.clone(),
            role: record.role.clone(),
            action: record.action.code().to_owned(),
            case_reference: record.case.clone(),
            fields: record.fields.join("\n"),
            reason: record.reason.clone(),
            count: i64::from(record.count),
            previous_hash: to_hex(&entry.previous_hash),
            hash: to_hex(&entry.hash),
        }
    }

    /// The entry a row holds.
    ///
    /// # Errors
    /// An unknown action, a count or hash that cannot be read: tampering.
    pub fn into_entry(self) -> Result<ChainedEntry, StorageError> {
        let sequence = self.sequence;
        let unreadable = || StorageError::UnreadableAuditEntry { sequence };
        let hash =
            |text: &str| -> Result<Hash, StorageError> { from_hex(text).ok_or_else(unreadable) };
        Ok(ChainedEntry {
            sequence: u64::try_from(sequence).map_err(|_| unreadable())?,
            previous_hash: hash(&self.previous_hash)?,
            hash: hash(&self.hash)?,
            record: AuditRecord {
                at_unix_seconds: self.at_unix_seconds,
                actor: self.actor,
                role: self.role,
                action: Action::from_code(&self.action).ok_or_else(unreadable)?,
                case: self.case_reference,
                fields: if self.fields.is_empty() {
                    Vec::new()
                } else {
                    self.fields.split('\n').map(str::to_owned).collect()
                },
                reason: self.reason,
                count: u32::try_from(self.count).map_err(|_| unreadable())?,
            },
        })
    }
}

#[cfg(test)]
mod group_commit_tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::{GroupCommit, StorageError};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn each_caller_gets_its_own_result_and_waiting_callers_share_a_batch() {
        let commits = Arc::new(GroupCommit::<u32, u32>::default());
        let batches = Arc::new(AtomicUsize::new(0));
        let callers: Vec<_> = (0..64u32)
            .map(|n| {
                let commits = Arc::clone(&commits);
                let batches = Arc::clone(&batches);
                tokio::spawn(async move {
                    commits
                        .submit(n, |items| async move {
                            batches.fetch_add(1, Ordering::SeqCst);
                            // A slow write, so that others queue behind it.
                            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                            Ok(items.into_iter().map(|i| i * 10).collect())
                        })
                        .await
                })
            })
            .collect();
        for (n, caller) in (0..64u32).zip(callers) {
            assert_eq!(caller.await.unwrap().unwrap(), n * 10);
        }
        let batches = batches.load(Ordering::SeqCst);
        assert!(batches < 64, "{batches} batches for 64 callers");
    }

    #[tokio::test]
    async fn a_failed_batch_fails_every_caller_in_it() {
        let commits = GroupCommit::<u32, u32>::default();
        let result = commits
            .submit(1, |_| async {
                Err(StorageError::Database("disk full".to_owned()))
            })
            .await;
        assert!(matches!(result, Err(StorageError::Database(m)) if m.contains("disk full")));
        // The next caller is not stuck behind it.
        assert_eq!(
            commits
                .submit(2, |items| async move { Ok(items) })
                .await
                .unwrap(),
            2
        );
    }
}

/// Whether a stored party is a parent (`paying_parent`,
/// `receiving_parent:N`): only parents carry protection; a child is
/// protected through their carer.
#[must_use]
pub fn is_parent_party(party: &str) -> bool {
    party == "paying_parent" || party.starts_with("receiving_parent:")
}

fn party_matches(party: Party, stored: &str) -> bool {
    match party {
        Party::PayingParent => stored == "paying_parent",
        Party::ReceivingParent => stored.starts_with("receiving_parent:"),
    }
}

/// One party a search found: never the value it matched, nor anything
/// else about the person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SearchHit {
    /// The case.
    pub case: CaseReference,
    /// Which party matched: `paying_parent`, `receiving_parent:N` or
    /// `child:N`.
    pub party: String,
    /// Whether the case is restricted: opening it needs the role or a
    /// reason.
    pub restricted: bool,
}

/// Whether the case of search-index row `s` is restricted: any parent in
/// it is protected (`person_flags`, the person's one flag), as
/// [`Store::parties`] reads it. The same text on both back-ends.
pub const SEARCH_HIT_RESTRICTED: &str = "EXISTS (SELECT 1 FROM case_parties p JOIN person_flags f ON f.person_id = p.person_id WHERE p.case_reference = s.case_reference AND f.non_disclosure AND (p.party = 'paying_parent' OR p.party LIKE 'receiving_parent:%'))";

/// The people a write of a case's parties protects: every parent recorded
/// with `non_disclosure`, and every parent who disclosed abuse on the case
/// (`disclosed_by`, from its safety events) — so a disclosure made before
/// the parties were recorded protects the person as soon as they are.
#[must_use]
pub fn people_protected_by_parties(
    parties: &[SealedParty],
    disclosed_by: &[Party],
) -> Vec<(i64, ProtectionCause)> {
    let mut people = Vec::new();
    for party in parties.iter().filter(|p| is_parent_party(&p.party)) {
        if party.non_disclosure {
            people.push((party.person_id, ProtectionCause::RecordedOnCase));
        } else if disclosed_by.iter().any(|d| party_matches(*d, &party.party)) {
            people.push((party.person_id, ProtectionCause::Disclosure));
        }
    }
    people
}

/// Who disclosed abuse in these safety events.
#[must_use]
pub fn disclosers(records: &[SafetyRecord]) -> Vec<Party> {
    records
        .iter()
        .filter_map(|r| match r.event {
            SafetyEvent::Disclosed { by, .. } => Some(by),
            _ => None,
        })
        .collect()
}

/// The people a safety event protects: a disclosure protects the parent
/// who made it — the one signed in, if a parent recorded it, and every
/// parent of the case in the disclosing role (where staff record it for
/// "a receiving parent" among several, each is protected: protecting is
/// never adverse). `parties` are the case's `(party, person)` pairs.
#[must_use]
pub fn people_protected_by_safety_event(
    record: &SafetyRecord,
    parties: &[(String, i64)],
) -> Vec<(i64, ProtectionCause)> {
    let SafetyEvent::Disclosed { by, .. } = record.event else {
        return Vec::new();
    };
    let mut people: Vec<i64> = parties
        .iter()
        .filter(|(party, _)| party_matches(by, party))
        .map(|(_, person)| *person)
        .collect();
    if record.by.role.is_parent() {
        people.push(i64::try_from(record.by.person.0).expect("person ids fit in i64"));
    }
    people.sort_unstable();
    people.dedup();
    people
        .into_iter()
        .map(|p| (p, ProtectionCause::Disclosure))
        .collect()
}

/// The people a collection action protects: a parent asking to move to
/// Collect and Pay because paying between parents is not safe for them.
#[must_use]
pub fn people_protected_by_action(action: &RecordedAction) -> Vec<(i64, ProtectionCause)> {
    match action.action {
        CollectionAction::MoveRequested {
            reason: ledger::MoveRequestReason::NotSafe,
        } if action.by.role.is_parent() => vec![(
            i64::try_from(action.by.by.0).expect("person ids fit in i64"),
            ProtectionCause::UnsafeRequest,
        )],
        _ => Vec::new(),
    }
}

/// A protection event as columns: kind, payload, person, role, date.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProtectionRow {
    /// Its kind.
    pub kind: String,
    /// Its payload.
    pub payload: String,
    /// Who recorded it.
    pub by_person: i64,
    /// In what role.
    pub by_role: String,
    /// On what day (ISO).
    pub on: String,
}

impl ProtectionRow {
    /// The columns for a record.
    ///
    /// # Panics
    /// For a person id beyond `i64`, which ids never reach.
    #[must_use]
    pub fn from_record(record: &ProtectionRecord) -> ProtectionRow {
        let (kind, payload) = record.event.encode();
        ProtectionRow {
            kind: kind.to_owned(),
            payload,
            by_person: i64::try_from(record.by.person.0).expect("person ids fit in i64"),
            by_role: record.by.role.code().to_owned(),
            on: record.by.on.to_string(),
        }
    }

    /// The row of a protection that another write causes, recorded as by
    /// whoever that write's audit entry names, on its day.
    #[must_use]
    pub fn implied(cause: ProtectionCause, audit: &AuditRecord) -> ProtectionRow {
        let (kind, payload) = ProtectionEvent::Protected { cause }.encode();
        let by_person = audit
            .actor
            .rsplit('-')
            .next()
            .and_then(|id| id.parse().ok())
            .unwrap_or(0);
        let on = Date::from_ymd(1970, 1, 1)
            .and_then(|epoch| {
                epoch.add_days(i32::try_from(audit.at_unix_seconds.div_euclid(86_400)).ok()?)
            })
            .map_or_else(String::new, |d| d.to_string());
        ProtectionRow {
            kind: kind.to_owned(),
            payload,
            by_person,
            by_role: audit.role.clone(),
            on,
        }
    }

    /// The record the columns hold.
    ///
    /// # Errors
    /// A stored value that cannot be read.
    pub fn into_record(self, person: i64) -> Result<ProtectionRecord, StorageError> {
        let unreadable = |reason: String| {
            StorageError::Database(format!("protection event of person {person}: {reason}"))
        };
        Ok(ProtectionRecord {
            event: ProtectionEvent::decode(&self.kind, &self.payload)
                .map_err(|e| unreadable(e.to_string()))?,
            by: Recorder {
                // Migrated history names no one (person 0, the service).
                person: PersonId(
                    u64::try_from(self.by_person).map_err(|_| unreadable("person".to_owned()))?,
                ),
                role: Role::from_code(&self.by_role)
                    .ok_or_else(|| unreadable("role".to_owned()))?,
                on: Date::parse_iso(&self.on).map_err(|e| unreadable(e.to_string()))?,
            },
        })
    }
}

/// A value bound to a generated query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Bound {
    /// Text.
    Text(String),
    /// A whole number.
    Whole(i64),
}

/// The columns of a work item, in the order [`work_item_from_row`] reads
/// them; `restricted` is read with the item from the people in its case.
pub const WORK_ITEM_COLUMNS: &str = "w.item_id, w.kind, w.case_reference, w.person_id, w.risk, w.raised_unix, w.due_unix, w.assignee, w.state, EXISTS (SELECT 1 FROM case_parties p JOIN person_flags f ON f.person_id = p.person_id WHERE p.case_reference = w.case_reference AND f.non_disclosure AND (p.party = 'paying_parent' OR p.party LIKE 'receiving_parent:%'))";

/// A work item's columns as read.
#[derive(Clone, Debug)]
pub struct WorkItemRow {
    /// Its id.
    pub id: String,
    /// Its kind's code.
    pub kind: String,
    /// Its case.
    pub case: Option<String>,
    /// Whom it concerns.
    pub person: Option<i64>,
    /// The risk's code.
    pub risk: String,
    /// Raised.
    pub raised: i64,
    /// Due.
    pub due: i64,
    /// Who has it.
    pub assignee: Option<i64>,
    /// The state's code.
    pub state: String,
    /// Whether its case is restricted now.
    pub restricted: bool,
}

impl WorkItemRow {
    /// The item the columns hold.
    ///
    /// # Errors
    /// A stored value that cannot be read.
    pub fn into_item(self) -> Result<WorkItem, StorageError> {
        let bad = |what: &str| StorageError::Database(format!("work item {}: {what}", self.id));
        Ok(WorkItem {
            kind: WorkKind::from_code(&self.kind).ok_or_else(|| bad("kind"))?,
            case: self
                .case
                .as_deref()
                .map(CaseReference::parse)
                .transpose()
                .map_err(|_| bad("case"))?,
            person: self
                .person
                .map(|p| u64::try_from(p).map(PersonId))
                .transpose()
                .map_err(|_| bad("person"))?,
            risk: safety::RiskLevel::from_code(&self.risk).ok_or_else(|| bad("risk"))?,
            restricted: self.restricted,
            raised: self.raised,
            due: self.due,
            assignee: self
                .assignee
                .map(|p| u64::try_from(p).map(PersonId))
                .transpose()
                .map_err(|_| bad("assignee"))?,
            state: WorkState::from_code(&self.state).ok_or_else(|| bad("state"))?,
            id: self.id,
        })
    }
}

/// The open (or claimed) items a query selects, as SQL after `FROM
/// work_items w`: its conditions, with `placeholder(n)` for the n-th bound
/// value (`?` or `$n`), and the values in order.
#[must_use]
pub fn work_conditions(
    query: &WorkQuery,
    placeholder: &dyn Fn(usize) -> String,
) -> (String, Vec<Bound>) {
    let mut sql = String::from(" WHERE w.state IN ('open', 'claimed')");
    let mut binds = Vec::new();
    let bind = |value: Bound, binds: &mut Vec<Bound>| {
        binds.push(value);
        placeholder(binds.len())
    };
    if !query.teams.is_empty() {
        let teams: Vec<String> = query
            .teams
            .iter()
            .map(|t| bind(Bound::Text(t.code().to_owned()), &mut binds))
            .collect();
        sql.push_str(&format!(" AND w.team IN ({})", teams.join(", ")));
    }
    if let Some(kind) = query.kind {
        let p = bind(Bound::Text(kind.code().to_owned()), &mut binds);
        sql.push_str(&format!(" AND w.kind = {p}"));
    }
    if let Some(risk) = query.risk {
        let p = bind(Bound::Text(risk.code().to_owned()), &mut binds);
        sql.push_str(&format!(" AND w.risk = {p}"));
    }
    if let Some(person) = query.assignee {
        let p = bind(
            Bound::Whole(i64::try_from(person.0).unwrap_or(i64::MAX)),
            &mut binds,
        );
        sql.push_str(&format!(" AND w.assignee = {p}"));
    }
    if let Some(now) = query.overdue_at {
        let p = bind(Bound::Whole(now), &mut binds);
        sql.push_str(&format!(" AND w.due_unix < {p}"));
    }
    if let Some(case) = query.case {
        let p = bind(Bound::Text(case.to_string()), &mut binds);
        sql.push_str(&format!(" AND w.case_reference = {p}"));
    }
    (sql, binds)
}

/// Money credited to suspense by these transfers raises an item each.
#[must_use]
pub fn work_changes_for_transfers(transfers: &[Transfer]) -> Vec<(WorkChange, i64)> {
    transfers
        .iter()
        .filter(|t| t.credit.kind == AccountKind::Suspense && t.code == TransferCode::Unmatched)
        .flat_map(|t| {
            let raised = i64::from(t.effective.days_since_epoch()) * 86_400;
            work_items::changes_for_suspense(&t.id.0)
                .into_iter()
                .map(move |c| (c, raised))
        })
        .collect()
}
