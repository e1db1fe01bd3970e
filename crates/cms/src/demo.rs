//! `cms serve --demo`: a realistic synthetic caseload in a fresh database,
//! generated from a seed (the same seed, the same caseload), and a demo
//! sign-in for each role. Nothing here is real: every name, address and
//! amount is made up, and the accounts' passwords are printed.
//!
//! The caseload: liability started up to two years ago; one to three
//! children; incomes from nothing to the cap; shared care in about a third
//! of cases; Direct Pay in about 60%, Collect and Pay in the rest, with
//! what fell due posted and paid on time, late, short or not at all; about
//! one case in ten with a disclosure of abuse (some in immediate danger);
//! about one in twenty with a non-disclosure flag.

use audit_log::{Action, AuditRecord};
use case_records::{
    BankAccount, CaseHistory, CaseParties, CaseReference, Change, Child, ChildId, FactEvent,
    Frequency, NiNumber, Person, PersonId, ReceivingParentId, Role, Sensitive, ServiceType,
    SortCode, seal_parties,
};
use domain_types::{Date, Pence};
use field_crypto::KeyRing;
use ledger::{Account, AccountKind, Transfer, TransferCode, TransferId};
use legal_parameters::Parameters;
use maintenance_calculation::{Income, Nights};
use safety::{Party, Recorder, SafetyEvent, SafetyRecord};
use storage_api::Store;

/// A demo sign-in, printed when the service starts.
pub struct DemoSignIn {
    /// The login.
    pub login: &'static str,
    /// The password (demo only: printed).
    pub password: &'static str,
    /// The role.
    pub role: &'static str,
    /// The person.
    pub person: i64,
}

/// The first case's parents, whose accounts are the parents' demo sign-ins.
const FIRST_PAYER: i64 = 10_000;
const FIRST_RECEIVER: i64 = 10_001;

/// One account for each role.
pub const SIGN_INS: [DemoSignIn; 9] = [
    DemoSignIn {
        login: "paying.parent@demo.invalid",
        password: "demo paying parent",
        role: "paying_parent",
        person: FIRST_PAYER,
    },
    DemoSignIn {
        login: "receiving.parent@demo.invalid",
        password: "demo receiving parent",
        role: "receiving_parent",
        person: FIRST_RECEIVER,
    },
    DemoSignIn {
        login: "caseworker@demo.invalid",
        password: "demo caseworker",
        role: "caseworker",
        person: 17,
    },
    DemoSignIn {
        login: "specialist@demo.invalid",
        password: "demo specialist",
        role: "domestic_abuse_specialist",
        person: 30,
    },
    DemoSignIn {
        login: "enforcement@demo.invalid",
        password: "demo enforcement officer",
        role: "enforcement_officer",
        person: 50,
    },
    DemoSignIn {
        login: "team.leader@demo.invalid",
        password: "demo team leader",
        role: "team_leader",
        person: 60,
    },
    DemoSignIn {
        login: "auditor@demo.invalid",
        password: "demo auditor",
        role: "auditor",
        person: 70,
    },
    DemoSignIn {
        login: "analyst@demo.invalid",
        password: "demo policy analyst",
        role: "policy_analyst",
        person: 90,
    },
    // A parent with no case yet, to apply.
    DemoSignIn {
        login: "applicant@demo.invalid",
        password: "demo applicant",
        role: "receiving_parent",
        person: 80,
    },
];

/// A small deterministic generator (xorshift64*), so a seed gives the same caseload.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[usize::try_from(self.below(items.len() as u64)).unwrap_or(0)]
    }
}

const FIRST_NAMES: [&str; 16] = [
    "Alex", "Sam", "Jordan", "Priya", "Tomasz", "Aisha", "Callum", "Megan", "Ravi", "Chloe",
    "Daniel", "Fatima", "Owen", "Grace", "Kwame", "Niamh",
];
const SURNAMES: [&str; 16] = [
    "Smith", "Jones", "Khan", "Williams", "Brown", "Patel", "Evans", "Taylor", "Nowak", "Wilson",
    "Hughes", "Ahmed", "Roberts", "Walker", "Davies", "Okafor",
];
const STREETS: [&str; 10] = [
    "Station Road",
    "Church Lane",
    "Mill Street",
    "Park Avenue",
    "High Street",
    "Queens Road",
    "Victoria Street",
    "Green Lane",
    "Manor Way",
    "School Road",
];
const TOWNS: [(&str, &str); 8] = [
    ("Leeds", "LS"),
    ("Cardiff", "CF"),
    ("Glasgow", "G"),
    ("Norwich", "NR"),
    ("Bristol", "BS"),
    ("Preston", "PR"),
    ("Swindon", "SN"),
    ("Hull", "HU"),
];

