//! The policy analyst's page (issue 17): the reform model (`reform-model`)
//! over the synthetic caseload or the stored caseload as known on a date,
//! under one scenario or two side by side.
//!
//! The analyst sees no personal data: no case page, party, search or case
//! API (every one refuses the `policy_analyst` role, through
//! [`no_cases_for_analysts`] and [`no_cases_page`]), only counts and sums
//! from `reform_model::Report::table`, where a group of fewer than ten
//! cases is withheld with its sums. The run is a deliberate job: the form
//! is a GET, the run a POST; on the stored caseload it reads every case, one
//! at a time, and only counts and sums leave.

use std::fmt::Write as _;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use case_records::{Change, Role, ServiceType};
use domain_types::Date;
use legal_parameters::Parameters;
use reform_model::{
    Caseload, Model, NOT_MODELLED, Options, Policy, Report, Row, Scenario, Source, run,
};
use storage_api::{StorageError, Store};

use crate::AppState;
use crate::html::{self, Markup, escape};
use crate::pages::{Page, respond};

/// Groups of fewer cases than this are withheld, with their sums.
pub const MINIMUM_CELL: u64 = 10;

/// The most synthetic cases one run may ask for (the national caseload is
/// about 750,000).
pub const MOST_CASES: u64 = 1_000_000;

/// The answer to a policy analyst on any route about cases.
pub(crate) fn no_cases_for_analysts() -> Response {
    crate::cases::error(
        StatusCode::FORBIDDEN,
        "authorization",
        "a policy analyst sees counts and sums over the caseload (/analysis), never a case",
    )
}

/// The page a policy analyst gets on any staff page about cases.
pub(crate) fn no_cases_page() -> Response {
    respond(
        StatusCode::FORBIDDEN,
        &Page {
            title: "You cannot see cases",
            exit_this_page: false,
            main: Markup::trusted(
                "<h1 class=\"govuk-heading-l\">You cannot see cases</h1>\n<p class=\"govuk-body\">Policy analysts see counts and sums over the whole caseload, never a case or a person.</p>\n<p class=\"govuk-body\"><a class=\"govuk-link\" href=\"/analysis\">Model a change of rules</a></p>\n"
                    .to_owned(),
            ),
        },
    )
}

/// The analyst signed in through the pages and their session, or the
/// answer: sign in, or 403 for anyone else.
async fn analyst(state: &AppState, headers: &HeaderMap) -> Result<String, Response> {
    match crate::self_service::signed_in(state, headers).await {
        Some((who, session)) if who.role == Role::PolicyAnalyst => Ok(session),
        Some(_) => Err(respond(
            StatusCode::FORBIDDEN,
            &Page {
                title: "This page is for policy analysts",
                exit_this_page: false,
                main: Markup::trusted(
                    "<h1 class=\"govuk-heading-l\">This page is for policy analysts</h1>\n<p class=\"govuk-body\">Reform modelling is for the policy analyst role.</p>\n"
                        .to_owned(),
                ),
            },
        )),
        None => Err(crate::self_service::see_other("/sign-in")),
    }
}

/// What the analyst asked for, as typed.
#[derive(Clone, Debug, Default)]
struct Asked {
    caseload: String,
    policies: Vec<String>,
    compare: Vec<String>,
    cases: String,
    seed: String,
    date: [String; 3],
    share: String,
    format: String,
}

impl Asked {
    fn defaults(today: Date) -> Asked {
        let (year, month, day) = today.ymd();
        Asked {
            caseload: "synthetic".to_owned(),
            cases: "100000".to_owned(),
            seed: "42".to_owned(),
            date: [day.to_string(), month.to_string(), year.to_string()],
            share: "25".to_owned(),
            ..Asked::default()
        }
    }

    /// The posted form, refusing a field it does not know.
    fn from_body(body: &str) -> Result<(Asked, String), String> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(body)
            .map_err(|_| "The form could not be read; go back and try again".to_owned())?;
        let mut asked = Asked::default();
        let mut token = String::new();
        for (key, value) in pairs {
            match key.as_str() {
                "form_token" => token = value,
                "caseload" => asked.caseload = value,
                "policy" => asked.policies.push(value),
                "compare" => asked.compare.push(value),
                "cases" => asked.cases = value,
                "seed" => asked.seed = value,
                "date-day" => asked.date[0] = value,
                "date-month" => asked.date[1] = value,
                "date-year" => asked.date[2] = value,
                "share" => asked.share = value,
                "format" => asked.format = value,
                other => {
                    return Err(format!(
                        "The form sent a field this page does not have ({}); go back and try again",
                        other.chars().take(40).collect::<String>()
                    ));
                }
            }
        }
        Ok((asked, token))
    }
}

/// A checked request: everything a run needs.
struct Checked {
    stored: bool,
    scenarios: Vec<Scenario>,
    cases: u64,
    seed: u64,
    date: Date,
    options: Options,
    format: Format,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Page,
    Csv(usize),
    Json(usize),
}

