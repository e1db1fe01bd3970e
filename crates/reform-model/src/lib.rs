//! Reform modelling for policy analysts: what a change of rules would do
//! to the whole caseload, before anyone legislates.
//!
//! - [`policy`]: policies as dated, sourced data beside the law
//!   (`legal-parameters/policy/`), each switching one named rule variant;
//!   several compose into a [`Scenario`].
//! - [`caseload`]: a synthetic caseload from a seed, calibrated to the
//!   service's published statistics (`data/caseload.toml`), with receiving
//!   parents' incomes imputed (`data/receiving-parent-income.toml`).
//! - [`model`]: each case under the law and under the scenario. Every
//!   weekly amount comes from `maintenance_calculation`; rules it does not
//!   have (income shares, a protected income) work on its answer.
//! - [`report`]: counts and sums by income decile, rate, children, service
//!   and shared care; winners and losers; moves between rates and
//!   services; small cells suppressed; CSV and JSON, byte for byte the same
//!   for the same inputs.
//!
//! Pure: no I/O, no clock, no floating point.

pub mod caseload;
pub mod figure;
pub mod income_shares;
pub mod model;
pub mod net_income;
pub mod policy;
pub mod report;

pub use caseload::{
    Calibration, Caseload, Group, NOT_MODELLED, Payer, Service, Source, SyntheticCase,
};
pub use figure::{Confidence, Figure, FigureValue, Figures};
pub use income_shares::IncomeShares;
pub use model::{CaseOutcome, Model, RateCode, Side};
pub use net_income::NetIncome;
pub use policy::{Policy, Rule, Scenario};
pub use report::{Aggregate, Options, Report, Row, Stats, column_names, income_deciles, run};
