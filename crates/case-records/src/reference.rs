//! Case references: opaque, free of personal data, with a check character.

use std::fmt;

/// Crockford's base 32: no I, L, O or U, so a reference read aloud or
/// copied by hand is hard to get wrong.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const BODY_LENGTH: usize = 8;

/// A case reference such as `CM-7K3P-9XQ2-D`: eight random characters and a
/// Luhn mod 32 check character, which catches every single-character typo
/// and every swap of two adjacent characters but one (`0` with `Z`, Luhn's
/// twin blind spot, as `09`/`90` in decimal Luhn). It says nothing about the
/// people in the case, so it is safe on a payment or a letter.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CaseReference([u8; BODY_LENGTH]);

/// Why text is not a case reference.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReferenceError {
    /// Not `CM-` and nine characters of the alphabet.
    Layout,
    /// The check character does not match: a typo.
    CheckCharacter,
}

impl fmt::Display for ReferenceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ReferenceError::Layout => "a case reference looks like CM-7K3P-9XQ2-D",
            ReferenceError::CheckCharacter => {
                "that case reference has a typo: its check character does not match"
            }
        })
    }
}

impl std::error::Error for ReferenceError {}

impl CaseReference {
    /// The reference for a random number (the low 40 bits are used). The
    /// caller supplies the randomness: this crate has no generator.
    #[must_use]
    pub fn from_random(random: u64) -> CaseReference {
        let mut body = [0u8; BODY_LENGTH];
        for (index, slot) in body.iter_mut().enumerate() {
            *slot = u8::try_from((random >> (5 * index)) & 31).expect("five bits");
        }
        CaseReference(body)
    }

    /// Parses a reference, forgiving case, spaces, hyphens and the letters
    /// Crockford maps to digits (I and L as 1, O as 0).
    ///
    /// # Errors
    /// The wrong layout, or a check character that does not match.
    pub fn parse(text: &str) -> Result<CaseReference, ReferenceError> {
        let upper = text.trim().to_ascii_uppercase();
        let rest = upper.strip_prefix("CM").ok_or(ReferenceError::Layout)?;
        let values: Vec<u8> = rest
            .chars()
            .filter(|c| *c != '-' && *c != ' ')
            .map(|c| match c {
                'I' | 'L' => Some(1),
                'O' => Some(0),
                other => ALPHABET
                    .iter()
                    .position(|a| char::from(*a) == other)
                    .map(|p| u8::try_from(p).expect("< 32")),
            })
            .collect::<Option<_>>()
            .ok_or(ReferenceError::Layout)?;
        let (check, body) = values.split_last().ok_or(ReferenceError::Layout)?;
        let body: [u8; BODY_LENGTH] = body.try_into().map_err(|_| ReferenceError::Layout)?;
        if check_value(&body) != *check {
            return Err(ReferenceError::CheckCharacter);
        }
        Ok(CaseReference(body))
    }
}

/// Luhn mod N (N = 32) over the body, from the right.
fn check_value(body: &[u8; BODY_LENGTH]) -> u8 {
    let mut sum = 0u32;
    for (position, value) in body.iter().rev().enumerate() {
        let mut addend = u32::from(*value);
        if position % 2 == 0 {
            addend *= 2;
            addend = addend / 32 + addend % 32;
        }
        sum += addend;
    }
    u8::try_from((32 - sum % 32) % 32).expect("< 32")
}

impl fmt::Display for CaseReference {
    /// `CM-7K3P-9XQ2-D`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = |v: u8| char::from(ALPHABET[usize::from(v)]);
        let b = self.0;
        write!(
            f,
            "CM-{}{}{}{}-{}{}{}{}-{}",
            c(b[0]),
            c(b[1]),
            c(b[2]),
            c(b[3]),
            c(b[4]),
            c(b[5]),
            c(b[6]),
            c(b[7]),
            c(check_value(&b))
        )
    }
}

impl fmt::Debug for CaseReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CaseReference({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn references_print_and_parse_forgivingly() {
        let reference = CaseReference::from_random(0x00AB_CDEF_1234);
        let text = reference.to_string();
        assert!(text.starts_with("CM-") && text.len() == 14, "{text}");
        assert_eq!(CaseReference::parse(&text), Ok(reference));
        assert_eq!(
            CaseReference::parse(&text.to_lowercase().replace('-', " ")),
            Ok(reference)
        );
        assert_eq!(CaseReference::parse("CM-12"), Err(ReferenceError::Layout));
        assert_eq!(
            CaseReference::parse("XX-0000-0000-0"),
            Err(ReferenceError::Layout)
        );
    }

    #[test]
    fn the_one_swap_luhn_cannot_see_is_zero_with_z() {
        // Known and documented, so that nobody relies on more than is true.
        let reference = CaseReference::from_random(31); // body "Z0000000"
        let text = reference.to_string().replace('-', "");
        let swapped = format!("CM0Z{}", &text[4..]);
        assert!(CaseReference::parse(&swapped).is_ok());
    }

    proptest! {
        #[test]
        fn any_single_typo_is_caught(random in any::<u64>(), position in 0usize..9, replacement in 0usize..32) {
            let reference = CaseReference::from_random(random);
            let mut chars: Vec<char> = reference.to_string().chars().filter(|c| *c != '-').collect();
            let index = 2 + position; // after "CM"
            let new = char::from(ALPHABET[replacement]);
            prop_assume!(chars[index] != new);
            chars[index] = new;
            let typed: String = chars.into_iter().collect();
            prop_assert_eq!(CaseReference::parse(&typed), Err(ReferenceError::CheckCharacter));
        }

        #[test]
        fn any_swap_of_neighbours_is_caught(random in any::<u64>(), position in 0usize..8) {
            let reference = CaseReference::from_random(random);
            let mut chars: Vec<char> = reference.to_string().chars().filter(|c| *c != '-').collect();
            let index = 2 + position;
            prop_assume!(chars[index] != chars[index + 1]);
            let pair = [chars[index], chars[index + 1]];
            prop_assume!(pair != ['0', 'Z'] && pair != ['Z', '0']);
            chars.swap(index, index + 1);
            let typed: String = chars.into_iter().collect();
            prop_assert!(CaseReference::parse(&typed).is_err());
        }
    }
}
