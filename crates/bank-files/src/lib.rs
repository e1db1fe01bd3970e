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

/// How many days a booking date may fall before the first or after the last
/// of the statement's own dates (its `<FrToDt>` period, or else its creation
/// date): a month either side, room for back-valued corrections and for
/// entries booked across a period's edge, while a booking date that is a
/// typo or a placeholder (0001-01-01, 9999-12-31) refuses the file rather
/// than posting money on a day no statement will ever show.
pub const BOOKING_WINDOW_DAYS: i32 = 31;

/// The longest span the statement's own dates may cover: a year (a leap
/// one). Banks send statements daily, weekly or monthly; a period from
/// 0001-01-01 to 9999-12-31 would otherwise make any booking date "near" it.
pub const LONGEST_STATEMENT_DAYS: i32 = 366;

/// The most digits an ISO 20022 amount may have
/// (`ActiveOrHistoricCurrencyAndAmount_SimpleType`, `totalDigits` 18).
const AMOUNT_DIGITS: usize = 18;

/// An element still open, innermost last.
struct Open {
    /// Its local name (camt.053 uses one default namespace).
    name: String,
    /// The line of its start tag.
    line: usize,
    /// Whether text other than whitespace has appeared directly in it.
    has_text: bool,
    /// Whether an element has appeared directly in it.
    has_child: bool,
}

/// A value read from the file, with the line of the element it came from.
struct Read {
    text: String,
    line: usize,
}

/// An entry (`Ntry`) being read.
#[derive(Default)]
struct Draft {
    /// The entry's own booked amount, `Ntry/Amt`, and its `Ccy`: never an
    /// amount from the entry's details (`NtryDtls/TxDtls/AmtDtls`).
    amount: Option<Read>,
    currency: Option<String>,
    indicator: Option<Read>,
    /// `BookgDt/Dt`, or `BookgDt/DtTm` (its date) when `booked_date_time`.
    booked: Option<Read>,
    booked_date_time: bool,
    bank_reference: Option<Read>,
    remittance: Vec<String>,
    line: usize,
}

/// The statement's own dates, which bound its entries' booking dates.
#[derive(Default)]
struct StatementDates {
    /// `GrpHdr/CreDtTm` (mandatory in ISO 20022) and `Stmt/CreDtTm`.
    group_created: Option<Date>,
    statement_created: Option<Date>,
    /// `Stmt/FrToDt/FrDtTm` and `ToDtTm` as they are read, then checked
    /// together at the end of `FrToDt`.
    from: Option<Date>,
    to: Option<Date>,
    period: Option<(Date, Date)>,
}

fn refuse(line: usize, reason: impl Into<String>) -> FileError {
    FileError {
        line,
        reason: reason.into(),
    }
}

/// Trims XML's own white space (space, tab, line feed, carriage return),
/// as the schema's `whiteSpace="collapse"` does for codes, dates and
/// decimals; other Unicode spaces are content, and refused where they do
/// not belong.
fn trim_xml(text: &str) -> &str {
    text.trim_matches([' ', '\t', '\n', '\r'])
}

/// Whether `c` may appear in the text of a statement: a character of
/// XML 1.0 (`Char`), without the control characters other than tab, line
/// feed and carriage return that a payer's bank could pass on to a
/// caseworker's screen.
fn allowed_character(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || !(c.is_control() || c == '\u{FFFE}' || c == '\u{FFFF}')
}

