//! Collection actions: holds and enforcement steps folded from their log,
//! each checked before it is taken, and stored text read back exactly.

use case_records::{PersonId, ReceivingParentId, Role};
use domain_types::{Date, Pence};
use ledger::{
    ActionRefused, ApprovalRefused, ChargeWaiver, CollectionAction as Act, CollectionState,
    Decision, EnforcementAction, MoveRequestReason, ProposalRefused, RecordedAction,
    ReportedChange, StepOutcome,
};
use proptest::prelude::*;

fn by(person: u64, role: Role) -> Decision {
    Decision {
        by: PersonId(person),
        role,
        on: Date::parse_iso("2025-06-02").unwrap(),
    }
}

const OWED: Pence = Pence::new(10_000);
const RP: ReceivingParentId = ReceivingParentId(1);

/// Checks then takes each action, as the service does.
fn take(
    log: &mut Vec<RecordedAction>,
    action: Act,
    who: Decision,
    at_risk: bool,
) -> Result<(), ActionRefused> {
    CollectionState::from_actions(log).check(&action, who, OWED, at_risk)?;
    log.push(RecordedAction { action, by: who });
    Ok(())
}

#[test]
fn holds_need_a_reason_and_release_only_what_is_held() {
    let mut log = Vec::new();
    let caseworker = by(1, Role::Caseworker);
    let hold = |reason: &str| Act::HoldDisbursements {
        receiving_parent: RP,
        reason: reason.to_owned(),
    };
    assert_eq!(
        take(&mut log, hold("  "), caseworker, false),
        Err(ActionRefused::ReasonRequired)
    );
    assert_eq!(
        take(
            &mut log,
            Act::ReleaseDisbursements {
                receiving_parent: RP
            },
            caseworker,
            false
        ),
        Err(ActionRefused::NotHeld)
    );
    assert_eq!(
        take(
            &mut log,
            hold("account being checked"),
            by(2, Role::Auditor),
            false
        ),
        Err(ActionRefused::RoleMayNot(Role::Auditor))
    );
    take(&mut log, hold("account being checked"), caseworker, false).unwrap();
    assert_eq!(
        take(&mut log, hold("again"), caseworker, false),
        Err(ActionRefused::AlreadyHeld)
    );
    let state = CollectionState::from_actions(&log);
    assert_eq!(
        state.held.get(&RP).map(String::as_str),
        Some("account being checked")
    );
    take(
        &mut log,
        Act::ReleaseDisbursements {
            receiving_parent: RP,
        },
        caseworker,
        false,
    )
    .unwrap();
    assert!(CollectionState::from_actions(&log).held.is_empty());
}

#[test]
fn an_at_risk_case_waits_for_the_specialist_before_enforcement() {
    let mut log = Vec::new();
    let officer = by(1, Role::EnforcementOfficer);
    let caseworker = by(2, Role::Caseworker);
    let specialist = by(3, Role::DomesticAbuseSpecialist);
    let deo = Act::ProposeEnforcement {
        step: 1,
        action: EnforcementAction::DeductionFromEarningsOrder,
    };
    take(&mut log, deo, officer, true).unwrap();
    let approve = Act::ApproveEnforcement {
        step: 1,
        waiver: None,
    };
    assert_eq!(
        take(&mut log, approve.clone(), caseworker, true),
        Err(ActionRefused::Approval(
            ApprovalRefused::NeedsSpecialistReview
        ))
    );
    assert_eq!(
        take(
            &mut log,
            Act::ReviewEnforcement { step: 1 },
            caseworker,
            true
        ),
        Err(ActionRefused::RoleMayNot(Role::Caseworker))
    );
    take(
        &mut log,
        Act::ReviewEnforcement { step: 1 },
        specialist,
        true,
    )
    .unwrap();
    assert_eq!(
        take(&mut log, approve.clone(), officer, true),
        Err(ActionRefused::Approval(ApprovalRefused::SameAsProposer))
    );
    take(&mut log, approve.clone(), caseworker, true).unwrap();
    assert_eq!(
        take(&mut log, approve, caseworker, true),
        Err(ActionRefused::StepNotWaiting(1))
    );
    // One method at a time; a liability order only after it fails.
    let liability = Act::ProposeEnforcement {
        step: 2,
        action: EnforcementAction::LiabilityOrder,
    };
    assert_eq!(
        take(&mut log, liability.clone(), officer, true),
        Err(ActionRefused::Proposal(
            ProposalRefused::AnotherActionInForce(EnforcementAction::DeductionFromEarningsOrder)
        ))
    );
    take(
        &mut log,
        Act::EndEnforcement {
            step: 1,
            outcome: StepOutcome::Unsuccessful,
        },
        officer,
        true,
    )
    .unwrap();
    take(&mut log, liability, officer, true).unwrap();
    let state = CollectionState::from_actions(&log);
    assert_eq!(state.steps.len(), 2);
    assert_eq!(state.steps[0].outcome, Some(StepOutcome::Unsuccessful));
    assert_eq!(state.steps[0].review, Some(specialist));
    assert_eq!(state.steps[1].outcome, None);
    assert_eq!(state.next_step(), 3);
}

