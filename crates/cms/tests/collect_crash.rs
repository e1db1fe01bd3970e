//! Kills `cms bank collect` with SIGKILL in the middle of a run, then runs
//! the day again: every receiving parent is paid exactly once, the payment
//! file holds each payment once, and a further run changes nothing.

mod common;

use std::process::Command;

use audit_log::{Action, AuditRecord};
use case_records::{
    BankAccount, CaseParties, CaseReference, Change, ChildId, FactEvent, Person, PersonId,
    ReceivingParentId, Sensitive, ServiceType, SortCode, seal_parties,
};
use common::CMS;
use domain_types::{Date, Pence};
use ledger::{Account, AccountKind, Transfer, TransferCode, TransferId};
use maintenance_calculation::Income;
use storage_api::Store;
use storage_sqlite::SqliteStore;

const CASES: u64 = 150;
const KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

fn d(text: &str) -> Date {
    Date::parse_iso(text).unwrap()
}

fn person(id: u64, name: &str, bank: Option<(&str, &str)>) -> Person {
    Person {
        id: PersonId(id),
        name: Sensitive::new(name.to_owned()),
        address: Sensitive::new(format!("ADDRESS-{id}")),
        postcode: Sensitive::new(format!("POSTCODE-{id}")),
        phone: None,
        email: None,
        employer: None,
        bank: bank.map(|(sort_code, account)| BankAccount {
            sort_code: SortCode::parse(sort_code).unwrap(),
            account_number: Sensitive::new(account.to_owned()),
        }),
        ni_number: None,
        date_of_birth: None,
        abuse_disclosure: None,
        non_disclosure: false,
    }
}

fn audit() -> AuditRecord {
    AuditRecord {
        at_unix_seconds: 1_741_000_000,
        actor: "staff-1".to_owned(),
        role: "caseworker".to_owned(),
        action: Action::Changed,
        case: None,
        fields: vec!["setup".to_owned()],
        reason: None,
        count: 1,
    }
}

/// `CASES` cases on Collect and Pay since 3 March 2025 at £48.00 a week
/// (£9.60 fee), each paid £172.80 on 17 March: three weeks in full.
async fn set_up(store: &dyn Store, keys: &field_crypto::KeyRing) {
    let mut counter = 0u8;
    let mut nonce = || {
        counter = counter.wrapping_add(1);
        [counter; 24]
    };
    let start = d("2025-03-03");
    for n in 0..CASES {
        let case = CaseReference::from_random(90_000 + n);
        store.open_case(&case, start).await.unwrap();
        let fact = |change| FactEvent {
            effective_from: start,
            recorded_on: start,
            change,
        };
        let facts = vec![
            fact(Change::ChildJoined {
                child: ChildId(1),
                receiving_parent: ReceivingParentId(1),
            }),
            fact(Change::Income(Income::Weekly(Pence::new(40_000)))),
            fact(Change::ServiceType(ServiceType::CollectAndPay)),
        ];
        store
            .append_facts(&case, &facts, "setup", audit())
            .await
            .unwrap();
        let parties = CaseParties {
            reference: case,
            paying_parent: person(1_000 + n, "PAYER", Some(("11-11-11", "99999999"))),
            receiving_parents: vec![(
                ReceivingParentId(1),
                person(
                    2_000 + n,
                    &format!("Receiver {n}"),
                    Some(("04-00-04", "12345678")),
                ),
            )],
            children: Vec::new(),
            named_caseworker: None,
        };
        store
            .put_parties(&case, &seal_parties(&parties, keys, &mut nonce), audit())
            .await
            .unwrap();
        store
            .post_transfers(&[Transfer {
                id: TransferId(format!("bank/PAY-{n}")),
                debit: Account::BANK,
                credit: Account::of_case(case, AccountKind::PayingParentOwes),
                amount: Pence::new(17_280),
                code: TransferCode::Payment,
                effective: d("2025-03-17"),
                corrects: None,
            }])
            .await
            .unwrap();
    }
}

fn disbursements(url: &str) -> i64 {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let pool = sqlx::SqlitePool::connect(url).await.unwrap();
            let count = sqlx::query_scalar(
                "SELECT COUNT(*) FROM ledger_transfers WHERE code = 'disbursement'",
            )
            .fetch_one(&pool)
            .await
            .unwrap_or(0);
            pool.close().await;
            count
        })
}

#[test]
fn sigkill_during_a_collection_run_then_running_again_pays_everyone_exactly_once() {
    let folder = std::env::temp_dir().join(format!("cms-collect-crash-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::create_dir_all(folder.join("data")).unwrap();
    let keys_text = format!("active = 1\n[keys]\n1 = \"{KEY}\"\n");
    std::fs::write(folder.join("keys.toml"), &keys_text).unwrap();
    let keys = field_crypto::KeyRing::from_toml(&keys_text).unwrap();
    let database = folder.join("data/cms.sqlite");
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let store = SqliteStore::open(&database).await.unwrap();
        set_up(&store, &keys).await;
        store.close().await;
    });
    let url = format!("sqlite://{}", database.display());
    let pain = folder.join("out.xml");
    let collect = || {
        Command::new(CMS)
            .args([
                "bank",
                "collect",
                "--date",
                "2025-03-17",
                "--since",
                "2025-03-02",
                "--pain001",
                pain.to_str().unwrap(),
                "--client-account",
                "60-70-80 10203040 Child Maintenance",
            ])
            .env("DATABASE_URL", &url)
            .env("CMS_KEYS_FILE", folder.join("keys.toml"))
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let total = i64::try_from(CASES).unwrap();
    // Kill the run the moment some, but not all, receiving parents have
    // been paid: by construction, mid-run.
    let mut landed = None;
    for _ in 0..5 {
        let mut child = collect();
        loop {
            std::thread::sleep(std::time::Duration::from_millis(2));
            if child.try_wait().unwrap().is_some() {
                break;
            }
            let paid = disbursements(&url);
            if paid > 0 && paid < total {
                let _ = child.kill();
                landed = Some(paid);
                break;
            }
        }
        let _ = child.wait();
        if landed.is_some() {
            break;
        }
    }
    let landed = landed.expect("no kill landed mid-run, so this run proves nothing");
    assert!(
        !pain.exists(),
        "the file is written only after every payment is recorded"
    );
    let finished = collect().wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&finished.stdout).into_owned()
        + &String::from_utf8_lossy(&finished.stderr);
    assert!(finished.status.success(), "{text}");
    // 150 × (£48.00 less 4%) = 150 × £46.08 … for three weeks: £138.24 each.
    assert!(
        text.contains(&format!("{CASES} payments of £20,736.00")),
        "{text}"
    );
    assert_eq!(
        disbursements(&url),
        total,
        "each receiving parent paid once"
    );
    let file = std::fs::read_to_string(&pain).unwrap();
    assert_eq!(
        file.matches("<CdtTrfTxInf>").count(),
        usize::try_from(CASES).unwrap()
    );
    assert_eq!(
        file.matches("<InstdAmt Ccy=\"GBP\">138.24</InstdAmt>")
            .count(),
        usize::try_from(CASES).unwrap()
    );
    assert!(!file.contains("PAYER") && !file.contains("ADDRESS-"));
    // The day again: nothing new, and the very same file.
    let again = collect().wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&again.stdout);
    assert!(text.contains(": 0 transfers posted;"), "{text}");
    assert_eq!(std::fs::read_to_string(&pain).unwrap(), file);
    eprintln!("the kill landed after {landed} of {total} receiving parents were paid");
    let _ = std::fs::remove_dir_all(&folder);
}
