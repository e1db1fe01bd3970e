//! The public calculator as GOV.UK question pages (issue 15): one thing a
//! page, then an estimate worked out by the calculation contract itself.
//!
//! The questions: paying or receiving parent; the paying parent's benefits
//! (the flat-rate lists of reg 44, read from the parameters in force today,
//! Universal Credit with no earned income among them); where no benefit
//! decides, the paying parent's income before tax a week, month or year;
//! how many children; each child's nights a year with the paying parent;
//! and, where no benefit decides, the other children the paying parent
//! supports. A question a benefit makes pointless is not asked (the
//! property test in `tests/calculator.rs` checks the contract agrees).
//!
//! Every page is a `GET`: the answers so far travel in the address (as
//! hidden fields of each form, which submits by `GET`), never in a cookie,
//! and a valid answer is followed by a `303 See Other` to the next page. So
//! browser Back never asks to resubmit anything, and each page can be
//! reloaded or bookmarked. A refused answer shows the page again with the
//! error summary and what was typed. The estimate builds a
//! `calculation_json` request and calls `calculation_json::answer_value`,
//! the function `POST /api/v1/calculations` answers with.

mod components;

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain_types::{Date, Pence, round_half_up_div};
use legal_parameters::{Benefit, BenefitSet, ParameterSet};
use maintenance_calculation::{CHILDREN_PER_RECEIVING_PARENT_MAX, Nights, OTHER_CHILDREN_MAX};
use serde_json::{Value, json};

use crate::AppState;
use crate::html::{self, Button, Input, Markup, Radios, escape};
use crate::pages::{Page, explanation_list, respond};
use components::{CheckboxItem, Checkboxes, RowAction};

/// Where the calculator starts.
pub const FIRST_QUESTION: &str = "/calculator/parent";

/// The estimate's address.
const ESTIMATE: &str = "estimate";

/// The answer to "None of these" on the benefits page.
const NO_BENEFIT: &str = "none";

/// The hidden field that says which question a form answers.
const ANSWERING: &str = "answering";

/// The hidden field that says the answer was changed from the estimate, so
/// the journey goes back there once every question is answered.
const CHANGE: &str = "change";

/// The questions, in the order they are asked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Question {
    Parent,
    Benefits,
    Income,
    Children,
    Nights,
    OtherChildren,
}

impl Question {
    const ALL: [Question; 6] = [
        Question::Parent,
        Question::Benefits,
        Question::Income,
        Question::Children,
        Question::Nights,
        Question::OtherChildren,
    ];

    /// Its address under `/calculator/`.
    const fn slug(self) -> &'static str {
        match self {
            Question::Parent => "parent",
            Question::Benefits => "benefits",
            Question::Income => "income",
            Question::Children => "children",
            Question::Nights => "nights",
            Question::OtherChildren => "other-children",
        }
    }

    fn from_slug(slug: &str) -> Option<Question> {
        Question::ALL.into_iter().find(|q| q.slug() == slug)
    }

    /// Whether `key` is one of this question's own fields.
    fn owns(self, key: &str) -> bool {
        match self {
            Question::Parent => key == "role",
            Question::Benefits => key == "benefit",
            Question::Income => key == "income" || key == "period",
            Question::Children => key == "children",
            Question::Nights => nights_index(key).is_some(),
            Question::OtherChildren => key == "other-children",
        }
    }
}

/// The child a `nights-N` field is for (1-based).
fn nights_index(key: &str) -> Option<usize> {
    key.strip_prefix("nights-")?
        .parse()
        .ok()
        .filter(|n| (1..=CHILDREN_PER_RECEIVING_PARENT_MAX).contains(n))
}

/// The answers as they travel: name and value pairs, in order.
#[derive(Clone, Debug, Default)]
struct Answers(Vec<(String, String)>);

impl Answers {
    fn from_query(query: Option<&str>) -> Answers {
        Answers(
            query
                .and_then(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(q).ok())
                .unwrap_or_default(),
        )
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    fn all(&self, key: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    fn query(&self) -> String {
        serde_urlencoded::to_string(&self.0).unwrap_or_default()
    }
}

/// Who the paying parent is to the person answering.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Paying,
    Receiving,
}

/// The words for the paying parent, as the person answering reads them.
struct Words {
    /// "you" / "the other parent" (as a subject).
    subject: &'static str,
    /// "Do you" / "Does the other parent".
    does: &'static str,
    /// "your" / "the other parent's".
    possessive: &'static str,
    /// "you" / "the other parent" (as an object).
    object: &'static str,
}

fn words(role: Option<Role>) -> Words {
    match role {
        Some(Role::Paying) => Words {
            subject: "you",
            does: "Do you",
            possessive: "your",
            object: "you",
        },
        Some(Role::Receiving) => Words {
            subject: "the other parent",
            does: "Does the other parent",
            possessive: "the other parent's",
            object: "the other parent",
        },
        None => Words {
            subject: "the paying parent",
            does: "Does the paying parent",
            possessive: "the paying parent's",
            object: "the paying parent",
        },
    }
}

/// How often the income given is received.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Period {
    Week,
    Month,
    Year,
}

impl Period {
    fn from_code(code: &str) -> Option<Period> {
        match code {
            "week" => Some(Period::Week),
            "month" => Some(Period::Month),
            "year" => Some(Period::Year),
            _ => None,
        }
    }

