//! A fact the law cannot serve on its date is refused when it is recorded,
//! naming the fact, rather than accepted and then fatal to the schedule.

use case_records::{
    CaseHistory, Change, ChildId, FactEvent, ReceivingParentId, ScheduleError, check_servable,
    liability_schedule,
};
use domain_types::{Date, Pence};
use legal_parameters::{Benefit, BenefitSet, Parameters};
use maintenance_calculation::{CalculationError, Income, Nights};

fn d(text: &str) -> Date {
    Date::parse_iso(text).unwrap()
}

fn fact(effective: &str, change: Change) -> FactEvent {
    FactEvent {
        effective_from: d(effective),
        recorded_on: d("2025-06-02"),
        change,
    }
}

fn income(weekly: u64) -> Change {
    Change::Income(Income::Weekly(Pence::new(weekly)))
}

fn child(n: u32) -> Change {
    Change::ChildJoined {
        child: ChildId(n),
        receiving_parent: ReceivingParentId(1),
    }
}

fn universal_credit() -> Change {
    Change::Benefits {
        own: BenefitSet::EMPTY.with(Benefit::UniversalCreditNoEarnedIncome),
        partner: BenefitSet::EMPTY,
        partner_is_paying_parent_with_calculation: false,
    }
}

#[test]
fn universal_credit_before_it_existed_is_refused_naming_the_fact() {
    let history = CaseHistory::starting(d("2013-01-07"));
    let new = [
        fact("2013-01-07", income(50_000)),
        fact("2013-01-07", child(1)),
        fact("2013-02-04", universal_credit()),
    ];
    let refused = check_servable(&history, &new, Parameters::embedded()).unwrap_err();
    assert_eq!(refused.index, 2);
    assert!(
        matches!(
            refused.error,
            ScheduleError::Calculation {
                error: CalculationError::BenefitNotInForce { .. },
                ..
            }
        ),
        "{refused:?}"
    );
    // The same fact from the day Universal Credit began is taken.
    let new = [
        fact("2013-01-07", income(50_000)),
        fact("2013-01-07", child(1)),
        fact("2013-04-29", universal_credit()),
    ];
    check_servable(&history, &new, Parameters::embedded()).unwrap();
}

#[test]
fn universal_credit_dated_before_it_existed_is_refused_even_on_a_later_case() {
    // Applied from the later start it would calculate, but no one received
    // Universal Credit on that date: the fact itself is wrong.
    let history = CaseHistory::starting(d("2020-01-06"));
    let new = [fact("2013-01-07", universal_credit())];
    let refused = check_servable(&history, &new, Parameters::embedded()).unwrap_err();
    assert_eq!(refused.index, 0);
}

#[test]
fn a_fact_before_the_scheme_began_is_refused() {
    let history = CaseHistory::starting(d("2020-01-06"));
    let new = [
        fact("2020-01-06", income(50_000)),
        fact("2012-12-09", child(1)),
    ];
    let refused = check_servable(&history, &new, Parameters::embedded()).unwrap_err();
    assert_eq!(refused.index, 1);
    assert!(
        matches!(
            refused.error,
            ScheduleError::Calculation {
                error: CalculationError::NotCoded { .. },
                ..
            }
        ),
        "{refused:?}"
    );
    // On the scheme's first day it is taken.
    let new = [fact("2012-12-10", child(1))];
    check_servable(&history, &new, Parameters::embedded()).unwrap();
}

#[test]
fn a_change_naming_a_child_the_case_does_not_have_is_refused_naming_it() {
    let mut history = CaseHistory::starting(d("2025-01-06"));
    history.record(d("2025-01-06"), d("2025-01-06"), child(1));
    let new = [
        fact("2025-03-03", income(40_000)),
        fact(
            "2025-03-03",
            Change::SharedCare {
                child: ChildId(9),
                nights: Nights::new(60).unwrap(),
            },
        ),
    ];
    let refused = check_servable(&history, &new, Parameters::embedded()).unwrap_err();
    assert_eq!(refused.index, 1);
    assert!(
        matches!(refused.error, ScheduleError::UnknownChild { .. }),
        "{refused:?}"
    );
}

#[test]
fn facts_arriving_one_by_one_are_taken_before_the_income_is_known() {
    let history = CaseHistory::starting(d("2025-01-06"));
    // A child before any income: the calculation cannot be made yet, but
    // nothing is wrong with the fact.
    check_servable(
        &history,
        &[fact("2025-01-06", child(1))],
        Parameters::embedded(),
    )
    .unwrap();
    // And a fact the law cannot serve is found behind a missing income.
    let new = [
        fact("2025-01-06", child(1)),
        fact("2025-02-03", Change::ChildLeft { child: ChildId(4) }),
    ];
    assert_eq!(
        check_servable(&history, &new, Parameters::embedded())
            .unwrap_err()
            .index,
        1
    );
}

#[test]
fn an_application_waiting_for_its_date_still_has_its_facts_checked_against_the_law() {
    let history = CaseHistory::default();
    check_servable(
        &history,
        &[fact("2025-01-06", child(1))],
        Parameters::embedded(),
    )
    .unwrap();
    let refused = check_servable(
        &history,
        &[fact("2013-01-07", universal_credit())],
        Parameters::embedded(),
    )
    .unwrap_err();
    assert_eq!(refused.index, 0);
}

#[test]
fn a_case_already_unservable_is_not_the_new_facts_fault() {
    // Recorded before this check existed: the stored history already fails.
    let mut history = CaseHistory::starting(d("2013-01-07"));
    history.record(d("2013-01-07"), d("2013-01-07"), income(50_000));
    history.record(d("2013-01-07"), d("2013-01-07"), child(1));
    history.record(d("2013-02-04"), d("2013-02-04"), universal_credit());
    assert!(
        liability_schedule(
            &history,
            Parameters::embedded(),
            d("2025-06-02"),
            d("2026-01-01")
        )
        .is_err()
    );
    check_servable(
        &history,
        &[fact("2025-06-02", income(60_000))],
        Parameters::embedded(),
    )
    .unwrap();
}
