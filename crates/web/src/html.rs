//! HTML, built only through [`Markup`]: text is escaped on the way in, so
//! nothing a user typed can become markup. The GOV.UK Frontend components
//! the pages use are ported from the package's Nunjucks macros, option for
//! option, and checked against the package's own `fixtures.json`
//! (`html_fixtures.rs`, a test module). The header is the service
//! navigation (the service's name, and "Sign out" when signed in), without
//! the crown; the footer is our own, since the package's always draws the
//! crown and this service is not hosted on gov.uk.

use std::fmt::Write as _;

/// Markup that is safe to send: built from escaped text and the components
/// here, never from a raw string.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Markup(String);

impl Markup {
    /// The HTML.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The HTML, owned.
    #[must_use]
    pub fn into_string(self) -> String {
        self.0
    }

    /// Markup written here from literal, trusted HTML and escaped values.
    pub(crate) fn trusted(html: String) -> Markup {
        Markup(html)
    }

    /// Appends other markup.
    pub fn push(&mut self, other: &Markup) {
        self.0.push_str(&other.0);
    }

    /// Pieces of markup one after another.
    #[must_use]
    pub fn concat<'a>(parts: impl IntoIterator<Item = &'a Markup>) -> Markup {
        let mut out = Markup::default();
        for part in parts {
            out.push(part);
        }
        out
    }
}

/// Text as markup: `&`, `<`, `>`, `"` and `'` escaped, as Nunjucks does.
#[must_use]
pub fn text(value: &str) -> Markup {
    Markup(escape(value))
}

/// Escapes text for an element's content or a quoted attribute.
#[must_use]
pub fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // A control character or a direction override can only have
            // reached the store before text was checked (HumanText): it is
            // shown as the replacement character, never passed to the page,
            // where a NUL or an override could hide or reorder what is read.
            '\n' | '\t' => out.push(c),
            c if c.is_control()
                || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}') =>
            {
                out.push(char::REPLACEMENT_CHARACTER);
            }
            c => out.push(c),
        }
    }
    out
}

/// A date as GOV.UK writes it: 26 February 2024.
pub(crate) fn long_date(date: domain_types::Date) -> String {
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
    let (year, month, day) = date.ymd();
    let month = MONTHS
        .get(usize::try_from(month).unwrap_or(0).wrapping_sub(1))
        .copied()
        .unwrap_or("");
    format!("{day} {month} {year}")
}

/// A paragraph of body text.
#[must_use]
pub fn paragraph(value: &str) -> Markup {
    Markup(format!("<p class=\"govuk-body\">{}</p>\n", escape(value)))
}

/// The skip link (component `skip-link`).
#[must_use]
pub fn skip_link(href: &str, label: &str) -> Markup {
    Markup(format!(
        "<a href=\"{}\" class=\"govuk-skip-link\" data-module=\"govuk-skip-link\">{}</a>",
        escape(href),
        escape(label)
    ))
}

/// The back link (component `back-link`): "Back" to the page before, by
/// a real address, so it works without script.
#[must_use]
pub fn back_link(href: &str, text: &str) -> Markup {
    Markup(format!(
        "<a href=\"{}\" class=\"govuk-back-link\">{}</a>",
        escape(href),
        escape(text)
    ))
}

/// The phase banner (component `phase-banner`): the phase's tag and
/// `html`, trusted markup (a sentence with its feedback link).
#[must_use]
pub fn phase_banner(tag: &str, html: &Markup) -> Markup {
    Markup(format!(
        "<div class=\"govuk-phase-banner govuk-width-container\">\n  <p class=\"govuk-phase-banner__content\">\n    <strong class=\"govuk-tag govuk-phase-banner__content__tag\">\n      {}\n    </strong>\n    <span class=\"govuk-phase-banner__text\">\n      {}\n    </span>\n  </p>\n</div>",
        escape(tag),
        html.as_str()
    ))
}

