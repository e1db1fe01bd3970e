//! Applying for child maintenance as pages (issue 6 §2; the safe
//! application of issue 5 §1): one question a page, "Check your answers",
//! then the application is sent and a caseworker makes the calculation.
//!
//! The safety questions come first, straight after the legal warning
//! (seed 003 §12, §31), through the same `safety::Screening` as the API
//! (`screening_pages::progress`). Immediate danger stops the journey: the
//! application is sent at once with what is known, so the disclosure and the
//! police call reach the specialist team, and the stop page shows 999.
//!
//! The parent applies as the parent their account is for (a receiving
//! parent's account applies as the receiving parent). Answers so far travel
//! URL-encoded in a hidden field of each form, never in the address, with the
//! session's form token; nothing is stored until the parent sends it.
//!
//! Sending is a few writes, each idempotent under the journey's key, in an
//! order that keeps a partial send harmless: the case (its reference derived
//! from the parent and the key, so a resend finds the same one), the parties
//! (written once), the facts, then the screen. A resend of the same journey
//! (Back, or a retry after an error) completes what is missing and changes
//! nothing else.

// A refused request is answered with its `Response` straight away.
#![allow(clippy::result_large_err)]

use audit_log::Action;
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use case_records::{
    CaseParties, CaseReference, Change, Child, ChildId, FactEvent, Frequency, Person, PersonId,
    ReceivingParentId, Role, Sensitive, ServiceType, seal_parties,
};
use domain_types::{HumanText, TextError};
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::cases::{SignedIn, storage_failure};
use crate::html::{self, Button, Input, Markup, Radios, escape};
use crate::screening_pages::{self, decode, encode, outcome_body, outcome_page, value};
use crate::self_service::{checked_form, csrf_token, signed_in_parent};

/// The most children one application may name.
const CHILDREN_MAX: usize = 10;
/// The longest name or address line accepted, in characters.
const TEXT_MAX: usize = 200;

/// A form of the journey.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct ApplyForm {
    #[serde(default)]
    form_token: String,
    /// The journey's idempotency key, made on its first page.
    #[serde(default)]
    key: String,
    /// Answers so far, URL-encoded.
    #[serde(default)]
    answers: String,
    /// Which question this form answers.
    #[serde(default)]
    question: String,
    /// The answer.
    #[serde(default)]
    answer: String,
    /// On "Check your answers": the answer to ask again.
    #[serde(default)]
    change: String,
    /// On "Check your answers": "yes" sends the application.
    #[serde(default)]
    send: String,
}

/// What the parent applies for, once every question is answered.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Application {
    children: Vec<String>,
    your_name: String,
    your_address: String,
    your_postcode: String,
    other_name: String,
    other_address: Option<String>,
    service: ServiceType,
}

/// Where the answers so far lead.
enum Next {
    /// A question, by code.
    Ask(String),
    /// Immediate danger: send what is known now and stop.
    Stop(safety::Screening),
    /// Every question answered: check, then send.
    Check(safety::Screening, Application),
}

/// The number of children answered, if it was.
fn children_count(answers: &[(String, String)]) -> Option<usize> {
    value(answers, "children").and_then(|n| n.parse().ok())
}

/// The questions after the safety screen, in order.
fn detail_questions(answers: &[(String, String)]) -> Vec<String> {
    let mut questions = vec!["children".to_owned()];
    for n in 1..=children_count(answers).unwrap_or(0) {
        questions.push(format!("child_{n}"));
    }
    for code in [
        "your_name",
        "your_address",
        "your_postcode",
        "other_name",
        "other_address",
        "service",
    ] {
        questions.push(code.to_owned());
    }
    questions
}