/// Checks what was asked: each refusal names its field, in the page's order.
fn check(asked: &Asked, parameters: &Parameters) -> Result<Checked, Vec<(String, String)>> {
    let mut errors: Vec<(String, String)> = Vec::new();
    let stored = match asked.caseload.as_str() {
        "synthetic" => false,
        "stored" => true,
        _ => {
            errors.push((
                "#caseload".to_owned(),
                "Select which caseload to model".to_owned(),
            ));
            false
        }
    };
    let scenario = |names: &[String], field: &str, errors: &mut Vec<(String, String)>| {
        let known = Policy::known();
        if let Some(unknown) = names.iter().find(|n| !known.contains(&n.as_str())) {
            errors.push((
                format!("#{field}"),
                format!(
                    "There is no policy called {}",
                    unknown.chars().take(40).collect::<String>()
                ),
            ));
            return None;
        }
        let policies = names
            .iter()
            .map(|n| Policy::named(n))
            .collect::<Result<Vec<_>, _>>();
        match policies.and_then(Scenario::compose) {
            Ok(scenario) => Some(scenario),
            Err(message) => {
                errors.push((
                    format!("#{field}"),
                    format!("Choose other policies: {message}"),
                ));
                None
            }
        }
    };
    let mut scenarios = Vec::new();
    if asked.policies.is_empty() {
        errors.push((
            "#policy".to_owned(),
            "Select at least one policy".to_owned(),
        ));
    } else if let Some(s) = scenario(&asked.policies, "policy", &mut errors) {
        scenarios.push(s);
    }
    if !asked.compare.is_empty()
        && let Some(s) = scenario(&asked.compare, "compare", &mut errors)
    {
        scenarios.push(s);
    }
    let whole = |text: &str| {
        let text = text.trim().replace(',', "");
        (!text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()))
            .then(|| text.parse::<u64>().ok())
            .flatten()
    };
    let cases = if stored {
        0
    } else {
        match whole(&asked.cases) {
            Some(n) if (1..=MOST_CASES).contains(&n) => n,
            _ => {
                errors.push((
                    "#cases".to_owned(),
                    "Enter the number of cases as a whole number from 1 to 1,000,000".to_owned(),
                ));
                0
            }
        }
    };
    let seed = whole(&asked.seed).unwrap_or_else(|| {
        errors.push((
            "#seed".to_owned(),
            "Enter the seed as a whole number, like 42".to_owned(),
        ));
        0
    });
    let parts = [
        asked.date[0].as_str(),
        asked.date[1].as_str(),
        asked.date[2].as_str(),
    ];
    let date = match crate::pages::date_from_parts(parts, "Date modelled") {
        Ok(date) if parameters.at(date).is_ok() => Some(date),
        Ok(_) => {
            errors.push((
                "#date-day".to_owned(),
                "Date modelled must be on or after 10 December 2012, when the scheme began"
                    .to_owned(),
            ));
            None
        }
        Err(message) => {
            errors.push(("#date-day".to_owned(), message));
            None
        }
    };
    let share = match reform_model::report::share_from_percent(&asked.share) {
        Ok(share) if share.get() > 0 => Some(share),
        _ => {
            errors.push((
                "#share".to_owned(),
                "Enter the share of net income as a percentage from 0.0001 to 100, like 25 or 12.5"
                    .to_owned(),
            ));
            None
        }
    };
    let format = match asked.format.as_str() {
        "" | "page" => Format::Page,
        "csv" => Format::Csv(0),
        "json" => Format::Json(0),
        "csv-compare" => Format::Csv(1),
        "json-compare" => Format::Json(1),
        _ => {
            errors.push(("#policy".to_owned(), "Choose CSV or JSON".to_owned()));
            Format::Page
        }
    };
    match (date, share) {
        (Some(date), Some(share)) if errors.is_empty() => Ok(Checked {
            stored,
            scenarios,
            cases,
            seed,
            date,
            options: Options {
                minimum_cell: MINIMUM_CELL,
                share_of_net_income: share,
            },
            format,
        }),
        _ => Err(errors),
    }
}

/// `GET /analysis`: the form.
pub async fn page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let session = match analyst(&state, &headers).await {
        Ok(session) => session,
        Err(response) => return response,
    };
    let asked = Asked::defaults(state.clock.today());
    respond(
        StatusCode::OK,
        &Page {
            title: "Reform modelling",
            exit_this_page: false,
            main: form(&asked, &crate::self_service::csrf_token(&session), &[]),
        },
    )
}

