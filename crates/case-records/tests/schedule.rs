//! The liability schedule over years of changes.

use case_records::{
    CaseHistory, CaseState, Change, ChildId, FactEvent, ReceivingParentId, SegmentReason,
    calculation_request_on, differences, liability_schedule, weekly_periods,
};
use domain_types::{Date, Pence};
use legal_parameters::Parameters;
use maintenance_calculation::{Income, Nights};
use proptest::prelude::*;

fn d(text: &str) -> Date {
    Date::parse_iso(text).unwrap()
}

const A: ReceivingParentId = ReceivingParentId(1);
const B: ReceivingParentId = ReceivingParentId(2);
const FIRST: ChildId = ChildId(1);
const SECOND: ChildId = ChildId(2);

/// A case from `start`: weekly income in pence, one child with receiving parent A.
fn case(start: &str, weekly_income: u64) -> CaseHistory {
    let mut history = CaseHistory::starting(d(start));
    history.record(
        d(start),
        d(start),
        Change::Income(Income::Weekly(Pence::new(weekly_income))),
    );
    history.record(
        d(start),
        d(start),
        Change::ChildJoined {
            child: FIRST,
            receiving_parent: A,
        },
    );
    history
}

fn weekly_on(history: &CaseHistory, known_on: &str, on: &str) -> Pence {
    let schedule = liability_schedule(
        history,
        Parameters::embedded(),
        d(known_on),
        d("2030-01-01"),
    )
    .unwrap();
    schedule
        .on(d(on))
        .unwrap()
        .weekly
        .get(&A)
        .copied()
        .unwrap_or_default()
}

#[test]
fn a_steady_case_has_one_segment_and_a_week_costs_one_weekly_amount() {
    let history = case("2025-01-06", 50_000);
    let schedule = liability_schedule(
        &history,
        Parameters::embedded(),
        d("2025-12-31"),
        d("2026-01-06"),
    )
    .unwrap();
    assert_eq!(schedule.segments.len(), 1);
    assert_eq!(schedule.segments[0].weekly[&A], Pence::new(6_000));
    assert_eq!(
        schedule.due(d("2025-01-06"), d("2025-01-13"))[&A],
        Pence::new(6_000)
    );
}

#[test]
fn an_income_change_under_25_percent_waits_for_the_annual_review() {
    let mut history = case("2025-01-06", 50_000);
    history.record(
        d("2025-03-03"),
        d("2025-03-03"),
        Change::Income(Income::Weekly(Pence::new(55_000))),
    );
    assert_eq!(
        weekly_on(&history, "2026-06-01", "2025-06-01"),
        Pence::new(6_000)
    );
    // The first review falls on the anniversary of the initial effective date.
    assert_eq!(
        weekly_on(&history, "2026-06-01", "2026-01-05"),
        Pence::new(6_000)
    );
    assert_eq!(
        weekly_on(&history, "2026-06-01", "2026-01-06"),
        Pence::new(6_600)
    );
    let schedule = liability_schedule(
        &history,
        Parameters::embedded(),
        d("2026-06-01"),
        d("2026-06-01"),
    )
    .unwrap();
    assert!(
        schedule
            .on(d("2026-01-06"))
            .unwrap()
            .reasons
            .contains(&SegmentReason::AnnualReview)
    );
}

#[test]
fn an_income_change_of_25_percent_or_more_applies_at_once() {
    let mut history = case("2025-01-06", 50_000);
    history.record(
        d("2025-03-03"),
        d("2025-03-03"),
        Change::Income(Income::Weekly(Pence::new(62_500))),
    );
    assert_eq!(
        weekly_on(&history, "2025-12-01", "2025-03-02"),
        Pence::new(6_000)
    );
    assert_eq!(
        weekly_on(&history, "2025-12-01", "2025-03-03"),
        Pence::new(7_500)
    );
    // A fall of exactly 25% counts too.
    let mut falling = case("2025-01-06", 50_000);
    falling.record(
        d("2025-03-03"),
        d("2025-03-03"),
        Change::Income(Income::Weekly(Pence::new(37_500))),
    );
    assert_eq!(
        weekly_on(&falling, "2025-12-01", "2025-03-03"),
        Pence::new(4_500)
    );
}

#[test]
fn the_law_changing_mid_case_changes_the_amount_on_that_day() {
    let history = case("2013-06-03", 15_000);
    let schedule = liability_schedule(
        &history,
        Parameters::embedded(),
        d("2014-01-01"),
        d("2014-01-01"),
    )
    .unwrap();
    assert_eq!(
        schedule.on(d("2013-11-24")).unwrap().weekly[&A],
        Pence::new(1_450)
    );
    let after = schedule.on(d("2013-11-25")).unwrap();
    assert_eq!(after.weekly[&A], Pence::new(1_550));
    assert!(after.reasons.contains(&SegmentReason::LawChanged));
}

