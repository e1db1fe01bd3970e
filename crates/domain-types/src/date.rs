//! Calendar dates without a clock.

use std::fmt;

/// A date in the proleptic Gregorian calendar, held as the number of days
/// since 1970-01-01.
///
/// Pure crates never ask what day it is: every date is an argument. Only
/// dates from year 1 to year 9999 can be built, so four-digit ISO text always
/// round-trips.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    days_since_epoch: i32,
}

impl Date {
    /// The date `year`-`month`-`day`, or `None` if there is no such day.
    #[must_use]
    pub const fn from_ymd(year: i32, month: u32, day: u32) -> Option<Date> {
        if year < 1 || year > 9999 || month < 1 || month > 12 || day < 1 {
            return None;
        }
        if day > days_in_month(year, month) {
            return None;
        }
        Some(Date {
            days_since_epoch: days_from_civil(year, month, day),
        })
    }

    /// Parses `YYYY-MM-DD` exactly: no time, no zone, no other layout.
    ///
    /// # Errors
    /// Any other layout, or a day that does not exist (2025-02-29).
    pub fn parse_iso(text: &str) -> Result<Date, DateParseError> {
        let bytes = text.as_bytes();
        let layout_ok = bytes.len() == 10
            && bytes[4] == b'-'
            && bytes[7] == b'-'
            && bytes
                .iter()
                .enumerate()
                .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
        if !layout_ok {
            return Err(DateParseError::Layout);
        }
        let number = |range: std::ops::Range<usize>| -> u32 {
            bytes[range]
                .iter()
                .fold(0, |acc, b| acc * 10 + u32::from(b - b'0'))
        };
        let year = i32::try_from(number(0..4)).map_err(|_| DateParseError::Layout)?;
        Date::from_ymd(year, number(5..7), number(8..10)).ok_or(DateParseError::NoSuchDay)
    }

    /// The year, month and day.
    #[must_use]
    pub const fn ymd(self) -> (i32, u32, u32) {
        civil_from_days(self.days_since_epoch)
    }

    /// Days since 1970-01-01 (negative before it).
    #[must_use]
    pub const fn days_since_epoch(self) -> i32 {
        self.days_since_epoch
    }

    /// The date `days` later (or earlier, if negative), if it is a valid date.
    #[must_use]
    pub const fn add_days(self, days: i32) -> Option<Date> {
        match self.days_since_epoch.checked_add(days) {
            Some(d) => {
                let (year, _, _) = civil_from_days(d);
                if year < 1 || year > 9999 {
                    None
                } else {
                    Some(Date {
                        days_since_epoch: d,
                    })
                }
            }
            None => None,
        }
    }
}

impl Date {
    /// The same day `years` later; 29 February becomes 28 February in a
    /// year without one. This is the one place month-end rounding of
    /// anniversaries (annual review dates) is decided.
    #[must_use]
    pub const fn add_years(self, years: i32) -> Option<Date> {
        let (year, month, day) = self.ymd();
        let target = year + years;
        if month == 2 && day == 29 && !is_leap_year(target) {
            Date::from_ymd(target, 2, 28)
        } else {
            Date::from_ymd(target, month, day)
        }
    }

    /// The same day `months` later; a day the month lacks becomes its last
    /// day (31 January + 1 month = 28 or 29 February). The one place
    /// month-end rounding of payment dates is decided.
    #[must_use]
    pub const fn add_months(self, months: i32) -> Option<Date> {
        let (year, month, day) = self.ymd();
        let index = year * 12 + (month as i32 - 1) + months;
        let target_year = index.div_euclid(12);
        let target_month = (index.rem_euclid(12) + 1) as u32;
        let last = days_in_month(target_year, target_month);
        Date::from_ymd(
            target_year,
            target_month,
            if day > last { last } else { day },
        )
    }

    /// Whether the day is a Saturday or Sunday. 1 January 1970 was a
    /// Thursday, so day 2 and day 3 since the epoch are the weekend.
    #[must_use]
    pub const fn is_weekend(self) -> bool {
        self.days_since_epoch.rem_euclid(7) >= 2 && self.days_since_epoch.rem_euclid(7) <= 3
    }

    /// Days from `self` to `later` (negative if `later` is earlier).
    #[must_use]
    pub const fn days_until(self, later: Date) -> i32 {
        later.days_since_epoch - self.days_since_epoch
    }
}

impl fmt::Display for Date {
    /// ISO 8601: `2025-06-01`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (year, month, day) = self.ymd();
        write!(f, "{year:04}-{month:02}-{day:02}")
    }
}

/// Why text could not be read as a date.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DateParseError {
    /// Not `YYYY-MM-DD`.
    Layout,
    /// A well-formed date that does not exist, such as 2025-02-30.
    NoSuchDay,
}