/// Reads an ISO 20022 `ISODateTime` (xs:dateTime:
/// `YYYY-MM-DDThh:mm:ss`, optional fraction of a second, optional `Z` or
/// `±hh:mm`) and gives its date as written.
fn date_of_date_time(text: &str) -> Option<Date> {
    let bytes = text.as_bytes();
    if bytes.len() < 19 || bytes[10] != b'T' || bytes[13] != b':' || bytes[16] != b':' {
        return None;
    }
    let date = Date::parse_iso(text.get(..10)?).ok()?;
    let two = |at: usize| -> Option<u32> {
        let (tens, units) = (bytes[at], bytes[at + 1]);
        (tens.is_ascii_digit() && units.is_ascii_digit())
            .then(|| u32::from(tens - b'0') * 10 + u32::from(units - b'0'))
    };
    if two(11)? > 23 || two(14)? > 59 || two(17)? > 59 {
        return None;
    }
    let mut rest = &bytes[19..];
    if let Some(fraction) = rest.strip_prefix(b".") {
        let digits = fraction.iter().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 {
            return None;
        }
        rest = &fraction[digits..];
    }
    let zone_ok = match rest {
        [] | [b'Z'] => true,
        [b'+' | b'-', h1, h2, b':', m1, m2] => {
            [h1, h2, m1, m2].iter().all(|b| b.is_ascii_digit())
                && u32::from(*h1 - b'0') * 10 + u32::from(*h2 - b'0') <= 14
                && *m1 <= b'5'
        }
        _ => false,
    };
    zone_ok.then_some(date)
}

/// Reads a booked amount in pounds sterling as ISO 20022 writes it
/// (`ActiveOrHistoricCurrencyAndAmount`): an `xs:decimal` with no sign
/// (`minInclusive` 0), at most 18 digits, and no more fraction digits than
/// the currency has minor units (ISO 4217: two for GBP). Digit by digit:
/// `1,50` is not one pound fifty nor a hundred and fifty pounds, it is not
/// an amount.
fn pence_of_amount(text: &str) -> Result<Pence, String> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || !digits(fraction) || (whole.is_empty() && fraction.is_empty()) {
        return Err(
            "an ISO 20022 amount is digits with at most one '.', like 517.81: \
             no sign, comma, space, currency sign or exponent"
                .to_owned(),
        );
    }
    if whole.len() + fraction.len() > AMOUNT_DIGITS {
        return Err(format!(
            "an ISO 20022 amount has at most {AMOUNT_DIGITS} digits"
        ));
    }
    if fraction.len() > 2 {
        return Err(
            "an amount in pounds sterling has at most two digits after the decimal point"
                .to_owned(),
        );
    }
    let number = |s: &str| {
        s.bytes()
            .fold(0_u64, |acc, b| acc * 10 + u64::from(b - b'0'))
    };
    // At most 18 digits: below 10^18, so pounds * 100 fits in 64 bits.
    let pence = u128::from(number(whole)) * 100
        + u128::from(number(fraction)) * if fraction.len() == 1 { 10 } else { 1 };
    if pence > u128::from(Pence::INPUT_MAX.get()) {
        return Err(format!(
            "the amount is larger than {}, the most this service accepts",
            Pence::INPUT_MAX
        ));
    }
    u64::try_from(pence)
        .map(Pence::new)
        .map_err(|_| "the amount is too large".to_owned())
}

/// The state of a statement being read, one XML event at a time.
#[derive(Default)]
struct Reading {
    path: Vec<Open>,
    /// The text of the innermost open element, in pieces (text, `&amp;`,
    /// a comment between, CDATA), taken whole at its end.
    gathered: String,
    /// The depth of an open `SplmtryData/Envlp`: its content is the
    /// bank's own (`xs:any`), so nothing inside it is read as camt.053.
    envelope: Option<usize>,
    root_seen: bool,
    statement_seen: bool,
    statement_line: usize,
    statement_id: Option<String>,
    dates: StatementDates,
    draft: Option<Draft>,
    entries: Vec<StatementEntry>,
    entry_lines: Vec<usize>,
    seen_references: BTreeSet<String>,
    /// The first mixed content found: reported once the file is known to
    /// be XML at all (a missing end tag also looks like mixed content), or
    /// before any later fault.
    mixed: Option<FileError>,
}

/// Whether the open elements end with `suffix` (innermost last).
fn under(path: &[Open], suffix: &[&str]) -> bool {
    path.len() >= suffix.len()
        && path[path.len() - suffix.len()..]
            .iter()
            .zip(suffix)
            .all(|(open, name)| open.name == *name)
}

