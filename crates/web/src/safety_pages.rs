//! The safety steps as staff pages (issue 14): review the disclosures, set
//! the risk, become or name the case's named caseworker, record a Domestic
//! Abuse Plan step, and propose or approve lifting a person's protection.
//! Each is a GOV.UK question page at `/work/cases/{reference}/safety/{step}`
//! (GET the form; POST it; a refusal shows the form again with the error
//! summary and the answers kept; success goes back to the case page with a
//! banner saying what was done).
//!
//! Nothing is decided here: the events are recorded by
//! `casework::record` and `protection::record`, the API's own functions,
//! which check them against `safety::SafetyState::check` and
//! `safety::Protection::check` and write them with their audit entry (and
//! the work items they close) in one transaction. The page asks the same
//! rules first only to answer someone who may not with a 403 page instead
//! of a form.

// A refused request is answered with its `Response` straight away.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use case_records::{CaseReference, PersonId, Role};
use safety::{
    PlanStep, Protection, ProtectionEvent, Recorder, RiskLevel, SafetyEvent, SafetyRecord,
    SafetyRefused, SafetyState,
};

use crate::AppState;
use crate::cases::{Staff, storage_failure};
use crate::html::{self, Button, Input, Markup, Radios, escape};
use crate::labels;
use crate::pages::{Page, respond};

/// The steps, by the last part of their address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Step {
    Review,
    Risk,
    NamedCaseworker,
    Plan,
    ProposeLift,
    ApproveLift,
}

impl Step {
    const ALL: [Step; 6] = [
        Step::Review,
        Step::Risk,
        Step::NamedCaseworker,
        Step::Plan,
        Step::ProposeLift,
        Step::ApproveLift,
    ];

    pub(crate) const fn slug(self) -> &'static str {
        match self {
            Step::Review => "review",
            Step::Risk => "risk",
            Step::NamedCaseworker => "named-caseworker",
            Step::Plan => "plan-step",
            Step::ProposeLift => "lift-protection",
            Step::ApproveLift => "approve-lift",
        }
    }

    fn from_slug(slug: &str) -> Option<Step> {
        Step::ALL.into_iter().find(|s| s.slug() == slug)
    }

    /// The page's heading.
    pub(crate) const fn title(self) -> &'static str {
        match self {
            Step::Review => "Review the disclosures",
            Step::Risk => "Set the risk",
            Step::NamedCaseworker => "Name the caseworker",
            Step::Plan => "Record a Domestic Abuse Plan step",
            Step::ProposeLift => "Propose lifting protection",
            Step::ApproveLift => "Approve lifting protection",
        }
    }
}

/// What the case page's banner says after a step, by the code in its
/// address (`?done=`): fixed words, never anything typed.
pub(crate) fn done_words(code: &str) -> Option<&'static str> {
    Some(match code {
        "disclosures_reviewed" => "The disclosures are recorded as reviewed",
        "risk_set" => "The risk is set",
        "named_caseworker" => "The named caseworker is recorded",
        "plan_step" => "The Domestic Abuse Plan step is recorded as done",
        "lift_proposed" => "Lifting protection is proposed: a second specialist must approve it",
        "lift_approved" => "Protection is lifted. The person is told on their account",
        "change_recorded" => "The change is recorded",
        "calculation_made" => "The calculation is made",
        "payments_held" => "Payments to the receiving parent are held",
        "payments_released" => "Payments to the receiving parent are released",
        "request_dealt_with" => "The request is marked as dealt with",
        "moved" => "The case is moving to Collect and Pay",
        "enforcement_proposed" => "The enforcement step is proposed",
        "enforcement_reviewed" => "The specialist review of the enforcement step is recorded",
        "enforcement_approved" => "The enforcement step is approved",
        "work_claimed" => "The work item is yours",
        "work_completed" => "The work item is done",
        "work_returned" => "The work item is back in the queue",
        _ => return None,
    })
}

