//! Finding a case (issue 14): by its reference, or over sealed data by a
//! name, National Insurance number, date of birth, postcode or phone.
//!
//! The database cannot read what it holds, so a search goes through the
//! blind index: what was typed is normalised and made into keyed tokens
//! here (`case_records::search_query`, with every key in the ring), and
//! the store answers by (kind, token) alone, never reading the cases
//! (`Store::search`). A result is a case, which party matched and whether
//! the case is restricted: never the matched person's details. Opening a
//! case is the case page's business, which enforces the role or a
//! break-glass reason. Who may search by what is who may see it
//! (`case_records::may_search`); every search is audited with its kind
//! and how many were found, never the value.
//!
//! `GET /api/v1/search?kind=…&q=…` for the API; the `/work` search box
//! posts to `/work/search` (a form post, so what was typed stays out of
//! addresses and browser history).

// A refused request is answered with its `Response` straight away.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;

use audit_log::Action;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use case_records::{
    CaseReference, Lookup, Role, SEARCH_MAX_CHARS, SearchKind, guess_kind, may_search, search_query,
};
use serde_json::{Value, json};

use crate::cases::{Staff, error, storage_failure};
use crate::html::{self, Button, Input, Markup, escape};
use crate::pages::{Page, respond};
use crate::{AppState, json_response};

/// The most results one search shows; more says to narrow it.
pub(crate) const RESULTS_LIMIT: u32 = 50;

/// What a search found.
struct Found {
    /// The kind searched by; `None` for a case reference.
    kind: Option<SearchKind>,
    /// Case, party matched (none for a reference), restricted.
    rows: Vec<(CaseReference, Option<String>, bool)>,
    /// Whether there were more than [`RESULTS_LIMIT`].
    more: bool,
}

/// Why a search was not made.
enum Refused {
    /// The role may not search by this.
    Forbidden(&'static str),
    /// What was typed cannot be searched for: the field and why.
    Invalid(&'static str, String),
    /// The answer to give as it is (the database, the audit).
    Failed(Response),
}

/// The kinds a search names: `reference` or a [`SearchKind`] code.
fn kind_from_code(code: &str) -> Option<Option<SearchKind>> {
    if code == "reference" {
        Some(None)
    } else {
        SearchKind::from_code(code).map(Some)
    }
}

fn kind_code(kind: Option<SearchKind>) -> &'static str {
    kind.map_or("reference", SearchKind::code)
}

/// Whether `role` may search by anything personal at all.
fn searches_people(role: Role) -> bool {
    SearchKind::ALL
        .into_iter()
        .any(|kind| may_search(role, kind))
}

/// Searches for `typed` as `kind` (worked out from `typed` when `None`),
/// as `staff`, and audits it.
async fn run(
    state: &AppState,
    staff: &Staff,
    kind: Option<Option<SearchKind>>,
    typed: &str,
) -> Result<Found, Refused> {
    let typed = typed.trim();
    if typed.is_empty() {
        return Err(Refused::Invalid("q", "enter what to search for".to_owned()));
    }
    let today = state.clock.today();
    let lookup = match kind {
        Some(None) => Lookup::Reference(
            CaseReference::parse(&typed.to_uppercase())
                .map_err(|e| Refused::Invalid("q", format!("not a case reference: {e}")))?,
        ),
        Some(Some(kind)) => Lookup::Search(kind),
        None => guess_kind(typed, today).ok_or_else(|| {
            Refused::Invalid(
                "q",
                if searches_people(staff.role) {
                    "enter a case reference, a name, a National Insurance number, a date of birth, a postcode or a phone number".to_owned()
                } else {
                    "enter a case reference like CM-7K3P-9XQ2-D".to_owned()
                },
            )
        })?,
    };
    let found = match lookup {
        Lookup::Reference(case) => {
            let history = state
                .store
                .case_history(&case)
                .await
                .map_err(|e| Refused::Failed(storage_failure(&e)))?;
            let mut rows = Vec::new();
            if history.is_some() {
                let parties = state
                    .store
                    .parties(&case)
                    .await
                    .map_err(|e| Refused::Failed(storage_failure(&e)))?;
                rows.push((case, None, crate::parties::is_restricted(&parties)));
            }
            Found {
                kind: None,
                rows,
                more: false,
            }
        }
        Lookup::Search(kind) => {
            if !may_search(staff.role, kind) {
                return Err(Refused::Forbidden(if searches_people(staff.role) {
                    "your role may not search by this"
                } else {
                    "your role may find a case by its reference only"
                }));
            }
            let query = search_query(&state.keys, kind, typed, today)
                .map_err(|refused| Refused::Invalid("q", refused.to_string()))?;
            let mut hits = state
                .store
                .search(&query, RESULTS_LIMIT + 1)
                .await
                .map_err(|e| Refused::Failed(storage_failure(&e)))?;
            let more = hits.len() > RESULTS_LIMIT as usize;
            hits.truncate(RESULTS_LIMIT as usize);
            Found {
                kind: Some(kind),
                rows: hits
                    .into_iter()
                    .map(|hit| (hit.case, Some(hit.party), hit.restricted))
                    .collect(),
                more,
            }
        }
    };
    // Who searched, by what kind, and how many were found: never the value.
    let audit = staff.audit(
        state,
        Action::Searched,
        None,
        vec![
            format!("kind:{}", kind_code(found.kind)),
            format!("found:{}", found.rows.len()),
        ],
        None,
    );
    state
        .store
        .append_audit(audit)
        .await
        .map_err(|e| Refused::Failed(storage_failure(&e)))?;
    Ok(found)
}

/// `GET /api/v1/search?kind=…&q=…` (staff): the cases whose parties have
/// the value, each with the party that matched and whether the case is
/// restricted; `kind` may be left out to have it worked out from `q`.
pub async fn search_api(
    State(state): State<AppState>,
    staff: Staff,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    if let Some(unknown) = params.keys().find(|k| !["kind", "q"].contains(&k.as_str())) {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            unknown,
            "unknown parameter; the parameters are kind and q",
        );
    }
    let kind = match params.get("kind") {
        None => None,
        Some(code) => match kind_from_code(code) {
            Some(kind) => Some(kind),
            None => {
                return error(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "kind",
                    "one of reference, name, ni_number, date_of_birth, postcode, phone",
                );
            }
        },
    };
    let Some(typed) = params.get("q") else {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "q",
            "is needed: what to search for",
        );
    };
    if typed.chars().count() > SEARCH_MAX_CHARS {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "q",
            format!("at most {SEARCH_MAX_CHARS} characters"),
        );
    }
    match run(&state, &staff, kind, typed).await {
        Ok(found) => json_response(
            StatusCode::OK,
            &json!({
                "kind": kind_code(found.kind),
                "results": found.rows.iter().map(|(case, party, restricted)| json!({
                    "reference": case.to_string(),
                    "party": party.as_deref().map_or(Value::Null, Value::from),
                    "restricted": restricted,
                })).collect::<Vec<_>>(),
                "more": found.more,
            }),
        ),
        Err(Refused::Forbidden(message)) => error(StatusCode::FORBIDDEN, "authorization", message),
        Err(Refused::Invalid(field, message)) => {
            error(StatusCode::UNPROCESSABLE_ENTITY, field, message)
        }
        Err(Refused::Failed(response)) => response,
    }
}

