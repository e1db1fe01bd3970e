//! Work items on the API and the pages (issue 14): the queues a role works,
//! read a page at a time from the items the store keeps as the work happens
//! (`Store::work_queue`), never recomputed from the caseload; the danger
//! alert on every specialist page; and claiming, returning and completing
//! an item. The rules (kinds, teams, priorities, standards) are the
//! `work-items` crate's; this module only parses and renders.

// A refused request is answered with its `Response` straight away.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;

use audit_log::Action;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use case_records::PersonId;
use serde_json::{Value, json};
use storage_api::StorageError;
use work_items::{Team, WorkCommand, WorkItem, WorkKind, WorkPage, WorkQuery, age_in_words};

use crate::cases::{Staff, error, forbidden_unless, storage_failure};
use crate::html::{Markup, escape};
use crate::{AppState, json_response};

/// Items a queue shows on one page.
pub(crate) const PAGE_SIZE: u32 = 25;

/// A query's filters from the address (`kind`, `risk`, `mine`, `overdue`,
/// `page`): anything else, or a value it does not know, is refused.
pub(crate) fn query_from(
    staff: &Staff,
    params: &HashMap<String, String>,
    now: i64,
) -> Result<WorkQuery, Response> {
    if let Some(unknown) = params
        .keys()
        .find(|k| !["kind", "risk", "mine", "overdue", "page", "team"].contains(&k.as_str()))
    {
        return Err(error(
            StatusCode::UNPROCESSABLE_ENTITY,
            unknown,
            "unknown parameter",
        ));
    }
    let flag = |name: &str| -> Result<bool, Response> {
        match params.get(name).map(String::as_str) {
            None | Some("false") => Ok(false),
            Some("true") => Ok(true),
            Some(_) => Err(error(
                StatusCode::UNPROCESSABLE_ENTITY,
                name,
                "true or false",
            )),
        }
    };
    let mut teams = Team::of_role(staff.role);
    if let Some(team) = params.get("team") {
        let wanted = Team::from_code(team)
            .filter(|t| teams.contains(t))
            .ok_or_else(|| {
                error(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "team",
                    "not a team you work",
                )
            })?;
        teams = vec![wanted];
    }
    let page: u32 = match params.get("page") {
        None => 1,
        Some(text) => text
            .parse()
            .ok()
            .filter(|p| (1..=10_000).contains(p))
            .ok_or_else(|| {
                error(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "page",
                    "a page number from 1",
                )
            })?,
    };
    Ok(WorkQuery {
        teams,
        kind: params
            .get("kind")
            .map(|k| {
                WorkKind::from_code(k).ok_or_else(|| {
                    error(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "kind",
                        "not a kind of work",
                    )
                })
            })
            .transpose()?,
        risk: params
            .get("risk")
            .map(|r| {
                safety::RiskLevel::from_code(r).ok_or_else(|| {
                    error(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "risk",
                        "standard, raised or high",
                    )
                })
            })
            .transpose()?,
        assignee: flag("mine")?.then(|| PersonId(u64::try_from(staff.person).unwrap_or(0))),
        overdue_at: flag("overdue")?.then_some(now),
        case: None,
        offset: (page - 1) * PAGE_SIZE,
        limit: PAGE_SIZE,
    })
}

fn item_json(item: &WorkItem, now: i64) -> Value {
    json!({
        "id": item.id,
        "kind": item.kind.code(),
        "what": item.kind.in_words(),
        "team": item.kind.team().code(),
        "case": item.case.map(|c| c.to_string()),
        "risk": item.risk.code(),
        "restricted": item.restricted,
        "raised": item.raised,
        "age": age_in_words(item.raised, now),
        "due": item.due,
        "overdue": item.overdue(now),
        "assignee": item.assignee.map(|p| p.0),
        "state": item.state.code(),
    })
}

fn page_json(page: &WorkPage, now: i64) -> Value {
    json!({
        "items": page.items.iter().map(|i| item_json(i, now)).collect::<Vec<_>>(),
        "counts": page.counts.iter().map(|(k, n)| json!({"kind": k.code(), "count": n})).collect::<Vec<_>>(),
        "total": page.total(),
    })
}

