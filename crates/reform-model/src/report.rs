//! The answer for an analyst: counts and sums only, small cells
//! suppressed, and every output naming its seed, its policies (with
//! fingerprints), the law's version and the imputation it rests on.

use std::fmt::Write as _;

use domain_types::{PartsPerMillion, Pence};
use serde_json::{Map, Value, json};

use crate::caseload::{Caseload, Service, Source, SyntheticCase};
use crate::model::{CaseOutcome, Model, RateCode};

/// Counts and weekly sums (pence) for one group of cases.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Cases in the group.
    pub cases: u64,
    /// Maintenance due under the law.
    pub law_maintenance: u64,
    /// Maintenance due under the scenario.
    pub policy_maintenance: u64,
    /// Paying parents' fees under the law.
    pub law_paying_fees: u64,
    /// Paying parents' fees under the scenario.
    pub policy_paying_fees: u64,
    /// Receiving parents' fees under the law.
    pub law_receiving_fees: u64,
    /// Receiving parents' fees under the scenario.
    pub policy_receiving_fees: u64,
    /// What receiving households get under the law (maintenance less fees).
    pub law_receiving_gets: u64,
    /// What receiving households get under the scenario.
    pub policy_receiving_gets: u64,
    /// Paying parents who pay less (maintenance and fee).
    pub paying_better_off: u64,
    /// By how much, together.
    pub paying_better_off_by: u64,
    /// Paying parents who pay more.
    pub paying_worse_off: u64,
    /// By how much, together.
    pub paying_worse_off_by: u64,
    /// Receiving households who get more.
    pub receiving_better_off: u64,
    /// By how much, together.
    pub receiving_better_off_by: u64,
    /// Receiving households who get less.
    pub receiving_worse_off: u64,
    /// By how much, together.
    pub receiving_worse_off_by: u64,
    /// Cases whose paying parent has an income (the base of the next two).
    pub with_income: u64,
    /// Of those, liability above the stated share of net income, law.
    pub law_over_share: u64,
    /// The same under the scenario.
    pub policy_over_share: u64,
}

/// Which count each sum belongs to: a sum is suppressed with its count.
const COLUMNS: &[(&str, Option<&str>)] = &[
    ("cases", None),
    ("law_maintenance_weekly_pence", Some("cases")),
    ("policy_maintenance_weekly_pence", Some("cases")),
    ("law_paying_fees_weekly_pence", Some("cases")),
    ("policy_paying_fees_weekly_pence", Some("cases")),
    ("law_receiving_fees_weekly_pence", Some("cases")),
    ("policy_receiving_fees_weekly_pence", Some("cases")),
    ("law_receiving_households_get_weekly_pence", Some("cases")),
    (
        "policy_receiving_households_get_weekly_pence",
        Some("cases"),
    ),
    ("paying_better_off", None),
    (
        "paying_better_off_by_weekly_pence",
        Some("paying_better_off"),
    ),
    ("paying_worse_off", None),
    ("paying_worse_off_by_weekly_pence", Some("paying_worse_off")),
    ("receiving_better_off", None),
    (
        "receiving_better_off_by_weekly_pence",
        Some("receiving_better_off"),
    ),
    ("receiving_worse_off", None),
    (
        "receiving_worse_off_by_weekly_pence",
        Some("receiving_worse_off"),
    ),
    ("with_income", None),
    ("law_over_share_of_net_income", None),
    ("policy_over_share_of_net_income", None),
];

impl Stats {
    fn values(&self) -> [u64; 20] {
        [
            self.cases,
            self.law_maintenance,
            self.policy_maintenance,
            self.law_paying_fees,
            self.policy_paying_fees,
            self.law_receiving_fees,
            self.policy_receiving_fees,
            self.law_receiving_gets,
            self.policy_receiving_gets,
            self.paying_better_off,
            self.paying_better_off_by,
            self.paying_worse_off,
            self.paying_worse_off_by,
            self.receiving_better_off,
            self.receiving_better_off_by,
            self.receiving_worse_off,
            self.receiving_worse_off_by,
            self.with_income,
            self.law_over_share,
            self.policy_over_share,
        ]
    }

