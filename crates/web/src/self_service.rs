//! Parents' own pages: signing in, their account (what is due and paid,
//! with a chart and the same figures as a table), downloads, signing out,
//! and leaving in a hurry.
//!
//! Safety on every page here: "Exit this page", which also ends the session
//! on the server (its link is `GET /exit`, which ends the session and sends
//! the browser on to a neutral site), so Back finds only the sign-in page; `Cache-Control: no-store` (from
//! `pages::respond`); neutral titles ("Your account"); the session cookie
//! has no expiry date and ends after 15 minutes idle. Forms that change
//! anything carry a token derived from the session, and every form post
//! must come from this site (`Sec-Fetch-Site`, `Origin`).

// A refused request is answered with its `Response` straight away; carrying
// that (large) value in `Err` is the point, and it is off the hot path.
#![allow(clippy::result_large_err)]

use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use case_records::{CaseReference, Role};
use ledger::StatementFor;
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::cases::{SignedIn, token_hash};
use crate::html::{self, Button, Input, Markup, escape};
use crate::pages::{Page, respond};
use crate::sign_in::{
    IDLE_LIMIT_SECONDS, SignInRefused, ended_cookie, session_cookie, session_from,
    start_session_for,
};

/// The form token for a session: anyone who can read it already holds the
/// session, and another site can read neither.
#[must_use]
pub fn csrf_token(session: &str) -> String {
    Sha256::digest(format!("form-token:{session}").as_bytes())
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Whether a form post came from a page of this site: browsers say so in
/// `Sec-Fetch-Site`, or at least send `Origin`; a post that says neither
/// is not from a browser page and is let through to the other checks.
pub(crate) fn from_this_site(headers: &HeaderMap) -> bool {
    let value = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = value("sec-fetch-site") {
        return site == "same-origin" || site == "none";
    }
    match (value("origin"), value("host")) {
        (Some(origin), Some(host)) => {
            origin == format!("http://{host}") || origin == format!("https://{host}")
        }
        (Some(_), None) => false,
        (None, _) => true,
    }
}

pub(crate) fn see_other(location: &'static str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    response
        .headers_mut()
        .insert(header::LOCATION, HeaderValue::from_static(location));
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The signed-in person behind a page request and their session id, or
/// `None` (no session, or it ended or went idle).
pub(crate) async fn signed_in(state: &AppState, headers: &HeaderMap) -> Option<(SignedIn, String)> {
    let session = session_from(headers)?;
    let (person, role) = state
        .store
        .touch_session(
            &token_hash(&session),
            state.clock.now_unix_seconds(),
            IDLE_LIMIT_SECONDS,
        )
        .await
        .ok()??;
    let role = Role::from_code(&role)?;
    Some((SignedIn { person, role }, session))
}

/// The signed-in parent and their session id; anyone else (nobody signed
/// in, or staff) is sent to sign in.
pub(crate) async fn signed_in_parent(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<(SignedIn, String), Response> {
    match signed_in(state, headers).await {
        Some((person, session)) if person.role.is_parent() => Ok((person, session)),
        _ => Err(see_other("/sign-in")),
    }
}

/// The answer to a form post that did not come from this site's own page
/// in this session.
pub(crate) fn form_expired() -> Response {
    (
        StatusCode::FORBIDDEN,
        "this form has expired; go back and try again",
    )
        .into_response()
}

/// Checks that a posted form came from one of this site's pages in this
/// session (same-site headers, and the session's form token); returns the
/// token for the next page.
pub(crate) fn checked_form(
    headers: &HeaderMap,
    session: &str,
    given: &str,
) -> Result<String, Response> {
    let token = csrf_token(session);
    if from_this_site(headers) && given == token {
        Ok(token)
    } else {
        Err(form_expired())
    }
}

/// The neutral title of every page a parent sees about their case.
pub(crate) const PARENT_TITLE: &str = "Your account";

/// A parent's page: the neutral title and "Exit this page".
pub(crate) fn parent_page(main: Markup) -> Response {
    respond(
        StatusCode::OK,
        &Page {
            title: PARENT_TITLE,
            exit_this_page: true,
            main,
        },
    )
}

/// The sign-in form, with an error if the last try was refused.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
}

fn sign_in_page(status: StatusCode, login: &str, error: Option<&str>) -> Response {
    let mut main = Markup::trusted(
        "<div class=\"govuk-grid-row\"><div class=\"govuk-grid-column-two-thirds\">\n".to_owned(),
    );
    if let Some(message) = error {
        main.push(&html::error_summary(
            "There is a problem",
            &[("#login".to_owned(), message.to_owned())],
        ));
    }
    main.push(&Markup::trusted(
        "<h1 class=\"govuk-heading-l\">Sign in</h1>\n<form method=\"post\" action=\"/sign-in\" novalidate>\n"
            .to_owned(),
    ));
    main.push(&html::input(&Input {
        id: "login",
        name: "login",
        label: "Email address",
        error,
        value: Some(login).filter(|l| !l.is_empty()),
        autocomplete: Some("username"),
        ..Input::default()
    }));
    main.push(&Markup::trusted(format!(
        "<div class=\"govuk-form-group\">\n  <label class=\"govuk-label\" for=\"password\">Password</label>\n  <input class=\"govuk-input govuk-!-width-one-half\" id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\"{}>\n</div>\n",
        if error.is_some() {
            " aria-describedby=\"login-error\""
        } else {
            ""
        }
    )));
    main.push(&html::button(&Button {
        text: "Sign in",
        ..Button::default()
    }));
    main.push(&Markup::trusted("</form>\n".to_owned()));
    main.push(&html::paragraph(
        "You will be signed out after 15 minutes without using the service, and when you close your browser.",
    ));
    main.push(&Markup::trusted(
        "<p class=\"govuk-body\">No account yet? <a class=\"govuk-link\" href=\"/create-account\">Create an account</a>.</p>\n".to_owned(),
    ));
    main.push(&Markup::trusted("</div></div>\n".to_owned()));
    respond(
        status,
        &Page {
            title: if error.is_some() {
                "Error: Sign in"
            } else {
                "Sign in"
            },
            exit_this_page: true,
            main,
        },
    )
}

/// `GET /sign-in`.
pub async fn sign_in_form() -> Response {
    sign_in_page(StatusCode::OK, "", None)
}

/// `POST /sign-in`: a parent is taken to their account, staff to their work.
pub async fn sign_in(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> Response {
    if !from_this_site(&headers) {
        return (
            StatusCode::FORBIDDEN,
            "forms are accepted from this site only",
        )
            .into_response();
    }
    let refused =
        |message: &str| sign_in_page(StatusCode::UNPROCESSABLE_ENTITY, &form.login, Some(message));
    match start_session_for(&state, &form.login, &form.password).await {
        Ok((session, role)) => {
            let role = Role::from_code(&role);
            let mut response = see_other(match role {
                Some(role) if role.is_parent() => "/account",
                Some(Role::PolicyAnalyst) => "/analysis",
                _ => "/work",
            });
            response
                .headers_mut()
                .insert(header::SET_COOKIE, session_cookie(&session));
            response
        }
        Err(SignInRefused::Missing) => refused("Enter your email address and password"),
        Err(SignInRefused::NotRight) => refused("Enter a correct email address and password"),
        Err(SignInRefused::Unavailable(response)) => response,
    }
}

/// The sign-out form's fields.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    form_token: String,
}

/// `POST /sign-out` (a form with the session's token): ends the session on
/// the server.
pub async fn sign_out(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<TokenForm>,
) -> Response {
    if let Some(session) = session_from(&headers) {
        if let Err(expired) = checked_form(&headers, &session, &form.form_token) {
            return expired;
        }
        let _ = state.store.end_session(&token_hash(&session)).await;
    }
    let mut response = see_other("/signed-out");
    response
        .headers_mut()
        .insert(header::SET_COOKIE, ended_cookie());
    response
}

/// `GET /exit`: "Exit this page" was used (its button, or Shift three
/// times): the session ends on the server at once, and the browser goes on
/// to a neutral site, so Back finds only the sign-in page.
pub async fn exit(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(session) = session_from(&headers) {
        let _ = state.store.end_session(&token_hash(&session)).await;
    }
    let mut response = see_other(crate::pages::EXIT_TO);
    response
        .headers_mut()
        .insert(header::SET_COOKIE, ended_cookie());
    response
}

/// `GET /signed-out`.
pub async fn signed_out() -> Response {
    respond(
        StatusCode::OK,
        &Page {
            title: "You have signed out",
            exit_this_page: false,
            main: Markup::concat(&[
                Markup::trusted("<h1 class=\"govuk-heading-l\">You have signed out</h1>\n".to_owned()),
                Markup::trusted(
                    "<p class=\"govuk-body\"><a class=\"govuk-link\" href=\"/sign-in\">Sign in again</a></p>\n"
                        .to_owned(),
                ),
            ]),
        },
    )
}

/// `GET /account`: a parent's own cases: what is due now, what was due and
/// paid (a chart and the same figures as a table), and their downloads.
/// Without a session, the sign-in page.
pub async fn account(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let (person, session) = match signed_in_parent(&state, &headers).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let cases = match state.store.cases_of_person(person.person).await {
        Ok(cases) => cases,
        Err(failure) => return crate::cases::storage_failure(&failure),
    };
    let mut main = Markup::trusted("<h1 class=\"govuk-heading-l\">Your account</h1>\n".to_owned());
    match crate::protection::notice_for(&state, person.person).await {
        Ok(Some(notice)) => main.push(&Markup::trusted(format!(
            "<div class=\"govuk-notification-banner\" role=\"region\" aria-labelledby=\"protection-notice-title\" data-module=\"govuk-notification-banner\">\n<div class=\"govuk-notification-banner__header\"><h2 class=\"govuk-notification-banner__title\" id=\"protection-notice-title\">Important</h2></div>\n<div class=\"govuk-notification-banner__content\"><p class=\"govuk-notification-banner__heading\">{}</p></div>\n</div>\n",
            escape(&notice)
        ))),
        Ok(None) => {}
        Err(response) => return response,
    }
    if cases.is_empty() {
        main.push(&html::paragraph("There is nothing to show yet."));
    }
    for case in cases {
        match case_section(&state, &person, case).await {
            Ok(section) => main.push(&section),
            Err(response) => return response,
        }
    }
    main.push(&Markup::trusted(
        "<p class=\"govuk-body\"><a class=\"govuk-link\" href=\"/apply\">Apply for child maintenance</a></p>\n".to_owned(),
    ));
    main.push(&Markup::trusted(format!(
        "<form method=\"post\" action=\"/sign-out\">\n<input type=\"hidden\" name=\"form_token\" value=\"{}\">\n",
        escape(&csrf_token(&session))
    )));
    main.push(&html::button(&Button {
        text: "Sign out",
        classes: Some("govuk-button--secondary"),
        ..Button::default()
    }));
    main.push(&Markup::trusted("</form>\n".to_owned()));
    crate::self_service::parent_page(main)
}

/// Whether this parent's application stopped at the safety questions because
/// they were in immediate danger: they disclosed danger on it and it holds
/// no answers of theirs (no name) yet.
async fn stopped_in_danger(
    state: &AppState,
    person: &SignedIn,
    case: &CaseReference,
) -> Result<bool, Response> {
    let records = state
        .store
        .safety_events(case)
        .await
        .map_err(|e| crate::cases::storage_failure(&e))?;
    let in_danger = records.iter().any(|r| {
        matches!(
            r.event,
            safety::SafetyEvent::Disclosed {
                immediate_danger: true,
                ..
            }
        ) && i64::try_from(r.by.person.0).ok() == Some(person.person)
    });
    if !in_danger {
        return Ok(false);
    }
    let sealed = state
        .store
        .parties(case)
        .await
        .map_err(|e| crate::cases::storage_failure(&e))?;
    let parties = case_records::open_parties(*case, &sealed, &state.keys)
        .map_err(crate::cases::personal_data_unavailable)?;
    let own = std::iter::once(&parties.paying_parent)
        .chain(parties.receiving_parents.iter().map(|(_, p)| p))
        .find(|p| i64::try_from(p.id.0).ok() == Some(person.person));
    Ok(own.is_none_or(|p| p.name.expose_sensitive().trim().is_empty()))
}

/// One case as its parent sees it; audited as a view of their statement.
async fn case_section(
    state: &AppState,
    person: &SignedIn,
    case: CaseReference,
) -> Result<Markup, Response> {
    let whom = crate::collection::statement_for(state, person, &case, None).await?;
    let transfers = state
        .store
        .transfers_for_case(&case)
        .await
        .map_err(|e| crate::cases::storage_failure(&e))?;
    let today = state.clock.today();
    let lines = ledger::statement(&transfers, case, whom, today);
    state
        .store
        .append_audit(person.audit(
            state,
            audit_log::Action::Viewed,
            Some(&case),
            vec![match whom {
                StatementFor::PayingParent => "account.paying_parent".to_owned(),
                StatementFor::ReceivingParent(rp) => format!("account.receiving_parent:{}", rp.0),
            }],
            None,
        ))
        .await
        .map_err(|e| crate::cases::storage_failure(&e))?;
    let balance = lines.last().map_or(0, |l| l.balance);
    let pounds = crate::pages::signed_pounds;
    let (owed_words, paid_words) = match whom {
        StatementFor::PayingParent => ("You owe", "Paid"),
        StatementFor::ReceivingParent(_) => ("Still due to you", "Collected for you"),
    };
    // The weekly amount in force today, their side of it, and how it is paid.
    let history = crate::cases::history_or_404(state, &case).await?;
    let safety_link = format!(
        "<li><a class=\"govuk-link\" href=\"/account/cases/{case}/safety\">Tell us about your safety and how to contact you</a></li>\n"
    );
    if history.initial_effective_date.is_none() {
        // An application: nothing is due until the calculation is made.
        let mut section = Markup::trusted(format!(
            "<h2 class=\"govuk-heading-m\">Application {}</h2>\n",
            escape(&case.to_string())
        ));
        // Stopped in danger, the journey sent only who is asking and the
        // screen: saying "we have your application" would not be true.
        let stopped_in_danger = stopped_in_danger(state, person, &case).await?;
        section.push(&html::paragraph(if stopped_in_danger {
            "You told us you were in danger, so you did not finish applying. Our domestic abuse specialist team has been told and will contact you in the way you said is safe. If you are in danger now, call 999. When it is safe, you can apply again: nothing you told us is shared with the other parent."
        } else {
            "We have your application. A caseworker is working out how much child maintenance should be paid, and will tell you in the way you said is safe."
        }));
        section.push(&Markup::trusted(format!(
            "<ul class=\"govuk-list\">\n{safety_link}</ul>\n"
        )));
        return Ok(section);
    }
    let weekly = case_records::liability_schedule(
        &history,
        state.parameters,
        today,
        today.add_days(7).unwrap_or(today),
    )
    .ok()
    .and_then(|schedule| {
        schedule.on(today).map(|segment| match whom {
            StatementFor::PayingParent => segment.weekly.values().map(|p| p.get()).sum(),
            StatementFor::ReceivingParent(rp) => segment.weekly.get(&rp).map_or(0, |p| p.get()),
        })
    })
    .unwrap_or(0);
    let collected =
        ledger::CollectionTerms::on(&history, today, today, state.parameters).collect_and_pay;
    let mut section = Markup::trusted(format!(
        "<h2 class=\"govuk-heading-m\">Case {}</h2>\n",
        escape(&case.to_string())
    ));
    section.push(&html::summary_list(&[
        (
            "Child maintenance each week".to_owned(),
            html::text(&domain_types::Pence::new(weekly).to_string()),
        ),
        (
            "How it is paid".to_owned(),
            html::text(if collected {
                "Collect and Pay: the Child Maintenance Service collects and passes on payments"
            } else {
                "Direct Pay: paid between parents"
            }),
        ),
        (owed_words.to_owned(), html::text(&pounds(balance.max(0)))),
    ]));
    // How today's amount was worked out.
    if let Some(answer) = crate::pages::calculation_today(&history, state.parameters, today) {
        section.push(&Markup::trusted(
            "<h3 class=\"govuk-heading-s\">How the weekly amount was worked out</h3>\n".to_owned(),
        ));
        section.push(&crate::pages::explanation_list(
            answer
                .explanation
                .iter()
                .map(|step| (step.text.as_str(), step.rule.as_str())),
        ));
    }
    // The last six months, due beside paid: a chart, and the table it draws.
    let months = monthly_totals(&lines, today);
    section.push(&chart(&months, paid_words));
    let rows: Vec<Vec<Markup>> = months
        .iter()
        .map(|(month, due, paid)| {
            vec![
                html::text(month),
                html::text(&pounds(*due)),
                html::text(&pounds(*paid)),
            ]
        })
        .collect();
    let column = |heading, numeric| html::Column { heading, numeric };
    section.push(&html::table(
        "Due and paid by month",
        &[
            column("Month", false),
            column("Due", true),
            column(paid_words, true),
        ],
        &rows,
        true,
    ));
    // Their downloads: the letters that exist for them on this case.
    let mut links = vec![
        (
            format!("/api/v1/cases/{case}/statement.csv"),
            "Download your statement (CSV)",
        ),
        (
            format!("/api/v1/cases/{case}/letters/calculation.pdf"),
            "Download your calculation letter (PDF)",
        ),
    ];
    if collected {
        links.push((
            format!("/api/v1/cases/{case}/letters/collection-notice.pdf"),
            "Download the notice about how payments are made (PDF)",
        ));
        if whom == StatementFor::PayingParent {
            links.push((
                format!("/api/v1/cases/{case}/letters/payment-schedule.pdf"),
                "Download your payment schedule (PDF)",
            ));
        }
    }
    let mut list = String::from("<ul class=\"govuk-list\">\n");
    for (href, words) in &links {
        list.push_str(&format!(
            "<li><a class=\"govuk-link\" href=\"{}\" download>{words}</a></li>\n",
            escape(href)
        ));
    }
    if !collected {
        list.push_str(&format!(
            "<li><a class=\"govuk-link\" href=\"/account/cases/{case}/missed-payment\">Tell us about a payment that was not made</a></li>\n<li><a class=\"govuk-link\" href=\"/account/cases/{case}/move-to-collect-and-pay\">Ask to move to Collect and Pay</a></li>\n"
        ));
    }
    list.push_str(&format!(
        "<li><a class=\"govuk-link\" href=\"/account/cases/{case}/report-a-change\">Report a change</a></li>\n"
    ));
    list.push_str(&safety_link);
    list.push_str("</ul>\n");
    section.push(&Markup::trusted(list));
    Ok(section)
}

/// Due and paid in each of the six months to `today` (month label, due,
/// paid), from the statement's lines.
pub(crate) fn monthly_totals(
    lines: &[ledger::StatementLine],
    today: domain_types::Date,
) -> Vec<(String, i128, i128)> {
    const NAMES: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    (0..6)
        .rev()
        .filter_map(|back| today.add_months(-back))
        .map(|day| {
            let (year, month, _) = day.ymd();
            let (due, paid) = lines
                .iter()
                .filter(|l| {
                    let (y, m, _) = l.date.ymd();
                    (y, m) == (year, month)
                })
                .fold((0, 0), |(due, paid), l| (due + l.due, paid + l.paid));
            (
                format!("{} {year}", NAMES[usize::try_from(month - 1).unwrap_or(0)]),
                due,
                paid,
            )
        })
        .collect()
}

/// A bar chart in SVG: hidden from screen readers, which read the table
/// below it instead. Bars are sized in whole units from pence.
pub(crate) fn chart(months: &[(String, i128, i128)], paid_words: &str) -> Markup {
    let largest = months
        .iter()
        .map(|(_, due, paid)| (*due).max(*paid))
        .max()
        .unwrap_or(0)
        .max(1);
    let height: i128 = 120;
    let mut svg = String::from(
        "<svg class=\"app-chart\" viewBox=\"0 0 600 170\" width=\"100%\" role=\"presentation\" aria-hidden=\"true\" focusable=\"false\" xmlns=\"http://www.w3.org/2000/svg\">\n",
    );
    for (index, (month, due, paid)) in months.iter().enumerate() {
        let x = i128::try_from(index).unwrap_or(0) * 100 + 15;
        let bar = |amount: i128| (amount.max(0) * height) / largest;
        let (due_height, paid_height) = (bar(*due), bar(*paid));
        svg.push_str(&format!(
            "<rect x=\"{x}\" y=\"{}\" width=\"30\" height=\"{due_height}\" fill=\"#1d70b8\"/>\n<rect x=\"{}\" y=\"{}\" width=\"30\" height=\"{paid_height}\" fill=\"#00703c\"/>\n<text x=\"{}\" y=\"160\" font-size=\"14\" text-anchor=\"middle\">{}</text>\n",
            130 - due_height,
            x + 35,
            130 - paid_height,
            x + 32,
            escape(month.split(' ').next().unwrap_or("")),
        ));
    }
    svg.push_str("</svg>\n");
    Markup::trusted(format!(
        "<p class=\"govuk-body-s\" aria-hidden=\"true\"><span class=\"govuk-!-font-weight-bold\">Blue</span>: due. <span class=\"govuk-!-font-weight-bold\">Green</span>: {}.</p>\n{svg}",
        escape(&paid_words.to_lowercase())
    ))
}

/// The missed-payment form's fields.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct MissedForm {
    #[serde(default)]
    form_token: String,
    #[serde(default)]
    due: String,
}

/// The due dates a parent can report about: the last six that have come.
fn recent_due_dates(
    history: &case_records::CaseHistory,
    today: domain_types::Date,
) -> Vec<domain_types::Date> {
    let Some(start) = history.initial_effective_date else {
        return Vec::new();
    };
    let mut dates: Vec<domain_types::Date> = ledger::payment_periods(
        start,
        today.add_days(1).unwrap_or(today),
        ledger::payment_frequency(history),
    )
    .into_iter()
    .map(|(from, _)| from)
    .filter(|from| *from <= today)
    .collect();
    dates.reverse();
    dates.truncate(6);
    dates
}

fn missed_page(
    status: StatusCode,
    case: &CaseReference,
    token: &str,
    dates: &[domain_types::Date],
    error: Option<&str>,
) -> Response {
    let mut form = Markup::trusted(format!(
        "<form method=\"post\" action=\"/account/cases/{case}/missed-payment\" novalidate>\n<input type=\"hidden\" name=\"form_token\" value=\"{}\">\n",
        escape(token)
    ));
    let words: Vec<String> = dates.iter().map(ToString::to_string).collect();
    let items: Vec<(&str, &str, bool)> = words
        .iter()
        .map(|w| (w.as_str(), w.as_str(), false))
        .collect();
    form.push(&html::radios(&html::Radios {
        name: "due",
        legend: "Which payment was not made?",
        legend_classes: Some("govuk-fieldset__legend--l"),
        legend_is_page_heading: true,
        hint: Some(
            "The day it was due. We will look at it; nothing changes until a caseworker has.",
        ),
        error,
        items: &items,
        ..html::Radios::default()
    }));
    form.push(&html::button(&Button {
        text: "Report it",
        ..Button::default()
    }));
    form.push(&Markup::trusted("</form>\n".to_owned()));
    question_page(status, "due", error, &form)
}

/// A parent's page of one question: the form in the two-thirds column,
/// under the error summary when the answer was refused (linking to
/// `field`), with the neutral title and "Exit this page".
pub(crate) fn question_page(
    status: StatusCode,
    field: &str,
    error: Option<&str>,
    form: &Markup,
) -> Response {
    let mut main = Markup::trusted(
        "<div class=\"govuk-grid-row\"><div class=\"govuk-grid-column-two-thirds\">\n".to_owned(),
    );
    if let Some(message) = error {
        main.push(&html::error_summary(
            "There is a problem",
            &[(format!("#{field}"), message.to_owned())],
        ));
    }
    main.push(form);
    main.push(&Markup::trusted("</div></div>\n".to_owned()));
    respond(
        status,
        &Page {
            title: if error.is_some() {
                "Error: Your account"
            } else {
                PARENT_TITLE
            },
            exit_this_page: true,
            main,
        },
    )
}

/// A signed-in parent, their session, their own case and its history (for
/// their pages about one case); or where to go instead.
pub(crate) async fn own_case(
    state: &AppState,
    headers: &HeaderMap,
    reference: &str,
) -> Result<(SignedIn, String, CaseReference, case_records::CaseHistory), Response> {
    let (person, session) = signed_in_parent(state, headers).await?;
    let case = crate::cases::parse_reference(reference)?;
    crate::collection::statement_for(state, &person, &case, None).await?;
    let history = crate::cases::history_or_404(state, &case).await?;
    Ok((person, session, case, history))
}

/// As [`own_case`], for a form posted about the case: also checked to come
/// from this site's page in this session; with the form token for the next
/// page in place of the session.
pub(crate) async fn own_case_posted(
    state: &AppState,
    headers: &HeaderMap,
    reference: &str,
    given_token: &str,
) -> Result<(SignedIn, String, CaseReference, case_records::CaseHistory), Response> {
    let (person, session, case, history) = own_case(state, headers, reference).await?;
    let token = checked_form(headers, &session, given_token)?;
    Ok((person, token, case, history))
}

/// `GET /account/cases/{reference}/missed-payment` (Direct Pay).
pub async fn missed_payment_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::extract::Path(reference): axum::extract::Path<String>,
) -> Response {
    match own_case(&state, &headers, &reference).await {
        Ok((_, session, case, history)) => missed_page(
            StatusCode::OK,
            &case,
            &csrf_token(&session),
            &recent_due_dates(&history, state.clock.today()),
            None,
        ),
        Err(response) => response,
    }
}

/// `POST /account/cases/{reference}/missed-payment`: the report, through
/// the API's own recording (`collection::report_case`).
pub async fn missed_payment(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::extract::Path(reference): axum::extract::Path<String>,
    Form(form): Form<MissedForm>,
) -> Response {
    let (person, token, case, history) =
        match own_case_posted(&state, &headers, &reference, &form.form_token).await {
            Ok(found) => found,
            Err(response) => return response,
        };
    let dates = recent_due_dates(&history, state.clock.today());
    if !dates.iter().any(|d| d.to_string() == form.due) {
        return missed_page(
            StatusCode::UNPROCESSABLE_ENTITY,
            &case,
            &token,
            &dates,
            Some("Select the payment that was not made"),
        );
    }
    let request = serde_json::json!({ "due": form.due, "paid_pence": null });
    let key = format!("page/missed/{}", form.due);
    match crate::collection::report_case(&state, &person, case, &key, &request).await {
        Ok(response) if response.status().is_success() => crate::parent_requests::thanks(&format!(
            "We have noted that the payment due on {} was not made. A caseworker will look at it.",
            form.due
        )),
        Ok(response) | Err(response) => response,
    }
}