/// `GET /api/v1/work`: a page of the queues the caller's role works, most
/// urgent first then oldest, with counts (`kind`, `risk`, `team`,
/// `mine=true`, `overdue=true`, `page`).
pub async fn queue_api(
    State(state): State<AppState>,
    staff: Staff,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let result = async {
        forbidden_unless(!Team::of_role(staff.role).is_empty())?;
        let now = state.clock.now_unix_seconds();
        let query = query_from(&staff, &params, now)?;
        let page = state
            .store
            .work_queue(&query)
            .await
            .map_err(|e| storage_failure(&e))?;
        Ok(json_response(StatusCode::OK, &page_json(&page, now)))
    };
    result.await.unwrap_or_else(|response| response)
}

/// The item, if the caller's role works its team.
async fn item_for(state: &AppState, staff: &Staff, id: &str) -> Result<WorkItem, Response> {
    let not_found = || error(StatusCode::NOT_FOUND, "id", "there is no such work item");
    let item = state
        .store
        .work_item(id)
        .await
        .map_err(|e| storage_failure(&e))?
        .ok_or_else(not_found)?;
    let mine = item.assignee.and_then(|p| i64::try_from(p.0).ok()) == Some(staff.person);
    if mine || Team::of_role(staff.role).contains(&item.kind.team()) {
        Ok(item)
    } else {
        Err(not_found())
    }
}