fn action() -> impl Strategy<Value = Act> {
    prop_oneof![
        (any::<u32>(), ".*").prop_map(|(rp, reason)| Act::HoldDisbursements {
            receiving_parent: ReceivingParentId(rp),
            reason
        }),
        any::<u32>().prop_map(|rp| Act::ReleaseDisbursements {
            receiving_parent: ReceivingParentId(rp)
        }),
        (any::<u64>(), 0usize..11).prop_map(|(step, a)| Act::ProposeEnforcement {
            step,
            action: EnforcementAction::ALL[a]
        }),
        any::<u64>().prop_map(|step| Act::ReviewEnforcement { step }),
        (
            any::<u64>(),
            prop::option::of(prop_oneof![
                Just(ChargeWaiver::ConcurrentOrder),
                Just(ChargeWaiver::ReplacementOrder),
                Just(ChargeWaiver::ServiceError)
            ])
        )
            .prop_map(|(step, waiver)| Act::ApproveEnforcement { step, waiver }),
        (
            any::<u64>(),
            prop_oneof![
                Just(StepOutcome::Complied),
                Just(StepOutcome::Unsuccessful),
                Just(StepOutcome::Revoked)
            ]
        )
            .prop_map(|(step, outcome)| Act::EndEnforcement { step, outcome }),
        (0..MoveRequestReason::ALL.len()).prop_map(|r| Act::MoveRequested {
            reason: MoveRequestReason::ALL[r]
        }),
        (0..ReportedChange::ALL.len(), 0i32..3000).prop_map(|(c, days)| Act::ChangeReported {
            change: ReportedChange::ALL[c],
            from: Date::parse_iso("2020-01-01")
                .unwrap()
                .add_days(days)
                .unwrap(),
        }),
        any::<u64>().prop_map(|request| Act::RequestDealtWith { request }),
    ]
}

#[test]
fn a_parents_request_waits_until_a_caseworker_deals_with_it_and_decides_nothing() {
    let mut log = Vec::new();
    let parent = by(2, Role::ReceivingParent);
    let caseworker = by(17, Role::Caseworker);
    take(
        &mut log,
        Act::MoveRequested {
            reason: MoveRequestReason::NotSafe,
        },
        parent,
        false,
    )
    .unwrap();
    let change = Act::ChangeReported {
        change: ReportedChange::MovedHome,
        from: Date::parse_iso("2025-06-01").unwrap(),
    };
    take(&mut log, change.clone(), parent, false).unwrap();
    let state = CollectionState::from_actions(&log);
    assert_eq!(state.open_requests.len(), 2);
    assert_eq!(state.open_requests[1].request, 2);
    assert_eq!(state.open_requests[1].action, change);
    // A request changes nothing else: no hold, no step.
    assert!(state.held.is_empty() && state.steps.is_empty());
    // Only staff deal with it, once.
    assert_eq!(
        take(
            &mut log,
            Act::RequestDealtWith { request: 1 },
            parent,
            false
        ),
        Err(ActionRefused::RoleMayNot(Role::ReceivingParent))
    );
    take(
        &mut log,
        Act::RequestDealtWith { request: 1 },
        caseworker,
        false,
    )
    .unwrap();
    assert_eq!(
        take(
            &mut log,
            Act::RequestDealtWith { request: 1 },
            caseworker,
            false
        ),
        Err(ActionRefused::NoOpenRequest(1))
    );
    let state = CollectionState::from_actions(&log);
    assert_eq!(
        state
            .open_requests
            .iter()
            .map(|r| r.request)
            .collect::<Vec<_>>(),
        [2]
    );
    // An auditor may not make a parent's request.
    assert_eq!(
        take(
            &mut log,
            Act::MoveRequested {
                reason: MoveRequestReason::Other
            },
            by(70, Role::Auditor),
            false
        ),
        Err(ActionRefused::RoleMayNot(Role::Auditor))
    );
}

proptest! {
    /// Whatever a reason says (semicolons, equals signs, percent signs,
    /// any Unicode), the stored text reads back as the same action.
    #[test]
    fn stored_actions_read_back_exactly(action in action()) {
        let (kind, payload) = action.encode();
        prop_assert_eq!(Act::decode(kind, &payload), Ok(action));
    }
}
