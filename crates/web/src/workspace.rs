//! The caseworker workspace's pages: the queues, and a case page showing
//! the parties as the signed-in role may see them, the case's state and
//! schedule, the paying parent's ledger and arrears, the timeline of
//! events, the Domestic Abuse Plan and the coercion signals.
//!
//! Access is the API's: a restricted case shows nothing but a notice and
//! the break-glass form to anyone but the specialist team and its named
//! caseworker; giving a reason is audited before anything is shown. The
//! parties come only through `parties::audited_view`.

// A refused request is answered with its `Response` straight away.
#![allow(clippy::result_large_err)]

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use case_records::{CaseReference, CaseView, ReceivingParentId, Role, Shown};
use ledger::StatementFor;
use safety::SafetyState;
use std::collections::HashMap;

use crate::AppState;
use crate::cases::{SignedIn, Staff, storage_failure};
use crate::html::{self, Button, DateInput, Input, Markup, Radios, escape};
use crate::pages::{Page, respond};

fn page(title: &str, main: Markup) -> Response {
    respond(
        StatusCode::OK,
        &Page {
            title,
            exit_this_page: false,
            main,
        },
    )
}

/// A staff page that is not there (or not for this role).
fn not_found() -> Response {
    respond(
        StatusCode::NOT_FOUND,
        &Page {
            title: "Page not found",
            exit_this_page: false,
            main: heading(1, "Page not found"),
        },
    )
}

fn heading(level: u8, text: &str) -> Markup {
    let class = if level == 1 {
        "govuk-heading-l"
    } else {
        "govuk-heading-m"
    };
    Markup::trusted(format!(
        "<h{level} class=\"{class}\">{}</h{level}>\n",
        escape(text)
    ))
}

/// A table with a caption, column headers and rows of text.
fn table(caption: &str, head: &[&str], rows: &[Vec<String>]) -> Markup {
    let columns: Vec<html::Column<'_>> = head
        .iter()
        .map(|heading| html::Column {
            heading,
            numeric: false,
        })
        .collect();
    let rows: Vec<Vec<Markup>> = rows
        .iter()
        .map(|row| row.iter().map(|cell| html::text(cell)).collect())
        .collect();
    html::table(caption, &columns, &rows, false)
}

/// Staff signed in through the pages, and their session, or the way to
/// sign in.
async fn staff_session(state: &AppState, headers: &HeaderMap) -> Result<(Staff, String), Response> {
    match crate::self_service::signed_in(state, headers).await {
        Some((SignedIn { role, .. }, _)) if !role.sees_cases() => {
            Err(crate::analyst::no_cases_page())
        }
        Some((SignedIn { person, role }, session)) if !role.is_parent() => {
            Ok((Staff { person, role }, session))
        }
        _ => Err(crate::self_service::see_other("/sign-in")),
    }
}

/// Staff signed in through the pages, or the way to sign in.
async fn staff(state: &AppState, headers: &HeaderMap) -> Result<Staff, Response> {
    staff_session(state, headers).await.map(|(staff, _)| staff)
}

/// `GET /work`: find a case, and the queues this role works.
pub async fn home(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let (staff, session) = match staff_session(&state, &headers).await {
        Ok(signed_in) => signed_in,
        Err(response) => return response,
    };
    let mut main = heading(1, "Your work");
    if matches!(staff.role, Role::TeamLeader | Role::Auditor) {
        main.push(&Markup::trusted(
            "<p class=\"govuk-body\"><a class=\"govuk-link\" href=\"/work/mi\">Management information</a></p>\n".to_owned(),
        ));
    }
    // Someone in danger now: above everything, on every specialist's page.
    match crate::work::alert(&state, &staff).await {
        Ok(alert) => main.push(&alert),
        Err(response) => return response,
    }
    // Finding a case: by reference, or by a person's details through the
    // blind index (`search.rs`).
    main.push(&crate::search::form(
        &crate::self_service::csrf_token(&session),
        staff.role,
        None,
        "",
    ));
    // The queues: a page of the work items the store keeps as the work
    // happens, most urgent first then oldest; nothing here reads the
    // caseload, so the page costs the same at any size.
    let teams = work_items::Team::of_role(staff.role);
    let now = state.clock.now_unix_seconds();
    let read = |query: work_items::WorkQuery| {
        let state = state.clone();
        async move { state.store.work_queue(&query).await }
    };
    if !teams.is_empty() {
        let me = case_records::PersonId(u64::try_from(staff.person).unwrap_or(0));
        // Whatever team it belongs to: a named caseworker gets the
        // specialist team's review of their case.
        let mine = match read(work_items::WorkQuery {
            assignee: Some(me),
            limit: crate::work::PAGE_SIZE,
            ..work_items::WorkQuery::default()
        })
        .await
        {
            Ok(page) => page,
            Err(failure) => return storage_failure(&failure),
        };
        main.push(&heading(2, "Assigned to you"));
        main.push(&crate::work::list(&mine.items, now, staff.person));
    }
    for team in &teams {
        let queue = match read(work_items::WorkQuery {
            teams: vec![*team],
            limit: crate::work::PAGE_SIZE,
            ..work_items::WorkQuery::default()
        })
        .await
        {
            Ok(page) => page,
            Err(failure) => return storage_failure(&failure),
        };
        main.push(&heading(2, team.in_words()));
        main.push(&crate::work::list(&queue.items, now, staff.person));
        main.push(&crate::work::counts(&queue, *team));
        if queue.total() > u64::from(crate::work::PAGE_SIZE) {
            main.push(&Markup::trusted(format!(
                "<p class=\"govuk-body\"><a class=\"govuk-link\" href=\"/work/queue?team={}\">All {} in this queue</a></p>\n",
                team.code(),
                queue.total()
            )));
        }
    }
    if teams.contains(&work_items::Team::Casework) {
        let waiting = match read(work_items::WorkQuery {
            teams: vec![work_items::Team::Casework],
            kind: Some(work_items::WorkKind::ApplicationWaiting),
            limit: 50,
            ..work_items::WorkQuery::default()
        })
        .await
        {
            Ok(page) => page,
            Err(failure) => return storage_failure(&failure),
        };
        main.push(&heading(2, "Applications waiting for a calculation"));
        main.push(&crate::work::list(&waiting.items, now, staff.person));
    }
    if crate::collection::may_work_money(staff.role) {
        main.push(&Markup::trusted(
            "<p class=\"govuk-body\"><a class=\"govuk-link\" href=\"/work/arrears\">Collect and Pay cases with arrears</a> (a report read across cases)</p>\n".to_owned(),
        ));
        // Money in suspense is work kept as it happens (a work item per
        // payment, in the Payments queue above): counted from the kept
        // totals and listed by the queue, never read across the ledger.
        // What the payer wrote can say where someone is, so it is shown
        // only on the payment's own page, never in a list.
        main.push(&heading(2, "Payments we could not match"));
        let waiting = match state.store.work_queue(&work_items::WorkQuery {
            teams: vec![work_items::Team::Money],
            kind: Some(work_items::WorkKind::SuspensePayment),
            limit: 1,
            ..work_items::WorkQuery::default()
        })
        .await
        {
            Ok(page) => page.total(),
            Err(failure) => return storage_failure(&failure),
        };
        main.push(&Markup::trusted(if waiting == 0 {
            "<p class=\"govuk-body\">None.</p>\n".to_owned()
        } else {
            format!(
                "<p class=\"govuk-body\"><a class=\"govuk-link\" href=\"/work/queue?team=money&amp;kind=suspense_payment\">{waiting} waiting to be matched</a>, oldest first</p>\n"
            )
        }));
    }
    page("Your work", main)
}