/// The service navigation (component `service-navigation`): the service's
/// name linking home, links, and `navigation_end`, trusted list items
/// after the links (the sign-out form's button, since signing out is a
/// POST). The menu toggle appears, as in the template, when there is more
/// than one item.
#[must_use]
pub fn service_navigation(
    service: Option<(&str, &str)>,
    links: &[(&str, &str)],
    navigation_end: Option<&Markup>,
) -> Markup {
    let mut html = String::from(
        "<section aria-label=\"Service information\" class=\"govuk-service-navigation\" data-module=\"govuk-service-navigation\"\n>\n<div class=\"govuk-width-container\">\n<div class=\"govuk-service-navigation__container\">\n",
    );
    if let Some((name, url)) = service {
        let _ = write!(
            html,
            "<span class=\"govuk-service-navigation__service-name\">\n<a href=\"{}\" class=\"govuk-service-navigation__link\">\n{}\n</a>\n</span>\n",
            escape(url),
            escape(name)
        );
    }
    let items = links.len() + usize::from(navigation_end.is_some());
    if items > 0 {
        html.push_str("<nav aria-label=\"Menu\" class=\"govuk-service-navigation__wrapper\">\n");
        if items > 1 {
            html.push_str("<button type=\"button\" class=\"govuk-service-navigation__toggle govuk-js-service-navigation-toggle\" aria-controls=\"navigation\" hidden aria-hidden=\"true\">\nMenu\n</button>\n");
        }
        html.push_str("<ul class=\"govuk-service-navigation__list\" id=\"navigation\" >\n");
        for (href, text) in links {
            let _ = write!(
                html,
                "<li class=\"govuk-service-navigation__item\">\n<a class=\"govuk-service-navigation__link\" href=\"{}\">\n{}\n</a>\n</li>\n",
                escape(href),
                escape(text)
            );
        }
        if let Some(end) = navigation_end {
            html.push_str(end.as_str());
        }
        html.push_str("</ul>\n</nav>\n");
    }
    html.push_str("</div>\n</div>\n</section>");
    Markup(html)
}

/// A button, or a link that looks like one (component `button`).
#[derive(Clone, Copy, Debug, Default)]
pub struct Button<'a> {
    /// Its words.
    pub text: &'a str,
    /// A link instead of a submit button.
    pub href: Option<&'a str>,
    /// The start button, with its arrow.
    pub is_start_button: bool,
    /// Extra classes (`govuk-button--secondary`).
    pub classes: Option<&'a str>,
    /// The form field name.
    pub name: Option<&'a str>,
    /// The form field value.
    pub value: Option<&'a str>,
}

/// Renders a [`Button`].
#[must_use]
pub fn button(options: &Button<'_>) -> Markup {
    let mut classes = "govuk-button".to_owned();
    if let Some(extra) = options.classes {
        classes.push(' ');
        classes.push_str(extra);
    }
    if options.is_start_button {
        classes.push_str(" govuk-button--start");
    }
    let icon = if options.is_start_button {
        "\n  <svg class=\"govuk-button__start-icon\" xmlns=\"http://www.w3.org/2000/svg\" width=\"17.5\" height=\"19\" viewBox=\"0 0 33 40\" aria-hidden=\"true\" focusable=\"false\">\n    <path fill=\"currentColor\" d=\"M0 0h13l20 20-20 20H0l20-20z\"/>\n  </svg>"
    } else {
        ""
    };
    let html = match options.href {
        Some(href) => format!(
            "<a href=\"{}\" role=\"button\" draggable=\"false\" class=\"{classes}\" data-module=\"govuk-button\">\n  {}{icon}\n</a>",
            escape(href),
            escape(options.text)
        ),
        None => {
            let mut attributes = String::new();
            if let Some(name) = options.name {
                let _ = write!(attributes, " name=\"{}\"", escape(name));
            }
            if let Some(value) = options.value {
                let _ = write!(attributes, " value=\"{}\"", escape(value));
            }
            format!(
                "<button type=\"submit\"{attributes} class=\"{classes}\" data-module=\"govuk-button\">\n  {}{icon}\n</button>",
                escape(options.text)
            )
        }
    };
    Markup(html)
}

/// A text input with its label, hint and error (component `input`).
#[derive(Clone, Copy, Debug, Default)]
pub struct Input<'a> {
    /// Its id (also the error summary's link target).
    pub id: &'a str,
    /// The form field name.
    pub name: &'a str,
    /// The label's words.
    pub label: &'a str,
    /// Classes for the label (`govuk-label--l`).
    pub label_classes: Option<&'a str>,
    /// The label is the page's heading (one question per page).
    pub label_is_page_heading: bool,
    /// A hint under the label.
    pub hint: Option<&'a str>,
    /// The error, if the answer was refused.
    pub error: Option<&'a str>,
    /// What was entered.
    pub value: Option<&'a str>,
    /// Extra classes (`govuk-input--width-5`).
    pub classes: Option<&'a str>,
    /// Text before the box (`£`).
    pub prefix: Option<&'a str>,
    /// Text after the box (`a week`).
    pub suffix: Option<&'a str>,
    /// The keyboard to offer (`decimal`, `numeric`).
    pub inputmode: Option<&'a str>,
    /// The autocomplete token, if any.
    pub autocomplete: Option<&'a str>,
}

