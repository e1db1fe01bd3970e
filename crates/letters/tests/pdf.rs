//! Letters as tagged PDF: well-formed (every cross-reference lands on its
//! object), tagged (a structure tree with an element for every piece of
//! marked content, the language and title declared), and never carrying
//! anything but the recipient's own details and the service's address.

use case_records::{
    BankAccount, CaseParties, CaseReference, CaseView, Person, PersonId, ReceivingParentId, Role,
    Sensitive, SortCode, Viewer, view_for,
};
use domain_types::Date;
use letters::{Letter, neutral_notice};

fn person(id: u64, tag: &str) -> Person {
    Person {
        id: PersonId(id),
        name: Sensitive::new(format!("NAME-{tag}")),
        address: Sensitive::new(format!("ADDRESS-{tag}")),
        postcode: Sensitive::new(format!("POSTCODE-{tag}")),
        phone: Some(Sensitive::new(format!("PHONE-{tag}"))),
        email: Some(Sensitive::new(format!("EMAIL-{tag}"))),
        employer: Some(Sensitive::new(format!("EMPLOYER-{tag}"))),
        bank: Some(BankAccount {
            sort_code: SortCode::parse("20-45-77").unwrap(),
            account_number: Sensitive::new(format!("ACCOUNT-{tag}")),
        }),
        abuse_disclosure: None,
        non_disclosure: false,
    }
}

fn parties() -> CaseParties {
    CaseParties {
        reference: CaseReference::from_random(77),
        paying_parent: person(1, "PAYER"),
        receiving_parents: vec![(ReceivingParentId(1), person(2, "RECEIVER"))],
        children: Vec::new(),
        named_caseworker: None,
    }
}

fn own_details(person: u64, role: Role) -> case_records::OwnDetails {
    let viewer = Viewer {
        person: PersonId(person),
        role,
        break_glass_reason: None,
    };
    match view_for(&viewer, &parties()).unwrap().view {
        CaseView::Parent(view) => view.me,
        CaseView::Staff(_) => panic!("a parent's view"),
    }
}

fn letter() -> Letter {
    Letter::to_parent(
        "Child Maintenance Service, PO Box 1, Testtown TT1 1TT",
        &own_details(1, Role::PayingParent),
        Date::parse_iso("2026-06-01").unwrap(),
        CaseReference::from_random(77),
        "Your child maintenance calculation",
        vec![
            "You need to pay £48.00 a week (basic rate: 12% of £400.00).".to_owned(),
            "Brackets (like these) and a backslash \\ are kept.".to_owned(),
        ],
    )
}

#[test]
fn the_pdf_is_well_formed_and_every_cross_reference_lands_on_its_object() {
    let pdf = letter().to_pdf();
    assert!(pdf.starts_with(b"%PDF-1.7\n"));
    assert!(pdf.ends_with(b"%%EOF\n"));
    let text = String::from_utf8_lossy(&pdf).into_owned();
    let startxref: usize = text
        .rsplit("startxref\n")
        .next()
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(pdf[startxref..].starts_with(b"xref\n"));
    assert!(objects_land(&pdf) >= 10);
    // The pound sign is WinAnsi 0xA3, not two bytes of UTF-8.
    assert!(pdf.windows(6).any(|w| w == b"\xA348.00"));
}

#[test]
fn the_pdf_is_tagged_with_an_element_for_every_piece_of_text() {
    let letter = letter();
    let pdf = String::from_utf8_lossy(&letter.to_pdf()).into_owned();
    assert!(pdf.contains("/MarkInfo << /Marked true >>"));
    assert!(pdf.contains("/StructTreeRoot 4 0 R"));
    assert!(pdf.contains("/Lang (en-GB)"));
    assert!(pdf.contains("/DisplayDocTitle true"));
    assert!(pdf.contains("/Title (Your child maintenance calculation)"));
    let blocks = letter.lines().len();
    for mcid in 0..blocks {
        assert!(
            pdf.contains(&format!("<</MCID {mcid}>> BDC")),
            "marked content {mcid}"
        );
        assert!(
            pdf.contains(&format!("/K {mcid} >>")),
            "structure element {mcid}"
        );
    }
    assert_eq!(pdf.matches("/S /H1").count(), 1);
    assert_eq!(pdf.matches("/S /P ").count(), blocks - 1);
    assert!(pdf.contains("\\(like these\\)") && pdf.contains("\\\\"));
}

