//! Personal data that cannot reach a log, a page or an answer by accident.

use std::fmt;

use domain_types::HumanText;

/// A piece of personal data. `Debug` and `Display` print `[redacted]`; the
/// value is read only through [`Sensitive::expose_sensitive`], a name that
/// shows in review wherever personal data leaves its record. It does not
/// implement `Serialize`, so it cannot be put into an answer whole.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Sensitive<T>(T);

impl<T> Sensitive<T> {
    /// Wraps a value.
    pub const fn new(value: T) -> Sensitive<T> {
        Sensitive(value)
    }

    /// The value itself. Call this only where the access policy has allowed it.
    pub const fn expose_sensitive(&self) -> &T {
        &self.0
    }
}

/// Text a person typed, checked at the edge ([`HumanText`]), held as
/// personal data.
impl From<HumanText> for Sensitive<String> {
    fn from(text: HumanText) -> Sensitive<String> {
        Sensitive(text.into_string())
    }
}

impl<T> fmt::Debug for Sensitive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl<T> fmt::Display for Sensitive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// A UK bank sort code: six digits. Its branch can locate a person, so it is
/// held as personal data wherever it belongs to a parent.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SortCode([u8; 6]);

impl SortCode {
    /// Parses `12-34-56`, `12 34 56` or `123456`.
    ///
    /// # Errors
    /// Anything other than six digits with optional separators.
    pub fn parse(text: &str) -> Result<SortCode, &'static str> {
        let digits: Vec<u8> = text
            .chars()
            .filter(|c| *c != '-' && *c != ' ')
            .map(|c| {
                c.to_digit(10)
                    .and_then(|d| u8::try_from(d).ok())
                    .ok_or("a sort code has only digits")
            })
            .collect::<Result<_, _>>()?;
        <[u8; 6]>::try_from(digits)
            .map(SortCode)
            .map_err(|_| "a sort code has six digits")
    }
}

impl fmt::Display for SortCode {
    /// `12-34-56`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.0;
        write!(f, "{}{}-{}{}-{}{}", d[0], d[1], d[2], d[3], d[4], d[5])
    }
}

impl fmt::Debug for SortCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SortCode([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn personal_data_prints_as_redacted() {
        let secret = Sensitive::new("12 Acacia Avenue".to_owned());
        assert_eq!(format!("{secret:?} {secret}"), "[redacted] [redacted]");
        assert_eq!(secret.expose_sensitive(), "12 Acacia Avenue");
        let code = SortCode::parse("12-34-56").unwrap();
        assert_eq!(format!("{code:?}"), "SortCode([redacted])");
        assert_eq!(code.to_string(), "12-34-56");
        assert!(SortCode::parse("12345").is_err());
        assert!(SortCode::parse("12-34-5x").is_err());
    }
}
