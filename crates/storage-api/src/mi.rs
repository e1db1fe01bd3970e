//! Management information kept as the work happens (issue 14): totals by
//! measure and period (`mi_totals`, migration 0020) and a row per case
//! (`case_totals`: what the paying parent owes, whether the case is on
//! Collect and Pay, whether abuse was disclosed in it), both changed by the
//! stores in the same transaction as the event that changes them. A page
//! reads the totals, or a page of cases by the index on what is owed, so
//! its cost does not follow the caseload.
//!
//! This module says, purely, what each event changes; the stores write it.
//! [`recount`] works the same totals out again from everything stored: the
//! conformance suite checks the kept totals against it, and `cms mi
//! recount` repairs a database from before migration 0020 with it. No page
//! calls it.

use std::collections::BTreeMap;

use case_records::{CaseHistory, CaseReference, Change, ServiceType};
use domain_types::Date;
use ledger::{AccountKind, RecordedAction, StatementFor, Transfer};
use safety::{SafetyEvent, SafetyRecord};
use work_items::WorkKind;

use crate::{ActionRow, StorageError, Store};

/// Cases opened (period `""`).
pub const CASES: &str = "cases";
/// Cases opened by an application and waiting for their calculation.
pub const APPLICATIONS_WAITING: &str = "applications_waiting";
/// Cases in which abuse was disclosed.
pub const CASES_DISCLOSED: &str = "cases_disclosed";
/// Referrals to the police or the Crown Prosecution Service.
pub const REFERRALS: &str = "referrals";
/// Cases whose latest recorded service is Collect and Pay.
pub const COLLECT_AND_PAY: &str = "collect_and_pay";
/// Moves to Collect and Pay recorded after the day a case began.
pub const MOVES_TO_COLLECT_AND_PAY: &str = "moves_to_collect_and_pay";
/// Cases whose paying parent owes more than nothing.
pub const CASES_IN_ARREARS: &str = "cases_in_arrears";
/// What those paying parents owe, in pence.
pub const ARREARS_PENCE: &str = "arrears_pence";
/// Maintenance due on Collect and Pay, in pence, by month (`YYYY-MM`).
pub const DUE_PENCE: &str = "due_pence";
/// Payments received on Collect and Pay, in pence, by month (`YYYY-MM`).
pub const PAID_PENCE: &str = "paid_pence";
/// Collection actions taken, by kind.
pub const COLLECTION_ACTIONS: &str = "collection_actions";
/// Work items ever opened, by kind.
pub const WORK_OPENED: &str = "work_opened";
/// Work items closed, by kind.
pub const WORK_CLOSED: &str = "work_closed";
/// Work items open now, by `kind:risk`: the queues' counts.
pub const WORK_OPEN: &str = "work_open";
/// Challenges to decisions asked for, by timing (`in_time`, `late`).
pub const CHALLENGES_ASKED: &str = "challenges_asked";
/// Challenges decided, by outcome (`revised`, `partly_revised`,
/// `not_revised`).
pub const CHALLENGE_OUTCOMES: &str = "challenge_outcomes";
/// Challenges appealed to the First-tier Tribunal.
pub const CHALLENGES_APPEALED: &str = "challenges_appealed";
/// Days from request to outcome, summed over decided challenges (their
/// count is the sum of [`CHALLENGE_OUTCOMES`]).
pub const CHALLENGE_DAYS: &str = "challenge_days";

/// Totals by measure and period; a total of zero is not kept.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MiTotals {
    /// `(measure, period)` to total.
    pub rows: BTreeMap<(String, String), i64>,
}

impl MiTotals {
    /// The total of `measure` in `period` (zero if none kept).
    #[must_use]
    pub fn get(&self, measure: &str, period: &str) -> i64 {
        self.rows
            .get(&(measure.to_owned(), period.to_owned()))
            .copied()
            .unwrap_or(0)
    }

    /// Adds `delta` to a total.
    pub fn add(&mut self, measure: &str, period: &str, delta: i64) {
        if delta == 0 {
            return;
        }
        let key = (measure.to_owned(), period.to_owned());
        let total = self.rows.entry(key.clone()).or_insert(0);
        *total += delta;
        if *total == 0 {
            self.rows.remove(&key);
        }
    }

