//! Parents' own pages over HTTP: signing in with a form, the account page
//! with its chart and table, form posts refused from other sites, and
//! leaving: "Exit this page" and signing out both end the session on the
//! server, so the account page then shows nothing but the way to sign in.

use axum::http::StatusCode;
use domain_types::{Date, Pence};
use web::{AppState, hash_password};

mod common;

use common::{bearer, call, open_case_with_parties, state_named};

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// A form posted from a page of this site with `cookie`: status, page, headers.
async fn post_form(
    state: &AppState,
    cookie: &str,
    path: &str,
    body: &str,
) -> (StatusCode, String, Vec<(String, String)>) {
    call(
        state,
        "POST",
        path,
        &[
            ("cookie", cookie),
            ("content-type", "application/x-www-form-urlencoded"),
            ("sec-fetch-site", "same-origin"),
        ],
        body,
    )
    .await
}

/// A new account for `person` in `role`, signed in: the session cookie.
async fn new_session(state: &AppState, login: &str, person: i64, role: &str) -> String {
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
    sign_in(state, login, "a passphrase for tests")
        .await
        .2
        .unwrap()
}

/// A case with parties, money due and part paid, and the receiving parent
/// able to sign in as rae@example.org.
async fn case_and_account(state: &AppState) -> String {
    let parties = r#"{"paying_parent": {"person_id": 1, "name": "P", "address": "PAYER-ADDRESS", "postcode": "PP1 1PP"},
        "receiving_parents": [{"id": 1, "person_id": 2, "name": "R", "address": "SAFE-ADDRESS", "postcode": "SS1 1SS"}]}"#;
    let reference = open_case_with_parties(state, "caseworker-token", parties, None).await;
    let case = case_records::CaseReference::parse(&reference).unwrap();
    let account = |kind| ledger::Account::of_case(case, kind);
    let on = |d: &str| Date::parse_iso(d).unwrap();
    state
        .store
        .post_transfers(&[ledger::Transfer {
            id: ledger::TransferId(format!("{reference}/due")),
            debit: account(ledger::AccountKind::PayingParentOwes),
            credit: account(ledger::AccountKind::ReceivingParentDue(
                case_records::ReceivingParentId(1),
            )),
            amount: Pence::new(20_000),
            code: ledger::TransferCode::Accrual,
            effective: on("2026-05-04"),
            corrects: None,
        }])
        .await
        .unwrap();
    state
        .store
        .create_account(
            "rae@example.org",
            &hash_password("a long passphrase here"),
            2,
            "receiving_parent",
        )
        .await
        .unwrap();
    state
        .store
        .create_account(
            "staff@example.org",
            &hash_password("another long passphrase"),
            17,
            "caseworker",
        )
        .await
        .unwrap();
    reference
}

async fn sign_in(
    state: &AppState,
    login: &str,
    password: &str,
) -> (StatusCode, String, Option<String>) {
    let (status, page, headers) = call(
        state,
        "POST",
        "/sign-in",
        &[
            ("content-type", "application/x-www-form-urlencoded"),
            ("sec-fetch-site", "same-origin"),
        ],
        &format!("login={login}&password={}", password.replace(' ', "+")),
    )
    .await;
    let cookie = header(&headers, "set-cookie")
        .and_then(|c| c.split(';').next())
        .map(str::to_owned);
    (status, page, cookie)
}

