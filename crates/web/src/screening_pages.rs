//! The safe application screen as pages, one question a page (issue 5 §1,
//! issue 6 §2): the legal warning, then "have you experienced or witnessed
//! domestic abuse", then, on a yes, "are you in immediate danger now" and
//! the offer to call the police; otherwise how it is safe to contact them.
//! The same `safety::Screening` state machine as the API decides what comes
//! next, and the same `casework::finish_screen` records it, so a disclosure
//! reaches the specialist team the moment the screen finishes.
//!
//! Answers so far travel in a hidden field of each form (never in the
//! address), with the session's form token; every page has "Exit this
//! page" and the neutral title "Your account".

use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::AppState;
use crate::cases::parse_reference;
use crate::html::{self, Button, Markup, Radios, escape};
use crate::self_service::{
    checked_form, csrf_token, form_expired, see_other, signed_in, signed_in_parent,
};

/// A form of the journey.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct ScreenForm {
    #[serde(default)]
    form_token: String,
    /// The journey's idempotency key, made on its first page.
    #[serde(default)]
    key: String,
    /// Answers so far: `name=value` separated by `;`.
    #[serde(default)]
    answers: String,
    /// Which question this form answers.
    #[serde(default)]
    question: String,
    /// The answer.
    #[serde(default)]
    answer: String,
}

/// One question of the journey: the words, a hint, the choices.
struct Asked {
    legend: &'static str,
    hint: Option<&'static str>,
    choices: &'static [(&'static str, &'static str)],
}

const YES_NO: &[(&str, &str)] = &[("yes", "Yes"), ("no", "No")];

fn asked(code: &str) -> Option<Asked> {
    Some(match code {
        "abuse" => Asked {
            legend: "Have you experienced or witnessed domestic abuse?",
            hint: Some(
                "Against you or your children, by anyone. It does not matter whether you have told anyone about it. You do not need to give us any evidence.",
            ),
            choices: &[
                ("yes", "Yes"),
                ("no", "No"),
                ("prefer_not_to_say", "I prefer not to say"),
            ],
        },
        "danger" => Asked {
            legend: "Are you in immediate danger now?",
            hint: None,
            choices: YES_NO,
        },
        "police" => Asked {
            legend: "Do you want us to call the police for you?",
            hint: Some(
                "If you say yes, our specialist team is told at once and a specialist will call the police for you. We are not an emergency service: if you can, call 999 yourself now.",
            ),
            choices: YES_NO,
        },
        "channel" => Asked {
            legend: "How is it safe for us to contact you?",
            hint: Some("Choose the way that is safest for you."),
            choices: &[
                ("phone", "Phone call"),
                ("text_message", "Text message"),
                ("email", "Email"),
                ("letter", "Letter"),
                ("none", "Only when I contact you"),
            ],
        },
        "voicemail" => Asked {
            legend: "Can we leave you a voicemail?",
            hint: None,
            choices: YES_NO,
        },
        "letters" => Asked {
            legend: "Can we send letters to the address we have for you?",
            hint: Some(
                "If you say no, we will not post anything to that address. You can read your letters when you sign in.",
            ),
            choices: YES_NO,
        },
        _ => return None,
    })
}

/// The answers so far, from the hidden field (URL-encoded, so any text
/// survives).
pub(crate) fn decode(encoded: &str) -> Vec<(String, String)> {
    serde_urlencoded::from_str(encoded).unwrap_or_default()
}

/// The answers so far, for the hidden field.
pub(crate) fn encode(answers: &[(String, String)]) -> String {
    serde_urlencoded::to_string(answers).unwrap_or_default()
}

/// The latest answer to `name`.
pub(crate) fn value<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .rev()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// What the answers so far lead to: the screen as far as it goes, and the
/// next question, or `None` when finished.
pub(crate) fn progress(
    pairs: &[(String, String)],
) -> Result<(safety::Screening, Option<&'static str>), String> {
    let mut screening = safety::Screening::new();
    let feed =
        |screening: safety::Screening, answer| screening.answer(answer).map_err(|e| e.to_string());
    if value(pairs, "legal_warning") != Some("yes") {
        return Ok((screening, Some("legal_warning")));
    }
    screening = feed(screening, safety::Answer::AcknowledgedLegalWarning)?;
    let abuse = match value(pairs, "abuse") {
        Some("yes") => safety::AbuseAnswer::Yes,
        Some("no") => safety::AbuseAnswer::No,
        Some("prefer_not_to_say") => safety::AbuseAnswer::PreferNotToSay,
        _ => return Ok((screening, Some("abuse"))),
    };
    screening = feed(screening, safety::Answer::ExperiencedAbuse(abuse))?;
    loop {
        match screening.next() {
            safety::Step::Ask(safety::Question::ImmediateDanger) => match value(pairs, "danger") {
                Some(answer) => {
                    screening = feed(screening, safety::Answer::ImmediateDanger(answer == "yes"))?;
                }
                None => return Ok((screening, Some("danger"))),
            },
            safety::Step::Ask(safety::Question::PoliceCall) => match value(pairs, "police") {
                Some(answer) => {
                    screening = feed(screening, safety::Answer::PoliceCall(answer == "yes"))?;
                }
                None => return Ok((screening, Some("police"))),
            },
            safety::Step::Ask(safety::Question::SafeContact) => {
                let Some(channel) = value(pairs, "channel") else {
                    return Ok((screening, Some("channel")));
                };
                let voicemail = match (channel, value(pairs, "voicemail")) {
                    ("phone", None) => return Ok((screening, Some("voicemail"))),
                    (_, answer) => answer != Some("no"),
                };
                let Some(letters) = value(pairs, "letters") else {
                    return Ok((screening, Some("letters")));
                };
                let channels = safety::channel_from_code(channel).into_iter().collect();
                screening = feed(
                    screening,
                    safety::Answer::SafeContact(safety::ContactPreferences {
                        channels,
                        safe_times: None,
                        no_voicemail: !voicemail,
                        no_letters_to_address: letters == "no",
                    }),
                )?;
            }
            safety::Step::Ask(other) => return Err(format!("{other:?} is not asked here")),
            safety::Step::StopInDanger { .. } | safety::Step::Done(_) => {
                return Ok((screening, None));
            }
        }
    }
}

