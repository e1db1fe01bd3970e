//! The safe application screen and moves to Collect and Pay, as an
//! applicant and a caseworker would walk them.

use safety::{
    AbuseAnswer, Answer, Channel, ContactPreferences, EvidenceList, LEGAL_WARNING, MoveRefused,
    MoveRoute, NEUTRAL_NOTICE, Party, Question, Screening, Step, decide_move,
};

fn contact() -> ContactPreferences {
    ContactPreferences {
        channels: vec![Channel::Email],
        safe_times: Some("weekdays 10–12".to_owned()),
        no_voicemail: true,
        no_letters_to_address: true,
    }
}

#[test]
fn the_legal_warning_comes_first_and_nothing_can_be_skipped() {
    assert!(LEGAL_WARNING.contains("criminal offence"));
    let screen = Screening::new();
    assert_eq!(screen.next(), Step::Ask(Question::LegalWarning));
    let refused = screen
        .clone()
        .answer(Answer::ExperiencedAbuse(AbuseAnswer::Yes))
        .unwrap_err();
    assert_eq!(refused.expected, Some(Question::LegalWarning));
    let screen = screen.answer(Answer::AcknowledgedLegalWarning).unwrap();
    assert_eq!(screen.next(), Step::Ask(Question::ExperiencedAbuse));
    // A yes cannot skip the danger question.
    let screen = screen
        .answer(Answer::ExperiencedAbuse(AbuseAnswer::Yes))
        .unwrap();
    assert!(
        screen
            .clone()
            .answer(Answer::SafeContact(contact()))
            .is_err()
    );
    assert_eq!(screen.next(), Step::Ask(Question::ImmediateDanger));
}

#[test]
fn immediate_danger_stops_the_journey_with_the_police_offer() {
    let screen = Screening::new()
        .answer(Answer::AcknowledgedLegalWarning)
        .unwrap()
        .answer(Answer::ExperiencedAbuse(AbuseAnswer::Yes))
        .unwrap()
        .answer(Answer::ImmediateDanger(true))
        .unwrap();
    assert_eq!(screen.next(), Step::Ask(Question::PoliceCall));
    let stopped = screen.answer(Answer::PoliceCall(true)).unwrap();
    assert_eq!(
        stopped.next(),
        Step::StopInDanger {
            police_call_consented: true
        }
    );
    // The journey has ended: nothing more is asked.
    assert!(
        stopped
            .clone()
            .answer(Answer::SafeContact(contact()))
            .is_err()
    );
    assert_eq!(stopped.answers().len(), 4, "every answer is kept to record");
}

