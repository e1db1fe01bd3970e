//! Caseworker actions on collection, as an append-only log: holding and
//! releasing disbursements, and each enforcement step from proposal to its
//! end. The state (who is held, which steps stand) is folded from the log,
//! and every new action is checked against that state before it is stored,
//! so the log only ever holds actions that were allowed when taken.

use std::collections::BTreeMap;
use std::fmt;

use case_records::{CaseReference, ReceivingParentId, Role};
use domain_types::{Date, Pence, payload};

use crate::enforcement::{
    ApprovalRefused, ChargeWaiver, Decision, EarlierStep, EnforcementAction, ProposalRefused,
    StepOutcome, check_approval, check_proposal,
};
use crate::{Account, AccountKind, Transfer, TransferCode, TransferId};

/// One caseworker action on a case's collection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CollectionAction {
    /// Stop passing money on to a receiving parent (for instance while their
    /// account is checked). Money keeps being collected for them.
    HoldDisbursements {
        /// Whose.
        receiving_parent: ReceivingParentId,
        /// Why, for the record.
        reason: String,
    },
    /// Pass money on again, including what waited.
    ReleaseDisbursements {
        /// Whose.
        receiving_parent: ReceivingParentId,
    },
    /// Propose an enforcement action.
    ProposeEnforcement {
        /// The step's number within the case.
        step: u64,
        /// The action.
        action: EnforcementAction,
    },
    /// The domestic abuse specialist team has reviewed a proposed step.
    ReviewEnforcement {
        /// The step.
        step: u64,
    },
    /// A proposed step is approved and taken; its charge is posted with it.
    ApproveEnforcement {
        /// The step.
        step: u64,
        /// Why its charge is waived, if it is.
        waiver: Option<ChargeWaiver>,
    },
    /// Money in suspense is recognised as a payment on this case (a
    /// caseworker matched it by hand). Its transfer, from
    /// [`suspense_allocation`], is posted with the action.
    AllocateSuspensePayment {
        /// The suspense transfer's id (the bank's entry).
        payment: String,
        /// Its amount.
        amount: Pence,
    },
    /// A parent on Direct Pay reports a payment made (`paid`) or missed
    /// (`None`) for the period due on `due`. A report informs a caseworker;
    /// it never moves money or decides anything by itself.
    DirectPayReport {
        /// The due date of the period reported on.
        due: Date,
        /// What was paid, or `None` if nothing was.
        paid: Option<Pence>,
    },
    /// A parent asks, from their own pages, to move from Direct Pay to
    /// Collect and Pay. It informs a caseworker, who decides the move (and
    /// its route); it moves nothing by itself.
    MoveRequested {
        /// Why they ask.
        reason: MoveRequestReason,
    },
    /// A parent reports, from their own pages, a change of circumstances
    /// from a day. It informs a caseworker, who checks it and records any
    /// facts; it changes nothing by itself. It holds no free text, so no
    /// address can travel in it.
    ChangeReported {
        /// What changed.
        change: ReportedChange,
        /// From which day.
        from: Date,
    },
    /// A caseworker has dealt with a parent's request (the `request`th
    /// `MoveRequested` or `ChangeReported` of the case, from 1).
    RequestDealtWith {
        /// Which request.
        request: u64,
    },
    /// An approved step ends.
    EndEnforcement {
        /// The step.
        step: u64,
        /// How.
        outcome: StepOutcome,
    },
}

/// An action as taken: what, and who decided it, in what role, when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordedAction {
    /// What.
    pub action: CollectionAction,
    /// Who, in what role, on what day.
    pub by: Decision,
}

/// An enforcement step and where it stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EnforcementStep {
    /// Its number within the case.
    pub step: u64,
    /// The action.
    pub action: EnforcementAction,
    /// Who proposed it.
    pub proposed: Decision,
    /// The specialist review, if any.
    pub review: Option<Decision>,
    /// The approval, if given.
    pub approval: Option<Decision>,
    /// A waived charge.
    pub waiver: Option<ChargeWaiver>,
    /// How it stands once approved (`None` while only proposed).
    pub outcome: Option<StepOutcome>,
}

