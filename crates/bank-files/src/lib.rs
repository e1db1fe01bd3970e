//! Bank files. Money in: ISO 20022 camt.053 bank-to-customer statements.
//! Money out: pain.001 credit transfers and BACS Standard 18 records
//! ([`write_pain001`], [`write_standard18`]).
//!
//! [`parse_camt053`] reads a statement whole or refuses it whole, naming the
//! line and the reason, so nothing from a malformed file is ever posted.
//! [`payment_transfers`] turns its credits into ledger transfers: a credit
//! whose remittance text holds exactly one valid, known case reference is a
//! payment for that case; anything else (no reference, a typo caught by the
//! check character, two different references, an unknown case) goes to
//! suspense for a caseworker, never guessed. Each transfer's id is the
//! bank's own reference for the entry, so importing the same file again, or
//! an overlapping one, changes nothing. The payer's free text is kept for the
//! caseworker only; it never reaches a ledger line a parent sees.

mod direct_pay;
mod payments_out;

use std::collections::BTreeSet;
use std::fmt;

use case_records::CaseReference;
use domain_types::{Date, Pence};
use ledger::{Account, AccountKind, Transfer, TransferCode, TransferId};
use quick_xml::Reader;
use quick_xml::events::Event;

pub use direct_pay::{
    CentralisedBank, CentralisedSortCodes, DirectPayDetails, SortCodeAdvice, direct_pay_details,
};
pub use payments_out::{
    AccountNumber, Originator, Payee, PaymentInstruction, end_to_end_id, instruction,
    write_pain001, write_standard18,
};

/// One entry of a statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatementEntry {
    /// The bank's unique reference for the entry (`AcctSvcrRef`).
    pub bank_reference: String,
    /// The amount.
    pub amount: Pence,
    /// Money in (`CRDT`) rather than out (`DBIT`).
    pub is_credit: bool,
    /// The day the bank booked it.
    pub booked: Date,
    /// The payer's remittance text, for the caseworker only.
    pub remittance: String,
}

/// A statement: its id and entries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Statement {
    /// The statement's id.
    pub id: String,
    /// Its entries, in file order.
    pub entries: Vec<StatementEntry>,
}

/// Why a file was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileError {
    /// The line (from 1) at or near the fault.
    pub line: usize,
    /// What is wrong.
    pub reason: String,
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}: {}; nothing from this file was posted",
            self.line, self.reason
        )
    }
}

impl std::error::Error for FileError {}

#[derive(Default)]
struct Draft {
    amount: Option<String>,
    currency: Option<String>,
    indicator: Option<String>,
    booked: Option<String>,
    bank_reference: Option<String>,
    remittance: Vec<String>,
    line: usize,
}

fn line_at(text: &str, position: u64) -> usize {
    let end = usize::try_from(position)
        .unwrap_or(text.len())
        .min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// Line numbers for positions that only move forward: counts the newlines
/// since the last position asked about, so a whole file costs one pass
/// rather than one pass per entry.
struct Lines<'a> {
    text: &'a [u8],
    position: usize,
    line: usize,
}

impl Lines<'_> {
    fn at(&mut self, position: u64) -> usize {
        let end = usize::try_from(position)
            .unwrap_or(self.text.len())
            .min(self.text.len());
        if end < self.position {
            return line_at(std::str::from_utf8(self.text).unwrap_or(""), position);
        }
        self.line += self.text[self.position..end]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        self.position = end;
        self.line
    }
}

