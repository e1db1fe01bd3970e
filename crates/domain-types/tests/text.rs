//! `HumanText`: the one checked form of text people type (issue 13 item 2),
//! and the sign-in limits (item 8).

use domain_types::text::credentials::{
    self, LOGIN_MAX_CHARS, PASSWORD_MAX_CHARS, PASSWORD_MIN_CHARS, PasswordError,
};
use domain_types::{HumanText, TextError};
use proptest::prelude::*;

#[test]
fn controls_are_refused_in_one_line_text() {
    for (input, error) in [
        ("Zo\u{eb} \u{0}\r\nX", TextError::Control('\u{0}')),
        ("Zo\u{eb}\r\nX", TextError::LineBreak('\r')),
        ("Zo\u{eb}\nX", TextError::LineBreak('\n')),
        ("Zo\u{eb}\tX", TextError::LineBreak('\t')),
        ("Zo\u{eb}\u{2028}X", TextError::LineBreak('\u{2028}')),
        ("Zo\u{eb}\u{1b}[31mX", TextError::Control('\u{1b}')),
        ("Zo\u{eb}\u{7f}", TextError::Control('\u{7f}')),
        ("Zo\u{eb}\u{85}X", TextError::Control('\u{85}')),
        ("Zo\u{eb}\u{9b}X", TextError::Control('\u{9b}')),
    ] {
        assert_eq!(HumanText::parse(input, 500), Err(error), "{input:?}");
    }
}

#[test]
fn direction_controls_are_refused_and_joiners_kept() {
    for c in ('\u{202A}'..='\u{202E}')
        .chain('\u{2066}'..='\u{2069}')
        .chain(['\u{200E}', '\u{200F}', '\u{061C}'])
    {
        assert_eq!(
            HumanText::parse(&format!("abc{c}def"), 500),
            Err(TextError::DirectionControl(c))
        );
    }
    // Persian needs the non-joiner; emoji sequences the joiner.
    for kept in [
        "\u{645}\u{6cc}\u{200c}\u{62e}\u{648}\u{627}\u{647}\u{645}",
        "\u{1F469}\u{200D}\u{1F467}",
    ] {
        assert_eq!(HumanText::parse(kept, 500).unwrap().as_str(), kept);
    }
}

#[test]
fn noncharacters_private_use_and_unassigned_are_refused() {
    for (c, error) in [
        ('\u{FDD0}', TextError::Noncharacter('\u{FDD0}')),
        ('\u{FFFE}', TextError::Noncharacter('\u{FFFE}')),
        ('\u{10FFFF}', TextError::Noncharacter('\u{10FFFF}')),
        ('\u{E000}', TextError::PrivateUse('\u{E000}')),
        ('\u{F0000}', TextError::PrivateUse('\u{F0000}')),
        ('\u{0378}', TextError::Unassigned('\u{0378}')),
        ('\u{E0080}', TextError::Unassigned('\u{E0080}')),
    ] {
        assert_eq!(HumanText::parse(&format!("a{c}b"), 500), Err(error));
    }
}

#[test]
fn text_is_stored_in_nfc_and_trimmed() {
    let text = HumanText::parse(" \u{a0}Zoe\u{308}\t", 500).unwrap();
    assert_eq!(text.as_str(), "Zo\u{eb}");
    // Hangul jamo compose; an Angstrom sign becomes the letter.
    assert_eq!(
        HumanText::parse("\u{1100}\u{1161}", 5).unwrap().as_str(),
        "\u{ac00}"
    );
    assert_eq!(HumanText::parse("\u{212B}", 5).unwrap().as_str(), "\u{c5}");
    assert_eq!(HumanText::parse(" \t\r\n ", 5), Err(TextError::Empty));
    assert_eq!(HumanText::parse("", 5), Err(TextError::Empty));
}

