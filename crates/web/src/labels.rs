//! The words staff pages use for the domain's values: one place, so no
//! page shows a programmer's name (`BasicPlus`, `ReceivingParent(…)`), an
//! ISO date or an amount without its separators.
//!
//! Amounts are exact: pence in, pounds and pence out, by whole-number
//! division (no rounding is needed, as nothing is divided but by 100).

use case_records::{CaseState, Change, SegmentReason, Subject};
use maintenance_calculation::Rate;
use safety::{Party, PlanStep, RiskLevel, SafetyEvent};

pub(crate) use crate::html::long_date;

/// An amount in pence as GOV.UK writes money: `£26,592.00`, `-£1.50`.
#[must_use]
pub(crate) fn pounds(pence: i128) -> String {
    let sign = if pence < 0 { "-" } else { "" };
    let pence = pence.unsigned_abs();
    let whole = (pence / 100).to_string();
    let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    format!("{sign}£{grouped}.{:02}", pence % 100)
}

/// A stored code (`attachment_of_earnings`) as a sentence's words
/// (`Attachment of earnings`), for codes with no words of their own yet.
#[must_use]
pub(crate) fn sentence_of_code(code: &str) -> String {
    let words = code.replace('_', " ");
    let mut chars = words.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// How an enforcement step ended, or that it is in force.
#[must_use]
pub(crate) const fn step_outcome(outcome: ledger::StepOutcome) -> &'static str {
    match outcome {
        ledger::StepOutcome::InForce => "In force",
        ledger::StepOutcome::Complied => "Ended: paid, or paying again",
        ledger::StepOutcome::Unsuccessful => "Ended without recovering the debt",
        ledger::StepOutcome::Revoked => "Withdrawn or revoked",
    }
}

/// A risk level, as a caseworker says it.
#[must_use]
pub(crate) const fn risk(level: RiskLevel) -> &'static str {
    match level {
        RiskLevel::Standard => "Standard",
        RiskLevel::Raised => "Raised",
        RiskLevel::High => "High",
    }
}

/// A step of the Domestic Abuse Plan, in words.
#[must_use]
pub(crate) const fn plan_step(step: PlanStep) -> &'static str {
    match step {
        PlanStep::PoliceAdviceGiven => "Advice given on calling the police in an emergency",
        PlanStep::PoliceCalledForThem => "Police called for them",
        PlanStep::Signposted => "Told about support organisations",
        PlanStep::SafeContactAgreed => "Safe ways to contact them agreed",
        PlanStep::CollectAndPayOffered => "Collect and Pay offered",
        PlanStep::NonTraceablePaymentsAdvised => "Advised on payments that cannot be traced",
        PlanStep::NamedCaseworkerOffered => "A named caseworker offered",
    }
}

/// A case's state, in words.
#[must_use]
pub(crate) const fn case_state(state: CaseState) -> &'static str {
    match state {
        CaseState::Application => "Application: no calculation yet",
        CaseState::Calculation => "Calculation made: payments have not started",
        CaseState::Active => "Active: payments are due",
        CaseState::Suspended => "Suspended",
        CaseState::Closed => "Closed",
    }
}

/// A rate of the 2012 scheme, in words.
#[must_use]
pub(crate) const fn rate(rate: Rate) -> &'static str {
    match rate {
        Rate::Nil => "Nil rate",
        Rate::Flat => "Flat rate",
        Rate::Reduced => "Reduced rate",
        Rate::Basic => "Basic rate",
        Rate::BasicPlus => "Basic plus rate",
        Rate::Default => "Default maintenance decision",
    }
}

/// Why the weekly amount changed, in words.
#[must_use]
pub(crate) const fn segment_reason(reason: SegmentReason) -> &'static str {
    match reason {
        SegmentReason::Start => "the case started",
        SegmentReason::AnnualReview => "the annual review",
        SegmentReason::IncomeChangedByQuarterOrMore => "income changed by 25% or more",
        SegmentReason::Circumstances => "a change of circumstances",
        SegmentReason::LawChanged => "a figure in the law changed",
        SegmentReason::Ended => "the case ended",
    }
}

/// Whose details a row shows.
#[must_use]
pub(crate) fn subject(subject: Subject) -> String {
    match subject {
        Subject::PayingParent => "Paying parent".to_owned(),
        Subject::ReceivingParent(id) if id.0 <= 1 => "Receiving parent".to_owned(),
        Subject::ReceivingParent(id) => format!("Receiving parent {}", id.0),
        Subject::Child(id) => format!("Child {}", id.0),
    }
}

/// A parent by role, after "the".
#[must_use]
pub(crate) const fn party(party: Party) -> &'static str {
    match party {
        Party::PayingParent => "the paying parent",
        Party::ReceivingParent => "the receiving parent",
    }
}

