//! Search over sealed parties: what is typed, normalised, meets what was
//! stored, normalised, only through keyed tokens.

use case_records::{
    CaseParties, CaseReference, Child, ChildId, Lookup, NiNumber, Person, PersonId,
    ReceivingParentId, Role, SearchKind, SearchQuery, SearchRefused, Sensitive, guess_kind,
    may_search, name_parts, national_significant_number, normalise_postcode, seal_parties,
    search_query,
};
use domain_types::Date;
use field_crypto::KeyRing;

const KEY_1: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const KEY_2: &str = "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf";

fn ring(active: u32) -> KeyRing {
    KeyRing::from_toml(&format!(
        "active = {active}\n[keys]\n1 = \"{KEY_1}\"\n2 = \"{KEY_2}\"\n"
    ))
    .unwrap()
}

fn only(id: u32, key: &str) -> KeyRing {
    KeyRing::from_toml(&format!("active = {id}\n[keys]\n{id} = \"{key}\"\n")).unwrap()
}

fn today() -> Date {
    Date::parse_iso("2026-06-01").unwrap()
}

fn text(value: &str) -> Sensitive<String> {
    Sensitive::new(value.to_owned())
}

fn person(id: u64, name: &str, postcode: &str, phone: &str) -> Person {
    Person {
        id: PersonId(id),
        name: text(name),
        address: text("14 Acacia Avenue, Leeds"),
        postcode: text(postcode),
        phone: Some(text(phone)),
        email: None,
        employer: None,
        bank: None,
        ni_number: Some(Sensitive::new(NiNumber::parse("JZ 99 00 01 D").unwrap())),
        date_of_birth: Some(Sensitive::new(Date::parse_iso("1985-03-12").unwrap())),
        abuse_disclosure: None,
        non_disclosure: false,
    }
}

fn case() -> CaseParties {
    CaseParties {
        reference: CaseReference::from_random(3),
        paying_parent: person(1, "Siôn O'Brien-Hughes", "ZW8 9PR", "07700 951824"),
        receiving_parents: vec![(
            ReceivingParentId(1),
            Person {
                ni_number: None,
                date_of_birth: None,
                ..person(2, "Zoë Quince", "LS1 4AP", "0113 496 0000")
            },
        )],
        children: vec![Child {
            id: ChildId(1),
            receiving_parent: ReceivingParentId(1),
            name: text("Ada Quince"),
            school: None,
            gp: None,
        }],
        named_caseworker: None,
    }
}

fn counter() -> impl FnMut() -> [u8; 24] {
    let mut n = 0u8;
    move || {
        n = n.wrapping_add(1);
        [n; 24]
    }
}

/// The parties a query finds, as the store finds them: at least `needed`
/// distinct tokens of the kind among the query's.
fn found(parties: &CaseParties, keys: &KeyRing, query: &SearchQuery) -> Vec<String> {
    seal_parties(parties, keys, &mut counter())
        .into_iter()
        .filter(|party| {
            let mut hits: Vec<&[u8; 32]> = party
                .search_tokens
                .iter()
                .filter(|t| t.kind == query.kind && query.tokens.contains(&t.token))
                .map(|t| &t.token)
                .collect();
            hits.dedup();
            u32::try_from(hits.len()).unwrap() >= query.needed
        })
        .map(|party| party.party)
        .collect()
}

fn search(kind: SearchKind, typed: &str) -> Vec<String> {
    let keys = ring(1);
    found(
        &case(),
        &keys,
        &search_query(&keys, kind, typed, today()).unwrap(),
    )
}

