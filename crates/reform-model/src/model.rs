//! One case under the law and under a scenario, side by side.
//!
//! Every weekly amount comes from `maintenance_calculation`: the law's from
//! `calculate` with the law in force on the date, the scenario's from
//! `calculate_with` on the law's own parameter set with the scenario's
//! figures overlaid (a taper). A rule the calculation does not have (income
//! shares, the protected income floor) works on the calculation's answer:
//! it replaces or caps the amount of an income-based rate, and the rate it
//! reports says so (`income_shares`, `protected`).

use domain_types::{Date, PartsPerMillion, Pence, round_half_up_div};
use legal_parameters::{CollectionFees, ParameterSet, Parameters};
use maintenance_calculation::{
    Calculation, CalculationRequest, NilRateReason, Rate, calculate, calculate_with,
};
use smallvec::SmallVec;

use crate::caseload::{Payer, Service, SyntheticCase};
use crate::income_shares::IncomeShares;
use crate::net_income::NetIncome;
use crate::policy::{Rule, Scenario};

/// A rate as the model reports it: the law's rates, and two the scenario
/// can produce.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RateCode {
    /// Sch 1 para 5.
    Nil,
    /// Sch 1 para 4.
    Flat,
    /// Sch 1 para 3.
    Reduced,
    /// Sch 1 para 2(1).
    Basic,
    /// Sch 1 para 2(2).
    BasicPlus,
    /// reg 49.
    Default,
    /// Income shares replaced an income-based rate (Rec 8).
    IncomeShares,
    /// The protected income floor capped an income-based rate (Rec 5).
    Protected,
}

impl RateCode {
    /// Every rate, in report order.
    pub const ALL: [RateCode; 8] = [
        RateCode::Nil,
        RateCode::Flat,
        RateCode::Reduced,
        RateCode::Basic,
        RateCode::BasicPlus,
        RateCode::Default,
        RateCode::IncomeShares,
        RateCode::Protected,
    ];

    /// The code in outputs.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            RateCode::Nil => "nil",
            RateCode::Flat => "flat",
            RateCode::Reduced => "reduced",
            RateCode::Basic => "basic",
            RateCode::BasicPlus => "basic_plus",
            RateCode::Default => "default",
            RateCode::IncomeShares => "income_shares",
            RateCode::Protected => "protected",
        }
    }

    /// Its position in [`RateCode::ALL`].
    #[must_use]
    pub const fn index(self) -> usize {
        self as usize
    }

    const fn of(rate: Rate) -> RateCode {
        match rate {
            Rate::Nil => RateCode::Nil,
            Rate::Flat => RateCode::Flat,
            Rate::Reduced => RateCode::Reduced,
            Rate::Basic => RateCode::Basic,
            Rate::BasicPlus => RateCode::BasicPlus,
            Rate::Default => RateCode::Default,
        }
    }

    /// Whether the rate is worked out from income.
    #[must_use]
    pub const fn income_based(self) -> bool {
        matches!(
            self,
            RateCode::Reduced | RateCode::Basic | RateCode::BasicPlus | RateCode::IncomeShares
        )
    }
}

/// One side of the comparison: what is due each week and who pays which fee.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Side {
    /// The rate.
    pub rate: RateCode,
    /// The service.
    pub service: Service,
    /// Each receiving parent's weekly amount.
    pub amounts: SmallVec<[Pence; 2]>,
    /// The paying parent's collection fee a week.
    pub paying_fee: Pence,
    /// The receiving parents' collection fees a week, together.
    pub receiving_fee: Pence,
}

impl Side {
    /// Maintenance due a week, all receiving parents together.
    #[must_use]
    pub fn maintenance(&self) -> Pence {
        Pence::new(self.amounts.iter().map(|a| a.get()).sum())
    }

    /// What the paying parent pays a week: maintenance and fee.
    #[must_use]
    pub fn pays(&self) -> Pence {
        Pence::new(self.maintenance().get() + self.paying_fee.get())
    }

    /// What the receiving parents' households get a week: maintenance less
    /// their fees (as due, not as collected).
    #[must_use]
    pub fn gets(&self) -> Pence {
        self.maintenance().saturating_sub(self.receiving_fee)
    }
}

/// One case under the law and under the scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseOutcome {
    /// Under the law in force on the date.
    pub law: Side,
    /// Under the scenario.
    pub policy: Side,
    /// The paying parent's net weekly income, where they have an income.
    pub net_income: Option<Pence>,
    /// Income shares would have the receiving parent pay (counted as nil).
    pub reversed: bool,
    /// The case moved to Collect and Pay through the evidence gateway.
    pub gateway_used: bool,
}

