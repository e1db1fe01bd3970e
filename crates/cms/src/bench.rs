//! `cms bench`: calculations per second on one core, reported beside a
//! plain loop over the same data measured in the same run.
//!
//! The plain loop is the `rbench` reference kernel of
//! `shared/design/performance-anchors.md` (the `plain_loop` probe): the
//! same shape of arithmetic without the law's detail, explanation or
//! parameter lookup. On a shared, noisy machine the ratio of the two is
//! stable where the absolute figures are not, so the ratio is the figure
//! to compare across runs.

use std::hint::black_box;
use std::process::ExitCode;
use std::time::Instant;

use clap::Args;
use domain_types::{Date, Pence};
use legal_parameters::{Benefit, BenefitSet, Parameters};
use maintenance_calculation::{
    Basis, CalculationRequest, Income, Nights, OtherChildren, PayingParent, ReceivingParents,
    calculate,
};

/// What to measure.
#[derive(clap::Subcommand)]
pub enum Benchmark {
    /// Calculations per second on one core, beside the plain loop.
    Calculation(Arguments),
    /// Liability schedules derived per second for synthetic cases, beside the plain loop.
    Schedules {
        /// Synthetic cases.
        #[arg(long, default_value_t = 1_000_000)]
        cases: usize,
        /// Seed for the generator.
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
    /// Pages under load with wrk on loopback: a static page (baseline), the
    /// case page and a Direct Pay report, requests per second and p50/p99.
    Web {
        /// `sqlite` (a temporary file) or `postgres` (a fresh schema).
        #[arg(long, default_value = "sqlite")]
        backend: String,
        /// Demo cases in the scratch database.
        #[arg(long, default_value_t = 200)]
        cases: u32,
        /// Seconds of load for each of the three.
        #[arg(long, default_value_t = 10)]
        seconds: u32,
        /// Open connections.
        #[arg(long, default_value_t = 32)]
        connections: u32,
        /// The PostgreSQL server for `--backend postgres`.
        #[arg(
            long,
            env = "TEST_POSTGRES_URL",
            default_value = "postgres://postgres@127.0.0.1:5432/test"
        )]
        postgres_url: String,
    },
    /// Bank-statement payments ingested per second (parse, match, post durably), beside a plain insert, in a scratch database.
    Ingest {
        /// `sqlite` (a temporary file) or `postgres` (a fresh schema).
        #[arg(long, default_value = "sqlite")]
        backend: String,
        /// Payments in the statement.
        #[arg(long, default_value_t = 1_000_000)]
        payments: usize,
        /// Cases they are spread over.
        #[arg(long, default_value_t = 300_000)]
        cases: usize,
        /// The PostgreSQL server for `--backend postgres`.
        #[arg(
            long,
            env = "TEST_POSTGRES_URL",
            default_value = "postgres://postgres@127.0.0.1:5432/test"
        )]
        postgres_url: String,
    },
    /// The daily collection run over demo caseloads of each size, on two days in a row, beside reading every case's records (the baseline), in a scratch database.
    Collect {
        /// `sqlite` (a temporary file) or `postgres` (a fresh schema).
        #[arg(long, default_value = "sqlite")]
        backend: String,
        /// Caseload sizes, comma-separated.
        #[arg(long, value_delimiter = ',', default_value = "1000,10000")]
        cases: Vec<u32>,
        /// The PostgreSQL server for `--backend postgres`.
        #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/test")]
        postgres_url: String,
    },
    /// The staff pages at caseloads of each size with wrk on loopback (/work, a filtered queue, search, /work/mi) beside /health, p50 and p99, as ratios to /health and to the smallest size.
    Work {
        /// Caseload sizes, comma-separated.
        #[arg(long, value_delimiter = ',', default_value = "10000,100000")]
        cases: Vec<u32>,
        /// Seconds of load for each page.
        #[arg(long, default_value_t = 10)]
        seconds: u32,
        /// Open connections.
        #[arg(long, default_value_t = 16)]
        connections: u32,
        /// A PostgreSQL server (a fresh schema in it); a scratch SQLite file if left out.
        #[arg(long)]
        database_url: Option<String>,
    },
    /// The financial coercion scan over payment events, events per second, beside a plain pass.
    Coercion {
        /// Events to generate (about 100 a case).
        #[arg(long, default_value_t = 10_000_000)]
        events: usize,
        /// Seed for the generator.
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
    /// Durable appends of facts per second, beside a plain insert of the same rows, in a scratch database.
    Events {
        /// `sqlite` (a temporary file) or `postgres` (a fresh schema).
        #[arg(long, default_value = "sqlite")]
        backend: String,
        /// Writes (each three facts in one transaction with its audit entry).
        #[arg(long, default_value_t = 5_000)]
        writes: usize,
        /// The PostgreSQL server for `--backend postgres`.
        #[arg(
            long,
            env = "TEST_POSTGRES_URL",
            default_value = "postgres://postgres@127.0.0.1:5432/test"
        )]
        postgres_url: String,
    },
}

