//! Referral packs (issue 5 §5; seed 003 §26–27): when a caseworker refers
//! suspected financial coercion to the police or the Crown Prosecution
//! Service, the pack holds the timeline, the payment history and the
//! signals, with every protected detail (anyone's address, postcode,
//! phone, email, employer, bank) withheld wherever it appears, even inside
//! a payer's own words.

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

/// What replaces a protected detail.
pub const WITHHELD: &str = "[withheld]";

/// `text` with every protected detail replaced by [`WITHHELD`], ignoring
/// ASCII case, longest first so a postcode inside an address goes with it.
#[must_use]
pub fn withhold(text: &str, protected: &[String]) -> String {
    let mut tokens: Vec<&String> = protected.iter().filter(|t| !t.trim().is_empty()).collect();
    tokens.sort_by_key(|t| std::cmp::Reverse(t.len()));
    let mut out = text.to_owned();
    for token in tokens {
        let wanted = token.to_ascii_lowercase();
        // ASCII lower-casing keeps every byte where it was, so positions
        // found in the lowered copy are positions in the text; the search
        // resumes after each replacement, so it always ends.
        let mut from = 0;
        while let Some(found) = out.to_ascii_lowercase()[from..].find(&wanted) {
            let at = from + found;
            out.replace_range(at..at + wanted.len(), WITHHELD);
            from = at + WITHHELD.len();
        }
    }
    out
}

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
/// protected detail withheld.
#[must_use]
pub fn referral_pack(
    recipient: Recipient,
    case_reference: &str,
    prepared_on: Date,
    signals: &[Signal],
    events: &[CaseEvent],
    protected: &[String],
) -> ReferralPack {
    let clean = |evidence: &Evidence| Evidence {
        on: evidence.on,
        what: withhold(&evidence.what, protected),
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
                explanation: withhold(&signal.explanation, protected),
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
