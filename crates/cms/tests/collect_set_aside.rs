//! One case the daily collection run cannot process does not stop the run
//! for everyone: it is set aside whole (nothing of it posted), named in the
//! summary by reference and reason code, and every other case is paid and
//! filed; the run exits 3. The summary never repeats a caseworker's words.
//! And the case API refuses a start the law or the calendar cannot serve.

mod common;

use std::path::Path;
use std::process::Command;

use audit_log::{Action, AuditRecord};
use case_records::{
    BankAccount, CaseParties, CaseReference, Change, ChildId, FactEvent, Person, PersonId,
    ReceivingParentId, Role, Sensitive, ServiceType, SortCode, seal_parties,
};
use common::{CMS, http_with};
use domain_types::{Date, Pence};
use field_crypto::KeyRing;
use ledger::{
    Account, AccountKind, CollectionAction, Decision, RecordedAction, Transfer, TransferCode,
    TransferId,
};
use maintenance_calculation::Income;
use serde_json::Value;
use storage_api::Store;

const KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
/// A key the run is not given: parties sealed with it cannot be opened.
const OTHER_KEY: &str = "1f1e1d1c1b1a191817161514131211100f0e0d0c0b0a09080706050403020100";
/// A caseworker's own words for a hold, with an address in them.
const HOLD_REASON: &str = "moved to 4 Acacia Road ZW8 9PR, check bank";

fn d(text: &str) -> Date {
    Date::parse_iso(text).unwrap()
}

