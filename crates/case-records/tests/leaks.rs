//! Tries hard to make a view leak the other parent's location.
//!
//! Cases are generated full of personal data, every value a unique token.
//! Every view a parent can get, and every view staff get on a restricted
//! case without breaking the glass, is printed in full and searched for any
//! token that would locate someone the viewer must not locate.

use case_records::{
    BankAccount, CaseParties, CaseReference, Child, ChildId, NiNumber, Person, PersonId,
    ReceivingParentId, Role, Sensitive, SortCode, Viewer, view_for,
};
use domain_types::Date;
use proptest::prelude::*;

/// A unique token for one piece of personal data.
fn token(kind: &str, owner: u64, salt: u32) -> String {
    format!("{kind}-{owner}-{salt:08x}")
}

fn person(id: u64, salt: u32, flagged: bool) -> Person {
    Person {
        id: PersonId(id),
        name: Sensitive::new(token("NAME", id, salt)),
        address: Sensitive::new(token("ADDRESS", id, salt)),
        postcode: Sensitive::new(token("POSTCODE", id, salt)),
        phone: Some(Sensitive::new(token("PHONE", id, salt))),
        email: Some(Sensitive::new(token("EMAIL", id, salt))),
        employer: Some(Sensitive::new(token("EMPLOYER", id, salt))),
        bank: Some(BankAccount {
            // A sort code unique to this person, so it is searchable.
            sort_code: SortCode::parse(&format!("{:06}", 100_000 + id * 1_111 % 900_000)).unwrap(),
            account_number: Sensitive::new(token("ACCOUNT", id, salt)),
        }),
        // A National Insurance number and a date of birth unique to this
        // person in the case, so they are searchable too.
        ni_number: Some(Sensitive::new(
            NiNumber::parse(&format!(
                "AB{:06}C",
                (id * 7_919 + u64::from(salt)) % 1_000_000
            ))
            .unwrap(),
        )),
        date_of_birth: Some(Sensitive::new(
            Date::parse_iso("1950-01-01")
                .unwrap()
                .add_days(i32::try_from(salt % 10_000).unwrap() * 2 + i32::try_from(id).unwrap())
                .unwrap(),
        )),
        abuse_disclosure: Some(Sensitive::new(token("DISCLOSURE", id, salt))),
        non_disclosure: flagged,
    }
}

/// What identifies a person to staff: never shown to a parent, their own
/// included.
fn identity_tokens(person: &Person) -> Vec<String> {
    vec![
        person
            .ni_number
            .as_ref()
            .unwrap()
            .expose_sensitive()
            .to_string(),
        person
            .date_of_birth
            .as_ref()
            .unwrap()
            .expose_sensitive()
            .to_string(),
    ]
}

fn location_tokens(person: &Person) -> Vec<String> {
    let mut tokens = vec![
        person.address.expose_sensitive().clone(),
        person.postcode.expose_sensitive().clone(),
        person
            .abuse_disclosure
            .as_ref()
            .unwrap()
            .expose_sensitive()
            .clone(),
    ];
    for value in [&person.phone, &person.email, &person.employer]
        .into_iter()
        .flatten()
    {
        tokens.push(value.expose_sensitive().clone());
    }
    if let Some(bank) = &person.bank {
        tokens.push(bank.sort_code.to_string());
        tokens.push(bank.account_number.expose_sensitive().clone());
    }
    tokens.extend(identity_tokens(person));
    tokens
}

fn child_location_tokens(child: &Child) -> Vec<String> {
    [&child.school, &child.gp]
        .into_iter()
        .flatten()
        .map(|s| s.expose_sensitive().clone())
        .collect()
}

