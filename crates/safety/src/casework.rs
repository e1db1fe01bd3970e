//! Specialist casework (issue 5 §4; Rec 4; seeds 002, 004; rules.md §6),
//! as an append-only log of safety events folded into the case's safety
//! state. A disclosure is one event, so routing the case to the domestic
//! abuse specialist team and raising its risk happen together or not at
//! all; a disclosure made after a named caseworker is assigned reaches them
//! at once and blocks closing or reopening the case until it is reviewed.

use std::collections::BTreeMap;
use std::fmt;

use case_records::{PersonId, Role};
use domain_types::{Date, payload};

use crate::Party;

/// How much risk the case carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RiskLevel {
    /// Nothing disclosed.
    Standard,
    /// Abuse disclosed.
    Raised,
    /// Immediate danger disclosed, or set by a specialist.
    High,
}

impl RiskLevel {
    /// The stored code.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            RiskLevel::Standard => "standard",
            RiskLevel::Raised => "raised",
            RiskLevel::High => "high",
        }
    }

    /// The level with this code.
    #[must_use]
    pub fn from_code(code: &str) -> Option<RiskLevel> {
        [RiskLevel::Standard, RiskLevel::Raised, RiskLevel::High]
            .into_iter()
            .find(|l| l.code() == code)
    }
}

/// A step of the Domestic Abuse Plan, as publicly described (rules.md §6;
/// PQ 19185, 63237, 64475, 76568; seed 002). The plan itself is not
/// published; these are the steps the public record names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PlanStep {
    /// Advice on contacting the police in immediate danger.
    PoliceAdviceGiven,
    /// The caseworker called the police for the parent, at their request.
    PoliceCalledForThem,
    /// Signposted to support organisations.
    Signposted,
    /// Safe contact agreed (channels, times, no voicemail, no letters).
    SafeContactAgreed,
    /// Collect and Pay offered, so the parents need not be in touch.
    CollectAndPayOffered,
    /// Advice on non-traceable payments (centralised sort codes).
    NonTraceablePaymentsAdvised,
    /// A named caseworker offered.
    NamedCaseworkerOffered,
}

impl PlanStep {
    /// Every step, in the order they are usually taken.
    pub const ALL: [PlanStep; 7] = [
        PlanStep::PoliceAdviceGiven,
        PlanStep::PoliceCalledForThem,
        PlanStep::Signposted,
        PlanStep::SafeContactAgreed,
        PlanStep::CollectAndPayOffered,
        PlanStep::NonTraceablePaymentsAdvised,
        PlanStep::NamedCaseworkerOffered,
    ];

    /// The stored code.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            PlanStep::PoliceAdviceGiven => "police_advice_given",
            PlanStep::PoliceCalledForThem => "police_called_for_them",
            PlanStep::Signposted => "signposted",
            PlanStep::SafeContactAgreed => "safe_contact_agreed",
            PlanStep::CollectAndPayOffered => "collect_and_pay_offered",
            PlanStep::NonTraceablePaymentsAdvised => "non_traceable_payments_advised",
            PlanStep::NamedCaseworkerOffered => "named_caseworker_offered",
        }
    }

    /// The step with this code.
    #[must_use]
    pub fn from_code(code: &str) -> Option<PlanStep> {
        PlanStep::ALL.into_iter().find(|s| s.code() == code)
    }
}

