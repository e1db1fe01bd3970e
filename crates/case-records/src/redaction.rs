//! The one redaction path for free words (issue 12): payers' references,
//! parents' reports, staff notes and hold reasons may carry a location,
//! typed any way a person types it. Everything that lets such words leave
//! the store for someone not entitled to them passes them through
//! [`Locators::withhold`].
//!
//! Two nets, both applied every time:
//!
//! - **Known details.** Every locating detail of the people the words could
//!   concern ([`Locators::person`], [`Locators::child`]), each in the forms
//!   people write it: postcodes with and without the space and by their
//!   parts, phone numbers in national and +44 forms, sort codes with and
//!   without dashes, account numbers, a street with or without its number
//!   and town, and the distinctive words of a school's, GP's or employer's
//!   name. Words and details are compared *normalised*: letters and digits
//!   only, lower case, so `ZW89PR`, `zw8 9pr` and `Z.W.8-9.P.R` all meet.
//! - **The shape of a location.** Whoever the words are about, anything
//!   shaped like a UK postcode, a run of six or more digits (a phone
//!   number, sort code or account number, however punctuated), an email
//!   address, or a house number and street is withheld too, so words about
//!   someone the service does not know to protect still reach no one.
//!
//! Withholding more than needed is the safe failure; the caseworkers and
//! specialists entitled to the words see them whole.

use crate::{CaseParties, Child, Person};

/// What replaces a withheld detail.
pub const WITHHELD: &str = "[withheld]";

/// Normalised forms shorter than this are never searched for alone: they
/// would withhold most text (a postcode's parts are three characters, and
/// are searched for).
const SHORTEST_TOKEN: usize = 3;

/// Words that say what kind of place something is, not which one: never
/// withheld on their own (`Primary` in `St Anne's Primary`).
const GENERIC_WORDS: &[&str] = &[
    "the",
    "and",
    "for",
    "with",
    "road",
    "street",
    "avenue",
    "lane",
    "close",
    "drive",
    "way",
    "court",
    "place",
    "gardens",
    "garden",
    "crescent",
    "terrace",
    "grove",
    "hill",
    "park",
    "square",
    "walk",
    "row",
    "mews",
    "view",
    "rise",
    "flat",
    "house",
    "school",
    "primary",
    "junior",
    "infant",
    "infants",
    "nursery",
    "academy",
    "college",
    "secondary",
    "high",
    "church",
    "england",
    "catholic",
    "saint",
    "surgery",
    "medical",
    "centre",
    "center",
    "practice",
    "health",
    "group",
    "limited",
    "ltd",
    "plc",
    "services",
    "service",
    "community",
    "village",
    "town",
    "city",
    "north",
    "south",
    "east",
    "west",
    "upper",
    "lower",
    "new",
    "old",
    "great",
    "little",
    "gmail",
    "hotmail",
    "outlook",
    "yahoo",
    "icloud",
    "example",
    "com",
    "org",
    "net",
    "gov",
    "invalid",
];

/// Street kinds: a word before one of these (with or without a house
/// number) is taken for a street.
const STREET_KINDS: &[&str] = &[
    "road",
    "rd",
    "street",
    "st",
    "avenue",
    "ave",
    "lane",
    "ln",
    "close",
    "drive",
    "dr",
    "way",
    "court",
    "ct",
    "place",
    "pl",
    "gardens",
    "crescent",
    "cres",
    "terrace",
    "grove",
    "hill",
    "park",
    "square",
    "sq",
    "walk",
    "row",
    "mews",
    "rise",
    "parade",
    "boulevard",
];

