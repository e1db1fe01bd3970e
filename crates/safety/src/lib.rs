//! Safety rules, pure.
//!
//! Financial coercion detection (issue 5 §5; seed 003 §25–28, Rec 2; seed
//! 002 "paying too little or too late"): rules over a case's payments and
//! events, for both parents, each giving a [`Signal`] with its explanation
//! and evidence for a caseworker's queue. A signal is information: the type
//! has no field that could carry a decision, and nothing here acts on a
//! case. The thresholds are data (`data/coercion-signals.toml`), marked as
//! the service's assumptions.
//!
//! The safe application screen ([`Screening`]), signposting as data
//! ([`Signposting`]), and moves to Collect and Pay, including on evidence of
//! abuse without the other parent's consent ([`decide_move`]).

mod casework;
mod coercion;
mod moves;
mod protection;
mod referral;
mod screening;
mod signposting;

pub use casework::{
    Noted, PlanStep, Recorder, RiskLevel, SafetyDecodeError, SafetyEvent, SafetyRecord,
    SafetyRefused, SafetyState, channel_from_code, noted_events, screening_due,
};
pub use coercion::{CaseEvent, Evidence, Party, Signal, SignalKind, Thresholds, scan, scan_into};
pub use moves::{
    EvidenceList, EvidenceType, Move, MoveRefused, MoveRoute, NEUTRAL_NOTICE, decide_move,
};
pub use protection::{
    Protection, ProtectionCause, ProtectionDecodeError, ProtectionEvent, ProtectionRecord,
    ProtectionRefused,
};
pub use referral::{Recipient, ReferralPack, WITHHELD, referral_pack};
pub use screening::{
    ABUSE_QUESTION, AbuseAnswer, Answer, Channel, ContactPreferences, FamilySupport, HoldReason,
    LEGAL_WARNING, OutOfOrder, Outcome, PostalDelivery, Question, Screening, Step,
    family_support_offer, postal_delivery,
};
pub use signposting::{Audience, Emergency, Organisation, Signposting};