#[test]
fn a_disclosure_or_none_ends_with_safe_contact_preferences() {
    for (answer, disclosed) in [
        (AbuseAnswer::No, false),
        (AbuseAnswer::PreferNotToSay, false),
    ] {
        let screen = Screening::new()
            .answer(Answer::AcknowledgedLegalWarning)
            .unwrap()
            .answer(Answer::ExperiencedAbuse(answer))
            .unwrap();
        assert_eq!(screen.next(), Step::Ask(Question::SafeContact));
        match screen
            .answer(Answer::SafeContact(contact()))
            .unwrap()
            .next()
        {
            Step::Done(outcome) => assert_eq!(outcome.disclosed, disclosed),
            other => panic!("{other:?}"),
        }
    }
    let done = Screening::new()
        .answer(Answer::AcknowledgedLegalWarning)
        .unwrap()
        .answer(Answer::ExperiencedAbuse(AbuseAnswer::Yes))
        .unwrap()
        .answer(Answer::ImmediateDanger(false))
        .unwrap()
        .answer(Answer::SafeContact(contact()))
        .unwrap();
    match done.next() {
        Step::Done(outcome) => {
            assert!(outcome.disclosed);
            assert!(outcome.contact.no_voicemail && outcome.contact.no_letters_to_address);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_survivor_moves_to_collect_and_pay_on_evidence_without_the_other_parents_consent() {
    let evidence = EvidenceList::embedded();
    assert_eq!(evidence.status, "model");
    assert!(
        !evidence.commenced(),
        "the 2023 Act's regulations are not made"
    );
    assert_eq!(evidence.types.len(), 17);
    let route = MoveRoute::AbuseEvidence {
        applicant: Party::ReceivingParent,
        evidence: "marac_referral".to_owned(),
    };
    // As the law stands: not in force.
    assert_eq!(
        decide_move(&route, evidence, false),
        Err(MoveRefused::NotInForce)
    );
    // Modelled: the other parent is not asked, is told in neutral words,
    // and the survivor pays no collection fee.
    let moved = decide_move(&route, evidence, true).unwrap();
    assert!(!moved.other_parent_asked);
    assert!(moved.modelled);
    assert!(moved.receiving_parent_fee_waived && !moved.paying_parent_fee_waived);
    assert_eq!(moved.notice_to_other_parent, NEUTRAL_NOTICE);
    for word in ["abuse", "evidence", "asked", "safety", "violence"] {
        assert!(!NEUTRAL_NOTICE.to_lowercase().contains(word), "{word}");
    }
    // A paying parent who is the survivor may ask too.
    let paying = MoveRoute::AbuseEvidence {
        applicant: Party::PayingParent,
        evidence: "protective_injunction".to_owned(),
    };
    assert!(
        decide_move(&paying, evidence, true)
            .unwrap()
            .paying_parent_fee_waived
    );
    assert_eq!(
        decide_move(
            &MoveRoute::AbuseEvidence {
                applicant: Party::ReceivingParent,
                evidence: "a_hunch".to_owned()
            },
            evidence,
            true
        ),
        Err(MoveRefused::UnknownEvidence("a_hunch".to_owned()))
    );
}

#[test]
fn the_ordinary_routes_follow_section_4_2a() {
    let evidence = EvidenceList::embedded();
    assert!(
        decide_move(&MoveRoute::BothAgree, evidence, false)
            .unwrap()
            .other_parent_asked
    );
    assert!(decide_move(&MoveRoute::PayingParentAgrees, evidence, false).is_ok());
    assert_eq!(
        decide_move(
            &MoveRoute::UnlikelyToPay {
                notice_given: false
            },
            evidence,
            false
        ),
        Err(MoveRefused::NoticeNotGiven)
    );
    let moved = decide_move(
        &MoveRoute::UnlikelyToPay { notice_given: true },
        evidence,
        false,
    )
    .unwrap();
    assert!(!moved.modelled && !moved.receiving_parent_fee_waived);
}

mod stored {
    use case_records::{PersonId, Role};
    use domain_types::Date;
    use proptest::prelude::*;
    use safety::{Party, PlanStep, Recipient, RiskLevel, SafetyEvent};

    fn event() -> impl Strategy<Value = SafetyEvent> {
        prop_oneof![
            (any::<bool>(), any::<bool>(), any::<bool>()).prop_map(|(p, d, c)| {
                SafetyEvent::Disclosed {
                    by: if p {
                        Party::PayingParent
                    } else {
                        Party::ReceivingParent
                    },
                    immediate_danger: d,
                    police_call_consented: c,
                }
            }),
            any::<u64>().prop_map(|p| SafetyEvent::NamedCaseworkerAssigned {
                caseworker: PersonId(p)
            }),
            Just(SafetyEvent::DisclosuresReviewed),
            prop_oneof![
                Just(RiskLevel::Standard),
                Just(RiskLevel::Raised),
                Just(RiskLevel::High)
            ]
            .prop_map(|level| SafetyEvent::RiskSet { level }),
            (0usize..7).prop_map(|i| SafetyEvent::PlanStepTaken {
                step: PlanStep::ALL[i],
                // Words with the payload's own separators in them.
                outcome: (i % 2 == 0).then(|| format!("Called them; said 999 = police + {i}")),
            }),
            prop_oneof![
                Just(Recipient::Police),
                Just(Recipient::CrownProsecutionService)
            ]
            .prop_map(|recipient| SafetyEvent::Referred { recipient }),
        ]
    }

    proptest! {
        /// Every safety event reads back from its stored text exactly.
        #[test]
        fn stored_safety_events_read_back_exactly(event in event()) {
            let (kind, payload) = event.encode();
            prop_assert_eq!(SafetyEvent::decode(kind, &payload), Ok(event));
        }
    }

    #[test]
    fn a_referral_is_on_record_with_who_made_it() {
        let by = safety::Recorder {
            person: PersonId(17),
            role: Role::Caseworker,
            on: Date::parse_iso("2026-06-01").unwrap(),
        };
        let state = safety::SafetyState::from_records(&[safety::SafetyRecord {
            event: SafetyEvent::Referred {
                recipient: Recipient::CrownProsecutionService,
            },
            by,
        }]);
        assert_eq!(
            state.referrals,
            vec![(Recipient::CrownProsecutionService, by)]
        );
        assert!(!state.specialist_queue);
    }
}

#[test]
fn family_support_is_offered_only_when_the_screen_is_negative_and_never_after_a_disclosure() {
    use case_records::{PersonId, Role};
    use domain_types::Date;
    use safety::{
        Recorder, SafetyEvent, SafetyRecord, SafetyRefused, SafetyState, family_support_offer,
    };
    let finish = |answer| match Screening::new()
        .answer(Answer::AcknowledgedLegalWarning)
        .unwrap()
        .answer(Answer::ExperiencedAbuse(answer))
        .unwrap()
        .answer(Answer::SafeContact(contact()))
        .unwrap()
        .next()
    {
        Step::Done(outcome) => outcome,
        other => panic!("{other:?}"),
    };
    let offers = family_support_offer(&finish(AbuseAnswer::No));
    assert_eq!(offers.len(), 2);
    assert!(offers.iter().all(|o| !o.source.is_empty()));
    assert!(family_support_offer(&finish(AbuseAnswer::PreferNotToSay)).is_empty());
    let by = Recorder {
        person: PersonId(2),
        role: Role::ReceivingParent,
        on: Date::parse_iso("2026-06-01").unwrap(),
    };
    let offered = SafetyEvent::FamilySupportOffered {
        offer: "family_hub".to_owned(),
        accepted: true,
    };
    assert_eq!(SafetyState::default().check(&offered, by), Ok(()));
    let disclosed = SafetyState::from_records(&[SafetyRecord {
        event: SafetyEvent::Disclosed {
            by: Party::ReceivingParent,
            immediate_danger: false,
            police_call_consented: false,
        },
        by,
    }]);
    assert_eq!(
        disclosed.check(&offered, by),
        Err(SafetyRefused::AbuseDisclosed)
    );
}

#[test]
fn the_screen_is_offered_again_after_a_change_of_service() {
    use case_records::{PersonId, Role};
    use domain_types::Date;
    use safety::{Recorder, SafetyEvent, SafetyRecord, screening_due};
    let day = |d: &str| Date::parse_iso(d).unwrap();
    let screened = SafetyRecord {
        event: SafetyEvent::SafeContactSet {
            of: Party::ReceivingParent,
            person: PersonId(2),
            contact: contact(),
        },
        by: Recorder {
            person: PersonId(2),
            role: Role::ReceivingParent,
            on: day("2026-01-10"),
        },
    };
    let rae = PersonId(2);
    assert!(
        screening_due(&[], &[], Party::ReceivingParent, rae),
        "never screened"
    );
    assert!(!screening_due(
        &[day("2026-01-05")],
        std::slice::from_ref(&screened),
        Party::ReceivingParent,
        rae
    ));
    assert!(screening_due(
        &[day("2026-03-02")],
        std::slice::from_ref(&screened),
        Party::ReceivingParent,
        rae
    ));
    assert!(
        screening_due(
            &[],
            std::slice::from_ref(&screened),
            Party::PayingParent,
            PersonId(1)
        ),
        "each parent is asked"
    );
    assert!(
        screening_due(
            &[],
            std::slice::from_ref(&screened),
            Party::ReceivingParent,
            PersonId(3)
        ),
        "a second receiving parent is asked for herself"
    );
    // Her answer stands for her, and for no one else in her role.
    let state = safety::SafetyState::from_records(std::slice::from_ref(&screened));
    assert!(state.contact_of(Party::ReceivingParent, rae).is_some());
    assert!(
        state
            .contact_of(Party::ReceivingParent, PersonId(3))
            .is_none()
    );
}

#[test]
fn the_plan_guides_the_caseworker_through_the_steps_still_to_take() {
    use case_records::{PersonId, Role};
    use domain_types::Date;
    use safety::{PlanStep, Recorder, SafetyEvent, SafetyRecord, SafetyState};
    let by = Recorder {
        person: PersonId(30),
        role: Role::DomesticAbuseSpecialist,
        on: Date::parse_iso("2026-06-01").unwrap(),
    };
    assert!(
        SafetyState::default().plan_steps_remaining(&[]).is_empty(),
        "nothing before a disclosure"
    );
    let mut records = vec![SafetyRecord {
        event: SafetyEvent::Disclosed {
            by: Party::ReceivingParent,
            immediate_danger: false,
            police_call_consented: false,
        },
        by,
    }];
    let state = SafetyState::from_records(&records);
    let remaining = state.plan_steps_remaining(&records);
    assert!(
        !remaining.contains(&PlanStep::PoliceAdviceGiven)
            && !remaining.contains(&PlanStep::PoliceCalledForThem)
    );
    assert_eq!(remaining.first(), Some(&PlanStep::Signposted));
    records.push(SafetyRecord {
        event: SafetyEvent::PlanStepTaken {
            step: PlanStep::Signposted,
            outcome: None,
        },
        by,
    });
    records.push(SafetyRecord {
        event: SafetyEvent::Disclosed {
            by: Party::ReceivingParent,
            immediate_danger: true,
            police_call_consented: true,
        },
        by,
    });
    let state = SafetyState::from_records(&records);
    let remaining = state.plan_steps_remaining(&records);
    assert_eq!(
        &remaining[..2],
        &[PlanStep::PoliceAdviceGiven, PlanStep::PoliceCalledForThem]
    );
    assert!(!remaining.contains(&PlanStep::Signposted));
}
