//! The system clock, read only here, in the shell.

use std::time::{SystemTime, UNIX_EPOCH};

use domain_types::Date;

/// Seconds since 1970-01-01 UTC.
pub fn now_unix_seconds() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX)
        })
}

/// Today's date in UTC.
pub fn today() -> Date {
    let days = now_unix_seconds() / 86_400;
    Date::from_ymd(1970, 1, 1)
        .and_then(|epoch| epoch.add_days(i32::try_from(days).unwrap_or(0)))
        .expect("the system clock is within years 1970 to 9999")
}
