//! The calculator's ported components against GOV.UK Frontend's own
//! fixtures, as `html_fixtures.rs` checks the others: every fixture whose
//! options the port supports is rendered and compared, whitespace
//! normalised, and the fixtures named must be among them.

use serde_json::Value;

use super::{
    CheckboxItem, Checkboxes, RowAction, back_link, checkboxes, details, inset_text,
    summary_list_with_actions,
};
use crate::html::{self, Markup};

fn fixtures(component: &str) -> Vec<Value> {
    let path = format!(
        "{}/frontend/node_modules/govuk-frontend/dist/govuk/components/{component}/fixtures.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{path}: {e} (the build script installs the package)"));
    let parsed: Value = serde_json::from_str(&text).unwrap();
    parsed["fixtures"].as_array().unwrap().clone()
}

fn normalised(html: &str) -> String {
    let collapsed = html.split_whitespace().collect::<Vec<_>>().join(" ");
    collapsed.replace("> ", ">").replace(" <", "<")
}

fn only_keys(options: &Value, allowed: &[&str]) -> bool {
    options.as_object().is_some_and(|object| {
        object
            .iter()
            .all(|(k, v)| allowed.contains(&k.as_str()) || v.is_null())
    })
}

fn str_at<'a>(options: &'a Value, key: &str) -> Option<&'a str> {
    options.get(key).and_then(Value::as_str)
}

fn check(component: &str, render: impl Fn(&Value) -> Option<Markup>) -> Vec<String> {
    let mut rendered = Vec::new();
    for fixture in fixtures(component) {
        let name = fixture["name"].as_str().unwrap().to_owned();
        if let Some(markup) = render(&fixture["options"]) {
            assert_eq!(
                normalised(markup.as_str()),
                normalised(fixture["html"].as_str().unwrap()),
                "{component} fixture `{name}`"
            );
            rendered.push(name);
        }
    }
    rendered
}

fn assert_covers(rendered: &[String], wanted: &[&str]) {
    for name in wanted {
        assert!(
            rendered.iter().any(|r| r == name),
            "fixture `{name}` not rendered; rendered {rendered:?}"
        );
    }
}

#[test]
fn fixtures_of_back_link() {
    let rendered = check("back-link", |o| {
        only_keys(o, &["href", "text"]).then(|| {
            back_link(
                str_at(o, "href").unwrap_or("#"),
                str_at(o, "text").unwrap_or("Back"),
            )
        })
    });
    assert_covers(&rendered, &["default", "with custom text and link"]);
}

#[test]
fn fixtures_of_details() {
    let rendered = check("details", |o| {
        if !only_keys(o, &["summaryText", "text", "html"]) {
            return None;
        }
        let body = match (str_at(o, "text"), str_at(o, "html")) {
            (Some(text), None) => html::text(text),
            (None, Some(html)) => Markup::trusted(html.to_owned()),
            _ => return None,
        };
        Some(details(str_at(o, "summaryText")?, &body))
    });
    assert_covers(&rendered, &["default", "html as text", "html", "with html"]);
}

#[test]
fn fixtures_of_inset_text() {
    let rendered = check("inset-text", |o| {
        if !only_keys(o, &["text", "html"]) {
            return None;
        }
        let body = match (str_at(o, "text"), str_at(o, "html")) {
            (Some(text), None) => html::text(text),
            (None, Some(html)) => Markup::trusted(html.to_owned()),
            _ => return None,
        };
        Some(inset_text(&body))
    });
    assert_covers(&rendered, &["default", "with html", "html as text"]);
}

/// A checkbox fixture's item: value (none for a divider), words, checked,
/// exclusive.
type FixtureItem = (Option<String>, String, bool, bool);

