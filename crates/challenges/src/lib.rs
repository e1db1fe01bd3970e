//! Challenging a decision (issue 16), pure: a mandatory reconsideration
//! asked for in time, late with a reason, or too late; who may work it;
//! its outcome and what the outcome changes; an appeal to the First-tier
//! Tribunal (Social Security and Child Support) and whom its response
//! bundle is for.
//!
//! A challenge is a parent's right. Nothing here decides anything adverse
//! about anyone: no state of a challenge leads to an action against the
//! parent who asked or the other parent. Free words (why, the reason for
//! lateness, the other parent's view, the caseworker's reasons) are not
//! held here at all: the shell seals them and keeps them beside the events.
//!
//! The time limits are dated, sourced data in `crates/legal-parameters/
//! challenges/time-limits.toml` ([`TimeLimits`]).

mod evidence;
mod limits;

use std::fmt;

use domain_types::Date;
use domain_types::payload;

pub use evidence::{EVIDENCE_MAX_BYTES, EvidenceError, MediaType, check, sniff, strip_metadata};
pub use limits::{Limits, TimeLimits};

/// The kinds of decision a parent may ask to be looked at again.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DecisionKind {
    /// A maintenance calculation (A91 s.11, or a supersession of one).
    Calculation,
    /// A decision on a variation (A91 s.28F).
    Variation,
    /// A default maintenance decision (A91 s.12(1), 2012 Regs reg 49).
    DefaultDecision,
    /// A collection or application fee (Child Support Fees Regulations 2014).
    Fee,
    /// An enforcement step (a deduction from earnings order, a liability
    /// order, …).
    EnforcementStep,
}

impl DecisionKind {
    /// Every kind.
    pub const ALL: [DecisionKind; 5] = [
        DecisionKind::Calculation,
        DecisionKind::Variation,
        DecisionKind::DefaultDecision,
        DecisionKind::Fee,
        DecisionKind::EnforcementStep,
    ];

    /// The code of the API and the store.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            DecisionKind::Calculation => "calculation",
            DecisionKind::Variation => "variation",
            DecisionKind::DefaultDecision => "default_decision",
            DecisionKind::Fee => "fee",
            DecisionKind::EnforcementStep => "enforcement_step",
        }
    }

    /// The kind with this code.
    #[must_use]
    pub fn from_code(code: &str) -> Option<DecisionKind> {
        DecisionKind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// In plain words, for a notice.
    #[must_use]
    pub const fn in_words(self) -> &'static str {
        match self {
            DecisionKind::Calculation => "the child maintenance calculation",
            DecisionKind::Variation => "the decision on a variation",
            DecisionKind::DefaultDecision => "the default maintenance decision",
            DecisionKind::Fee => "the decision on a fee",
            DecisionKind::EnforcementStep => "the enforcement step",
        }
    }

    /// Whether a revision of it changes what is due week by week (and so is
    /// recorded as corrected facts from the original decision's date).
    #[must_use]
    pub const fn sets_liability(self) -> bool {
        matches!(
            self,
            DecisionKind::Calculation | DecisionKind::Variation | DecisionKind::DefaultDecision
        )
    }
}

/// When a request arrived, against the limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timing {
    /// Within the time limit of 2012 Regs reg 14(1)(a).
    InTime,
    /// After it, within the outer limit (reg 15): accepted with a reason
    /// for lateness.
    Late,
    /// After the outer limit: refused.
    TooLate,
}

impl Timing {
    /// The stored code.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Timing::InTime => "in_time",
            Timing::Late => "late",
            Timing::TooLate => "too_late",
        }
    }

    /// The timing with this code.
    #[must_use]
    pub fn from_code(code: &str) -> Option<Timing> {
        [Timing::InTime, Timing::Late, Timing::TooLate]
            .into_iter()
            .find(|t| t.code() == code)
    }
}

/// The last day a request is in time, and the last day a late one can be
/// accepted, for a decision notified on `notified`.
#[must_use]
pub fn deadlines(notified: Date, limits: &Limits) -> (Date, Date) {
    let in_time = notified
        .add_days(i32::from(limits.reconsideration_days))
        .expect("dates of decisions are far from the end of the calendar");
    let outer = notified
        .add_months(i32::from(limits.late_outer_months))
        .expect("dates of decisions are far from the end of the calendar");
    (in_time, outer)
}

