//! Properties the law implies, checked over generated requests.

use domain_types::{Date, Pence};
use legal_parameters::{Benefit, Parameters};
use maintenance_calculation::{
    Basis, Calculation, CalculationRequest, Income, Nights, OtherChildren, PayingParent, Rate,
    ReceivingParents, calculate,
};
use proptest::prelude::*;

/// The circumstances a property varies: income, households and care.
#[derive(Clone, Debug)]
struct Case {
    date: Date,
    weekly_income_pence: u64,
    relevant_other_children: u16,
    other_arrangement_children: u16,
    nights: Vec<Vec<u16>>,
    benefit: Option<Benefit>,
}

impl Case {
    fn request(&self) -> CalculationRequest {
        CalculationRequest {
            date: self.date,
            basis: Basis::PayingParent(PayingParent {
                income: Some(Income::Weekly(Pence::new(self.weekly_income_pence))),
                relevant_other_children: OtherChildren::new(self.relevant_other_children).unwrap(),
                other_arrangement_children: OtherChildren::new(self.other_arrangement_children)
                    .unwrap(),
                benefits: self.benefit.into_iter().collect(),
                ..PayingParent::default()
            }),
            receiving_parents: ReceivingParents::new(
                self.nights
                    .iter()
                    .map(|children| children.iter().map(|n| Nights::new(*n).unwrap()).collect())
                    .collect(),
            )
            .unwrap(),
        }
    }

    fn calculate(&self) -> Calculation<'static> {
        calculate(&self.request(), Parameters::embedded()).unwrap()
    }
}