/// Keeps the first value of an element an entry has once, refusing a second.
fn once(
    slot: &mut Option<Read>,
    read: Read,
    name: &str,
    entry_line: usize,
) -> Result<(), FileError> {
    if slot.is_some() {
        return Err(refuse(
            read.line,
            format!("the entry at line {entry_line} has a second <{name}>"),
        ));
    }
    *slot = Some(read);
    Ok(())
}

impl Reading {
    fn inside_envelope(&self) -> bool {
        self.envelope.is_some()
    }

    fn start(
        &mut self,
        element: &quick_xml::events::BytesStart<'_>,
        line: usize,
        empty: bool,
    ) -> Result<(), FileError> {
        let name = element.local_name().as_ref().to_owned();
        // Attributes are read lazily: check them all, so a malformed one
        // anywhere refuses the file as any other malformed XML does.
        let mut currency = None;
        for attribute in element.attributes() {
            let attribute = attribute
                .map_err(|e| refuse(line, format!("not well-formed XML: <{name}>: {e}")))?;
            if attribute.key.local_name().as_ref() == "Ccy" {
                let value = attribute
                    .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                    .map_err(|e| refuse(line, format!("not well-formed XML: <{name}>: {e}")))?;
                currency = Some(value.into_owned());
            }
        }
        if self.path.is_empty() {
            if self.root_seen {
                return Err(refuse(
                    line,
                    format!("<{name}> after the end of the <Document>: one document per file"),
                ));
            }
            if name != "Document" {
                return Err(refuse(
                    line,
                    format!("the file starts with <{name}>, not a camt.053 <Document>"),
                ));
            }
            self.root_seen = true;
        }
        let envelope = self.inside_envelope();
        if let Some(parent) = self.path.last_mut() {
            if parent.has_text && !envelope {
                self.mixed.get_or_insert_with(|| mixed(parent, &name));
            }
            parent.has_child = true;
        }
        if !envelope {
            match name.as_str() {
                "Envlp" => self.envelope = Some(self.path.len()),
                "Stmt" => {
                    if self.statement_seen {
                        return Err(refuse(
                            line,
                            format!(
                                "a second <Stmt> (the first is at line {}): one statement, \
                                 for one account, per file",
                                self.statement_line
                            ),
                        ));
                    }
                    self.statement_seen = true;
                    self.statement_line = line;
                }
                "Ntry" => {
                    if let Some(outer) = &self.draft {
                        return Err(refuse(
                            line,
                            format!("an <Ntry> inside the entry at line {}", outer.line),
                        ));
                    }
                    if empty {
                        return Err(refuse(
                            line,
                            "an empty <Ntry/>: an entry has an amount, a credit or debit \
                             indicator, a booking date and the bank's reference",
                        ));
                    }
                    self.draft = Some(Draft {
                        line,
                        ..Draft::default()
                    });
                }
                // The entry's own amount is the `Amt` directly in `Ntry`; its
                // details (`AmtDtls`: `InstdAmt`, `TxAmt`, `CntrValAmt`, and
                // `TxDtls/Amt`) may be in any currency and are not read.
                "Amt" if under(&self.path, &["Ntry"]) => {
                    if let Some(draft) = self.draft.as_mut()
                        && draft.amount.is_none()
                    {
                        draft.currency = currency;
                    }
                }
                _ => {}
            }
        }
        self.path.push(Open {
            name,
            line,
            has_text: false,
            has_child: false,
        });
        self.gathered.clear();
        Ok(())
    }

    /// Text, resolved references and CDATA, `line` being where `piece`
    /// starts.
    fn text(&mut self, piece: &str, line: usize) -> Result<(), FileError> {
        let is_content = !trim_xml(piece).is_empty();
        let Some(open) = self.path.last_mut() else {
            if is_content {
                return Err(refuse(line, "text outside the <Document>"));
            }
            return Ok(());
        };
        if is_content {
            if open.has_child && self.envelope.is_none() {
                self.mixed.get_or_insert_with(|| mixed(open, "text"));
            }
            open.has_text = true;
        }
        self.gathered.push_str(piece);
        Ok(())
    }

