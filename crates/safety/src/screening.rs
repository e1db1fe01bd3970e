//! The safe application screen (issue 5 §1; seed 003 §12 and §31 with
//! footnote 13; seed 000), as a state machine: the legal warning first,
//! then to every applicant, paying or receiving, whether they have
//! experienced or witnessed domestic abuse (no evidence asked); on a yes,
//! whether they are in immediate danger now, and if so the journey stops
//! with the police advice and the offer to call the police for them; then
//! how and when it is safe to contact them.
//!
//! Questions come in one order only: an answer to any other question is
//! refused, so no journey can skip the warning or the danger question.

use std::fmt;

/// The legal warning, given before anything is asked (seed 003 footnote 13).
pub const LEGAL_WARNING: &str = "As we are asking for information under Child Support law, I have an obligation to advise you it is a criminal offence to fail to provide information when requested to do so, or to knowingly provide false information.";

/// The question about abuse: anyone, against them or their children,
/// reported to anyone or not (seed 003 §12).
pub const ABUSE_QUESTION: &str = "Have you experienced or witnessed domestic abuse, against you or your children, by anyone? It does not matter whether you have told anyone about it. You do not need to give us any evidence.";

/// A question of the screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Question {
    /// Acknowledge the legal warning.
    LegalWarning,
    /// Experienced or witnessed domestic abuse?
    ExperiencedAbuse,
    /// In immediate danger now?
    ImmediateDanger,
    /// May we call the police for you?
    PoliceCall,
    /// How and when is it safe to contact you?
    SafeContact,
}

/// An answer about abuse.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AbuseAnswer {
    /// Yes.
    Yes,
    /// No.
    No,
    /// They would rather not say: not a disclosure, and they can tell us
    /// at any time.
    PreferNotToSay,
}

/// A way to contact a parent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Channel {
    /// Phone calls.
    Phone,
    /// Text messages.
    TextMessage,
    /// Email.
    Email,
    /// Letters.
    Letter,
}

/// How and when it is safe to contact a parent.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ContactPreferences {
    /// The ways that are safe, in order of preference (none: only when they
    /// contact us).
    pub channels: Vec<Channel>,
    /// When it is safe to call, in their words ("weekdays 10–12").
    pub safe_times: Option<String>,
    /// Never leave a voicemail.
    pub no_voicemail: bool,
    /// Never send letters to the address we hold.
    pub no_letters_to_address: bool,
}

/// How a letter reaches a parent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PostalDelivery {
    /// Print and post it to the address held.
    Post,
    /// Do not post it: keep it for them to read when they sign in, and let
    /// a caseworker tell them by a way they said is safe.
    Hold(HoldReason),
}

/// Why a letter is not posted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HoldReason {
    /// They said letters must not go to the address held.
    NoLettersToAddress,
    /// They named safe ways to contact them, and letters are not one.
    LettersNotChosen,
    /// They asked to be contacted only when they contact the service.
    OnlyWhenTheyContactUs,
}

impl HoldReason {
    /// The reason, in words for the caseworker (never sent to anyone else).
    #[must_use]
    pub const fn in_words(self) -> &'static str {
        match self {
            HoldReason::NoLettersToAddress => "asked for no letters to the address held",
            HoldReason::LettersNotChosen => "did not choose letters as a safe way to contact them",
            HoldReason::OnlyWhenTheyContactUs => "asked to be contacted only when they contact us",
        }
    }
}

/// Whether a letter may be posted to a parent, from their safe contact
/// preferences (issue 5 §1: "no letters to this address"). With none given,
/// letters are posted, as to anyone. A held letter is never redirected to
/// another address: it waits for them online.
#[must_use]
pub fn postal_delivery(preferences: Option<&ContactPreferences>) -> PostalDelivery {
    let Some(preferences) = preferences else {
        return PostalDelivery::Post;
    };
    if preferences.no_letters_to_address {
        PostalDelivery::Hold(HoldReason::NoLettersToAddress)
    } else if preferences.channels.is_empty() {
        PostalDelivery::Hold(HoldReason::OnlyWhenTheyContactUs)
    } else if !preferences.channels.contains(&Channel::Letter) {
        PostalDelivery::Hold(HoldReason::LettersNotChosen)
    } else {
        PostalDelivery::Post
    }
}

/// An answer to the question asked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// The legal warning was given and understood.
    AcknowledgedLegalWarning,
    /// About abuse.
    ExperiencedAbuse(AbuseAnswer),
    /// In immediate danger now?
    ImmediateDanger(bool),
    /// Consent to the service calling the police on their behalf.
    PoliceCall(bool),
    /// Safe contact.
    SafeContact(ContactPreferences),
}

impl Answer {
    const fn question(&self) -> Question {
        match self {
            Answer::AcknowledgedLegalWarning => Question::LegalWarning,
            Answer::ExperiencedAbuse(_) => Question::ExperiencedAbuse,
            Answer::ImmediateDanger(_) => Question::ImmediateDanger,
            Answer::PoliceCall(_) => Question::PoliceCall,
            Answer::SafeContact(_) => Question::SafeContact,
        }
    }
}

/// An answer to a question that is not the one being asked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutOfOrder {
    /// The question being asked.
    pub expected: Option<Question>,
    /// The question answered.
    pub answered: Question,
}

