//! The 2012-scheme weekly child maintenance calculation.
//!
//! [`calculate`] is a pure function of a [`CalculationRequest`] and the
//! [`legal_parameters::Parameters`]: no I/O, no clock, no floating point.
//! It returns a [`Calculation`] with the rate, each receiving parent's
//! weekly amount and every step, each step citing the provision it applies
//! (Child Support Act 1991 Sch 1; Child Support Maintenance Calculation
//! Regulations 2012). The rules and their sources are in
//! `shared/spec/rules.md` §2; choices where the law leaves one open are
//! marked [I] beside the code that makes them.

mod engine;
mod outcome;
mod request;

pub use engine::{CalculationError, calculate, calculate_with, weekly_from_annual};
pub use outcome::{
    Calculation, CollectionFeesDue, ExplainedStep, FlatRateBasis, Rate, ReceivingParentNames, Step,
    Steps,
};
pub use request::{
    Basis, CHILDREN_PER_RECEIVING_PARENT_MAX, CalculationRequest, Income, Nights, NilRateReason,
    OTHER_CHILDREN_MAX, OtherChildren, PayingParent, RECEIVING_PARENTS_MAX, ReceivingParents,
    ReceivingParentsError, Variations,
};
