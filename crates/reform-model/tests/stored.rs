//! A stored case made into the model's case (`Calibration::stored_case`):
//! the paying parent, children and nights from the calculation in force,
//! the rest imputed; kept only where the law's amount is the stored
//! request's own, and otherwise refused with the reason.

use domain_types::{Date, Pence};
use legal_parameters::{Benefit, BenefitSet, Parameters};
use maintenance_calculation::{
    Basis, CalculationRequest, Income, Nights, NilRateReason, OtherChildren, PayingParent,
    ReceivingParents, Variations, calculate,
};
use reform_model::{Calibration, Model, Payer, Policy, Scenario, Service};

fn date() -> Date {
    Date::parse_iso("2026-06-01").unwrap()
}

fn request(parent: PayingParent, nights: Vec<Vec<u16>>) -> CalculationRequest {
    CalculationRequest {
        date: date(),
        basis: Basis::PayingParent(parent),
        receiving_parents: ReceivingParents::new(
            nights
                .into_iter()
                .map(|g| g.into_iter().map(|n| Nights::new(n).unwrap()).collect())
                .collect(),
        )
        .unwrap(),
    }
}

fn earning(weekly: u64) -> PayingParent {
    PayingParent {
        income: Some(Income::Weekly(Pence::new(weekly))),
        ..PayingParent::default()
    }
}

fn law(request: &CalculationRequest) -> u64 {
    calculate(request, Parameters::embedded())
        .unwrap()
        .weekly_total()
        .get()
}

#[test]
fn an_earning_paying_parent_keeps_the_law_s_own_amount() {
    let calibration = Calibration::embedded();
    let parameters = Parameters::embedded();
    // £500 a week, one relevant other child, two children on 104 nights
    // with one receiving parent and one with another: Collect and Pay.
    let mut parent = earning(50_000);
    parent.relevant_other_children = OtherChildren::new(1).unwrap();
    let stored = request(parent, vec![vec![104, 104], vec![0]]);
    let case = calibration
        .stored_case(3, 0, &stored, true, parameters)
        .unwrap();
    assert_eq!(case.payer, Payer::Income(Pence::new(50_000)));
    assert_eq!(case.service, Service::CollectAndPay);
    assert_eq!(case.relevant_other_children, 1);
    assert_eq!(case.qualifying_children(), 3);
    assert_eq!(case.most_nights(), 104);
    assert_eq!(law(&case.request(date(), false)), law(&stored));
    // Under the law in the model, the same amount to the penny.
    let model = Model::new(
        parameters,
        date(),
        Scenario::compose(vec![Policy::named("affordability-floor-rec5").unwrap()]).unwrap(),
    )
    .unwrap();
    assert_eq!(model.outcome(&case).law.maintenance().get(), law(&stored));
}

#[test]
fn a_yearly_income_and_universal_credit_are_read_as_the_law_reads_them() {
    let calibration = Calibration::embedded();
    let parameters = Parameters::embedded();
    let yearly = request(
        PayingParent {
            income: Some(Income::Annual(Pence::new(2_600_000))),
            ..PayingParent::default()
        },
        vec![vec![0]],
    );
    let case = calibration
        .stored_case(3, 1, &yearly, false, parameters)
        .unwrap();
    // £26,000 a year is £498.63 a week: reg 35(1) divides by 365 and
    // multiplies by 7 (18,200,000 / 365 = 49,863.01), half up to the penny.
    assert_eq!(case.payer, Payer::Income(Pence::new(49_863)));
    let benefit = request(
        PayingParent {
            benefits: BenefitSet::EMPTY.with(Benefit::UniversalCreditNoEarnedIncome),
            ..PayingParent::default()
        },
        vec![vec![0]],
    );
    let case = calibration
        .stored_case(3, 2, &benefit, false, parameters)
        .unwrap();
    assert_eq!(case.payer, Payer::Benefit);
    assert_eq!(law(&case.request(date(), false)), 700, "the flat rate, £7");
}

#[test]
fn a_prisoner_s_earnings_are_imputed_and_assessed_only_under_rec7() {
    let calibration = Calibration::embedded();
    let parameters = Parameters::embedded();
    let prisoner = request(
        PayingParent {
            nil_rate_reason: Some(NilRateReason::Prisoner),
            ..PayingParent::default()
        },
        vec![vec![0]],
    );
    let case = calibration
        .stored_case(3, 4, &prisoner, false, parameters)
        .unwrap();
    let Payer::Prisoner { earnings } = case.payer else {
        panic!("{:?}", case.payer)
    };
    assert!(earnings.get() > 0, "imputed earnings");
    let model = Model::new(
        parameters,
        date(),
        Scenario::compose(vec![Policy::named("prisoner-earnings-rec7").unwrap()]).unwrap(),
    )
    .unwrap();
    let outcome = model.outcome(&case);
    assert_eq!(
        outcome.law.maintenance().get(),
        0,
        "the nil rate under the law"
    );
    let mut assessed = earning(earnings.get());
    assessed.nil_rate_reason = None;
    assert_eq!(
        outcome.policy.maintenance().get(),
        law(&request(assessed, vec![vec![0]])),
        "assessed as income under Rec 7"
    );
}

#[test]
fn what_the_model_s_case_cannot_hold_is_refused_with_its_reason() {
    let calibration = Calibration::embedded();
    let parameters = Parameters::embedded();
    let refused = |stored: CalculationRequest| {
        calibration
            .stored_case(3, 5, &stored, false, parameters)
            .unwrap_err()
    };
    let mut varied = earning(50_000);
    varied.variations = Variations {
        special_expenses_weekly: Pence::new(5_000),
        additional_income_weekly: Pence::ZERO,
    };
    assert_eq!(refused(request(varied, vec![vec![0]])), "variations");
    let mut supporting = earning(50_000);
    supporting.other_arrangement_children = OtherChildren::new(1).unwrap();
    assert_eq!(
        refused(request(supporting, vec![vec![0]])),
        "other_arrangement_children"
    );
    assert_eq!(
        refused(request(earning(50_000), vec![vec![0, 104]])),
        "children_of_one_receiving_parent_on_different_nights"
    );
    assert_eq!(
        refused(CalculationRequest {
            date: date(),
            basis: Basis::DefaultMaintenanceDecision,
            receiving_parents: ReceivingParents::new(vec![vec![Nights::new(0).unwrap()]]).unwrap(),
        }),
        "default_maintenance_decision"
    );
    let pension = request(
        PayingParent {
            benefits: BenefitSet::EMPTY.with(Benefit::StatePension),
            ..PayingParent::default()
        },
        vec![vec![0]],
    );
    assert_eq!(refused(pension), "benefit_other_than_universal_credit");
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

    /// Any synthetic case, stored as its own calculation request and read
    /// back under the same seed and index, is itself: nothing the request
    /// holds is lost or changed, and what it does not hold is imputed as
    /// the synthetic caseload drew it.
    #[test]
    fn a_synthetic_case_read_back_as_stored_is_itself(seed in proptest::prelude::any::<u64>(), index in 0u64..1_000_000) {
        let calibration = Calibration::embedded();
        let case = calibration.case(seed, index);
        let stored = case.request(date(), false);
        let read = calibration
            .stored_case(seed, index, &stored, case.service == Service::CollectAndPay, Parameters::embedded())
            .unwrap();
        proptest::prop_assert_eq!(read, case);
    }
}
