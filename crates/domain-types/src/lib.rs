//! The small exact types every other crate speaks: money in whole pence,
//! calendar dates, rates in parts per million, exact fractions, and the
//! one checked form of text people type ([`HumanText`]).
//!
//! Nothing here does I/O, reads a clock or uses floating point. Every value
//! that comes from outside is parsed into one of these types at the edge, so
//! an invalid amount, date or piece of text cannot exist further in.

mod date;
mod money;
pub mod payload;
mod ratio;
pub mod text;

pub use date::{Date, DateParseError};
pub use money::{MoneyParseError, Pence};
pub use ratio::{Fraction, PartsPerMillion, round_half_up_div};
pub use text::{HumanText, TextError};