    const fn word(self) -> &'static str {
        match self {
            Period::Week => "week",
            Period::Month => "month",
            Period::Year => "year",
        }
    }
}

/// A refused answer: the field's id and what to do.
type Refusal = (String, String);

fn refuse(field: &str, message: impl Into<String>) -> Vec<Refusal> {
    vec![(field.to_owned(), message.into())]
}

/// The benefits that give the flat rate on the day (reg 44(1) and 44(2),
/// Sch 1 para 4(1)(b) and (c)): Universal Credit with no earned income
/// first, as the one most asked about, then the income-related benefits,
/// then the rest, each list in the contract's order.
fn flat_rate_benefits(set: &ParameterSet) -> Vec<Benefit> {
    let mut list: Vec<Benefit> = Vec::new();
    let wanted = set
        .flat_rate_own_or_partner_benefits
        .union(set.flat_rate_own_benefits);
    if wanted.contains(Benefit::UniversalCreditNoEarnedIncome) {
        list.push(Benefit::UniversalCreditNoEarnedIncome);
    }
    for set in [
        set.flat_rate_own_or_partner_benefits,
        set.flat_rate_own_benefits,
    ] {
        for benefit in set.iter() {
            if !list.contains(&benefit) {
                list.push(benefit);
            }
        }
    }
    list
}