/// The `/work` search box, for `role`, posting with the session's form
/// token; `refused` and `typed` when it is shown again after a refusal.
pub(crate) fn form(form_token: &str, role: Role, refused: Option<&str>, typed: &str) -> Markup {
    let (label, hint) = if searches_people(role) {
        (
            "Find a case by its reference, a name, National Insurance number, date of birth, postcode or phone number",
            "For example, CM-7K3P-9XQ2-D, Ann Other, AB 12 34 56 C, 31/01/1990, SW1A 2AA or 020 7946 0000",
        )
    } else {
        (
            "Find a case by its reference",
            "For example, CM-7K3P-9XQ2-D",
        )
    };
    let mut markup = Markup::trusted(format!(
        "<form method=\"post\" action=\"/work/search\" novalidate>\n<input type=\"hidden\" name=\"form_token\" value=\"{}\">\n",
        escape(form_token)
    ));
    markup.push(&html::input(&Input {
        id: "reference",
        name: "q",
        label,
        hint: Some(hint),
        error: refused,
        value: Some(typed).filter(|t| !t.is_empty()),
        classes: Some("govuk-input--width-30"),
        autocomplete: Some("off"),
        ..Input::default()
    }));
    markup.push(&html::button(&Button {
        text: "Find case",
        classes: Some("govuk-button--secondary"),
        ..Button::default()
    }));
    markup.push(&Markup::trusted("</form>\n".to_owned()));
    markup
}

/// The search box's post.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct SearchForm {
    #[serde(default)]
    form_token: String,
    #[serde(default)]
    q: String,
}

/// Which party matched, in words.
fn party_in_words(party: &str) -> String {
    if party == "paying_parent" {
        "Paying parent".to_owned()
    } else if let Some(n) = party.strip_prefix("receiving_parent:") {
        format!("Receiving parent {n}")
    } else if let Some(n) = party.strip_prefix("child:") {
        format!("Child {n}")
    } else {
        "Someone in the case".to_owned()
    }
}

fn heading(text: &str) -> Markup {
    Markup::trusted(format!(
        "<h1 class=\"govuk-heading-l\">{}</h1>\n",
        escape(text)
    ))
}

fn page(status: StatusCode, title: &str, main: Markup) -> Response {
    respond(
        status,
        &Page {
            title,
            exit_this_page: false,
            main,
        },
    )
}

