//! Enforcement follows the statutory order, needs a second person to
//! approve, waits for the specialist team where anyone is at risk, and
//! charges what the Fees Regulations say on the day.

use case_records::{CaseReference, PersonId, Role};
use domain_types::{Date, Pence};
use ledger::{
    ApprovalRefused, ChargeWaiver, Decision, EarlierStep, EnforcementAction as A, ProposalRefused,
    StepOutcome, TransferCode, charge_transfer, check_approval, check_proposal, enforcement_letter,
};
use legal_parameters::Parameters;

fn d(text: &str) -> Date {
    Date::parse_iso(text).unwrap()
}

const OWED: Pence = Pence::new(12_345);

fn step(action: A, outcome: StepOutcome) -> EarlierStep {
    EarlierStep { action, outcome }
}

#[test]
fn actions_follow_the_statutory_order_one_at_a_time() {
    use StepOutcome::*;
    let table: &[(A, &[EarlierStep], Result<(), ProposalRefused>)] = &[
        (A::DeductionFromEarningsOrder, &[], Ok(())),
        (A::RegularDeductionOrder, &[], Ok(())),
        (
            A::RegularDeductionOrder,
            &[step(A::DeductionFromEarningsOrder, InForce)],
            Err(ProposalRefused::AnotherActionInForce(
                A::DeductionFromEarningsOrder,
            )),
        ),
        (
            A::LiabilityOrder,
            &[],
            Err(ProposalRefused::NeedsAnUnsuccessfulAdministrativeOrder),
        ),
        (
            A::LiabilityOrder,
            &[step(A::DeductionFromEarningsOrder, Complied)],
            Err(ProposalRefused::NeedsAnUnsuccessfulAdministrativeOrder),
        ),
        (
            A::LiabilityOrder,
            &[step(A::RegularDeductionOrder, Unsuccessful)],
            Ok(()),
        ),
        (
            A::DrivingLicenceDisqualification,
            &[step(A::RegularDeductionOrder, Unsuccessful)],
            Err(ProposalRefused::NeedsALiabilityOrder),
        ),
        (
            A::EnforcementAgents,
            &[
                step(A::RegularDeductionOrder, Unsuccessful),
                step(A::LiabilityOrder, InForce),
            ],
            Ok(()),
        ),
        (
            A::Commitment,
            &[
                step(A::LiabilityOrder, InForce),
                step(A::EnforcementAgents, InForce),
            ],
            Err(ProposalRefused::AnotherActionInForce(A::EnforcementAgents)),
        ),
        (
            A::ChargingOrder,
            &[step(A::LiabilityOrder, Revoked)],
            Err(ProposalRefused::NeedsALiabilityOrder),
        ),
    ];
    for (action, earlier, expected) in table {
        assert_eq!(
            check_proposal(*action, OWED, earlier),
            *expected,
            "{action:?} after {earlier:?}"
        );
    }
    assert_eq!(
        check_proposal(A::DeductionFromEarningsOrder, Pence::ZERO, &[]),
        Err(ProposalRefused::NoArrears)
    );
    for action in A::ALL {
        assert_eq!(A::from_code(action.code()), Some(action));
    }
}

#[test]
fn approval_needs_a_second_person_and_a_specialist_where_anyone_is_at_risk() {
    let proposer = PersonId(1);
    let approve = |by, role| Decision {
        by: PersonId(by),
        role,
        on: d("2025-06-02"),
    };
    let specialist = Some(approve(3, Role::DomesticAbuseSpecialist));
    assert_eq!(
        check_approval(proposer, approve(2, Role::Caseworker), false, None),
        Ok(())
    );
    assert_eq!(
        check_approval(proposer, approve(1, Role::Caseworker), false, None),
        Err(ApprovalRefused::SameAsProposer)
    );
    assert_eq!(
        check_approval(proposer, approve(2, Role::Auditor), false, None),
        Err(ApprovalRefused::RoleMayNotApprove(Role::Auditor))
    );
    assert_eq!(
        check_approval(proposer, approve(2, Role::PayingParent), false, None),
        Err(ApprovalRefused::RoleMayNotApprove(Role::PayingParent))
    );
    // At risk: never on one decision alone.
    assert_eq!(
        check_approval(proposer, approve(2, Role::EnforcementOfficer), true, None),
        Err(ApprovalRefused::NeedsSpecialistReview)
    );
    assert_eq!(
        check_approval(
            proposer,
            approve(2, Role::EnforcementOfficer),
            true,
            Some(approve(4, Role::TeamLeader))
        ),
        Err(ApprovalRefused::ReviewNotBySpecialist)
    );
    assert_eq!(
        check_approval(
            proposer,
            approve(2, Role::EnforcementOfficer),
            true,
            specialist
        ),
        Ok(())
    );
}

#[test]
fn charges_come_from_the_fees_regulations_on_the_day() {
    let parameters = Parameters::embedded();
    let case = CaseReference::from_random(9);
    let deo = charge_transfer(
        case,
        1,
        A::DeductionFromEarningsOrder,
        d("2025-06-02"),
        parameters,
        None,
    )
    .expect("£50 charge");
    assert_eq!(deo.amount, Pence::new(5_000));
    assert_eq!(deo.code, TransferCode::EnforcementCharge);
    assert_eq!(
        A::LiabilityOrder.charge(parameters, d("2025-06-02")),
        Pence::new(30_000)
    );
    assert_eq!(
        A::LumpSumDeductionOrder.charge(parameters, d("2025-06-02")),
        Pence::new(20_000)
    );
    // Before the Fees Regulations began on 30 June 2014: no charge.
    assert_eq!(
        A::DeductionFromEarningsOrder.charge(parameters, d("2014-06-29")),
        Pence::ZERO
    );
    // Legal enforcement carries no charge in the regulations; a waiver
    // (reg 12) charges nothing.
    assert!(charge_transfer(case, 2, A::Commitment, d("2025-06-02"), parameters, None).is_none());
    assert!(
        charge_transfer(
            case,
            3,
            A::DeductionFromEarningsOrder,
            d("2025-06-02"),
            parameters,
            Some(ChargeWaiver::ReplacementOrder)
        )
        .is_none()
    );
}

#[test]
fn the_letter_names_the_action_charge_and_debt_and_only_the_services_address() {
    let case = CaseReference::from_random(9);
    let letter = enforcement_letter(
        "Child Maintenance (test), PO Box 1, Testtown TT1 1TT",
        case,
        A::DeductionFromEarningsOrder,
        Pence::new(5_000),
        Pence::new(123_456),
        d("2025-06-02"),
    );
    assert!(letter.starts_with("Child Maintenance (test), PO Box 1, Testtown TT1 1TT\n"));
    assert!(letter.contains(&case.to_string()));
    assert!(letter.contains("You owe £1,234.56"));
    assert!(letter.contains("a deduction from earnings order"));
    assert!(letter.contains("a charge of £50.00"));
}
