//! Applying for child maintenance as pages (issue 6 §2; the safe
//! application of issue 5 §1; the GOV.UK patterns of issue 15): one
//! question a page, "Check your answers", then the application is sent and
//! a caseworker makes the calculation.
//!
//! The safety questions come first, straight after the legal warning
//! (seed 003 §12, §31), through the same `safety::Screening` as the API
//! (`screening_pages::progress`). Immediate danger stops the journey
//! (issue 14): if they asked us to call the police, one more page asks,
//! optionally, for a number and a place the police may use; then the
//! disclosure is recorded at once (which raises the immediate-danger work
//! item in the same transaction, `work_items::changes_for_safety_event`),
//! with the number and place sealed in their own record for the specialist,
//! and the last page says honestly what has and has not been done.
//!
//! Post-redirect-get everywhere: every form posts to `POST /apply`, which
//! answers with a redirect to a page by GET (`/apply/{page}`), the next
//! question, the same one with its errors, or what happens next; so the
//! browser's Back and reload never post again, and Back shows each answer
//! as given. The answers so far are kept in the journey's cookie (sent only
//! to `/apply`, ending with the browser session), sealed with the key ring
//! and bound to the session, so nothing typed is in an address or readable
//! outside this session; nothing is stored until the parent sends it, and
//! once sent (or stopped) the cookie keeps only what the last page shows.
//! Every page has a back link; "Check your answers" shows every answer,
//! the safety and contact answers too, each with a Change link. Addresses
//! use the GOV.UK address pattern (line 1, line 2, town, county, postcode,
//! each human text; the postcode checked by shape).
//!
//! The parent applies as the parent their account is for (a receiving
//! parent's account applies as the receiving parent).
//!
//! Sending is a few writes, each idempotent under the journey's key, in an
//! order that keeps a partial send harmless: the case (its reference derived
//! from the parent and the key, so a resend finds the same one), the parties
//! (written once), the facts, then the screen. A resend of the same journey
//! (a retry after an error) completes what is missing and changes nothing
//! else.

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
use crate::screening_pages::{self, decode, encode, outcome_body, value};
use crate::self_service::{checked_form, csrf_token, signed_in_parent};

/// The most children one application may name.
const CHILDREN_MAX: usize = 10;
/// The longest name or address line accepted, in characters.
const TEXT_MAX: usize = 200;

/// A form of the journey. Every page's form posts here; the answers so far
/// are not in it but in the journey's sealed cookie.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplyForm {
    #[serde(default)]
    form_token: String,
    /// The journey's key, as the safety questions' shared form carries it.
    #[serde(default)]
    key: String,
    /// Left empty: the answers are in the journey's cookie.
    #[serde(default)]
    answers: String,
    /// Which question this form answers (`check` on "Check your answers").
    #[serde(default)]
    question: String,
    /// The answer, for a question of one field.
    #[serde(default)]
    answer: String,
    /// The GOV.UK address pattern's fields.
    #[serde(default)]
    line_1: String,
    #[serde(default)]
    line_2: String,
    #[serde(default)]
    town: String,
    #[serde(default)]
    county: String,
    #[serde(default)]
    postcode: String,
    /// In danger: a number the police may call, and where they may find them.
    #[serde(default)]
    phone: String,
    #[serde(default)]
    place: String,
    /// On "Check your answers": "yes" sends the application.
    #[serde(default)]
    send: String,
}

/// An address as the GOV.UK pattern asks for it, each line human text.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Address {
    line_1: String,
    line_2: String,
    town: String,
    county: String,
    postcode: String,
}

impl Address {
    fn from_answer(encoded: &str) -> Address {
        let fields = decode(encoded);
        let get = |name: &str| value(&fields, name).unwrap_or_default().to_owned();
        Address {
            line_1: get("line_1"),
            line_2: get("line_2"),
            town: get("town"),
            county: get("county"),
            postcode: get("postcode"),
        }
    }

    fn answer(&self) -> String {
        encode(&[
            ("line_1".to_owned(), self.line_1.clone()),
            ("line_2".to_owned(), self.line_2.clone()),
            ("town".to_owned(), self.town.clone()),
            ("county".to_owned(), self.county.clone()),
            ("postcode".to_owned(), self.postcode.clone()),
        ])
    }

    /// The lines before the postcode, as one stored address.
    fn lines(&self) -> String {
        [&self.line_1, &self.line_2, &self.town, &self.county]
            .into_iter()
            .filter(|l| !l.is_empty())
            .cloned()
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn is_empty(&self) -> bool {
        self.lines().is_empty() && self.postcode.is_empty()
    }
}

/// What the parent applies for, once every question is answered.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Application {
    children: Vec<String>,
    your_name: String,
    your_address: Address,
    other_name: String,
    other_address: Address,
    service: ServiceType,
}

/// Where the answers so far lead.
enum Next {
    /// A question, by code.
    Ask(String),
    /// Immediate danger: send what is known now and stop.
    Stop(safety::Screening),
    /// Every question answered: check, then send.
    Check(safety::Screening, Box<Application>),
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
        // They asked us to call the police: where and how the police may
        // reach them, if they can say (every field optional).
        if value(answers, "police") == Some("yes") && value(answers, "police_contact").is_none() {
            return Ok(Next::Ask("police_contact".to_owned()));
        }
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
        Box::new(Application {
            children,
            your_name: text("your_name"),
            your_address: Address::from_answer(&text("your_address")),
            other_name: text("other_name"),
            other_address: Address::from_answer(&text("other_address")),
            service: if text("service") == "collect_and_pay" {
                ServiceType::CollectAndPay
            } else {
                ServiceType::DirectPay
            },
        }),
    ))
}