/// A benefit's name as a checkbox's words: its first letter a capital.
fn sentence_case(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn role(answers: &Answers) -> Result<Role, Vec<Refusal>> {
    match answers.get("role") {
        Some("paying") => Ok(Role::Paying),
        Some("receiving") => Ok(Role::Receiving),
        _ => Err(refuse(
            "role",
            "Select whether you are the paying parent or the receiving parent",
        )),
    }
}

/// The benefits chosen (empty for "None of these").
fn benefits(
    answers: &Answers,
    offered: BenefitSet,
    who: &Words,
) -> Result<Vec<Benefit>, Vec<Refusal>> {
    let chosen = answers.all("benefit");
    let none = chosen.contains(&NO_BENEFIT);
    let empty = format!(
        "Select the benefits {} get{}, or select none of these",
        who.subject,
        if who.subject == "you" { "" } else { "s" }
    );
    if chosen.is_empty() {
        return Err(refuse("benefit", empty));
    }
    if none && chosen.len() > 1 {
        return Err(refuse(
            "benefit",
            "Select the benefits, or select none of these, not both",
        ));
    }
    if none {
        return Ok(Vec::new());
    }
    let mut list = Vec::new();
    for code in chosen {
        match Benefit::from_code(code).filter(|b| offered.contains(*b)) {
            Some(benefit) if !list.contains(&benefit) => list.push(benefit),
            Some(_) => {}
            None => return Err(refuse("benefit", empty)),
        }
    }
    Ok(list)
}

/// Whether a benefit has been chosen (so it decides the rate).
fn benefit_decides(answers: &Answers, offered: BenefitSet) -> bool {
    matches!(benefits(answers, offered, &words(None)), Ok(list) if !list.is_empty())
}

/// The most a monthly income may be: twelve of it must be a sum the
/// contract takes.
fn monthly_max() -> Pence {
    Pence::new(Pence::INPUT_MAX.get() / 12)
}

fn income(answers: &Answers, who: &Words) -> Result<(Period, Pence), Vec<Refusal>> {
    let mut refusals = Vec::new();
    let typed = answers.get("income").unwrap_or("").trim();
    let amount = if typed.is_empty() {
        refusals.push((
            "income".to_owned(),
            format!("Enter {} income before tax", who.possessive),
        ));
        None
    } else {
        match Pence::parse_pounds(typed) {
            Ok(amount) => Some(amount),
            Err(domain_types::MoneyParseError::TooLarge) => {
                refusals.push((
                    "income".to_owned(),
                    format!("Income before tax must be {} or less", Pence::INPUT_MAX),
                ));
                None
            }
            Err(_) => {
                refusals.push((
                    "income".to_owned(),
                    "Income before tax must be an amount of money, like 600 or 2,450.50".to_owned(),
                ));
                None
            }
        }
    };
    let period = answers.get("period").and_then(Period::from_code);
    if period.is_none() {
        refusals.push((
            "period".to_owned(),
            "Select whether the income is for a week, a month or a year".to_owned(),
        ));
    }
    match (amount, period) {
        (Some(amount), Some(Period::Month)) if amount > monthly_max() => Err(refuse(
            "income",
            format!("A monthly income must be {} or less", monthly_max()),
        )),
        (Some(amount), Some(period)) => Ok((period, amount)),
        _ => Err(refusals),
    }
}

/// A whole number from `min` to `max`, or the message.
fn whole(
    typed: Option<&str>,
    min: usize,
    max: usize,
    empty: String,
    bad: String,
) -> Result<usize, String> {
    let typed = typed.unwrap_or("").trim();
    if typed.is_empty() {
        return Err(empty);
    }
    typed
        .parse::<usize>()
        .ok()
        .filter(|n| (min..=max).contains(n))
        .ok_or(bad)
}

fn children(answers: &Answers) -> Result<usize, Vec<Refusal>> {
    whole(
        answers.get("children"),
        1,
        CHILDREN_PER_RECEIVING_PARENT_MAX,
        "Enter how many children the maintenance is for".to_owned(),
        format!(
            "Number of children must be a whole number from 1 to {CHILDREN_PER_RECEIVING_PARENT_MAX}"
        ),
    )
    .map_err(|message| refuse("children", message))
}

/// "first", "second", … for the children's fields.
const ORDINALS: [&str; CHILDREN_PER_RECEIVING_PARENT_MAX] = [
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "eleventh",
    "twelfth",
    "thirteenth",
    "fourteenth",
    "fifteenth",
    "sixteenth",
    "seventeenth",
    "eighteenth",
    "nineteenth",
    "twentieth",
];

fn nights(answers: &Answers, who: &Words) -> Result<Vec<u16>, Vec<Refusal>> {
    let count = children(answers)?;
    let mut refusals = Vec::new();
    let mut all = Vec::with_capacity(count);
    for (index, ordinal) in ORDINALS.iter().enumerate().take(count) {
        let field = format!("nights-{}", index + 1);
        match whole(
            answers.get(&field),
            0,
            usize::from(Nights::MAX),
            format!(
                "Enter how many nights a year the {ordinal} child stays with {}, or 0",
                who.object
            ),
            format!(
                "Nights for the {ordinal} child must be a whole number from 0 to {}",
                Nights::MAX
            ),
        ) {
            Ok(n) => all.push(u16::try_from(n).unwrap_or(Nights::MAX)),
            Err(message) => refusals.push((field, message)),
        }
    }
    if refusals.is_empty() {
        Ok(all)
    } else {
        Err(refusals)
    }
}

fn other_children(answers: &Answers, who: &Words) -> Result<u16, Vec<Refusal>> {
    whole(
        answers.get("other-children"),
        0,
        usize::from(OTHER_CHILDREN_MAX),
        format!(
            "Enter how many other children {} support{}, or 0",
            who.subject,
            if who.subject == "you" { "" } else { "s" }
        ),
        format!("Other children must be a whole number from 0 to {OTHER_CHILDREN_MAX}"),
    )
    .map(|n| u16::try_from(n).unwrap_or(OTHER_CHILDREN_MAX))
    .map_err(|message| refuse("other-children", message))
}

/// Whether `question`'s answer is there and acceptable.
fn check(question: Question, answers: &Answers, offered: BenefitSet) -> Result<(), Vec<Refusal>> {
    let who = words(role(answers).ok());
    match question {
        Question::Parent => role(answers).map(|_| ()),
        Question::Benefits => benefits(answers, offered, &who).map(|_| ()),
        Question::Income => income(answers, &who).map(|_| ()),
        Question::Children => children(answers).map(|_| ()),
        Question::Nights => nights(answers, &who).map(|_| ()),
        Question::OtherChildren => other_children(answers, &who).map(|_| ()),
    }
}

/// The questions these answers call for, in order: income and other
/// children only where no benefit decides the rate.
fn questions(answers: &Answers, offered: BenefitSet) -> Vec<Question> {
    let decided = benefit_decides(answers, offered);
    Question::ALL
        .into_iter()
        .filter(|q| !(decided && matches!(q, Question::Income | Question::OtherChildren)))
        .collect()
}

/// The first question not yet answered acceptably, if any.
fn first_unanswered(answers: &Answers, offered: BenefitSet) -> Option<Question> {
    questions(answers, offered)
        .into_iter()
        .find(|q| check(*q, answers, offered).is_err())
}

/// The answers kept: known fields only, in the questions' order, without
/// answers a benefit made pointless or nights for children not counted.
fn tidy(answers: &Answers, offered: BenefitSet) -> Answers {
    let mut kept: Vec<(String, String)> = Vec::new();
    let keep = |kept: &mut Vec<(String, String)>, key: &str| {
        if let Some(value) = answers.get(key) {
            kept.push((key.to_owned(), value.to_owned()));
        }
    };
    for question in questions(answers, offered) {
        match question {
            Question::Parent => keep(&mut kept, "role"),
            Question::Benefits => {
                for value in answers.all("benefit") {
                    kept.push(("benefit".to_owned(), value.to_owned()));
                }
            }
            Question::Income => {
                keep(&mut kept, "income");
                keep(&mut kept, "period");
            }
            Question::Children => keep(&mut kept, "children"),
            Question::Nights => {
                let count = children(answers).unwrap_or(CHILDREN_PER_RECEIVING_PARENT_MAX);
                for n in 1..=count {
                    keep(&mut kept, &format!("nights-{n}"));
                }
            }
            Question::OtherChildren => keep(&mut kept, "other-children"),
        }
    }
    Answers(kept)
}

fn address(slug: &str, answers: &Answers) -> String {
    let query = answers.query();
    if query.is_empty() {
        format!("/calculator/{slug}")
    } else {
        format!("/calculator/{slug}?{query}")
    }
}

/// `303 See Other` to `location`, with the headers every page carries.
fn see_other(location: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(location) {
        headers.insert(header::LOCATION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

/// `GET|POST /calculator`: the calculator's old address (the start page's
/// button, and the single form it used to be), sent to the first question.
pub async fn start() -> Response {
    see_other(FIRST_QUESTION)
}

fn message_page(status: StatusCode, title: &str, body: &str) -> Response {
    let main = Markup::concat(&[
        Markup::trusted(format!(
            "<div class=\"govuk-grid-row\"><div class=\"govuk-grid-column-two-thirds\">\n<h1 class=\"govuk-heading-l\">{}</h1>\n",
            escape(title)
        )),
        html::paragraph(body),
        Markup::trusted(
            "<p class=\"govuk-body\"><a class=\"govuk-link\" href=\"/calculator\">Start the calculator again</a></p>\n</div></div>\n"
                .to_owned(),
        ),
    ]);
    respond(
        status,
        &Page {
            title,
            exit_this_page: true,
            main,
        },
    )
}

/// `GET /calculator/{page}`: a question, or the estimate.
pub async fn page(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let today = state.clock.today();
    let Ok(set) = state.parameters.at(today) else {
        return message_page(
            StatusCode::SERVICE_UNAVAILABLE,
            "Sorry, the calculator is not available",
            "The rules for today's date are not in this service. Try again later.",
        );
    };
    let offered: BenefitSet = flat_rate_benefits(set).into_iter().collect();
    let answers = Answers::from_query(query.as_deref());
    if slug == ESTIMATE {
        return match first_unanswered(&answers, offered) {
            Some(question) => see_other(&address(question.slug(), &tidy(&answers, offered))),
            None => estimate(&state, today, set, &tidy(&answers, offered), offered),
        };
    }
    let Some(question) = Question::from_slug(&slug) else {
        return message_page(
            StatusCode::NOT_FOUND,
            "Page not found",
            "If you typed the web address, check it is correct.",
        );
    };
    let asked = questions(&answers, offered);
    // An earlier question not answered (an address typed or cut short):
    // ask that first.
    for earlier in asked.iter().take_while(|q| **q != question) {
        if check(*earlier, &answers, offered).is_err() {
            return see_other(&address(earlier.slug(), &tidy(&answers, offered)));
        }
    }
    if !asked.contains(&question) {
        // A benefit decides: this question is not asked.
        let next = first_unanswered(&answers, offered).map_or(ESTIMATE, Question::slug);
        return see_other(&address(next, &tidy(&answers, offered)));
    }
    let changing = answers.get(CHANGE).is_some();
    if answers.get(ANSWERING) == Some(question.slug()) {
        if let Err(refusals) = check(question, &answers, offered) {
            return question_page(
                StatusCode::UNPROCESSABLE_ENTITY,
                question,
                &answers,
                set,
                offered,
                changing,
                &refusals,
            );
        }
        let kept = tidy(&answers, offered);
        let asked = questions(&kept, offered);
        let next = if changing {
            first_unanswered(&kept, offered)
        } else {
            asked.iter().skip_while(|q| **q != question).nth(1).copied()
        };
        return match next {
            // Changing from the estimate: on to what the change left
            // unanswered, still on the way back to the estimate.
            Some(next) if changing => {
                let mut kept = kept;
                kept.0.push((CHANGE.to_owned(), "yes".to_owned()));
                see_other(&address(next.slug(), &kept))
            }
            Some(next) => see_other(&address(next.slug(), &kept)),
            None => see_other(&address(ESTIMATE, &kept)),
        };
    }
    question_page(
        StatusCode::OK,
        question,
        &answers,
        set,
        offered,
        changing,
        &[],
    )
}

/// The page before `question` (for its back link), with every answer.
fn back_address(question: Option<Question>, answers: &Answers, offered: BenefitSet) -> String {
    let asked = questions(answers, offered);
    let previous = match question {
        Some(question) => asked.iter().take_while(|q| **q != question).last().copied(),
        None => asked.last().copied(),
    };
    match previous {
        Some(previous) => address(previous.slug(), &tidy(answers, offered)),
        None => "/".to_owned(),
    }
}

#[allow(clippy::too_many_lines)]
fn question_page(
    status: StatusCode,
    question: Question,
    answers: &Answers,
    set: &ParameterSet,
    offered: BenefitSet,
    changing: bool,
    refusals: &[Refusal],
) -> Response {
    let who = words(role(answers).ok());
    let error_for = |field: &str| {
        refusals
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    };
    let mut main = components::back_link(&back_address(Some(question), answers, offered), "Back");
    main.push(&Markup::trusted(
        "\n<div class=\"govuk-grid-row\"><div class=\"govuk-grid-column-two-thirds\">\n".to_owned(),
    ));
    if !refusals.is_empty() {
        let list: Vec<(String, String)> = refusals
            .iter()
            .map(|(field, message)| (format!("#{field}"), message.clone()))
            .collect();
        main.push(&html::error_summary("There is a problem", &list));
    }
    main.push(&Markup::trusted(format!(
        "<form method=\"get\" action=\"/calculator/{}\" novalidate>\n",
        question.slug()
    )));
    // Every other answer so far, kept as the form's hidden fields.
    let mut hidden = String::new();
    for (key, value) in &tidy(answers, offered).0 {
        if !question.owns(key) {
            hidden.push_str(&hidden_field(key, value));
        }
    }
    hidden.push_str(&hidden_field(ANSWERING, question.slug()));
    if changing {
        hidden.push_str(&hidden_field(CHANGE, "yes"));
    }
    main.push(&Markup::trusted(hidden));
    let heading: String;
    match question {
        Question::Parent => {
            heading = "Are you the paying parent or the receiving parent?".to_owned();
            let chosen = answers.get("role");
            main.push(&html::radios(&Radios {
                name: "role",
                legend: &heading,
                legend_classes: Some("govuk-fieldset__legend--l"),
                legend_is_page_heading: true,
                hint: Some(
                    "The paying parent is the parent who does not have main day-to-day care of the children. The receiving parent is the one who does.",
                ),
                error: error_for("role"),
                items: &[
                    ("paying", "I am the paying parent", chosen == Some("paying")),
                    (
                        "receiving",
                        "I am the receiving parent",
                        chosen == Some("receiving"),
                    ),
                ],
                ..Radios::default()
            }));
        }
        Question::Benefits => {
            heading = format!("{} get any of these benefits?", who.does);
            let chosen = answers.all("benefit");
            let list = flat_rate_benefits(set);
            let names: Vec<String> = list.iter().map(|b| sentence_case(b.name())).collect();
            let mut items: Vec<CheckboxItem<'_>> = list
                .iter()
                .zip(&names)
                .map(|(benefit, name)| CheckboxItem::Item {
                    value: benefit.code(),
                    text: name,
                    checked: chosen.contains(&benefit.code()),
                    exclusive: false,
                })
                .collect();
            items.push(CheckboxItem::Divider("or"));
            items.push(CheckboxItem::Item {
                value: NO_BENEFIT,
                text: "None of these",
                checked: chosen.contains(&NO_BENEFIT),
                exclusive: true,
            });
            let hint = format!(
                "Select all that apply. Count only benefits paid to {}. Universal Credit counts here only if it is paid with no earned income.",
                who.object
            );
            main.push(&components::checkboxes(&Checkboxes {
                name: "benefit",
                legend: Some(&heading),
                legend_classes: Some("govuk-fieldset__legend--l"),
                legend_is_page_heading: true,
                hint: Some(&hint),
                error: error_for("benefit"),
                items: &items,
                ..Checkboxes::default()
            }));
        }
        Question::Income => {
            heading = format!("What is {} income before tax?", who.possessive);
            main.push(&Markup::trusted(format!(
                "<h1 class=\"govuk-heading-l\">{}</h1>\n",
                escape(&sentence_case(&heading))
            )));
            main.push(&html::paragraph(
                "Include earnings from work, profits from self-employment and pensions, before tax and National Insurance. Do not include Universal Credit, tax credits or Child Benefit.",
            ));
            main.push(&html::input(&Input {
                id: "income",
                name: "income",
                label: "Income before tax",
                label_classes: Some("govuk-label--s"),
                error: error_for("income"),
                value: answers.get("income").filter(|v| !v.is_empty()),
                classes: Some("govuk-input--width-10"),
                prefix: Some("£"),
                inputmode: Some("decimal"),
                ..Input::default()
            }));
            let period = answers.get("period");
            main.push(&html::radios(&Radios {
                name: "period",
                legend: "Is this for a week, a month or a year?",
                legend_classes: Some("govuk-fieldset__legend--s"),
                error: error_for("period"),
                classes: Some("govuk-radios--inline"),
                items: &[
                    ("week", "A week", period == Some("week")),
                    ("month", "A month", period == Some("month")),
                    ("year", "A year", period == Some("year")),
                ],
                ..Radios::default()
            }));
        }
        Question::Children => {
            heading = "How many children is the maintenance for?".to_owned();
            main.push(&html::input(&Input {
                id: "children",
                name: "children",
                label: &heading,
                label_classes: Some("govuk-label--l"),
                label_is_page_heading: true,
                hint: Some(
                    "Children under 16, or under 20 and in approved education or training, who live with the receiving parent.",
                ),
                error: error_for("children"),
                value: answers.get("children").filter(|v| !v.is_empty()),
                classes: Some("govuk-input--width-2"),
                inputmode: Some("numeric"),
                ..Input::default()
            }));
        }
        Question::Nights => {
            let count = children(answers).unwrap_or(1);
            heading = if count == 1 {
                format!(
                    "How many nights a year does the child stay with {}?",
                    who.object
                )
            } else {
                format!(
                    "How many nights a year does each child stay with {}?",
                    who.object
                )
            };
            let mut group = format!(
                "<div class=\"govuk-form-group\">\n<fieldset class=\"govuk-fieldset\" aria-describedby=\"nights-hint\">\n<legend class=\"govuk-fieldset__legend govuk-fieldset__legend--l\">\n<h1 class=\"govuk-fieldset__heading\">\n{}\n</h1>\n</legend>\n<div id=\"nights-hint\" class=\"govuk-hint\">\nCount the nights in a usual year, or the nights planned for the next 12 months. Enter 0 if they do not stay overnight.\n</div>\n",
                escape(&heading)
            );
            for (index, ordinal) in ORDINALS.iter().enumerate().take(count) {
                let field = format!("nights-{}", index + 1);
                let label = if count == 1 {
                    "Nights a year".to_owned()
                } else {
                    format!("{} child", sentence_case(ordinal))
                };
                group.push_str(
                    html::input(&Input {
                        id: &field,
                        name: &field,
                        label: &label,
                        label_classes: Some("govuk-label--s"),
                        error: error_for(&field),
                        value: answers.get(&field).filter(|v| !v.is_empty()),
                        classes: Some("govuk-input--width-3"),
                        suffix: Some("nights a year"),
                        inputmode: Some("numeric"),
                        ..Input::default()
                    })
                    .as_str(),
                );
                group.push('\n');
            }
            group.push_str("</fieldset>\n</div>\n");
            main.push(&Markup::trusted(group));
        }
        Question::OtherChildren => {
            heading = if who.subject == "you" {
                "How many other children do you support?".to_owned()
            } else {
                format!("How many other children does {} support?", who.subject)
            };
            let hint = format!(
                "Children who live with {} and who {} or a partner get Child Benefit for. Do not count the children this maintenance is for. Enter 0 if there are none.",
                who.object, who.subject
            );
            main.push(&html::input(&Input {
                id: "other-children",
                name: "other-children",
                label: &heading,
                label_classes: Some("govuk-label--l"),
                label_is_page_heading: true,
                hint: Some(&hint),
                error: error_for("other-children"),
                value: answers.get("other-children").filter(|v| !v.is_empty()),
                classes: Some("govuk-input--width-2"),
                inputmode: Some("numeric"),
                ..Input::default()
            }));
        }
    }
    main.push(&html::button(&Button {
        text: "Continue",
        ..Button::default()
    }));
    main.push(&Markup::trusted("</form>\n</div></div>\n".to_owned()));
    let heading = sentence_case(&heading);
    let title = if refusals.is_empty() {
        heading
    } else {
        format!("Error: {heading}")
    };
    respond(
        status,
        &Page {
            title: &title,
            exit_this_page: true,
            main,
        },
    )
}

fn hidden_field(name: &str, value: &str) -> String {
    format!(
        "<input type=\"hidden\" name=\"{}\" value=\"{}\">\n",
        escape(name),
        escape(value)
    )
}

/// A weekly amount as a monthly one: × 52 ÷ 12, to the penny, half up.
fn monthly(weekly: Pence) -> Pence {
    let pence = round_half_up_div(u128::from(weekly.get()) * 52, 12);
    Pence::new(u64::try_from(pence).unwrap_or(u64::MAX))
}

/// A fee rate as a percentage ("20%", "4%", "2.5%").
fn percent(ppm: u32) -> String {
    let whole = ppm / 10_000;
    let rest = ppm % 10_000;
    if rest == 0 {
        format!("{whole}%")
    } else {
        let decimals = format!("{rest:04}");
        format!("{whole}.{}%", decimals.trim_end_matches('0'))
    }
}

/// Everything the estimate needs, read from acceptable answers.
struct Estimate {
    role: Role,
    benefits: Vec<Benefit>,
    income: Option<(Period, Pence)>,
    nights: Vec<u16>,
    other_children: u16,
}

fn read_estimate(answers: &Answers, offered: BenefitSet) -> Option<Estimate> {
    let role = role(answers).ok()?;
    let who = words(Some(role));
    let benefits = benefits(answers, offered, &who).ok()?;
    let decided = !benefits.is_empty();
    Some(Estimate {
        role,
        income: if decided {
            None
        } else {
            Some(income(answers, &who).ok()?)
        },
        nights: nights(answers, &who).ok()?,
        other_children: if decided {
            0
        } else {
            other_children(answers, &who).ok()?
        },
        benefits,
    })
}

/// The calculation contract's request for these answers, on `date`.
fn contract_request(estimate: &Estimate, date: Date) -> Value {
    let mut paying_parent = serde_json::Map::new();
    match estimate.income {
        Some((Period::Week, weekly)) => {
            paying_parent.insert("gross_weekly_income_pence".into(), json!(weekly.get()));
        }
        Some((Period::Month, monthly)) => {
            // Twelve months make the year; the contract then divides by
            // 365 and multiplies by 7 as reg 35(1) does, rounding under
            // reg 6. (Checked against the cap in `income`.)
            paying_parent.insert(
                "annual_gross_income_pence".into(),
                json!(monthly.get() * 12),
            );
        }
        Some((Period::Year, annual)) => {
            paying_parent.insert("annual_gross_income_pence".into(), json!(annual.get()));
        }
        None => {}
    }
    if !estimate.benefits.is_empty() {
        paying_parent.insert(
            "benefits".into(),
            json!(
                estimate
                    .benefits
                    .iter()
                    .map(|b| b.code())
                    .collect::<Vec<_>>()
            ),
        );
    }
    paying_parent.insert(
        "relevant_other_children".into(),
        json!(estimate.other_children),
    );
    json!({
        "date": date.to_string(),
        "paying_parent": paying_parent,
        "receiving_parents": [{
            "id": "A",
            "children": estimate
                .nights
                .iter()
                .map(|n| json!({"shared_care_nights": n}))
                .collect::<Vec<_>>(),
        }],
    })
}

#[allow(clippy::too_many_lines)]
fn estimate(
    state: &AppState,
    today: Date,
    set: &ParameterSet,
    answers: &Answers,
    offered: BenefitSet,
) -> Response {
    let Some(estimate) = read_estimate(answers, offered) else {
        return see_other(FIRST_QUESTION);
    };
    let request = contract_request(&estimate, today);
    // The function `POST /api/v1/calculations` answers with.
    let (answer, calculated) = calculation_json::answer_value(&request, state.parameters);
    if !calculated {
        let message = answer["error"]["message"]
            .as_str()
            .unwrap_or("these answers cannot be worked out");
        return message_page(
            StatusCode::UNPROCESSABLE_ENTITY,
            "We cannot work out an estimate from these answers",
            &format!("The calculation said: {message}."),
        );
    }
    let who = words(Some(estimate.role));
    let weekly = Pence::new(answer["weekly_total_pence"].as_u64().unwrap_or(0));
    let month = monthly(weekly);
    let title = "Your child maintenance estimate";
    let mut main = components::back_link(&back_address(None, answers, offered), "Back");
    main.push(&Markup::trusted(format!(
        "\n<div class=\"govuk-grid-row\"><div class=\"govuk-grid-column-two-thirds\">\n<h1 class=\"govuk-heading-l\">{title}</h1>\n"
    )));
    let payer = match estimate.role {
        Role::Paying => "You would pay".to_owned(),
        Role::Receiving => "The other parent would pay".to_owned(),
    };
    let headline = if weekly == Pence::ZERO {
        format!(
            "<p class=\"govuk-body-l\">{} nothing: <strong id=\"weekly-amount\">{} a week</strong>.</p>\n<p class=\"govuk-body\">No child maintenance would be due (<strong id=\"monthly-amount\">{} a month</strong>).</p>",
            escape(&payer),
            escape(&weekly.to_string()),
            escape(&month.to_string())
        )
    } else {
        format!(
            "<p class=\"govuk-body-l\">{} about <strong id=\"weekly-amount\">{} a week</strong>.</p>\n<p class=\"govuk-body\">That is about <strong id=\"monthly-amount\">{} a month</strong>.</p>",
            escape(&payer),
            escape(&weekly.to_string()),
            escape(&month.to_string())
        )
    };
    main.push(&components::inset_text(&Markup::trusted(headline)));
    let effective = answer["parameters_effective_from"]
        .as_str()
        .and_then(|d| Date::parse_iso(d).ok());
    main.push(&html::paragraph(&format!(
        "This is an estimate, not a decision. If you apply, the Child Maintenance Service works out the amount from the information it gets, including the paying parent's income from HM Revenue and Customs. The estimate uses the rules in force on {}{}.",
        crate::html::long_date(today),
        effective.map_or_else(String::new, |d| format!(
            " (the rates set from {})",
            crate::html::long_date(d)
        ))
    )));
    // Collect and Pay's fees, from the contract's own answer.
    let fees = &answer["collection_fees"];
    if let (Some(paying_fee), Some(receiving_fee)) = (
        fees["paying_parent_weekly_pence"].as_u64(),
        fees["receiving_parents"][0]["weekly_amount_pence"].as_u64(),
    ) && weekly > Pence::ZERO
    {
        let paying_fee = Pence::new(paying_fee);
        let receiving_fee = Pence::new(receiving_fee);
        let paid = Pence::new(weekly.get() + paying_fee.get());
        let received = weekly.saturating_sub(receiving_fee);
        let rates = set.collection_fees.map(|f| {
            (
                percent(f.paying_parent.get()),
                percent(f.receiving_parent.get()),
            )
        });
        let (paying_rate, receiving_rate) = rates.map_or_else(
            || (String::new(), String::new()),
            |(p, r)| (format!(" ({p} of the amount)"), format!(" ({r})")),
        );
        let mut fees_html = String::from(
            "<h2 class=\"govuk-heading-m\">If the Child Maintenance Service collects the payments</h2>\n",
        );
        fees_html.push_str(
            html::paragraph(
                "With Collect and Pay, the service collects the payments from the paying parent and passes them on. There are fees:",
            )
            .as_str(),
        );
        fees_html.push_str(&format!(
            "<ul class=\"govuk-list govuk-list--bullet\">\n<li>the paying parent pays a fee of {} a week on top{}, so {} a week in all (about {} a month)</li>\n<li>the receiving parent gets {} a week (about {} a month), after a fee of {} a week{}</li>\n</ul>\n",
            escape(&paying_fee.to_string()),
            escape(&paying_rate),
            escape(&paid.to_string()),
            escape(&monthly(paid).to_string()),
            escape(&received.to_string()),
            escape(&monthly(received).to_string()),
            escape(&receiving_fee.to_string()),
            escape(&receiving_rate),
        ));
        if set.direct_pay_available {
            fees_html.push_str(
                html::paragraph(
                    "With Direct Pay, the parents arrange the payments between themselves and there are no collection fees.",
                )
                .as_str(),
            );
        }
        main.push(&Markup::trusted(fees_html));
    }
    // How this was worked out: each step's words and its rule.
    let mut steps: Vec<(String, String)> = Vec::new();
    if let Some((Period::Month, amount)) = estimate.income {
        steps.push((
            format!(
                "An income of {amount} a month is {} a year (12 months).",
                Pence::new(amount.get() * 12)
            ),
            "12 months make a year; the year is then made weekly under the Child Support Maintenance Calculation Regulations 2012 reg 35(1) and reg 6".to_owned(),
        ));
    }
    for step in answer["explanation"].as_array().into_iter().flatten() {
        steps.push((
            step["text"].as_str().unwrap_or("").to_owned(),
            step["rule"].as_str().unwrap_or("").to_owned(),
        ));
    }
    steps.push((
        format!(
            "{weekly} a week is about {month} a month (multiplied by 52 weeks, divided by 12 months and rounded to the nearest penny)."
        ),
        "the law sets a weekly amount (Child Support Act 1991 Sch 1 para 1(2)); the monthly figure is for reading only".to_owned(),
    ));
    let mut worked = explanation_list(steps.iter().map(|(t, r)| (t.as_str(), r.as_str())));
    if let Some(effective) = effective {
        worked.push(&html::paragraph(&format!(
            "Worked out with the rules in force from {} (parameter fingerprint {}).",
            crate::html::long_date(effective),
            // The version is the set's first day (shown above as a date)
            // and the fingerprint of its files.
            answer["parameters"]
                .as_str()
                .and_then(|v| v.split_once('+'))
                .map_or("", |(_, fingerprint)| fingerprint)
        )));
    }
    main.push(&components::details("How this was worked out", &worked));
    // The answers, each with a way to change it.
    main.push(&Markup::trusted(
        "<h2 class=\"govuk-heading-m\">Your answers</h2>\n".to_owned(),
    ));
    let change = |question: Question, hidden: &str| {
        let mut with_change = answers.clone();
        with_change.0.push((CHANGE.to_owned(), "yes".to_owned()));
        Some(RowAction {
            href: address(question.slug(), &with_change),
            text: "Change".to_owned(),
            visually_hidden: Some(hidden.to_owned()),
        })
    };
    let mut rows = vec![(
        "You are".to_owned(),
        html::text(match estimate.role {
            Role::Paying => "The paying parent",
            Role::Receiving => "The receiving parent",
        }),
        change(
            Question::Parent,
            "whether you are the paying or receiving parent",
        ),
    )];
    let benefit_words = if estimate.benefits.is_empty() {
        html::text("None of these")
    } else {
        let mut list = String::from("<ul class=\"govuk-list\">\n");
        for benefit in &estimate.benefits {
            list.push_str(&format!(
                "<li>{}</li>\n",
                escape(&sentence_case(benefit.name()))
            ));
        }
        list.push_str("</ul>");
        Markup::trusted(list)
    };
    rows.push((
        match estimate.role {
            Role::Paying => "Benefits you get".to_owned(),
            Role::Receiving => "Benefits the other parent gets".to_owned(),
        },
        benefit_words,
        change(Question::Benefits, "benefits"),
    ));
    if let Some((period, amount)) = estimate.income {
        rows.push((
            "Income before tax".to_owned(),
            html::text(&format!("{amount} a {}", period.word())),
            change(Question::Income, "income before tax"),
        ));
    }
    rows.push((
        "Children".to_owned(),
        html::text(&estimate.nights.len().to_string()),
        change(Question::Children, "number of children"),
    ));
    let nights_words = if estimate.nights.len() == 1 {
        html::text(&format!("{} nights a year", estimate.nights[0]))
    } else {
        let mut list = String::from("<ul class=\"govuk-list\">\n");
        for (ordinal, n) in ORDINALS.iter().zip(&estimate.nights) {
            list.push_str(&format!(
                "<li>{} child: {n} nights a year</li>\n",
                escape(&sentence_case(ordinal))
            ));
        }
        list.push_str("</ul>");
        Markup::trusted(list)
    };
    rows.push((
        format!("Nights with {}", who.object),
        nights_words,
        change(Question::Nights, "nights"),
    ));
    if estimate.income.is_some() {
        rows.push((
            "Other children supported".to_owned(),
            html::text(&estimate.other_children.to_string()),
            change(Question::OtherChildren, "other children supported"),
        ));
    }
    main.push(&components::summary_list_with_actions(&rows));
    main.push(&Markup::trusted(
        "<p class=\"govuk-body\"><a class=\"govuk-link\" href=\"/calculator\">Start again</a></p>\n<p class=\"govuk-body\"><a class=\"govuk-link\" href=\"/\">Find out how to arrange child maintenance</a></p>\n</div></div>\n"
            .to_owned(),
    ));
    respond(
        StatusCode::OK,
        &Page {
            title,
            exit_this_page: true,
            main,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monthly_is_fifty_two_weeks_over_twelve_months_to_the_penny() {
        assert_eq!(monthly(Pence::new(700)).to_string(), "£30.33");
        assert_eq!(monthly(Pence::new(6_254)).to_string(), "£271.01");
        assert_eq!(monthly(Pence::ZERO), Pence::ZERO);
    }

    #[test]
    fn fee_rates_read_as_percentages() {
        assert_eq!(percent(200_000), "20%");
        assert_eq!(percent(40_000), "4%");
        assert_eq!(percent(25_000), "2.5%");
    }

    #[test]
    fn dates_read_as_govuk_writes_them() {
        assert_eq!(
            crate::html::long_date(Date::parse_iso("2024-02-26").unwrap()),
            "26 February 2024"
        );
    }

    #[test]
    fn universal_credit_with_no_earned_income_is_offered_first() {
        let set = legal_parameters::Parameters::embedded()
            .at(Date::parse_iso("2026-06-01").unwrap())
            .unwrap();
        let list = flat_rate_benefits(set);
        assert_eq!(list[0], Benefit::UniversalCreditNoEarnedIncome);
        assert!(list.contains(&Benefit::IncomeSupport));
        assert!(list.contains(&Benefit::ContributoryEsa));
        assert!(!list.contains(&Benefit::WorkBasedTrainingAllowance));
    }
}