/// Reads a camt.053 statement.
///
/// # Errors
/// Not XML, not a camt.053 statement, or an entry without a GBP amount,
/// credit/debit indicator, booking date or bank reference, or with a bank
/// reference used twice. The file is refused whole.
pub fn parse_camt053(text: &str) -> Result<Statement, FileError> {
    let mut reader = Reader::from_str(text);
    let mut lines = Lines {
        text: text.as_bytes(),
        position: 0,
        line: 1,
    };
    let mut path: Vec<String> = Vec::new();
    // An element's text arrives in pieces (text, then `&amp;`, then text):
    // gather it and take it whole at the element's end.
    let mut gathered = String::new();
    let mut statement_id = None;
    let mut entries = Vec::new();
    let mut draft: Option<Draft> = None;
    let mut seen_references = BTreeSet::new();
    loop {
        let position = reader.buffer_position();
        let fail = |reason: String| FileError {
            line: line_at(text, position),
            reason,
        };
        let event = match reader.read_event() {
            Ok(event) => event,
            Err(error) => {
                return Err(FileError {
                    line: line_at(text, reader.error_position()),
                    reason: format!("not well-formed XML: {error}"),
                });
            }
        };
        match event {
            Event::Start(element) => {
                let name = element.local_name().as_ref().to_owned();
                if path.is_empty() && name != "Document" {
                    return Err(fail(format!(
                        "the file starts with <{name}>, not a camt.053 <Document>"
                    )));
                }
                if name == "Ntry" {
                    // The line of the entry's own start tag, not of the
                    // end of whatever came before it.
                    draft = Some(Draft {
                        line: lines.at(reader.buffer_position()),
                        ..Draft::default()
                    });
                }
                if name == "Amt"
                    && let Some(d) = draft.as_mut()
                {
                    for attribute in element.attributes().flatten() {
                        if attribute.key.local_name().as_ref() == "Ccy" {
                            d.currency = Some(attribute.value.to_string());
                        }
                    }
                }
                path.push(name);
                gathered.clear();
            }
            Event::End(_) => {
                let value = gathered.trim().to_owned();
                gathered.clear();
                let here: Vec<&str> = path.iter().map(String::as_str).collect();
                match here.as_slice() {
                    [.., "Stmt", "Id"] => statement_id = Some(value),
                    [.., "Ntry", "Amt"] => set(&mut draft, |d| d.amount = Some(value)),
                    [.., "Ntry", "CdtDbtInd"] => set(&mut draft, |d| d.indicator = Some(value)),
                    [.., "Ntry", "BookgDt", "Dt"] => set(&mut draft, |d| d.booked = Some(value)),
                    [.., "Ntry", "AcctSvcrRef"] => {
                        set(&mut draft, |d| d.bank_reference = Some(value))
                    }
                    [.., "RmtInf", "Ustrd"] => set(&mut draft, |d| d.remittance.push(value)),
                    _ => {}
                }
                let closing = path.pop().unwrap_or_default();
                if closing == "Ntry" {
                    let d = draft.take().unwrap_or_default();
                    let line = d.line;
                    let entry = finish_entry(d)?;
                    if !seen_references.insert(entry.bank_reference.clone()) {
                        return Err(FileError {
                            line,
                            reason: format!(
                                "the bank reference {} appears twice",
                                entry.bank_reference
                            ),
                        });
                    }
                    entries.push(entry);
                }
            }
            Event::Text(content) => gathered.push_str(&content.xml10_content()),
            Event::CData(content) => gathered.push_str(&content.xml10_content()),
            Event::GeneralRef(reference) => {
                let resolved = match reference.xml10_content().as_ref() {
                    "amp" => "&",
                    "lt" => "<",
                    "gt" => ">",
                    "quot" => "\"",
                    "apos" => "'",
                    other => return Err(fail(format!("unknown entity &{other};"))),
                };
                gathered.push_str(resolved);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !path.is_empty() {
        return Err(FileError {
            line: line_at(text, reader.buffer_position()),
            reason: format!("<{}> is never closed", path.join("/")),
        });
    }
    let id = statement_id.ok_or(FileError {
        line: 1,
        reason: "no <Stmt><Id>: not a camt.053 statement".to_owned(),
    })?;
    Ok(Statement { id, entries })
}

fn set(draft: &mut Option<Draft>, apply: impl FnOnce(&mut Draft)) {
    if let Some(d) = draft.as_mut() {
        apply(d);
    }
}

fn finish_entry(draft: Draft) -> Result<StatementEntry, FileError> {
    let fail = |reason: &str| FileError {
        line: draft.line,
        reason: format!("an entry {reason}"),
    };
    if draft.currency.as_deref() != Some("GBP") {
        return Err(fail(&format!(
            "is in {} rather than GBP",
            draft.currency.as_deref().unwrap_or("no currency")
        )));
    }
    let amount = draft
        .amount
        .as_deref()
        .ok_or_else(|| fail("has no <Amt>"))?;
    let amount = Pence::parse_pounds(amount)
        .map_err(|e| fail(&format!("has the amount `{amount}`: {e}")))?;
    if amount == Pence::ZERO {
        return Err(fail("has an amount of zero"));
    }
    let is_credit = match draft.indicator.as_deref() {
        Some("CRDT") => true,
        Some("DBIT") => false,
        other => {
            return Err(fail(&format!(
                "has the indicator {other:?}, not CRDT or DBIT"
            )));
        }
    };
    let booked = draft
        .booked
        .as_deref()
        .ok_or_else(|| fail("has no booking date"))?;
    let booked = Date::parse_iso(booked)
        .map_err(|e| fail(&format!("has the booking date `{booked}`: {e}")))?;
    let bank_reference = draft
        .bank_reference
        .filter(|r| !r.is_empty())
        .ok_or_else(|| fail("has no <AcctSvcrRef>"))?;
    Ok(StatementEntry {
        bank_reference,
        amount,
        is_credit,
        booked,
        remittance: draft.remittance.join(" "),
    })
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Writes a statement as camt.053.001.08: the inverse of [`parse_camt053`],
/// used to make test and benchmark files.
#[must_use]
pub fn write_camt053(statement: &Statement) -> String {
    let mut out = String::with_capacity(400 + statement.entries.len() * 420);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.08\">\n<BkToCstmrStmt>\n<GrpHdr><MsgId>");
    out.push_str(&escape(&statement.id));
    out.push_str("</MsgId></GrpHdr>\n<Stmt>\n<Id>");
    out.push_str(&escape(&statement.id));
    out.push_str("</Id>\n");
    for entry in &statement.entries {
        let pounds = entry.amount.get() / 100;
        let pence = entry.amount.get() % 100;
        out.push_str(&format!(
            "<Ntry><Amt Ccy=\"GBP\">{pounds}.{pence:02}</Amt><CdtDbtInd>{}</CdtDbtInd><BookgDt><Dt>{}</Dt></BookgDt><AcctSvcrRef>{}</AcctSvcrRef><NtryDtls><TxDtls><RmtInf><Ustrd>{}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>\n",
            if entry.is_credit { "CRDT" } else { "DBIT" },
            entry.booked,
            escape(&entry.bank_reference),
            escape(&entry.remittance)
        ));
    }
    out.push_str("</Stmt>\n</BkToCstmrStmt>\n</Document>\n");
    out
}

/// A credit that went to suspense, and why: for a caseworker's queue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unmatched {
    /// The entry.
    pub entry: StatementEntry,
    /// Why it was not matched.
    pub reason: String,
}

/// Every case reference the remittance text holds, forgiving spaces,
/// hyphens and case; candidates with a wrong check character are dropped.
fn references_in(remittance: &str) -> (BTreeSet<CaseReference>, bool) {
    let compact: String = remittance
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_uppercase();
    let mut found = BTreeSet::new();
    let mut typo = false;
    for (index, _) in compact.match_indices("CM") {
        if let Some(candidate) = compact.get(index..index + 11) {
            match CaseReference::parse(candidate) {
                Ok(reference) => {
                    found.insert(reference);
                }
                Err(case_records::ReferenceError::CheckCharacter) => typo = true,
                Err(case_records::ReferenceError::Layout) => {}
            }
        }
    }
    (found, typo)
}

/// The transfers for a statement's credits, and the credits sent to
/// suspense with their reasons. `is_known` says whether a case exists.
pub fn payment_transfers(
    statement: &Statement,
    is_known: &dyn Fn(&CaseReference) -> bool,
) -> (Vec<Transfer>, Vec<Unmatched>) {
    let mut transfers = Vec::new();
    let mut unmatched = Vec::new();
    for entry in statement.entries.iter().filter(|e| e.is_credit) {
        let (references, typo) = references_in(&entry.remittance);
        let reason = match references.len() {
            1 => {
                let case = *references.iter().next().expect("one");
                if is_known(&case) {
                    transfers.push(Transfer {
                        id: TransferId(format!("bank/{}", entry.bank_reference)),
                        debit: Account::BANK,
                        credit: Account::of_case(case, AccountKind::PayingParentOwes),
                        amount: entry.amount,
                        code: TransferCode::Payment,
                        effective: entry.booked,
                        corrects: None,
                    });
                    continue;
                }
                format!("no case has the reference {case}")
            }
            0 if typo => "the reference has a typo (its check character does not match)".to_owned(),
            0 => "no case reference in the payment".to_owned(),
            _ => "more than one case reference in the payment".to_owned(),
        };
        transfers.push(Transfer {
            id: TransferId(format!("bank/{}", entry.bank_reference)),
            debit: Account::BANK,
            credit: Account::SUSPENSE,
            amount: entry.amount,
            code: TransferCode::Unmatched,
            effective: entry.booked,
            corrects: None,
        });
        unmatched.push(Unmatched {
            entry: entry.clone(),
            reason,
        });
    }
    (transfers, unmatched)
}

/// A payer's own words on a payment, kept for caseworkers only: never on a
/// ledger line, a statement or anything a parent is shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaymentNote {
    /// The transfer the payment became (the bank's entry reference).
    pub transfer: TransferId,
    /// The remittance text as the payer wrote it.
    pub remittance: String,
    /// Why it went to suspense, if it did.
    pub suspense_reason: Option<String>,
}

/// The notes worth keeping from a statement: every payment sent to
/// suspense (with its reason, for the work queue), and every matched
/// payment whose text says more than its case reference (the payer's
/// words, which a caseworker may need to see: messages sent through
/// payment references are a known form of abuse).
#[must_use]
pub fn payment_notes(statement: &Statement, unmatched: &[Unmatched]) -> Vec<PaymentNote> {
    // By reference, so a statement of a million entries is one pass.
    let reasons: std::collections::HashMap<&str, &str> = unmatched
        .iter()
        .map(|u| (u.entry.bank_reference.as_str(), u.reason.as_str()))
        .collect();
    let mut notes = Vec::new();
    for entry in statement.entries.iter().filter(|e| e.is_credit) {
        let transfer = TransferId(format!("bank/{}", entry.bank_reference));
        if let Some(reason) = reasons.get(entry.bank_reference.as_str()) {
            notes.push(PaymentNote {
                transfer,
                remittance: entry.remittance.clone(),
                suspense_reason: Some((*reason).to_owned()),
            });
            continue;
        }
        let (references, _) = references_in(&entry.remittance);
        let bare: String = entry
            .remittance
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_uppercase();
        let only_reference = references
            .iter()
            .next()
            .is_some_and(|r| bare == r.to_string().replace('-', ""));
        if !only_reference {
            notes.push(PaymentNote {
                transfer,
                remittance: entry.remittance.clone(),
                suspense_reason: None,
            });
        }
    }
    notes
}
