//! Working days: the calendar on which money moves.
//!
//! Disbursement "within two working days of receipt" and noticing a missed
//! payment "the next working day" both count days on which BACS processes
//! payments: not Saturdays, Sundays or the bank holidays of England and
//! Wales. The holidays are data (`calendars/`), with their source, and a
//! date outside the years the file covers is an error, never a guess.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::OnceLock;

use domain_types::Date;
use serde::Deserialize;

use crate::file::{Confidence, toml_date};

const ENGLAND_AND_WALES: &str = include_str!("../calendars/bank-holidays-england-and-wales.toml");

/// Where a year's holidays come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum YearStatus {
    /// As GOV.UK publishes them, proclaimed substitute and special days
    /// included.
    Published,
    /// Not yet announced: worked out from the statutory pattern, to be
    /// replaced by the published list (a proclamation may still move a day).
    Projected,
}

/// One year of the calendar: how its holidays are known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CalendarYear {
    /// Published or projected.
    pub status: YearStatus,
    /// How sure we are of its dates.
    pub confidence: Confidence,
    /// Where its dates were read, or how they were worked out.
    pub source: String,
}

/// The working-day calendar.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkingDays {
    first_year: i32,
    last_year: i32,
    holidays: BTreeSet<Date>,
    years: BTreeMap<i32, CalendarYear>,
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
    first_year: i32,
    last_year: i32,
    year: Vec<RawYear>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawYear {
    year: i32,
    status: YearStatus,
    confidence: Confidence,
    source: String,
    #[allow(dead_code)]
    note: Option<String>,
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

    /// Reads a calendar file: one `[[year]]` table for every year from
    /// `first_year` to `last_year`, each with its status, confidence,
    /// source and dates.
    ///
    /// # Errors
    /// Bad TOML, a date with a time, a year missing, listed twice or outside
    /// the years covered, a holiday outside its year's table or on a weekend
    /// (a substitute day is the weekday, not the weekend day), a projected
    /// year claiming to be verified, or a year without a source.
    pub fn from_toml(text: &str) -> Result<WorkingDays, String> {
        let raw: RawCalendar = toml::from_str(text).map_err(|e| e.to_string())?;
        if raw.first_year > raw.last_year {
            return Err("first_year is after last_year".to_owned());
        }
        let mut holidays = BTreeSet::new();
        let mut years = BTreeMap::new();
        for table in &raw.year {
            if table.year < raw.first_year || table.year > raw.last_year {
                return Err(format!(
                    "year {} is outside {}–{}",
                    table.year, raw.first_year, raw.last_year
                ));
            }
            if table.source.trim().is_empty() {
                return Err(format!("year {} has no source", table.year));
            }
            if table.status == YearStatus::Projected && table.confidence == Confidence::Verified {
                return Err(format!(
                    "year {} is projected, so it cannot be verified",
                    table.year
                ));
            }
            let year = CalendarYear {
                status: table.status,
                confidence: table.confidence,
                source: table.source.clone(),
            };
            if years.insert(table.year, year).is_some() {
                return Err(format!("year {} is listed twice", table.year));
            }
            for datetime in &table.dates {
                let date =
                    toml_date(datetime).ok_or_else(|| format!("{datetime} is not a date"))?;
                if date.ymd().0 != table.year {
                    return Err(format!("{date} is outside year {}'s table", table.year));
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
        }
        // A year without its table would be a year without holidays.
        if let Some(missing) = (raw.first_year..=raw.last_year).find(|y| !years.contains_key(y)) {
            return Err(format!("year {missing} has no table"));
        }
        Ok(WorkingDays {
            first_year: raw.first_year,
            last_year: raw.last_year,
            holidays,
            years,
            source: raw.source,
        })
    }

    /// The first and last years covered.
    #[must_use]
    pub fn years_covered(&self) -> (i32, i32) {
        (self.first_year, self.last_year)
    }

    /// How a year's holidays are known, if the calendar covers it.
    #[must_use]
    pub fn year(&self, year: i32) -> Option<&CalendarYear> {
        self.years.get(&year)
    }

    /// Whether the calendar covers `date` at all.
    ///
    /// # Errors
    /// A date outside the years covered.
    pub fn covers(&self, date: Date) -> Result<(), CalendarNotCoded> {
        let (year, _, _) = date.ymd();
        if year < self.first_year || year > self.last_year {
            return Err(CalendarNotCoded {
                date,
                first_year: self.first_year,
                last_year: self.last_year,
            });
        }
        Ok(())
    }

    /// Whether money moves on `date`.
    ///
    /// # Errors
    /// A date outside the years covered.
    pub fn is_working_day(&self, date: Date) -> Result<bool, CalendarNotCoded> {
        self.covers(date)?;
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
        assert_eq!(calendar.years_covered(), (2012, 2030));
        assert_eq!(
            calendar.is_working_day(day(2011, 12, 30)),
            Err(CalendarNotCoded {
                date: day(2011, 12, 30),
                first_year: 2012,
                last_year: 2030
            })
        );
        assert!(calendar.is_working_day(day(2031, 1, 2)).is_err());
        assert!(calendar.covers(day(2012, 1, 1)).is_ok());
        assert!(calendar.covers(day(2030, 12, 31)).is_ok());
        assert!(calendar.add_working_days(day(2030, 12, 30), 2).is_err());
    }

    #[test]
    fn known_days_from_2012_to_2030() {
        let calendar = WorkingDays::england_and_wales();
        let holiday = |y, m, d| {
            assert_eq!(
                calendar.is_working_day(day(y, m, d)),
                Ok(false),
                "{y}-{m}-{d}"
            )
        };
        let working = |y, m, d| {
            assert_eq!(
                calendar.is_working_day(day(y, m, d)),
                Ok(true),
                "{y}-{m}-{d}"
            )
        };
        // New Year's Day 2012 was a Sunday: Monday 2 January instead.
        holiday(2012, 1, 2);
        // The Diamond Jubilee: spring bank holiday moved, a day added.
        holiday(2012, 6, 4);
        holiday(2012, 6, 5);
        working(2012, 5, 28);
        holiday(2012, 12, 25);
        // Good Friday 2013.
        holiday(2013, 3, 29);
        // 2020: the early May bank holiday moved to Friday 8 May (VE Day).
        holiday(2020, 5, 8);
        working(2020, 5, 4);
        // 2022: the Platinum Jubilee and the State Funeral.
        holiday(2022, 6, 3);
        holiday(2022, 9, 19);
        working(2022, 5, 30);
        // 2023: the coronation.
        holiday(2023, 5, 8);
        // Good Friday 2028; Christmas 2027 on a Saturday: Monday and Tuesday.
        holiday(2028, 4, 14);
        holiday(2027, 12, 27);
        holiday(2027, 12, 28);
        // Projected: Good Friday and Easter Monday 2030.
        holiday(2030, 4, 19);
        holiday(2030, 4, 22);
        // 7 January 2019, a Monday, is a working day.
        working(2019, 1, 7);
        working(2019, 1, 8);
    }

    /// Easter Day in the Gregorian calendar (the anonymous algorithm,
    /// Meeus/Jones/Butcher).
    fn easter(year: i32) -> Date {
        let a = year % 19;
        let b = year / 100;
        let c = year % 100;
        let d = b / 4;
        let e = b % 4;
        let f = (b + 8) / 25;
        let g = (b - f + 1) / 3;
        let h = (19 * a + b - d - g + 15) % 30;
        let i = c / 4;
        let k = c % 4;
        let l = (32 + 2 * e + 2 * i - h - k) % 7;
        let m = (a + 11 * h + 22 * l) / 451;
        let month = (h + l - 7 * m + 114) / 31;
        let date = (h + l - 7 * m + 114) % 31 + 1;
        day(
            year,
            u32::try_from(month).unwrap(),
            u32::try_from(date).unwrap(),
        )
    }

    fn is_monday(date: Date) -> bool {
        // 1 January 1970 was a Thursday.
        date.days_since_epoch().rem_euclid(7) == 4
    }

    fn first_monday(year: i32, month: u32) -> Date {
        (1..=7)
            .map(|d| day(year, month, d))
            .find(|d| is_monday(*d))
            .unwrap()
    }

    fn last_monday(year: i32, month: u32, days: u32) -> Date {
        (days - 6..=days)
            .map(|d| day(year, month, d))
            .find(|d| is_monday(*d))
            .unwrap()
    }

    /// The holidays the statutory pattern gives for a year: Banking and
    /// Financial Dealings Act 1971 Sch 1 and the days proclaimed every year.
    fn statutory_pattern(year: i32) -> BTreeSet<Date> {
        let next_weekday = |mut date: Date, taken: &BTreeSet<Date>| {
            while date.is_weekend() || taken.contains(&date) {
                date = date.add_days(1).unwrap();
            }
            date
        };
        let mut days = BTreeSet::new();
        let new_year = next_weekday(day(year, 1, 1), &days);
        days.insert(new_year);
        let easter = easter(year);
        days.insert(easter.add_days(-2).unwrap());
        days.insert(easter.add_days(1).unwrap());
        days.insert(first_monday(year, 5));
        days.insert(last_monday(year, 5, 31));
        days.insert(last_monday(year, 8, 31));
        // Christmas Day, then Boxing Day, each moved to the next free weekday.
        let christmas = next_weekday(day(year, 12, 25), &days);
        days.insert(christmas);
        let boxing = next_weekday(day(year, 12, 26), &days);
        days.insert(boxing);
        days
    }

    #[test]
    fn easter_is_computed_correctly() {
        for (year, m, d) in [
            (2012, 4, 8),
            (2013, 3, 31),
            (2019, 4, 21),
            (2024, 3, 31),
            (2028, 4, 16),
            (2029, 4, 1),
            (2030, 4, 21),
        ] {
            assert_eq!(easter(year), day(year, m, d), "{year}");
        }
    }

    #[test]
    fn every_year_follows_the_statutory_pattern_but_for_the_proclaimed_changes() {
        let calendar = WorkingDays::england_and_wales();
        // Each year's days moved away from the pattern (-) and added (+) by
        // royal proclamation.
        let proclaimed: &[(i32, &[Date], &[Date])] = &[
            (
                2012,
                &[day(2012, 5, 28)],
                &[day(2012, 6, 4), day(2012, 6, 5)],
            ),
            (2020, &[day(2020, 5, 4)], &[day(2020, 5, 8)]),
            (
                2022,
                &[day(2022, 5, 30)],
                &[day(2022, 6, 2), day(2022, 6, 3), day(2022, 9, 19)],
            ),
            (2023, &[], &[day(2023, 5, 8)]),
        ];
        let (first, last) = calendar.years_covered();
        for year in first..=last {
            let mut expected = statutory_pattern(year);
            if let Some((_, moved, added)) = proclaimed.iter().find(|(y, _, _)| *y == year) {
                for date in *moved {
                    assert!(expected.remove(date), "{date}");
                }
                expected.extend(added.iter().copied());
            }
            let listed: BTreeSet<Date> = calendar
                .holidays
                .range(day(year, 1, 1)..=day(year, 12, 31))
                .copied()
                .collect();
            assert_eq!(listed, expected, "{year}");
        }
    }

    #[test]
    fn every_year_says_where_its_days_come_from() {
        let calendar = WorkingDays::england_and_wales();
        let (first, last) = calendar.years_covered();
        for year in first..=last {
            let known = calendar.year(year).unwrap();
            assert!(!known.source.is_empty(), "{year}");
            if year <= 2028 {
                assert_eq!(known.status, YearStatus::Published, "{year}");
            } else {
                assert_eq!(known.status, YearStatus::Projected, "{year}");
                assert_eq!(known.confidence, Confidence::Check, "{year}");
            }
        }
        assert_eq!(calendar.year(2031), None);
    }

    #[test]
    fn bad_calendars_are_refused() {
        let head = "description = \"d\"\nreference = \"r\"\nsource = \"s\"\nfirst_year = 2025\nlast_year = 2025\n";
        let year = "[[year]]\nyear = 2025\nstatus = \"published\"\nconfidence = \"check\"\nsource = \"s\"\n";
        let refused = |text: String, why: &str| {
            let error = WorkingDays::from_toml(&text).unwrap_err();
            assert!(error.contains(why), "{error}");
        };
        assert!(WorkingDays::from_toml(&format!("{head}{year}dates = [2025-12-25]")).is_ok());
        refused(format!("{head}{year}dates = [2025-11-22]"), "weekend");
        refused(format!("{head}{year}dates = [2026-01-01]"), "outside");
        refused(
            format!("{head}{year}dates = [2025-12-25, 2025-12-25]"),
            "twice",
        );
        refused(
            format!("{head}{year}dates = [2025-12-25]\n{year}dates = []"),
            "twice",
        );
        refused(format!("{head}dates = []"), "unknown field");
        refused(
            format!(
                "{}{year}dates = []",
                head.replace("2025\n", "2026\n")
                    .replace("first_year = 2026", "first_year = 2025")
            ),
            "year 2026 has no table",
        );
        refused(
            format!(
                "{head}{}dates = []",
                year.replace("published", "projected")
                    .replace("check", "verified")
            ),
            "projected",
        );
        refused(
            format!("{head}{}dates = []", year.replace("\"check\"", "\"sure\"")),
            "unknown variant",
        );
        refused(
            format!(
                "{head}{}dates = []",
                year.replace("source = \"s\"", "source = \" \"")
            ),
            "no source",
        );
    }
}
