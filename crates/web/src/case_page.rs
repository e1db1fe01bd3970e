//! `GET /work/cases/{reference}`: the staff case page (issue 14), a page
//! that leads. At the top: a banner saying what was just done (`?done=`, a
//! fixed code mapped to fixed words), the case's identity (reference,
//! restricted, risk), and a summary: who is protected (from the other
//! parent, never their details), the risk, the named caseworker, what the
//! paying parent owes, the open work items with their claim and complete
//! buttons, and the next action. Then the safety steps (each its own
//! question page, `safety_pages.rs`), the parties, the schedule, the
//! calculation, the ledger, and every other action folded behind its
//! heading (`case_forms.rs`), the coercion signals and the timeline.
//!
//! Access is the API's: a restricted case shows nothing but a notice and
//! the break-glass form to anyone but the specialist team and its named
//! caseworker; giving a reason is audited before anything is shown. The
//! parties come only through `parties::audited_view`; free words only
//! through `FreeWords` for this viewer.

// A refused request is answered with its `Response` straight away.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use case_records::{CaseReference, CaseState, CaseView, ReceivingParentId, Role};
use ledger::StatementFor;
use safety::{SafetyEvent, SafetyState};
use work_items::{Team, WorkCommand, WorkItem, WorkKind, WorkQuery, WorkState, age_in_words};

use crate::AppState;
use crate::case_forms::{action_fields, folded, form_html};
use crate::cases::storage_failure;
use crate::html::{self, Markup, escape};
use crate::labels;
use crate::pages::{Page, respond};
use crate::safety_pages::{Step, back_to_case, done_banner, see_other};
use crate::workspace::{
    ActionForm, heading, reason_header, request_words, restricted_page, shown, shown_optional,
    staff_session,
};

/// A work item's id as one segment of an address (an id may hold `/`,
/// from the key of the event that raised it), percent-encoded.
fn path_segment(id: &str) -> String {
    id.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.:~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A GOV.UK tag.
fn tag(words: &str, colour: &str) -> String {
    format!(
        "<strong class=\"govuk-tag govuk-tag--{colour}\">{}</strong>",
        escape(words)
    )
}

/// A link to a safety step's page, carrying the reason given.
fn step_link(case: &CaseReference, reason: &str, step: Step, words: &str) -> String {
    let query = if reason.trim().is_empty() {
        String::new()
    } else {
        format!(
            "?{}",
            serde_urlencoded::to_string([("reason", reason.trim())]).unwrap_or_default()
        )
    };
    format!(
        "<a class=\"govuk-link\" href=\"/work/cases/{case}/safety/{}{}\">{}</a>",
        step.slug(),
        escape(&query),
        escape(words)
    )
}

/// The case's open work items as a summary list with their buttons.
fn work_items(
    case: &CaseReference,
    items: &[WorkItem],
    token: &str,
    reason: &str,
    now: i64,
    me: i64,
) -> Markup {
    if items.is_empty() {
        return html::paragraph("No work items are open on this case.");
    }
    let mut html = String::from("<dl class=\"govuk-summary-list\">\n");
    for item in items {
        let mut tags = Vec::new();
        if item.kind.is_alert() {
            tags.push(tag("Urgent", "red"));
        }
        if item.overdue(now) {
            tags.push(tag("Overdue", "orange"));
        }
        let holder = match (item.state, item.assignee) {
            (WorkState::Claimed, Some(p)) if i64::try_from(p.0).ok() == Some(me) => {
                "with you".to_owned()
            }
            (_, Some(p)) => format!("with staff {}", p.0),
            _ => "waiting for someone".to_owned(),
        };
        let mine = item.assignee.and_then(|p| i64::try_from(p.0).ok()) == Some(me)
            && item.state == WorkState::Claimed;
        let button = |command: &str, words: &str, secondary: bool| {
            format!(
                "<form method=\"post\" action=\"/work/cases/{case}/work/{}/{command}\" class=\"govuk-!-display-inline-block govuk-!-margin-right-2\" novalidate>\n<input type=\"hidden\" name=\"form_token\" value=\"{}\">\n<input type=\"hidden\" name=\"reason\" value=\"{}\">\n<button type=\"submit\" class=\"govuk-button{} govuk-!-margin-bottom-0\" data-module=\"govuk-button\">{}<span class=\"govuk-visually-hidden\">: {}</span></button>\n</form>\n",
                escape(&path_segment(&item.id)),
                escape(token),
                escape(reason),
                if secondary {
                    " govuk-button--secondary"
                } else {
                    ""
                },
                escape(words),
                escape(item.kind.in_words()),
            )
        };
        let mut actions = String::new();
        if !mine {
            actions.push_str(&button("claim", "Claim", true));
        }
        actions.push_str(&button("complete", "Complete", false));
        if mine {
            actions.push_str(&button("return", "Return", true));
        }
        html.push_str(&format!(
            "<div class=\"govuk-summary-list__row\">\n<dt class=\"govuk-summary-list__key\">{}</dt>\n<dd class=\"govuk-summary-list__value\">{} {}, {}, {}</dd>\n<dd class=\"govuk-summary-list__actions\">{actions}</dd>\n</div>\n",
            escape(item.kind.in_words()),
            tags.join(" "),
            escape(&age_in_words(item.raised, now)),
            escape(&format!("{} risk", labels::risk(item.risk).to_lowercase())),
            escape(&holder),
        ));
    }
    html.push_str("</dl>\n");
    Markup::trusted(html)
}

/// What the next action is worked out from.
#[derive(Clone, Copy)]
struct CaseFacts<'a> {
    safety: &'a SafetyState,
    records: &'a [safety::SafetyRecord],
    items: &'a [WorkItem],
    application: bool,
    open_requests: usize,
}