/// `POST /analysis`: the run, and its answer as a page, CSV or JSON.
pub async fn answer(State(state): State<AppState>, headers: HeaderMap, body: String) -> Response {
    let session = match analyst(&state, &headers).await {
        Ok(session) => session,
        Err(response) => return response,
    };
    let (asked, given) = match Asked::from_body(&body) {
        Ok(parsed) => parsed,
        Err(message) => {
            let asked = Asked::defaults(state.clock.today());
            let token = crate::self_service::csrf_token(&session);
            return refused(&asked, &token, &[("#policy".to_owned(), message)]);
        }
    };
    let token = match crate::self_service::checked_form(&headers, &session, &given) {
        Ok(token) => token,
        Err(expired) => return expired,
    };
    let checked = match check(&asked, state.parameters) {
        Ok(checked) => checked,
        Err(errors) => return refused(&asked, &token, &errors),
    };
    let caseload = if checked.stored {
        match stored_caseload(
            state.store.as_ref(),
            state.parameters,
            checked.date,
            checked.seed,
        )
        .await
        {
            Ok(caseload) => Some(caseload),
            Err(failure) => return crate::cases::storage_failure(&failure),
        }
    } else {
        None
    };
    // The model is arithmetic over every case: off the request threads.
    let parameters = state.parameters;
    let (form_asked, form_token) = (asked.clone(), token.clone());
    let answer = tokio::task::spawn_blocking(move || {
        model_answer(parameters, &checked, caseload, &form_asked, &form_token)
    })
    .await;
    match answer {
        Ok(Answer::Refused(message)) => {
            refused(&asked, &token, &[("#date-day".to_owned(), message)])
        }
        Ok(Answer::Download(text, kind, extension)) => download(text, kind, extension),
        Ok(Answer::Page(main)) => respond(
            StatusCode::OK,
            &Page {
                title: "Reform modelling",
                exit_this_page: false,
                main,
            },
        ),
        Err(_) => crate::cases::error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "",
            "the model could not finish; nothing was changed",
        ),
    }
}

/// What a run answers.
enum Answer {
    /// The scenario cannot be set beside the law on that date.
    Refused(String),
    /// A CSV or JSON file (none where the second scenario was asked for
    /// and there is none).
    Download(Option<String>, &'static str, &'static str),
    /// The form and the results.
    Page(Markup),
}

/// Runs each scenario over the caseload (the synthetic one generated
/// here when `caseload` is `None`) and writes the answer.
fn model_answer(
    parameters: &'static Parameters,
    checked: &Checked,
    caseload: Option<Caseload>,
    asked: &Asked,
    token: &str,
) -> Answer {
    let caseload = caseload.unwrap_or_else(|| {
        Caseload::synthetic(
            usize::try_from(checked.cases).unwrap_or(usize::MAX),
            checked.seed,
        )
    });
    let models: Vec<Model<'_>> = match checked
        .scenarios
        .iter()
        .map(|s| Model::new(parameters, checked.date, s.clone()))
        .collect::<Result<_, _>>()
    {
        Ok(models) => models,
        Err(message) => return Answer::Refused(message),
    };
    let reports: Vec<Report<'_, '_>> = models
        .iter()
        .map(|m| run(m, &caseload, checked.options))
        .collect();
    match checked.format {
        Format::Csv(which) => Answer::Download(
            reports.get(which).map(Report::to_csv),
            "text/csv; charset=utf-8",
            "csv",
        ),
        Format::Json(which) => Answer::Download(
            reports.get(which).map(Report::to_json),
            "application/json",
            "json",
        ),
        Format::Page => {
            let mut main = form(asked, token, &[]);
            main.push(&results(&reports, asked, token));
            Answer::Page(main)
        }
    }
}

fn download(text: Option<String>, kind: &'static str, extension: &'static str) -> Response {
    let Some(text) = text else {
        return crate::cases::error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "format",
            "there is no second scenario to download",
        );
    };
    let mut response = (StatusCode::OK, text).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(value) = HeaderValue::from_str(&format!(
        "attachment; filename=\"reform-model.{extension}\""
    )) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

fn refused(asked: &Asked, token: &str, errors: &[(String, String)]) -> Response {
    respond(
        StatusCode::UNPROCESSABLE_ENTITY,
        &Page {
            title: "Error: Reform modelling",
            exit_this_page: false,
            main: form(asked, token, errors),
        },
    )
}

/// The service type on `on` as known then: the latest change in force,
/// Direct Pay when none was recorded (the service only calculates).
fn collect_and_pay_on(history: &case_records::CaseHistory, on: Date) -> bool {
    let mut known: Vec<&case_records::FactEvent> = history
        .events
        .iter()
        .filter(|e| e.recorded_on <= on && e.effective_from <= on)
        .collect();
    known.sort_by_key(|e| (e.effective_from, e.recorded_on));
    known
        .iter()
        .rev()
        .find_map(|e| match e.change {
            Change::ServiceType(service) => Some(service == ServiceType::CollectAndPay),
            _ => None,
        })
        .unwrap_or(false)
}