/// `GET /work/queue?team=…&kind=…&risk=…&mine=true&overdue=true&page=N`:
/// one queue, a page at a time, with its counts.
pub async fn queue(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let staff = match staff(&state, &headers).await {
        Ok(staff) => staff,
        Err(response) => return response,
    };
    let now = state.clock.now_unix_seconds();
    let query = match crate::work::query_from(&staff, &params, now) {
        Ok(query) => query,
        Err(_) => return not_found(),
    };
    let result = match state.store.work_queue(&query).await {
        Ok(page) => page,
        Err(failure) => return storage_failure(&failure),
    };
    let title = query
        .kind
        .map_or("Work queue", work_items::WorkKind::in_words);
    let mut main = heading(1, title);
    match crate::work::alert(&state, &staff).await {
        Ok(alert) => main.push(&alert),
        Err(response) => return response,
    }
    main.push(&crate::work::list(&result.items, now, staff.person));
    let page_number = query.offset / crate::work::PAGE_SIZE + 1;
    let pages = result
        .total()
        .div_ceil(u64::from(crate::work::PAGE_SIZE))
        .max(1);
    // The filters, kept in every page's address (sorted, so it is stable).
    let mut kept: Vec<(&String, &String)> =
        params.iter().filter(|(k, _)| k.as_str() != "page").collect();
    kept.sort();
    let base: String = kept
        .iter()
        .map(|(k, v)| format!("{}={}&amp;", escape(k), escape(v)))
        .collect();
    main.push(&Markup::trusted(format!(
        "<p class=\"govuk-body\">Page {page_number} of {pages} ({} items)</p>\n",
        result.total()
    )));
    main.push(&crate::work::pagination(
        &format!("/work/queue?{base}"),
        page_number,
        u32::try_from(pages).unwrap_or(u32::MAX),
    ));
    page(title, main)
}

/// `GET /work/arrears?page=N` (roles that work money): Collect and Pay
/// cases with arrears, largest first, a page at a time, read by the index
/// on what each paying parent owes (kept by the ledger's writes), with the
/// count kept beside it: never read across cases.
pub async fn arrears(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    const PER_PAGE: u32 = 25;
    let staff = match staff(&state, &headers).await {
        Ok(staff) => staff,
        Err(response) => return response,
    };
    if !crate::collection::may_work_money(staff.role) {
        return not_found();
    }
    let page_number: u32 = match params.get("page").map(|p| p.parse::<u32>()) {
        None => 1,
        Some(Ok(n)) if (1..=10_000).contains(&n) => n,
        Some(_) => return not_found(),
    };
    if params.keys().any(|k| k != "page") {
        return not_found();
    }
    let (rows, totals) = match (
        state
            .store
            .arrears_page((page_number - 1) * PER_PAGE, PER_PAGE)
            .await,
        state.store.mi_totals(Some(storage_api::mi::CASES_IN_ARREARS)).await,
    ) {
        (Ok(rows), Ok(totals)) => (rows, totals),
        (Err(failure), _) | (_, Err(failure)) => return storage_failure(&failure),
    };
    let in_arrears =
        u32::try_from(totals.get(storage_api::mi::CASES_IN_ARREARS, "")).unwrap_or(0);
    let pages = in_arrears.div_ceil(PER_PAGE).max(1);
    let mut main = heading(1, "Enforcement: Collect and Pay cases with arrears");
    if rows.is_empty() {
        main.push(&html::paragraph("No arrears."));
    } else {
        let cells: Vec<Vec<Markup>> = rows
            .iter()
            .map(|(case, owed)| {
                vec![
                    Markup::trusted(format!(
                        "<a class=\"govuk-link\" href=\"/work/cases/{case}\">{case}</a>"
                    )),
                    html::text(&crate::pages::signed_pounds(i128::from(*owed))),
                ]
            })
            .collect();
        let column = |heading, numeric| html::Column { heading, numeric };
        main.push(&html::table(
            &format!("Largest arrears first: {in_arrears} cases"),
            &[column("Case", false), column("Arrears", true)],
            &cells,
            false,
        ));
    }
    main.push(&crate::work::pagination("/work/arrears?", page_number, pages));
    page("Arrears", main)
}

/// `GET /work/case?reference=…`: the search form's answer.
pub async fn find(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let staff = match staff(&state, &headers).await {
        Ok(staff) => staff,
        Err(response) => return response,
    };
    let typed = query.get("reference").map_or("", |r| r.trim());
    match CaseReference::parse(&typed.to_uppercase()) {
        Ok(case) => {
            // Auditors look at who saw a case, not at the case.
            let location = if staff.role == Role::Auditor {
                format!("/work/cases/{case}/audit")
            } else {
                format!("/work/cases/{case}")
            };
            let mut response = StatusCode::SEE_OTHER.into_response();
            if let Ok(location) = HeaderValue::from_str(&location) {
                response
                    .headers_mut()
                    .insert(axum::http::header::LOCATION, location);
            }
            response
        }
        Err(reason) => {
            let mut main = html::error_summary(
                "There is a problem",
                &[(
                    "#reference".to_owned(),
                    format!("Enter a case reference like CM-7K3P-9XQ2-D ({reason})"),
                )],
            );
            main.push(&heading(1, "Find a case"));
            main.push(&Markup::trusted(
                "<form method=\"get\" action=\"/work/case\" novalidate>\n".to_owned(),
            ));
            main.push(&html::input(&Input {
                id: "reference",
                name: "reference",
                label: "Case reference",
                error: Some("Enter a case reference like CM-7K3P-9XQ2-D"),
                value: Some(typed).filter(|t| !t.is_empty()),
                classes: Some("govuk-input--width-20"),
                ..Input::default()
            }));
            main.push(&html::button(&Button {
                text: "Find case",
                ..Button::default()
            }));
            main.push(&Markup::trusted("</form>\n".to_owned()));
            respond(
                StatusCode::UNPROCESSABLE_ENTITY,
                &Page {
                    title: "Error: Find a case",
                    exit_this_page: false,
                    main,
                },
            )
        }
    }
}

