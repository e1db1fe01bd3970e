//! What a parent asks or tells from their own pages (issue 6 §2): to move
//! from Direct Pay to Collect and Pay, and a change of circumstances. Each
//! is recorded on the case's collection log (`collection::record_parent_action`)
//! for a caseworker, who sees it on the case page and in "Requests from
//! parents", and decides; nothing is decided by the request itself, and the
//! other parent is never told of it.
//!
//! Each page has the GOV.UK back link to the account, and a form sent
//! well is answered by post-redirect-get: a 303 to the page's own address
//! with `?sent=`, whose GET shows what happens next (so a refresh or Back
//! never sends it again).
//!
//! The forms hold no free text, so an address cannot travel in a request:
//! someone who has moved is called, in the way they said is safe, for it.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain_types::Date;
use ledger::{CollectionAction, CollectionTerms, MoveRequestReason, ReportedChange};

use crate::AppState;
use crate::html::{self, Button, DateInput, Markup, Radios, escape};
use crate::self_service::{csrf_token, own_case, own_case_posted, parent_page, question_page};

/// A parent's request form.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct RequestForm {
    #[serde(default)]
    form_token: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    change: String,
    #[serde(rename = "from-day", default)]
    day: String,
    #[serde(rename = "from-month", default)]
    month: String,
    #[serde(rename = "from-year", default)]
    year: String,
}

/// Where a parent's request pages lead back to: their account, which
/// links to each.
const BACK: &str = "/account";

/// A request page's address after a form sent well (`?sent=`).
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sent {
    #[serde(default)]
    sent: Option<String>,
}

/// Post-redirect-get: see `path` with `?sent={what}`.
fn sent(path: &str, what: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(location) = HeaderValue::from_str(&format!("{path}?sent={what}")) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// A request page's question, with the back link to the account.
fn request_page(status: StatusCode, field: &str, error: Option<&str>, form: &Markup) -> Response {
    crate::pages::with_back_link(BACK, || question_page(status, field, error, form))
}

const MOVE_ASKED: &str = "A caseworker will look at your request and contact you in the way you said is safe. We will not tell the other parent that you asked.";
const ALREADY_COLLECTED: &str =
    "Payments on this case are already collected by the Child Maintenance Service.";
const MOVED_HOME: &str = "A caseworker will contact you, in the way you said is safe, to take your new address. The other parent will never be told it.";
const CHANGE_TO_CHECK: &str =
    "A caseworker will check the change and tell you if the amount of child maintenance changes.";

fn form_start(action: &str, token: &str) -> Markup {
    Markup::trusted(format!(
        "<form method=\"post\" action=\"{}\" novalidate>\n<input type=\"hidden\" name=\"form_token\" value=\"{}\">\n",
        escape(action),
        escape(token)
    ))
}

fn send_button(form: &mut Markup) {
    form.push(&html::button(&Button {
        text: "Send",
        ..Button::default()
    }));
    form.push(&Markup::trusted("</form>\n".to_owned()));
}

fn move_page(status: StatusCode, case: &str, token: &str, error: Option<&str>) -> Response {
    let mut form = form_start(
        &format!("/account/cases/{case}/move-to-collect-and-pay"),
        token,
    );
    let items: Vec<(&str, &str, bool)> = MoveRequestReason::ALL
        .iter()
        .map(|r| (r.code(), r.in_words(), false))
        .collect();
    form.push(&html::radios(&Radios {
        name: "reason",
        legend: "Why do you want to move to Collect and Pay?",
        legend_classes: Some("govuk-fieldset__legend--l"),
        legend_is_page_heading: true,
        hint: Some(
            "We collect the payments and pass them on, so you never need to share bank details. A caseworker decides, and will contact you in the way you said is safe. We will not tell the other parent that you asked.",
        ),
        error,
        items: &items,
        ..Radios::default()
    }));
    send_button(&mut form);
    request_page(status, "reason", error, &form)
}

fn change_page(
    status: StatusCode,
    case: &str,
    token: &str,
    typed: &RequestForm,
    error: Option<(&str, &str)>,
) -> Response {
    let mut form = form_start(&format!("/account/cases/{case}/report-a-change"), token);
    form.push(&Markup::trusted(
        "<h1 class=\"govuk-heading-l\">Report a change</h1>\n".to_owned(),
    ));
    let items: Vec<(&str, &str, bool)> = ReportedChange::ALL
        .iter()
        .map(|c| (c.code(), c.in_words(), c.code() == typed.change))
        .collect();
    let change_error = error.filter(|(field, _)| *field == "change").map(|e| e.1);
    form.push(&html::radios(&Radios {
        name: "change",
        legend: "What has changed?",
        legend_classes: Some("govuk-fieldset__legend--m"),
        hint: Some(
            "If you have moved, do not tell us your new address here: a caseworker will ask for it in the way you said is safe.",
        ),
        error: change_error,
        items: &items,
        ..Radios::default()
    }));
    let date_error = error.filter(|(field, _)| *field == "from-day").map(|e| e.1);
    form.push(&html::date_input(&DateInput {
        id: "from",
        name_prefix: Some("from"),
        legend: "When did it change?",
        legend_classes: Some("govuk-fieldset__legend--m"),
        hint: Some("For example, 27 3 2026"),
        error: date_error,
        values: [
            Some(typed.day.as_str()).filter(|v| !v.is_empty()),
            Some(typed.month.as_str()).filter(|v| !v.is_empty()),
            Some(typed.year.as_str()).filter(|v| !v.is_empty()),
        ],
        ..DateInput::default()
    }));
    send_button(&mut form);
    let (field, message) = error.map_or(("change", None), |(f, m)| (f, Some(m)));
    request_page(status, field, message, &form)
}

/// "Thank you for telling us", what happens next, and the way back.
pub(crate) fn thanks(words: &str) -> Response {
    parent_page(Markup::concat(&[
        Markup::trusted("<h1 class=\"govuk-heading-l\">Thank you for telling us</h1>\n".to_owned()),
        html::paragraph(words),
        Markup::trusted(
            "<p class=\"govuk-body\"><a class=\"govuk-link\" href=\"/account\">Back to your account</a></p>\n".to_owned(),
        ),
    ]))
}

/// `GET /account/cases/{reference}/missed-payment`: the form (drawn by
/// `self_service`), or with `?sent={due}` what happens next.
pub async fn missed_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(reference): Path<String>,
    Query(query): Query<Sent>,
) -> Response {
    let Some(due) = query.sent.as_deref().and_then(|d| Date::parse_iso(d).ok()) else {
        return crate::self_service::missed_payment_form(State(state), headers, Path(reference))
            .await;
    };
    match own_case(&state, &headers, &reference).await {
        Ok(_) => thanks(&format!(
            "We have noted that the payment due on {due} was not made. A caseworker will look at it."
        )),
        Err(response) => response,
    }
}