#[tokio::test]
async fn a_parent_signs_in_sees_their_account_and_exit_ends_the_session() {
    let state = state_named("self-service").await;
    let reference = case_and_account(&state).await;
    let (status, page, _) = sign_in(&state, "rae@example.org", "wrong password").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("Enter a correct email address and password"));
    assert!(page.contains("value=\"rae@example.org\""));

    let (status, _, cookie) = sign_in(&state, "rae@example.org", "a long passphrase here").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let cookie = cookie.unwrap();
    let (status, page, headers) = call(&state, "GET", "/account", &[("cookie", &cookie)], "").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header(&headers, "cache-control"), Some("no-store"));
    assert!(
        page.contains("<title>Your account – Child maintenance</title>"),
        "a neutral title"
    );
    assert!(page.contains(&format!("Case {reference}")));
    // Direct Pay: what fell due and what she told us, in a table; nothing
    // "collected", and no chart.
    assert!(page.contains("Direct Pay: paid between parents"), "{page}");
    assert!(page.contains("<caption class=\"govuk-table__caption govuk-table__caption--s\">Recent payments on Direct Pay</caption>"));
    assert!(page.contains("<th scope=\"row\" class=\"govuk-table__header\">4 May 2026</th>"));
    assert!(page.contains("£200.00") && page.contains("Nothing reported"));
    assert!(!page.contains("Collected for you") && !page.contains("app-chart"));
    assert!(page.contains("govuk-exit-this-page"));
    assert!(!page.contains("PAYER-ADDRESS") && !page.contains("PP1 1PP"));
    let token = page
        .split("name=\"form_token\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();

    // Exit this page: the session ends on the server; Back finds nothing.
    assert!(
        page.contains("href=\"/exit\""),
        "the exit button ends the session through the server"
    );
    let (status, _, headers) = call(&state, "GET", "/exit", &[("cookie", &cookie)], "").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        header(&headers, "location"),
        Some("https://www.bbc.co.uk/weather")
    );
    let (status, page, headers) = call(&state, "GET", "/account", &[("cookie", &cookie)], "").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    // The ended session's cookie sent again: the page that says it ended.
    assert_eq!(header(&headers, "location"), Some("/session-ended"));
    assert!(!page.contains("£200.00"));
    let (status, _, _) = call(
        &state,
        "GET",
        &format!("/api/v1/cases/{reference}/statement.csv"),
        &[("cookie", &cookie)],
        "",
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the API too");

    // Signing out: a post from another site, or without the form's token,
    // is refused and the session goes on.
    let (_, _, cookie) = sign_in(&state, "rae@example.org", "a long passphrase here").await;
    let cookie = cookie.unwrap();
    let (status, page, _) = call(&state, "GET", "/account", &[("cookie", &cookie)], "").await;
    assert_eq!(status, StatusCode::OK);
    let token_now = page
        .split("name=\"form_token\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    assert_ne!(token, token_now, "the token belongs to the session");
    let form = |token: &str| format!("form_token={token}");
    for (site, token) in [
        ("cross-site", token_now.as_str()),
        ("same-origin", token.as_str()),
    ] {
        let (status, _, _) = call(
            &state,
            "POST",
            "/sign-out",
            &[
                ("cookie", &cookie),
                ("content-type", "application/x-www-form-urlencoded"),
                ("sec-fetch-site", site),
            ],
            &form(token),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{site}");
    }
    let (status, _, _) = call(&state, "GET", "/account", &[("cookie", &cookie)], "").await;
    assert_eq!(status, StatusCode::OK, "still signed in");
    let (status, _, headers) = call(
        &state,
        "POST",
        "/sign-out",
        &[
            ("cookie", &cookie),
            ("content-type", "application/x-www-form-urlencoded"),
            ("sec-fetch-site", "same-origin"),
        ],
        &form(&token_now),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(header(&headers, "location"), Some("/signed-out"));
    let (status, _, _) = call(&state, "GET", "/account", &[("cookie", &cookie)], "").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn staff_go_to_their_work_and_other_sites_cannot_sign_in() {
    let state = state_named("self-service-refusals").await;
    let reference = case_and_account(&state).await;
    let (status, _, cookie) = sign_in(&state, "staff@example.org", "another long passphrase").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let cookie = cookie.unwrap();
    let (status, page, _) = call(&state, "GET", "/work", &[("cookie", &cookie)], "").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("Find a case by its reference"));
    // The queues a caseworker works, read from the work items kept as the
    // work happens; the arrears report (this case owes £200.00) is its own
    // page, read across cases, off /work.
    for queue in [
        "Assigned to you",
        "Casework",
        "Payments",
        "Payments we could not match",
    ] {
        assert!(page.contains(queue), "{queue}: {page}");
    }
    assert!(page.contains("href=\"/work/arrears\""));
    let (status, arrears, _) =
        call(&state, "GET", "/work/arrears", &[("cookie", &cookie)], "").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        arrears.contains("Enforcement: Collect and Pay cases with arrears")
            && arrears.contains(&reference)
            && arrears.contains("£200.00"),
        "{arrears}"
    );
    let (status, _, headers) = call(&state, "GET", "/account", &[("cookie", &cookie)], "").await;
    assert_eq!(
        status,
        StatusCode::SEE_OTHER,
        "the parents' account is not for staff"
    );
    assert_eq!(header(&headers, "location"), Some("/sign-in"));
    let (status, _, headers) = call(
        &state,
        "POST",
        "/sign-in",
        &[
            ("content-type", "application/x-www-form-urlencoded"),
            ("origin", "https://elsewhere.example"),
            ("host", "127.0.0.1:8080"),
        ],
        "login=rae@example.org&password=a+long+passphrase+here",
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(header(&headers, "set-cookie").is_none());
}

#[tokio::test]
async fn the_case_page_shows_what_the_role_may_see_and_a_restricted_case_needs_a_reason() {
    let state = state_named("workspace").await;
    let reference = case_and_account(&state).await;
    let (_, _, cookie) = sign_in(&state, "staff@example.org", "another long passphrase").await;
    let cookie = cookie.unwrap();
    let (status, _, headers) = call(
        &state,
        "GET",
        &format!("/work/case?reference={}", reference.to_lowercase()),
        &[("cookie", &cookie)],
        "",
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        header(&headers, "location").unwrap(),
        format!("/work/cases/{reference}")
    );
    let (status, page, headers) = call(
        &state,
        "GET",
        &format!("/work/cases/{reference}"),
        &[("cookie", &cookie)],
        "",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(header(&headers, "cache-control"), Some("no-store"));
    assert!(
        page.contains("SAFE-ADDRESS") && page.contains("PAYER-ADDRESS"),
        "staff see both"
    );
    assert!(page.contains("Owed by the paying parent") && page.contains("£200.00"));
    assert!(page.contains("Weekly amounts over time") && page.contains("Timeline"));
    // Flag the receiving parent: the case page shows only the notice, until
    // a reason is given, which is audited.
    let auth = bearer("caseworker-token");
    let (status, _, _) = call(
        &state,
        "PUT",
        "/api/v1/people/2/non-disclosure",
        &[("authorization", &auth)],
        r#"{"flag": true}"#,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, page, _) = call(
        &state,
        "GET",
        &format!("/work/cases/{reference}"),
        &[("cookie", &cookie)],
        "",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("This case is restricted"));
    for secret in ["SAFE-ADDRESS", "SS1 1SS", "PAYER-ADDRESS", "£200.00"] {
        assert!(
            !page.contains(secret),
            "{secret} on a restricted case without a reason"
        );
    }
    let (status, page, _) = call(
        &state,
        "GET",
        &format!("/work/cases/{reference}?reason=complaint+review"),
        &[("cookie", &cookie)],
        "",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("SAFE-ADDRESS (seen by break-glass)"),
        "{page}"
    );
    let audited = state
        .store
        .audit_entries()
        .await
        .unwrap()
        .iter()
        .filter(|e| {
            e.record.action == audit_log::Action::BrokeGlass
                && e.record.reason.as_deref() == Some("complaint review")
        })
        .count();
    assert!(audited >= 1, "the reason is audited");
    // A parent cannot reach the workspace.
    let (_, _, parent) = sign_in(&state, "rae@example.org", "a long passphrase here").await;
    let (status, _, headers) = call(
        &state,
        "GET",
        &format!("/work/cases/{reference}"),
        &[("cookie", &parent.unwrap())],
        "",
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(header(&headers, "location"), Some("/sign-in"));
}

/// A hidden field's value on a page.
fn hidden(page: &str, name: &str) -> String {
    page.split(&format!("name=\"{name}\" value=\""))
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_default()
        .to_owned()
}

/// Posts the form on screen to `path` as a browser would: its hidden fields
/// (as the browser reads them, unescaped) and `extra`.
async fn submit(
    state: &AppState,
    cookie: &str,
    path: &str,
    page: &str,
    extra: &[(&str, &str)],
) -> (StatusCode, String) {
    let unescape = |v: String| {
        v.replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&")
    };
    let mut fields: Vec<(String, String)> = ["form_token", "key", "answers", "question"]
        .iter()
        .map(|name| ((*name).to_owned(), unescape(hidden(page, name))))
        .collect();
    fields.extend(
        extra
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    let body = serde_urlencoded::to_string(&fields).unwrap();
    let (status, page, _) = post_form(state, cookie, path, &body).await;
    (status, page)
}

/// Answers the safety question on screen.
async fn answer(
    state: &AppState,
    cookie: &str,
    reference: &str,
    page: &str,
    answer: &str,
) -> (StatusCode, String) {
    submit(
        state,
        cookie,
        &format!("/account/cases/{reference}/safety"),
        page,
        &[("answer", answer)],
    )
    .await
}

/// The application's journey in a browser: the session cookie and the
/// journey's own cookies, kept as `Set-Cookie` says (the full walk, with
/// its back links and errors, is in `tests/patterns.rs`).
struct Applying {
    cookies: Vec<(String, String)>,
}

impl Applying {
    fn new(session_cookie: &str) -> Applying {
        let (k, v) = session_cookie.split_once('=').unwrap();
        Applying {
            cookies: vec![(k.to_owned(), v.to_owned())],
        }
    }

    fn header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn keep(&mut self, headers: &[(String, String)]) -> Option<String> {
        for (name, value) in headers.iter().filter(|(k, _)| k == "set-cookie") {
            let (k, v) = value.split(';').next().unwrap().split_once('=').unwrap();
            self.cookies.retain(|(n, _)| n != k);
            if !v.is_empty() && !value.contains("Max-Age=0") {
                self.cookies.push((k.to_owned(), v.to_owned()));
            }
            let _ = name;
        }
        header(headers, "location").map(str::to_owned)
    }

    /// GET `path`, following redirects: the page at the end.
    async fn get(&mut self, state: &AppState, path: &str) -> (StatusCode, String) {
        let mut path = path.to_owned();
        loop {
            let cookie = self.header();
            let (status, page, headers) =
                call(state, "GET", &path, &[("cookie", &cookie)], "").await;
            match self.keep(&headers) {
                Some(to) if status == StatusCode::SEE_OTHER => path = to,
                _ => return (status, page),
            }
        }
    }

    /// Posts the form on screen with `extra`: answered by a redirect
    /// (post-redirect-get), followed.
    async fn post(
        &mut self,
        state: &AppState,
        page: &str,
        extra: &[(&str, &str)],
    ) -> (StatusCode, String) {
        let mut fields: Vec<(String, String)> = ["form_token", "key", "question"]
            .iter()
            .map(|name| ((*name).to_owned(), hidden(page, name)))
            .collect();
        if page.contains("name=\"answers\"") {
            fields.push(("answers".to_owned(), String::new()));
        }
        fields.extend(
            extra
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        let body = serde_urlencoded::to_string(&fields).unwrap();
        let cookie = self.header();
        let (status, answer, headers) = post_form(state, &cookie, "/apply", &body).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{answer}");
        let to = self.keep(&headers).unwrap();
        self.get(state, &to).await
    }
}

/// Answers the application's question on screen.
async fn apply(
    state: &AppState,
    journey: &mut Applying,
    page: &str,
    answer: &str,
) -> (StatusCode, String) {
    journey.post(state, page, &[("answer", answer)]).await
}

#[tokio::test]
async fn a_parent_applies_one_question_a_page_checks_their_answers_and_sends_it_once() {
    let state = state_named("apply-pages").await;
    let cookie = new_session(&state, "ann@example.org", 40, "receiving_parent").await;
    let (_, account, _) = call(&state, "GET", "/account", &[("cookie", &cookie)], "").await;
    assert!(account.contains("href=\"/apply\""), "{account}");
    let mut journey = Applying::new(&cookie);
    let (status, page) = journey.get(&state, "/apply").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("criminal offence"), "the legal warning first");
    assert!(page.contains("Exit this page"));
    let (_, page) = apply(&state, &mut journey, &page, "yes").await;
    assert!(page.contains("Have you experienced or witnessed domestic abuse?"));
    let (_, page) = apply(&state, &mut journey, &page, "no").await;
    let (_, page) = apply(&state, &mut journey, &page, "email").await;
    let (_, page) = apply(&state, &mut journey, &page, "yes").await;
    let (_, page) = apply(&state, &mut journey, &page, "2").await;
    let (_, page) = apply(&state, &mut journey, &page, "Cleo Smith").await;
    let (_, page) = apply(&state, &mut journey, &page, "Dan Smith").await;
    let (_, page) = apply(&state, &mut journey, &page, "Ann Smith").await;
    let (_, page) = journey
        .post(
            &state,
            &page,
            &[
                ("line_1", "1 Safe Street"),
                ("town", "Safetown"),
                ("postcode", "sw1a1aa"),
            ],
        )
        .await;
    let (_, page) = apply(&state, &mut journey, &page, "Pat Jones").await;
    let (_, page) = journey.post(&state, &page, &[]).await;
    let (_, check) = apply(&state, &mut journey, &page, "collect_and_pay").await;
    assert!(check.contains("Check your answers"), "{check}");
    assert!(
        state.store.applications().await.unwrap().is_empty(),
        "nothing is stored before it is sent"
    );
    let (status, sent) = journey.post(&state, &check, &[("send", "yes")]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(sent.contains("Application sent"), "{sent}");
    let reference = sent
        .split("<strong>")
        .nth(1)
        .and_then(|r| r.split("</strong>").next())
        .unwrap()
        .to_owned();
    let case = case_records::CaseReference::parse(&reference).unwrap();
    assert_eq!(state.store.applications().await.unwrap(), vec![case]);
    let history = state.store.case_history(&case).await.unwrap().unwrap();
    assert_eq!(history.initial_effective_date, None);
    let today = state.clock.today();
    assert_eq!(
        history.state(today, today),
        case_records::CaseState::Application
    );
    assert_eq!(
        history
            .events
            .iter()
            .map(|e| e.change.clone())
            .collect::<Vec<_>>(),
        vec![
            case_records::Change::ChildJoined {
                child: case_records::ChildId(1),
                receiving_parent: case_records::ReceivingParentId(1),
            },
            case_records::Change::ChildJoined {
                child: case_records::ChildId(2),
                receiving_parent: case_records::ReceivingParentId(1),
            },
            case_records::Change::ServiceType(case_records::ServiceType::CollectAndPay),
            case_records::Change::PaymentFrequency(case_records::Frequency::Weekly),
        ]
    );
    let sealed = state.store.parties(&case).await.unwrap();
    assert!(
        sealed
            .iter()
            .any(|p| p.person_id == 40 && p.party == "receiving_parent:1"),
        "the applicant is the receiving parent"
    );
    // Sent again (Back, then Accept and send): the same case, nothing more.
    let audit_before = state.store.audit_entries().await.unwrap().len();
    let (_, again) = journey.post(&state, &check, &[("send", "yes")]).await;
    assert!(again.contains(&reference));
    assert_eq!(state.store.applications().await.unwrap(), vec![case]);
    let history_again = state.store.case_history(&case).await.unwrap().unwrap();
    assert_eq!(history_again, history);
    assert_eq!(
        state.store.audit_entries().await.unwrap().len(),
        audit_before,
        "a resend writes nothing"
    );
    // Their account shows the application and nothing due.
    let (_, account, _) = call(&state, "GET", "/account", &[("cookie", &cookie)], "").await;
    assert!(
        account.contains(&format!("Application {reference}"))
            && account.contains("We have your application"),
        "{account}"
    );

    // Management information counts it as waiting.
    let leader = new_session(&state, "lee@example.org", 60, "team_leader").await;
    let waiting_in_mi = |cookie: String| {
        let state = state.clone();
        async move {
            let (_, page, _) = call(&state, "GET", "/work/mi", &[("cookie", &cookie)], "").await;
            page.split("Applications waiting for a calculation")
                .nth(1)
                .and_then(|rest| rest.split("govuk-summary-list__value\">").nth(1))
                .and_then(|rest| rest.split("</dd>").next())
                .map(|v| v.trim().to_owned())
                .unwrap_or_default()
        }
    };
    assert_eq!(waiting_in_mi(leader.clone()).await, "1");

    // A caseworker finds it waiting and makes the calculation.
    let caseworker = new_session(&state, "carl@example.org", 17, "caseworker").await;
    let (_, work, _) = call(&state, "GET", "/work", &[("cookie", &caseworker)], "").await;
    let waiting = work
        .split("Applications waiting for a calculation")
        .nth(1)
        .unwrap();
    assert!(
        waiting.contains(&format!("/work/cases/{reference}")),
        "{work}"
    );
    let (_, page, _) = call(
        &state,
        "GET",
        &format!("/work/cases/{reference}"),
        &[("cookie", &caseworker)],
        "",
    )
    .await;
    assert!(page.contains("Make the calculation") && page.contains("Application"));
    assert!(page.contains("No calculation has been made"));
    let token = hidden(&page, "form_token");
    let start = today.add_days(14).unwrap();
    let calculate = |income: &str, from: String| {
        let state = state.clone();
        let cookie = caseworker.clone();
        let path = format!("/work/cases/{reference}/actions");
        let body = format!(
            "form_token={token}&reason=&action=make_calculation&income={income}&effective_from={from}"
        );
        async move { post_form(&state, &cookie, &path, &body).await }
    };
    let (status, refused, _) = calculate("lots", start.to_string()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.contains("gross weekly income"), "{refused}");
    assert_eq!(state.store.applications().await.unwrap(), vec![case]);
    let (status, _, _) = calculate("517.81", start.to_string()).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    // Twice is once; another date is refused.
    let (status, _, _) = calculate("517.81", start.to_string()).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, refused, _) = calculate("517.81", today.add_days(21).unwrap().to_string()).await;
    // The form again with the API's reason and the answers kept.
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert!(
        refused.contains("govuk-error-summary") && refused.contains("value=\"517.81\""),
        "{refused}"
    );
    assert!(state.store.applications().await.unwrap().is_empty());
    assert_eq!(waiting_in_mi(leader.clone()).await, "0");
    let history = state.store.case_history(&case).await.unwrap().unwrap();
    assert_eq!(history.initial_effective_date, Some(start));
    assert_eq!(history.events.len(), 5, "the income once: {history:?}");
    // Liability from that day, at what the calculation gives for two
    // children and that income.
    let (_, schedule, _) = call(
        &state,
        "GET",
        &format!(
            "/api/v1/cases/{reference}/schedule?until={}",
            start.add_days(7).unwrap()
        ),
        &[("authorization", &bearer("caseworker-token"))],
        "",
    )
    .await;
    let request = format!(
        r#"{{"date": "{start}", "paying_parent": {{"gross_weekly_income_pence": 51781}}, "receiving_parents": [{{"id": "A", "children": [{{}}, {{}}]}}]}}"#
    );
    let (_, case_page, _) = call(
        &state,
        "GET",
        &format!("/work/cases/{reference}"),
        &[("cookie", &caseworker)],
        "",
    )
    .await;
    assert!(
        case_page.contains("£82.85 a week in all, at the basic rate"),
        "the calculation that will apply from the start: {case_page}"
    );
    let (_, calculated, _) = call(&state, "POST", "/api/v1/calculations", &[], &request).await;
    let weekly =
        serde_json::from_str::<serde_json::Value>(&calculated).unwrap()["weekly_total_pence"]
            .as_i64()
            .unwrap();
    assert!(weekly > 0);
    let schedule: serde_json::Value = serde_json::from_str(&schedule).unwrap();
    assert_eq!(
        schedule["segments"][0]["from"],
        start.to_string(),
        "{schedule}"
    );
    assert_eq!(
        schedule["segments"][0]["weekly_pence"]["1"].as_i64(),
        Some(weekly),
        "{schedule}"
    );
}

#[tokio::test]
async fn applying_in_immediate_danger_stops_at_once_and_reaches_the_specialist_team() {
    let state = state_named("apply-danger").await;
    let cookie = new_session(&state, "bea@example.org", 41, "receiving_parent").await;
    let mut journey = Applying::new(&cookie);
    let (_, page) = journey.get(&state, "/apply").await;
    let (_, page) = apply(&state, &mut journey, &page, "yes").await;
    let (_, page) = apply(&state, &mut journey, &page, "yes").await;
    assert!(page.contains("Are you in immediate danger now?"));
    let (_, page) = apply(&state, &mut journey, &page, "yes").await;
    let (_, page) = apply(&state, &mut journey, &page, "yes").await;
    assert!(
        page.contains("How can the police reach you?"),
        "optional: {page}"
    );
    let (status, stop) = journey.post(&state, &page, &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        stop.contains("call 999 now") && stop.contains("55"),
        "{stop}"
    );
    assert!(stop.contains("You asked us to call the police for you."));
    assert!(!stop.contains("Check your answers"), "the journey stops");
    // No application is left, only the case holding the disclosure.
    assert!(state.store.applications().await.unwrap().is_empty());
    let applications = state.store.case_references().await.unwrap();
    assert_eq!(applications.len(), 1, "sent at once with what is known");
    let records = state.store.safety_events(&applications[0]).await.unwrap();
    assert!(records.iter().any(|r| r.event
        == safety::SafetyEvent::Disclosed {
            by: safety::Party::ReceivingParent,
            immediate_danger: true,
            police_call_consented: true,
        }));
    let (_, queue, _) = call(
        &state,
        "GET",
        "/api/v1/queues/specialist",
        &[("authorization", &bearer("specialist-token"))],
        "",
    )
    .await;
    assert!(
        queue.contains(&applications[0].to_string()) && queue.contains("\"high\""),
        "{queue}"
    );
    // Her account says honestly what happened: not "we have your
    // application", which she did not finish.
    let (_, account, _) = call(&state, "GET", "/account", &[("cookie", &cookie)], "").await;
    assert!(
        account.contains("You told us you were in danger, so you did not finish applying")
            && !account.contains("We have your application"),
        "{account}"
    );
}

#[tokio::test]
async fn the_safety_questions_one_a_page_stop_in_danger_and_reach_the_specialist_team() {
    let state = state_named("screen-pages").await;
    let reference = case_and_account(&state).await;
    let (_, _, cookie) = sign_in(&state, "rae@example.org", "a long passphrase here").await;
    let cookie = cookie.unwrap();
    let (status, page, _) = call(
        &state,
        "GET",
        &format!("/account/cases/{reference}/safety"),
        &[("cookie", &cookie)],
        "",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("criminal offence"), "the legal warning first");
    assert!(
        page.contains("<title>Before we ask you some questions – Child maintenance</title>"),
        "titled by what it asks"
    );
    let (_, page) = answer(&state, &cookie, &reference, &page, "yes").await;
    assert!(page.contains("Have you experienced or witnessed domestic abuse?"));
    // No choice: the same question again, with the error.
    let (status, again) = answer(&state, &cookie, &reference, &page, "").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again.contains("<a href=\"#answer\">Select an answer</a>"));
    let (_, page) = answer(&state, &cookie, &reference, &again, "yes").await;
    assert!(page.contains("Are you in immediate danger now?"), "{page}");
    let (_, page) = answer(&state, &cookie, &reference, &page, "yes").await;
    assert!(page.contains("Do you want us to call the police for you?"));
    let (status, page) = answer(&state, &cookie, &reference, &page, "yes").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("call 999 now") && page.contains("55"),
        "{page}"
    );
    assert!(page.contains("A specialist will call them as soon as they see this"));
    assert!(!page.contains("A caseworker will call the police for you now."));
    let case = case_records::CaseReference::parse(&reference).unwrap();
    let records = state.store.safety_events(&case).await.unwrap();
    assert!(records.iter().any(|r| r.event
        == safety::SafetyEvent::Disclosed {
            by: safety::Party::ReceivingParent,
            immediate_danger: true,
            police_call_consented: true,
        }));
    let specialist = bearer("specialist-token");
    let (_, queue, _) = call(
        &state,
        "GET",
        "/api/v1/queues/specialist",
        &[("authorization", &specialist)],
        "",
    )
    .await;
    assert!(
        queue.contains(&reference) && queue.contains("\"high\""),
        "{queue}"
    );
}

#[tokio::test]
async fn a_parent_says_letters_are_not_safe_and_the_preference_is_kept() {
    let state = state_named("screen-pages-contact").await;
    let reference = case_and_account(&state).await;
    let (_, _, cookie) = sign_in(&state, "rae@example.org", "a long passphrase here").await;
    let cookie = cookie.unwrap();
    let (_, page, _) = call(
        &state,
        "GET",
        &format!("/account/cases/{reference}/safety"),
        &[("cookie", &cookie)],
        "",
    )
    .await;
    // A form from another session is refused.
    let forged = page.replace(
        &hidden(&page, "form_token"),
        "0123456789abcdef0123456789abcdef",
    );
    let (status, _) = answer(&state, &cookie, &reference, &forged, "yes").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let mut page = page;
    for (expect, choice) in [
        ("criminal offence", "yes"),
        ("Have you experienced", "no"),
        ("How is it safe for us to contact you?", "email"),
        ("Can we send letters to the address we have for you?", "no"),
    ] {
        assert!(page.contains(expect), "{expect}: {page}");
        page = answer(&state, &cookie, &reference, &page, choice).await.1;
    }
    assert!(
        page.contains("Thank you") && page.contains("Help for separated families"),
        "{page}"
    );
    let case = case_records::CaseReference::parse(&reference).unwrap();
    let contact =
        safety::SafetyState::from_records(&state.store.safety_events(&case).await.unwrap())
            .contact_of(safety::Party::ReceivingParent, case_records::PersonId(2))
            .cloned()
            .unwrap();
    assert!(contact.no_letters_to_address);
    assert_eq!(contact.channels, vec![safety::Channel::Email]);
    assert_eq!(
        safety::postal_delivery(Some(&contact)),
        safety::PostalDelivery::Hold(safety::HoldReason::NoLettersToAddress)
    );
}

#[tokio::test]
async fn an_enforcement_step_is_proposed_and_approved_by_another_from_the_case_page() {
    let state = state_named("workspace-enforcement").await;
    let reference = case_and_account(&state).await;
    let officer = new_session(&state, "officer@example.org", 50, "enforcement_officer").await;
    let caseworker = sign_in(&state, "staff@example.org", "another long passphrase")
        .await
        .2
        .unwrap();
    let page_of = |cookie: String| {
        let state = state.clone();
        let reference = reference.clone();
        async move {
            call(
                &state,
                "GET",
                &format!("/work/cases/{reference}"),
                &[("cookie", &cookie)],
                "",
            )
            .await
            .1
        }
    };
    let post = |cookie: String, body: String| {
        let state = state.clone();
        let reference = reference.clone();
        async move {
            let (status, page, headers) = post_form(
                &state,
                &cookie,
                &format!("/work/cases/{reference}/actions"),
                &body,
            )
            .await;
            (
                status,
                page,
                header(&headers, "location").map(str::to_owned),
            )
        }
    };
    let page = page_of(officer.clone()).await;
    assert!(page.contains("Propose step 1"), "the officer may propose");
    let token = hidden(&page, "form_token");
    let (status, _, location) = post(
        officer.clone(),
        format!("form_token={token}&reason=&action=propose_enforcement&step=1&enforcement=deduction_from_earnings_order"),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        location.unwrap(),
        format!("/work/cases/{reference}?done=enforcement_proposed")
    );
    // The proposer may not approve their own proposal: said, nothing done.
    let (status, page, _) = post(
        officer.clone(),
        format!("form_token={token}&reason=&action=approve_enforcement&step=1"),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        page.contains("govuk-error-summary") && page.contains("someone other than its proposer"),
        "{page}"
    );
    // Another approves; twice is once.
    let page = page_of(caseworker.clone()).await;
    assert!(
        page.contains("Step 1: deduction from earnings order") && page.contains("Approve step 1")
    );
    let token = hidden(&page, "form_token");
    for _ in 0..2 {
        let (status, _, _) = post(
            caseworker.clone(),
            format!("form_token={token}&reason=&action=approve_enforcement&step=1"),
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
    }
    let page = page_of(caseworker.clone()).await;
    assert!(page.contains("In force"), "{page}");
    let case = case_records::CaseReference::parse(&reference).unwrap();
    let charges = state
        .store
        .transfers_for_case(&case)
        .await
        .unwrap()
        .iter()
        .filter(|t| t.code == ledger::TransferCode::EnforcementCharge)
        .count();
    assert_eq!(charges, 1, "charged once");
    // A form without the session's token is refused.
    let (status, _, _) = post(
        caseworker,
        "form_token=nope&reason=&action=approve_enforcement&step=1".to_owned(),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_survivor_is_moved_to_collect_and_pay_from_the_case_page_without_the_other_parent() {
    // The test harness models the 2023 Act; the law as it stands does not.
    let law = AppState {
        model_2023_act: false,
        ..state_named("workspace-move").await
    };
    let reference = case_and_account(&law).await;
    let caseworker = sign_in(&law, "staff@example.org", "another long passphrase")
        .await
        .2
        .unwrap();
    let modelled = AppState {
        model_2023_act: true,
        ..law.clone()
    };
    let move_form = |token: &str| {
        format!(
            "form_token={token}&reason=&action=move_to_collect_and_pay&step=0&route=abuse_evidence&applicant=receiving_parent&evidence=marac_referral"
        )
    };
    let post = |state: AppState, body: String| {
        let reference = reference.clone();
        let cookie = caseworker.clone();
        async move {
            post_form(
                &state,
                &cookie,
                &format!("/work/cases/{reference}/actions"),
                &body,
            )
            .await
        }
    };
    let (_, page, _) = call(
        &law,
        "GET",
        &format!("/work/cases/{reference}"),
        &[("cookie", &caseworker)],
        "",
    )
    .await;
    assert!(page.contains("Move to Collect and Pay") && page.contains("Direct Pay"));
    let token = hidden(&page, "form_token");
    // As the law stands the evidence route is not in force: said, nothing done.
    let (status, refused, _) = post(law.clone(), move_form(&token)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.contains("not yet in force"), "{refused}");
    // Modelling the 2023 Act: moved, the survivor's fee waived.
    let (status, _, _) = post(modelled.clone(), move_form(&token)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page, _) = call(
        &modelled,
        "GET",
        &format!("/work/cases/{reference}"),
        &[("cookie", &caseworker)],
        "",
    )
    .await;
    assert!(
        page.contains("Collect and Pay") && !page.contains("Move to Collect and Pay"),
        "{page}"
    );
    let case = case_records::CaseReference::parse(&reference).unwrap();
    let history = law.store.case_history(&case).await.unwrap().unwrap();
    let terms = ledger::CollectionTerms::on(
        &history,
        Date::parse_iso("2026-06-01").unwrap(),
        Date::parse_iso("2026-06-01").unwrap(),
        law.parameters,
    );
    assert!(
        terms.collect_and_pay
            && terms.receiving_parent_fee_waived
            && !terms.paying_parent_fee_waived
    );
}

#[tokio::test]
async fn an_auditor_sees_who_viewed_a_case_and_that_the_log_is_intact() {
    let state = state_named("workspace-audit").await;
    let reference = case_and_account(&state).await;
    let caseworker = sign_in(&state, "staff@example.org", "another long passphrase")
        .await
        .2
        .unwrap();
    call(
        &state,
        "GET",
        &format!("/work/cases/{reference}"),
        &[("cookie", &caseworker)],
        "",
    )
    .await;
    let auditor = new_session(&state, "auditor@example.org", 70, "auditor").await;
    let (status, _, headers) = call(
        &state,
        "GET",
        &format!("/work/case?reference={reference}"),
        &[("cookie", &auditor)],
        "",
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let location = header(&headers, "location").unwrap().to_owned();
    assert_eq!(location, format!("/work/cases/{reference}/audit"));
    let (status, page, _) = call(&state, "GET", &location, &[("cookie", &auditor)], "").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(
        page.contains("The audit log&#39;s chain verifies"),
        "{page}"
    );
    // The caseworker's view of the parties is there, by field, never by content.
    assert!(
        page.contains("staff-17") && page.contains("viewed"),
        "{page}"
    );
    assert!(page.contains("receiving_parent:1.Address"), "{page}");
    assert!(!page.contains("SAFE-ADDRESS") && !page.contains("PAYER-ADDRESS"));
    // Not for caseworkers or parents.
    let (status, _, _) = call(&state, "GET", &location, &[("cookie", &caseworker)], "").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let parent = sign_in(&state, "rae@example.org", "a long passphrase here")
        .await
        .2
        .unwrap();
    let (status, _, _) = call(&state, "GET", &location, &[("cookie", &parent)], "").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn management_information_counts_disclosures_moves_and_referrals_without_personal_data() {
    let state = state_named("workspace-mi").await;
    let reference = case_and_account(&state).await;
    let post = |path: String, token: &'static str, key: &'static str, body: &'static str| {
        let state = state.clone();
        async move {
            let auth = bearer(token);
            call(
                &state,
                "POST",
                &path,
                &[("authorization", &auth), ("idempotency-key", key)],
                body,
            )
            .await
            .0
        }
    };
    // The disclosure protects the receiving parent at once, so the case is
    // the specialist team's from here.
    assert_eq!(
        post(
            format!("/api/v1/cases/{reference}/disclosures"),
            "receiver-token",
            "d",
            "{}"
        )
        .await,
        StatusCode::CREATED
    );
    // The case begins on Direct Pay; the next day both parents agree to move.
    assert_eq!(
        post(
            format!("/api/v1/cases/{reference}/facts"),
            "specialist-token",
            "f",
            r#"{"facts": [{"effective_from": "2026-05-04", "change": {"kind": "service_type", "service": "direct_pay"}}]}"#
        )
        .await,
        StatusCode::CREATED
    );
    let next_day = AppState {
        clock: std::sync::Arc::new(common::On::day("2026-06-02")),
        ..state.clone()
    };
    let auth = bearer("specialist-token");
    let (status, _, _) = call(
        &next_day,
        "POST",
        &format!("/api/v1/cases/{reference}/collection-moves"),
        &[("authorization", &auth), ("idempotency-key", "m")],
        r#"{"route": "both_agree"}"#,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    assert!(
        post(
            format!("/api/v1/cases/{reference}/referrals"),
            "specialist-token",
            "r",
            r#"{"recipient": "police"}"#
        )
        .await
        .is_success()
    );
    let leader = new_session(&state, "leader@example.org", 60, "team_leader").await;
    let (status, page, _) = call(&state, "GET", "/work/mi", &[("cookie", &leader)], "").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let row = |key: &str| {
        page.split(key)
            .nth(1)
            .and_then(|rest| rest.split("govuk-summary-list__value\">").nth(1))
            .and_then(|rest| rest.split("</dd>").next())
            .map(|v| v.trim().to_owned())
            .unwrap_or_default()
    };
    assert_eq!(row(">\n      Cases\n"), "1");
    assert_eq!(row("Cases in which abuse was disclosed"), "1 (100%)");
    assert_eq!(row("Moves to Collect and Pay after the case began"), "1");
    assert_eq!(
        row("Referrals to the police or the Crown Prosecution Service"),
        "1"
    );
    assert!(page.contains("Due and paid by month, with the share paid"));
    for secret in ["SAFE-ADDRESS", "PAYER-ADDRESS", &reference] {
        assert!(!page.contains(secret), "{secret} in management information");
    }
    let caseworker = sign_in(&state, "staff@example.org", "another long passphrase")
        .await
        .2
        .unwrap();
    let (status, _, _) = call(&state, "GET", "/work/mi", &[("cookie", &caseworker)], "").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_referral_pack_is_made_from_the_case_page_as_pdf_with_protected_details_withheld() {
    let state = state_named("workspace-refer").await;
    let reference = case_and_account(&state).await;
    let caseworker = sign_in(&state, "staff@example.org", "another long passphrase")
        .await
        .2
        .unwrap();
    let (_, page, _) = call(
        &state,
        "GET",
        &format!("/work/cases/{reference}"),
        &[("cookie", &caseworker)],
        "",
    )
    .await;
    assert!(page.contains("Refer suspected financial abuse to"));
    let token = hidden(&page, "form_token");
    let refer = |recipient: &str| {
        format!("form_token={token}&reason=&action=refer&step=0&recipient={recipient}")
    };
    let post = |body: String| {
        let state = state.clone();
        let reference = reference.clone();
        let cookie = caseworker.clone();
        async move {
            post_form(
                &state,
                &cookie,
                &format!("/work/cases/{reference}/actions"),
                &body,
            )
            .await
        }
    };
    let (status, page, _) = post(refer("")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("govuk-error-summary") && page.contains("Select who to refer the case to"),
        "{page}"
    );
    let (status, pdf, headers) = post(refer("police")).await;
    assert!(status.is_success(), "{status}");
    assert_eq!(header(&headers, "content-type"), Some("application/pdf"));
    let shown = common::pdf_text(&pdf);
    assert!(shown.contains("To the police"), "{shown}");
    for secret in ["SAFE-ADDRESS", "SS1 1SS", "PAYER-ADDRESS", "PP1 1PP"] {
        assert!(!shown.contains(secret), "{secret} in the referral pack");
    }
    // Recorded once, however often it is made the same day.
    post(refer("police")).await;
    let case = case_records::CaseReference::parse(&reference).unwrap();
    let referrals = state
        .store
        .safety_events(&case)
        .await
        .unwrap()
        .iter()
        .filter(|r| matches!(r.event, safety::SafetyEvent::Referred { .. }))
        .count();
    assert_eq!(referrals, 1);
}

#[tokio::test]
async fn a_parent_on_direct_pay_reports_a_missed_payment_for_the_caseworker() {
    let state = state_named("self-service-missed").await;
    let reference = case_and_account(&state).await;
    let cookie = sign_in(&state, "rae@example.org", "a long passphrase here")
        .await
        .2
        .unwrap();
    let (_, account, _) = call(&state, "GET", "/account", &[("cookie", &cookie)], "").await;
    assert!(account.contains("Tell us about a payment that was not made"));
    let path = format!("/account/cases/{reference}/missed-payment");
    let (status, page, _) = call(&state, "GET", &path, &[("cookie", &cookie)], "").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("value=\"2026-05-25\"") && page.contains("value=\"2026-06-01\""),
        "{page}"
    );
    let token = hidden(&page, "form_token");
    let post = |body: String| {
        let state = state.clone();
        let path = path.clone();
        let cookie = cookie.clone();
        async move { post_form(&state, &cookie, &path, &body).await }
    };
    let (status, page, _) = post(format!("form_token={token}&due=2030-01-01")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("Select the payment that was not made"));
    let (status, page, headers) = post(format!("form_token={token}&due=2026-05-25")).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    let location = headers
        .iter()
        .find(|(name, _)| name == "location")
        .map(|(_, value)| value.clone())
        .unwrap();
    let (_, page, _) = call(&state, "GET", &location, &[("cookie", &cookie)], "").await;
    assert!(page.contains("Thank you for telling us"), "{page}");
    assert!(page.contains("the payment due on 2026-05-25 was not made"));
    post(format!("form_token={token}&due=2026-05-25")).await;
    let case = case_records::CaseReference::parse(&reference).unwrap();
    let reports: Vec<_> = state
        .store
        .collection_actions(&case)
        .await
        .unwrap()
        .into_iter()
        .filter(|a| {
            a.action
                == ledger::CollectionAction::DirectPayReport {
                    due: Date::parse_iso("2026-05-25").unwrap(),
                    paid: None,
                }
        })
        .collect();
    assert_eq!(reports.len(), 1, "reported once");
}

#[tokio::test]
async fn a_caseworker_records_a_change_from_the_case_page_under_the_same_rules_as_the_api() {
    let state = state_named("workspace-change").await;
    let reference = case_and_account(&state).await;
    let caseworker = sign_in(&state, "staff@example.org", "another long passphrase")
        .await
        .2
        .unwrap();
    let (_, page, _) = call(
        &state,
        "GET",
        &format!("/work/cases/{reference}"),
        &[("cookie", &caseworker)],
        "",
    )
    .await;
    assert!(page.contains("Record a change"));
    let token = hidden(&page, "form_token");
    let post = |body: String| {
        let state = state.clone();
        let reference = reference.clone();
        let cookie = caseworker.clone();
        async move {
            post_form(
                &state,
                &cookie,
                &format!("/work/cases/{reference}/actions"),
                &body,
            )
            .await
        }
    };
    let change = |kind: &str, from: &str, income: &str| {
        format!(
            "form_token={token}&reason=&action=record_change&step=0&change={kind}&effective_from={from}&income={income}"
        )
    };
    let (status, page, _) = post(change("income", "not a day", "400")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("The day the change applies from must be a real date"));
    let (status, _, _) = post(change("income", "2026-05-04", "400.00")).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let case = case_records::CaseReference::parse(&reference).unwrap();
    let history = state.store.case_history(&case).await.unwrap().unwrap();
    assert!(history.events.iter().any(|e| e.change
        == case_records::Change::Income(maintenance_calculation::Income::Weekly(Pence::new(
            40_000
        )))));
    // A disclosure waiting for review: closing is refused, and says why.
    let auth = bearer("receiver-token");
    call(
        &state,
        "POST",
        &format!("/api/v1/cases/{reference}/disclosures"),
        &[("authorization", &auth), ("idempotency-key", "d")],
        "{}",
    )
    .await;
    // The disclosure protected the receiving parent at once: the case is
    // restricted, so a caseworker outside the specialist team acts on it
    // only by giving a reason, which is audited.
    let (status, page, _) = post(change("case_closed", "2026-06-01", "")).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{page}");
    let with_reason = |body: String| body.replace("&reason=&", "&reason=closing+on+request&");
    let (status, page, _) = post(with_reason(change("case_closed", "2026-06-01", ""))).await;
    // The form again, the answers kept, the reason said.
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("govuk-error-summary") && page.contains("waiting for review"),
        "{page}"
    );
    assert!(page.contains("value=\"case_closed\" checked"), "{page}");
    // Reopening is refused too (the disclosure waits; and the case is open).
    let (status, page, _) = post(with_reason(change("case_reopened", "2026-06-01", ""))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
}

#[tokio::test]
async fn a_caseworker_holds_and_releases_payments_to_a_receiving_parent_from_the_case_page() {
    let state = state_named("workspace-hold").await;
    let reference = case_and_account(&state).await;
    let (status, body, _) = call(
        &state,
        "POST",
        &format!("/api/v1/cases/{reference}/facts"),
        &[
            ("authorization", &bearer("caseworker-token")),
            ("idempotency-key", "collected"),
        ],
        r#"{"facts": [
            {"effective_from": "2026-05-04", "change": {"kind": "child_joined", "child": 1, "receiving_parent": 1}},
            {"effective_from": "2026-05-04", "change": {"kind": "income", "weekly_pence": 40000}},
            {"effective_from": "2026-05-04", "change": {"kind": "service_type", "service": "collect_and_pay"}}]}"#,
    )
    .await;
    assert!(status.is_success(), "{body}");
    let caseworker = sign_in(&state, "staff@example.org", "another long passphrase")
        .await
        .2
        .unwrap();
    let path = format!("/work/cases/{reference}");
    let (_, page, _) = call(&state, "GET", &path, &[("cookie", &caseworker)], "").await;
    assert!(
        page.contains("Hold payments to receiving parent 1"),
        "{page}"
    );
    // Shared care recorded through the date input: two nights a week cut
    // the amount by two sevenths; a child not in the case is refused.
    let token0 = hidden(&page, "form_token");
    let shared = |child: &str| {
        format!(
            "form_token={token0}&reason=&action=record_change&change=shared_care&child={child}&nights=104&effective_from-day=4&effective_from-month=5&effective_from-year=2026"
        )
    };
    let (status, refused, _) = post_form(
        &state,
        &caseworker,
        &format!("{path}/actions"),
        &shared("2"),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert!(
        refused.contains("he case cannot take these facts") && refused.contains("value=\"104\""),
        "{refused}"
    );
    let (status, _, _) = post_form(
        &state,
        &caseworker,
        &format!("{path}/actions"),
        &shared("1"),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page, _) = call(&state, "GET", &path, &[("cookie", &caseworker)], "").await;
    assert!(
        page.contains("£34.29 a week in all, at the basic rate"),
        "£48.00 less two sevenths: {page}"
    );
    // The calculation in force, with its explanation (12% of £400, basic rate).
    assert!(page.contains("<h2 class=\"govuk-heading-m\">Calculation</h2>"));
    assert!(page.contains("<ol class=\"govuk-list govuk-list--number\">\n<li>"));
    let token = hidden(&page, "form_token");
    let seen = hidden(&page, "seen");
    let actions = format!("{path}/actions");
    let hold = |why: &str| {
        format!(
            "form_token={token}&reason=&action=hold_disbursements&receiving_parent=1&seen={seen}&hold_reason={why}"
        )
    };
    // No reason: refused, and nothing is held.
    let (status, refused, _) = post_form(&state, &caseworker, &actions, &hold("+")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.contains("Enter why the payments are held")
            && refused.contains("href=\"#hold_reason_1\""),
        "{refused}"
    );
    let case = case_records::CaseReference::parse(&reference).unwrap();
    let held = || {
        let state = state.clone();
        async move {
            let actions = state.store.collection_actions(&case).await.unwrap();
            ledger::CollectionState::from_actions(&actions).held
        }
    };
    assert!(held().await.is_empty());
    // Held, once however often the button is pressed.
    for _ in 0..2 {
        let (status, _, _) =
            post_form(&state, &caseworker, &actions, &hold("bank+account+checked")).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
    }
    assert_eq!(
        held().await.get(&case_records::ReceivingParentId(1)),
        Some(&"bank account checked".to_owned())
    );
    assert_eq!(
        state.store.collection_actions(&case).await.unwrap().len(),
        1
    );
    let (_, page, _) = call(&state, "GET", &path, &[("cookie", &caseworker)], "").await;
    assert!(page.contains("Held: bank account checked"), "{page}");
    let seen = hidden(&page, "seen");
    let (status, _, _) = post_form(
        &state,
        &caseworker,
        &actions,
        &format!(
            "form_token={token}&reason=&action=release_disbursements&receiving_parent=1&seen={seen}"
        ),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(held().await.is_empty(), "released");
    // The receiving parent's own pages say nothing of it.
    let parent = sign_in(&state, "rae@example.org", "a long passphrase here")
        .await
        .2
        .unwrap();
    let (_, account, _) = call(&state, "GET", "/account", &[("cookie", &parent)], "").await;
    assert!(!account.contains("bank account checked"));
    let explained = account
        .split("How the weekly amount was worked out")
        .nth(1)
        .expect("the explanation on the account page");
    assert!(explained.contains("£34.29"), "{explained}");
}

#[tokio::test]
async fn a_parent_asks_to_move_and_reports_a_change_and_a_caseworker_deals_with_each() {
    let state = state_named("parent-requests").await;
    let reference = case_and_account(&state).await;
    let parent = sign_in(&state, "rae@example.org", "a long passphrase here")
        .await
        .2
        .unwrap();
    let (_, account, _) = call(&state, "GET", "/account", &[("cookie", &parent)], "").await;
    let move_path = format!("/account/cases/{reference}/move-to-collect-and-pay");
    let change_path = format!("/account/cases/{reference}/report-a-change");
    assert!(account.contains(&move_path) && account.contains(&change_path));
    let (status, page, _) = call(&state, "GET", &move_path, &[("cookie", &parent)], "").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Exit this page"));
    let token = hidden(&page, "form_token");
    let (status, refused, _) =
        post_form(&state, &parent, &move_path, &format!("form_token={token}")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.contains("<a href=\"#reason\">Select why you want to move"));
    // Sent well: post-redirect-get, to the page saying what happens next.
    let follow = |headers: Vec<(String, String)>| {
        let state = state.clone();
        let parent = parent.clone();
        async move {
            let location = headers
                .iter()
                .find(|(name, _)| name == "location")
                .map(|(_, value)| value.clone())
                .unwrap();
            call(&state, "GET", &location, &[("cookie", &parent)], "")
                .await
                .1
        }
    };
    for _ in 0..2 {
        let (status, _, headers) = post_form(
            &state,
            &parent,
            &move_path,
            &format!("form_token={token}&reason=not_safe"),
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let thanks = follow(headers).await;
        assert!(
            thanks.contains("We will not tell the other parent"),
            "{thanks}"
        );
    }
    // A change: the date input refuses a day that does not exist, keeping
    // what was typed and linking the first field.
    let (status, refused, _) = post_form(
        &state,
        &parent,
        &change_path,
        &format!("form_token={token}&change=moved_home&from-day=31&from-month=2&from-year=2026"),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.contains("<a href=\"#from-day\">Date it changed must be a real date"));
    assert!(
        refused.contains("name=\"from-day\" type=\"text\" value=\"31\""),
        "{refused}"
    );
    assert!(refused.contains("value=\"moved_home\" checked"));
    let (status, _, headers) = post_form(
        &state,
        &parent,
        &change_path,
        &format!("form_token={token}&change=moved_home&from-day=1&from-month=11&from-year=2026"),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let thanks = follow(headers).await;
    assert!(thanks.contains("to take your new address"), "{thanks}");
    let case = case_records::CaseReference::parse(&reference).unwrap();
    let open = || {
        let state = state.clone();
        async move {
            let actions = state.store.collection_actions(&case).await.unwrap();
            ledger::CollectionState::from_actions(&actions).open_requests
        }
    };
    assert_eq!(open().await.len(), 2, "the move once, and the change");
    // Nothing was decided: still Direct Pay.
    let history = state.store.case_history(&case).await.unwrap().unwrap();
    let today = state.clock.today();
    assert!(!ledger::CollectionTerms::on(&history, today, today, state.parameters).collect_and_pay);

    let caseworker = sign_in(&state, "staff@example.org", "another long passphrase")
        .await
        .2
        .unwrap();
    // The change reported is casework; the move asked for because it is
    // not safe is the specialist team's (a disclosure too).
    let (_, work, _) = call(&state, "GET", "/work", &[("cookie", &caseworker)], "").await;
    let casework = work
        .split("<h2 class=\"govuk-heading-m\">Casework</h2>")
        .nth(1)
        .unwrap();
    let casework = casework.split("<h2").next().unwrap();
    assert!(
        casework.contains(&format!("{reference}</a>"))
            && casework.contains("Request from a parent"),
        "{work}"
    );
    let path = format!("/work/cases/{reference}");
    // Asking because it is not safe protected the receiving parent at once:
    // the case is restricted to the specialist team and its named
    // caseworker, and says so to anyone else.
    let (_, page, _) = call(&state, "GET", &path, &[("cookie", &caseworker)], "").await;
    assert!(page.contains("This case is restricted"), "{page}");
    assert!(!page.contains("It is not safe"));
    let protection = state.store.protection_events(2).await.unwrap();
    assert!(
        matches!(
            protection[..],
            [safety::ProtectionRecord {
                event: safety::ProtectionEvent::Protected {
                    cause: safety::ProtectionCause::UnsafeRequest
                },
                ..
            }]
        ),
        "{protection:?}"
    );
    let specialist = new_session(
        &state,
        "specialist@example.org",
        61,
        "domestic_abuse_specialist",
    )
    .await;
    let (_, page, _) = call(&state, "GET", &path, &[("cookie", &specialist)], "").await;
    assert!(page.contains("Asks to move to Collect and Pay: It is not safe"));
    assert!(page.contains("Reports a change from 2026-11-01: I have moved home"));
    let token = hidden(&page, "form_token");
    let (status, _, _) = post_form(
        &state,
        &specialist,
        &format!("{path}/actions"),
        &format!("form_token={token}&reason=&action=request_dealt_with&request=1"),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let left = open().await;
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].request, 2);
    // A parent cannot mark their own request dealt with.
    let (status, _, _) = call(
        &state,
        "POST",
        &format!("/api/v1/cases/{reference}/collection/actions"),
        &[
            ("authorization", &bearer("receiver-token")),
            ("idempotency-key", "mine"),
        ],
        r#"{"action": "request_dealt_with", "request": 2}"#,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(open().await.len(), 1);
}

#[tokio::test]
async fn a_named_caseworker_sees_their_cases_on_their_work_page() {
    let state = state_named("workspace-mine").await;
    let reference = case_and_account(&state).await;
    let caseworker = sign_in(&state, "staff@example.org", "another long passphrase")
        .await
        .2
        .unwrap();
    let mine = |cookie: String| {
        let state = state.clone();
        async move {
            let (_, work, _) = call(&state, "GET", "/work", &[("cookie", &cookie)], "").await;
            work.split("Assigned to you")
                .nth(1)
                .and_then(|rest| rest.split("<h2").next())
                .unwrap_or_default()
                .to_owned()
        }
    };
    assert!(!mine(caseworker.clone()).await.contains(&reference));
    // A disclosure waits for review; naming the caseworker gives it to them.
    let (status, body, _) = call(
        &state,
        "POST",
        &format!("/api/v1/cases/{reference}/disclosures"),
        &[
            ("authorization", &bearer("receiver-token")),
            ("idempotency-key", "told"),
        ],
        "{}",
    )
    .await;
    assert!(status.is_success(), "{body}");
    let (status, body, _) = call(
        &state,
        "POST",
        &format!("/api/v1/cases/{reference}/safety/actions"),
        &[
            ("authorization", &bearer("specialist-token")),
            ("idempotency-key", "named"),
        ],
        r#"{"action": "assign_named_caseworker", "person": 17}"#,
    )
    .await;
    assert!(status.is_success(), "{body}");
    assert!(mine(caseworker).await.contains(&reference));
}

#[tokio::test]
async fn a_parent_creates_an_account_signs_in_and_can_apply_and_a_taken_address_reveals_nothing() {
    let state = state_named("create-account").await;
    let create = |body: &str| {
        let state = state.clone();
        let body = body.to_owned();
        async move {
            call(
                &state,
                "POST",
                "/create-account",
                &[
                    ("content-type", "application/x-www-form-urlencoded"),
                    ("sec-fetch-site", "same-origin"),
                ],
                &body,
            )
            .await
        }
    };
    let (status, page, _) = call(&state, "GET", "/create-account", &[], "").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Exit this page"));
    // Every problem at once, each linked; the password is never sent back.
    let (status, refused, _) = create("login=not-an-email&password=short&role=").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    for link in ["#login", "#password", "#role"] {
        assert!(
            refused.contains(&format!("<a href=\"{link}\">")),
            "{link}: {refused}"
        );
    }
    assert!(!refused.contains("value=\"short\""));
    assert!(refused.contains("value=\"not-an-email\""));
    assert!(state.store.account("not-an-email").await.unwrap().is_none());
    let (status, made, _) =
        create("login=Dee%40Example.org&password=twelve+chars+ok&role=receiving_parent").await;
    assert_eq!(status, StatusCode::OK);
    assert!(made.contains("Now sign in"));
    let (_, person, role) = state
        .store
        .account("dee@example.org")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(role, "receiving_parent");
    // The same address again, by someone else: the same answer, and the
    // account is unchanged (its password still works; the new one does not).
    let (status, again, _) =
        create("login=dee%40example.org&password=someone+elses+pass&role=paying_parent").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again, made);
    let (_, same_person, same_role) = state
        .store
        .account("dee@example.org")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (same_person, same_role.as_str()),
        (person, "receiving_parent")
    );
    assert!(
        sign_in(&state, "dee@example.org", "someone elses pass")
            .await
            .2
            .is_none()
    );
    let cookie = sign_in(&state, "dee@example.org", "twelve chars ok")
        .await
        .2
        .expect("signed in with the password chosen");
    let (_, account, _) = call(&state, "GET", "/account", &[("cookie", &cookie)], "").await;
    assert!(account.contains("href=\"/apply\""));
    // Staff roles cannot be made here.
    let (status, _, _) =
        create("login=boss%40example.org&password=twelve+chars+ok&role=team_leader").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        state
            .store
            .account("boss@example.org")
            .await
            .unwrap()
            .is_none()
    );
}
