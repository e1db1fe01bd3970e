//! Exact rates and fractions, and the one rounding rule of the 2012 scheme.

use std::fmt;

/// Divides `numerator` by `denominator`, rounding a remainder of one half or
/// more up and anything less down.
///
/// This is the penny rounding of the Child Support Maintenance Calculation
/// Regulations 2012 reg 6 as its predecessors word it (SI 1992/1815 reg 2(2);
/// SI 2001/155 reg 2(2)): "a fraction of a penny ... shall be treated as a
/// penny if it is either one half or exceeds one half, otherwise it shall be
/// disregarded" (rules.md §2.12).
///
/// # Panics
/// If `denominator` is zero: a programmer error, never a user's.
#[must_use]
pub const fn round_half_up_div(numerator: u128, denominator: u128) -> u128 {
    assert!(denominator > 0, "division by zero in a money calculation");
    // Nearly every product in the calculation fits in 64 bits, and a 64-bit
    // division is several times cheaper than a 128-bit one.
    if numerator <= u64::MAX as u128 && denominator <= u64::MAX as u128 {
        let (numerator, denominator) = (numerator as u64, denominator as u64);
        let quotient = numerator / denominator;
        let remainder = numerator % denominator;
        // remainder < denominator <= u64::MAX, so compare without doubling.
        return if remainder >= denominator - remainder {
            quotient as u128 + 1
        } else {
            quotient as u128
        };
    }
    let quotient = numerator / denominator;
    let remainder = numerator % denominator;
    // remainder / denominator >= 1/2  <=>  2 * remainder >= denominator
    if remainder * 2 >= denominator {
        quotient + 1
    } else {
        quotient
    }
}

/// A rate in parts per million: 12% is `PartsPerMillion(120_000)`.
///
/// Percentages in the law have at most one decimal place (14.1%), so parts
/// per million hold every one of them exactly.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct PartsPerMillion(u32);

impl PartsPerMillion {
    /// One whole: 100%.
    pub const ONE: PartsPerMillion = PartsPerMillion(1_000_000);

    /// Nothing: 0%.
    pub const ZERO: PartsPerMillion = PartsPerMillion(0);

    /// A rate of at most 100%; `None` above that.
    #[must_use]
    pub const fn new(ppm: u32) -> Option<PartsPerMillion> {
        if ppm <= 1_000_000 {
            Some(PartsPerMillion(ppm))
        } else {
            None
        }
    }

    /// The rate in parts per million.
    #[must_use]
    pub const fn get(self) -> u32 {
        self.0
    }

    /// This share of an amount, rounded half up to the penny (reg 6 as its
    /// predecessors word it): a fee of 20% or 4%, say.
    #[must_use]
    pub fn of(self, amount: crate::Pence) -> crate::Pence {
        let share = round_half_up_div(u128::from(amount.get()) * u128::from(self.0), 1_000_000);
        crate::Pence::new(u64::try_from(share).expect("a share is at most its amount"))
    }

    /// One minus this rate: the share that remains after a reduction.
    #[must_use]
    pub const fn complement(self) -> PartsPerMillion {
        PartsPerMillion(1_000_000 - self.0)
    }
}

impl fmt::Display for PartsPerMillion {
    /// Writes the rate as a percentage with no trailing zeros: `14.1%`, `12%`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let whole = self.0 / 10_000;
        let mut fraction = self.0 % 10_000;
        if fraction == 0 {
            return write!(f, "{whole}%");
        }
        let mut digits = 4;
        while fraction.is_multiple_of(10) {
            fraction /= 10;
            digits -= 1;
        }
        write!(f, "{whole}.{fraction:0digits$}%")
    }
}

/// An exact non-negative fraction such as two-sevenths.
///
/// Shared care works in sevenths and halves (Child Support Act 1991 Sch 1
/// para 7(4)) and then averages them over children (para 7(5)), so only an
/// exact fraction keeps the result to the penny.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Fraction {
    numerator: u64,
    denominator: u64,
}

impl Fraction {
    /// Nothing.
    pub const ZERO: Fraction = Fraction {
        numerator: 0,
        denominator: 1,
    };

    /// `numerator / denominator`, or `None` when the denominator is zero.
    #[must_use]
    pub const fn new(numerator: u64, denominator: u64) -> Option<Fraction> {
        if denominator == 0 {
            None
        } else {
            Some(Fraction {
                numerator,
                denominator,
            })
        }
    }

    /// The numerator as given (not reduced).
    #[must_use]
    pub const fn numerator(self) -> u64 {
        self.numerator
    }

    /// The denominator as given (not reduced).
    #[must_use]
    pub const fn denominator(self) -> u64 {
        self.denominator
    }

    /// Whether the fraction is zero.
    #[must_use]
    pub const fn is_zero(self) -> bool {
        self.numerator == 0
    }

    /// The exact sum, reduced to lowest terms.
    #[must_use]
    pub fn plus(self, other: Fraction) -> Fraction {
        let numerator = self.numerator * other.denominator + other.numerator * self.denominator;
        let denominator = self.denominator * other.denominator;
        Fraction {
            numerator,
            denominator,
        }
        .reduced()
    }

