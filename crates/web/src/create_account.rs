//! A parent creates their own account, so they can apply (issue 6 §2).
//!
//! The answer is the same whether or not the email address already had an
//! account, and an existing account is never changed: someone looking for
//! whether another person uses the service learns nothing here. The new
//! account is not signed in; the parent signs in with what they chose, as
//! anyone would. Staff accounts are never made here.

use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use domain_types::TextError;
use domain_types::text::credentials::{self, PasswordError};

use crate::AppState;
use crate::html::{self, Button, Input, Markup, Radios};
use crate::pages::{Page, respond};
use crate::self_service::from_this_site;

/// The form.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct CreateAccountForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    role: String,
}

/// Each field's error, in the order the fields appear.
#[derive(Default)]
struct Errors {
    login: Option<String>,
    password: Option<String>,
    role: Option<String>,
}

impl Errors {
    fn any(&self) -> bool {
        self.login.is_some() || self.password.is_some() || self.role.is_some()
    }
}

/// An email address as a login: one `@`, a dot after it, no spaces.
/// (Its length is checked, in characters, by `credentials::login`.)
fn looks_like_email(login: &str) -> bool {
    let Some((local, domain)) = login.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && !login.chars().any(char::is_whitespace)
}

/// The login as it will be stored (the same rule as sign-in's, so an
/// account made here can always sign in), or the message to show.
fn checked_login(typed: &str) -> Result<String, String> {
    const FORMAT: &str = "Enter an email address in the correct format, like name@example.com";
    match credentials::login(typed) {
        Ok(login) if looks_like_email(login.as_str()) => Ok(login.into_string()),
        Ok(_) | Err(TextError::Empty) => Err(FORMAT.to_owned()),
        Err(TextError::TooLong { max_chars, .. }) => Err(format!(
            "Email address must be {max_chars} characters or fewer"
        )),
        Err(refused) => Err(format!("Email address {refused}")),
    }
}

/// Checks the form; the login as it will be stored, and each field's error.
fn check(form: &CreateAccountForm) -> (Option<String>, Errors) {
    let login = checked_login(&form.login);
    let errors = Errors {
        login: login.as_ref().err().cloned(),
        password: credentials::new_password(&form.password)
            .err()
            .map(|e: PasswordError| format!("Password {e}")),
        role: (!matches!(form.role.as_str(), "receiving_parent" | "paying_parent"))
            .then(|| "Select whether you will receive or pay child maintenance".to_owned()),
    };
    (login.ok(), errors)
}

fn form_page(status: StatusCode, form: &CreateAccountForm, errors: &Errors) -> Response {
    let mut main = Markup::trusted(
        "<div class=\"govuk-grid-row\"><div class=\"govuk-grid-column-two-thirds\">\n".to_owned(),
    );
    let listed: Vec<(String, String)> = [
        ("#login", &errors.login),
        ("#password", &errors.password),
        ("#role", &errors.role),
    ]
    .into_iter()
    .filter_map(|(href, e)| e.as_ref().map(|e| (href.to_owned(), e.clone())))
    .collect();
    if !listed.is_empty() {
        main.push(&html::error_summary("There is a problem", &listed));
    }
    main.push(&Markup::trusted(
        "<h1 class=\"govuk-heading-l\">Create an account</h1>\n<form method=\"post\" action=\"/create-account\" novalidate>\n"
            .to_owned(),
    ));
    main.push(&html::paragraph(
        "You need an account to apply for child maintenance and to see your case. Use an email address only you can read.",
    ));
    main.push(&html::input(&Input {
        id: "login",
        name: "login",
        label: "Email address",
        error: errors.login.as_deref(),
        value: Some(form.login.as_str()).filter(|l| !l.is_empty()),
        autocomplete: Some("email"),
        ..Input::default()
    }));
    let password_error = errors.password.as_ref().map_or_else(String::new, |e| {
        format!(
            "  <p id=\"password-error\" class=\"govuk-error-message\">\n    <span class=\"govuk-visually-hidden\">Error:</span> {}\n  </p>\n",
            html::escape(e)
        )
    });
    main.push(&Markup::trusted(format!(
        "<div class=\"govuk-form-group{}\">\n  <label class=\"govuk-label\" for=\"password\">Password</label>\n  <div id=\"password-hint\" class=\"govuk-hint\">{min} to {max} characters. A few words you will remember are good.</div>\n{password_error}  <input class=\"govuk-input govuk-!-width-one-half{}\" id=\"password\" name=\"password\" type=\"password\" autocomplete=\"new-password\" aria-describedby=\"password-hint{}\">\n</div>\n",
        if errors.password.is_some() {
            " govuk-form-group--error"
        } else {
            ""
        },
        if errors.password.is_some() {
            " govuk-input--error"
        } else {
            ""
        },
        if errors.password.is_some() {
            " password-error"
        } else {
            ""
        },
        min = credentials::PASSWORD_MIN_CHARS,
        max = credentials::PASSWORD_MAX_CHARS,
    )));
    main.push(&html::radios(&Radios {
        name: "role",
        legend: "Will you receive or pay child maintenance?",
        legend_classes: Some("govuk-fieldset__legend--m"),
        error: errors.role.as_deref(),
        items: &[
            (
                "receiving_parent",
                "I will receive it: the children live with me most of the time",
                form.role == "receiving_parent",
            ),
            (
                "paying_parent",
                "I will pay it",
                form.role == "paying_parent",
            ),
        ],
        ..Radios::default()
    }));
    main.push(&html::button(&Button {
        text: "Create account",
        ..Button::default()
    }));
    main.push(&Markup::trusted(
        "</form>\n<p class=\"govuk-body\">Already have an account? <a class=\"govuk-link\" href=\"/sign-in\">Sign in</a>.</p>\n</div></div>\n"
            .to_owned(),
    ));
    respond(
        status,
        &Page {
            title: if errors.any() {
                "Error: Create an account"
            } else {
                "Create an account"
            },
            exit_this_page: true,
            main,
        },
    )
}

