//! Whether the law can serve a case's facts, asked when they are recorded:
//! a fact the law cannot serve on its date is refused then, naming it,
//! rather than accepted and then fatal to the case's whole schedule.

use std::fmt;

use domain_types::Date;
use legal_parameters::{ParameterError, Parameters};
use maintenance_calculation::CalculationError;

use crate::facts::{CaseHistory, Change, FactEvent};
use crate::schedule::{Lenience, ScheduleError, walk};

/// The first of the new facts that the law cannot serve.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unservable {
    /// Its position among the new facts, from 0.
    pub index: usize,
    /// Why.
    pub error: ScheduleError,
}

impl fmt::Display for Unservable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "fact {}: {}", self.index, self.error)
    }
}

impl std::error::Error for Unservable {}

/// Checks `new` facts, about to be appended to `history`, against the law,
/// writing nothing:
///
/// - each on its own date: a date before the 2012 scheme's first parameter
///   set, or a benefit the rules did not name on that date (Universal
///   Credit before 29 April 2013), is refused even where the case starts
///   later and would apply it only from then: the fact itself is wrong;
/// - then the case's liability schedule with them appended, from its
///   initial effective date to a year past the latest date anything (a
///   fact, a figure of the law) changes: a child the case never had, or
///   circumstances the calculation refuses on some date. An income not yet
///   known is not a refusal: facts arrive one by one, and a child may be
///   recorded before any income (the walk passes over it and goes on).
///
/// The fact blamed is the first whose appending makes the schedule fail
/// where it did not, or fail otherwise; a history that already fails
/// (recorded before this check) is not the new facts' fault.
///
/// # Errors
/// The first new fact the law cannot serve, with its position.
pub fn check_servable(
    history: &CaseHistory,
    new: &[FactEvent],
    parameters: &Parameters,
) -> Result<(), Unservable> {
    for (index, event) in new.iter().enumerate() {
        on_its_date(event, parameters).map_err(|error| Unservable { index, error })?;
    }
    let Some(start) = history.initial_effective_date else {
        return Ok(());
    };
    let all = || history.events.iter().chain(new);
    let known_on = all().map(|e| e.recorded_on).max().unwrap_or(start);
    let latest = all()
        .map(|e| e.effective_from)
        .chain(parameters.sets().iter().map(|s| s.effective_from))
        .chain([known_on, start])
        .max()
        .unwrap_or(start);
    let until = latest.add_years(1).unwrap_or(latest);
    let failure_with = |count: usize| {
        let mut with = history.clone();
        with.events.extend(new[..count].iter().cloned());
        walk(
            &with,
            parameters,
            known_on,
            until,
            Lenience::MissingIncome,
            |_, _| {},
        )
        .err()
    };
    if failure_with(new.len()).is_none() {
        return Ok(());
    }
    let before = failure_with(0);
    for count in 1..=new.len() {
        if let Some(error) = failure_with(count)
            && Some(&error) != before.as_ref()
        {
            return Err(Unservable {
                index: count - 1,
                error,
            });
        }
    }
    Ok(())
}

/// A fact against the law in force on its own date.
fn on_its_date(event: &FactEvent, parameters: &Parameters) -> Result<(), ScheduleError> {
    let date = event.effective_from;
    let set = parameters.at(date).map_err(|error| {
        let scheme_start = match error {
            ParameterError::NotCoded { scheme_start, .. } => scheme_start,
            _ => parameters.scheme_start(),
        };
        not_coded(date, scheme_start)
    })?;
    if let Change::Benefits { own, partner, .. } = &event.change {
        let recognised = set.recognised_benefits();
        for (benefits, partner) in [(own, false), (partner, true)] {
            if let Some(benefit) = benefits.difference(recognised).first() {
                return Err(ScheduleError::Calculation {
                    date,
                    error: CalculationError::BenefitNotInForce {
                        benefit,
                        partner,
                        date,
                    },
                });
            }
        }
    }
    Ok(())
}

fn not_coded(date: Date, scheme_start: Date) -> ScheduleError {
    ScheduleError::Calculation {
        date,
        error: CalculationError::NotCoded { date, scheme_start },
    }
}