fn shown<T: AsRef<str>>(field: &Shown<T>) -> String {
    match field {
        Shown::Visible(value) => value.as_ref().to_owned(),
        Shown::VisibleByBreakGlass(value) => format!("{} (seen by break-glass)", value.as_ref()),
        Shown::Withheld => "Withheld".to_owned(),
    }
}

fn shown_optional(field: &Shown<Option<String>>) -> String {
    match field {
        Shown::Visible(value) | Shown::VisibleByBreakGlass(value) => {
            value.clone().unwrap_or_else(|| "Not recorded".to_owned())
        }
        Shown::Withheld => "Withheld".to_owned(),
    }
}

/// `GET /work/cases/{reference}` (`?reason=` to break the glass on a
/// restricted case): the case page.
pub async fn case_page(
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
        let signed_in = staff.signed_in();
        let history = crate::cases::history_or_404(&state, &case).await?;
        let today = state.clock.today();
        let mut main = heading(1, &format!("Case {case}"));
        if staff.role == Role::TeamLeader {
            main.push(&Markup::trusted(format!(
                "<p class=\"govuk-body\"><a class=\"govuk-link\" href=\"/work/cases/{case}/audit\">Who viewed this case</a></p>\n"
            )));
        }
        let terms = ledger::CollectionTerms::on(&history, today, today, state.parameters);
        main.push(&html::summary_list(&[
            (
                "State".to_owned(),
                html::text(&format!("{:?}", history.state(today, today))),
            ),
            (
                "Service".to_owned(),
                html::text(if terms.collect_and_pay {
                    "Collect and Pay"
                } else {
                    "Direct Pay"
                }),
            ),
        ]));

        // Free words on this case (hold reasons, payers' words in the
        // signals), as this viewer may see them.
        let words =
            crate::free_words::FreeWords::on_case(&state, staff.person, staff.role, &case).await?;

        // The parties, as this role may see them.
        main.push(&heading(2, "Parties"));
        match crate::parties::audited_view(&state, &signed_in, case, reason.clone()).await {
            Ok(CaseView::Staff(view)) => {
                let rows: Vec<Vec<String>> = view
                    .parties
                    .iter()
                    .map(|p| {
                        vec![
                            format!("{:?}", p.subject),
                            shown(&p.name),
                            shown(&p.address),
                            shown(&p.postcode),
                            shown_optional(&p.phone),
                        ]
                    })
                    .collect();
                main.push(&table(
                    "Parties",
                    &["Party", "Name", "Address", "Postcode", "Phone"],
                    &rows,
                ));
            }
            Ok(CaseView::Parent(_)) => {}
            Err(_) => main.push(&html::paragraph("No parties are recorded.")),
        }

        // What is due: the schedule.
        main.push(&heading(2, "Schedule"));
        let until = today.add_years(1).unwrap_or(today);
        match case_records::liability_schedule(&history, state.parameters, today, until) {
            Ok(schedule) => {
                let rows: Vec<Vec<String>> = schedule
                    .segments
                    .iter()
                    .map(|s| {
                        vec![
                            s.from.to_string(),
                            s.to.to_string(),
                            domain_types::Pence::new(s.weekly.values().map(|p| p.get()).sum())
                                .to_string(),
                            s.rate
                                .map_or_else(|| "none".to_owned(), |r| format!("{r:?}")),
                            s.reasons
                                .iter()
                                .map(|r| format!("{r:?}"))
                                .collect::<Vec<_>>()
                                .join(", "),
                        ]
                    })
                    .collect();
                main.push(&table(
                    "Weekly amounts over time",
                    &["From", "To", "Weekly", "Rate", "Why"],
                    &rows,
                ));
            }
            Err(error) => main.push(&html::paragraph(&format!("No schedule yet: {error}"))),
        }

        // The calculation in force today, explained.
        main.push(&heading(2, "Calculation"));
        match crate::pages::calculation_today(&history, state.parameters, today) {
            Some(answer) => {
                main.push(&html::paragraph(&format!(
                    "{} a week in all, at the {} rate, under the rules in force from {}.",
                    domain_types::Pence::new(answer.weekly_total_pence),
                    answer.rate.replace('_', " "),
                    answer.parameters_effective_from
                )));
                main.push(&crate::pages::explanation_list(
                    answer
                        .explanation
                        .iter()
                        .map(|step| (step.text.as_str(), step.rule.as_str())),
                ));
            }
            None => main.push(&html::paragraph(
                "No calculation has been made, or none runs today.",
            )),
        }

        // The paying parent's ledger.
        main.push(&heading(2, "Ledger"));
        // The ledger and the actions, read once for the ledger, enforcement
        // and the signals below.
        let (transfers, actions) = crate::collection::case_state(&state, &case).await?;
        let lines = ledger::statement(&transfers, case, StatementFor::PayingParent, today);
        let owed = lines.last().map_or(0, |l| l.balance);
        main.push(&html::summary_list(&[(
            "Owed by the paying parent".to_owned(),
            html::text(&crate::pages::signed_pounds(owed.max(0))),
        )]));
        let rows: Vec<Vec<String>> = lines
            .iter()
            .rev()
            .take(20)
            .map(|l| {
                let money = crate::pages::signed_pounds;
                vec![
                    l.date.to_string(),
                    l.description.to_owned(),
                    money(l.due),
                    money(l.paid),
                    money(l.charged),
                    money(l.balance),
                ]
            })
            .collect();
        main.push(&table(
            "The last 20 lines, newest first",
            &["Date", "What", "Due", "Paid", "Charged", "Balance"],
            &rows,
        ));

        // Enforcement: the steps, and the forms to propose, review and approve.
        let collection = ledger::CollectionState::from_actions(&actions);
        let token = crate::self_service::csrf_token(&session);
        let action_form = |fields: &str, button: &str, classes: Option<&str>| {
            let mut form = Markup::trusted(format!(
                "<form method=\"post\" action=\"/work/cases/{}/actions\" novalidate>\n<input type=\"hidden\" name=\"form_token\" value=\"{}\">\n<input type=\"hidden\" name=\"reason\" value=\"{}\">\n{fields}",
                escape(&case.to_string()),
                escape(&token),
                escape(reason.as_deref().unwrap_or("")),
            ));
            form.push(&html::button(&Button {
                text: button,
                classes,
                ..Button::default()
            }));
            form.push(&Markup::trusted("</form>\n".to_owned()));
            form
        };

        // Money passed on: hold or release each receiving parent's payments
        // (collection::act_on_case, the API's own checks and recording).
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
            // The page's reading of the log: a double submit from this page
            // is one action; a new one after the page changed is another.
            let seen = actions.len();
            for receiving_parent in receiving_parents {
                let n = receiving_parent.0;
                let common = format!(
                    "<input type=\"hidden\" name=\"receiving_parent\" value=\"{n}\">\n<input type=\"hidden\" name=\"seen\" value=\"{seen}\">\n"
                );
                if let Some(why) = collection.held.get(&receiving_parent) {
                    main.push(&html::summary_list(&[(
                        format!("Receiving parent {n}"),
                        html::text(&format!("Held: {}", words.show(why))),
                    )]));
                    main.push(&action_form(
                        &format!("<input type=\"hidden\" name=\"action\" value=\"release_disbursements\">\n{common}"),
                        &format!("Release payments to receiving parent {n}"),
                        Some("govuk-button--secondary"),
                    ));
                } else {
                    main.push(&html::summary_list(&[(
                        format!("Receiving parent {n}"),
                        html::text("Passed on each working day"),
                    )]));
                    let mut fields = format!(
                        "<input type=\"hidden\" name=\"action\" value=\"hold_disbursements\">\n{common}"
                    );
                    fields.push_str(
                        html::input(&Input {
                            id: &format!("hold_reason_{n}"),
                            name: "hold_reason",
                            label: &format!("Why hold payments to receiving parent {n}?"),
                            hint: Some("For example, their bank account is being checked. Money is still collected for them."),
                            classes: Some("govuk-!-width-two-thirds"),
                            ..Input::default()
                        })
                        .as_str(),
                    );
                    main.push(&action_form(
                        &fields,
                        &format!("Hold payments to receiving parent {n}"),
                        Some("govuk-button--warning"),
                    ));
                }
            }
        }

        // What parents asked or told from their pages, until dealt with.
        if staff.role.may_record_changes() || !collection.open_requests.is_empty() {
            main.push(&heading(2, "Requests from parents"));
            if collection.open_requests.is_empty() {
                main.push(&html::paragraph("None waiting."));
            }
            let seen = actions.len();
            for open in &collection.open_requests {
                main.push(&html::summary_list(&[(
                    format!("Request {}", open.request),
                    html::text(&format!(
                        "{} ({:?}, {})",
                        request_words(&open.action),
                        open.by.role,
                        open.by.on
                    )),
                )]));
                if staff.role.may_record_changes() {
                    main.push(&action_form(
                        &format!(
                            "<input type=\"hidden\" name=\"action\" value=\"request_dealt_with\">\n<input type=\"hidden\" name=\"request\" value=\"{}\">\n<input type=\"hidden\" name=\"seen\" value=\"{seen}\">\n",
                            open.request
                        ),
                        &format!("Request {} is dealt with", open.request),
                        Some("govuk-button--secondary"),
                    ));
                }
            }
        }

        main.push(&heading(2, "Enforcement"));
        if collection.steps.is_empty() {
            main.push(&html::paragraph("No enforcement steps."));
        }
        for step in &collection.steps {
            let status = match (step.outcome, step.review) {
                (Some(outcome), _) => format!("{outcome:?}"),
                (None, Some(_)) => "proposed, reviewed by the specialist team".to_owned(),
                (None, None) => "proposed".to_owned(),
            };
            main.push(&html::summary_list(&[(
                format!(
                    "Step {}: {}",
                    step.step,
                    step.action.code().replace('_', " ")
                ),
                html::text(&status),
            )]));
            if step.outcome.is_none() {
                let fields = format!(
                    "<input type=\"hidden\" name=\"action\" value=\"approve_enforcement\">\n<input type=\"hidden\" name=\"step\" value=\"{}\">\n",
                    step.step
                );
                main.push(&action_form(
                    &fields,
                    &format!("Approve step {}", step.step),
                    None,
                ));
                if step.review.is_none() {
                    let fields = format!(
                        "<input type=\"hidden\" name=\"action\" value=\"review_enforcement\">\n<input type=\"hidden\" name=\"step\" value=\"{}\">\n",
                        step.step
                    );
                    main.push(&action_form(
                        &fields,
                        &format!("Record the specialist review of step {}", step.step),
                        Some("govuk-button--secondary"),
                    ));
                }
            }
        }
        if matches!(staff.role, Role::EnforcementOfficer | Role::TeamLeader) {
            let next = collection.next_step();
            let words: Vec<String> = ledger::EnforcementAction::ALL
                .iter()
                .map(|a| a.code().replace('_', " "))
                .collect();
            let items: Vec<(&str, &str, bool)> = ledger::EnforcementAction::ALL
                .iter()
                .zip(&words)
                .map(|(action, words)| (action.code(), words.as_str(), false))
                .collect();
            let mut fields = format!(
                "<input type=\"hidden\" name=\"action\" value=\"propose_enforcement\">\n<input type=\"hidden\" name=\"step\" value=\"{next}\">\n"
            );
            fields.push_str(
                html::radios(&Radios {
                    name: "enforcement",
                    legend: &format!("Propose step {next}"),
                    legend_classes: Some("govuk-fieldset__legend--s"),
                    items: &items,
                    classes: Some("govuk-radios--small"),
                    ..Radios::default()
                })
                .as_str(),
            );
            main.push(&action_form(
                &fields,
                "Propose",
                Some("govuk-button--secondary"),
            ));
        }

        // An application: the calculation is made here, once.
        if history.initial_effective_date.is_none() && staff.role.may_record_changes() {
            main.push(&heading(2, "Make the calculation"));
            main.push(&html::paragraph(
                "This case is an application. Give the paying parent's gross weekly income (from HM Revenue and Customs, or as they told us) and the initial effective date: liability starts then.",
            ));
            let mut fields =
                "<input type=\"hidden\" name=\"action\" value=\"make_calculation\">\n".to_owned();
            fields.push_str(
                html::input(&Input {
                    id: "calculation_income",
                    name: "income",
                    label: "The paying parent's gross weekly income",
                    prefix: Some("£"),
                    classes: Some("govuk-input--width-10"),
                    inputmode: Some("decimal"),
                    ..Input::default()
                })
                .as_str(),
            );
            fields.push_str(
                html::date_input(&DateInput {
                    id: "calculation_effective_from",
                    name_prefix: Some("effective_from"),
                    legend: "Initial effective date",
                    legend_classes: Some("govuk-fieldset__legend--s"),
                    hint: Some("For example, 1 6 2026"),
                    ..DateInput::default()
                })
                .as_str(),
            );
            main.push(&action_form(&fields, "Make the calculation", None));
        }

        // Recording a change.
        if staff.role.may_record_changes() {
            main.push(&heading(2, "Record a change"));
            let mut fields =
                "<input type=\"hidden\" name=\"action\" value=\"record_change\">\n".to_owned();
            fields.push_str(
                html::radios(&Radios {
                    name: "change",
                    legend: "What changed?",
                    legend_classes: Some("govuk-fieldset__legend--s"),
                    classes: Some("govuk-radios--small"),
                    items: &[
                        ("income", "The paying parent's income", false),
                        ("child_joined", "A child joins the case", false),
                        ("child_left", "A child leaves the case", false),
                        (
                            "shared_care",
                            "Nights a child stays with the paying parent",
                            false,
                        ),
                        (
                            "relevant_other_children",
                            "Other children living with the paying parent",
                            false,
                        ),
                        ("case_closed", "The case closes", false),
                        ("case_reopened", "The case opens again", false),
                    ],
                    ..Radios::default()
                })
                .as_str(),
            );
            fields.push_str(
                html::date_input(&DateInput {
                    id: "effective_from",
                    name_prefix: Some("effective_from"),
                    legend: "From which day?",
                    legend_classes: Some("govuk-fieldset__legend--s"),
                    hint: Some("For example, 1 6 2026"),
                    ..DateInput::default()
                })
                .as_str(),
            );
            for (id, label, width) in [
                (
                    "child",
                    "The child's number in the case, for a child joining, leaving or staying",
                    "govuk-input--width-2",
                ),
                (
                    "nights",
                    "Nights a year with the paying parent, for shared care",
                    "govuk-input--width-3",
                ),
                (
                    "count",
                    "How many other children, for other children",
                    "govuk-input--width-2",
                ),
            ] {
                fields.push_str(
                    html::input(&Input {
                        id,
                        name: id,
                        label,
                        classes: Some(width),
                        inputmode: Some("numeric"),
                        ..Input::default()
                    })
                    .as_str(),
                );
            }
            fields.push_str(
                html::input(&Input {
                    id: "income",
                    name: "income",
                    label: "New weekly income, for a change of income",
                    prefix: Some("£"),
                    classes: Some("govuk-input--width-10"),
                    inputmode: Some("decimal"),
                    ..Input::default()
                })
                .as_str(),
            );
            main.push(&action_form(
                &fields,
                "Record the change",
                Some("govuk-button--secondary"),
            ));
        }

        // Moving to Collect and Pay.
        if !terms.collect_and_pay && staff.role.may_record_changes() {
            main.push(&heading(2, "Move to Collect and Pay"));
            let evidence = safety::EvidenceList::embedded();
            let evidence_items: Vec<(&str, &str, bool)> = evidence
                .types
                .iter()
                .map(|t| (t.code.as_str(), t.description.as_str(), false))
                .collect();
            let mut fields =
                "<input type=\"hidden\" name=\"action\" value=\"move_to_collect_and_pay\">\n"
                    .to_owned();
            fields.push_str(
                html::radios(&Radios {
                    name: "route",
                    legend: "Why is the case moving?",
                    legend_classes: Some("govuk-fieldset__legend--s"),
                    items: &[
                        ("both_agree", "Both parents agree", false),
                        ("paying_parent_agrees", "The receiving parent asked and the paying parent agrees", false),
                        ("unlikely_to_pay", "The paying parent is unlikely to pay, and the regulation 3A notice has been given", false),
                        ("abuse_evidence", "A parent asked, with evidence of domestic abuse (the other parent is not asked)", false),
                    ],
                    ..Radios::default()
                })
                .as_str(),
            );
            fields.push_str(
                html::radios(&Radios {
                    name: "applicant",
                    legend: "With evidence of abuse: who asked?",
                    legend_classes: Some("govuk-fieldset__legend--s"),
                    classes: Some("govuk-radios--small"),
                    items: &[
                        ("receiving_parent", "The receiving parent", false),
                        ("paying_parent", "The paying parent", false),
                    ],
                    ..Radios::default()
                })
                .as_str(),
            );
            fields.push_str(
                html::radios(&Radios {
                    name: "evidence",
                    legend: "With evidence of abuse: what evidence?",
                    legend_classes: Some("govuk-fieldset__legend--s"),
                    hint: Some(&evidence.description),
                    classes: Some("govuk-radios--small"),
                    items: &evidence_items,
                    ..Radios::default()
                })
                .as_str(),
            );
            main.push(&action_form(
                &fields,
                "Move to Collect and Pay",
                Some("govuk-button--secondary"),
            ));
        }

        // Safety: the plan, the signals, the timeline.
        let records = state
            .store
            .safety_events(&case)
            .await
            .map_err(|e| storage_failure(&e))?;
        let safety_state = SafetyState::from_records(&records);
        main.push(&heading(2, "Safety"));
        main.push(&html::summary_list(&[
            ("Risk".to_owned(), html::text(safety_state.risk.code())),
            (
                "Disclosures waiting for review".to_owned(),
                html::text(&safety_state.awaiting_review.len().to_string()),
            ),
            (
                "Domestic Abuse Plan steps to take".to_owned(),
                html::text(
                    &safety_state
                        .plan_steps_remaining(&records)
                        .iter()
                        .map(|s| s.code().replace('_', " "))
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
            ),
        ]));
        let events =
            crate::casework::coercion_events_from(&state, &case, &transfers, &records).await?;
        let signals = safety::scan(&events, today, safety::Thresholds::embedded());
        if signals.is_empty() {
            main.push(&html::paragraph("No coercion signals."));
        } else {
            let rows: Vec<Vec<String>> = signals
                .iter()
                .map(|s| {
                    vec![
                        s.kind.in_words().to_owned(),
                        s.party.in_words().to_owned(),
                        words.show(&s.explanation),
                    ]
                })
                .collect();
            main.push(&table(
                "Coercion signals (information for a caseworker, never a decision)",
                &["Pattern", "About", "Why"],
                &rows,
            ));
        }
        if matches!(
            staff.role,
            Role::Caseworker | Role::DomesticAbuseSpecialist | Role::TeamLeader
        ) {
            let mut fields = "<input type=\"hidden\" name=\"action\" value=\"refer\">\n".to_owned();
            fields.push_str(
                html::radios(&Radios {
                    name: "recipient",
                    legend: "Refer suspected financial abuse to",
                    legend_classes: Some("govuk-fieldset__legend--s"),
                    hint: Some("You get the referral pack as a PDF, with anything that could locate a protected person withheld. The referral is recorded on the case."),
                    classes: Some("govuk-radios--small"),
                    items: &[
                        ("police", "The police", false),
                        ("cps", "The Crown Prosecution Service", false),
                    ],
                    ..Radios::default()
                })
                .as_str(),
            );
            main.push(&action_form(
                &fields,
                "Make the referral pack",
                Some("govuk-button--secondary"),
            ));
        }
        let mut timeline: Vec<(String, String)> = history
            .events
            .iter()
            .map(|e| {
                (
                    e.recorded_on.to_string(),
                    format!(
                        "{} (from {})",
                        e.change.encode().0.replace('_', " "),
                        e.effective_from
                    ),
                )
            })
            .collect();
        timeline.extend(
            records
                .iter()
                .map(|r| (r.by.on.to_string(), r.event.encode().0.replace('_', " "))),
        );
        timeline.sort();
        let rows: Vec<Vec<String>> = timeline
            .into_iter()
            .rev()
            .map(|(on, what)| vec![on, what])
            .collect();
        main.push(&heading(2, "Timeline"));
        main.push(&table(
            "Everything recorded, newest first",
            &["Recorded", "What"],
            &rows,
        ));
        Ok(page(&format!("Case {case}"), main))
    };
    result.await.unwrap_or_else(|response| response)
}

