//! Project automation, in Rust so that it runs wherever cargo does.
//!
//! - `cargo xtask test`: every test in the workspace (the README's test
//!   command), after the tidy checks: unit, integration, the pages in
//!   Chromium and the API contract with schemathesis.
//! - `cargo xtask ci`: formatting, clippy with warnings denied, then `test`.
//! - `cargo xtask tidy`: the architecture's rules that the compiler does not
//!   enforce (see ARCHITECTURE.md, "Architecture invariants").

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

/// Crates that hold the law and the domain: no I/O, no clock, no floats.
const PURE_CRATES: &[&str] = &[
    "domain-types",
    "legal-parameters",
    "maintenance-calculation",
    "case-records",
    "audit-log",
    "field-crypto",
    "ledger",
    "bank-files",
    "safety",
    "letters",
    "reform-model",
    "work-items",
    "challenges",
];

/// Dependencies a pure crate must never pull in, even indirectly.
const BANNED_IN_PURE: &[&str] = &["tokio", "sqlx", "axum", "hyper", "mio"];

/// Source text a pure crate must not contain, with the reason.
const BANNED_TOKENS_IN_PURE: &[(&str, &str)] = &[
    (
        "std::fs",
        "pure crates do no file I/O; the shell reads files",
    ),
    ("std::net", "pure crates do no network I/O"),
    (
        "SystemTime",
        "pure crates never read the clock: dates are arguments",
    ),
    ("Instant::now", "pure crates never read the clock"),
    ("f32", "no floating point near money or rates"),
    ("f64", "no floating point near money or rates"),
];

/// Database drivers and the storage crates that wrap them.
const IMPLEMENTATIONS: &[&str] = &["sqlx", "storage-sqlite", "storage-postgres"];

/// Crates that must not depend on a database driver.
const DRIVER_FREE_CRATES: &[&str] = &[
    "web",
    "calculation-json",
    "storage-api",
    "storage-conformance",
];

fn main() -> ExitCode {
    let task = std::env::args().nth(1).unwrap_or_default();
    let result = match task.as_str() {
        "test" => tidy().and_then(|()| test()),
        "ci" => ci(),
        "tidy" => tidy(),
        _ => Err("usage: cargo xtask <test|ci|tidy>".to_owned()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask {task}: {message}");
            ExitCode::FAILURE
        }
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask sits in the workspace")
        .to_owned()
}

fn cargo(arguments: &[&str]) -> Result<(), String> {
    eprintln!("$ cargo {}", arguments.join(" "));
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()))
        .args(arguments)
        .current_dir(workspace_root())
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`cargo {}` failed ({status})", arguments.join(" ")))
    }
}

fn cargo_output(arguments: &[&str]) -> Result<String, String> {
    let output = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()))
        .args(arguments)
        .current_dir(workspace_root())
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "`cargo {}` failed: {}",
            arguments.join(" "),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

fn test() -> Result<(), String> {
    cargo(&["test", "--workspace", "--locked"])?;
    browser_tests()?;
    contract_tests()
}

/// The API contract (`crates/web/contract-tests/run.sh`): schemathesis from
/// PyPI (pinned, installed into a venv beside the script on first use)
/// against `cms serve` as a caseworker, a parent and no one; fails on a
/// server error, an undocumented status or a body that breaks its schema.
fn contract_tests() -> Result<(), String> {
    let root = workspace_root();
    let target =
        std::env::var("CARGO_TARGET_DIR").map_or_else(|_| root.join("target"), PathBuf::from);
    let cms = target.join("debug/cms");
    run_in(
        &root.join("crates/web/contract-tests"),
        "bash",
        &["run.sh", &cms.to_string_lossy()],
    )
}

