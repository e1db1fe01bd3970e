//! The GOV.UK Frontend components the calculator uses beyond those in
//! `html.rs`: back link, checkboxes (with the "or" divider and an
//! exclusive "None of these"), details, inset text, and the summary list
//! with one action a row. Ported from the package's Nunjucks macros, option
//! for option as far as they go, and checked against its own
//! `fixtures.json` (`component_fixtures.rs`), as `html.rs` is.

use std::fmt::Write as _;

use crate::html::{Markup, escape};

/// The back link (component `back-link`).
#[must_use]
pub fn back_link(href: &str, text: &str) -> Markup {
    Markup::trusted(format!(
        "<a href=\"{}\" class=\"govuk-back-link\">{}</a>",
        escape(href),
        escape(text)
    ))
}

/// One entry of a list of checkboxes.
#[derive(Clone, Copy, Debug)]
pub enum CheckboxItem<'a> {
    /// A checkbox: value, words, checked, and whether it is exclusive
    /// ("None of these": checking it clears the others, with script).
    Item {
        /// The value sent.
        value: &'a str,
        /// Its words.
        text: &'a str,
        /// Checked.
        checked: bool,
        /// `data-behaviour="exclusive"`.
        exclusive: bool,
    },
    /// A divider between items ("or").
    Divider(&'a str),
}

/// A choice of any number (component `checkboxes`).
#[derive(Clone, Copy, Debug, Default)]
pub struct Checkboxes<'a> {
    /// The form field name (and, unless `id_prefix`, the ids' prefix).
    pub name: &'a str,
    /// The ids' prefix: the first item's id, then `-2`, `-3`, … (a
    /// divider takes a number too, as in the macro).
    pub id_prefix: Option<&'a str>,
    /// The question, in a fieldset's legend; none, no fieldset.
    pub legend: Option<&'a str>,
    /// Classes for the legend (`govuk-fieldset__legend--l`).
    pub legend_classes: Option<&'a str>,
    /// The legend is the page's heading.
    pub legend_is_page_heading: bool,
    /// A hint under the question.
    pub hint: Option<&'a str>,
    /// The error, if the answer was refused.
    pub error: Option<&'a str>,
    /// The entries.
    pub items: &'a [CheckboxItem<'a>],
}

/// Renders [`Checkboxes`].
#[must_use]
pub fn checkboxes(options: &Checkboxes<'_>) -> Markup {
    let prefix = escape(options.id_prefix.unwrap_or(options.name));
    let mut described_by = Vec::new();
    if options.hint.is_some() {
        described_by.push(format!("{prefix}-hint"));
    }
    if options.error.is_some() {
        described_by.push(format!("{prefix}-error"));
    }
    let mut html = format!(
        "<div class=\"govuk-form-group{}\">\n",
        if options.error.is_some() {
            " govuk-form-group--error"
        } else {
            ""
        }
    );
    // Without a fieldset, the hint and error describe the lone input
    // instead (the macro's rule); the calculator always has a legend, and
    // the port supports the fieldless form only without hint or error.
    if let Some(legend) = options.legend {
        let _ = writeln!(
            html,
            "<fieldset class=\"govuk-fieldset\"{}>",
            if described_by.is_empty() {
                String::new()
            } else {
                format!(" aria-describedby=\"{}\"", described_by.join(" "))
            }
        );
        let legend_classes = options
            .legend_classes
            .map_or_else(String::new, |c| format!(" {}", escape(c)));
        if options.legend_is_page_heading {
            let _ = write!(
                html,
                "<legend class=\"govuk-fieldset__legend{legend_classes}\">\n<h1 class=\"govuk-fieldset__heading\">\n{}\n</h1>\n</legend>\n",
                escape(legend)
            );
        } else {
            let _ = write!(
                html,
                "<legend class=\"govuk-fieldset__legend{legend_classes}\">\n{}\n</legend>\n",
                escape(legend)
            );
        }
    }
    if let Some(hint) = options.hint {
        let _ = write!(
            html,
            "<div id=\"{prefix}-hint\" class=\"govuk-hint\">\n{}\n</div>\n",
            escape(hint)
        );
    }
    if let Some(error) = options.error {
        let _ = write!(
            html,
            "<p id=\"{prefix}-error\" class=\"govuk-error-message\">\n<span class=\"govuk-visually-hidden\">Error:</span> {}\n</p>\n",
            escape(error)
        );
    }
    html.push_str("<div class=\"govuk-checkboxes\" data-module=\"govuk-checkboxes\">\n");
    for (index, item) in options.items.iter().enumerate() {
        match item {
            CheckboxItem::Divider(text) => {
                let _ = writeln!(
                    html,
                    "<div class=\"govuk-checkboxes__divider\">{}</div>",
                    escape(text)
                );
            }
            CheckboxItem::Item {
                value,
                text,
                checked,
                exclusive,
            } => {
                let id = if index == 0 {
                    prefix.clone()
                } else {
                    format!("{prefix}-{}", index + 1)
                };
                let _ = write!(
                    html,
                    "<div class=\"govuk-checkboxes__item\">\n<input class=\"govuk-checkboxes__input\" id=\"{id}\" name=\"{}\" type=\"checkbox\" value=\"{}\"{}{}>\n<label class=\"govuk-label govuk-checkboxes__label\" for=\"{id}\">\n{}\n</label>\n</div>\n",
                    escape(options.name),
                    escape(value),
                    if *checked { " checked" } else { "" },
                    if *exclusive {
                        " data-behaviour=\"exclusive\""
                    } else {
                        ""
                    },
                    escape(text)
                );
            }
        }
    }
    html.push_str("</div>\n");
    if options.legend.is_some() {
        html.push_str("</fieldset>\n");
    }
    html.push_str("</div>");
    Markup::trusted(html)
}

