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

/// The service's own few styles: a button that looks like a link (for
/// "Sign out" in the header, a form since signing out is a POST) and the
/// timeout warning's dialog (after hmrc-frontend's timeout dialog).
const APP_CSS: &str = include_str!("pages/app.css");
/// The timeout warning: a port of hmrc-frontend's timeout dialog (the kept
/// implementation of the GOV.UK pattern) as one small module, no Node at
/// run time.
const TIMEOUT_JS: &str = include_str!("pages/timeout.mjs");

/// `GET /assets/{file}`: the embedded stylesheet and scripts.
pub async fn asset(axum::extract::Path(file): axum::extract::Path<String>) -> Response {
    let (body, content_type) = match file.as_str() {
        "govuk-frontend.min.css" => (GOVUK_CSS, "text/css; charset=utf-8"),
        "govuk-frontend.min.js" => (GOVUK_JS, "text/javascript; charset=utf-8"),
        "supported.js" => (SUPPORTED_JS, "text/javascript; charset=utf-8"),
        "init.mjs" => (INIT_JS, "text/javascript; charset=utf-8"),
        "app.css" => (APP_CSS, "text/css; charset=utf-8"),
        "timeout.mjs" => (TIMEOUT_JS, "text/javascript; charset=utf-8"),
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
    /// The title, before the service's name. A parent's generic title
    /// ("Your account") gives way to the page's own heading, so every page
    /// is named by what it asks or shows (WCAG 2.4.2); "Error: " is put in
    /// front whenever the page shows an error summary.
    pub title: &'a str,
    /// Whether the page shows "Exit this page".
    pub exit_this_page: bool,
    /// The main content. A back link first in it is placed before `<main>`,
    /// where the GOV.UK template puts it.
    pub main: Markup,
}

/// The name the header and every title carry in neutral mode.
pub const NEUTRAL_SERVICE_NAME: &str = "Online services";
/// Every page's title in neutral mode (before the neutral service name).
pub const NEUTRAL_TITLE: &str = "Your account";
/// The cookie that holds the choice of neutral page titles: `neutral`, or
/// absent. Kept on this device for a year (so the start and sign-in pages
/// of the next visit are neutral too) until changed on `/page-titles`.
pub const TITLES_COOKIE: &str = "cms_titles";

/// What the frame of a page knows about the request, set by [`frame`]
/// around every page's handler (a task-local, so no handler passes it).
#[derive(Clone, Debug, Default)]
pub struct Frame {
    /// Neutral titles and header, chosen by the person on this device.
    pub neutral: bool,
    /// When signed in: the session's form token (for "Sign out" in the
    /// header and the timeout warning) and where their own pages start.
    pub signed_in: Option<(String, &'static str)>,
    /// A back link for a page drawn by a shared function that has none.
    pub back: Option<String>,
}

tokio::task_local! {
    static FRAME: Frame;
}

/// The frame of the page being answered (the default outside [`frame`]).
#[must_use]
pub fn current_frame() -> Frame {
    FRAME.try_with(Clone::clone).unwrap_or_default()
}

/// Runs `draw` (a page's drawing) with a back link to `href` placed before
/// its main content.
pub(crate) fn with_back_link<R>(href: &str, draw: impl FnOnce() -> R) -> R {
    FRAME.sync_scope(
        Frame {
            back: Some(href.to_owned()),
            ..current_frame()
        },
        draw,
    )
}

/// The generic titles of parents' pages, which give way to the page's
/// heading.
const GENERIC_TITLES: [&str; 1] = [crate::self_service::PARENT_TITLE];

/// The visible words of a page's first `<h1>`, tags removed and
/// whitespace collapsed, unescaped (they are escaped again in the title).
fn first_heading(main: &str) -> Option<String> {
    let start = main.find("<h1")?;
    let rest = &main[start..];
    let open_end = rest.find('>')?;
    let close = rest.find("</h1>")?;
    let inner = rest.get(open_end + 1..close)?;
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
    let words = words
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    let words = words.split_whitespace().collect::<Vec<_>>().join(" ");
    (!words.is_empty()).then_some(words)
}

/// The page's title as the browser shows it: "What the page asks or shows
/// – Child maintenance", "Error: " in front when it shows an error; in
/// neutral mode "Your account – Online services" on every page (with
/// "Error: " kept, so a screen reader still hears it first).
#[must_use]
pub fn full_title(page: &Page<'_>, neutral: bool) -> String {
    let main = page.main.as_str();
    let given = page.title.strip_prefix("Error: ").unwrap_or(page.title);
    let error = page.title.starts_with("Error: ") || main.contains("govuk-error-summary\"");
    let prefix = if error { "Error: " } else { "" };
    if neutral {
        let what = if given == NOT_FOUND_TITLE || given == PROBLEM_TITLE {
            given
        } else {
            NEUTRAL_TITLE
        };
        return format!("{prefix}{what} – {NEUTRAL_SERVICE_NAME}");
    }
    let what = if GENERIC_TITLES.contains(&given) {
        first_heading(main).unwrap_or_else(|| given.to_owned())
    } else {
        given.to_owned()
    };
    if what == SERVICE_NAME {
        format!("{prefix}{SERVICE_NAME}")
    } else {
        format!("{prefix}{what} – {SERVICE_NAME}")
    }
}

/// The header: the service navigation with the service's name and, when
/// signed in, a link to their own pages and "Sign out" (a POST form, as
/// signing out is).
fn header(frame: &Frame) -> Markup {
    let name = if frame.neutral {
        NEUTRAL_SERVICE_NAME
    } else {
        SERVICE_NAME
    };
    match &frame.signed_in {
        None => html::service_navigation(Some((name, "/")), &[], None),
        Some((token, home)) => {
            let home_text = if matches!(*home, "/work" | "/analysis") {
                "Your work"
            } else {
                "Your account"
            };
            let sign_out = Markup::trusted(format!(
                "<li class=\"govuk-service-navigation__item\">\n<form method=\"post\" action=\"/sign-out\" class=\"app-inline-form\">\n<input type=\"hidden\" name=\"form_token\" value=\"{}\">\n<button type=\"submit\" class=\"govuk-service-navigation__link app-link-button\">Sign out</button>\n</form>\n</li>\n",
                escape(token)
            ));
            html::service_navigation(Some((name, "/")), &[(home, home_text)], Some(&sign_out))
        }
    }
}

/// The phase banner: beta, with the feedback page.
fn phase_banner() -> Markup {
    html::phase_banner(
        "Beta",
        &Markup::trusted(
            "This is a new service. Your <a class=\"govuk-link\" href=\"/feedback\">feedback</a> will help us to improve it.".to_owned(),
        ),
    )
}

/// The timeout warning's settings, for the embedded script: the warning
/// opens `warn_after` seconds after the page loaded and counts down
/// `countdown` seconds, then the browser goes to `/session-ended`. The
/// server's idle limit counts from the session's last write, which may be
/// up to `TOUCH_EVERY_SECONDS` before the page loaded, so the page ends
/// that much sooner.
///
/// `CMS_TIMEOUT_WARNING_AFTER_SECONDS` (read once, at the first page)
/// opens the warning sooner, for the browser tests; the server's own limit
/// does not change.
fn timeout_settings() -> (i64, i64) {
    static WARN_AFTER: std::sync::OnceLock<Option<i64>> = std::sync::OnceLock::new();
    let countdown = 120;
    let ends = crate::sign_in::IDLE_LIMIT_SECONDS - storage_api::TOUCH_EVERY_SECONDS;
    let warn_after = WARN_AFTER
        .get_or_init(|| {
            std::env::var("CMS_TIMEOUT_WARNING_AFTER_SECONDS")
                .ok()
                .and_then(|v| v.parse().ok())
                .filter(|s| *s > 0)
        })
        .unwrap_or(ends - countdown);
    (warn_after, countdown)
}

/// The one layout: every page goes through here.
#[must_use]
pub fn layout(page: &Page<'_>) -> Markup {
    let frame = current_frame();
    let exit = if page.exit_this_page {
        html::exit_this_page(EXIT_LINK).into_string()
    } else {
        String::new()
    };
    let (back, main) = split_back_link(page.main.as_str());
    let framed_back;
    let back = match &frame.back {
        Some(href) if back.is_empty() => {
            framed_back = html::back_link(href, "Back").into_string();
            framed_back.as_str()
        }
        _ => back,
    };
    let timeout = match &frame.signed_in {
        Some((token, _)) => {
            let (warn_after, countdown) = timeout_settings();
            format!(
                "<div id=\"app-timeout-warning\" hidden data-warn-after=\"{warn_after}\" data-countdown=\"{countdown}\" data-keep-alive-url=\"/keep-alive\" data-timed-out-url=\"/session-ended\" data-sign-out-url=\"/sign-out\" data-form-token=\"{}\"></div>\n<script type=\"module\" src=\"/assets/timeout.mjs\"></script>\n",
                escape(token)
            )
        }
        None => String::new(),
    };
    Markup::trusted(format!(
        "<!DOCTYPE html>\n<html lang=\"en\" class=\"govuk-template\">\n<head>\n<meta charset=\"utf-8\">\n<title>{title}</title>\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1, viewport-fit=cover\">\n<meta name=\"theme-color\" content=\"#0b0c0c\">\n<link rel=\"stylesheet\" href=\"/assets/govuk-frontend.min.css\">\n<link rel=\"stylesheet\" href=\"/assets/app.css\">\n</head>\n<body class=\"govuk-template__body\">\n<script src=\"/assets/supported.js\"></script>\n{skip}\n<header class=\"govuk-template__header\">{header}</header>\n{banner}\n<div class=\"govuk-width-container\">\n{exit}\n{back}\n<main class=\"govuk-main-wrapper\" id=\"main-content\">\n{main}\n</main>\n</div>\n{footer}\n{timeout}<script type=\"module\" src=\"/assets/init.mjs\"></script>\n</body>\n</html>\n",
        title = escape(&full_title(page, frame.neutral)),
        skip = html::skip_link("#main-content", "Skip to main content").as_str(),
        header = header(&frame).as_str(),
        banner = phase_banner().as_str(),
        footer = footer().as_str(),
    ))
}

/// A back link at the very start of a page's main content, and the rest.
fn split_back_link(main: &str) -> (&str, &str) {
    let trimmed = main.trim_start();
    if trimmed.starts_with("<a ")
        && let Some(end) = trimmed.find("</a>")
        && trimmed[..end].contains("class=\"govuk-back-link\"")
    {
        let end = end + "</a>".len();
        return (&trimmed[..end], &trimmed[end..]);
    }
    ("", main)
}

/// Our own footer: GOV.UK Frontend's always draws the crown.
fn footer() -> Markup {
    Markup::trusted(
        "<footer class=\"govuk-footer\">\n  <div class=\"govuk-width-container\">\n    <div class=\"govuk-footer__meta\">\n      <div class=\"govuk-footer__meta-item govuk-footer__meta-item--grow\">\n        <h2 class=\"govuk-visually-hidden\">Support links</h2>\n        <ul class=\"govuk-footer__inline-list\">\n          <li class=\"govuk-footer__inline-list-item\"><a class=\"govuk-footer__link\" href=\"/staying-safe-online\">Staying safe online</a></li>\n          <li class=\"govuk-footer__inline-list-item\"><a class=\"govuk-footer__link\" href=\"/page-titles\">Page titles in your browser history</a></li>\n          <li class=\"govuk-footer__inline-list-item\"><a class=\"govuk-footer__link\" href=\"/feedback\">Feedback</a></li>\n        </ul>\n        <span class=\"govuk-footer__licence-description\">Built with GOV.UK Frontend (MIT licence). This service is not hosted on GOV.UK.</span>\n      </div>\n    </div>\n  </div>\n</footer>"
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

/// The title of the page for an address that names nothing.
pub const NOT_FOUND_TITLE: &str = "Page not found";
/// The title of the page for a failure of the service itself.
pub const PROBLEM_TITLE: &str = "Sorry, there is a problem with the service";

/// GOV.UK's "Page not found" page.
#[must_use]
pub fn not_found_page() -> Response {
    let main = Markup::concat(&[
        Markup::trusted(format!("<h1 class=\"govuk-heading-l\">{NOT_FOUND_TITLE}</h1>\n")),
        html::paragraph("If you typed the web address, check it is correct."),
        html::paragraph("If you pasted the web address, check you copied the entire address."),
        Markup::trusted(
            "<p class=\"govuk-body\">You can <a class=\"govuk-link\" href=\"/\">go to the start of the service</a>, or <a class=\"govuk-link\" href=\"/account\">to your account</a> if you have one.</p>\n".to_owned(),
        ),
    ]);
    respond(
        StatusCode::NOT_FOUND,
        &Page {
            title: NOT_FOUND_TITLE,
            exit_this_page: true,
            main,
        },
    )
}

/// GOV.UK's "Sorry, there is a problem with the service" page: nothing of
/// the failure itself is shown.
#[must_use]
pub fn problem_page(status: StatusCode) -> Response {
    let main = Markup::concat(&[
        Markup::trusted(format!(
            "<h1 class=\"govuk-heading-l\">{PROBLEM_TITLE}</h1>\n"
        )),
        html::paragraph("Try again later."),
        html::paragraph(
            "If you were sending something to us, it may not have been saved: check your account before sending it again.",
        ),
        crate::helplines::in_danger(),
    ]);
    respond(
        status,
        &Page {
            title: PROBLEM_TITLE,
            exit_this_page: true,
            main,
        },
    )
}

/// A request a page could not take (a form from an old page, a choice
/// that is not there): what was wrong, in the handler's own words, and
/// the way back. Nothing was changed.
#[must_use]
pub fn refused_page(status: StatusCode, message: &str) -> Response {
    let (heading, hint) = if status == StatusCode::FORBIDDEN {
        (
            "This page has expired",
            "Go back to the page before, reload it, and try again. If you signed out or were signed out, sign in again first.",
        )
    } else {
        (
            "We could not use what was sent",
            "Nothing has been changed. Go back to the page before and try again.",
        )
    };
    let mut message = message.trim().to_owned();
    if let Some(first) = message.get(..1) {
        message = format!("{}{}", first.to_uppercase(), &message[1..]);
    }
    let main = Markup::concat(&[
        Markup::trusted(format!("<h1 class=\"govuk-heading-l\">{heading}</h1>\n")),
        html::paragraph(&message),
        html::paragraph(hint),
        Markup::trusted(
            "<p class=\"govuk-body\"><a class=\"govuk-link\" href=\"/account\">Go to your account</a></p>\n"
                .to_owned(),
        ),
    ]);
    respond(
        status,
        &Page {
            title: heading,
            exit_this_page: true,
            main,
        },
    )
}

/// The value of a cookie in a request.
fn cookie_value<'a>(headers: &'a axum::http::HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v)
}

/// The frame around every page (not the API, the assets or `/health`):
///
/// - before the handler, who is signed in (for "Sign out" in the header
///   and the timeout warning) and whether titles are neutral, kept for the
///   layout in a task-local;
/// - a session that ended while the browser still held its cookie (15
///   minutes idle, or the timeout warning run out), met by a page that
///   needs signing in, goes to `/session-ended`, which says so;
/// - every refusal or failure that is not already a page (an unknown
///   address, a method the address does not take, a handler's plain-text
///   or JSON refusal, a storage failure) becomes the page for it: "Page
///   not found", "Sorry, there is a problem with the service", or what was
///   wrong. The API keeps its JSON shape (`api_errors`).
pub async fn frame(
    axum::extract::State(state): axum::extract::State<crate::AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let path = request.uri().path();
    if path.starts_with("/api/") || path.starts_with("/assets/") || path == "/health" {
        return next.run(request).await;
    }
    let headers = request.headers();
    let mut context = Frame {
        neutral: cookie_value(headers, TITLES_COOKIE) == Some("neutral"),
        signed_in: None,
        back: None,
    };
    let mut ended = false;
    if let Some(session) = crate::sign_in::session_from(headers) {
        match state
            .store
            .touch_session(
                &crate::cases::token_hash(&session),
                state.clock.now_unix_seconds(),
                crate::sign_in::IDLE_LIMIT_SECONDS,
            )
            .await
        {
            Ok(Some((_, role))) => {
                let role = case_records::Role::from_code(&role);
                context.signed_in = Some((
                    crate::self_service::csrf_token(&session),
                    match role {
                        Some(role) if role.is_parent() => "/account",
                        Some(case_records::Role::PolicyAnalyst) => "/analysis",
                        _ => "/work",
                    },
                ));
            }
            Ok(None) => ended = true,
            Err(_) => {}
        }
    }
    let response = match FRAME
        .scope(context.clone(), CaughtPanic(Box::pin(next.run(request))))
        .await
    {
        Ok(response) => response,
        // A handler that panicked: the problem page, not a dropped
        // connection.
        Err(()) => {
            return FRAME.sync_scope(context, || problem_page(StatusCode::INTERNAL_SERVER_ERROR));
        }
    };
    let status = response.status();
    if ended
        && status == StatusCode::SEE_OTHER
        && response
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            == Some("/sign-in")
    {
        return crate::self_service::see_other("/session-ended");
    }
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    if is_html || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    let said = axum::body::to_bytes(response.into_body(), 16 * 1024)
        .await
        .unwrap_or_default();
    let said = String::from_utf8_lossy(&said).into_owned();
    let message = if is_json {
        serde_json::from_str::<serde_json::Value>(&said)
            .ok()
            .and_then(|v| v["error"]["message"].as_str().map(str::to_owned))
            .unwrap_or_default()
    } else {
        said
    };
    FRAME.sync_scope(context, || match status {
        StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED => {
            let mut page = not_found_page();
            *page.status_mut() = status;
            page
        }
        s if s.is_server_error() => problem_page(s),
        s if message.trim().is_empty() => refused_page(s, "The request could not be read."),
        s => refused_page(s, &message),
    })
}

/// A page's handler, run so that a panic in it is caught (and answered
/// with the problem page) rather than ending the connection.
struct CaughtPanic<F>(std::pin::Pin<Box<F>>);

impl<F: std::future::Future> std::future::Future for CaughtPanic<F> {
    type Output = Result<F::Output, ()>;

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        let inner = &mut self.0;
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| inner.as_mut().poll(cx))) {
            Ok(std::task::Poll::Ready(output)) => std::task::Poll::Ready(Ok(output)),
            Ok(std::task::Poll::Pending) => std::task::Poll::Pending,
            Err(_) => std::task::Poll::Ready(Err(())),
        }
    }
}