/// The collection state of a case, folded from its actions.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CollectionState {
    /// Receiving parents whose disbursements are held, with the reason.
    pub held: BTreeMap<ReceivingParentId, String>,
    /// Every enforcement step, in the order proposed.
    pub steps: Vec<EnforcementStep>,
    /// How many requests parents have made.
    pub requests: u64,
    /// Parents' requests not yet dealt with, oldest first.
    pub open_requests: Vec<OpenRequest>,
}

/// Why a parent asks to move to Collect and Pay.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MoveRequestReason {
    /// Payments are not being made in full or on time.
    PaymentsNotMade,
    /// Paying between parents is not safe for them.
    NotSafe,
    /// Both parents want it.
    BothAgree,
    /// Another reason, to tell the caseworker.
    Other,
}

/// What a parent reports has changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReportedChange {
    /// The paying parent's income.
    Income,
    /// A child has left education or stopped living with the receiving parent.
    ChildLeft,
    /// How many nights a child stays with the paying parent.
    SharedCare,
    /// Other children the paying parent supports.
    OtherChildren,
    /// Benefits the paying parent receives.
    Benefits,
    /// They have moved home (the new address is asked for on a call, never
    /// on the form).
    MovedHome,
    /// Something else, to tell the caseworker.
    Other,
}

macro_rules! codes {
    ($type:ident { $($variant:ident => $code:literal, $words:literal;)* }) => {
        impl $type {
            /// Every value, in order.
            pub const ALL: &[$type] = &[$($type::$variant),*];

            /// The stored and posted code.
            #[must_use]
            pub const fn code(self) -> &'static str {
                match self { $($type::$variant => $code),* }
            }

            /// In words, for a page.
            #[must_use]
            pub const fn in_words(self) -> &'static str {
                match self { $($type::$variant => $words),* }
            }

            /// The value a code names.
            #[must_use]
            pub fn from_code(code: &str) -> Option<$type> {
                match code { $($code => Some($type::$variant),)* _ => None }
            }
        }
    };
}

codes!(MoveRequestReason {
    PaymentsNotMade => "payments_not_made", "Payments are not being made in full or on time";
    NotSafe => "not_safe", "It is not safe for me to arrange payments with the other parent";
    BothAgree => "both_agree", "We both want to use Collect and Pay";
    Other => "other", "Another reason";
});

codes!(ReportedChange {
    Income => "income", "The paying parent's income has changed";
    ChildLeft => "child_left", "A child has left education or no longer lives with the receiving parent";
    SharedCare => "shared_care", "The number of nights a child stays with the paying parent has changed";
    OtherChildren => "other_children", "The paying parent supports more or fewer other children";
    Benefits => "benefits", "The paying parent has started or stopped getting benefits";
    MovedHome => "moved_home", "I have moved home";
    Other => "other", "Something else";
});

/// A parent's request that a caseworker has not yet dealt with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenRequest {
    /// Its number among the case's requests, from 1.
    pub request: u64,
    /// What was asked or reported.
    pub action: CollectionAction,
    /// Who, in what role, when.
    pub by: Decision,
}

/// Why an action is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ActionRefused {
    /// The role may not take this action.
    RoleMayNot(Role),
    /// A hold needs a reason.
    ReasonRequired,
    /// Already held.
    AlreadyHeld,
    /// Not held, so nothing to release.
    NotHeld,
    /// No step with this number.
    UnknownStep(u64),
    /// A step number already used.
    StepNumberUsed(u64),
    /// The step is not waiting for this (already approved, or ended).
    StepNotWaiting(u64),
    /// The step is not in force.
    StepNotInForce(u64),
    /// Ending a step needs an outcome other than "in force".
    OutcomeMustEnd,
    /// No open request with this number.
    NoOpenRequest(u64),
    /// The statutory order forbids the proposal.
    Proposal(ProposalRefused),
    /// The approval is not allowed.
    Approval(ApprovalRefused),
}

