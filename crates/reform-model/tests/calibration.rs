//! The synthetic caseload against the published statistics it is
//! calibrated to (`data/caseload.toml`, targets at its end). These check
//! the model's inputs, not a timing: a change of calibration that misses a
//! target fails here.

use domain_types::{Date, Pence};
use legal_parameters::Parameters;
use maintenance_calculation::calculate;
use reform_model::{Calibration, Caseload};

struct Observed {
    below_12570_ppm: u64,
    children_milli: u64,
    mean_weekly_pence: u64,
}

fn observe(cases: usize, seed: u64) -> Observed {
    let caseload = Caseload::synthetic(cases, seed);
    let date = Date::parse_iso("2025-06-01").unwrap();
    let parameters = Parameters::embedded();
    // £12,570 a year as a weekly income by reg 35: 12,570 ÷ 365 × 7.
    let threshold = Pence::new(24_107);
    let n = cases as u64;
    let below = caseload
        .cases
        .iter()
        .filter(|c| c.payer_income().is_none_or(|income| income < threshold))
        .count() as u64;
    let children: u64 = caseload
        .cases
        .iter()
        .map(|c| u64::from(c.qualifying_children()))
        .sum();
    let weekly: u64 = caseload
        .cases
        .iter()
        .map(|c| {
            calculate(&c.request(date, false), parameters)
                .unwrap()
                .weekly_total()
                .get()
        })
        .sum();
    Observed {
        below_12570_ppm: below * 1_000_000 / n,
        children_milli: children * 1_000 / n,
        mean_weekly_pence: weekly / n,
    }
}

#[test]
fn the_caseload_meets_the_published_targets() {
    let targets = Calibration::embedded().targets;
    let observed = observe(200_000, 42);
    eprintln!(
        "below £12,570: {} ppm (target {}); children per arrangement: {} milli (target {}); mean weekly liability: {}p (target {}p)",
        observed.below_12570_ppm,
        targets.below_12570_ppm,
        observed.children_milli,
        targets.children_per_arrangement_milli,
        observed.mean_weekly_pence,
        targets.mean_weekly_liability_pence
    );
    // Within 2 percentage points of 43%.
    assert!(
        observed
            .below_12570_ppm
            .abs_diff(u64::from(targets.below_12570_ppm))
            <= 20_000
    );
    // Within 0.03 children of 1.39.
    assert!(
        observed
            .children_milli
            .abs_diff(u64::from(targets.children_per_arrangement_milli))
            <= 30
    );
    // Within 10% of £35.95 (the target is derived from figures of two dates).
    assert!(
        observed
            .mean_weekly_pence
            .abs_diff(targets.mean_weekly_liability_pence)
            <= targets.mean_weekly_liability_pence / 10
    );
}