fn next(answers: &[(String, String)]) -> Result<Next, String> {
    let (screening, question) = screening_pages::progress(answers)?;
    if let Some(question) = question {
        return Ok(Next::Ask(question.to_owned()));
    }
    if matches!(screening.next(), safety::Step::StopInDanger { .. }) {
        return Ok(Next::Stop(screening));
    }
    for question in detail_questions(answers) {
        if value(answers, &question).is_none() {
            return Ok(Next::Ask(question));
        }
    }
    let text = |name: &str| value(answers, name).unwrap_or_default().to_owned();
    let children = (1..=children_count(answers).unwrap_or(0))
        .map(|n| text(&format!("child_{n}")))
        .collect();
    Ok(Next::Check(
        screening,
        Application {
            children,
            your_name: text("your_name"),
            your_address: text("your_address"),
            your_postcode: text("your_postcode"),
            other_name: text("other_name"),
            other_address: Some(text("other_address")).filter(|a| !a.is_empty()),
            service: if text("service") == "collect_and_pay" {
                ServiceType::CollectAndPay
            } else {
                ServiceType::DirectPay
            },
        },
    ))
}

/// A name or an address line: human text (`domain_types::HumanText`:
/// NFC, trimmed, one line, no control or text-direction characters) with
/// runs of spaces made one, not empty (unless `optional`), at most
/// [`TEXT_MAX`] characters. A refusal names what `label` is.
fn plain_text(
    answer: &str,
    optional: bool,
    empty: &'static str,
    label: &str,
) -> Result<String, String> {
    let spaced = answer
        .split(' ')
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    match HumanText::parse(&spaced, TEXT_MAX) {
        Ok(text) => Ok(text.into_string()),
        Err(TextError::Empty) if optional => Ok(String::new()),
        Err(TextError::Empty) => Err(empty.to_owned()),
        Err(TextError::TooLong { max_chars, .. }) => {
            Err(format!("{label} must be {max_chars} characters or fewer"))
        }
        Err(refused) => Err(format!("{label} {refused}")),
    }
}

/// A UK postcode, in capitals with its one space: `AA9A 9AA` and the
/// shorter shapes (the outward code, then a digit and two letters).
fn postcode(answer: &str) -> Result<String, &'static str> {
    const REFUSED: &str = "Enter a real postcode, like SW1A 1AA";
    let compact: String = answer
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase();
    if compact.is_empty() {
        return Err("Enter your postcode");
    }
    let bytes = compact.as_bytes();
    if !(5..=7).contains(&bytes.len()) {
        return Err(REFUSED);
    }
    let (outward, inward) = compact.split_at(bytes.len() - 3);
    let inward_ok = {
        let i = inward.as_bytes();
        i[0].is_ascii_digit() && i[1].is_ascii_uppercase() && i[2].is_ascii_uppercase()
    };
    let o = outward.as_bytes();
    let outward_ok = o[0].is_ascii_uppercase()
        && o.iter().all(u8::is_ascii_alphanumeric)
        && o.iter().any(u8::is_ascii_digit);
    if inward_ok && outward_ok {
        Ok(format!("{outward} {inward}"))
    } else {
        Err(REFUSED)
    }
}

/// The answer to a details question, checked and tidied; or the error
/// message to show beside it.
fn check_answer(question: &str, answer: &str) -> Result<String, String> {
    match question {
        "children" => match answer.trim().parse::<usize>() {
            Ok(n) if (1..=CHILDREN_MAX).contains(&n) => Ok(n.to_string()),
            _ => Err("Enter the number of children, from 1 to 10".to_owned()),
        },
        "your_name" => plain_text(answer, false, "Enter your full name", "Your name"),
        "your_address" => plain_text(answer, false, "Enter your address", "Your address"),
        "your_postcode" => postcode(answer).map_err(str::to_owned),
        "other_name" => plain_text(
            answer,
            false,
            "Enter the other parent's full name",
            "The other parent's name",
        ),
        "other_address" => plain_text(answer, true, "", "The other parent's address"),
        "service" => match answer {
            "direct_pay" | "collect_and_pay" => Ok(answer.to_owned()),
            _ => Err("Select how you want child maintenance to be paid".to_owned()),
        },
        child if child.starts_with("child_") => plain_text(
            answer,
            false,
            "Enter the child's full name",
            "The child's name",
        ),
        // The safety questions: checked by the screen's own choices.
        screen => screening_pages::allowed(screen, answer)
            .then(|| answer.to_owned())
            .ok_or_else(|| "Select an answer".to_owned()),
    }
}