    /// Every period of `measure` with its total, in period order.
    #[must_use]
    pub fn periods(&self, measure: &str) -> Vec<(String, i64)> {
        self.rows
            .iter()
            .filter(|((m, _), _)| m == measure)
            .map(|((_, p), total)| (p.clone(), *total))
            .collect()
    }

    /// From stored rows, zeros dropped.
    #[must_use]
    pub fn from_rows(rows: impl IntoIterator<Item = (String, String, i64)>) -> MiTotals {
        let mut totals = MiTotals::default();
        for (measure, period, total) in rows {
            totals.add(&measure, &period, total);
        }
        totals
    }
}

/// What is kept for one case.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CaseTotals {
    /// What the paying parent owes: debits less credits on their account,
    /// in pence (below zero when they paid ahead).
    pub owed: i64,
    /// Whether its latest recorded service is Collect and Pay.
    pub collect_and_pay: bool,
    /// Whether abuse was disclosed in it.
    pub disclosed: bool,
}

impl CaseTotals {
    /// What going from `self` to `new` changes in the totals (period `""`).
    #[must_use]
    pub fn deltas(self, new: CaseTotals) -> Vec<(&'static str, i64)> {
        let flag = |b: bool| i64::from(b);
        [
            (CASES_IN_ARREARS, flag(new.owed > 0) - flag(self.owed > 0)),
            (ARREARS_PENCE, new.owed.max(0) - self.owed.max(0)),
            (
                COLLECT_AND_PAY,
                flag(new.collect_and_pay) - flag(self.collect_and_pay),
            ),
            (CASES_DISCLOSED, flag(new.disclosed) - flag(self.disclosed)),
        ]
        .into_iter()
        .filter(|(_, delta)| *delta != 0)
        .collect()
    }
}

/// A month as a period: `YYYY-MM`.
#[must_use]
pub fn month(date: Date) -> String {
    let (year, month, _) = date.ymd();
    format!("{year:04}-{month:02}")
}

/// What posting these transfers (each newly stored) changes: what each
/// case's paying parent owes, and money due and paid by month, as the
/// paying parent's statement reads them (`ledger::statement`).
#[must_use]
pub fn transfer_totals(transfers: &[Transfer]) -> (BTreeMap<CaseReference, i64>, MiTotals) {
    let mut owed: BTreeMap<CaseReference, i64> = BTreeMap::new();
    let mut totals = MiTotals::default();
    for transfer in transfers {
        let amount = i64::try_from(transfer.amount.get()).unwrap_or(i64::MAX);
        for (account, sign) in [(transfer.debit, 1), (transfer.credit, -1)] {
            let Some(case) = account.case else { continue };
            if account.kind != AccountKind::PayingParentOwes {
                continue;
            }
            *owed.entry(case).or_insert(0) += sign * amount;
            let period = month(transfer.effective);
            for line in ledger::statement(
                std::slice::from_ref(transfer),
                case,
                StatementFor::PayingParent,
                transfer.effective,
            ) {
                let as_i64 = |v: i128| i64::try_from(v).unwrap_or(0);
                totals.add(DUE_PENCE, &period, as_i64(line.due));
                totals.add(PAID_PENCE, &period, as_i64(line.paid));
            }
        }
    }
    owed.retain(|_, delta| *delta != 0);
    (owed, totals)
}

/// The latest service a case's facts record (by the order recorded).
#[must_use]
pub fn latest_service(events: &[case_records::FactEvent]) -> Option<ServiceType> {
    events.iter().rev().find_map(|e| match e.change {
        Change::ServiceType(service) => Some(service),
        _ => None,
    })
}

/// Moves to Collect and Pay among `events` (in the order recorded): each
/// a Collect and Pay fact recorded on a later day than a fact before it,
/// `earlier` being the first day on which the case's facts before these
/// were recorded. A case that starts on Collect and Pay has not moved.
#[must_use]
pub fn moves(events: &[case_records::FactEvent], earlier: Option<Date>) -> i64 {
    let mut first = earlier;
    let mut count = 0;
    for event in events {
        if event.change == Change::ServiceType(ServiceType::CollectAndPay)
            && first.is_some_and(|day| event.recorded_on > day)
        {
            count += 1;
        }
        first = Some(first.map_or(event.recorded_on, |day| day.min(event.recorded_on)));
    }
    count
}

