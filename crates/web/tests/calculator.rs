//! The public calculator's question pages (issue 15), walked in-process as
//! a browser would: each page's form is read (its action and hidden
//! fields), the answer added, the form sent by `GET`, and the `303` to the
//! next page followed. The estimate must equal `POST /api/v1/calculations`
//! for the same answers, on generated answers (a property test) and on the
//! issue's own finding (Universal Credit with no earnings: the £7 flat rate).

use axum::http::StatusCode;
use legal_parameters::{Benefit, Parameters};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Value, json};

mod common;

use common::{call, state_named};

/// The day the test clock says it is.
const TODAY: &str = "2026-06-01";

/// Answers as a person gives them.
#[derive(Clone, Debug)]
struct Answers {
    paying: bool,
    /// Benefit codes; empty for "None of these".
    benefits: Vec<&'static str>,
    /// "week", "month" or "year".
    period: &'static str,
    amount_pence: u64,
    /// Typed as `£1,234.56` rather than `1234.56`.
    typed_as_shown: bool,
    nights: Vec<u16>,
    other_children: u16,
}

impl Answers {
    fn typed_amount(&self) -> String {
        if self.typed_as_shown {
            domain_types::Pence::new(self.amount_pence).to_string()
        } else {
            format!("{}.{:02}", self.amount_pence / 100, self.amount_pence % 100)
        }
    }

    /// The fields a page asks for.
    fn fields_for(&self, path: &str) -> Vec<(String, String)> {
        let one = |k: &str, v: String| vec![(k.to_owned(), v)];
        match path {
            "/calculator/parent" => one(
                "role",
                if self.paying { "paying" } else { "receiving" }.to_owned(),
            ),
            "/calculator/benefits" if self.benefits.is_empty() => one("benefit", "none".to_owned()),
            "/calculator/benefits" => self
                .benefits
                .iter()
                .map(|b| ("benefit".to_owned(), (*b).to_owned()))
                .collect(),
            "/calculator/income" => vec![
                ("income".to_owned(), self.typed_amount()),
                ("period".to_owned(), self.period.to_owned()),
            ],
            "/calculator/children" => one("children", self.nights.len().to_string()),
            "/calculator/nights" => self
                .nights
                .iter()
                .enumerate()
                .map(|(i, n)| (format!("nights-{}", i + 1), n.to_string()))
                .collect(),
            "/calculator/other-children" => one("other-children", self.other_children.to_string()),
            other => panic!("no answer for {other}"),
        }
    }

    /// The same answers as the calculation contract's request: income and
    /// other children given even where a benefit decides, so the contract
    /// shows the pages were right not to ask.
    fn contract_request(&self) -> Value {
        let mut paying_parent = serde_json::Map::new();
        match self.period {
            "week" => {
                paying_parent.insert("gross_weekly_income_pence".into(), json!(self.amount_pence));
            }
            "month" => {
                paying_parent.insert(
                    "annual_gross_income_pence".into(),
                    json!(self.amount_pence * 12),
                );
            }
            _ => {
                paying_parent.insert("annual_gross_income_pence".into(), json!(self.amount_pence));
            }
        }
        paying_parent.insert("benefits".into(), json!(self.benefits));
        paying_parent.insert("relevant_other_children".into(), json!(self.other_children));
        json!({
            "date": TODAY,
            "paying_parent": paying_parent,
            "receiving_parents": [{"id": "A", "children":
                self.nights.iter().map(|n| json!({"shared_care_nights": n})).collect::<Vec<_>>()}],
        })
    }
}