/// A text question: its label, hint, and input width.
fn text_question(question: &str) -> Option<(String, Option<&'static str>, &'static str)> {
    Some(match question {
        "children" => (
            "How many children is this application for?".to_owned(),
            Some(
                "Children under 16, or under 20 and in full-time non-advanced education, who live with the receiving parent.",
            ),
            "govuk-input--width-2",
        ),
        "your_name" => (
            "What is your full name?".to_owned(),
            None,
            "govuk-!-width-two-thirds",
        ),
        "your_address" => (
            "What is your address?".to_owned(),
            Some(
                "The other parent will never be told it. If you said we cannot send letters there, we will not.",
            ),
            "govuk-!-width-full",
        ),
        "your_postcode" => (
            "What is your postcode?".to_owned(),
            None,
            "govuk-input--width-10",
        ),
        "other_name" => (
            "What is the other parent's full name?".to_owned(),
            None,
            "govuk-!-width-two-thirds",
        ),
        "other_address" => (
            "Where does the other parent live? (optional)".to_owned(),
            Some("If you do not know, leave this empty: we can find them without your help."),
            "govuk-!-width-full",
        ),
        child => {
            let n = child.strip_prefix("child_")?;
            (
                format!("What is the full name of child {n}?"),
                None,
                "govuk-!-width-two-thirds",
            )
        }
    })
}

fn form_start(token: &str, key: &str, answers: &str, question: &str) -> Markup {
    Markup::trusted(format!(
        "<form method=\"post\" action=\"/apply\" novalidate>\n<input type=\"hidden\" name=\"form_token\" value=\"{}\">\n<input type=\"hidden\" name=\"key\" value=\"{}\">\n<input type=\"hidden\" name=\"answers\" value=\"{}\">\n<input type=\"hidden\" name=\"question\" value=\"{}\">\n",
        escape(token),
        escape(key),
        escape(answers),
        escape(question)
    ))
}

fn continue_button() -> Markup {
    html::button(&Button {
        text: "Continue",
        ..Button::default()
    })
}

/// One question of the journey; `typed` is kept on a refused answer.
fn question_page(
    status: StatusCode,
    journey: (&str, &str, &str),
    question: &str,
    typed: Option<&str>,
    error: Option<&str>,
) -> Response {
    let (token, key, answers) = journey;
    let mut form = form_start(token, key, answers, question);
    if question == "service" {
        form.push(&html::radios(&Radios {
            name: "answer",
            legend: "How do you want child maintenance to be paid?",
            legend_classes: Some("govuk-fieldset__legend--l"),
            legend_is_page_heading: true,
            hint: Some(
                "With Collect and Pay we collect from the paying parent and pay it on, so neither of you sees the other's bank details. It has collection fees: 20% on top for the paying parent and 4% taken from what the receiving parent gets. Direct Pay has no fees: we work out the amount and you arrange payments between you; both parents must agree to it.",
            ),
            error,
            items: &[
                ("direct_pay", "Direct Pay", false),
                ("collect_and_pay", "Collect and Pay", false),
            ],
            ..Radios::default()
        }));
        form.push(&continue_button());
    } else if let Some((label, hint, width)) = text_question(question) {
        form.push(&html::input(&Input {
            id: "answer",
            name: "answer",
            label: &label,
            label_classes: Some("govuk-label--l"),
            label_is_page_heading: true,
            hint,
            error,
            value: typed,
            classes: Some(width),
            inputmode: (question == "children").then_some("numeric"),
            autocomplete: match question {
                "your_name" => Some("name"),
                "your_address" => Some("street-address"),
                "your_postcode" => Some("postal-code"),
                _ => Some("off"),
            },
            ..Input::default()
        }));
        form.push(&continue_button());
    } else {
        // A safety question: the screen's own page.
        return screening_pages::question_page(
            status,
            "/apply",
            (token, key, answers),
            question,
            error,
        );
    }
    form.push(&Markup::trusted("</form>\n".to_owned()));
    crate::self_service::question_page(status, "answer", error, &form)
}