#[test]
fn values_are_normalised_per_kind() {
    assert_eq!(normalise_postcode("zw8 9pr"), "ZW89PR");
    assert_eq!(normalise_postcode(" ZW89PR "), "ZW89PR");
    for phone in [
        "07700 951824",
        "+44 7700 951824",
        "+44 (0)7700 951824",
        "0044 7700-951824",
    ] {
        assert_eq!(national_significant_number(phone), "7700951824", "{phone}");
    }
    assert_eq!(
        name_parts("  Siôn   O'BRIEN-hughes "),
        vec!["siôn", "obrien", "hughes"]
    );
    // Composed and decomposed forms are one name.
    assert_eq!(name_parts("Zoe\u{0308}"), name_parts("Zoë"));
    assert_eq!(name_parts("Anne-Marie anne"), vec!["anne", "marie"]);
}

#[test]
fn a_case_is_found_by_each_kind_however_the_value_is_written() {
    assert_eq!(search(SearchKind::Postcode, "zw89pr"), ["paying_parent"]);
    assert_eq!(search(SearchKind::Postcode, "ZW8 9PR"), ["paying_parent"]);
    assert_eq!(
        search(SearchKind::Phone, "+44 7700 951824"),
        ["paying_parent"]
    );
    assert_eq!(search(SearchKind::Phone, "07700951824"), ["paying_parent"]);
    assert_eq!(
        search(SearchKind::NiNumber, "jz 99 00 01 d"),
        ["paying_parent"]
    );
    assert_eq!(
        search(SearchKind::DateOfBirth, "1985-03-12"),
        ["paying_parent"]
    );
    assert_eq!(
        search(SearchKind::DateOfBirth, "12/03/1985"),
        ["paying_parent"]
    );
    // Names: every part typed, in any order, in any case, with or without accents.
    assert_eq!(search(SearchKind::Name, "o'brien"), ["paying_parent"]);
    assert_eq!(search(SearchKind::Name, "HUGHES SION"), ["paying_parent"]);
    assert_eq!(search(SearchKind::Name, "obrien hughes"), ["paying_parent"]);
    assert_eq!(search(SearchKind::Name, "zoe"), ["receiving_parent:1"]);
    assert_eq!(
        search(SearchKind::Name, "ZOË QUINCE"),
        ["receiving_parent:1"]
    );
    assert_eq!(
        search(SearchKind::Name, "quince"),
        ["receiving_parent:1", "child:1"]
    );
    // Not every part: not found.
    assert!(search(SearchKind::Name, "zoë hughes").is_empty());
    assert!(search(SearchKind::Postcode, "ZW8 9PQ").is_empty());
    assert!(search(SearchKind::NiNumber, "JZ990002D").is_empty());
    // A postcode is never found as a phone, nor a name as a postcode.
    assert!(search(SearchKind::DateOfBirth, "1985-03-13").is_empty());
}

#[test]
fn the_index_holds_keyed_tokens_never_a_value() {
    let parties = case();
    let sealed = seal_parties(&parties, &ring(1), &mut counter());
    let printed = format!("{sealed:?}");
    for plain in [
        "ZW89PR",
        "zw89pr",
        "7700951824",
        "JZ990001D",
        "1985-03-12",
        "obrien",
        "quince",
    ] {
        assert!(!printed.contains(plain), "{plain} is in the clear");
    }
    for party in &sealed {
        assert!(
            party.search_tokens.windows(2).all(|w| w[0] < w[1]),
            "sorted, each once"
        );
        for token in &party.search_tokens {
            for plain in ["ZW89PR", "7700951824", "JZ990001D", "1985-03-12", "quince"] {
                assert!(
                    !token
                        .token
                        .windows(plain.len())
                        .any(|w| w == plain.as_bytes())
                );
            }
        }
    }
    // The paying parent: three name values (siôn, sion, obrien, hughes),
    // postcode, phone, NI number, date of birth.
    assert_eq!(sealed[0].search_tokens.len(), 8);
    // Another key, other tokens: a copied database and no key file
    // reveals nothing by comparing with tokens made elsewhere.
    let other = seal_parties(&parties, &only(2, KEY_2), &mut counter());
    assert!(
        sealed[0]
            .search_tokens
            .iter()
            .all(|t| !other[0].search_tokens.contains(t))
    );
}

