//! Financial coercion signals over one case's events.

use std::collections::VecDeque;
use std::sync::OnceLock;

use domain_types::{Date, Pence};
use serde::Deserialize;

const THRESHOLDS: &str = include_str!("../data/coercion-signals.toml");

/// A parent in a case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Party {
    /// The paying parent.
    PayingParent,
    /// A receiving parent.
    ReceivingParent,
}

/// Something that happened on a case, in date order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CaseEvent {
    /// A payment fell due.
    Due {
        /// The day.
        on: Date,
        /// How much.
        amount: Pence,
    },
    /// The paying parent paid.
    Payment {
        /// The day.
        on: Date,
        /// How much.
        amount: Pence,
        /// Their own words on the payment besides the case reference
        /// (`None` when it carried only the reference).
        words: Option<String>,
    },
    /// A change of circumstances reported.
    ChangeReported {
        /// The day.
        on: Date,
        /// By whom.
        by: Party,
    },
    /// A decision challenged (mandatory reconsideration, appeal).
    DecisionChallenged {
        /// The day.
        on: Date,
        /// By whom.
        by: Party,
    },
    /// An allegation about the other parent.
    AllegationMade {
        /// The day.
        on: Date,
        /// By whom.
        by: Party,
    },
    /// An allegation withdrawn.
    AllegationWithdrawn {
        /// The day.
        on: Date,
        /// By whom.
        by: Party,
    },
    /// A day the child spends with the paying parent, where known.
    ContactDay {
        /// The day.
        on: Date,
    },
}

impl CaseEvent {
    /// The day it happened.
    #[must_use]
    pub fn on(&self) -> Date {
        match self {
            CaseEvent::Due { on, .. }
            | CaseEvent::Payment { on, .. }
            | CaseEvent::ChangeReported { on, .. }
            | CaseEvent::DecisionChallenged { on, .. }
            | CaseEvent::AllegationMade { on, .. }
            | CaseEvent::AllegationWithdrawn { on, .. }
            | CaseEvent::ContactDay { on } => *on,
        }
    }
}

/// Which pattern was seen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SignalKind {
    /// Payments persistently late or short ("too little or too late").
    PersistentlyLateOrShort,
    /// Many tiny payments in a short time.
    ManyTinyPayments,
    /// Payment references used to send messages.
    MessagesInReferences,
    /// Payments timed around contact with the child.
    PaymentsTimedAroundContact,
    /// Repeated changes of circumstances or challenges.
    RepeatedChangesOrChallenges,
    /// Allegations made and then withdrawn, again and again.
    AllegationsThenRetractions,
}

impl SignalKind {
    /// The pattern, in plain words.
    #[must_use]
    pub const fn in_words(self) -> &'static str {
        match self {
            SignalKind::PersistentlyLateOrShort => "Payments persistently late or short",
            SignalKind::ManyTinyPayments => "Many tiny payments in a short time",
            SignalKind::MessagesInReferences => "Payment references used to send messages",
            SignalKind::PaymentsTimedAroundContact => "Payments timed around contact",
            SignalKind::RepeatedChangesOrChallenges => {
                "Repeated changes of circumstances or challenges"
            }
            SignalKind::AllegationsThenRetractions => "Allegations made and then withdrawn",
        }
    }
}

impl Party {
    /// The parent, in plain words.
    #[must_use]
    pub const fn in_words(self) -> &'static str {
        match self {
            Party::PayingParent => "the paying parent",
            Party::ReceivingParent => "the receiving parent",
        }
    }
}

/// One piece of evidence: the day and what happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Evidence {
    /// The day.
    pub on: Date,
    /// What happened, in words (for a caseworker only: it may quote a
    /// payer's own words).
    pub what: String,
}

/// A pattern for a caseworker to look at. Information only: there is no
/// field here that could carry a decision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signal {
    /// The pattern.
    pub kind: SignalKind,
    /// Whose behaviour it is about.
    pub party: Party,
    /// Why it was raised, in words.
    pub explanation: String,
    /// The events behind it.
    pub evidence: Vec<Evidence>,
}

