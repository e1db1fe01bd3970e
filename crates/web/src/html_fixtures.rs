//! The ported GOV.UK Frontend components against the package's own
//! fixtures (`dist/govuk/components/*/fixtures.json`, installed from the
//! pinned lockfile by the build script). Every fixture whose options the
//! port supports is rendered and compared, whitespace-normalised; the
//! fixtures named below must be among them, so a port that stops
//! supporting one fails here.

use serde_json::Value;

use super::{Button, DateInput, Input, Markup, Radios};
use crate::html;

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

/// Whitespace runs become one space; none is kept next to a tag.
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

/// Renders every supported fixture of `component` and compares it; returns
/// the names rendered.
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
fn fixtures_of_skip_link() {
    let rendered = check("skip-link", |o| {
        if !only_keys(o, &["text", "href"]) {
            return None;
        }
        Some(html::skip_link(
            str_at(o, "href").unwrap_or("#content"),
            str_at(o, "text")?,
        ))
    });
    assert_covers(&rendered, &["default", "custom href", "custom text"]);
}

#[test]
fn fixtures_of_button() {
    let rendered = check("button", |o| {
        only_keys(
            o,
            &["text", "href", "isStartButton", "classes", "name", "value"],
        )
        .then(|| {
            html::button(&Button {
                text: str_at(o, "text").unwrap_or(""),
                href: str_at(o, "href"),
                is_start_button: o["isStartButton"].as_bool().unwrap_or(false),
                classes: str_at(o, "classes"),
                name: str_at(o, "name"),
                value: str_at(o, "value"),
            })
        })
    });
    assert_covers(
        &rendered,
        &[
            "default",
            "link",
            "start",
            "start link",
            "secondary",
            "warning",
            "name",
            "value",
        ],
    );
}

#[test]
fn fixtures_of_input() {
    let rendered = check("input", |o| {
        if !only_keys(
            o,
            &[
                "id",
                "name",
                "label",
                "hint",
                "errorMessage",
                "value",
                "classes",
                "prefix",
                "suffix",
                "inputmode",
                "autocomplete",
            ],
        ) {
            return None;
        }
        let label = &o["label"];
        let simple = |part: &Value, allowed: &[&str]| part.is_null() || only_keys(part, allowed);
        if !simple(label, &["text", "classes", "isPageHeading"])
            || !simple(&o["hint"], &["text"])
            || !simple(&o["errorMessage"], &["text"])
            || !simple(&o["prefix"], &["text"])
            || !simple(&o["suffix"], &["text"])
        {
            return None;
        }
        // A number is written as the macro writes it (`zero value`).
        let value = o
            .get("value")
            .filter(|v| !v.is_null())
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned));
        Some(html::input(&Input {
            id: str_at(o, "id").or(str_at(o, "name"))?,
            name: str_at(o, "name")?,
            label: str_at(label, "text")?,
            label_classes: str_at(label, "classes"),
            label_is_page_heading: label["isPageHeading"].as_bool().unwrap_or(false),
            hint: str_at(&o["hint"], "text"),
            error: str_at(&o["errorMessage"], "text"),
            value: value.as_deref(),
            classes: str_at(o, "classes"),
            prefix: str_at(&o["prefix"], "text"),
            suffix: str_at(&o["suffix"], "text"),
            inputmode: str_at(o, "inputmode"),
            autocomplete: str_at(o, "autocomplete"),
        }))
    });
    assert_covers(
        &rendered,
        &[
            "default",
            "with hint text",
            "with error message",
            "with error and hint",
            "with width-2 class",
            "with label as page heading",
            "with prefix",
            "with suffix",
            "with prefix and suffix and error",
            "value",
            "zero value",
            "inputmode",
            "with autocomplete attribute",
        ],
    );
}