/// The GOV.UK success banner for a step done, if the code is one of ours.
pub(crate) fn done_banner(code: &str) -> Option<Markup> {
    let words = done_words(code)?;
    Some(Markup::trusted(format!(
        "<div class=\"govuk-notification-banner govuk-notification-banner--success\" role=\"alert\" aria-labelledby=\"done-title\" data-module=\"govuk-notification-banner\">\n<div class=\"govuk-notification-banner__header\"><h2 class=\"govuk-notification-banner__title\" id=\"done-title\">Success</h2></div>\n<div class=\"govuk-notification-banner__content\"><p class=\"govuk-notification-banner__heading\">{}</p></div>\n</div>\n",
        escape(words)
    )))
}

/// The case page's address after a step: the banner's code, and the
/// break-glass reason the viewer gave (so they need not give it again).
pub(crate) fn back_to_case(case: &CaseReference, reason: &str, done: Option<&str>) -> String {
    let mut query: Vec<(&str, &str)> = Vec::new();
    if let Some(done) = done {
        query.push(("done", done));
    }
    if !reason.trim().is_empty() {
        query.push(("reason", reason.trim()));
    }
    if query.is_empty() {
        format!("/work/cases/{case}")
    } else {
        format!(
            "/work/cases/{case}?{}",
            serde_urlencoded::to_string(&query).unwrap_or_default()
        )
    }
}

/// 303 See Other to `location`.
pub(crate) fn see_other(location: &str) -> Response {
    let mut redirect = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        redirect
            .headers_mut()
            .insert(axum::http::header::LOCATION, value);
    }
    redirect.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        HeaderValue::from_static("no-store"),
    );
    redirect
}

/// The status, field and message of a refusal in the API's one error
/// shape.
pub(crate) async fn refusal(response: Response) -> (StatusCode, String, String) {
    let status = response.status();
    let body = axum::body::to_bytes(response.into_body(), 64 * 1024)
        .await
        .unwrap_or_default();
    let value = serde_json::from_slice::<serde_json::Value>(&body).unwrap_or_default();
    let field = value["error"]["field"].as_str().unwrap_or("").to_owned();
    let message = value["error"]["message"]
        .as_str()
        .map_or_else(|| "this was not done".to_owned(), sentence);
    (status, field, message)
}

/// A message as a sentence: a capital first letter.
pub(crate) fn sentence(message: &str) -> String {
    let mut chars = message.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// The 403 page: this person may not take this step.
pub(crate) fn forbidden_page(case: &CaseReference, why: &str) -> Response {
    let mut main = Markup::trusted(format!(
        "<h1 class=\"govuk-heading-l\">You cannot do this</h1>\n<p class=\"govuk-body\">{}</p>\n<p class=\"govuk-body\"><a class=\"govuk-link\" href=\"/work/cases/{case}\">Back to case {case}</a></p>\n",
        escape(why)
    ));
    main.push(&Markup::default());
    respond(
        StatusCode::FORBIDDEN,
        &Page {
            title: "You cannot do this",
            exit_this_page: false,
            main,
        },
    )
}

/// A form on a safety page.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SafetyForm {
    #[serde(default)]
    form_token: String,
    /// The break-glass reason the viewer gave to open the case.
    #[serde(default)]
    reason: String,
    /// How many safety events (or protection events) the form was shown
    /// over: with the answer, the idempotency key, so a double submit is
    /// one event.
    #[serde(default)]
    seen: String,
    #[serde(default)]
    level: String,
    #[serde(default)]
    who: String,
    #[serde(default)]
    person: String,
    #[serde(default)]
    step: String,
    #[serde(default)]
    party: String,
    #[serde(default)]
    lift_reason: String,
    /// What came of a Domestic Abuse Plan step.
    #[serde(default)]
    outcome: String,
}