/// Post-redirect-get after a missed payment was reported.
pub(crate) fn missed_sent(case: &str, due: &str) -> Response {
    sent(&format!("/account/cases/{case}/missed-payment"), due)
}

/// `GET /account/cases/{reference}/move-to-collect-and-pay` (with
/// `?sent=`: what happens next).
pub async fn move_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(reference): Path<String>,
    Query(query): Query<Sent>,
) -> Response {
    match own_case(&state, &headers, &reference).await {
        Ok(_) if query.sent.as_deref() == Some("asked") => thanks(MOVE_ASKED),
        Ok(_) if query.sent.as_deref() == Some("already") => thanks(ALREADY_COLLECTED),
        Ok((_, session, case, _)) => move_page(
            StatusCode::OK,
            &case.to_string(),
            &csrf_token(&session),
            None,
        ),
        Err(response) => response,
    }
}

/// `POST /account/cases/{reference}/move-to-collect-and-pay`: the request,
/// for a caseworker; only while the case is on Direct Pay.
pub async fn ask_to_move(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(reference): Path<String>,
    Form(form): Form<RequestForm>,
) -> Response {
    let (person, token, case, history) =
        match own_case_posted(&state, &headers, &reference, &form.form_token).await {
            Ok(found) => found,
            Err(response) => return response,
        };
    let today = state.clock.today();
    let path = format!("/account/cases/{case}/move-to-collect-and-pay");
    if CollectionTerms::on(&history, today, today, state.parameters).collect_and_pay {
        return sent(&path, "already");
    }
    let Some(reason) = MoveRequestReason::from_code(&form.reason) else {
        return move_page(
            StatusCode::UNPROCESSABLE_ENTITY,
            &case.to_string(),
            &token,
            Some("Select why you want to move to Collect and Pay"),
        );
    };
    let key = format!("page/move-request/{}/{today}", reason.code());
    match crate::collection::record_parent_action(
        &state,
        &person,
        case,
        &key,
        CollectionAction::MoveRequested { reason },
    )
    .await
    {
        Ok(response) if response.status().is_success() => sent(&path, "asked"),
        Ok(response) | Err(response) => response,
    }
}