/// A fixture's items as the port's, if it supports them all.
fn checkbox_items(o: &Value) -> Option<Vec<FixtureItem>> {
    let mut items = Vec::new();
    for item in o["items"].as_array()? {
        if let Some(divider) = item.get("divider") {
            items.push((None, divider.as_str()?.to_owned(), false, false));
            continue;
        }
        if !only_keys(item, &["value", "text", "checked", "behaviour"]) {
            return None;
        }
        let value = match &item["value"] {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            _ => return None,
        };
        let exclusive = match item.get("behaviour") {
            None => false,
            Some(b) if b == "exclusive" => true,
            Some(_) => return None,
        };
        items.push((
            Some(value),
            str_at(item, "text")?.to_owned(),
            item["checked"].as_bool().unwrap_or(false),
            exclusive,
        ));
    }
    Some(items)
}

#[test]
fn fixtures_of_checkboxes() {
    let rendered = check("checkboxes", |o| {
        if !only_keys(
            o,
            &[
                "name",
                "idPrefix",
                "fieldset",
                "hint",
                "errorMessage",
                "items",
            ],
        ) {
            return None;
        }
        let fieldset = o.get("fieldset");
        if let Some(fieldset) = fieldset {
            if !only_keys(fieldset, &["legend"]) {
                return None;
            }
            if !only_keys(&fieldset["legend"], &["text", "classes", "isPageHeading"]) {
                return None;
            }
        }
        let legend = fieldset.and_then(|f| str_at(&f["legend"], "text"));
        let hint = match o.get("hint") {
            None => None,
            Some(h) => Some(str_at(h, "text")?),
        };
        let error = match o.get("errorMessage") {
            None => None,
            Some(e) => Some(str_at(e, "text")?),
        };
        if legend.is_none() && (hint.is_some() || error.is_some()) {
            return None;
        }
        let items = checkbox_items(o)?;
        let items: Vec<CheckboxItem<'_>> = items
            .iter()
            .map(|(value, text, checked, exclusive)| match value {
                None => CheckboxItem::Divider(text),
                Some(value) => CheckboxItem::Item {
                    value,
                    text,
                    checked: *checked,
                    exclusive: *exclusive,
                },
            })
            .collect();
        Some(checkboxes(&Checkboxes {
            name: str_at(o, "name")?,
            id_prefix: str_at(o, "idPrefix"),
            legend,
            legend_classes: fieldset.and_then(|f| str_at(&f["legend"], "classes")),
            legend_is_page_heading: fieldset
                .and_then(|f| f["legend"]["isPageHeading"].as_bool())
                .unwrap_or(false),
            hint,
            error,
            items: &items,
        }))
    });
    assert_covers(
        &rendered,
        &[
            "default",
            "with hint",
            "with divider and None",
            "with legend as a page heading",
            "with error message and hint",
            "with checked item",
            "with idPrefix",
        ],
    );
}

#[test]
fn fixtures_of_summary_list_with_actions() {
    let rendered = check("summary-list", |o| {
        if !only_keys(o, &["rows"]) {
            return None;
        }
        let mut rows = Vec::new();
        for row in o["rows"].as_array()? {
            if !only_keys(row, &["key", "value", "actions"]) {
                return None;
            }
            let key = str_at(&row["key"], "text")?.to_owned();
            if !only_keys(&row["key"], &["text"]) || !only_keys(&row["value"], &["text", "html"]) {
                return None;
            }
            let value = match (str_at(&row["value"], "text"), str_at(&row["value"], "html")) {
                (Some(text), None) => html::text(text),
                (None, Some(html)) => Markup::trusted(html.to_owned()),
                _ => return None,
            };
            let action = match row.get("actions") {
                None => None,
                Some(actions) => {
                    if !only_keys(actions, &["items"]) {
                        return None;
                    }
                    match actions["items"].as_array()?.as_slice() {
                        [item] => {
                            if !only_keys(item, &["href", "text", "visuallyHiddenText"]) {
                                return None;
                            }
                            Some(RowAction {
                                href: str_at(item, "href")?.to_owned(),
                                text: str_at(item, "text")?.to_owned(),
                                visually_hidden: str_at(item, "visuallyHiddenText")
                                    .map(str::to_owned),
                            })
                        }
                        _ => return None,
                    }
                }
            };
            rows.push((key, value, action));
        }
        Some(summary_list_with_actions(&rows))
    });
    assert_covers(
        &rendered,
        &[
            "default",
            "actions href",
            "single action with anchor",
            "value with html",
        ],
    );
}
