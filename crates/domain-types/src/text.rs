//! Text that people type: names, addresses, postcodes, phone numbers, the
//! names of schools and employers. One type, [`HumanText`], for all of it,
//! so that every writer downstream (HTML, JSON, XML payment files, PDF
//! letters, CSV) can rely on the same promise:
//!
//! - Unicode Normalization Form C (`Zoe\u{308}` is stored as `Zoë`), so the
//!   same name typed on two keyboards is the same text;
//! - no leading or trailing whitespace;
//! - one line: no control characters at all (C0, DEL, C1), so no NUL, ESC,
//!   TAB, CR or LF, nor the line and paragraph separators (U+2028,
//!   U+2029). Only a field declared multi-line ([`HumanText::parse_lines`])
//!   keeps line breaks, each as one LF;
//! - no text-direction controls: the embeddings and overrides
//!   (U+202A–U+202E), the isolates (U+2066–U+2069) and the marks (U+200E,
//!   U+200F, U+061C), which can make a name read differently from what it
//!   is. Zero-width joiners and non-joiners are kept: some scripts and
//!   emoji need them;
//! - no noncharacters, no private-use and no unassigned code points (as of
//!   the Unicode version of the tables compiled in);
//! - at most a given number of characters (Unicode scalar values, after
//!   normalisation), never bytes.
//!
//! Pure: no I/O.

use std::fmt;

use unicode_normalization::UnicodeNormalization;
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

/// Text typed by a person, checked and normalised (see the module's rules).
///
/// `Debug` shows only its length: human text is usually personal data.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HumanText(String);

/// Why a piece of text was refused. `Display` gives the message to show
/// beside the field's name; a code point is named as `U+XXXX`, never
/// echoed, since it may be invisible or a control.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextError {
    /// Nothing but whitespace.
    Empty,
    /// More characters than the field takes.
    TooLong {
        /// The most the field takes, in characters.
        max_chars: usize,
        /// How many were given (after trimming and normalising).
        chars: usize,
    },
    /// A line break or tab in a one-line field (or a tab, vertical tab,
    /// form feed, or line or paragraph separator in a multi-line one).
    LineBreak(char),
    /// Any other control character: C0, DEL or C1.
    Control(char),
    /// A text-direction control (embedding, override, isolate or mark).
    DirectionControl(char),
    /// A Unicode noncharacter (U+FDD0–U+FDEF, U+xxFFFE, U+xxFFFF).
    Noncharacter(char),
    /// A private-use code point, which means nothing outside one system.
    PrivateUse(char),
    /// A code point not assigned in the Unicode version compiled in.
    Unassigned(char),
}

impl fmt::Display for TextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let code = |c: &char| format!("U+{:04X}", u32::from(*c));
        match self {
            TextError::Empty => f.write_str("must not be empty"),
            TextError::TooLong { max_chars, chars } => write!(
                f,
                "must be {max_chars} characters or fewer (it is {chars} characters)"
            ),
            TextError::LineBreak(c) => write!(
                f,
                "must be one line, without line breaks or tabs (found {})",
                code(c)
            ),
            TextError::Control(c) => {
                write!(f, "must not contain control characters (found {})", code(c))
            }
            TextError::DirectionControl(c) => write!(
                f,
                "must not contain text-direction controls (found {})",
                code(c)
            ),
            TextError::Noncharacter(c) => write!(
                f,
                "must not contain Unicode noncharacters (found {})",
                code(c)
            ),
            TextError::PrivateUse(c) => write!(
                f,
                "must not contain private-use characters (found {})",
                code(c)
            ),
            TextError::Unassigned(c) => write!(
                f,
                "must not contain unassigned Unicode code points (found {})",
                code(c)
            ),
        }
    }
}

impl std::error::Error for TextError {}

/// Whether line feeds are allowed.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Lines {
    One,
    Many,
}

/// Whether `c` changes the direction text is shown in.
fn is_direction_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Whether `c` is one of the 66 noncharacters.
fn is_noncharacter(c: char) -> bool {
    let code = u32::from(c);
    (0xFDD0..=0xFDEF).contains(&code) || code & 0xFFFE == 0xFFFE
}