fn see_other(location: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(location) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `POST /work/search`: the `/work` search box. A case reference goes
/// straight to the case (an auditor's to who viewed it); anything else is
/// searched for and the cases found are listed, each with who matched and
/// a "Restricted" tag where it is, linking to the case page.
pub async fn search_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::Form(posted): axum::Form<SearchForm>,
) -> Response {
    let (signed_in, session) = match crate::self_service::signed_in(&state, &headers).await {
        Some((who, _)) if !who.role.sees_cases() => return crate::analyst::no_cases_page(),
        Some((who, session)) if !who.role.is_parent() => (who, session),
        _ => return crate::self_service::see_other("/sign-in"),
    };
    let token = match crate::self_service::checked_form(&headers, &session, &posted.form_token) {
        Ok(token) => token,
        Err(expired) => return expired,
    };
    let staff = Staff {
        person: signed_in.person,
        role: signed_in.role,
    };
    let typed = posted.q.trim();
    let found = if typed.chars().count() > SEARCH_MAX_CHARS {
        Err(Refused::Invalid(
            "q",
            format!("enter at most {SEARCH_MAX_CHARS} characters"),
        ))
    } else {
        run(&state, &staff, None, typed).await
    };
    match found {
        Ok(found) if found.kind.is_none() => match found.rows.first() {
            Some((case, _, _)) if staff.role == Role::Auditor => {
                see_other(&format!("/work/cases/{case}/audit"))
            }
            Some((case, _, _)) => see_other(&format!("/work/cases/{case}")),
            None => {
                let mut main = heading("Find a case");
                main.push(&html::paragraph("No case has that reference."));
                main.push(&form(&token, staff.role, None, ""));
                page(StatusCode::OK, "Find a case", main)
            }
        },
        Ok(found) => results_page(&found, &token, staff.role),
        Err(Refused::Forbidden(message)) => {
            let mut main = heading("Find a case");
            main.push(&html::paragraph(&format!(
                "You cannot search like that: {message}."
            )));
            main.push(&form(&token, staff.role, None, ""));
            page(StatusCode::FORBIDDEN, "Find a case", main)
        }
        Err(Refused::Invalid(_, message)) => {
            let message = capitalised(&message);
            let mut main = html::error_summary(
                "There is a problem",
                &[("#reference".to_owned(), message.clone())],
            );
            main.push(&heading("Find a case"));
            main.push(&form(&token, staff.role, Some(&message), typed));
            page(StatusCode::UNPROCESSABLE_ENTITY, "Error: Find a case", main)
        }
        Err(Refused::Failed(response)) => response,
    }
}

fn capitalised(message: &str) -> String {
    let mut chars = message.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// The cases found: never the matched person's details, only the case,
/// who matched and whether it is restricted.
fn results_page(found: &Found, form_token: &str, role: Role) -> Response {
    let kind = found.kind.map_or("reference", SearchKind::in_words);
    let mut main = heading("Search results");
    if found.rows.is_empty() {
        main.push(&html::paragraph(&format!("No cases found by that {kind}.")));
    } else {
        main.push(&html::paragraph(&format!(
            "{} found by {kind}{}.",
            match found.rows.len() {
                1 => "1 match".to_owned(),
                n => format!("{n} matches"),
            },
            if found.more {
                format!(", and more: only the first {RESULTS_LIMIT} are shown, so search by something more particular")
            } else {
                String::new()
            }
        )));
        let restricted_tag = Markup::trusted(
            "<strong class=\"govuk-tag govuk-tag--red\">Restricted</strong>".to_owned(),
        );
        let rows: Vec<Vec<Markup>> = found
            .rows
            .iter()
            .map(|(case, party, restricted)| {
                vec![
                    Markup::trusted(format!(
                        "<a class=\"govuk-link\" href=\"/work/cases/{case}\">{case}</a>"
                    )),
                    html::text(&party.as_deref().map_or_else(String::new, party_in_words)),
                    if *restricted {
                        restricted_tag.clone()
                    } else {
                        html::text("")
                    },
                ]
            })
            .collect();
        let column = |heading| html::Column {
            heading,
            numeric: false,
        };
        main.push(&html::table(
            "Cases found",
            &[column("Case"), column("Who matched"), column("Access")],
            &rows,
            false,
        ));
        if found.rows.iter().any(|(_, _, restricted)| *restricted) {
            main.push(&html::paragraph(
                "A restricted case opens only for the domestic abuse specialist team and its named caseworker; anyone else gives a reason, which is recorded and reviewed.",
            ));
        }
    }
    main.push(&Markup::trusted(
        "<h2 class=\"govuk-heading-m\">Search again</h2>\n".to_owned(),
    ));
    main.push(&form(form_token, role, None, ""));
    page(StatusCode::OK, "Search results", main)
}
