//! The law's figures as dated data.
//!
//! Every rate, threshold, table and fee of the 2012 scheme lives in one small
//! TOML file under `parameters/`, in the shape OpenFisca uses: a description,
//! the provision that sets it, and dated values each with its source and how
//! sure we are of it. The files are compiled into the binary, so a release
//! carries the law it was tested with, and [`Parameters::version`] names
//! that law exactly.
//!
//! [`Parameters::at`] resolves every figure in force on a date into one
//! [`ParameterSet`]. A date before the scheme began is an error, never the
//! nearest set: the 2012 scheme's rules say nothing about 2011.
//!
//! A change of law is a change of data: add a dated value to the file, with
//! its source, and scenarios on both sides of the date.

mod benefit;
mod calendar;
mod file;
mod policy;

use std::fmt;
use std::sync::OnceLock;

use domain_types::{Date, Fraction, PartsPerMillion, Pence};

pub use benefit::{Benefit, BenefitSet};
pub use calendar::{CalendarNotCoded, CalendarYear, WorkingDays, YearStatus};
pub use file::{Confidence, DatedValue, Series, Value};
pub use policy::{CollectionReform, NIL_RATE_POLICIES, NilRateRemoval, POLICIES};

/// The parameter files compiled into the binary, by name.
pub const EMBEDDED_FILES: &[(&str, &str)] = &[
    embed!("additional-income-status-minimum"),
    embed!("application-fee"),
    embed!("basic-plus-rate"),
    embed!("basic-plus-threshold"),
    embed!("basic-rate"),
    embed!("collection-fee-paying-parent"),
    embed!("collection-fee-receiving-parent"),
    embed!("default-rate"),
    embed!("enforcement-charges"),
    embed!("flat-rate"),
    embed!("flat-rate-income-limit"),
    embed!("flat-rate-own-benefits"),
    embed!("flat-rate-own-or-partner-benefits"),
    embed!("flat-rate-shared-care-nights"),
    embed!("income-cap"),
    embed!("nil-rate-benefits"),
    embed!("other-arrangements-minimum"),
    embed!("partner-flat-rate"),
    embed!("reduced-rate"),
    embed!("reduced-rate-income-limit"),
    embed!("relevant-other-children-reduction"),
    embed!("shared-care-bands"),
    embed!("shared-care-further-decrease"),
    embed!("shared-care-minimum"),
    embed!("special-expenses-threshold"),
];

macro_rules! embed {
    ($name:literal) => {
        (
            $name,
            include_str!(concat!("../parameters/", $name, ".toml")),
        )
    };
}
use embed;

/// One band of shared care (Child Support Act 1991 Sch 1 para 7(4)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SharedCareBand {
    /// The fewest nights a year in the band.
    pub nights_min: u16,
    /// The most nights a year in the band.
    pub nights_max: u16,
    /// The fraction by which the amount is decreased.
    pub decrease: Fraction,
    /// Whether each child in this band brings the further decrease of
    /// para 7(6).
    pub further_decrease_per_child: bool,
}

/// The charge for each enforcement action (Child Support Fees Regulations
/// 2014 regs 9–12).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EnforcementCharges {
    /// Deduction from earnings order.
    pub deduction_from_earnings_order: Pence,
    /// Deduction from earnings request (armed forces).
    pub deduction_from_earnings_request: Pence,
    /// Regular deduction order from a bank account.
    pub regular_deduction_order: Pence,
    /// Lump sum deduction order.
    pub lump_sum_deduction_order: Pence,
    /// Liability order.
    pub liability_order: Pence,
}

impl EnforcementCharges {
    const KEYS: &'static [&'static str] = &[
        "deduction_from_earnings_order",
        "deduction_from_earnings_request",
        "regular_deduction_order",
        "lump_sum_deduction_order",
        "liability_order",
    ];
}

/// The collection fees on Collect and Pay (Child Support Fees Regulations
/// 2014 reg 7).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CollectionFees {
    /// Added on top of what the paying parent pays.
    pub paying_parent: PartsPerMillion,
    /// Deducted from what the receiving parent is paid.
    pub receiving_parent: PartsPerMillion,
}

