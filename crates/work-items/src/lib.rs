//! Work items (issue 14): what caseworkers and specialists must act on,
//! kept as the work happens, never recomputed from the caseload.
//!
//! Each event that makes work (a disclosure, a request from a parent, a
//! payment missed or money unmatched, an application waiting, a case the
//! daily run set aside) opens a [`WorkItem`] in the same transaction as the
//! event; the event that does the work closes it. This crate says, purely,
//! which [`WorkChange`]s an event makes ([`changes_for_safety_event`],
//! [`changes_for_collection_action`], …); the store applies them in the
//! event's own transaction and keeps them indexed by team, state, priority
//! and age, so a queue page reads a page of them and costs the same at 2,000
//! cases as at 750,000.
//!
//! An item says what needs doing and how urgently; it never decides
//! anything about anyone. A disclosure makes work for the specialist team,
//! and nothing else.

use std::fmt;
use std::sync::OnceLock;

use case_records::{CaseReference, PersonId, Role};
use ledger::{CollectionAction, MoveRequestReason, RecordedAction};
use safety::{PlanStep, RiskLevel, SafetyEvent, SafetyRecord, SignalKind};
use serde::Deserialize;

/// What needs doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum WorkKind {
    /// A parent in immediate danger asked the service to call the police
    /// for them: the top of every specialist's queue until done.
    PoliceCallRequested,
    /// A parent disclosed being in immediate danger now.
    ImmediateDanger,
    /// A disclosure of abuse for the specialist team to review.
    DisclosureToReview,
    /// A parent asked for something because it is not safe for them: a
    /// disclosure too.
    UnsafeRequest,
    /// The daily run could not process a case and set it aside.
    CaseSetAside,
    /// A payment due was missed (noticed by the run, or reported by a
    /// parent on Direct Pay).
    MissedPayment,
    /// A parent asked to move to Collect and Pay or reported a change.
    ParentRequest,
    /// An application waits for its calculation.
    ApplicationWaiting,
    /// Money that matched no case waits to be matched by hand.
    SuspensePayment,
    /// A parent asked for a decision to be looked at again (mandatory
    /// reconsideration, issue 16): for a caseworker other than the one who
    /// made the decision.
    Reconsideration,
    /// A pattern of financial coercion seen in a case's events, for the
    /// specialist team to look at. Information only: nothing is decided.
    CoercionSignal,
}

/// Who works an item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Team {
    /// The domestic abuse specialist team.
    Specialist,
    /// Caseworkers.
    Casework,
    /// Those who work money: caseworkers, team leaders, enforcement.
    Money,
}

impl Team {
    /// The stored code.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Team::Specialist => "specialist",
            Team::Casework => "casework",
            Team::Money => "money",
        }
    }

    /// The team with this code.
    #[must_use]
    pub fn from_code(code: &str) -> Option<Team> {
        [Team::Specialist, Team::Casework, Team::Money]
            .into_iter()
            .find(|t| t.code() == code)
    }

    /// The teams a role works: the queues it sees.
    #[must_use]
    pub fn of_role(role: Role) -> Vec<Team> {
        match role {
            Role::DomesticAbuseSpecialist => vec![Team::Specialist, Team::Casework],
            Role::Caseworker | Role::TeamLeader => vec![Team::Casework, Team::Money],
            Role::EnforcementOfficer => vec![Team::Money],
            _ => Vec::new(),
        }
    }

    /// The team's name on a page.
    #[must_use]
    pub const fn in_words(self) -> &'static str {
        match self {
            Team::Specialist => "Domestic abuse specialist team",
            Team::Casework => "Casework",
            Team::Money => "Payments",
        }
    }
}

impl WorkKind {
    /// Every kind, most urgent first.
    pub const ALL: [WorkKind; 11] = [
        WorkKind::PoliceCallRequested,
        WorkKind::ImmediateDanger,
        WorkKind::DisclosureToReview,
        WorkKind::UnsafeRequest,
        WorkKind::CaseSetAside,
        WorkKind::MissedPayment,
        WorkKind::ParentRequest,
        WorkKind::ApplicationWaiting,
        WorkKind::SuspensePayment,
        WorkKind::Reconsideration,
        WorkKind::CoercionSignal,
    ];