    fn add(&mut self, outcome: &CaseOutcome, over: (bool, bool)) {
        let (law, policy) = (&outcome.law, &outcome.policy);
        self.cases += 1;
        self.law_maintenance += law.maintenance().get();
        self.policy_maintenance += policy.maintenance().get();
        self.law_paying_fees += law.paying_fee.get();
        self.policy_paying_fees += policy.paying_fee.get();
        self.law_receiving_fees += law.receiving_fee.get();
        self.policy_receiving_fees += policy.receiving_fee.get();
        self.law_receiving_gets += law.gets().get();
        self.policy_receiving_gets += policy.gets().get();
        let (law_pays, policy_pays) = (law.pays().get(), policy.pays().get());
        if policy_pays < law_pays {
            self.paying_better_off += 1;
            self.paying_better_off_by += law_pays - policy_pays;
        } else if policy_pays > law_pays {
            self.paying_worse_off += 1;
            self.paying_worse_off_by += policy_pays - law_pays;
        }
        let (law_gets, policy_gets) = (law.gets().get(), policy.gets().get());
        if policy_gets > law_gets {
            self.receiving_better_off += 1;
            self.receiving_better_off_by += policy_gets - law_gets;
        } else if policy_gets < law_gets {
            self.receiving_worse_off += 1;
            self.receiving_worse_off_by += law_gets - policy_gets;
        }
        if outcome.net_income.is_some() {
            self.with_income += 1;
            self.law_over_share += u64::from(over.0);
            self.policy_over_share += u64::from(over.1);
        }
    }

    /// The values as cells, `None` where suppressed: a row of fewer than
    /// `minimum` cases is withheld whole; within a row, a count from 1 to
    /// `minimum − 1` is withheld with the sums that belong to it.
    fn cells(&self, minimum: u64) -> Vec<Option<u64>> {
        let values = self.values();
        let small = |v: u64| v > 0 && v < minimum;
        if small(self.cases) {
            return vec![None; values.len()];
        }
        COLUMNS
            .iter()
            .zip(values)
            .map(|((name, owner), value)| {
                let count = match owner {
                    Some(owner) => {
                        let at = COLUMNS.iter().position(|(n, _)| n == owner).expect("known");
                        values[at]
                    }
                    None if name.ends_with("_pence") => unreachable!("every sum has its count"),
                    None => value,
                };
                (!small(count)).then_some(value)
            })
            .collect()
    }
}

/// Bands of the change in what a receiving household gets a week.
pub const CHANGE_BANDS: [&str; 7] = [
    "loses_over_10_pounds",
    "loses_1_to_10_pounds",
    "loses_under_1_pound",
    "no_change",
    "gains_under_1_pound",
    "gains_1_to_10_pounds",
    "gains_over_10_pounds",
];

fn change_band(law: Pence, policy: Pence) -> usize {
    let (law, policy) = (law.get(), policy.get());
    match policy.cmp(&law) {
        std::cmp::Ordering::Equal => 3,
        std::cmp::Ordering::Less => match law - policy {
            0..100 => 2,
            100..=1_000 => 1,
            _ => 0,
        },
        std::cmp::Ordering::Greater => match policy - law {
            0..100 => 4,
            100..=1_000 => 5,
            _ => 6,
        },
    }
}

/// Shared-care bands by the most nights of any child (Sch 1 para 7(4)).
pub const SHARED_CARE_BANDS: [&str; 5] = ["0-51", "52-103", "104-155", "156-174", "175+"];

fn shared_care_band(nights: u16) -> usize {
    match nights {
        0..=51 => 0,
        52..=103 => 1,
        104..=155 => 2,
        156..=174 => 3,
        _ => 4,
    }
}

/// Numbers of qualifying children.
pub const CHILDREN: [&str; 4] = ["1", "2", "3", "4+"];

/// The aggregate of a run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Aggregate {
    /// Every case.
    pub total: Stats,
    /// By paying parent's income decile (1 lowest).
    pub by_income_decile: [Stats; 10],
    /// By the law's rate.
    pub by_law_rate: [Stats; 8],
    /// By number of qualifying children.
    pub by_children: [Stats; 4],
    /// By the law's service.
    pub by_service: [Stats; 2],
    /// By shared care.
    pub by_shared_care: [Stats; 5],
    /// By the change in what receiving households get.
    pub by_receiving_change: [Stats; 7],
    /// Cases moving from the law's rate (row) to the scenario's (column).
    pub rate_moves: [[u64; 8]; 8],
    /// Cases moving between services.
    pub service_moves: [[u64; 2]; 2],
    /// Cases where income shares would have the receiving parent pay.
    pub reversed: u64,
    /// Cases moved through the evidence gateway.
    pub gateway_used: u64,
}

