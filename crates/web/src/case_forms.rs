//! The case page's action forms, defined once: the case page shows each
//! folded behind its summary (`govuk-details`), and when an action is
//! refused the same form comes back on a page of its own with the error
//! summary and every answer kept (issue 14). The action itself is
//! `workspace::act`, which calls the API's own functions.

use axum::http::StatusCode;
use axum::response::Response;
use case_records::CaseReference;

use crate::html::{self, Button, DateInput, Input, Markup, Radios, escape};
use crate::pages::{Page, respond};
use crate::workspace::ActionForm;

/// An answer refused: the form's field and the message.
pub(crate) type FieldError<'a> = Option<(&'a str, &'a str)>;

/// What a form looks like: its heading, its fields (with its hidden
/// `action` and the values that name its target), its button's words and
/// classes.
pub(crate) struct ActionFields {
    pub(crate) heading: String,
    pub(crate) fields: Markup,
    pub(crate) button: String,
    pub(crate) classes: Option<&'static str>,
}

fn hidden(name: &str, value: &str) -> String {
    format!(
        "<input type=\"hidden\" name=\"{}\" value=\"{}\">\n",
        escape(name),
        escape(value)
    )
}

/// The id of the element an error on `field` links to.
pub(crate) fn anchor(form: &ActionForm, field: &str) -> String {
    match field {
        "effective_from" if form.action == "make_calculation" => {
            "#calculation_effective_from-day".to_owned()
        }
        "effective_from" => "#effective_from-day".to_owned(),
        "income" if form.action == "make_calculation" => "#calculation_income".to_owned(),
        "hold_reason" => format!("#hold_reason_{}", form.receiving_parent.trim()),
        "" => "#main-content".to_owned(),
        other => format!("#{other}"),
    }
}

