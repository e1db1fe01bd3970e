//! Protection of a person (issue 12): whether their location, contact and
//! bank details are withheld from the other parent and from staff outside
//! the domestic abuse specialist team and their named caseworker.
//!
//! Protection is a fact about a *person*, not a case: recorded once, with
//! its history, it covers every case they are in. The store keeps each
//! person's events and, in the same transaction, the one flag every case,
//! role, channel and file reads (`SealedParty::non_disclosure` is that
//! flag, read with the party).
//!
//! Protecting is never an adverse decision about anyone, so anyone may
//! cause it: staff flagging a person, a disclosure of abuse, a parent's
//! request saying it is not safe. Lifting it is rare and deliberate: only
//! the specialist team proposes it, with a reason, and a second specialist
//! approves; the person is then told on their own account (their safe
//! channel) and both steps are audited.

use std::fmt;

use case_records::Role;
use domain_types::payload;

use crate::Recorder;

/// What caused a person to be protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ProtectionCause {
    /// Staff set the non-disclosure flag on the person.
    Flagged,
    /// A case's parties were recorded with the person flagged.
    RecordedOnCase,
    /// The person disclosed abuse (at application or at any time).
    Disclosure,
    /// The person asked for something because it is not safe for them
    /// (to move to Collect and Pay, for one).
    UnsafeRequest,
}

impl ProtectionCause {
    const ALL: [ProtectionCause; 4] = [
        ProtectionCause::Flagged,
        ProtectionCause::RecordedOnCase,
        ProtectionCause::Disclosure,
        ProtectionCause::UnsafeRequest,
    ];

    /// The stored code.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            ProtectionCause::Flagged => "flagged",
            ProtectionCause::RecordedOnCase => "recorded_on_case",
            ProtectionCause::Disclosure => "disclosure",
            ProtectionCause::UnsafeRequest => "unsafe_request",
        }
    }

    /// The cause with this code.
    #[must_use]
    pub fn from_code(code: &str) -> Option<ProtectionCause> {
        ProtectionCause::ALL.into_iter().find(|c| c.code() == code)
    }
}

/// One event in a person's protection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProtectionEvent {
    /// The person is protected from now on.
    Protected {
        /// Why.
        cause: ProtectionCause,
    },
    /// A specialist proposes lifting protection.
    LiftProposed {
        /// Why, in the specialist's words (seen by the specialist team).
        reason: String,
    },
    /// A second specialist approves the proposal: protection ends.
    LiftApproved,
}

/// An event as recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProtectionRecord {
    /// What.
    pub event: ProtectionEvent,
    /// Who and when.
    pub by: Recorder,
}

/// A person's protection, folded from their events.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Protection {
    /// Whether they are protected now.
    pub protected: bool,
    /// A proposal to lift it, waiting for a second specialist.
    pub lift_proposed_by: Option<Recorder>,
    /// Times protection has been lifted (each told to the person).
    pub lifted: Vec<Recorder>,
}

/// Why a protection event is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProtectionRefused {
    /// Only the domestic abuse specialist team lifts protection.
    RoleMayNot(Role),
    /// The person is not protected.
    NotProtected,
    /// A proposal is already waiting.
    AlreadyProposed,
    /// No proposal is waiting to be approved.
    NothingProposed,
    /// The one who proposed cannot also approve.
    SameSpecialist,
    /// A proposal needs a reason (1 to 500 characters).
    ReasonNeeded,
}

impl fmt::Display for ProtectionRefused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProtectionRefused::RoleMayNot(role) => write!(
                f,
                "only the domestic abuse specialist team may lift protection, not {}",
                role.code()
            ),
            ProtectionRefused::NotProtected => write!(f, "this person is not protected"),
            ProtectionRefused::AlreadyProposed => write!(
                f,
                "lifting protection is already proposed and waits for a second specialist"
            ),
            ProtectionRefused::NothingProposed => {
                write!(f, "no proposal to lift protection is waiting")
            }
            ProtectionRefused::SameSpecialist => write!(
                f,
                "a second specialist, not the one who proposed it, approves lifting protection"
            ),
            ProtectionRefused::ReasonNeeded => {
                write!(f, "a reason of 1 to 500 characters is needed")
            }
        }
    }
}

