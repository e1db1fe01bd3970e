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
    let pounds = crate::pages::signed_pounds;
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
            "You told us you were in danger, so you did not finish applying. Our domestic abuse specialist team has been told. We will only contact you on a number you gave us for that, and not at all if you gave none. If you are in danger now, call 999. When it is safe, you can apply again: nothing you told us is shared with the other parent."
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
    let paying = whom == StatementFor::PayingParent;
    let picture = ledger::reconciled(&lines, whom);
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
    ]));
    // The next payment: when, how much, how and to whom.
    section.push(&next_payment_section(
        &case,
        ledger::next_payment(case, &history, state.parameters, whom, today),
        paying,
    ));
    // The account in one picture, the statement's own totals (so the CSV
    // below says the same to the penny); on Direct Pay, what was reported.
    if collected || picture.paid != 0 || picture.passed_on != 0 {
        section.push(&reconciled_section(&picture, paying));
    }
    if !collected {
        let reports = state
            .store
            .collection_actions(&case)
            .await
            .map_err(|e| crate::cases::storage_failure(&e))?;
        section.push(&direct_pay_record(&lines, &reports, person, today));
    }
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
    // The last six months on Collect and Pay, due beside paid: a chart
    // (when there is anything to draw), and the table it draws.
    if collected {
        let paid_words = if paying { "Paid" } else { "Collected for you" };
        let months = monthly_totals(&lines, today);
        if months.iter().any(|(_, due, paid)| *due != 0 || *paid != 0) {
            section.push(&chart(&months, paid_words));
        }
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
    }
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
        if paying {
            links.push((
                format!("/api/v1/cases/{case}/letters/payment-schedule.pdf"),
                "Download your payment schedule (PDF)",
            ));
        }
    }
    section.push(&Markup::trusted(
        "<h3 class=\"govuk-heading-s\">Your statement and letters</h3>\n".to_owned(),
    ));
    section.push(&download_warning());
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

/// The warning before a download that holds the parent's own name and
/// address: a file saved on a shared phone or computer can be opened by
/// whoever else uses it.
pub(crate) const DOWNLOAD_WARNING: &str = "Your letters hold your name and address, and your statement shows your payments. If someone else can use this phone or computer, they may be able to open a file you download: download only on a device you trust, and delete the file when you have finished.";

fn download_warning() -> Markup {
    Markup::trusted(format!(
        "<div class=\"govuk-warning-text\">\n<span class=\"govuk-warning-text__icon\" aria-hidden=\"true\">!</span>\n<strong class=\"govuk-warning-text__text\"><span class=\"govuk-visually-hidden\">Warning</span> {}</strong>\n</div>\n",
        escape(DOWNLOAD_WARNING)
    ))
}

/// The next payment: its day, amount, the fee where it applies, and how and
/// to whom it is paid. Direct Pay names no one's details: the parents
/// arranged it between them.
fn next_payment_section(
    case: &CaseReference,
    next: Option<ledger::NextPayment>,
    paying: bool,
) -> Markup {
    let mut section =
        Markup::trusted("<h3 class=\"govuk-heading-s\">Next payment</h3>\n".to_owned());
    let Some(next) = next else {
        section.push(&html::paragraph(
            "There is no payment due at the moment. We will tell you if that changes.",
        ));
        return section;
    };
    let amount = |p: domain_types::Pence| p.to_string();
    let mut rows = vec![("Due on".to_owned(), html::text(&html::long_date(next.due)))];
    match (next.collect_and_pay, paying) {
        (true, true) => {
            rows.push((
                "Child maintenance".to_owned(),
                html::text(&amount(next.maintenance)),
            ));
            if next.fee.get() > 0 {
                rows.push((
                    "Collection fee (20%)".to_owned(),
                    html::text(&amount(next.fee)),
                ));
            }
            rows.push(("Total to pay".to_owned(), html::text(&amount(next.total))));
            rows.push((
                "How to pay".to_owned(),
                html::text(&format!(
                    "Pay the Child Maintenance Service, not the other parent. Use your case reference {case} as the payment reference. Your payment schedule lists the payments ahead."
                )),
            ));
        }
        (true, false) => {
            rows.push((
                "Due from the other parent".to_owned(),
                html::text(&amount(next.maintenance)),
            ));
            if next.fee.get() > 0 {
                rows.push((
                    "Collection fee (4%), kept from it".to_owned(),
                    html::text(&amount(next.fee)),
                ));
            }
            rows.push((
                "Paid to you once collected".to_owned(),
                html::text(&amount(next.total)),
            ));
            rows.push((
                "How you are paid".to_owned(),
                html::text(
                    "The Child Maintenance Service collects it and pays it into your bank account within 2 working days of receiving it.",
                ),
            ));
        }
        (false, true) => {
            rows.push(("Amount".to_owned(), html::text(&amount(next.maintenance))));
            rows.push((
                "How to pay".to_owned(),
                html::text(
                    "Direct Pay: pay the other parent directly, in the way you arranged together. There is no collection fee on Direct Pay.",
                ),
            ));
        }
        (false, false) => {
            rows.push(("Amount".to_owned(), html::text(&amount(next.maintenance))));
            rows.push((
                "How you are paid".to_owned(),
                html::text(
                    "Direct Pay: the other parent pays you directly, in the way you arranged together. There is no collection fee on Direct Pay.",
                ),
            ));
        }
    }
    section.push(&html::summary_list(&rows));
    section
}

