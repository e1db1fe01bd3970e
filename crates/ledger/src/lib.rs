//! The ledger of collected maintenance, in the manner of TigerBeetle: a
//! double-entry book of immutable transfers in whole pence.
//!
//! - A [`Transfer`] moves an amount from one account (debit) to another
//!   (credit). Nothing is updated or deleted: a correction is a new transfer
//!   that names the one it corrects and reverses it, in whole or in part.
//! - Every transfer has an id, so posting the same transfer twice is
//!   harmless ([`Posted::AlreadyPosted`]); the same id with different
//!   fields is refused.
//! - Refusals are typed ([`Rejection`]) and checked in a fixed order of
//!   precedence, so the same bad transfer always gets the same answer.
//! - Invariants hold after every post and are asserted by [`Ledger::verify`]:
//!   total debits equal total credits, and each balance equals the sum of
//!   its postings. A broken invariant is a programmer's error and stops the
//!   program: a wrong ledger is worse than a stopped one.
//!
//! Pure: no clock (every transfer carries its date), no I/O.

mod accounts;
mod accrual;
mod actions;
mod collection;
mod enforcement;
mod model;
mod reconcile;
mod statement;

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use domain_types::{Date, Pence};

pub use accounts::{Account, AccountKind};
pub use accrual::{
    AgedArrears, CollectionTerms, accrual_transfers, adjustment_transfers, daily_transfers,
    payment_frequency, payment_periods, receiving_parent_fee,
};
pub use actions::{
    ActionDecodeError, ActionRefused, CollectionAction, CollectionState, EnforcementStep,
    MoveRequestReason, OpenRequest, RecordedAction, ReportedChange, outcome_from_code,
    suspense_allocation, waiver_from_code,
};
pub use case_records::Frequency;
pub use collection::{
    Allocation, Compliance, Debt, DebtKind, Disbursement, DisbursementRun, PeriodCompliance,
    PeriodOutcome, allocate, compliance, disbursement_run, pay_by,
};
pub use enforcement::{
    ApprovalRefused, ChargeWaiver, Decision, ENFORCEMENT_LETTER_TITLE, EarlierStep,
    EnforcementAction, ProposalRefused, Stage, StepOutcome, charge_transfer, check_approval,
    check_proposal, enforcement_letter, enforcement_letter_paragraphs,
};
pub use model::{
    ApplicationFeeWaiver, ModelledFees, application_fee, fees_under_law, fees_under_policy,
};
pub use reconcile::{NextPayment, Reconciled, next_payment, reconciled};
pub use statement::{StatementFor, StatementLine, statement, statement_csv};

/// Identifies a transfer. Deterministic ids (built from what the transfer
/// is for) make re-running an accrual or re-importing a bank file harmless.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TransferId(pub String);

/// Why money moved.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TransferCode {
    /// Maintenance falling due for a period.
    Accrual,
    /// A backdated recalculation changing what was due for a past period.
    Adjustment,
    /// The collection fee added to what the paying parent owes.
    PayingParentFee,
    /// The collection fee deducted from what the receiving parent is paid.
    ReceivingParentFee,
    /// Money received from the paying parent.
    Payment,
    /// Money received that could not be matched to a case.
    Unmatched,
    /// Money passed on to a receiving parent.
    Disbursement,
    /// A charge for an enforcement action.
    EnforcementCharge,
    /// Reverses (part of) an earlier transfer.
    Correction,
}

impl TransferCode {
    /// Every code.
    pub const ALL: [TransferCode; 9] = [
        TransferCode::Accrual,
        TransferCode::Adjustment,
        TransferCode::PayingParentFee,
        TransferCode::ReceivingParentFee,
        TransferCode::Payment,
        TransferCode::Unmatched,
        TransferCode::Disbursement,
        TransferCode::EnforcementCharge,
        TransferCode::Correction,
    ];

