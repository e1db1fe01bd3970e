//! Every command's printing survives a reader that stops early
//! (`cms audit verify | head -1`): no panic, and the exit status is the
//! command's own.

mod common;

use std::process::{Command, Stdio};

use common::CMS;

/// Runs `cms` with its standard output a pipe whose reading end is closed
/// before it prints anything; its exit status and standard error.
fn with_stdout_closed(folder: &std::path::Path, args: &[&str]) -> (Option<i32>, String) {
    let mut child = Command::new(CMS)
        .args(args)
        .env(
            "DATABASE_URL",
            format!("sqlite://{}/data/cms.sqlite", folder.display()),
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The reader goes away at once: every write to stdout meets a closed pipe.
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn commands_never_panic_when_their_reader_has_gone() {
    let folder = std::env::temp_dir().join(format!("cms-pipe-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::create_dir_all(folder.join("data")).unwrap();
    // A database with an audit log to verify.
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let store = storage_sqlite::SqliteStore::open(&folder.join("data/cms.sqlite"))
            .await
            .unwrap();
        for at in 0..3 {
            storage_api::Store::append_audit(
                &store,
                audit_log::AuditRecord {
                    at_unix_seconds: at,
                    actor: "system".to_owned(),
                    role: "service".to_owned(),
                    action: audit_log::Action::ServiceStarted,
                    case: None,
                    fields: Vec::new(),
                    reason: None,
                    count: 1,
                },
            )
            .await
            .unwrap();
        }
        storage_api::Store::close(&store).await;
    });
    for (args, status) in [
        (&["audit", "verify"][..], Some(0)),
        (&["parameters"][..], Some(0)),
        (
            &[
                "calculate",
                "--income",
                "517.81",
                "--children",
                "3",
                "--date",
                "2025-06-01",
            ][..],
            Some(0),
        ),
        // An item refused: the command's own exit status still comes out.
        (
            &["calculate", "--income", "517.81", "--date", "2011-01-01"][..],
            Some(2),
        ),
        (&["--help"][..], Some(0)),
    ] {
        let (code, stderr) = with_stdout_closed(&folder, args);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_eq!(code, status, "{args:?}: {stderr}");
    }
    let _ = std::fs::remove_dir_all(&folder);
}