impl Protection {
    /// The protection the events leave.
    #[must_use]
    pub fn from_records(records: &[ProtectionRecord]) -> Protection {
        let mut state = Protection::default();
        for record in records {
            state.apply(record);
        }
        state
    }

    fn apply(&mut self, record: &ProtectionRecord) {
        match &record.event {
            ProtectionEvent::Protected { .. } => self.protected = true,
            ProtectionEvent::LiftProposed { .. } => self.lift_proposed_by = Some(record.by),
            ProtectionEvent::LiftApproved => {
                self.protected = false;
                self.lift_proposed_by = None;
                self.lifted.push(record.by);
            }
        }
    }

    /// Checks an event before it is stored. Protecting is always allowed
    /// (it is never adverse to anyone); lifting only as the module says.
    ///
    /// # Errors
    /// Why the event may not be recorded.
    pub fn check(&self, event: &ProtectionEvent, by: &Recorder) -> Result<(), ProtectionRefused> {
        match event {
            ProtectionEvent::Protected { .. } => Ok(()),
            ProtectionEvent::LiftProposed { reason } => {
                specialist(by.role)?;
                if !self.protected {
                    return Err(ProtectionRefused::NotProtected);
                }
                if self.lift_proposed_by.is_some() {
                    return Err(ProtectionRefused::AlreadyProposed);
                }
                let length = reason.trim().chars().count();
                if length == 0 || length > 500 {
                    return Err(ProtectionRefused::ReasonNeeded);
                }
                Ok(())
            }
            ProtectionEvent::LiftApproved => {
                specialist(by.role)?;
                let proposer = self
                    .lift_proposed_by
                    .ok_or(ProtectionRefused::NothingProposed)?;
                if proposer.person == by.person {
                    return Err(ProtectionRefused::SameSpecialist);
                }
                Ok(())
            }
        }
    }
}

fn specialist(role: Role) -> Result<(), ProtectionRefused> {
    if role == Role::DomesticAbuseSpecialist {
        Ok(())
    } else {
        Err(ProtectionRefused::RoleMayNot(role))
    }
}

/// A stored protection event that cannot be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProtectionDecodeError(pub String);

impl fmt::Display for ProtectionDecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unreadable protection event: {}", self.0)
    }
}

impl ProtectionEvent {
    /// The stored kind and payload.
    #[must_use]
    pub fn encode(&self) -> (&'static str, String) {
        match self {
            ProtectionEvent::Protected { cause } => {
                ("protected", format!("cause={}", cause.code()))
            }
            ProtectionEvent::LiftProposed { reason } => (
                "lift_proposed",
                format!("reason={}", payload::escape(reason)),
            ),
            ProtectionEvent::LiftApproved => ("lift_approved", String::new()),
        }
    }

    /// Whether the person is protected after this event (as the store
    /// keeps the flag beside the events).
    #[must_use]
    pub const fn leaves_protected(&self) -> bool {
        !matches!(self, ProtectionEvent::LiftApproved)
    }