/// A protected person in the case: the party's code, whose details they
/// are in words, their person id and protection.
struct Protected {
    party: String,
    words: String,
    person: i64,
    proposal: Option<(Recorder, String)>,
}

/// What every safety page reads first.
struct Context {
    staff: Staff,
    token: String,
    case: CaseReference,
    reason: String,
    records: Vec<SafetyRecord>,
    safety: SafetyState,
}

impl Context {
    fn by(&self, on: domain_types::Date) -> Recorder {
        Recorder {
            person: PersonId(u64::try_from(self.staff.person).unwrap_or(0)),
            role: self.staff.role,
            on,
        }
    }

    fn is_named(&self) -> bool {
        self.safety.named_caseworker.map(|p| p.0) == u64::try_from(self.staff.person).ok()
    }
}

/// Signs in, opens the case as the API allows (a restricted case needs
/// the team, the named caseworker or a reason), and reads its safety.
async fn context(
    state: &AppState,
    headers: &HeaderMap,
    reference: &str,
    reason: &str,
    posted_token: Option<&str>,
) -> Result<Context, Response> {
    let (staff, session) = crate::workspace::staff_session(state, headers).await?;
    let token = match posted_token {
        Some(given) => crate::self_service::checked_form(headers, &session, given)?,
        None => crate::self_service::csrf_token(&session),
    };
    let case = crate::cases::parse_reference(reference)?;
    let (reason, asked) = match crate::workspace::reason_header(reason) {
        Ok(checked) => checked,
        Err(message) => return Err(crate::workspace::restricted_page(&case, Some(&message))),
    };
    if crate::parties::authorise_case_action(state, &staff, &case, &asked)
        .await
        .is_err()
    {
        return Err(crate::workspace::restricted_page(&case, None));
    }
    crate::cases::history_or_404(state, &case).await?;
    let records = state
        .store
        .safety_events(&case)
        .await
        .map_err(|e| storage_failure(&e))?;
    let safety = SafetyState::from_records(&records);
    Ok(Context {
        staff,
        token,
        case,
        reason: reason.unwrap_or_default(),
        records,
        safety,
    })
}

/// Whether this person may take this step, by the domain's own rules
/// (checked again when the event is recorded); else why not.
fn may(step: Step, ctx: &Context, today: domain_types::Date) -> Result<(), &'static str> {
    let by = ctx.by(today);
    let role_may_not = |refused: Result<(), SafetyRefused>| match refused {
        Err(SafetyRefused::RoleMayNot(_) | SafetyRefused::NotTheReviewer) => Err(()),
        _ => Ok(()),
    };
    let specialist_or_named = matches!(
        ctx.staff.role,
        Role::DomesticAbuseSpecialist | Role::TeamLeader
    ) || ctx.is_named();
    let allowed = match step {
        Step::Review => {
            // With nothing waiting the rule says so on the page; who may
            // review is the named caseworker or the specialist team.
            let mut probe = ctx.safety.clone();
            if probe.awaiting_review.is_empty() {
                probe.awaiting_review.push(today);
            }
            role_may_not(probe.check(&SafetyEvent::DisclosuresReviewed, by))
        }
        Step::Risk => role_may_not(ctx.safety.check(
            &SafetyEvent::RiskSet {
                level: RiskLevel::High,
            },
            by,
        )),
        Step::NamedCaseworker => role_may_not(ctx.safety.check(
            &SafetyEvent::NamedCaseworkerAssigned {
                caseworker: by.person,
            },
            by,
        )),
        // The plan is the specialist team's and the named caseworker's.
        Step::Plan if specialist_or_named => role_may_not(ctx.safety.check(
            &SafetyEvent::PlanStepTaken {
                step: PlanStep::Signposted,
                outcome: None,
            },
            by,
        )),
        Step::Plan => Err(()),
        Step::ProposeLift | Step::ApproveLift => {
            match Protection::default().check(&ProtectionEvent::LiftApproved, &by) {
                Err(safety::ProtectionRefused::RoleMayNot(_)) => Err(()),
                _ => Ok(()),
            }
        }
    };
    allowed.map_err(|()| match step {
        Step::Review => {
            "Disclosures are reviewed by the case's named caseworker or the domestic abuse specialist team."
        }
        Step::Plan => {
            "Domestic Abuse Plan steps are recorded by the domestic abuse specialist team or the case's named caseworker."
        }
        Step::ProposeLift | Step::ApproveLift => {
            "Only the domestic abuse specialist team lifts protection, a proposal and a second specialist's approval."
        }
        Step::Risk | Step::NamedCaseworker => {
            "Only the domestic abuse specialist team or a team leader does this."
        }
    })
}