impl Aggregate {
    fn add(
        &mut self,
        case: &SyntheticCase,
        outcome: &CaseOutcome,
        decile: usize,
        share: PartsPerMillion,
    ) {
        let over = |side: &crate::model::Side| {
            outcome.net_income.is_some_and(|net| {
                u128::from(side.maintenance().get()) * 1_000_000
                    > u128::from(share.get()) * u128::from(net.get())
            })
        };
        let over = (over(&outcome.law), over(&outcome.policy));
        self.total.add(outcome, over);
        self.by_income_decile[decile].add(outcome, over);
        self.by_law_rate[outcome.law.rate.index()].add(outcome, over);
        self.by_children[usize::from(case.qualifying_children().clamp(1, 4)) - 1]
            .add(outcome, over);
        self.by_service[case.service.index()].add(outcome, over);
        self.by_shared_care[shared_care_band(case.most_nights())].add(outcome, over);
        self.by_receiving_change[change_band(outcome.law.gets(), outcome.policy.gets())]
            .add(outcome, over);
        self.rate_moves[outcome.law.rate.index()][outcome.policy.rate.index()] += 1;
        self.service_moves[outcome.law.service.index()][outcome.policy.service.index()] += 1;
        self.reversed += u64::from(outcome.reversed);
        self.gateway_used += u64::from(outcome.gateway_used);
    }
}

/// How a run is reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options {
    /// Cells below this count are suppressed.
    pub minimum_cell: u64,
    /// The stated share of net income for the affordability measure.
    pub share_of_net_income: PartsPerMillion,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            minimum_cell: 10,
            share_of_net_income: PartsPerMillion::new(250_000).expect("25%"),
        }
    }
}

/// A percentage written with at most four decimal places, as parts per
/// million: `25` is 250,000, `12.5` is 125,000. Read digit by digit: no
/// floating point.
///
/// # Errors
/// Anything but digits with at most one point and four decimals, or above 100.
pub fn share_from_percent(text: &str) -> Result<PartsPerMillion, String> {
    let text = text.trim();
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || (!fraction.is_empty() && !digits(fraction)) || fraction.len() > 4 {
        return Err(format!("{text}: a percentage such as 25 or 12.5"));
    }
    let whole: u32 = whole.parse().map_err(|_| format!("{text}: too large"))?;
    let fraction: u32 = format!("{fraction:0<4}").parse().unwrap_or(0);
    whole
        .checked_mul(10_000)
        .and_then(|w| w.checked_add(fraction))
        .and_then(PartsPerMillion::new)
        .ok_or_else(|| format!("{text}: at most 100"))
}

/// A run's answer.
pub struct Report<'m, 'p> {
    /// The model run.
    pub model: &'m Model<'p>,
    /// The caseload's seed.
    pub seed: u64,
    /// The cases run.
    pub cases: usize,
    /// The caseload's calibration fingerprint.
    pub calibration_fingerprint: String,
    /// The receiving parents' income file's fingerprint.
    pub receiving_income_fingerprint: String,
    /// How it is reported.
    pub options: Options,
    /// The counts and sums.
    pub aggregate: Aggregate,
    /// Where the cases came from.
    pub source: Source,
}

/// Each case's paying-parent income decile (0 = lowest): ranked by gross
/// weekly income (none for benefits and care homes counts as nil), ties by
/// position, so the deciles are of equal size and reproducible.
#[must_use]
pub fn income_deciles(cases: &[SyntheticCase]) -> Vec<u8> {
    let mut ranked: Vec<(u64, u32)> = cases
        .iter()
        .zip(0u32..)
        .map(|(case, position)| (case.payer_income().map_or(0, Pence::get), position))
        .collect();
    ranked.sort_unstable();
    let mut deciles = vec![0u8; cases.len()];
    let count = cases.len().max(1);
    for (rank, (_, position)) in ranked.into_iter().enumerate() {
        deciles[position as usize] = u8::try_from(rank * 10 / count).expect("below 10");
    }
    deciles
}

/// Runs every case of `caseload` through `model`.
#[must_use]
pub fn run<'m, 'p>(model: &'m Model<'p>, caseload: &Caseload, options: Options) -> Report<'m, 'p> {
    let deciles = income_deciles(&caseload.cases);
    let mut aggregate = Aggregate::default();
    for (case, decile) in caseload.cases.iter().zip(deciles) {
        let outcome = model.outcome(case);
        aggregate.add(
            case,
            &outcome,
            usize::from(decile),
            options.share_of_net_income,
        );
    }
    Report {
        model,
        seed: caseload.seed,
        cases: caseload.cases.len(),
        calibration_fingerprint: caseload.calibration.fingerprint.clone(),
        receiving_income_fingerprint: caseload.calibration.receiving_income_fingerprint.clone(),
        options,
        aggregate,
        source: caseload.source.clone(),
    }
}