/// "Check your answers": each answer with a button to change it, and the
/// declaration above "Accept and send".
fn check_page(journey: (&str, &str, &str), application: &Application) -> Response {
    let (token, key, answers) = journey;
    let mut main = Markup::trusted(
        "<div class=\"govuk-grid-row\"><div class=\"govuk-grid-column-two-thirds\">\n<h1 class=\"govuk-heading-l\">Check your answers before sending your application</h1>\n".to_owned(),
    );
    main.push(&form_start(token, key, answers, "check"));
    let mut rows: Vec<(String, Markup, &str)> = vec![(
        "Number of children".to_owned(),
        html::text(&application.children.len().to_string()),
        "children",
    )];
    for (n, name) in application.children.iter().enumerate() {
        let code: &'static str = CHILD_CODES.get(n).copied().unwrap_or("children");
        rows.push((format!("Child {}", n + 1), html::text(name), code));
    }
    rows.extend([
        (
            "Your name".to_owned(),
            html::text(&application.your_name),
            "your_name",
        ),
        (
            "Your address".to_owned(),
            html::text(&format!(
                "{}, {}",
                application.your_address, application.your_postcode
            )),
            "your_address",
        ),
        (
            "The other parent's name".to_owned(),
            html::text(&application.other_name),
            "other_name",
        ),
        (
            "Where the other parent lives".to_owned(),
            html::text(application.other_address.as_deref().unwrap_or("Not known")),
            "other_address",
        ),
        (
            "How it is paid".to_owned(),
            html::text(match application.service {
                ServiceType::CollectAndPay => "Collect and Pay",
                ServiceType::DirectPay => "Direct Pay",
            }),
            "service",
        ),
    ]);
    main.push(&html::summary_list_with_change_buttons(&rows));
    main.push(&Markup::trusted(
        "<h2 class=\"govuk-heading-m\">Now send your application</h2>\n".to_owned(),
    ));
    main.push(&html::paragraph(
        "By sending this application you confirm that, to the best of your knowledge, the details you are providing are correct.",
    ));
    main.push(&html::button(&Button {
        text: "Accept and send",
        name: Some("send"),
        value: Some("yes"),
        ..Button::default()
    }));
    main.push(&Markup::trusted("</form>\n</div></div>\n".to_owned()));
    crate::self_service::parent_page(main)
}

/// The codes of the child-name questions, so a row's button names one.
const CHILD_CODES: [&str; CHILDREN_MAX] = [
    "child_1", "child_2", "child_3", "child_4", "child_5", "child_6", "child_7", "child_8",
    "child_9", "child_10",
];

/// `GET /apply`: the first page, for a signed-in parent.
pub async fn start(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let (_, session) = match signed_in_parent(&state, &headers).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let key = state.clock.secret_hex();
    question_page(
        StatusCode::OK,
        (&csrf_token(&session), &key, ""),
        "legal_warning",
        None,
        None,
    )
}