impl fmt::Display for OutOfOrder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.expected {
            Some(expected) => write!(
                f,
                "the question now is {expected:?}, not {:?}",
                self.answered
            ),
            None => f.write_str("the screen is finished"),
        }
    }
}

impl std::error::Error for OutOfOrder {}

/// Where the screen stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// Ask this next.
    Ask(Question),
    /// Stop: the applicant is in immediate danger. Show the police advice
    /// (999, the silent route) and the signposting; if they consented, a
    /// caseworker calls the police for them now. The disclosure is
    /// recorded and routed to the specialist team all the same.
    StopInDanger {
        /// They asked the service to call the police for them.
        police_call_consented: bool,
    },
    /// Finished.
    Done(Outcome),
}

/// What the screen found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// The answer to the abuse question.
    pub answer: AbuseAnswer,
    /// Abuse was disclosed: the case goes to the domestic abuse specialist
    /// team's queue, its risk raised, in the same transaction; the
    /// application fee (where one applies on the day) is waived.
    pub disclosed: bool,
    /// How and when it is safe to contact them.
    pub contact: ContactPreferences,
}

/// The screen, answer by answer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Screening {
    answers: Vec<Answer>,
}

impl Screening {
    /// A screen not yet started.
    #[must_use]
    pub fn new() -> Screening {
        Screening::default()
    }

    /// The answers given, in order (to record).
    #[must_use]
    pub fn answers(&self) -> &[Answer] {
        &self.answers
    }

    /// What comes next.
    #[must_use]
    pub fn next(&self) -> Step {
        let mut said = AbuseAnswer::PreferNotToSay;
        for answer in &self.answers {
            match answer {
                Answer::ExperiencedAbuse(abuse) => said = *abuse,
                Answer::PoliceCall(consented) => {
                    return Step::StopInDanger {
                        police_call_consented: *consented,
                    };
                }
                Answer::SafeContact(contact) => {
                    return Step::Done(Outcome {
                        answer: said,
                        disclosed: said == AbuseAnswer::Yes,
                        contact: contact.clone(),
                    });
                }
                _ => {}
            }
        }
        Step::Ask(match self.answers.last() {
            None => Question::LegalWarning,
            Some(Answer::AcknowledgedLegalWarning) => Question::ExperiencedAbuse,
            Some(Answer::ExperiencedAbuse(AbuseAnswer::Yes)) => Question::ImmediateDanger,
            Some(Answer::ImmediateDanger(true)) => Question::PoliceCall,
            Some(_) => Question::SafeContact,
        })
    }

    /// Records an answer to the question being asked.
    ///
    /// # Errors
    /// The answer is to another question, or the screen has ended.
    pub fn answer(mut self, answer: Answer) -> Result<Screening, OutOfOrder> {
        let expected = match self.next() {
            Step::Ask(question) => Some(question),
            Step::StopInDanger { .. } | Step::Done(_) => None,
        };
        if expected != Some(answer.question()) {
            return Err(OutOfOrder {
                expected,
                answered: answer.question(),
            });
        }
        self.answers.push(answer);
        Ok(self)
    }
}

/// Support for parents in conflict where no abuse is disclosed (Rec 6).
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FamilySupport {
    /// Its code.
    pub code: String,
    /// Its name.
    pub name: String,
    /// What it offers.
    pub what: String,
    /// Where the details come from.
    pub source: String,
    /// How sure we are.
    pub confidence: String,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct FamilySupportList {
    #[allow(dead_code)]
    description: String,
    offers: Vec<FamilySupport>,
}

/// The family support offered after a screen: only when the answer was a
/// plain no. A yes goes to the specialist team instead, and "prefer not to
/// say" is not a negative screen, so nothing is offered on either.
///
/// # Panics
/// If the embedded list is invalid; the tests load it.
#[must_use]
pub fn family_support_offer(outcome: &Outcome) -> &'static [FamilySupport] {
    static LIST: std::sync::OnceLock<Vec<FamilySupport>> = std::sync::OnceLock::new();
    let list = LIST.get_or_init(|| {
        toml::from_str::<FamilySupportList>(include_str!("../data/family-support.toml"))
            .unwrap_or_else(|e| panic!("embedded family support list is invalid: {e}"))
            .offers
    });
    if outcome.answer == AbuseAnswer::No {
        list
    } else {
        &[]
    }
}

#[cfg(test)]
mod postal_tests {
    use super::*;

    fn with(channels: Vec<Channel>, no_letters: bool) -> ContactPreferences {
        ContactPreferences {
            channels,
            safe_times: None,
            no_voicemail: false,
            no_letters_to_address: no_letters,
        }
    }

    #[test]
    fn a_letter_is_posted_only_where_the_parent_has_not_said_otherwise() {
        use PostalDelivery::{Hold, Post};
        assert_eq!(postal_delivery(None), Post);
        assert_eq!(
            postal_delivery(Some(&with(vec![Channel::Letter, Channel::Email], false))),
            Post
        );
        assert_eq!(
            postal_delivery(Some(&with(vec![Channel::Letter], true))),
            Hold(HoldReason::NoLettersToAddress),
            "no letters to the address wins over letters being a channel"
        );
        assert_eq!(
            postal_delivery(Some(&with(vec![Channel::Email, Channel::Phone], false))),
            Hold(HoldReason::LettersNotChosen)
        );
        assert_eq!(
            postal_delivery(Some(&with(Vec::new(), false))),
            Hold(HoldReason::OnlyWhenTheyContactUs)
        );
    }
}