fn unescape(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The value of `attribute` in the tag `tag` (its text, from `<` to `>`).
fn attribute(tag: &str, attribute: &str) -> Option<String> {
    let start = tag.find(&format!(" {attribute}=\""))? + attribute.len() + 3;
    let end = tag[start..].find('"')? + start;
    Some(unescape(&tag[start..end]))
}

/// The page's form: its action and hidden fields.
fn form(page: &str) -> (String, Vec<(String, String)>) {
    let start = page.find("<form ").expect("a form");
    let end = page[start..].find("</form>").unwrap() + start;
    let form = &page[start..end];
    let head = &form[..form.find('>').unwrap()];
    assert_eq!(attribute(head, "method").as_deref(), Some("get"), "{head}");
    let action = attribute(head, "action").unwrap();
    let mut hidden = Vec::new();
    for piece in form.split("<input ").skip(1) {
        let tag = format!(" {}", &piece[..piece.find('>').unwrap()]);
        let tag = tag.as_str();
        if attribute(tag, "type").as_deref() == Some("hidden") {
            hidden.push((
                attribute(tag, "name").unwrap(),
                attribute(tag, "value").unwrap(),
            ));
        }
    }
    (action, hidden)
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn title(page: &str) -> String {
    let start = page.find("<title>").unwrap() + 7;
    let end = page.find("</title>").unwrap();
    unescape(&page[start..end])
}

/// One page reached: its address, status and HTML.
struct Reached {
    path: String,
    status: StatusCode,
    page: String,
}

/// `GET` `address`, following `303`s; every page reached.
async fn get(state: &web::AppState, address: &str, trail: &mut Vec<Reached>) -> Reached {
    let mut address = address.to_owned();
    for _ in 0..10 {
        let (status, page, headers) = call(state, "GET", &address, &[], "").await;
        if status == StatusCode::SEE_OTHER {
            address = header(&headers, "location").unwrap().to_owned();
            continue;
        }
        assert_eq!(
            header(&headers, "cache-control"),
            Some("no-store"),
            "{address}"
        );
        let path = address.split('?').next().unwrap().to_owned();
        trail.push(Reached {
            path: path.clone(),
            status,
            page: page.clone(),
        });
        return Reached { path, status, page };
    }
    panic!("redirected round in circles from {address}");
}

/// Sends the form on `page` with `fields` added, as a browser does.
async fn submit(
    state: &web::AppState,
    page: &str,
    fields: &[(String, String)],
    trail: &mut Vec<Reached>,
) -> Reached {
    let (action, mut pairs) = form(page);
    pairs.extend(fields.iter().cloned());
    let query = serde_urlencoded::to_string(&pairs).unwrap();
    get(state, &format!("{action}?{query}"), trail).await
}

/// Walks the calculator from the start page's address to the estimate.
async fn walk(state: &web::AppState, answers: &Answers) -> (Reached, Vec<Reached>) {
    let mut trail = Vec::new();
    let mut here = get(state, "/calculator", &mut trail).await;
    for _ in 0..10 {
        assert_eq!(here.status, StatusCode::OK, "{}: {}", here.path, here.page);
        if here.path == "/calculator/estimate" {
            return (here, trail);
        }
        let fields = answers.fields_for(&here.path);
        here = submit(state, &here.page, &fields, &mut trail).await;
    }
    panic!("the estimate was never reached");
}

/// `£1,234.56` as pence.
fn pence(shown: &str) -> u64 {
    let digits: String = shown.chars().filter(char::is_ascii_digit).collect();
    digits.parse().unwrap()
}

/// The amount the estimate shows in the element with `id`.
fn shown(page: &str, id: &str) -> u64 {
    let marker = format!("id=\"{id}\">");
    let start = page
        .find(&marker)
        .unwrap_or_else(|| panic!("no {id}: {page}"))
        + marker.len();
    let end = page[start..].find(" a ").unwrap() + start;
    pence(&page[start..end])
}

async fn api(state: &web::AppState, request: &Value) -> Value {
    let (status, body, _) = call(
        state,
        "POST",
        "/api/v1/calculations",
        &[("content-type", "application/json")],
        &request.to_string(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    serde_json::from_str(&body).unwrap()
}

fn plain(paying: bool) -> Answers {
    Answers {
        paying,
        benefits: Vec::new(),
        period: "week",
        amount_pence: 51_781,
        typed_as_shown: false,
        nights: vec![104, 104, 104],
        other_children: 1,
    }
}

#[tokio::test]
async fn the_old_calculator_address_goes_to_the_first_question() {
    let state = state_named("calculator-start").await;
    for method in ["GET", "POST"] {
        let (status, _, headers) = call(&state, method, "/calculator", &[], "").await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{method}");
        assert_eq!(header(&headers, "location"), Some("/calculator/parent"));
    }
    // The start page still links to it.
    let (_, start, _) = call(&state, "GET", "/", &[], "").await;
    assert!(start.contains("href=\"/calculator\""));
}

#[tokio::test]
async fn every_page_has_its_own_title_a_back_link_and_the_exit_button() {
    let state = state_named("calculator-pages").await;
    let (estimate, trail) = walk(&state, &plain(true)).await;
    let paths: Vec<&str> = trail.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "/calculator/parent",
            "/calculator/benefits",
            "/calculator/income",
            "/calculator/children",
            "/calculator/nights",
            "/calculator/other-children",
            "/calculator/estimate",
        ]
    );
    let titles: Vec<String> = trail.iter().map(|r| title(&r.page)).collect();
    for (i, t) in titles.iter().enumerate() {
        assert!(t.ends_with(" – Child maintenance"), "{t}");
        assert!(
            !titles[..i].contains(t),
            "the title {t} is on two pages: {titles:?}"
        );
    }
    assert_eq!(
        titles[0],
        "Are you the paying parent or the receiving parent? – Child maintenance"
    );
    assert_eq!(
        titles[1],
        "Do you get any of these benefits? – Child maintenance"
    );
    assert_eq!(
        titles[2],
        "What is your income before tax? – Child maintenance"
    );
    assert_eq!(
        titles[4],
        "How many nights a year does each child stay with you? – Child maintenance"
    );
    assert_eq!(
        titles[6],
        "Your child maintenance estimate – Child maintenance"
    );
    for reached in &trail {
        assert!(
            reached.page.contains("class=\"govuk-back-link\""),
            "{}",
            reached.path
        );
        assert!(
            reached.page.contains("govuk-exit-this-page"),
            "{}",
            reached.path
        );
        assert!(!reached.page.contains("<script>") && !reached.page.contains("style="));
    }
    // The first question goes back to the start page; each later one to the
    // one before, with the answers so far (so it shows them again).
    assert!(
        trail[0]
            .page
            .contains("<a href=\"/\" class=\"govuk-back-link\">")
    );
    assert!(trail[2].page.contains(
        "<a href=\"/calculator/benefits?role=paying&amp;benefit=none\" class=\"govuk-back-link\">"
    ));
    // The estimate: not a green confirmation panel.
    assert!(!estimate.page.contains("govuk-panel"));
    assert!(estimate.page.contains("govuk-inset-text"));
}

#[tokio::test]
async fn the_receiving_parent_is_asked_about_the_other_parent() {
    let state = state_named("calculator-receiving").await;
    let (estimate, trail) = walk(&state, &plain(false)).await;
    let titles: Vec<String> = trail.iter().map(|r| title(&r.page)).collect();
    assert!(titles.contains(
        &"Does the other parent get any of these benefits? – Child maintenance".to_owned()
    ));
    assert!(
        titles.contains(
            &"What is the other parent's income before tax? – Child maintenance".to_owned()
        )
    );
    assert!(estimate.page.contains("The other parent would pay about"));
}

#[tokio::test]
async fn the_estimate_is_the_contracts_with_fees_a_monthly_figure_and_the_law_folded_away() {
    let state = state_named("calculator-estimate").await;
    let answers = plain(true);
    let (estimate, _) = walk(&state, &answers).await;
    let page = &estimate.page;
    let answer = api(&state, &answers.contract_request()).await;
    let weekly = answer["weekly_total_pence"].as_u64().unwrap();
    // The README's worked example.
    assert_eq!(weekly, 6_254);
    assert!(
        page.contains("<strong id=\"weekly-amount\">£62.54 a week</strong>"),
        "{page}"
    );
    assert_eq!(shown(page, "monthly-amount"), (6_254 * 52 + 6) / 12);
    assert!(page.contains("£271.01 a month"));
    // Collect and Pay's fees, from the contract's answer.
    let fee = answer["collection_fees"]["paying_parent_weekly_pence"]
        .as_u64()
        .unwrap();
    let deducted = answer["collection_fees"]["receiving_parents"][0]["weekly_amount_pence"]
        .as_u64()
        .unwrap();
    let money = |p: u64| domain_types::Pence::new(p).to_string();
    assert!(
        page.contains(&format!(
            "a fee of {} a week on top (20% of the amount)",
            money(fee)
        )),
        "{page}"
    );
    assert!(page.contains(&format!("so {} a week in all", money(weekly + fee))));
    assert!(page.contains(&format!("gets {} a week", money(weekly - deducted))));
    assert!(page.contains(&format!("after a fee of {} a week (4%)", money(deducted))));
    assert!(page.contains("no collection fees"));
    // Every step of the explanation and its rule, in a details component.
    let details = &page[page.find("<details class=\"govuk-details\">").unwrap()..];
    assert!(details.contains("How this was worked out"));
    for step in answer["explanation"].as_array().unwrap() {
        let text = step["text"].as_str().unwrap().replace('\'', "&#39;");
        assert!(details.contains(&text), "step {text}");
        let rule = step["rule"].as_str().unwrap().replace('\'', "&#39;");
        assert!(details.contains(&rule), "rule {rule}");
    }
    // Dates as GOV.UK writes them, never ISO.
    assert!(page.contains("the rules in force on 1 June 2026"));
    assert!(!page.contains("2024-") && !page.contains("2025-") && !page.contains(TODAY));
    // Each answer can be changed.
    assert_eq!(
        page.matches(">Change<span class=\"govuk-visually-hidden\">")
            .count(),
        6
    );
}

#[tokio::test]
async fn universal_credit_with_no_earnings_gets_the_flat_rate_on_the_pages_as_in_the_api() {
    // The finding of issue 15: a paying parent on Universal Credit with no
    // earned income who has £0 income was told £0.00 (nil rate).
    let state = state_named("calculator-uc").await;
    let answers = Answers {
        paying: true,
        benefits: vec!["universal_credit_no_earned_income"],
        period: "week",
        amount_pence: 0,
        typed_as_shown: false,
        nights: vec![0],
        other_children: 0,
    };
    let (estimate, trail) = walk(&state, &answers).await;
    // A benefit decides: income and other children are not asked.
    let paths: Vec<&str> = trail.iter().map(|r| r.path.as_str()).collect();
    assert!(
        !paths.contains(&"/calculator/income") && !paths.contains(&"/calculator/other-children")
    );
    let answer = api(&state, &answers.contract_request()).await;
    assert_eq!(answer["weekly_total_pence"], 700);
    assert_eq!(answer["rate"], "flat");
    assert_eq!(shown(&estimate.page, "weekly-amount"), 700);
    assert!(estimate.page.contains("£7.00 a week"));
    assert!(
        estimate
            .page
            .contains("Universal Credit with no earned income")
    );
    // Without the benefit, £0 is the nil rate on both.
    let none = Answers {
        benefits: Vec::new(),
        ..answers
    };
    let (estimate, _) = walk(&state, &none).await;
    assert_eq!(shown(&estimate.page, "weekly-amount"), 0);
    assert_eq!(
        api(&state, &none.contract_request()).await["weekly_total_pence"],
        0
    );
}

#[tokio::test]
async fn a_monthly_income_is_twelve_months_made_weekly_as_the_contract_does() {
    let state = state_named("calculator-monthly").await;
    let answers = Answers {
        period: "month",
        amount_pence: 200_000,
        typed_as_shown: true,
        nights: vec![0, 156],
        ..plain(true)
    };
    let (estimate, _) = walk(&state, &answers).await;
    let answer = api(&state, &answers.contract_request()).await;
    assert_eq!(
        shown(&estimate.page, "weekly-amount"),
        answer["weekly_total_pence"].as_u64().unwrap()
    );
    assert!(
        estimate
            .page
            .contains("An income of £2,000.00 a month is £24,000.00 a year (12 months).")
    );
    // reg 35(1): £24,000 ÷ 365 × 7 = £460.27 to the penny.
    assert!(
        estimate
            .page
            .contains("£24,000.00 a year is £460.27 a week")
    );
    assert!(estimate.page.contains("£2,000.00 a month"));
    assert!(estimate.page.contains("Second child: 156 nights a year"));
}

#[tokio::test]
async fn a_refused_answer_shows_the_error_summary_and_keeps_what_was_typed() {
    let state = state_named("calculator-errors").await;
    let mut trail = Vec::new();
    let (status, page, _) = call(
        &state,
        "GET",
        "/calculator/income?role=paying&benefit=none&answering=income&income=%3Cb%3Elots",
        &[],
        "",
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        title(&page),
        "Error: What is your income before tax? – Child maintenance"
    );
    assert!(page.contains("govuk-error-summary"));
    assert!(page.contains(
        "<a href=\"#income\">Income before tax must be an amount of money, like 600 or 2,450.50</a>"
    ));
    assert!(page.contains(
        "<a href=\"#period\">Select whether the income is for a week, a month or a year</a>"
    ));
    assert!(page.contains("id=\"income-error\"") && page.contains("id=\"period-error\""));
    assert!(page.contains("value=\"&lt;b&gt;lots\"") && !page.contains("<b>lots"));
    // The earlier answers are still there: put right, the journey goes on.
    let next = submit(
        &state,
        &page,
        &[
            ("income".to_owned(), "600".to_owned()),
            ("period".to_owned(), "week".to_owned()),
        ],
        &mut trail,
    )
    .await;
    assert_eq!(next.path, "/calculator/children");
    // "None of these" with a benefit is refused; so is nothing at all.
    for query in ["benefit=none&benefit=income_support", ""] {
        let (status, page, _) = call(
            &state,
            "GET",
            &format!("/calculator/benefits?role=receiving&answering=benefits&{query}"),
            &[],
            "",
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        assert!(page.contains("<a href=\"#benefit\">"), "{query}");
    }
    // Each child's nights are checked on their own.
    let (status, page, _) = call(
        &state,
        "GET",
        "/calculator/nights?role=paying&benefit=none&income=600&period=week&children=2&answering=nights&nights-1=400&nights-2=",
        &[],
        "",
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains(
        "<a href=\"#nights-1\">Nights for the first child must be a whole number from 0 to 366</a>"
    ));
    assert!(page.contains("<a href=\"#nights-2\">Enter how many nights a year the second child stays with you, or 0</a>"));
}

#[tokio::test]
async fn an_address_cut_short_asks_the_first_question_not_yet_answered() {
    let state = state_named("calculator-skip").await;
    for (address, first) in [
        ("/calculator/estimate", "/calculator/parent"),
        (
            "/calculator/nights?role=paying",
            "/calculator/benefits?role=paying",
        ),
        (
            "/calculator/other-children?role=paying&benefit=none&income=1&period=week&children=2&nights-1=0",
            "/calculator/nights?role=paying&benefit=none&income=1&period=week&children=2&nights-1=0",
        ),
        // A benefit decides: income is not asked.
        (
            "/calculator/income?role=paying&benefit=income_support",
            "/calculator/children?role=paying&benefit=income_support",
        ),
    ] {
        let (status, _, headers) = call(&state, "GET", address, &[], "").await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{address}");
        assert_eq!(header(&headers, "location"), Some(first), "{address}");
    }
    let (status, _, _) = call(&state, "GET", "/calculator/no-such-question", &[], "").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_change_from_the_estimate_comes_back_to_it() {
    let state = state_named("calculator-change").await;
    let answers = Answers {
        nights: vec![0, 52],
        ..plain(true)
    };
    let (estimate, _) = walk(&state, &answers).await;
    let page = &estimate.page;
    let link_end = page
        .find(">Change<span class=\"govuk-visually-hidden\"> number of children")
        .unwrap();
    let link_start = page[..link_end].rfind("href=\"").unwrap() + 6;
    let href = unescape(&page[link_start..link_end - 1]);
    let mut trail = Vec::new();
    let children = get(&state, &href, &mut trail).await;
    assert_eq!(children.path, "/calculator/children");
    assert!(
        children.page.contains("value=\"2\""),
        "the answer is shown again"
    );
    // A third child: the nights page asks for the one missing, then back to the estimate.
    let nights = submit(
        &state,
        &children.page,
        &[("children".to_owned(), "3".to_owned())],
        &mut trail,
    )
    .await;
    assert_eq!(nights.path, "/calculator/nights");
    assert!(nights.page.contains("value=\"52\""));
    let back = submit(
        &state,
        &nights.page,
        &[
            ("nights-1".to_owned(), "0".to_owned()),
            ("nights-2".to_owned(), "52".to_owned()),
            ("nights-3".to_owned(), "200".to_owned()),
        ],
        &mut trail,
    )
    .await;
    assert_eq!(back.path, "/calculator/estimate");
    let three = Answers {
        nights: vec![0, 52, 200],
        ..answers
    };
    let answer = api(&state, &three.contract_request()).await;
    assert_eq!(
        shown(&back.page, "weekly-amount"),
        answer["weekly_total_pence"].as_u64().unwrap()
    );
}

fn generated() -> impl Strategy<Value = Answers> {
    let day = domain_types::Date::parse_iso(TODAY).unwrap();
    let set = Parameters::embedded().at(day).unwrap();
    let offered: Vec<&'static str> = set
        .flat_rate_own_or_partner_benefits
        .union(set.flat_rate_own_benefits)
        .iter()
        .map(Benefit::code)
        .collect();
    (
        any::<bool>(),
        prop_oneof![
            3 => Just(Vec::new()),
            1 => proptest::sample::subsequence(offered, 1..=2),
        ],
        prop_oneof![Just("week"), Just("month"), Just("year")],
        prop_oneof![0..=100_000u64, 0..=30_000_000u64],
        any::<bool>(),
        proptest::collection::vec(prop_oneof![Just(0u16), 0..=366u16, 100..=200u16], 1..=4),
        0..=4u16,
    )
        .prop_map(
            |(paying, benefits, period, amount_pence, typed_as_shown, nights, other_children)| {
                Answers {
                    paying,
                    benefits,
                    period,
                    amount_pence,
                    typed_as_shown,
                    nights,
                    other_children,
                }
            },
        )
}

#[test]
fn the_pages_and_the_api_agree_on_generated_answers() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let state = runtime.block_on(state_named("calculator-agree"));
    let mut runner = TestRunner::new(Config {
        cases: 64,
        ..Config::default()
    });
    runner
        .run(&generated(), |answers| {
            let (pages, api_weekly, monthly) = runtime.block_on(async {
                let (estimate, _) = walk(&state, &answers).await;
                let answer = api(&state, &answers.contract_request()).await;
                (
                    shown(&estimate.page, "weekly-amount"),
                    answer["weekly_total_pence"].as_u64().unwrap(),
                    shown(&estimate.page, "monthly-amount"),
                )
            });
            prop_assert_eq!(pages, api_weekly, "{:?}", answers);
            prop_assert_eq!(monthly, (api_weekly * 52 + 6) / 12);
            Ok(())
        })
        .unwrap();
}
