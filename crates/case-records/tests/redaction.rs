//! The one redaction path, tried as someone smuggling a protected person's
//! location through free words would: every locating detail, typed in any
//! case, with or without spaces and punctuation, whole or in part, mixed
//! with ordinary words. Searched with the same normalisation it uses.

use case_records::{Locators, WITHHELD, normalise};
use proptest::prelude::*;

/// A protected person's locating details, random each time.
#[derive(Clone, Debug)]
struct Details {
    house: u32,
    street: String,
    street_kind: &'static str,
    town: String,
    outward: String,
    inward: String,
    phone: String,
    sort_code: String,
    account: String,
    school: String,
}

fn word() -> impl Strategy<Value = String> {
    "[A-Z][a-z]{4,9}"
}

fn details() -> impl Strategy<Value = Details> {
    (
        (
            1u32..300,
            word(),
            prop::sample::select(vec!["Road", "Street", "Avenue", "Lane", "Close"]),
        ),
        word(),
        ("[A-Z]{1,2}[0-9]{1,2}", "[0-9][A-Z]{2}"),
        ("7[0-9]{9}", "[0-9]{6}", "[0-9]{8}"),
        word(),
    )
        .prop_map(
            |(
                (house, street, street_kind),
                town,
                (outward, inward),
                (phone, sort_code, account),
                school,
            )| Details {
                house,
                street,
                street_kind,
                town,
                outward,
                inward,
                phone: format!("0{phone}"),
                sort_code,
                account,
                school,
            },
        )
}

impl Details {
    fn locators(&self) -> Locators {
        let mut l = Locators::none();
        l.address(&format!(
            "{} {} {}, {}",
            self.house, self.street, self.street_kind, self.town
        ));
        l.postcode(&format!("{} {}", self.outward, self.inward));
        l.phone(&self.phone);
        l.digits(&format!(
            "{}-{}-{}",
            &self.sort_code[0..2],
            &self.sort_code[2..4],
            &self.sort_code[4..6]
        ));
        l.digits(&self.account);
        l.place_name(&format!(
            "St {}'s Church of England Primary School",
            self.school
        ));
        l
    }

    /// What must never be found, normalised.
    fn secrets(&self) -> Vec<(&'static str, String)> {
        vec![
            (
                "street",
                normalise(&format!("{} {}", self.street, self.street_kind)),
            ),
            ("town", normalise(&self.town)),
            (
                "postcode",
                normalise(&format!("{}{}", self.outward, self.inward)),
            ),
            ("phone", self.phone[1..].to_owned()),
            ("sort code", self.sort_code.clone()),
            ("account", self.account.clone()),
            ("school", normalise(&self.school)),
        ]
    }
}

/// One way of typing a detail.
#[derive(Clone, Copy, Debug)]
enum Disguise {
    AsIs,
    Lower,
    Upper,
    NoSpaces,
    SpacedOut,
    Dotted,
}

fn disguise(text: &str, how: Disguise) -> String {
    match how {
        Disguise::AsIs => text.to_owned(),
        Disguise::Lower => text.to_lowercase(),
        Disguise::Upper => text.to_uppercase(),
        Disguise::NoSpaces => text.chars().filter(|c| !c.is_whitespace()).collect(),
        Disguise::SpacedOut => text
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(String::from)
            .collect::<Vec<_>>()
            .join(" "),
        Disguise::Dotted => text
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(String::from)
            .collect::<Vec<_>>()
            .join("."),
    }
}

fn disguises() -> impl Strategy<Value = Vec<Disguise>> {
    prop::collection::vec(
        prop::sample::select(vec![
            Disguise::AsIs,
            Disguise::Lower,
            Disguise::Upper,
            Disguise::NoSpaces,
            Disguise::SpacedOut,
            Disguise::Dotted,
        ]),
        8,
    )
}

/// The details as a payer might write them, each in its own disguise, in
/// partial and alternative forms, among ordinary words.
fn smuggled(d: &Details, how: &[Disguise], filler: &str) -> String {
    let forms = [
        format!("{} {}", d.street, d.street_kind),
        format!("{} {} {} {}", d.house, d.street, d.street_kind, d.town),
        format!("{}{}", d.outward, d.inward),
        format!("{} {}", d.outward, d.inward),
        format!("tel {}", d.phone),
        format!("+44 {}", &d.phone[1..]),
        format!(
            "sort {}-{}-{}",
            &d.sort_code[0..2],
            &d.sort_code[2..4],
            &d.sort_code[4..6]
        ),
        format!("acc {}", d.account),
    ];
    let mut words = vec![filler.to_owned()];
    for (form, how) in forms.iter().zip(how.iter().cycle()) {
        words.push(disguise(form, *how));
        words.push(filler.to_owned());
    }
    words.push(format!("outside {}s", d.school.to_lowercase()));
    words.join(" ")
}

/// Whether `secret` can be read in any stretch of `out` between withheld
/// markers, normalised as the redaction normalises.
fn survives(out: &str, secret: &str) -> bool {
    out.split(WITHHELD)
        .any(|piece| normalise(piece).contains(secret))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// Whatever the details and however they are typed, none survives
    /// redaction, searched for with the redaction's own normalisation.
    #[test]
    fn no_locating_detail_survives(d in details(), how in disguises(), filler in "(thanks|for|june|payment|money|ok){1,3}") {
        let words = smuggled(&d, &how, &filler);
        let out = d.locators().withhold(&words);
        for (what, secret) in d.secrets() {
            prop_assert!(!survives(&out, &secret), "the {} {:?} survived in {:?} (from {:?})", what, secret, out, words);
        }
    }

    /// The shape of a location is withheld even about someone the service
    /// does not know: postcodes, phone numbers, sort codes, accounts and
    /// streets in anyone's words.
    #[test]
    fn locations_of_strangers_are_withheld_by_their_shape(d in details(), how in prop::sample::select(vec![Disguise::AsIs, Disguise::Lower, Disguise::Upper])) {
        let words = format!(
            "moved to {} {} {} {} {} ring {} sort {} acc {}",
            d.house, d.street, d.street_kind, d.outward, d.inward, d.phone, d.sort_code, d.account
        );
        let out = Locators::none().withhold(&disguise(&words, how));
        for (what, secret) in d.secrets() {
            if matches!(what, "town" | "school") {
                continue;
            }
            prop_assert!(!survives(&out, &secret), "the {} {:?} survived in {:?}", what, secret, out);
        }
    }

    /// Ordinary words are kept: a reference and a thank-you pass whole.
    #[test]
    fn ordinary_words_pass(d in details()) {
        let reference = "cm7k3p9xq2d";
        prop_assume!(!reference.contains(&d.outward.to_lowercase()) && !reference.contains(&d.inward.to_lowercase()));
        let words = "Thanks, June payment for CM-7K3P-9XQ2-D";
        prop_assert_eq!(d.locators().withhold(words), words);
    }
}