/// The details component: a summary that opens to show `body`.
#[must_use]
pub fn details(summary: &str, body: &Markup) -> Markup {
    Markup::trusted(format!(
        "<details class=\"govuk-details\">\n<summary class=\"govuk-details__summary\">\n<span class=\"govuk-details__summary-text\">\n{}\n</span>\n</summary>\n<div class=\"govuk-details__text\">\n{}\n</div>\n</details>",
        escape(summary),
        body.as_str()
    ))
}

/// Inset text (component `inset-text`) holding `body`.
#[must_use]
pub fn inset_text(body: &Markup) -> Markup {
    Markup::trusted(format!(
        "<div class=\"govuk-inset-text\">\n{}\n</div>",
        body.as_str()
    ))
}

/// An action at the end of a summary list's row: a link, its words, and
/// words only a screen reader hears after them (naming the row).
#[derive(Clone, Debug)]
pub struct RowAction {
    /// Where it goes.
    pub href: String,
    /// Its words ("Change").
    pub text: String,
    /// Heard after the words ("number of children").
    pub visually_hidden: Option<String>,
}

/// A summary list (component `summary-list`) whose rows may each end in
/// one action link.
#[must_use]
pub fn summary_list_with_actions(rows: &[(String, Markup, Option<RowAction>)]) -> Markup {
    let any_actions = rows.iter().any(|(_, _, action)| action.is_some());
    let mut html = String::from("<dl class=\"govuk-summary-list\">\n");
    for (key, value, action) in rows {
        let _ = write!(
            html,
            "<div class=\"govuk-summary-list__row{}\">\n<dt class=\"govuk-summary-list__key\">\n{}\n</dt>\n<dd class=\"govuk-summary-list__value\">\n{}\n</dd>\n",
            if any_actions && action.is_none() {
                " govuk-summary-list__row--no-actions"
            } else {
                ""
            },
            escape(key),
            value.as_str()
        );
        if let Some(action) = action {
            let hidden = action
                .visually_hidden
                .as_deref()
                .map_or_else(String::new, |h| {
                    format!(
                        "<span class=\"govuk-visually-hidden\"> {}</span>",
                        escape(h)
                    )
                });
            let _ = write!(
                html,
                "<dd class=\"govuk-summary-list__actions\">\n<a class=\"govuk-link\" href=\"{}\">{}{hidden}</a>\n</dd>\n",
                escape(&action.href),
                escape(&action.text)
            );
        }
        html.push_str("</div>\n");
    }
    html.push_str("</dl>");
    Markup::trusted(html)
}

#[cfg(test)]
#[path = "component_fixtures.rs"]
mod fixtures;