/// Why `c` may not appear, if it may not.
fn refusal(c: char, lines: Lines) -> Option<TextError> {
    match c {
        '\n' if lines == Lines::Many => None,
        '\t' | '\n' | '\u{0B}' | '\u{0C}' | '\r' | '\u{2028}' | '\u{2029}' => {
            Some(TextError::LineBreak(c))
        }
        c if c.is_control() => Some(TextError::Control(c)),
        c if is_direction_control(c) => Some(TextError::DirectionControl(c)),
        c if is_noncharacter(c) => Some(TextError::Noncharacter(c)),
        c => match c.general_category() {
            GeneralCategory::PrivateUse => Some(TextError::PrivateUse(c)),
            GeneralCategory::Unassigned => Some(TextError::Unassigned(c)),
            _ => None,
        },
    }
}

impl HumanText {
    /// One line of text, such as a name or an address: trimmed, checked,
    /// normalised to NFC, and at most `max_chars` characters.
    ///
    /// # Errors
    /// Empty after trimming, a refused character (the first one found), or
    /// too long.
    pub fn parse(input: &str, max_chars: usize) -> Result<HumanText, TextError> {
        HumanText::checked(input.trim(), max_chars, Lines::One)
    }

    /// Text that may run over several lines: as [`HumanText::parse`], but
    /// line breaks are kept, each written as one LF (CR LF and a lone CR
    /// become LF). Tabs and every other control are still refused.
    ///
    /// # Errors
    /// As [`HumanText::parse`].
    pub fn parse_lines(input: &str, max_chars: usize) -> Result<HumanText, TextError> {
        let unified = input.replace("\r\n", "\n").replace('\r', "\n");
        HumanText::checked(unified.trim(), max_chars, Lines::Many)
    }

    fn checked(trimmed: &str, max_chars: usize, lines: Lines) -> Result<HumanText, TextError> {
        if trimmed.is_empty() {
            return Err(TextError::Empty);
        }
        // Controls, direction controls, noncharacters, private-use and
        // unassigned code points neither come from nor go to anything else
        // under canonical normalisation, so checking before it is the same
        // as checking after.
        if let Some(refused) = trimmed.chars().find_map(|c| refusal(c, lines)) {
            return Err(refused);
        }
        let text: String = trimmed.nfc().collect();
        let chars = text.chars().count();
        if chars > max_chars {
            return Err(TextError::TooLong { max_chars, chars });
        }
        Ok(HumanText(text))
    }

    /// The text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The text, owned.
    #[must_use]
    pub fn into_string(self) -> String {
        self.0
    }

    /// Its length in characters (Unicode scalar values).
    #[must_use]
    pub fn char_count(&self) -> usize {
        self.0.chars().count()
    }
}

/// What someone typed, made safe to show back beside its error: every
/// character [`HumanText::parse`] refuses becomes U+FFFD (the replacement
/// character), so a page never carries a control or a direction override
/// yet still shows where the problem was. Nothing else is changed.
#[must_use]
pub fn shown_back(typed: &str) -> String {
    typed
        .chars()
        .map(|c| {
            if refusal(c, Lines::One).is_some() {
                char::REPLACEMENT_CHARACTER
            } else {
                c
            }
        })
        .collect()
}

impl AsRef<str> for HumanText {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl From<HumanText> for String {
    fn from(text: HumanText) -> String {
        text.0
    }
}

impl fmt::Debug for HumanText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HumanText([{} characters])", self.char_count())
    }
}

/// The limits of a sign-in, the same wherever an account is made (the
/// create-account page, `cms account create`) and wherever it is used
/// (sign-in), so that no account can be made that cannot sign in. All are
/// counted in characters.
pub mod credentials {
    use super::{HumanText, TextError};

    /// The longest login: the longest email address a mail server passes
    /// (RFC 5321's path limit less its angle brackets).
    pub const LOGIN_MAX_CHARS: usize = 254;
    /// The shortest password.
    pub const PASSWORD_MIN_CHARS: usize = 12;
    /// The longest password.
    pub const PASSWORD_MAX_CHARS: usize = 200;

    /// A login as it is stored and looked up: lower case, then checked as
    /// one line of [`HumanText`] (trimmed, NFC) of at most
    /// [`LOGIN_MAX_CHARS`] characters.
    ///
    /// # Errors
    /// As [`HumanText::parse`].
    pub fn login(input: &str) -> Result<HumanText, TextError> {
        HumanText::parse(&input.to_lowercase(), LOGIN_MAX_CHARS)
    }

