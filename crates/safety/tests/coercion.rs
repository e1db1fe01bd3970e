//! Financial coercion signals: each pattern raised for whom it is about,
//! with its evidence, and not raised when the pattern is not there.

use domain_types::{Date, Pence};
use proptest::prelude::*;
use safety::{CaseEvent, Party, SignalKind, Thresholds, scan};

fn d(text: &str) -> Date {
    Date::parse_iso(text).unwrap()
}

fn day(n: i32) -> Date {
    d("2025-01-06").add_days(n).unwrap()
}

fn due(n: i32) -> CaseEvent {
    CaseEvent::Due {
        on: day(n),
        amount: Pence::new(5_000),
    }
}

fn paid(n: i32, pence: u64) -> CaseEvent {
    CaseEvent::Payment {
        on: day(n),
        amount: Pence::new(pence),
        words: None,
    }
}

fn kinds(events: &[CaseEvent], as_of: Date) -> Vec<(SignalKind, Party)> {
    scan(events, as_of, Thresholds::embedded())
        .into_iter()
        .map(|s| (s.kind, s.party))
        .collect()
}

#[test]
fn the_thresholds_are_data_marked_as_the_services_assumptions() {
    let t = Thresholds::embedded();
    assert_eq!(t.confidence, "assumption");
    assert!(t.late_or_short_min <= t.late_or_short_periods);
}

#[test]
fn paying_on_time_raises_nothing_and_too_little_too_late_does() {
    let mut on_time = Vec::new();
    for week in 0..12 {
        on_time.push(due(week * 7));
        on_time.push(paid(week * 7, 5_000));
    }
    assert!(kinds(&on_time, day(90)).is_empty());
    // Four of twelve weeks paid two days late, two weeks paid short.
    let mut late = Vec::new();
    for week in 0..12 {
        late.push(due(week * 7));
        match week {
            1 | 4 | 7 | 10 => late.push(paid(week * 7 + 2, 5_000)),
            _ => late.push(paid(week * 7, 5_000)),
        }
    }
    late.sort_by_key(CaseEvent::on);
    let signals = scan(&late, day(90), Thresholds::embedded());
    assert_eq!(signals.len(), 1);
    assert_eq!(signals[0].kind, SignalKind::PersistentlyLateOrShort);
    assert_eq!(signals[0].party, Party::PayingParent);
    assert_eq!(
        signals[0].explanation,
        "4 of the last 12 payments were late or short"
    );
    assert_eq!(
        signals[0].evidence.iter().map(|e| e.on).collect::<Vec<_>>(),
        vec![day(7), day(28), day(49), day(70)]
    );
}

#[test]
fn many_tiny_payments_and_messages_in_references_are_raised_with_the_words() {
    let mut events: Vec<CaseEvent> = (0..8).map(|n| paid(n * 2, 100)).collect();
    events.push(CaseEvent::Payment {
        on: day(20),
        amount: Pence::new(1),
        words: Some("I KNOW WHERE YOU ARE".to_owned()),
    });
    let signals = scan(&events, day(21), Thresholds::embedded());
    let tiny = signals
        .iter()
        .find(|s| s.kind == SignalKind::ManyTinyPayments)
        .unwrap();
    assert_eq!(tiny.evidence.len(), 8);
    let message = signals
        .iter()
        .find(|s| s.kind == SignalKind::MessagesInReferences)
        .unwrap();
    assert!(message.evidence[0].what.contains("I KNOW WHERE YOU ARE"));
    // Spread over more than 30 days, tiny payments are not a pattern.
    let spread: Vec<CaseEvent> = (0..8).map(|n| paid(n * 10, 100)).collect();
    assert!(kinds(&spread, day(80)).is_empty());
}

#[test]
fn payments_only_around_contact_are_raised() {
    let mut events = Vec::new();
    for week in 0..6 {
        events.push(CaseEvent::ContactDay {
            on: day(week * 14 + 5),
        });
        events.push(paid(week * 14 + 4, 5_000));
    }
    events.sort_by_key(CaseEvent::on);
    assert_eq!(
        kinds(&events, day(85)),
        vec![(SignalKind::PaymentsTimedAroundContact, Party::PayingParent)]
    );
}