/// `POST /apply`: an answer, a change, or the application sent.
pub async fn answer(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<ApplyForm>,
) -> Response {
    let (person, session) = match signed_in_parent(&state, &headers).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let token = match checked_form(&headers, &session, &form.form_token) {
        Ok(token) => token,
        Err(expired) => return expired,
    };
    if !screening_pages::is_journey_key(&form.key) {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            "this form is not from this journey",
        )
            .into_response();
    }
    let key = form.key.as_str();
    let mut answers = decode(&form.answers);
    // The answers so far come back from the browser: each must still be an
    // answer this journey would have taken, as it would have tidied it.
    if answers
        .iter()
        .any(|(question, given)| check_answer(question, given).as_ref() != Ok(given))
    {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            "this form is not from this journey",
        )
            .into_response();
    }
    if !form.change.is_empty() {
        if !detail_questions(&answers).contains(&form.change) {
            return (
                StatusCode::UNPROCESSABLE_ENTITY,
                "there is no such answer to change",
            )
                .into_response();
        }
        // Ask that answer again, showing what was given.
        let given = value(&answers, &form.change).map(str::to_owned);
        answers.retain(|(k, _)| k != &form.change);
        if form.change == "your_address" {
            answers.retain(|(k, _)| k != "your_postcode");
        }
        let encoded = encode(&answers);
        return question_page(
            StatusCode::OK,
            (&token, key, &encoded),
            &form.change,
            given.as_deref(),
            None,
        );
    }
    if form.question != "check" {
        match check_answer(&form.question, &form.answer) {
            Ok(tidied) => {
                answers.retain(|(k, _)| k != &form.question);
                answers.push((form.question.clone(), tidied));
            }
            Err(message) => {
                let encoded = encode(&answers);
                return question_page(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    (&token, key, &encoded),
                    &form.question,
                    // Shown back without any control or direction override.
                    Some(&domain_types::text::shown_back(&form.answer)),
                    Some(&message),
                );
            }
        }
    }
    // Fewer children than before: the names of the others go.
    if let Some(count) = children_count(&answers) {
        answers.retain(|(k, _)| {
            k.strip_prefix("child_")
                .and_then(|n| n.parse::<usize>().ok())
                .is_none_or(|n| n <= count)
        });
    }
    let encoded = encode(&answers);
    let journey = (token.as_str(), key, encoded.as_str());
    match next(&answers) {
        Err(reason) => (StatusCode::UNPROCESSABLE_ENTITY, reason).into_response(),
        Ok(Next::Ask(question)) => question_page(StatusCode::OK, journey, &question, None, None),
        Ok(Next::Stop(screening)) => match send(&state, &person, key, &screening, None).await {
            Ok((_, outcome)) => outcome_page(&outcome),
            Err(response) => response,
        },
        Ok(Next::Check(screening, application)) => {
            if form.send != "yes" {
                return check_page(journey, &application);
            }
            match send(&state, &person, key, &screening, Some(&application)).await {
                Ok((case, outcome)) => sent_page(&case, &application, &outcome),
                Err(response) => response,
            }
        }
    }
}

/// A number derived from the parent and the journey's key, so that a resend
/// of the same journey finds the same case and the same other parent.
fn derived(person: i64, key: &str, what: &str) -> u64 {
    let digest = Sha256::digest(format!("apply:{person}:{key}:{what}").as_bytes());
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(bytes)
}

fn person_record(id: u64, name: &str, address: &str, postcode: &str) -> Person {
    Person {
        id: PersonId(id),
        name: Sensitive::new(name.to_owned()),
        address: Sensitive::new(address.to_owned()),
        postcode: Sensitive::new(postcode.to_owned()),
        phone: None,
        email: None,
        employer: None,
        bank: None,
        ni_number: None,
        date_of_birth: None,
        abuse_disclosure: None,
        non_disclosure: false,
    }
}