#[test]
fn a_letter_carries_only_the_recipients_own_details_and_the_services_address() {
    for (person, role, other) in [
        (1, Role::PayingParent, "RECEIVER"),
        (2, Role::ReceivingParent, "PAYER"),
    ] {
        let own = own_details(person, role);
        let notice = neutral_notice(
            "Child Maintenance Service, PO Box 1, Testtown TT1 1TT",
            &own,
            Date::parse_iso("2026-06-01").unwrap(),
            CaseReference::from_random(77),
            "From now on the Child Maintenance Service will collect and pass on child maintenance payments for this case.",
        );
        let pdf = String::from_utf8_lossy(&notice.to_pdf()).into_owned();
        for kind in [
            "ADDRESS", "POSTCODE", "PHONE", "EMAIL", "EMPLOYER", "ACCOUNT", "NAME",
        ] {
            let secret = format!("{kind}-{other}");
            assert!(!pdf.contains(&secret), "{secret} in a letter to {role:?}");
        }
        assert!(pdf.contains(&own.address), "addressed to the recipient");
        assert!(pdf.contains("PO Box 1"));
    }
}

/// The cross-reference table's offsets, each checked to land on its object.
fn objects_land(pdf: &[u8]) -> usize {
    let text = String::from_utf8_lossy(pdf).into_owned();
    let table = &text[text.rfind("xref\n0 ").unwrap()..];
    let offsets: Vec<usize> = table
        .lines()
        .skip(3)
        .take_while(|l| l.ends_with(" n "))
        .map(|l| l[..10].parse().unwrap())
        .collect();
    for (index, offset) in offsets.iter().enumerate() {
        assert!(pdf[*offset..].starts_with(format!("{} 0 obj", index + 1).as_bytes()));
    }
    offsets.len()
}

#[test]
fn a_referral_pack_runs_over_pages_as_one_tagged_document_with_protected_details_withheld() {
    let day = |n: i32| Date::parse_iso("2025-01-06").unwrap().add_days(n).unwrap();
    let mut events = Vec::new();
    for week in 0..150 {
        events.push(safety::CaseEvent::Due {
            on: day(7 * week),
            amount: domain_types::Pence::new(4_800),
        });
        events.push(safety::CaseEvent::Payment {
            on: day(7 * week + 3),
            amount: domain_types::Pence::new(100),
            words: Some(format!("I know you live at ADDRESS-RECEIVER week {week}")),
        });
    }
    let signals = safety::scan(&events, day(7 * 150), safety::Thresholds::embedded());
    assert!(!signals.is_empty());
    let pack = safety::referral_pack(
        safety::Recipient::Police,
        "CM-TEST",
        day(7 * 150),
        &signals,
        &events,
        &{
            let mut protected = case_records::Locators::none();
            protected.address("ADDRESS-RECEIVER");
            protected.postcode("POSTCODE-RECEIVER");
            protected
        },
    );
    let pdf = letters::referral_pack_pdf(&pack, "Child Maintenance Service, PO Box 1");
    let text = String::from_utf8_lossy(&pdf).into_owned();
    assert!(!text.contains("ADDRESS-RECEIVER"));
    assert!(text.contains("[withheld]"));
    let pages: usize = text
        .split("/Type /Pages /Kids [")
        .nth(1)
        .unwrap()
        .split("/Count ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(pages > 5, "{pages} pages");
    assert_eq!(text.matches("/Type /Page ").count(), pages);
    assert_eq!(text.matches(&format!("Page {pages} of {pages}")).count(), 1);
    // Every page is in the parent tree; every timeline entry and signal is
    // an element; each marked-content sequence on a page belongs to one.
    assert!(text.contains(&format!("/ParentTreeNextKey {pages}")));
    let elements = text.matches("/Type /StructElem").count() - 1;
    let evidence: usize = pack.signals.iter().map(|s| s.evidence.len() + 1).sum();
    assert_eq!(elements, 3 + 1 + 1 + evidence + 1 + pack.timeline.len());
    assert_eq!(text.matches("/S /H2").count(), 2);
    let marks = text.matches(">> BDC").count();
    let parent_refs: usize = text
        .split("/Nums [")
        .nth(1)
        .unwrap()
        .split(">>")
        .next()
        .unwrap()
        .matches(" 0 R")
        .count();
    assert_eq!(marks, parent_refs);
    assert!(objects_land(&pdf) > 7 + 2 * pages);
    if let Ok(path) = std::env::var("REFERRAL_PDF_OUT") {
        std::fs::write(path, &pdf).unwrap();
    }
    for week in [0, 75, 149] {
        assert!(text.contains(&format!("{}: payment of", day(7 * week + 3))));
    }
}

#[test]
fn a_paragraph_longer_than_a_page_stays_one_element_across_pages() {
    let long = "word ".repeat(8_000);
    let pdf = letters::tagged_pdf(
        "Long",
        &[
            (letters::Role::Heading, "Long".to_owned()),
            (letters::Role::Paragraph, long),
        ],
    );
    let text = String::from_utf8_lossy(&pdf).into_owned();
    let pages = text.matches("/Type /Page ").count();
    assert!(pages >= 2, "{pages}");
    assert_eq!(text.matches("/S /P ").count(), 1);
    // One marked-content reference per page for the paragraph, each naming its page.
    assert_eq!(text.matches("/Type /MCR").count(), pages);
    objects_land(&pdf);
}
