//! `cms bench coercion`: the financial coercion scan over a caseload's
//! payment events, events per second, beside a plain pass over the same
//! events measured in the same run.

use std::hint::black_box;
use std::process::ExitCode;
use std::time::Instant;

use domain_types::{Date, Pence};
use safety::{CaseEvent, Party, Thresholds, scan_into};

use crate::bench::{Generator, per_second};

/// About 100 events a case: two years of weekly dues and payments, some
/// late, short, tiny or worded, and a few changes and allegations.
fn generate(events: usize, seed: u64) -> Vec<Vec<CaseEvent>> {
    let mut random = Generator(seed);
    let start = Date::from_ymd(2024, 1, 1).expect("a date");
    let mut cases = Vec::with_capacity(events / 100 + 1);
    let mut made = 0;
    while made < events {
        let mut case = Vec::with_capacity(104);
        let careless = random.below(10) == 0;
        for week in 0..50 {
            let due_on = start.add_days(week * 7).expect("a date");
            case.push(CaseEvent::Due {
                on: due_on,
                amount: Pence::new(5_000),
            });
            let late = if careless { random.below(3) } else { 0 };
            let on = due_on
                .add_days(i32::try_from(late).expect("small"))
                .expect("a date");
            let words = (random.below(200) == 0).then(|| "SEE YOU SATURDAY THEN".to_owned());
            if random.below(50) == 0 {
                for n in 0..3 {
                    case.push(CaseEvent::Payment {
                        on: on.add_days(n).expect("a date"),
                        amount: Pence::new(1 + random.below(400)),
                        words: None,
                    });
                }
            }
            case.push(CaseEvent::Payment {
                on,
                amount: Pence::new(5_000),
                words,
            });
            if random.below(40) == 0 {
                case.push(CaseEvent::ChangeReported {
                    on,
                    by: if random.below(2) == 0 {
                        Party::PayingParent
                    } else {
                        Party::ReceivingParent
                    },
                });
            }
        }
        case.sort_by_key(CaseEvent::on);
        made += case.len();
        cases.push(case);
    }
    cases
}

#[allow(clippy::float_arithmetic)] // timing figures, not money
pub fn coercion(events: usize, seed: u64) -> ExitCode {
    let cases = generate(events, seed);
    let total: usize = cases.iter().map(Vec::len).sum();
    let thresholds = Thresholds::embedded();
    let as_of = Date::from_ymd(2024, 12, 31).expect("a date");
    // The plain pass: the same events, each looked at once, summing what
    // was paid and due per case: the floor any scan must pay.
    let started = Instant::now();
    let mut owed_cases = 0usize;
    for case in &cases {
        let mut balance: i64 = 0;
        for event in case {
            match event {
                CaseEvent::Due { amount, .. } => {
                    balance += i64::try_from(amount.get()).unwrap_or(0)
                }
                CaseEvent::Payment { amount, .. } => {
                    balance -= i64::try_from(amount.get()).unwrap_or(0);
                }
                _ => {}
            }
        }
        owed_cases += usize::from(black_box(balance) > 0);
    }
    let plain_seconds = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let mut signals = Vec::new();
    let mut raised = 0usize;
    for case in &cases {
        signals.clear();
        scan_into(case, as_of, thresholds, &mut signals);
        raised += black_box(signals.len());
    }
    let scan_seconds = started.elapsed().as_secs_f64();
    let rate = per_second(total, scan_seconds);
    let plain_rate = per_second(total, plain_seconds);
    outln!(
        "coercion benchmark: {total} events over {} cases, one thread\n  \
         plain pass: {plain_rate:.0} events/s ({plain_seconds:.2} s; {owed_cases} cases owing)\n  \
         coercion scan: {rate:.0} events/s ({scan_seconds:.2} s; {raised} signals raised)\n  \
         ratio scan / plain: {:.3}\n\
         {{\"benchmark\":\"coercion\",\"events\":{total},\"events_per_second\":{rate:.0},\"plain_events_per_second\":{plain_rate:.0},\"ratio\":{:.4}}}",
        cases.len(),
        rate / plain_rate,
        rate / plain_rate
    );
    ExitCode::SUCCESS
}