/// A restricted case: nothing but the notice and the break-glass form.
fn restricted_page(case: &CaseReference, refused: Option<&str>) -> Response {
    let mut main = Markup::default();
    if let Some(message) = refused {
        main.push(&html::error_summary(
            "There is a problem",
            &[("#reason".to_owned(), message.to_owned())],
        ));
    }
    main.push(&heading(1, &format!("Case {case}")));
    main.push(&Markup::trusted(
        "<div class=\"govuk-warning-text\"><span class=\"govuk-warning-text__icon\" aria-hidden=\"true\">!</span><strong class=\"govuk-warning-text__text\"><span class=\"govuk-visually-hidden\">Warning</span> This case is restricted to the domestic abuse specialist team and its named caseworker.</strong></div>\n".to_owned(),
    ));
    main.push(&Markup::trusted(format!(
        "<form method=\"get\" action=\"/work/cases/{}\" novalidate>\n",
        escape(&case.to_string())
    )));
    main.push(&html::input(&Input {
        id: "reason",
        name: "reason",
        label: "Why do you need to see this case?",
        hint: Some("Your reason is recorded with your name and reviewed."),
        error: refused,
        ..Input::default()
    }));
    main.push(&html::button(&Button {
        text: "Open the case",
        classes: Some("govuk-button--warning"),
        ..Button::default()
    }));
    main.push(&Markup::trusted("</form>\n".to_owned()));
    respond(
        if refused.is_some() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        },
        &Page {
            title: &format!("Case {case}"),
            exit_this_page: false,
            main,
        },
    )
}