impl fmt::Display for ActionRefused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ActionRefused::RoleMayNot(role) => write!(f, "the {role:?} role may not do this"),
            ActionRefused::ReasonRequired => f.write_str("give a reason for the hold"),
            ActionRefused::AlreadyHeld => f.write_str("payments to this parent are already held"),
            ActionRefused::NotHeld => f.write_str("payments to this parent are not held"),
            ActionRefused::UnknownStep(step) => write!(f, "there is no enforcement step {step}"),
            ActionRefused::StepNumberUsed(step) => {
                write!(f, "enforcement step {step} already exists")
            }
            ActionRefused::StepNotWaiting(step) => {
                write!(f, "enforcement step {step} is not waiting for this")
            }
            ActionRefused::StepNotInForce(step) => {
                write!(f, "enforcement step {step} is not in force")
            }
            ActionRefused::OutcomeMustEnd => {
                f.write_str("the outcome must be complied, unsuccessful or revoked")
            }
            ActionRefused::NoOpenRequest(request) => {
                write!(f, "request {request} is not waiting to be dealt with")
            }
            ActionRefused::Proposal(reason) => reason.fmt(f),
            ActionRefused::Approval(reason) => reason.fmt(f),
        }
    }
}

impl std::error::Error for ActionRefused {}

const fn is_case_staff(role: Role) -> bool {
    matches!(
        role,
        Role::Caseworker
            | Role::TeamLeader
            | Role::EnforcementOfficer
            | Role::DomesticAbuseSpecialist
    )
}

impl CollectionState {
    /// The state after every action of the log, in order.
    #[must_use]
    pub fn from_actions(actions: &[RecordedAction]) -> CollectionState {
        let mut state = CollectionState::default();
        for recorded in actions {
            state.apply(recorded);
        }
        state
    }

    fn step_mut(&mut self, step: u64) -> Option<&mut EnforcementStep> {
        self.steps.iter_mut().find(|s| s.step == step)
    }

    fn step(&self, step: u64) -> Option<&EnforcementStep> {
        self.steps.iter().find(|s| s.step == step)
    }

    fn apply(&mut self, recorded: &RecordedAction) {
        let by = recorded.by;
        match &recorded.action {
            CollectionAction::HoldDisbursements {
                receiving_parent,
                reason,
            } => {
                self.held.insert(*receiving_parent, reason.clone());
            }
            CollectionAction::ReleaseDisbursements { receiving_parent } => {
                self.held.remove(receiving_parent);
            }
            CollectionAction::ProposeEnforcement { step, action } => {
                self.steps.push(EnforcementStep {
                    step: *step,
                    action: *action,
                    proposed: by,
                    review: None,
                    approval: None,
                    waiver: None,
                    outcome: None,
                });
            }
            CollectionAction::ReviewEnforcement { step } => {
                if let Some(s) = self.step_mut(*step) {
                    s.review = Some(by);
                }
            }
            CollectionAction::ApproveEnforcement { step, waiver } => {
                if let Some(s) = self.step_mut(*step) {
                    s.approval = Some(by);
                    s.waiver = *waiver;
                    s.outcome = Some(StepOutcome::InForce);
                }
            }
            CollectionAction::EndEnforcement { step, outcome } => {
                if let Some(s) = self.step_mut(*step) {
                    s.outcome = Some(*outcome);
                }
            }
            CollectionAction::MoveRequested { .. } | CollectionAction::ChangeReported { .. } => {
                self.requests += 1;
                self.open_requests.push(OpenRequest {
                    request: self.requests,
                    action: recorded.action.clone(),
                    by,
                });
            }
            CollectionAction::RequestDealtWith { request } => {
                self.open_requests.retain(|r| r.request != *request);
            }
            CollectionAction::AllocateSuspensePayment { .. }
            | CollectionAction::DirectPayReport { .. } => {}
        }
    }

    /// The approved steps, as the statutory order sees them.
    #[must_use]
    pub fn earlier_steps(&self) -> Vec<EarlierStep> {
        self.steps
            .iter()
            .filter_map(|s| {
                s.outcome.map(|outcome| EarlierStep {
                    action: s.action,
                    outcome,
                })
            })
            .collect()
    }