    /// This fraction divided by a whole number, reduced to lowest terms.
    ///
    /// # Panics
    /// If `divisor` is zero.
    #[must_use]
    pub fn divide_by(self, divisor: u64) -> Fraction {
        assert!(divisor > 0, "fraction divided by zero");
        Fraction {
            numerator: self.numerator,
            denominator: self.denominator * divisor,
        }
        .reduced()
    }

    fn reduced(self) -> Fraction {
        let divisor = greatest_common_divisor(self.numerator, self.denominator).max(1);
        Fraction {
            numerator: self.numerator / divisor,
            denominator: self.denominator / divisor,
        }
    }
}

impl PartialOrd for Fraction {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Fraction {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        let left = u128::from(self.numerator) * u128::from(other.denominator);
        let right = u128::from(other.numerator) * u128::from(self.denominator);
        left.cmp(&right)
    }
}

impl fmt::Display for Fraction {
    /// Writes the fraction in words where the law does ("two-sevenths",
    /// "one-half"), otherwise as digits ("11/28").
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const NUMBERS: [&str; 7] = ["zero", "one", "two", "three", "four", "five", "six"];
        let reduced = self.reduced();
        match (reduced.numerator, reduced.denominator) {
            (0, _) => f.write_str("nothing"),
            (1, 2) => f.write_str("one-half"),
            (1, 4) => f.write_str("one-quarter"),
            (1, 7) => f.write_str("one-seventh"),
            (n @ 2..=6, 7) => write!(f, "{}-sevenths", NUMBERS[n as usize]),
            (n, d) => write!(f, "{n}/{d}"),
        }
    }
}

const fn greatest_common_divisor(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        let remainder = a % b;
        a = b;
        b = remainder;
    }
    a
}

#[cfg(test)]
mod share_tests {
    use super::*;
    use crate::Pence;

    #[test]
    fn a_share_rounds_half_up_to_the_penny() {
        let four = PartsPerMillion::new(40_000).unwrap();
        // 4% of £33.33 is 133.32p, of £37.33 149.32p; 2% of 25p is 0.5p, up to 1p.
        assert_eq!(four.of(Pence::new(3_333)), Pence::new(133));
        assert_eq!(four.of(Pence::new(3_733)), Pence::new(149));
        assert_eq!(
            PartsPerMillion::new(200_000).unwrap().of(Pence::new(4_114)),
            Pence::new(823)
        );
        assert_eq!(
            PartsPerMillion::new(40_000).unwrap().of(Pence::new(1_250)),
            Pence::new(50)
        );
        assert_eq!(
            PartsPerMillion::new(20_000).unwrap().of(Pence::new(25)),
            Pence::new(1)
        );
        assert_eq!(PartsPerMillion::ZERO.of(Pence::new(999)), Pence::ZERO);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_a_penny_rounds_up_and_less_rounds_down() {
        assert_eq!(round_half_up_div(85_375, 1_000), 85);
        assert_eq!(round_half_up_div(8_537_500, 100_000), 85);
        assert_eq!(round_half_up_div(4_602_500, 100_000), 46);
        assert_eq!(round_half_up_div(5, 10), 1);
        assert_eq!(round_half_up_div(4, 10), 0);
        assert_eq!(round_half_up_div(0, 7), 0);
        assert_eq!(round_half_up_div(u128::from(u64::MAX), 2), 1 << 63);
        let beyond_64_bits = u128::from(u64::MAX) * 10 + 5;
        assert_eq!(
            round_half_up_div(beyond_64_bits, 10),
            u128::from(u64::MAX) + 1
        );
    }

    proptest::proptest! {
        #[test]
        fn the_64_bit_path_agrees_with_exact_arithmetic(n in 0u128..=u128::from(u64::MAX) * 4, d in 1u128..=1u128 << 70) {
            let expected = (2 * n + d) / (2 * d); // floor(n/d + 1/2)
            proptest::prop_assert_eq!(round_half_up_div(n, d), expected);
        }
    }

    #[test]
    fn percentages_print_as_the_law_writes_them() {
        assert_eq!(PartsPerMillion::new(120_000).unwrap().to_string(), "12%");
        assert_eq!(PartsPerMillion::new(141_000).unwrap().to_string(), "14.1%");
        assert_eq!(PartsPerMillion::new(238_000).unwrap().to_string(), "23.8%");
        assert_eq!(PartsPerMillion::new(1_000_001), None);
    }

    #[test]
    fn shared_care_fractions_average_exactly() {
        let half = Fraction::new(1, 2).unwrap();
        let two_sevenths = Fraction::new(2, 7).unwrap();
        assert_eq!(
            half.plus(Fraction::ZERO).divide_by(2).to_string(),
            "one-quarter"
        );
        assert_eq!(half.plus(two_sevenths).divide_by(2).to_string(), "11/28");
        assert_eq!(two_sevenths.to_string(), "two-sevenths");
        assert!(two_sevenths < half);
    }
}