/// Renders an [`Input`].
#[must_use]
pub fn input(options: &Input<'_>) -> Markup {
    let id = escape(options.id);
    let mut html = String::new();
    let _ = writeln!(
        html,
        "<div class=\"govuk-form-group{}\">",
        if options.error.is_some() {
            " govuk-form-group--error"
        } else {
            ""
        }
    );
    let label_classes = options
        .label_classes
        .map_or_else(String::new, |c| format!(" {}", escape(c)));
    let label = format!(
        "<label class=\"govuk-label{label_classes}\" for=\"{id}\">\n    {}\n  </label>",
        escape(options.label)
    );
    if options.label_is_page_heading {
        let _ = write!(
            html,
            "  <h1 class=\"govuk-label-wrapper\">\n    {label}\n  </h1>\n"
        );
    } else {
        let _ = writeln!(html, "  {label}");
    }
    let mut described_by = Vec::new();
    if let Some(hint) = options.hint {
        described_by.push(format!("{id}-hint"));
        let _ = write!(
            html,
            "  <div id=\"{id}-hint\" class=\"govuk-hint\">\n    {}\n  </div>\n",
            escape(hint)
        );
    }
    if let Some(error) = options.error {
        described_by.push(format!("{id}-error"));
        let _ = write!(
            html,
            "  <p id=\"{id}-error\" class=\"govuk-error-message\">\n    <span class=\"govuk-visually-hidden\">Error:</span> {}\n  </p>\n",
            escape(error)
        );
    }
    let mut classes = "govuk-input".to_owned();
    if let Some(extra) = options.classes {
        classes.push(' ');
        classes.push_str(&escape(extra));
    }
    if options.error.is_some() {
        classes.push_str(" govuk-input--error");
    }
    let mut field = format!(
        "<input class=\"{classes}\" id=\"{id}\" name=\"{}\" type=\"text\"",
        escape(options.name)
    );
    if let Some(value) = options.value {
        let _ = write!(field, " value=\"{}\"", escape(value));
    }
    if !described_by.is_empty() {
        let _ = write!(field, " aria-describedby=\"{}\"", described_by.join(" "));
    }
    if let Some(autocomplete) = options.autocomplete {
        let _ = write!(field, " autocomplete=\"{}\"", escape(autocomplete));
    }
    if let Some(mode) = options.inputmode {
        let _ = write!(field, " inputmode=\"{}\"", escape(mode));
    }
    field.push('>');
    if options.prefix.is_some() || options.suffix.is_some() {
        html.push_str("  <div class=\"govuk-input__wrapper\">\n");
        if let Some(prefix) = options.prefix {
            let _ = writeln!(
                html,
                "    <div class=\"govuk-input__prefix\" aria-hidden=\"true\">{}</div>",
                escape(prefix)
            );
        }
        let _ = writeln!(html, "    {field}");
        if let Some(suffix) = options.suffix {
            let _ = writeln!(
                html,
                "    <div class=\"govuk-input__suffix\" aria-hidden=\"true\">{}</div>",
                escape(suffix)
            );
        }
        html.push_str("  </div>\n");
    } else {
        let _ = writeln!(html, "  {field}");
    }
    html.push_str("</div>");
    Markup(html)
}

/// A choice of one (component `radios`), in a fieldset.
#[derive(Clone, Copy, Debug, Default)]
pub struct Radios<'a> {
    /// The form field name (and, unless `id_prefix`, the ids' prefix).
    pub name: &'a str,
    /// The ids' prefix: the first item's id, then `-2`, `-3`, …
    pub id_prefix: Option<&'a str>,
    /// The question.
    pub legend: &'a str,
    /// Classes for the legend (`govuk-fieldset__legend--l`).
    pub legend_classes: Option<&'a str>,
    /// The question is the page's heading.
    pub legend_is_page_heading: bool,
    /// A hint under the question.
    pub hint: Option<&'a str>,
    /// The error, if the answer was refused.
    pub error: Option<&'a str>,
    /// Extra classes (`govuk-radios--inline`).
    pub classes: Option<&'a str>,
    /// The choices: value, words, chosen.
    pub items: &'a [(&'a str, &'a str, bool)],
}

