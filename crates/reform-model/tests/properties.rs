//! Properties of whole runs: a policy that changes nothing makes no
//! winners or losers and leaves every total at the law's; the same inputs
//! give the same bytes; small cells are withheld.

use domain_types::Date;
use legal_parameters::{CollectionReform, NilRateRemoval, Parameters};
use proptest::prelude::*;
use reform_model::{Caseload, Model, Options, Policy, Scenario, run};

/// Policies in every rule's shape whose figures are the law's own or
/// switch nothing on: a taper with reg 43's table and limit, a floor of
/// nothing keeping all of net income, a gateway nobody takes, a reform
/// keeping Direct Pay and the Fees Regulations' 20% and 4%, and a nil-rate
/// removal of no group.
fn no_op_policies() -> Vec<Policy> {
    let figure = |name: &str, value: &str| {
        format!(
            "[figures.{name}]\nvalue = {value}\nconfidence = \"model\"\nsource = \"the law's own figure, for a test\"\n"
        )
    };
    let file = |name: &str, rule: &str, figures: String| {
        format!(
            "name = \"{name}\"\nstatus = \"policy\"\ndescription = \"changes nothing\"\nreference = \"test\"\nsource = \"test\"\nfrom_confidence = \"not scheduled\"\nrule = \"{rule}\"\nrule_source = \"test\"\nrule_confidence = \"model\"\n{figures}"
        )
    };
    let taper = file(
        "no-op-taper",
        "reduced_rate_taper",
        figure("reduced_rate_income_limit_pence", "20000")
            + &figure(
                "reduced_rate_ppm",
                "[[170000, 141000, 132000, 124000], [250000, 212000, 199000, 189000], [310000, 264000, 249000, 238000]]",
            ),
    );
    let floor = file(
        "no-op-floor",
        "protected_income_floor",
        figure("protected_net_weekly_income_pence", "0")
            + &figure("share_above_protected_ppm", "1000000"),
    );
    let gateway = file(
        "no-op-gateway",
        "evidence_gateway",
        figure("take_up_ppm", "0") + &figure("receiving_parent_fee_waived", "true"),
    );
    let reform_text = "name = \"no-op-reform\"\nstatus = \"policy\"\ndescription = \"x\"\nreference = \"x\"\nsource = \"x\"\nfrom = 2014-08-11\nfrom_confidence = \"assumption\"\ndirect_pay_available = true\npaying_parent_compliant_ppm = 200000\npaying_parent_non_compliant_ppm = 200000\nreceiving_parent_ppm = 40000\n";
    let reform = CollectionReform::from_toml(reform_text).unwrap();
    let removal_text = "name = \"no-op-removal\"\nstatus = \"policy\"\ndescription = \"x\"\nreference = \"x\"\nsource = \"x\"\nremoves_nil_rate_for = []\nfrom_confidence = \"not scheduled\"\n";
    let removal: NilRateRemoval = toml::from_str(removal_text).unwrap();
    let mut policies: Vec<Policy> = [taper, floor, gateway]
        .iter()
        .map(|text| Policy::from_toml(text).unwrap())
        .collect();
    policies.push(Policy::from_collection_reform(reform, reform_text));
    policies.push(Policy::from_nil_rate_removal(removal, removal_text).unwrap());
    policies
}

