//! Money out: disbursements to receiving parents as ISO 20022 pain.001
//! credit-transfer initiations, and as BACS Standard 18 payment records.
//!
//! Safety by construction: a [`PaymentInstruction`] has fields for the
//! payee's own name and account, the amount, the case reference and an id,
//! and nothing else. There is no field a paying parent's details, or
//! anyone's address, could be put in, so no payment file can carry them.

use std::fmt;

use case_records::{CaseReference, Person, SortCode};
use domain_types::{Date, Pence};
use ledger::{Disbursement, TransferId};

/// A UK account number: eight digits.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct AccountNumber([u8; 8]);

impl AccountNumber {
    /// Parses eight digits, forgiving spaces and hyphens. Seven-digit and
    /// ten-digit numbers exist but are converted by the bank; we take only
    /// the eight digits BACS carries [I].
    ///
    /// # Errors
    /// Anything but eight digits.
    pub fn parse(text: &str) -> Result<AccountNumber, &'static str> {
        let digits: Vec<u8> = text
            .chars()
            .filter(|c| *c != ' ' && *c != '-')
            .map(|c| {
                c.to_digit(10)
                    .and_then(|d| u8::try_from(d).ok())
                    .ok_or("an account number has only digits")
            })
            .collect::<Result<_, _>>()?;
        <[u8; 8]>::try_from(digits)
            .map(AccountNumber)
            .map_err(|_| "an account number has eight digits")
    }

    fn digits(self) -> String {
        self.0.iter().map(|d| char::from(b'0' + d)).collect()
    }
}

impl fmt::Debug for AccountNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccountNumber([redacted])")
    }
}

/// Whom a payment goes to: the payee's own name and account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Payee {
    /// The account holder's name, as the bank knows it.
    pub name: String,
    /// Their sort code.
    pub sort_code: SortCode,
    /// Their account number.
    pub account_number: AccountNumber,
}

impl Payee {
    /// The payee for a parent: their own name and bank account, nothing
    /// else of theirs.
    ///
    /// # Errors
    /// No bank account is held, or its number is not eight digits: the
    /// disbursement must wait (held) until a caseworker has it corrected.
    pub fn of(person: &Person) -> Result<Payee, &'static str> {
        let bank = person
            .bank
            .as_ref()
            .ok_or("no bank account is held for the payee")?;
        Ok(Payee {
            name: person.name.expose_sensitive().clone(),
            sort_code: bank.sort_code,
            account_number: AccountNumber::parse(bank.account_number.expose_sensitive())?,
        })
    }
}

/// The service's own account, which pays.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Originator {
    /// The name shown on the payee's statement.
    pub name: String,
    /// The client account's sort code.
    pub sort_code: SortCode,
    /// The client account's number.
    pub account_number: AccountNumber,
}

/// One payment to make.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaymentInstruction {
    /// The end-to-end id (at most 35 characters), from the disbursement's
    /// transfer id, so a bank's report of a returned payment names it.
    pub end_to_end_id: String,
    /// How much.
    pub amount: Pence,
    /// To whom.
    pub payee: Payee,
    /// What the payee sees on their statement: the case reference only.
    pub reference: CaseReference,
}

/// The end-to-end id for a disbursement: `CMS` and 16 hex digits of the
/// FNV-1a hash of its transfer id (ISO 20022 allows 35 characters; ours are
/// longer). Deterministic, so the same disbursement always has the same id.
#[must_use]
pub fn end_to_end_id(transfer: &TransferId) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in transfer.0.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("CMS{hash:016X}")
}

/// The instruction for a disbursement to its payee.
#[must_use]
pub fn instruction(disbursement: &Disbursement, payee: Payee) -> PaymentInstruction {
    PaymentInstruction {
        end_to_end_id: end_to_end_id(&disbursement.id),
        amount: disbursement.net,
        payee,
        reference: disbursement.case,
    }
}

