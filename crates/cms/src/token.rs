//! `cms token issue` (an API token) and `cms account create` (a password
//! sign-in).

use std::process::ExitCode;

use case_records::Role;
use domain_types::text::credentials;

use crate::serve::parse_database_url;

pub fn issue(person: i64, role: &str, database_url: &str) -> ExitCode {
    let Some(role) = Role::from_code(role) else {
        errln!(
            "cms token issue: `{role}` is not a role; use caseworker, domestic_abuse_specialist, team_leader, enforcement_officer, auditor, administrator, policy_analyst, paying_parent or receiving_parent"
        );
        return ExitCode::from(2);
    };
    let location = match parse_database_url(database_url) {
        Ok(location) => location,
        Err(message) => {
            errln!("cms token issue: {message}");
            return ExitCode::from(2);
        }
    };
    // 32 random bytes: the token is shown once and kept only as its hash.
    let token = web::Environment::secret_hex(&crate::clock::System);
    let runtime = tokio::runtime::Runtime::new().expect("a runtime starts");
    let stored = runtime.block_on(async {
        let store = location.open().await?;
        let result = store
            .issue_token(&web::token_hash(&token), person, role.code())
            .await
            .map_err(|e| e.to_string());
        store.close().await;
        result
    });
    match stored {
        Ok(()) => {
            outln!("{token}");
            errln!(
                "Token for person {person} as {}: shown once, stored only as its hash.",
                role.code()
            );
            ExitCode::SUCCESS
        }
        Err(message) => {
            errln!("cms token issue: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Creates a sign-in account with a password read from standard input.
pub fn create_account(login: &str, person: i64, role: &str, database_url: &str) -> ExitCode {
    let Some(role) = Role::from_code(role) else {
        errln!("cms account create: `{role}` is not a role");
        return ExitCode::from(2);
    };
    // The same rules as the create-account page and sign-in, so that every
    // account made here can sign in.
    let login = match credentials::login(login) {
        Ok(login) => login.into_string(),
        Err(refused) => {
            errln!("cms account create: the login {refused}");
            return ExitCode::from(2);
        }
    };
    let mut password = String::new();
    if std::io::stdin().read_line(&mut password).is_err() {
        errln!("cms account create: give a password on standard input");
        return ExitCode::from(2);
    }
    let password = password.trim_end_matches(['\r', '\n']);
    if let Err(refused) = credentials::new_password(password) {
        errln!(
            "cms account create: the password {refused}; give one of {} to {} characters on standard input",
            credentials::PASSWORD_MIN_CHARS,
            credentials::PASSWORD_MAX_CHARS
        );
        return ExitCode::from(2);
    }
    let hash = web::hash_password(password);
    let location = match parse_database_url(database_url) {
        Ok(location) => location,
        Err(message) => {
            errln!("cms account create: {message}");
            return ExitCode::from(2);
        }
    };
    let runtime = tokio::runtime::Runtime::new().expect("a runtime starts");
    let created = runtime.block_on(async {
        let store = location.open().await?;
        let result = store
            .create_account(&login, &hash, person, role.code())
            .await
            .map_err(|e| e.to_string());
        store.close().await;
        result
    });
    match created {
        Ok(()) => {
            outln!(
                "account {login} created for person {person} as {}",
                role.code()
            );
            ExitCode::SUCCESS
        }
        Err(message) => {
            errln!("cms account create: {message}");
            ExitCode::FAILURE
        }
    }
}