fn dates() -> impl Strategy<Value = Date> {
    // From the Fees Regulations (11 Aug 2014) on, so the no-op reform's
    // fees are the law's.
    (0i32..5_600).prop_map(|days| {
        Date::parse_iso("2014-08-11")
            .unwrap()
            .add_days(days)
            .unwrap()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn a_policy_that_changes_nothing_makes_no_winners_or_losers(
        seed in any::<u64>(),
        cases in 1usize..400,
        date in dates(),
        chosen in prop::collection::vec(any::<bool>(), 5),
    ) {
        let mut policies: Vec<Policy> = no_op_policies()
            .into_iter()
            .zip(&chosen)
            .filter(|(_, on)| **on)
            .map(|(p, _)| p)
            .collect();
        if policies.is_empty() {
            policies = no_op_policies();
        }
        let model = Model::new(Parameters::embedded(), date, Scenario::compose(policies).unwrap()).unwrap();
        let caseload = Caseload::synthetic(cases, seed);
        for case in &caseload.cases {
            let outcome = model.outcome(case);
            prop_assert_eq!(&outcome.law, &outcome.policy, "case {}", case.index);
        }
        let a = run(&model, &caseload, Options::default()).aggregate;
        let t = a.total;
        prop_assert_eq!(t.cases, cases as u64);
        prop_assert_eq!(
            (t.paying_better_off, t.paying_worse_off, t.receiving_better_off, t.receiving_worse_off),
            (0, 0, 0, 0)
        );
        prop_assert_eq!(t.law_maintenance, t.policy_maintenance);
        prop_assert_eq!(t.law_paying_fees, t.policy_paying_fees);
        prop_assert_eq!(t.law_receiving_fees, t.policy_receiving_fees);
        prop_assert_eq!(t.law_receiving_gets, t.policy_receiving_gets);
        prop_assert_eq!(t.law_over_share, t.policy_over_share);
        for (from, row) in a.rate_moves.iter().enumerate() {
            for (to, count) in row.iter().enumerate() {
                prop_assert!(from == to || *count == 0);
            }
        }
        prop_assert_eq!(a.service_moves[0][1] + a.service_moves[1][0], 0);
        prop_assert_eq!(a.by_receiving_change[3].cases, cases as u64);
    }

    #[test]
    fn the_groups_of_every_breakdown_add_up_to_the_total(seed in any::<u64>(), cases in 1usize..300) {
        let scenario = Scenario::compose(vec![
            Policy::named("income-shares-rec8").unwrap(),
            Policy::named("direct-pay-reform-2025").unwrap(),
        ]).unwrap();
        let date = Date::parse_iso("2028-04-01").unwrap();
        let model = Model::new(Parameters::embedded(), date, scenario).unwrap();
        let a = run(&model, &Caseload::synthetic(cases, seed), Options::default()).aggregate;
        let sum = |groups: &[reform_model::Stats]| {
            groups.iter().fold((0, 0, 0), |(c, l, p), s| (c + s.cases, l + s.law_maintenance, p + s.policy_maintenance))
        };
        let total = (a.total.cases, a.total.law_maintenance, a.total.policy_maintenance);
        prop_assert_eq!(sum(&a.by_income_decile), total);
        prop_assert_eq!(sum(&a.by_law_rate), total);
        prop_assert_eq!(sum(&a.by_children), total);
        prop_assert_eq!(sum(&a.by_service), total);
        prop_assert_eq!(sum(&a.by_shared_care), total);
        prop_assert_eq!(sum(&a.by_receiving_change), total);
        prop_assert_eq!(a.rate_moves.iter().flatten().sum::<u64>(), cases as u64);
    }
}

fn report(policies: &[&str], cases: usize, seed: u64, options: Options) -> (String, String) {
    let scenario =
        Scenario::compose(policies.iter().map(|n| Policy::named(n).unwrap()).collect()).unwrap();
    let model = Model::new(
        Parameters::embedded(),
        Date::parse_iso("2028-04-01").unwrap(),
        scenario,
    )
    .unwrap();
    let report = run(&model, &Caseload::synthetic(cases, seed), options);
    (report.to_csv(), report.to_json())
}

#[test]
fn the_same_inputs_give_byte_identical_csv_and_json() {
    let policies = [
        "income-shares-rec8",
        "affordability-floor-rec5",
        "evidence-gateway-2023-act",
    ];
    let first = report(&policies, 5_000, 42, Options::default());
    let second = report(&policies, 5_000, 42, Options::default());
    assert_eq!(first.0.as_bytes(), second.0.as_bytes());
    assert_eq!(first.1.as_bytes(), second.1.as_bytes());
    assert_ne!(first.0, report(&policies, 5_000, 43, Options::default()).0);
    // Every output names its seed, its policies with fingerprints and the law.
    let csv = &first.0;
    assert!(csv.contains("meta,seed,42,"));
    assert!(csv.contains("meta,law_version,2024-02-26+"));
    for name in policies {
        let fingerprint = Policy::named(name).unwrap().fingerprint;
        assert!(
            csv.contains(&format!("fingerprint={fingerprint}")),
            "{name}"
        );
    }
    assert!(csv.contains("IMPUTED"));
    let json: serde_json::Value = serde_json::from_str(&first.1).unwrap();
    assert_eq!(json["meta"]["seed"], 42);
    assert_eq!(json["policies"].as_array().unwrap().len(), 3);
    assert!(
        json["meta"]["receiving_parent_incomes"]
            .as_str()
            .unwrap()
            .contains("IMPUTED")
    );
    // Every data row has as many cells as the header.
    let width = csv.lines().next().unwrap().split(',').count();
    for line in csv.lines().filter(|l| !l.starts_with("meta,")) {
        assert_eq!(line.split(',').count(), width, "{line}");
    }
}

#[test]
fn cells_under_the_minimum_count_are_withheld() {
    let options = Options {
        minimum_cell: 10,
        ..Options::default()
    };
    let (csv, json) = report(&["affordability-floor-rec5"], 40, 7, options);
    // Forty cases in ten deciles: four each, every decile row withheld.
    for line in csv
        .lines()
        .filter(|l| l.starts_with("group,income_decile,"))
    {
        assert!(line.split(',').skip(4).all(|cell| cell == "[c]"), "{line}");
    }
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    for decile in json["groups"]["income_decile"].as_array().unwrap() {
        assert!(decile["cases"].is_null());
        assert!(decile["law_maintenance_weekly_pence"].is_null());
    }
    let model = Model::new(
        Parameters::embedded(),
        Date::parse_iso("2028-04-01").unwrap(),
        Scenario::compose(vec![Policy::named("affordability-floor-rec5").unwrap()]).unwrap(),
    )
    .unwrap();
    let report = run(&model, &Caseload::synthetic(40, 7), options);
    // One line per case after the facts, every line as wide as the header.
    let per_case = report.per_case_csv(&Caseload::synthetic(40, 7));
    let width = per_case.lines().next().unwrap().split(',').count();
    assert_eq!(
        per_case.lines().filter(|l| l.starts_with("case,")).count(),
        40
    );
    assert!(per_case.contains("meta,seed,7,"));
    for line in per_case.lines().filter(|l| !l.contains('"')) {
        assert_eq!(line.split(',').count(), width, "{line}");
    }
    // The total of forty is shown.
    assert_eq!(json["groups"]["total"]["cases"], 40);
}