fn person(random: &mut Random, id: i64, flagged: bool) -> Person {
    let name = format!("{} {}", random.pick(&FIRST_NAMES), random.pick(&SURNAMES));
    let town = TOWNS[usize::try_from(random.below(TOWNS.len() as u64)).unwrap_or(0)];
    let postcode = format!(
        "{}{} {}{}{}",
        town.1,
        1 + random.below(20),
        random.below(10),
        char::from(b'A' + u8::try_from(random.below(26)).unwrap_or(0)),
        char::from(b'A' + u8::try_from(random.below(26)).unwrap_or(0)),
    );
    Person {
        id: PersonId(u64::try_from(id).unwrap_or(0)),
        name: Sensitive::new(name),
        address: Sensitive::new(format!(
            "{} {}, {}",
            1 + random.below(200),
            random.pick(&STREETS),
            town.0
        )),
        postcode: Sensitive::new(postcode),
        phone: Some(Sensitive::new(format!(
            "07700 9{:05}",
            random.below(100_000)
        ))),
        email: None,
        employer: None,
        bank: Some(BankAccount {
            sort_code: SortCode::parse(&format!("{:06}", 100_000 + random.below(800_000)))
                .unwrap_or_else(|_| SortCode::parse("200000").expect("a valid sort code")),
            account_number: Sensitive::new(format!("{:08}", 10_000_000 + random.below(89_999_999))),
        }),
        ni_number: Some(Sensitive::new(demo_ni_number(id))),
        date_of_birth: demo_date_of_birth(id).map(Sensitive::new),
        abuse_disclosure: None,
        non_disclosure: flagged,
    }
}

/// A made-up National Insurance number for demo person `id`, valid by
/// HMRC's rules and unique per person; worked out from the id, so the rest
/// of the seeded caseload is as it was.
fn demo_ni_number(id: i64) -> NiNumber {
    const PREFIXES: [&str; 8] = ["AB", "CE", "JK", "LM", "PR", "SW", "WT", "YH"];
    let n = id.unsigned_abs();
    let prefix = PREFIXES[usize::try_from(n / 1_000_000 % 8).unwrap_or(0)];
    let suffix = ["A", "B", "C", "D"][usize::try_from(n % 4).unwrap_or(0)];
    NiNumber::parse(&format!("{prefix}{:06}{suffix}", n % 1_000_000))
        .expect("a demo number follows HMRC's rules")
}

/// A made-up date of birth between 1960 and 2000 for demo person `id`.
fn demo_date_of_birth(id: i64) -> Option<Date> {
    let days = i32::try_from(id.unsigned_abs().wrapping_mul(7_919) % 14_600).unwrap_or(0);
    Date::parse_iso("1960-01-01").ok()?.add_days(days)
}

fn audit(case: &CaseReference, now: i64, fields: &str) -> AuditRecord {
    AuditRecord {
        at_unix_seconds: now,
        actor: "demo-seed".to_owned(),
        role: "service".to_owned(),
        action: Action::Changed,
        case: Some(case.to_string()),
        fields: vec![fields.to_owned()],
        reason: Some("demo data".to_owned()),
        count: 1,
    }
}

/// Fills an empty database with `cases` synthetic cases and creates the
/// demo accounts; a database that already has cases is left as it is.
/// Returns how many cases were made.
///
/// # Errors
/// A database failure.
pub async fn seed(
    store: &dyn Store,
    keys: &KeyRing,
    parameters: &Parameters,
    today: Date,
    cases: u32,
    now: i64,
    nonce: &mut dyn FnMut() -> [u8; 24],
) -> Result<u32, String> {
    let failed = |e: storage_api::StorageError| e.to_string();
    if !store.case_references().await.map_err(failed)?.is_empty() {
        return Ok(0);
    }
    for sign_in in &SIGN_INS {
        store
            .create_account(
                sign_in.login,
                &web::hash_password(sign_in.password),
                sign_in.person,
                sign_in.role,
            )
            .await
            .map_err(failed)?;
    }
    let mut random = Random(0x5EED_2026_C0FF_EE11);
    for n in 0..cases {
        let case = CaseReference::from_random(random.next());
        let start = today
            .add_days(-i32::try_from(7 + random.below(720)).unwrap_or(7))
            .ok_or("a date before the calendar")?;
        store.open_case(&case, start).await.map_err(failed)?;
        let payer = FIRST_PAYER + 2 * i64::from(n);
        let receiver = payer + 1;
        let children = 1 + random.below(3);
        let shared = random.chance(33);
        // The demo parents' own case is collected, with money owing.
        let collect = n == 0 || random.chance(40);
        let mut facts = vec![
            Change::Income(Income::Weekly(Pence::new(random.below(150_000)))),
            Change::ServiceType(if collect {
                ServiceType::CollectAndPay
            } else {
                ServiceType::DirectPay
            }),
            Change::PaymentFrequency(Frequency::Weekly),
        ];
        let nights = [52, 104, 156, 175][usize::try_from(random.below(4)).unwrap_or(0)];
        for child in 1..=children {
            let child = ChildId(u32::try_from(child).unwrap_or(1));
            facts.push(Change::ChildJoined {
                child,
                receiving_parent: ReceivingParentId(1),
            });
            if shared {
                facts.push(Change::SharedCare {
                    child,
                    nights: Nights::new(nights).ok_or("nights within a year")?,
                });
            }
        }
        let events: Vec<FactEvent> = facts
            .into_iter()
            .map(|change| FactEvent {
                effective_from: start,
                recorded_on: start,
                change,
            })
            .collect();
        store
            .append_facts(&case, &events, "demo", audit(&case, now, "facts"))
            .await
            .map_err(failed)?;
        // The demo parents' own case is not restricted, so every role can open it.
        let flagged = n != 0 && random.chance(5);
        let parties = CaseParties {
            reference: case,
            paying_parent: person(&mut random, payer, false),
            receiving_parents: vec![(ReceivingParentId(1), person(&mut random, receiver, flagged))],
            children: (1..=children)
                .map(|child| Child {
                    id: ChildId(u32::try_from(child).unwrap_or(1)),
                    receiving_parent: ReceivingParentId(1),
                    name: Sensitive::new(format!(
                        "{} {}",
                        random.pick(&FIRST_NAMES),
                        random.pick(&SURNAMES)
                    )),
                    school: None,
                    gp: None,
                })
                .collect(),
            named_caseworker: None,
        };
        store
            .put_parties(
                &case,
                &seal_parties(&parties, keys, nonce),
                audit(&case, now, "parties"),
            )
            .await
            .map_err(failed)?;
        if random.chance(10) {
            let record = SafetyRecord {
                event: SafetyEvent::Disclosed {
                    by: Party::ReceivingParent,
                    immediate_danger: random.chance(20),
                    police_call_consented: false,
                },
                by: Recorder {
                    person: PersonId(u64::try_from(receiver).unwrap_or(0)),
                    role: Role::ReceivingParent,
                    on: start,
                },
            };
            store
                .record_safety_event(
                    &case,
                    0,
                    "demo-disclosure",
                    &record,
                    audit(&case, now, "safety"),
                )
                .await
                .map_err(failed)?;
        }
        if collect {
            let history = CaseHistory {
                initial_effective_date: Some(start),
                events,
            };
            money(
                store,
                &mut random,
                case,
                &history,
                parameters,
                (start, today),
                n == 0,
            )
            .await?;
        }
    }
    Ok(cases)
}