/// `GET /session-ended`: the session ended (15 minutes idle, or the
/// timeout warning ran out): it is ended on the server too, the cookie
/// goes, and the page says so.
pub async fn session_ended(
    axum::extract::State(state): axum::extract::State<crate::AppState>,
    headers: axum::http::HeaderMap,
) -> Response {
    if let Some(session) = crate::sign_in::session_from(&headers) {
        let _ = state
            .store
            .end_session(&crate::cases::token_hash(&session))
            .await;
    }
    let main = Markup::concat(&[
        Markup::trusted(
            "<h1 class=\"govuk-heading-l\">For your security, we signed you out</h1>\n".to_owned(),
        ),
        html::paragraph(
            "You are signed out after 15 minutes without using the service. Anything you had not sent was not saved.",
        ),
        Markup::trusted(
            "<p class=\"govuk-body\"><a class=\"govuk-link\" href=\"/sign-in\">Sign in again</a></p>\n"
                .to_owned(),
        ),
    ]);
    let mut response = FRAME.sync_scope(
        Frame {
            signed_in: None,
            ..current_frame()
        },
        || {
            respond(
                StatusCode::OK,
                &Page {
                    title: "For your security, we signed you out",
                    exit_this_page: true,
                    main,
                },
            )
        },
    );
    response
        .headers_mut()
        .insert(header::SET_COOKIE, crate::sign_in::ended_cookie());
    response
}