/// What a safety event changes: referrals counted; whether it is a
/// disclosure (the case's flag).
#[must_use]
pub fn safety_totals(record: &SafetyRecord) -> (MiTotals, bool) {
    let mut totals = MiTotals::default();
    if matches!(record.event, SafetyEvent::Referred { .. }) {
        totals.add(REFERRALS, "", 1);
    }
    (
        totals,
        matches!(record.event, SafetyEvent::Disclosed { .. }),
    )
}

/// A field of a challenge event's payload (`key=value;`).
fn payload_field<'a>(payload: &'a str, key: &str) -> Option<&'a str> {
    payload
        .split(';')
        .find_map(|pair| pair.strip_prefix(key)?.strip_prefix('='))
}

/// What one challenge event changes (`crate::ChallengeRow` kind, payload
/// and day), `asked_on` being the day the challenge was asked (ISO): a
/// request counted by its timing; an outcome by its kind, with the days
/// from request to outcome; an appeal.
#[must_use]
pub fn challenge_totals(kind: &str, payload: &str, on: &str, asked_on: Option<&str>) -> MiTotals {
    let mut totals = MiTotals::default();
    match kind {
        "asked" => {
            if let Some(timing) = payload_field(payload, "timing") {
                totals.add(CHALLENGES_ASKED, timing, 1);
            }
        }
        "decided" => {
            if let Some(outcome) = payload_field(payload, "outcome") {
                totals.add(CHALLENGE_OUTCOMES, outcome, 1);
                let day = |text: &str| Date::parse_iso(text).ok();
                if let (Some(asked), Some(decided)) = (asked_on.and_then(day), day(on)) {
                    totals.add(
                        CHALLENGE_DAYS,
                        "",
                        i64::from(asked.days_until(decided).max(0)),
                    );
                }
            }
        }
        "appealed" => totals.add(CHALLENGES_APPEALED, "", 1),
        _ => {}
    }
    totals
}

/// The `work_open` period of an item: its kind and risk.
#[must_use]
pub fn work_open_period(kind: &str, risk: &str) -> String {
    format!("{kind}:{risk}")
}

/// How many work items are stored of each kind, risk and state: what
/// [`recount`] reads of them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkTally {
    /// The kind's code.
    pub kind: String,
    /// The risk's code.
    pub risk: String,
    /// Whether done.
    pub done: bool,
    /// How many.
    pub count: i64,
}

/// Every total and case row worked out again from what is stored: slow
/// (it reads every case), for the conformance suite and `cms mi recount`,
/// never for a page.
///
/// # Errors
/// A database failure.
pub async fn recount(
    store: &dyn Store,
) -> Result<(MiTotals, BTreeMap<CaseReference, CaseTotals>), StorageError> {
    let mut totals = MiTotals::default();
    let mut cases = BTreeMap::new();
    let mut transfers: BTreeMap<String, Transfer> = BTreeMap::new();
    // Applications waiting are the applications queue: an application
    // stopped in danger has no date either but never waits.
    let waiting: std::collections::BTreeSet<CaseReference> =
        store.applications().await?.into_iter().collect();
    for case in store.case_references().await? {
        let Some(history) = store.case_history(&case).await? else {
            continue;
        };
        let mut row = case_totals_of(&history);
        totals.add(CASES, "", 1);
        if waiting.contains(&case) {
            totals.add(APPLICATIONS_WAITING, "", 1);
        }
        totals.add(MOVES_TO_COLLECT_AND_PAY, "", moves(&history.events, None));
        for record in store.safety_events(&case).await? {
            let (these, disclosed) = safety_totals(&record);
            merge(&mut totals, &these);
            row.disclosed |= disclosed;
        }
        for action in store.collection_actions(&case).await? {
            totals.add(COLLECTION_ACTIONS, &action_kind(&action), 1);
        }
        for challenge in store.challenges_of_case(&case).await? {
            let Some((_, rows)) = store.challenge(&challenge).await? else {
                continue;
            };
            let asked_on = rows.first().map(|row| row.on.clone());
            for row in &rows {
                merge(
                    &mut totals,
                    &challenge_totals(&row.kind, &row.payload, &row.on, asked_on.as_deref()),
                );
            }
        }
        cases.insert(case, row);
    }
    // Money may be posted to the accounts of a case not (yet) opened: every
    // case with an account is read.
    let mut with_money: std::collections::BTreeSet<CaseReference> = cases.keys().copied().collect();
    for (account, _) in store.account_balances().await? {
        with_money.extend(account.case);
    }
    for case in with_money {
        for transfer in store.transfers_for_case(&case).await? {
            transfers.insert(transfer.id.0.clone(), transfer);
        }
    }
    let all: Vec<Transfer> = transfers.into_values().collect();
    let (owed, money) = transfer_totals(&all);
    merge(&mut totals, &money);
    for (case, owed) in owed {
        cases.entry(case).or_default().owed += owed;
    }
    for row in cases.values() {
        for (measure, delta) in CaseTotals::default().deltas(*row) {
            totals.add(measure, "", delta);
        }
    }
    for tally in store.work_tallies().await? {
        totals.add(WORK_OPENED, &tally.kind, tally.count);
        if tally.done {
            totals.add(WORK_CLOSED, &tally.kind, tally.count);
        } else {
            totals.add(
                WORK_OPEN,
                &work_open_period(&tally.kind, &tally.risk),
                tally.count,
            );
        }
    }
    cases.retain(|_, row| *row != CaseTotals::default());
    Ok((totals, cases))
}