/// What fell due on a Collect and Pay case, what the paying parent paid
/// (on time and in full, late, short, or not at all, by the case's habit),
/// and what was passed on to the receiving parent.
async fn money(
    store: &dyn Store,
    random: &mut Random,
    case: CaseReference,
    history: &CaseHistory,
    parameters: &Parameters,
    (start, today): (Date, Date),
    pays_some: bool,
) -> Result<(), String> {
    let due: Vec<Transfer> =
        ledger::daily_transfers(case, history, parameters, Frequency::Weekly, start, today)
            .map_err(|e| format!("{case}: {e}"))?
            .into_iter()
            .filter(|t| t.effective <= today)
            .collect();
    // The case's habit: 60% pay in full, 25% pay some, 15% pay nothing.
    let habit = if pays_some { 70 } else { random.below(100) };
    let mut payments = Vec::new();
    let mut weeks: Vec<(Date, u64)> = Vec::new();
    for transfer in &due {
        if transfer.debit == Account::of_case(case, AccountKind::PayingParentOwes) {
            match weeks.last_mut() {
                Some((day, total)) if *day == transfer.effective => *total += transfer.amount.get(),
                _ => weeks.push((transfer.effective, transfer.amount.get())),
            }
        }
    }
    for (day, total) in weeks {
        let paid = match habit {
            0..60 => total,
            60..85 if random.chance(60) => total / 2,
            _ => 0,
        };
        if paid == 0 {
            continue;
        }
        let late = if habit >= 60 { random.below(10) } else { 0 };
        let on = day
            .add_days(i32::try_from(late).unwrap_or(0))
            .unwrap_or(day);
        if on > today {
            continue;
        }
        payments.push(Transfer {
            id: TransferId(format!("{case}/demo-payment/{day}")),
            debit: Account::BANK,
            credit: Account::of_case(case, AccountKind::PayingParentOwes),
            amount: Pence::new(paid),
            code: TransferCode::Payment,
            effective: on,
            corrects: None,
        });
    }
    let mut all = due;
    // Passed on as the daily collection run passes it on: the next working
    // day after each payment (within the two working days of `pay_by`),
    // less the receiving parent's 4% where it applies, so the demo
    // parents' statements show money passed on, as a real case's would.
    let mut run_days: Vec<Date> = payments
        .iter()
        .filter_map(|p| {
            legal_parameters::WorkingDays::england_and_wales()
                .next_working_day(p.effective)
                .ok()
        })
        .filter(|day| *day <= today)
        .collect();
    run_days.sort();
    run_days.dedup();
    all.extend(payments);
    for day in run_days {
        let terms = ledger::CollectionTerms::on(history, day, today, parameters);
        let rate = ledger::receiving_parent_fee(terms, parameters, day);
        let run = ledger::disbursement_run(&all, case, day, rate, &Default::default());
        all.extend(run.transfers);
    }
    store
        .post_transfers(&all)
        .await
        .map_err(|e| e.to_string())?;
    Ok(())
}
