//! Enforcement: the statutory order of actions against a paying parent who
//! does not pay, each a caseworker-approved step with its charge and its
//! letter. Nothing here acts by itself: a step is proposed, checked against
//! the order, approved by someone other than its proposer, and, where
//! anyone in the case is flagged as at risk, reviewed by the domestic abuse
//! specialist team first (issue 4 §7; rules.md §6).

use std::fmt;

use case_records::{CaseReference, PersonId, Role};
use domain_types::{Date, Pence};
use legal_parameters::Parameters;

use crate::{Account, AccountKind, Transfer, TransferCode, TransferId};

/// An enforcement action, in the order the DWP described them to Parliament
/// (PQ 82453, PQ 61360; rules.md §5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EnforcementAction {
    /// Deduction from earnings order (A91 s.31).
    DeductionFromEarningsOrder,
    /// Deduction from earnings request, for the armed forces.
    DeductionFromEarningsRequest,
    /// Regular deduction order from a bank account (s.32A).
    RegularDeductionOrder,
    /// Lump sum deduction order (s.32E).
    LumpSumDeductionOrder,
    /// Liability order (s.33): the gateway to legal enforcement.
    LiabilityOrder,
    /// Charging order, and order for sale (England and Wales).
    ChargingOrder,
    /// Enforcement agents taking control of goods (England and Wales).
    EnforcementAgents,
    /// Third party debt order (England and Wales).
    ThirdPartyDebtOrder,
    /// Disqualification from holding or obtaining a driving licence (s.39A).
    DrivingLicenceDisqualification,
    /// Disqualification from holding or obtaining a passport (s.39B;
    /// England and Wales).
    PassportDisqualification,
    /// Commitment to prison (s.40).
    Commitment,
}

/// The stages of enforcement (rules.md §5 "Escalation").
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stage {
    /// Administrative orders: applied when compliance cannot be re-established.
    Administrative,
    /// A liability order from a court.
    LiabilityOrder,
    /// Enforcement of a liability order.
    Legal,
}

impl EnforcementAction {
    /// Every action, in statutory order.
    pub const ALL: [EnforcementAction; 11] = [
        EnforcementAction::DeductionFromEarningsOrder,
        EnforcementAction::DeductionFromEarningsRequest,
        EnforcementAction::RegularDeductionOrder,
        EnforcementAction::LumpSumDeductionOrder,
        EnforcementAction::LiabilityOrder,
        EnforcementAction::ChargingOrder,
        EnforcementAction::EnforcementAgents,
        EnforcementAction::ThirdPartyDebtOrder,
        EnforcementAction::DrivingLicenceDisqualification,
        EnforcementAction::PassportDisqualification,
        EnforcementAction::Commitment,
    ];

    /// Its stage.
    #[must_use]
    pub const fn stage(self) -> Stage {
        match self {
            EnforcementAction::DeductionFromEarningsOrder
            | EnforcementAction::DeductionFromEarningsRequest
            | EnforcementAction::RegularDeductionOrder
            | EnforcementAction::LumpSumDeductionOrder => Stage::Administrative,
            EnforcementAction::LiabilityOrder => Stage::LiabilityOrder,
            _ => Stage::Legal,
        }
    }

    /// The code stored and used in the API.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            EnforcementAction::DeductionFromEarningsOrder => "deduction_from_earnings_order",
            EnforcementAction::DeductionFromEarningsRequest => "deduction_from_earnings_request",
            EnforcementAction::RegularDeductionOrder => "regular_deduction_order",
            EnforcementAction::LumpSumDeductionOrder => "lump_sum_deduction_order",
            EnforcementAction::LiabilityOrder => "liability_order",
            EnforcementAction::ChargingOrder => "charging_order",
            EnforcementAction::EnforcementAgents => "enforcement_agents",
            EnforcementAction::ThirdPartyDebtOrder => "third_party_debt_order",
            EnforcementAction::DrivingLicenceDisqualification => "driving_licence_disqualification",
            EnforcementAction::PassportDisqualification => "passport_disqualification",
            EnforcementAction::Commitment => "commitment",
        }
    }

    /// The action with this code.
    #[must_use]
    pub fn from_code(code: &str) -> Option<EnforcementAction> {
        EnforcementAction::ALL
            .into_iter()
            .find(|a| a.code() == code)
    }

    /// Its name in a letter.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            EnforcementAction::DeductionFromEarningsOrder => "a deduction from earnings order",
            EnforcementAction::DeductionFromEarningsRequest => "a deduction from earnings request",
            EnforcementAction::RegularDeductionOrder => "a regular deduction order",
            EnforcementAction::LumpSumDeductionOrder => "a lump sum deduction order",
            EnforcementAction::LiabilityOrder => "an application for a liability order",
            EnforcementAction::ChargingOrder => "an application for a charging order",
            EnforcementAction::EnforcementAgents => "referral to enforcement agents",
            EnforcementAction::ThirdPartyDebtOrder => "an application for a third party debt order",
            EnforcementAction::DrivingLicenceDisqualification => {
                "an application to disqualify you from holding a driving licence"
            }
            EnforcementAction::PassportDisqualification => {
                "an application to disqualify you from holding a passport"
            }
            EnforcementAction::Commitment => "an application for committal to prison",
        }
    }

    /// The charge for taking it on `date` (Fees Regs 2014 regs 9–12), from
    /// the dated parameters; actions with no charge in the regulations cost
    /// nothing, and so does every action before the charges began.
    #[must_use]
    pub fn charge(self, parameters: &Parameters, date: Date) -> Pence {
        let Some(charges) = parameters
            .at(date)
            .ok()
            .and_then(|set| set.enforcement_charges)
        else {
            return Pence::ZERO;
        };
        match self {
            EnforcementAction::DeductionFromEarningsOrder => charges.deduction_from_earnings_order,
            EnforcementAction::DeductionFromEarningsRequest => {
                charges.deduction_from_earnings_request
            }
            EnforcementAction::RegularDeductionOrder => charges.regular_deduction_order,
            EnforcementAction::LumpSumDeductionOrder => charges.lump_sum_deduction_order,
            EnforcementAction::LiabilityOrder => charges.liability_order,
            _ => Pence::ZERO,
        }
    }
}