/// When a request asked on `asked` about a decision notified on `notified`
/// arrived. "Within 30 days after the date of notification" counts the day
/// after notification as the first [I]: day 30 is in time, day 31 late.
#[must_use]
pub fn timing(notified: Date, asked: Date, limits: &Limits) -> Timing {
    let (in_time, outer) = deadlines(notified, limits);
    if asked <= in_time {
        Timing::InTime
    } else if asked <= outer {
        Timing::Late
    } else {
        Timing::TooLate
    }
}

/// Why a request is refused; nothing is recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RequestRefused {
    /// The decision's notice is dated after the request.
    BeforeTheDecision {
        /// The notice's date.
        notified: Date,
    },
    /// No time limits are coded for the decision's date.
    NotCoded,
    /// Late, and no reason for lateness was given.
    LateWithoutReason {
        /// The last day it was in time.
        in_time_until: Date,
    },
    /// After the outer limit.
    TooLate {
        /// The last day a late request could be accepted.
        outer_limit: Date,
    },
}

impl fmt::Display for RequestRefused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RequestRefused::BeforeTheDecision { notified } => write!(
                f,
                "the decision was notified on {notified}, after today: check the decision's date"
            ),
            RequestRefused::NotCoded => {
                write!(f, "no time limits are coded for the decision's date")
            }
            RequestRefused::LateWithoutReason { in_time_until } => write!(
                f,
                "the time to ask ended on {in_time_until}; we can still look at it if you tell us why you are asking now (late_reason)"
            ),
            RequestRefused::TooLate { outer_limit } => write!(
                f,
                "a decision can be looked at again only if asked by {outer_limit} (13 months after its notice); you can still tell us about a change from now on"
            ),
        }
    }
}

/// Checks a request asked on `asked` about a decision notified on
/// `notified`: in time; late with a reason; otherwise refused.
///
/// # Errors
/// Why it is refused.
pub fn check_request(
    notified: Date,
    asked: Date,
    has_late_reason: bool,
    limits: &TimeLimits,
) -> Result<Timing, RequestRefused> {
    if notified > asked {
        return Err(RequestRefused::BeforeTheDecision { notified });
    }
    let limits = limits.at(notified).ok_or(RequestRefused::NotCoded)?;
    let (in_time_until, outer_limit) = deadlines(notified, limits);
    match timing(notified, asked, limits) {
        Timing::InTime => Ok(Timing::InTime),
        Timing::Late if has_late_reason => Ok(Timing::Late),
        Timing::Late => Err(RequestRefused::LateWithoutReason { in_time_until }),
        Timing::TooLate => Err(RequestRefused::TooLate { outer_limit }),
    }
}

/// The last day to appeal to the First-tier Tribunal after a mandatory
/// reconsideration notice sent on `notice_sent`.
#[must_use]
pub fn appeal_deadline(notice_sent: Date, limits: &Limits) -> Date {
    notice_sent
        .add_months(i32::from(limits.appeal_months))
        .expect("dates of notices are far from the end of the calendar")
}

/// The outcome of a reconsideration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The decision is changed as asked: corrected from its own date.
    Revised,
    /// Changed in part: corrected from its own date, in part.
    PartlyRevised,
    /// Not changed.
    NotRevised,
}

impl Outcome {
    /// The code of the API and the store.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Outcome::Revised => "revised",
            Outcome::PartlyRevised => "partly_revised",
            Outcome::NotRevised => "not_revised",
        }
    }

    /// The outcome with this code.
    #[must_use]
    pub fn from_code(code: &str) -> Option<Outcome> {
        [
            Outcome::Revised,
            Outcome::PartlyRevised,
            Outcome::NotRevised,
        ]
        .into_iter()
        .find(|o| o.code() == code)
    }

    /// In plain words.
    #[must_use]
    pub const fn in_words(self) -> &'static str {
        match self {
            Outcome::Revised => "We have changed the decision",
            Outcome::PartlyRevised => "We have changed part of the decision",
            Outcome::NotRevised => "We have not changed the decision",
        }
    }

    /// Whether it changes the decision (corrected facts take effect from
    /// the original decision's date: 2012 Regs reg 16, a revision takes
    /// effect from the date of the decision revised).
    #[must_use]
    pub const fn changes_the_decision(self) -> bool {
        !matches!(self, Outcome::NotRevised)
    }
}