struct Fees {
    paying_compliant: PartsPerMillion,
    paying_non_compliant: PartsPerMillion,
    receiving: PartsPerMillion,
}

/// The law and a scenario, ready to run cases through.
pub struct Model<'p> {
    /// The day modelled.
    pub date: Date,
    /// The law in force that day.
    pub law: &'p ParameterSet,
    /// The figures the scenario uses: the law's, with the scenario's
    /// overlaid, its version ending `+policy:NAMES`.
    pub policy_set: ParameterSet,
    /// The scenario.
    pub scenario: Scenario,
    parameters: &'p Parameters,
    net: &'static NetIncome,
    recalculate: bool,
    assess_prisoners: bool,
    floor: Option<(Pence, PartsPerMillion)>,
    income_shares: Option<IncomeShares>,
    fees: Option<Fees>,
    direct_pay_available: bool,
    gateway: Option<(PartsPerMillion, bool)>,
}

impl<'p> Model<'p> {
    /// The law in force on `date` beside `scenario`.
    ///
    /// # Errors
    /// A date before the scheme, or a nil-rate removal for a group the
    /// synthetic caseload has no income for.
    pub fn new(
        parameters: &'p Parameters,
        date: Date,
        scenario: Scenario,
    ) -> Result<Model<'p>, String> {
        let law = parameters.at(date).map_err(|e| e.to_string())?;
        let mut policy_set = law.clone();
        policy_set.version = format!("{}+policy:{}", law.version, scenario.names());
        policy_set.modelled_policy = Some(scenario.names());
        let mut recalculate = false;
        if let Some(Rule::ReducedRateTaper {
            income_limit,
            rates,
        }) = scenario.rule("reduced_rate_taper")
        {
            policy_set.reduced_rate_income_limit = *income_limit;
            policy_set.reduced_rate = *rates;
            recalculate = true;
        }
        let mut assess_prisoners = false;
        if let Some(Rule::NilRateRemoval { reasons }) = scenario.rule("nil_rate_removal") {
            for reason in reasons {
                match reason {
                    NilRateReason::Prisoner => assess_prisoners = true,
                    other => {
                        return Err(format!(
                            "the synthetic caseload holds earnings only for prisoners, not for the nil-rate group `{}`",
                            other.code()
                        ));
                    }
                }
            }
        }
        let mut fees = None;
        let mut direct_pay_available = true;
        if let Some(Rule::CollectionReform {
            direct_pay_available: available,
            paying_compliant,
            paying_non_compliant,
            receiving,
        }) = scenario.rule("collection_reform")
        {
            direct_pay_available = *available;
            policy_set.direct_pay_available = *available;
            policy_set.collection_fees = Some(CollectionFees {
                paying_parent: *paying_compliant,
                receiving_parent: *receiving,
            });
            fees = Some(Fees {
                paying_compliant: *paying_compliant,
                paying_non_compliant: *paying_non_compliant,
                receiving: *receiving,
            });
        }
        Ok(Model {
            date,
            law,
            policy_set,
            parameters,
            net: NetIncome::embedded(),
            recalculate,
            assess_prisoners,
            floor: match scenario.rule("protected_income_floor") {
                Some(Rule::ProtectedIncomeFloor {
                    protected_net_weekly,
                    share_above,
                }) => Some((*protected_net_weekly, *share_above)),
                _ => None,
            },
            income_shares: match scenario.rule("income_shares") {
                Some(Rule::IncomeShares(shares)) => Some(shares.clone()),
                _ => None,
            },
            fees,
            direct_pay_available,
            gateway: match scenario.rule("evidence_gateway") {
                Some(Rule::EvidenceGateway {
                    take_up,
                    receiving_parent_fee_waived,
                }) => Some((*take_up, *receiving_parent_fee_waived)),
                _ => None,
            },
            scenario,
        })
    }

    /// The net-income model used.
    #[must_use]
    pub fn net_income(&self) -> &'static NetIncome {
        self.net
    }

    /// The case's request under the law on the model's date.
    #[must_use]
    pub fn law_request(&self, case: &SyntheticCase) -> CalculationRequest {
        case.request(self.date, false)
    }

    /// `case` under the law and under the scenario.
    ///
    /// # Panics
    /// If a generated case cannot be calculated: a bug in the generator.
    #[must_use]
    pub fn outcome(&self, case: &SyntheticCase) -> CaseOutcome {
        let request = self.law_request(case);
        let law_calculation =
            calculate(&request, self.parameters).expect("synthetic cases are valid");
        let law = self.law_side(case, &law_calculation);

        let prisoner = matches!(case.payer, Payer::Prisoner { .. });
        let (mut rate, mut amounts) = if self.recalculate || (self.assess_prisoners && prisoner) {
            let request = case.request(self.date, self.assess_prisoners);
            let calculation =
                calculate_with(&request, &self.policy_set).expect("synthetic cases are valid");
            (
                RateCode::of(calculation.rate),
                calculation.weekly_amounts.iter().copied().collect(),
            )
        } else {
            (law.rate, law.amounts.clone())
        };
        let gross = match case.payer {
            Payer::Income(income) => Some(income),
            Payer::Prisoner { earnings } => Some(earnings),
            Payer::Benefit | Payer::CareHome => None,
        };
        let net_income = gross.map(|g| self.net.weekly_net(g));
        let mut reversed = false;
        if let (Some(shares), Some(gross), true) = (&self.income_shares, gross, rate.income_based())
        {
            let (assessed, reverses) = shares.assess(
                gross,
                case.relevant_other_children,
                &case.groups,
                case.children_13_and_over,
            );
            reversed = reverses;
            amounts = shares
                .with_minimum(assessed, &case.groups, self.policy_set.flat_rate)
                .0;
            rate = RateCode::IncomeShares;
        }
        if let (Some((protected, share)), Some(net), true) =
            (self.floor, net_income, rate.income_based())
        {
            // The cap: the share of net income above the protected amount,
            // rounded half up to the penny (PartsPerMillion::of, reg 6's
            // rule), and never below the flat rate.
            let cap = share
                .of(net.saturating_sub(protected))
                .max(self.policy_set.flat_rate);
            let total: u64 = amounts.iter().map(|a: &Pence| a.get()).sum();
            if total > cap.get() {
                // Each receiving parent's amount scaled down alike, rounded
                // half up to the penny as para 6 apportions (not re-balanced).
                for amount in &mut amounts {
                    *amount = Pence::new(
                        u64::try_from(round_half_up_div(
                            u128::from(amount.get()) * u128::from(cap.get()),
                            u128::from(total),
                        ))
                        .expect("at most the amount"),
                    );
                }
                rate = RateCode::Protected;
            }
        }
        let gateway_used = matches!(self.gateway, Some((take_up, _))
            if case.service == Service::DirectPay
                && case.abuse_disclosed
                && case.take_up_draw_ppm < take_up.get());
        let service = if gateway_used || !self.direct_pay_available {
            Service::CollectAndPay
        } else {
            case.service
        };
        let mut policy = Side {
            rate,
            service,
            amounts,
            paying_fee: Pence::ZERO,
            receiving_fee: Pence::ZERO,
        };
        if service == Service::CollectAndPay {
            let (paying, receiving) = match &self.fees {
                Some(fees) if case.compliant => (fees.paying_compliant, fees.receiving),
                Some(fees) => (fees.paying_non_compliant, fees.receiving),
                None => self
                    .law
                    .collection_fees
                    .map_or((PartsPerMillion::ZERO, PartsPerMillion::ZERO), |f| {
                        (f.paying_parent, f.receiving_parent)
                    }),
            };
            let waived = gateway_used && self.gateway.is_some_and(|(_, waived)| waived);
            fees_on(
                &mut policy,
                paying,
                if waived {
                    PartsPerMillion::ZERO
                } else {
                    receiving
                },
            );
        }
        CaseOutcome {
            law,
            policy,
            net_income,
            reversed,
            gateway_used,
        }
    }

    fn law_side(&self, case: &SyntheticCase, calculation: &Calculation<'_>) -> Side {
        let mut side = Side {
            rate: RateCode::of(calculation.rate),
            service: case.service,
            amounts: calculation.weekly_amounts.iter().copied().collect(),
            paying_fee: Pence::ZERO,
            receiving_fee: Pence::ZERO,
        };
        if case.service == Service::CollectAndPay
            && let Some(fees) = calculation.collection_fees()
        {
            side.paying_fee = fees.paying_parent_weekly;
            side.receiving_fee =
                Pence::new(fees.receiving_parents_weekly.iter().map(|f| f.get()).sum());
        }
        side
    }
}

/// Collection fees as `Calculation::collection_fees` works them out: the
/// paying parent's on the total, each receiving parent's on their own
/// amount, each rounded half up to the penny (rules.md §3.2 [I]).
fn fees_on(side: &mut Side, paying: PartsPerMillion, receiving: PartsPerMillion) {
    side.paying_fee = paying.of(side.maintenance());
    side.receiving_fee = Pence::new(side.amounts.iter().map(|a| receiving.of(*a).get()).sum());
}
