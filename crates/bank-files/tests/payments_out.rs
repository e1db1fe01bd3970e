//! Money out: pain.001 and Standard 18 files say exactly what the
//! disbursements say, and nothing of anyone but the payee.

use case_records::{
    BankAccount, CaseReference, Person, PersonId, ReceivingParentId, Sensitive, SortCode,
};
use domain_types::{Date, Pence};
use ledger::{Disbursement, TransferId};
use proptest::prelude::*;
use quick_xml::Reader;
use quick_xml::events::Event;

use bank_files::{
    AccountNumber, Originator, Payee, PaymentInstruction, end_to_end_id, instruction,
    write_pain001, write_standard18,
};

fn originator() -> Originator {
    Originator {
        name: "Child Maintenance Service".to_owned(),
        sort_code: SortCode::parse("60-70-80").unwrap(),
        account_number: AccountNumber::parse("10203040").unwrap(),
    }
}

fn disbursement(case: u64, rp: u32, net: u64) -> Disbursement {
    let case = CaseReference::from_random(case);
    Disbursement {
        case,
        receiving_parent: ReceivingParentId(rp),
        gross: Pence::new(net + 1),
        fee: Pence::new(1),
        net: Pence::new(net),
        id: TransferId(format!("{case}/rp{rp}/collected-{net}/disbursement")),
    }
}

fn payee(name: &str, sort_code: &str, account: &str) -> Payee {
    Payee {
        name: name.to_owned(),
        sort_code: SortCode::parse(sort_code).unwrap(),
        account_number: AccountNumber::parse(account).unwrap(),
    }
}

/// Every element's text, in order, as (element name, text).
fn texts(xml: &str) -> Vec<(String, String)> {
    let mut reader = Reader::from_str(xml);
    let mut open: Vec<String> = Vec::new();
    let mut text = String::new();
    let mut found = Vec::new();
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(start) => {
                open.push(start.local_name().as_ref().to_owned());
                text.clear();
            }
            Event::End(_) => {
                let element = open.pop().unwrap_or_default();
                if !text.trim().is_empty() {
                    found.push((element, std::mem::take(&mut text)));
                }
                text.clear();
            }
            Event::Text(content) => text.push_str(&content.xml10_content()),
            Event::GeneralRef(reference) => {
                text.push_str(match reference.xml10_content().as_ref() {
                    "amp" => "&",
                    "lt" => "<",
                    "gt" => ">",
                    "quot" => "\"",
                    "apos" => "'",
                    other => panic!("unexpected entity {other}"),
                })
            }
            Event::Eof => break,
            _ => {}
        }
    }
    found
}

fn values<'a>(texts: &'a [(String, String)], element: &str) -> Vec<&'a str> {
    texts
        .iter()
        .filter(|(name, _)| name == element)
        .map(|(_, text)| text.as_str())
        .collect()
}

#[test]
fn a_pain001_file_carries_each_disbursement_and_its_totals() {
    let instructions = vec![
        instruction(
            &disbursement(1, 1, 4_800),
            payee("A & B Smith", "11-22-33", "12345678"),
        ),
        instruction(
            &disbursement(2, 1, 2_880),
            payee("C <Jones>", "44 55 66", "87654321"),
        ),
    ];
    let file = write_pain001(
        "CMS-2025-01-10-1",
        &originator(),
        Date::parse_iso("2025-01-10").unwrap(),
        &instructions,
    );
    let texts = texts(&file);
    assert_eq!(values(&texts, "NbOfTxs"), vec!["2", "2"]);
    assert_eq!(values(&texts, "CtrlSum"), vec!["76.80", "76.80"]);
    assert_eq!(values(&texts, "InstdAmt"), vec!["48.00", "28.80"]);
    assert_eq!(
        values(&texts, "Nm"),
        vec![
            "Child Maintenance Service",
            "Child Maintenance Service",
            "A & B Smith",
            "C <Jones>"
        ]
    );
    assert_eq!(values(&texts, "Dt"), vec!["2025-01-10"]);
    assert_eq!(values(&texts, "MmbId"), vec!["607080", "112233", "445566"]);
    assert_eq!(
        values(&texts, "Ustrd"),
        vec![
            CaseReference::from_random(1).to_string(),
            CaseReference::from_random(2).to_string()
        ]
    );
    let ids = values(&texts, "EndToEndId");
    assert!(ids.iter().all(|id| id.len() <= 35 && id.starts_with("CMS")));
    assert_ne!(ids[0], ids[1]);
}

/// Whatever reached the store before names were checked (a NUL, a line
/// break, ESC, a direction override, 500 characters), the day's file stays
/// well-formed, every name fits `Max140Text`, and Standard 18 keeps the
/// letters of an accented name.
#[test]
fn any_stored_name_leaves_the_payment_files_well_formed() {
    let long = "Ŵ".repeat(500);
    let names = [
        "Zoë \u{0}\r\nX",
        "Esc\u{1b}[31m \u{202e}evil",
        long.as_str(),
        "Zoë Ó'Brien-Siân",
    ];
    let instructions: Vec<_> = names
        .iter()
        .enumerate()
        .map(|(n, name)| {
            instruction(
                &disbursement(n as u64 + 1, 1, 1_000),
                payee(name, "11-22-33", "12345678"),
            )
        })
        .collect();
    let file = write_pain001(
        "CMS-2025-01-10-1",
        &originator(),
        Date::parse_iso("2025-01-10").unwrap(),
        &instructions,
    );
    assert!(
        !file.chars().any(|c| c.is_control() && c != '\n'),
        "{file:?}"
    );
    let texts = texts(&file);
    let names_written = values(&texts, "Nm");
    assert!(names_written.iter().all(|n| n.chars().count() <= 140));
    assert_eq!(names_written[2], "Zoë    X");
    assert_eq!(names_written[5], "Zoë Ó'Brien-Siân");
    let bacs = write_standard18(&originator(), &instructions);
    assert!(bacs.contains("ZOE O BRIEN-SIAN"), "{bacs}");
    assert!(
        bacs.lines()
            .all(|line| line.len() == 100 && line.is_ascii())
    );
}