/// The protected people in the case, with their protection.
async fn protected_people(
    state: &AppState,
    case: &CaseReference,
) -> Result<Vec<Protected>, Response> {
    let sealed = state
        .store
        .parties(case)
        .await
        .map_err(|e| storage_failure(&e))?;
    let mut people: Vec<Protected> = Vec::new();
    for party in sealed.iter().filter(|p| !p.party.starts_with("child")) {
        if people.iter().any(|p| p.person == party.person_id) {
            continue;
        }
        let records = state
            .store
            .protection_events(party.person_id)
            .await
            .map_err(|e| storage_failure(&e))?;
        let protection = Protection::from_records(&records);
        if !protection.protected {
            continue;
        }
        let proposal = protection.lift_proposed_by.and_then(|by| {
            records.iter().rev().find_map(|r| match &r.event {
                ProtectionEvent::LiftProposed { reason } => Some((by, reason.clone())),
                _ => None,
            })
        });
        people.push(Protected {
            party: party.party.clone(),
            words: party_words(&party.party),
            person: party.person_id,
            proposal,
        });
    }
    Ok(people)
}

/// A stored party code in words.
pub(crate) fn party_words(code: &str) -> String {
    match code.split_once(':') {
        None if code == "paying_parent" => "The paying parent".to_owned(),
        Some(("receiving_parent", "1")) => "The receiving parent".to_owned(),
        Some(("receiving_parent", n)) => format!("Receiving parent {n}"),
        _ => "A party".to_owned(),
    }
}

/// An answer refused: which field and why.
type Refused = (String, String);

