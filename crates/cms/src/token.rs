//! `cms token issue`: an API token for a member of staff, or for a parent
//! (until parents sign in with a password).

use std::fmt::Write as _;
use std::process::ExitCode;

use case_records::Role;

use crate::serve::parse_database_url;

pub fn issue(person: i64, role: &str, database_url: &str) -> ExitCode {
    let Some(role) = Role::from_code(role) else {
        eprintln!(
            "cms token issue: `{role}` is not a role; use caseworker, domestic_abuse_specialist, team_leader, enforcement_officer, auditor, administrator, paying_parent or receiving_parent"
        );
        return ExitCode::from(2);
    };
    let location = match parse_database_url(database_url) {
        Ok(location) => location,
        Err(message) => {
            eprintln!("cms token issue: {message}");
            return ExitCode::from(2);
        }
    };
    // 32 random bytes: the token is shown once and kept only as its hash.
    let token = (0..4).fold(String::with_capacity(64), |mut text, _| {
        let _ = write!(text, "{:016x}", crate::clock::random_u64());
        text
    });
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
            println!("{token}");
            eprintln!(
                "Token for person {person} as {}: shown once, stored only as its hash.",
                role.code()
            );
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("cms token issue: {message}");
            ExitCode::FAILURE
        }
    }
}