#[test]
fn a_backdated_change_gives_the_exact_overpayment_for_each_past_week() {
    let mut history = case("2025-01-06", 50_000);
    // Recorded on 2 June, effective from 3 March: two-sevenths shared care.
    history.record(
        d("2025-03-03"),
        d("2025-06-02"),
        Change::SharedCare {
            child: FIRST,
            nights: Nights::new(104).unwrap(),
        },
    );
    let until = d("2025-06-09");
    let before =
        liability_schedule(&history, Parameters::embedded(), d("2025-06-01"), until).unwrap();
    let after =
        liability_schedule(&history, Parameters::embedded(), d("2025-06-02"), until).unwrap();
    let changed = differences(&before, &after, &weekly_periods(d("2025-01-06"), until));
    // 3 March to 9 June is 14 weeks; each week £60.00 becomes £42.86.
    assert_eq!(changed.len(), 14);
    assert_eq!(changed[0].from, d("2025-03-03"));
    for week in &changed {
        assert_eq!(week.receiving_parent, A);
        assert_eq!(week.previously_due, Pence::new(6_000));
        assert_eq!(week.now_due, Pence::new(4_286));
        assert_eq!(week.overpaid(), Pence::new(1_714));
        assert_eq!(week.owed(), Pence::ZERO);
    }
}

#[test]
fn what_we_believed_on_one_date_about_another_is_answerable() {
    let mut history = case("2025-01-06", 50_000);
    history.record(
        d("2025-03-03"),
        d("2025-06-02"),
        Change::SharedCare {
            child: FIRST,
            nights: Nights::new(104).unwrap(),
        },
    );
    assert_eq!(
        weekly_on(&history, "2025-05-01", "2025-04-01"),
        Pence::new(6_000)
    );
    assert_eq!(
        weekly_on(&history, "2025-06-02", "2025-04-01"),
        Pence::new(4_286)
    );
}

#[test]
fn a_change_mid_week_is_apportioned_by_day() {
    let mut history = case("2025-01-06", 50_000);
    // From Thursday 9 January the income is £1,000: basic plus, £96 + 9% of £200 = £114 a week.
    history.record(
        d("2025-01-09"),
        d("2025-01-09"),
        Change::Income(Income::Weekly(Pence::new(100_000))),
    );
    let schedule = liability_schedule(
        &history,
        Parameters::embedded(),
        d("2025-02-01"),
        d("2025-02-01"),
    )
    .unwrap();
    // 3 days at £60 and 4 days at £114: (18,000 + 45,600) / 7 = 9,085.71p.
    assert_eq!(
        schedule.due(d("2025-01-06"), d("2025-01-13"))[&A],
        Pence::new(9_086)
    );
}

#[test]
fn children_joining_and_leaving_and_closure_end_the_liability() {
    let mut history = case("2025-01-06", 50_000);
    history.record(
        d("2025-02-03"),
        d("2025-02-03"),
        Change::ChildJoined {
            child: SECOND,
            receiving_parent: B,
        },
    );
    history.record(
        d("2025-04-07"),
        d("2025-04-07"),
        Change::ChildLeft { child: FIRST },
    );
    history.record(d("2025-06-02"), d("2025-06-02"), Change::CaseClosed);
    let schedule = liability_schedule(
        &history,
        Parameters::embedded(),
        d("2025-12-01"),
        d("2025-12-01"),
    )
    .unwrap();
    let feb = schedule.on(d("2025-02-03")).unwrap();
    assert_eq!(
        (feb.weekly[&A], feb.weekly[&B]),
        (Pence::new(4_000), Pence::new(4_000))
    );
    let april = schedule.on(d("2025-04-07")).unwrap();
    assert_eq!(april.weekly.get(&A), None);
    assert_eq!(april.weekly[&B], Pence::new(6_000));
    let closed = schedule.on(d("2025-06-02")).unwrap();
    assert!(closed.weekly.is_empty() && closed.rate.is_none());
    assert!(
        schedule
            .due(d("2025-06-02"), d("2025-06-09"))
            .values()
            .all(|p| *p == Pence::ZERO)
    );
}