/// How an approved action ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepOutcome {
    /// Still in force.
    InForce,
    /// Ended with the debt paid or compliance re-established.
    Complied,
    /// Ended without recovering the debt (no employer, no funds, …): the
    /// next stage may follow.
    Unsuccessful,
    /// Withdrawn or revoked.
    Revoked,
}

/// An action taken earlier on the case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EarlierStep {
    /// What it was.
    pub action: EnforcementAction,
    /// How it stands.
    pub outcome: StepOutcome,
}

/// Why an action cannot be proposed now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProposalRefused {
    /// Nothing is owed: there is nothing to enforce.
    NoArrears,
    /// The service uses one method of enforcement at a time.
    AnotherActionInForce(EnforcementAction),
    /// A liability order follows an administrative order that did not
    /// recover the debt.
    NeedsAnUnsuccessfulAdministrativeOrder,
    /// Legal enforcement needs a liability order first.
    NeedsALiabilityOrder,
}

impl fmt::Display for ProposalRefused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProposalRefused::NoArrears => f.write_str("nothing is owed on this case"),
            ProposalRefused::AnotherActionInForce(action) => write!(
                f,
                "{} is in force; only one method of enforcement is used at a time",
                action.code()
            ),
            ProposalRefused::NeedsAnUnsuccessfulAdministrativeOrder => f.write_str(
                "a liability order needs an earlier deduction order that did not recover the debt",
            ),
            ProposalRefused::NeedsALiabilityOrder => {
                f.write_str("this action enforces a liability order, and there is none")
            }
        }
    }
}

impl std::error::Error for ProposalRefused {}

/// Checks that `action` may be proposed now, given what is owed and what
/// was done before (rules.md §5: administrative orders first; a liability
/// order when they cannot recover the debt; its enforcement after it; one
/// method at a time).
///
/// # Errors
/// The first rule the proposal breaks.
pub fn check_proposal(
    action: EnforcementAction,
    arrears: Pence,
    earlier: &[EarlierStep],
) -> Result<(), ProposalRefused> {
    if arrears == Pence::ZERO {
        return Err(ProposalRefused::NoArrears);
    }
    for step in earlier.iter().filter(|s| s.outcome == StepOutcome::InForce) {
        // A liability order stays in force while it is enforced.
        let enforcing_order =
            step.action == EnforcementAction::LiabilityOrder && action.stage() == Stage::Legal;
        if !enforcing_order {
            return Err(ProposalRefused::AnotherActionInForce(step.action));
        }
    }
    match action.stage() {
        Stage::Administrative => Ok(()),
        Stage::LiabilityOrder => earlier
            .iter()
            .any(|s| {
                s.action.stage() == Stage::Administrative && s.outcome == StepOutcome::Unsuccessful
            })
            .then_some(())
            .ok_or(ProposalRefused::NeedsAnUnsuccessfulAdministrativeOrder),
        Stage::Legal => earlier
            .iter()
            .any(|s| {
                s.action == EnforcementAction::LiabilityOrder
                    && matches!(s.outcome, StepOutcome::InForce | StepOutcome::Unsuccessful)
            })
            .then_some(())
            .ok_or(ProposalRefused::NeedsALiabilityOrder),
    }
}

/// Someone's decision on a step: who, in what role, when.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decision {
    /// Who.
    pub by: PersonId,
    /// In what role.
    pub role: Role,
    /// When.
    pub on: Date,
}

