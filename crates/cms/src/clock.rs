//! The system clock and the operating system's randomness, read only here,
//! in the shell.

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

/// Eight random bytes from the operating system.
pub fn random_u64() -> u64 {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).expect("the operating system provides randomness");
    u64::from_le_bytes(bytes)
}

/// The clock and randomness as the web needs them.
pub struct System;

impl web::Environment for System {
    fn now_unix_seconds(&self) -> i64 {
        now_unix_seconds()
    }

    fn today(&self) -> Date {
        today()
    }

    fn random_u64(&self) -> u64 {
        random_u64()
    }
}