    /// The code stored.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            TransferCode::Accrual => "accrual",
            TransferCode::Adjustment => "adjustment",
            TransferCode::PayingParentFee => "paying_parent_fee",
            TransferCode::ReceivingParentFee => "receiving_parent_fee",
            TransferCode::Payment => "payment",
            TransferCode::Unmatched => "unmatched",
            TransferCode::Disbursement => "disbursement",
            TransferCode::EnforcementCharge => "enforcement_charge",
            TransferCode::Correction => "correction",
        }
    }

    /// The code stored as `code`.
    #[must_use]
    pub fn from_code(code: &str) -> Option<TransferCode> {
        TransferCode::ALL.into_iter().find(|c| c.code() == code)
    }
}

/// One movement of money.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transfer {
    /// Its id.
    pub id: TransferId,
    /// The account debited.
    pub debit: Account,
    /// The account credited.
    pub credit: Account,
    /// How much.
    pub amount: Pence,
    /// Why.
    pub code: TransferCode,
    /// The day it takes effect.
    pub effective: Date,
    /// The transfer this one corrects, if it is a correction.
    pub corrects: Option<TransferId>,
}

/// What posting did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Posted {
    /// The transfer was recorded.
    Posted,
    /// An identical transfer with this id was already recorded: nothing changed.
    AlreadyPosted,
}

/// Why a transfer was refused, in the order the checks are made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rejection {
    /// An amount of nothing moves nothing.
    AmountIsZero,
    /// Debit and credit are the same account.
    SameAccount,
    /// The id was used before for a different transfer.
    IdReusedWithDifferentFields,
    /// A correction that names a transfer the ledger does not have.
    CorrectsUnknownTransfer,
    /// A correction must reverse the accounts of the transfer it corrects.
    CorrectionDoesNotReverse,
    /// Corrections would reverse more than the corrected transfer moved.
    CorrectionExceedsOriginal,
    /// A correction code on a transfer that names nothing to correct, or
    /// the other way round.
    CorrectionCodeMismatch,
    /// The account may not go below zero, and this would take it there.
    WouldOverdraw(Account),
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rejection::AmountIsZero => f.write_str("the amount is zero"),
            Rejection::SameAccount => f.write_str("the debit and credit accounts are the same"),
            Rejection::IdReusedWithDifferentFields => {
                f.write_str("that transfer id was used for a different transfer")
            }
            Rejection::CorrectsUnknownTransfer => {
                f.write_str("the corrected transfer does not exist")
            }
            Rejection::CorrectionDoesNotReverse => {
                f.write_str("a correction must reverse the corrected transfer's accounts")
            }
            Rejection::CorrectionExceedsOriginal => {
                f.write_str("corrections would exceed the corrected amount")
            }
            Rejection::CorrectionCodeMismatch => {
                f.write_str("only a correction names a transfer to correct")
            }
            Rejection::WouldOverdraw(account) => write!(f, "{account} may not go below zero"),
        }
    }
}

impl std::error::Error for Rejection {}

/// Debits and credits posted to one account, in pence.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Balance {
    /// Total debited.
    pub debits: u128,
    /// Total credited.
    pub credits: u128,
}

impl Balance {
    /// Debits less credits: positive for what an asset holds or a debtor owes.
    #[must_use]
    pub fn debit_balance(self) -> i128 {
        i128::try_from(self.debits).expect("bounded")
            - i128::try_from(self.credits).expect("bounded")
    }

    /// Credits less debits: positive for what a liability owes.
    #[must_use]
    pub fn credit_balance(self) -> i128 {
        -self.debit_balance()
    }
}

/// The book: every transfer in the order posted, and the balances they give.
#[derive(Clone, Debug, Default)]
pub struct Ledger {
    transfers: Vec<Transfer>,
    by_id: HashMap<TransferId, usize>,
    balances: BTreeMap<Account, Balance>,
    corrected: HashMap<TransferId, u64>,
}

impl Ledger {
    /// An empty ledger.
    #[must_use]
    pub fn new() -> Ledger {
        Ledger::default()
    }

