//! Management information (`/work/mi`, team leaders and auditors): how
//! many cases, the share in which abuse was disclosed, moves to Collect and
//! Pay, referrals to the police or CPS, arrears, work opened and done, and
//! what fell due beside what was paid over the last six months, as tables,
//! with the money also as an SVG chart (hidden from screen readers, who
//! read the table). No personal data: counts and sums only.
//!
//! Read from the totals the stores keep in the same transaction as the
//! events that change them (`storage_api::mi`, migration 0020): one read
//! of a few hundred rows at most, the same at 2,000 cases as at 750,000.
//! Nothing here reads a case.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use case_records::Role;
use storage_api::mi;

use crate::AppState;
use crate::cases::storage_failure;
use crate::html::{self, Markup};
use crate::pages::{Page, respond};

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

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
        let totals = state
            .store
            .mi_totals(None)
            .await
            .map_err(|e| storage_failure(&e))?;
        let count = |measure: &str| usize::try_from(totals.get(measure, "")).unwrap_or(0);
        let cases = count(mi::CASES);
        let (disclosed, collected, moved, referrals, applications) = (
            count(mi::CASES_DISCLOSED),
            count(mi::COLLECT_AND_PAY),
            count(mi::MOVES_TO_COLLECT_AND_PAY),
            count(mi::REFERRALS),
            count(mi::APPLICATIONS_WAITING),
        );
        // The last six months, oldest first, from the kept monthly sums.
        let months: Vec<(String, i128, i128)> = (0..6)
            .rev()
            .filter_map(|back| today.add_months(-back))
            .map(|day| {
                let (year, month, _) = day.ymd();
                let period = mi::month(day);
                (
                    format!("{} {year}", MONTHS[usize::try_from(month - 1).unwrap_or(0)]),
                    i128::from(totals.get(mi::DUE_PENCE, &period)),
                    i128::from(totals.get(mi::PAID_PENCE, &period)),
                )
            })
            .collect();
        let percent = |part: usize| {
            if cases == 0 {
                "0%".to_owned()
            } else {
                // Whole percent, rounded half up: a count, not money.
                format!("{}%", (part * 200 + cases) / (cases * 2))
            }
        };
        let mut main = Markup::trusted(
            "<h1 class=\"govuk-heading-l\">Management information</h1>\n".to_owned(),
        );
        main.push(&html::paragraph(&format!("As of {today}.")));
        main.push(&html::summary_list(&[
            ("Cases".to_owned(), html::text(&cases.to_string())),
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
            (
                "Cases in arrears".to_owned(),
                html::text(&format!(
                    "{} owing {}",
                    count(mi::CASES_IN_ARREARS),
                    crate::pages::signed_pounds(i128::from(totals.get(mi::ARREARS_PENCE, "")))
                )),
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
        // Work: what is open now (the queues' kept counts), opened and done.
        main.push(&Markup::trusted(
            "<h2 class=\"govuk-heading-m\">Work</h2>\n".to_owned(),
        ));
        let open_now = |kind: work_items::WorkKind| -> i64 {
            totals
                .periods(mi::WORK_OPEN)
                .iter()
                .filter(|(period, _)| period.split(':').next() == Some(kind.code()))
                .map(|(_, n)| *n)
                .sum()
        };
        let work_rows: Vec<Vec<Markup>> = work_items::WorkKind::ALL
            .iter()
            .map(|kind| {
                vec![
                    html::text(kind.in_words()),
                    html::text(&open_now(*kind).to_string()),
                    html::text(&totals.get(mi::WORK_OPENED, kind.code()).to_string()),
                    html::text(&totals.get(mi::WORK_CLOSED, kind.code()).to_string()),
                ]
            })
            .collect();
        main.push(&html::table(
            "Work items by kind",
            &[
                column("Kind", false),
                column("Open now", true),
                column("Opened", true),
                column("Done", true),
            ],
            &work_rows,
            false,
        ));
        main.push(&challenge_table(&totals));
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

/// A whole share, rounded half up (`(part * 200 + whole) / (whole * 2)`,
/// in integers): counts, not money; a dash when there is nothing to share.
fn half_up(part: i64, whole: i64, unit: &str) -> String {
    if whole <= 0 {
        return "–".to_owned();
    }
    format!("{}{unit}", (part * 200 + whole) / (whole * 2))
}

/// Challenges to decisions (issue 16): requests by timing, outcomes, the
/// share revised in full or in part (whole percent, half up), appeals and
/// the average days from request to outcome (whole days, half up).
fn challenge_table(totals: &mi::MiTotals) -> Markup {
    let n = |measure: &str, period: &str| totals.get(measure, period);
    let revised = n(mi::CHALLENGE_OUTCOMES, "revised");
    let partly = n(mi::CHALLENGE_OUTCOMES, "partly_revised");
    let not_revised = n(mi::CHALLENGE_OUTCOMES, "not_revised");
    let decided = revised + partly + not_revised;
    // The average: the days summed over the challenges decided, rounded
    // half up in integers, (sum * 2 + count) / (count * 2).
    let days = n(mi::CHALLENGE_DAYS, "");
    let average = if decided > 0 {
        format!("{} days", (days * 2 + decided) / (decided * 2))
    } else {
        "–".to_owned()
    };
    let rows: Vec<Vec<Markup>> = [
        (
            "Requests in time",
            n(mi::CHALLENGES_ASKED, "in_time").to_string(),
        ),
        (
            "Requests made late",
            n(mi::CHALLENGES_ASKED, "late").to_string(),
        ),
        ("Revised", revised.to_string()),
        ("Partly revised", partly.to_string()),
        ("Not revised", not_revised.to_string()),
        (
            "Share revised in full or in part",
            half_up(revised + partly, decided, "%"),
        ),
        (
            "Appeals to the tribunal",
            n(mi::CHALLENGES_APPEALED, "").to_string(),
        ),
        ("Average time from request to outcome", average),
    ]
    .into_iter()
    .map(|(label, value)| vec![html::text(label), html::text(&value)])
    .collect();
    let mut out =
        Markup::trusted("<h2 class=\"govuk-heading-m\">Challenges to decisions</h2>\n".to_owned());
    out.push(&html::paragraph(
        "Percentages and the average are rounded to the nearest whole number, halves up.",
    ));
    out.push(&html::table(
        "Mandatory reconsiderations and appeals",
        &[
            html::Column {
                heading: "Measure",
                numeric: false,
            },
            html::Column {
                heading: "Number",
                numeric: true,
            },
        ],
        &rows,
        true,
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::half_up;

    #[test]
    fn shares_are_whole_percent_rounded_half_up() {
        assert_eq!(half_up(1, 8, "%"), "13%", "12.5% rounds up");
        assert_eq!(half_up(1, 3, "%"), "33%");
        assert_eq!(half_up(2, 3, "%"), "67%");
        assert_eq!(half_up(0, 0, "%"), "–");
    }
}