/// The thresholds, from `data/coercion-signals.toml`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Thresholds {
    pub description: String,
    pub source: String,
    pub confidence: String,
    pub late_or_short_periods: usize,
    pub late_or_short_min: usize,
    pub tiny_below_pence: u64,
    pub tiny_count: usize,
    pub tiny_window_days: i32,
    pub message_min_words: usize,
    pub contact_min_payments: usize,
    pub contact_window_days: i32,
    pub contact_share_percent: usize,
    pub changes_min: usize,
    pub changes_window_days: i32,
    pub retractions_min: usize,
    pub retraction_within_days: i32,
    pub retractions_window_days: i32,
}

impl Thresholds {
    /// The thresholds compiled into the binary.
    ///
    /// # Panics
    /// If the embedded file is invalid; the tests load it.
    pub fn embedded() -> &'static Thresholds {
        static LOADED: OnceLock<Thresholds> = OnceLock::new();
        LOADED.get_or_init(|| {
            toml::from_str(THRESHOLDS)
                .unwrap_or_else(|e| panic!("embedded coercion thresholds are invalid: {e}"))
        })
    }
}

fn within(on: Date, as_of: Date, days: i32) -> bool {
    let age = on.days_until(as_of);
    (0..days).contains(&age)
}

/// Scans one case's events (in date order) as of a day.
#[must_use]
pub fn scan(events: &[CaseEvent], as_of: Date, thresholds: &Thresholds) -> Vec<Signal> {
    let mut signals = Vec::new();
    scan_into(events, as_of, thresholds, &mut signals);
    signals
}