/// `GET /create-account`.
pub async fn form() -> Response {
    form_page(
        StatusCode::OK,
        &CreateAccountForm::default(),
        &Errors::default(),
    )
}

/// `POST /create-account`: the account, unless the email address already
/// has one; the same answer either way.
pub async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(mut form): Form<CreateAccountForm>,
) -> Response {
    if !from_this_site(&headers) {
        return crate::self_service::form_expired();
    }
    let (login, errors) = check(&form);
    let login = match login {
        Some(login) if !errors.any() => login,
        _ => {
            form.password.clear();
            // Shown back as typed, but without any control character.
            form.login = domain_types::text::shown_back(form.login.trim());
            return form_page(StatusCode::UNPROCESSABLE_ENTITY, &form, &errors);
        }
    };
    form.login = login;
    // Hashed either way, so the time taken does not tell a taken address
    // from a new one.
    let hash = crate::hash_password(&form.password);
    let existing = match state.store.account(&form.login).await {
        Ok(existing) => existing,
        Err(failure) => return crate::cases::storage_failure(&failure),
    };
    if existing.is_none() {
        // A new person, numbered at random (62 bits), apart from the
        // service's own numbering.
        let person = i64::try_from(state.clock.random_u64() >> 2).unwrap_or(i64::MAX);
        if let Err(failure) = state
            .store
            .create_account(&form.login, &hash, person, &form.role)
            .await
        {
            // Taken by a twin request meanwhile: the same answer as taken.
            if !matches!(state.store.account(&form.login).await, Ok(Some(_))) {
                return crate::cases::storage_failure(&failure);
            }
        }
    }
    respond(
        StatusCode::OK,
        &Page {
            title: "Create an account",
            exit_this_page: true,
            main: Markup::concat(&[
                Markup::trusted("<h1 class=\"govuk-heading-l\">Now sign in</h1>\n".to_owned()),
                html::paragraph(
                    "Sign in with your email address and the password you chose. If this email address already had an account, that account has not been changed: sign in with its own password.",
                ),
                Markup::trusted(
                    "<p class=\"govuk-body\"><a class=\"govuk-link\" href=\"/sign-in\">Sign in</a></p>\n"
                        .to_owned(),
                ),
            ]),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_email_address_is_needed_as_the_login() {
        for good in ["ann@example.org", "a.b+c@mail.example.co.uk"] {
            assert!(looks_like_email(good), "{good}");
        }
        for bad in [
            "",
            "ann",
            "ann@",
            "@example.org",
            "ann@example",
            "a b@example.org",
            "ann@.org",
            "a@b@c.org",
        ] {
            assert!(!looks_like_email(bad), "{bad}");
        }
    }
}