/// The reconciled picture as a summary list, in the order a parent checks
/// it: what fell due, what came in, the fees, what was paid on, what is
/// left. Every figure is a total of their statement's column, and the last
/// its closing balance.
fn reconciled_section(picture: &ledger::Reconciled, paying: bool) -> Markup {
    let pounds = crate::pages::signed_pounds;
    let mut rows: Vec<(String, Markup)> = Vec::new();
    let mut row = |key: &str, value: i128| rows.push((key.to_owned(), html::text(&pounds(value))));
    if paying {
        row("Child maintenance due", picture.due);
        row("Collection fees (20%)", picture.collection_fees);
        if picture.charges != 0 {
            row("Enforcement charges", picture.charges);
        }
        row("Paid", picture.paid);
        if picture.balance < 0 {
            row("In credit", -picture.balance);
        } else {
            row("You owe", picture.balance);
        }
    } else {
        row("Child maintenance due to you", picture.due);
        row("Collected for you", picture.paid);
        if picture.balance < 0 {
            // A recalculation lowered what was due after it was collected.
            row("Collected beyond what is now due", -picture.balance);
        } else {
            row("Still due to you", picture.balance);
        }
        row("Collection fees kept (4%)", picture.collection_fees);
        row("Passed on to you", picture.passed_on);
        if picture.waiting_to_pass_on != 0 {
            row(
                "Collected, to be passed on to you",
                picture.waiting_to_pass_on,
            );
        }
    }
    Markup::concat(&[
        Markup::trusted("<h3 class=\"govuk-heading-s\">Your account so far</h3>\n".to_owned()),
        html::summary_list(&rows),
    ])
}