/// The form of a step, with the answers given and the error, if any.
fn form(
    step: Step,
    ctx: &Context,
    answers: &SafetyForm,
    error: Option<&Refused>,
    people: &[Protected],
) -> Markup {
    let error_on = |field: &str| error.filter(|(f, _)| f == field).map(|(_, m)| m.as_str());
    let seen = if matches!(step, Step::ProposeLift | Step::ApproveLift) {
        String::new()
    } else {
        ctx.records.len().to_string()
    };
    let mut html = Markup::trusted(format!(
        "<form method=\"post\" action=\"/work/cases/{case}/safety/{slug}\" novalidate>\n<input type=\"hidden\" name=\"form_token\" value=\"{token}\">\n<input type=\"hidden\" name=\"reason\" value=\"{reason}\">\n<input type=\"hidden\" name=\"seen\" value=\"{seen}\">\n",
        case = ctx.case,
        slug = step.slug(),
        token = escape(&ctx.token),
        reason = escape(&ctx.reason),
    ));
    let button = match step {
        Step::Review => "Record the review",
        Step::Risk => "Set the risk",
        Step::NamedCaseworker => "Record the named caseworker",
        Step::Plan => "Record the step as done",
        Step::ProposeLift => "Propose lifting protection",
        Step::ApproveLift => "Approve lifting protection",
    };
    match step {
        Step::Review => {
            let waiting: Vec<(String, Markup)> = ctx
                .records
                .iter()
                .filter(|r| matches!(r.event, SafetyEvent::Disclosed { .. }))
                .rev()
                .take(ctx.safety.awaiting_review.len())
                .map(|r| {
                    (
                        labels::long_date(r.by.on),
                        html::text(&labels::safety_event(&r.event)),
                    )
                })
                .collect();
            if waiting.is_empty() {
                html.push(&html::paragraph("No disclosure is waiting for review."));
            } else {
                html.push(&html::summary_list(&waiting));
                html.push(&html::paragraph(
                    "Recording the review closes the disclosures' work items. It decides nothing about the case: no disclosure ever leads to an adverse decision.",
                ));
            }
            if let Some((_, message)) = error {
                html.push(&Markup::trusted(format!(
                    "<p class=\"govuk-error-message\" id=\"review-error\"><span class=\"govuk-visually-hidden\">Error:</span> {}</p>\n<span id=\"review\"></span>\n",
                    escape(message)
                )));
            }
        }
        Step::Risk => {
            let chosen = if answers.level.is_empty() {
                ctx.safety.risk.code()
            } else {
                answers.level.as_str()
            };
            let items: Vec<(&str, &str, bool)> = [
                (
                    RiskLevel::Standard,
                    "Standard: nothing disclosed that raises it",
                ),
                (RiskLevel::Raised, "Raised: abuse disclosed"),
                (RiskLevel::High, "High: someone may be in danger"),
            ]
            .into_iter()
            .map(|(level, words)| (level.code(), words, level.code() == chosen))
            .collect();
            html.push(&html::radios(&Radios {
                name: "level",
                legend: "What is the risk on this case now?",
                legend_classes: Some("govuk-fieldset__legend--m"),
                hint: Some(&format!(
                    "It is {} now.",
                    labels::risk(ctx.safety.risk).to_lowercase()
                )),
                error: error_on("level"),
                items: &items,
                ..Radios::default()
            }));
        }
        Step::NamedCaseworker => {
            if let Some(named) = ctx.safety.named_caseworker {
                html.push(&html::paragraph(&format!(
                    "The named caseworker is staff {} now.",
                    named.0
                )));
            }
            let items = [
                ("me", "Me", answers.who == "me"),
                (
                    "someone_else",
                    "Someone else",
                    answers.who == "someone_else",
                ),
            ];
            html.push(&html::radios(&Radios {
                name: "who",
                legend: "Who is the named caseworker?",
                legend_classes: Some("govuk-fieldset__legend--m"),
                hint: Some("The named caseworker sees the whole case and is told at once of any new disclosure."),
                error: error_on("who"),
                items: &items,
                ..Radios::default()
            }));
            html.push(&html::input(&Input {
                id: "person",
                name: "person",
                label: "If someone else, their staff number",
                error: error_on("person"),
                value: Some(&answers.person),
                classes: Some("govuk-input--width-10"),
                inputmode: Some("numeric"),
                ..Input::default()
            }));
        }
        Step::Plan => {
            let done: Vec<(String, Markup)> = ctx
                .safety
                .plan
                .iter()
                .map(|(step, by)| {
                    (
                        labels::plan_step(*step).to_owned(),
                        html::text(&format!(
                            "Done by staff {} ({}) on {}",
                            by.person.0,
                            by.role.code().replace('_', " "),
                            labels::long_date(by.on)
                        )),
                    )
                })
                .collect();
            if !done.is_empty() {
                html.push(&Markup::trusted(
                    "<h2 class=\"govuk-heading-s\">Done already</h2>\n".to_owned(),
                ));
                html.push(&html::summary_list(&done));
            }
            let suggested = ctx.safety.plan_steps_remaining(&ctx.records);
            let open: Vec<PlanStep> = PlanStep::ALL
                .into_iter()
                .filter(|s| !ctx.safety.plan.contains_key(s))
                .collect();
            let words: Vec<String> = open
                .iter()
                .map(|s| {
                    if suggested.first() == Some(s) {
                        format!("{} (the next step)", labels::plan_step(*s))
                    } else {
                        labels::plan_step(*s).to_owned()
                    }
                })
                .collect();
            let items: Vec<(&str, &str, bool)> = open
                .iter()
                .zip(&words)
                .map(|(s, w)| (s.code(), w.as_str(), answers.step == s.code()))
                .collect();
            if items.is_empty() {
                html.push(&html::paragraph("Every step of the plan is done."));
            } else {
                html.push(&html::radios(&Radios {
                    name: "step",
                    legend: "Which step is done?",
                    legend_classes: Some("govuk-fieldset__legend--m"),
                    hint: Some("You are recorded as having done it, today."),
                    error: error_on("step"),
                    items: &items,
                    ..Radios::default()
                }));
                html.push(&html::input(&Input {
                    id: "outcome",
                    name: "outcome",
                    label: "What came of it?",
                    hint: Some("For example: police attended; she is safe with her sister. Up to 500 characters. Only the specialist team and the named caseworker read it whole."),
                    error: error_on("outcome"),
                    value: Some(&answers.outcome),
                    ..Input::default()
                }));
            }
        }
        Step::ProposeLift | Step::ApproveLift => {
            let approving = step == Step::ApproveLift;
            let eligible: Vec<&Protected> = people
                .iter()
                .filter(|p| p.proposal.is_some() == approving)
                .collect();
            if eligible.is_empty() {
                html.push(&html::paragraph(if approving {
                    "No proposal to lift protection is waiting on this case."
                } else {
                    "Nobody in this case is protected, or a proposal to lift it is already waiting."
                }));
            } else {
                let words: Vec<String> = eligible
                    .iter()
                    .map(|p| match &p.proposal {
                        Some((by, reason)) => format!(
                            "{}: proposed by staff {} on {}, because: {reason}",
                            p.words,
                            by.person.0,
                            labels::long_date(by.on)
                        ),
                        None => p.words.clone(),
                    })
                    .collect();
                let only = eligible.len() == 1;
                let items: Vec<(&str, &str, bool)> = eligible
                    .iter()
                    .zip(&words)
                    .map(|(p, w)| {
                        (
                            p.party.as_str(),
                            w.as_str(),
                            only || answers.party == p.party,
                        )
                    })
                    .collect();
                html.push(&html::radios(&Radios {
                    name: "party",
                    legend: "Whose protection?",
                    legend_classes: Some("govuk-fieldset__legend--m"),
                    hint: Some(if approving {
                        "You must not be the specialist who proposed it. The person is told on their account."
                    } else {
                        "Their details stay withheld until a second specialist approves."
                    }),
                    error: error_on("party"),
                    items: &items,
                    ..Radios::default()
                }));
                if !approving {
                    html.push(&html::input(&Input {
                        id: "lift_reason",
                        name: "lift_reason",
                        label: "Why is it safe to stop withholding their details?",
                        hint: Some("Up to 500 characters. Only the specialist team reads it."),
                        error: error_on("lift_reason"),
                        value: Some(&answers.lift_reason),
                        ..Input::default()
                    }));
                }
            }
        }
    }
    html.push(&html::button(&Button {
        text: button,
        ..Button::default()
    }));
    html.push(&Markup::trusted("</form>\n".to_owned()));
    html
}

