//! The MOJ Pattern Library (npm `@ministryofjustice/frontend`, pinned in
//! `frontend/package-lock.json` beside GOV.UK Frontend and built on it),
//! for the staff pages: its compiled CSS served from the binary (`build.rs`
//! removes the GDS Transport typeface, as for GOV.UK Frontend), and the
//! components the case page uses, ported from the package's own Nunjucks
//! templates (`moj/components/{badge,identity-bar,timeline}/template.njk`)
//! option for option, text escaped on the way in.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::html::{Markup, escape};

/// The package's compiled CSS, without the GDS Transport typeface.
const MOJ_CSS: &str = include_str!(concat!(env!("OUT_DIR"), "/moj-frontend.min.css"));

/// `GET /assets/moj-frontend.min.css`.
pub async fn stylesheet() -> Response {
    let mut response = (StatusCode::OK, MOJ_CSS).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/css; charset=utf-8"),
    );
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

/// The stylesheet for a staff page that uses these components (a `link`
/// may stand in the body; the page's policy allows styles from itself).
pub(crate) fn stylesheet_link() -> Markup {
    Markup::trusted("<link rel=\"stylesheet\" href=\"/assets/moj-frontend.min.css\">\n".to_owned())
}

/// A badge (component `badge`): `classes` such as `moj-badge--red`.
pub(crate) fn badge(text: &str, classes: Option<&str>) -> Markup {
    Markup::trusted(format!(
        "<span class=\"moj-badge{}\">{}</span>",
        classes.map_or_else(String::new, |c| format!(" {}", escape(c))),
        escape(text)
    ))
}

/// The identity bar (component `identity-bar`), its title as markup.
pub(crate) fn identity_bar(title: &Markup) -> Markup {
    Markup::trusted(format!(
        "<div class=\"moj-identity-bar\">\n    <div class=\"moj-identity-bar__container\">\n        <div class=\"moj-identity-bar__details\">\n            \n                <span class=\"moj-identity-bar__title\">{}</span>\n            \n        </div>\n        \n    </div>\n</div>\n",
        title.as_str()
    ))
}

/// One entry of a timeline.
pub(crate) struct TimelineItem {
    /// What happened.
    pub(crate) label: String,
    /// By whom, if said.
    pub(crate) byline: Option<String>,
    /// The day, as `YYYY-MM-DD` for the `time` element.
    pub(crate) datetime: String,
    /// The day in words.
    pub(crate) date: String,
    /// More about it, if anything.
    pub(crate) text: String,
}

/// A timeline (component `timeline`), newest first as given, its titles
/// at `heading_level`.
pub(crate) fn timeline(items: &[TimelineItem], heading_level: u8) -> Markup {
    let mut html = String::from("<div class=\"moj-timeline\">");
    for item in items {
        let byline = item.byline.as_deref().map_or_else(String::new, |by| {
            format!(
                "\n        <p class=\"moj-timeline__byline\">by {}</p>\n      ",
                escape(by)
            )
        });
        html.push_str(&format!(
            "\n  <div class=\"moj-timeline__item\">\n\n    <div class=\"moj-timeline__header\">\n      <h{heading_level} class=\"moj-timeline__title\">{}</h{heading_level}>\n      {byline}\n    </div>\n\n    <p class=\"moj-timeline__date\">\n      <time datetime=\"{}\">{}</time>\n    </p>\n\n    <div class=\"moj-timeline__description\">{}</div>\n\n  </div>\n  ",
            escape(&item.label),
            escape(&item.datetime),
            escape(&item.date),
            escape(&item.text),
        ));
    }
    html.push_str("</div>\n");
    Markup::trusted(html)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The package's own templates, rendered by hand for these options,
    /// whitespace aside: the same elements, classes and order.
    fn squeezed(html: &str) -> String {
        html.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .replace("> <", "><")
    }

    #[test]
    fn the_badge_is_the_packages() {
        assert_eq!(
            badge("High risk", Some("moj-badge--red")).as_str(),
            "<span class=\"moj-badge moj-badge--red\">High risk</span>"
        );
        assert_eq!(
            badge("<b>", None).as_str(),
            "<span class=\"moj-badge\">&lt;b&gt;</span>"
        );
    }

    #[test]
    fn the_identity_bar_is_the_packages() {
        assert_eq!(
            squeezed(identity_bar(&Markup::trusted("Case CM-1".to_owned())).as_str()),
            "<div class=\"moj-identity-bar\"><div class=\"moj-identity-bar__container\"><div class=\"moj-identity-bar__details\"><span class=\"moj-identity-bar__title\">Case CM-1</span></div></div></div>"
        );
    }

    #[test]
    fn the_timeline_is_the_packages_and_escapes_what_it_is_given() {
        let items = [TimelineItem {
            label: "Risk set to <high>".to_owned(),
            byline: Some("staff 30".to_owned()),
            datetime: "2026-06-01".to_owned(),
            date: "1 June 2026".to_owned(),
            text: String::new(),
        }];
        assert_eq!(
            squeezed(timeline(&items, 3).as_str()),
            "<div class=\"moj-timeline\"><div class=\"moj-timeline__item\"><div class=\"moj-timeline__header\"><h3 class=\"moj-timeline__title\">Risk set to &lt;high&gt;</h3><p class=\"moj-timeline__byline\">by staff 30</p></div><p class=\"moj-timeline__date\"><time datetime=\"2026-06-01\">1 June 2026</time></p><div class=\"moj-timeline__description\"></div></div></div>"
        );
    }
}
