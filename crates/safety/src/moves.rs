//! Moving a case to Collect and Pay (issue 5 §3; Rec 1; rules.md §4): the
//! ordinary routes of A91 s.4(2A), and the route on evidence of abuse
//! without the other parent's consent (the 2023 Act), which is modelled
//! until commenced. The other parent is told only what they must be, in
//! neutral words; the survivor pays no collection fee.

use std::fmt;
use std::sync::OnceLock;

use serde::Deserialize;

use crate::Party;

const EVIDENCE: &str = include_str!("../data/abuse-evidence.toml");

/// One evidence type.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvidenceType {
    /// Its code.
    pub code: String,
    /// What it is.
    pub description: String,
}

/// The evidence list, as data.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvidenceList {
    /// What it is.
    pub description: String,
    /// `model` until the regulations are made.
    pub status: String,
    /// The provision.
    pub reference: String,
    /// What it is modelled on.
    pub source: String,
    /// A date, or "not commenced".
    pub in_force_from: String,
    /// The types.
    pub types: Vec<EvidenceType>,
}

impl EvidenceList {
    /// The list compiled into the binary.
    ///
    /// # Panics
    /// If the embedded file is invalid; the tests load it.
    pub fn embedded() -> &'static EvidenceList {
        static LIST: OnceLock<EvidenceList> = OnceLock::new();
        LIST.get_or_init(|| {
            toml::from_str(EVIDENCE)
                .unwrap_or_else(|e| panic!("embedded evidence list is invalid: {e}"))
        })
    }

    /// Whether the 2023 Act's route is law yet.
    #[must_use]
    pub fn commenced(&self) -> bool {
        self.in_force_from != "not commenced"
    }

    /// The evidence type with this code.
    #[must_use]
    pub fn get(&self, code: &str) -> Option<&EvidenceType> {
        self.types.iter().find(|t| t.code == code)
    }
}

/// How a move to Collect and Pay is asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MoveRoute {
    /// Both parents agree.
    BothAgree,
    /// The receiving parent asks and the paying parent agrees (s.4(2A)(a)).
    PayingParentAgrees,
    /// The paying parent is unlikely to pay without it (s.4(2A)(b)); after a
    /// missed payment on Direct Pay, only if they were told within the last
    /// 12 months that this would be considered (2009 Regs reg 3A).
    UnlikelyToPay {
        /// Whether that notice was given within the last 12 months.
        notice_given: bool,
    },
    /// On evidence of abuse of a prescribed kind, by either parent, without
    /// the other's agreement (the 2023 Act).
    AbuseEvidence {
        /// Who asks: the survivor.
        applicant: Party,
        /// The evidence's type code.
        evidence: String,
    },
}

/// The words the other parent is sent: neutral, the same whatever the
/// route, so it reveals nothing of why.
pub const NEUTRAL_NOTICE: &str = "From now on the Child Maintenance Service will collect and pass on child maintenance payments for this case. We will send you a new payment schedule. You do not need to do anything until you receive it.";

/// A move that may go ahead.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Move {
    /// Was the other parent's agreement asked? Never on the evidence route.
    pub other_parent_asked: bool,
    /// What the other parent is told.
    pub notice_to_other_parent: &'static str,
    /// The paying parent's 20% is waived (they are the survivor).
    pub paying_parent_fee_waived: bool,
    /// The receiving parent's 4% is waived (they are the survivor).
    pub receiving_parent_fee_waived: bool,
    /// The route was the 2023 Act's before commencement: modelled, not law.
    pub modelled: bool,
}

/// Why a move is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MoveRefused {
    /// On Direct Pay after a missed payment, the reg 3A notice must come first.
    NoticeNotGiven,
    /// The evidence is not of a prescribed kind.
    UnknownEvidence(String),
    /// The 2023 Act's route is not in force, and modelling was not asked for.
    NotInForce,
}

impl fmt::Display for MoveRefused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MoveRefused::NoticeNotGiven => f.write_str(
                "the paying parent must first be told that a move to Collect and Pay will be considered (reg 3A)",
            ),
            MoveRefused::UnknownEvidence(code) => {
                write!(f, "`{code}` is not evidence of a prescribed kind")
            }
            MoveRefused::NotInForce => f.write_str(
                "the move on evidence of abuse (2023 Act) is not yet in force; its regulations have not been made",
            ),
        }
    }
}

impl std::error::Error for MoveRefused {}

/// Decides whether a move may go ahead. `model_2023_act` lets the
/// evidence route run before commencement, clearly marked as modelled.
///
/// # Errors
/// The route's condition is not met.
pub fn decide_move(
    route: &MoveRoute,
    evidence: &EvidenceList,
    model_2023_act: bool,
) -> Result<Move, MoveRefused> {
    let ordinary = |asked| Move {
        other_parent_asked: asked,
        notice_to_other_parent: NEUTRAL_NOTICE,
        paying_parent_fee_waived: false,
        receiving_parent_fee_waived: false,
        modelled: false,
    };
    match route {
        MoveRoute::BothAgree | MoveRoute::PayingParentAgrees => Ok(ordinary(true)),
        MoveRoute::UnlikelyToPay { notice_given } => {
            if *notice_given {
                Ok(ordinary(false))
            } else {
                Err(MoveRefused::NoticeNotGiven)
            }
        }
        MoveRoute::AbuseEvidence {
            applicant,
            evidence: code,
        } => {
            if evidence.get(code).is_none() {
                return Err(MoveRefused::UnknownEvidence(code.clone()));
            }
            if !evidence.commenced() && !model_2023_act {
                return Err(MoveRefused::NotInForce);
            }
            Ok(Move {
                other_parent_asked: false,
                notice_to_other_parent: NEUTRAL_NOTICE,
                paying_parent_fee_waived: *applicant == Party::PayingParent,
                receiving_parent_fee_waived: *applicant == Party::ReceivingParent,
                modelled: !evidence.commenced(),
            })
        }
    }
}