/// The questions asked so far, in the order the journey asks them, up to
/// the first not yet answered: the back links follow it, and a page off it
/// is not shown.
fn asked_so_far(answers: &[(String, String)]) -> Vec<String> {
    let mut given = Vec::new();
    let mut asked = Vec::new();
    while let Ok(Next::Ask(question)) = next(&given) {
        if asked.contains(&question) {
            break;
        }
        asked.push(question.clone());
        match value(answers, &question) {
            Some(answer) => given.push((question, answer.to_owned())),
            None => break,
        }
    }
    asked
}

/// A question's address under `/apply/`: the safety questions by neutral
/// words, so an address in the history says little.
fn slug(question: &str) -> String {
    match question {
        "legal_warning" => "before-you-start".to_owned(),
        "abuse" => "your-situation".to_owned(),
        "danger" => "right-now".to_owned(),
        "police" => "help-now".to_owned(),
        "police_contact" => "reaching-you".to_owned(),
        "channel" => "contact".to_owned(),
        "other_name" => "other-parent-name".to_owned(),
        "other_address" => "other-parent-address".to_owned(),
        "service" => "how-to-pay".to_owned(),
        other => other.replace('_', "-"),
    }
}

/// Where "Check your answers" is.
const CHECK: &str = "check-your-answers";
/// Where the journey ends: sent, or stopped in danger.
const DONE: &str = "next-steps";

/// The question at an address, among those this journey could ask.
fn question_at(slug_given: &str) -> Option<String> {
    let mut known: Vec<String> = [
        "legal_warning",
        "abuse",
        "danger",
        "police",
        "police_contact",
        "channel",
        "voicemail",
        "letters",
        "children",
        "your_name",
        "your_address",
        "other_name",
        "other_address",
        "service",
    ]
    .iter()
    .map(|q| (*q).to_owned())
    .collect();
    known.extend((1..=CHILDREN_MAX).map(|n| format!("child_{n}")));
    known.into_iter().find(|q| slug(q) == slug_given)
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

/// A phone number the police may use: human text of digits, spaces and
/// `+ ( ) -`, with 7 to 15 digits (ITU-T E.164 allows at most 15); or empty.
fn phone(answer: &str) -> Result<String, String> {
    let tidied = plain_text(answer, true, "", "The phone number")?;
    if tidied.is_empty() {
        return Ok(tidied);
    }
    let digits = tidied.chars().filter(char::is_ascii_digit).count();
    let allowed = tidied
        .chars()
        .all(|c| c.is_ascii_digit() || " +()-".contains(c));
    if allowed && (7..=15).contains(&digits) {
        Ok(tidied)
    } else {
        Err("Enter a phone number, like 07700 900 982 or +44 808 2000 247".to_owned())
    }
}

/// Errors of a question, each for the field it belongs to.
type FieldErrors = Vec<(String, String)>;

/// An address from its fields, each checked; `required` for the parent's
/// own (line 1, town and postcode needed), not for the other parent's.
fn address_answer(fields: &Address, required: bool, whose: &str) -> Result<String, FieldErrors> {
    let mut errors = Vec::new();
    let mut line = |field: &str, typed: &str, needed: bool, empty: &'static str, label: &str| {
        match plain_text(typed, !needed, empty, label) {
            Ok(tidied) => tidied,
            Err(message) => {
                errors.push((field.to_owned(), message));
                String::new()
            }
        }
    };
    let line_1 = line(
        "line_1",
        &fields.line_1,
        required,
        "Enter address line 1, typically the building and street",
        &format!("{whose} address line 1"),
    );
    let line_2 = line(
        "line_2",
        &fields.line_2,
        false,
        "",
        &format!("{whose} address line 2"),
    );
    let town = line(
        "town",
        &fields.town,
        required,
        "Enter town or city",
        &format!("{whose} town or city"),
    );
    let county = line(
        "county",
        &fields.county,
        false,
        "",
        &format!("{whose} county"),
    );
    let code = if !required && fields.postcode.trim().is_empty() {
        String::new()
    } else {
        match postcode(&fields.postcode) {
            Ok(code) => code,
            Err(message) => {
                errors.push(("postcode".to_owned(), message.to_owned()));
                String::new()
            }
        }
    };
    if errors.is_empty() {
        Ok(Address {
            line_1,
            line_2,
            town,
            county,
            postcode: code,
        }
        .answer())
    } else {
        Err(errors)
    }
}

/// The answer to a question from its form, checked and tidied; or the
/// errors to show beside its fields.
fn answer_from_form(question: &str, form: &ApplyForm) -> Result<String, FieldErrors> {
    let single = |result: Result<String, String>| {
        result.map_err(|message| vec![("answer".to_owned(), message)])
    };
    match question {
        "your_address" => address_answer(
            &Address {
                line_1: form.line_1.clone(),
                line_2: form.line_2.clone(),
                town: form.town.clone(),
                county: form.county.clone(),
                postcode: form.postcode.clone(),
            },
            true,
            "Your",
        ),
        "other_address" => address_answer(
            &Address {
                line_1: form.line_1.clone(),
                line_2: form.line_2.clone(),
                town: form.town.clone(),
                county: form.county.clone(),
                postcode: form.postcode.clone(),
            },
            false,
            "The other parent's",
        ),
        "police_contact" => {
            let mut errors = Vec::new();
            let number = phone(&form.phone).unwrap_or_else(|message| {
                errors.push(("phone".to_owned(), message));
                String::new()
            });
            let place =
                plain_text(&form.place, true, "", "Where you are").unwrap_or_else(|message| {
                    errors.push(("place".to_owned(), message));
                    String::new()
                });
            if errors.is_empty() {
                Ok(encode(&[
                    ("phone".to_owned(), number),
                    ("place".to_owned(), place),
                ]))
            } else {
                Err(errors)
            }
        }
        other => single(check_answer(other, &form.answer)),
    }
}

