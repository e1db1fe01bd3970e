//! The leak property test over the channels that leave the service for
//! someone other than a parent's own screen (issue 5 §9): letters, payment
//! files and referral packs, generated for many synthetic cases full of
//! unique tokens and searched for any token that would locate a protected
//! person. Zero, always.

use bank_files::{Originator, Payee, instruction, write_pain001, write_standard18};
use case_records::{
    BankAccount, CaseParties, CaseReference, CaseView, Child, ChildId, Person, PersonId,
    ReceivingParentId, Role, Sensitive, SortCode, Viewer, view_for,
};
use domain_types::{Date, Pence};
use ledger::{Disbursement, TransferId};
use proptest::prelude::*;
use safety::{CaseEvent, Recipient, Thresholds, referral_pack, scan};

fn token(kind: &str, id: u64, salt: u32) -> String {
    format!("{kind}{id}Q{salt:08x}")
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
            sort_code: SortCode::parse(&format!("{:06}", 100_000 + id * 7)).unwrap(),
            account_number: Sensitive::new(format!(
                "{:08}",
                10_000_000 + u64::from(salt % 1_000_000) + id
            )),
        }),
        ni_number: None,
        date_of_birth: None,
        abuse_disclosure: Some(Sensitive::new(token("DISCLOSURE", id, salt))),
        non_disclosure: flagged,
    }
}

fn location(person: &Person) -> Vec<String> {
    let mut tokens = vec![
        person.address.expose_sensitive().clone(),
        person.postcode.expose_sensitive().clone(),
    ];
    for value in [&person.phone, &person.email, &person.employer]
        .into_iter()
        .flatten()
    {
        tokens.push(value.expose_sensitive().clone());
    }
    if let Some(bank) = &person.bank {
        tokens.push(bank.account_number.expose_sensitive().clone());
    }
    tokens
}

prop_compose! {
    fn cases()(receivers in 1usize..=3, flags in prop::collection::vec(any::<bool>(), 4), salt in any::<u32>(), reference in any::<u64>()) -> CaseParties {
        let receiving_parents: Vec<(ReceivingParentId, Person)> = (0..receivers)
            .map(|i| (ReceivingParentId(u32::try_from(i).unwrap() + 1), person(10 + i as u64, salt, flags[i + 1])))
            .collect();
        let children = receiving_parents
            .iter()
            .map(|(rp, p)| Child {
                id: ChildId(rp.0),
                receiving_parent: *rp,
                name: Sensitive::new(token("CHILD", p.id.0, salt)),
                school: Some(Sensitive::new(token("SCHOOL", p.id.0, salt))),
                gp: Some(Sensitive::new(token("GP", p.id.0, salt))),
            })
            .collect();
        CaseParties {
            reference: CaseReference::from_random(reference),
            paying_parent: person(1, salt, flags[0]),
            receiving_parents,
            children,
            named_caseworker: None,
        }
    }
}

proptest! {
    #[test]
    fn no_letter_payment_file_or_referral_pack_carries_a_protected_location(parties in cases()) {
        let day = Date::parse_iso("2026-06-01").unwrap();
        let service = "Child Maintenance Service, PO Box 1, Testtown TT1 1TT";
        let everyone: Vec<&Person> = std::iter::once(&parties.paying_parent)
            .chain(parties.receiving_parents.iter().map(|(_, p)| p))
            .collect();
        // Letters: to each parent, from their own view.
        for (viewer, role) in std::iter::once((parties.paying_parent.id, Role::PayingParent))
            .chain(parties.receiving_parents.iter().map(|(_, p)| (p.id, Role::ReceivingParent)))
        {
            let seen = view_for(&Viewer { person: viewer, role, break_glass_reason: None }, &parties).unwrap();
            let CaseView::Parent(view) = seen.view else { panic!("a parent's view") };
            let pdf = letters::Letter::to_parent(service, &view.me, day, parties.reference, "Your child maintenance calculation", vec!["£48.00 a week.".to_owned()]).to_pdf();
            let text = String::from_utf8_lossy(&pdf);
            for other in everyone.iter().filter(|p| p.id != viewer) {
                for secret in location(other) {
                    prop_assert!(!text.contains(&secret), "a letter to {:?} carried {}", role, secret);
                }
            }
        }
        // Payment files: each receiving parent's own name and account only.
        let originator = Originator {
            name: "Child Maintenance".to_owned(),
            sort_code: SortCode::parse("60-70-80").unwrap(),
            account_number: bank_files::AccountNumber::parse("10203040").unwrap(),
        };
        let instructions: Vec<_> = parties
            .receiving_parents
            .iter()
            .map(|(rp, p)| {
                let paid = Disbursement { case: parties.reference, receiving_parent: *rp, gross: Pence::new(5_000), fee: Pence::new(200), net: Pence::new(4_800), id: TransferId(format!("d{}", rp.0)) };
                instruction(&paid, Payee::of(p).unwrap())
            })
            .collect();
        let files = format!("{}{}", write_pain001("M", &originator, day, &instructions), write_standard18(&originator, &instructions));
        for p in &everyone {
            let mut secrets = location(p);
            secrets.retain(|s| p.bank.as_ref().is_none_or(|b| b.account_number.expose_sensitive() != s));
            if p.id == parties.paying_parent.id {
                secrets.extend(location(p));
                secrets.push(p.name.expose_sensitive().clone());
            }
            for secret in secrets {
                prop_assert!(!files.contains(&secret), "a payment file carried {}", secret);
            }
        }
        // Referral packs: the payer wrote every protected detail into
        // references; none survives.
        let mut events = vec![CaseEvent::Due { on: day, amount: Pence::new(5_000) }];
        for p in &everyone {
            events.push(CaseEvent::Payment { on: day, amount: Pence::new(1), words: Some(format!("near {} {}", p.address.expose_sensitive(), p.postcode.expose_sensitive())) });
        }
        let signals = scan(&events, day, Thresholds::embedded());
        let pack = referral_pack(Recipient::Police, &parties.reference.to_string(), day, &signals, &events, &case_records::Locators::of_case(&parties));
        let text = format!("{pack:?}");
        for secret in parties.location_details() {
            prop_assert!(!text.contains(&secret), "a referral pack carried {}", secret);
        }
        prop_assert!(text.contains("[withheld]"));
    }
}