/// Every figure of the scheme in force over one period.
///
/// Figures indexed "by qualifying children" hold 1, 2, and 3 or more; "by
/// relevant other children" hold 1, 2, and 3 or more (none means no
/// reduction).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParameterSet {
    /// The first day these figures apply together.
    pub effective_from: Date,
    /// Names this set exactly: its first day and a fingerprint of every file.
    pub version: String,
    /// Flat rate, Sch 1 para 4(1); also the nil threshold of para 5(b).
    pub flat_rate: Pence,
    /// Flat rate under para 4(2) and reg 44(3).
    pub partner_flat_rate: Pence,
    /// Income at or below which the flat rate applies, para 4(1)(a).
    pub flat_rate_income_limit: Pence,
    /// Income below which the reduced rate applies, para 3.
    pub reduced_rate_income_limit: Pence,
    /// Basic rate percentages, para 2(1).
    pub basic_rate: [PartsPerMillion; 3],
    /// Income above which basic-plus applies, para 2(2).
    pub basic_plus_threshold: Pence,
    /// Basic-plus percentages, para 2(2).
    pub basic_plus_rate: [PartsPerMillion; 3],
    /// Income reduction for relevant other children, para 2(3).
    pub relevant_other_children_reduction: [PartsPerMillion; 3],
    /// Reduced-rate T, reg 43: `[qualifying children][relevant other children 0..=3]`.
    pub reduced_rate: [[PartsPerMillion; 4]; 3],
    /// The capped amount, para 10(3).
    pub income_cap: Pence,
    /// Shared-care bands, para 7(4), in increasing order of nights.
    pub shared_care_bands: Vec<SharedCareBand>,
    /// Further decrease per child in the one-half band, para 7(6).
    pub shared_care_further_decrease: Pence,
    /// The floor after shared care, para 7(7).
    pub shared_care_minimum: Pence,
    /// Nights from which the benefit-based flat rate is nil, para 8.
    pub flat_rate_shared_care_nights: u16,
    /// The floor under para 5A.
    pub other_arrangements_minimum: Pence,
    /// Default rate, reg 49(2).
    pub default_rate: [Pence; 3],
    /// Special expenses count above this, reg 68.
    pub special_expenses_threshold: Pence,
    /// Least income for a reg 70 variation (inclusive).
    pub additional_income_status_minimum: Pence,
    /// The paying parent's own benefits that give the flat rate, reg 44(1).
    pub flat_rate_own_benefits: BenefitSet,
    /// Benefits of the paying parent or partner that give the flat rate, reg 44(2).
    pub flat_rate_own_or_partner_benefits: BenefitSet,
    /// Allowances that give the nil rate, reg 45(1)(d).
    pub nil_rate_benefits: BenefitSet,
    /// Collection fees, where in force.
    pub collection_fees: Option<CollectionFees>,
    /// Application fee, where the Fees Regulations were in force (zero once abolished).
    pub application_fee: Option<Pence>,
    /// Enforcement charges, where in force.
    pub enforcement_charges: Option<EnforcementCharges>,
    /// Whether Direct Pay exists (A91 s.4(2A)): always, under the law as it
    /// stands; not under the reformed single service, modelled by a policy.
    pub direct_pay_available: bool,
    /// The policy overlaid on the law in this set, if any: every answer
    /// using it is modelled, not the law.
    pub modelled_policy: Option<String>,
}

impl ParameterSet {
    /// Every benefit the scheme names on this date, in any role.
    #[must_use]
    pub const fn recognised_benefits(&self) -> BenefitSet {
        self.flat_rate_own_benefits
            .union(self.flat_rate_own_or_partner_benefits)
            .union(self.nil_rate_benefits)
    }
}

/// All the parameter files, checked, and the sets they resolve to.
#[derive(Clone, Debug)]
pub struct Parameters {
    series: Vec<Series>,
    sets: Vec<ParameterSet>,
    /// Each set's first day, beside the sets so that finding the set for a
    /// date searches a few bytes, not a few kilobytes.
    starts: Vec<Date>,
    fingerprint: u64,
}

/// Why the parameters could not be loaded or consulted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParameterError {
    /// A file broke one of the rules of the format.
    Invalid {
        /// The file, without `.toml`.
        file: String,
        /// What is wrong, in words.
        message: String,
    },
    /// A parameter the calculation needs has no file.
    Missing {
        /// The missing parameter.
        file: &'static str,
    },
    /// The date is before the first coded rules.
    NotCoded {
        /// The date asked about.
        date: Date,
        /// The first date the rules cover.
        scheme_start: Date,
    },
}