    fn end(&mut self) -> Result<(), FileError> {
        let open = self.path.pop().unwrap_or(Open {
            name: String::new(),
            line: 1,
            has_text: false,
            has_child: false,
        });
        let value = trim_xml(&self.gathered).to_owned();
        self.gathered.clear();
        if let Some(depth) = self.envelope {
            if depth == self.path.len() {
                self.envelope = None;
            }
            return Ok(());
        }
        let read = Read {
            text: value,
            line: open.line,
        };
        let path = &self.path;
        let date_time = |read: &Read, what: &str| {
            date_of_date_time(&read.text).ok_or_else(|| {
                refuse(
                    read.line,
                    format!(
                        "{what} `{}` is not an ISO 8601 date and time (ISODateTime), \
                         like 2025-02-03T18:00:00",
                        read.text
                    ),
                )
            })
        };
        match open.name.as_str() {
            "Id" if under(path, &["Stmt"]) => {
                if self.statement_id.is_some() {
                    return Err(refuse(read.line, "the statement has a second <Id>"));
                }
                self.statement_id = Some(read.text);
            }
            "CreDtTm" if under(path, &["GrpHdr"]) => {
                self.dates.group_created = Some(date_time(&read, "the group header's <CreDtTm>")?);
            }
            "CreDtTm" if under(path, &["Stmt"]) => {
                self.dates.statement_created = Some(date_time(&read, "the statement's <CreDtTm>")?);
            }
            "FrDtTm" if under(path, &["Stmt", "FrToDt"]) => {
                self.dates.from = Some(date_time(&read, "the statement's <FrDtTm>")?);
            }
            "ToDtTm" if under(path, &["Stmt", "FrToDt"]) => {
                self.dates.to = Some(date_time(&read, "the statement's <ToDtTm>")?);
            }
            "FrToDt" if under(path, &["Stmt"]) => {
                self.dates.period = Some(period(&self.dates, open.line)?);
            }
            "Ntry" => return self.finish_entry(open.line),
            name => {
                if let Some(draft) = self.draft.as_mut() {
                    let entry = draft.line;
                    match name {
                        "Amt" if under(path, &["Ntry"]) => {
                            once(&mut draft.amount, read, name, entry)?;
                        }
                        "CdtDbtInd" if under(path, &["Ntry"]) => {
                            once(&mut draft.indicator, read, name, entry)?;
                        }
                        "AcctSvcrRef" if under(path, &["Ntry"]) => {
                            once(&mut draft.bank_reference, read, name, entry)?;
                        }
                        "Dt" | "DtTm" if under(path, &["Ntry", "BookgDt"]) => {
                            draft.booked_date_time = name == "DtTm";
                            once(&mut draft.booked, read, "BookgDt", entry)?;
                        }
                        "Ustrd" if under(path, &["RmtInf"]) => draft.remittance.push(read.text),
                        _ => {}
                    }
                }
            }
        }
        Ok(())
    }

    fn finish_entry(&mut self, line: usize) -> Result<(), FileError> {
        // Every `<Ntry>` read starts a draft; should one not have, its own
        // line still names it.
        let draft = self.draft.take().unwrap_or_else(|| Draft {
            line,
            ..Draft::default()
        });
        let entry = finish_entry(draft)?;
        if !self.seen_references.insert(entry.bank_reference.clone()) {
            return Err(refuse(
                line,
                format!("the bank reference {} appears twice", entry.bank_reference),
            ));
        }
        self.entries.push(entry);
        self.entry_lines.push(line);
        Ok(())
    }