    /// Why a new password was refused.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum PasswordError {
        /// Fewer than [`PASSWORD_MIN_CHARS`] characters.
        TooShort,
        /// More than [`PASSWORD_MAX_CHARS`] characters.
        TooLong,
    }

    impl std::fmt::Display for PasswordError {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            match self {
                PasswordError::TooShort => {
                    write!(f, "must be {PASSWORD_MIN_CHARS} characters or more")
                }
                PasswordError::TooLong => {
                    write!(f, "must be {PASSWORD_MAX_CHARS} characters or fewer")
                }
            }
        }
    }

    impl std::error::Error for PasswordError {}

    /// Checks a new password's length in characters. The password itself is
    /// hashed exactly as typed.
    ///
    /// # Errors
    /// Too short or too long.
    pub fn new_password(password: &str) -> Result<(), PasswordError> {
        let chars = password.chars().count();
        if chars < PASSWORD_MIN_CHARS {
            Err(PasswordError::TooShort)
        } else if chars > PASSWORD_MAX_CHARS {
            Err(PasswordError::TooLong)
        } else {
            Ok(())
        }
    }

    /// Whether a password given at sign-in could belong to any account:
    /// not empty and within [`PASSWORD_MAX_CHARS`] characters. (The
    /// minimum is not checked at sign-in, so that an older, shorter
    /// password still works.)
    #[must_use]
    pub fn password_within_limit(password: &str) -> bool {
        !password.is_empty() && password.chars().count() <= PASSWORD_MAX_CHARS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_trimmed_and_normalised() {
        let name = HumanText::parse("  Zoe\u{308} Smith \n", 500).unwrap();
        assert_eq!(name.as_str(), "Zo\u{eb} Smith");
        assert_eq!(name.char_count(), 9);
    }

    #[test]
    fn refused_characters_are_shown_back_as_replacement_characters() {
        assert_eq!(
            shown_back("Cleo\u{0}\u{202e}x y"),
            "Cleo\u{fffd}\u{fffd}x y"
        );
    }

    #[test]
    fn the_debug_form_shows_no_text() {
        let name = HumanText::parse("Secret Name", 50).unwrap();
        assert_eq!(format!("{name:?}"), "HumanText([11 characters])");
    }
}

/// `text` in the letters a file limited to ASCII can carry, as a bank
/// clerk would write it: accents and other marks taken off (`Zoë` →
/// `Zoe`, `Ŵyn` → `Wyn`, `Ó` → `O`), and the letters with no decomposition
/// spelt out (`ł` → `l`, `ø` → `o`, `æ` → `ae`, `ß` → `ss`). Anything else
/// outside ASCII is dropped. For BACS Standard 18 records, whose text
/// fields hold only upper-case letters, digits and a little punctuation.
#[must_use]
pub fn ascii_folded(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.nfd() {
        if c.is_ascii() {
            out.push(c);
            continue;
        }
        let spelt = match c {
            'ł' => "l",
            'Ł' => "L",
            'ø' => "o",
            'Ø' => "O",
            'æ' => "ae",
            'Æ' => "AE",
            'œ' => "oe",
            'Œ' => "OE",
            'ß' => "ss",
            'đ' | 'ð' => "d",
            'Đ' | 'Ð' => "D",
            'þ' => "th",
            'Þ' => "TH",
            'ı' => "i",
            '\u{2019}' | '\u{2018}' => "'",
            '\u{2013}' | '\u{2014}' => "-",
            _ => "",
        };
        out.push_str(spelt);
    }
    out
}

#[cfg(test)]
mod folding_tests {
    use super::ascii_folded;

    #[test]
    fn names_keep_their_letters_without_their_marks() {
        assert_eq!(ascii_folded("Zoë Ó'Brien-Siân"), "Zoe O'Brien-Sian");
        assert_eq!(
            ascii_folded("Gwenllian ap Rhys-Ŵyn ŷ"),
            "Gwenllian ap Rhys-Wyn y"
        );
        assert_eq!(
            ascii_folded("Łucja Żółć Søren Æsir Straße"),
            "Lucja Zolc Soren AEsir Strasse"
        );
        assert_eq!(ascii_folded("Ștefan Ağa Iıl"), "Stefan Aga Iil");
    }
}