/// The statement every output carries about receiving parents' incomes.
pub const IMPUTED: &str = "receiving parents' incomes are IMPUTED from data/receiving-parent-income.toml (the service does not hold them); only income shares uses them";

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

/// One row of the answer as it may be shown: a group's cells, each `None`
/// where suppressed (see [`Stats`]); the raw counts never leave [`Report`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// `total`, `income_decile`, `law_rate`, `children`, `service`,
    /// `shared_care_nights` or `receiving_change`.
    pub dimension: &'static str,
    /// The group within it.
    pub category: &'static str,
    /// The cells, in the order of [`column_names`].
    pub cells: Vec<Option<u64>>,
}

impl Row {
    /// The cell in the column named `column`; `None` when suppressed.
    ///
    /// # Panics
    /// On a column that does not exist: a bug in the caller.
    #[must_use]
    pub fn cell(&self, column: &str) -> Option<u64> {
        let at = COLUMNS
            .iter()
            .position(|(name, _)| *name == column)
            .unwrap_or_else(|| panic!("no column {column}"));
        self.cells[at]
    }
}

/// The columns of every group row, as in the CSV's header.
pub fn column_names() -> impl Iterator<Item = &'static str> {
    COLUMNS.iter().map(|(name, _)| *name)
}

impl Report<'_, '_> {
    /// The caseload in words, for `meta`: small counts suppressed as cells are.
    fn source_in_words(&self) -> String {
        match &self.source {
            Source::Synthetic => "synthetic: generated from the seed, calibrated to published statistics (data/caseload.toml)".to_owned(),
            Source::Stored {
                known_on,
                read,
                not_modelled,
            } => {
                let count = |n: u64| {
                    self.suppress(n)
                        .map_or_else(|| "[c]".to_owned(), |n| n.to_string())
                };
                let mut words = format!(
                    "stored: the service's cases as known on {known_on}, each under the calculation in force that day; {} modelled of {} read; children's ages, compliance, disclosure and a prisoner's earnings IMPUTED from the seed",
                    count(u64::try_from(self.cases).unwrap_or(u64::MAX)),
                    count(*read)
                );
                for (reason, n) in not_modelled.iter().filter(|(_, n)| *n > 0) {
                    let _ = write!(words, "; not modelled, {reason}: {}", count(*n));
                }
                words
            }
        }
    }

    /// The groups as they may be shown, small cells suppressed.
    #[must_use]
    pub fn table(&self) -> Vec<Row> {
        self.rows()
            .into_iter()
            .map(|(dimension, category, stats)| Row {
                dimension,
                category,
                cells: stats.cells(self.options.minimum_cell),
            })
            .collect()
    }

    /// The moves between rates and services (and the income-shares
    /// reversals and gateway moves) as they may be shown: kind, from, to
    /// and the count, `None` where suppressed.
    #[must_use]
    pub fn shown_moves(&self) -> Vec<(&'static str, &'static str, &'static str, Option<u64>)> {
        self.moves()
            .into_iter()
            .map(|(kind, from, to, count)| (kind, from, to, self.suppress(count)))
            .collect()
    }

