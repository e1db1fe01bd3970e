//! `cms`: the child maintenance service's one binary, and its composition
//! root. Each subcommand parses its arguments, calls the domain crates, and
//! prints; no rule lives here.

#[macro_use]
mod output;

mod audit;
mod backup;
mod bank;
mod bench;
mod bench_cases;
mod bench_collect;
mod bench_safety;
mod bench_web;
mod bench_work;
mod calculate;
mod clock;
mod collect;
mod demo;
mod keys;
mod mi_recount;
mod model;
mod model_caseload;
mod parameters;
mod post;
mod serve;
mod token;

use std::net::SocketAddr;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// The statutory child maintenance service (Great Britain's 2012 scheme).
#[derive(Parser)]
#[command(name = "cms", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web service (creates and migrates the database on start).
    Serve {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Where the data lives: sqlite://PATH (the default is a file under ./data).
        #[arg(long, env = "DATABASE_URL", default_value = serve::DEFAULT_DATABASE_URL)]
        database_url: String,
        /// The encryption keys for personal data (created on first start if missing).
        #[arg(long, env = "CMS_KEYS_FILE", default_value = "data/keys.toml")]
        keys_file: std::path::PathBuf,
        /// The service's own postal address, the only address on letters.
        #[arg(
            long,
            env = "CMS_SERVICE_ADDRESS",
            default_value = "Child Maintenance Service"
        )]
        service_address: String,
        /// Let caseworkers move a case to Collect and Pay on evidence of abuse
        /// under the Child Support Collection (Domestic Abuse) Act 2023 before
        /// it is commenced, each move marked as modelled (off: the law as it stands).
        #[arg(long, env = "CMS_MODEL_2023_ACT")]
        model_2023_act: bool,
        /// Model the reformed single service (policy `direct-pay-reform-2025`):
        /// from its assumed start Direct Pay no longer exists and its fees
        /// apply, every answer naming the policy (off: the law as it stands).
        #[arg(long, env = "CMS_MODEL_SINGLE_SERVICE")]
        model_single_service: bool,
        /// Fill an empty database with a synthetic caseload, generated from a
        /// fixed seed, and print a demo sign-in for each role (never for real data).
        #[arg(long)]
        demo: bool,
        /// How many synthetic cases `--demo` makes.
        #[arg(long, default_value_t = 2000)]
        demo_cases: u32,
    },
    /// Work out weekly child maintenance and explain it.
    Calculate(calculate::Arguments),
    /// Measure, beside a baseline taken in the same run.
    Bench {
        #[command(subcommand)]
        benchmark: model_caseload::Bench,
    },
    /// List every figure of the law this binary carries, with its source.
    Parameters,
    /// Model rules beside the law, for policy work (never applied to a case).
    Model {
        #[command(subcommand)]
        command: ModelCommand,
    },
    /// Management information kept as the work happens.
    Mi {
        #[command(subcommand)]
        command: mi_recount::MiCommand,
    },
    /// The tamper-evident audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Copy the embedded database consistently while the service runs.
    Backup {
        /// Where to write the copy (must not exist).
        #[arg(long)]
        to: std::path::PathBuf,
        /// Where the data lives.
        #[arg(long, env = "DATABASE_URL", default_value = serve::DEFAULT_DATABASE_URL)]
        database_url: String,
    },
    /// Put a checked backup in place of the embedded database (service stopped).
    Restore {
        /// The backup to restore.
        #[arg(long)]
        from: std::path::PathBuf,
        /// Where the data lives.
        #[arg(long, env = "DATABASE_URL", default_value = serve::DEFAULT_DATABASE_URL)]
        database_url: String,
    },
    /// Bank files.
    Bank {
        #[command(subcommand)]
        command: BankCommand,
    },
    /// Letters for printing and posting.
    Letters {
        #[command(subcommand)]
        command: LettersCommand,
    },
    /// Rotate the encryption keys of personal data without downtime.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Sign-in accounts.
    Account {
        #[command(subcommand)]
        command: AccountCommand,
    },
    /// API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
}

#[derive(Subcommand)]
enum LettersCommand {
    /// Write the day's letters (PDF) and a manifest; a letter is held, not
    /// posted, where its recipient asked for no letters to their address.
    Post {
        /// The day (YYYY-MM-DD).
        #[arg(long)]
        date: String,
        /// The folder for the letters and manifest.csv.
        #[arg(long)]
        out: std::path::PathBuf,
        /// Where the data lives.
        #[arg(long, env = "DATABASE_URL", default_value = serve::DEFAULT_DATABASE_URL)]
        database_url: String,
        /// The encryption keys for personal data.
        #[arg(long, env = "CMS_KEYS_FILE", default_value = "data/keys.toml")]
        keys_file: std::path::PathBuf,
        /// The service's own postal address.
        #[arg(
            long,
            env = "CMS_SERVICE_ADDRESS",
            default_value = "Child Maintenance Service"
        )]
        service_address: String,
    },
}

