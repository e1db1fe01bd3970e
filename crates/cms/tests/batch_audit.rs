//! Every batch run writes its audit entry: a bank import (in the same
//! transaction as its postings, and also when a re-import posts nothing),
//! the daily collection run and the day's post, each saying what ran with
//! counts and a file's name, never personal data or payers' words.

mod common;

use audit_log::Action;
use common::cms;
use domain_types::{Date, Pence};
use storage_api::Store;

const KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

fn batch_entries(folder: &std::path::Path) -> Vec<String> {
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let store = storage_sqlite::SqliteStore::open(&folder.join("data/cms.sqlite"))
            .await
            .unwrap();
        let entries = store.audit_entries().await.unwrap();
        store.close().await;
        assert!(audit_log::verify(&entries).is_ok());
        entries
            .into_iter()
            .filter(|e| e.record.action == Action::BatchRan)
            .map(|e| {
                format!(
                    "{} {} {}",
                    e.record.actor,
                    e.record.fields.join(","),
                    e.record.reason.unwrap_or_default()
                )
            })
            .collect()
    })
}

#[test]
fn imports_collection_runs_and_post_runs_each_write_their_audit_entry() {
    let folder = std::env::temp_dir().join(format!("cms-batch-audit-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(
        folder.join("keys.toml"),
        format!("active = 1\n[keys]\n1 = \"{KEY}\"\n"),
    )
    .unwrap();
    let booked = Date::parse_iso("2026-03-02").unwrap();
    let statement = bank_files::write_camt053(&bank_files::Statement {
        id: "STMT-AUDIT".to_owned(),
        entries: vec![
            bank_files::StatementEntry {
                bank_reference: "A-1".to_owned(),
                amount: Pence::new(2_500),
                is_credit: true,
                booked,
                remittance: "for Zoe at 4 Acacia Road".to_owned(),
            },
            bank_files::StatementEntry {
                bank_reference: "A-2".to_owned(),
                amount: Pence::new(1_000),
                is_credit: true,
                booked,
                remittance: "CM-NOT-A-CASE".to_owned(),
            },
        ],
    });
    let file = folder.join("statement-0302.xml");
    std::fs::write(&file, statement).unwrap();
    let import = || {
        cms(
            &folder,
            &["bank", "import", "--file", file.to_str().unwrap()],
        )
    };
    let (ok, text) = import();
    assert!(ok, "{text}");
    let entries = batch_entries(&folder);
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert!(
        entries[0].starts_with("bank-import bank_import bank import of statement-0302.xml")
            && entries[0]
                .contains("2 entries, 2 transfers, 2 to suspense; 2 posted, 0 already posted"),
        "{entries:?}"
    );
    // A re-import posts nothing, and still records that it ran.
    let (ok, text) = import();
    assert!(ok, "{text}");
    let entries = batch_entries(&folder);
    assert_eq!(entries.len(), 2, "{entries:?}");
    assert!(
        entries[1].contains("0 posted, 2 already posted"),
        "{entries:?}"
    );
    let (ok, text) = cms(
        &folder,
        &[
            "bank",
            "collect",
            "--date",
            "2026-03-02",
            "--pain001",
            folder.join("out-0302.xml").to_str().unwrap(),
            "--client-account",
            "60-70-80 10203040 Child Maintenance",
        ],
    );
    assert!(ok, "{text}");
    let (ok, text) = cms(
        &folder,
        &[
            "letters",
            "post",
            "--date",
            "2026-03-02",
            "--out",
            folder.join("post-0302").to_str().unwrap(),
        ],
    );
    assert!(ok, "{text}");
    let entries = batch_entries(&folder);
    assert_eq!(entries.len(), 4, "{entries:?}");
    assert!(
        entries[2].starts_with("collection-run bank_collect collection run 2026-03-02")
            && entries[2].contains("0 transfers posted; 0 payments of £0.00 in out-0302.xml"),
        "{entries:?}"
    );
    assert!(
        entries[3].starts_with("post-run letters_post post run 2026-03-02")
            && entries[3]
                .contains("0 letters to post, 0 held for safe contact, manifest.csv in post-0302"),
        "{entries:?}"
    );
    for entry in &entries {
        for words in [
            "Zoe",
            "Acacia",
            "CM-NOT-A-CASE",
            &folder.display().to_string(),
        ] {
            assert!(!entry.contains(words), "{words} in {entry}");
        }
    }
    let _ = std::fs::remove_dir_all(&folder);
}