/// The form for `form.action`, with its answers and the error on one
/// field; `None` for an action this page does not know.
pub(crate) fn action_fields(form: &ActionForm, error: FieldError<'_>) -> Option<ActionFields> {
    let on = |field: &str| error.filter(|(f, _)| *f == field).map(|(_, m)| m);
    let radios_items = |choices: &[(&'static str, &'static str)], chosen: &str| {
        choices
            .iter()
            .map(|(v, w)| (*v, *w, *v == chosen))
            .collect::<Vec<(&str, &str, bool)>>()
    };
    let mut fields = hidden("action", &form.action);
    let date_values = [
        Some(form.effective_from_day.as_str()),
        Some(form.effective_from_month.as_str()),
        Some(form.effective_from_year.as_str()),
    ];
    let shown = match form.action.as_str() {
        "hold_disbursements" | "release_disbursements" => {
            let n = form.receiving_parent.trim();
            fields.push_str(&hidden("receiving_parent", n));
            fields.push_str(&hidden("seen", form.seen.trim()));
            if form.action == "hold_disbursements" {
                fields.push_str(
                    html::input(&Input {
                        id: &format!("hold_reason_{n}"),
                        name: "hold_reason",
                        label: &format!("Why hold payments to receiving parent {n}?"),
                        hint: Some("For example, their bank account is being checked. Money is still collected for them."),
                        error: on("hold_reason"),
                        value: Some(&form.hold_reason),
                        classes: Some("govuk-!-width-two-thirds"),
                        ..Input::default()
                    })
                    .as_str(),
                );
                ActionFields {
                    heading: format!("Hold payments to receiving parent {n}"),
                    fields: Markup::default(),
                    button: format!("Hold payments to receiving parent {n}"),
                    classes: Some("govuk-button--warning"),
                }
            } else {
                ActionFields {
                    heading: format!("Release payments to receiving parent {n}"),
                    fields: Markup::default(),
                    button: format!("Release payments to receiving parent {n}"),
                    classes: Some("govuk-button--secondary"),
                }
            }
        }
        "request_dealt_with" => {
            fields.push_str(&hidden("request", form.request.trim()));
            fields.push_str(&hidden("seen", form.seen.trim()));
            ActionFields {
                heading: format!("Request {} is dealt with", form.request.trim()),
                fields: Markup::default(),
                button: format!("Request {} is dealt with", form.request.trim()),
                classes: Some("govuk-button--secondary"),
            }
        }
        "approve_enforcement" | "review_enforcement" => {
            fields.push_str(&hidden("step", form.step.trim()));
            let words = if form.action == "approve_enforcement" {
                format!("Approve step {}", form.step.trim())
            } else {
                format!("Record the specialist review of step {}", form.step.trim())
            };
            ActionFields {
                heading: words.clone(),
                fields: Markup::default(),
                button: words,
                classes: None,
            }
        }
        "propose_enforcement" => {
            fields.push_str(&hidden("step", form.step.trim()));
            let words: Vec<String> = ledger::EnforcementAction::ALL
                .iter()
                .map(|a| crate::labels::sentence_of_code(a.code()))
                .collect();
            let items: Vec<(&str, &str, bool)> = ledger::EnforcementAction::ALL
                .iter()
                .zip(&words)
                .map(|(action, words)| {
                    (
                        action.code(),
                        words.as_str(),
                        form.enforcement == action.code(),
                    )
                })
                .collect();
            fields.push_str(
                html::radios(&Radios {
                    name: "enforcement",
                    legend: "Which enforcement action?",
                    legend_classes: Some("govuk-fieldset__legend--s"),
                    error: on("enforcement"),
                    items: &items,
                    classes: Some("govuk-radios--small"),
                    ..Radios::default()
                })
                .as_str(),
            );
            ActionFields {
                heading: format!("Propose step {}", form.step.trim()),
                fields: Markup::default(),
                button: "Propose".to_owned(),
                classes: Some("govuk-button--secondary"),
            }
        }
        "make_calculation" => {
            fields.push_str(
                html::input(&Input {
                    id: "calculation_income",
                    name: "income",
                    label: "The paying parent's gross weekly income",
                    hint: Some("From HM Revenue and Customs, or as they told us."),
                    error: on("income"),
                    value: Some(&form.income),
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
                    hint: Some("Liability starts then. For example, 1 6 2026"),
                    error: on("effective_from"),
                    values: date_values,
                    ..DateInput::default()
                })
                .as_str(),
            );
            ActionFields {
                heading: "Make the calculation".to_owned(),
                fields: Markup::default(),
                button: "Make the calculation".to_owned(),
                classes: None,
            }
        }
        "record_change" => {
            fields.push_str(
                html::radios(&Radios {
                    name: "change",
                    legend: "What changed?",
                    legend_classes: Some("govuk-fieldset__legend--s"),
                    classes: Some("govuk-radios--small"),
                    error: on("change"),
                    items: &radios_items(
                        &[
                            ("income", "The paying parent's income"),
                            ("child_joined", "A child joins the case"),
                            ("child_left", "A child leaves the case"),
                            ("shared_care", "Nights a child stays with the paying parent"),
                            (
                                "relevant_other_children",
                                "Other children living with the paying parent",
                            ),
                            ("case_closed", "The case closes"),
                            ("case_reopened", "The case opens again"),
                        ],
                        &form.change,
                    ),
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
                    error: on("effective_from"),
                    values: date_values,
                    ..DateInput::default()
                })
                .as_str(),
            );
            for (id, label, width, value) in [
                (
                    "child",
                    "The child's number in the case, for a child joining, leaving or staying",
                    "govuk-input--width-2",
                    &form.child,
                ),
                (
                    "nights",
                    "Nights a year with the paying parent, for shared care",
                    "govuk-input--width-3",
                    &form.nights,
                ),
                (
                    "count",
                    "How many other children, for other children",
                    "govuk-input--width-2",
                    &form.count,
                ),
            ] {
                fields.push_str(
                    html::input(&Input {
                        id,
                        name: id,
                        label,
                        error: on(id),
                        value: Some(value),
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
                    error: on("income"),
                    value: Some(&form.income),
                    prefix: Some("£"),
                    classes: Some("govuk-input--width-10"),
                    inputmode: Some("decimal"),
                    ..Input::default()
                })
                .as_str(),
            );
            ActionFields {
                heading: "Record a change".to_owned(),
                fields: Markup::default(),
                button: "Record the change".to_owned(),
                classes: Some("govuk-button--secondary"),
            }
        }
        "move_to_collect_and_pay" => {
            let evidence = safety::EvidenceList::embedded();
            let evidence_items: Vec<(&str, &str, bool)> = evidence
                .types
                .iter()
                .map(|t| {
                    (
                        t.code.as_str(),
                        t.description.as_str(),
                        form.evidence == t.code,
                    )
                })
                .collect();
            fields.push_str(
                html::radios(&Radios {
                    name: "route",
                    legend: "Why is the case moving?",
                    legend_classes: Some("govuk-fieldset__legend--s"),
                    error: on("route"),
                    items: &radios_items(
                        &[
                            ("both_agree", "Both parents agree"),
                            ("paying_parent_agrees", "The receiving parent asked and the paying parent agrees"),
                            ("unlikely_to_pay", "The paying parent is unlikely to pay, and the regulation 3A notice has been given"),
                            ("abuse_evidence", "A parent asked, with evidence of domestic abuse (the other parent is not asked)"),
                        ],
                        &form.route,
                    ),
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
                    error: on("applicant"),
                    items: &radios_items(
                        &[
                            ("receiving_parent", "The receiving parent"),
                            ("paying_parent", "The paying parent"),
                        ],
                        &form.applicant,
                    ),
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
                    error: on("evidence"),
                    items: &evidence_items,
                    ..Radios::default()
                })
                .as_str(),
            );
            ActionFields {
                heading: "Move to Collect and Pay".to_owned(),
                fields: Markup::default(),
                button: "Move to Collect and Pay".to_owned(),
                classes: Some("govuk-button--secondary"),
            }
        }
        "refer" => {
            fields.push_str(
                html::radios(&Radios {
                    name: "recipient",
                    legend: "Refer suspected financial abuse to",
                    legend_classes: Some("govuk-fieldset__legend--s"),
                    hint: Some("You get the referral pack as a PDF, with anything that could locate a protected person withheld. The referral is recorded on the case."),
                    classes: Some("govuk-radios--small"),
                    error: on("recipient"),
                    items: &radios_items(
                        &[
                            ("police", "The police"),
                            ("cps", "The Crown Prosecution Service"),
                        ],
                        &form.recipient,
                    ),
                    ..Radios::default()
                })
                .as_str(),
            );
            ActionFields {
                heading: "Refer suspected financial abuse".to_owned(),
                fields: Markup::default(),
                button: "Make the referral pack".to_owned(),
                classes: Some("govuk-button--secondary"),
            }
        }
        _ => return None,
    };
    Some(ActionFields {
        fields: Markup::trusted(fields),
        ..shown
    })
}

/// The form as HTML: posted to the case's actions with the form token and
/// the break-glass reason the viewer gave.
pub(crate) fn form_html(
    case: &CaseReference,
    token: &str,
    reason: &str,
    shown: &ActionFields,
) -> Markup {
    let mut form = Markup::trusted(format!(
        "<form method=\"post\" action=\"/work/cases/{}/actions\" novalidate>\n{}{}",
        escape(&case.to_string()),
        hidden("form_token", token),
        hidden("reason", reason),
    ));
    form.push(&shown.fields);
    form.push(&html::button(&Button {
        text: &shown.button,
        classes: shown.classes,
        ..Button::default()
    }));
    form.push(&Markup::trusted("</form>\n".to_owned()));
    form
}

/// A form folded behind its heading (component `details`), so the case
/// page is not every form open at once.
pub(crate) fn folded(summary: &str, form: &Markup) -> Markup {
    let mut html = Markup::trusted(format!(
        "<details class=\"govuk-details\">\n<summary class=\"govuk-details__summary\"><span class=\"govuk-details__summary-text\">{}</span></summary>\n<div class=\"govuk-details__text\">\n",
        escape(summary)
    ));
    html.push(form);
    html.push(&Markup::trusted("</div>\n</details>\n".to_owned()));
    html
}

/// An action refused: its form again on a page of its own, the error
/// summary linking to the field, every answer kept (422, or the API's own
/// 4xx status).
pub(crate) fn refused_page(
    status: StatusCode,
    case: &CaseReference,
    token: &str,
    form: &ActionForm,
    field: &str,
    message: &str,
) -> Response {
    let back = crate::safety_pages::back_to_case(case, &form.reason, None);
    let mut main = Markup::trusted(format!(
        "<a href=\"{}\" class=\"govuk-back-link\">Back to the case</a>\n<div class=\"govuk-grid-row\"><div class=\"govuk-grid-column-two-thirds\">\n",
        escape(&back)
    ));
    let shown = action_fields(form, Some((field, message)));
    let target = if shown.is_some() {
        anchor(form, field)
    } else {
        "#main-content".to_owned()
    };
    main.push(&html::error_summary(
        "There is a problem",
        &[(target, message.to_owned())],
    ));
    let heading = shown
        .as_ref()
        .map_or_else(|| "This was not done".to_owned(), |s| s.heading.clone());
    main.push(&Markup::trusted(format!(
        "<span class=\"govuk-caption-l\">Case {case}</span>\n<h1 class=\"govuk-heading-l\">{}</h1>\n",
        escape(&heading)
    )));
    if let Some(shown) = &shown {
        main.push(&form_html(case, token, &form.reason, shown));
    }
    main.push(&Markup::trusted("</div></div>\n".to_owned()));
    respond(
        if status == StatusCode::FORBIDDEN {
            StatusCode::FORBIDDEN
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        },
        &Page {
            title: &format!("Error: {heading}"),
            exit_this_page: false,
            main,
        },
    )
}
