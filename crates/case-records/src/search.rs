//! Finding a case over sealed data: keyed blind indexes of normalised
//! values.
//!
//! The database holds every personal field sealed, so it cannot be asked
//! "who lives at ZW8 9PR". What it holds beside each party instead is a
//! [`SearchToken`] per searchable value: HMAC-SHA256 of the value,
//! normalised (so `zw89pr` and `ZW8 9PR` are one postcode), under a key
//! derived from the key that seals ([`KeyRing::blind_index`]). A search
//! normalises what was typed the same way and asks for the token: equal
//! values meet, and the index never holds a plain value, nor anything that
//! can be turned back into one without the key file.
//!
//! What is indexed, per parent: each part of the name, the postcode, the
//! phone number, the National Insurance number and the date of birth; per
//! child: each part of the name. Normalisation, per kind:
//!
//! - name: NFC, lower case, apostrophes dropped (`O'Brien` is `obrien`),
//!   split into parts at spaces, hyphens, full stops and other punctuation;
//!   each part is indexed, and again without its accents (`zoë` and `zoe`).
//!   A search finds a party whose name has every part typed, in any order.
//! - postcode: letters and digits only, upper case (`ZW89PR`).
//! - phone: the national significant number, the digits a national
//!   (`07700 951824`) and an international (`+44 7700 951824`) form share:
//!   [`national_significant_number`], as the redaction reads phones.
//! - National Insurance number: [`NiNumber`]'s form (`AB123456C`).
//! - date of birth: ISO 8601 (`1985-03-12`).
//!
//! Tokens are made with the active key when parties are sealed
//! ([`crate::seal_parties`]), so a re-seal with a new key rewrites them; a
//! search asks for the tokens of every key in the ring, so what was indexed
//! before a rotation is found until it is re-sealed.
//!
//! Pure: keys and dates are arguments.

use std::fmt;

use domain_types::Date;
use domain_types::text::ascii_folded;
use field_crypto::{KeyId, KeyRing};
use unicode_normalization::UnicodeNormalization;

use crate::access::{Circumstances, Decision, Field, Relationship, Role, decide};
use crate::personal::NiNumber;
use crate::reference::CaseReference;
use crate::view::{Child, Person};

/// A kind of value a case can be found by. Declared in the order of their
/// codes, so tokens sort the same way by kind or by code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SearchKind {
    /// A person's date of birth.
    DateOfBirth,
    /// A part of a person's name (or a child's).
    Name,
    /// A National Insurance number.
    NiNumber,
    /// A phone number.
    Phone,
    /// A postcode.
    Postcode,
}

impl SearchKind {
    /// Every kind.
    pub const ALL: [SearchKind; 5] = [
        SearchKind::DateOfBirth,
        SearchKind::Name,
        SearchKind::NiNumber,
        SearchKind::Phone,
        SearchKind::Postcode,
    ];

    /// The code stored in the index and used in the API.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            SearchKind::DateOfBirth => "date_of_birth",
            SearchKind::Name => "name",
            SearchKind::NiNumber => "ni_number",
            SearchKind::Phone => "phone",
            SearchKind::Postcode => "postcode",
        }
    }

    /// The kind with this code.
    #[must_use]
    pub fn from_code(code: &str) -> Option<SearchKind> {
        SearchKind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// In words, for a page.
    #[must_use]
    pub const fn in_words(self) -> &'static str {
        match self {
            SearchKind::DateOfBirth => "date of birth",
            SearchKind::Name => "name",
            SearchKind::NiNumber => "National Insurance number",
            SearchKind::Phone => "phone number",
            SearchKind::Postcode => "postcode",
        }
    }

    /// The field whose value it is: who may search by it is who may see it.
    #[must_use]
    pub const fn field(self) -> Field {
        match self {
            SearchKind::DateOfBirth => Field::DateOfBirth,
            SearchKind::Name => Field::Name,
            SearchKind::NiNumber => Field::NiNumber,
            SearchKind::Phone => Field::Phone,
            SearchKind::Postcode => Field::Postcode,
        }
    }
}

/// One entry of the blind index: a kind and the keyed token of one
/// normalised value. Holds no value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SearchToken {
    /// What kind of value.
    pub kind: SearchKind,
    /// HMAC-SHA256 of the normalised value under the blind-index key.
    pub token: [u8; 32],
}