/// A break-glass reason typed on the case page, checked as the API checks
/// `X-Break-Glass-Reason`, and the same header for the API's access rule:
/// or the message saying why it cannot be taken.
fn reason_header(reason: &str) -> Result<(Option<String>, HeaderMap), String> {
    let reason =
        crate::json_input::break_glass_reason(Some(reason.as_bytes()), "reason").map_err(|_| {
            let checked = domain_types::HumanText::parse(
                reason,
                crate::json_input::BREAK_GLASS_REASON_MAX_CHARS,
            );
            match checked {
                Err(why) => format!("The reason {why}"),
                Ok(_) => "Enter the reason as text".to_owned(),
            }
        })?;
    let mut asked = HeaderMap::new();
    if let Some(reason) = &reason
        && let Ok(value) = HeaderValue::from_bytes(reason.as_bytes())
    {
        asked.insert("x-break-glass-reason", value);
    }
    Ok((reason, asked))
}

/// A caseworker's action from the case page.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct ActionForm {
    #[serde(default)]
    form_token: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    step: String,
    #[serde(default)]
    enforcement: String,
    #[serde(default)]
    route: String,
    #[serde(default)]
    applicant: String,
    #[serde(default)]
    evidence: String,
    #[serde(default)]
    recipient: String,
    #[serde(default)]
    change: String,
    #[serde(default)]
    effective_from: String,
    #[serde(default)]
    income: String,
    #[serde(default)]
    receiving_parent: String,
    #[serde(default)]
    hold_reason: String,
    /// How many collection actions the page saw, for the idempotency key.
    #[serde(default)]
    seen: String,
    #[serde(default)]
    request: String,
    #[serde(rename = "effective_from-day", default)]
    effective_from_day: String,
    #[serde(rename = "effective_from-month", default)]
    effective_from_month: String,
    #[serde(rename = "effective_from-year", default)]
    effective_from_year: String,
    /// A child's number in the case.
    #[serde(default)]
    child: String,
    /// Nights a year with the paying parent.
    #[serde(default)]
    nights: String,
    /// How many other children.
    #[serde(default)]
    count: String,
}