    /// Facts about the run, in order: every output starts with them.
    #[must_use]
    pub fn meta(&self) -> Vec<(String, String)> {
        let model = self.model;
        let mut meta = vec![
            (
                "status".to_owned(),
                "MODELLED: policy, not law; never applied to a case".to_owned(),
            ),
            ("caseload".to_owned(), self.source_in_words()),
            ("seed".to_owned(), self.seed.to_string()),
            ("cases".to_owned(), self.cases.to_string()),
            ("date".to_owned(), model.date.to_string()),
            ("law_version".to_owned(), model.law.version.clone()),
            (
                "policy_version".to_owned(),
                model.policy_set.version.clone(),
            ),
            (
                "calibration_fingerprint".to_owned(),
                self.calibration_fingerprint.clone(),
            ),
            ("receiving_parent_incomes".to_owned(), IMPUTED.to_owned()),
            (
                "receiving_parent_incomes_fingerprint".to_owned(),
                self.receiving_income_fingerprint.clone(),
            ),
            (
                "net_income_model".to_owned(),
                format!(
                    "{}, fingerprint {}",
                    model.net_income().description,
                    model.net_income().fingerprint
                ),
            ),
            (
                "amounts".to_owned(),
                "weekly, in pence, as due (not as collected)".to_owned(),
            ),
            (
                "share_of_net_income".to_owned(),
                self.options.share_of_net_income.to_string(),
            ),
            (
                "minimum_cell".to_owned(),
                self.options.minimum_cell.to_string(),
            ),
            (
                "suppressed".to_owned(),
                "[c] in CSV, null in JSON: a count from 1 to minimum_cell - 1, with its sums"
                    .to_owned(),
            ),
        ];
        for policy in &model.scenario.policies {
            meta.push((
                "policy".to_owned(),
                format!(
                    "{} rule={} fingerprint={} from={} ({})",
                    policy.name,
                    policy.rule.code(),
                    policy.fingerprint,
                    policy
                        .from
                        .map_or_else(|| "none".to_owned(), |d| d.to_string()),
                    policy.from_confidence
                ),
            ));
            if let Some(from) = policy.from
                && model.date < from
            {
                meta.push((
                    "note".to_owned(),
                    format!(
                        "{} is modelled as if in force on {}; its assumed start is {from}",
                        policy.name, model.date
                    ),
                ));
            }
        }
        meta
    }

    fn rows(&self) -> Vec<(&'static str, &'static str, Stats)> {
        let a = &self.aggregate;
        let mut rows = vec![("total", "all", a.total)];
        let labels = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10"];
        rows.extend(
            labels
                .iter()
                .zip(a.by_income_decile)
                .map(|(l, s)| ("income_decile", *l, s)),
        );
        rows.extend(
            RateCode::ALL
                .iter()
                .zip(a.by_law_rate)
                .filter(|(_, s)| s.cases > 0)
                .map(|(r, s)| ("law_rate", r.code(), s)),
        );
        rows.extend(
            CHILDREN
                .iter()
                .zip(a.by_children)
                .map(|(l, s)| ("children", *l, s)),
        );
        rows.extend(
            Service::ALL
                .iter()
                .zip(a.by_service)
                .map(|(v, s)| ("service", v.code(), s)),
        );
        rows.extend(
            SHARED_CARE_BANDS
                .iter()
                .zip(a.by_shared_care)
                .map(|(l, s)| ("shared_care_nights", *l, s)),
        );
        rows.extend(
            CHANGE_BANDS
                .iter()
                .zip(a.by_receiving_change)
                .map(|(l, s)| ("receiving_change", *l, s)),
        );
        rows
    }

    fn moves(&self) -> Vec<(&'static str, &'static str, &'static str, u64)> {
        let a = &self.aggregate;
        let mut moves = Vec::new();
        for from in RateCode::ALL {
            for to in RateCode::ALL {
                let count = a.rate_moves[from.index()][to.index()];
                if count > 0 {
                    moves.push(("rate_move", from.code(), to.code(), count));
                }
            }
        }
        for from in Service::ALL {
            for to in Service::ALL {
                let count = a.service_moves[from.index()][to.index()];
                if count > 0 {
                    moves.push(("service_move", from.code(), to.code(), count));
                }
            }
        }
        moves.push((
            "income_shares_reversed",
            "all",
            "receiving_parent_would_pay",
            a.reversed,
        ));
        moves.push(("gateway", "direct_pay", "collect_and_pay", a.gateway_used));
        moves
    }

    fn suppress(&self, count: u64) -> Option<u64> {
        (count == 0 || count >= self.options.minimum_cell).then_some(count)
    }

    /// The answer as CSV: one header, then the run's facts (`meta` rows),
    /// the groups, and the moves between rates and services. The same
    /// inputs give the same bytes.
    #[must_use]
    pub fn to_csv(&self) -> String {
        let mut out = String::from("section,dimension,category,to");
        for (name, _) in COLUMNS {
            out.push(',');
            out.push_str(name);
        }
        out.push('\n');
        let blanks = ",".repeat(COLUMNS.len());
        for (key, value) in self.meta() {
            let _ = writeln!(out, "meta,{key},{},{blanks}", csv_field(&value));
        }
        let cell = |v: Option<u64>| v.map_or_else(|| "[c]".to_owned(), |v| v.to_string());
        for (dimension, category, stats) in self.rows() {
            let _ = write!(out, "group,{dimension},{category},");
            for value in stats.cells(self.options.minimum_cell) {
                out.push(',');
                out.push_str(&cell(value));
            }
            out.push('\n');
        }
        let rest = ",".repeat(COLUMNS.len() - 1);
        for (dimension, from, to, count) in self.moves() {
            let _ = writeln!(
                out,
                "move,{dimension},{from},{to},{}{rest}",
                cell(self.suppress(count))
            );
        }
        out
    }