/// The parts of a name, normalised: NFC, lower case, apostrophes dropped,
/// split at whitespace, hyphens, dashes, full stops, commas, digits and
/// other punctuation; each part once, in order.
#[must_use]
pub fn name_parts(name: &str) -> Vec<String> {
    let lower: String = name.nfc().flat_map(char::to_lowercase).nfc().collect();
    let mut parts: Vec<String> = Vec::new();
    let mut current = String::new();
    for c in lower.chars() {
        if matches!(c, '\'' | '\u{2019}' | '\u{2018}' | '\u{02BC}' | '`') {
            continue;
        }
        let separates = c.is_whitespace()
            || c.is_ascii_punctuation()
            || c.is_numeric()
            || c.is_control()
            || ('\u{2010}'..='\u{2015}').contains(&c)
            || matches!(c, '\u{00B7}' | '\u{2022}' | '\u{00A0}');
        if separates {
            if !current.is_empty() && !parts.contains(&current) {
                parts.push(std::mem::take(&mut current));
            }
            current.clear();
        } else {
            current.push(c);
        }
    }
    if !current.is_empty() && !parts.contains(&current) {
        parts.push(current);
    }
    parts
}

/// A postcode normalised: its letters and digits, upper case, no spaces.
#[must_use]
pub fn normalise_postcode(postcode: &str) -> String {
    postcode
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_uppercase)
        .collect()
}

/// A phone number by its national significant number: the digits after
/// the country code (`+44` or `0044`) or the trunk prefix (0), and a `(0)`
/// written after the country code; so `07700 951824`, `+44 7700 951824`,
/// `0044 7700 951824` and `+44 (0)7700 951824` are all `7700951824`.
#[must_use]
pub fn national_significant_number(phone: &str) -> String {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    // `00` is the international prefix dialled from the UK (`0044 …`).
    let digits = digits.strip_prefix("00").unwrap_or(&digits);
    let significant = digits
        .strip_prefix("44")
        .or_else(|| digits.strip_prefix('0'))
        .unwrap_or(digits);
    significant
        .strip_prefix('0')
        .unwrap_or(significant)
        .to_owned()
}

/// The token of `normalised` under one key.
fn token_with(keys: &KeyRing, key: KeyId, kind: SearchKind, normalised: &str) -> Option<[u8; 32]> {
    keys.blind_index(key, kind.code(), normalised.as_bytes())
}

/// The blind-index token of an already normalised value under the ring's
/// active key: what is stored.
#[must_use]
pub fn blind_index(keys: &KeyRing, kind: SearchKind, normalised: &str) -> [u8; 32] {
    token_with(keys, keys.active(), kind, normalised).expect("the active key is in the ring")
}

/// The normalised values of a name to index: each part, and each part
/// without its accents where that differs.
fn name_values(name: &str) -> Vec<String> {
    let mut values = Vec::new();
    for part in name_parts(name) {
        let folded = ascii_folded(&part).to_lowercase();
        values.push(part);
        if !folded.is_empty() && !values.contains(&folded) {
            values.push(folded);
        }
    }
    values
}

/// The index entries of a parent, under the active key, sorted, each once.
#[must_use]
pub fn person_search_tokens(keys: &KeyRing, person: &Person) -> Vec<SearchToken> {
    let mut values: Vec<(SearchKind, String)> = name_values(person.name.expose_sensitive())
        .into_iter()
        .map(|v| (SearchKind::Name, v))
        .collect();
    values.push((
        SearchKind::Postcode,
        normalise_postcode(person.postcode.expose_sensitive()),
    ));
    if let Some(phone) = &person.phone {
        values.push((
            SearchKind::Phone,
            national_significant_number(phone.expose_sensitive()),
        ));
    }
    if let Some(number) = &person.ni_number {
        values.push((SearchKind::NiNumber, number.expose_sensitive().to_string()));
    }
    if let Some(born) = &person.date_of_birth {
        values.push((SearchKind::DateOfBirth, born.expose_sensitive().to_string()));
    }
    tokens_of(keys, values)
}

/// The index entries of a child: each part of their name.
#[must_use]
pub fn child_search_tokens(keys: &KeyRing, child: &Child) -> Vec<SearchToken> {
    tokens_of(
        keys,
        name_values(child.name.expose_sensitive())
            .into_iter()
            .map(|v| (SearchKind::Name, v))
            .collect(),
    )
}