/// The answer to a question of one field, checked and tidied; or the error
/// message to show beside it.
fn check_answer(question: &str, answer: &str) -> Result<String, String> {
    match question {
        "children" => match answer.trim().parse::<usize>() {
            Ok(n) if (1..=CHILDREN_MAX).contains(&n) => Ok(n.to_string()),
            _ => Err("Enter the number of children, from 1 to 10".to_owned()),
        },
        "your_name" => plain_text(answer, false, "Enter your full name", "Your name"),
        "other_name" => plain_text(
            answer,
            false,
            "Enter the other parent's full name",
            "The other parent's name",
        ),
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
        "other_name" => (
            "What is the other parent's full name?".to_owned(),
            None,
            "govuk-!-width-two-thirds",
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

/// The journey's state, sealed in its cookie: its key (the idempotency key
/// of the send), the answers so far, the last refused answer (shown once
/// more by the page the browser is sent back to), and, once finished, what
/// the send found.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
struct Journey {
    key: String,
    answers: Vec<(String, String)>,
    refused: Option<Refused>,
    finished: Option<Finished>,
}

/// A refused answer: the question, what was typed (shown back), and the
/// message for each field.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
struct Refused {
    question: String,
    typed: Vec<(String, String)>,
    errors: FieldErrors,
}

/// A sent (or, in danger, stopped) journey.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
struct Finished {
    case: String,
    outcome: serde_json::Value,
    direct_pay: bool,
}

/// The journey's cookies: its sealed state in chunks (a browser keeps at
/// most about 4 KB a cookie), sent only to `/apply`, ending with the
/// browser session.
const JOURNEY_COOKIE: &str = "cms_apply";
const CHUNK: usize = 3_600;
const CHUNKS_MAX: usize = 6;

fn journey_context(session: &str) -> String {
    crate::cases::token_hash(&format!("apply-journey:{session}"))
}

const BASE64URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn base64url(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 4 / 3 + 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(char::from(BASE64URL[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}

fn from_base64url(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    for chunk in text.as_bytes().chunks(4) {
        if chunk.len() < 2 {
            return None;
        }
        let mut n = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            let v = BASE64URL.iter().position(|b| b == c)?;
            n |= u32::try_from(v).ok()? << (18 - 6 * i);
        }
        for i in 0..chunk.len() - 1 {
            out.push(u8::try_from((n >> (16 - 8 * i)) & 255).ok()?);
        }
    }
    Some(out)
}

/// The journey in a request's cookies, opened with the session it belongs
/// to; `None` if there is none, or it is not this session's.
fn journey_from(state: &AppState, headers: &HeaderMap, session: &str) -> Option<Journey> {
    let cookies: Vec<(String, String)> = headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .map(|(n, v)| (n.to_owned(), v.to_owned()))
        .collect();
    let mut text = String::new();
    for n in 0..CHUNKS_MAX {
        match value(&cookies, &format!("{JOURNEY_COOKIE}_{n}")) {
            Some(part) if !part.is_empty() => text.push_str(part),
            _ => break,
        }
    }
    let sealed = from_base64url(&text)?;
    let context = journey_context(session);
    let opened = state
        .keys
        .open(
            &field_crypto::FieldContext {
                table: "apply",
                column: "journey",
                row: &context,
            },
            &sealed,
        )
        .ok()?;
    serde_json::from_slice(&opened).ok()
}

/// Sends the browser to `/apply/{to}`, keeping `journey` in its cookies.
fn go(state: &AppState, session: &str, journey: &Journey, to: &str) -> Response {
    let plain = serde_json::to_vec(journey).unwrap_or_default();
    let context = journey_context(session);
    let sealed = state.keys.seal(
        &field_crypto::FieldContext {
            table: "apply",
            column: "journey",
            row: &context,
        },
        &plain,
        state.clock.nonce(),
    );
    let text = base64url(&sealed);
    let mut response = StatusCode::SEE_OTHER.into_response();
    let headers = response.headers_mut();
    if let Ok(location) = axum::http::HeaderValue::from_str(&format!("/apply/{to}")) {
        headers.insert(axum::http::header::LOCATION, location);
    }
    headers.insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    let parts: Vec<&str> = text
        .as_bytes()
        .chunks(CHUNK)
        .map(|c| std::str::from_utf8(c).unwrap_or_default())
        .collect();
    for n in 0..CHUNKS_MAX {
        let cookie = match parts.get(n) {
            Some(part) => format!(
                "{JOURNEY_COOKIE}_{n}={part}; Path=/apply; HttpOnly; Secure; SameSite=Strict"
            ),
            None => format!(
                "{JOURNEY_COOKIE}_{n}=; Path=/apply; Max-Age=0; HttpOnly; Secure; SameSite=Strict"
            ),
        };
        if let Ok(cookie) = axum::http::HeaderValue::from_str(&cookie) {
            headers.append(axum::http::header::SET_COOKIE, cookie);
        }
    }
    response
}

fn form_start(token: &str, key: &str, question: &str) -> Markup {
    Markup::trusted(format!(
        "<form method=\"post\" action=\"/apply\" novalidate>\n<input type=\"hidden\" name=\"form_token\" value=\"{}\">\n<input type=\"hidden\" name=\"key\" value=\"{}\">\n<input type=\"hidden\" name=\"question\" value=\"{}\">\n",
        escape(token),
        escape(key),
        escape(question)
    ))
}

fn continue_button() -> Markup {
    html::button(&Button {
        text: "Continue",
        ..Button::default()
    })
}

/// A page of the journey: the back link, the error summary (each error
/// linked to its field), the form; the page's heading is its title.
fn journey_page(back: &str, errors: &FieldErrors, body: &Markup) -> Response {
    let mut main = html::back_link(back, "Back");
    main.push(&Markup::trusted(
        "<div class=\"govuk-grid-row\"><div class=\"govuk-grid-column-two-thirds\">\n".to_owned(),
    ));
    if !errors.is_empty() {
        let linked: Vec<(String, String)> = errors
            .iter()
            .map(|(field, message)| (format!("#{field}"), message.clone()))
            .collect();
        main.push(&html::error_summary("There is a problem", &linked));
    }
    main.push(body);
    main.push(&Markup::trusted("</div></div>\n".to_owned()));
    crate::self_service::parent_page(main)
}

fn error_for<'a>(errors: &'a FieldErrors, field: &str) -> Option<&'a str> {
    errors
        .iter()
        .find(|(f, _)| f == field)
        .map(|(_, m)| m.as_str())
}

/// The address pattern's fields, with what was given or typed.
fn address_fields(shown: &Address, errors: &FieldErrors, required: bool) -> Markup {
    let mut fields = Markup::default();
    let optional = if required { "" } else { " (optional)" };
    for (id, label, autocomplete, width, given) in [
        (
            "line_1",
            format!("Address line 1{optional}"),
            "address-line1",
            None,
            &shown.line_1,
        ),
        (
            "line_2",
            "Address line 2 (optional)".to_owned(),
            "address-line2",
            None,
            &shown.line_2,
        ),
        (
            "town",
            format!("Town or city{optional}"),
            "address-level2",
            Some("govuk-!-width-two-thirds"),
            &shown.town,
        ),
        (
            "county",
            "County (optional)".to_owned(),
            "off",
            Some("govuk-!-width-two-thirds"),
            &shown.county,
        ),
        (
            "postcode",
            format!("Postcode{optional}"),
            "postal-code",
            Some("govuk-input--width-10"),
            &shown.postcode,
        ),
    ] {
        fields.push(&html::input(&Input {
            id,
            name: id,
            label: &label,
            error: error_for(errors, id),
            value: Some(given.as_str()).filter(|v| !v.is_empty()),
            classes: width,
            autocomplete: Some(if required { autocomplete } else { "off" }),
            ..Input::default()
        }));
    }
    fields
}

/// One question of the journey, with what was given (or, after a refusal,
/// typed) and its errors.
fn question_page(token: &str, journey: &Journey, question: &str, back: &str) -> Response {
    let refused = journey.refused.as_ref().filter(|r| r.question == question);
    let errors: FieldErrors = refused.map(|r| r.errors.clone()).unwrap_or_default();
    let typed = |field: &str| -> Option<String> {
        refused.map(|r| value(&r.typed, field).unwrap_or_default().to_owned())
    };
    let given = value(&journey.answers, question).map(str::to_owned);
    let mut form = form_start(token, &journey.key, question);
    match question {
        "service" => {
            let chosen = typed("answer").or(given).unwrap_or_default();
            form.push(&html::radios(&Radios {
                name: "answer",
                legend: "How do you want child maintenance to be paid?",
                legend_classes: Some("govuk-fieldset__legend--l"),
                legend_is_page_heading: true,
                hint: Some(
                    "With Collect and Pay we collect from the paying parent and pay it on, so neither of you sees the other's bank details. It has collection fees: 20% on top for the paying parent and 4% taken from what the receiving parent gets. Direct Pay has no fees: we work out the amount and you arrange payments between you; both parents must agree to it.",
                ),
                error: error_for(&errors, "answer"),
                items: &[
                    ("direct_pay", "Direct Pay", chosen == "direct_pay"),
                    ("collect_and_pay", "Collect and Pay", chosen == "collect_and_pay"),
                ],
                ..Radios::default()
            }));
        }
        "your_address" | "other_address" => {
            let own = question == "your_address";
            let shown = match refused {
                Some(r) => Address::from_answer(&encode(&r.typed)),
                None => Address::from_answer(&given.unwrap_or_default()),
            };
            let (heading, hint) = if own {
                (
                    "What is your address?",
                    "The other parent will never be told it. If you said we cannot send letters there, we will not.",
                )
            } else {
                (
                    "Where does the other parent live?",
                    "If you do not know, leave this empty: we can find them without your help.",
                )
            };
            form.push(&Markup::trusted(format!(
                "<fieldset class=\"govuk-fieldset\" aria-describedby=\"address-hint\">\n<legend class=\"govuk-fieldset__legend govuk-fieldset__legend--l\"><h1 class=\"govuk-fieldset__heading\">{}</h1></legend>\n<div id=\"address-hint\" class=\"govuk-hint\">{}</div>\n",
                escape(heading),
                escape(hint)
            )));
            form.push(&address_fields(&shown, &errors, own));
            form.push(&Markup::trusted("</fieldset>\n".to_owned()));
        }
        "legal_warning" => {
            form.push(&Markup::trusted(
                "<h1 class=\"govuk-heading-l\">Before you apply</h1>\n".to_owned(),
            ));
            form.push(&html::paragraph(safety::LEGAL_WARNING));
            form.push(&html::paragraph(
                "First we ask about your safety, so that we can contact you safely and set up child maintenance in a way that keeps you safe. You can leave at any time with Exit this page.",
            ));
            form.push(&Markup::trusted(
                "<div class=\"govuk-inset-text\">If someone else might look at this device, you can <a class=\"govuk-link\" href=\"/page-titles\">make page titles neutral</a>, so your browser's history and tabs do not say what these pages are about.</div>\n<input type=\"hidden\" name=\"answer\" value=\"yes\">\n".to_owned(),
            ));
        }
        "police_contact" => {
            let given = decode(&given.unwrap_or_default());
            let shown = |field: &str| {
                typed(field).unwrap_or_else(|| value(&given, field).unwrap_or_default().to_owned())
            };
            let phone_shown = shown("phone");
            let place_shown = shown("place");
            form.push(&Markup::trusted(
                "<h1 class=\"govuk-heading-l\">How can the police reach you?</h1>\n".to_owned(),
            ));
            form.push(&html::paragraph(
                "We will pass these to the police when we call them for you. You do not have to answer: leave them empty if it is not safe, and select Continue.",
            ));
            form.push(&html::input(&Input {
                id: "phone",
                name: "phone",
                label: "A phone number the police can call (optional)",
                hint: Some("Only a number that is safe for you to answer."),
                error: error_for(&errors, "phone"),
                value: Some(phone_shown.as_str()).filter(|v| !v.is_empty()),
                classes: Some("govuk-input--width-20"),
                autocomplete: Some("tel"),
                inputmode: Some("tel"),
                ..Input::default()
            }));
            form.push(&html::input(&Input {
                id: "place",
                name: "place",
                label: "Where the police can find you (optional)",
                hint: Some("An address or a place, if you know it."),
                error: error_for(&errors, "place"),
                value: Some(place_shown.as_str()).filter(|v| !v.is_empty()),
                classes: Some("govuk-!-width-full"),
                autocomplete: Some("off"),
                ..Input::default()
            }));
        }
        _ => {
            if let Some((label, hint, width)) = text_question(question) {
                let shown = typed("answer").or(given);
                form.push(&html::input(&Input {
                    id: "answer",
                    name: "answer",
                    label: &label,
                    label_classes: Some("govuk-label--l"),
                    label_is_page_heading: true,
                    hint,
                    error: error_for(&errors, "answer"),
                    value: shown.as_deref().filter(|v| !v.is_empty()),
                    classes: Some(width),
                    inputmode: (question == "children").then_some("numeric"),
                    autocomplete: Some(if question == "your_name" {
                        "name"
                    } else {
                        "off"
                    }),
                    ..Input::default()
                }));
            } else {
                // A safety question: the screen's own page, with the back
                // link before its main content (the answer given is
                // marked by the handler, `with_chosen`).
                let error = error_for(&errors, "answer").map(str::to_owned);
                return crate::pages::with_back_link(back, || {
                    let mut page = screening_pages::question_page(
                        StatusCode::OK,
                        "/apply",
                        (token, &journey.key, ""),
                        question,
                        error.as_deref(),
                    );
                    *page.status_mut() = StatusCode::OK;
                    page
                });
            }
        }
    }
    form.push(&continue_button());
    form.push(&Markup::trusted("</form>\n".to_owned()));
    journey_page(back, &errors, &form)
}

/// Marks the answer already given on a safety question's radios (the
/// screen's shared page draws them unchosen).
async fn with_chosen(page: Response, chosen: &str) -> Response {
    if chosen.is_empty() {
        return page;
    }
    let (parts, body) = page.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 1024 * 1024).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let text = String::from_utf8_lossy(&bytes).replace(
        &format!(
            "name=\"answer\" type=\"radio\" value=\"{}\">",
            escape(chosen)
        ),
        &format!(
            "name=\"answer\" type=\"radio\" value=\"{}\" checked>",
            escape(chosen)
        ),
    );
    Response::from_parts(parts, axum::body::Body::from(text))
}

/// The words for a safety answer on "Check your answers".
fn said(question: &str, answer: &str) -> &'static str {
    match (question, answer) {
        ("abuse", "yes") => "Yes",
        ("abuse", "no") => "No",
        ("abuse", _) => "I prefer not to say",
        ("channel", "phone") => "Phone call",
        ("channel", "text_message") => "Text message",
        ("channel", "email") => "Email",
        ("channel", "letter") => "Letter",
        ("channel", _) => "Only when I contact you",
        (_, "yes") => "Yes",
        _ => "No",
    }
}

/// An address on "Check your answers", a line each.
fn address_markup(address: &Address, empty: &str) -> Markup {
    if address.is_empty() {
        return html::text(empty);
    }
    let lines: Vec<String> = [
        &address.line_1,
        &address.line_2,
        &address.town,
        &address.county,
        &address.postcode,
    ]
    .into_iter()
    .filter(|l| !l.is_empty())
    .map(|l| escape(l))
    .collect();
    Markup::trusted(lines.join("<br>"))
}

/// "Check your answers": every answer given, the safety and contact
/// answers too, each with a Change link to its page, and the declaration
/// above "Accept and send".
fn check_page(token: &str, journey: &Journey, application: &Application, back: &str) -> Response {
    let answers = &journey.answers;
    let mut main = html::back_link(back, "Back");
    main.push(&Markup::trusted(
        "<div class=\"govuk-grid-row\"><div class=\"govuk-grid-column-two-thirds\">\n<h1 class=\"govuk-heading-l\">Check your answers before sending your application</h1>\n".to_owned(),
    ));
    let mut safety_rows: Vec<(String, Markup, String)> = Vec::new();
    for (question, label) in [
        ("abuse", "Domestic abuse"),
        ("danger", "In immediate danger"),
        ("channel", "How it is safe to contact you"),
        ("voicemail", "Voicemail"),
        ("letters", "Letters to your address"),
    ] {
        if let Some(answer) = value(answers, question)
            && asked_so_far(answers).iter().any(|q| q == question)
        {
            safety_rows.push((
                label.to_owned(),
                html::text(said(question, answer)),
                slug(question),
            ));
        }
    }
    main.push(&Markup::trusted(
        "<h2 class=\"govuk-heading-m\">Your safety and how we contact you</h2>\n".to_owned(),
    ));
    let linked = |rows: Vec<(String, Markup, String)>| -> Vec<(String, Markup, String)> {
        rows.into_iter()
            .map(|(k, v, at)| (k, v, format!("/apply/{at}")))
            .collect()
    };
    main.push(&html::summary_list_with_change_links(&linked(safety_rows)));
    let mut rows: Vec<(String, Markup, String)> = vec![(
        "Number of children".to_owned(),
        html::text(&application.children.len().to_string()),
        slug("children"),
    )];
    for (n, name) in application.children.iter().enumerate() {
        rows.push((
            format!("Child {}", n + 1),
            html::text(name),
            slug(&format!("child_{}", n + 1)),
        ));
    }
    rows.extend([
        (
            "Your name".to_owned(),
            html::text(&application.your_name),
            slug("your_name"),
        ),
        (
            "Your address".to_owned(),
            address_markup(&application.your_address, ""),
            slug("your_address"),
        ),
        (
            "The other parent's name".to_owned(),
            html::text(&application.other_name),
            slug("other_name"),
        ),
        (
            "Where the other parent lives".to_owned(),
            address_markup(&application.other_address, "Not known"),
            slug("other_address"),
        ),
        (
            "How it is paid".to_owned(),
            html::text(match application.service {
                ServiceType::CollectAndPay => "Collect and Pay",
                ServiceType::DirectPay => "Direct Pay",
            }),
            slug("service"),
        ),
    ]);
    main.push(&Markup::trusted(
        "<h2 class=\"govuk-heading-m\">Your application</h2>\n".to_owned(),
    ));
    main.push(&html::summary_list_with_change_links(&linked(rows)));
    main.push(&Markup::trusted(
        "<h2 class=\"govuk-heading-m\">Now send your application</h2>\n".to_owned(),
    ));
    main.push(&html::paragraph(
        "By sending this application you confirm that, to the best of your knowledge, the details you are providing are correct.",
    ));
    main.push(&form_start(token, &journey.key, "check"));
    main.push(&html::button(&Button {
        text: "Accept and send",
        name: Some("send"),
        value: Some("yes"),
        ..Button::default()
    }));
    main.push(&Markup::trusted("</form>\n</div></div>\n".to_owned()));
    crate::self_service::parent_page(main)
}

/// `GET /apply`: a new journey (or the one under way, kept), from its
/// first page.
pub async fn start(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let (_, session) = match signed_in_parent(&state, &headers).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let journey = match journey_from(&state, &headers, &session) {
        Some(journey) if journey.finished.is_none() => journey,
        _ => Journey {
            key: state.clock.secret_hex(),
            ..Journey::default()
        },
    };
    go(&state, &session, &journey, &slug("legal_warning"))
}

/// Where the answers so far lead, as an address under `/apply/`.
fn next_address(answers: &[(String, String)]) -> String {
    match next(answers) {
        Ok(Next::Ask(question)) => slug(&question),
        Ok(Next::Check(..)) => CHECK.to_owned(),
        Ok(Next::Stop(_)) | Err(_) => slug("legal_warning"),
    }
}

/// `GET /apply/{page}`: a question of the journey (the answer given kept,
/// or what was typed and refused, with its errors), "Check your answers",
/// or, once finished, what happens next. A page the answers do not lead
/// to yet goes to the next one to answer.
pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::extract::Path(at): axum::extract::Path<String>,
) -> Response {
    let (_, session) = match signed_in_parent(&state, &headers).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let Some(journey) = journey_from(&state, &headers, &session) else {
        return crate::self_service::see_other("/apply");
    };
    let token = csrf_token(&session);
    if let Some(finished) = &journey.finished {
        if at != DONE {
            return go(&state, &session, &journey, DONE);
        }
        return finished_page(finished);
    }
    let asked = asked_so_far(&journey.answers);
    let back_of = |question: &str| -> String {
        match asked.iter().position(|q| q == question) {
            Some(0) | None => "/account".to_owned(),
            Some(n) => format!("/apply/{}", slug(&asked[n - 1])),
        }
    };
    if at == CHECK {
        return match next(&journey.answers) {
            Ok(Next::Check(_, application)) => {
                let back = asked
                    .last()
                    .map_or_else(|| "/account".to_owned(), |q| format!("/apply/{}", slug(q)));
                check_page(&token, &journey, &application, &back)
            }
            _ => go(&state, &session, &journey, &next_address(&journey.answers)),
        };
    }
    match question_at(&at) {
        Some(question) if asked.contains(&question) => {
            let chosen = value(&journey.answers, &question)
                .unwrap_or_default()
                .to_owned();
            let page = question_page(&token, &journey, &question, &back_of(&question));
            with_chosen(page, &chosen).await
        }
        _ => go(&state, &session, &journey, &next_address(&journey.answers)),
    }
}