    /// The stored code.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            WorkKind::PoliceCallRequested => "police_call_requested",
            WorkKind::ImmediateDanger => "immediate_danger",
            WorkKind::DisclosureToReview => "disclosure_to_review",
            WorkKind::UnsafeRequest => "unsafe_request",
            WorkKind::CaseSetAside => "case_set_aside",
            WorkKind::MissedPayment => "missed_payment",
            WorkKind::ParentRequest => "parent_request",
            WorkKind::ApplicationWaiting => "application_waiting",
            WorkKind::SuspensePayment => "suspense_payment",
            WorkKind::Reconsideration => "reconsideration",
            WorkKind::CoercionSignal => "coercion_signal",
        }
    }

    /// The kind with this code.
    #[must_use]
    pub fn from_code(code: &str) -> Option<WorkKind> {
        WorkKind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// What it is, for a page.
    #[must_use]
    pub const fn in_words(self) -> &'static str {
        match self {
            WorkKind::PoliceCallRequested => "Police call requested",
            WorkKind::ImmediateDanger => "In immediate danger",
            WorkKind::DisclosureToReview => "Disclosure to review",
            WorkKind::UnsafeRequest => "Says it is not safe",
            WorkKind::CaseSetAside => "Set aside by the daily run",
            WorkKind::MissedPayment => "Payment missed",
            WorkKind::ParentRequest => "Request from a parent",
            WorkKind::ApplicationWaiting => "Application waiting for its calculation",
            WorkKind::SuspensePayment => "Payment we could not match",
            WorkKind::Reconsideration => "Decision to look at again",
            WorkKind::CoercionSignal => "Possible financial coercion",
        }
    }

    /// Who works it.
    #[must_use]
    pub const fn team(self) -> Team {
        match self {
            WorkKind::PoliceCallRequested
            | WorkKind::ImmediateDanger
            | WorkKind::DisclosureToReview
            | WorkKind::UnsafeRequest
            | WorkKind::CoercionSignal => Team::Specialist,
            WorkKind::CaseSetAside
            | WorkKind::ParentRequest
            | WorkKind::ApplicationWaiting
            | WorkKind::Reconsideration => Team::Casework,
            WorkKind::MissedPayment | WorkKind::SuspensePayment => Team::Money,
        }
    }

    /// Its priority: lower is sooner. Danger first, always.
    #[must_use]
    pub const fn priority(self) -> u8 {
        match self {
            WorkKind::PoliceCallRequested => 0,
            WorkKind::ImmediateDanger => 1,
            WorkKind::DisclosureToReview | WorkKind::UnsafeRequest => 2,
            WorkKind::CaseSetAside | WorkKind::CoercionSignal => 3,
            WorkKind::MissedPayment => 4,
            WorkKind::ParentRequest | WorkKind::ApplicationWaiting | WorkKind::Reconsideration => 5,
            WorkKind::SuspensePayment => 6,
        }
    }

    /// Whether it is an alert: shown on every page of its team until done.
    #[must_use]
    pub const fn is_alert(self) -> bool {
        matches!(
            self,
            WorkKind::PoliceCallRequested | WorkKind::ImmediateDanger
        )
    }
}

/// The service's standards: how soon each kind should be acted on
/// (`data/service-standards.toml`, an assumption of this service).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceStandards {
    /// What the file is.
    pub description: String,
    /// Where the figures come from.
    pub source: String,
    /// How sure.
    pub confidence: String,
    minutes: std::collections::BTreeMap<String, u32>,
}

const STANDARDS: &str = include_str!("../data/service-standards.toml");

