//! The HTML pages, on GOV.UK Frontend: one layout for every page, the
//! embedded assets, and the public pages (the start page; the calculator
//! anyone can use without signing in is `calculator.rs`).
//!
//! Every page is built through [`layout`], so every page gets the same
//! headers (a strict Content-Security-Policy with no inline script,
//! `Cache-Control: no-store`, no referrer) and, where it could matter to
//! someone's safety, the "Exit this page" button.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::html::{self, Button, Markup, escape};

/// The service's name, in the header and every title.
pub const SERVICE_NAME: &str = "Child maintenance";

/// Where "Exit this page" ends up: a neutral, busy page (the component's
/// own default).
pub const EXIT_TO: &str = "https://www.bbc.co.uk/weather";

/// Where the "Exit this page" button points: this service's `/exit`, which
/// ends the session on the server and sends the browser on to [`EXIT_TO`].
/// A link, so it works before any script has run, and by Shift three times
/// (the component follows the button's link).
pub const EXIT_LINK: &str = "/exit";

/// The Content-Security-Policy of every page: scripts and styles from this
/// server only, nothing inline, no frames, forms posting here only.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// GOV.UK Frontend's compiled CSS without the GDS Transport font (see
/// `build.rs`).
const GOVUK_CSS: &str = include_str!(concat!(env!("OUT_DIR"), "/govuk-frontend.min.css"));
/// GOV.UK Frontend's compiled JavaScript (an ES module).
const GOVUK_JS: &str = include_str!(concat!(env!("OUT_DIR"), "/govuk-frontend.min.js"));
/// Marks the body as supported before anything draws, as the GOV.UK page
/// template's inline script does; a file, so the policy needs no inline script.
const SUPPORTED_JS: &str = "document.body.className += ' js-enabled' + ('noModule' in HTMLScriptElement.prototype ? ' govuk-frontend-supported' : '');\n";
/// Starts every component.
const INIT_JS: &str = "import { initAll } from '/assets/govuk-frontend.min.js';\ninitAll();\n";

/// `GET /assets/{file}`: the embedded stylesheet and scripts.
pub async fn asset(axum::extract::Path(file): axum::extract::Path<String>) -> Response {
    let (body, content_type) = match file.as_str() {
        "govuk-frontend.min.css" => (GOVUK_CSS, "text/css; charset=utf-8"),
        "govuk-frontend.min.js" => (GOVUK_JS, "text/javascript; charset=utf-8"),
        "supported.js" => (SUPPORTED_JS, "text/javascript; charset=utf-8"),
        "init.mjs" => (INIT_JS, "text/javascript; charset=utf-8"),
        _ => return (StatusCode::NOT_FOUND, "not found").into_response(),
    };
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    // Public and unchanging within a build.
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// A sum of pence from the ledger (which may be negative: a reduction, or
/// a parent in credit) as pounds, with its sign: `-£1.50`.
#[must_use]
pub fn signed_pounds(pence: i128) -> String {
    let sign = if pence < 0 { "-" } else { "" };
    let pence = pence.unsigned_abs();
    format!("{sign}£{}.{:02}", pence / 100, pence % 100)
}

/// A page to render.
pub struct Page<'a> {
    /// The title, before the service's name. Neutral on sensitive pages.
    pub title: &'a str,
    /// Whether the page shows "Exit this page".
    pub exit_this_page: bool,
    /// The main content.
    pub main: Markup,
}

/// The one layout: every page goes through here.
#[must_use]
pub fn layout(page: &Page<'_>) -> Markup {
    let exit = if page.exit_this_page {
        html::exit_this_page(EXIT_LINK).into_string()
    } else {
        String::new()
    };
    Markup::trusted(format!(
        "<!DOCTYPE html>\n<html lang=\"en\" class=\"govuk-template\">\n<head>\n<meta charset=\"utf-8\">\n<title>{title} – {service}</title>\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1, viewport-fit=cover\">\n<meta name=\"theme-color\" content=\"#0b0c0c\">\n<link rel=\"stylesheet\" href=\"/assets/govuk-frontend.min.css\">\n</head>\n<body class=\"govuk-template__body\">\n<script src=\"/assets/supported.js\"></script>\n{skip}\n<header>{header}</header>\n<div class=\"govuk-width-container\">\n{exit}\n<main class=\"govuk-main-wrapper\" id=\"main-content\">\n{main}\n</main>\n</div>\n{footer}\n<script type=\"module\" src=\"/assets/init.mjs\"></script>\n</body>\n</html>\n",
        title = escape(page.title),
        service = SERVICE_NAME,
        skip = html::skip_link("#main-content", "Skip to main content").as_str(),
        header = html::generic_header(SERVICE_NAME, "/").as_str(),
        main = page.main.as_str(),
        footer = footer().as_str(),
    ))
}

/// Our own footer: GOV.UK Frontend's always draws the crown.
fn footer() -> Markup {
    Markup::trusted(
        "<footer class=\"govuk-footer\">\n  <div class=\"govuk-width-container\">\n    <div class=\"govuk-footer__meta\">\n      <div class=\"govuk-footer__meta-item govuk-footer__meta-item--grow\">\n        <h2 class=\"govuk-visually-hidden\">Support links</h2>\n        <ul class=\"govuk-footer__inline-list\">\n          <li class=\"govuk-footer__inline-list-item\"><a class=\"govuk-footer__link\" href=\"/staying-safe-online\">Staying safe online</a></li>\n        </ul>\n        <span class=\"govuk-footer__licence-description\">Built with GOV.UK Frontend (MIT licence). This service is not hosted on GOV.UK.</span>\n      </div>\n    </div>\n  </div>\n</footer>"
            .to_owned(),
    )
}