/// `POST /apply`: an answer (then the next page, by GET), or the
/// application sent. A refused answer goes back to its page, by GET too,
/// with the errors and what was typed: Back and reload never post again.
pub async fn answer(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<ApplyForm>,
) -> Response {
    let (person, session) = match signed_in_parent(&state, &headers).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    if let Err(expired) = checked_form(&headers, &session, &form.form_token) {
        return expired;
    }
    let Some(mut journey) = journey_from(&state, &headers, &session) else {
        return crate::pages::refused_page(
            StatusCode::UNPROCESSABLE_ENTITY,
            "This application was started in another session, or has been sent already. Start again from your account.",
        );
    };
    // A page of this journey carries its key and no answers (they are in
    // the cookie): anything else is a page from before.
    if (!form.key.is_empty() && form.key != journey.key) || !form.answers.is_empty() {
        return crate::pages::refused_page(
            StatusCode::UNPROCESSABLE_ENTITY,
            "This page is from an application you started before. Start again from your account.",
        );
    }
    if journey.finished.is_some() {
        return go(&state, &session, &journey, DONE);
    }
    let key = journey.key.clone();
    if form.question != "check" {
        if !asked_so_far(&journey.answers).contains(&form.question) {
            return go(&state, &session, &journey, &next_address(&journey.answers));
        }
        match answer_from_form(&form.question, &form) {
            Ok(tidied) => {
                journey.answers.retain(|(k, _)| k != &form.question);
                journey.answers.push((form.question.clone(), tidied));
                journey.refused = None;
            }
            Err(errors) => {
                let typed = [
                    ("answer", &form.answer),
                    ("line_1", &form.line_1),
                    ("line_2", &form.line_2),
                    ("town", &form.town),
                    ("county", &form.county),
                    ("postcode", &form.postcode),
                    ("phone", &form.phone),
                    ("place", &form.place),
                ]
                .into_iter()
                .filter(|(_, v)| !v.is_empty())
                // Shown back without any control or direction override.
                .map(|(k, v)| (k.to_owned(), domain_types::text::shown_back(v)))
                .collect();
                journey.refused = Some(Refused {
                    question: form.question.clone(),
                    typed,
                    errors,
                });
                let at = slug(&form.question);
                return go(&state, &session, &journey, &at);
            }
        }
    }
    // Fewer children than before: the names of the others go.
    if let Some(count) = children_count(&journey.answers) {
        journey.answers.retain(|(k, _)| {
            k.strip_prefix("child_")
                .and_then(|n| n.parse::<usize>().ok())
                .is_none_or(|n| n <= count)
        });
    }
    match next(&journey.answers) {
        Err(reason) => crate::pages::refused_page(StatusCode::UNPROCESSABLE_ENTITY, &reason),
        Ok(Next::Ask(question)) => go(&state, &session, &journey, &slug(&question)),
        Ok(Next::Stop(screening)) => {
            let reach = decode(value(&journey.answers, "police_contact").unwrap_or_default());
            let reach = (
                value(&reach, "phone").unwrap_or_default().to_owned(),
                value(&reach, "place").unwrap_or_default().to_owned(),
            );
            match send(&state, &person, &key, &screening, None, &reach).await {
                Ok((case, outcome)) => {
                    journey.finished = Some(Finished {
                        case: case.to_string(),
                        outcome,
                        direct_pay: false,
                    });
                    // Nothing they typed stays in the browser.
                    journey.answers.clear();
                    journey.refused = None;
                    go(&state, &session, &journey, DONE)
                }
                Err(response) => response,
            }
        }
        Ok(Next::Check(screening, application)) => {
            if form.send != "yes" {
                return go(&state, &session, &journey, CHECK);
            }
            let nothing = (String::new(), String::new());
            match send(
                &state,
                &person,
                &key,
                &screening,
                Some(&application),
                &nothing,
            )
            .await
            {
                Ok((case, outcome)) => {
                    journey.finished = Some(Finished {
                        case: case.to_string(),
                        outcome,
                        direct_pay: application.service == ServiceType::DirectPay,
                    });
                    journey.answers.clear();
                    journey.refused = None;
                    go(&state, &session, &journey, DONE)
                }
                Err(response) => response,
            }
        }
    }
}