/// The one next thing to do on the case, in words, with a link where a
/// page does it.
fn next_action(
    case: &CaseReference,
    reason: &str,
    staff_role: Role,
    is_named: bool,
    facts: &CaseFacts<'_>,
) -> Markup {
    let CaseFacts {
        safety,
        records,
        items,
        application,
        open_requests,
    } = *facts;
    let specialist = matches!(staff_role, Role::DomesticAbuseSpecialist | Role::TeamLeader);
    // The safety steps are the team's and the named caseworker's: anyone
    // else is told who has them, with no link to a page they may not use.
    let safety_work = specialist || is_named;
    let police = items
        .iter()
        .any(|i| i.kind == WorkKind::PoliceCallRequested);
    let danger = items.iter().any(|i| i.kind == WorkKind::ImmediateDanger);
    let remaining = safety.plan_steps_remaining(records);
    let text = if police && safety_work {
        format!(
            "Call the police for them now (they asked us to), then {}.",
            step_link(case, reason, Step::Plan, "record the police call")
        )
    } else if danger && safety_work {
        format!(
            "Someone said they are in immediate danger: make sure they are safe, then {}.",
            step_link(case, reason, Step::Review, "review the disclosure")
        )
    } else if !safety.awaiting_review.is_empty() && !safety_work {
        "A disclosure is waiting for the domestic abuse specialist team's review.".to_owned()
    } else if !safety.awaiting_review.is_empty() {
        format!(
            "{} (waiting since {}).",
            step_link(case, reason, Step::Review, "Review the disclosures"),
            labels::long_date(safety.awaiting_review[0])
        )
    } else if specialist && safety.disclosures > 0 && safety.named_caseworker.is_none() {
        format!(
            "{}.",
            step_link(case, reason, Step::NamedCaseworker, "Name the caseworker")
        )
    } else if let Some(step) = remaining.first().filter(|_| specialist) {
        format!(
            "{}: {}.",
            step_link(
                case,
                reason,
                Step::Plan,
                "The next Domestic Abuse Plan step"
            ),
            escape(&labels::plan_step(*step).to_lowercase())
        )
    } else if application {
        "Make the calculation (below, under “Make the calculation”).".to_owned()
    } else if open_requests > 0 {
        format!("Deal with {open_requests} request(s) from parents (below).")
    } else if let Some(item) = items.first() {
        format!("{}.", escape(item.kind.in_words()))
    } else {
        "Nothing is waiting on this case.".to_owned()
    };
    Markup::trusted(text)
}