    /// The next free step number.
    #[must_use]
    pub fn next_step(&self) -> u64 {
        self.steps.iter().map(|s| s.step).max().unwrap_or(0) + 1
    }

    /// Checks `action` by `by` against the state: roles, holds, the
    /// statutory order (given what is owed), and approval (given whether
    /// anyone in the case is at risk).
    ///
    /// # Errors
    /// The first rule it breaks.
    pub fn check(
        &self,
        action: &CollectionAction,
        by: Decision,
        arrears: Pence,
        at_risk: bool,
    ) -> Result<(), ActionRefused> {
        if let CollectionAction::DirectPayReport { .. }
        | CollectionAction::MoveRequested { .. }
        | CollectionAction::ChangeReported { .. } = action
        {
            // Parents report for themselves; staff record what they are told.
            return if by.role.is_parent() || is_case_staff(by.role) {
                Ok(())
            } else {
                Err(ActionRefused::RoleMayNot(by.role))
            };
        }
        if !is_case_staff(by.role) {
            return Err(ActionRefused::RoleMayNot(by.role));
        }
        match action {
            CollectionAction::HoldDisbursements {
                receiving_parent,
                reason,
            } => {
                if reason.trim().is_empty() {
                    return Err(ActionRefused::ReasonRequired);
                }
                if self.held.contains_key(receiving_parent) {
                    return Err(ActionRefused::AlreadyHeld);
                }
                Ok(())
            }
            CollectionAction::ReleaseDisbursements { receiving_parent } => self
                .held
                .contains_key(receiving_parent)
                .then_some(())
                .ok_or(ActionRefused::NotHeld),
            CollectionAction::ProposeEnforcement { step, action } => {
                if by.role == Role::DomesticAbuseSpecialist {
                    return Err(ActionRefused::RoleMayNot(by.role));
                }
                if self.step(*step).is_some() {
                    return Err(ActionRefused::StepNumberUsed(*step));
                }
                // Only one proposal waits at a time, like one action in force.
                if let Some(waiting) = self.steps.iter().find(|s| s.outcome.is_none()) {
                    return Err(ActionRefused::Proposal(
                        ProposalRefused::AnotherActionInForce(waiting.action),
                    ));
                }
                check_proposal(*action, arrears, &self.earlier_steps())
                    .map_err(ActionRefused::Proposal)
            }
            CollectionAction::ReviewEnforcement { step } => {
                let s = self.step(*step).ok_or(ActionRefused::UnknownStep(*step))?;
                if by.role != Role::DomesticAbuseSpecialist {
                    return Err(ActionRefused::RoleMayNot(by.role));
                }
                if s.outcome.is_some() {
                    return Err(ActionRefused::StepNotWaiting(*step));
                }
                Ok(())
            }
            CollectionAction::ApproveEnforcement { step, .. } => {
                let s = self.step(*step).ok_or(ActionRefused::UnknownStep(*step))?;
                if s.outcome.is_some() {
                    return Err(ActionRefused::StepNotWaiting(*step));
                }
                check_approval(s.proposed.by, by, at_risk, s.review)
                    .map_err(ActionRefused::Approval)?;
                // The order is checked again: things may have moved since
                // the proposal (the debt paid, say).
                let others: Vec<EarlierStep> = self.earlier_steps();
                check_proposal(s.action, arrears, &others).map_err(ActionRefused::Proposal)
            }
            CollectionAction::RequestDealtWith { request } => {
                if self.open_requests.iter().any(|r| r.request == *request) {
                    Ok(())
                } else {
                    Err(ActionRefused::NoOpenRequest(*request))
                }
            }
            CollectionAction::AllocateSuspensePayment { .. }
            | CollectionAction::DirectPayReport { .. }
            | CollectionAction::MoveRequested { .. }
            | CollectionAction::ChangeReported { .. } => Ok(()),
            CollectionAction::EndEnforcement { step, outcome } => {
                let s = self.step(*step).ok_or(ActionRefused::UnknownStep(*step))?;
                if s.outcome != Some(StepOutcome::InForce) {
                    return Err(ActionRefused::StepNotInForce(*step));
                }
                if *outcome == StepOutcome::InForce {
                    return Err(ActionRefused::OutcomeMustEnd);
                }
                Ok(())
            }
        }
    }
}