/// Runs one benchmark.
pub fn run(benchmark: &Benchmark) -> ExitCode {
    match benchmark {
        Benchmark::Calculation(arguments) => run_calculation(arguments),
        Benchmark::Schedules { cases, seed } => crate::bench_cases::schedules(*cases, *seed),
        Benchmark::Coercion { events, seed } => crate::bench_safety::coercion(*events, *seed),
        Benchmark::Events {
            backend,
            writes,
            postgres_url,
        } => crate::bench_cases::events(backend, *writes, postgres_url),
        Benchmark::Ingest {
            backend,
            payments,
            cases,
            postgres_url,
        } => crate::bench_cases::ingest(backend, *payments, *cases, postgres_url),
        Benchmark::Web {
            backend,
            cases,
            seconds,
            connections,
            postgres_url,
        } => crate::bench_web::run(backend, *cases, *seconds, *connections, postgres_url),
        Benchmark::Collect {
            backend,
            cases,
            postgres_url,
        } => crate::bench_collect::run(backend, cases, postgres_url),
        Benchmark::Work {
            cases,
            seconds,
            connections,
            database_url,
        } => crate::bench_work::run(cases, *seconds, *connections, database_url.as_deref()),
    }
}

#[derive(Args)]
pub struct Arguments {
    /// Requests to generate.
    #[arg(long, default_value_t = 1_000_000)]
    requests: usize,
    /// Seed for the generator; the same seed gives the same requests.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Timed rounds of each loop; the median is reported.
    #[arg(long, default_value_t = 5)]
    rounds: usize,
}

/// SplitMix64: a small, fast, reproducible generator.
pub(crate) struct Generator(pub(crate) u64);

impl Generator {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub(crate) fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }

    /// Picks an index by weights in percent.
    fn weighted(&mut self, percents: &[u64]) -> usize {
        let mut roll = self.below(100);
        for (index, weight) in percents.iter().enumerate() {
            if roll < *weight {
                return index;
            }
            roll -= weight;
        }
        percents.len() - 1
    }
}

/// The reference kernel's input.
#[derive(Clone, Copy)]
pub(crate) struct PlainCase {
    pub(crate) gross_weekly_pence: u32,
    pub(crate) kids: u8,
    pub(crate) other_kids: u8,
    pub(crate) nights: u16,
    pub(crate) collect: bool,
}

/// The `plain_loop` reference kernel, as performance-anchors.md gives it.
/// Not the law: whole-percent integer division, no explanation.
#[inline(never)]
pub(crate) fn plain_weekly(case: &PlainCase) -> (u32, u32) {
    let k = usize::from(case.kids.clamp(1, 3)) - 1;
    let mut g = u64::from(case.gross_weekly_pence.min(300_000));
    g = g * [100, 89, 86, 84][usize::from(case.other_kids.min(3))] / 100;
    let mut w = if g < 700 {
        0
    } else if g < 10_000 {
        700
    } else if g < 20_000 {
        700 + (g - 10_000) * [17, 25, 31][k] / 100
    } else if g <= 80_000 {
        g * [12, 16, 19][k] / 100
    } else {
        80_000 * [12, 16, 19][k] / 100 + (g - 80_000) * [9, 12, 15][k] / 100
    };
    if w > 700 {
        let s = match case.nights {
            0..=51 => 0,
            52..=103 => 1,
            104..=155 => 2,
            156..=174 => 3,
            _ => 7,
        };
        w = if s == 7 {
            (w / 2).saturating_sub(700 * u64::from(case.kids)).max(700)
        } else {
            w - w * s / 7
        };
    }
    let fee = if case.collect { w * 20 / 100 } else { 0 };
    (
        u32::try_from(w).unwrap_or(u32::MAX),
        u32::try_from(fee).unwrap_or(u32::MAX),
    )
}

