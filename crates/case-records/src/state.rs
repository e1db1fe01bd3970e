//! The life of a case, as states and the events that move between them.

use std::fmt;

/// Where a case is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CaseState {
    /// Applied for; no calculation yet.
    Application,
    /// A calculation has been made; liability has not started.
    Calculation,
    /// Liability runs: amounts fall due.
    Active,
    /// Liability is paused, for instance while a case is reviewed.
    Suspended,
    /// The case has ended.
    Closed,
}

/// What moves a case from one state to another.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StateEvent {
    /// The maintenance calculation (or a default decision) is made.
    CalculationMade,
    /// The initial effective date arrives.
    LiabilityStarted,
    /// Liability is paused.
    Suspended,
    /// Liability resumes.
    Resumed,
    /// The case ends.
    Closed,
    /// A closed case is opened again: liability resumes on the facts then
    /// known (`Change::CaseReopened`).
    Reopened,
}

impl CaseState {
    /// Every state.
    pub const ALL: [CaseState; 5] = [
        CaseState::Application,
        CaseState::Calculation,
        CaseState::Active,
        CaseState::Suspended,
        CaseState::Closed,
    ];

    /// The state after `event`, or why the event cannot happen now.
    ///
    /// # Errors
    /// An event that does not fit the state, such as resuming a case that
    /// is not suspended.
    pub const fn after(self, event: StateEvent) -> Result<CaseState, TransitionRefused> {
        use CaseState as S;
        use StateEvent as E;
        match (self, event) {
            (S::Application, E::CalculationMade) => Ok(S::Calculation),
            (S::Calculation, E::LiabilityStarted) => Ok(S::Active),
            (S::Active, E::Suspended) => Ok(S::Suspended),
            (S::Suspended, E::Resumed) => Ok(S::Active),
            (S::Application | S::Calculation | S::Active | S::Suspended, E::Closed) => {
                Ok(S::Closed)
            }
            (S::Closed, E::Reopened) => Ok(S::Active),
            (from, event) => Err(TransitionRefused { from, event }),
        }
    }
}

/// An event that cannot happen in a state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TransitionRefused {
    /// The state.
    pub from: CaseState,
    /// The event.
    pub event: StateEvent,
}

impl fmt::Display for TransitionRefused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "a case in the {:?} state cannot be {:?}",
            self.from, self.event
        )
    }
}

impl std::error::Error for TransitionRefused {}

#[cfg(test)]
mod tests {
    use super::*;

    const EVENTS: [StateEvent; 6] = [
        StateEvent::CalculationMade,
        StateEvent::LiabilityStarted,
        StateEvent::Suspended,
        StateEvent::Resumed,
        StateEvent::Closed,
        StateEvent::Reopened,
    ];

    #[test]
    fn the_transition_table() {
        use CaseState as S;
        use StateEvent as E;
        let allowed = [
            (S::Application, E::CalculationMade, S::Calculation),
            (S::Calculation, E::LiabilityStarted, S::Active),
            (S::Active, E::Suspended, S::Suspended),
            (S::Suspended, E::Resumed, S::Active),
            (S::Application, E::Closed, S::Closed),
            (S::Calculation, E::Closed, S::Closed),
            (S::Active, E::Closed, S::Closed),
            (S::Suspended, E::Closed, S::Closed),
            (S::Closed, E::Reopened, S::Active),
        ];
        for from in CaseState::ALL {
            for event in EVENTS {
                let expected = allowed
                    .iter()
                    .find(|(f, e, _)| *f == from && *e == event)
                    .map(|(_, _, to)| *to);
                match (from.after(event), expected) {
                    (Ok(to), Some(expected)) => assert_eq!(to, expected, "{from:?} {event:?}"),
                    (Err(refused), None) => assert_eq!(refused, TransitionRefused { from, event }),
                    (actual, expected) => {
                        panic!("{from:?} {event:?}: got {actual:?}, expected {expected:?}")
                    }
                }
            }
        }
    }

    #[test]
    fn a_closed_case_stays_closed_until_reopened() {
        for event in EVENTS.into_iter().filter(|e| *e != StateEvent::Reopened) {
            assert!(CaseState::Closed.after(event).is_err(), "{event:?}");
        }
    }
}