/// The transfer that recognises money in suspense as a payment on `case`:
/// dated when the bank received it, so a payer whose reference was mistyped
/// is not counted late [I]. Its id is the suspense transfer's with
/// `/allocated`, so the same money can be allocated once only: to a second
/// case it is refused as an id reused for another transfer.
#[must_use]
pub fn suspense_allocation(case: CaseReference, unmatched: &Transfer) -> Transfer {
    Transfer {
        id: TransferId(format!("{}/allocated", unmatched.id.0)),
        debit: Account::SUSPENSE,
        credit: Account::of_case(case, AccountKind::PayingParentOwes),
        amount: unmatched.amount,
        code: TransferCode::Payment,
        effective: unmatched.effective,
        corrects: None,
    }
}

/// Why stored text is not an action.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActionDecodeError(pub String);

impl fmt::Display for ActionDecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a stored collection action cannot be read: {}", self.0)
    }
}

impl std::error::Error for ActionDecodeError {}

const fn outcome_code(outcome: StepOutcome) -> &'static str {
    match outcome {
        StepOutcome::InForce => "in_force",
        StepOutcome::Complied => "complied",
        StepOutcome::Unsuccessful => "unsuccessful",
        StepOutcome::Revoked => "revoked",
    }
}

/// The outcome with this code.
#[must_use]
pub fn outcome_from_code(code: &str) -> Option<StepOutcome> {
    [
        StepOutcome::InForce,
        StepOutcome::Complied,
        StepOutcome::Unsuccessful,
        StepOutcome::Revoked,
    ]
    .into_iter()
    .find(|o| outcome_code(*o) == code)
}

const fn waiver_code(waiver: ChargeWaiver) -> &'static str {
    match waiver {
        ChargeWaiver::ConcurrentOrder => "concurrent_order",
        ChargeWaiver::ReplacementOrder => "replacement_order",
        ChargeWaiver::ServiceError => "service_error",
    }
}

/// The waiver with this code.
#[must_use]
pub fn waiver_from_code(code: &str) -> Option<ChargeWaiver> {
    [
        ChargeWaiver::ConcurrentOrder,
        ChargeWaiver::ReplacementOrder,
        ChargeWaiver::ServiceError,
    ]
    .into_iter()
    .find(|w| waiver_code(*w) == code)
}

impl CollectionAction {
    /// The kind and payload stored.
    #[must_use]
    pub fn encode(&self) -> (&'static str, String) {
        match self {
            CollectionAction::HoldDisbursements {
                receiving_parent,
                reason,
            } => (
                "hold_disbursements",
                format!(
                    "receiving_parent={};reason={}",
                    receiving_parent.0,
                    payload::escape(reason)
                ),
            ),
            CollectionAction::ReleaseDisbursements { receiving_parent } => (
                "release_disbursements",
                format!("receiving_parent={}", receiving_parent.0),
            ),
            CollectionAction::ProposeEnforcement { step, action } => (
                "propose_enforcement",
                format!("step={step};action={}", action.code()),
            ),
            CollectionAction::ReviewEnforcement { step } => {
                ("review_enforcement", format!("step={step}"))
            }
            CollectionAction::ApproveEnforcement { step, waiver } => (
                "approve_enforcement",
                format!("step={step};waiver={}", waiver.map_or("", waiver_code)),
            ),
            CollectionAction::AllocateSuspensePayment { payment, amount } => (
                "allocate_suspense_payment",
                format!(
                    "payment={};amount={}",
                    payload::escape(payment),
                    amount.get()
                ),
            ),
            CollectionAction::DirectPayReport { due, paid } => (
                "direct_pay_report",
                format!(
                    "due={due};paid={}",
                    paid.map_or(String::new(), |p| p.get().to_string())
                ),
            ),
            CollectionAction::MoveRequested { reason } => {
                ("move_requested", format!("reason={}", reason.code()))
            }
            CollectionAction::ChangeReported { change, from } => (
                "change_reported",
                format!("change={};from={from}", change.code()),
            ),
            CollectionAction::RequestDealtWith { request } => {
                ("request_dealt_with", format!("request={request}"))
            }
            CollectionAction::EndEnforcement { step, outcome } => (
                "end_enforcement",
                format!("step={step};outcome={}", outcome_code(*outcome)),
            ),
        }
    }