/// One safety event on a case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SafetyEvent {
    /// Abuse disclosed, by a parent (at application or at any time).
    Disclosed {
        /// Who disclosed.
        by: Party,
        /// In immediate danger now.
        immediate_danger: bool,
        /// They asked the service to call the police for them.
        police_call_consented: bool,
    },
    /// A named caseworker for the case, who sees the whole story.
    NamedCaseworkerAssigned {
        /// Who.
        caseworker: PersonId,
    },
    /// Disclosures so far have been reviewed.
    DisclosuresReviewed,
    /// A specialist sets the risk level.
    RiskSet {
        /// The level.
        level: RiskLevel,
    },
    /// A Domestic Abuse Plan step was taken (who and when are its
    /// [`Recorder`]).
    PlanStepTaken {
        /// The step.
        step: PlanStep,
        /// What came of it, in the caseworker's words (checked human text:
        /// a free word, shown whole only to those entitled to it); `None`
        /// on steps recorded without one.
        outcome: Option<String>,
    },
    /// Family support offered where the abuse screen was negative, and
    /// whether the parent took it up.
    FamilySupportOffered {
        /// The offer's code.
        offer: String,
        /// Taken up.
        accepted: bool,
    },
    /// How and when it is safe to contact a parent (from the screen, or
    /// changed later); the latest replaces the earlier.
    SafeContactSet {
        /// Whose preferences: the parent's role in the case.
        of: Party,
        /// And which person in it (two receiving parents are two people);
        /// `PersonId(0)` on events recorded before people were told apart,
        /// which then stand for everyone in the role.
        person: PersonId,
        /// The preferences.
        contact: crate::ContactPreferences,
    },
    /// Something a parent did that the coercion scan weighs (an allegation
    /// about the other parent, its withdrawal, a challenge to a decision, a
    /// change of circumstances reported, a contact day), recorded by staff.
    Noted {
        /// What.
        what: Noted,
        /// By or about whom.
        party: Party,
    },
    /// The case was referred for suspected financial coercion.
    Referred {
        /// To whom.
        recipient: crate::Recipient,
    },
}

/// What a [`SafetyEvent::Noted`] records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Noted {
    /// An allegation about the other parent.
    Allegation,
    /// An allegation withdrawn.
    AllegationWithdrawn,
    /// A decision challenged.
    Challenge,
    /// A change of circumstances reported.
    ChangeReported,
    /// A day the child spent with the paying parent.
    ContactDay,
}

impl Noted {
    /// Every kind.
    pub const ALL: [Noted; 5] = [
        Noted::Allegation,
        Noted::AllegationWithdrawn,
        Noted::Challenge,
        Noted::ChangeReported,
        Noted::ContactDay,
    ];

    /// The stored code.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Noted::Allegation => "allegation",
            Noted::AllegationWithdrawn => "allegation_withdrawn",
            Noted::Challenge => "challenge",
            Noted::ChangeReported => "change_reported",
            Noted::ContactDay => "contact_day",
        }
    }

    /// The kind with this code.
    #[must_use]
    pub fn from_code(code: &str) -> Option<Noted> {
        Noted::ALL.into_iter().find(|n| n.code() == code)
    }
}

/// The coercion scan's events for what was noted on a case, on the days
/// noted.
#[must_use]
pub fn noted_events(records: &[SafetyRecord]) -> Vec<crate::CaseEvent> {
    use crate::CaseEvent;
    records
        .iter()
        .filter_map(|r| match r.event {
            SafetyEvent::Noted { what, party } => {
                let on = r.by.on;
                Some(match what {
                    Noted::Allegation => CaseEvent::AllegationMade { on, by: party },
                    Noted::AllegationWithdrawn => CaseEvent::AllegationWithdrawn { on, by: party },
                    Noted::Challenge => CaseEvent::DecisionChallenged { on, by: party },
                    Noted::ChangeReported => CaseEvent::ChangeReported { on, by: party },
                    Noted::ContactDay => CaseEvent::ContactDay { on },
                })
            }
            _ => None,
        })
        .collect()
}

/// Who recorded an event, in what role, when.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Recorder {
    /// Who.
    pub person: PersonId,
    /// In what role.
    pub role: Role,
    /// When.
    pub on: Date,
}

/// An event as recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SafetyRecord {
    /// What.
    pub event: SafetyEvent,
    /// Who and when.
    pub by: Recorder,
}