impl ServiceStandards {
    /// The standards compiled in.
    ///
    /// # Panics
    /// If the embedded file is invalid or misses a kind (a test checks it).
    pub fn embedded() -> &'static ServiceStandards {
        static LOADED: OnceLock<ServiceStandards> = OnceLock::new();
        LOADED.get_or_init(|| {
            let standards: ServiceStandards = toml::from_str(STANDARDS)
                .unwrap_or_else(|e| panic!("embedded service standards are invalid: {e}"));
            for kind in WorkKind::ALL {
                assert!(
                    standards.minutes.contains_key(kind.code()),
                    "no service standard for {}",
                    kind.code()
                );
            }
            standards
        })
    }

    /// Minutes within which `kind` should be acted on.
    #[must_use]
    pub fn minutes(&self, kind: WorkKind) -> u32 {
        self.minutes.get(kind.code()).copied().unwrap_or(0)
    }

    /// When an item of `kind` raised at `raised` (Unix seconds) is due.
    #[must_use]
    pub fn due(&self, kind: WorkKind, raised: i64) -> i64 {
        raised + i64::from(self.minutes(kind)) * 60
    }
}

/// Where an item stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WorkState {
    /// Waiting for someone.
    Open,
    /// Someone has it.
    Claimed,
    /// Done.
    Done,
}

impl WorkState {
    /// The stored code.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            WorkState::Open => "open",
            WorkState::Claimed => "claimed",
            WorkState::Done => "done",
        }
    }

    /// The state with this code.
    #[must_use]
    pub fn from_code(code: &str) -> Option<WorkState> {
        [WorkState::Open, WorkState::Claimed, WorkState::Done]
            .into_iter()
            .find(|s| s.code() == code)
    }
}

/// One item of work, as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkItem {
    /// Its id: the kind, the case (or payment) and what raised it, so the
    /// same event never raises it twice.
    pub id: String,
    /// What.
    pub kind: WorkKind,
    /// On which case, if any (money in suspense has none).
    pub case: Option<CaseReference>,
    /// The person it concerns, if one.
    pub person: Option<PersonId>,
    /// The case's risk when last told.
    pub risk: RiskLevel,
    /// Whether the case is restricted now (anyone in it protected): read
    /// with the item, never stored beside it, so it is never stale.
    pub restricted: bool,
    /// Raised, Unix seconds.
    pub raised: i64,
    /// Due by, Unix seconds.
    pub due: i64,
    /// Who has it, if anyone.
    pub assignee: Option<PersonId>,
    /// Where it stands.
    pub state: WorkState,
}

impl WorkItem {
    /// Whether it is past its due time at `now`.
    #[must_use]
    pub const fn overdue(&self, now: i64) -> bool {
        !matches!(self.state, WorkState::Done) && now > self.due
    }
}

/// What an event does to work items; the store applies each in the
/// event's own transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WorkChange {
    /// Raise an item (nothing if an item with this id exists).
    Open {
        /// The item's id.
        id: String,
        /// What.
        kind: WorkKind,
        /// On which case.
        case: Option<CaseReference>,
        /// Whom it concerns.
        person: Option<PersonId>,
    },
    /// Close every open item of these kinds on the case.
    CloseKinds {
        /// The case.
        case: CaseReference,
        /// Which kinds.
        kinds: Vec<WorkKind>,
    },
    /// Close the item with this id.
    Close {
        /// The item's id.
        id: String,
    },
    /// The case's risk changed: every open item on it carries the new one.
    SetRisk {
        /// The case.
        case: CaseReference,
        /// The risk.
        risk: RiskLevel,
    },
    /// Read the case's payments, dues and safety log (the event just
    /// recorded included) and raise an item for each coercion signal they
    /// now show ([`changes_for_signals`]).
    ScanForSignals {
        /// The case.
        case: CaseReference,
    },
    /// Give the case's open items of these kinds to someone.
    Assign {
        /// The case.
        case: CaseReference,
        /// Which kinds.
        kinds: Vec<WorkKind>,
        /// To whom.
        to: PersonId,
    },
}

/// The id of an item raised on a case by an event with its own id.
#[must_use]
pub fn item_id(kind: WorkKind, case: &CaseReference, raised_by: &str) -> String {
    format!("{}:{case}:{raised_by}", kind.code())
}