/// `GET /work/cases/{reference}` (`?reason=` to break the glass on a
/// restricted case, `?done=` for the banner after an action).
pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(reference): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let result = async {
        let (staff, session) = staff_session(&state, &headers).await?;
        let case = crate::cases::parse_reference(&reference)?;
        // The API's rule for acting on a case, with the reason as its header.
        let (reason, asked) = match reason_header(query.get("reason").map_or("", String::as_str)) {
            Ok(checked) => checked,
            Err(message) => return Ok(restricted_page(&case, Some(&message))),
        };
        if crate::parties::authorise_case_action(&state, &staff, &case, &asked)
            .await
            .is_err()
        {
            return Ok(restricted_page(&case, None));
        }
        let reason_text = reason.clone().unwrap_or_default();
        let signed_in = staff.signed_in();
        let history = crate::cases::history_or_404(&state, &case).await?;
        let today = state.clock.today();
        let now = state.clock.now_unix_seconds();
        let token = crate::self_service::csrf_token(&session);
        let terms = ledger::CollectionTerms::on(&history, today, today, state.parameters);
        let case_state = history.state(today, today);

        // Everything the summary needs, read once.
        let sealed = state
            .store
            .parties(&case)
            .await
            .map_err(|e| storage_failure(&e))?;
        let records = state
            .store
            .safety_events(&case)
            .await
            .map_err(|e| storage_failure(&e))?;
        let safety_state = SafetyState::from_records(&records);
        let (transfers, actions) = crate::collection::case_state(&state, &case).await?;
        let lines = ledger::statement(&transfers, case, StatementFor::PayingParent, today);
        let owed = lines.last().map_or(0, |l| l.balance);
        let collection = ledger::CollectionState::from_actions(&actions);
        let items = if Team::of_role(staff.role).is_empty() {
            Vec::new()
        } else {
            state
                .store
                .work_queue(&WorkQuery {
                    teams: Team::of_role(staff.role),
                    case: Some(case),
                    limit: 50,
                    ..WorkQuery::default()
                })
                .await
                .map_err(|e| storage_failure(&e))?
                .items
        };
        let words =
            crate::free_words::FreeWords::on_case(&state, staff.person, staff.role, &case).await?;

        let mut main = Markup::default();
        if let Some(banner) = query.get("done").and_then(|code| done_banner(code)) {
            main.push(&banner);
        }
        // Someone in danger now: above everything, on every specialist page.
        main.push(&crate::work::alert(&state, &staff).await?);

        // The identity of the case: reference, restricted, risk.
        let protected: Vec<String> = sealed
            .iter()
            .filter(|p| p.non_disclosure && !p.party.starts_with("child"))
            .map(|p| crate::safety_pages::party_words(&p.party))
            .collect();
        // The MOJ identity bar: the reference, how it is paid, and badges
        // for the restriction and the risk.
        main.push(&crate::moj::stylesheet_link());
        let mut title = Markup::trusted(format!(
            "<h1 class=\"govuk-heading-l govuk-!-margin-bottom-2\">Case {case}</h1>\n<span class=\"govuk-body govuk-!-margin-right-2\">{}</span>\n",
            escape(if terms.collect_and_pay {
                "Collect and Pay"
            } else {
                "Direct Pay"
            })
        ));
        if !protected.is_empty() {
            title.push(&crate::moj::badge("Restricted", Some("moj-badge--purple")));
            title.push(&Markup::trusted(" ".to_owned()));
        }
        title.push(&crate::moj::badge(
            &format!("{} risk", labels::risk(safety_state.risk)),
            match safety_state.risk {
                safety::RiskLevel::High => Some("moj-badge--red"),
                safety::RiskLevel::Raised => Some("moj-badge--bright-purple"),
                safety::RiskLevel::Standard => Some("moj-badge--grey"),
            },
        ));
        main.push(&crate::moj::identity_bar(&title));
        if staff.role == Role::TeamLeader {
            main.push(&Markup::trusted(format!(
                "<p class=\"govuk-body\"><a class=\"govuk-link\" href=\"/work/cases/{case}/audit\">Who viewed this case</a></p>\n"
            )));
        }

        // The summary.
        let specialist = matches!(staff.role, Role::DomesticAbuseSpecialist | Role::TeamLeader);
        let protected_words = if protected.is_empty() {
            "Nobody in this case is protected".to_owned()
        } else {
            protected
                .iter()
                .map(|who| format!("{who} is protected from the other parent"))
                .collect::<Vec<_>>()
                .join(". ")
        };
        let named = safety_state.named_caseworker.map_or_else(
            || "None".to_owned(),
            |p| {
                if i64::try_from(p.0).ok() == Some(staff.person) {
                    format!("You (staff {})", p.0)
                } else {
                    format!("Staff {}", p.0)
                }
            },
        );
        let is_named = safety_state
            .named_caseworker
            .and_then(|p| i64::try_from(p.0).ok())
            == Some(staff.person);
        let next = next_action(
            &case,
            &reason_text,
            staff.role,
            is_named,
            &CaseFacts {
                safety: &safety_state,
                records: &records,
                items: &items,
                application: history.initial_effective_date.is_none(),
                open_requests: collection.open_requests.len(),
            },
        );
        let mut summary = vec![
            ("Next action".to_owned(), next),
            ("Protected".to_owned(), html::text(&protected_words)),
            (
                "Risk".to_owned(),
                html::text(labels::risk(safety_state.risk)),
            ),
            ("Named caseworker".to_owned(), html::text(&named)),
            (
                "Disclosures waiting for review".to_owned(),
                html::text(&match safety_state.awaiting_review.first() {
                    None => "None".to_owned(),
                    Some(since) => format!(
                        "{}, since {}",
                        safety_state.awaiting_review.len(),
                        labels::long_date(*since)
                    ),
                }),
            ),
            (
                "Owed by the paying parent".to_owned(),
                html::text(&labels::pounds(owed.max(0))),
            ),
            (
                "State".to_owned(),
                html::text(labels::case_state(case_state)),
            ),
        ];
        if case_state == CaseState::Application {
            summary.retain(|(key, _)| key != "Owed by the paying parent");
        }
        main.push(&html::summary_list(&summary));

        main.push(&heading(2, "Open work on this case"));
        main.push(&work_items(
            &case,
            &items,
            &token,
            &reason_text,
            now,
            staff.person,
        ));

        // The safety steps, each its own page.
        main.push(&heading(2, "Safety"));
        let mut links: Vec<String> = Vec::new();
        if (specialist || is_named) && !safety_state.awaiting_review.is_empty() {
            links.push(step_link(
                &case,
                &reason_text,
                Step::Review,
                "Review the disclosures",
            ));
        }
        if specialist {
            links.push(step_link(&case, &reason_text, Step::Risk, "Set the risk"));
            links.push(step_link(
                &case,
                &reason_text,
                Step::NamedCaseworker,
                "Become or name the named caseworker",
            ));
        }
        if specialist || is_named {
            links.push(step_link(
                &case,
                &reason_text,
                Step::Plan,
                "Record a Domestic Abuse Plan step",
            ));
        }
        if staff.role == Role::DomesticAbuseSpecialist && !protected.is_empty() {
            links.push(step_link(
                &case,
                &reason_text,
                Step::ProposeLift,
                "Propose lifting protection",
            ));
            links.push(step_link(
                &case,
                &reason_text,
                Step::ApproveLift,
                "Approve lifting protection",
            ));
        }
        if !links.is_empty() {
            main.push(&Markup::trusted(format!(
                "<ul class=\"govuk-list\">\n{}</ul>\n",
                links
                    .iter()
                    .map(|l| format!("<li>{l}</li>\n"))
                    .collect::<String>()
            )));
        }
        let remaining = safety_state.plan_steps_remaining(&records);
        let words_shown = |text: &str| words.show(text);
        // Each step done: by whom, when, and what came of it (free words,
        // as this viewer may see them).
        let outcome_of = |wanted: safety::PlanStep| {
            records.iter().rev().find_map(|r| match &r.event {
                SafetyEvent::PlanStepTaken { step, outcome } if *step == wanted => {
                    Some(outcome.clone())
                }
                _ => None,
            })
        };
        let mut plan_rows: Vec<(String, Markup)> = safety_state
            .plan
            .iter()
            .map(|(step, by)| {
                let outcome = outcome_of(*step)
                    .flatten()
                    .map_or_else(String::new, |words| format!(": {}", words_shown(&words)));
                (
                    labels::plan_step(*step).to_owned(),
                    Markup::trusted(format!(
                        "{} Done by staff {} on {}{}",
                        tag("Done", "green"),
                        by.person.0,
                        escape(&labels::long_date(by.on)),
                        escape(&outcome)
                    )),
                )
            })
            .collect();
        plan_rows.extend(remaining.iter().map(|step| {
            (
                labels::plan_step(*step).to_owned(),
                Markup::trusted(tag("To do", "yellow")),
            )
        }));
        if plan_rows.is_empty() {
            main.push(&html::paragraph(
                "No Domestic Abuse Plan: nobody has disclosed abuse on this case.",
            ));
        } else {
            main.push(&Markup::trusted(
                "<h3 class=\"govuk-heading-s\">Domestic Abuse Plan</h3>\n".to_owned(),
            ));
            main.push(&html::summary_list(&plan_rows));
        }

        // The parties, as this role may see them.
        main.push(&heading(2, "Parties"));
        match crate::parties::audited_view(&state, &signed_in, case, reason.clone()).await {
            Ok(CaseView::Staff(view)) => {
                for p in &view.parties {
                    let rows = vec![
                        ("Name".to_owned(), html::text(&shown(&p.name))),
                        ("Address".to_owned(), html::text(&shown(&p.address))),
                        ("Postcode".to_owned(), html::text(&shown(&p.postcode))),
                        ("Phone".to_owned(), html::text(&shown_optional(&p.phone))),
                    ];
                    // Whose details are withheld from the other parent, said
                    // beside them.
                    let code = match p.subject {
                        case_records::Subject::PayingParent => "paying_parent".to_owned(),
                        case_records::Subject::ReceivingParent(id) => {
                            format!("receiving_parent:{}", id.0)
                        }
                        case_records::Subject::Child(_) => String::new(),
                    };
                    let protected_here = sealed
                        .iter()
                        .any(|party| party.party == code && party.non_disclosure);
                    main.push(&Markup::trusted(format!(
                        "<h3 class=\"govuk-heading-s\">{} {}</h3>\n",
                        escape(&labels::subject(p.subject)),
                        if protected_here {
                            crate::moj::badge(
                                "Protected from the other parent",
                                Some("moj-badge--purple"),
                            )
                            .into_string()
                        } else {
                            String::new()
                        }
                    )));
                    main.push(&html::summary_list(&rows));
                }
            }
            Ok(CaseView::Parent(_)) => {}
            Err(_) => main.push(&html::paragraph("No parties are recorded.")),
        }

        // What is due: the schedule.
        main.push(&heading(2, "Schedule"));
        let until = today.add_years(1).unwrap_or(today);
        match case_records::liability_schedule(&history, state.parameters, today, until) {
            Ok(schedule) => {
                // A list, not a table, so nothing scrolls sideways at 320 px.
                let rows: Vec<(String, Markup)> = schedule
                    .segments
                    .iter()
                    .map(|s| {
                        let weekly =
                            labels::pounds(s.weekly.values().map(|p| i128::from(p.get())).sum());
                        let rate = s.rate.map_or_else(
                            || "no rate".to_owned(),
                            |r| labels::rate(r).to_lowercase(),
                        );
                        let why = s
                            .reasons
                            .iter()
                            .map(|r| labels::segment_reason(*r))
                            .collect::<Vec<_>>()
                            .join(", ");
                        (
                            format!(
                                "{} to {}",
                                labels::long_date(s.from),
                                labels::long_date(s.to)
                            ),
                            html::text(&if why.is_empty() {
                                format!("{weekly} a week, {rate}")
                            } else {
                                format!("{weekly} a week, {rate}. Why: {why}")
                            }),
                        )
                    })
                    .collect();
                main.push(&Markup::trusted(
                    "<h3 class=\"govuk-heading-s\">Weekly amounts over time</h3>\n".to_owned(),
                ));
                main.push(&html::summary_list(&rows));
            }
            Err(error) => main.push(&html::paragraph(&format!("No schedule yet: {error}"))),
        }

        // The calculation in force today, explained.
        main.push(&heading(2, "Calculation"));
        match crate::pages::calculation_today(&history, state.parameters, today) {
            Some(answer) => {
                main.push(&html::paragraph(&format!(
                    "{} a week in all, at the {} rate, under the rules in force from {}.",
                    labels::pounds(i128::from(answer.weekly_total_pence)),
                    answer.rate.replace('_', " "),
                    domain_types::Date::parse_iso(&answer.parameters_effective_from).map_or_else(
                        |_| answer.parameters_effective_from.clone(),
                        labels::long_date
                    )
                )));
                let mut explanation = Markup::default();
                explanation.push(&crate::pages::explanation_list(
                    answer
                        .explanation
                        .iter()
                        .map(|step| (step.text.as_str(), step.rule.as_str())),
                ));
                main.push(&folded("How it was worked out", &explanation));
            }
            None => main.push(&html::paragraph(
                "No calculation has been made, or none runs today.",
            )),
        }

        // The paying parent's ledger.
        main.push(&heading(2, "Ledger"));
        let rows: Vec<(String, Markup)> = lines
            .iter()
            .rev()
            .take(20)
            .map(|l| {
                let mut parts = Vec::new();
                for (words, pence) in [("due", l.due), ("paid", l.paid), ("charged", l.charged)] {
                    if pence != 0 {
                        parts.push(format!("{words} {}", labels::pounds(pence)));
                    }
                }
                parts.push(format!("balance {}", labels::pounds(l.balance)));
                (
                    labels::long_date(l.date),
                    html::text(&format!("{}: {}", l.description, parts.join(", "))),
                )
            })
            .collect();
        main.push(&Markup::trusted(
            "<h3 class=\"govuk-heading-s\">The last 20 lines, newest first</h3>\n".to_owned(),
        ));
        if rows.is_empty() {
            main.push(&html::paragraph("Nothing has fallen due or been paid yet."));
        } else {
            main.push(&html::summary_list(&rows));
        }

        // The actions, each folded behind its heading; one definition of
        // each form (case_forms.rs), shown again with the answers if the
        // action is refused.
        let action = |form: ActionForm| -> Markup {
            action_fields(&form, None).map_or_else(Markup::default, |shown| {
                folded(
                    &shown.heading,
                    &form_html(&case, &token, &reason_text, &shown),
                )
            })
        };
        let seen = actions.len().to_string();

        // Money passed on: hold or release each receiving parent's payments.
        if terms.collect_and_pay && crate::collection::may_work_money(staff.role) {
            main.push(&heading(2, "Payments passed on"));
            let mut receiving_parents: Vec<ReceivingParentId> = history
                .events
                .iter()
                .filter_map(|e| match e.change {
                    case_records::Change::ChildJoined {
                        receiving_parent, ..
                    } => Some(receiving_parent),
                    _ => None,
                })
                .collect();
            receiving_parents.sort_unstable();
            receiving_parents.dedup();
            for receiving_parent in receiving_parents {
                let n = receiving_parent.0;
                let held = collection.held.get(&receiving_parent);
                main.push(&html::summary_list(&[(
                    labels::subject(case_records::Subject::ReceivingParent(receiving_parent)),
                    html::text(&held.map_or_else(
                        || "Passed on each working day".to_owned(),
                        |why| format!("Held: {}", words.show(why)),
                    )),
                )]));
                main.push(&action(ActionForm {
                    action: if held.is_some() {
                        "release_disbursements"
                    } else {
                        "hold_disbursements"
                    }
                    .to_owned(),
                    receiving_parent: n.to_string(),
                    seen: seen.clone(),
                    ..ActionForm::default()
                }));
            }
        }

        // What parents asked or told from their pages, until dealt with.
        if staff.role.may_record_changes() || !collection.open_requests.is_empty() {
            main.push(&heading(2, "Requests from parents"));
            if collection.open_requests.is_empty() {
                main.push(&html::paragraph("None waiting."));
            }
            for open in &collection.open_requests {
                main.push(&html::summary_list(&[(
                    format!("Request {}", open.request),
                    html::text(&format!(
                        "{} ({}, {})",
                        request_words(&open.action),
                        open.by.role.code().replace('_', " "),
                        labels::long_date(open.by.on)
                    )),
                )]));
                if staff.role.may_record_changes() {
                    main.push(&action(ActionForm {
                        action: "request_dealt_with".to_owned(),
                        request: open.request.to_string(),
                        seen: seen.clone(),
                        ..ActionForm::default()
                    }));
                }
            }
        }

        main.push(&heading(2, "Enforcement"));
        if collection.steps.is_empty() {
            main.push(&html::paragraph("No enforcement steps."));
        }
        for step in &collection.steps {
            let status = match (step.outcome, step.review) {
                (Some(outcome), _) => labels::step_outcome(outcome).to_owned(),
                (None, Some(_)) => "Proposed, reviewed by the specialist team".to_owned(),
                (None, None) => "Proposed".to_owned(),
            };
            main.push(&html::summary_list(&[(
                format!(
                    "Step {}: {}",
                    step.step,
                    labels::sentence_of_code(step.action.code()).to_lowercase()
                ),
                html::text(&status),
            )]));
            if step.outcome.is_none() {
                main.push(&action(ActionForm {
                    action: "approve_enforcement".to_owned(),
                    step: step.step.to_string(),
                    ..ActionForm::default()
                }));
                if step.review.is_none() {
                    main.push(&action(ActionForm {
                        action: "review_enforcement".to_owned(),
                        step: step.step.to_string(),
                        ..ActionForm::default()
                    }));
                }
            }
        }
        if matches!(staff.role, Role::EnforcementOfficer | Role::TeamLeader) {
            main.push(&action(ActionForm {
                action: "propose_enforcement".to_owned(),
                step: collection.next_step().to_string(),
                ..ActionForm::default()
            }));
        }

        // An application: the calculation is made here, once.
        if history.initial_effective_date.is_none() && staff.role.may_record_changes() {
            main.push(&heading(2, "Make the calculation"));
            main.push(&html::paragraph(
                "This case is an application. Give the paying parent's gross weekly income and the initial effective date.",
            ));
            main.push(&action(ActionForm {
                action: "make_calculation".to_owned(),
                ..ActionForm::default()
            }));
        }

        if staff.role.may_record_changes() {
            main.push(&heading(2, "Changes"));
            main.push(&action(ActionForm {
                action: "record_change".to_owned(),
                ..ActionForm::default()
            }));
            if !terms.collect_and_pay {
                main.push(&action(ActionForm {
                    action: "move_to_collect_and_pay".to_owned(),
                    ..ActionForm::default()
                }));
            }
        }

        // The coercion signals: information, never a decision.
        main.push(&heading(2, "Coercion signals"));
        let events =
            crate::casework::coercion_events_from(&state, &case, &transfers, &records).await?;
        let signals = safety::scan(&events, today, safety::Thresholds::embedded());
        if signals.is_empty() {
            main.push(&html::paragraph("No coercion signals."));
        } else {
            let rows: Vec<(String, Markup)> = signals
                .iter()
                .map(|s| {
                    (
                        format!("{} ({})", s.kind.in_words(), s.party.in_words()),
                        html::text(&words.show(&s.explanation)),
                    )
                })
                .collect();
            main.push(&html::paragraph(
                "Information for a caseworker, never a decision.",
            ));
            main.push(&html::summary_list(&rows));
        }
        if matches!(
            staff.role,
            Role::Caseworker | Role::DomesticAbuseSpecialist | Role::TeamLeader
        ) {
            main.push(&action(ActionForm {
                action: "refer".to_owned(),
                ..ActionForm::default()
            }));
        }

        // The timeline, newest first (the MOJ timeline).
        let mut timeline: Vec<(domain_types::Date, crate::moj::TimelineItem)> = history
            .events
            .iter()
            .map(|e| {
                (
                    e.recorded_on,
                    crate::moj::TimelineItem {
                        label: labels::change(&e.change),
                        byline: None,
                        datetime: e.recorded_on.to_string(),
                        date: labels::long_date(e.recorded_on),
                        text: format!("From {}", labels::long_date(e.effective_from)),
                    },
                )
            })
            .collect();
        timeline.extend(records.iter().map(|r| {
            let text = match &r.event {
                SafetyEvent::PlanStepTaken {
                    outcome: Some(outcome),
                    ..
                } => words.show(outcome),
                _ => String::new(),
            };
            (
                r.by.on,
                crate::moj::TimelineItem {
                    label: labels::safety_event(&r.event),
                    byline: (!r.by.role.is_parent()).then(|| format!("staff {}", r.by.person.0)),
                    datetime: r.by.on.to_string(),
                    date: labels::long_date(r.by.on),
                    text,
                },
            )
        }));
        timeline.sort_by_key(|(on, _)| *on);
        main.push(&heading(2, "Timeline"));
        if timeline.is_empty() {
            main.push(&html::paragraph("Nothing recorded yet."));
        } else {
            let items: Vec<crate::moj::TimelineItem> =
                timeline.into_iter().rev().map(|(_, item)| item).collect();
            main.push(&crate::moj::timeline(&items, 3));
        }
        Ok(respond(
            StatusCode::OK,
            &Page {
                title: &format!("Case {case}"),
                exit_this_page: false,
                main,
            },
        ))
    };
    result.await.unwrap_or_else(|response| response)
}