#[test]
fn a_search_finds_what_was_indexed_before_a_rotation_and_after_it() {
    let parties = case();
    let before = seal_parties(&parties, &only(1, KEY_1), &mut counter());
    // Key 2 added and made active; the old tokens are still found.
    let rotated = ring(2);
    let query = search_query(&rotated, SearchKind::Postcode, "zw89pr", today()).unwrap();
    assert_eq!(query.tokens.len(), 2, "one token per key");
    assert!(
        before[0]
            .search_tokens
            .iter()
            .any(|t| query.tokens.contains(&t.token))
    );
    assert_eq!(found(&parties, &rotated, &query), ["paying_parent"]);
}

#[test]
fn what_is_typed_must_be_a_value_of_its_kind() {
    let keys = ring(1);
    let refused = |kind, typed: &str| search_query(&keys, kind, typed, today()).unwrap_err();
    assert_eq!(refused(SearchKind::Name, "  "), SearchRefused::Empty);
    assert_eq!(
        refused(SearchKind::Postcode, "Leeds"),
        SearchRefused::NotA(SearchKind::Postcode)
    );
    assert_eq!(
        refused(SearchKind::NiNumber, "QQ 12 34 56 C"),
        SearchRefused::NotA(SearchKind::NiNumber)
    );
    assert_eq!(
        refused(SearchKind::DateOfBirth, "2027-01-01"),
        SearchRefused::FutureDate
    );
    assert_eq!(
        refused(SearchKind::DateOfBirth, "31/02/1985"),
        SearchRefused::NotA(SearchKind::DateOfBirth)
    );
    assert_eq!(
        refused(SearchKind::Phone, "0770"),
        SearchRefused::NotA(SearchKind::Phone)
    );
    assert_eq!(
        refused(SearchKind::Name, "bob@example.org"),
        SearchRefused::NotA(SearchKind::Name)
    );
    assert_eq!(
        refused(SearchKind::Name, &"a".repeat(101)),
        SearchRefused::TooLong
    );
}

#[test]
fn one_box_takes_a_reference_or_any_kind() {
    let guess = |typed: &str| guess_kind(typed, today());
    let reference = CaseReference::from_random(3);
    assert_eq!(
        guess(&reference.to_string().to_lowercase()),
        Some(Lookup::Reference(reference))
    );
    assert_eq!(
        guess("ab 12 34 56 c"),
        Some(Lookup::Search(SearchKind::NiNumber))
    );
    assert_eq!(
        guess("12/03/1985"),
        Some(Lookup::Search(SearchKind::DateOfBirth))
    );
    assert_eq!(
        guess("2030-01-01"),
        Some(Lookup::Search(SearchKind::DateOfBirth))
    );
    assert_eq!(guess("zw89pr"), Some(Lookup::Search(SearchKind::Postcode)));
    assert_eq!(
        guess("+44 7700 951824"),
        Some(Lookup::Search(SearchKind::Phone))
    );
    assert_eq!(
        guess("Siôn O'Brien"),
        Some(Lookup::Search(SearchKind::Name))
    );
    assert_eq!(guess("12 Acacia Avenue"), None);
    assert_eq!(guess(""), None);
}

#[test]
fn who_may_search_by_what() {
    for kind in SearchKind::ALL {
        assert!(may_search(Role::Caseworker, kind));
        assert!(may_search(Role::DomesticAbuseSpecialist, kind));
        assert!(may_search(Role::TeamLeader, kind));
        for role in [
            Role::PayingParent,
            Role::ReceivingParent,
            Role::Auditor,
            Role::Administrator,
        ] {
            assert!(!may_search(role, kind), "{role:?} {kind:?}");
        }
    }
    // Enforcement sees no phone numbers, so it does not search by them.
    assert!(may_search(Role::EnforcementOfficer, SearchKind::Postcode));
    assert!(may_search(Role::EnforcementOfficer, SearchKind::NiNumber));
    assert!(!may_search(Role::EnforcementOfficer, SearchKind::Phone));
}