/// The keep-alive form's field.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeepAliveForm {
    #[serde(default)]
    form_token: String,
}

/// `POST /keep-alive`: "Stay signed in" in the timeout warning. The
/// session is live (the frame has just marked it used) and the form is
/// this session's: 204. Otherwise 403, and the script goes to
/// `/session-ended`.
pub async fn keep_alive(
    headers: axum::http::HeaderMap,
    axum::Form(form): axum::Form<KeepAliveForm>,
) -> Response {
    match current_frame().signed_in {
        Some((token, _))
            if token == form.form_token && crate::self_service::from_this_site(&headers) =>
        {
            let mut response = StatusCode::NO_CONTENT.into_response();
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        _ => (StatusCode::FORBIDDEN, "this session has ended").into_response(),
    }
}

/// `GET /feedback`: how to tell us what works and what does not.
pub async fn feedback(
    axum::extract::State(state): axum::extract::State<crate::AppState>,
) -> Response {
    let main = Markup::concat(&[
        Markup::trusted(
            "<h1 class=\"govuk-heading-l\">Give feedback on this service</h1>\n".to_owned(),
        ),
        html::paragraph(
            "This is a new service. Tell us what worked, what did not, and anything that was hard to understand or to use.",
        ),
        Markup::trusted(format!(
            "<p class=\"govuk-body\">Write to us at:</p>\n<p class=\"govuk-body\">{}</p>\n",
            escape(&state.service_address).replace('\n', "<br>")
        )),
        html::paragraph(
            "Please do not put anything about your case, or anyone's address, in your feedback. To tell us about a change to your case, sign in to your account.",
        ),
        crate::helplines::in_danger(),
    ]);
    respond(
        StatusCode::OK,
        &Page {
            title: "Give feedback on this service",
            exit_this_page: true,
            main,
        },
    )
}

/// The page-titles form's field.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TitlesForm {
    #[serde(default)]
    titles: String,
}