    /// Every booking date within [`BOOKING_WINDOW_DAYS`] of the statement's
    /// own dates: its period if it has one, else its creation date.
    fn check_booking_dates(&self) -> Result<(), FileError> {
        if self.entries.is_empty() {
            return Ok(());
        }
        let dates = &self.dates;
        let (first, last, described) = if let Some((from, to)) = dates.period {
            (from, to, format!("its period {from} to {to}"))
        } else {
            let created: Vec<Date> = [dates.group_created, dates.statement_created]
                .into_iter()
                .flatten()
                .collect();
            let (Some(first), Some(last)) = (created.iter().min(), created.iter().max()) else {
                return Err(refuse(
                    self.statement_line.max(1),
                    "the statement has entries but no date of its own to check them \
                     against: no <GrpHdr><CreDtTm> (required by ISO 20022) and no <FrToDt>",
                ));
            };
            if first.days_until(*last) > LONGEST_STATEMENT_DAYS {
                return Err(refuse(
                    self.statement_line.max(1),
                    format!(
                        "the statement's creation dates {first} and {last} are more than \
                         {LONGEST_STATEMENT_DAYS} days apart"
                    ),
                ));
            }
            let described = if first == last {
                format!("its creation date {first}")
            } else {
                format!("its creation dates {first} and {last}")
            };
            (*first, *last, described)
        };
        for (entry, line) in self.entries.iter().zip(&self.entry_lines) {
            if first.days_until(entry.booked) < -BOOKING_WINDOW_DAYS
                || last.days_until(entry.booked) > BOOKING_WINDOW_DAYS
            {
                return Err(refuse(
                    *line,
                    format!(
                        "the entry {} is booked on {}, more than {BOOKING_WINDOW_DAYS} days \
                         from the statement's own dates ({described})",
                        entry.bank_reference, entry.booked
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// Mixed content: ISO 20022 elements hold either text (`Max140Text` and
/// the like) or elements, never both, so text around an element is not
/// joined or cut, it refuses the file.
fn mixed(open: &Open, other: &str) -> FileError {
    let other = if other == "text" {
        "text after an element".to_owned()
    } else {
        format!("the element <{other}> after text")
    };
    refuse(
        open.line,
        format!(
            "<{}> has {other} in it: an ISO 20022 element holds text or elements, not both",
            open.name
        ),
    )
}

/// The statement's period (`FrToDt`): both ends, in order, at most
/// [`LONGEST_STATEMENT_DAYS`] long.
fn period(dates: &StatementDates, line: usize) -> Result<(Date, Date), FileError> {
    let (Some(from), Some(to)) = (dates.from, dates.to) else {
        return Err(refuse(line, "<FrToDt> needs both <FrDtTm> and <ToDtTm>"));
    };
    if to < from {
        return Err(refuse(
            line,
            format!("the statement's period ends ({to}) before it starts ({from})"),
        ));
    }
    if from.days_until(to) > LONGEST_STATEMENT_DAYS {
        return Err(refuse(
            line,
            format!(
                "the statement's period {from} to {to} is longer than \
                 {LONGEST_STATEMENT_DAYS} days"
            ),
        ));
    }
    Ok((from, to))
}

/// Reads a camt.053 statement.
///
/// Read as ISO 20022 means it: an entry's amount is its own `Ntry/Amt` in
/// its own `Ccy`; amounts are the schema's decimal form exactly; character
/// references are read, while a DTD (and so any declared or external
/// entity) refuses the file; every booking date is within
/// [`BOOKING_WINDOW_DAYS`] of the statement's own dates. Every refusal
/// names the line of the element at fault (for an entry's values, the line
/// of its `<Ntry>`, with the entry's reference).
///
/// # Errors
/// Not XML, not a camt.053 statement, a DTD, a second statement, mixed
/// content, an empty entry, an entry in a currency other than GBP, or
/// without a well-formed amount, credit/debit indicator, booking date near
/// the statement's own dates or bank reference, or with a bank reference
/// used twice. The file is refused whole.
pub fn parse_camt053(text: &str) -> Result<Statement, FileError> {
    // A byte order mark is not content (XML 1.0 §4.3.3); it has no line.
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let mut reader = Reader::from_str(text);
    let mut lines = Lines {
        text: text.as_bytes(),
        position: 0,
        line: 1,
    };
    let mut reading = Reading::default();
    loop {
        // Where the next event starts: with no text trimmed, white space
        // between tags is an event of its own, so this is the `<` or `&`.
        let position = reader.buffer_position();
        let event = match reader.read_event() {
            Ok(event) => event,
            Err(error) => {
                return Err(refuse(
                    lines.at(reader.error_position()),
                    format!("not well-formed XML: {error}"),
                ));
            }
        };
        let step = match event {
            Event::Start(element) => reading.start(&element, lines.at(position), false),
            Event::Empty(element) => reading
                .start(&element, lines.at(position), true)
                .and_then(|()| reading.end()),
            Event::End(_) => reading.end(),
            Event::Text(content) => check_characters(&content, position, 0, &mut lines)
                .and_then(|()| reading.text(&content.xml10_content(), lines.at(position))),
            Event::CData(content) => {
                check_characters(&content, position, "<![CDATA[".len(), &mut lines)
                    .and_then(|()| reading.text(&content.xml10_content(), lines.at(position)))
            }
            Event::GeneralRef(reference) => {
                let line = lines.at(position);
                resolve_reference(&reference, line).and_then(|text| reading.text(&text, line))
            }
            Event::DocType(_) => Err(refuse(
                lines.at(position),
                "a DTD (<!DOCTYPE>): camt.053 has none, and a DTD's entities could \
                 read other files or expand without end, so it is never read",
            )),
            Event::Eof => break,
            // The declaration, comments and processing instructions carry
            // nothing of the statement; text either side of a comment is
            // one text.
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => Ok(()),
        };
        if let Err(error) = step {
            return Err(reading.mixed.take().unwrap_or(error));
        }
    }
    if let Some(open) = reading.path.last() {
        return Err(refuse(
            lines.at(reader.buffer_position()),
            format!(
                "<{}> (line {}) is never closed",
                reading
                    .path
                    .iter()
                    .map(|o| o.name.as_str())
                    .collect::<Vec<_>>()
                    .join("/"),
                open.line
            ),
        ));
    }
    if let Some(error) = reading.mixed.take() {
        return Err(error);
    }
    let Some(id) = reading.statement_id.take() else {
        return Err(refuse(1, "no <Stmt><Id>: not a camt.053 statement"));
    };
    reading.check_booking_dates()?;
    Ok(Statement {
        id,
        entries: reading.entries,
    })
}

/// Refuses a character XML 1.0 does not allow in a document, or a control
/// character, where it is written out in the file (`skip` bytes of markup
/// before the content starts at `position`).
fn check_characters(
    raw: &str,
    position: u64,
    skip: usize,
    lines: &mut Lines<'_>,
) -> Result<(), FileError> {
    if let Some((offset, c)) = raw.char_indices().find(|(_, c)| !allowed_character(*c)) {
        let at = position + u64::try_from(skip + offset).unwrap_or(0);
        return Err(refuse(
            lines.at(at),
            format!(
                "the character U+{:04X} is not allowed in a statement",
                u32::from(c)
            ),
        ));
    }
    Ok(())
}

/// The text of `&...;`: XML's five predefined entities and character
/// references (`&#233;`, `&#xE9;`) to an allowed character. Any other
/// entity would need a DTD, which is refused.
fn resolve_reference(
    reference: &quick_xml::events::BytesRef<'_>,
    line: usize,
) -> Result<String, FileError> {
    let name: &str = reference;
    match reference.resolve_char_ref() {
        Ok(Some(c)) if allowed_character(c) => return Ok(c.to_string()),
        Ok(Some(c)) => {
            return Err(refuse(
                line,
                format!(
                    "the character reference &{name}; is U+{:04X}, which is not allowed in \
                     a statement",
                    u32::from(c)
                ),
            ));
        }
        Ok(None) => {}
        Err(error) => {
            return Err(refuse(
                line,
                format!("the character reference &{name}; is not a character: {error}"),
            ));
        }
    }
    let resolved = match name {
        "amp" => "&",
        "lt" => "<",
        "gt" => ">",
        "quot" => "\"",
        "apos" => "'",
        other => return Err(refuse(line, format!("unknown entity &{other};"))),
    };
    Ok(resolved.to_owned())
}

fn finish_entry(draft: Draft) -> Result<StatementEntry, FileError> {
    let who = match &draft.bank_reference {
        Some(read) if !read.text.is_empty() => format!("the entry {}", read.text),
        _ => "an entry".to_owned(),
    };
    let fail = |reason: String| refuse(draft.line, format!("{who} {reason}"));
    let Some(amount) = &draft.amount else {
        return Err(fail("has no <Amt>".to_owned()));
    };
    match draft.currency.as_deref() {
        Some("GBP") => {}
        // Never posted as pounds: `Pence` is pounds sterling, and a
        // statement is taken whole or not at all.
        Some(other) => {
            return Err(fail(format!(
                "is in {other} rather than GBP (pounds sterling): its amount is not pence, \
                 so the file is not posted; ask the bank for a sterling statement"
            )));
        }
        None => {
            return Err(fail(format!(
                "has an <Amt> (line {}) without its Ccy currency",
                amount.line
            )));
        }
    }
    let pence = pence_of_amount(&amount.text).map_err(|why| {
        fail(format!(
            "has the amount `{}` (line {}): {why}",
            amount.text, amount.line
        ))
    })?;
    if pence == Pence::ZERO {
        return Err(fail("has an amount of zero".to_owned()));
    }
    let is_credit = match draft.indicator.as_ref().map(|r| r.text.as_str()) {
        Some("CRDT") => true,
        Some("DBIT") => false,
        other => {
            return Err(fail(format!(
                "has the indicator {other:?}, not CRDT or DBIT"
            )));
        }
    };
    let Some(booked) = &draft.booked else {
        return Err(fail("has no booking date".to_owned()));
    };
    let booked_date = if draft.booked_date_time {
        date_of_date_time(&booked.text).ok_or_else(|| {
            "it is not an ISO 8601 date and time, like 2025-02-03T18:00:00".to_owned()
        })
    } else {
        Date::parse_iso(&booked.text).map_err(|e| e.to_string())
    }
    .map_err(|why| {
        fail(format!(
            "has the booking date `{}` (line {}): {why}",
            booked.text, booked.line
        ))
    })?;
    let bank_reference = draft
        .bank_reference
        .as_ref()
        .map(|r| r.text.clone())
        .filter(|r| !r.is_empty())
        .ok_or_else(|| fail("has no <AcctSvcrRef>".to_owned()))?;
    Ok(StatementEntry {
        bank_reference,
        amount: pence,
        is_credit,
        booked: booked_date,
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
///
/// A statement with entries is dated by them: created (`GrpHdr/CreDtTm`)
/// at the end of its last booking day, for the period (`Stmt/FrToDt`) from
/// its first booking day to its last. Entries spanning more than
/// [`LONGEST_STATEMENT_DAYS`] make a file that reads back refused, as a
/// bank's would.
#[must_use]
pub fn write_camt053(statement: &Statement) -> String {
    let mut out = String::with_capacity(600 + statement.entries.len() * 420);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.08\">\n<BkToCstmrStmt>\n<GrpHdr><MsgId>");
    out.push_str(&escape(&statement.id));
    out.push_str("</MsgId>");
    let first = statement.entries.iter().map(|e| e.booked).min();
    let last = statement.entries.iter().map(|e| e.booked).max();
    if let Some(last) = last {
        out.push_str(&format!("<CreDtTm>{last}T23:59:59</CreDtTm>"));
    }
    out.push_str("</GrpHdr>\n<Stmt>\n<Id>");
    out.push_str(&escape(&statement.id));
    out.push_str("</Id>\n");
    if let (Some(first), Some(last)) = (first, last) {
        out.push_str(&format!(
            "<FrToDt><FrDtTm>{first}T00:00:00</FrDtTm><ToDtTm>{last}T23:59:59</ToDtTm></FrToDt>\n"
        ));
    }
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