/// `GET /api/v1/work/{id}`: one item.
pub async fn item_api(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Response {
    let result = async {
        let item = item_for(&state, &staff, &id).await?;
        Ok(json_response(
            StatusCode::OK,
            &item_json(&item, state.clock.now_unix_seconds()),
        ))
    };
    result.await.unwrap_or_else(|response| response)
}

/// Claims, returns or completes an item (or assigns it), audited.
pub(crate) async fn command(
    state: &AppState,
    staff: &Staff,
    id: &str,
    command: WorkCommand,
) -> Result<WorkItem, Response> {
    item_for(state, staff, id).await?;
    let word = match command {
        WorkCommand::Claim => "claim",
        WorkCommand::AssignTo(_) => "assign",
        WorkCommand::Complete => "complete",
        WorkCommand::Return => "return",
    };
    let at = state.clock.now_unix_seconds();
    let audit = staff.audit(
        state,
        Action::Changed,
        None,
        vec![format!("work:{id}:{word}")],
        None,
    );
    state
        .store
        .command_work_item(id, command, staff.person, at, audit)
        .await
        .map_err(|e| match e {
            StorageError::WorkItemDone(_) => error(StatusCode::CONFLICT, "id", e.to_string()),
            StorageError::UnknownWorkItem(_) => error(StatusCode::NOT_FOUND, "id", e.to_string()),
            other => storage_failure(&other),
        })
}

/// `POST /api/v1/work/{id}/{claim|return|complete|assign}` (assign with
/// `{"to": person}`): the item as it now stands.
pub async fn command_api(
    State(state): State<AppState>,
    staff: Staff,
    Path((id, word)): Path<(String, String)>,
    body: String,
) -> Response {
    let result = async {
        let wanted = match word.as_str() {
            "claim" => WorkCommand::Claim,
            "return" => WorkCommand::Return,
            "complete" => WorkCommand::Complete,
            "assign" => {
                let request = crate::cases::parse_json(&body)?;
                let fields = crate::json_input::Fields::of(&request, "", &["to"])?;
                let to = fields.whole("to", u64::from(u32::MAX))?;
                if to == 0 {
                    return Err(error(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "to",
                        "the id of the person to give it to",
                    ));
                }
                WorkCommand::AssignTo(PersonId(to))
            }
            _ => {
                return Err(error(
                    StatusCode::NOT_FOUND,
                    "command",
                    "claim, return, complete or assign",
                ));
            }
        };
        let item = command(&state, &staff, &id, wanted).await?;
        Ok(json_response(
            StatusCode::OK,
            &item_json(&item, state.clock.now_unix_seconds()),
        ))
    };
    result.await.unwrap_or_else(|response| response)
}

/// One item as a list entry: its case (or payment), what, how old, risk,
/// restricted, overdue, and who has it.
fn item_line(item: &WorkItem, now: i64, me: i64) -> String {
    let target = item.case.map_or_else(
        || escape(&item.id),
        |case| format!("<a class=\"govuk-link\" href=\"/work/cases/{case}\">{case}</a>"),
    );
    let mut tags = Vec::new();
    if item.kind.is_alert() {
        tags.push("<strong class=\"govuk-tag govuk-tag--red\">Urgent</strong>".to_owned());
    }
    if item.restricted {
        tags.push("<strong class=\"govuk-tag govuk-tag--purple\">Restricted</strong>".to_owned());
    }
    if item.overdue(now) {
        tags.push("<strong class=\"govuk-tag govuk-tag--orange\">Overdue</strong>".to_owned());
    }
    let risk = match item.risk {
        safety::RiskLevel::Standard => "standard risk",
        safety::RiskLevel::Raised => "raised risk",
        safety::RiskLevel::High => "high risk",
    };
    let holder = match item.assignee {
        Some(p) if i64::try_from(p.0).ok() == Some(me) => ", with you".to_owned(),
        Some(p) => format!(", with staff {}", p.0),
        None => String::new(),
    };
    format!(
        "<li>{target} {}: {} ({}, {risk}{holder})</li>\n",
        tags.join(" "),
        escape(item.kind.in_words()),
        escape(&age_in_words(item.raised, now)),
    )
}

/// A list of items, or a line saying there are none.
pub(crate) fn list(items: &[WorkItem], now: i64, me: i64) -> Markup {
    if items.is_empty() {
        return Markup::trusted("<p class=\"govuk-body\">Nothing is waiting.</p>\n".to_owned());
    }
    let mut html = String::from("<ul class=\"govuk-list govuk-list--spaced\">\n");
    for item in items {
        html.push_str(&item_line(item, now, me));
    }
    html.push_str("</ul>\n");
    Markup::trusted(html)
}

/// The counts of a queue by kind, each a link to that kind's queue.
pub(crate) fn counts(page: &WorkPage, team: Team) -> Markup {
    if page.counts.is_empty() {
        return Markup::trusted(String::new());
    }
    let mut html = String::from("<p class=\"govuk-body-s\">");
    let parts: Vec<String> = page
        .counts
        .iter()
        .map(|(kind, n)| {
            format!(
                "<a class=\"govuk-link\" href=\"/work/queue?team={}&amp;kind={}\">{}: {n}</a>",
                team.code(),
                kind.code(),
                escape(kind.in_words())
            )
        })
        .collect();
    html.push_str(&parts.join(" · "));
    html.push_str("</p>\n");
    Markup::trusted(html)
}

/// The danger alert: every open item in immediate danger or with a police
/// call asked for, on every page of the specialist team until done.
pub(crate) async fn alert(state: &AppState, staff: &Staff) -> Result<Markup, Response> {
    if !Team::of_role(staff.role).contains(&Team::Specialist) {
        return Ok(Markup::trusted(String::new()));
    }
    let now = state.clock.now_unix_seconds();
    let mut urgent = Vec::new();
    for kind in [WorkKind::PoliceCallRequested, WorkKind::ImmediateDanger] {
        let page = state
            .store
            .work_queue(&WorkQuery {
                teams: vec![Team::Specialist],
                kind: Some(kind),
                limit: 10,
                ..WorkQuery::default()
            })
            .await
            .map_err(|e| storage_failure(&e))?;
        urgent.extend(page.items);
    }
    if urgent.is_empty() {
        return Ok(Markup::trusted(String::new()));
    }
    let mut lines = String::new();
    for item in &urgent {
        let case = item.case.map(|c| c.to_string()).unwrap_or_default();
        lines.push_str(&format!(
            "<li><a class=\"govuk-notification-banner__link\" href=\"/work/cases/{case}\">{} – {case}</a>, {}</li>\n",
            escape(if item.kind == WorkKind::PoliceCallRequested {
                "Police call requested"
            } else {
                "In immediate danger"
            }),
            escape(&age_in_words(item.raised, now)),
        ));
    }
    Ok(Markup::trusted(format!(
        "<div class=\"govuk-notification-banner\" role=\"alert\" aria-labelledby=\"danger-title\" data-module=\"govuk-notification-banner\">\n<div class=\"govuk-notification-banner__header\"><h2 class=\"govuk-notification-banner__title\" id=\"danger-title\">Someone is in danger now</h2></div>\n<div class=\"govuk-notification-banner__content\">\n<ul class=\"govuk-list\">\n{lines}</ul>\n</div>\n</div>\n"
    )))
}

/// GOV.UK Frontend's pagination (`govuk-pagination`, as its Nunjucks macro
/// writes it): previous and next links and the pages around this one, each
/// a link to `base` (ending `?` or `&amp;`) with `page=N`. Nothing for one
/// page.
pub(crate) fn pagination(base: &str, page: u32, pages: u32) -> Markup {
    if pages <= 1 {
        return Markup::trusted(String::new());
    }
    let link = |n: u32| format!("{base}page={n}");
    let mut html = String::from("<nav class=\"govuk-pagination\" aria-label=\"Pagination\">\n");
    if page > 1 {
        html.push_str(&format!(
            "<div class=\"govuk-pagination__prev\"><a class=\"govuk-link govuk-pagination__link\" href=\"{}\" rel=\"prev\"><svg class=\"govuk-pagination__icon govuk-pagination__icon--prev\" xmlns=\"http://www.w3.org/2000/svg\" height=\"13\" width=\"15\" aria-hidden=\"true\" focusable=\"false\" viewBox=\"0 0 15 13\"><path d=\"m6.5938-0.0078125-6.7266 6.7266 6.7441 6.4062 1.377-1.449-4.1856-3.9768h12.896v-2h-12.984l4.2931-4.293-1.414-1.414z\"></path></svg><span class=\"govuk-pagination__link-title\">Previous<span class=\"govuk-visually-hidden\"> page</span></span></a></div>\n",
            link(page - 1)
        ));
    }
    html.push_str("<ul class=\"govuk-pagination__list\">\n");
    let mut last_shown = 0;
    for n in 1..=pages {
        let near = n == 1 || n == pages || n.abs_diff(page) <= 1;
        if !near {
            continue;
        }
        if n > last_shown + 1 {
            html.push_str(
                "<li class=\"govuk-pagination__item govuk-pagination__item--ellipsis\">&ctdot;</li>\n",
            );
        }
        last_shown = n;
        if n == page {
            html.push_str(&format!(
                "<li class=\"govuk-pagination__item govuk-pagination__item--current\"><a class=\"govuk-link govuk-pagination__link\" href=\"{}\" aria-label=\"Page {n}\" aria-current=\"page\">{n}</a></li>\n",
                link(n)
            ));
        } else {
            html.push_str(&format!(
                "<li class=\"govuk-pagination__item\"><a class=\"govuk-link govuk-pagination__link\" href=\"{}\" aria-label=\"Page {n}\">{n}</a></li>\n",
                link(n)
            ));
        }
    }
    html.push_str("</ul>\n");
    if page < pages {
        html.push_str(&format!(
            "<div class=\"govuk-pagination__next\"><a class=\"govuk-link govuk-pagination__link\" href=\"{}\" rel=\"next\"><span class=\"govuk-pagination__link-title\">Next<span class=\"govuk-visually-hidden\"> page</span></span><svg class=\"govuk-pagination__icon govuk-pagination__icon--next\" xmlns=\"http://www.w3.org/2000/svg\" height=\"13\" width=\"15\" aria-hidden=\"true\" focusable=\"false\" viewBox=\"0 0 15 13\"><path d=\"m8.107-0.0078125-1.4136 1.414 4.2926 4.293h-12.986v2h12.896l-4.1855 3.9766 1.377 1.4492 6.7441-6.4062-6.7246-6.7266z\"></path></svg></a></div>\n",
            link(page + 1)
        ));
    }
    html.push_str("</nav>\n");
    Markup::trusted(html)
}