/// A case's flags from its facts alone (what is owed and disclosures come
/// from elsewhere).
#[must_use]
pub fn case_totals_of(history: &CaseHistory) -> CaseTotals {
    CaseTotals {
        collect_and_pay: latest_service(&history.events) == Some(ServiceType::CollectAndPay),
        ..CaseTotals::default()
    }
}

/// The stored kind of a collection action: its `collection_actions` period.
#[must_use]
pub fn action_kind(action: &RecordedAction) -> String {
    ActionRow::from_action("", action).kind
}

/// Adds every total of `more` to `totals`.
pub fn merge(totals: &mut MiTotals, more: &MiTotals) {
    for ((measure, period), delta) in &more.rows {
        totals.add(measure, period, *delta);
    }
}

/// Every work kind's code, for pages listing them.
#[must_use]
pub fn work_kinds() -> Vec<&'static str> {
    WorkKind::ALL.iter().map(|k| k.code()).collect()
}

/// Whether a query's counts can be read from the kept totals: it filters
/// by team, kind and risk only (who has an item, whether it is overdue and
/// its case are not kept, and are counted by their own indexes).
#[must_use]
pub fn counts_are_kept(query: &work_items::WorkQuery) -> bool {
    query.assignee.is_none() && query.overdue_at.is_none() && query.case.is_none()
}

/// A queue's counts by kind from the kept `work_open` totals, most urgent
/// kind first.
#[must_use]
pub fn queue_counts(totals: &MiTotals, query: &work_items::WorkQuery) -> Vec<(WorkKind, u64)> {
    let mut counts: BTreeMap<WorkKind, u64> = BTreeMap::new();
    for (period, total) in totals.periods(WORK_OPEN) {
        let Some((kind, risk)) = period.split_once(':') else {
            continue;
        };
        let Some(kind) = WorkKind::from_code(kind) else {
            continue;
        };
        let wanted = (query.teams.is_empty() || query.teams.contains(&kind.team()))
            && query.kind.is_none_or(|k| k == kind)
            && query.risk.is_none_or(|r| r.code() == risk);
        if wanted && total > 0 {
            *counts.entry(kind).or_insert(0) += u64::try_from(total).unwrap_or(0);
        }
    }
    let mut counts: Vec<(WorkKind, u64)> = counts.into_iter().collect();
    counts.sort_by_key(|(kind, _)| kind.priority());
    counts
}

/// The reads a queue page is made from, each in the order of its own
/// index (migration 0020): a kind names its one team; several teams are
/// read one at a time, each for as many items as the page needs, and
/// merged ([`queue_page`]), so no read sorts a whole queue.
#[must_use]
pub fn queue_reads(query: &work_items::WorkQuery) -> Vec<work_items::WorkQuery> {
    if let Some(kind) = query.kind {
        if !query.teams.is_empty() && !query.teams.contains(&kind.team()) {
            return Vec::new();
        }
        return vec![work_items::WorkQuery {
            teams: vec![kind.team()],
            ..query.clone()
        }];
    }
    if query.teams.len() > 1 {
        return query
            .teams
            .iter()
            .map(|team| work_items::WorkQuery {
                teams: vec![*team],
                offset: 0,
                limit: query.offset.saturating_add(query.limit),
                ..query.clone()
            })
            .collect();
    }
    vec![query.clone()]
}