/// Generates requests with the caseload shape of performance-anchors.md
/// §4.1 (children 70/22/6/2%, shared-care bands 80/10/6/2/2%, other
/// children 75/15/7/3%, 8% with two receiving parents), with incomes
/// spread over every rate band and one case in ten on a benefit.
fn generate(count: usize, seed: u64) -> (Vec<CalculationRequest>, Vec<PlainCase>) {
    let mut random = Generator(seed);
    let date = Date::from_ymd(2025, 6, 1).expect("a real date");
    let mut requests = Vec::with_capacity(count);
    let mut plain = Vec::with_capacity(count);
    for _ in 0..count {
        let children = [1u16, 2, 3, 4][random.weighted(&[70, 22, 6, 2])];
        let other_children = [0u16, 1, 2, 3][random.weighted(&[75, 15, 7, 3])];
        let nights_band = random.weighted(&[80, 10, 6, 2, 2]);
        let (low, high) = [(0, 51), (52, 103), (104, 155), (156, 174), (175, 200)][nights_band];
        let nights = u16::try_from(low + random.below(high - low + 1)).expect("at most 200");
        let band = random.weighted(&[5, 10, 65, 18, 2]);
        let (floor, ceiling) = [
            (0, 10_000),
            (10_001, 19_999),
            (20_000, 80_000),
            (80_001, 300_000),
            (300_001, 500_000),
        ][band];
        let income = floor + random.below(ceiling - floor + 1);
        let benefits = if random.below(10) == 0 {
            BenefitSet::EMPTY.with(Benefit::ContributionBasedJsa)
        } else {
            BenefitSet::EMPTY
        };
        let two_receiving_parents = children > 1 && random.below(100) < 8;
        let night = Nights::new(nights).expect("within a year");
        let groups: Vec<Vec<Nights>> = if two_receiving_parents {
            vec![vec![night; 1], vec![night; usize::from(children - 1)]]
        } else {
            vec![vec![night; usize::from(children)]]
        };
        requests.push(CalculationRequest {
            date,
            basis: Basis::PayingParent(PayingParent {
                income: Some(Income::Weekly(Pence::new(income))),
                benefits,
                relevant_other_children: OtherChildren::new(other_children).expect("small"),
                ..PayingParent::default()
            }),
            receiving_parents: ReceivingParents::new(groups).expect("valid by construction"),
        });
        plain.push(PlainCase {
            gross_weekly_pence: u32::try_from(income).expect("below 2^32"),
            kids: u8::try_from(children).expect("small"),
            other_kids: u8::try_from(other_children).expect("small"),
            nights,
            collect: random.below(10) < 4,
        });
    }
    (requests, plain)
}

pub(crate) fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

#[allow(clippy::cast_precision_loss, clippy::float_arithmetic)] // timing figures, not money
pub(crate) fn per_second(count: usize, seconds: f64) -> f64 {
    count as f64 / seconds
}

#[allow(clippy::float_arithmetic)] // timing figures, not money
fn run_calculation(arguments: &Arguments) -> ExitCode {
    if arguments.requests == 0 || arguments.rounds == 0 {
        errln!("cms bench: --requests and --rounds must be at least 1");
        return ExitCode::from(2);
    }
    let parameters = Parameters::embedded();
    let generated_at = Instant::now();
    let (requests, plain) = generate(arguments.requests, arguments.seed);
    let generation_seconds = generated_at.elapsed().as_secs_f64();
    let mut plain_rates = Vec::new();
    let mut calculation_rates = Vec::new();
    let mut calculated_total = 0u64;
    let mut plain_total = 0u64;
    for _ in 0..arguments.rounds {
        let started = Instant::now();
        let mut sum = 0u64;
        for case in &plain {
            let (weekly, fee) = plain_weekly(black_box(case));
            sum += u64::from(weekly) + u64::from(fee);
        }
        plain_rates.push(per_second(plain.len(), started.elapsed().as_secs_f64()));
        plain_total = black_box(sum);

        let started = Instant::now();
        let mut sum = 0u64;
        for request in &requests {
            let calculation =
                calculate(black_box(request), parameters).expect("generated requests are valid");
            sum += calculation.weekly_total().get();
            black_box(&calculation);
        }
        calculation_rates.push(per_second(requests.len(), started.elapsed().as_secs_f64()));
        calculated_total = black_box(sum);
    }
    let plain_rate = median(plain_rates);
    let calculation_rate = median(calculation_rates);
    let ratio = calculation_rate / plain_rate;
    outln!(
        "calculation benchmark: {} requests, seed {}, {} rounds, one thread (generated in {:.2} s)",
        arguments.requests,
        arguments.seed,
        arguments.rounds,
        generation_seconds
    );
    outln!(
        "  plain loop (baseline):   {:>8.2} million/s  ({:.1} ns each)",
        plain_rate / 1e6,
        1e9 / plain_rate
    );
    outln!(
        "  maintenance calculation: {:>8.2} million/s  ({:.1} ns each, with explanation steps)",
        calculation_rate / 1e6,
        1e9 / calculation_rate
    );
    outln!("  ratio calculation / plain loop: {ratio:.3}");
    outln!(
        "  weekly total over all requests: {} (plain loop checksum {plain_total})",
        Pence::new(calculated_total)
    );
    outln!(
        "{{\"benchmark\":\"calculation\",\"requests\":{},\"seed\":{},\"rounds\":{},\"plain_loop_per_second\":{:.0},\"calculations_per_second\":{:.0},\"ratio\":{:.4},\"weekly_total_pence\":{}}}",
        arguments.requests,
        arguments.seed,
        arguments.rounds,
        plain_rate,
        calculation_rate,
        ratio,
        calculated_total
    );
    ExitCode::SUCCESS
}