#[test]
fn fixtures_of_error_summary() {
    let rendered = check("error-summary", |o| {
        if !only_keys(o, &["titleText", "errorList"]) {
            return None;
        }
        let errors = o["errorList"]
            .as_array()?
            .iter()
            .map(|e| {
                only_keys(e, &["text", "href"]).then(|| {
                    (
                        str_at(e, "href").map(str::to_owned),
                        str_at(e, "text").unwrap_or("").to_owned(),
                    )
                })
            })
            .collect::<Option<Vec<_>>>()?;
        // Every error on our pages links to its field.
        let errors = errors
            .into_iter()
            .map(|(href, text)| Some((href?, text)))
            .collect::<Option<Vec<_>>>()?;
        Some(html::error_summary(str_at(o, "titleText")?, &errors))
    });
    assert_covers(&rendered, &["default"]);
}

#[test]
fn fixtures_of_exit_this_page() {
    let rendered = check("exit-this-page", |o| {
        let attributes_empty = o["attributes"].as_object().is_none_or(|a| a.is_empty());
        (only_keys(o, &["redirectUrl", "id", "classes", "attributes"]) && attributes_empty).then(
            || {
                html::exit_this_page(
                    str_at(o, "redirectUrl").unwrap_or("https://www.bbc.co.uk/weather"),
                )
            },
        )
    });
    assert_covers(&rendered, &["default"]);
}

#[test]
fn fixtures_of_summary_list() {
    let rendered = check("summary-list", |o| {
        if !only_keys(o, &["rows"]) {
            return None;
        }
        let rows = o["rows"]
            .as_array()?
            .iter()
            .map(|row| {
                if !only_keys(row, &["key", "value"]) || !only_keys(&row["key"], &["text"]) {
                    return None;
                }
                let value = match (str_at(&row["value"], "text"), str_at(&row["value"], "html")) {
                    (Some(text), None) => html::text(text),
                    // Trusted here: the fixture's own HTML, as the macro's `html` option.
                    (None, Some(markup)) => Markup::trusted(markup.to_owned()),
                    _ => return None,
                };
                Some((str_at(&row["key"], "text")?.to_owned(), value))
            })
            .collect::<Option<Vec<_>>>()?;
        (!rows.is_empty()).then(|| html::summary_list(&rows))
    });
    assert_covers(&rendered, &["default"]);
}

#[test]
fn fixtures_of_radios() {
    let rendered = check("radios", |o| {
        if !only_keys(
            o,
            &[
                "name",
                "idPrefix",
                "fieldset",
                "hint",
                "errorMessage",
                "classes",
                "items",
            ],
        ) {
            return None;
        }
        let legend = &o["fieldset"]["legend"];
        if !only_keys(&o["fieldset"], &["legend"])
            || !only_keys(legend, &["text", "classes", "isPageHeading"])
            || !(o["hint"].is_null() || only_keys(&o["hint"], &["text"]))
            || !(o["errorMessage"].is_null() || only_keys(&o["errorMessage"], &["text"]))
        {
            return None;
        }
        let items = o["items"]
            .as_array()?
            .iter()
            .map(|item| {
                only_keys(item, &["value", "text", "checked"]).then(|| {
                    (
                        str_at(item, "value").unwrap_or(""),
                        str_at(item, "text").unwrap_or(""),
                        item["checked"].as_bool().unwrap_or(false),
                    )
                })
            })
            .collect::<Option<Vec<_>>>()?;
        Some(html::radios(&Radios {
            name: str_at(o, "name")?,
            id_prefix: str_at(o, "idPrefix"),
            legend: str_at(legend, "text")?,
            legend_classes: str_at(legend, "classes"),
            legend_is_page_heading: legend["isPageHeading"].as_bool().unwrap_or(false),
            hint: str_at(&o["hint"], "text"),
            error: str_at(&o["errorMessage"], "text"),
            classes: str_at(o, "classes"),
            items: &items,
        }))
    });
    assert_covers(
        &rendered,
        &[
            "default",
            "with hint",
            "inline",
            "with hint and error message",
            "with fieldset and error message",
            "small inline",
        ],
    );
}

