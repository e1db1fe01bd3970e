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
use case_records::{CaseReference, ReceivingParentId, Role, Shown};
use std::collections::HashMap;

use crate::AppState;
use crate::cases::{SignedIn, Staff, storage_failure};
use crate::html::{self, Button, Input, Markup, escape};
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
pub(crate) fn not_found() -> Response {
    respond(
        StatusCode::NOT_FOUND,
        &Page {
            title: "Page not found",
            exit_this_page: false,
            main: heading(1, "Page not found"),
        },
    )
}

pub(crate) fn heading(level: u8, text: &str) -> Markup {
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
pub(crate) fn table(caption: &str, head: &[&str], rows: &[Vec<String>]) -> Markup {
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
pub(crate) async fn staff_session(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<(Staff, String), Response> {
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
        let waiting = match state
            .store
            .work_queue(&work_items::WorkQuery {
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
    let mut kept: Vec<(&String, &String)> = params
        .iter()
        .filter(|(k, _)| k.as_str() != "page")
        .collect();
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
        state
            .store
            .mi_totals(Some(storage_api::mi::CASES_IN_ARREARS))
            .await,
    ) {
        (Ok(rows), Ok(totals)) => (rows, totals),
        (Err(failure), _) | (_, Err(failure)) => return storage_failure(&failure),
    };
    let in_arrears = u32::try_from(totals.get(storage_api::mi::CASES_IN_ARREARS, "")).unwrap_or(0);
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
    main.push(&crate::work::pagination(
        "/work/arrears?",
        page_number,
        pages,
    ));
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

pub(crate) fn shown<T: AsRef<str>>(field: &Shown<T>) -> String {
    match field {
        Shown::Visible(value) => value.as_ref().to_owned(),
        Shown::VisibleByBreakGlass(value) => format!("{} (seen by break-glass)", value.as_ref()),
        Shown::Withheld => "Withheld".to_owned(),
    }
}

pub(crate) fn shown_optional(field: &Shown<Option<String>>) -> String {
    match field {
        Shown::Visible(value) | Shown::VisibleByBreakGlass(value) => {
            value.clone().unwrap_or_else(|| "Not recorded".to_owned())
        }
        Shown::Withheld => "Withheld".to_owned(),
    }
}

/// A restricted case: nothing but the notice and the break-glass form.
pub(crate) fn restricted_page(case: &CaseReference, refused: Option<&str>) -> Response {
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
pub(crate) fn reason_header(reason: &str) -> Result<(Option<String>, HeaderMap), String> {
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
#[serde(deny_unknown_fields)]
pub struct ActionForm {
    #[serde(default)]
    pub(crate) form_token: String,
    #[serde(default)]
    pub(crate) reason: String,
    #[serde(default)]
    pub(crate) action: String,
    #[serde(default)]
    pub(crate) step: String,
    #[serde(default)]
    pub(crate) enforcement: String,
    #[serde(default)]
    pub(crate) route: String,
    #[serde(default)]
    pub(crate) applicant: String,
    #[serde(default)]
    pub(crate) evidence: String,
    #[serde(default)]
    pub(crate) recipient: String,
    #[serde(default)]
    pub(crate) change: String,
    #[serde(default)]
    pub(crate) effective_from: String,
    #[serde(default)]
    pub(crate) income: String,
    #[serde(default)]
    pub(crate) receiving_parent: String,
    #[serde(default)]
    pub(crate) hold_reason: String,
    /// How many collection actions the page saw, for the idempotency key.
    #[serde(default)]
    pub(crate) seen: String,
    #[serde(default)]
    pub(crate) request: String,
    #[serde(rename = "effective_from-day", default)]
    pub(crate) effective_from_day: String,
    #[serde(rename = "effective_from-month", default)]
    pub(crate) effective_from_month: String,
    #[serde(rename = "effective_from-year", default)]
    pub(crate) effective_from_year: String,
    /// A child's number in the case.
    #[serde(default)]
    pub(crate) child: String,
    /// Nights a year with the paying parent.
    #[serde(default)]
    pub(crate) nights: String,
    /// How many other children.
    #[serde(default)]
    pub(crate) count: String,
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
pub(crate) fn request_words(action: &ledger::CollectionAction) -> String {
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
/// (`casework::move_case`), record a change, make the calculation, hold or
/// release payments, mark a request dealt with, refer, or propose, review
/// or approve an enforcement step (`collection::act_on_case`): the API's
/// own checks and recording. Then back to the case page with a banner
/// saying what was done (303), or the form again on a page of its own with
/// the error summary and every answer kept (422).
pub async fn act(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(reference): Path<String>,
    axum::Form(form): axum::Form<ActionForm>,
) -> Response {
    let result = async {
        let (staff, session) = staff_session(&state, &headers).await?;
        let token = match crate::self_service::checked_form(&headers, &session, &form.form_token) {
            Ok(token) => token,
            Err(expired) => return Ok(expired),
        };
        let case = crate::cases::parse_reference(&reference)?;
        let refuse = |field: &str, message: &str| {
            Err(crate::cases::error(
                StatusCode::UNPROCESSABLE_ENTITY,
                field,
                message.to_owned(),
            ))
        };
        let asked = match reason_header(&form.reason) {
            Ok((_, asked)) => asked,
            Err(message) => return Ok(restricted_page(&case, Some(&message))),
        };
        if crate::parties::authorise_case_action(&state, &staff, &case, &asked)
            .await
            .is_err()
        {
            // Nothing done: the notice and the break-glass form, refused.
            let mut refused = restricted_page(&case, None);
            *refused.status_mut() = StatusCode::FORBIDDEN;
            return Ok(refused);
        }
        // The same intent twice is the same action: each key below names the
        // intent, so a double submit or a retry records nothing more.
        let answer: Result<Response, Response> = match form.action.as_str() {
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
                Err((field, message)) => refuse(field, &message),
            },
            "hold_disbursements" | "release_disbursements" => {
                match form.receiving_parent.parse::<u32>() {
                    Err(_) => refuse("receiving_parent", "Which receiving parent?"),
                    Ok(receiving_parent) => {
                        let hold = form.action == "hold_disbursements";
                        let request = if !hold {
                            Ok(
                                serde_json::json!({"action": form.action, "receiving_parent": receiving_parent}),
                            )
                        } else if form.hold_reason.trim().is_empty() {
                            Err(crate::cases::error(
                                StatusCode::UNPROCESSABLE_ENTITY,
                                "hold_reason",
                                "Enter why the payments are held",
                            ))
                        } else {
                            // The API's own check, naming this page's field.
                            crate::json_input::human_text(
                                &form.hold_reason,
                                "hold_reason",
                                crate::collection::REASON_MAX_CHARS,
                            )
                            .map(|reason| serde_json::json!({"action": form.action, "receiving_parent": receiving_parent, "reason": reason.as_str()}))
                        };
                        match request {
                            Ok(request) => {
                                let key = format!(
                                    "page/{}/{receiving_parent}/{}",
                                    form.action,
                                    form.seen.trim()
                                );
                                crate::collection::act_on_case(&state, &staff, case, &key, &request)
                                    .await
                            }
                            Err(refused) => Err(refused),
                        }
                    }
                }
            }
            "request_dealt_with" => match form.request.parse::<u64>() {
                Err(_) => refuse("request", "Which request?"),
                Ok(request) => {
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
            },
            "make_calculation" => {
                let start = form.effective_from("Initial effective date");
                let income =
                    domain_types::Pence::parse_pounds(form.income.trim().trim_start_matches('£'));
                match (start, income) {
                    (_, Err(_)) => refuse(
                        "income",
                        "Enter the paying parent's gross weekly income as an amount, like 517.81",
                    ),
                    (Err(message), _) => refuse("effective_from", &message),
                    (Ok(start), Ok(weekly)) => {
                        crate::cases::make_calculation(&state, &staff, case, start, weekly).await
                    }
                }
            }
            "refer" => {
                if form.recipient.is_empty() {
                    refuse("recipient", "Select who to refer the case to")
                } else {
                    let request = serde_json::json!({ "recipient": form.recipient });
                    let key = format!("page/refer/{}/{}", form.recipient, state.clock.today());
                    match crate::casework::refer_case(&state, &staff, case, &key, &request, true)
                        .await
                    {
                        // The pack itself is the answer: a PDF to hand over.
                        Ok(response) if response.status().is_success() => return Ok(response),
                        other => other,
                    }
                }
            }
            "move_to_collect_and_pay" => {
                // Only the fields the route takes, as the API reads them.
                let request = match form.route.as_str() {
                    "" => None,
                    "unlikely_to_pay" => {
                        Some(serde_json::json!({ "route": form.route, "notice_given": true }))
                    }
                    "abuse_evidence" => Some(serde_json::json!({
                        "route": form.route,
                        "applicant": form.applicant,
                        "evidence": form.evidence,
                    })),
                    _ => Some(serde_json::json!({ "route": form.route })),
                };
                match request {
                    None => refuse("route", "Select why the case is moving"),
                    Some(request) => {
                        let key = format!(
                            "page/move/{}/{}/{}",
                            form.route, form.applicant, form.evidence
                        );
                        crate::casework::move_case(&state, &staff, case, &key, &request).await
                    }
                }
            }
            "propose_enforcement" | "review_enforcement" | "approve_enforcement" => {
                match form.step.parse::<u64>() {
                    Err(_) => refuse("step", "A step number is needed"),
                    Ok(_)
                        if form.action == "propose_enforcement" && form.enforcement.is_empty() =>
                    {
                        refuse("enforcement", "Select the enforcement step to propose")
                    }
                    Ok(step) => {
                        let request = if form.action == "propose_enforcement" {
                            serde_json::json!({"action": form.action, "step": step, "enforcement": form.enforcement})
                        } else {
                            serde_json::json!({"action": form.action, "step": step})
                        };
                        let key = format!("page/{}/{step}/{}", form.action, form.enforcement);
                        crate::collection::act_on_case(&state, &staff, case, &key, &request).await
                    }
                }
            }
            _ => refuse("action", "This is not an action of this page"),
        };
        Ok(after_action(answer, &case, &token, &form).await)
    };
    result.await.unwrap_or_else(|response| response)
}

/// The change a "record a change" form describes: the day it applies from
/// and what changed; or the field to correct and why.
fn change_from_form(
    form: &ActionForm,
) -> Result<(domain_types::Date, case_records::Change), (&'static str, String)> {
    let change_field = |message: &str| ("change", message.to_owned());
    let child = || {
        form.child
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|n| *n >= 1)
            .map(case_records::ChildId)
            .ok_or_else(|| {
                (
                    "child",
                    "Enter the child's number in the case, like 1".to_owned(),
                )
            })
    };
    let change = match form.change.as_str() {
        "income" => {
            let weekly =
                domain_types::Pence::parse_pounds(form.income.trim().trim_start_matches('£'))
                    .map_err(|_| {
                        (
                            "income",
                            "Enter the new weekly income as an amount, like 517.81".to_owned(),
                        )
                    })?;
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
                .ok_or((
                    "nights",
                    "Enter the nights a year with the paying parent, from 0 to 365".to_owned(),
                ))?,
        },
        "relevant_other_children" => case_records::Change::RelevantOtherChildren(
            form.count
                .trim()
                .parse::<u16>()
                .ok()
                .and_then(maintenance_calculation::OtherChildren::new)
                .ok_or((
                    "count",
                    "Enter how many other children live with the paying parent".to_owned(),
                ))?,
        ),
        "case_closed" => case_records::Change::CaseClosed,
        "case_reopened" => case_records::Change::CaseReopened,
        _ => return Err(change_field("Select what changed")),
    };
    let effective_from = form
        .effective_from("The day the change applies from")
        .map_err(|message| ("effective_from", message))?;
    Ok((effective_from, change))
}

/// The banner's code for an action done.
fn done_code(action: &str) -> &'static str {
    match action {
        "record_change" => "change_recorded",
        "make_calculation" => "calculation_made",
        "hold_disbursements" => "payments_held",
        "release_disbursements" => "payments_released",
        "request_dealt_with" => "request_dealt_with",
        "move_to_collect_and_pay" => "moved",
        "propose_enforcement" => "enforcement_proposed",
        "review_enforcement" => "enforcement_reviewed",
        _ => "enforcement_approved",
    }
}

/// Back to the case page after an action, with the banner saying what was
/// done (303); or its form again with the error summary and the answers
/// kept (the API's own words, 422; 403 where the role may not).
async fn after_action(
    answer: Result<Response, Response>,
    case: &CaseReference,
    token: &str,
    form: &ActionForm,
) -> Response {
    match answer {
        Ok(response) if response.status().is_success() => crate::safety_pages::see_other(
            &crate::safety_pages::back_to_case(case, &form.reason, Some(done_code(&form.action))),
        ),
        Ok(response) | Err(response) => {
            let (status, field, message) = crate::safety_pages::refusal(response).await;
            // The API names its own fields; the page's are the same but for
            // the date, which the page asks as three boxes.
            let field = match field.as_str() {
                "initial_effective_date" | "effective_from" => "effective_from",
                "weekly_income" | "income" => "income",
                "reason" if form.action == "hold_disbursements" => "hold_reason",
                facts if facts.starts_with("facts") => "change",
                other => other,
            };
            crate::case_forms::refused_page(status, case, token, form, field, &message)
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