/// The stored caseload as known on `on`: every case the store holds,
/// read one at a time, each under the calculation in force that day as
/// the facts recorded by then give it, made into the model's case (what
/// the service does not hold imputed from `seed`). Nothing personal is
/// read: facts only, never parties. Cases with no liability that day, or
/// circumstances the model cannot hold, are counted by reason.
///
/// It reads every case: seconds for a large caseload.
///
/// # Errors
/// The store's failure.
pub async fn stored_caseload(
    store: &dyn Store,
    parameters: &Parameters,
    on: Date,
    seed: u64,
) -> Result<Caseload, StorageError> {
    let calibration = reform_model::Calibration::embedded();
    let references = store.case_references().await?;
    let mut cases = Vec::new();
    let mut not_modelled = vec![0u64; NOT_MODELLED.len()];
    let mut read = 0u64;
    for reference in &references {
        let Some(history) = store.case_history(reference).await? else {
            continue;
        };
        read += 1;
        let request = case_records::calculation_request_on(&history, parameters, on, on);
        let Ok(Some((_, request))) = request else {
            not_modelled[0] += 1;
            continue;
        };
        let index = u64::try_from(cases.len()).unwrap_or(u64::MAX);
        match calibration.stored_case(
            seed,
            index,
            &request,
            collect_and_pay_on(&history, on),
            parameters,
        ) {
            Ok(case) => cases.push(case),
            Err(reason) => {
                if let Some(at) = NOT_MODELLED.iter().position(|r| *r == reason) {
                    not_modelled[at] += 1;
                }
            }
        }
    }
    Ok(Caseload {
        seed,
        calibration,
        cases,
        source: Source::Stored {
            known_on: on,
            read,
            not_modelled: NOT_MODELLED.iter().copied().zip(not_modelled).collect(),
        },
    })
}

/// Pounds and pence with thousands separated: `£1,234,567.89`.
fn pounds(pence: u64) -> String {
    format!("£{}.{:02}", count(pence / 100), pence % 100)
}