/// Which parent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Parent {
    /// The paying parent.
    Paying,
    /// The receiving parent.
    Receiving,
}

impl Parent {
    /// The stored code.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Parent::Paying => "paying_parent",
            Parent::Receiving => "receiving_parent",
        }
    }

    /// The parent with this code.
    #[must_use]
    pub fn from_code(code: &str) -> Option<Parent> {
        [Parent::Paying, Parent::Receiving]
            .into_iter()
            .find(|p| p.code() == code)
    }

    /// The other one.
    #[must_use]
    pub const fn other(self) -> Parent {
        match self {
            Parent::Paying => Parent::Receiving,
            Parent::Receiving => Parent::Paying,
        }
    }
}

/// Whom an appeal response bundle is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Recipient {
    /// The tribunal: complete, marked for what must not be passed on.
    Tribunal,
    /// A parent: withholding what locates anyone protected from them.
    Parent(Parent),
}

impl Recipient {
    /// The code (`?for=`).
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Recipient::Tribunal => "tribunal",
            Recipient::Parent(parent) => parent.code(),
        }
    }

    /// The recipient with this code.
    #[must_use]
    pub fn from_code(code: &str) -> Option<Recipient> {
        if code == "tribunal" {
            Some(Recipient::Tribunal)
        } else {
            Parent::from_code(code).map(Recipient::Parent)
        }
    }
}

/// Something that happened to a challenge. Words are kept beside the
/// event by the shell (sealed); `words` says only whether there are any.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChallengeEvent {
    /// A parent asked.
    Asked {
        /// Who asked.
        by: Parent,
        /// Which kind of decision.
        decision: DecisionKind,
        /// The decision's notice's date.
        notified: Date,
        /// Who made the decision (staff person), if known: they may not
        /// work the challenge.
        decided_by: Option<u64>,
        /// In time or late.
        timing: Timing,
    },
    /// The other parent sent their view.
    ViewSent {
        /// Who.
        by: Parent,
    },
    /// A file of evidence was added (its id).
    EvidenceAdded {
        /// Who sent it.
        by: Parent,
        /// The file's id.
        evidence: String,
    },
    /// A caseworker decided it.
    Decided {
        /// The outcome.
        outcome: Outcome,
        /// The caseworker.
        by: u64,
    },
    /// A parent appealed to the First-tier Tribunal.
    Appealed {
        /// Who.
        by: Parent,
        /// After the appeal deadline (the tribunal decides whether to
        /// admit it; the service never refuses to send it on).
        late: bool,
    },
    /// A bundle was given to someone.
    BundleSent {
        /// To whom.
        to: Recipient,
    },
}

/// Why an event cannot happen to a challenge now; nothing is recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refused {
    /// The first event must be the request, and only the first.
    NotAsked,
    /// Already decided: no more views or evidence, no second outcome.
    AlreadyDecided,
    /// The caseworker made the decision challenged.
    SameDecisionMaker,
    /// The view must come from the other parent.
    NotTheOtherParent,
    /// Not decided yet: there is nothing to appeal.
    NotDecidedYet,
    /// Already appealed.
    AlreadyAppealed,
    /// No appeal yet: there is no bundle to send.
    NotAppealed,
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Refused::NotAsked => "a challenge starts with a parent's request, once",
            Refused::AlreadyDecided => "this challenge has been decided already",
            Refused::SameDecisionMaker => {
                "the decision must be looked at again by a caseworker other than the one who made it"
            }
            Refused::NotTheOtherParent => {
                "the parent who asked has given their reasons; a view comes from the other parent"
            }
            Refused::NotDecidedYet => {
                "the reconsideration has not been decided yet; an appeal follows its notice"
            }
            Refused::AlreadyAppealed => "this decision has been appealed already",
            Refused::NotAppealed => "there is no appeal, so no response bundle",
        })
    }
}

/// Where a challenge stands, folded from its events.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Challenge {
    /// Who asked.
    pub asked_by: Parent,
    /// Which decision.
    pub decision: DecisionKind,
    /// Its notice's date.
    pub notified: Date,
    /// Who made it.
    pub decided_by: Option<u64>,
    /// In time or late.
    pub timing: Timing,
    /// Whether the other parent has sent a view.
    pub view_sent: bool,
    /// Evidence files, in order.
    pub evidence: Vec<String>,
    /// The outcome and who decided, once decided.
    pub outcome: Option<(Outcome, u64)>,
    /// The appeal, once made: who and whether late.
    pub appeal: Option<(Parent, bool)>,
    /// Bundles sent, in order.
    pub bundles: Vec<Recipient>,
}