#[test]
fn limits_count_characters_after_normalising() {
    let at_limit = "\u{eb}".repeat(499) + "\u{1F600}";
    assert_eq!(at_limit.len(), 499 * 2 + 4);
    assert_eq!(HumanText::parse(&at_limit, 500).unwrap().char_count(), 500);
    // 500 decomposed characters (1,000 code points typed) fit too.
    let decomposed = "e\u{308}".repeat(500);
    assert_eq!(
        HumanText::parse(&decomposed, 500).unwrap().char_count(),
        500
    );
    let over = "\u{eb}".repeat(501);
    let error = HumanText::parse(&over, 500).unwrap_err();
    assert_eq!(
        error,
        TextError::TooLong {
            max_chars: 500,
            chars: 501
        }
    );
    assert_eq!(
        error.to_string(),
        "must be 500 characters or fewer (it is 501 characters)"
    );
}

#[test]
fn messages_name_the_code_point_never_echo_it() {
    let message = HumanText::parse("a\u{202E}b", 10).unwrap_err().to_string();
    assert_eq!(
        message,
        "must not contain text-direction controls (found U+202E)"
    );
    let message = HumanText::parse("a\u{0}b", 10).unwrap_err().to_string();
    assert!(message.contains("U+0000") && !message.contains('\u{0}'));
}

#[test]
fn multi_line_text_keeps_line_breaks_as_lf_only() {
    let text = HumanText::parse_lines("first\r\nsecond\rthird\n", 50).unwrap();
    assert_eq!(text.as_str(), "first\nsecond\nthird");
    assert_eq!(
        HumanText::parse_lines("a\tb", 50),
        Err(TextError::LineBreak('\t'))
    );
    assert_eq!(
        HumanText::parse_lines("a\u{0}b", 50),
        Err(TextError::Control('\u{0}'))
    );
}

#[test]
fn login_and_password_limits_are_in_characters() {
    let local = "\u{eb}".repeat(LOGIN_MAX_CHARS - "@example.org".len());
    let login = format!("{local}@example.org");
    assert_eq!(login.chars().count(), LOGIN_MAX_CHARS);
    assert!(login.len() > 254);
    assert_eq!(credentials::login(&login).unwrap().as_str(), login);
    assert_eq!(
        credentials::login(&format!("\u{eb}{login}")),
        Err(TextError::TooLong {
            max_chars: LOGIN_MAX_CHARS,
            chars: LOGIN_MAX_CHARS + 1
        })
    );
    assert_eq!(
        credentials::login("  Ann@Example.ORG ").unwrap().as_str(),
        "ann@example.org"
    );
    let longest = "\u{20ac}".repeat(PASSWORD_MAX_CHARS);
    assert_eq!(credentials::new_password(&longest), Ok(()));
    assert!(credentials::password_within_limit(&longest));
    let over = "\u{20ac}".repeat(PASSWORD_MAX_CHARS + 1);
    assert_eq!(
        credentials::new_password(&over),
        Err(PasswordError::TooLong)
    );
    assert!(!credentials::password_within_limit(&over));
    assert_eq!(
        credentials::new_password(&"x".repeat(PASSWORD_MIN_CHARS - 1)),
        Err(PasswordError::TooShort)
    );
    assert_eq!(
        PasswordError::TooLong.to_string(),
        "must be 200 characters or fewer"
    );
}

proptest! {
    /// Whatever is accepted holds no control, direction control,
    /// noncharacter, private-use or unassigned code point, no surrounding
    /// whitespace, is in NFC, within its limit, and parses to itself.
    #[test]
    fn what_is_accepted_is_clean_and_stable(input in "\\PC{0,40}|[\\x00-\\x{10FFFF}]{0,40}", max in 1usize..60) {
        if let Ok(text) = HumanText::parse(&input, max) {
            let s = text.as_str();
            prop_assert!(s.chars().count() <= max);
            prop_assert_eq!(s.trim(), s);
            prop_assert!(!s.is_empty());
            let refused = |c: char| c.is_control()
                || matches!(c, '\u{2028}' | '\u{2029}' | '\u{200E}' | '\u{200F}' | '\u{061C}'
                    | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}');
            prop_assert!(!s.chars().any(refused), "refused character kept");
            prop_assert_eq!(HumanText::parse(s, max), Ok(text.clone()));
        }
    }
}