/// The case's safety state, folded from its events.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SafetyState {
    /// The risk level.
    pub risk: RiskLevel,
    /// On the domestic abuse specialist team's queue.
    pub specialist_queue: bool,
    /// The named caseworker, if any.
    pub named_caseworker: Option<PersonId>,
    /// Disclosures not yet reviewed, with the day each was made: while
    /// any is waiting, the case may not be closed or reopened.
    pub awaiting_review: Vec<Date>,
    /// Plan steps taken, with who took each and when.
    pub plan: BTreeMap<PlanStep, Recorder>,
    /// Referrals made, with who made each and when.
    pub referrals: Vec<(crate::Recipient, Recorder)>,
    /// Disclosures ever made on the case.
    pub disclosures: usize,
    /// Family support offered, and whether taken up.
    pub family_support: Vec<(String, bool)>,
    /// Each parent's safe contact preferences, by role and person.
    pub contact: BTreeMap<(Party, PersonId), crate::ContactPreferences>,
}

impl Default for SafetyState {
    fn default() -> SafetyState {
        SafetyState {
            risk: RiskLevel::Standard,
            specialist_queue: false,
            named_caseworker: None,
            awaiting_review: Vec::new(),
            plan: BTreeMap::new(),
            referrals: Vec::new(),
            disclosures: 0,
            family_support: Vec::new(),
            contact: BTreeMap::new(),
        }
    }
}

/// Why a safety event is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SafetyRefused {
    /// The role may not record this.
    RoleMayNot(Role),
    /// Nothing is waiting for review.
    NothingToReview,
    /// Only the named caseworker or the specialist team reviews.
    NotTheReviewer,
    /// Family support is for conflict below the threshold of abuse; abuse
    /// has been disclosed on this case.
    AbuseDisclosed,
}

impl fmt::Display for SafetyRefused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SafetyRefused::RoleMayNot(role) => write!(f, "the {role:?} role may not record this"),
            SafetyRefused::NothingToReview => f.write_str("no disclosure is waiting for review"),
            SafetyRefused::AbuseDisclosed => f.write_str(
                "abuse has been disclosed on this case: family support is not offered in its place",
            ),
            SafetyRefused::NotTheReviewer => f.write_str(
                "disclosures are reviewed by the named caseworker or the domestic abuse specialist team",
            ),
        }
    }
}

impl std::error::Error for SafetyRefused {}

impl SafetyState {
    /// The state after every event, in order.
    #[must_use]
    pub fn from_records(records: &[SafetyRecord]) -> SafetyState {
        let mut state = SafetyState::default();
        for record in records {
            match &record.event {
                SafetyEvent::Disclosed {
                    immediate_danger, ..
                } => {
                    state.specialist_queue = true;
                    let level = if *immediate_danger {
                        RiskLevel::High
                    } else {
                        RiskLevel::Raised
                    };
                    state.risk = state.risk.max(level);
                    state.awaiting_review.push(record.by.on);
                    state.disclosures += 1;
                }
                SafetyEvent::NamedCaseworkerAssigned { caseworker } => {
                    state.named_caseworker = Some(*caseworker);
                }
                SafetyEvent::DisclosuresReviewed => state.awaiting_review.clear(),
                SafetyEvent::RiskSet { level } => state.risk = *level,
                SafetyEvent::PlanStepTaken { step, .. } => {
                    state.plan.insert(*step, record.by);
                }
                SafetyEvent::Referred { recipient } => {
                    state.referrals.push((*recipient, record.by));
                }
                SafetyEvent::Noted { .. } => {}
                SafetyEvent::SafeContactSet {
                    of,
                    person,
                    contact,
                } => {
                    state.contact.insert((*of, *person), contact.clone());
                }
                SafetyEvent::FamilySupportOffered { offer, accepted } => {
                    state.family_support.push((offer.clone(), *accepted));
                }
            }
        }
        state
    }

