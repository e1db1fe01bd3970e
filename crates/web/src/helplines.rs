//! Helplines on the parents' pages: the one way support organisations and
//! the 999 advice are drawn, from the signposting data
//! (`crates/safety/data/signposting.toml`, each entry with its source).
//!
//! - Every number is a tap-to-call `tel:` link.
//! - Each helpline says when it answers, where the data gives its hours
//!   with a source; otherwise it says to check the service's website,
//!   rather than inventing hours (or printing an empty "()").
//! - The 999 advice is the data's own sentence, once: it already begins
//!   "If you cannot speak", so nothing is put in front of it.
//! - Services for people causing harm are left out here: these lists are
//!   for people who may be experiencing abuse (`casework::signposting_json`
//!   leaves them out of the list too).

use serde_json::Value;

use crate::html::{Markup, escape};

/// What a helpline without hours in the data says instead.
pub(crate) const NO_HOURS: &str = "Check the service's website for opening hours.";

/// A phone number's `tel:` address: its digits, and a leading `+` if any.
#[must_use]
pub(crate) fn tel_href(number: &str) -> String {
    let mut href = String::from("tel:");
    for (index, c) in number.trim().chars().enumerate() {
        if c.is_ascii_digit() || (c == '+' && index == 0) {
            href.push(c);
        }
    }
    href
}

/// A phone number as a tap-to-call link.
#[must_use]
pub(crate) fn tel_link(number: &str) -> Markup {
    Markup::trusted(format!(
        "<a class=\"govuk-link\" href=\"{}\">{}</a>",
        escape(&tel_href(number)),
        escape(number)
    ))
}

/// The 999 advice from the signposting JSON's `emergency` (`call`,
/// `if_you_cannot_speak`): the number as a link, then the data's sentence
/// for when you cannot speak, once.
#[must_use]
pub(crate) fn emergency(emergency: &Value) -> Markup {
    let call = emergency["call"].as_str().unwrap_or("999");
    let silent = emergency["if_you_cannot_speak"]
        .as_str()
        .unwrap_or("If you cannot speak, call 999 and press 55 when asked.");
    Markup::trusted(format!(
        "<p class=\"govuk-body\">Call {}. {}</p>\n",
        tel_link(call).as_str(),
        escape(silent)
    ))
}

/// "If you are in immediate danger, call 999", with the number as a link
/// and the data's advice for when you cannot speak: the paragraph of the
/// start page and "Staying safe online".
#[must_use]
pub(crate) fn in_danger() -> Markup {
    let emergency = &safety::Signposting::embedded().emergency;
    Markup::trusted(format!(
        "<p class=\"govuk-body\">If you are in immediate danger, call {}. {}</p>\n",
        tel_link(&emergency.call).as_str(),
        escape(&emergency.silent)
    ))
}

/// The support list from the signposting JSON's `support` (each `name`,
/// `phone`, `hours`): a heading, and each organisation with its number as a
/// link and when it answers. Nothing when the list is empty.
#[must_use]
pub(crate) fn support(list: &Value) -> Markup {
    let organisations = list.as_array().cloned().unwrap_or_default();
    if organisations.is_empty() {
        return Markup::default();
    }
    let mut html = String::from(
        "<h2 class=\"govuk-heading-m\">Support you can contact</h2>\n<ul class=\"govuk-list govuk-list--spaced\">\n",
    );
    for organisation in &organisations {
        let phone = organisation["phone"].as_str().unwrap_or("");
        let hours = organisation["hours"]
            .as_str()
            .map(str::trim)
            .filter(|h| !h.is_empty())
            .map_or_else(|| NO_HOURS.to_owned(), |h| format!("Open {h}."));
        html.push_str(&format!(
            "<li><strong>{}</strong>: {}. {}</li>\n",
            escape(organisation["name"].as_str().unwrap_or("")),
            tel_link(phone).as_str(),
            escape(&hours)
        ));
    }
    html.push_str("</ul>\n");
    Markup::trusted(html)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    async fn page(outcome: Value) -> String {
        let response = crate::screening_pages::outcome_page(&outcome);
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    #[tokio::test]
    async fn the_danger_page_says_999_once_and_lists_helplines_to_tap_with_their_hours() {
        let signposting = crate::casework::signposting_json(true);
        let page = page(json!({ "stop": true, "signposting": signposting })).await;
        assert!(
            page.contains("If you are in danger, call 999 now"),
            "{page}"
        );
        assert!(page.contains("Call <a class=\"govuk-link\" href=\"tel:999\">999</a>."));
        assert_eq!(
            page.matches("If you cannot speak").count(),
            1,
            "the advice once, not \"If you cannot speak: If you cannot speak\": {page}"
        );
        assert!(!page.contains("()"), "no empty brackets: {page}");
        // Not the service for people causing harm, on a page for someone in danger.
        assert!(!page.contains("Respect") && !page.contains("0808 802 4040"));
        let organisations = safety::Signposting::embedded()
            .organisations
            .iter()
            .filter(|o| !o.audiences.contains(&safety::Audience::Perpetrators));
        let mut without_hours = 0;
        for organisation in organisations {
            assert!(
                page.contains(&format!(
                    "<a class=\"govuk-link\" href=\"{}\">{}</a>",
                    tel_href(&organisation.phone),
                    organisation.phone
                )),
                "{} as a link",
                organisation.name
            );
            if organisation.hours.is_none() {
                without_hours += 1;
            }
        }
        assert!(page.contains("0808 2000 247</a>. Open 24 hours, every day."));
        assert!(without_hours > 0);
        assert_eq!(page.matches(&escape(NO_HOURS)).count(), without_hours);
    }

    #[tokio::test]
    async fn telling_us_about_abuse_on_a_case_says_nothing_of_an_application_fee() {
        let signposting = crate::casework::signposting_json(false);
        let page = page(json!({ "disclosed": true, "signposting": signposting })).await;
        assert!(page.contains("domestic abuse specialist team"), "{page}");
        assert!(!page.contains("application fee"), "{page}");
        assert!(!page.contains("Respect") && !page.contains("()"));
    }

    #[test]
    fn numbers_become_tel_links_of_their_digits() {
        assert_eq!(tel_href("0808 2000 247"), "tel:08082000247");
        assert_eq!(tel_href("+44 808 80 10 800"), "tel:+448088010800");
        assert_eq!(
            tel_link("999").as_str(),
            "<a class=\"govuk-link\" href=\"tel:999\">999</a>"
        );
    }
}