/// What happens next: the application sent, or, in danger, what we have
/// done and what we have not.
fn finished_page(finished: &Finished) -> Response {
    if finished.outcome["stop"] == true {
        return danger_page(&finished.outcome);
    }
    let mut main = Markup::trusted(format!(
        "<div class=\"govuk-grid-row\"><div class=\"govuk-grid-column-two-thirds\">\n<div class=\"govuk-panel govuk-panel--confirmation\">\n<h1 class=\"govuk-panel__title\">Application sent</h1>\n<div class=\"govuk-panel__body\">Your reference number<br><strong>{}</strong></div>\n</div>\n<h2 class=\"govuk-heading-m\">What happens next</h2>\n",
        escape(&finished.case)
    ));
    main.push(&html::paragraph(
        "A caseworker will contact the other parent and find out their income from HM Revenue and Customs, then work out how much child maintenance should be paid. We will never tell the other parent where you live.",
    ));
    if finished.direct_pay {
        main.push(&html::paragraph(
            "Direct Pay needs both parents to agree. If the other parent does not agree, or it is not safe for you, we can collect the payments for you instead.",
        ));
    }
    outcome_body(&finished.outcome, &mut main);
    main.push(&Markup::trusted(
        "<p class=\"govuk-body\"><a class=\"govuk-link\" href=\"/account\">Go to your account</a></p>\n</div></div>\n".to_owned(),
    ));
    crate::self_service::parent_page(main)
}