    /// The Domestic Abuse Plan steps still to take, in order: a guide for
    /// the caseworker, never a decision. Police advice and a police call
    /// are steps only where someone disclosed immediate danger or asked for
    /// the call; nothing is suggested before any disclosure.
    #[must_use]
    pub fn plan_steps_remaining(&self, records: &[SafetyRecord]) -> Vec<PlanStep> {
        if self.disclosures == 0 {
            return Vec::new();
        }
        let danger = records.iter().any(|r| {
            matches!(
                r.event,
                SafetyEvent::Disclosed {
                    immediate_danger: true,
                    ..
                }
            )
        });
        let call = records.iter().any(|r| {
            matches!(
                r.event,
                SafetyEvent::Disclosed {
                    police_call_consented: true,
                    ..
                }
            )
        });
        PlanStep::ALL
            .into_iter()
            .filter(|step| match step {
                PlanStep::PoliceAdviceGiven => danger,
                PlanStep::PoliceCalledForThem => call,
                _ => true,
            })
            .filter(|step| !self.plan.contains_key(step))
            .collect()
    }

    /// Whether the case may be closed or reopened now: not while a
    /// disclosure waits for review.
    #[must_use]
    pub fn may_close_or_reopen(&self) -> bool {
        self.awaiting_review.is_empty()
    }

    /// Whom a new disclosure must reach at once: the named caseworker, or
    /// else the specialist team's queue (`None`).
    #[must_use]
    pub fn disclosure_reaches(&self) -> Option<PersonId> {
        self.named_caseworker
    }

    /// Checks an event before it is recorded.
    ///
    /// # Errors
    /// The first rule it breaks.
    pub fn check(&self, event: &SafetyEvent, by: Recorder) -> Result<(), SafetyRefused> {
        let staff_on_case = matches!(
            by.role,
            Role::Caseworker | Role::DomesticAbuseSpecialist | Role::TeamLeader
        );
        match event {
            // Anyone on the case may disclose, or record a disclosure made
            // to them, at any time.
            SafetyEvent::Disclosed { .. } => {
                if by.role.is_parent() || staff_on_case || by.role == Role::EnforcementOfficer {
                    Ok(())
                } else {
                    Err(SafetyRefused::RoleMayNot(by.role))
                }
            }
            SafetyEvent::NamedCaseworkerAssigned { .. } | SafetyEvent::RiskSet { .. } => {
                if matches!(by.role, Role::DomesticAbuseSpecialist | Role::TeamLeader) {
                    Ok(())
                } else {
                    Err(SafetyRefused::RoleMayNot(by.role))
                }
            }
            SafetyEvent::DisclosuresReviewed => {
                if self.awaiting_review.is_empty() {
                    return Err(SafetyRefused::NothingToReview);
                }
                let is_named = self.named_caseworker == Some(by.person);
                if is_named || by.role == Role::DomesticAbuseSpecialist {
                    Ok(())
                } else {
                    Err(SafetyRefused::NotTheReviewer)
                }
            }
            SafetyEvent::SafeContactSet { .. } => {
                if by.role.is_parent() || staff_on_case {
                    Ok(())
                } else {
                    Err(SafetyRefused::RoleMayNot(by.role))
                }
            }
            SafetyEvent::FamilySupportOffered { .. } => {
                if self.disclosures > 0 {
                    Err(SafetyRefused::AbuseDisclosed)
                } else if by.role.is_parent() || staff_on_case {
                    Ok(())
                } else {
                    Err(SafetyRefused::RoleMayNot(by.role))
                }
            }
            SafetyEvent::PlanStepTaken { .. }
            | SafetyEvent::Referred { .. }
            | SafetyEvent::Noted { .. } => {
                if staff_on_case {
                    Ok(())
                } else {
                    Err(SafetyRefused::RoleMayNot(by.role))
                }
            }
        }
    }
}

/// Why stored text is not a safety event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SafetyDecodeError(pub String);

impl fmt::Display for SafetyDecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a stored safety event cannot be read: {}", self.0)
    }
}

impl std::error::Error for SafetyDecodeError {}

fn party(code: &str) -> Result<Party, SafetyDecodeError> {
    match code {
        "paying_parent" => Ok(Party::PayingParent),
        "receiving_parent" => Ok(Party::ReceivingParent),
        other => Err(SafetyDecodeError(format!("no party `{other}`"))),
    }
}

