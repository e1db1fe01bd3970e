//! camt.053 statements: read whole or refused whole, matched to cases, and
//! re-imported harmlessly.

use case_records::CaseReference;
use domain_types::{Date, Pence};
use ledger::{Account, AccountKind, Ledger, Posted, TransferCode};

fn entry(reference: &str, amount: &str, indicator: &str, booked: &str, remittance: &str) -> String {
    format!(
        r#"      <Ntry>
        <Amt Ccy="GBP">{amount}</Amt>
        <CdtDbtInd>{indicator}</CdtDbtInd>
        <Sts><Cd>BOOK</Cd></Sts>
        <BookgDt><Dt>{booked}</Dt></BookgDt>
        <AcctSvcrRef>{reference}</AcctSvcrRef>
        <NtryDtls><TxDtls>
          <RltdPties><Dbtr><Pty><Nm>A PAYER</Nm></Pty></Dbtr></RltdPties>
          <RmtInf><Ustrd>{remittance}</Ustrd></RmtInf>
        </TxDtls></NtryDtls>
      </Ntry>
"#
    )
}

fn statement(entries: &[String]) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>MSG-2025-02-03</MsgId><CreDtTm>2025-02-03T18:00:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>STMT-2025-02-03</Id>
      <Acct><Id><Othr><Id>CMS-CLIENT-ACCOUNT</Id></Othr></Id></Acct>
{}    </Stmt>
  </BkToCstmrStmt>
</Document>
"#,
        entries.concat()
    )
}

fn known() -> CaseReference {
    CaseReference::from_random(0x0012_3456_789A)
}

fn typo(reference: &CaseReference) -> String {
    // Change the first character after "CM-" to another letter: the check character catches it.
    let text = reference.to_string();
    let replacement = if text.as_bytes()[3] == b'X' { "Y" } else { "X" };
    format!("{}{}{}", &text[..3], replacement, &text[4..])
}

#[test]
fn credits_are_matched_by_reference_and_the_rest_go_to_suspense_with_a_reason() {
    let case = known();
    let unknown = CaseReference::from_random(5);
    let file = statement(&[
        entry(
            "B-001",
            "60.00",
            "CRDT",
            "2025-02-03",
            &format!("Child maintenance {case} thanks"),
        ),
        entry(
            "B-002",
            "12.34",
            "CRDT",
            "2025-02-03",
            &case.to_string().to_lowercase().replace('-', " "),
        ),
        entry("B-003", "60.00", "CRDT", "2025-02-03", &typo(&case)),
        entry(
            "B-004",
            "5.00",
            "CRDT",
            "2025-02-03",
            &format!("for {unknown}"),
        ),
        entry(
            "B-005",
            "7.00",
            "CRDT",
            "2025-02-03",
            "see you at the weekend &amp; bring the kids",
        ),
        entry(
            "B-006",
            "9.00",
            "CRDT",
            "2025-02-03",
            &format!("{case} and {unknown}"),
        ),
        entry("B-007", "100.00", "DBIT", "2025-02-03", "returned item"),
    ]);
    let parsed = bank_files::parse_camt053(&file).unwrap();
    assert_eq!(parsed.id, "STMT-2025-02-03");
    assert_eq!(parsed.entries.len(), 7);
    assert_eq!(
        parsed.entries[4].remittance,
        "see you at the weekend & bring the kids"
    );
    let (transfers, unmatched) = bank_files::payment_transfers(&parsed, &|c| *c == case);
    let matched: Vec<_> = transfers
        .iter()
        .filter(|t| t.code == TransferCode::Payment)
        .collect();
    assert_eq!(
        matched.len(),
        2,
        "B-001 and B-002 (spaces and lower case forgiven)"
    );
    assert!(
        matched
            .iter()
            .all(|t| t.credit == Account::of_case(case, AccountKind::PayingParentOwes))
    );
    let reasons: Vec<(&str, &str)> = unmatched
        .iter()
        .map(|u| (u.entry.bank_reference.as_str(), u.reason.as_str()))
        .collect();
    assert_eq!(
        reasons,
        [
            (
                "B-003",
                "the reference has a typo (its check character does not match)"
            ),
            ("B-004", reasons[1].1),
            ("B-005", "no case reference in the payment"),
            ("B-006", "more than one case reference in the payment"),
        ]
    );
    assert!(reasons[1].1.starts_with("no case has the reference"));
    assert_eq!(transfers.len(), 6, "the debit is not a payment in");

    let mut ledger = Ledger::new();
    for transfer in &transfers {
        assert_eq!(ledger.post(transfer.clone()), Ok(Posted::Posted));
    }
    assert_eq!(
        ledger.balance(Account::BANK).debit_balance(),
        6_000 + 1_234 + 6_000 + 500 + 700 + 900
    );
    assert_eq!(
        ledger.balance(Account::SUSPENSE).credit_balance(),
        6_000 + 500 + 700 + 900
    );
    // The same file again, and an overlapping one, change nothing.
    for transfer in &transfers {
        assert_eq!(ledger.post(transfer.clone()), Ok(Posted::AlreadyPosted));
    }
    let overlapping = statement(&[
        entry("B-002", "12.34", "CRDT", "2025-02-03", &case.to_string()),
        entry("B-008", "1.00", "CRDT", "2025-02-04", &case.to_string()),
    ]);
    let (again, _) =
        bank_files::payment_transfers(&bank_files::parse_camt053(&overlapping).unwrap(), &|c| {
            *c == case
        });
    let outcomes: Vec<_> = again.into_iter().map(|t| ledger.post(t)).collect();
    assert_eq!(outcomes, [Ok(Posted::AlreadyPosted), Ok(Posted::Posted)]);
    ledger.verify();
    assert_eq!(
        parsed.entries[0].booked,
        Date::parse_iso("2025-02-03").unwrap()
    );
    assert_eq!(parsed.entries[1].amount, Pence::new(1_234));
}