/// The claim, complete and return buttons' form.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkForm {
    #[serde(default)]
    form_token: String,
    #[serde(default)]
    reason: String,
}

/// `POST /work/cases/{reference}/work/{id}/{claim|complete|return}`: the
/// work item command from the case page (`work::command`, the API's
/// own), then back to the case page with its banner.
pub async fn work_command(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((reference, id, word)): Path<(String, String, String)>,
    axum::Form(form): axum::Form<WorkForm>,
) -> Response {
    let result = async {
        let (staff, session) = staff_session(&state, &headers).await?;
        if let Err(expired) =
            crate::self_service::checked_form(&headers, &session, &form.form_token)
        {
            return Ok(expired);
        }
        let case = crate::cases::parse_reference(&reference)?;
        let (command, done) = match word.as_str() {
            "claim" => (WorkCommand::Claim, "work_claimed"),
            "complete" => (WorkCommand::Complete, "work_completed"),
            "return" => (WorkCommand::Return, "work_returned"),
            _ => return Ok(crate::workspace::not_found()),
        };
        let (_, asked) = match reason_header(&form.reason) {
            Ok(checked) => checked,
            Err(message) => return Ok(restricted_page(&case, Some(&message))),
        };
        if crate::parties::authorise_case_action(&state, &staff, &case, &asked)
            .await
            .is_err()
        {
            return Ok(restricted_page(&case, None));
        }
        match crate::work::command(&state, &staff, &id, command).await {
            Ok(_) => Ok(see_other(&back_to_case(&case, &form.reason, Some(done)))),
            Err(refused) => {
                let (status, _, message) = crate::safety_pages::refusal(refused).await;
                let mut main = Markup::trusted(format!(
                    "<h1 class=\"govuk-heading-l\">The work item was not changed</h1>\n<p class=\"govuk-body\">{}</p>\n<p class=\"govuk-body\"><a class=\"govuk-link\" href=\"{}\">Back to the case</a></p>\n",
                    escape(&message),
                    escape(&back_to_case(&case, &form.reason, None))
                ));
                main.push(&Markup::default());
                Ok(respond(
                    if status == StatusCode::NOT_FOUND {
                        StatusCode::NOT_FOUND
                    } else {
                        StatusCode::UNPROCESSABLE_ENTITY
                    },
                    &Page {
                        title: "The work item was not changed",
                        exit_this_page: false,
                        main,
                    },
                ))
            }
        }
    };
    result.await.unwrap_or_else(|response| response)
}
