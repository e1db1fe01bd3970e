//! `cms serve`: open the database, record the law carried, listen.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use audit_log::{Action, AuditRecord};
use legal_parameters::{EMBEDDED_FILES, Parameters};
use storage_api::Store;
use storage_postgres::PostgresStore;
use storage_sqlite::SqliteStore;
use web::AppState;

/// The embedded default: a SQLite file under `./data`.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/cms.sqlite";

/// Where the data lives, from `DATABASE_URL`.
#[derive(Debug, PartialEq, Eq)]
pub enum DatabaseLocation {
    /// The embedded default: a file.
    Sqlite(PathBuf),
    /// A PostgreSQL server, by its URL.
    Postgres(String),
}

impl DatabaseLocation {
    /// Opens (and migrates) the store.
    pub async fn open(&self) -> Result<Arc<dyn Store>, String> {
        match self {
            DatabaseLocation::Sqlite(path) => SqliteStore::open(path)
                .await
                .map(|store| Arc::new(store) as Arc<dyn Store>)
                .map_err(|e| e.to_string()),
            DatabaseLocation::Postgres(url) => PostgresStore::open(url)
                .await
                .map(|store| Arc::new(store) as Arc<dyn Store>)
                .map_err(|e| format!("cannot open PostgreSQL: {e}")),
        }
    }

    /// Where, for messages: the path, or the server without credentials.
    pub fn describe(&self) -> String {
        match self {
            DatabaseLocation::Sqlite(path) => path.display().to_string(),
            DatabaseLocation::Postgres(url) => {
                let without_scheme = url.split_once("://").map_or(url.as_str(), |(_, rest)| rest);
                let host = without_scheme
                    .rsplit_once('@')
                    .map_or(without_scheme, |(_, host)| host);
                format!("postgres://{host}")
            }
        }
    }
}

/// Reads a database URL. An unrecognised one is an error, never a new
/// empty database somewhere unexpected.
pub fn parse_database_url(url: &str) -> Result<DatabaseLocation, String> {
    if let Some(path) = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
    {
        if path.is_empty() {
            return Err(
                "DATABASE_URL sqlite:// needs a file path, like sqlite://data/cms.sqlite"
                    .to_owned(),
            );
        }
        return Ok(DatabaseLocation::Sqlite(PathBuf::from(path)));
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(DatabaseLocation::Postgres(url.to_owned()));
    }
    Err(format!(
        "DATABASE_URL `{url}` is not understood; use sqlite://PATH or postgres://USER@HOST:PORT/DATABASE"
    ))
}

/// Reads the key file, or on first start creates one: a key with a random
/// id (so a replaced file can never pass for the old one) and 32 random
/// bytes, readable by the owner only.
pub(crate) fn load_or_create_keys(path: &std::path::Path) -> Result<field_crypto::KeyRing, String> {
    if !path.exists() {
        if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(folder)
                .map_err(|e| format!("cannot create {}: {e}", folder.display()))?;
        }
        let mut table = toml::Table::new();
        crate::keys::add_active_key(&mut table)?;
        crate::keys::replace_key_file(path, &table)?;
        errln!(
            "cms serve: created encryption keys at {}; keep a copy apart from the database",
            path.display()
        );
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the key file {}: {e}", path.display()))?;
    field_crypto::KeyRing::from_toml(&text).map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(unix)]
pub(crate) fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

#[cfg(not(unix))]
pub(crate) fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}

/// Rules not yet in force that the service may be asked to model; each
/// answer that uses one says so. Off: the law as it stands.
#[derive(Clone, Copy, Debug, Default)]
pub struct Modelling {
    /// The Child Support Collection (Domestic Abuse) Act 2023's move on
    /// evidence of abuse.
    pub act_2023: bool,
    /// The reformed single service: no Direct Pay, the reform's fees.
    pub single_service: bool,
}

/// The law compiled in, or, to model the reformed single service, the law
/// with the `direct-pay-reform-2025` policy overlaid from its assumed start.
///
/// # Panics
/// If the embedded policy is invalid; the tests load it.
#[must_use]
pub fn parameters(single_service: bool) -> &'static Parameters {
    static MODELLED: std::sync::OnceLock<Parameters> = std::sync::OnceLock::new();
    if !single_service {
        return Parameters::embedded();
    }
    MODELLED.get_or_init(|| {
        let reform = legal_parameters::CollectionReform::named("direct-pay-reform-2025")
            .unwrap_or_else(|e| panic!("embedded policy is invalid: {e}"));
        Parameters::embedded().with_collection_reform(&reform)
    })
}

