//! Reading one parameter file: the raw TOML shape and its checks.
//!
//! The raw structs are private: outside this module a parameter is already
//! a checked [`Series`] of dated, typed values.

use std::collections::BTreeMap;

use domain_types::{Date, Fraction, PartsPerMillion, Pence};
use serde::Deserialize;

use crate::benefit::{Benefit, BenefitSet};
use crate::{EnforcementCharges, ParameterError, SharedCareBand};

/// How sure we are of a value, as rules.md §0 tags it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    /// [V] read in the cited source.
    Verified,
    /// [S] stated by official or reputable guidance.
    Secondary,
    /// [K] from the cited provision, whose current text was not re-read.
    Check,
    /// [I] our interpretation where the text leaves a choice.
    Interpretation,
    /// A figure assumed where no source was found.
    Assumption,
}

/// One dated value of a parameter with where it comes from.
#[derive(Clone, Debug)]
pub struct DatedValue {
    /// The first day the value applies.
    pub from: Date,
    /// The value.
    pub value: Value,
    /// How sure we are of it.
    pub confidence: Confidence,
    /// The instrument or page the figure was read in.
    pub source: String,
    /// Why, where the law needed interpreting.
    pub note: Option<String>,
}

/// A parameter's value, typed by the file's `unit`.
#[derive(Clone, Debug)]
pub enum Value {
    /// `pence_per_week` or `pence`.
    Pence(Pence),
    /// `pence_per_week_by_qualifying_children`: 1, 2, 3 or more.
    PenceByQualifyingChildren([Pence; 3]),
    /// `ppm`.
    Rate(PartsPerMillion),
    /// `ppm_by_qualifying_children` or `ppm_by_relevant_other_children`.
    RateByChildren([PartsPerMillion; 3]),
    /// `ppm_table_by_qualifying_and_relevant_other_children`.
    RateTable([[PartsPerMillion; 4]; 3]),
    /// `nights_per_year`.
    Nights(u16),
    /// `shared_care_bands`.
    SharedCareBands(Vec<SharedCareBand>),
    /// `benefit_codes`.
    Benefits(BenefitSet),
    /// `pence_by_enforcement_action`.
    EnforcementCharges(EnforcementCharges),
}

/// One parameter: its meaning, the provision it comes from, and its values
/// over time in increasing date order.
#[derive(Clone, Debug)]
pub struct Series {
    /// The file name without `.toml`: `flat-rate`.
    pub name: String,
    /// What the figure is, in words.
    pub description: String,
    /// The provision that sets it.
    pub reference: String,
    /// Values, strictly increasing by `from`.
    pub values: Vec<DatedValue>,
}

