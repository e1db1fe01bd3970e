//! The GOV.UK patterns on every page (issue 15) and the danger journey of
//! the application (issue 14), over HTTP as a browser meets them: unique,
//! accurate titles and the neutral mode a survivor can choose; the frame
//! (phase banner, service navigation with "Sign out", the 404 and 500
//! pages, the session ending and the next page saying so); and the
//! application: post-redirect-get at every step, back links, answers kept,
//! the address pattern, "Check your answers" with every answer, and, in
//! immediate danger, the optional number and place for the police.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use axum::http::StatusCode;
use domain_types::Date;
use web::{AppState, Environment, hash_password};

#[macro_use]
mod common;

use common::{bearer, call, open_case_with_parties, state_named};

/// A clock that can be moved on, for the idle timeout.
struct Movable(AtomicI64, AtomicU64);

impl Environment for Movable {
    fn now_unix_seconds(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
    fn today(&self) -> Date {
        Date::parse_iso("2026-06-01").unwrap()
    }
    fn random_u64(&self) -> u64 {
        self.1.fetch_add(1, Ordering::SeqCst)
    }
}

/// An answer as the browser got it.
struct Answer {
    status: StatusCode,
    page: String,
    location: Option<String>,
    content_type: String,
}

/// A browser: its cookies, kept as `Set-Cookie` says.
struct Browser {
    state: AppState,
    cookies: BTreeMap<String, String>,
}

impl Browser {
    fn new(state: &AppState) -> Browser {
        Browser {
            state: state.clone(),
            cookies: BTreeMap::new(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn keep(&mut self, headers: &[(String, String)]) -> Answer {
        for (name, value) in headers {
            if name != "set-cookie" {
                continue;
            }
            let pair = value.split(';').next().unwrap();
            let (k, v) = pair.split_once('=').unwrap();
            if v.is_empty() || value.contains("Max-Age=0") {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_owned(), v.to_owned());
            }
        }
        let get = |n: &str| headers.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
        Answer {
            status: StatusCode::OK,
            page: String::new(),
            location: get("location"),
            content_type: get("content-type").unwrap_or_default(),
        }
    }

    async fn get(&mut self, path: &str) -> Answer {
        let cookie = self.cookie_header();
        let (status, page, headers) =
            call(&self.state, "GET", path, &[("cookie", &cookie)], "").await;
        let mut answer = self.keep(&headers);
        answer.status = status;
        answer.page = page;
        answer
    }

    async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Answer {
        let cookie = self.cookie_header();
        let body = serde_urlencoded::to_string(fields).unwrap();
        let (status, page, headers) = call(
            &self.state,
            "POST",
            path,
            &[
                ("cookie", &cookie),
                ("content-type", "application/x-www-form-urlencoded"),
                ("sec-fetch-site", "same-origin"),
            ],
            &body,
        )
        .await;
        let mut answer = self.keep(&headers);
        answer.status = status;
        answer.page = page;
        answer
    }

    /// Follows redirects, as a browser does, to the page at the end.
    async fn follow(&mut self, mut answer: Answer) -> Answer {
        for _ in 0..5 {
            if answer.status != StatusCode::SEE_OTHER {
                return answer;
            }
            let to = answer.location.clone().unwrap();
            answer = self.get(&to).await;
        }
        panic!("too many redirects");
    }

    /// Goes to `path`, following redirects.
    async fn visit(&mut self, path: &str) -> Answer {
        let answer = self.get(path).await;
        self.follow(answer).await
    }

    async fn sign_in(&mut self, login: &str, password: &str) {
        let answer = self
            .post("/sign-in", &[("login", login), ("password", password)])
            .await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.page);
        assert!(self.cookies.contains_key("cms_session"));
    }
}

async fn account(state: &AppState, login: &str, person: i64, role: &str) {
    state
        .store
        .create_account(
            login,
            &hash_password("a passphrase for tests"),
            person,
            role,
        )
        .await
        .unwrap();
}

fn title(page: &str) -> String {
    page.split("<title>")
        .nth(1)
        .and_then(|t| t.split("</title>").next())
        .unwrap_or_else(|| panic!("no title in {page}"))
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// The words of the page's `<h1>`, as a person reads them.
fn heading(page: &str) -> String {
    let start = page.find("<h1").expect("a heading");
    let rest = &page[start..];
    let inner = &rest[rest.find('>').unwrap() + 1..rest.find("</h1>").unwrap()];
    let mut words = String::new();
    let mut in_tag = false;
    for c in inner.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => words.push(c),
            _ => {}
        }
    }
    words
        .replace("&#39;", "'")
        .replace("&amp;", "&")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn hidden(page: &str, name: &str) -> String {
    page.split(&format!("name=\"{name}\" value=\""))
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_default()
        .to_owned()
}

fn back_link(page: &str) -> Option<String> {
    let at = page.find("class=\"govuk-back-link\"")?;
    let before = &page[..at];
    let href = before.rsplit("href=\"").next()?;
    Some(href.split('"').next()?.to_owned())
}

/// Answers the application's page on screen with `fields`: the post must
/// be answered by a redirect (post-redirect-get), followed to the page
/// at the end.
async fn answer_page(browser: &mut Browser, page: &str, fields: &[(&str, &str)]) -> Answer {
    let token = hidden(page, "form_token");
    let key = hidden(page, "key");
    let question = hidden(page, "question");
    let mut all = vec![
        ("form_token", token.as_str()),
        ("key", key.as_str()),
        ("question", question.as_str()),
    ];
    if page.contains("name=\"answers\"") {
        all.push(("answers", ""));
    }
    all.extend_from_slice(fields);
    let posted = browser.post("/apply", &all).await;
    assert_eq!(
        posted.status,
        StatusCode::SEE_OTHER,
        "every form post of the application is answered by a redirect: {}",
        posted.page
    );
    browser.follow(posted).await
}

/// What a safety or single-field question page answers to.
async fn say(browser: &mut Browser, page: &str, answer: &str) -> Answer {
    answer_page(browser, page, &[("answer", answer)]).await
}

const PARENT: (&str, &str) = ("ann@example.org", "a passphrase for tests");

async fn signed_in_parent(state: &AppState) -> Browser {
    account(state, PARENT.0, 40, "receiving_parent").await;
    let mut browser = Browser::new(state);
    browser.sign_in(PARENT.0, PARENT.1).await;
    browser
}

async fn the_application_is_post_redirect_get_with_back_links_answers_kept_and_every_answer_checked(
    state: AppState,
) {
    let mut browser = signed_in_parent(&state).await;
    let first = browser.visit("/apply").await;
    assert_eq!(first.status, StatusCode::OK);
    assert!(
        first.page.contains("criminal offence"),
        "the legal warning first"
    );
    assert_eq!(back_link(&first.page).as_deref(), Some("/account"));
    let abuse = say(&mut browser, &first.page, "yes").await;
    assert!(
        abuse
            .page
            .contains("Have you experienced or witnessed domestic abuse?")
    );
    assert_eq!(
        back_link(&abuse.page).as_deref(),
        Some("/apply/before-you-start")
    );
    assert_eq!(
        title(&abuse.page),
        "Have you experienced or witnessed domestic abuse? – Child maintenance"
    );
    // No choice: a redirect back to the same page, with the error (by GET,
    // so Back and reload never post again).
    let refused = say(&mut browser, &abuse.page, "").await;
    assert!(
        refused
            .page
            .contains("<a href=\"#answer\">Select an answer</a>")
    );
    assert!(title(&refused.page).starts_with("Error: Have you experienced"));
    let contact = say(&mut browser, &refused.page, "no").await;
    assert!(
        contact
            .page
            .contains("How is it safe for us to contact you?")
    );
    // Back to the question before: the answer given is kept.
    let again = browser.get("/apply/your-situation").await;
    assert_eq!(again.status, StatusCode::OK);
    assert!(
        again
            .page
            .contains("name=\"answer\" type=\"radio\" value=\"no\" checked>"),
        "{}",
        again.page
    );
    assert!(
        !again.page.contains("Select an answer"),
        "the error was for then"
    );
    let letters = say(&mut browser, &contact.page, "phone").await;
    assert!(letters.page.contains("Can we leave you a voicemail?"));
    let letters = say(&mut browser, &letters.page, "no").await;
    let children = say(&mut browser, &letters.page, "yes").await;
    assert!(
        children
            .page
            .contains("How many children is this application for?")
    );
    assert_eq!(back_link(&children.page).as_deref(), Some("/apply/letters"));
    let refused = say(&mut browser, &children.page, "<b>two</b>").await;
    assert!(
        refused
            .page
            .contains("Enter the number of children, from 1 to 10")
    );
    assert!(refused.page.contains("value=\"&lt;b&gt;two&lt;/b&gt;\""));
    assert!(!refused.page.contains("<b>two</b>"));
    let child = say(&mut browser, &refused.page, "2").await;
    assert!(child.page.contains("What is the full name of child 1?"));
    let child = say(&mut browser, &child.page, "Cleo <i>Smith</i>").await;
    let name = say(&mut browser, &child.page, "Dan Smith").await;
    assert!(name.page.contains("What is your full name?"));
    let address = say(&mut browser, &name.page, "Ann Smith").await;
    // The GOV.UK address pattern: each line its own field.
    assert_eq!(
        title(&address.page),
        "What is your address? – Child maintenance"
    );
    for field in ["line_1", "line_2", "town", "county", "postcode"] {
        assert!(
            address.page.contains(&format!("name=\"{field}\"")),
            "{field}: {}",
            address.page
        );
    }
    let refused = answer_page(
        &mut browser,
        &address.page,
        &[
            ("line_1", "1 SAFE-STREET; A=B & C"),
            ("postcode", "not a postcode"),
        ],
    )
    .await;
    assert!(
        refused
            .page
            .contains("<a href=\"#town\">Enter town or city</a>")
    );
    assert!(
        refused
            .page
            .contains("<a href=\"#postcode\">Enter a real postcode, like SW1A 1AA</a>")
    );
    assert!(
        refused
            .page
            .contains("value=\"1 SAFE-STREET; A=B &amp; C\""),
        "typed kept"
    );
    let other = answer_page(
        &mut browser,
        &refused.page,
        &[
            ("line_1", "1 SAFE-STREET; A=B & C"),
            ("town", "Safetown"),
            ("postcode", "sw1a1aa"),
        ],
    )
    .await;
    assert!(
        other
            .page
            .contains("What is the other parent&#39;s full name?")
    );
    let where_ = say(&mut browser, &other.page, "Pat Jones").await;
    assert!(where_.page.contains("Where does the other parent live?"));
    let how = answer_page(&mut browser, &where_.page, &[]).await;
    assert!(
        how.page
            .contains("How do you want child maintenance to be paid?")
    );
    let check = say(&mut browser, &how.page, "collect_and_pay").await;
    assert!(check.location.is_none());
    assert_eq!(
        title(&check.page),
        "Check your answers before sending your application – Child maintenance"
    );
    assert_eq!(back_link(&check.page).as_deref(), Some("/apply/how-to-pay"));
    // Every answer, the safety and contact answers too, each with a
    // Change link to its page.
    for (shown, change) in [
        ("Domestic abuse", "/apply/your-situation"),
        ("Phone call", "/apply/contact"),
        ("Voicemail", "/apply/voicemail"),
        ("Letters to your address", "/apply/letters"),
        ("Cleo &lt;i&gt;Smith&lt;/i&gt;", "/apply/child-1"),
        (
            "1 SAFE-STREET; A=B &amp; C<br>Safetown<br>SW1A 1AA",
            "/apply/your-address",
        ),
        ("Not known", "/apply/other-parent-address"),
        ("Collect and Pay", "/apply/how-to-pay"),
    ] {
        assert!(check.page.contains(shown), "{shown} in {}", check.page);
        assert!(
            check.page.contains(&format!("href=\"{change}\"")),
            "{change}"
        );
    }
    assert!(
        state.store.applications().await.unwrap().is_empty(),
        "nothing is stored before it is sent"
    );
    // Change a name: its page with the answer, then back to the check.
    let change = browser.get("/apply/your-name").await;
    assert!(
        change.page.contains("value=\"Ann Smith\""),
        "{}",
        change.page
    );
    let check = say(&mut browser, &change.page, "Ann Smythe").await;
    assert!(check.page.contains("Ann Smythe") && check.page.contains("Check your answers"));
    // The answers are nowhere in the page or an address.
    assert!(!check.page.contains("name=\"answers\" value=\"your_name"));
    // A page the answers do not lead to is not shown.
    let off_path = browser.get("/apply/right-now").await;
    assert_eq!(off_path.status, StatusCode::SEE_OTHER);
    // Sent: by redirect to what happens next.
    let token = hidden(&check.page, "form_token");
    let key = hidden(&check.page, "key");
    let send = [
        ("form_token", token.as_str()),
        ("key", key.as_str()),
        ("question", "check"),
        ("send", "yes"),
    ];
    let sent = browser.post("/apply", &send).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER);
    let sent = browser.follow(sent).await;
    assert!(sent.page.contains("Application sent"), "{}", sent.page);
    let applications = state.store.applications().await.unwrap();
    assert_eq!(applications.len(), 1);
    assert!(sent.page.contains(&applications[0].to_string()));
    // Back: every page of the journey now leads to what happened, and
    // sending again (an old page's form) sends nothing more.
    let audit_before = state.store.audit_entries().await.unwrap().len();
    let back = browser.visit("/apply/check-your-answers").await;
    assert!(back.page.contains("Application sent"));
    let again = browser.post("/apply", &send).await;
    let again = browser.follow(again).await;
    assert!(again.page.contains(&applications[0].to_string()));
    assert_eq!(state.store.applications().await.unwrap(), applications);
    assert_eq!(
        state.store.audit_entries().await.unwrap().len(),
        audit_before
    );
    // The parties hold the address as its lines and the postcode apart.
    let case = applications[0];
    let sealed = state.store.parties(&case).await.unwrap();
    let parties = case_records::open_parties(case, &sealed, &state.keys).unwrap();
    let own = &parties.receiving_parents[0].1;
    assert_eq!(
        own.address.expose_sensitive(),
        "1 SAFE-STREET; A=B & C, Safetown"
    );
    assert_eq!(own.postcode.expose_sensitive(), "SW1A 1AA");
}

async fn a_form_from_another_journey_or_session_is_refused_as_a_page(state: AppState) {
    let mut browser = signed_in_parent(&state).await;
    let first = browser.visit("/apply").await;
    let token = hidden(&first.page, "form_token");
    // Without the journey's cookie (another browser, or after it ended).
    browser.cookies.retain(|k, _| !k.starts_with("cms_apply"));
    let refused = browser
        .post(
            "/apply",
            &[
                ("form_token", &token),
                ("question", "legal_warning"),
                ("answer", "yes"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.content_type.starts_with("text/html"));
    assert!(refused.page.contains("Start again from your account"));
    // A field the journey does not have.
    let first = browser.visit("/apply").await;
    let token = hidden(&first.page, "form_token");
    let refused = browser
        .post("/apply", &[("form_token", &token), ("is_admin", "yes")])
        .await;
    assert!(refused.status.is_client_error());
    assert!(
        refused.content_type.starts_with("text/html"),
        "a page, not text"
    );
}

async fn in_immediate_danger_the_journey_asks_how_the_police_may_reach_them_and_says_what_happens(
    state: AppState,
) {
    let mut browser = signed_in_parent(&state).await;
    let first = browser.visit("/apply").await;
    let page = say(&mut browser, &first.page, "yes").await;
    let page = say(&mut browser, &page.page, "yes").await;
    assert!(page.page.contains("Are you in immediate danger now?"));
    let page = say(&mut browser, &page.page, "yes").await;
    assert!(
        page.page
            .contains("Do you want us to call the police for you?")
    );
    let reach = say(&mut browser, &page.page, "yes").await;
    assert_eq!(
        title(&reach.page),
        "How can the police reach you? – Child maintenance"
    );
    assert!(reach.page.contains("(optional)") && reach.page.contains("You do not have to answer"));
    assert_eq!(back_link(&reach.page).as_deref(), Some("/apply/help-now"));
    assert!(state.store.applications().await.unwrap().is_empty());
    let refused = answer_page(&mut browser, &reach.page, &[("phone", "call me")]).await;
    assert!(
        refused
            .page
            .contains("<a href=\"#phone\">Enter a phone number")
    );
    let done = answer_page(
        &mut browser,
        &refused.page,
        &[
            ("phone", "07700 900 982"),
            ("place", "The library on PLACE-TOKEN Road"),
        ],
    )
    .await;
    assert!(done.page.contains("call 999 now") && done.page.contains("href=\"tel:999\""));
    assert!(
        done.page
            .contains("A specialist will call them as soon as they see this")
    );
    assert!(done.page.contains("Your application has not been sent"));
    assert!(!done.page.contains("We have your application"));
    assert!(!done.page.contains("Application sent"));
    // No application is left (tests/danger.rs), only the case that holds
    // the disclosure, recorded at once.
    assert!(state.store.applications().await.unwrap().is_empty());
    let cases = state.store.case_references().await.unwrap();
    assert_eq!(cases.len(), 1, "the disclosure is recorded at once");
    let case = cases[0];
    let records = state.store.safety_events(&case).await.unwrap();
    assert!(records.iter().any(|r| r.event
        == safety::SafetyEvent::Disclosed {
            by: safety::Party::ReceivingParent,
            immediate_danger: true,
            police_call_consented: true,
        }));
    // The number and place are sealed with her own record, for the
    // specialist who calls.
    let sealed = state.store.parties(&case).await.unwrap();
    let parties = case_records::open_parties(case, &sealed, &state.keys).unwrap();
    let own = &parties.receiving_parents[0].1;
    assert_eq!(
        own.phone.as_ref().map(|p| p.expose_sensitive().clone()),
        Some("07700 900 982".to_owned())
    );
    assert!(
        own.abuse_disclosure
            .as_ref()
            .is_some_and(|d| d.expose_sensitive().contains("PLACE-TOKEN")),
        "the place the police may find her"
    );
    // The immediate-danger item tops the specialist queue.
    let (_, queue, _) = call(
        &state,
        "GET",
        "/api/v1/queues/specialist",
        &[("authorization", &bearer("specialist-token"))],
        "",
    )
    .await;
    assert!(queue.contains(&case.to_string()), "{queue}");
    // Nothing she typed stays in the browser, and Back leads here again.
    let back = browser.visit("/apply/reaching-you").await;
    assert!(back.page.contains("call 999 now"));
    assert!(!back.page.contains("PLACE-TOKEN"));
    // Her account says honestly that she did not finish.
    let account = browser.get("/account").await;
    assert!(
        account.page.contains("you did not finish applying")
            && !account.page.contains("We have your application"),
        "{}",
        account.page
    );
}

async fn in_danger_without_a_police_call_nothing_more_is_asked_and_the_page_says_so(
    state: AppState,
) {
    let mut browser = signed_in_parent(&state).await;
    let first = browser.visit("/apply").await;
    let page = say(&mut browser, &first.page, "yes").await;
    let page = say(&mut browser, &page.page, "yes").await;
    let page = say(&mut browser, &page.page, "yes").await;
    let done = say(&mut browser, &page.page, "no").await;
    assert!(
        done.page
            .contains("You asked us not to call the police, so we will not.")
    );
    assert!(!done.page.contains("How can the police reach you?"));
    assert!(state.store.applications().await.unwrap().is_empty());
    assert_eq!(state.store.case_references().await.unwrap().len(), 1);
}

async fn an_application_answer_is_human_text_shown_back_safely(state: AppState) {
    let mut browser = signed_in_parent(&state).await;
    let mut page = browser.visit("/apply").await;
    for answer in ["yes", "no", "email", "yes", "1"] {
        page = say(&mut browser, &page.page, answer).await;
    }
    assert!(
        page.page.contains("What is the full name of child 1?"),
        "{}",
        page.page
    );
    for (bad, code) in [("Cleo\u{0}", "U+0000"), ("Cleo\u{202e}olc", "U+202E")] {
        let refused = say(&mut browser, &page.page, bad).await;
        assert!(refused.page.contains(code), "{}", refused.page);
        assert!(!refused.page.contains('\u{0}') && !refused.page.contains('\u{202e}'));
    }
    let refused = say(&mut browser, &page.page, &"\u{eb}".repeat(201)).await;
    assert!(refused.page.contains("200 characters or fewer"));
    let next = say(&mut browser, &page.page, "Zoe\u{308}   Smith").await;
    assert!(next.page.contains("What is your full name?"));
    let back = browser.get("/apply/child-1").await;
    assert!(
        back.page.contains("value=\"Zo\u{eb} Smith\""),
        "composed and spaces collapsed: {}",
        back.page
    );
}

/// Every GET page a parent can reach, signed out and signed in, with the
/// case pages of a case of theirs.
async fn parent_pages(state: &AppState, browser: &mut Browser) -> Vec<(String, String)> {
    let mut seen = Vec::new();
    for path in [
        "/",
        "/calculator",
        "/staying-safe-online",
        "/sign-in",
        "/create-account",
        "/signed-out",
        "/feedback",
        "/page-titles",
        "/no-such-page",
    ] {
        let mut visitor = Browser::new(state);
        visitor.cookies = browser.cookies.clone();
        let answer = visitor.visit(path).await;
        seen.push((path.to_owned(), answer.page));
    }
    let parties = r#"{"paying_parent": {"person_id": 1, "name": "P", "address": "PAYER-ADDRESS", "postcode": "PP1 1PP"},
        "receiving_parents": [{"id": 1, "person_id": 2, "name": "R", "address": "SAFE-ADDRESS", "postcode": "SS1 1SS"}]}"#;
    let reference = open_case_with_parties(state, "caseworker-token", parties, None).await;
    account(state, "rae@example.org", 2, "receiving_parent").await;
    browser
        .sign_in("rae@example.org", "a passphrase for tests")
        .await;
    let mut paths: Vec<String> = vec!["/account".to_owned()];
    for page in [
        "missed-payment",
        "move-to-collect-and-pay",
        "report-a-change",
        "safety",
    ] {
        paths.push(format!("/account/cases/{reference}/{page}"));
    }
    for path in paths {
        let answer = browser.visit(&path).await;
        if answer.status == StatusCode::OK {
            seen.push((path, answer.page));
        }
    }
    // The application's pages, one of each (but the police's, which end
    // the journey: the danger test walks those).
    let mut page = browser.visit("/apply").await;
    seen.push(("/apply/before-you-start".to_owned(), page.page.clone()));
    for (at, fields) in [
        ("your-situation", vec![("answer", "yes")]),
        ("right-now", vec![("answer", "yes")]),
        ("contact", vec![("answer", "no")]),
        ("voicemail", vec![("answer", "phone")]),
        ("letters", vec![("answer", "yes")]),
        ("children", vec![("answer", "yes")]),
        ("child-1", vec![("answer", "1")]),
        ("your-name", vec![("answer", "A")]),
        ("your-address", vec![("answer", "B")]),
        (
            "other-parent-name",
            vec![
                ("line_1", "1 Road"),
                ("town", "Town"),
                ("postcode", "M1 1AE"),
            ],
        ),
        ("other-parent-address", vec![("answer", "C")]),
        ("how-to-pay", vec![]),
        ("check-your-answers", vec![("answer", "direct_pay")]),
    ] {
        page = answer_page(browser, &page.page, &fields).await;
        seen.push((format!("/apply/{at}"), page.page.clone()));
    }
    let sent = answer_page(browser, &page.page, &[("send", "yes")]).await;
    seen.push(("/apply/next-steps".to_owned(), sent.page));
    seen
}

async fn every_page_a_parent_can_reach_has_a_unique_title_that_says_what_it_asks_or_shows(
    state: AppState,
) {
    let mut browser = Browser::new(&state);
    let pages = parent_pages(&state, &mut browser).await;
    assert!(pages.len() >= 25, "{}", pages.len());
    let mut titles: BTreeMap<String, String> = BTreeMap::new();
    for (path, page) in &pages {
        let title = title(page);
        let what = title.strip_suffix(" – Child maintenance").unwrap_or(&title);
        // Accurate: the title is what the page's heading says.
        assert_eq!(what, heading(page), "{path}: {title}");
        assert!(!title.contains("Error"), "{path}: {title}");
        if let Some(other) = titles.insert(title.clone(), path.clone()) {
            panic!("{path} and {other} are both titled {title:?}");
        }
    }
    assert!(titles.contains_key("Page not found – Child maintenance"));
    assert!(titles.contains_key("Are you in immediate danger now? – Child maintenance"));
}

async fn neutral_titles_once_chosen_make_every_title_and_the_header_neutral(state: AppState) {
    let mut browser = Browser::new(&state);
    let form = browser.get("/page-titles").await;
    assert!(form.page.contains("Use neutral titles on every page"));
    let saved = browser.post("/page-titles", &[("titles", "neutral")]).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "post-redirect-get");
    let saved = browser.follow(saved).await;
    assert!(saved.page.contains("has been saved"));
    assert_eq!(title(&saved.page), "Your account – Online services");
    let mut neutral = Browser::new(&state);
    neutral.cookies = browser.cookies.clone();
    for (path, page) in parent_pages(&state, &mut neutral).await {
        let title = title(&page);
        let header = page
            .split("<header")
            .nth(1)
            .and_then(|h| h.split("</header>").next())
            .unwrap();
        assert!(
            title == "Your account – Online services"
                || title == "Page not found – Online services",
            "{path}: {title}"
        );
        assert!(header.contains("Online services"), "{path}");
        assert!(!header.contains("Child maintenance"), "{path}: {header}");
    }
    // A refused answer still says so first, neutrally.
    let refused = neutral
        .post("/page-titles", &[("titles", "sideways")])
        .await;
    assert_eq!(
        title(&refused.page),
        "Error: Your account – Online services"
    );
    // And it can be turned off.
    let off = browser
        .post("/page-titles", &[("titles", "accurate")])
        .await;
    let off = browser.follow(off).await;
    assert_eq!(
        title(&off.page),
        "How should page titles appear in your browser history? – Child maintenance"
    );
}

async fn every_page_has_the_phase_banner_and_the_header_signs_out_by_post(state: AppState) {
    let mut browser = signed_in_parent(&state).await;
    let signed_out = Browser::new(&state).get("/").await;
    assert!(signed_out.page.contains("govuk-phase-banner"));
    assert!(signed_out.page.contains("Beta"));
    assert!(signed_out.page.contains("href=\"/feedback\""));
    assert!(
        signed_out
            .page
            .contains("govuk-service-navigation__service-name")
    );
    assert!(!signed_out.page.contains("Sign out"), "nobody to sign out");
    let feedback = Browser::new(&state).get("/feedback").await;
    assert_eq!(feedback.status, StatusCode::OK);
    assert!(
        feedback.page.contains("PO Box 1"),
        "somewhere real to write"
    );
    let account = browser.get("/account").await;
    let header = account.page.split("</header>").next().unwrap();
    assert!(header.contains("<form method=\"post\" action=\"/sign-out\""));
    assert!(header.contains(">Sign out</button>"));
    let token = hidden(header, "form_token");
    let out = browser.post("/sign-out", &[("form_token", &token)]).await;
    assert_eq!(out.location.as_deref(), Some("/signed-out"));
    let after = browser.get("/account").await;
    assert_eq!(after.location.as_deref(), Some("/sign-in"));
}

async fn an_unknown_address_gets_the_page_not_found_and_the_api_keeps_its_json(state: AppState) {
    let mut browser = Browser::new(&state);
    let missing = browser.get("/no-such-page").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.content_type.starts_with("text/html"));
    assert_eq!(title(&missing.page), "Page not found – Child maintenance");
    assert!(
        missing
            .page
            .contains("If you typed the web address, check it is correct.")
    );
    let wrong_method = browser.get("/sign-out").await;
    assert_eq!(wrong_method.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(wrong_method.page.contains("Page not found"));
    let api = browser.get("/api/v1/no-such-route").await;
    assert_eq!(api.status, StatusCode::NOT_FOUND);
    assert!(
        api.content_type.starts_with("application/json"),
        "{}",
        api.content_type
    );
    assert!(api.page.contains("\"error\""));
}

#[tokio::test]
async fn a_failure_or_refusal_behind_a_page_is_answered_with_a_page() {
    use axum::routing::get;
    use tower::ServiceExt;
    let state = state_named("patterns-500").await;
    let failing = axum::Router::new()
        .route(
            "/fails",
            get(|| async {
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "database said: SECRET-DETAIL",
                )
            }),
        )
        .route(
            "/panics",
            get(|| async {
                let broken: Option<&'static str> = std::hint::black_box(None);
                broken.expect("a bug in a handler")
            }),
        )
        .route(
            "/refuses",
            get(|| async {
                (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    [(axum::http::header::CONTENT_TYPE, "application/json")],
                    r#"{"error": {"field": "", "message": "this case is Collect and Pay"}}"#,
                )
            }),
        )
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            web::pages::frame,
        ))
        .with_state(state.clone());
    let request = |path: &str| {
        axum::http::Request::get(path)
            .body(axum::body::Body::empty())
            .unwrap()
    };
    let answer = failing.clone().oneshot(request("/fails")).await.unwrap();
    assert_eq!(answer.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let body = http_body_util::BodyExt::collect(answer.into_body())
        .await
        .unwrap()
        .to_bytes();
    let page = String::from_utf8_lossy(&body);
    assert_eq!(
        title(&page),
        "Sorry, there is a problem with the service – Child maintenance"
    );
    assert!(
        !page.contains("SECRET-DETAIL"),
        "nothing of the failure is shown"
    );
    let answer = failing.clone().oneshot(request("/panics")).await.unwrap();
    assert_eq!(answer.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let body = http_body_util::BodyExt::collect(answer.into_body())
        .await
        .unwrap()
        .to_bytes();
    assert!(
        String::from_utf8_lossy(&body).contains("Sorry, there is a problem with the service"),
        "a handler's panic is answered with the page"
    );
    let answer = failing.oneshot(request("/refuses")).await.unwrap();
    assert_eq!(answer.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = http_body_util::BodyExt::collect(answer.into_body())
        .await
        .unwrap()
        .to_bytes();
    let page = String::from_utf8_lossy(&body);
    assert!(page.contains("This case is Collect and Pay"), "{page}");
    assert!(page.starts_with("<!DOCTYPE html>"), "a page, not JSON");
}

#[tokio::test]
async fn the_timeout_warning_is_on_signed_in_pages_and_the_next_page_says_the_session_ended() {
    let store = common::store("patterns-timeout").await;
    let clock = Arc::new(Movable(AtomicI64::new(1_780_000_000), AtomicU64::new(1)));
    let state = AppState {
        clock: clock.clone(),
        ..common::state_with(store)
    };
    account(&state, PARENT.0, 40, "receiving_parent").await;
    let mut browser = Browser::new(&state);
    let public = browser.get("/").await;
    assert!(
        !public.page.contains("app-timeout-warning"),
        "nobody signed in"
    );
    browser.sign_in(PARENT.0, PARENT.1).await;
    let account_page = browser.get("/account").await;
    // The warning two minutes before the end; the end 30 seconds early,
    // since the server counts from the session's last write.
    assert!(
        account_page
            .page
            .contains("data-warn-after=\"750\" data-countdown=\"120\"")
    );
    assert!(
        account_page
            .page
            .contains("<script type=\"module\" src=\"/assets/timeout.mjs\">")
    );
    let script = browser.get("/assets/timeout.mjs").await;
    assert!(script.page.contains("Stay signed in") && script.page.contains("aria-modal"));
    // "Stay signed in": the session's form, 204; anyone else's, refused.
    let token = hidden(&account_page.page, "form_token");
    let kept = browser.post("/keep-alive", &[("form_token", &token)]).await;
    assert_eq!(kept.status, StatusCode::NO_CONTENT);
    let refused = browser
        .post("/keep-alive", &[("form_token", "not-it")])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    // Fifteen minutes idle: the next page says so.
    clock.0.fetch_add(15 * 60 + 1, Ordering::SeqCst);
    let after = browser.get("/account").await;
    assert_eq!(after.location.as_deref(), Some("/session-ended"));
    let ended = browser.follow(after).await;
    assert_eq!(
        title(&ended.page),
        "For your security, we signed you out – Child maintenance"
    );
    assert!(
        !browser.cookies.contains_key("cms_session"),
        "the cookie goes"
    );
    assert!(!ended.page.contains(">Sign out</button>"));
}

on_both_databases!(
    the_application_is_post_redirect_get_with_back_links_answers_kept_and_every_answer_checked,
    a_form_from_another_journey_or_session_is_refused_as_a_page,
    in_immediate_danger_the_journey_asks_how_the_police_may_reach_them_and_says_what_happens,
    in_danger_without_a_police_call_nothing_more_is_asked_and_the_page_says_so,
    an_application_answer_is_human_text_shown_back_safely,
    every_page_a_parent_can_reach_has_a_unique_title_that_says_what_it_asks_or_shows,
    neutral_titles_once_chosen_make_every_title_and_the_header_neutral,
    every_page_has_the_phase_banner_and_the_header_signs_out_by_post,
    an_unknown_address_gets_the_page_not_found_and_the_api_keeps_its_json,
);