/// What a safety event does: a disclosure raises the danger alert (with the
/// police call if asked) or a review for the specialist team; the review
/// closes them; the police call, as a plan step, closes the call; risk and
/// the named caseworker follow onto the open items. `event_id` is the
/// event's own id (its idempotency key), so a retry raises nothing twice.
#[must_use]
pub fn changes_for_safety_event(
    case: &CaseReference,
    event_id: &str,
    record: &SafetyRecord,
) -> Vec<WorkChange> {
    let person = record.by.role.is_parent().then_some(record.by.person);
    match &record.event {
        SafetyEvent::Disclosed {
            immediate_danger,
            police_call_consented,
            ..
        } => {
            let mut kinds = vec![WorkKind::DisclosureToReview];
            if *immediate_danger {
                kinds.push(WorkKind::ImmediateDanger);
            }
            if *immediate_danger && *police_call_consented {
                kinds.push(WorkKind::PoliceCallRequested);
            }
            kinds
                .into_iter()
                .map(|kind| WorkChange::Open {
                    id: item_id(kind, case, event_id),
                    kind,
                    case: Some(*case),
                    person,
                })
                .collect()
        }
        SafetyEvent::DisclosuresReviewed => vec![WorkChange::CloseKinds {
            case: *case,
            kinds: vec![
                WorkKind::DisclosureToReview,
                WorkKind::ImmediateDanger,
                WorkKind::UnsafeRequest,
            ],
        }],
        SafetyEvent::PlanStepTaken {
            step: PlanStep::PoliceCalledForThem | PlanStep::PoliceAdviceGiven,
            ..
        } => vec![WorkChange::CloseKinds {
            case: *case,
            kinds: vec![WorkKind::PoliceCallRequested],
        }],
        SafetyEvent::RiskSet { level } => vec![WorkChange::SetRisk {
            case: *case,
            risk: *level,
        }],
        SafetyEvent::Noted { .. } => vec![WorkChange::ScanForSignals { case: *case }],
        SafetyEvent::NamedCaseworkerAssigned { caseworker } => vec![WorkChange::Assign {
            case: *case,
            kinds: vec![WorkKind::DisclosureToReview, WorkKind::UnsafeRequest],
            to: *caseworker,
        }],
        _ => Vec::new(),
    }
}

/// What a collection action does. `requests_before` is how many parents'
/// requests (moves asked for, changes reported) the case's log held before
/// it: requests are numbered in that order (`CollectionState`), and
/// `RequestDealtWith` names one by its number.
#[must_use]
pub fn changes_for_collection_action(
    case: &CaseReference,
    requests_before: u64,
    action: &RecordedAction,
) -> Vec<WorkChange> {
    let person = action.by.role.is_parent().then_some(action.by.by);
    match &action.action {
        CollectionAction::MoveRequested { reason } => {
            let request = requests_before + 1;
            let kind = if *reason == MoveRequestReason::NotSafe {
                WorkKind::UnsafeRequest
            } else {
                WorkKind::ParentRequest
            };
            vec![WorkChange::Open {
                id: request_id(kind, case, request),
                kind,
                case: Some(*case),
                person,
            }]
        }
        CollectionAction::ChangeReported { .. } => {
            let request = requests_before + 1;
            vec![WorkChange::Open {
                id: request_id(WorkKind::ParentRequest, case, request),
                kind: WorkKind::ParentRequest,
                case: Some(*case),
                person,
            }]
        }
        CollectionAction::RequestDealtWith { request } => vec![
            WorkChange::Close {
                id: request_id(WorkKind::ParentRequest, case, *request),
            },
            WorkChange::Close {
                id: request_id(WorkKind::UnsafeRequest, case, *request),
            },
        ],
        CollectionAction::DirectPayReport { due, paid: None } => vec![WorkChange::Open {
            id: item_id(WorkKind::MissedPayment, case, &format!("reported-{due}")),
            kind: WorkKind::MissedPayment,
            case: Some(*case),
            person,
        }],
        CollectionAction::AllocateSuspensePayment { payment, .. } => vec![WorkChange::Close {
            id: suspense_id(payment),
        }],
        _ => Vec::new(),
    }
}

/// The item for a coercion signal of `signal` on a case: one per case and
/// pattern, so recording the same events again (a retry) or a further event
/// that keeps the pattern raises nothing more.
#[must_use]
pub fn signal_id(case: &CaseReference, signal: SignalKind) -> String {
    item_id(WorkKind::CoercionSignal, case, signal_code(signal))
}