impl ActionForm {
    /// The day typed: the date input's three fields, or one ISO date.
    fn effective_from(&self, what: &str) -> Result<domain_types::Date, String> {
        if self.effective_from.trim().is_empty() {
            crate::pages::date_from_parts(
                [
                    &self.effective_from_day,
                    &self.effective_from_month,
                    &self.effective_from_year,
                ],
                what,
            )
        } else {
            domain_types::Date::parse_iso(self.effective_from.trim())
                .map_err(|_| format!("{what} must be a real date, like 27 3 2026"))
        }
    }
}

/// A parent's request in words, for the caseworker.
fn request_words(action: &ledger::CollectionAction) -> String {
    match action {
        ledger::CollectionAction::MoveRequested { reason } => {
            format!("Asks to move to Collect and Pay: {}", reason.in_words())
        }
        ledger::CollectionAction::ChangeReported { change, from } => {
            format!("Reports a change from {from}: {}", change.in_words())
        }
        other => format!("{other:?}"),
    }
}

/// `POST /work/cases/{reference}/actions`: move the case to Collect and Pay
/// (`casework::move_case`), or propose, review or approve an enforcement
/// step (`collection::act_on_case`): the API's own checks and recording;
/// then back to the case page, or a page saying why it was not done.
pub async fn act(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(reference): Path<String>,
    axum::Form(form): axum::Form<ActionForm>,
) -> Response {
    let result = async {
        let (staff, session) = staff_session(&state, &headers).await?;
        if let Err(expired) =
            crate::self_service::checked_form(&headers, &session, &form.form_token)
        {
            return Ok(expired);
        }
        let case = crate::cases::parse_reference(&reference)?;
        let asked = match reason_header(&form.reason) {
            Ok((_, asked)) => asked,
            Err(message) => {
                return Ok(after_action(
                    Err(crate::cases::error(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "reason",
                        message,
                    )),
                    &case,
                    "",
                )
                .await);
            }
        };
        crate::parties::authorise_case_action(&state, &staff, &case, &asked).await?;
        // The same intent twice is the same action: each key below names the
        // intent, so a double submit or a retry records nothing more.
        let answer = match form.action.as_str() {
            "record_change" => match change_from_form(&form) {
                Ok(change) => {
                    let today = state.clock.today();
                    let key = format!(
                        "page/change/{}/{}/{}/{}/{}/{}/{today}",
                        form.change,
                        change.0,
                        form.income.trim(),
                        form.child.trim(),
                        form.nights.trim(),
                        form.count.trim()
                    );
                    let events = [case_records::FactEvent {
                        effective_from: change.0,
                        recorded_on: today,
                        change: change.1,
                    }];
                    crate::cases::append_case_facts(&state, &staff, case, &key, &events).await
                }
                Err(message) => Err(crate::cases::error(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "change",
                    message,
                )),
            },
            "hold_disbursements" | "release_disbursements" => {
                let receiving_parent: u32 = form.receiving_parent.parse().map_err(|_| {
                    crate::cases::error(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "receiving_parent",
                        "which receiving parent?",
                    )
                })?;
                let hold = form.action == "hold_disbursements";
                if hold && form.hold_reason.trim().is_empty() {
                    return Err(crate::cases::error(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "hold_reason",
                        "say why the payments are held",
                    ));
                }
                let request = if hold {
                    // The API's own check, naming this page's field.
                    let reason = crate::json_input::human_text(
                        &form.hold_reason,
                        "hold_reason",
                        crate::collection::REASON_MAX_CHARS,
                    );
                    match reason {
                        Ok(reason) => {
                            serde_json::json!({"action": form.action, "receiving_parent": receiving_parent, "reason": reason.as_str()})
                        }
                        Err(refused) => {
                            return Ok(after_action(Err(refused), &case, &form.reason).await);
                        }
                    }
                } else {
                    serde_json::json!({"action": form.action, "receiving_parent": receiving_parent})
                };
                let key = format!(
                    "page/{}/{receiving_parent}/{}",
                    form.action,
                    form.seen.trim()
                );
                crate::collection::act_on_case(&state, &staff, case, &key, &request).await
            }
            "request_dealt_with" => {
                let request: u64 = form.request.parse().map_err(|_| {
                    crate::cases::error(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "request",
                        "which request?",
                    )
                })?;
                let key = format!("page/request_dealt_with/{request}");
                crate::collection::act_on_case(
                    &state,
                    &staff,
                    case,
                    &key,
                    &serde_json::json!({"action": "request_dealt_with", "request": request}),
                )
                .await
            }
            "make_calculation" => {
                let start = form.effective_from("Initial effective date");
                let income =
                    domain_types::Pence::parse_pounds(form.income.trim().trim_start_matches('£'));
                match (start, income) {
                    (Ok(start), Ok(weekly)) => {
                        crate::cases::make_calculation(&state, &staff, case, start, weekly).await
                    }
                    (Err(message), _) => Err(crate::cases::error(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "effective_from",
                        message,
                    )),
                    (_, Err(_)) => Err(crate::cases::error(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "income",
                        "enter the paying parent's gross weekly income as an amount, like 517.81",
                    )),
                }
            }
            "refer" => {
                let request = serde_json::json!({ "recipient": form.recipient });
                let key = format!("page/refer/{}/{}", form.recipient, state.clock.today());
                match crate::casework::refer_case(&state, &staff, case, &key, &request, true).await
                {
                    // The pack itself is the answer: a PDF to hand over.
                    Ok(response) if response.status().is_success() => return Ok(response),
                    other => other,
                }
            }
            "move_to_collect_and_pay" => {
                // Only the fields the route takes, as the API reads them.
                let request = match form.route.as_str() {
                    "unlikely_to_pay" => {
                        serde_json::json!({ "route": form.route, "notice_given": true })
                    }
                    "abuse_evidence" => serde_json::json!({
                        "route": form.route,
                        "applicant": form.applicant,
                        "evidence": form.evidence,
                    }),
                    _ => serde_json::json!({ "route": form.route }),
                };
                let key = format!(
                    "page/move/{}/{}/{}",
                    form.route, form.applicant, form.evidence
                );
                crate::casework::move_case(&state, &staff, case, &key, &request).await
            }
            "propose_enforcement" | "review_enforcement" | "approve_enforcement" => {
                let step: u64 = form.step.parse().map_err(|_| {
                    crate::cases::error(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "step",
                        "a step number is needed",
                    )
                })?;
                let request = if form.action == "propose_enforcement" {
                    serde_json::json!({"action": form.action, "step": step, "enforcement": form.enforcement})
                } else {
                    serde_json::json!({"action": form.action, "step": step})
                };
                let key = format!("page/{}/{step}/{}", form.action, form.enforcement);
                crate::collection::act_on_case(&state, &staff, case, &key, &request).await
            }
            _ => {
                return Err(crate::cases::error(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "action",
                    "not an action of this page",
                ));
            }
        };
        Ok(after_action(answer, &case, &form.reason).await)
    };
    result.await.unwrap_or_else(|response| response)
}