/// [`scan`] into a caller's buffer, so a caseload scan allocates once.
#[allow(clippy::too_many_lines)]
pub fn scan_into(
    events: &[CaseEvent],
    as_of: Date,
    thresholds: &Thresholds,
    signals: &mut Vec<Signal>,
) {
    let t = thresholds;
    // One pass: running totals of due and paid for lateness; a window of
    // tiny payments; counts per party for changes and allegations.
    let mut due_total: u64 = 0;
    let mut paid_total: u64 = 0;
    // Due dates with whether they were met by then, as cumulative
    // paid-by-the-end-of-the-day against due-so-far; decided when the day
    // ends (the next event is later).
    let mut checks: VecDeque<(Date, bool)> = VecDeque::new();
    let mut open_due: Option<Date> = None;
    let mut tiny: VecDeque<(Date, Pence)> = VecDeque::new();
    let mut tiny_evidence: Option<Vec<Evidence>> = None;
    let mut messages: Vec<Evidence> = Vec::new();
    let mut contact_days: Vec<Date> = Vec::new();
    let mut recent_payments: Vec<Date> = Vec::new();
    let mut changes: [Vec<Evidence>; 2] = [Vec::new(), Vec::new()];
    let mut allegations: [Vec<Date>; 2] = [Vec::new(), Vec::new()];
    let mut retracted: [Vec<Evidence>; 2] = [Vec::new(), Vec::new()];
    let index = |party: Party| match party {
        Party::PayingParent => 0,
        Party::ReceivingParent => 1,
    };
    for event in events.iter().take_while(|e| e.on() <= as_of) {
        if let Some(day) = open_due
            && event.on() > day
        {
            checks.push_back((day, paid_total >= due_total));
            if checks.len() > t.late_or_short_periods {
                checks.pop_front();
            }
            open_due = None;
        }
        match event {
            CaseEvent::Due { on, amount } => {
                due_total += amount.get();
                open_due = Some(*on);
            }
            CaseEvent::Payment { on, amount, words } => {
                paid_total += amount.get();
                if amount.get() < t.tiny_below_pence {
                    tiny.push_back((*on, *amount));
                    while tiny
                        .front()
                        .is_some_and(|(d, _)| d.days_until(*on) >= t.tiny_window_days)
                    {
                        tiny.pop_front();
                    }
                    if tiny.len() >= t.tiny_count && tiny_evidence.is_none() {
                        tiny_evidence = Some(
                            tiny.iter()
                                .map(|(d, a)| Evidence {
                                    on: *d,
                                    what: format!("a payment of {a}"),
                                })
                                .collect(),
                        );
                    }
                }
                if let Some(words) = words
                    && words.split_whitespace().count() >= t.message_min_words
                {
                    messages.push(Evidence {
                        on: *on,
                        what: format!("payment of {amount} with the reference \"{words}\""),
                    });
                }
                if within(*on, as_of, t.contact_window_days) {
                    recent_payments.push(*on);
                }
            }
            CaseEvent::ContactDay { on } => contact_days.push(*on),
            CaseEvent::ChangeReported { on, by } => {
                if within(*on, as_of, t.changes_window_days) {
                    changes[index(*by)].push(Evidence {
                        on: *on,
                        what: "reported a change of circumstances".to_owned(),
                    });
                }
            }
            CaseEvent::DecisionChallenged { on, by } => {
                if within(*on, as_of, t.changes_window_days) {
                    changes[index(*by)].push(Evidence {
                        on: *on,
                        what: "challenged a decision".to_owned(),
                    });
                }
            }
            CaseEvent::AllegationMade { on, by } => allegations[index(*by)].push(*on),
            CaseEvent::AllegationWithdrawn { on, by } => {
                let made = &mut allegations[index(*by)];
                // The earliest allegation still open, withdrawn in time.
                if let Some(position) = made
                    .iter()
                    .position(|d| (0..=t.retraction_within_days).contains(&d.days_until(*on)))
                {
                    let day = made.remove(position);
                    if within(*on, as_of, t.retractions_window_days) {
                        retracted[index(*by)].push(Evidence {
                            on: *on,
                            what: format!("withdrew the allegation made on {day}"),
                        });
                    }
                }
            }
        }
    }
    if let Some(day) = open_due
        && day < as_of
    {
        checks.push_back((day, paid_total >= due_total));
        if checks.len() > t.late_or_short_periods {
            checks.pop_front();
        }
    }

    let missed: Vec<Evidence> = checks
        .iter()
        .filter(|(_, met)| !met)
        .map(|(day, _)| Evidence {
            on: *day,
            what: "not paid in full by the due date".to_owned(),
        })
        .collect();
    if missed.len() >= t.late_or_short_min {
        signals.push(Signal {
            kind: SignalKind::PersistentlyLateOrShort,
            party: Party::PayingParent,
            explanation: format!(
                "{} of the last {} payments were late or short",
                missed.len(),
                checks.len()
            ),
            evidence: missed,
        });
    }
    if let Some(evidence) = tiny_evidence {
        signals.push(Signal {
            kind: SignalKind::ManyTinyPayments,
            party: Party::PayingParent,
            explanation: format!(
                "{} payments each under {} within {} days",
                evidence.len(),
                Pence::new(t.tiny_below_pence),
                t.tiny_window_days
            ),
            evidence,
        });
    }
    if !messages.is_empty() {
        signals.push(Signal {
            kind: SignalKind::MessagesInReferences,
            party: Party::PayingParent,
            explanation: format!(
                "{} payment references carry words besides the case reference",
                messages.len()
            ),
            evidence: messages,
        });
    }
    if recent_payments.len() >= t.contact_min_payments && !contact_days.is_empty() {
        let timed: Vec<Evidence> = recent_payments
            .iter()
            .filter(|paid| {
                contact_days
                    .iter()
                    .any(|contact| (0..=1).contains(&paid.days_until(*contact)))
            })
            .map(|paid| Evidence {
                on: *paid,
                what: "paid on or the day before a contact day".to_owned(),
            })
            .collect();
        if timed.len() * 100 >= recent_payments.len() * t.contact_share_percent {
            signals.push(Signal {
                kind: SignalKind::PaymentsTimedAroundContact,
                party: Party::PayingParent,
                explanation: format!(
                    "{} of {} payments in {} days came on or just before contact",
                    timed.len(),
                    recent_payments.len(),
                    t.contact_window_days
                ),
                evidence: timed,
            });
        }
    }
    for party in [Party::PayingParent, Party::ReceivingParent] {
        let mine = std::mem::take(&mut changes[index(party)]);
        if mine.len() >= t.changes_min {
            signals.push(Signal {
                kind: SignalKind::RepeatedChangesOrChallenges,
                party,
                explanation: format!(
                    "{} changes reported or decisions challenged within {} days",
                    mine.len(),
                    t.changes_window_days
                ),
                evidence: mine,
            });
        }
        let mine = std::mem::take(&mut retracted[index(party)]);
        if mine.len() >= t.retractions_min {
            signals.push(Signal {
                kind: SignalKind::AllegationsThenRetractions,
                party,
                explanation: format!(
                    "{} allegations made and withdrawn within {} days each",
                    mine.len(),
                    t.retraction_within_days
                ),
                evidence: mine,
            });
        }
    }
}