/// The pages in Debian's Chromium with playwright-core and axe-core
/// (`crates/web/browser-tests`): the npm packages come from their lockfile,
/// installed here when missing; Chromium must be installed (`.ci/run`
/// installs it with apt-get).
fn browser_tests() -> Result<(), String> {
    let root = workspace_root();
    let folder = root.join("crates/web/browser-tests");
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_owned());
    if !Path::new(&chromium).exists() {
        return Err(format!(
            "the browser tests need Chromium at {chromium}: `apt-get install chromium` (.ci/run does), or set CHROMIUM"
        ));
    }
    if !folder.join("node_modules/playwright-core").exists() {
        run_in(
            &folder,
            "npm",
            &["ci", "--ignore-scripts", "--no-audit", "--no-fund"],
        )?;
    }
    cargo(&["build", "--package", "cms", "--locked"])?;
    let target =
        std::env::var("CARGO_TARGET_DIR").map_or_else(|_| root.join("target"), PathBuf::from);
    let cms = target.join("debug/cms");
    run_in(&folder, "node", &["run.mjs", &cms.to_string_lossy()])
}

fn run_in(folder: &Path, program: &str, arguments: &[&str]) -> Result<(), String> {
    eprintln!(
        "$ (cd {}; {program} {})",
        folder.display(),
        arguments.join(" ")
    );
    let status = Command::new(program)
        .args(arguments)
        .current_dir(folder)
        .status()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "`{program} {}` failed ({status})",
            arguments.join(" ")
        ))
    }
}

fn ci() -> Result<(), String> {
    cargo(&["fmt", "--all", "--", "--check"])?;
    cargo(&[
        "clippy",
        "--workspace",
        "--all-targets",
        "--locked",
        "--",
        "-D",
        "warnings",
    ])?;
    tidy()?;
    test()
}

fn tidy() -> Result<(), String> {
    let mut problems = Vec::new();
    for krate in PURE_CRATES {
        let tree = cargo_output(&[
            "tree", "--locked", "-p", krate, "-e", "normal", "--prefix", "none", "--format", "{p}",
        ])?;
        for banned in BANNED_IN_PURE {
            if tree
                .lines()
                .any(|line| line.split_whitespace().next() == Some(banned))
            {
                problems.push(format!(
                    "{krate} depends on {banned}; pure crates do no I/O"
                ));
            }
        }
        let source = workspace_root().join("crates").join(krate).join("src");
        for file in rust_files(&source) {
            let text =
                std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
            for (token, reason) in BANNED_TOKENS_IN_PURE {
                if contains_token(&text, token) {
                    problems.push(format!("{} uses `{token}`: {reason}", file.display()));
                }
            }
        }
    }
    for krate in DRIVER_FREE_CRATES {
        let tree = cargo_output(&[
            "tree", "--locked", "-p", krate, "-e", "normal", "--prefix", "none", "--format", "{p}",
        ])?;
        if tree
            .lines()
            .any(|line| IMPLEMENTATIONS.contains(&line.split_whitespace().next().unwrap_or("")))
        {
            problems.push(format!(
                "{krate} depends on a storage implementation; it must not"
            ));
        }
    }
    if problems.is_empty() {
        eprintln!("tidy: the architecture's rules hold");
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

/// Whether `token` appears in `text` as a whole word (so `f64` matches but
/// `buf64` does not), outside `//` comments.
fn contains_token(text: &str, token: &str) -> bool {
    let word = |c: char| c.is_alphanumeric() || c == '_';
    text.lines()
        .map(|line| line.split("//").next().unwrap_or(""))
        .any(|code| {
            code.match_indices(token).any(|(start, _)| {
                let before = code[..start].chars().next_back();
                let after = code[start + token.len()..].chars().next();
                !before.is_some_and(word) && !after.is_some_and(word)
            })
        })
}

fn rust_files(folder: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let Ok(entries) = std::fs::read_dir(folder) else {
        return files;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

#[cfg(test)]
mod tests {
    use super::contains_token;

    #[test]
    fn tokens_match_whole_words_outside_comments() {
        assert!(contains_token("let x: f64 = 1.0;", "f64"));
        assert!(!contains_token("let buf64 = 1;", "f64"));
        assert!(!contains_token("// no f64 here", "f64"));
        assert!(contains_token("use std::fs::read;", "std::fs"));
    }
}