#[derive(Subcommand)]
enum BankCommand {
    /// Import a camt.053 statement: payments matched to cases, the rest to suspense; importing again changes nothing.
    Import {
        /// The statement file.
        #[arg(long)]
        file: std::path::PathBuf,
        /// Where the data lives.
        #[arg(long, env = "DATABASE_URL", default_value = serve::DEFAULT_DATABASE_URL)]
        database_url: String,
    },
    /// The daily collection run: post what fell due and adjustments, pass on
    /// what was collected (less the 4% fee), and write the day's pain.001.
    ///
    /// Each case is its own unit of work: a case that cannot be processed is
    /// set aside whole (nothing of it posted) and named in the summary with a
    /// reason code, and every other case is paid and filed. Exit status: 0
    /// every case processed; 3 completed with cases set aside; 1 the run
    /// could not be made (nothing filed).
    Collect {
        /// The day of the run (YYYY-MM-DD).
        #[arg(long)]
        date: String,
        /// The day of the previous run (defaults to the day before).
        #[arg(long)]
        since: Option<String>,
        /// Where to write the pain.001 credit transfer file.
        #[arg(long)]
        pain001: std::path::PathBuf,
        /// Also write BACS Standard 18 records here.
        #[arg(long)]
        standard18: Option<std::path::PathBuf>,
        /// The service's client account: "SORT-CODE ACCOUNT-NUMBER NAME".
        #[arg(long, env = "CMS_CLIENT_ACCOUNT")]
        client_account: String,
        /// Where the data lives.
        #[arg(long, env = "DATABASE_URL", default_value = serve::DEFAULT_DATABASE_URL)]
        database_url: String,
        /// The encryption keys for personal data.
        #[arg(long, env = "CMS_KEYS_FILE", default_value = "data/keys.toml")]
        keys_file: std::path::PathBuf,
        /// Collect under the modelled single service, as `cms serve` does.
        #[arg(long, env = "CMS_MODEL_SINGLE_SERVICE")]
        model_single_service: bool,
    },
}