/// The page from what [`queue_reads`] found: as read if one read, else
/// merged in queue order (most urgent, then oldest) and sliced.
#[must_use]
pub fn queue_page(
    mut items: Vec<work_items::WorkItem>,
    query: &work_items::WorkQuery,
    reads: usize,
) -> Vec<work_items::WorkItem> {
    if reads <= 1 {
        return items;
    }
    items.sort_by(|a, b| {
        (a.kind.priority(), a.raised, &a.id).cmp(&(b.kind.priority(), b.raised, &b.id))
    });
    items
        .into_iter()
        .skip(usize::try_from(query.offset).unwrap_or(usize::MAX))
        .take(usize::try_from(query.limit.max(1)).unwrap_or(usize::MAX))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use work_items::{Team, WorkItem, WorkQuery, WorkState};

    fn item(id: &str, kind: WorkKind, raised: i64) -> WorkItem {
        WorkItem {
            id: id.to_owned(),
            kind,
            case: None,
            person: None,
            risk: safety::RiskLevel::Standard,
            restricted: false,
            raised,
            due: raised,
            assignee: None,
            state: WorkState::Open,
        }
    }

    #[test]
    fn two_teams_are_read_apart_and_merged_most_urgent_then_oldest() {
        let query = WorkQuery {
            teams: vec![Team::Specialist, Team::Casework],
            offset: 1,
            limit: 2,
            ..WorkQuery::default()
        };
        let reads = queue_reads(&query);
        assert_eq!(reads.len(), 2);
        assert!(
            reads
                .iter()
                .all(|r| r.teams.len() == 1 && r.offset == 0 && r.limit == 3)
        );
        // What each team's read found, in its own order.
        let found = vec![
            item("s1", WorkKind::DisclosureToReview, 50),
            item("s2", WorkKind::DisclosureToReview, 70),
            item("c1", WorkKind::CaseSetAside, 10),
            item("c2", WorkKind::ApplicationWaiting, 5),
        ];
        let page: Vec<String> = queue_page(found, &query, reads.len())
            .into_iter()
            .map(|i| i.id)
            .collect();
        // Order: s1, s2 (priority 2), c1 (3), c2 (5); the page skips one.
        assert_eq!(page, vec!["s2".to_owned(), "c1".to_owned()]);
    }

    #[test]
    fn a_challenge_counts_its_request_outcome_days_and_appeal() {
        let asked = challenge_totals(
            "asked",
            "by=paying;decision=calculation;notified=2026-01-05;decided_by=;timing=late;",
            "2026-03-02",
            None,
        );
        assert_eq!(asked.get(CHALLENGES_ASKED, "late"), 1);
        assert_eq!(asked.get(CHALLENGES_ASKED, "in_time"), 0);
        let decided = challenge_totals(
            "decided",
            "outcome=partly_revised;by=17;",
            "2026-03-30",
            Some("2026-03-02"),
        );
        assert_eq!(decided.get(CHALLENGE_OUTCOMES, "partly_revised"), 1);
        assert_eq!(decided.get(CHALLENGE_DAYS, ""), 28);
        let appealed = challenge_totals("appealed", "by=receiving;late=false;", "2026-04-01", None);
        assert_eq!(appealed.get(CHALLENGES_APPEALED, ""), 1);
        assert!(
            challenge_totals("view_sent", "by=receiving;", "2026-03-03", None)
                .rows
                .is_empty()
        );
    }

    #[test]
    fn a_kind_is_read_in_its_own_team_only() {
        let query = WorkQuery {
            teams: vec![Team::Specialist, Team::Casework],
            kind: Some(WorkKind::ApplicationWaiting),
            ..WorkQuery::default()
        };
        assert_eq!(queue_reads(&query)[0].teams, vec![Team::Casework]);
        let elsewhere = WorkQuery {
            teams: vec![Team::Money],
            ..query
        };
        assert!(
            queue_reads(&elsewhere).is_empty(),
            "not a team of the query"
        );
    }
}