/// The stored code of a signal's pattern (in its item's id).
#[must_use]
pub const fn signal_code(signal: SignalKind) -> &'static str {
    match signal {
        SignalKind::PersistentlyLateOrShort => "PersistentlyLateOrShort",
        SignalKind::ManyTinyPayments => "ManyTinyPayments",
        SignalKind::MessagesInReferences => "MessagesInReferences",
        SignalKind::PaymentsTimedAroundContact => "PaymentsTimedAroundContact",
        SignalKind::RepeatedChangesOrChallenges => "RepeatedChangesOrChallenges",
        SignalKind::AllegationsThenRetractions => "AllegationsThenRetractions",
    }
}

/// The signal's pattern an item of [`WorkKind::CoercionSignal`] is about,
/// read from its id.
#[must_use]
pub fn signal_of(item_id: &str) -> Option<SignalKind> {
    let code = item_id.rsplit(':').next()?;
    [
        SignalKind::PersistentlyLateOrShort,
        SignalKind::ManyTinyPayments,
        SignalKind::MessagesInReferences,
        SignalKind::PaymentsTimedAroundContact,
        SignalKind::RepeatedChangesOrChallenges,
        SignalKind::AllegationsThenRetractions,
    ]
    .into_iter()
    .find(|s| signal_code(*s) == code)
}

/// A case's coercion-scan events: its dues and the paying parent's
/// payments from its ledger transfers (`notes` the payer's own words on a
/// payment, by transfer id), and what staff noted in its safety log
/// (allegations, withdrawals, challenges, changes, contact days); in date
/// order, dues before payments on the same day (a payment on its due day is
/// on time).
#[must_use]
pub fn coercion_events(
    case: &CaseReference,
    transfers: &[ledger::Transfer],
    notes: &[(ledger::TransferId, String)],
    records: &[SafetyRecord],
) -> Vec<safety::CaseEvent> {
    use ledger::{AccountKind, TransferCode};
    let owes = ledger::Account::of_case(*case, AccountKind::PayingParentOwes);
    let mut dues: std::collections::BTreeMap<domain_types::Date, u64> =
        std::collections::BTreeMap::new();
    for transfer in transfers.iter().filter(|t| {
        t.debit == owes
            && matches!(
                t.code,
                TransferCode::Accrual | TransferCode::PayingParentFee
            )
    }) {
        *dues.entry(transfer.effective).or_default() += transfer.amount.get();
    }
    let mut events: Vec<safety::CaseEvent> = dues
        .into_iter()
        .map(|(on, pence)| safety::CaseEvent::Due {
            on,
            amount: domain_types::Pence::new(pence),
        })
        .collect();
    events.extend(
        transfers
            .iter()
            .filter(|t| t.credit == owes && t.code == TransferCode::Payment)
            .map(|t| safety::CaseEvent::Payment {
                on: t.effective,
                amount: t.amount,
                words: notes
                    .iter()
                    .find(|(id, _)| *id == t.id)
                    .map(|(_, words)| words.clone()),
            }),
    );
    events.extend(safety::noted_events(records));
    events.sort_by_key(|e| (e.on(), !matches!(e, safety::CaseEvent::Due { .. })));
    events
}

/// The coercion signals a case's events ([`coercion_events`]) show as of
/// the latest of them (the event that completed a signal), each raising an
/// item for the specialist team. Only the pattern's name is kept, never a
/// parent's words; nothing is decided.
#[must_use]
pub fn changes_for_signals(case: &CaseReference, events: &[safety::CaseEvent]) -> Vec<WorkChange> {
    let Some(as_of) = events.iter().map(safety::CaseEvent::on).max() else {
        return Vec::new();
    };
    let mut kinds: Vec<SignalKind> = safety::scan(events, as_of, safety::Thresholds::embedded())
        .into_iter()
        .map(|s| s.kind)
        .collect();
    kinds.sort_unstable();
    kinds.dedup();
    kinds
        .into_iter()
        .map(|signal| WorkChange::Open {
            id: signal_id(case, signal),
            kind: WorkKind::CoercionSignal,
            case: Some(*case),
            person: None,
        })
        .collect()
}