#[test]
fn standard18_records_are_fixed_width_with_a_balancing_contra() {
    let instructions = vec![
        instruction(
            &disbursement(1, 1, 4_800),
            payee("Anne-Marie O'Brien", "11-22-33", "12345678"),
        ),
        instruction(
            &disbursement(2, 2, 123_456),
            payee("Zoë Smith", "44-55-66", "87654321"),
        ),
    ];
    let file = write_standard18(&originator(), &instructions);
    let lines: Vec<&str> = file.lines().collect();
    assert_eq!(lines.len(), 3);
    assert!(
        lines
            .iter()
            .all(|line| line.len() == 100 && line.is_ascii())
    );
    assert_eq!(&lines[0][..6], "112233");
    assert_eq!(&lines[0][6..14], "12345678");
    assert_eq!(&lines[0][15..17], "99");
    assert_eq!(&lines[0][17..31], "60708010203040");
    assert_eq!(&lines[0][35..46], "00000004800");
    assert_eq!(&lines[0][82..100], "ANNE-MARIE O BRIEN");
    assert_eq!(
        lines[0][64..82].trim(),
        CaseReference::from_random(1).to_string()
    );
    assert_eq!(
        &lines[1][82..100],
        "ZOE SMITH         ",
        "the letter kept, its accent dropped"
    );
    // The contra debits the service's own account with the total.
    assert_eq!(&lines[2][..14], "60708010203040");
    assert_eq!(&lines[2][15..17], "17");
    assert_eq!(&lines[2][35..46], "00000128256");
}

#[test]
fn a_payee_has_only_their_own_name_and_account() {
    let person = Person {
        id: PersonId(9),
        name: Sensitive::new("Rae Parent".to_owned()),
        address: Sensitive::new("ADDRESS-TOKEN".to_owned()),
        postcode: Sensitive::new("POSTCODE-TOKEN".to_owned()),
        phone: Some(Sensitive::new("PHONE-TOKEN".to_owned())),
        email: Some(Sensitive::new("EMAIL-TOKEN".to_owned())),
        employer: Some(Sensitive::new("EMPLOYER-TOKEN".to_owned())),
        bank: Some(BankAccount {
            sort_code: SortCode::parse("04-00-04").unwrap(),
            account_number: Sensitive::new("1234 5678".to_owned()),
        }),
        ni_number: None,
        date_of_birth: None,
        abuse_disclosure: Some(Sensitive::new("DISCLOSURE-TOKEN".to_owned())),
        non_disclosure: true,
    };
    let payee = Payee::of(&person).unwrap();
    let item = instruction(&disbursement(3, 1, 1_000), payee);
    let files = [
        write_pain001(
            "M1",
            &originator(),
            Date::parse_iso("2025-01-10").unwrap(),
            std::slice::from_ref(&item),
        ),
        write_standard18(&originator(), std::slice::from_ref(&item)),
    ];
    for file in &files {
        for token in [
            "ADDRESS",
            "POSTCODE",
            "PHONE",
            "EMAIL",
            "EMPLOYER",
            "DISCLOSURE",
        ] {
            assert!(!file.contains(token), "{token} reached a payment file");
        }
    }
    let no_bank = Person {
        bank: None,
        ..person.clone()
    };
    assert_eq!(
        Payee::of(&no_bank),
        Err("no bank account is held for the payee")
    );
    let bad = Person {
        bank: Some(BankAccount {
            sort_code: SortCode::parse("04-00-04").unwrap(),
            account_number: Sensitive::new("1234567".to_owned()),
        }),
        ..person
    };
    assert_eq!(Payee::of(&bad), Err("an account number has eight digits"));
}

proptest! {
    /// Any names and amounts: the file is well-formed, its totals are the
    /// sum of its payments, names survive escaping, and ids are unique.
    #[test]
    fn pain001_files_always_add_up(
        payments in prop::collection::vec(("[!-~][ -~]{0,39}", 1u64..10_000_000), 1..20)
    ) {
        let instructions: Vec<PaymentInstruction> = payments
            .iter()
            .enumerate()
            .map(|(i, (name, pence))| instruction(
                &disbursement(i as u64, 1, *pence),
                payee(name, "11-22-33", "12345678"),
            ))
            .collect();
        let file = write_pain001("M", &originator(), Date::parse_iso("2025-03-03").unwrap(), &instructions);
        let texts = texts(&file);
        let total: u64 = payments.iter().map(|(_, p)| p).sum();
        let expected_total = format!("{}.{:02}", total / 100, total % 100);
        prop_assert_eq!(values(&texts, "CtrlSum"), vec![expected_total.as_str(); 2]);
        let names: Vec<String> = values(&texts, "Nm").into_iter().skip(2).map(str::to_owned).collect();
        let expected: Vec<String> = payments.iter().map(|(n, _)| n.trim().to_owned()).collect();
        let names: Vec<String> = names.iter().map(|n| n.trim().to_owned()).collect();
        prop_assert_eq!(names, expected);
        let ids = values(&texts, "EndToEndId");
        let unique: std::collections::BTreeSet<&&str> = ids.iter().collect();
        prop_assert_eq!(unique.len(), instructions.len());
        prop_assert_eq!(end_to_end_id(&TransferId("x".into())), end_to_end_id(&TransferId("x".into())));
    }
}