/// The whole question page: back link, error summary, caption, heading,
/// the form.
fn question_page(
    step: Step,
    ctx: &Context,
    answers: &SafetyForm,
    error: Option<&Refused>,
    people: &[Protected],
) -> Response {
    let back = back_to_case(&ctx.case, &ctx.reason, None);
    let mut main = Markup::trusted(format!(
        "<a href=\"{}\" class=\"govuk-back-link\">Back to the case</a>\n<div class=\"govuk-grid-row\"><div class=\"govuk-grid-column-two-thirds\">\n",
        escape(&back)
    ));
    if let Some((field, message)) = error {
        let target = match field.as_str() {
            "level" | "who" | "step" | "party" => format!("#{field}"),
            "person" | "lift_reason" | "outcome" => format!("#{field}"),
            _ => "#review".to_owned(),
        };
        main.push(&html::error_summary(
            "There is a problem",
            &[(target, message.clone())],
        ));
    }
    main.push(&Markup::trusted(format!(
        "<span class=\"govuk-caption-l\">Case {}</span>\n<h1 class=\"govuk-heading-l\">{}</h1>\n",
        ctx.case,
        escape(step.title())
    )));
    main.push(&form(step, ctx, answers, error, people));
    main.push(&Markup::trusted("</div></div>\n".to_owned()));
    let title = if error.is_some() {
        format!("Error: {}", step.title())
    } else {
        step.title().to_owned()
    };
    respond(
        if error.is_some() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        },
        &Page {
            title: &title,
            exit_this_page: false,
            main,
        },
    )
}