/// A fact recorded on the case, in words.
#[must_use]
pub(crate) fn change(change: &Change) -> String {
    match change {
        Change::Income(_) => "The paying parent's income".to_owned(),
        Change::Benefits { .. } => "The paying parent's benefits".to_owned(),
        Change::NilRateReason(_) => "A reason for the nil rate".to_owned(),
        Change::RelevantOtherChildren(n) => {
            format!("Other children living with the paying parent: {}", n.get())
        }
        Change::OtherArrangementChildren(n) => {
            format!("Children in other arrangements: {}", n.get())
        }
        Change::Variations(_) => "A variation".to_owned(),
        Change::ChildJoined { child, .. } => format!("Child {} joined the case", child.0),
        Change::ChildLeft { child } => format!("Child {} left the case", child.0),
        Change::SharedCare { child, nights } => format!(
            "Child {} stays {} nights a year with the paying parent",
            child.0,
            nights.get()
        ),
        Change::ServiceType(_) => "How maintenance is paid".to_owned(),
        Change::PaymentFrequency(_) => "How often payments are made".to_owned(),
        Change::CollectionFeeWaiver { .. } => "Collection fees waived".to_owned(),
        Change::CaseClosed => "The case closed".to_owned(),
        Change::CaseReopened => "The case opened again".to_owned(),
    }
}

/// A safety event, in words: never the details of a person.
#[must_use]
pub(crate) fn safety_event(event: &SafetyEvent) -> String {
    match event {
        SafetyEvent::Disclosed {
            by,
            immediate_danger,
            police_call_consented,
        } => {
            let mut words = format!("Abuse disclosed by {}", party(*by));
            if *immediate_danger {
                words.push_str(", in immediate danger");
            }
            if *police_call_consented {
                words.push_str(", asked us to call the police");
            }
            words
        }
        SafetyEvent::NamedCaseworkerAssigned { caseworker } => {
            format!("Named caseworker: staff {}", caseworker.0)
        }
        SafetyEvent::DisclosuresReviewed => "Disclosures reviewed".to_owned(),
        SafetyEvent::RiskSet { level } => format!("Risk set to {}", risk(*level).to_lowercase()),
        SafetyEvent::PlanStepTaken { step, .. } => {
            format!("Domestic Abuse Plan step done: {}", plan_step(*step))
        }
        SafetyEvent::FamilySupportOffered { accepted, .. } => if *accepted {
            "Family support offered and taken up"
        } else {
            "Family support offered"
        }
        .to_owned(),
        SafetyEvent::SafeContactSet { of, .. } => {
            format!("Safe contact set for {}", party(*of))
        }
        SafetyEvent::Noted { what, party: who } => {
            let what = match what {
                safety::Noted::Allegation => "An allegation",
                safety::Noted::AllegationWithdrawn => "An allegation withdrawn",
                safety::Noted::Challenge => "A decision challenged",
                safety::Noted::ChangeReported => "A change reported",
                safety::Noted::ContactDay => "A contact day",
            };
            format!("Noted: {what}, {}", party(*who))
        }
        SafetyEvent::Referred { recipient } => match recipient {
            safety::Recipient::Police => "Referred to the police".to_owned(),
            _ => "Referred to the Crown Prosecution Service".to_owned(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_have_separators_and_exact_pence() {
        assert_eq!(pounds(2_659_200), "£26,592.00");
        assert_eq!(pounds(0), "£0.00");
        assert_eq!(pounds(5), "£0.05");
        assert_eq!(pounds(99_999), "£999.99");
        assert_eq!(pounds(100_000), "£1,000.00");
        assert_eq!(pounds(12_345_678_901), "£123,456,789.01");
        assert_eq!(pounds(-150), "-£1.50");
        assert_eq!(pounds(-100_000_000), "-£1,000,000.00");
    }

    #[test]
    fn dates_are_written_as_gov_uk_writes_them() {
        let day = domain_types::Date::parse_iso("2024-02-26").unwrap();
        assert_eq!(long_date(day), "26 February 2024");
    }

    #[test]
    fn no_label_is_a_programmer_name() {
        for rate_ in [
            Rate::Nil,
            Rate::Flat,
            Rate::Reduced,
            Rate::Basic,
            Rate::BasicPlus,
        ] {
            assert!(!rate(rate_).contains("Plus") && rate(rate_).contains(' '));
        }
        assert_eq!(rate(Rate::BasicPlus), "Basic plus rate");
        assert_eq!(
            subject(Subject::ReceivingParent(case_records::ReceivingParentId(1))),
            "Receiving parent"
        );
        assert_eq!(
            subject(Subject::ReceivingParent(case_records::ReceivingParentId(2))),
            "Receiving parent 2"
        );
        assert_eq!(
            segment_reason(SegmentReason::Circumstances),
            "a change of circumstances"
        );
        for step in PlanStep::ALL {
            assert!(!plan_step(step).contains('_'));
        }
        assert_eq!(
            safety_event(&SafetyEvent::Disclosed {
                by: Party::ReceivingParent,
                immediate_danger: true,
                police_call_consented: true
            }),
            "Abuse disclosed by the receiving parent, in immediate danger, asked us to call the police"
        );
    }
}