/// The page-titles page's query: `saved` after a change.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct TitlesQuery {
    #[serde(default)]
    saved: Option<String>,
}

fn titles_page(status: StatusCode, neutral: bool, saved: bool, error: Option<&str>) -> Response {
    let mut main = Markup::trusted(
        "<div class=\"govuk-grid-row\"><div class=\"govuk-grid-column-two-thirds\">\n".to_owned(),
    );
    if let Some(message) = error {
        main.push(&html::error_summary(
            "There is a problem",
            &[("#titles".to_owned(), message.to_owned())],
        ));
    }
    if saved {
        main.push(&Markup::trusted(
            "<div class=\"govuk-notification-banner govuk-notification-banner--success\" role=\"alert\" aria-labelledby=\"titles-saved-title\" data-module=\"govuk-notification-banner\">\n<div class=\"govuk-notification-banner__header\"><h2 class=\"govuk-notification-banner__title\" id=\"titles-saved-title\">Success</h2></div>\n<div class=\"govuk-notification-banner__content\"><p class=\"govuk-notification-banner__heading\">Your choice of page titles has been saved on this device.</p></div>\n</div>\n".to_owned(),
        ));
    }
    main.push(&Markup::trusted(
        "<form method=\"post\" action=\"/page-titles\" novalidate>\n".to_owned(),
    ));
    main.push(&html::radios(&html::Radios {
        name: "titles",
        legend: "How should page titles appear in your browser history?",
        legend_classes: Some("govuk-fieldset__legend--l"),
        legend_is_page_heading: true,
        hint: Some(
            "Your browser keeps the title of each page you visit in its history and tabs. Neutral titles say only \"Your account – Online services\", so someone looking at this device cannot tell from them that you use a child maintenance service. The choice is kept on this device until you change it.",
        ),
        error,
        items: &[
            ("accurate", "Show what each page is about", !neutral),
            ("neutral", "Use neutral titles on every page", neutral),
        ],
        ..html::Radios::default()
    }));
    main.push(&html::button(&Button {
        text: "Save",
        ..Button::default()
    }));
    main.push(&Markup::trusted("</form>\n".to_owned()));
    main.push(&html::paragraph(
        "Neutral titles do not remove this site's address from your history. Read more about staying safe online.",
    ));
    main.push(&Markup::trusted(
        "<p class=\"govuk-body\"><a class=\"govuk-link\" href=\"/staying-safe-online\">Staying safe online</a></p>\n</div></div>\n".to_owned(),
    ));
    respond(
        status,
        &Page {
            title: "How should page titles appear in your browser history?",
            exit_this_page: true,
            main,
        },
    )
}