/// `GET /account/cases/{reference}/report-a-change` (with `?sent=`: what
/// happens next).
pub async fn change_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(reference): Path<String>,
    Query(query): Query<Sent>,
) -> Response {
    match own_case(&state, &headers, &reference).await {
        Ok(_) if query.sent.as_deref() == Some("moved_home") => thanks(MOVED_HOME),
        Ok(_) if query.sent.as_deref() == Some("change") => thanks(CHANGE_TO_CHECK),
        Ok((_, session, case, _)) => change_page(
            StatusCode::OK,
            &case.to_string(),
            &csrf_token(&session),
            &RequestForm::default(),
            None,
        ),
        Err(response) => response,
    }
}

/// The day a change applies from, as typed in the date input; or the
/// message to show.
fn typed_date(form: &RequestForm, today: Date) -> Result<Date, String> {
    let date =
        crate::pages::date_from_parts([&form.day, &form.month, &form.year], "Date it changed")?;
    if date > today.add_years(1).unwrap_or(today) {
        return Err("Date it changed must be within the next year".to_owned());
    }
    if date.ymd().0 < 2012 {
        return Err("Date it changed must be after the scheme began in 2012".to_owned());
    }
    Ok(date)
}

/// `POST /account/cases/{reference}/report-a-change`: the report, for a
/// caseworker to check.
pub async fn report_change(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(reference): Path<String>,
    Form(form): Form<RequestForm>,
) -> Response {
    let (person, token, case, _) =
        match own_case_posted(&state, &headers, &reference, &form.form_token).await {
            Ok(found) => found,
            Err(response) => return response,
        };
    let reference = case.to_string();
    let Some(change) = ReportedChange::from_code(&form.change) else {
        return change_page(
            StatusCode::UNPROCESSABLE_ENTITY,
            &reference,
            &token,
            &form,
            Some(("change", "Select what has changed")),
        );
    };
    let from = match typed_date(&form, state.clock.today()) {
        Ok(from) => from,
        Err(message) => {
            return change_page(
                StatusCode::UNPROCESSABLE_ENTITY,
                &reference,
                &token,
                &form,
                Some(("from-day", &message)),
            );
        }
    };
    let key = format!("page/change-report/{}/{from}", change.code());
    match crate::collection::record_parent_action(
        &state,
        &person,
        case,
        &key,
        CollectionAction::ChangeReported { change, from },
    )
    .await
    {
        Ok(response) if response.status().is_success() => sent(
            &format!("/account/cases/{reference}/report-a-change"),
            if change == ReportedChange::MovedHome {
                "moved_home"
            } else {
                "change"
            },
        ),
        Ok(response) | Err(response) => response,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(day: &str, month: &str, year: &str) -> RequestForm {
        RequestForm {
            day: day.to_owned(),
            month: month.to_owned(),
            year: year.to_owned(),
            ..RequestForm::default()
        }
    }

    #[test]
    fn a_typed_date_is_a_real_day_or_a_clear_message() {
        let today = Date::parse_iso("2026-11-22").unwrap();
        assert_eq!(
            typed_date(&typed("7", "3", "2026"), today),
            Ok(Date::parse_iso("2026-03-07").unwrap())
        );
        assert_eq!(
            typed_date(&typed("", "", ""), today),
            Err("Enter the date it changed".to_owned())
        );
        for (d, m, y) in [("31", "2", "2026"), ("x", "3", "2026"), ("1", "13", "2026")] {
            assert!(
                typed_date(&typed(d, m, y), today)
                    .unwrap_err()
                    .contains("real date"),
                "{d} {m} {y}"
            );
        }
        assert!(typed_date(&typed("1", "1", "2030"), today).is_err());
        assert!(typed_date(&typed("1", "1", "1999"), today).is_err());
    }
}