/// The end of a journey stopped in danger: 999 first; then, honestly, what
/// we have done (told the specialist team, and, if asked, asked them to
/// call the police, with how to reach them if given) and what we have not
/// (the application is not sent, and we are not an emergency service).
fn danger_page(outcome: &serde_json::Value) -> Response {
    let asked_police = outcome["police_call"].is_string();
    let mut main = Markup::trusted(
        "<div class=\"govuk-grid-row\"><div class=\"govuk-grid-column-two-thirds\">\n<h1 class=\"govuk-heading-l\">If you are in danger, call 999 now</h1>\n".to_owned(),
    );
    main.push(&Markup::trusted(
        "<p class=\"govuk-body\">Call <a class=\"govuk-link\" href=\"tel:999\">999</a>. If you cannot speak, call 999 and press 55 when asked: the police will know it is a real call.</p>\n".to_owned(),
    ));
    main.push(&Markup::trusted(
        "<h2 class=\"govuk-heading-m\">What we have done</h2>\n".to_owned(),
    ));
    main.push(&html::paragraph(
        "We have told our domestic abuse specialist team that you are in immediate danger. It is at the top of their list.",
    ));
    if asked_police {
        main.push(&html::paragraph(
            "You asked us to call the police for you. A specialist will call them as soon as they see this, and give them the number and place you gave us, if you gave them. We are not an emergency service and cannot say how soon that will be, so if you can, call 999 yourself now.",
        ));
    } else {
        main.push(&html::paragraph(
            "You asked us not to call the police, so we will not. We will not contact you until you tell us how it is safe to.",
        ));
    }
    main.push(&Markup::trusted(
        "<h2 class=\"govuk-heading-m\">Your application</h2>\n".to_owned(),
    ));
    main.push(&html::paragraph(
        "Your application has not been sent: we stopped so that you can get safe first. Nothing else you typed has been kept. You can apply again from your account when it is safe.",
    ));
    let support = outcome["signposting"]["support"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if !support.is_empty() {
        main.push(&Markup::trusted(
            "<h2 class=\"govuk-heading-m\">Support you can contact</h2>\n<ul class=\"govuk-list\">\n".to_owned(),
        ));
        for organisation in support {
            let name = organisation["name"].as_str().unwrap_or("");
            let phone = organisation["phone"].as_str().unwrap_or("");
            let hours = organisation["hours"].as_str().unwrap_or("");
            let dial: String = phone
                .chars()
                .filter(|c| c.is_ascii_digit() || *c == '+')
                .collect();
            let number = if dial.is_empty() {
                escape(phone)
            } else {
                format!(
                    "<a class=\"govuk-link\" href=\"tel:{}\">{}</a>",
                    escape(&dial),
                    escape(phone)
                )
            };
            let hours = if hours.is_empty() {
                String::new()
            } else {
                format!(", {}", escape(hours))
            };
            main.push(&Markup::trusted(format!(
                "<li><strong>{}</strong>: {number}{hours}</li>\n",
                escape(name)
            )));
        }
        main.push(&Markup::trusted("</ul>\n".to_owned()));
    }
    main.push(&Markup::trusted(
        "<p class=\"govuk-body\"><a class=\"govuk-link\" href=\"/account\">Go to your account</a></p>\n</div></div>\n".to_owned(),
    ));
    crate::self_service::parent_page(main)
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
    reach: &(String, String),
) -> Result<(CaseReference, serde_json::Value), Response> {
    let case = CaseReference::from_random(derived(person.person, key, "case"));
    // Stopped in danger (issue 14), the journey leaves no application: the
    // case holds only the disclosure (which raises the immediate-danger item
    // for the specialist team) and who is asking, sealed. It is opened as
    // stopped ("stopped: the applicant was in danger"), so it never waits
    // for a calculation: no application work item, not in the applications
    // queue nor MI's applications waiting, and a calculation is refused.
    let opened = if application.is_some() {
        state.store.open_application(&case).await
    } else {
        state.store.open_stopped_in_danger(&case).await
    };
    match opened {
        Ok(_) => {}
        // Sent before and already calculated by a caseworker (or stopped
        // before): nothing more to write but the answer.
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
                // Stopped in danger: no answers of theirs but, if they gave
                // them, how the police may reach them, sealed with their
                // own record for the specialist who calls.
                let mut own = person_record(own_id, "", "", "");
                let (phone, place) = reach;
                if !phone.is_empty() {
                    own.phone = Some(Sensitive::new(phone.clone()));
                }
                if !phone.is_empty() || !place.is_empty() {
                    let mut words = String::from(
                        "In immediate danger when applying; asked us to call the police.",
                    );
                    if !place.is_empty() {
                        words.push_str(&format!(" Where the police may find them: {place}."));
                    }
                    if !phone.is_empty() {
                        words.push_str(&format!(" A number the police may call: {phone}."));
                    }
                    own.abuse_disclosure = Some(Sensitive::new(words));
                }
                (own, person_record(other_id, "", "", ""))
            },
            |a| {
                (
                    person_record(
                        own_id,
                        &a.your_name,
                        &a.your_address.lines(),
                        &a.your_address.postcode,
                    ),
                    person_record(
                        other_id,
                        &a.other_name,
                        &a.other_address.lines(),
                        &a.other_address.postcode,
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
        let empty = ApplyForm::default();
        assert_eq!(
            answer_from_form("other_address", &empty).map(|a| Address::from_answer(&a)),
            Ok(Address::default()),
            "the other parent's address may be left out"
        );
        assert!(answer_from_form("your_address", &empty).is_err());
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
        let Ok(Next::Ask(reach)) = next(&danger) else {
            panic!("then how the police may reach them")
        };
        assert_eq!(reach, "police_contact");
        let mut reached = danger.clone();
        reached.push(("police_contact".to_owned(), String::new()));
        assert!(matches!(next(&reached), Ok(Next::Stop(_))));
        let mut no_police = danger;
        no_police.retain(|(k, _)| k != "police");
        no_police.push(("police".to_owned(), "no".to_owned()));
        assert!(
            matches!(next(&no_police), Ok(Next::Stop(_))),
            "no police call: nothing more is asked"
        );
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
                "your_address" => "line_1=1+High+Street&town=Leeds&postcode=LS1+1AA",
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

#[cfg(test)]
mod journey_tests {
    use super::*;

    #[test]
    fn the_journey_state_survives_base64url() {
        for bytes in [
            &b""[..],
            b"a",
            b"ab",
            b"abc",
            b"abcd",
            &[0u8, 255, 254, 1, 2],
        ] {
            assert_eq!(from_base64url(&base64url(bytes)).as_deref(), Some(bytes));
        }
        assert_eq!(base64url(b"\xfb\xff"), "-_8");
    }

    #[test]
    fn an_address_is_its_fields_each_checked() {
        let typed = Address {
            line_1: "  1   High Street ".to_owned(),
            line_2: String::new(),
            town: "Leeds".to_owned(),
            county: String::new(),
            postcode: "ls11aa".to_owned(),
        };
        let answer = address_answer(&typed, true, "Your").unwrap();
        let address = Address::from_answer(&answer);
        assert_eq!(address.lines(), "1 High Street, Leeds");
        assert_eq!(address.postcode, "LS1 1AA");
        let errors = address_answer(&Address::default(), true, "Your").unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(fields, ["line_1", "town", "postcode"]);
        let bad = Address {
            postcode: "not a postcode".to_owned(),
            ..Address::default()
        };
        let errors = address_answer(&bad, false, "The other parent's").unwrap_err();
        assert_eq!(
            errors,
            vec![(
                "postcode".to_owned(),
                "Enter a real postcode, like SW1A 1AA".to_owned()
            )]
        );
    }

    #[test]
    fn a_police_number_is_optional_but_must_be_a_number() {
        assert_eq!(phone(""), Ok(String::new()));
        assert_eq!(phone(" 07700  900 982 "), Ok("07700 900 982".to_owned()));
        for refused in ["123", "call me", "0770090098212345678"] {
            assert!(phone(refused).is_err(), "{refused}");
        }
    }
}