fn tokens_of(keys: &KeyRing, values: Vec<(SearchKind, String)>) -> Vec<SearchToken> {
    let mut tokens: Vec<SearchToken> = values
        .into_iter()
        .filter(|(_, value)| !value.is_empty())
        .map(|(kind, value)| SearchToken {
            kind,
            token: blind_index(keys, kind, &value),
        })
        .collect();
    tokens.sort_unstable();
    tokens.dedup();
    tokens
}

/// What the store is asked: parties with at least `needed` of `tokens`
/// of `kind` (one token per key in the ring for one value; for a name,
/// one per part per key, and every part needed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SearchQuery {
    /// What kind of value.
    pub kind: SearchKind,
    /// The tokens to look for.
    pub tokens: Vec<[u8; 32]>,
    /// How many distinct tokens a party must have among them.
    pub needed: u32,
}

/// Why what was typed cannot be searched for as the kind asked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SearchRefused {
    /// Nothing was typed.
    Empty,
    /// It is not a value of the kind asked: the message says what is.
    NotA(SearchKind),
    /// A date of birth in the future.
    FutureDate,
    /// Too long to be any value searched for.
    TooLong,
}

impl fmt::Display for SearchRefused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SearchRefused::Empty => "enter what to search for",
            SearchRefused::NotA(SearchKind::Name) => {
                "a name is letters, with spaces, hyphens or apostrophes between its parts"
            }
            SearchRefused::NotA(SearchKind::NiNumber) => {
                "a National Insurance number is two letters, six digits and A, B, C or D, like AB 12 34 56 C"
            }
            SearchRefused::NotA(SearchKind::DateOfBirth) => {
                "a date of birth is written like 1985-03-12 or 12/03/1985"
            }
            SearchRefused::NotA(SearchKind::Postcode) => "a postcode is written like ZW8 9PR",
            SearchRefused::NotA(SearchKind::Phone) => {
                "a phone number has 9 to 15 digits, like 07700 951824 or +44 7700 951824"
            }
            SearchRefused::FutureDate => "a date of birth cannot be in the future",
            SearchRefused::TooLong => "that is too long to search for",
        })
    }
}

impl std::error::Error for SearchRefused {}

/// The longest text searched for, in characters.
pub const SEARCH_MAX_CHARS: usize = 100;

/// A date of birth as typed in a search or a form: `1985-03-12`, or
/// day/month/year as `12/03/1985`, `12.03.1985`, `12-03-1985` or
/// `12 3 1985`; never after `today`.
///
/// # Errors
/// Not a date in one of those forms, or a day after `today`.
pub fn parse_date_of_birth(typed: &str, today: Date) -> Result<Date, SearchRefused> {
    let typed = typed.trim();
    let date = Date::parse_iso(typed)
        .ok()
        .or_else(|| {
            let parts: Vec<&str> = typed
                .split(['/', '.', '-', ' '])
                .filter(|p| !p.is_empty())
                .collect();
            let [day, month, year] = parts.as_slice() else {
                return None;
            };
            let all_digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
            if !(all_digits(day) && all_digits(month) && year.len() == 4 && all_digits(year))
                || day.len() > 2
                || month.len() > 2
            {
                return None;
            }
            Date::parse_iso(&format!("{year}-{month:0>2}-{day:0>2}")).ok()
        })
        .ok_or(SearchRefused::NotA(SearchKind::DateOfBirth))?;
    if date > today {
        return Err(SearchRefused::FutureDate);
    }
    Ok(date)
}

/// Whether `compact` (letters and digits, upper case) is shaped like a UK
/// postcode: outward code A9, A99, AA9, AA99, A9A or AA9A, inward 9AA.
#[must_use]
pub fn is_postcode(compact: &str) -> bool {
    let bytes = compact.as_bytes();
    if !(5..=7).contains(&bytes.len()) || !compact.is_ascii() {
        return false;
    }
    let (outward, inward) = bytes.split_at(bytes.len() - 3);
    let inward_ok = inward[0].is_ascii_digit()
        && inward[1].is_ascii_alphabetic()
        && inward[2].is_ascii_alphabetic();
    let letters = outward
        .iter()
        .take_while(|b| b.is_ascii_alphabetic())
        .count();
    let rest = &outward[letters..];
    (1..=2).contains(&letters)
        && !rest.is_empty()
        && rest[0].is_ascii_digit()
        && rest.len() <= 2
        && rest.iter().all(u8::is_ascii_alphanumeric)
        && inward_ok
}