fn request_id(kind: WorkKind, case: &CaseReference, request: u64) -> String {
    item_id(kind, case, &format!("request-{request}"))
}

/// The item for money in suspense, by the payment's transfer id.
#[must_use]
pub fn suspense_id(payment: &str) -> String {
    format!("{}:{payment}", WorkKind::SuspensePayment.code())
}

/// Money received into suspense raises an item for those who work money.
#[must_use]
pub fn changes_for_suspense(payment: &str) -> Vec<WorkChange> {
    vec![WorkChange::Open {
        id: suspense_id(payment),
        kind: WorkKind::SuspensePayment,
        case: None,
        person: None,
    }]
}

/// An application opened raises an item; the calculation closes it.
#[must_use]
pub fn changes_for_application(case: &CaseReference, calculated: bool) -> Vec<WorkChange> {
    if calculated {
        vec![WorkChange::CloseKinds {
            case: *case,
            kinds: vec![WorkKind::ApplicationWaiting],
        }]
    } else {
        vec![WorkChange::Open {
            id: item_id(WorkKind::ApplicationWaiting, case, "application"),
            kind: WorkKind::ApplicationWaiting,
            case: Some(*case),
            person: None,
        }]
    }
}

/// The daily run set a case aside on `date` (`reason` a code, never words).
#[must_use]
pub fn changes_for_set_aside(case: &CaseReference, date: &str, reason: &str) -> Vec<WorkChange> {
    vec![WorkChange::Open {
        id: item_id(WorkKind::CaseSetAside, case, &format!("{date}-{reason}")),
        kind: WorkKind::CaseSetAside,
        case: Some(*case),
        person: None,
    }]
}

/// The daily run noticed a payment due on `due` missed.
#[must_use]
pub fn changes_for_missed_payment(case: &CaseReference, due: &str) -> Vec<WorkChange> {
    vec![WorkChange::Open {
        id: item_id(WorkKind::MissedPayment, case, &format!("noticed-{due}")),
        kind: WorkKind::MissedPayment,
        case: Some(*case),
        person: None,
    }]
}

/// How long ago, for a page: "4 minutes ago", "3 hours ago", "2 days ago".
#[must_use]
pub fn age_in_words(raised: i64, now: i64) -> String {
    let seconds = (now - raised).max(0);
    let (amount, unit) = if seconds < 60 {
        return "just now".to_owned();
    } else if seconds < 3_600 {
        (seconds / 60, "minute")
    } else if seconds < 86_400 {
        (seconds / 3_600, "hour")
    } else {
        (seconds / 86_400, "day")
    };
    format!("{amount} {unit}{} ago", if amount == 1 { "" } else { "s" })
}

/// A work item that cannot be read back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkDecodeError(pub String);