#[test]
fn a_malformed_file_is_refused_whole_with_the_line_and_reason() {
    let good = entry("B-1", "60.00", "CRDT", "2025-02-03", "CM");
    let cases = [
        (
            statement(&[
                good.clone(),
                entry("B-2", "60.001", "CRDT", "2025-02-03", "x"),
            ]),
            19,
            "at most two digits",
        ),
        (
            statement(&[
                good.clone(),
                entry("B-2", "60.00", "CRDT", "2025-02-30", "x"),
            ]),
            19,
            "does not exist",
        ),
        (
            statement(&[
                good.clone(),
                entry("B-2", "60.00", "XXXX", "2025-02-03", "x"),
            ]),
            19,
            "not CRDT or DBIT",
        ),
        (
            statement(&[
                good.clone(),
                entry("B-1", "60.00", "CRDT", "2025-02-03", "x"),
            ]),
            19,
            "appears twice",
        ),
        (
            statement(&[good.replace("GBP", "EUR")]),
            8,
            "EUR rather than GBP",
        ),
        (
            statement(&[good.replace("<AcctSvcrRef>B-1</AcctSvcrRef>", "")]),
            8,
            "no <AcctSvcrRef>",
        ),
        (
            statement(&[good.replace("</Amt>", "")]),
            18,
            "not well-formed",
        ),
        ("<Invoice/>".to_owned(), 1, "not a camt.053"),
    ];
    for (file, line, reason) in cases {
        let error = bank_files::parse_camt053(&file).unwrap_err();
        assert!(
            error.reason.contains(reason),
            "expected {reason:?}, got {error}"
        );
        assert_eq!(error.line, line, "{error}");
        assert!(
            error
                .to_string()
                .contains("nothing from this file was posted")
        );
    }
}

proptest::proptest! {
    #[test]
    fn what_is_written_reads_back_as_itself(
        entries in proptest::collection::vec(
            (1u64..10_000_000, any_remittance(), proptest::bool::ANY, 0i32..3000),
            0..30,
        )
    ) {
        let statement = bank_files::Statement {
            id: "STMT <&> 1".to_owned(),
            entries: entries
                .into_iter()
                .enumerate()
                .map(|(i, (pence, remittance, is_credit, day))| bank_files::StatementEntry {
                    bank_reference: format!("REF-{i}"),
                    amount: Pence::new(pence),
                    is_credit,
                    booked: Date::parse_iso("2020-01-01").unwrap().add_days(day).unwrap(),
                    remittance,
                })
                .collect(),
        };
        let read = bank_files::parse_camt053(&bank_files::write_camt053(&statement)).unwrap();
        proptest::prop_assert_eq!(read, statement);
    }
}

fn any_remittance() -> impl proptest::strategy::Strategy<Value = String> {
    // Printable text without surrounding spaces (the reader trims), with the
    // characters XML must escape.
    proptest::string::string_regex(
        "[A-Za-z0-9&<>\"'-]([A-Za-z0-9&<>\"' -]{0,18}[A-Za-z0-9&<>\"'-])?",
    )
    .unwrap()
}

#[test]
fn the_payers_own_words_are_kept_as_notes_only_when_they_say_more_than_the_reference() {
    let case = CaseReference::from_random(5);
    let entry = |n: u32, text: String| bank_files::StatementEntry {
        bank_reference: format!("N-{n}"),
        amount: domain_types::Pence::new(1_000),
        is_credit: true,
        booked: domain_types::Date::parse_iso("2025-03-03").unwrap(),
        remittance: text,
    };
    let statement = bank_files::Statement {
        id: "S".to_owned(),
        entries: vec![
            entry(1, case.to_string()),
            entry(2, case.to_string().to_lowercase().replace('-', " ")),
            entry(3, format!("{case} I KNOW WHERE YOU LIVE")),
            entry(4, "FOR THE KIDS".to_owned()),
        ],
    };
    let (_, unmatched) = bank_files::payment_transfers(&statement, &|c| *c == case);
    let notes = bank_files::payment_notes(&statement, &unmatched);
    let kept: Vec<(&str, &str, Option<&str>)> = notes
        .iter()
        .map(|n| {
            (
                n.transfer.0.as_str(),
                n.remittance.as_str(),
                n.suspense_reason.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        kept,
        vec![
            (
                "bank/N-3",
                format!("{case} I KNOW WHERE YOU LIVE").as_str(),
                None
            ),
            (
                "bank/N-4",
                "FOR THE KIDS",
                Some("no case reference in the payment")
            ),
        ]
    );
}