/// Sends the application: everything known so far (in danger, only who is
/// applying and the screen). Returns the case and the screen's outcome.
async fn send(
    state: &AppState,
    person: &SignedIn,
    key: &str,
    screening: &safety::Screening,
    application: Option<&Application>,
) -> Result<(CaseReference, serde_json::Value), Response> {
    let case = CaseReference::from_random(derived(person.person, key, "case"));
    match state.store.open_application(&case).await {
        Ok(_) => {}
        // Sent before and already calculated by a caseworker: nothing more
        // to write but the answer.
        Err(storage_api::StorageError::CaseConflict(_)) => {}
        Err(failure) => return Err(storage_failure(&failure)),
    }
    let sealed = state
        .store
        .parties(&case)
        .await
        .map_err(|e| storage_failure(&e))?;
    let by_party = if person.role == Role::PayingParent {
        safety::Party::PayingParent
    } else {
        safety::Party::ReceivingParent
    };
    // Parties are written once: a resend must not undo a caseworker's edits.
    if sealed.is_empty() {
        let own_id = u64::try_from(person.person).unwrap_or(0);
        // A new person until a caseworker traces them: numbered at random
        // (62 bits), never one of the service's own people.
        let other_id = derived(person.person, key, "other parent") >> 2;
        let (own, other) = application.map_or_else(
            || {
                (
                    person_record(own_id, "", "", ""),
                    person_record(other_id, "", "", ""),
                )
            },
            |a| {
                (
                    person_record(own_id, &a.your_name, &a.your_address, &a.your_postcode),
                    person_record(
                        other_id,
                        &a.other_name,
                        a.other_address.as_deref().unwrap_or(""),
                        "",
                    ),
                )
            },
        );
        let (paying_parent, receiving_parent) = match by_party {
            safety::Party::PayingParent => (own, other),
            safety::Party::ReceivingParent => (other, own),
        };
        let children = application
            .map(|a| a.children.clone())
            .unwrap_or_default()
            .into_iter()
            .zip(1..)
            .map(|(name, n)| Child {
                id: ChildId(n),
                receiving_parent: ReceivingParentId(1),
                name: Sensitive::new(name),
                school: None,
                gp: None,
            })
            .collect();
        let parties = CaseParties {
            reference: case,
            paying_parent,
            receiving_parents: vec![(ReceivingParentId(1), receiving_parent)],
            children,
            named_caseworker: None,
        };
        let sealed = seal_parties(&parties, &state.keys, &mut || state.clock.nonce());
        let audit = person.audit(
            state,
            Action::Changed,
            Some(&case),
            vec!["application.parties".to_owned()],
            None,
        );
        state
            .store
            .put_parties(&case, &sealed, audit)
            .await
            .map_err(|e| storage_failure(&e))?;
    }
    if let Some(application) = application {
        let today = state.clock.today();
        let mut changes: Vec<Change> = (1..)
            .take(application.children.len())
            .map(|n| Change::ChildJoined {
                child: ChildId(n),
                receiving_parent: ReceivingParentId(1),
            })
            .collect();
        changes.push(Change::ServiceType(application.service));
        changes.push(Change::PaymentFrequency(Frequency::Weekly));
        let events: Vec<FactEvent> = changes
            .into_iter()
            .map(|change| FactEvent {
                effective_from: today,
                recorded_on: today,
                change,
            })
            .collect();
        let audit = person.audit(
            state,
            Action::Changed,
            Some(&case),
            vec!["application.facts".to_owned()],
            None,
        );
        match state
            .store
            .append_facts(&case, &events, &format!("application/{key}"), audit)
            .await
        {
            // A resend on a later day: the facts sent first are kept.
            Ok(_) | Err(storage_api::StorageError::IdempotencyKeyReused(_)) => {}
            Err(failure) => return Err(storage_failure(&failure)),
        }
    }
    let (_, outcome) =
        crate::casework::finish_screen(state, &case, person, by_party, key, screening).await?;
    Ok((case, outcome))
}