fn cases() -> impl Strategy<Value = Case> {
    (
        prop_oneof![Just((2013, 6, 1)), Just((2025, 6, 1))],
        prop_oneof![0u64..=25_000, 0u64..=400_000],
        0u16..=4,
        0u16..=3,
        prop::collection::vec(prop::collection::vec(0u16..=366, 1..=3), 1..=3),
        prop::option::weighted(
            0.2,
            prop::sample::select(vec![Benefit::ContributionBasedJsa, Benefit::IncomeSupport]),
        ),
    )
        .prop_map(|((y, m, d), income, roc, other, nights, benefit)| Case {
            date: Date::from_ymd(y, m, d).unwrap(),
            weekly_income_pence: income,
            relevant_other_children: roc,
            other_arrangement_children: other,
            nights,
            benefit,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn more_shared_care_nights_never_raise_what_the_paying_parent_pays(
        case in cases(),
        which in any::<prop::sample::Index>(),
        extra in 1u16..=366,
    ) {
        let before = case.calculate();
        let mut more = case.clone();
        let children: Vec<(usize, usize)> = case.nights.iter().enumerate()
            .flat_map(|(p, kids)| (0..kids.len()).map(move |c| (p, c))).collect();
        let (p, c) = children[which.index(children.len())];
        more.nights[p][c] = (more.nights[p][c] + extra).min(366);
        let after = more.calculate();
        prop_assert!(after.weekly_total() <= before.weekly_total(),
            "{:?} -> {:?}: {} -> {}", case.nights, more.nights, before.weekly_total(), after.weekly_total());
    }

    #[test]
    fn more_income_never_lowers_what_the_paying_parent_pays(case in cases(), extra in 1u64..=50_000) {
        let before = case.calculate();
        let mut richer = case.clone();
        richer.weekly_income_pence += extra;
        let after = richer.calculate();
        // Each receiving parent's share is rounded half up (Sch 1 para 6;
        // rules.md §2.12), so a total can sit up to half a penny a share above
        // or below the amount it divides: a £5.00 flat rate over three is
        // £5.01, and more income that reaches a £5.00 floor reads as 1p less
        // (the saved regression). Beyond that rounding, never less.
        let slack = Pence::new(case.nights.len() as u64);
        prop_assert!(after.weekly_total().get() + slack.get() >= before.weekly_total().get(),
            "{} -> {}: {} -> {}", case.weekly_income_pence, richer.weekly_income_pence,
            before.weekly_total(), after.weekly_total());
    }

    #[test]
    fn sharing_between_receiving_parents_keeps_the_amount_to_within_rounding(case in cases()) {
        // Without shared care, splitting the same children among several
        // receiving parents only divides the amount (Sch 1 para 6): each share
        // is rounded half up, so the total moves by at most half a penny per share.
        let mut apart = case.clone();
        for kids in &mut apart.nights {
            kids.iter_mut().for_each(|n| *n = 0);
        }
        let mut together = apart.clone();
        together.nights = vec![apart.nights.concat()];
        let split = apart.calculate().weekly_total().get();
        let single = together.calculate().weekly_total().get();
        let slack = apart.nights.len() as u64 / 2;
        prop_assert!(split.abs_diff(single) <= slack, "{split} vs {single} over {} shares", apart.nights.len());
    }

    #[test]
    fn each_receiving_parent_gets_no_more_than_without_shared_care_unless_the_floor_applies(case in cases()) {
        let with_care = case.calculate();
        let mut without = case.clone();
        for kids in &mut without.nights {
            kids.iter_mut().for_each(|n| *n = 0);
        }
        let without_care = without.calculate();
        let floored = with_care.steps.iter().any(|s| matches!(s, maintenance_calculation::Step::SharedCareMinimum { .. }));
        if !floored {
            for (a, b) in with_care.weekly_amounts.iter().zip(&without_care.weekly_amounts) {
                prop_assert!(a <= b);
            }
        }
    }

    #[test]
    fn shared_care_never_takes_an_income_based_rate_below_the_floor(case in cases()) {
        let calculation = case.calculate();
        if matches!(calculation.rate, Rate::Reduced | Rate::Basic | Rate::BasicPlus) {
            let minimum = calculation.parameters.shared_care_minimum.get();
            // The floor is apportioned (para 7(7) with para 6), so rounding
            // may take up to half a penny off each share.
            let slack = case.nights.len() as u64 / 2;
            prop_assert!(calculation.weekly_total().get() + slack >= minimum,
                "{} below {minimum}", calculation.weekly_total());
        }
    }

    #[test]
    fn the_answer_has_one_amount_per_receiving_parent_and_ends_by_saying_what_each_pays(case in cases()) {
        let calculation = case.calculate();
        prop_assert_eq!(calculation.weekly_amounts.len(), case.nights.len());
        let payable: Vec<Pence> = calculation.steps.iter().filter_map(|s| match s {
            maintenance_calculation::Step::Payable { amount, .. } => Some(*amount),
            _ => None,
        }).collect();
        prop_assert_eq!(payable.as_slice(), calculation.weekly_amounts.as_slice());
    }
}

#[test]
fn an_explanation_reads_as_sentences_with_rules() {
    let case = Case {
        date: Date::from_ymd(2025, 6, 1).unwrap(),
        weekly_income_pence: 51_781,
        relevant_other_children: 1,
        other_arrangement_children: 0,
        nights: vec![vec![104, 104, 104]],
        benefit: None,
    };
    let calculation = case.calculate();
    let names = |_: usize| "the receiving parent".to_owned();
    let explained = calculation.explain(&names);
    let texts: Vec<&str> = explained.iter().map(|s| s.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "The paying parent's gross weekly income is £517.81.",
            "The paying parent has 1 other child living with them, so their income is reduced by 11% to £460.85.",
            "The basic rate for 3 or more children is 19% of £460.85: £87.56 a week.",
            "The paying parent shares the care of the 3 children of the receiving parent, so their amount is reduced by two-sevenths, the average of each child's reduction: £25.02.",
            "The paying parent pays £62.54 a week to the receiving parent.",
        ]
    );
    assert_eq!(explained[2].rule, "Child Support Act 1991 Sch 1 para 2(1)");
    assert_eq!(explained[2].amount, Some(Pence::new(8_756)));
}