/// Direct Pay: what fell due on each recent due date, and what this parent
/// told us about it. No money passes through the service, so there is no
/// "collected" figure and no chart.
fn direct_pay_record(
    lines: &[ledger::StatementLine],
    reports: &[ledger::RecordedAction],
    person: &SignedIn,
    today: domain_types::Date,
) -> Markup {
    let pounds = crate::pages::signed_pounds;
    let mut due_by_day: std::collections::BTreeMap<domain_types::Date, i128> =
        std::collections::BTreeMap::new();
    for line in lines.iter().filter(|l| l.due != 0 && l.date <= today) {
        *due_by_day.entry(line.date).or_default() += line.due;
    }
    let told = |day: domain_types::Date| {
        reports
            .iter()
            .rev()
            .filter(|r| i64::try_from(r.by.by.0).ok() == Some(person.person))
            .find_map(|r| match r.action {
                ledger::CollectionAction::DirectPayReport { due, paid } if due == day => Some(paid),
                _ => None,
            })
    };
    let rows: Vec<Vec<Markup>> = due_by_day
        .iter()
        .rev()
        .take(6)
        .map(|(day, due)| {
            vec![
                html::text(&html::long_date(*day)),
                html::text(&pounds(*due)),
                html::text(&match told(*day) {
                    Some(Some(paid)) => format!("Paid {paid}"),
                    Some(None) => "Not paid".to_owned(),
                    None => "Nothing reported".to_owned(),
                }),
            ]
        })
        .collect();
    let mut section = Markup::trusted("<h3 class=\"govuk-heading-s\">Direct Pay</h3>\n".to_owned());
    section.push(&html::paragraph(
        "On Direct Pay the money goes between you and the other parent, so we do not see it. This is what was due and what you have told us.",
    ));
    if rows.is_empty() {
        section.push(&html::paragraph("Nothing has been due yet."));
        return section;
    }
    let column = |heading, numeric| html::Column { heading, numeric };
    section.push(&html::table(
        "Recent payments on Direct Pay",
        &[
            column("Due on", false),
            column("Due", true),
            column("What you told us", false),
        ],
        &rows,
        true,
    ));
    section
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
/// below it instead. Bars are sized in whole units from pence. The two
/// series differ in shape as well as colour (due: a solid bar; paid: an
/// outlined bar), and the legend draws each shape beside its words, so
/// nothing relies on colour (WCAG 1.4.1).
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
            "<rect x=\"{x}\" y=\"{}\" width=\"30\" height=\"{due_height}\" fill=\"#1d70b8\"/>\n<rect x=\"{}\" y=\"{}\" width=\"28\" height=\"{}\" fill=\"#ffffff\" stroke=\"#0b0c0c\" stroke-width=\"2\"/>\n<text x=\"{}\" y=\"160\" font-size=\"14\" text-anchor=\"middle\">{}</text>\n",
            130 - due_height,
            x + 36,
            130 - paid_height + 1,
            (paid_height - 2).max(0),
            x + 32,
            escape(month.split(' ').next().unwrap_or("")),
        ));
    }
    svg.push_str("</svg>\n");
    Markup::trusted(format!(
        "<p class=\"govuk-body-s\" aria-hidden=\"true\"><svg width=\"16\" height=\"16\" viewBox=\"0 0 16 16\" focusable=\"false\" xmlns=\"http://www.w3.org/2000/svg\"><rect x=\"0\" y=\"0\" width=\"16\" height=\"16\" fill=\"#1d70b8\"/></svg> Solid bar: due. <svg width=\"16\" height=\"16\" viewBox=\"0 0 16 16\" focusable=\"false\" xmlns=\"http://www.w3.org/2000/svg\"><rect x=\"1\" y=\"1\" width=\"14\" height=\"14\" fill=\"#ffffff\" stroke=\"#0b0c0c\" stroke-width=\"2\"/></svg> Outlined bar: {}. The table below gives the same figures.</p>\n{svg}",
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
    crate::pages::with_back_link("/account", || question_page(status, "due", error, &form))
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
        Ok((_, _, case, history)) if collected_now(&state, &history) => nothing_to_report(&case),
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
    if collected_now(&state, &history) {
        return nothing_to_report(&case);
    }
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
        Ok(response) if response.status().is_success() => {
            crate::parent_requests::missed_sent(&case.to_string(), &form.due)
        }
        // Whatever else went wrong, a page: a form post from a page never
        // gets the API's JSON.
        Ok(response) | Err(response) => not_recorded(response.status()),
    }
}

/// Whether the service collects the case's payments today (Collect and
/// Pay): then there is no Direct Pay payment to report.
fn collected_now(state: &AppState, history: &case_records::CaseHistory) -> bool {
    let today = state.clock.today();
    ledger::CollectionTerms::on(history, today, today, state.parameters).collect_and_pay
}

/// The page for a missed payment reported on a Collect and Pay case: the
/// service collects, so it already knows; nothing is recorded.
fn nothing_to_report(case: &CaseReference) -> Response {
    respond(
        StatusCode::CONFLICT,
        &Page {
            title: "There is nothing to report",
            exit_this_page: true,
            main: Markup::concat(&[
                Markup::trusted(
                    "<h1 class=\"govuk-heading-l\">There is nothing to report</h1>\n".to_owned(),
                ),
                html::paragraph(&format!(
                    "Payments on case {case} are collected by the Child Maintenance Service, so we already know when a payment is not made. We will contact the other parent about it; you do not need to do anything."
                )),
                Markup::trusted(
                    "<p class=\"govuk-body\"><a class=\"govuk-link\" href=\"/account\">Back to your account</a></p>\n".to_owned(),
                ),
            ]),
        },
    )
}

/// The page for a report that could not be recorded: nothing changed.
fn not_recorded(status: StatusCode) -> Response {
    let status = if status.is_success() {
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        status
    };
    respond(
        status,
        &Page {
            title: "Your report was not recorded",
            exit_this_page: true,
            main: Markup::concat(&[
                Markup::trusted(
                    "<h1 class=\"govuk-heading-l\">Your report was not recorded</h1>\n".to_owned(),
                ),
                html::paragraph(
                    "Nothing has changed on your case. Go back to your account and try again later, or contact us.",
                ),
                Markup::trusted(
                    "<p class=\"govuk-body\"><a class=\"govuk-link\" href=\"/account\">Back to your account</a></p>\n".to_owned(),
                ),
            ]),
        },
    )
}