impl fmt::Display for ParameterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParameterError::Invalid { file, message } => {
                write!(f, "parameters/{file}.toml: {message}")
            }
            ParameterError::Missing { file } => write!(f, "parameters/{file}.toml is missing"),
            ParameterError::NotCoded { date, scheme_start } => write!(
                f,
                "{date} is before the 2012 scheme's rules begin on {scheme_start}; no earlier rules are coded"
            ),
        }
    }
}

impl std::error::Error for ParameterError {}

impl Parameters {
    /// The parameters compiled into this binary, loaded once.
    ///
    /// # Panics
    /// If the embedded files are invalid. The test suite loads them, so a
    /// binary that passed its tests cannot panic here.
    pub fn embedded() -> &'static Parameters {
        static EMBEDDED: OnceLock<Parameters> = OnceLock::new();
        EMBEDDED.get_or_init(|| {
            Parameters::from_files(EMBEDDED_FILES)
                .unwrap_or_else(|e| panic!("embedded parameters are invalid: {e}"))
        })
    }

    /// Loads and checks `files`, given as `(name, TOML text)`.
    ///
    /// # Errors
    /// The first file that breaks a rule, or a missing parameter.
    pub fn from_files(files: &[(&str, &str)]) -> Result<Parameters, ParameterError> {
        let mut sorted: Vec<&(&str, &str)> = files.iter().collect();
        sorted.sort_by_key(|(name, _)| *name);
        let fingerprint = fingerprint(&sorted);
        let series = sorted
            .iter()
            .map(|(name, text)| file::parse_series(name, text))
            .collect::<Result<Vec<_>, _>>()?;
        let mut parameters = Parameters {
            series,
            sets: Vec::new(),
            starts: Vec::new(),
            fingerprint,
        };
        parameters.sets = parameters.resolve_sets()?;
        parameters.starts = parameters
            .sets
            .iter()
            .map(|set| set.effective_from)
            .collect();
        Ok(parameters)
    }

    /// The figures in force on `date`.
    ///
    /// # Errors
    /// [`ParameterError::NotCoded`] for a date before the scheme began.
    #[inline]
    pub fn at(&self, date: Date) -> Result<&ParameterSet, ParameterError> {
        let after = self.starts.partition_point(|start| *start <= date);
        match after.checked_sub(1) {
            Some(index) => Ok(&self.sets[index]),
            None => Err(ParameterError::NotCoded {
                date,
                scheme_start: self.scheme_start(),
            }),
        }
    }

    /// The first day any rules are coded for.
    #[must_use]
    pub fn scheme_start(&self) -> Date {
        self.sets[0].effective_from
    }

    /// The law with a collection reform overlaid from its (assumed) start:
    /// for modelling the reformed single service only, never the law. From
    /// `reform.from` Direct Pay no longer exists and the reform's fees
    /// replace the Fees Regulations' (the paying parent's rate for paying
    /// on time and in full); every set from then names the policy.
    #[must_use]
    pub fn with_collection_reform(&self, reform: &policy::CollectionReform) -> Parameters {
        let mut modelled = self.clone();
        if let Ok(in_force) = self.at(reform.from)
            && in_force.effective_from != reform.from
        {
            let mut starting = in_force.clone();
            starting.effective_from = reform.from;
            let at = modelled
                .starts
                .partition_point(|start| *start <= reform.from);
            modelled.sets.insert(at, starting);
        }
        for set in modelled
            .sets
            .iter_mut()
            .filter(|set| set.effective_from >= reform.from)
        {
            set.direct_pay_available = reform.direct_pay_available;
            set.collection_fees = Some(CollectionFees {
                paying_parent: reform.paying_parent_compliant,
                receiving_parent: reform.receiving_parent,
            });
            set.version = format!("{}+policy:{}", set.version, reform.name);
            set.modelled_policy = Some(reform.name.clone());
        }
        modelled.starts = modelled.sets.iter().map(|set| set.effective_from).collect();
        modelled
    }

    /// Every set, in date order.
    #[must_use]
    pub fn sets(&self) -> &[ParameterSet] {
        &self.sets
    }

    /// Every parameter with its dated values and sources.
    #[must_use]
    pub fn series(&self) -> &[Series] {
        &self.series
    }

    /// A fingerprint of every file's name and text, as 16 hex digits.
    #[must_use]
    pub fn version(&self) -> String {
        format!("{:016x}", self.fingerprint)
    }

    fn find(&self, name: &'static str) -> Result<&Series, ParameterError> {
        self.series
            .iter()
            .find(|s| s.name == name)
            .ok_or(ParameterError::Missing { file: name })
    }

    /// Builds one set for each date on which any parameter changes, from the
    /// first date on which every required parameter has a value.
    fn resolve_sets(&self) -> Result<Vec<ParameterSet>, ParameterError> {
        let mut dates: Vec<Date> = self
            .series
            .iter()
            .flat_map(|s| s.values.iter().map(|v| v.from))
            .collect();
        dates.sort_unstable();
        dates.dedup();
        let mut sets = Vec::new();
        for date in dates {
            match self.set_at(date) {
                Ok(set) => sets.push(set),
                // Before every required parameter has started there is no
                // scheme yet; after that, a gap is a broken file.
                Err(ParameterError::NotCoded { .. }) if sets.is_empty() => {}
                Err(ParameterError::NotCoded { .. }) => {
                    return Err(ParameterError::Invalid {
                        file: "(all)".to_owned(),
                        message: format!("a required parameter has no value on {date}"),
                    });
                }
                Err(other) => return Err(other),
            }
        }
        if sets.is_empty() {
            return Err(ParameterError::Invalid {
                file: "(all)".to_owned(),
                message: "no date has a value for every required parameter".to_owned(),
            });
        }
        Ok(sets)
    }

    fn set_at(&self, date: Date) -> Result<ParameterSet, ParameterError> {
        let resolver = Resolver {
            parameters: self,
            date,
        };
        Ok(ParameterSet {
            effective_from: date,
            version: format!("{date}+{:016x}", self.fingerprint),
            flat_rate: resolver.pence("flat-rate")?,
            partner_flat_rate: resolver.pence("partner-flat-rate")?,
            flat_rate_income_limit: resolver.pence("flat-rate-income-limit")?,
            reduced_rate_income_limit: resolver.pence("reduced-rate-income-limit")?,
            basic_rate: resolver.rates_by_children("basic-rate")?,
            basic_plus_threshold: resolver.pence("basic-plus-threshold")?,
            basic_plus_rate: resolver.rates_by_children("basic-plus-rate")?,
            relevant_other_children_reduction: resolver
                .rates_by_children("relevant-other-children-reduction")?,
            reduced_rate: match resolver.required("reduced-rate")? {
                Value::RateTable(table) => *table,
                _ => return Err(resolver.wrong_unit("reduced-rate")),
            },
            income_cap: resolver.pence("income-cap")?,
            shared_care_bands: match resolver.required("shared-care-bands")? {
                Value::SharedCareBands(bands) => bands.clone(),
                _ => return Err(resolver.wrong_unit("shared-care-bands")),
            },
            shared_care_further_decrease: resolver.pence("shared-care-further-decrease")?,
            shared_care_minimum: resolver.pence("shared-care-minimum")?,
            flat_rate_shared_care_nights: match resolver.required("flat-rate-shared-care-nights")? {
                Value::Nights(nights) => *nights,
                _ => return Err(resolver.wrong_unit("flat-rate-shared-care-nights")),
            },
            other_arrangements_minimum: resolver.pence("other-arrangements-minimum")?,
            default_rate: match resolver.required("default-rate")? {
                Value::PenceByQualifyingChildren(amounts) => *amounts,
                _ => return Err(resolver.wrong_unit("default-rate")),
            },
            special_expenses_threshold: resolver.pence("special-expenses-threshold")?,
            additional_income_status_minimum: resolver.pence("additional-income-status-minimum")?,
            flat_rate_own_benefits: resolver.benefits("flat-rate-own-benefits")?,
            flat_rate_own_or_partner_benefits: resolver
                .benefits("flat-rate-own-or-partner-benefits")?,
            nil_rate_benefits: resolver.benefits("nil-rate-benefits")?,
            collection_fees: match (
                resolver.optional("collection-fee-paying-parent")?,
                resolver.optional("collection-fee-receiving-parent")?,
            ) {
                (Some(Value::Rate(paying_parent)), Some(Value::Rate(receiving_parent))) => {
                    Some(CollectionFees {
                        paying_parent: *paying_parent,
                        receiving_parent: *receiving_parent,
                    })
                }
                (None, None) => None,
                _ => return Err(resolver.wrong_unit("collection-fee-paying-parent")),
            },
            application_fee: match resolver.optional("application-fee")? {
                Some(Value::Pence(fee)) => Some(*fee),
                None => None,
                Some(_) => return Err(resolver.wrong_unit("application-fee")),
            },
            enforcement_charges: match resolver.optional("enforcement-charges")? {
                Some(Value::EnforcementCharges(charges)) => Some(*charges),
                None => None,
                Some(_) => return Err(resolver.wrong_unit("enforcement-charges")),
            },
            direct_pay_available: true,
            modelled_policy: None,
        })
    }
}