/// A rendered page with the headers every page carries.
#[must_use]
pub fn respond(status: StatusCode, page: &Page<'_>) -> Response {
    let mut response = (status, layout(page).into_string()).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

/// `GET /`: the start page.
pub async fn start() -> Response {
    let main = Markup::concat(&[
        Markup::trusted("<h1 class=\"govuk-heading-xl\">Child maintenance</h1>\n".to_owned()),
        html::paragraph(
            "Use this service to arrange child maintenance, see what is due and paid, and tell us about changes.",
        ),
        html::paragraph(
            "You can work out how much child maintenance might be paid without signing in.",
        ),
        html::button(&Button {
            text: "Work out child maintenance",
            href: Some("/calculator"),
            is_start_button: true,
            ..Button::default()
        }),
        Markup::trusted(
            "<h2 class=\"govuk-heading-m\">Apply, or see your case</h2>\n<p class=\"govuk-body\"><a class=\"govuk-link\" href=\"/sign-in\">Sign in</a> to apply or to see your case. New here? <a class=\"govuk-link\" href=\"/create-account\">Create an account</a>.</p>\n".to_owned(),
        ),
        Markup::trusted(
            "<h2 class=\"govuk-heading-m\">If you are worried about your safety</h2>\n".to_owned(),
        ),
        html::paragraph(
            "If you are in immediate danger, call 999. If you cannot speak, call 999 and press 55 when asked.",
        ),
        html::paragraph(
            "You can leave this site quickly at any time with the Exit this page button, or by pressing the Shift key 3 times.",
        ),
    ]);
    respond(
        StatusCode::OK,
        &Page {
            title: "Child maintenance",
            exit_this_page: true,
            main,
        },
    )
}

/// A date typed into the date input as day, month and year; or the GOV.UK
/// style message naming `what` ("Date it changed must be a real date").
pub(crate) fn date_from_parts(parts: [&str; 3], what: &str) -> Result<domain_types::Date, String> {
    let parts = parts.map(str::trim);
    if parts.iter().all(|p| p.is_empty()) {
        return Err(format!("Enter the {}", what.to_lowercase()));
    }
    let real = || format!("{what} must be a real date, like 27 3 2026");
    let number = |p: &str| p.parse::<u32>().ok();
    let (Some(day), Some(month), Some(year)) =
        (number(parts[0]), number(parts[1]), number(parts[2]))
    else {
        return Err(real());
    };
    i32::try_from(year)
        .ok()
        .and_then(|year| domain_types::Date::from_ymd(year, month, day))
        .ok_or_else(real)
}

/// A calculation's explanation, step by step with the rule of each: the
/// one rendering the calculator, the parents' account and the case page use.
pub(crate) fn explanation_list<'a>(steps: impl IntoIterator<Item = (&'a str, &'a str)>) -> Markup {
    let mut list = String::from("<ol class=\"govuk-list govuk-list--number\">\n");
    for (text, rule) in steps {
        list.push_str(&format!(
            "<li>{} <span class=\"govuk-body-s\">({})</span></li>\n",
            escape(text),
            escape(rule)
        ));
    }
    list.push_str("</ol>\n");
    Markup::trusted(list)
}

/// The calculation in force on a case today (or, before liability starts,
/// the one that will apply from its start), explained; `None` when none
/// runs.
pub(crate) fn calculation_today(
    history: &case_records::CaseHistory,
    parameters: &legal_parameters::Parameters,
    today: domain_types::Date,
) -> Option<calculation_json::CalculationAnswer> {
    let on = today.max(history.initial_effective_date?);
    let (ids, request) =
        case_records::calculation_request_on(history, parameters, today, on).ok()??;
    let ids: Vec<String> = ids.iter().map(|id| id.0.to_string()).collect();
    calculation_json::explain_request(&request, &ids, parameters).ok()
}

/// `GET /staying-safe-online`: how to use the service safely on a shared
/// device.
pub async fn staying_safe() -> Response {
    let main = Markup::concat(&[
        Markup::trusted("<h1 class=\"govuk-heading-l\">Staying safe online</h1>\n".to_owned()),
        html::paragraph(
            "If someone else uses your phone or computer, they may be able to see which websites you have visited.",
        ),
        html::paragraph(
            "Use a private or incognito window, sign out when you finish, and clear your browsing history if it is safe to do so.",
        ),
        html::paragraph(
            "The Exit this page button, or pressing the Shift key 3 times, takes you to a weather website at once and signs you out. It does not remove this site from your history.",
        ),
        html::paragraph(
            "If you are in immediate danger, call 999. If you cannot speak, call 999 and press 55 when asked.",
        ),
    ]);
    respond(
        StatusCode::OK,
        &Page {
            title: "Staying safe online",
            exit_this_page: true,
            main,
        },
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn ledger_sums_keep_their_sign() {
        assert_eq!(super::signed_pounds(12_345), "£123.45");
        assert_eq!(super::signed_pounds(0), "£0.00");
        assert_eq!(super::signed_pounds(-150), "-£1.50");
    }
}
