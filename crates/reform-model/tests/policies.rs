//! One hand-worked case per policy, the working in each test's comment,
//! through the model exactly as a caseload run uses it. The date is
//! 1 April 2028: the law in force is the set of 26 February 2024 (flat
//! rate £7; basic rate 12/16/19%; collection fees 20% and 4%).

use domain_types::{Date, Pence};
use legal_parameters::Parameters;
use reform_model::{
    CaseOutcome, Group, Model, Payer, Policy, RateCode, Scenario, Service, SyntheticCase,
};
use smallvec::smallvec;

fn date() -> Date {
    Date::parse_iso("2028-04-01").unwrap()
}

/// A case with one receiving parent on Direct Pay: the paying parent,
/// children, nights and the receiving parent's (imputed) income.
fn case(payer: Payer, children: u16, nights: u16, receiving_income: u64) -> SyntheticCase {
    SyntheticCase {
        index: 0,
        service: Service::DirectPay,
        payer,
        relevant_other_children: 0,
        groups: smallvec![Group {
            children,
            nights,
            income: Pence::new(receiving_income),
        }],
        children_13_and_over: false,
        abuse_disclosed: false,
        take_up_draw_ppm: 999_999,
        compliant: true,
    }
}

fn income(pounds: u64) -> Payer {
    Payer::Income(Pence::new(pounds * 100))
}

fn outcome(policies: &[&str], case: &SyntheticCase) -> CaseOutcome {
    let scenario = Scenario::compose(
        policies
            .iter()
            .map(|name| Policy::named(name).unwrap())
            .collect(),
    )
    .unwrap();
    Model::new(Parameters::embedded(), date(), scenario)
        .unwrap()
        .outcome(case)
}

fn weekly(o: &CaseOutcome) -> (u64, u64) {
    (o.law.maintenance().get(), o.policy.maintenance().get())
}

#[test]
fn protected_income_floor_caps_a_low_income_liability() {
    // £250 a week, one child: the law's basic rate is 12% = £30.00.
    // Net income (data/net-income.toml): the year 1,303,571p, 46,571p over
    // the allowance and threshold; tax 20% + NI 8% = 13,039.88p a year,
    // 250p a week: net £247.50. The cap: 30% of (£247.50 − £180.00) =
    // £20.25, above the flat rate, below £30.00: the policy's £20.25.
    let o = outcome(&["affordability-floor-rec5"], &case(income(250), 1, 0, 0));
    assert_eq!(weekly(&o), (3_000, 2_025));
    assert_eq!(
        (o.law.rate, o.policy.rate),
        (RateCode::Basic, RateCode::Protected)
    );
    assert_eq!(o.net_income, Some(Pence::new(24_750)));
    // £600 a week: £72.00 under the law. Net: the year 3,128,571p; tax and
    // NI 28% of 1,871,571p = 524,039.88p, 10,050p a week; net £499.50; the
    // cap 30% of £319.50 = £95.85, above £72.00: unchanged.
    let o = outcome(&["affordability-floor-rec5"], &case(income(600), 1, 0, 0));
    assert_eq!(weekly(&o), (7_200, 7_200));
    assert_eq!(o.policy.rate, RateCode::Basic);
    // £80 a week is the flat rate (para 4(1)(a)), not income-based: unchanged.
    let o = outcome(&["affordability-floor-rec5"], &case(income(80), 1, 0, 0));
    assert_eq!(weekly(&o), (700, 700));
}

#[test]
fn a_gentler_taper_lowers_the_reduced_rate_and_extends_it_to_250_pounds() {
    // £150, one child, no other children. Law (reg 43): £7 + 17% of £50 =
    // £15.50. Policy: £7 + 15.3333% of £50 = 766.665p → 767p (half up):
    // £14.67.
    let o = outcome(&["affordability-taper-rec5"], &case(income(150), 1, 0, 0));
    assert_eq!(weekly(&o), (1_550, 1_467));
    assert_eq!(
        (o.law.rate, o.policy.rate),
        (RateCode::Reduced, RateCode::Reduced)
    );
    // £220: the law's basic rate 12% = £26.40; the policy's reduced rate
    // £7 + 15.3333% of £120 = 1,839.996p → 1,840p: £25.40.
    let o = outcome(&["affordability-taper-rec5"], &case(income(220), 1, 0, 0));
    assert_eq!(weekly(&o), (2_640, 2_540));
    assert_eq!(
        (o.law.rate, o.policy.rate),
        (RateCode::Basic, RateCode::Reduced)
    );
    // £250 meets the basic rate: 12% of £250 = £30.00 on both sides.
    let o = outcome(&["affordability-taper-rec5"], &case(income(250), 1, 0, 0));
    assert_eq!(weekly(&o), (3_000, 3_000));
}