/// Looks parameters up on one date, with errors that name the file.
struct Resolver<'a> {
    parameters: &'a Parameters,
    date: Date,
}

impl<'a> Resolver<'a> {
    fn optional(&self, name: &'static str) -> Result<Option<&'a Value>, ParameterError> {
        Ok(self.parameters.find(name)?.at(self.date).map(|v| &v.value))
    }

    fn required(&self, name: &'static str) -> Result<&'a Value, ParameterError> {
        self.optional(name)?.ok_or(ParameterError::NotCoded {
            date: self.date,
            scheme_start: self.date,
        })
    }

    fn pence(&self, name: &'static str) -> Result<Pence, ParameterError> {
        match self.required(name)? {
            Value::Pence(p) => Ok(*p),
            _ => Err(self.wrong_unit(name)),
        }
    }

    fn rates_by_children(
        &self,
        name: &'static str,
    ) -> Result<[PartsPerMillion; 3], ParameterError> {
        match self.required(name)? {
            Value::RateByChildren(rates) => Ok(*rates),
            _ => Err(self.wrong_unit(name)),
        }
    }

    fn benefits(&self, name: &'static str) -> Result<BenefitSet, ParameterError> {
        match self.required(name)? {
            Value::Benefits(set) => Ok(*set),
            _ => Err(self.wrong_unit(name)),
        }
    }

    fn wrong_unit(&self, name: &str) -> ParameterError {
        ParameterError::Invalid {
            file: name.to_owned(),
            message: "the file's unit does not fit what the calculation reads from it".to_owned(),
        }
    }
}

/// FNV-1a over every file's name and text: a stable name for the law a
/// calculation used, not a security measure.
fn fingerprint(files: &[&(&str, &str)]) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut hash = OFFSET;
    for (name, text) in files {
        for byte in name.bytes().chain([0]).chain(text.bytes()).chain([0]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(PRIME);
        }
    }
    hash
}

#[cfg(test)]
mod reform_tests {
    use super::*;