/// Where it stands, in words for a parent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Asked; waiting for a caseworker.
    Asked,
    /// Decided: the notice has been sent.
    Decided(Outcome),
    /// Appealed to the tribunal.
    Appealed,
}

impl Stage {
    /// The code of the API.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Stage::Asked => "being_looked_at",
            Stage::Decided(outcome) => outcome.code(),
            Stage::Appealed => "appealed",
        }
    }
}

impl Challenge {
    /// The challenge its events make.
    ///
    /// # Errors
    /// Events out of order (the first not a request, …).
    pub fn from_events(events: &[ChallengeEvent]) -> Result<Challenge, Refused> {
        let mut events = events.iter();
        let Some(ChallengeEvent::Asked {
            by,
            decision,
            notified,
            decided_by,
            timing,
        }) = events.next()
        else {
            return Err(Refused::NotAsked);
        };
        let mut challenge = Challenge {
            asked_by: *by,
            decision: *decision,
            notified: *notified,
            decided_by: *decided_by,
            timing: *timing,
            view_sent: false,
            evidence: Vec::new(),
            outcome: None,
            appeal: None,
            bundles: Vec::new(),
        };
        for event in events {
            challenge.apply(event)?;
        }
        Ok(challenge)
    }

    /// Checks that `event` may happen now.
    ///
    /// # Errors
    /// Why it may not.
    pub fn check(&self, event: &ChallengeEvent) -> Result<(), Refused> {
        match event {
            ChallengeEvent::Asked { .. } => Err(Refused::NotAsked),
            ChallengeEvent::ViewSent { by } => {
                if self.outcome.is_some() {
                    Err(Refused::AlreadyDecided)
                } else if *by == self.asked_by {
                    Err(Refused::NotTheOtherParent)
                } else {
                    Ok(())
                }
            }
            ChallengeEvent::EvidenceAdded { .. } => {
                if self.outcome.is_some() {
                    Err(Refused::AlreadyDecided)
                } else {
                    Ok(())
                }
            }
            ChallengeEvent::Decided { by, .. } => {
                if self.outcome.is_some() {
                    Err(Refused::AlreadyDecided)
                } else if self.decided_by == Some(*by) {
                    Err(Refused::SameDecisionMaker)
                } else {
                    Ok(())
                }
            }
            ChallengeEvent::Appealed { .. } => {
                if self.outcome.is_none() {
                    Err(Refused::NotDecidedYet)
                } else if self.appeal.is_some() {
                    Err(Refused::AlreadyAppealed)
                } else {
                    Ok(())
                }
            }
            ChallengeEvent::BundleSent { .. } => {
                if self.appeal.is_none() {
                    Err(Refused::NotAppealed)
                } else {
                    Ok(())
                }
            }
        }
    }

    /// Applies `event` after checking it.
    ///
    /// # Errors
    /// As [`Challenge::check`].
    pub fn apply(&mut self, event: &ChallengeEvent) -> Result<(), Refused> {
        self.check(event)?;
        match event {
            ChallengeEvent::Asked { .. } => {}
            ChallengeEvent::ViewSent { .. } => self.view_sent = true,
            ChallengeEvent::EvidenceAdded { evidence, .. } => self.evidence.push(evidence.clone()),
            ChallengeEvent::Decided { outcome, by } => self.outcome = Some((*outcome, *by)),
            ChallengeEvent::Appealed { by, late } => self.appeal = Some((*by, *late)),
            ChallengeEvent::BundleSent { to } => self.bundles.push(*to),
        }
        Ok(())
    }

    /// Where it stands.
    #[must_use]
    pub fn stage(&self) -> Stage {
        match (self.appeal, self.outcome) {
            (Some(_), _) => Stage::Appealed,
            (None, Some((outcome, _))) => Stage::Decided(outcome),
            (None, None) => Stage::Asked,
        }
    }

    /// Whether `caseworker` may decide it: anyone but the decision's maker.
    #[must_use]
    pub fn may_work(&self, caseworker: u64) -> bool {
        self.decided_by != Some(caseworker)
    }
}