/// Renders [`Radios`].
#[must_use]
pub fn radios(options: &Radios<'_>) -> Markup {
    let prefix = escape(options.id_prefix.unwrap_or(options.name));
    let mut html = fieldset_head(
        &prefix,
        None,
        options.legend,
        options.legend_classes,
        options.legend_is_page_heading,
        options.hint,
        options.error,
    );
    let classes = options
        .classes
        .map_or_else(String::new, |c| format!(" {}", escape(c)));
    let _ = writeln!(
        html,
        "  <div class=\"govuk-radios{classes}\" data-module=\"govuk-radios\">"
    );
    for (index, (value, words, checked)) in options.items.iter().enumerate() {
        let id = if index == 0 {
            prefix.clone()
        } else {
            format!("{prefix}-{}", index + 1)
        };
        let _ = write!(
            html,
            "    <div class=\"govuk-radios__item\">\n      <input class=\"govuk-radios__input\" id=\"{id}\" name=\"{}\" type=\"radio\" value=\"{}\"{}>\n      <label class=\"govuk-label govuk-radios__label\" for=\"{id}\">\n        {}\n      </label>\n    </div>\n",
            escape(options.name),
            escape(value),
            if *checked { " checked" } else { "" },
            escape(words)
        );
    }
    html.push_str("  </div>\n</fieldset>\n</div>");
    Markup(html)
}

/// The opening of a question's form group and fieldset, as the radios and
/// date input components share it: the error state, `aria-describedby`
/// naming the hint and the error, the legend (as the page heading, if so),
/// the hint and the error message, each with ids from `id`. `role` is the
/// fieldset's role attribute, if any.
fn fieldset_head(
    id: &str,
    role: Option<&str>,
    legend: &str,
    legend_classes: Option<&str>,
    legend_is_page_heading: bool,
    hint: Option<&str>,
    error: Option<&str>,
) -> String {
    let mut described_by = Vec::new();
    if hint.is_some() {
        described_by.push(format!("{id}-hint"));
    }
    if error.is_some() {
        described_by.push(format!("{id}-error"));
    }
    let mut html = format!(
        "<div class=\"govuk-form-group{}\">\n  <fieldset class=\"govuk-fieldset\"{}{}>\n",
        if error.is_some() {
            " govuk-form-group--error"
        } else {
            ""
        },
        role.map_or_else(String::new, |r| format!(" role=\"{}\"", escape(r))),
        if described_by.is_empty() {
            String::new()
        } else {
            format!(" aria-describedby=\"{}\"", described_by.join(" "))
        }
    );
    let legend_classes = legend_classes.map_or_else(String::new, |c| format!(" {}", escape(c)));
    if legend_is_page_heading {
        let _ = write!(
            html,
            "  <legend class=\"govuk-fieldset__legend{legend_classes}\">\n    <h1 class=\"govuk-fieldset__heading\">\n      {}\n    </h1>\n  </legend>\n",
            escape(legend)
        );
    } else {
        let _ = write!(
            html,
            "  <legend class=\"govuk-fieldset__legend{legend_classes}\">\n    {}\n  </legend>\n",
            escape(legend)
        );
    }
    if let Some(hint) = hint {
        let _ = write!(
            html,
            "  <div id=\"{id}-hint\" class=\"govuk-hint\">\n    {}\n  </div>\n",
            escape(hint)
        );
    }
    if let Some(error) = error {
        let _ = write!(
            html,
            "  <p id=\"{id}-error\" class=\"govuk-error-message\">\n    <span class=\"govuk-visually-hidden\">Error:</span> {}\n  </p>\n",
            escape(error)
        );
    }
    html
}

/// A column of a table: its heading, and whether it holds figures (set
/// right-aligned, as GOV.UK tables do).
#[derive(Clone, Copy, Debug)]
pub struct Column<'a> {
    /// The heading.
    pub heading: &'a str,
    /// Figures, aligned right.
    pub numeric: bool,
}