    fn d(text: &str) -> Date {
        Date::parse_iso(text).unwrap()
    }

    #[test]
    fn the_reform_overlays_the_law_from_its_start_and_leaves_the_law_before_it() {
        let law = Parameters::embedded();
        let reform = policy::CollectionReform::named("direct-pay-reform-2025").unwrap();
        let modelled = law.with_collection_reform(&reform);
        assert_eq!(modelled.sets().len(), law.sets().len() + 1);
        let before = modelled.at(reform.from.add_days(-1).unwrap()).unwrap();
        assert_eq!(before, law.at(reform.from.add_days(-1).unwrap()).unwrap());
        assert!(before.direct_pay_available);
        let after = modelled.at(reform.from).unwrap();
        assert_eq!(after.effective_from, reform.from);
        assert!(!after.direct_pay_available);
        assert_eq!(
            after.modelled_policy.as_deref(),
            Some("direct-pay-reform-2025")
        );
        let fees = after.collection_fees.unwrap();
        assert_eq!(
            (fees.paying_parent.get(), fees.receiving_parent.get()),
            (20_000, 20_000)
        );
        assert!(after.version.ends_with("+policy:direct-pay-reform-2025"));
        // Everything else is the law in force that day.
        assert_eq!(after.basic_rate, law.at(reform.from).unwrap().basic_rate);
        assert_eq!(
            modelled.at(d("2030-01-01")).unwrap().effective_from,
            reform.from
        );
        // The law itself is untouched.
        assert!(
            law.sets()
                .iter()
                .all(|s| s.direct_pay_available && s.modelled_policy.is_none())
        );
    }
}
