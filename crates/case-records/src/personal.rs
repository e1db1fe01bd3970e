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

/// A National Insurance number, read strictly: two prefix letters, six
/// digits and a suffix letter, held without spaces (`AB123456C`) whatever
/// spacing or case it was typed in (`ab 12 34 56 c`).
///
/// The rules are HMRC's (National Insurance Manual NIM39110, "National
/// Insurance Numbers (NINOs): Format and Security: What a NINO looks
/// like"): the first letter is not D, F, I, Q, U or V; the second is not
/// D, F, I, O, Q, U or V; the prefixes BG, GB, KN, NK, NT, TN and ZZ are
/// not allocated; the suffix is A, B, C or D. So HMRC's own specimen,
/// `QQ 12 34 56 C`, is refused: it is not a number anyone holds.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct NiNumber([u8; 9]);

/// Why text is not a National Insurance number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NiNumberError {
    /// Not two letters, six digits and a letter.
    Layout,
    /// A prefix HMRC does not allocate.
    Prefix,
    /// A suffix other than A, B, C or D.
    Suffix,
}

impl fmt::Display for NiNumberError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NiNumberError::Layout => {
                "a National Insurance number is two letters, six digits and a letter, like AB 12 34 56 C"
            }
            NiNumberError::Prefix => {
                "no National Insurance number starts with those two letters"
            }
            NiNumberError::Suffix => "a National Insurance number ends in A, B, C or D",
        })
    }
}

impl std::error::Error for NiNumberError {}

impl NiNumber {
    /// Reads a number typed with or without spaces, in either case.
    ///
    /// # Errors
    /// Anything but two letters, six digits and a letter (spaces aside),
    /// a prefix HMRC does not allocate, or a suffix other than A to D.
    pub fn parse(text: &str) -> Result<NiNumber, NiNumberError> {
        let compact: Vec<u8> = text
            .chars()
            .filter(|c| *c != ' ')
            .map(|c| u8::try_from(c.to_ascii_uppercase()).map_err(|_| NiNumberError::Layout))
            .collect::<Result<_, _>>()?;
        let bytes: [u8; 9] = compact.try_into().map_err(|_| NiNumberError::Layout)?;
        let layout = bytes[..2].iter().all(u8::is_ascii_uppercase)
            && bytes[2..8].iter().all(u8::is_ascii_digit)
            && bytes[8].is_ascii_uppercase();
        if !layout {
            return Err(NiNumberError::Layout);
        }
        let (first, second) = (bytes[0], bytes[1]);
        let unallocated = [b"BG", b"GB", b"KN", b"NK", b"NT", b"TN", b"ZZ"];
        if b"DFIQUV".contains(&first)
            || b"DFIOQUV".contains(&second)
            || unallocated.contains(&&[first, second])
        {
            return Err(NiNumberError::Prefix);
        }
        if !b"ABCD".contains(&bytes[8]) {
            return Err(NiNumberError::Suffix);
        }
        Ok(NiNumber(bytes))
    }
}

impl fmt::Display for NiNumber {
    /// `AB123456C`: the normalised form, stored and indexed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(std::str::from_utf8(&self.0).unwrap_or_default())
    }
}

impl fmt::Debug for NiNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NiNumber([redacted])")
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

    #[test]
    fn a_national_insurance_number_is_read_strictly_and_held_without_spaces() {
        for typed in [
            "AB 12 34 56 C",
            "ab123456c",
            " AB12 3456 C ",
            "ab 12 34 56 c",
        ] {
            assert_eq!(NiNumber::parse(typed).unwrap().to_string(), "AB123456C");
        }
        assert_eq!(
            NiNumber::parse("JZ 99 00 01 D").unwrap().to_string(),
            "JZ990001D"
        );
        let number = NiNumber::parse("AB123456C").unwrap();
        assert_eq!(format!("{number:?}"), "NiNumber([redacted])");
        for first in ["D", "F", "I", "Q", "U", "V"] {
            assert_eq!(
                NiNumber::parse(&format!("{first}A123456C")),
                Err(NiNumberError::Prefix),
                "{first}"
            );
        }
        for second in ["D", "F", "I", "O", "Q", "U", "V"] {
            assert_eq!(
                NiNumber::parse(&format!("A{second}123456C")),
                Err(NiNumberError::Prefix),
                "{second}"
            );
        }
        for prefix in ["BG", "GB", "KN", "NK", "NT", "TN", "ZZ", "QQ"] {
            assert_eq!(
                NiNumber::parse(&format!("{prefix}123456C")),
                Err(NiNumberError::Prefix),
                "{prefix}"
            );
        }
        assert_eq!(NiNumber::parse("AB123456E"), Err(NiNumberError::Suffix));
        for wrong in [
            "",
            "AB12345C",
            "AB1234567C",
            "AB12345CC",
            "1B123456C",
            "AB12-34-56C",
            "AB123456",
            "ÅB123456C",
        ] {
            assert_eq!(
                NiNumber::parse(wrong),
                Err(NiNumberError::Layout),
                "{wrong}"
            );
        }
    }
}