fn looks_like_phone(typed: &str) -> bool {
    let digits = typed.chars().filter(char::is_ascii_digit).count();
    typed
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '+' | '(' | ')' | '-' | '.'))
        && (9..=15).contains(&national_significant_number(typed).len())
        && digits <= 16
}

fn looks_like_name(typed: &str) -> bool {
    typed.chars().any(char::is_alphabetic)
        && !typed.chars().any(|c| {
            c.is_numeric() || matches!(c, '@' | '/' | '\\' | '<' | '>' | '#' | '%' | '&' | '=')
        })
}

/// The normalised values a search for `typed` as `kind` looks for.
///
/// # Errors
/// Nothing typed, too long, or not a value of that kind.
pub fn search_values(
    kind: SearchKind,
    typed: &str,
    today: Date,
) -> Result<Vec<String>, SearchRefused> {
    let typed = typed.trim();
    if typed.is_empty() {
        return Err(SearchRefused::Empty);
    }
    if typed.chars().count() > SEARCH_MAX_CHARS {
        return Err(SearchRefused::TooLong);
    }
    let not = SearchRefused::NotA(kind);
    Ok(match kind {
        SearchKind::Name => {
            if !looks_like_name(typed) {
                return Err(not);
            }
            let parts = name_parts(typed);
            if parts.is_empty() {
                return Err(not);
            }
            parts
        }
        SearchKind::NiNumber => vec![NiNumber::parse(typed).map_err(|_| not)?.to_string()],
        SearchKind::DateOfBirth => vec![parse_date_of_birth(typed, today)?.to_string()],
        SearchKind::Postcode => {
            let compact = normalise_postcode(typed);
            if !is_postcode(&compact) {
                return Err(not);
            }
            vec![compact]
        }
        SearchKind::Phone => {
            if !looks_like_phone(typed) {
                return Err(not);
            }
            vec![national_significant_number(typed)]
        }
    })
}

/// The query for `typed` as `kind`: the tokens of its normalised values
/// under every key in the ring.
///
/// # Errors
/// As [`search_values`].
pub fn search_query(
    keys: &KeyRing,
    kind: SearchKind,
    typed: &str,
    today: Date,
) -> Result<SearchQuery, SearchRefused> {
    let values = search_values(kind, typed, today)?;
    let mut tokens = Vec::new();
    for key in keys.key_ids() {
        for value in &values {
            if let Some(token) = token_with(keys, key, kind, value) {
                tokens.push(token);
            }
        }
    }
    Ok(SearchQuery {
        kind,
        tokens,
        needed: u32::try_from(values.len()).unwrap_or(u32::MAX),
    })
}

/// What a single search box's text is taken to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lookup {
    /// A case reference: go straight to the case.
    Reference(CaseReference),
    /// A value of this kind, to search the index for.
    Search(SearchKind),
}

/// What `typed` looks like, tried in this order: a case reference, a
/// National Insurance number, a date, a postcode, a phone number, a name.
/// `None` when it is none of them.
#[must_use]
pub fn guess_kind(typed: &str, today: Date) -> Option<Lookup> {
    let typed = typed.trim();
    if typed.is_empty() || typed.chars().count() > SEARCH_MAX_CHARS {
        return None;
    }
    if let Ok(case) = CaseReference::parse(&typed.to_uppercase()) {
        return Some(Lookup::Reference(case));
    }
    [
        SearchKind::NiNumber,
        SearchKind::DateOfBirth,
        SearchKind::Postcode,
        SearchKind::Phone,
        SearchKind::Name,
    ]
    .into_iter()
    .find(|kind| match search_values(*kind, typed, today) {
        Ok(_) => true,
        // A date of birth in the future is still a date: refused as one.
        Err(SearchRefused::FutureDate) => true,
        Err(_) => false,
    })
    .map(Lookup::Search)
}

/// Whether `role` may search by `kind`: staff who may see that field of a
/// party on an open case. A search by personal data tells who is in which
/// case, so it is no wider than the view; parents never search.
#[must_use]
pub fn may_search(role: Role, kind: SearchKind) -> bool {
    !role.is_parent()
        && decide(
            role,
            Relationship::CaseParty,
            kind.field(),
            Circumstances {
                restricted: false,
                viewer_is_named_caseworker: false,
                break_glass: false,
            },
        ) == Decision::Allow
}