prop_compose! {
    fn cases()(
        receiving_parents in 1usize..=3,
        children_each in prop::collection::vec(1usize..=3, 3),
        flags in prop::collection::vec(any::<bool>(), 4),
        salt in any::<u32>(),
        reference in any::<u64>(),
    ) -> CaseParties {
        let paying_parent = person(1, salt, flags[0]);
        let receiving: Vec<(ReceivingParentId, Person)> = (0..receiving_parents)
            .map(|i| (ReceivingParentId(u32::try_from(i).unwrap() + 1), person(10 + i as u64, salt, flags[i + 1])))
            .collect();
        let mut children = Vec::new();
        let mut next = 0u32;
        for (index, (receiving_parent, _)) in receiving.iter().enumerate() {
            for _ in 0..children_each[index] {
                next += 1;
                children.push(Child {
                    id: ChildId(next),
                    receiving_parent: *receiving_parent,
                    name: Sensitive::new(token("CHILDNAME", u64::from(next), salt)),
                    school: Some(Sensitive::new(token("SCHOOL", u64::from(next), salt))),
                    gp: Some(Sensitive::new(token("GP", u64::from(next), salt))),
                });
            }
        }
        CaseParties {
            reference: CaseReference::from_random(reference),
            paying_parent,
            receiving_parents: receiving,
            children,
            named_caseworker: Some(PersonId(999)),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn the_paying_parent_sees_no_token_of_any_receiving_parent_or_childs_location(case in cases()) {
        let viewer = Viewer { person: case.paying_parent.id, role: Role::PayingParent, break_glass_reason: None };
        let printed = format!("{:?}", view_for(&viewer, &case).unwrap());
        for (_, receiving_parent) in &case.receiving_parents {
            for secret in location_tokens(receiving_parent) {
                prop_assert!(!printed.contains(&secret), "leaked {secret}");
            }
            // The flag protects the flagged person: their name is withheld.
            if receiving_parent.non_disclosure {
                prop_assert!(!printed.contains(receiving_parent.name.expose_sensitive().as_str()));
            }
        }
        for child in &case.children {
            for secret in child_location_tokens(child) {
                prop_assert!(!printed.contains(&secret), "leaked {secret}");
            }
            let carer_flagged = case.receiving_parents.iter().any(|(id, p)| *id == child.receiving_parent && p.non_disclosure);
            let name_shown = printed.contains(child.name.expose_sensitive().as_str());
            prop_assert_eq!(name_shown, !carer_flagged, "a child's name follows their carer's flag");
        }
    }

    #[test]
    fn a_receiving_parent_sees_nothing_that_locates_the_paying_parent_or_another_receiving_parent(case in cases()) {
        for (my_id, me) in &case.receiving_parents {
            let viewer = Viewer { person: me.id, role: Role::ReceivingParent, break_glass_reason: None };
            let printed = format!("{:?}", view_for(&viewer, &case).unwrap());
            for secret in location_tokens(&case.paying_parent) {
                prop_assert!(!printed.contains(&secret), "leaked {secret}");
            }
            for (other_id, other) in &case.receiving_parents {
                if other_id != my_id {
                    prop_assert!(!printed.contains(other.name.expose_sensitive().as_str()));
                    for secret in location_tokens(other) {
                        prop_assert!(!printed.contains(&secret), "leaked {secret}");
                    }
                }
            }
            for child in case.children.iter().filter(|c| c.receiving_parent != *my_id) {
                prop_assert!(!printed.contains(child.name.expose_sensitive().as_str()));
                for secret in child_location_tokens(child) {
                    prop_assert!(!printed.contains(&secret), "leaked {secret}");
                }
            }
            // Their own data is there: the view is not simply empty.
            prop_assert!(printed.contains(me.address.expose_sensitive().as_str()));
            // Their own National Insurance number and date of birth are for staff.
            for secret in identity_tokens(me) {
                prop_assert!(!printed.contains(&secret), "shown their own {secret}");
            }
        }
    }

    #[test]
    fn staff_without_the_right_see_no_personal_data_on_a_restricted_case(case in cases(), role in prop::sample::select(vec![Role::Caseworker, Role::TeamLeader, Role::EnforcementOfficer, Role::Auditor, Role::Administrator])) {
        prop_assume!(case.restricted());
        let viewer = Viewer { person: PersonId(500), role, break_glass_reason: None };
        let shown = view_for(&viewer, &case).unwrap();
        let printed = format!("{:?}", shown.view);
        for person in std::iter::once(&case.paying_parent).chain(case.receiving_parents.iter().map(|(_, p)| p)) {
            for secret in location_tokens(person) {
                prop_assert!(!printed.contains(&secret), "{role:?} saw {secret}");
            }
        }
        prop_assert!(shown.accessed.is_empty());
    }

    #[test]
    fn breaking_the_glass_shows_the_data_and_records_every_field_as_break_glass(case in cases()) {
        prop_assume!(case.restricted());
        let viewer = Viewer { person: PersonId(500), role: Role::Caseworker, break_glass_reason: Some("Police request, ref 123".to_owned()) };
        let shown = view_for(&viewer, &case).unwrap();
        let printed = format!("{:?}", shown.view);
        prop_assert!(printed.contains(case.paying_parent.address.expose_sensitive().as_str()));
        for secret in identity_tokens(&case.paying_parent) {
            prop_assert!(printed.contains(&secret), "staff are shown {secret}");
        }
        prop_assert!(!shown.accessed.is_empty());
        prop_assert!(shown.accessed.iter().all(|a| a.by_break_glass));
    }

    #[test]
    fn the_records_themselves_print_no_personal_data(case in cases()) {
        let printed = format!("{case:?}");
        for person in std::iter::once(&case.paying_parent).chain(case.receiving_parents.iter().map(|(_, p)| p)) {
            prop_assert!(!printed.contains(person.name.expose_sensitive().as_str()));
            for secret in location_tokens(person) {
                prop_assert!(!printed.contains(&secret));
            }
        }
    }
}

#[test]
fn a_parent_who_is_not_a_party_gets_no_view() {
    let case = CaseParties {
        reference: CaseReference::from_random(7),
        paying_parent: person(1, 0, false),
        receiving_parents: vec![(ReceivingParentId(1), person(2, 0, false))],
        children: vec![],
        named_caseworker: None,
    };
    for role in [Role::PayingParent, Role::ReceivingParent] {
        let stranger = Viewer {
            person: PersonId(77),
            role,
            break_glass_reason: None,
        };
        assert!(view_for(&stranger, &case).is_err());
    }
    // Claiming the other parent's role does not work either.
    let wrong_role = Viewer {
        person: PersonId(2),
        role: Role::PayingParent,
        break_glass_reason: None,
    };
    assert!(view_for(&wrong_role, &case).is_err());
}