/// `GET /work/cases/{reference}/safety/{step}` (`?reason=` carries a
/// break-glass reason given on the case page).
pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((reference, slug)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let result = async {
        let Some(step) = Step::from_slug(&slug) else {
            return Ok(crate::workspace::not_found());
        };
        let reason = query.get("reason").map_or("", String::as_str);
        let ctx = context(&state, &headers, &reference, reason, None).await?;
        if let Err(why) = may(step, &ctx, state.clock.today()) {
            return Ok(forbidden_page(&ctx.case, why));
        }
        let people = if matches!(step, Step::ProposeLift | Step::ApproveLift) {
            protected_people(&state, &ctx.case).await?
        } else {
            Vec::new()
        };
        Ok(question_page(
            step,
            &ctx,
            &SafetyForm::default(),
            None,
            &people,
        ))
    };
    result.await.unwrap_or_else(|response| response)
}

/// `POST /work/cases/{reference}/safety/{step}`: records the step through
/// the API's own function, then back to the case page with its banner; or
/// the form again with the error and the answers kept.
pub async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((reference, slug)): Path<(String, String)>,
    axum::Form(answers): axum::Form<SafetyForm>,
) -> Response {
    let result = async {
        let Some(step) = Step::from_slug(&slug) else {
            return Ok(crate::workspace::not_found());
        };
        let ctx = context(
            &state,
            &headers,
            &reference,
            &answers.reason,
            Some(&answers.form_token),
        )
        .await?;
        let today = state.clock.today();
        if let Err(why) = may(step, &ctx, today) {
            return Ok(forbidden_page(&ctx.case, why));
        }
        let people = if matches!(step, Step::ProposeLift | Step::ApproveLift) {
            protected_people(&state, &ctx.case).await?
        } else {
            Vec::new()
        };
        let refuse = |field: &str, message: &str| {
            question_page(
                step,
                &ctx,
                &answers,
                Some(&(field.to_owned(), message.to_owned())),
                &people,
            )
        };
        let seen = answers.seen.trim();
        let (answer, done) = match step {
            Step::Review | Step::Risk | Step::NamedCaseworker | Step::Plan => {
                let event = match step {
                    Step::Review => SafetyEvent::DisclosuresReviewed,
                    Step::Risk => match RiskLevel::from_code(&answers.level) {
                        Some(level) => SafetyEvent::RiskSet { level },
                        None => return Ok(refuse("level", "Select the risk on this case")),
                    },
                    Step::NamedCaseworker => {
                        let caseworker = match answers.who.as_str() {
                            "me" => u64::try_from(ctx.staff.person).unwrap_or(0),
                            "someone_else" => match answers.person.trim().parse::<u64>() {
                                Ok(n) if n > 0 && n <= u64::from(u32::MAX) => n,
                                _ => {
                                    return Ok(refuse(
                                        "person",
                                        "Enter their staff number, a whole number like 40",
                                    ));
                                }
                            },
                            _ => {
                                return Ok(refuse("who", "Select who is the named caseworker"));
                            }
                        };
                        SafetyEvent::NamedCaseworkerAssigned {
                            caseworker: PersonId(caseworker),
                        }
                    }
                    _ => {
                        let Some(step) = PlanStep::from_code(&answers.step) else {
                            return Ok(refuse("step", "Select the step that is done"));
                        };
                        if answers.outcome.trim().is_empty() {
                            return Ok(refuse("outcome", "Enter what came of the step"));
                        }
                        match crate::json_input::human_text(
                            &answers.outcome,
                            "outcome",
                            crate::casework::PLAN_OUTCOME_MAX_CHARS,
                        ) {
                            Ok(words) => SafetyEvent::PlanStepTaken {
                                step,
                                outcome: Some(words.into_string()),
                            },
                            Err(refused) => {
                                let (_, _, message) = refusal(refused).await;
                                return Ok(refuse(
                                    "outcome",
                                    &format!("What came of it: {message}"),
                                ));
                            }
                        }
                    }
                };
                // The key names the intent (a digest: the outcome's words
                // stay out of it) and the events the form was shown over.
                let (kind, payload) = event.encode();
                let key = format!(
                    "page/safety/{kind}/{}/{seen}",
                    crate::cases::token_hash(&payload)
                );
                let done = match step {
                    Step::Review => "disclosures_reviewed",
                    Step::Risk => "risk_set",
                    Step::NamedCaseworker => "named_caseworker",
                    _ => "plan_step",
                };
                let answer =
                    crate::casework::record(&state, &ctx.case, &key, event, &ctx.staff.signed_in())
                        .await
                        .map(|_| ());
                (answer, done)
            }
            Step::ProposeLift | Step::ApproveLift => {
                let Some(person) = people.iter().find(|p| {
                    p.party == answers.party || (people.len() == 1 && answers.party.is_empty())
                }) else {
                    return Ok(refuse("party", "Select whose protection"));
                };
                let event = if step == Step::ProposeLift {
                    if answers.lift_reason.trim().is_empty() {
                        return Ok(refuse(
                            "lift_reason",
                            "Enter why it is safe to stop withholding their details",
                        ));
                    }
                    match crate::json_input::human_text(
                        &answers.lift_reason,
                        "lift_reason",
                        crate::protection::REASON_MAX_CHARS,
                    ) {
                        Ok(reason) => ProtectionEvent::LiftProposed {
                            reason: reason.into_string(),
                        },
                        Err(refused) => {
                            let (_, _, message) = refusal(refused).await;
                            return Ok(refuse("lift_reason", &format!("The reason: {message}")));
                        }
                    }
                } else {
                    ProtectionEvent::LiftApproved
                };
                let answer = crate::protection::record(&state, &ctx.staff, person.person, event)
                    .await
                    .map(|_| ());
                (
                    answer,
                    if step == Step::ProposeLift {
                        "lift_proposed"
                    } else {
                        "lift_approved"
                    },
                )
            }
        };
        match answer {
            Ok(()) => Ok(see_other(&back_to_case(&ctx.case, &ctx.reason, Some(done)))),
            Err(refused) => {
                let (status, field, message) = refusal(refused).await;
                if status == StatusCode::FORBIDDEN {
                    return Ok(forbidden_page(&ctx.case, &message));
                }
                let field = match (step, field.as_str()) {
                    (Step::ProposeLift, "reason") => "lift_reason",
                    (Step::Risk, _) => "level",
                    (Step::NamedCaseworker, _) => "who",
                    (Step::Plan, _) => "step",
                    (Step::ProposeLift | Step::ApproveLift, _) => "party",
                    _ => "review",
                };
                Ok(refuse(field, &message))
            }
        }
    };
    result.await.unwrap_or_else(|response| response)
}