    /// The event stored under `kind` with `payload`.
    ///
    /// # Errors
    /// A kind or payload this version does not know.
    pub fn decode(kind: &str, stored: &str) -> Result<ProtectionEvent, ProtectionDecodeError> {
        let fields = payload::fields(stored);
        let field = |name: &str| {
            fields
                .get(name)
                .copied()
                .ok_or_else(|| ProtectionDecodeError(format!("{kind}: no {name}")))
        };
        match kind {
            "protected" => Ok(ProtectionEvent::Protected {
                cause: ProtectionCause::from_code(field("cause")?)
                    .ok_or_else(|| ProtectionDecodeError(format!("{kind}: cause")))?,
            }),
            "lift_proposed" => Ok(ProtectionEvent::LiftProposed {
                reason: payload::unescape(field("reason")?),
            }),
            "lift_approved" => Ok(ProtectionEvent::LiftApproved),
            other => Err(ProtectionDecodeError(format!("unknown kind {other}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use case_records::PersonId;
    use domain_types::Date;

    fn by(person: u64, role: Role) -> Recorder {
        Recorder {
            person: PersonId(person),
            role,
            on: Date::from_ymd(2026, 12, 1).unwrap(),
        }
    }

    fn protected() -> Protection {
        Protection::from_records(&[ProtectionRecord {
            event: ProtectionEvent::Protected {
                cause: ProtectionCause::Disclosure,
            },
            by: by(5, Role::ReceivingParent),
        }])
    }

    fn proposal() -> ProtectionEvent {
        ProtectionEvent::LiftProposed {
            reason: "she asked us to".to_owned(),
        }
    }

    #[test]
    fn only_a_specialist_proposes_and_only_another_approves() {
        let state = protected();
        for role in Role::ALL {
            let result = state.check(&proposal(), &by(7, role));
            assert_eq!(
                result.is_ok(),
                role == Role::DomesticAbuseSpecialist,
                "{role:?}: {result:?}"
            );
        }
        let proposed = Protection::from_records(&[
            ProtectionRecord {
                event: ProtectionEvent::Protected {
                    cause: ProtectionCause::Flagged,
                },
                by: by(1, Role::Caseworker),
            },
            ProtectionRecord {
                event: proposal(),
                by: by(7, Role::DomesticAbuseSpecialist),
            },
        ]);
        assert!(proposed.protected, "a proposal alone lifts nothing");
        assert_eq!(
            proposed.check(
                &ProtectionEvent::LiftApproved,
                &by(7, Role::DomesticAbuseSpecialist)
            ),
            Err(ProtectionRefused::SameSpecialist)
        );
        assert_eq!(
            proposed.check(&ProtectionEvent::LiftApproved, &by(8, Role::TeamLeader)),
            Err(ProtectionRefused::RoleMayNot(Role::TeamLeader))
        );
        assert_eq!(
            proposed.check(
                &ProtectionEvent::LiftApproved,
                &by(8, Role::DomesticAbuseSpecialist)
            ),
            Ok(())
        );
        assert_eq!(
            proposed.check(&proposal(), &by(8, Role::DomesticAbuseSpecialist)),
            Err(ProtectionRefused::AlreadyProposed)
        );
    }

    #[test]
    fn nothing_to_lift_and_no_reason_are_refused() {
        assert_eq!(
            Protection::default().check(&proposal(), &by(7, Role::DomesticAbuseSpecialist)),
            Err(ProtectionRefused::NotProtected)
        );
        assert_eq!(
            protected().check(
                &ProtectionEvent::LiftProposed {
                    reason: "  ".to_owned()
                },
                &by(7, Role::DomesticAbuseSpecialist)
            ),
            Err(ProtectionRefused::ReasonNeeded)
        );
        assert_eq!(
            protected().check(
                &ProtectionEvent::LiftApproved,
                &by(7, Role::DomesticAbuseSpecialist)
            ),
            Err(ProtectionRefused::NothingProposed)
        );
    }

    #[test]
    fn events_read_back_as_stored() {
        for event in [
            ProtectionEvent::Protected {
                cause: ProtectionCause::UnsafeRequest,
            },
            ProtectionEvent::LiftProposed {
                reason: "a=b; c\\d".to_owned(),
            },
            ProtectionEvent::LiftApproved,
        ] {
            let (kind, stored) = event.encode();
            assert_eq!(ProtectionEvent::decode(kind, &stored), Ok(event));
        }
    }
}