    /// Posts a transfer, or says why not; nothing changes when it is refused.
    ///
    /// # Errors
    /// The first [`Rejection`] that applies, in declaration order.
    pub fn post(&mut self, transfer: Transfer) -> Result<Posted, Rejection> {
        if transfer.amount == Pence::ZERO {
            return Err(Rejection::AmountIsZero);
        }
        if transfer.debit == transfer.credit {
            return Err(Rejection::SameAccount);
        }
        if let Some(index) = self.by_id.get(&transfer.id) {
            return if self.transfers[*index] == transfer {
                Ok(Posted::AlreadyPosted)
            } else {
                Err(Rejection::IdReusedWithDifferentFields)
            };
        }
        match (&transfer.corrects, transfer.code) {
            (Some(original), TransferCode::Correction) => {
                let index = *self
                    .by_id
                    .get(original)
                    .ok_or(Rejection::CorrectsUnknownTransfer)?;
                let corrected = &self.transfers[index];
                if corrected.debit != transfer.credit || corrected.credit != transfer.debit {
                    return Err(Rejection::CorrectionDoesNotReverse);
                }
                let already = self.corrected.get(original).copied().unwrap_or(0);
                if already + transfer.amount.get() > corrected.amount.get() {
                    return Err(Rejection::CorrectionExceedsOriginal);
                }
            }
            (None, TransferCode::Correction) | (Some(_), _) => {
                return Err(Rejection::CorrectionCodeMismatch);
            }
            (None, _) => {}
        }
        let debit_after = self.balance(transfer.debit);
        if !transfer.debit.kind.may_go_below_zero()
            && debit_after.credit_balance() < i128::from(transfer.amount.get())
            && transfer.debit.kind.is_credit_normal()
        {
            return Err(Rejection::WouldOverdraw(transfer.debit));
        }
        let credit_after = self.balance(transfer.credit);
        if !transfer.credit.kind.may_go_below_zero()
            && !transfer.credit.kind.is_credit_normal()
            && credit_after.debit_balance() < i128::from(transfer.amount.get())
        {
            return Err(Rejection::WouldOverdraw(transfer.credit));
        }
        // Accepted: record it.
        let amount = u128::from(transfer.amount.get());
        self.balances.entry(transfer.debit).or_default().debits += amount;
        self.balances.entry(transfer.credit).or_default().credits += amount;
        if let Some(original) = &transfer.corrects {
            *self.corrected.entry(original.clone()).or_default() += transfer.amount.get();
        }
        self.by_id.insert(transfer.id.clone(), self.transfers.len());
        self.transfers.push(transfer);
        Ok(Posted::Posted)
    }

    /// The balance of an account (zero if never used).
    #[must_use]
    pub fn balance(&self, account: Account) -> Balance {
        self.balances.get(&account).copied().unwrap_or_default()
    }

    /// Every transfer, in the order posted.
    #[must_use]
    pub fn transfers(&self) -> &[Transfer] {
        &self.transfers
    }

    /// Every account with its balance.
    pub fn balances(&self) -> impl Iterator<Item = (&Account, &Balance)> {
        self.balances.iter()
    }

    /// Recomputes every balance from the transfers and checks the
    /// invariants: debits equal credits overall, and each balance equals the
    /// sum of its postings. Returns the trial balance's total.
    ///
    /// # Panics
    /// If an invariant does not hold: the ledger is wrong and must not be used.
    pub fn verify(&self) -> u128 {
        let mut recomputed: BTreeMap<Account, Balance> = BTreeMap::new();
        for transfer in &self.transfers {
            let amount = u128::from(transfer.amount.get());
            recomputed.entry(transfer.debit).or_default().debits += amount;
            recomputed.entry(transfer.credit).or_default().credits += amount;
        }
        assert_eq!(
            recomputed, self.balances,
            "a balance differs from the sum of its postings"
        );
        let debits: u128 = recomputed.values().map(|b| b.debits).sum();
        let credits: u128 = recomputed.values().map(|b| b.credits).sum();
        assert_eq!(debits, credits, "total debits differ from total credits");
        debits
    }
}
