//! Referral packs (issue 5 §5; seed 003 §26–27): when a caseworker refers
//! suspected financial coercion to the police or the Crown Prosecution
//! Service, the pack holds the timeline, the payment history and the
//! signals, with every protected detail (anyone's address, postcode,
//! phone, email, employer, bank) withheld wherever it appears, even inside
//! a payer's own words.

use case_records::Locators;
use domain_types::Date;

use crate::{CaseEvent, Evidence, Signal};

/// Who a referral goes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Recipient {
    /// The police.
    Police,
    /// The Crown Prosecution Service.
    CrownProsecutionService,
}

impl Recipient {
    /// The stored code.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Recipient::Police => "police",
            Recipient::CrownProsecutionService => "cps",
        }
    }

    /// The recipient's name.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Recipient::Police => "the police",
            Recipient::CrownProsecutionService => "the Crown Prosecution Service",
        }
    }

    /// The recipient with this code.
    #[must_use]
    pub fn from_code(code: &str) -> Option<Recipient> {
        [Recipient::Police, Recipient::CrownProsecutionService]
            .into_iter()
            .find(|r| r.code() == code)
    }
}

/// A referral pack.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReferralPack {
    /// To whom.
    pub recipient: Recipient,
    /// The case, by its opaque reference.
    pub case_reference: String,
    /// When prepared.
    pub prepared_on: Date,
    /// The signals, with their evidence, protected details withheld.
    pub signals: Vec<Signal>,
    /// Every event, in order, protected details withheld.
    pub timeline: Vec<Evidence>,
}

/// What replaces a protected detail: the one marker of the one redaction
/// path (`case_records::Locators`).
pub use case_records::WITHHELD;

fn describe(event: &CaseEvent) -> String {
    match event {
        CaseEvent::Due { amount, .. } => format!("{amount} fell due"),
        CaseEvent::Payment { amount, words, .. } => match words {
            Some(words) => format!("payment of {amount} with the reference \"{words}\""),
            None => format!("payment of {amount}"),
        },
        CaseEvent::ChangeReported { by, .. } => format!("{by:?} reported a change"),
        CaseEvent::DecisionChallenged { by, .. } => format!("{by:?} challenged a decision"),
        CaseEvent::AllegationMade { by, .. } => format!("{by:?} made an allegation"),
        CaseEvent::AllegationWithdrawn { by, .. } => format!("{by:?} withdrew an allegation"),
        CaseEvent::ContactDay { .. } => "contact day".to_owned(),
    }
}

/// Builds the pack: the signals and the whole timeline, with every
/// locating detail of everyone in the case withheld, in every form it may
/// be typed, and anything shaped like a location besides.
#[must_use]
pub fn referral_pack(
    recipient: Recipient,
    case_reference: &str,
    prepared_on: Date,
    signals: &[Signal],
    events: &[CaseEvent],
    protected: &Locators,
) -> ReferralPack {
    let clean = |evidence: &Evidence| Evidence {
        on: evidence.on,
        what: protected.withhold(&evidence.what),
    };
    ReferralPack {
        recipient,
        case_reference: case_reference.to_owned(),
        prepared_on,
        signals: signals
            .iter()
            .map(|signal| Signal {
                kind: signal.kind,
                party: signal.party,
                explanation: protected.withhold(&signal.explanation),
                evidence: signal.evidence.iter().map(clean).collect(),
            })
            .collect(),
        timeline: events
            .iter()
            .map(|event| {
                clean(&Evidence {
                    on: event.on(),
                    what: describe(event),
                })
            })
            .collect(),
    }
}