impl fmt::Display for WorkDecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unreadable work item: {}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain_types::Date;
    use safety::{Party, Recorder};

    fn case() -> CaseReference {
        CaseReference::from_random(7)
    }

    fn by(role: Role) -> Recorder {
        Recorder {
            person: PersonId(2),
            role,
            on: Date::from_ymd(2026, 12, 1).unwrap(),
        }
    }

    #[test]
    fn every_kind_has_a_standard_and_danger_comes_first() {
        let standards = ServiceStandards::embedded();
        for kind in WorkKind::ALL {
            assert!(standards.minutes(kind) > 0, "{kind:?}");
            assert_eq!(WorkKind::from_code(kind.code()), Some(kind));
        }
        let mut by_priority = WorkKind::ALL.to_vec();
        by_priority.sort_by_key(|k| k.priority());
        assert_eq!(by_priority[0], WorkKind::PoliceCallRequested);
        assert!(standards.minutes(WorkKind::PoliceCallRequested) <= 15);
    }

    #[test]
    fn a_disclosure_in_danger_raises_the_alert_and_the_police_call_closes_it() {
        let disclosed = SafetyRecord {
            event: SafetyEvent::Disclosed {
                by: Party::ReceivingParent,
                immediate_danger: true,
                police_call_consented: true,
            },
            by: by(Role::ReceivingParent),
        };
        let opened = changes_for_safety_event(&case(), "d1", &disclosed);
        let kinds: Vec<WorkKind> = opened
            .iter()
            .filter_map(|c| match c {
                WorkChange::Open { kind, person, .. } => {
                    assert_eq!(*person, Some(PersonId(2)));
                    Some(*kind)
                }
                _ => None,
            })
            .collect();
        assert_eq!(
            kinds,
            vec![
                WorkKind::DisclosureToReview,
                WorkKind::ImmediateDanger,
                WorkKind::PoliceCallRequested
            ]
        );
        let called = SafetyRecord {
            event: SafetyEvent::PlanStepTaken {
                step: PlanStep::PoliceCalledForThem,
                outcome: None,
            },
            by: by(Role::DomesticAbuseSpecialist),
        };
        assert_eq!(
            changes_for_safety_event(&case(), "s1", &called),
            vec![WorkChange::CloseKinds {
                case: case(),
                kinds: vec![WorkKind::PoliceCallRequested]
            }]
        );
        // The same event raises the same ids: a retry opens nothing new.
        assert_eq!(opened, changes_for_safety_event(&case(), "d1", &disclosed));
    }

    #[test]
    fn a_request_saying_it_is_not_safe_is_work_for_the_specialist_team() {
        let asked = RecordedAction {
            action: CollectionAction::MoveRequested {
                reason: MoveRequestReason::NotSafe,
            },
            by: ledger::Decision {
                by: PersonId(2),
                role: Role::ReceivingParent,
                on: Date::from_ymd(2026, 12, 1).unwrap(),
            },
        };
        let changes = changes_for_collection_action(&case(), 0, &asked);
        assert!(matches!(
            &changes[..],
            [WorkChange::Open {
                kind: WorkKind::UnsafeRequest,
                ..
            }]
        ));
        assert_eq!(WorkKind::UnsafeRequest.team(), Team::Specialist);
        let dealt = RecordedAction {
            action: CollectionAction::RequestDealtWith { request: 1 },
            by: ledger::Decision {
                by: PersonId(30),
                role: Role::DomesticAbuseSpecialist,
                on: Date::from_ymd(2026, 12, 2).unwrap(),
            },
        };
        let closed = changes_for_collection_action(&case(), 1, &dealt);
        let WorkChange::Open { id, .. } = &changes[0] else {
            panic!("opened")
        };
        assert!(closed.contains(&WorkChange::Close { id: id.clone() }));
    }

    #[test]
    fn ages_read_as_people_say_them() {
        assert_eq!(age_in_words(0, 30), "just now");
        assert_eq!(age_in_words(0, 240), "4 minutes ago");
        assert_eq!(age_in_words(0, 3_600), "1 hour ago");
        assert_eq!(age_in_words(0, 3 * 86_400), "3 days ago");
    }
}

/// Which items a queue shows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WorkQuery {
    /// The teams whose items are shown (a role's: [`Team::of_role`]).
    pub teams: Vec<Team>,
    /// Only this kind.
    pub kind: Option<WorkKind>,
    /// Only at this risk.
    pub risk: Option<RiskLevel>,
    /// Only those assigned to this person.
    pub assignee: Option<PersonId>,
    /// Only those past their due time at this moment (Unix seconds).
    pub overdue_at: Option<i64>,
    /// Only on this case.
    pub case: Option<CaseReference>,
    /// Skip this many (paging).
    pub offset: u32,
    /// At most this many.
    pub limit: u32,
}

/// A page of a queue: its items, most urgent first then oldest, and how
/// many items of each kind the whole queue holds (open or claimed).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WorkPage {
    /// The items.
    pub items: Vec<WorkItem>,
    /// Counts by kind over the whole query (not just this page).
    pub counts: Vec<(WorkKind, u64)>,
}

impl WorkPage {
    /// How many items the whole query holds.
    #[must_use]
    pub fn total(&self) -> u64 {
        self.counts.iter().map(|(_, n)| n).sum()
    }
}

/// What someone does to an item from a queue or a case page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WorkCommand {
    /// Take it.
    Claim,
    /// Give it to someone.
    AssignTo(PersonId),
    /// It is done.
    Complete,
    /// Put it back, unassigned.
    Return,
}