#[test]
fn a_change_naming_a_child_not_in_the_case_is_refused() {
    let mut history = case("2025-01-06", 50_000);
    history.record(
        d("2025-02-03"),
        d("2025-02-03"),
        Change::SharedCare {
            child: ChildId(9),
            nights: Nights::new(60).unwrap(),
        },
    );
    let error = liability_schedule(
        &history,
        Parameters::embedded(),
        d("2025-12-01"),
        d("2025-12-01"),
    )
    .unwrap_err();
    assert!(error.to_string().contains("child 9"), "{error}");
}

fn change() -> impl Strategy<Value = (i32, Change)> {
    (
        0i32..700,
        prop_oneof![
            (0u64..150_000).prop_map(|p| Change::Income(Income::Weekly(Pence::new(p)))),
            (0u16..=366).prop_map(|n| Change::SharedCare {
                child: FIRST,
                nights: Nights::new(n).unwrap()
            }),
            (0u16..=4).prop_map(|n| Change::RelevantOtherChildren(
                maintenance_calculation::OtherChildren::new(n).unwrap()
            )),
        ],
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn changes_effective_later_never_alter_what_was_due_before_them(
        changes in prop::collection::vec(change(), 0..12),
        cut in 1i32..700,
    ) {
        let start = d("2024-01-01");
        let mut all = case("2024-01-01", 40_000);
        let mut earlier_only = all.clone();
        let cut_date = start.add_days(cut).unwrap();
        for (offset, change) in changes {
            let effective = start.add_days(offset).unwrap();
            all.record(effective, effective, change.clone());
            if effective < cut_date {
                earlier_only.record(effective, effective, change);
            }
        }
        let until = d("2026-01-01");
        let full = liability_schedule(&all, Parameters::embedded(), until, until).unwrap();
        let partial = liability_schedule(&earlier_only, Parameters::embedded(), until, until).unwrap();
        let periods: Vec<(Date, Date)> = weekly_periods(start, cut_date);
        prop_assert!(differences(&partial, &full, &periods).is_empty());
    }
}

#[test]
fn a_change_of_service_type_is_recorded_but_changes_nothing_due() {
    let mut history = case("2025-01-06", 50_000);
    history.record(
        d("2025-03-03"),
        d("2025-03-03"),
        Change::ServiceType(case_records::ServiceType::CollectAndPay),
    );
    let schedule = liability_schedule(
        &history,
        Parameters::embedded(),
        d("2025-12-01"),
        d("2025-12-01"),
    )
    .unwrap();
    assert_eq!(schedule.segments.len(), 1);
    assert_eq!(schedule.segments[0].weekly[&A], Pence::new(6_000));
}

#[test]
fn a_reopened_case_is_due_again_from_the_day_it_reopens_and_not_in_between() {
    let mut history = case("2025-01-06", 50_000);
    history.record(d("2025-03-03"), d("2025-03-03"), Change::CaseClosed);
    history.record(d("2025-05-05"), d("2025-05-05"), Change::CaseReopened);
    let schedule = liability_schedule(
        &history,
        Parameters::embedded(),
        d("2025-06-01"),
        d("2025-06-02"),
    )
    .unwrap();
    let week = |from: &str| schedule.due(d(from), d(from).add_days(7).unwrap());
    let weekly = week("2025-01-06")[&A];
    assert!(weekly > Pence::ZERO);
    assert!(week("2025-03-03").values().all(|a| *a == Pence::ZERO));
    assert!(week("2025-04-28").values().all(|a| *a == Pence::ZERO));
    assert_eq!(week("2025-05-05")[&A], weekly);
    // Known before the reopening was recorded, nothing was due after closing.
    let before = liability_schedule(
        &history,
        Parameters::embedded(),
        d("2025-05-04"),
        d("2025-06-02"),
    )
    .unwrap();
    assert!(
        before
            .due(d("2025-05-05"), d("2025-05-12"))
            .values()
            .all(|a| *a == Pence::ZERO)
    );
}

#[test]
fn the_state_follows_closing_and_reopening_and_refuses_what_does_not_fit() {
    let mut history = CaseHistory::starting(d("2025-01-06"));
    assert_eq!(
        history.state(d("2025-01-01"), d("2025-01-01")),
        CaseState::Calculation
    );
    assert_eq!(
        history.state(d("2025-01-06"), d("2025-01-06")),
        CaseState::Active
    );
    let fact = |on: &str, change| FactEvent {
        effective_from: d(on),
        recorded_on: d("2025-06-01"),
        change,
    };
    // Reopening an open case, or closing one twice, is refused with its date.
    let refused = history
        .check_lifecycle(&[fact("2025-02-03", Change::CaseReopened)], d("2025-06-01"))
        .unwrap_err();
    assert_eq!(refused.0, d("2025-02-03"));
    assert_eq!(refused.1.from, CaseState::Active);
    assert!(
        history
            .check_lifecycle(
                &[
                    fact("2025-02-03", Change::CaseClosed),
                    fact("2025-03-03", Change::CaseClosed)
                ],
                d("2025-06-01")
            )
            .is_err()
    );
    // Closing then reopening in one request fits.
    let both = [
        fact("2025-02-03", Change::CaseClosed),
        fact("2025-03-03", Change::CaseReopened),
    ];
    history.check_lifecycle(&both, d("2025-06-01")).unwrap();
    for f in both {
        history.record(f.effective_from, f.recorded_on, f.change);
    }
    assert_eq!(
        history.state(d("2025-02-10"), d("2025-06-01")),
        CaseState::Closed
    );
    assert_eq!(
        history.state(d("2025-03-03"), d("2025-06-01")),
        CaseState::Active
    );
    // What was known before the facts were recorded: still open.
    assert_eq!(
        history.state(d("2025-02-10"), d("2025-05-31")),
        CaseState::Active
    );
    assert_eq!(
        CaseHistory::default().state(d("2025-01-01"), d("2025-01-01")),
        CaseState::Application
    );
}

#[test]
fn the_calculation_in_force_on_a_day_is_the_one_the_schedule_used_that_day() {
    // The income changes by less than a quarter: the old income is used
    // until the review, so the request in force must say so.
    let mut history = case("2025-01-06", 50_000);
    history.record(
        d("2025-03-03"),
        d("2025-03-03"),
        Change::Income(Income::Weekly(Pence::new(55_000))),
    );
    let parameters = Parameters::embedded();
    for (on, weekly) in [
        ("2025-01-06", 6_000),
        ("2025-06-01", 6_000),
        ("2026-01-06", 6_600),
    ] {
        let (ids, request) = calculation_request_on(&history, parameters, d("2026-06-01"), d(on))
            .unwrap()
            .expect("liability runs");
        assert_eq!(ids, [A]);
        let calculation = maintenance_calculation::calculate(&request, parameters).unwrap();
        assert_eq!(calculation.weekly_total(), Pence::new(weekly), "{on}");
        assert!(!calculation.steps.is_empty(), "with its explanation");
        assert_eq!(request.date, d(on).min(request.date), "{on}");
    }
    assert_eq!(
        calculation_request_on(&history, parameters, d("2026-06-01"), d("2024-12-01")).unwrap(),
        None,
        "nothing before the start"
    );
    history.record(d("2025-09-01"), d("2025-09-01"), Change::CaseClosed);
    assert_eq!(
        calculation_request_on(&history, parameters, d("2026-06-01"), d("2025-10-01")).unwrap(),
        None,
        "nothing once closed"
    );
}

#[test]
fn a_child_who_leaves_and_qualifies_again_keeps_the_nights_found_for_them() {
    // rules.md §2.11: nights are a finding about the child's care; leaving
    // and qualifying again is not a fact about that care, so the 104
    // nights found before carry over until a shared-care fact says otherwise.
    let mut history = case("2025-01-06", 50_000);
    history.record(
        d("2025-01-06"),
        d("2025-01-06"),
        Change::SharedCare {
            child: FIRST,
            nights: Nights::new(104).unwrap(),
        },
    );
    history.record(
        d("2025-03-03"),
        d("2025-03-03"),
        Change::ChildLeft { child: FIRST },
    );
    history.record(
        d("2025-05-05"),
        d("2025-05-05"),
        Change::ChildJoined {
            child: FIRST,
            receiving_parent: A,
        },
    );
    let before = weekly_on(&history, "2025-12-01", "2025-01-06");
    let between = weekly_on(&history, "2025-12-01", "2025-04-07");
    let again = weekly_on(&history, "2025-12-01", "2025-05-05");
    assert_eq!(between, Pence::ZERO);
    assert_eq!(again, before, "the nights found before carry over");
    assert!(before < weekly_on(&case("2025-01-06", 50_000), "2025-12-01", "2025-01-06"));
    // A new finding while the child is away is the finding when they return.
    history.record(
        d("2025-04-07"),
        d("2025-04-07"),
        Change::SharedCare {
            child: FIRST,
            nights: Nights::new(0).unwrap(),
        },
    );
    assert_eq!(
        weekly_on(&history, "2025-12-01", "2025-05-05"),
        weekly_on(&case("2025-01-06", 50_000), "2025-12-01", "2025-05-05")
    );
}
