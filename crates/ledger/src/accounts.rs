//! The accounts of the book. Accounts that belong to a case carry its
//! reference, so the ledger can be split by case like the rest of the data.

use std::fmt;

use case_records::{CaseReference, ReceivingParentId};

/// What an account holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AccountKind {
    /// What the paying parent owes: debited as maintenance and fees fall
    /// due, credited as they pay. Below zero is an overpayment held for them.
    PayingParentOwes,
    /// What is owed to a receiving parent: credited as maintenance falls
    /// due, debited as it is passed on. Never below zero: no one is paid
    /// more than is due to them.
    ReceivingParentDue(ReceivingParentId),
    /// Collection fees charged to the paying parent (income).
    PayingParentFees,
    /// Collection fees deducted from the receiving parent (income).
    ReceivingParentFees,
    /// Enforcement charges (income).
    EnforcementCharges,
    /// The service's client bank account (no case).
    Bank,
    /// Money received that is not yet matched to a case (no case).
    Suspense,
}

impl AccountKind {
    /// The code stored for this kind.
    #[must_use]
    pub fn code(self) -> String {
        match self {
            AccountKind::PayingParentOwes => "paying_parent_owes".to_owned(),
            AccountKind::ReceivingParentDue(id) => format!("receiving_parent_due:{}", id.0),
            AccountKind::PayingParentFees => "paying_parent_fees".to_owned(),
            AccountKind::ReceivingParentFees => "receiving_parent_fees".to_owned(),
            AccountKind::EnforcementCharges => "enforcement_charges".to_owned(),
            AccountKind::Bank => "bank".to_owned(),
            AccountKind::Suspense => "suspense".to_owned(),
        }
    }

    /// The kind stored as `code`.
    #[must_use]
    pub fn from_code(code: &str) -> Option<AccountKind> {
        Some(match code {
            "paying_parent_owes" => AccountKind::PayingParentOwes,
            "paying_parent_fees" => AccountKind::PayingParentFees,
            "receiving_parent_fees" => AccountKind::ReceivingParentFees,
            "enforcement_charges" => AccountKind::EnforcementCharges,
            "bank" => AccountKind::Bank,
            "suspense" => AccountKind::Suspense,
            other => AccountKind::ReceivingParentDue(ReceivingParentId(
                other.strip_prefix("receiving_parent_due:")?.parse().ok()?,
            )),
        })
    }

    /// Whether the account's natural balance is a credit (what the service
    /// owes or has earned) rather than a debit (what it holds or is owed).
    #[must_use]
    pub const fn is_credit_normal(self) -> bool {
        !matches!(self, AccountKind::PayingParentOwes | AccountKind::Bank)
    }

    /// Whether the balance may cross zero. Only the paying parent's may: an
    /// overpayment is held to their credit.
    #[must_use]
    pub const fn may_go_below_zero(self) -> bool {
        matches!(self, AccountKind::PayingParentOwes)
    }
}

/// An account: its kind, and its case where it belongs to one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Account {
    /// The case, or `None` for the service's own accounts.
    pub case: Option<CaseReference>,
    /// What it holds.
    pub kind: AccountKind,
}

impl Account {
    /// A case's account.
    #[must_use]
    pub const fn of_case(case: CaseReference, kind: AccountKind) -> Account {
        Account {
            case: Some(case),
            kind,
        }
    }

    /// The client bank account.
    pub const BANK: Account = Account {
        case: None,
        kind: AccountKind::Bank,
    };

    /// The suspense account for unmatched money.
    pub const SUSPENSE: Account = Account {
        case: None,
        kind: AccountKind::Suspense,
    };
}

impl fmt::Display for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.case {
            Some(case) => write!(f, "{case} {:?}", self.kind),
            None => write!(f, "{:?}", self.kind),
        }
    }
}