fn form_start(action: &str, token: &str, key: &str, answers: &str, question: &str) -> Markup {
    Markup::trusted(format!(
        "<form method=\"post\" action=\"{}\" novalidate>\n<input type=\"hidden\" name=\"form_token\" value=\"{}\">\n<input type=\"hidden\" name=\"key\" value=\"{}\">\n<input type=\"hidden\" name=\"answers\" value=\"{}\">\n<input type=\"hidden\" name=\"question\" value=\"{}\">\n",
        escape(action),
        escape(token),
        escape(key),
        escape(answers),
        escape(question)
    ))
}

/// Whether `key` is a journey's key as its first page made it (64 hex
/// digits, `Clock::secret_hex`).
pub(crate) fn is_journey_key(key: &str) -> bool {
    key.len() == 64 && key.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Whether `answer` is one of the choices of the screen's `question`.
pub(crate) fn allowed(question: &str, answer: &str) -> bool {
    if question == "legal_warning" {
        answer == "yes"
    } else {
        asked(question).is_some_and(|a| a.choices.iter().any(|(v, _)| *v == answer))
    }
}

/// A page of the screen, posting to `action` (this journey's, or the
/// application's) with the journey's form token, key and answers so far.
pub(crate) fn question_page(
    status: StatusCode,
    action: &str,
    (token, key, answers): (&str, &str, &str),
    question: &str,
    error: Option<&str>,
) -> Response {
    let mut form = form_start(action, token, key, answers, question);
    if question == "legal_warning" {
        form.push(&Markup::trusted(
            "<h1 class=\"govuk-heading-l\">Before we ask you some questions</h1>\n".to_owned(),
        ));
        form.push(&html::paragraph(safety::LEGAL_WARNING));
        form.push(&html::paragraph(
            "Next we ask about your safety, so that we can contact you safely and set up child maintenance in a way that keeps you safe. You can leave this page at any time with Exit this page.",
        ));
        form.push(&Markup::trusted(
            "<input type=\"hidden\" name=\"answer\" value=\"yes\">\n".to_owned(),
        ));
        form.push(&continue_button());
    } else if let Some(asked) = asked(question) {
        let items: Vec<(&str, &str, bool)> =
            asked.choices.iter().map(|(v, t)| (*v, *t, false)).collect();
        form.push(&html::radios(&Radios {
            name: "answer",
            legend: asked.legend,
            legend_classes: Some("govuk-fieldset__legend--l"),
            legend_is_page_heading: true,
            hint: asked.hint,
            error,
            items: &items,
            ..Radios::default()
        }));
        form.push(&continue_button());
    }
    form.push(&Markup::trusted("</form>\n".to_owned()));
    crate::self_service::question_page(status, "answer", error, &form)
}

fn continue_button() -> Markup {
    html::button(&Button {
        text: "Continue",
        ..Button::default()
    })
}

/// `GET /account/cases/{reference}/safety`: the first page, for a parent
/// of the case.
pub async fn start(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(reference): Path<String>,
) -> Response {
    let (person, session) = match signed_in_parent(&state, &headers).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let Ok(case) = parse_reference(&reference) else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    if let Err(response) = crate::collection::own_party(&state, &person, &case).await {
        return response;
    }
    let key = state.clock.secret_hex();
    question_page(
        StatusCode::OK,
        &format!("/account/cases/{case}/safety"),
        (&csrf_token(&session), &key, ""),
        "legal_warning",
        None,
    )
}

/// `POST /account/cases/{reference}/safety`: an answer; the next question,
/// or, when the screen is finished, what it found.
pub async fn answer(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(reference): Path<String>,
    Form(form): Form<ScreenForm>,
) -> Response {
    let Some((person, session)) = signed_in(&state, &headers).await else {
        return see_other("/sign-in");
    };
    if !person.role.is_parent() {
        return form_expired();
    }
    let token = match checked_form(&headers, &session, &form.form_token) {
        Ok(token) => token,
        Err(expired) => return expired,
    };
    let Ok(case) = parse_reference(&reference) else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    let by_party = match crate::collection::own_party(&state, &person, &case).await {
        Ok(party) => party,
        Err(response) => return response,
    };
    let action = format!("/account/cases/{case}/safety");
    let key = if is_journey_key(&form.key) {
        form.key.clone()
    } else {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            "this form is not from this journey",
        )
            .into_response();
    };
    // The answer to this page, checked against its choices.
    if !allowed(&form.question, &form.answer) {
        return question_page(
            StatusCode::UNPROCESSABLE_ENTITY,
            &action,
            (&token, &key, &form.answers),
            &form.question,
            Some("Select an answer"),
        );
    }
    let mut answers = decode(&form.answers);
    answers.push((form.question.clone(), form.answer.clone()));
    let encoded = encode(&answers);
    let (screening, next) = match progress(&answers) {
        Ok(progress) => progress,
        Err(reason) => return (StatusCode::UNPROCESSABLE_ENTITY, reason).into_response(),
    };
    if let Some(question) = next {
        return question_page(
            StatusCode::OK,
            &action,
            (&token, &key, &encoded),
            question,
            None,
        );
    }
    match crate::casework::finish_screen(&state, &case, &person, by_party, &key, &screening).await {
        Ok((_, outcome)) => outcome_page(&outcome),
        Err(response) => response,
    }
}

