//! Working days: the calendar on which money moves.
//!
//! Disbursement "within two working days of receipt" and noticing a missed
//! payment "the next working day" both count days on which BACS processes
//! payments: not Saturdays, Sundays or the bank holidays of England and
//! Wales. The holidays are data (`calendars/`), with their source, and a
//! date outside the years the file covers is an error, never a guess.

use std::collections::BTreeSet;
use std::fmt;
use std::sync::OnceLock;

use domain_types::Date;
use serde::Deserialize;

use crate::file::toml_date;

const ENGLAND_AND_WALES: &str = include_str!("../calendars/bank-holidays-england-and-wales.toml");

/// The working-day calendar.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkingDays {
    first_year: i32,
    last_year: i32,
    holidays: BTreeSet<Date>,
    /// Where the holidays come from.
    pub source: String,
}

/// A date the calendar does not cover.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CalendarNotCoded {
    /// The date asked about.
    pub date: Date,
    /// The first year covered.
    pub first_year: i32,
    /// The last year covered.
    pub last_year: i32,
}

impl fmt::Display for CalendarNotCoded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} is outside the bank holiday calendar ({}–{}); add that year's holidays to calendars/",
            self.date, self.first_year, self.last_year
        )
    }
}

impl std::error::Error for CalendarNotCoded {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCalendar {
    #[allow(dead_code)]
    description: String,
    #[allow(dead_code)]
    reference: String,
    source: String,
    #[allow(dead_code)]
    confidence: String,
    first_year: i32,
    last_year: i32,
    dates: Vec<toml::value::Datetime>,
}

impl WorkingDays {
    /// The England and Wales calendar compiled into the binary.
    ///
    /// # Panics
    /// If the embedded file is invalid; the tests load it.
    pub fn england_and_wales() -> &'static WorkingDays {
        static CALENDAR: OnceLock<WorkingDays> = OnceLock::new();
        CALENDAR.get_or_init(|| {
            WorkingDays::from_toml(ENGLAND_AND_WALES)
                .unwrap_or_else(|e| panic!("embedded calendar is invalid: {e}"))
        })
    }

    /// Reads a calendar file.
    ///
    /// # Errors
    /// Bad TOML, a date with a time, a holiday outside the years covered or
    /// on a weekend (a substitute day is the weekday, not the weekend day).
    pub fn from_toml(text: &str) -> Result<WorkingDays, String> {
        let raw: RawCalendar = toml::from_str(text).map_err(|e| e.to_string())?;
        if raw.first_year > raw.last_year {
            return Err("first_year is after last_year".to_owned());
        }
        let mut holidays = BTreeSet::new();
        for datetime in &raw.dates {
            let date = toml_date(datetime).ok_or_else(|| format!("{datetime} is not a date"))?;
            let (year, _, _) = date.ymd();
            if year < raw.first_year || year > raw.last_year {
                return Err(format!(
                    "{date} is outside {}–{}",
                    raw.first_year, raw.last_year
                ));
            }
            if date.is_weekend() {
                return Err(format!(
                    "{date} is a weekend day; list the substitute weekday"
                ));
            }
            if !holidays.insert(date) {
                return Err(format!("{date} is listed twice"));
            }
        }
        Ok(WorkingDays {
            first_year: raw.first_year,
            last_year: raw.last_year,
            holidays,
            source: raw.source,
        })
    }

    /// Whether money moves on `date`.
    ///
    /// # Errors
    /// A date outside the years covered.
    pub fn is_working_day(&self, date: Date) -> Result<bool, CalendarNotCoded> {
        let (year, _, _) = date.ymd();
        if year < self.first_year || year > self.last_year {
            return Err(CalendarNotCoded {
                date,
                first_year: self.first_year,
                last_year: self.last_year,
            });
        }
        Ok(!date.is_weekend() && !self.holidays.contains(&date))
    }

    /// The working day `count` working days after `date` (`count` ≥ 1); a
    /// payment received on a weekend counts from the next working day.
    ///
    /// # Errors
    /// The count runs outside the years covered.
    pub fn add_working_days(&self, date: Date, count: u32) -> Result<Date, CalendarNotCoded> {
        let mut day = date;
        let mut left = count;
        while left > 0 {
            day = day.add_days(1).ok_or(CalendarNotCoded {
                date: day,
                first_year: self.first_year,
                last_year: self.last_year,
            })?;
            if self.is_working_day(day)? {
                left -= 1;
            }
        }
        Ok(day)
    }

    /// The first working day after `date`.
    ///
    /// # Errors
    /// It falls outside the years covered.
    pub fn next_working_day(&self, date: Date) -> Result<Date, CalendarNotCoded> {
        self.add_working_days(date, 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> Date {
        Date::from_ymd(y, m, d).unwrap()
    }

    #[test]
    fn the_embedded_calendar_loads_and_knows_easter() {
        let calendar = WorkingDays::england_and_wales();
        assert!(calendar.source.contains("gov.uk/bank-holidays"));
        // Good Friday and Easter Monday 2026.
        assert_eq!(calendar.is_working_day(day(2026, 4, 3)), Ok(false));
        assert_eq!(calendar.is_working_day(day(2026, 4, 6)), Ok(false));
        assert_eq!(calendar.is_working_day(day(2026, 4, 7)), Ok(true));
    }

    #[test]
    fn two_working_days_skip_weekends_and_holidays() {
        let calendar = WorkingDays::england_and_wales();
        // Thursday 2 April 2026: Good Friday, the weekend and Easter Monday
        // pass, so two working days later is Wednesday 8 April.
        assert_eq!(
            calendar.add_working_days(day(2026, 4, 2), 2),
            Ok(day(2026, 4, 8))
        );
        // Received on a Saturday: Monday then Tuesday.
        assert_eq!(
            calendar.add_working_days(day(2025, 11, 22), 2),
            Ok(day(2025, 11, 25))
        );
        // Christmas 2026: Thursday 24 → Tuesday 29 (25 and the substitute 28 are holidays).
        assert_eq!(
            calendar.next_working_day(day(2026, 12, 24)),
            Ok(day(2026, 12, 29))
        );
    }

    #[test]
    fn outside_the_calendar_is_an_error_not_a_guess() {
        let calendar = WorkingDays::england_and_wales();
        assert_eq!(
            calendar.is_working_day(day(2021, 6, 1)),
            Err(CalendarNotCoded {
                date: day(2021, 6, 1),
                first_year: 2022,
                last_year: 2027
            })
        );
        assert!(calendar.add_working_days(day(2027, 12, 30), 2).is_err());
    }

    #[test]
    fn bad_calendars_are_refused() {
        let head = "description = \"d\"\nreference = \"r\"\nsource = \"s\"\nconfidence = \"check\"\nfirst_year = 2025\nlast_year = 2025\n";
        let weekend = format!("{head}dates = [2025-11-22]");
        assert!(
            WorkingDays::from_toml(&weekend)
                .unwrap_err()
                .contains("weekend")
        );
        let outside = format!("{head}dates = [2026-01-01]");
        assert!(
            WorkingDays::from_toml(&outside)
                .unwrap_err()
                .contains("outside")
        );
        let twice = format!("{head}dates = [2025-12-25, 2025-12-25]");
        assert!(
            WorkingDays::from_toml(&twice)
                .unwrap_err()
                .contains("twice")
        );
    }
}