#[test]
fn either_parent_may_be_the_one_the_pattern_is_about() {
    let mut events = Vec::new();
    for n in 0..4 {
        events.push(CaseEvent::ChangeReported {
            on: day(n * 30),
            by: Party::ReceivingParent,
        });
    }
    for n in 0..2 {
        events.push(CaseEvent::AllegationMade {
            on: day(n * 100),
            by: Party::PayingParent,
        });
        events.push(CaseEvent::AllegationWithdrawn {
            on: day(n * 100 + 20),
            by: Party::PayingParent,
        });
    }
    events.sort_by_key(CaseEvent::on);
    let mut found = kinds(&events, day(150));
    found.sort();
    assert_eq!(
        found,
        vec![
            (
                SignalKind::RepeatedChangesOrChallenges,
                Party::ReceivingParent
            ),
            (SignalKind::AllegationsThenRetractions, Party::PayingParent),
        ]
    );
    // Three changes, and allegations withdrawn too late to be a pattern.
    let calm = vec![
        CaseEvent::ChangeReported {
            on: day(0),
            by: Party::ReceivingParent,
        },
        CaseEvent::ChangeReported {
            on: day(30),
            by: Party::ReceivingParent,
        },
        CaseEvent::AllegationMade {
            on: day(40),
            by: Party::PayingParent,
        },
        CaseEvent::ChangeReported {
            on: day(60),
            by: Party::ReceivingParent,
        },
        CaseEvent::AllegationWithdrawn {
            on: day(140),
            by: Party::PayingParent,
        },
    ];
    assert!(kinds(&calm, day(150)).is_empty());
}

fn weeks() -> impl Strategy<Value = Vec<(bool, u64)>> {
    proptest::collection::vec((any::<bool>(), 1u64..10_000), 1..30)
}

proptest! {
    /// Paying every due amount in full on its day never raises "late or
    /// short", whatever else was paid; and events after the day asked
    /// about never change the answer.
    #[test]
    fn signals_follow_only_from_what_happened_by_the_day(weeks in weeks()) {
        let mut events = Vec::new();
        for (n, (extra, pence)) in weeks.iter().enumerate() {
            let w = i32::try_from(n).unwrap() * 7;
            events.push(due(w));
            events.push(paid(w, 5_000));
            if *extra {
                events.push(paid(w + 3, *pence));
            }
        }
        let as_of = day(i32::try_from(weeks.len()).unwrap() * 7);
        let found = kinds(&events, as_of);
        prop_assert!(!found.iter().any(|(k, _)| *k == SignalKind::PersistentlyLateOrShort));
        let mut later = events.clone();
        later.push(CaseEvent::Payment { on: as_of.add_days(1).unwrap(), amount: Pence::new(1), words: Some("a b c d".to_owned()) });
        prop_assert_eq!(kinds(&later, as_of), found);
    }
}

mod referral {
    use super::*;
    use case_records::Locators;
    use safety::{Recipient, WITHHELD, referral_pack};

    #[test]
    fn a_pack_keeps_the_words_but_withholds_every_protected_detail() {
        let events = vec![
            due(0),
            CaseEvent::Payment {
                on: day(1),
                amount: Pence::new(1),
                words: Some("saw you at 12 acacia avenue SW1A 1AA".to_owned()),
            },
        ];
        let signals = scan(&events, day(2), Thresholds::embedded());
        let mut protected = Locators::none();
        protected.address("12 Acacia Avenue");
        protected.postcode("SW1A 1AA");
        let pack = referral_pack(
            Recipient::Police,
            "CM-TEST",
            day(2),
            &signals,
            &events,
            &protected,
        );
        let everything = format!("{pack:?}").to_lowercase();
        assert!(
            !everything.contains("acacia") && !everything.contains("sw1a"),
            "{everything}"
        );
        assert!(everything.contains("saw you at"));
        assert!(everything.contains(&WITHHELD.to_lowercase()));
        assert_eq!(pack.timeline.len(), 2);
        assert_eq!(pack.signals[0].kind, SignalKind::MessagesInReferences);
    }
}
