//! Money as a whole number of pence.

use std::fmt;

/// An amount of money that cannot be negative, in whole pence.
///
/// Amounts owed, paid and calculated are never negative; a balance that can
/// be (arrears, overpayment) is a different type in the ledger. There is no
/// floating point anywhere near money: `517.81` is parsed digit by digit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Pence(u64);

impl Pence {
    /// No money.
    pub const ZERO: Pence = Pence(0);

    /// The largest amount accepted from outside: £10,000,000,000.00.
    ///
    /// Far above any real income, and small enough that every product of
    /// an amount with a rate in parts per million fits in 128 bits with room
    /// to spare, so the arithmetic of the calculation cannot overflow.
    pub const INPUT_MAX: Pence = Pence(1_000_000_000_000);

    /// An amount of `pence`.
    #[must_use]
    pub const fn new(pence: u64) -> Pence {
        Pence(pence)
    }

    /// The amount in pence.
    #[must_use]
    pub const fn get(self) -> u64 {
        self.0
    }

    /// The sum, or `None` on overflow.
    #[must_use]
    pub const fn checked_add(self, other: Pence) -> Option<Pence> {
        match self.0.checked_add(other.0) {
            Some(sum) => Some(Pence(sum)),
            None => None,
        }
    }

    /// The difference, or zero where `other` is larger.
    #[must_use]
    pub const fn saturating_sub(self, other: Pence) -> Pence {
        Pence(self.0.saturating_sub(other.0))
    }

    /// Parses pounds written as digits with at most two decimal places:
    /// `517.81`, `517.8`, `517`, or `£1,250.00`.
    ///
    /// # Errors
    /// A sign, more than two decimal places, anything that is not a digit, or
    /// an amount above [`Pence::INPUT_MAX`].
    pub fn parse_pounds(text: &str) -> Result<Pence, MoneyParseError> {
        let trimmed = text.trim();
        let unsigned = trimmed.strip_prefix('£').unwrap_or(trimmed);
        if unsigned.starts_with('-') {
            return Err(MoneyParseError::Negative);
        }
        let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
        let whole: String = whole.chars().filter(|c| *c != ',').collect();
        if whole.is_empty() && fraction.is_empty() {
            return Err(MoneyParseError::NotANumber);
        }
        if fraction.len() > 2 {
            return Err(MoneyParseError::FractionOfAPenny);
        }
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if !all_digits(&whole) || !all_digits(fraction) {
            return Err(MoneyParseError::NotANumber);
        }
        let pounds: u64 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| MoneyParseError::TooLarge)?
        };
        let pence_part: u64 = match fraction.len() {
            0 => 0,
            1 => u64::from(fraction.as_bytes()[0] - b'0') * 10,
            _ => fraction.parse().map_err(|_| MoneyParseError::NotANumber)?,
        };
        let total = pounds
            .checked_mul(100)
            .and_then(|p| p.checked_add(pence_part))
            .ok_or(MoneyParseError::TooLarge)?;
        if total > Pence::INPUT_MAX.0 {
            return Err(MoneyParseError::TooLarge);
        }
        Ok(Pence(total))
    }
}

impl fmt::Display for Pence {
    /// Writes the amount as a parent reads it: `£1,250.07`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pounds = self.0 / 100;
        let pence = self.0 % 100;
        let digits = pounds.to_string();
        let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
        for (index, digit) in digits.chars().enumerate() {
            if index > 0 && (digits.len() - index).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(digit);
        }
        write!(f, "£{grouped}.{pence:02}")
    }
}

/// Why a written amount of money could not be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MoneyParseError {
    /// The amount had a minus sign.
    Negative,
    /// More than two digits after the decimal point.
    FractionOfAPenny,
    /// Something other than digits, one decimal point and thousands commas.
    NotANumber,
    /// More than £10,000,000,000.00.
    TooLarge,
}

impl fmt::Display for MoneyParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MoneyParseError::Negative => "an amount of money cannot be negative",
            MoneyParseError::FractionOfAPenny => {
                "an amount of money has at most two digits after the decimal point"
            }
            MoneyParseError::NotANumber => "an amount of money is written like 517.81",
            MoneyParseError::TooLarge => "the amount is larger than £10,000,000,000.00",
        })
    }
}

impl std::error::Error for MoneyParseError {}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn pounds_are_read_digit_by_digit() {
        assert_eq!(Pence::parse_pounds("517.81"), Ok(Pence(51_781)));
        assert_eq!(Pence::parse_pounds("517.8"), Ok(Pence(51_780)));
        assert_eq!(Pence::parse_pounds("£1,250"), Ok(Pence(125_000)));
        assert_eq!(Pence::parse_pounds(".5"), Ok(Pence(50)));
        assert_eq!(Pence::parse_pounds("-1"), Err(MoneyParseError::Negative));
        assert_eq!(
            Pence::parse_pounds("1.005"),
            Err(MoneyParseError::FractionOfAPenny)
        );
        assert_eq!(Pence::parse_pounds("1e3"), Err(MoneyParseError::NotANumber));
        assert_eq!(Pence::parse_pounds(""), Err(MoneyParseError::NotANumber));
        assert_eq!(
            Pence::parse_pounds("99999999999999"),
            Err(MoneyParseError::TooLarge)
        );
    }

    #[test]
    fn amounts_print_with_pound_sign_and_thousands() {
        assert_eq!(Pence(6_254).to_string(), "£62.54");
        assert_eq!(Pence(3_000_000).to_string(), "£30,000.00");
        assert_eq!(Pence(5).to_string(), "£0.05");
        assert_eq!(Pence(123_456_789).to_string(), "£1,234,567.89");
    }

    proptest! {
        #[test]
        fn printing_then_parsing_gives_back_the_same_amount(pence in 0..=Pence::INPUT_MAX.get()) {
            let amount = Pence(pence);
            prop_assert_eq!(Pence::parse_pounds(&amount.to_string()), Ok(amount));
        }
    }
}