#[derive(Subcommand)]
enum ModelCommand {
    /// The whole caseload (synthetic from a seed, or stored as known on a
    /// date) under the law and under policies: winners and losers, counts
    /// and sums only, as CSV or JSON.
    Caseload(model_caseload::CaseloadArguments),
    /// A prisoner paying parent: the law (the nil rate) beside Recommendation 7
    /// (earnings assessed), marked as policy.
    Prisoner {
        /// Weekly earnings in pounds (15.00).
        #[arg(long)]
        earnings: String,
        /// Qualifying children.
        #[arg(long, default_value_t = 1)]
        children: u8,
        /// The day to model (YYYY-MM-DD).
        #[arg(long)]
        date: String,
        /// The policy to model beside the law (prisoner-earnings-rec7).
        #[arg(long)]
        policy: Option<String>,
    },
    /// A week's maintenance on Collect and Pay: fees under the law, and
    /// under an announced policy if named (marked as policy, not law).
    Fees {
        /// The weekly maintenance, in pounds (48.00).
        #[arg(long)]
        weekly: String,
        /// The day to model (YYYY-MM-DD).
        #[arg(long)]
        date: String,
        /// An announced policy to model beside the law (direct-pay-reform-2025).
        #[arg(long)]
        policy: Option<String>,
        /// The paying parent does not pay on time and in full.
        #[arg(long)]
        non_compliant: bool,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Add a new key and make it the one that seals (older keys stay for opening).
    Add {
        /// The key file.
        #[arg(long, env = "CMS_KEYS_FILE", default_value = "data/keys.toml")]
        keys_file: std::path::PathBuf,
    },
    /// Re-seal every case's personal data with the active key, one case per transaction.
    Reseal {
        /// The key file.
        #[arg(long, env = "CMS_KEYS_FILE", default_value = "data/keys.toml")]
        keys_file: std::path::PathBuf,
        /// Where the data lives.
        #[arg(long, env = "DATABASE_URL", default_value = serve::DEFAULT_DATABASE_URL)]
        database_url: String,
    },
    /// Remove an old key once nothing is sealed with it.
    Retire {
        /// The key to remove.
        #[arg(long)]
        id: u32,
        /// The key file.
        #[arg(long, env = "CMS_KEYS_FILE", default_value = "data/keys.toml")]
        keys_file: std::path::PathBuf,
        /// Where the data lives.
        #[arg(long, env = "DATABASE_URL", default_value = serve::DEFAULT_DATABASE_URL)]
        database_url: String,
    },
}

#[derive(Subcommand)]
enum AccountCommand {
    /// Create an account; the password is read from standard input and stored only as an Argon2id hash.
    Create {
        /// The login, such as an email address.
        #[arg(long)]
        login: String,
        /// The person's identifier.
        #[arg(long)]
        person: i64,
        /// Their role.
        #[arg(long)]
        role: String,
        /// Where the data lives.
        #[arg(long, env = "DATABASE_URL", default_value = serve::DEFAULT_DATABASE_URL)]
        database_url: String,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Issue an API token; it is printed once and stored only as a hash.
    Issue {
        /// The person's identifier.
        #[arg(long)]
        person: i64,
        /// Their role: caseworker, domestic_abuse_specialist, team_leader, enforcement_officer, auditor, administrator, policy_analyst, paying_parent, receiving_parent.
        #[arg(long)]
        role: String,
        /// Where the data lives.
        #[arg(long, env = "DATABASE_URL", default_value = serve::DEFAULT_DATABASE_URL)]
        database_url: String,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check every entry's hash and link; exit 1 if any entry was edited or removed.
    Verify {
        /// Where the data lives: sqlite://PATH.
        #[arg(long, env = "DATABASE_URL", default_value = serve::DEFAULT_DATABASE_URL)]
        database_url: String,
    },
}

/// Prints a command's outcome: the message on stdout, or the reason on
/// stderr with a failing exit status.
pub(crate) fn finish(command: &str, result: Result<String, String>) -> ExitCode {
    match result {
        Ok(message) => {
            outln!("{message}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            errln!("cms {command}: {message}");
            ExitCode::FAILURE
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve {
            listen,
            database_url,
            keys_file,
            service_address,
            model_2023_act,
            model_single_service,
            demo,
            demo_cases,
        } => serve::run(
            listen,
            &database_url,
            &keys_file,
            &service_address,
            serve::Modelling {
                act_2023: model_2023_act,
                single_service: model_single_service,
            },
            demo.then_some(demo_cases),
        ),
        Command::Calculate(arguments) => calculate::run(&arguments),
        Command::Bench { benchmark } => match benchmark {
            model_caseload::Bench::Model(arguments) => model_caseload::bench(&arguments),
            model_caseload::Bench::Other(benchmark) => bench::run(&benchmark),
        },
        Command::Model {
            command: ModelCommand::Caseload(arguments),
        } => model_caseload::caseload(&arguments),
        Command::Parameters => parameters::run(),
        Command::Audit {
            command: AuditCommand::Verify { database_url },
        } => audit::verify(&database_url),
        Command::Mi { command } => mi_recount::run(&command),
        Command::Backup { to, database_url } => backup::backup(&database_url, &to),
        Command::Restore { from, database_url } => backup::restore(&database_url, &from),
        Command::Letters {
            command:
                LettersCommand::Post {
                    date,
                    out,
                    database_url,
                    keys_file,
                    service_address,
                },
        } => match domain_types::Date::parse_iso(&date) {
            Ok(date) => post::post(&post::PostRun {
                date,
                database_url: &database_url,
                keys_file: &keys_file,
                out: &out,
                service_address: &service_address,
            }),
            Err(e) => finish("letters post", Err(format!("--date {date}: {e}"))),
        },
        Command::Bank {
            command: BankCommand::Import { file, database_url },
        } => bank::import(&file, &database_url),
        Command::Bank {
            command:
                BankCommand::Collect {
                    date,
                    since,
                    pain001,
                    standard18,
                    client_account,
                    database_url,
                    keys_file,
                    model_single_service,
                },
        } => {
            let parse = |text: &str, flag: &str| {
                domain_types::Date::parse_iso(text).map_err(|e| format!("--{flag} {text}: {e}"))
            };
            let dates = parse(&date, "date").and_then(|date| {
                let since = match &since {
                    Some(text) => parse(text, "since")?,
                    None => date.add_days(-1).ok_or("--date is too early")?,
                };
                Ok((date, since))
            });
            match dates {
                Ok((date, since)) => collect::collect(&collect::Run {
                    date,
                    since,
                    database_url: &database_url,
                    keys_file: &keys_file,
                    parameters: serve::parameters(model_single_service),
                    pain001: &pain001,
                    standard18: standard18.as_deref(),
                    client_account: &client_account,
                }),
                Err(message) => finish("bank collect", Err(message)),
            }
        }
        Command::Model {
            command:
                ModelCommand::Fees {
                    weekly,
                    date,
                    policy,
                    non_compliant,
                },
        } => model::fees(&weekly, &date, policy.as_deref(), non_compliant),
        Command::Model {
            command:
                ModelCommand::Prisoner {
                    earnings,
                    children,
                    date,
                    policy,
                },
        } => model::prisoner(&earnings, children, &date, policy.as_deref()),
        Command::Keys { command } => match command {
            KeysCommand::Add { keys_file } => keys::add(&keys_file),
            KeysCommand::Reseal {
                keys_file,
                database_url,
            } => keys::reseal(&keys_file, &database_url),
            KeysCommand::Retire {
                id,
                keys_file,
                database_url,
            } => keys::retire(&keys_file, &database_url, id),
        },
        Command::Account {
            command:
                AccountCommand::Create {
                    login,
                    person,
                    role,
                    database_url,
                },
        } => token::create_account(&login, person, &role, &database_url),
        Command::Token {
            command:
                TokenCommand::Issue {
                    person,
                    role,
                    database_url,
                },
        } => token::issue(person, &role, &database_url),
    }
}