    /// The action stored as `kind` and `payload`.
    ///
    /// # Errors
    /// An unknown kind, or a missing or malformed value.
    pub fn decode(kind: &str, payload: &str) -> Result<CollectionAction, ActionDecodeError> {
        let fields = payload::fields(payload);
        let field = |name: &str| {
            fields
                .get(name)
                .copied()
                .ok_or_else(|| ActionDecodeError(format!("`{kind}` has no `{name}`")))
        };
        let number = |name: &str| -> Result<u64, ActionDecodeError> {
            field(name)?
                .parse()
                .map_err(|_| ActionDecodeError(format!("`{name}` is not a number")))
        };
        let receiving_parent = || -> Result<ReceivingParentId, ActionDecodeError> {
            Ok(ReceivingParentId(
                u32::try_from(number("receiving_parent")?)
                    .map_err(|_| ActionDecodeError("receiving parent out of range".to_owned()))?,
            ))
        };
        Ok(match kind {
            "hold_disbursements" => CollectionAction::HoldDisbursements {
                receiving_parent: receiving_parent()?,
                reason: payload::unescape(field("reason")?),
            },
            "release_disbursements" => CollectionAction::ReleaseDisbursements {
                receiving_parent: receiving_parent()?,
            },
            "propose_enforcement" => CollectionAction::ProposeEnforcement {
                step: number("step")?,
                action: EnforcementAction::from_code(field("action")?)
                    .ok_or_else(|| ActionDecodeError("unknown enforcement action".to_owned()))?,
            },
            "review_enforcement" => CollectionAction::ReviewEnforcement {
                step: number("step")?,
            },
            "approve_enforcement" => CollectionAction::ApproveEnforcement {
                step: number("step")?,
                waiver: match field("waiver")? {
                    "" => None,
                    code => Some(
                        waiver_from_code(code)
                            .ok_or_else(|| ActionDecodeError("unknown waiver".to_owned()))?,
                    ),
                },
            },
            "allocate_suspense_payment" => CollectionAction::AllocateSuspensePayment {
                payment: payload::unescape(field("payment")?),
                amount: Pence::new(number("amount")?),
            },
            "direct_pay_report" => CollectionAction::DirectPayReport {
                due: Date::parse_iso(field("due")?)
                    .map_err(|e| ActionDecodeError(format!("`due`: {e}")))?,
                paid: match field("paid")? {
                    "" => None,
                    _ => Some(Pence::new(number("paid")?)),
                },
            },
            "move_requested" => CollectionAction::MoveRequested {
                reason: MoveRequestReason::from_code(field("reason")?)
                    .ok_or_else(|| ActionDecodeError("unknown reason".to_owned()))?,
            },
            "change_reported" => CollectionAction::ChangeReported {
                change: ReportedChange::from_code(field("change")?)
                    .ok_or_else(|| ActionDecodeError("unknown change".to_owned()))?,
                from: Date::parse_iso(field("from")?)
                    .map_err(|e| ActionDecodeError(format!("`from`: {e}")))?,
            },
            "request_dealt_with" => CollectionAction::RequestDealtWith {
                request: number("request")?,
            },
            "end_enforcement" => CollectionAction::EndEnforcement {
                step: number("step")?,
                outcome: outcome_from_code(field("outcome")?)
                    .ok_or_else(|| ActionDecodeError("unknown outcome".to_owned()))?,
            },
            other => return Err(ActionDecodeError(format!("`{other}` is not an action"))),
        })
    }
}