const fn channel_code(channel: crate::Channel) -> &'static str {
    match channel {
        crate::Channel::Phone => "phone",
        crate::Channel::TextMessage => "text_message",
        crate::Channel::Email => "email",
        crate::Channel::Letter => "letter",
    }
}

/// The contact channel with this code.
#[must_use]
pub fn channel_from_code(code: &str) -> Option<crate::Channel> {
    [
        crate::Channel::Phone,
        crate::Channel::TextMessage,
        crate::Channel::Email,
        crate::Channel::Letter,
    ]
    .into_iter()
    .find(|c| channel_code(*c) == code)
}

const fn party_code(party: Party) -> &'static str {
    match party {
        Party::PayingParent => "paying_parent",
        Party::ReceivingParent => "receiving_parent",
    }
}

impl SafetyEvent {
    /// The kind and payload stored.
    #[must_use]
    pub fn encode(&self) -> (&'static str, String) {
        match self {
            SafetyEvent::Disclosed {
                by,
                immediate_danger,
                police_call_consented,
            } => (
                "disclosed",
                format!(
                    "by={};immediate_danger={immediate_danger};police_call={police_call_consented}",
                    party_code(*by)
                ),
            ),
            SafetyEvent::NamedCaseworkerAssigned { caseworker } => {
                ("named_caseworker", format!("person={}", caseworker.0))
            }
            SafetyEvent::DisclosuresReviewed => ("disclosures_reviewed", String::new()),
            SafetyEvent::RiskSet { level } => ("risk_set", format!("level={}", level.code())),
            SafetyEvent::PlanStepTaken { step, outcome } => (
                "plan_step",
                match outcome {
                    None => format!("step={}", step.code()),
                    Some(words) => {
                        format!("step={};outcome=+{}", step.code(), payload::escape(words))
                    }
                },
            ),
            SafetyEvent::Referred { recipient } => {
                ("referred", format!("recipient={}", recipient.code()))
            }
            SafetyEvent::Noted { what, party } => (
                "noted",
                format!("what={};party={}", what.code(), party_code(*party)),
            ),
            SafetyEvent::SafeContactSet {
                of,
                person,
                contact,
            } => (
                "safe_contact",
                format!(
                    "of={};person={};channels={};times={};no_voicemail={};no_letters={}",
                    party_code(*of),
                    person.0,
                    contact
                        .channels
                        .iter()
                        .map(|c| channel_code(*c))
                        .collect::<Vec<_>>()
                        .join(","),
                    contact
                        .safe_times
                        .as_deref()
                        .map_or(String::new(), |t| format!("+{}", payload::escape(t))),
                    contact.no_voicemail,
                    contact.no_letters_to_address
                ),
            ),
            SafetyEvent::FamilySupportOffered { offer, accepted } => (
                "family_support",
                format!(
                    "offer={};accepted={accepted}",
                    offer.replace([';', '='], "_")
                ),
            ),
        }
    }

