//! Parties sealed for storage: everything comes back, nothing is in the
//! clear, nothing opens in another place or with another key.

use case_records::{
    BankAccount, CaseParties, CaseReference, Child, ChildId, NiNumber, OpenError, Person, PersonId,
    ReceivingParentId, Sensitive, SortCode, open_parties, seal_parties,
};
use domain_types::Date;
use field_crypto::{CryptoError, KeyId, KeyRing};
use proptest::prelude::*;

const KEY_1: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const KEY_2: &str = "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf";

fn keys(id: u32, key: &str) -> KeyRing {
    KeyRing::from_toml(&format!("active = {id}\n[keys]\n{id} = \"{key}\"\n")).unwrap()
}

fn person(id: u64, salt: u32, flagged: bool, full: bool) -> Person {
    let text = |kind: &str| Sensitive::new(format!("{kind}-{id}-{salt:08x}"));
    Person {
        id: PersonId(id),
        name: text("NAME"),
        address: text("ADDRESS"),
        postcode: text("POSTCODE"),
        phone: full.then(|| text("PHONE")),
        email: full.then(|| text("EMAIL")),
        employer: full.then(|| text("EMPLOYER")),
        bank: full.then(|| BankAccount {
            sort_code: SortCode::parse("12-34-56").unwrap(),
            account_number: text("ACCOUNT"),
        }),
        ni_number: full.then(|| {
            Sensitive::new(
                NiNumber::parse(&format!("JK{:06}A", u64::from(salt % 999_999) + id)).unwrap(),
            )
        }),
        date_of_birth: full.then(|| Sensitive::new(Date::parse_iso("1984-02-29").unwrap())),
        abuse_disclosure: full.then(|| text("DISCLOSURE")),
        non_disclosure: flagged,
    }
}

fn case(salt: u32, flags: (bool, bool), full: bool) -> CaseParties {
    CaseParties {
        reference: CaseReference::from_random(u64::from(salt)),
        paying_parent: person(1, salt, flags.0, full),
        receiving_parents: vec![(ReceivingParentId(1), person(2, salt, flags.1, full))],
        children: vec![Child {
            id: ChildId(1),
            receiving_parent: ReceivingParentId(1),
            name: Sensitive::new(format!("CHILD-{salt:08x}")),
            school: full.then(|| Sensitive::new(format!("SCHOOL-{salt:08x}"))),
            gp: None,
        }],
        named_caseworker: full.then_some(PersonId(17)),
    }
}

fn counter() -> impl FnMut() -> [u8; 24] {
    let mut n = 0u8;
    move || {
        n = n.wrapping_add(1);
        [n; 24]
    }
}

proptest! {
    #[test]
    fn parties_come_back_exactly_and_nothing_is_in_the_clear(salt in any::<u32>(), flags in any::<(bool, bool)>(), full in any::<bool>()) {
        let parties = case(salt, flags, full);
        let ring = keys(1, KEY_1);
        let sealed = seal_parties(&parties, &ring, &mut counter());
        let tag = format!("{salt:08x}");
        for party in &sealed {
            for (_, bytes) in &party.fields {
                prop_assert!(!bytes.windows(tag.len()).any(|w| w == tag.as_bytes()), "a field is in the clear");
            }
        }
        prop_assert_eq!(open_parties(parties.reference, &sealed, &ring).unwrap(), parties);
    }
}

#[test]
fn a_field_moved_to_another_party_does_not_open() {
    let parties = case(7, (false, false), true);
    let ring = keys(1, KEY_1);
    let mut sealed = seal_parties(&parties, &ring, &mut counter());
    // Copy the receiving parent's sealed address over the paying parent's.
    let stolen = sealed[1]
        .fields
        .iter()
        .find(|(f, _)| f == "address")
        .unwrap()
        .1
        .clone();
    sealed[0]
        .fields
        .iter_mut()
        .find(|(f, _)| f == "address")
        .unwrap()
        .1 = stolen;
    match open_parties(parties.reference, &sealed, &ring) {
        Err(OpenError::Crypto {
            party,
            field,
            error: CryptoError::Tampered,
        }) => {
            assert_eq!(
                (party.as_str(), field.as_str()),
                ("paying_parent", "address")
            );
        }
        other => panic!("expected tampering to be caught, got {other:?}"),
    }
}

#[test]
fn the_wrong_key_file_is_named_not_garbage() {
    let parties = case(9, (true, false), true);
    let sealed = seal_parties(&parties, &keys(1, KEY_1), &mut counter());
    let error = open_parties(parties.reference, &sealed, &keys(2, KEY_2)).unwrap_err();
    assert!(
        matches!(
            error,
            OpenError::Crypto {
                error: CryptoError::UnknownKey(KeyId(1)),
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("right key file"));
}