/// What the service models beside the law, for its start-up line and audit.
fn modelled_note(modelling: Modelling) -> String {
    let mut notes = Vec::new();
    if modelling.act_2023 {
        notes.push("the 2023 Act's move on evidence".to_owned());
    }
    if modelling.single_service {
        let start = parameters(true)
            .sets()
            .iter()
            .find(|set| set.modelled_policy.is_some())
            .map(|set| set.effective_from.to_string())
            .unwrap_or_default();
        notes.push(format!(
            "the single service without Direct Pay from {start} (direct-pay-reform-2025)"
        ));
    }
    if notes.is_empty() {
        String::new()
    } else {
        format!("; MODELLING, not the law: {}", notes.join(", "))
    }
}

pub fn run(
    listen: SocketAddr,
    database_url: &str,
    keys_file: &std::path::Path,
    service_address: &str,
    modelling: Modelling,
    demo_cases: Option<u32>,
) -> ExitCode {
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            errln!("cms: cannot start the runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve(
        listen,
        database_url,
        keys_file,
        service_address,
        modelling,
        demo_cases,
    )) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            errln!("cms serve: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(
    listen: SocketAddr,
    database_url: &str,
    keys_file: &std::path::Path,
    service_address: &str,
    modelling: Modelling,
    demo_cases: Option<u32>,
) -> Result<(), String> {
    let location = parse_database_url(database_url)?;
    let keys = load_or_create_keys(keys_file)?;
    let database = location.open().await?;
    let parameters = parameters(modelling.single_service);
    let files: serde_json::Map<String, serde_json::Value> = EMBEDDED_FILES
        .iter()
        .map(|(name, text)| ((*name).to_owned(), serde_json::Value::from(*text)))
        .collect();
    database
        .record_parameter_set(
            &parameters.version(),
            &serde_json::Value::Object(files).to_string(),
        )
        .await
        .map_err(|e| e.to_string())?;
    database
        .append_audit(AuditRecord {
            at_unix_seconds: crate::clock::now_unix_seconds(),
            actor: "system".to_owned(),
            role: "service".to_owned(),
            action: Action::ServiceStarted,
            case: None,
            fields: Vec::new(),
            reason: Some(format!(
                "parameters {}{}",
                parameters.version(),
                modelled_note(modelling)
            )),
            count: 1,
        })
        .await
        .map_err(|e| e.to_string())?;
    let made = match demo_cases {
        Some(cases) => {
            let clock = crate::clock::System;
            let mut nonce = || web::Environment::nonce(&clock);
            crate::demo::seed(
                database.as_ref(),
                &keys,
                parameters,
                web::Environment::today(&clock),
                cases,
                crate::clock::now_unix_seconds(),
                &mut nonce,
            )
            .await?
        }
        None => 0,
    };
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    let state = AppState {
        parameters,
        store: Arc::clone(&database),
        clock: Arc::new(crate::clock::System),
        keys: Arc::new(keys),
        failed_sign_ins: Arc::default(),
        service_address: Arc::from(service_address),
        model_2023_act: modelling.act_2023,
    };
    outln!(
        "cms listening on http://{address} (database {}, parameters {}{})",
        location.describe(),
        parameters.version(),
        modelled_note(modelling)
    );
    if demo_cases.is_some() {
        if made > 0 {
            outln!("demo: {made} synthetic cases made (nothing here is real)");
        }
        outln!("demo sign-ins (for demonstration only; sign in at http://{address}/sign-in):");
        for sign_in in &crate::demo::SIGN_INS {
            outln!(
                "  {:<26} {:<31} password: {}",
                sign_in.role,
                sign_in.login,
                sign_in.password
            );
        }
    }
    axum::serve(listener, web::app(state))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| e.to_string())?;
    database.close().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_urls_are_read_strictly() {
        assert_eq!(
            parse_database_url("sqlite://data/cms.sqlite"),
            Ok(DatabaseLocation::Sqlite(PathBuf::from("data/cms.sqlite")))
        );
        assert_eq!(
            parse_database_url("sqlite:/tmp/x.sqlite"),
            Ok(DatabaseLocation::Sqlite(PathBuf::from("/tmp/x.sqlite")))
        );
        assert!(parse_database_url("sqlite://").is_err());
        assert_eq!(
            parse_database_url("postgres://postgres@127.0.0.1:5432/test"),
            Ok(DatabaseLocation::Postgres(
                "postgres://postgres@127.0.0.1:5432/test".to_owned()
            ))
        );
        assert_eq!(
            DatabaseLocation::Postgres("postgres://user:secret@db:5432/cms".to_owned()).describe(),
            "postgres://db:5432/cms"
        );
        assert!(
            parse_database_url("mysql://localhost")
                .unwrap_err()
                .contains("not understood")
        );
        assert!(parse_database_url("data/cms.sqlite").is_err());
    }
}