/// Letters and digits only, lower case: the form in which words and
/// details are compared.
#[must_use]
pub fn normalise(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The locating details that words must not carry, normalised.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Locators {
    tokens: Vec<String>,
}

impl Locators {
    /// No known details: only the shape of a location is withheld.
    #[must_use]
    pub fn none() -> Locators {
        Locators::default()
    }

    /// Every locating detail of everyone in a case: each parent and each
    /// child.
    #[must_use]
    pub fn of_case(parties: &CaseParties) -> Locators {
        let mut locators = Locators::none();
        locators.person(&parties.paying_parent);
        for (_, person) in &parties.receiving_parents {
            locators.person(person);
        }
        for child in &parties.children {
            locators.child(child);
        }
        locators
    }

    /// Adds everyone in `other`.
    pub fn extend(&mut self, other: Locators) {
        self.tokens.extend(other.tokens);
    }

    /// A person's address, postcode, phone, email, employer and bank.
    pub fn person(&mut self, person: &Person) {
        self.address(person.address.expose_sensitive());
        self.postcode(person.postcode.expose_sensitive());
        if let Some(phone) = &person.phone {
            self.phone(phone.expose_sensitive());
        }
        if let Some(email) = &person.email {
            self.email(email.expose_sensitive());
        }
        if let Some(employer) = &person.employer {
            self.place_name(employer.expose_sensitive());
        }
        if let Some(bank) = &person.bank {
            self.digits(&bank.sort_code.to_string());
            self.digits(bank.account_number.expose_sensitive());
        }
    }

    /// A child's school and GP.
    pub fn child(&mut self, child: &Child) {
        for place in [&child.school, &child.gp].into_iter().flatten() {
            self.place_name(place.expose_sensitive());
        }
    }

    fn push(&mut self, token: String) {
        if token.chars().count() >= SHORTEST_TOKEN && !self.tokens.contains(&token) {
            self.tokens.push(token);
        }
    }

    /// The whole address, each of its lines (split at commas and line
    /// breaks), each line without its house number, and the distinctive
    /// words of each line: a street with or without its number and town.
    pub fn address(&mut self, address: &str) {
        self.push(normalise(address));
        for line in address.split([',', '\n', ';']) {
            self.push(normalise(line));
            let words: Vec<&str> = line.split_whitespace().collect();
            let without_number: Vec<&str> = words
                .iter()
                .copied()
                .skip_while(|w| w.chars().any(|c| c.is_ascii_digit()))
                .collect();
            self.push(normalise(&without_number.join(" ")));
            self.distinctive_words(line);
        }
    }

    /// The postcode with and without its space, and its outward and
    /// inward parts.
    pub fn postcode(&mut self, postcode: &str) {
        let whole = normalise(postcode);
        self.push(whole.clone());
        if whole.len() >= 5 && whole.is_ascii() {
            let (outward, inward) = whole.split_at(whole.len() - 3);
            self.push(outward.to_owned());
            self.push(inward.to_owned());
        }
        for part in postcode.split_whitespace() {
            self.push(normalise(part));
        }
    }

    /// A phone number by its digits, in national (`07700…`) and
    /// international (`+44 7700…`) forms alike: the national significant
    /// number, which both contain.
    pub fn phone(&mut self, phone: &str) {
        let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
        self.push(crate::search::national_significant_number(phone));
        self.push(digits);
    }

    /// An email address whole, and its distinctive parts.
    pub fn email(&mut self, email: &str) {
        self.push(normalise(email));
        for part in email.split(['@', '.', '_', '-', '+']) {
            let part = normalise(part);
            if part.len() >= 4 && !GENERIC_WORDS.contains(&part.as_str()) {
                self.push(part);
            }
        }
    }

    /// A number (sort code, account number) by its digits alone.
    pub fn digits(&mut self, number: &str) {
        self.push(number.chars().filter(char::is_ascii_digit).collect());
    }

    /// The name of a place (a school, a GP's surgery, an employer) whole
    /// and by each distinctive word, so part of the name is withheld too.
    pub fn place_name(&mut self, name: &str) {
        self.push(normalise(name));
        self.distinctive_words(name);
    }

    fn distinctive_words(&mut self, text: &str) {
        for word in text.split(|c: char| !c.is_alphanumeric() && c != '\'') {
            let word = normalise(word);
            let letters = word.chars().filter(|c| c.is_alphabetic()).count();
            if letters >= 4 && !GENERIC_WORDS.contains(&word.as_str()) {
                self.push(word.clone());
            }
            // "St Wilfrid's" is also written "Wilfrids" and "Wilfrid".
            if let Some(stem) = word.strip_suffix('s')
                && stem.chars().count() >= 4
                && !GENERIC_WORDS.contains(&stem)
            {
                self.push(stem.to_owned());
            }
        }
    }

    /// `text` with every known detail and everything shaped like a
    /// location replaced by [`WITHHELD`].
    #[must_use]
    pub fn withhold(&self, text: &str) -> String {
        let mut spans = self.known_spans(text);
        spans.extend(shaped_spans(text));
        replace_spans(text, spans)
    }

    fn known_spans(&self, text: &str) -> Vec<(usize, usize)> {
        // Each character of the normalised text with the byte range of the
        // character it came from.
        let mut normalised = String::new();
        let mut origin: Vec<(usize, usize)> = Vec::new();
        for (at, c) in text.char_indices() {
            if c.is_alphanumeric() {
                for lower in c.to_lowercase() {
                    normalised.push(lower);
                    for _ in 0..lower.len_utf8() {
                        origin.push((at, at + c.len_utf8()));
                    }
                }
            }
        }
        let mut spans = Vec::new();
        for token in &self.tokens {
            let mut from = 0;
            while let Some(found) = normalised[from..].find(token.as_str()) {
                let start = from + found;
                let end = start + token.len();
                spans.push((origin[start].0, origin[end - 1].1));
                from = start + token.chars().next().map_or(1, char::len_utf8);
            }
        }
        spans
    }
}

/// Words of `text` with their byte ranges: split at anything that is not
/// a letter, digit, `@`, `.`, `_`, `+` or `-` between word characters.
fn words(text: &str) -> Vec<(usize, usize, &str)> {
    let mut out = Vec::new();
    let mut start = None;
    for (at, c) in text.char_indices() {
        if c.is_alphanumeric() || c == '@' || c == '\'' {
            start.get_or_insert(at);
        } else if let Some(s) = start.take() {
            out.push((s, at, &text[s..at]));
        }
    }
    if let Some(s) = start {
        out.push((s, text.len(), &text[s..]));
    }
    out
}

/// Spans shaped like a location, whoever it is of.
fn shaped_spans(text: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let words = words(text);
    let upper = |w: &str| w.to_ascii_uppercase();
    for (index, &(start, end, word)) in words.iter().enumerate() {
        // An email address.
        if word.contains('@') {
            spans.push((start, end));
            // The rest of the address after the `@`'s word (`name@mail.co.uk`).
            let mut last = end;
            let tail = &text[end..];
            let extra = tail
                .char_indices()
                .take_while(|(_, c)| c.is_alphanumeric() || matches!(c, '.' | '-' | '_'))
                .last()
                .map_or(0, |(at, c)| at + c.len_utf8());
            last += extra;
            spans.push((start, last));
        }
        // A postcode written whole (`ZW89PR`) or in its two parts.
        if crate::search::is_postcode(&upper(word)) {
            spans.push((start, end));
        }
        if let Some(&(_, next_end, next)) = words.get(index + 1)
            && crate::search::is_postcode(&upper(&format!("{word}{next}")))
            && word.len() <= 4
            && next.len() == 3
        {
            spans.push((start, next_end));
        }
        // A street: a word before a street kind, with the house number
        // before it if there is one.
        let lower = word.to_lowercase();
        if index > 0 && STREET_KINDS.contains(&lower.as_str()) {
            let mut first = index - 1;
            if first > 0 && words[first - 1].2.chars().any(|c| c.is_ascii_digit()) {
                first -= 1;
            }
            spans.push((words[first].0, end));
        }
    }
    // Runs of six or more digits, however punctuated: phone numbers, sort
    // codes, account numbers.
    let mut run_start = None;
    let mut run_end = 0;
    let mut digits = 0;
    for (at, c) in text.char_indices() {
        if c.is_ascii_digit() {
            if run_start.is_none() {
                run_start = Some(at);
                digits = 0;
            }
            digits += 1;
            run_end = at + 1;
        } else if run_start.is_some() && matches!(c, ' ' | '-' | '(' | ')' | '+' | '/') {
            continue;
        } else if let Some(s) = run_start.take()
            && digits >= 6
        {
            spans.push((s, run_end));
        }
    }
    if let Some(s) = run_start
        && digits >= 6
    {
        spans.push((s, run_end));
    }
    spans
}

fn replace_spans(text: &str, mut spans: Vec<(usize, usize)>) -> String {
    spans.sort_unstable();
    let mut out = String::with_capacity(text.len());
    // The end of the last span withheld; spans that overlap or touch it
    // are one withheld stretch.
    let mut withheld_to: Option<usize> = None;
    let mut at = 0;
    for (start, end) in spans {
        match withheld_to {
            Some(to) if start <= to => {
                if end > to {
                    withheld_to = Some(end);
                    at = end;
                }
            }
            _ => {
                out.push_str(&text[at..start]);
                out.push_str(WITHHELD);
                withheld_to = Some(end);
                at = end;
            }
        }
    }
    out.push_str(&text[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn locators() -> Locators {
        let mut l = Locators::none();
        l.address("14 Acacia Avenue, Leeds");
        l.postcode("ZW8 9PR");
        l.phone("07700 951824");
        l.digits("99-44-79");
        l.digits("12345678");
        l.place_name("St Wilfrid's Catholic Primary School");
        l
    }

    #[test]
    fn the_issues_smuggled_forms_are_withheld() {
        let l = locators();
        for words in [
            "moved to acacia avenue ZW89PR",
            "tel 07700951824",
            "ring +44 7700 951 824",
            "sort 994479 acc 12345678",
            "Acacia Avenue Leeds",
            "near wilfrids",
            "z w 8 9 p r",
        ] {
            let out = l.withhold(words);
            let normalised = normalise(&out);
            for secret in [
                "zw89pr",
                "7700951824",
                "994479",
                "12345678",
                "acaciaavenue",
                "leeds",
                "wilfrid",
            ] {
                assert!(
                    !normalised.contains(secret),
                    "{words:?} became {out:?}, still holding {secret}"
                );
            }
        }
    }

    #[test]
    fn ordinary_words_and_references_pass() {
        let l = locators();
        assert_eq!(
            l.withhold("June payment CM-7K3P-9XQ2-D thanks"),
            "June payment CM-7K3P-9XQ2-D thanks"
        );
    }

    #[test]
    fn the_shape_of_a_location_is_withheld_for_anyone() {
        let none = Locators::none();
        let out = none.withhold("now at 3 Quarry Lane, SW1A 1AA, 020 7946 0018 me@mail.example");
        assert!(!out.contains("Quarry"), "{out}");
        assert!(!out.contains("SW1A"), "{out}");
        assert!(!out.contains("7946"), "{out}");
        assert!(!out.contains("me@"), "{out}");
        assert!(out.starts_with("now at "), "{out}");
    }
}