#[test]
fn fixtures_of_date_input() {
    let rendered = check("date-input", |o| {
        if !only_keys(
            o,
            &[
                "id",
                "namePrefix",
                "fieldset",
                "hint",
                "errorMessage",
                "day",
                "month",
                "year",
                "values",
            ],
        ) {
            return None;
        }
        let legend = o.pointer("/fieldset/legend")?;
        if !only_keys(legend, &["text", "classes", "isPageHeading"])
            || !only_keys(o.get("fieldset")?, &["legend"])
        {
            return None;
        }
        // Outer `None`: options the port does not support.
        let part_error = |part: &str| -> Option<Option<bool>> {
            match o.get(part) {
                None => Some(None),
                Some(p) if only_keys(p, &["error"]) => {
                    Some(p.get("error").and_then(Value::as_bool))
                }
                Some(_) => None,
            }
        };
        let prefix = str_at(o, "namePrefix");
        let values_of = o.get("values").cloned().unwrap_or(Value::Null);
        let text_of = |part: &str| -> Option<String> {
            let key = prefix.map_or_else(|| part.to_owned(), |p| format!("{p}-{part}"));
            values_of.get(&key).map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
        };
        let (day, month, year) = (text_of("day"), text_of("month"), text_of("year"));
        Some(html::date_input(&DateInput {
            id: str_at(o, "id")?,
            name_prefix: prefix,
            legend: str_at(legend, "text")?,
            legend_classes: str_at(legend, "classes"),
            legend_is_page_heading: legend
                .get("isPageHeading")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            hint: o.pointer("/hint/text").and_then(Value::as_str),
            error: o.pointer("/errorMessage/text").and_then(Value::as_str),
            field_errors: [
                part_error("day")?,
                part_error("month")?,
                part_error("year")?,
            ],
            values: [day.as_deref(), month.as_deref(), year.as_deref()],
        }))
    });
    assert_covers(
        &rendered,
        &[
            "default",
            "with values and name prefix",
            "with errors only",
            "with error message and hint",
            "with error on day input",
            "with error on year input",
        ],
    );
}

#[test]
fn fixtures_of_back_link() {
    let rendered = check("back-link", |o| {
        only_keys(o, &["text", "href"]).then(|| {
            html::back_link(
                str_at(o, "href").unwrap_or("#"),
                str_at(o, "text").unwrap_or("Back"),
            )
        })
    });
    assert_covers(&rendered, &["default", "with custom text and link"]);
}

#[test]
fn fixtures_of_phase_banner() {
    let rendered = check("phase-banner", |o| {
        let tag = &o["tag"];
        let tag_text_only = tag.is_null() || only_keys(tag, &["text"]);
        (only_keys(o, &["tag", "html"]) && tag_text_only && o.get("html").is_some()).then(|| {
            html::phase_banner(
                str_at(tag, "text").unwrap_or(""),
                &Markup::trusted(str_at(o, "html").unwrap_or("").to_owned()),
            )
        })
    });
    assert_covers(&rendered, &["default"]);
}

#[test]
fn fixtures_of_service_navigation() {
    let rendered = check("service-navigation", |o| {
        if !only_keys(o, &["serviceName", "serviceUrl", "navigation"]) {
            return None;
        }
        let mut links = Vec::new();
        for item in o["navigation"].as_array().into_iter().flatten() {
            if !only_keys(item, &["href", "text"]) || str_at(item, "href").is_none() {
                return None;
            }
            links.push((str_at(item, "href")?, str_at(item, "text")?));
        }
        let service = (str_at(o, "serviceName")?, str_at(o, "serviceUrl")?);
        Some(html::service_navigation(Some(service), &links, None))
    });
    assert_covers(
        &rendered,
        &["with service link", "with a single navigation item"],
    );
}