/// `GET /page-titles`: the choice of accurate or neutral titles.
pub async fn titles_form(
    axum::extract::Query(query): axum::extract::Query<TitlesQuery>,
) -> Response {
    titles_page(
        StatusCode::OK,
        current_frame().neutral,
        query.saved.is_some(),
        None,
    )
}

/// `POST /page-titles`: saves the choice in a cookie on this device, then
/// shows the page again by GET (post-redirect-get), in the new mode.
pub async fn save_titles(
    headers: axum::http::HeaderMap,
    axum::Form(form): axum::Form<TitlesForm>,
) -> Response {
    if !crate::self_service::from_this_site(&headers) {
        return (
            StatusCode::FORBIDDEN,
            "forms are accepted from this site only",
        )
            .into_response();
    }
    let cookie = match form.titles.as_str() {
        "neutral" => format!(
            "{TITLES_COOKIE}=neutral; Path=/; Max-Age=31536000; HttpOnly; Secure; SameSite=Strict"
        ),
        "accurate" => {
            format!("{TITLES_COOKIE}=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict")
        }
        _ => {
            return titles_page(
                StatusCode::UNPROCESSABLE_ENTITY,
                current_frame().neutral,
                false,
                Some("Select how page titles should appear"),
            );
        }
    };
    let mut response = crate::self_service::see_other("/page-titles?saved=yes");
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&cookie).expect("the cookie is ASCII"),
    );
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
        crate::helplines::in_danger(),
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
        crate::helplines::in_danger(),
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