fn person(id: u64, name: &str, bank: bool) -> Person {
    Person {
        id: PersonId(id),
        name: Sensitive::new(name.to_owned()),
        address: Sensitive::new(format!("ADDRESS-{id}")),
        postcode: Sensitive::new(format!("POSTCODE-{id}")),
        phone: None,
        email: None,
        employer: None,
        bank: bank.then(|| BankAccount {
            sort_code: SortCode::parse("04-00-04").unwrap(),
            account_number: Sensitive::new("12345678".to_owned()),
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

/// The cases of the day's run.
struct Cases {
    /// Paid £172.80 for three weeks: £138.24 passed on.
    good: CaseReference,
    /// Paid, but a caseworker holds the receiving parent's money.
    held: CaseReference,
    /// Liability from 2011, before the 2012 scheme's rules: cannot be processed.
    early: CaseReference,
    /// Paid, but its parties are sealed with a key the run does not have.
    unreadable: CaseReference,
    /// Liability from 7 January 2019, which the calendar now covers.
    from_2019: CaseReference,
    /// Paid, but the receiving parent has no bank account recorded.
    no_bank: CaseReference,
}

/// The parties of case `n`, the receiving parent with a bank account or not.
fn parties(case: CaseReference, n: u64, bank: bool) -> CaseParties {
    CaseParties {
        reference: case,
        paying_parent: person(1_000 + n, "PAYER", true),
        receiving_parents: vec![(
            ReceivingParentId(1),
            person(2_000 + n, &format!("Receiver {n}"), bank),
        )],
        children: Vec::new(),
        named_caseworker: None,
    }
}

async fn put_parties(store: &dyn Store, parties: &CaseParties, keys: &KeyRing, n: u8) {
    let mut counter = n;
    let mut nonce = || {
        counter = counter.wrapping_add(16);
        [counter; 24]
    };
    store
        .put_parties(
            &parties.reference,
            &seal_parties(parties, keys, &mut nonce),
            audit(),
        )
        .await
        .unwrap();
}

/// A Collect and Pay case at £48.00 a week from `start`, its parties sealed
/// with `keys`, and `paid` received on 17 March 2025.
async fn case(
    store: &dyn Store,
    n: u64,
    start: &str,
    keys: &KeyRing,
    paid: Option<u64>,
    bank: bool,
) -> CaseReference {
    let start = d(start);
    let case = CaseReference::from_random(70_000 + n);
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
    put_parties(
        store,
        &parties(case, n, bank),
        keys,
        u8::try_from(n).unwrap(),
    )
    .await;
    if let Some(amount) = paid {
        store
            .post_transfers(&[Transfer {
                id: TransferId(format!("bank/PAY-{n}")),
                debit: Account::BANK,
                credit: Account::of_case(case, AccountKind::PayingParentOwes),
                amount: Pence::new(amount),
                code: TransferCode::Payment,
                effective: d("2025-03-17"),
                corrects: None,
            }])
            .await
            .unwrap();
    }
    case
}

fn keys() -> KeyRing {
    KeyRing::from_toml(&format!("active = 1\n[keys]\n1 = \"{KEY}\"\n")).unwrap()
}

fn other_keys() -> KeyRing {
    KeyRing::from_toml(&format!("active = 2\n[keys]\n2 = \"{OTHER_KEY}\"\n")).unwrap()
}

async fn set_up(store: &dyn Store) -> Cases {
    let (keys, other) = (keys(), other_keys());
    let good = case(store, 1, "2025-03-03", &keys, Some(17_280), true).await;
    let held = case(store, 2, "2025-03-03", &keys, Some(17_280), true).await;
    let hold = RecordedAction {
        action: CollectionAction::HoldDisbursements {
            receiving_parent: ReceivingParentId(1),
            reason: HOLD_REASON.to_owned(),
        },
        by: Decision {
            by: PersonId(7),
            role: Role::Caseworker,
            on: d("2025-03-10"),
        },
    };
    store
        .record_collection_action(&held, 0, "hold-1", &hold, &[], audit())
        .await
        .unwrap();
    let early = case(store, 3, "2011-01-03", &keys, Some(17_280), true).await;
    let unreadable = case(store, 4, "2025-03-03", &other, Some(17_280), true).await;
    let from_2019 = case(store, 5, "2019-01-07", &keys, None, true).await;
    let no_bank = case(store, 6, "2025-03-03", &keys, Some(17_280), false).await;
    Cases {
        good,
        held,
        early,
        unreadable,
        from_2019,
        no_bank,
    }
}

/// `cms bank collect` for 17 March 2025: its exit code and what it printed.
fn collect(folder: &Path, url: &str) -> (Option<i32>, String) {
    let output = Command::new(CMS)
        .args([
            "bank",
            "collect",
            "--date",
            "2025-03-17",
            "--since",
            "2025-03-02",
            "--pain001",
            folder.join("out.xml").to_str().unwrap(),
            "--standard18",
            folder.join("out.txt").to_str().unwrap(),
            "--client-account",
            "60-70-80 10203040 Child Maintenance",
        ])
        .env("DATABASE_URL", url)
        .env("CMS_KEYS_FILE", folder.join("keys.toml"))
        .output()
        .unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned()
            + &String::from_utf8_lossy(&output.stderr),
    )
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// The run on `url`, whose store `open` opens, checked end to end.
fn one_case_set_aside_the_rest_paid<F, S>(folder: &Path, url: &str, open: F)
where
    F: Fn() -> S,
    S: std::future::Future<Output = Box<dyn Store>>,
{
    std::fs::write(
        folder.join("keys.toml"),
        format!("active = 1\n[keys]\n1 = \"{KEY}\"\n"),
    )
    .unwrap();
    let cases = runtime().block_on(async {
        let store = open().await;
        let cases = set_up(store.as_ref()).await;
        store.close().await;
        cases
    });

    let (code, text) = collect(folder, url);
    eprintln!("{text}");
    assert_eq!(code, Some(3), "{text}");
    // The good case is paid and filed: 3 × £48.00 less 4% = £138.24.
    assert!(text.contains("; 1 payments of £138.24"), "{text}");
    let file = std::fs::read_to_string(folder.join("out.xml")).unwrap();
    assert_eq!(file.matches("<CdtTrfTxInf>").count(), 1, "{file}");
    assert!(file.contains(&cases.good.to_string()), "{file}");
    assert!(file.contains("<InstdAmt Ccy=\"GBP\">138.24</InstdAmt>"));
    let records = std::fs::read_to_string(folder.join("out.txt")).unwrap();
    assert!(records.lines().all(|line| line.len() == 100), "{records}");
    // The cases that cannot be processed are named, with a code each.
    assert!(
        text.contains(&format!("set aside: {} law_not_coded", cases.early)),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "set aside: {} parties_unreadable",
            cases.unreadable
        )),
        "{text}"
    );
    assert!(text.contains("completed with 2 cases set aside"), "{text}");
    for case in [cases.early, cases.unreadable] {
        assert!(!file.contains(&case.to_string()), "{case} in the file");
    }
    // A hold is reported by its code; the caseworker's words stay out.
    assert!(
        text.contains(&format!(
            "held: {} receiving parent 1: £144.00 waiting (caseworker_hold)",
            cases.held
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "held: {} receiving parent 1: £144.00 waiting (no_bank_account)",
            cases.no_bank
        )),
        "{text}"
    );
    for words in [
        "Acacia",
        "ZW8",
        "9PR",
        "check bank",
        "moved to",
        "no bank account is held",
    ] {
        assert!(!text.contains(words), "{words:?} printed: {text}");
    }
    assert!(
        !text.contains("Receiver") && !text.contains("PAYER"),
        "{text}"
    );

    // Nothing of a set-aside case is posted; the 2019 case is processed.
    let (early, unreadable, from_2019, held) = runtime().block_on(async {
        let store = open().await;
        let read = |case: CaseReference| {
            let store = &store;
            async move { store.transfers_for_case(&case).await.unwrap() }
        };
        let found = (
            read(cases.early).await,
            read(cases.unreadable).await,
            read(cases.from_2019).await,
            read(cases.held).await,
        );
        store.close().await;
        found
    });
    for (name, transfers) in [("early", &early), ("unreadable", &unreadable)] {
        assert_eq!(
            transfers.len(),
            1,
            "{name}: only the payment received, nothing posted by the run: {transfers:?}"
        );
        assert_eq!(transfers[0].code, TransferCode::Payment);
    }
    assert!(
        from_2019
            .iter()
            .any(|t| t.code == TransferCode::Accrual && t.effective == d("2019-01-07")),
        "the 2019 case accrued from its start"
    );
    assert!(
        held.iter().any(|t| t.code == TransferCode::Accrual)
            && !held.iter().any(|t| t.code == TransferCode::Disbursement),
        "the held case accrues but passes nothing on"
    );

    // Again: nothing new, the same file, the same cases set aside.
    let (code, again) = collect(folder, url);
    assert_eq!(code, Some(3), "{again}");
    assert!(
        again.contains(": 0 transfers posted; 1 payments of £138.24"),
        "{again}"
    );
    assert!(
        again.contains("completed with 2 cases set aside"),
        "{again}"
    );
    assert_eq!(
        std::fs::read_to_string(folder.join("out.xml")).unwrap(),
        file
    );
    // Each case set aside is work for a caseworker: one item, however often
    // the day is run.
    let set_aside_work = runtime().block_on(async {
        let store = open().await;
        let page = store
            .work_queue(&work_items::WorkQuery {
                kind: Some(work_items::WorkKind::CaseSetAside),
                limit: 50,
                ..work_items::WorkQuery::default()
            })
            .await
            .unwrap();
        store.close().await;
        page
    });
    let mut cases_with_work: Vec<_> = set_aside_work.items.iter().filter_map(|i| i.case).collect();
    cases_with_work.sort();
    let mut expected = vec![cases.early, cases.unreadable];
    expected.sort();
    assert_eq!(cases_with_work, expected, "one item each, run twice");

    // A change recorded since that the schedule cannot take: the good case
    // is set aside too, but the payment stored for it today stays in the
    // file, which is what is stored for the day.
    runtime().block_on(async {
        let store = open().await;
        let change = FactEvent {
            effective_from: d("2025-03-10"),
            recorded_on: d("2025-03-17"),
            change: Change::ChildLeft { child: ChildId(9) },
        };
        store
            .append_facts(&cases.good, &[change], "later", audit())
            .await
            .unwrap();
        store.close().await;
    });
    let (code, third) = collect(folder, url);
    assert_eq!(code, Some(3), "{third}");
    assert!(
        third.contains(": 0 transfers posted; 1 payments of £138.24"),
        "{third}"
    );
    assert!(
        third.contains(&format!("set aside: {} unknown_child", cases.good)),
        "{third}"
    );
    assert!(
        third.contains("completed with 3 cases set aside"),
        "{third}"
    );
    assert_eq!(
        std::fs::read_to_string(folder.join("out.xml")).unwrap(),
        file
    );
    // And if its payee can no longer be read, the run says the stored
    // payment is not in the file rather than dropping it silently.
    runtime().block_on(async {
        let store = open().await;
        put_parties(
            store.as_ref(),
            &parties(cases.good, 1, true),
            &other_keys(),
            99,
        )
        .await;
        store.close().await;
    });
    let (code, fourth) = collect(folder, url);
    assert_eq!(code, Some(3), "{fourth}");
    assert!(
        fourth.contains(&format!(
            "not filed: {} 1 payments recorded earlier today (stored_payment_without_payee)",
            cases.good
        )),
        "{fourth}"
    );
    assert!(fourth.contains("; 0 payments of £0.00"), "{fourth}");
}

#[test]
fn a_case_that_cannot_be_processed_is_set_aside_and_everyone_else_is_paid_on_sqlite() {
    let folder = std::env::temp_dir().join(format!("cms-set-aside-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::create_dir_all(folder.join("data")).unwrap();
    let database = folder.join("data/cms.sqlite");
    let url = format!("sqlite://{}", database.display());
    one_case_set_aside_the_rest_paid(&folder, &url, || {
        let database = database.clone();
        async move {
            Box::new(storage_sqlite::SqliteStore::open(&database).await.unwrap()) as Box<dyn Store>
        }
    });
    let _ = std::fs::remove_dir_all(&folder);
}

#[test]
fn a_case_that_cannot_be_processed_is_set_aside_and_everyone_else_is_paid_on_postgres() {
    let url = std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
    if std::net::TcpStream::connect("127.0.0.1:5432").is_err()
        && std::env::var("TEST_POSTGRES_URL").is_err()
    {
        assert_ne!(
            std::env::var("CI").as_deref(),
            Ok("true"),
            "PostgreSQL is unreachable and CI=true"
        );
        eprintln!("skipping: no PostgreSQL on 127.0.0.1:5432");
        return;
    }
    let schema = format!("cms_set_aside_{}", std::process::id());
    let folder = std::env::temp_dir().join(format!("cms-set-aside-pg-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::create_dir_all(&folder).unwrap();
    // The binary reaches the same schema through the URL.
    let separator = if url.contains('?') { '&' } else { '?' };
    let binary_url = format!("{url}{separator}options%5Bsearch_path%5D={schema}");
    one_case_set_aside_the_rest_paid(&folder, &binary_url, || {
        let (url, schema) = (url.clone(), schema.clone());
        async move {
            Box::new(
                storage_postgres::PostgresStore::open_in_schema(&url, &schema)
                    .await
                    .unwrap(),
            ) as Box<dyn Store>
        }
    });
    runtime().block_on(async {
        let store = storage_postgres::PostgresStore::open_in_schema(&url, &schema)
            .await
            .unwrap();
        store.drop_schema(&schema).await.unwrap();
        store.close().await;
    });
    let _ = std::fs::remove_dir_all(&folder);
}

#[test]
fn a_case_start_the_law_or_the_calendar_cannot_serve_is_refused_and_nothing_stored() {
    let folder = std::env::temp_dir().join(format!("cms-case-start-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&folder);
    let (mut server, address) = common::spawn_server(&folder);
    let (ok, token) = common::cms(
        &folder,
        &["token", "issue", "--person", "17", "--role", "caseworker"],
    );
    assert!(ok, "{token}");
    let token = token.lines().next().unwrap().trim().to_owned();
    let open = |date: &str| {
        http_with(
            &address,
            "POST",
            "/api/v1/cases",
            &format!("{token}\r\nIdempotency-Key: open-{date}"),
            &format!(r#"{{"initial_effective_date": "{date}"}}"#),
        )
    };
    // Before the 2012 scheme (10 December 2012), or past the calendar.
    for date in ["0001-01-01", "2011-06-06", "2012-12-09", "2031-01-06"] {
        let (status, body) = open(date);
        assert_eq!(status, 422, "{date}: {body}");
        let body: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(
            body["error"]["field"], "initial_effective_date",
            "{date}: {body}"
        );
    }
    for date in ["2012-12-10", "2019-01-07", "2030-12-30"] {
        let (status, body) = open(date);
        assert_eq!(status, 201, "{date}: {body}");
    }
    server.kill();
    let stored = runtime().block_on(async {
        let store = storage_sqlite::SqliteStore::open(&folder.join("data/cms.sqlite"))
            .await
            .unwrap();
        let cases = store.case_references().await.unwrap();
        let mut starts = Vec::new();
        for case in &cases {
            starts.push(
                store
                    .case_history(case)
                    .await
                    .unwrap()
                    .unwrap()
                    .initial_effective_date
                    .unwrap()
                    .to_string(),
            );
        }
        store.close().await;
        starts.sort();
        starts
    });
    assert_eq!(stored, ["2012-12-10", "2019-01-07", "2030-12-30"]);
    let _ = std::fs::remove_dir_all(&folder);
}