impl Series {
    /// The value in force on `date`, if the parameter had started by then.
    #[must_use]
    pub fn at(&self, date: Date) -> Option<&DatedValue> {
        let after = self.values.partition_point(|v| v.from <= date);
        after.checked_sub(1).map(|i| &self.values[i])
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    description: String,
    unit: String,
    reference: String,
    values: Vec<RawValue>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawValue {
    from: toml::value::Datetime,
    confidence: Confidence,
    source: String,
    note: Option<String>,
    pence: Option<toml::Value>,
    ppm: Option<toml::Value>,
    nights: Option<u16>,
    bands: Option<Vec<RawBand>>,
    codes: Option<Vec<String>>,
    charges: Option<BTreeMap<String, u64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBand {
    nights_min: u16,
    nights_max: u16,
    numerator: u64,
    denominator: u64,
    further_decrease_per_child: bool,
}

/// Parses and checks one file. `name` is the file name without `.toml`.
pub(crate) fn parse_series(name: &str, text: &str) -> Result<Series, ParameterError> {
    let fail = |message: String| ParameterError::Invalid {
        file: name.to_owned(),
        message,
    };
    let raw: RawFile = toml::from_str(text).map_err(|e| fail(e.to_string()))?;
    for (field, content) in [
        ("description", &raw.description),
        ("unit", &raw.unit),
        ("reference", &raw.reference),
    ] {
        if content.trim().is_empty() {
            return Err(fail(format!("`{field}` is empty")));
        }
    }
    if raw.values.is_empty() {
        return Err(fail("there are no [[values]]".to_owned()));
    }
    let mut values = Vec::with_capacity(raw.values.len());
    for (index, raw_value) in raw.values.into_iter().enumerate() {
        let at = |message: String| fail(format!("value {}: {message}", index + 1));
        let from = toml_date(&raw_value.from)
            .ok_or_else(|| at("`from` must be a date like 2013-11-25".to_owned()))?;
        if let Some(previous) = values.last().map(|v: &DatedValue| v.from)
            && from <= previous
        {
            return Err(at(format!(
                "dates must increase: {from} is not after {previous}"
            )));
        }
        if raw_value.source.trim().is_empty() {
            return Err(at("`source` is empty".to_owned()));
        }
        let value = typed_value(&raw.unit, &raw_value).map_err(at)?;
        values.push(DatedValue {
            from,
            value,
            confidence: raw_value.confidence,
            source: raw_value.source,
            note: raw_value.note,
        });
    }
    Ok(Series {
        name: name.to_owned(),
        description: raw.description,
        reference: raw.reference,
        values,
    })
}

pub(crate) fn toml_date(datetime: &toml::value::Datetime) -> Option<Date> {
    if datetime.time.is_some() || datetime.offset.is_some() {
        return None;
    }
    let date = datetime.date?;
    Date::from_ymd(
        i32::from(date.year),
        u32::from(date.month),
        u32::from(date.day),
    )
}

fn typed_value(unit: &str, raw: &RawValue) -> Result<Value, String> {
    let present: Vec<&str> = [
        ("pence", raw.pence.is_some()),
        ("ppm", raw.ppm.is_some()),
        ("nights", raw.nights.is_some()),
        ("bands", raw.bands.is_some()),
        ("codes", raw.codes.is_some()),
        ("charges", raw.charges.is_some()),
    ]
    .into_iter()
    .filter_map(|(field, is_present)| is_present.then_some(field))
    .collect();
    let expected = match unit {
        "pence" | "pence_per_week" | "pence_per_week_by_qualifying_children" => "pence",
        "ppm"
        | "ppm_by_qualifying_children"
        | "ppm_by_relevant_other_children"
        | "ppm_table_by_qualifying_and_relevant_other_children" => "ppm",
        "nights_per_year" => "nights",
        "shared_care_bands" => "bands",
        "benefit_codes" => "codes",
        "pence_by_enforcement_action" => "charges",
        other => return Err(format!("unknown unit `{other}`")),
    };
    if present != [expected] {
        return Err(format!(
            "a `{unit}` value has exactly one `{expected}` field, found {present:?}"
        ));
    }
    match unit {
        "pence" | "pence_per_week" => raw.pence.as_ref().map(pence).transpose()?.map(Value::Pence),
        "pence_per_week_by_qualifying_children" => {
            let list = list_of(raw.pence.as_ref(), 3, pence)?;
            Some(Value::PenceByQualifyingChildren([
                list[0], list[1], list[2],
            ]))
        }
        "ppm" => raw.ppm.as_ref().map(rate).transpose()?.map(Value::Rate),
        "ppm_by_qualifying_children" | "ppm_by_relevant_other_children" => {
            let list = list_of(raw.ppm.as_ref(), 3, rate)?;
            Some(Value::RateByChildren([list[0], list[1], list[2]]))
        }
        "ppm_table_by_qualifying_and_relevant_other_children" => {
            let rows = list_of(raw.ppm.as_ref(), 3, |row| {
                let cells = list_of(Some(row), 4, rate)?;
                Ok([cells[0], cells[1], cells[2], cells[3]])
            })?;
            Some(Value::RateTable([rows[0], rows[1], rows[2]]))
        }
        "nights_per_year" => match raw.nights {
            Some(n) if n <= 366 => Some(Value::Nights(n)),
            _ => return Err("`nights` must be between 0 and 366".to_owned()),
        },
        "shared_care_bands" => Some(Value::SharedCareBands(bands(
            raw.bands.as_deref().unwrap_or_default(),
        )?)),
        "benefit_codes" => Some(Value::Benefits(benefit_codes(
            raw.codes.as_deref().unwrap_or_default(),
        )?)),
        "pence_by_enforcement_action" => {
            Some(Value::EnforcementCharges(charges(raw.charges.as_ref())?))
        }
        _ => None,
    }
    .ok_or_else(|| format!("missing value for unit `{unit}`"))
}

fn pence(value: &toml::Value) -> Result<Pence, String> {
    match value.as_integer().and_then(|i| u64::try_from(i).ok()) {
        Some(p) if p <= Pence::INPUT_MAX.get() => Ok(Pence::new(p)),
        _ => Err(format!("`{value:?}` is not a whole number of pence")),
    }
}

fn rate(value: &toml::Value) -> Result<PartsPerMillion, String> {
    value
        .as_integer()
        .and_then(|i| u32::try_from(i).ok())
        .and_then(PartsPerMillion::new)
        .ok_or_else(|| {
            format!("`{value:?}` is not a rate in parts per million between 0 and 1000000")
        })
}

fn list_of<T>(
    value: Option<&toml::Value>,
    length: usize,
    item: impl Fn(&toml::Value) -> Result<T, String>,
) -> Result<Vec<T>, String> {
    let array = value
        .and_then(toml::Value::as_array)
        .ok_or_else(|| format!("expected a list of {length}"))?;
    if array.len() != length {
        return Err(format!(
            "expected a list of {length}, found {}",
            array.len()
        ));
    }
    array.iter().map(item).collect()
}

fn bands(raw: &[RawBand]) -> Result<Vec<SharedCareBand>, String> {
    let mut result: Vec<SharedCareBand> = Vec::with_capacity(raw.len());
    for band in raw {
        let decrease = Fraction::new(band.numerator, band.denominator)
            .filter(|f| f.numerator() <= f.denominator())
            .ok_or("a band's decrease must be a fraction between 0 and 1")?;
        if band.nights_min > band.nights_max || band.nights_max > 366 {
            return Err(format!(
                "band {}..={} is not within 0..=366 nights",
                band.nights_min, band.nights_max
            ));
        }
        if let Some(previous) = result.last()
            && band.nights_min <= previous.nights_max
        {
            return Err("bands must not overlap and must increase".to_owned());
        }
        result.push(SharedCareBand {
            nights_min: band.nights_min,
            nights_max: band.nights_max,
            decrease,
            further_decrease_per_child: band.further_decrease_per_child,
        });
    }
    Ok(result)
}

fn benefit_codes(codes: &[String]) -> Result<BenefitSet, String> {
    codes
        .iter()
        .map(|code| {
            Benefit::from_code(code).ok_or_else(|| format!("unknown benefit code `{code}`"))
        })
        .collect()
}

fn charges(raw: Option<&BTreeMap<String, u64>>) -> Result<EnforcementCharges, String> {
    let raw = raw.ok_or("missing `charges`")?;
    let take = |key: &str| {
        raw.get(key)
            .map(|p| Pence::new(*p))
            .ok_or_else(|| format!("missing charge `{key}`"))
    };
    if let Some(unknown) = raw
        .keys()
        .find(|k| !EnforcementCharges::KEYS.contains(&k.as_str()))
    {
        return Err(format!("unknown enforcement action `{unknown}`"));
    }
    Ok(EnforcementCharges {
        deduction_from_earnings_order: take("deduction_from_earnings_order")?,
        deduction_from_earnings_request: take("deduction_from_earnings_request")?,
        regular_deduction_order: take("regular_deduction_order")?,
        lump_sum_deduction_order: take("lump_sum_deduction_order")?,
        liability_order: take("liability_order")?,
    })
}
