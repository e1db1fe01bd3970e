//! Management information (`/work/mi`, team leaders and auditors): how
//! many cases, the share in which abuse was disclosed, moves to Collect and
//! Pay, referrals to the police or CPS, and what fell due beside what was
//! paid over the last six months, as tables, with the money also as an SVG
//! chart (hidden from screen readers, who read the table). No personal
//! data: counts and sums only. Worked out on request, case by case; a
//! national caseload wants it computed overnight.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use case_records::{Change, Role, ServiceType};
use ledger::StatementFor;
use safety::SafetyEvent;

use crate::AppState;
use crate::cases::storage_failure;
use crate::html::{self, Markup};
use crate::pages::{Page, respond};

/// `GET /work/mi`.
pub async fn page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let result = async {
        let Some((person, _)) = crate::self_service::signed_in(&state, &headers).await else {
            return Err(crate::self_service::see_other("/sign-in"));
        };
        if !matches!(person.role, Role::TeamLeader | Role::Auditor) {
            return Err(crate::cases::error(
                StatusCode::FORBIDDEN,
                "authorization",
                "management information is for team leaders and auditors",
            ));
        }
        let today = state.clock.today();
        let cases = state
            .store
            .case_references()
            .await
            .map_err(|e| storage_failure(&e))?;
        let (mut disclosed, mut moved, mut referrals, mut collected) =
            (0usize, 0usize, 0usize, 0usize);
        let mut months: Vec<(String, i128, i128)> = Vec::new();
        for case in &cases {
            let history = crate::cases::history_or_404(&state, case).await?;
            let first_day = history.events.iter().map(|e| e.recorded_on).min();
            let on_collect = |e: &case_records::FactEvent| {
                e.change == Change::ServiceType(ServiceType::CollectAndPay)
            };
            if history
                .events
                .iter()
                .any(|e| on_collect(e) && Some(e.recorded_on) != first_day)
            {
                moved += 1;
            }
            let records = state
                .store
                .safety_events(case)
                .await
                .map_err(|e| storage_failure(&e))?;
            if records
                .iter()
                .any(|r| matches!(r.event, SafetyEvent::Disclosed { .. }))
            {
                disclosed += 1;
            }
            referrals += records
                .iter()
                .filter(|r| matches!(r.event, SafetyEvent::Referred { .. }))
                .count();
            if ledger::CollectionTerms::on(&history, today, today, state.parameters).collect_and_pay
            {
                collected += 1;
                let transfers = state
                    .store
                    .transfers_for_case(case)
                    .await
                    .map_err(|e| storage_failure(&e))?;
                let lines = ledger::statement(&transfers, *case, StatementFor::PayingParent, today);
                let these = crate::self_service::monthly_totals(&lines, today);
                if months.is_empty() {
                    months = these;
                } else {
                    for (total, this) in months.iter_mut().zip(these) {
                        total.1 += this.1;
                        total.2 += this.2;
                    }
                }
            }
        }
        let applications = state
            .store
            .applications()
            .await
            .map_err(|e| storage_failure(&e))?
            .len();
        let percent = |part: usize| {
            if cases.is_empty() {
                "0%".to_owned()
            } else {
                // Whole percent, rounded half up: a count, not money.
                format!("{}%", (part * 200 + cases.len()) / (cases.len() * 2))
            }
        };
        let mut main = Markup::trusted(
            "<h1 class=\"govuk-heading-l\">Management information</h1>\n".to_owned(),
        );
        main.push(&html::paragraph(&format!("As of {today}.")));
        main.push(&html::summary_list(&[
            ("Cases".to_owned(), html::text(&cases.len().to_string())),
            (
                "Applications waiting for a calculation".to_owned(),
                html::text(&applications.to_string()),
            ),
            (
                "Cases in which abuse was disclosed".to_owned(),
                html::text(&format!("{disclosed} ({})", percent(disclosed))),
            ),
            (
                "Cases on Collect and Pay".to_owned(),
                html::text(&format!("{collected} ({})", percent(collected))),
            ),
            (
                "Moves to Collect and Pay after the case began".to_owned(),
                html::text(&moved.to_string()),
            ),
            (
                "Referrals to the police or the Crown Prosecution Service".to_owned(),
                html::text(&referrals.to_string()),
            ),
        ]));
        main.push(&Markup::trusted(
            "<h2 class=\"govuk-heading-m\">Collect and Pay: due and paid by month</h2>\n"
                .to_owned(),
        ));
        main.push(&crate::self_service::chart(&months, "Paid"));
        let pounds = crate::pages::signed_pounds;
        let rows: Vec<Vec<Markup>> = months
            .iter()
            .map(|(month, due, paid)| {
                let share = if *due > 0 {
                    format!("{}%", (paid * 200 + due) / (due * 2))
                } else {
                    "–".to_owned()
                };
                vec![
                    html::text(month),
                    html::text(&pounds(*due)),
                    html::text(&pounds(*paid)),
                    html::text(&share),
                ]
            })
            .collect();
        let column = |heading, numeric| html::Column { heading, numeric };
        main.push(&html::table(
            "Due and paid by month, with the share paid",
            &[
                column("Month", false),
                column("Due", true),
                column("Paid", true),
                column("Share paid", true),
            ],
            &rows,
            true,
        ));
        Ok(respond(
            StatusCode::OK,
            &Page {
                title: "Management information",
                exit_this_page: false,
                main,
            },
        ))
    };
    result.await.unwrap_or_else(|response| response)
}