/// A whole number with thousands separated.
fn count(n: u64) -> String {
    let text = n.to_string();
    let mut grouped = String::new();
    for (index, digit) in text.chars().enumerate() {
        if index > 0 && (text.len() - index).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
}

/// Text whose long versions and fingerprints may break anywhere, so a
/// narrow screen does not scroll sideways.
fn break_words(text: &str) -> Markup {
    Markup::trusted(format!(
        "<span class=\"govuk-!-text-break-word\">{}</span>",
        escape(text)
    ))
}

/// A cell as shown: `[c]` where withheld.
fn shown(cell: Option<u64>, money: bool) -> String {
    match cell {
        None => "[c]".to_owned(),
        Some(v) if money => pounds(v),
        Some(v) => count(v),
    }
}

const POLICY_WORDS: [(&str, &str); 6] = [
    (
        "affordability-floor-rec5",
        "Protected income floor (Recommendation 5)",
    ),
    (
        "affordability-taper-rec5",
        "Gentler reduced-rate taper (Recommendation 5)",
    ),
    (
        "income-shares-rec8",
        "Both parents' incomes: income shares (Recommendation 8)",
    ),
    (
        "prisoner-earnings-rec7",
        "Prisoners' earnings assessed (Recommendation 7)",
    ),
    (
        "direct-pay-reform-2025",
        "Direct Pay removed, with the reform's fees",
    ),
    (
        "evidence-gateway-2023-act",
        "Evidence gateway into Collect and Pay (2023 Act)",
    ),
];

fn policy_words(name: &str) -> &str {
    POLICY_WORDS
        .iter()
        .find(|(n, _)| *n == name)
        .map_or(name, |(_, words)| words)
}

fn checkboxes(
    name: &str,
    legend: &str,
    hint: &str,
    chosen: &[String],
    error: Option<&str>,
) -> String {
    let mut html = format!(
        "<div class=\"govuk-form-group{}\">\n<fieldset class=\"govuk-fieldset\" aria-describedby=\"{name}-hint{}\">\n<legend class=\"govuk-fieldset__legend govuk-fieldset__legend--m\">{}</legend>\n<div id=\"{name}-hint\" class=\"govuk-hint\">{}</div>\n",
        if error.is_some() {
            " govuk-form-group--error"
        } else {
            ""
        },
        if error.is_some() {
            format!(" {name}-error")
        } else {
            String::new()
        },
        escape(legend),
        escape(hint)
    );
    if let Some(error) = error {
        let _ = writeln!(
            html,
            "<p id=\"{name}-error\" class=\"govuk-error-message\"><span class=\"govuk-visually-hidden\">Error:</span> {}</p>",
            escape(error)
        );
    }
    html.push_str("<div class=\"govuk-checkboxes govuk-checkboxes--small\" data-module=\"govuk-checkboxes\">\n");
    for (index, policy) in Policy::known().into_iter().enumerate() {
        let id = if index == 0 {
            name.to_owned()
        } else {
            format!("{name}-{}", index + 1)
        };
        let _ = writeln!(
            html,
            "<div class=\"govuk-checkboxes__item\">\n<input class=\"govuk-checkboxes__input\" id=\"{id}\" name=\"{name}\" type=\"checkbox\" value=\"{}\"{}>\n<label class=\"govuk-label govuk-checkboxes__label\" for=\"{id}\">{}</label>\n</div>",
            escape(policy),
            if chosen.iter().any(|c| c == policy) {
                " checked"
            } else {
                ""
            },
            escape(policy_words(policy))
        );
    }
    html.push_str("</div>\n</fieldset>\n</div>\n");
    html
}

/// The form, with the errors of a refused run above it.
fn form(asked: &Asked, token: &str, errors: &[(String, String)]) -> Markup {
    let error_for = |field: &str| {
        errors
            .iter()
            .find(|(href, _)| href == &format!("#{field}"))
            .map(|(_, message)| message.as_str())
    };
    let mut main = Markup::trusted(String::new());
    if !errors.is_empty() {
        main.push(&html::error_summary("There is a problem", errors));
    }
    main.push(&Markup::trusted(
        "<h1 class=\"govuk-heading-l\">Reform modelling</h1>\n<p class=\"govuk-body\">See what a change of rules would do to the whole caseload: maintenance and fees under the law and under one or two scenarios, who pays more or less, and how receiving parents' households are affected.</p>\n<div class=\"govuk-inset-text\">Counts and sums only. A group of fewer than 10 cases is withheld, with its sums, and shown as [c]. Receiving parents' incomes are not held by the service: they are imputed from a published distribution. Policies are modelled only, never applied to a case.</div>\n".to_owned(),
    ));
    let mut html = format!(
        "<form method=\"post\" action=\"/analysis\" novalidate>\n<input type=\"hidden\" name=\"form_token\" value=\"{}\">\n",
        escape(token)
    );
    html.push_str(
        html::radios(&html::Radios {
            name: "caseload",
            legend: "Which caseload?",
            legend_classes: Some("govuk-fieldset__legend--m"),
            hint: Some("The stored caseload reads every case the service holds, as known on the date: it can take several seconds for a large caseload."),
            error: error_for("caseload"),
            items: &[
                (
                    "synthetic",
                    "Synthetic, calibrated to the service's published statistics",
                    asked.caseload != "stored",
                ),
                (
                    "stored",
                    "The service's stored cases, as known on the date",
                    asked.caseload == "stored",
                ),
            ],
            ..html::Radios::default()
        })
        .as_str(),
    );
    html.push_str(&checkboxes(
        "policy",
        "Scenario to model",
        "Choose one or more policies; they apply together. At most one of each kind of rule.",
        &asked.policies,
        error_for("policy"),
    ));
    html.push_str(&checkboxes(
        "compare",
        "Compare with another scenario (optional)",
        "Shown side by side with the first, over the same cases.",
        &asked.compare,
        error_for("compare"),
    ));
    html.push_str(
        html::date_input(&html::DateInput {
            id: "date",
            name_prefix: Some("date"),
            legend: "Date modelled",
            legend_classes: Some("govuk-fieldset__legend--m"),
            hint: Some(
                "The law in force on this day is set beside the policies. For example, 1 4 2028",
            ),
            error: error_for("date-day"),
            values: [
                Some(asked.date[0].as_str()),
                Some(asked.date[1].as_str()),
                Some(asked.date[2].as_str()),
            ],
            ..html::DateInput::default()
        })
        .as_str(),
    );
    for (id, label, hint, value, width) in [
        (
            "cases",
            "Number of synthetic cases",
            "The national caseload is about 750,000. Not used for the stored caseload.",
            asked.cases.as_str(),
            "govuk-input--width-10",
        ),
        (
            "seed",
            "Seed",
            "The same seed gives the same cases, and the same answer to the byte.",
            asked.seed.as_str(),
            "govuk-input--width-10",
        ),
        (
            "share",
            "Share of net income",
            "Counts the liabilities above this share of the paying parent's net income.",
            asked.share.as_str(),
            "govuk-input--width-4",
        ),
    ] {
        html.push_str(
            html::input(&html::Input {
                id,
                name: id,
                label,
                label_classes: Some("govuk-label--s"),
                hint: Some(hint),
                error: error_for(id),
                value: Some(value),
                classes: Some(width),
                suffix: (id == "share").then_some("%"),
                inputmode: Some(if id == "share" { "decimal" } else { "numeric" }),
                ..html::Input::default()
            })
            .as_str(),
        );
        html.push('\n');
    }
    html.push_str(
        html::button(&html::Button {
            text: "Run the model",
            ..html::Button::default()
        })
        .as_str(),
    );
    html.push_str("\n</form>\n");
    main.push(&Markup::trusted(html));
    main
}

/// The same form's answers as hidden fields, for the download buttons.
fn hidden(asked: &Asked, token: &str, format: &str) -> String {
    let mut html = format!(
        "<form method=\"post\" action=\"/analysis\" class=\"govuk-!-display-inline-block govuk-!-margin-right-2\">\n<input type=\"hidden\" name=\"form_token\" value=\"{}\">\n",
        escape(token)
    );
    let mut field = |name: &str, value: &str| {
        let _ = writeln!(
            html,
            "<input type=\"hidden\" name=\"{name}\" value=\"{}\">",
            escape(value)
        );
    };
    field("caseload", &asked.caseload);
    for p in &asked.policies {
        field("policy", p);
    }
    for p in &asked.compare {
        field("compare", p);
    }
    field("cases", &asked.cases);
    field("seed", &asked.seed);
    field("date-day", &asked.date[0]);
    field("date-month", &asked.date[1]);
    field("date-year", &asked.date[2]);
    field("share", &asked.share);
    field("format", format);
    html
}

fn numeric_table(caption: &str, head: &[&str], rows: &[Vec<String>]) -> Markup {
    let columns: Vec<html::Column<'_>> = head
        .iter()
        .enumerate()
        .map(|(index, heading)| html::Column {
            heading,
            numeric: index > 0,
        })
        .collect();
    let rows: Vec<Vec<Markup>> = rows
        .iter()
        .map(|row| row.iter().map(|cell| html::text(cell)).collect())
        .collect();
    // Figures in small text on a phone, and the table in a region of its own
    // that scrolls, labelled and reachable by keyboard, so the page itself
    // never scrolls sideways at 320 pixels (WCAG 1.4.10).
    Markup::trusted(format!(
        "<div class=\"app-table-scroll\" role=\"region\" aria-label=\"{}\" tabindex=\"0\">\n{}</div>\n",
        escape(caption),
        html::table(caption, &columns, &rows, true)
            .as_str()
            .replacen(
                "<table class=\"govuk-table\">",
                "<table class=\"govuk-table govuk-table--small-text-until-tablet\">",
                1,
            )
    ))
}

/// How each series is drawn, so the key names a shape, not a colour
/// (WCAG 1.4.1): the fill attributes of its bars and its name in the key.
const SERIES_STYLES: [(&str, &str); 4] = [
    ("fill=\"#1d70b8\"", "Solid bar"),
    (
        "fill=\"#ffffff\" stroke=\"#0b0c0c\" stroke-width=\"2\"",
        "Outlined bar",
    ),
    (
        "fill=\"#ffffff\" stroke=\"#0b0c0c\" stroke-width=\"2\" stroke-dasharray=\"6 3\"",
        "Dashed outline bar",
    ),
    (
        "fill=\"#ffffff\" stroke=\"#0b0c0c\" stroke-width=\"2\" stroke-dasharray=\"1 3\"",
        "Dotted outline bar",
    ),
];

/// Bars for each group, one shape a series, hidden from screen readers
/// (the table beside it says the same). A withheld cell draws no bar.
fn bar_chart(groups: &[(String, Vec<Option<u64>>)], series: &[&str]) -> Markup {
    let largest = groups
        .iter()
        .flat_map(|(_, values)| values.iter().flatten())
        .copied()
        .max()
        .unwrap_or(0)
        .max(1);
    let per_group = 600 / u64::try_from(groups.len().max(1)).unwrap_or(1);
    let bar_width =
        (per_group.saturating_sub(8) / u64::try_from(series.len().max(1)).unwrap_or(1)).max(2);
    let mut svg = String::from(
        "<svg class=\"app-chart\" viewBox=\"0 0 600 170\" width=\"100%\" role=\"presentation\" aria-hidden=\"true\" focusable=\"false\" xmlns=\"http://www.w3.org/2000/svg\">\n",
    );
    for (index, (label, values)) in groups.iter().enumerate() {
        let x0 = u64::try_from(index).unwrap_or(0) * per_group + 4;
        for (s, value) in values.iter().enumerate() {
            let Some(value) = value else { continue };
            let height = u128::from(*value) * 120 / u128::from(largest);
            let x = x0 + u64::try_from(s).unwrap_or(0) * bar_width;
            let _ = writeln!(
                svg,
                "<rect x=\"{x}\" y=\"{}\" width=\"{}\" height=\"{height}\" {}/>",
                130 - height,
                bar_width.saturating_sub(1).max(1),
                SERIES_STYLES[s % SERIES_STYLES.len()].0
            );
        }
        let _ = writeln!(
            svg,
            "<text x=\"{}\" y=\"160\" font-size=\"14\" text-anchor=\"middle\">{}</text>",
            x0 + per_group / 2 - 4,
            escape(label)
        );
    }
    svg.push_str("</svg>\n");
    let key: Vec<String> = series
        .iter()
        .enumerate()
        .map(|(s, name)| {
            let (fill, shape) = SERIES_STYLES[s % SERIES_STYLES.len()];
            format!(
                "<svg width=\"16\" height=\"16\" viewBox=\"0 0 16 16\" focusable=\"false\" xmlns=\"http://www.w3.org/2000/svg\"><rect x=\"1\" y=\"1\" width=\"14\" height=\"14\" {fill}/></svg> <span class=\"govuk-!-font-weight-bold\">{shape}</span>: {}",
                escape(name)
            )
        })
        .collect();
    Markup::trusted(format!(
        "<p class=\"govuk-body-s\" aria-hidden=\"true\">{}. The table below gives the same figures.</p>\n{svg}",
        key.join(". ")
    ))
}

/// A chart with its table beside it: below it, full width, as the
/// service's other charts (screen readers read the table).
fn chart_with_table(chart: Markup, table: Markup) -> Markup {
    Markup::concat(&[chart, table])
}

fn rows_of<'r>(report: &'r [Row], dimension: &str) -> Vec<&'r Row> {
    report.iter().filter(|r| r.dimension == dimension).collect()
}