    /// The answer as JSON, with the same content as the CSV and each
    /// policy's figures and sources.
    #[must_use]
    pub fn to_json(&self) -> String {
        let mut meta = Map::new();
        let mut notes = Vec::new();
        for (key, value) in self.meta() {
            match key.as_str() {
                "policy" => {}
                "note" => notes.push(Value::String(value)),
                "seed" | "cases" | "minimum_cell" => {
                    let number: u64 = value.parse().expect("written as a number");
                    meta.insert(key, Value::from(number));
                }
                _ => {
                    meta.insert(key, Value::String(value));
                }
            }
        }
        meta.insert("notes".to_owned(), Value::Array(notes));
        let policies: Vec<Value> = self
            .model
            .scenario
            .policies
            .iter()
            .map(|p| {
                json!({
                    "name": p.name,
                    "status": "policy",
                    "rule": p.rule.code(),
                    "rule_source": p.rule_source,
                    "rule_confidence": p.rule_confidence.code(),
                    "description": p.description,
                    "reference": p.reference,
                    "source": p.source,
                    "from": p.from.map(|d| d.to_string()),
                    "from_confidence": p.from_confidence,
                    "fingerprint": p.fingerprint,
                    "figures": p.figures.iter().map(|f| json!({
                        "name": f.name,
                        "value": f.value.to_string(),
                        "confidence": f.confidence.code(),
                        "source": f.source,
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        let stats = |s: &Stats| {
            let mut object = Map::new();
            for ((name, _), value) in COLUMNS.iter().zip(s.cells(self.options.minimum_cell)) {
                object.insert((*name).to_owned(), value.map_or(Value::Null, Value::from));
            }
            object
        };
        let mut groups: Map<String, Value> = Map::new();
        for (dimension, category, s) in self.rows() {
            let mut row = stats(&s);
            if dimension == "total" {
                groups.insert("total".to_owned(), Value::Object(row));
                continue;
            }
            row.insert("category".to_owned(), Value::from(category));
            match groups.get_mut(dimension) {
                Some(Value::Array(list)) => list.push(Value::Object(row)),
                _ => {
                    groups.insert(dimension.to_owned(), Value::Array(vec![Value::Object(row)]));
                }
            }
        }
        let moves: Vec<Value> = self
            .moves()
            .into_iter()
            .map(|(kind, from, to, count)| {
                json!({"kind": kind, "from": from, "to": to, "cases": self.suppress(count)})
            })
            .collect();
        let answer = json!({
            "meta": meta,
            "policies": policies,
            "groups": groups,
            "moves": moves,
        });
        let mut text = serde_json::to_string_pretty(&answer).expect("a JSON value serialises");
        text.push('\n');
        text
    }

    /// One line per case (synthetic caseload only): rates, services and
    /// weekly pence under the law and the scenario, after the same facts
    /// as every output (`record` is `meta` or `case`).
    #[must_use]
    pub fn per_case_csv(&self, caseload: &Caseload) -> String {
        const COLUMNS: &str = "case,income_decile,children,most_nights,law_service,policy_service,law_rate,policy_rate,law_maintenance_weekly_pence,policy_maintenance_weekly_pence,law_paying_fee_weekly_pence,policy_paying_fee_weekly_pence,law_receiving_fee_weekly_pence,policy_receiving_fee_weekly_pence";
        let mut out = format!("record,{COLUMNS}\n");
        let blanks = ",".repeat(COLUMNS.split(',').count() - 2);
        for (key, value) in self.meta() {
            let _ = writeln!(out, "meta,{key},{}{blanks}", csv_field(&value));
        }
        let deciles = income_deciles(&caseload.cases);
        for (case, decile) in caseload.cases.iter().zip(deciles) {
            let o = self.model.outcome(case);
            let _ = writeln!(
                out,
                "case,{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
                case.index,
                decile + 1,
                case.qualifying_children(),
                case.most_nights(),
                o.law.service.code(),
                o.policy.service.code(),
                o.law.rate.code(),
                o.policy.rate.code(),
                o.law.maintenance().get(),
                o.policy.maintenance().get(),
                o.law.paying_fee.get(),
                o.policy.paying_fee.get(),
                o.law.receiving_fee.get(),
                o.policy.receiving_fee.get(),
            );
        }
        out
    }
}