/// Text for an element of the payment file: only characters XML 1.0
/// allows (a control character would make the whole day's file
/// ill-formed, so it becomes a space, whatever reached the store before
/// names were checked), escaped, and cut to the element's `MaxNText`
/// length in characters (ISO 20022: `Nm` is Max140Text, `EndToEndId`
/// Max35Text, `MsgId` Max35Text).
fn xml_text(text: &str, max_chars: usize) -> String {
    let allowed: String = text
        .chars()
        .map(|c| {
            let code = u32::from(c);
            let xml_char = matches!(code, 0x20..=0xD7FF | 0xE000..=0xFFFD | 0x1_0000..=0x10_FFFF);
            // Line breaks and tabs are legal XML but never part of a name.
            if xml_char && !matches!(code, 0x7F..=0x9F) {
                c
            } else {
                ' '
            }
        })
        .collect();
    let cut: String = allowed.trim().chars().take(max_chars).collect();
    cut.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

/// ISO 20022 `Max140Text` (a party's name).
const NAME_CHARS: usize = 140;
/// ISO 20022 `Max35Text` (message and end-to-end ids).
const ID_CHARS: usize = 35;

fn amount_text(amount: Pence) -> String {
    format!("{}.{:02}", amount.get() / 100, amount.get() % 100)
}

fn sort_code_digits(code: SortCode) -> String {
    code.to_string().replace('-', "")
}

/// Writes a pain.001.001.09 customer credit transfer initiation: one
/// payment information block from the service's account, executed on
/// `execute_on`, one transaction per instruction, sort codes as GBDSC
/// clearing-system member ids.
#[must_use]
pub fn write_pain001(
    message_id: &str,
    originator: &Originator,
    execute_on: Date,
    instructions: &[PaymentInstruction],
) -> String {
    let count = instructions.len();
    let total = Pence::new(instructions.iter().map(|i| i.amount.get()).sum());
    let agent = |code: SortCode| {
        format!(
            "<FinInstnId><ClrSysMmbId><ClrSysId><Cd>GBDSC</Cd></ClrSysId><MmbId>{}</MmbId></ClrSysMmbId></FinInstnId>",
            sort_code_digits(code)
        )
    };
    let mut out = String::with_capacity(1_200 + count * 700);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:pain.001.001.09\">\n<CstmrCdtTrfInitn>\n");
    out.push_str(&format!(
        "<GrpHdr><MsgId>{}</MsgId><CreDtTm>{execute_on}T00:00:00</CreDtTm><NbOfTxs>{count}</NbOfTxs><CtrlSum>{}</CtrlSum><InitgPty><Nm>{}</Nm></InitgPty></GrpHdr>\n",
        xml_text(message_id, ID_CHARS),
        amount_text(total),
        xml_text(&originator.name, NAME_CHARS)
    ));
    out.push_str(&format!(
        "<PmtInf><PmtInfId>{}</PmtInfId><PmtMtd>TRF</PmtMtd><NbOfTxs>{count}</NbOfTxs><CtrlSum>{}</CtrlSum><ReqdExctnDt><Dt>{execute_on}</Dt></ReqdExctnDt><Dbtr><Nm>{}</Nm></Dbtr><DbtrAcct><Id><Othr><Id>{}{}</Id></Othr></Id></DbtrAcct><DbtrAgt>{}</DbtrAgt>\n",
        xml_text(message_id, ID_CHARS),
        amount_text(total),
        xml_text(&originator.name, NAME_CHARS),
        sort_code_digits(originator.sort_code),
        originator.account_number.digits(),
        agent(originator.sort_code)
    ));
    for item in instructions {
        out.push_str(&format!(
            "<CdtTrfTxInf><PmtId><EndToEndId>{}</EndToEndId></PmtId><Amt><InstdAmt Ccy=\"GBP\">{}</InstdAmt></Amt><CdtrAgt>{}</CdtrAgt><Cdtr><Nm>{}</Nm></Cdtr><CdtrAcct><Id><Othr><Id>{}</Id></Othr></Id></CdtrAcct><RmtInf><Ustrd>{}</Ustrd></RmtInf></CdtTrfTxInf>\n",
            xml_text(&item.end_to_end_id, ID_CHARS),
            amount_text(item.amount),
            agent(item.payee.sort_code),
            xml_text(&item.payee.name, NAME_CHARS),
            item.payee.account_number.digits(),
            item.reference
        ));
    }
    out.push_str("</PmtInf>\n</CstmrCdtTrfInitn>\n</Document>\n");
    out
}

/// BACS allows upper-case letters, digits, space and `. & / -` in text
/// fields: letters lose their accents first (`ZOË` is `ZOE`, not `ZO `),
/// anything else becomes a space, then the field is cut or padded.
fn bacs_text(text: &str, width: usize) -> String {
    let cleaned: String = domain_types::text::ascii_folded(text)
        .chars()
        .map(|c| c.to_ascii_uppercase())
        .map(|c| {
            if c.is_ascii_uppercase() || c.is_ascii_digit() || " .&/-".contains(c) {
                c
            } else {
                ' '
            }
        })
        .take(width)
        .collect();
    format!("{cleaned:<width$}")
}

/// One 100-character Standard 18 record: destination sort code and account,
/// account type 0, transaction code, originating sort code and account,
/// four spaces, amount in pence (11 digits), originator name, reference and
/// destination name (18 characters each).
fn standard18_record(
    to_sort_code: SortCode,
    to_account: AccountNumber,
    transaction_code: &str,
    from: &Originator,
    amount: Pence,
    reference: &str,
    to_name: &str,
) -> String {
    format!(
        "{}{}0{}{}{}    {:011}{}{}{}",
        sort_code_digits(to_sort_code),
        to_account.digits(),
        transaction_code,
        sort_code_digits(from.sort_code),
        from.account_number.digits(),
        amount.get(),
        bacs_text(&from.name, 18),
        bacs_text(reference, 18),
        bacs_text(to_name, 18)
    )
}

/// Writes the instructions as BACS Standard 18 payment records (code 99,
/// a credit) and the contra record (code 17) that debits the service's
/// account with the total, one per line. Volume and file labels (VOL1,
/// HDR1 …) are added by the bureau's submission software [I].
#[must_use]
pub fn write_standard18(originator: &Originator, instructions: &[PaymentInstruction]) -> String {
    let mut out = String::with_capacity((instructions.len() + 1) * 101);
    let mut total: u64 = 0;
    for item in instructions {
        total += item.amount.get();
        out.push_str(&standard18_record(
            item.payee.sort_code,
            item.payee.account_number,
            "99",
            originator,
            item.amount,
            &item.reference.to_string(),
            &item.payee.name,
        ));
        out.push('\n');
    }
    out.push_str(&standard18_record(
        originator.sort_code,
        originator.account_number,
        "17",
        originator,
        Pence::new(total),
        "CONTRA",
        &originator.name,
    ));
    out.push('\n');
    out
}