/// An event's stored kind and payload.
#[must_use]
pub fn encode(event: &ChallengeEvent) -> (&'static str, String) {
    match event {
        ChallengeEvent::Asked {
            by,
            decision,
            notified,
            decided_by,
            timing,
        } => (
            "asked",
            format!(
                "by={};decision={};notified={notified};decided_by={};timing={};",
                by.code(),
                decision.code(),
                decided_by.map(|p| p.to_string()).unwrap_or_default(),
                timing.code()
            ),
        ),
        ChallengeEvent::ViewSent { by } => ("view_sent", format!("by={};", by.code())),
        ChallengeEvent::EvidenceAdded { by, evidence } => (
            "evidence_added",
            format!("by={};evidence={};", by.code(), payload::escape(evidence)),
        ),
        ChallengeEvent::Decided { outcome, by } => {
            ("decided", format!("outcome={};by={by};", outcome.code()))
        }
        ChallengeEvent::Appealed { by, late } => {
            ("appealed", format!("by={};late={late};", by.code()))
        }
        ChallengeEvent::BundleSent { to } => ("bundle_sent", format!("to={};", to.code())),
    }
}

/// The event a stored kind and payload hold.
///
/// # Errors
/// What could not be read.
pub fn decode(kind: &str, text: &str) -> Result<ChallengeEvent, String> {
    let fields = payload::fields(text);
    let get = |key: &str| {
        fields
            .get(key)
            .copied()
            .ok_or_else(|| format!("{kind}: no `{key}`"))
    };
    let parent = |key: &str| {
        get(key).and_then(|c| Parent::from_code(c).ok_or_else(|| format!("{kind}: `{key}` {c}")))
    };
    Ok(match kind {
        "asked" => ChallengeEvent::Asked {
            by: parent("by")?,
            decision: DecisionKind::from_code(get("decision")?)
                .ok_or_else(|| "asked: decision".to_owned())?,
            notified: Date::parse_iso(get("notified")?).map_err(|e| e.to_string())?,
            decided_by: match get("decided_by")? {
                "" => None,
                person => Some(person.parse().map_err(|_| "asked: decided_by".to_owned())?),
            },
            timing: Timing::from_code(get("timing")?).ok_or_else(|| "asked: timing".to_owned())?,
        },
        "view_sent" => ChallengeEvent::ViewSent { by: parent("by")? },
        "evidence_added" => ChallengeEvent::EvidenceAdded {
            by: parent("by")?,
            evidence: payload::unescape(get("evidence")?),
        },
        "decided" => ChallengeEvent::Decided {
            outcome: Outcome::from_code(get("outcome")?)
                .ok_or_else(|| "decided: outcome".to_owned())?,
            by: get("by")?.parse().map_err(|_| "decided: by".to_owned())?,
        },
        "appealed" => ChallengeEvent::Appealed {
            by: parent("by")?,
            late: get("late")? == "true",
        },
        "bundle_sent" => ChallengeEvent::BundleSent {
            to: Recipient::from_code(get("to")?).ok_or_else(|| "bundle_sent: to".to_owned())?,
        },
        other => return Err(format!("unknown challenge event `{other}`")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(iso: &str) -> Date {
        Date::parse_iso(iso).unwrap()
    }

    #[test]
    fn thirty_days_in_time_then_late_with_a_reason_up_to_thirteen_months() {
        let limits = TimeLimits::embedded();
        let notified = day("2026-06-01");
        // Day 30 after notification is the last in time.
        assert_eq!(
            check_request(notified, day("2026-07-01"), false, limits),
            Ok(Timing::InTime)
        );
        assert_eq!(
            check_request(notified, day("2026-07-02"), false, limits),
            Err(RequestRefused::LateWithoutReason {
                in_time_until: day("2026-07-01")
            })
        );
        assert_eq!(
            check_request(notified, day("2026-07-02"), true, limits),
            Ok(Timing::Late)
        );
        assert_eq!(
            check_request(notified, day("2027-07-01"), true, limits),
            Ok(Timing::Late)
        );
        assert_eq!(
            check_request(notified, day("2027-07-02"), true, limits),
            Err(RequestRefused::TooLate {
                outer_limit: day("2027-07-01")
            })
        );
        assert_eq!(
            check_request(notified, day("2026-05-31"), false, limits),
            Err(RequestRefused::BeforeTheDecision { notified })
        );
        assert_eq!(
            check_request(day("2011-01-01"), day("2011-01-02"), false, limits),
            Err(RequestRefused::NotCoded)
        );
    }

    #[test]
    fn an_appeal_is_due_a_month_after_the_notice() {
        let limits = TimeLimits::embedded().at(day("2026-06-01")).unwrap();
        assert_eq!(
            appeal_deadline(day("2026-01-31"), limits),
            day("2026-02-28")
        );
    }

    fn asked() -> ChallengeEvent {
        ChallengeEvent::Asked {
            by: Parent::Paying,
            decision: DecisionKind::Calculation,
            notified: day("2026-06-01"),
            decided_by: Some(17),
            timing: Timing::InTime,
        }
    }

    #[test]
    fn another_caseworker_decides_then_a_parent_may_appeal_once() {
        let mut challenge = Challenge::from_events(&[asked()]).unwrap();
        assert_eq!(challenge.stage(), Stage::Asked);
        assert_eq!(
            challenge.check(&ChallengeEvent::ViewSent { by: Parent::Paying }),
            Err(Refused::NotTheOtherParent)
        );
        challenge
            .apply(&ChallengeEvent::ViewSent {
                by: Parent::Receiving,
            })
            .unwrap();
        assert_eq!(
            challenge.check(&ChallengeEvent::Appealed {
                by: Parent::Paying,
                late: false
            }),
            Err(Refused::NotDecidedYet)
        );
        assert!(!challenge.may_work(17));
        assert_eq!(
            challenge.check(&ChallengeEvent::Decided {
                outcome: Outcome::Revised,
                by: 17
            }),
            Err(Refused::SameDecisionMaker)
        );
        challenge
            .apply(&ChallengeEvent::Decided {
                outcome: Outcome::NotRevised,
                by: 40,
            })
            .unwrap();
        assert_eq!(challenge.stage(), Stage::Decided(Outcome::NotRevised));
        assert_eq!(
            challenge.check(&ChallengeEvent::Decided {
                outcome: Outcome::Revised,
                by: 41
            }),
            Err(Refused::AlreadyDecided)
        );
        assert_eq!(
            challenge.check(&ChallengeEvent::BundleSent {
                to: Recipient::Tribunal
            }),
            Err(Refused::NotAppealed)
        );
        challenge
            .apply(&ChallengeEvent::Appealed {
                by: Parent::Paying,
                late: false,
            })
            .unwrap();
        assert_eq!(challenge.stage(), Stage::Appealed);
        assert_eq!(
            challenge.check(&ChallengeEvent::Appealed {
                by: Parent::Receiving,
                late: false
            }),
            Err(Refused::AlreadyAppealed)
        );
        challenge
            .apply(&ChallengeEvent::BundleSent {
                to: Recipient::Tribunal,
            })
            .unwrap();
    }

    #[test]
    fn events_read_back_as_written() {
        for event in [
            asked(),
            ChallengeEvent::Asked {
                by: Parent::Receiving,
                decision: DecisionKind::EnforcementStep,
                notified: day("2026-01-02"),
                decided_by: None,
                timing: Timing::Late,
            },
            ChallengeEvent::ViewSent {
                by: Parent::Receiving,
            },
            ChallengeEvent::EvidenceAdded {
                by: Parent::Paying,
                evidence: "ev;1=2".to_owned(),
            },
            ChallengeEvent::Decided {
                outcome: Outcome::PartlyRevised,
                by: 40,
            },
            ChallengeEvent::Appealed {
                by: Parent::Receiving,
                late: true,
            },
            ChallengeEvent::BundleSent {
                to: Recipient::Parent(Parent::Paying),
            },
        ] {
            let (kind, text) = encode(&event);
            assert_eq!(decode(kind, &text), Ok(event));
        }
        assert!(decode("asked", "by=paying_parent;").is_err());
    }

    #[test]
    fn only_decisions_that_set_liability_are_corrected_through_facts() {
        assert!(DecisionKind::Calculation.sets_liability());
        assert!(!DecisionKind::Fee.sets_liability());
        assert!(!Outcome::NotRevised.changes_the_decision());
        assert!(Outcome::PartlyRevised.changes_the_decision());
        for kind in DecisionKind::ALL {
            assert_eq!(DecisionKind::from_code(kind.code()), Some(kind));
        }
    }
}