/// The change a "record a change" form describes: the day it applies from
/// and what changed, or what to correct.
fn change_from_form(
    form: &ActionForm,
) -> Result<(domain_types::Date, case_records::Change), String> {
    let effective_from = form.effective_from("The day the change applies from")?;
    let child = || {
        form.child
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|n| *n >= 1)
            .map(case_records::ChildId)
            .ok_or_else(|| "enter the child's number in the case, like 1".to_owned())
    };
    let change = match form.change.as_str() {
        "income" => {
            let weekly =
                domain_types::Pence::parse_pounds(form.income.trim().trim_start_matches('£'))
                    .map_err(|_| "enter the new weekly income as an amount, like 517.81")?;
            case_records::Change::Income(maintenance_calculation::Income::Weekly(weekly))
        }
        "child_joined" => case_records::Change::ChildJoined {
            child: child()?,
            receiving_parent: ReceivingParentId(1),
        },
        "child_left" => case_records::Change::ChildLeft { child: child()? },
        "shared_care" => case_records::Change::SharedCare {
            child: child()?,
            nights: form
                .nights
                .trim()
                .parse::<u16>()
                .ok()
                .and_then(maintenance_calculation::Nights::new)
                .ok_or("enter the nights a year with the paying parent, from 0 to 365")?,
        },
        "relevant_other_children" => case_records::Change::RelevantOtherChildren(
            form.count
                .trim()
                .parse::<u16>()
                .ok()
                .and_then(maintenance_calculation::OtherChildren::new)
                .ok_or("enter how many other children live with the paying parent")?,
        ),
        "case_closed" => case_records::Change::CaseClosed,
        "case_reopened" => case_records::Change::CaseReopened,
        _ => return Err("choose what changed".to_owned()),
    };
    Ok((effective_from, change))
}

