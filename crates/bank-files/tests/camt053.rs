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
    statement_dated("<CreDtTm>2025-02-03T18:00:00</CreDtTm>", "", entries)
}

/// A statement with the group header's creation date element `created`
/// (or none) and `period` (a `<FrToDt>`, or nothing) on the `<Id>` line, so
/// every line number stays as in [`statement`].
fn statement_dated(created: &str, period: &str, entries: &[String]) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>MSG-2025-02-03</MsgId>{created}</GrpHdr>
    <Stmt>
      <Id>STMT-2025-02-03</Id>{period}
      <Acct><Id><Othr><Id>CMS-CLIENT-ACCOUNT</Id></Othr></Id></Acct>
{}    </Stmt>
  </BkToCstmrStmt>
</Document>
"#,
        entries.concat()
    )
}

/// The line (from 1) of the first occurrence of `needle` in `file`.
fn line_of(file: &str, needle: &str) -> usize {
    let at = file
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in the file"));
    file[..at].matches('\n').count() + 1
}

/// The file's refusal, checked to name a real line and to say nothing was
/// posted.
fn refused(file: &str) -> bank_files::FileError {
    let error = bank_files::parse_camt053(file)
        .map(|s| s.entries)
        .expect_err("the file should be refused");
    assert!(error.line >= 1, "{error}");
    assert!(
        error
            .to_string()
            .contains("nothing from this file was posted"),
        "{error}"
    );
    error
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
        start in 0i32..3000,
        entries in proptest::collection::vec(
            // Booking days within a statement's longest span (a year).
            (1u64..10_000_000, any_remittance(), proptest::bool::ANY, 0i32..=366),
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
                    booked: Date::parse_iso("2020-01-01").unwrap().add_days(start + day).unwrap(),
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

/// An entry written out in full, `details` being the inside of its
/// `<TxDtls>` and `amount` the whole of its own `<Amt>` element.
fn entry_with(reference: &str, amount: &str, booked: &str, details: &str) -> String {
    format!(
        r#"      <Ntry>
        {amount}
        <CdtDbtInd>CRDT</CdtDbtInd>
        <Sts><Cd>BOOK</Cd></Sts>
        <BookgDt><Dt>{booked}</Dt></BookgDt>
        <AcctSvcrRef>{reference}</AcctSvcrRef>
        <NtryDtls><TxDtls>
{details}
        </TxDtls></NtryDtls>
      </Ntry>
"#
    )
}

// Failure 1: money in another currency was posted as pounds, and a pound
// entry with foreign amounts in its details was refused.

#[test]
fn an_entry_in_another_currency_is_refused_even_with_a_pound_amount_in_its_details() {
    let case = known();
    let euro = entry_with(
        "FX-1",
        r#"<Amt Ccy="EUR">100.00</Amt>"#,
        "2025-02-03",
        &format!(
            r#"          <AmtDtls>
            <InstdAmt><Amt Ccy="EUR">100.00</Amt></InstdAmt>
            <TxAmt><Amt Ccy="GBP">100.00</Amt></TxAmt>
          </AmtDtls>
          <RmtInf><Ustrd>{case}</Ustrd></RmtInf>"#
        ),
    );
    let file = statement(&[entry("B-1", "60.00", "CRDT", "2025-02-03", "CM"), euro]);
    let error = refused(&file);
    assert!(error.reason.contains("FX-1"), "{error}");
    assert!(error.reason.contains("EUR rather than GBP"), "{error}");
    assert_eq!(
        error.line,
        line_of(&file, "<Amt Ccy=\"EUR\">100.00</Amt>\n") - 1
    );
}

#[test]
fn a_pound_entry_is_read_by_its_own_amount_whatever_currencies_its_details_name() {
    let case = known();
    let pounds = entry_with(
        "FX-2",
        r#"<Amt Ccy="GBP">85.00</Amt>"#,
        "2025-02-03",
        &format!(
            r#"          <Amt Ccy="EUR">100.00</Amt>
          <AmtDtls>
            <InstdAmt><Amt Ccy="EUR">100.00</Amt></InstdAmt>
            <TxAmt><Amt Ccy="GBP">85.00</Amt></TxAmt>
            <CntrValAmt><Amt Ccy="USD">110.50</Amt></CntrValAmt>
          </AmtDtls>
          <RmtInf><Ustrd>{case}</Ustrd></RmtInf>"#
        ),
    );
    let parsed = bank_files::parse_camt053(&statement(&[pounds])).unwrap();
    assert_eq!(parsed.entries.len(), 1);
    assert_eq!(parsed.entries[0].amount, Pence::new(8_500));
    let (transfers, unmatched) = bank_files::payment_transfers(&parsed, &|c| *c == case);
    assert!(unmatched.is_empty());
    assert_eq!(transfers.len(), 1);
    assert_eq!(transfers[0].amount, Pence::new(8_500));
    assert_eq!(transfers[0].code, TransferCode::Payment);
}

#[test]
fn an_entry_amount_without_its_currency_is_refused() {
    let file = statement(&[entry_with(
        "NC-1",
        "<Amt>85.00</Amt>",
        "2025-02-03",
        "<RmtInf><Ustrd>x</Ustrd></RmtInf>",
    )]);
    let error = refused(&file);
    assert!(error.reason.contains("NC-1"), "{error}");
    assert!(error.reason.contains("Ccy"), "{error}");
    assert_eq!(error.line, 8);
}

// Failure 2: `1,50` was posted as £150.00.

#[test]
fn an_amount_not_in_the_schemas_decimal_form_refuses_the_file_naming_line_and_entry() {
    let good = entry("B-1", "60.00", "CRDT", "2025-02-03", "CM");
    for amount in [
        "1,50",
        "1,500.00",
        "1 500.00",
        "+1.50",
        "-1.50",
        "1.5e2",
        "1E2",
        "1.505",
        "1..5",
        ".",
        "",
        "£1.50",
        "0x10",
        "NaN",
        "1_000",
        "\u{661}\u{662}",
        "\u{ff11}\u{ff12}",
        "\u{a0}1.50",
        "0000000000000000001.00",
        "100000000000.00",
        "0.00",
    ] {
        let file = statement(&[
            good.clone(),
            entry("B-2", amount, "CRDT", "2025-02-03", "x"),
        ]);
        let error = refused(&file);
        assert_eq!(error.line, 19, "{amount:?}: {error}");
        assert!(error.reason.contains("B-2"), "{amount:?}: {error}");
    }
}

#[test]
fn amounts_in_the_schemas_decimal_form_are_read_to_the_penny() {
    for (amount, pence) in [
        ("1.5", 150),
        ("1.50", 150),
        ("0.01", 1),
        ("007.00", 700),
        ("12", 1_200),
        ("12.", 1_200),
        (".5", 50),
        // The schema collapses whitespace around a decimal (xs:decimal).
        ("\n          60.00\n        ", 6_000),
        ("10000000000.00", 1_000_000_000_000),
    ] {
        let file = statement(&[entry("B-1", amount, "CRDT", "2025-02-03", "x")]);
        let parsed = bank_files::parse_camt053(&file).unwrap_or_else(|e| panic!("{amount:?}: {e}"));
        assert_eq!(parsed.entries[0].amount, Pence::new(pence), "{amount:?}");
    }
}

// Failure 3: character references were refused as unknown entities.

#[test]
fn character_references_are_read_and_bad_ones_refused() {
    let file = statement(&[entry(
        "B-&#49;",
        "60.00",
        "CRDT",
        "2025-02-03",
        "Caf&#233; cr&#xE8;me&#x9;&#x1F600; &amp; &#60;3",
    )]);
    let parsed = bank_files::parse_camt053(&file).unwrap();
    assert_eq!(parsed.entries[0].bank_reference, "B-1");
    assert_eq!(parsed.entries[0].remittance, "Café crème\t\u{1F600} & <3");
    for reference in [
        "&#0;",
        "&#1;",
        "&#x1B;",
        "&#x7F;",
        "&#x85;",
        "&#xD800;",
        "&#xDFFF;",
        "&#x110000;",
        "&#xFFFE;",
        "&#xFFFF;",
        "&#X41;",
        "&#;",
        "&#x;",
        "&#-65;",
        "&#+65;",
        "&#99999999999;",
        "&#x4G;",
    ] {
        let file = statement(&[
            entry("B-1", "60.00", "CRDT", "2025-02-03", "CM"),
            entry(
                "B-2",
                "60.00",
                "CRDT",
                "2025-02-03",
                &format!("abc {reference}"),
            ),
        ]);
        let error = refused(&file);
        assert_eq!(error.line, line_of(&file, "abc &#"), "{reference}: {error}");
    }
}

#[test]
fn control_characters_written_out_are_refused_too() {
    let file = statement(&[entry("B-1", "60.00", "CRDT", "2025-02-03", "a\u{1}b")]);
    let error = refused(&file);
    assert_eq!(error.line, line_of(&file, "a\u{1}b"), "{error}");
}

#[test]
fn document_type_declarations_are_refused_with_or_without_entities() {
    let body = statement(&[entry("B-1", "60.00", "CRDT", "2025-02-03", "&lol9;")]);
    let (declaration, rest) = body.split_once('\n').unwrap();
    for dtd in [
        // Billion laughs.
        concat!(
            "<!DOCTYPE Document [\n",
            "<!ENTITY lol \"lol\">\n",
            "<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n",
            "<!ENTITY lol9 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n",
            "]>"
        ),
        // An external entity (XXE).
        "<!DOCTYPE Document [\n<!ENTITY lol9 SYSTEM \"file:///etc/passwd\">\n]>",
        // A DTD that declares nothing used.
        "<!DOCTYPE Document>",
    ] {
        let file = format!("{declaration}\n{dtd}\n{rest}");
        let error = refused(&file);
        assert_eq!(error.line, 2, "{error}");
        assert!(error.reason.contains("DTD"), "{error}");
    }
    // And an entity no DTD declares is still unknown.
    let error = refused(&body);
    assert!(error.reason.contains("unknown entity &lol9;"), "{error}");
    assert_eq!(error.line, line_of(&body, "&lol9;"));
}

// Failure 4: booking dates of 0001-01-01 and 9999-12-31 were accepted.

#[test]
fn booking_dates_far_from_the_statements_own_dates_refuse_the_file() {
    // Created 2025-02-03 and no period: 31 days either side.
    for (booked, accepted) in [
        ("0001-01-01", false),
        ("9999-12-31", false),
        ("2025-01-02", false),
        ("2025-01-03", true),
        ("2025-03-06", true),
        ("2025-03-07", false),
    ] {
        let file = statement(&[
            entry("B-1", "60.00", "CRDT", "2025-02-03", "CM"),
            entry("B-2", "60.00", "CRDT", booked, "x"),
        ]);
        if accepted {
            let parsed = bank_files::parse_camt053(&file).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(parsed.entries[1].booked, Date::parse_iso(booked).unwrap());
        } else {
            let error = refused(&file);
            assert_eq!(error.line, 19, "{booked}: {error}");
            assert!(error.reason.contains("B-2"), "{booked}: {error}");
            assert!(error.reason.contains(booked), "{booked}: {error}");
        }
    }
}

#[test]
fn a_statement_period_widens_the_window_to_its_own_days_and_31_either_side() {
    let created = "<CreDtTm>2025-02-03T18:00:00</CreDtTm>";
    let january = "<FrToDt><FrDtTm>2025-01-01T00:00:00Z</FrDtTm><ToDtTm>2025-01-31T23:59:59.999+00:00</ToDtTm></FrToDt>";
    for (booked, accepted) in [
        ("2024-11-30", false),
        ("2024-12-01", true),
        ("2025-01-15", true),
        ("2025-03-03", true),
        ("2025-03-04", false),
    ] {
        let file = statement_dated(
            created,
            january,
            &[entry("B-1", "60.00", "CRDT", booked, "x")],
        );
        assert_eq!(
            bank_files::parse_camt053(&file).is_ok(),
            accepted,
            "{booked}"
        );
    }
}

#[test]
fn a_statement_without_sane_dates_of_its_own_is_refused() {
    let one = [entry("B-1", "60.00", "CRDT", "2025-02-03", "x")];
    let created = "<CreDtTm>2025-02-03T18:00:00</CreDtTm>";
    let cases = [
        // No creation date (mandatory in the group header) and no period.
        ("", "", 5),
        // Not an ISO date and time.
        ("<CreDtTm>2025-02-03</CreDtTm>", "", 4),
        ("<CreDtTm>2025-02-03T25:00:00</CreDtTm>", "", 4),
        ("<CreDtTm>2025-02-30T18:00:00</CreDtTm>", "", 4),
        // A period of everything, and one that ends before it starts.
        (
            created,
            "<FrToDt><FrDtTm>0001-01-01T00:00:00</FrDtTm><ToDtTm>9999-12-31T23:59:59</ToDtTm></FrToDt>",
            6,
        ),
        (
            created,
            "<FrToDt><FrDtTm>2025-02-03T00:00:00</FrDtTm><ToDtTm>2025-02-01T00:00:00</ToDtTm></FrToDt>",
            6,
        ),
    ];
    for (created, period, line) in cases {
        let file = statement_dated(created, period, &one);
        let error = refused(&file);
        assert_eq!(error.line, line, "{created} {period}: {error}");
    }
    // With no entries there is nothing to date.
    assert!(bank_files::parse_camt053(&statement_dated("", "", &[])).is_ok());
}

// Failure 5: an empty entry was skipped, and mixed remittance text lost
// all but its last piece.

#[test]
fn an_empty_entry_refuses_the_file_naming_its_line() {
    let good = entry("B-1", "60.00", "CRDT", "2025-02-03", "CM");
    for empty in [
        "      <Ntry/>\n",
        "      <Ntry />\n",
        "      <Ntry></Ntry>\n",
    ] {
        let file = statement(&[good.clone(), empty.to_owned()]);
        let error = refused(&file);
        assert_eq!(error.line, 19, "{empty}: {error}");
    }
}

#[test]
fn remittance_text_split_by_comments_or_cdata_is_kept_whole() {
    let file = statement(&[entry(
        "B-1",
        "60.00",
        "CRDT",
        "2025-02-03",
        "CM-<!-- the payer's bank -->ABC<![CDATA[ & more]]> text<?pi x?> end",
    )]);
    let parsed = bank_files::parse_camt053(&file).unwrap();
    assert_eq!(parsed.entries[0].remittance, "CM-ABC & more text end");
}

#[test]
fn remittance_text_with_child_elements_is_refused_not_cut() {
    for ustrd in [
        "for CM<b>123</b>456",
        "<b>CM</b> for the kids",
        "for the kids<br/>",
    ] {
        let file = statement(&[
            entry("B-1", "60.00", "CRDT", "2025-02-03", "CM"),
            entry("B-2", "60.00", "CRDT", "2025-02-03", ustrd),
        ]);
        let error = refused(&file);
        assert_eq!(error.line, line_of(&file, ustrd), "{ustrd}: {error}");
        assert!(error.reason.contains("Ustrd"), "{ustrd}: {error}");
    }
}

// Failure 6: errors said "line 0", or the line after the element at fault.

#[test]
fn every_refusal_names_the_line_of_the_element_at_fault() {
    let good = entry("B-1", "60.00", "CRDT", "2025-02-03", "CM");
    // A whole entry inside another: the inner one's line, not line 0.
    let inner = entry("B-9", "1.00", "CRDT", "2025-02-03", "x");
    let nested = statement(&[good.replacen("<AcctSvcrRef>", &format!("{inner}<AcctSvcrRef>"), 1)]);
    let error = refused(&nested);
    let (second, _) = nested.match_indices("<Ntry>").nth(1).unwrap();
    assert_eq!(
        error.line,
        nested[..second].matches('\n').count() + 1,
        "{error}"
    );

    // A start tag over two lines: the line where it starts.
    let split = statement(&[
        good.clone(),
        entry("B-2", "60.001", "CRDT", "2025-02-03", "x").replacen("<Ntry>", "<Ntry\n       >", 1),
    ]);
    let error = refused(&split);
    assert_eq!(error.line, 19, "{error}");

    // Two amounts in one entry: the second.
    let twice =
        statement(&[good.replacen("<CdtDbtInd>", "<Amt Ccy=\"GBP\">1.00</Amt>\n<CdtDbtInd>", 1)]);
    let error = refused(&twice);
    assert_eq!(
        error.line,
        line_of(&twice, "<Amt Ccy=\"GBP\">1.00"),
        "{error}"
    );

    // A second statement in the file.
    let file = statement(&[good]);
    let two = file.replacen(
        "    </Stmt>\n",
        "    </Stmt>\n    <Stmt><Id>OTHER</Id></Stmt>\n",
        1,
    );
    let error = refused(&two);
    assert_eq!(error.line, line_of(&two, "<Stmt><Id>OTHER"), "{error}");

    // Something after the document.
    let after = format!("{file}<Document/>\n");
    let error = refused(&after);
    assert_eq!(error.line, line_of(&after, "<Document/>"), "{error}");
}

#[test]
fn what_iso_20022_allows_besides_is_read_as_it_means() {
    let case = known();
    // A byte order mark, a booking date and time (BookgDt/DtTm), and the
    // bank's own supplementary data (SplmtryData/Envlp, any content), none
    // of which is read as an entry.
    let file =
        format!(
        "\u{FEFF}{}",
        statement(&[entry("B-1", "60.00", "CRDT", "2025-02-03", &case.to_string())
            .replace(
                "<BookgDt><Dt>2025-02-03</Dt></BookgDt>",
                "<BookgDt><DtTm>2025-02-03T09:30:00+01:00</DtTm></BookgDt>",
            )
            .replace(
                "</NtryDtls>",
                "</NtryDtls><SplmtryData><Envlp><x:Ntry xmlns:x=\"urn:bank\">note <b>1,50</b> \
                 <x:Amt Ccy=\"EUR\">1</x:Amt></x:Ntry></Envlp></SplmtryData>",
            )])
    );
    let parsed = bank_files::parse_camt053(&file).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(parsed.entries.len(), 1);
    assert_eq!(parsed.entries[0].amount, Pence::new(6_000));
    assert_eq!(
        parsed.entries[0].booked,
        Date::parse_iso("2025-02-03").unwrap()
    );
    // A malformed attribute anywhere is malformed XML.
    let file =
        statement(
            &[entry("B-1", "60.00", "CRDT", "2025-02-03", "x").replace("<Sts>", "<Sts a=1>")],
        );
    let error = refused(&file);
    assert!(error.reason.contains("not well-formed"), "{error}");
    assert_eq!(error.line, line_of(&file, "<Sts a=1>"));
}