#[test]
fn the_taper_file_is_the_law_s_own_basic_rates_met_at_250_pounds() {
    // The file's header: T = (basic × (1 − reduction) × £250 − £7) / £150,
    // half up to the part per million, from the law's own figures.
    let law = Parameters::embedded().at(date()).unwrap();
    let Some(reform_model::Rule::ReducedRateTaper {
        income_limit,
        rates,
    }) = Some(Policy::named("affordability-taper-rec5").unwrap().rule)
    else {
        panic!("a taper")
    };
    assert_eq!(income_limit, Pence::new(25_000));
    for (children, row) in rates.iter().enumerate() {
        for (others, rate) in row.iter().enumerate() {
            let remaining: u128 = if others == 0 {
                1_000_000
            } else {
                u128::from(
                    law.relevant_other_children_reduction[others - 1]
                        .complement()
                        .get(),
                )
            };
            let basic = u128::from(law.basic_rate[children].get());
            // In millionths of a penny: basic × remaining × 25,000p ÷ 10⁶.
            let at_limit = basic * remaining * 25_000 / 1_000_000;
            let flat = u128::from(law.flat_rate.get()) * 1_000_000;
            let expected = domain_types::round_half_up_div(at_limit - flat, 15_000);
            assert_eq!(
                u128::from(rate.get()),
                expected,
                "row {children}, column {others}"
            );
        }
    }
}

#[test]
fn income_shares_follows_australias_eight_steps() {
    // Paying parent £500 a week, receiving parent £300, one child under 13,
    // no shared care. Self-support: a third of £728 = 24,266.67p → 24,267p.
    // Step 1: £500 − £242.67 = 25,733p; £300 − £242.67 = 5,733p.
    // Step 2: combined 31,466p. Step 3: the paying parent's share
    // 25,733/31,466. Steps 4-5: no care, cost 0%. Step 7: combined is in
    // the first band (to half of £728, 36,400p): costs 17% × 31,466p.
    // Step 8: 25,733/31,466 × 17% × 31,466 = 17% × 25,733 = 4,374.61p →
    // £43.75. The law: 12% of £500 = £60.00.
    let o = outcome(&["income-shares-rec8"], &case(income(500), 1, 0, 30_000));
    assert_eq!(weekly(&o), (6_000, 4_375));
    assert_eq!(o.policy.rate, RateCode::IncomeShares);
    // With 104 nights: care 104/365 = 28.49% → 28%, cost 24% (s 55C).
    // Child support percentage 25,733/31,466 − 24%; × 17% × 31,466 =
    // 17% × (25,733 − 0.24 × 31,466 = 18,181.16) = 3,090.80 → £30.91. The
    // law: 2/7 off £60.00 = 1,714.29 → 1,714p: £42.86.
    let o = outcome(&["income-shares-rec8"], &case(income(500), 1, 104, 30_000));
    assert_eq!(weekly(&o), (4_286, 3_091));
    // £150 a week is below the self-support amount: nothing under the
    // formula, so the flat rate as the minimum (less than regular care):
    // £7.00; the law's reduced rate is £15.50.
    let o = outcome(&["income-shares-rec8"], &case(income(150), 1, 0, 30_000));
    assert_eq!(weekly(&o), (1_550, 700));
    // A benefit flat rate is the law's and stays: £7.00 both.
    let o = outcome(&["income-shares-rec8"], &case(Payer::Benefit, 1, 0, 30_000));
    assert_eq!(weekly(&o), (700, 700));
}