/// Back to the case page after an action, or a page saying why it was not
/// done (the API's own words).
async fn after_action(
    answer: Result<Response, Response>,
    case: &CaseReference,
    reason: &str,
) -> Response {
    let back = format!(
        "/work/cases/{case}{}",
        if reason.trim().is_empty() {
            String::new()
        } else {
            format!(
                "?{}",
                serde_urlencoded::to_string([("reason", reason.trim())]).unwrap_or_default()
            )
        }
    );
    match answer {
        Ok(response) if response.status().is_success() => {
            let mut redirect = StatusCode::SEE_OTHER.into_response();
            if let Ok(location) = HeaderValue::from_str(&back) {
                redirect
                    .headers_mut()
                    .insert(axum::http::header::LOCATION, location);
            }
            redirect
        }
        Ok(response) | Err(response) => {
            let status = response.status();
            let body = axum::body::to_bytes(response.into_body(), 64 * 1024)
                .await
                .unwrap_or_default();
            let message = serde_json::from_slice::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| v["error"]["message"].as_str().map(str::to_owned))
                .unwrap_or_else(|| "the action was refused".to_owned());
            let mut main = heading(1, "This was not done");
            main.push(&html::paragraph(&message));
            main.push(&Markup::trusted(format!(
                "<p class=\"govuk-body\"><a class=\"govuk-link\" href=\"{}\">Back to the case</a></p>\n",
                escape(&back)
            )));
            respond(
                if status.is_client_error() {
                    status
                } else {
                    StatusCode::UNPROCESSABLE_ENTITY
                },
                &Page {
                    title: "This was not done",
                    exit_this_page: false,
                    main,
                },
            )
        }
    }
}

/// `GET /work/cases/{reference}/audit`: who viewed or changed the case, and
/// when, from the audit log (for auditors and team leaders; the log names
/// fields, never their contents), with whether the log's chain verifies.
/// Viewing this page is itself audited.
pub async fn audit_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(reference): Path<String>,
) -> Response {
    let result = async {
        let staff = staff(&state, &headers).await?;
        if !matches!(staff.role, Role::Auditor | Role::TeamLeader) {
            return Err(crate::cases::error(
                StatusCode::FORBIDDEN,
                "authorization",
                "this page is for auditors and team leaders",
            ));
        }
        let case = crate::cases::parse_reference(&reference)?;
        let entries = state
            .store
            .audit_entries()
            .await
            .map_err(|e| storage_failure(&e))?;
        let chain = audit_log::verify(&entries);
        // A reason given for breaking the glass is a free word: those who
        // read the audit are never entitled to a location in it.
        let words = crate::free_words::FreeWords::for_no_one(&state).await?;
        let wanted = case.to_string();
        let rows: Vec<Vec<String>> = entries
            .iter()
            .rev()
            .filter(|e| e.record.case.as_deref() == Some(wanted.as_str()))
            .map(|e| {
                let record = &e.record;
                vec![
                    when(record.at_unix_seconds),
                    record.actor.clone(),
                    record.role.replace('_', " "),
                    record.action.code().replace('_', " "),
                    record.fields.join(", "),
                    record
                        .reason
                        .as_deref()
                        .map(|r| words.show(r))
                        .unwrap_or_default(),
                ]
            })
            .collect();
        state
            .store
            .append_audit(staff.audit(
                &state,
                audit_log::Action::Viewed,
                Some(&case),
                vec!["audit_trail".to_owned()],
                None,
            ))
            .await
            .map_err(|e| storage_failure(&e))?;
        let mut main = heading(1, &format!("Who viewed case {case}"));
        main.push(&html::paragraph(&match chain {
            Ok(()) => format!(
                "The audit log's chain verifies: {} entries, none altered or removed.",
                entries.len()
            ),
            Err(broken) => format!("The audit log's chain does not verify: {broken}."),
        }));
        if rows.is_empty() {
            main.push(&html::paragraph("Nothing has been recorded for this case."));
        } else {
            main.push(&table(
                "Every view and change, newest first",
                &[
                    "When (UTC)",
                    "Who",
                    "Role",
                    "What",
                    "Fields",
                    "Reason given",
                ],
                &rows,
            ));
        }
        Ok(page(&format!("Who viewed case {case}"), main))
    };
    result.await.unwrap_or_else(|response| response)
}

/// A moment as `YYYY-MM-DD HH:MM` in UTC.
fn when(unix_seconds: i64) -> String {
    let days = unix_seconds.div_euclid(86_400);
    let seconds = unix_seconds.rem_euclid(86_400);
    let day = domain_types::Date::from_ymd(1970, 1, 1)
        .and_then(|epoch| epoch.add_days(i32::try_from(days).ok()?))
        .map_or_else(|| "?".to_owned(), |d| d.to_string());
    format!("{day} {:02}:{:02}", seconds / 3600, (seconds % 3600) / 60)
}

#[cfg(test)]
mod tests {
    #[test]
    fn moments_are_written_in_utc() {
        assert_eq!(super::when(0), "1970-01-01 00:00");
        assert_eq!(super::when(1_780_000_000), "2026-05-28 20:26");
    }
}