fn category_words(dimension: &str, category: &str) -> String {
    match dimension {
        "income_decile" => format!("Decile {category}"),
        "children" => format!("{category} children").replace("1 children", "1 child"),
        "shared_care_nights" => format!("{category} nights"),
        _ => category.replace('_', " "),
    }
}

/// The answer as a page: the run's facts, the totals, then winners and
/// losers by each grouping, each scenario side by side.
fn results(reports: &[Report<'_, '_>], asked: &Asked, token: &str) -> Markup {
    let Some(first) = reports.first() else {
        return Markup::trusted(String::new());
    };
    let tables: Vec<Vec<Row>> = reports.iter().map(Report::table).collect();
    let names: Vec<String> = reports
        .iter()
        .map(|r| {
            r.model
                .scenario
                .policies
                .iter()
                .map(|p| policy_words(&p.name).to_owned())
                .collect::<Vec<_>>()
                .join(" + ")
        })
        .collect();
    let labels: Vec<String> = if reports.len() > 1 {
        vec!["Scenario A".to_owned(), "Scenario B".to_owned()]
    } else {
        vec!["Policy".to_owned()]
    };
    let mut html = String::from("<h2 class=\"govuk-heading-l\" id=\"results\">Results</h2>\n");
    // The run's facts: every output names them.
    let mut facts: Vec<(String, Markup)> = Vec::new();
    for (key, value) in first.meta() {
        if matches!(key.as_str(), "policy" | "policy_version" | "note") {
            continue;
        }
        facts.push((key.replace('_', " "), break_words(&value)));
    }
    for (label, (report, name)) in labels.iter().zip(reports.iter().zip(&names)) {
        let mut words = format!("{name}. Version {}.", report.model.policy_set.version);
        for (key, value) in report.meta() {
            if key == "policy" || key == "note" {
                let _ = write!(words, " {value}.");
            }
        }
        facts.push((label.clone(), break_words(&words)));
    }
    html.push_str(html::summary_list(&facts).as_str());

    // Totals a week.
    let total = |t: &[Row]| t.iter().find(|r| r.dimension == "total").cloned();
    let totals: Vec<Row> = tables.iter().filter_map(|t| total(t)).collect();
    let Some(law) = totals.first() else {
        return Markup::trusted(html);
    };
    let mut head = vec!["A week", "Law"];
    head.extend(labels.iter().map(String::as_str));
    let line = |words: &str, law_column: Option<&str>, column: &str, money: bool| {
        let mut row = vec![
            words.to_owned(),
            law_column.map_or_else(String::new, |c| shown(law.cell(c), money)),
        ];
        row.extend(totals.iter().map(|t| shown(t.cell(column), money)));
        row
    };
    let share = first.options.share_of_net_income.to_string();
    let rows = vec![
        line("Cases", Some("cases"), "cases", false),
        line(
            "Maintenance due",
            Some("law_maintenance_weekly_pence"),
            "policy_maintenance_weekly_pence",
            true,
        ),
        line(
            "Paying parents' collection fees",
            Some("law_paying_fees_weekly_pence"),
            "policy_paying_fees_weekly_pence",
            true,
        ),
        line(
            "Receiving parents' collection fees",
            Some("law_receiving_fees_weekly_pence"),
            "policy_receiving_fees_weekly_pence",
            true,
        ),
        line(
            "What receiving parents' households get",
            Some("law_receiving_households_get_weekly_pence"),
            "policy_receiving_households_get_weekly_pence",
            true,
        ),
        line(
            "Paying parents who pay less",
            None,
            "paying_better_off",
            false,
        ),
        line(
            "Paying less by, together",
            None,
            "paying_better_off_by_weekly_pence",
            true,
        ),
        line(
            "Paying parents who pay more",
            None,
            "paying_worse_off",
            false,
        ),
        line(
            "Paying more by, together",
            None,
            "paying_worse_off_by_weekly_pence",
            true,
        ),
        line(
            "Receiving households who get more",
            None,
            "receiving_better_off",
            false,
        ),
        line(
            "Receiving households who get less",
            None,
            "receiving_worse_off",
            false,
        ),
        line(
            &format!("Liabilities above {share} of net income"),
            Some("law_over_share_of_net_income"),
            "policy_over_share_of_net_income",
            false,
        ),
        line(
            "Paying parents with an income",
            Some("with_income"),
            "with_income",
            false,
        ),
    ];
    html.push_str(numeric_table("Totals a week, as due", &head, &rows).as_str());

    // Winners and losers by each grouping: a chart and its table.
    for (dimension, title) in [
        (
            "income_decile",
            "Paying parents paying less and more, by paying parent's income decile",
        ),
        (
            "law_rate",
            "Paying parents paying less and more, by the law's rate",
        ),
        (
            "children",
            "Paying parents paying less and more, by number of children",
        ),
        (
            "service",
            "Paying parents paying less and more, by service type",
        ),
        (
            "shared_care_nights",
            "Paying parents paying less and more, by shared care (most nights of any child)",
        ),
    ] {
        let _ = writeln!(html, "<h2 class=\"govuk-heading-m\">{}</h2>", escape(title));
        let categories: Vec<(String, String)> = rows_of(&tables[0], dimension)
            .iter()
            .map(|r| (r.category.to_owned(), category_words(dimension, r.category)))
            .collect();
        let mut head = vec!["Group".to_owned(), "Cases".to_owned()];
        let mut series = Vec::new();
        for label in &labels {
            head.push(format!("{label}: pay less"));
            head.push(format!("{label}: pay more"));
            series.push(format!("{label}, pay less"));
            series.push(format!("{label}, pay more"));
        }
        let mut rows = Vec::new();
        let mut groups = Vec::new();
        for (category, words) in &categories {
            let cells: Vec<&Row> = tables
                .iter()
                .filter_map(|t| {
                    t.iter()
                        .find(|r| r.dimension == dimension && r.category == category)
                })
                .collect();
            let mut row = vec![words.clone(), shown(cells[0].cell("cases"), false)];
            let mut values = Vec::new();
            for cell in &cells {
                for column in ["paying_better_off", "paying_worse_off"] {
                    row.push(shown(cell.cell(column), false));
                    values.push(cell.cell(column));
                }
            }
            rows.push(row);
            let short = match dimension {
                "income_decile" | "children" | "shared_care_nights" => category.clone(),
                _ => words.clone(),
            };
            groups.push((short, values));
        }
        let head: Vec<&str> = head.iter().map(String::as_str).collect();
        let series: Vec<&str> = series.iter().map(String::as_str).collect();
        html.push_str(
            chart_with_table(
                bar_chart(&groups, &series),
                numeric_table(title, &head, &rows),
            )
            .as_str(),
        );
    }

    // What receiving households get: the change in bands.
    let title = "Receiving parents' households, by the change in what they get a week";
    let _ = writeln!(html, "<h2 class=\"govuk-heading-m\">{title}</h2>");
    let mut head = vec!["Change".to_owned()];
    head.extend(labels.iter().map(|l| format!("{l}: households")));
    let mut rows = Vec::new();
    let mut groups = Vec::new();
    for row in rows_of(&tables[0], "receiving_change") {
        let mut line = vec![row.category.replace('_', " ")];
        let mut values = Vec::new();
        for table in &tables {
            let cell = table
                .iter()
                .find(|r| r.dimension == "receiving_change" && r.category == row.category)
                .and_then(|r| r.cell("cases"));
            line.push(shown(cell, false));
            values.push(cell);
        }
        rows.push(line);
        groups.push((
            row.category
                .replace("loses_", "−")
                .replace("gains_", "+")
                .replace("_pounds", "")
                .replace("_pound", "")
                .replace("no_change", "0")
                .replace("over_", ">")
                .replace("under_", "<")
                .replace("_to_", "–"),
            values,
        ));
    }
    let head: Vec<&str> = head.iter().map(String::as_str).collect();
    let series: Vec<&str> = labels.iter().map(String::as_str).collect();
    html.push_str(
        chart_with_table(
            bar_chart(&groups, &series),
            numeric_table(title, &head, &rows),
        )
        .as_str(),
    );

    // Moves between rates and services.
    for (label, report) in labels.iter().zip(reports) {
        let moves: Vec<Vec<String>> = report
            .shown_moves()
            .into_iter()
            .filter(|(_, from, to, _)| from != to)
            .map(|(kind, from, to, cases)| {
                vec![
                    format!(
                        "{}: {} to {}",
                        kind.replace('_', " "),
                        from.replace('_', " "),
                        to.replace('_', " ")
                    ),
                    shown(cases, false),
                ]
            })
            .collect();
        html.push_str(
            numeric_table(
                &format!("{label}: cases moving between rates and services"),
                &["Move", "Cases"],
                &moves,
            )
            .as_str(),
        );
    }

    // Downloads: the same run again, as CSV or JSON.
    html.push_str("<h2 class=\"govuk-heading-m\">Download</h2>\n<p class=\"govuk-body\">The same answer, byte for byte the same for the same choices, with the seed, the policies' fingerprints and the law's version in every file.</p>\n");
    for (which, label) in labels.iter().enumerate() {
        for (format, words) in [("csv", "CSV"), ("json", "JSON")] {
            let format = if which == 0 {
                format.to_owned()
            } else {
                format!("{format}-compare")
            };
            html.push_str(&hidden(asked, token, &format));
            html.push_str(
                html::button(&html::Button {
                    text: &format!("{label} as {words}"),
                    classes: Some("govuk-button--secondary"),
                    ..html::Button::default()
                })
                .as_str(),
            );
            html.push_str("\n</form>\n");
        }
    }
    Markup::trusted(html)
}

#[cfg(test)]
mod tests {
    use super::{count, pounds};

    #[test]
    fn money_and_counts_are_grouped_in_thousands() {
        assert_eq!(pounds(0), "£0.00");
        assert_eq!(pounds(5), "£0.05");
        assert_eq!(pounds(123_456_789), "£1,234,567.89");
        assert_eq!(count(999), "999");
        assert_eq!(count(1_000), "1,000");
        assert_eq!(count(749_000), "749,000");
    }
}