#[test]
fn prisoner_earnings_are_assessed_as_income() {
    // A prisoner earning £150 a week: nil under the law (reg 45(1)(b));
    // assessed, the reduced rate £7 + 17% of £50 = £15.50.
    let prisoner = |pounds: u64| Payer::Prisoner {
        earnings: Pence::new(pounds * 100),
    };
    let o = outcome(&["prisoner-earnings-rec7"], &case(prisoner(150), 1, 0, 0));
    assert_eq!(weekly(&o), (0, 1_550));
    assert_eq!(
        (o.law.rate, o.policy.rate),
        (RateCode::Nil, RateCode::Reduced)
    );
    // £20 a week of prison work: the flat rate, £7.00 (para 4(1)(a)).
    let o = outcome(&["prisoner-earnings-rec7"], &case(prisoner(20), 1, 0, 0));
    assert_eq!(weekly(&o), (0, 700));
    // Other cases are untouched.
    let o = outcome(&["prisoner-earnings-rec7"], &case(income(400), 1, 0, 0));
    assert_eq!(o.law, o.policy);
}

#[test]
fn the_reform_removes_direct_pay_and_charges_its_fees() {
    // £400 a week, one child: £48.00 under both. On Direct Pay under the
    // law: no fees. Under the reform, collected: 2% each, 96p: the paying
    // parent pays £48.96, the receiving parent gets £47.04.
    let mut c = case(income(400), 1, 0, 0);
    let o = outcome(&["direct-pay-reform-2025"], &c);
    assert_eq!((o.law.pays().get(), o.law.gets().get()), (4_800, 4_800));
    assert_eq!(
        (o.policy.pays().get(), o.policy.gets().get()),
        (4_896, 4_704)
    );
    assert_eq!(o.policy.service, Service::CollectAndPay);
    // One who does not pay on time and in full: 20%, £9.60: pays £57.60.
    c.compliant = false;
    let o = outcome(&["direct-pay-reform-2025"], &c);
    assert_eq!(o.policy.pays().get(), 5_760);
    // Already on Collect and Pay: the law's 20% (£9.60) and 4% (£1.92):
    // pays £57.60, gets £46.08; the reform's: £48.96 and £47.04.
    c.compliant = true;
    c.service = Service::CollectAndPay;
    let o = outcome(&["direct-pay-reform-2025"], &c);
    assert_eq!((o.law.pays().get(), o.law.gets().get()), (5_760, 4_608));
    assert_eq!(
        (o.policy.pays().get(), o.policy.gets().get()),
        (4_896, 4_704)
    );
}

#[test]
fn the_evidence_gateway_moves_a_survivor_s_case_at_the_take_up_share() {
    // £400 a week, £48.00; Direct Pay; the receiving parent disclosed
    // abuse and the case's draw (100,000 ppm) is under the 20% take-up: it
    // moves to Collect and Pay. The paying parent pays the law's 20%
    // (£9.60), the survivor's 4% is waived: pays £57.60, gets £48.00.
    let mut c = case(income(400), 1, 0, 0);
    c.abuse_disclosed = true;
    c.take_up_draw_ppm = 100_000;
    let o = outcome(&["evidence-gateway-2023-act"], &c);
    assert!(o.gateway_used);
    assert_eq!(o.policy.service, Service::CollectAndPay);
    assert_eq!(
        (o.policy.pays().get(), o.policy.gets().get()),
        (5_760, 4_800)
    );
    // Above the take-up share, or with no disclosure: no move.
    c.take_up_draw_ppm = 300_000;
    assert_eq!(
        outcome(&["evidence-gateway-2023-act"], &c).policy.service,
        Service::DirectPay
    );
    c.take_up_draw_ppm = 100_000;
    c.abuse_disclosed = false;
    assert!(!outcome(&["evidence-gateway-2023-act"], &c).gateway_used);
}

#[test]
fn policies_compose_and_every_answer_names_them_and_the_law() {
    let scenario = Scenario::compose(vec![
        Policy::named("income-shares-rec8").unwrap(),
        Policy::named("affordability-floor-rec5").unwrap(),
        Policy::named("direct-pay-reform-2025").unwrap(),
    ])
    .unwrap();
    let model = Model::new(Parameters::embedded(), date(), scenario).unwrap();
    assert!(model.law.version.starts_with("2024-02-26+"));
    assert_eq!(
        model.policy_set.version,
        format!(
            "{}+policy:income-shares-rec8+affordability-floor-rec5+direct-pay-reform-2025",
            model.law.version
        )
    );
    // Income shares first (£43.75, as above), then the floor (net £427.50:
    // the cap 30% of £247.50 = £74.25 does not bite), then the reform's 2%.
    let o = model.outcome(&case(income(500), 1, 0, 30_000));
    assert_eq!(weekly(&o), (6_000, 4_375));
    assert_eq!(o.policy.paying_fee, Pence::new(88));
}