    /// The event stored as `kind` and `payload`.
    ///
    /// # Errors
    /// An unknown kind or a bad value.
    pub fn decode(kind: &str, payload: &str) -> Result<SafetyEvent, SafetyDecodeError> {
        let fields = payload::fields(payload);
        let field = |name: &str| {
            fields
                .get(name)
                .copied()
                .ok_or_else(|| SafetyDecodeError(format!("`{kind}` has no `{name}`")))
        };
        let flag = |name: &str| match field(name)? {
            "true" => Ok(true),
            "false" => Ok(false),
            other => Err(SafetyDecodeError(format!("`{name}` is `{other}`"))),
        };
        Ok(match kind {
            "disclosed" => SafetyEvent::Disclosed {
                by: party(field("by")?)?,
                immediate_danger: flag("immediate_danger")?,
                police_call_consented: flag("police_call")?,
            },
            "named_caseworker" => SafetyEvent::NamedCaseworkerAssigned {
                caseworker: PersonId(
                    field("person")?
                        .parse()
                        .map_err(|_| SafetyDecodeError("person".to_owned()))?,
                ),
            },
            "disclosures_reviewed" => SafetyEvent::DisclosuresReviewed,
            "risk_set" => SafetyEvent::RiskSet {
                level: RiskLevel::from_code(field("level")?)
                    .ok_or_else(|| SafetyDecodeError("level".to_owned()))?,
            },
            "plan_step" => SafetyEvent::PlanStepTaken {
                step: PlanStep::from_code(field("step")?)
                    .ok_or_else(|| SafetyDecodeError("step".to_owned()))?,
                outcome: match fields.get("outcome") {
                    None => None,
                    Some(words) => Some(
                        words
                            .strip_prefix('+')
                            .map(payload::unescape)
                            .ok_or_else(|| SafetyDecodeError("outcome".to_owned()))?,
                    ),
                },
            },
            "safe_contact" => SafetyEvent::SafeContactSet {
                of: party(field("of")?)?,
                person: PersonId(
                    fields
                        .get("person")
                        .map_or(Ok(0), |p| p.parse())
                        .map_err(|_| SafetyDecodeError("person".to_owned()))?,
                ),
                contact: crate::ContactPreferences {
                    channels: field("channels")?
                        .split(',')
                        .filter(|c| !c.is_empty())
                        .map(|c| {
                            channel_from_code(c)
                                .ok_or_else(|| SafetyDecodeError(format!("channel `{c}`")))
                        })
                        .collect::<Result<_, _>>()?,
                    safe_times: field("times")?.strip_prefix('+').map(payload::unescape),
                    no_voicemail: flag("no_voicemail")?,
                    no_letters_to_address: flag("no_letters")?,
                },
            },
            "family_support" => SafetyEvent::FamilySupportOffered {
                offer: field("offer")?.to_owned(),
                accepted: flag("accepted")?,
            },
            "noted" => SafetyEvent::Noted {
                what: Noted::from_code(field("what")?)
                    .ok_or_else(|| SafetyDecodeError("what".to_owned()))?,
                party: party(field("party")?)?,
            },
            "referred" => SafetyEvent::Referred {
                recipient: crate::Recipient::from_code(field("recipient")?)
                    .ok_or_else(|| SafetyDecodeError("recipient".to_owned()))?,
            },
            other => {
                return Err(SafetyDecodeError(format!(
                    "`{other}` is not a safety event"
                )));
            }
        })
    }
}

/// Whether `person`, as `party` in a case, should be offered the screen
/// (again): never screened (on any of their cases: `records` are the
/// safety events of every case they are in), or a set moment of this case
/// came after their last screen (issue 5 §1: parents are asked again at set
/// moments: a change of service, a case reopened). `moments` are the days
/// those were recorded. Each person is screened for themselves: another
/// parent in the same role answering does not answer for them.
#[must_use]
pub fn screening_due(
    moments: &[Date],
    records: &[SafetyRecord],
    party: Party,
    person: PersonId,
) -> bool {
    let last_screen = records
        .iter()
        .filter(|r| match &r.event {
            SafetyEvent::SafeContactSet {
                of, person: whose, ..
            } => *whose == person || (*whose == PersonId(0) && *of == party),
            SafetyEvent::Disclosed { by, .. } => {
                *by == party && r.by.role.is_parent() && r.by.person == person
            }
            _ => false,
        })
        .map(|r| r.by.on)
        .max();
    match last_screen {
        None => true,
        Some(screened) => moments.iter().any(|moment| *moment > screened),
    }
}

impl SafetyState {
    /// A parent's safe contact preferences on this case: their own, or
    /// (from before people were told apart) those recorded for their role.
    #[must_use]
    pub fn contact_of(&self, party: Party, person: PersonId) -> Option<&crate::ContactPreferences> {
        self.contact
            .get(&(party, person))
            .or_else(|| self.contact.get(&(party, PersonId(0))))
    }
}