impl fmt::Display for DateParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DateParseError::Layout => "a date is written YYYY-MM-DD, like 2025-06-01",
            DateParseError::NoSuchDay => "that day does not exist in the calendar",
        })
    }
}

impl std::error::Error for DateParseError {}

const fn is_leap_year(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

const fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// Howard Hinnant's `days_from_civil` and `civil_from_days`
// (http://howardhinnant.github.io/date_algorithms.html), exact for every
// Gregorian date; the casts are within range because years are 1..=9999.
#[allow(clippy::cast_possible_wrap, clippy::cast_sign_loss)]
const fn days_from_civil(year: i32, month: u32, day: u32) -> i32 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let year_of_era = (y - era * 400) as u32;
    let shifted_month = if month > 2 { month - 3 } else { month + 9 };
    let day_of_year = (153 * shifted_month + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era as i32 - 719_468
}

#[allow(clippy::cast_possible_wrap, clippy::cast_sign_loss)]
const fn civil_from_days(days: i32) -> (i32, u32, u32) {
    let z = days + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let day_of_era = (z - era * 146_097) as u32;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era as i32 + era * 400 + if month <= 2 { 1 } else { 0 };
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn weekends_are_saturday_and_sunday() {
        // Saturday 22 and Sunday 23 November 2025; Friday 21 and Monday 24 are not.
        let day = |d| Date::from_ymd(2025, 11, d).unwrap();
        assert!(day(22).is_weekend() && day(23).is_weekend());
        assert!(!day(21).is_weekend() && !day(24).is_weekend());
        // Before the epoch too: 1 January 1966 was a Saturday.
        assert!(Date::from_ymd(1966, 1, 1).unwrap().is_weekend());
        assert!(!Date::from_ymd(1965, 12, 31).unwrap().is_weekend());
    }

    #[test]
    fn iso_dates_parse_strictly() {
        let date = Date::parse_iso("2013-11-25").unwrap();
        assert_eq!(date.ymd(), (2013, 11, 25));
        assert_eq!(date.to_string(), "2013-11-25");
        assert_eq!(
            Date::parse_iso("2024-02-29").map(|d| d.ymd()),
            Ok((2024, 2, 29))
        );
        assert_eq!(
            Date::parse_iso("2025-02-29"),
            Err(DateParseError::NoSuchDay)
        );
        assert_eq!(Date::parse_iso("2025-6-01"), Err(DateParseError::Layout));
        assert_eq!(
            Date::parse_iso("2025-06-01T00:00"),
            Err(DateParseError::Layout)
        );
        assert_eq!(Date::parse_iso("+025-06-01"), Err(DateParseError::Layout));
    }

    #[test]
    fn the_epoch_and_known_days_line_up() {
        assert_eq!(Date::from_ymd(1970, 1, 1).unwrap().days_since_epoch(), 0);
        assert_eq!(
            Date::from_ymd(2000, 3, 1).unwrap().days_since_epoch(),
            11_017
        );
        let pathfinder_end = Date::from_ymd(2013, 11, 24).unwrap();
        assert_eq!(pathfinder_end.add_days(1), Date::from_ymd(2013, 11, 25));
    }

    #[test]
    fn month_ends_clamp_to_the_last_day_of_the_month() {
        let d = |y, m, day| Date::from_ymd(y, m, day).unwrap();
        assert_eq!(d(2025, 1, 31).add_months(1), Some(d(2025, 2, 28)));
        assert_eq!(d(2024, 1, 31).add_months(1), Some(d(2024, 2, 29)));
        assert_eq!(d(2025, 1, 15).add_months(12), Some(d(2026, 1, 15)));
        assert_eq!(d(2025, 3, 31).add_months(-1), Some(d(2025, 2, 28)));
        assert_eq!(d(2025, 11, 30).add_months(3), Some(d(2026, 2, 28)));
    }

    #[test]
    fn anniversaries_of_29_february_fall_on_28_february() {
        let leap_day = Date::from_ymd(2024, 2, 29).unwrap();
        assert_eq!(leap_day.add_years(1), Date::from_ymd(2025, 2, 28));
        assert_eq!(leap_day.add_years(4), Date::from_ymd(2028, 2, 29));
        let start = Date::from_ymd(2013, 11, 25).unwrap();
        assert_eq!(start.add_years(1), Date::from_ymd(2014, 11, 25));
        assert_eq!(start.days_until(Date::from_ymd(2014, 11, 25).unwrap()), 365);
    }

    proptest! {
        #[test]
        fn every_day_round_trips_through_text(days in -719_162i32..2_932_896) {
            let date = Date { days_since_epoch: days };
            prop_assert_eq!(Date::parse_iso(&date.to_string()), Ok(date));
        }
    }
}