/// The application has been sent: its reference, what happens next, and
/// what the screen found.
fn sent_page(
    case: &CaseReference,
    application: &Application,
    outcome: &serde_json::Value,
) -> Response {
    let mut main = Markup::trusted(format!(
        "<div class=\"govuk-grid-row\"><div class=\"govuk-grid-column-two-thirds\">\n<div class=\"govuk-panel govuk-panel--confirmation\">\n<h1 class=\"govuk-panel__title\">Application sent</h1>\n<div class=\"govuk-panel__body\">Your reference number<br><strong>{}</strong></div>\n</div>\n<h2 class=\"govuk-heading-m\">What happens next</h2>\n",
        escape(&case.to_string())
    ));
    main.push(&html::paragraph(
        "A caseworker will contact the other parent and find out their income from HM Revenue and Customs, then work out how much child maintenance should be paid. We will never tell the other parent where you live.",
    ));
    if application.service == ServiceType::DirectPay {
        main.push(&html::paragraph(
            "Direct Pay needs both parents to agree. If the other parent does not agree, or it is not safe for you, we can collect the payments for you instead.",
        ));
    }
    outcome_body(outcome, &mut main);
    main.push(&Markup::trusted("</div></div>\n".to_owned()));
    crate::self_service::parent_page(main)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postcodes_are_tidied_or_refused() {
        assert_eq!(postcode("sw1a1aa"), Ok("SW1A 1AA".to_owned()));
        assert_eq!(postcode(" M1 1AE "), Ok("M1 1AE".to_owned()));
        assert_eq!(postcode("B33 8TH"), Ok("B33 8TH".to_owned()));
        for refused in ["", "1AA 1AA", "SW1A", "SW1A 1A1", "ABCDEFGH", "SW1A-1AA"] {
            assert!(postcode(refused).is_err(), "{refused:?}");
        }
    }

    #[test]
    fn answers_survive_any_text_through_the_hidden_field() {
        let answers = vec![
            ("your_name".to_owned(), "A; B=C & D%20 <e>".to_owned()),
            ("abuse".to_owned(), "no".to_owned()),
        ];
        assert_eq!(decode(&encode(&answers)), answers);
    }

    #[test]
    fn a_number_of_children_outside_one_to_ten_is_refused() {
        assert_eq!(check_answer("children", " 3 "), Ok("3".to_owned()));
        for refused in ["0", "11", "-1", "two", ""] {
            assert!(check_answer("children", refused).is_err(), "{refused:?}");
        }
    }

    #[test]
    fn names_are_required_and_the_other_address_is_not() {
        assert!(check_answer("your_name", "   ").is_err());
        assert_eq!(
            check_answer("your_name", "  Ann   Smith "),
            Ok("Ann Smith".to_owned())
        );
        assert_eq!(check_answer("other_address", ""), Ok(String::new()));
        assert!(check_answer("other_name", &"x".repeat(201)).is_err());
    }

    fn answered(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn the_safety_questions_come_first_and_danger_stops_the_journey() {
        let Ok(Next::Ask(first)) = next(&[]) else {
            panic!("a question first")
        };
        assert_eq!(first, "legal_warning");
        let Ok(Next::Ask(second)) = next(&answered(&[("legal_warning", "yes")])) else {
            panic!("then a question")
        };
        assert_eq!(second, "abuse");
        let danger = answered(&[
            ("legal_warning", "yes"),
            ("abuse", "yes"),
            ("danger", "yes"),
            ("police", "yes"),
        ]);
        assert!(matches!(next(&danger), Ok(Next::Stop(_))));
    }

    #[test]
    fn every_detail_is_asked_before_checking() {
        let mut answers = answered(&[
            ("legal_warning", "yes"),
            ("abuse", "no"),
            ("channel", "email"),
            ("letters", "yes"),
        ]);
        let mut asked = Vec::new();
        while let Ok(Next::Ask(question)) = next(&answers) {
            let answer = match question.as_str() {
                "children" => "2",
                "your_postcode" => "M1 1AE",
                "service" => "collect_and_pay",
                _ => "Someone",
            };
            asked.push(question.clone());
            answers.push((question, answer.to_owned()));
            assert!(asked.len() < 20, "the journey ends: {asked:?}");
        }
        assert_eq!(
            asked,
            [
                "children",
                "child_1",
                "child_2",
                "your_name",
                "your_address",
                "your_postcode",
                "other_name",
                "other_address",
                "service"
            ]
        );
        let Ok(Next::Check(_, application)) = next(&answers) else {
            panic!("then check")
        };
        assert_eq!(application.children.len(), 2);
        assert_eq!(application.service, ServiceType::CollectAndPay);
    }
}