/// Why an approval is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApprovalRefused {
    /// Only caseworkers, team leaders and enforcement officers approve
    /// enforcement.
    RoleMayNotApprove(Role),
    /// The proposer may not approve their own proposal [I: four eyes].
    SameAsProposer,
    /// Someone in the case is flagged at risk: the domestic abuse
    /// specialist team must review the step first.
    NeedsSpecialistReview,
    /// The review was not by a domestic abuse specialist.
    ReviewNotBySpecialist,
}

impl fmt::Display for ApprovalRefused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApprovalRefused::RoleMayNotApprove(role) => {
                write!(f, "the {role:?} role may not approve enforcement")
            }
            ApprovalRefused::SameAsProposer => {
                f.write_str("a step must be approved by someone other than its proposer")
            }
            ApprovalRefused::NeedsSpecialistReview => f.write_str(
                "someone in this case is at risk: the domestic abuse specialist team must review this step first",
            ),
            ApprovalRefused::ReviewNotBySpecialist => {
                f.write_str("the review must be by the domestic abuse specialist team")
            }
        }
    }
}

impl std::error::Error for ApprovalRefused {}

/// Checks an approval of a step proposed by `proposer`. Where `at_risk`
/// (anyone in the case flagged), a specialist's review is required first,
/// so enforcement is never taken against a case with a flagged parent on
/// one person's decision alone.
///
/// # Errors
/// The first rule the approval breaks.
pub fn check_approval(
    proposer: PersonId,
    approval: Decision,
    at_risk: bool,
    specialist_review: Option<Decision>,
) -> Result<(), ApprovalRefused> {
    if !matches!(
        approval.role,
        Role::Caseworker | Role::TeamLeader | Role::EnforcementOfficer
    ) {
        return Err(ApprovalRefused::RoleMayNotApprove(approval.role));
    }
    if approval.by == proposer {
        return Err(ApprovalRefused::SameAsProposer);
    }
    if at_risk {
        match specialist_review {
            None => return Err(ApprovalRefused::NeedsSpecialistReview),
            Some(review) if review.role != Role::DomesticAbuseSpecialist => {
                return Err(ApprovalRefused::ReviewNotBySpecialist);
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// Why a charge is waived (Fees Regs 2014 reg 12).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChargeWaiver {
    /// Concurrent orders for several employers or accounts.
    ConcurrentOrder,
    /// A new order after a change of employer, account or amount.
    ReplacementOrder,
    /// An order lapsed through the service's error.
    ServiceError,
}

/// The transfer charging the paying parent for an approved step, if it
/// carries a charge and is not waived. Its id names the step, so posting
/// again is harmless.
#[must_use]
pub fn charge_transfer(
    case: CaseReference,
    step: u64,
    action: EnforcementAction,
    approved_on: Date,
    parameters: &Parameters,
    waiver: Option<ChargeWaiver>,
) -> Option<Transfer> {
    let amount = action.charge(parameters, approved_on);
    (waiver.is_none() && amount > Pence::ZERO).then(|| Transfer {
        id: TransferId(format!("{case}/enforcement/{step}/{}", action.code())),
        debit: Account::of_case(case, AccountKind::PayingParentOwes),
        credit: Account::of_case(case, AccountKind::EnforcementCharges),
        amount,
        code: TransferCode::EnforcementCharge,
        effective: approved_on,
        corrects: None,
    })
}

/// The heading of the letter telling the paying parent of an approved step.
pub const ENFORCEMENT_LETTER_TITLE: &str = "Action we are taking about unpaid child maintenance";

/// The paragraphs of that letter: the action, the charge and what is owed.
/// Nothing personal: the recipient's own address block is added when the
/// letter is rendered for them, from their own view.
#[must_use]
pub fn enforcement_letter_paragraphs(
    action: EnforcementAction,
    charge: Pence,
    arrears: Pence,
) -> Vec<String> {
    let mut paragraphs = vec![format!(
        "You owe {arrears} in child maintenance and fees. Because it has not been paid, we have decided to take {}.",
        action.name()
    )];
    if charge > Pence::ZERO {
        paragraphs.push(format!(
            "There is a charge of {charge} for this action (Child Support Fees Regulations 2014). It is collected only after the maintenance you owe has been paid."
        ));
    }
    paragraphs.push(
        "To stop further action, pay what you owe or contact us to agree how you will pay it. You can ask us to look at this decision again.".to_owned(),
    );
    paragraphs
}

/// The letter as text, with the service's address only (`service_address`,
/// from configuration), the date and the case reference.
#[must_use]
pub fn enforcement_letter(
    service_address: &str,
    case: CaseReference,
    action: EnforcementAction,
    charge: Pence,
    arrears: Pence,
    on: Date,
) -> String {
    let mut text = format!(
        "{service_address}\n\n{on}\nCase reference: {case}\n\n{ENFORCEMENT_LETTER_TITLE}\n"
    );
    for paragraph in enforcement_letter_paragraphs(action, charge, arrears) {
        text.push('\n');
        text.push_str(&paragraph);
        text.push('\n');
    }
    text
}