/// The support organisations the screen's answer names, if any.
fn support(outcome: &Value, main: &mut Markup) {
    main.push(&crate::helplines::support(
        &outcome["signposting"]["support"],
    ));
}

/// What a finished screen (not in danger) means for the parent: who has
/// been told, support, and help for separated families.
pub(crate) fn outcome_body(outcome: &Value, main: &mut Markup) {
    if outcome["disclosed"] == true {
        main.push(&html::paragraph(
            "We have told our domestic abuse specialist team. A caseworker who knows about your situation will look after your case, so you only need to tell your story once.",
        ));
        support(outcome, main);
    } else {
        main.push(&html::paragraph(
            "We will contact you in the way you chose. You can tell us about abuse at any time.",
        ));
    }
    let offers = outcome["family_support"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if !offers.is_empty() {
        main.push(&Markup::trusted(
            "<h2 class=\"govuk-heading-m\">Help for separated families</h2>\n<ul class=\"govuk-list\">\n".to_owned(),
        ));
        for offer in offers {
            main.push(&Markup::trusted(format!(
                "<li><strong>{}</strong>: {}</li>\n",
                escape(offer["name"].as_str().unwrap_or("")),
                escape(offer["what"].as_str().unwrap_or(""))
            )));
        }
        main.push(&Markup::trusted("</ul>\n".to_owned()));
    }
}

/// What the finished screen found, from the API's own answer. In danger it
/// says honestly what will happen (issue 14): the specialist team is told
/// at once; we are not an emergency service, so 999 now if they can, and
/// the Silent Solution if they cannot speak; a police call, if they asked
/// for one, is made by a specialist when they see it, not "now". Its
/// heading is its own (the application's stop page has another: titles are
/// unique per page).
pub(crate) fn outcome_page(outcome: &Value) -> Response {
    let mut main = Markup::default();
    if outcome["stop"] == true {
        main.push(&Markup::trusted(
            "<h1 class=\"govuk-heading-l\">We have told our specialist team you are in danger</h1>\n<p class=\"govuk-body govuk-!-font-weight-bold\">If you are in danger, call 999 now if you can.</p>\n".to_owned(),
        ));
        main.push(&crate::helplines::emergency(
            &outcome["signposting"]["emergency"],
        ));
        main.push(&Markup::trusted(
            "<h2 class=\"govuk-heading-m\">What we have done</h2>\n".to_owned(),
        ));
        main.push(&html::paragraph(
            "We have told our domestic abuse specialist team that you are in immediate danger. It is at the top of their list.",
        ));
        main.push(&html::paragraph(if outcome["police_call"].is_string() {
            "You asked us to call the police for you. A specialist will call them as soon as they see this. We are not an emergency service and cannot say how soon that will be, so if you can, call 999 yourself now."
        } else {
            "You asked us not to call the police, so we will not."
        }));
        main.push(&html::paragraph(
            "We will not contact you in a way you have not said is safe.",
        ));
        support(outcome, &mut main);
    } else {
        main.push(&Markup::trusted(
            "<h1 class=\"govuk-heading-l\">Thank you</h1>\n".to_owned(),
        ));
        outcome_body(outcome, &mut main);
    }
    main.push(&Markup::trusted(
        "<p class=\"govuk-body\"><a class=\"govuk-link\" href=\"/account\">Back to your account</a></p>\n"
            .to_owned(),
    ));
    crate::self_service::parent_page(main)
}