/// A table in the GOV.UK table styles: a caption, the columns, and rows of
/// cells; with `first_cell_heads_row`, each row's first cell is its header.
#[must_use]
pub fn table(
    caption: &str,
    columns: &[Column<'_>],
    rows: &[Vec<Markup>],
    first_cell_heads_row: bool,
) -> Markup {
    let numeric = |yes: bool, class: &str| {
        if yes {
            format!(" {class}--numeric")
        } else {
            String::new()
        }
    };
    let mut html = format!(
        "<table class=\"govuk-table\">\n<caption class=\"govuk-table__caption govuk-table__caption--s\">{}</caption>\n<thead class=\"govuk-table__head\"><tr class=\"govuk-table__row\">",
        escape(caption)
    );
    for column in columns {
        let _ = write!(
            html,
            "<th scope=\"col\" class=\"govuk-table__header{}\">{}</th>",
            numeric(column.numeric, "govuk-table__header"),
            escape(column.heading)
        );
    }
    html.push_str("</tr></thead>\n<tbody class=\"govuk-table__body\">\n");
    for row in rows {
        html.push_str("<tr class=\"govuk-table__row\">");
        for (index, (cell, column)) in row.iter().zip(columns).enumerate() {
            if index == 0 && first_cell_heads_row {
                let _ = write!(
                    html,
                    "<th scope=\"row\" class=\"govuk-table__header\">{}</th>",
                    cell.as_str()
                );
            } else {
                let _ = write!(
                    html,
                    "<td class=\"govuk-table__cell{}\">{}</td>",
                    numeric(column.numeric, "govuk-table__cell"),
                    cell.as_str()
                );
            }
        }
        html.push_str("</tr>\n");
    }
    html.push_str("</tbody>\n</table>\n");
    Markup(html)
}

/// The options of a date input: day, month and year as three fields.
#[derive(Clone, Copy, Debug, Default)]
pub struct DateInput<'a> {
    /// The id of the inputs' container; each field's id is `{id}-day` etc.
    pub id: &'a str,
    /// Field names are `{prefix}-day` etc. when given, else `day` etc.
    pub name_prefix: Option<&'a str>,
    /// The question.
    pub legend: &'a str,
    /// Extra legend classes.
    pub legend_classes: Option<&'a str>,
    /// The legend is the page's heading.
    pub legend_is_page_heading: bool,
    /// Hint text.
    pub hint: Option<&'a str>,
    /// The error message, if the answer was refused.
    pub error: Option<&'a str>,
    /// Which of day, month and year are in error (`Some(true)`) or not
    /// (`Some(false)`); with an error message and none named in error, all
    /// but those named `Some(false)` are.
    pub field_errors: [Option<bool>; 3],
    /// The values typed: day, month, year.
    pub values: [Option<&'a str>; 3],
}

/// The date input (component `date-input`): the GOV.UK way to ask for a
/// date, as day, month and year.
#[must_use]
pub fn date_input(options: &DateInput<'_>) -> Markup {
    let id = escape(options.id);
    let mut html = fieldset_head(
        &id,
        Some("group"),
        options.legend,
        options.legend_classes,
        options.legend_is_page_heading,
        options.hint,
        options.error,
    );
    let _ = writeln!(html, "<div class=\"govuk-date-input\" id=\"{id}\">");
    let any_named = options.field_errors.contains(&Some(true));
    for (index, (part, label, width)) in [
        ("day", "Day", "2"),
        ("month", "Month", "2"),
        ("year", "Year", "4"),
    ]
    .into_iter()
    .enumerate()
    {
        let errored = match options.field_errors[index] {
            Some(named) => named,
            None => options.error.is_some() && !any_named,
        };
        let name = options.name_prefix.map_or_else(
            || part.to_owned(),
            |prefix| format!("{}-{part}", escape(prefix)),
        );
        let value =
            options.values[index].map_or_else(String::new, |v| format!(" value=\"{}\"", escape(v)));
        let _ = write!(
            html,
            "<div class=\"govuk-date-input__item\">\n<div class=\"govuk-form-group\">\n<label class=\"govuk-label govuk-date-input__label\" for=\"{id}-{part}\">\n{label}\n</label>\n<input class=\"govuk-input govuk-date-input__input{} govuk-input--width-{width}\" id=\"{id}-{part}\" name=\"{name}\" type=\"text\"{value} inputmode=\"numeric\">\n</div>\n</div>\n",
            if errored { " govuk-input--error" } else { "" }
        );
    }
    html.push_str("</div>\n</fieldset>\n</div>");
    Markup(html)
}

/// The error summary at the top of a page (component `error-summary`):
/// each error links to its field.
#[must_use]
pub fn error_summary(title: &str, errors: &[(String, String)]) -> Markup {
    let mut items = String::new();
    for (href, message) in errors {
        let _ = write!(
            items,
            "          <li>\n            <a href=\"{}\">{}</a>\n          </li>\n",
            escape(href),
            escape(message)
        );
    }
    Markup(format!(
        "<div class=\"govuk-error-summary\" data-module=\"govuk-error-summary\">\n  <div role=\"alert\">\n    <h2 class=\"govuk-error-summary__title\">\n      {}\n    </h2>\n    <div class=\"govuk-error-summary__body\">\n        <ul class=\"govuk-list govuk-error-summary__list\">\n{items}        </ul>\n    </div>\n  </div>\n</div>",
        escape(title)
    ))
}

/// The "Exit this page" button (component `exit-this-page`): pressing it,
/// or Shift three times, leaves for `redirect_url`.
#[must_use]
pub fn exit_this_page(redirect_url: &str) -> Markup {
    Markup(format!(
        "<div class=\"govuk-exit-this-page\" data-module=\"govuk-exit-this-page\">\n  <a href=\"{}\" role=\"button\" draggable=\"false\" class=\"govuk-button govuk-button--warning govuk-exit-this-page__button govuk-js-exit-this-page-button\" data-module=\"govuk-button\" rel=\"nofollow noreferrer\">\n    <span class=\"govuk-visually-hidden\">Emergency</span> Exit this page\n  </a>\n</div>",
        escape(redirect_url)
    ))
}

/// A summary list of keys and values (component `summary-list`).
#[must_use]
pub fn summary_list(rows: &[(String, Markup)]) -> Markup {
    let mut html = String::from("<dl class=\"govuk-summary-list\">\n");
    for (key, value) in rows {
        let _ = write!(
            html,
            "  <div class=\"govuk-summary-list__row\">\n    <dt class=\"govuk-summary-list__key\">\n      {}\n    </dt>\n    <dd class=\"govuk-summary-list__value\">\n      {}\n    </dd>\n  </div>\n",
            escape(key),
            value.as_str()
        );
    }
    html.push_str("</dl>");
    Markup(html)
}

/// A summary list whose rows each end in a "Change" link to the page that
/// asks it (component `summary-list`, one action a row), the link naming
/// the row for screen readers.
#[must_use]
pub fn summary_list_with_change_links(rows: &[(String, Markup, String)]) -> Markup {
    let mut html = String::from("<dl class=\"govuk-summary-list\">\n");
    for (key, value, href) in rows {
        let _ = write!(
            html,
            "  <div class=\"govuk-summary-list__row\">\n    <dt class=\"govuk-summary-list__key\">\n      {}\n    </dt>\n    <dd class=\"govuk-summary-list__value\">\n      {}\n    </dd>\n    <dd class=\"govuk-summary-list__actions\">\n      <a class=\"govuk-link\" href=\"{}\">Change<span class=\"govuk-visually-hidden\"> {}</span></a>\n    </dd>\n  </div>\n",
            escape(key),
            value.as_str(),
            escape(href),
            escape(&key.to_lowercase())
        );
    }
    html.push_str("</dl>");
    Markup(html)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_direction_overrides_never_reach_a_page() {
        let shown = escape("Zo\u{eb} \u{0}\r\u{1b}[31m \u{202e}evil <b>");
        assert_eq!(
            shown,
            "Zo\u{eb} \u{fffd}\u{fffd}\u{fffd}[31m \u{fffd}evil &lt;b&gt;"
        );
    }

    #[test]
    fn a_table_heads_rows_aligns_figures_and_escapes_its_words() {
        let table = table(
            "Paid <by> month",
            &[
                Column {
                    heading: "Month",
                    numeric: false,
                },
                Column {
                    heading: "Paid",
                    numeric: true,
                },
            ],
            &[vec![text("May & June"), text("£1.00")]],
            true,
        );
        let html = table.as_str();
        assert!(html.contains("<caption class=\"govuk-table__caption govuk-table__caption--s\">Paid &lt;by&gt; month</caption>"));
        assert!(html.contains(
            "<th scope=\"col\" class=\"govuk-table__header govuk-table__header--numeric\">Paid</th>"
        ));
        assert!(
            html.contains("<th scope=\"row\" class=\"govuk-table__header\">May &amp; June</th>")
        );
        assert!(
            html.contains("<td class=\"govuk-table__cell govuk-table__cell--numeric\">£1.00</td>")
        );
    }

    #[test]
    fn text_can_never_become_markup() {
        assert_eq!(
            text("<script>alert('x') & \"y\"</script>").as_str(),
            "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;"
        );
        let input = input(&Input {
            id: "a",
            name: "a",
            label: "L",
            value: Some("\"><script>"),
            ..Input::default()
        });
        assert!(!input.as_str().contains("<script>"));
    }
}

#[cfg(test)]
#[path = "html_fixtures.rs"]
mod fixtures;
