//! Reading a request, field by field, into the calculation's types.

use std::collections::HashSet;

use domain_types::{Date, Pence};
use legal_parameters::{Benefit, BenefitSet};
use maintenance_calculation::{
    Basis, CalculationRequest, Income, Nights, NilRateReason, OTHER_CHILDREN_MAX, OtherChildren,
    PayingParent, ReceivingParents, ReceivingParentsError, Variations,
};
use serde_json::{Map, Value};

use crate::FieldError;

/// A request read from JSON, with the receiving parents' ids kept for the
/// answer and the position of each benefit kept for error messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedRequest {
    /// The request in the calculation's own types.
    pub request: CalculationRequest,
    /// The receiving parents' ids, in order.
    pub receiving_parent_ids: Vec<String>,
    pub(crate) benefit_fields: Vec<(Benefit, bool, usize)>,
}

impl ParsedRequest {
    /// The path of the field holding `benefit`.
    pub(crate) fn benefit_field(&self, benefit: Benefit, partner: bool) -> String {
        let list = if partner {
            "partner_benefits"
        } else {
            "benefits"
        };
        match self
            .benefit_fields
            .iter()
            .find(|(b, p, _)| *b == benefit && *p == partner)
        {
            Some((_, _, index)) => format!("paying_parent.{list}[{index}]"),
            None => format!("paying_parent.{list}"),
        }
    }
}

const REQUEST_FIELDS: &[&str] = &[
    "date",
    "paying_parent",
    "variations",
    "receiving_parents",
    "default_maintenance_decision",
];
const PAYING_PARENT_FIELDS: &[&str] = &[
    "gross_weekly_income_pence",
    "annual_gross_income_pence",
    "benefits",
    "partner_benefits",
    "partner_is_paying_parent_with_calculation",
    "nil_rate_reason",
    "relevant_other_children",
    "other_arrangement_children",
];
const VARIATION_FIELDS: &[&str] = &[
    "special_expenses_weekly_pence",
    "additional_income_weekly_pence",
];
const RECEIVING_PARENT_FIELDS: &[&str] = &["id", "children"];
const CHILD_FIELDS: &[&str] = &["shared_care_nights"];

/// Reads one request object.
///
/// # Errors
/// The first field at fault, by its path.
pub fn parse_request(value: &Value) -> Result<ParsedRequest, FieldError> {
    let request = object(value, "", REQUEST_FIELDS)?;
    let date = date(request.get("date"), "date")?;
    let default_decision = boolean(
        request.get("default_maintenance_decision"),
        "default_maintenance_decision",
    )?;
    let (receiving_parents, receiving_parent_ids) =
        receiving_parents(request.get("receiving_parents"))?;
    let mut benefit_fields = Vec::new();
    // The paying parent is read even for a default decision, so that a
    // mistake in it is refused rather than silently ignored.
    let paying_parent = match present(request.get("paying_parent")) {
        Some(value) => {
            let mut paying_parent = paying_parent(value, &mut benefit_fields)?;
            paying_parent.variations = variations(request.get("variations"))?;
            Some(paying_parent)
        }
        None => None,
    };
    let basis = match (default_decision, paying_parent) {
        (true, _) => Basis::DefaultMaintenanceDecision,
        (false, Some(paying_parent)) => Basis::PayingParent(paying_parent),
        (false, None) => {
            return Err(FieldError::new(
                "paying_parent",
                "the paying parent's circumstances are needed, or set default_maintenance_decision to true",
            ));
        }
    };
    Ok(ParsedRequest {
        request: CalculationRequest {
            date,
            basis,
            receiving_parents,
        },
        receiving_parent_ids,
        benefit_fields,
    })
}

fn paying_parent(
    value: &Value,
    benefit_fields: &mut Vec<(Benefit, bool, usize)>,
) -> Result<PayingParent, FieldError> {
    let fields = object(value, "paying_parent", PAYING_PARENT_FIELDS)?;
    let weekly = money(
        fields.get("gross_weekly_income_pence"),
        "paying_parent.gross_weekly_income_pence",
    )?;
    let annual = money(
        fields.get("annual_gross_income_pence"),
        "paying_parent.annual_gross_income_pence",
    )?;
    let income = match (weekly, annual) {
        (Some(_), Some(_)) => {
            return Err(FieldError::new(
                "paying_parent.annual_gross_income_pence",
                "give either gross_weekly_income_pence or annual_gross_income_pence, not both",
            ));
        }
        (Some(weekly), None) => Some(Income::Weekly(weekly)),
        (None, Some(annual)) => Some(Income::Annual(annual)),
        (None, None) => None,
    };
    let nil_rate_reason = match present(fields.get("nil_rate_reason")) {
        None => None,
        Some(Value::String(code)) => Some(NilRateReason::from_code(code).ok_or_else(|| {
            let known: Vec<&str> = NilRateReason::ALL.iter().map(|r| r.code()).collect();
            FieldError::new(
                "paying_parent.nil_rate_reason",
                format!(
                    "`{code}` is not a nil-rate reason; use one of {}",
                    known.join(", ")
                ),
            )
        })?),
        Some(_) => {
            return Err(FieldError::new(
                "paying_parent.nil_rate_reason",
                "must be a string or null",
            ));
        }
    };
    Ok(PayingParent {
        income,
        benefits: benefits(fields.get("benefits"), false, benefit_fields)?,
        partner_benefits: benefits(fields.get("partner_benefits"), true, benefit_fields)?,
        partner_is_paying_parent_with_calculation: boolean(
            fields.get("partner_is_paying_parent_with_calculation"),
            "paying_parent.partner_is_paying_parent_with_calculation",
        )?,
        nil_rate_reason,
        relevant_other_children: other_children(
            fields.get("relevant_other_children"),
            "paying_parent.relevant_other_children",
        )?,
        other_arrangement_children: other_children(
            fields.get("other_arrangement_children"),
            "paying_parent.other_arrangement_children",
        )?,
        variations: Variations::default(),
    })
}

fn variations(value: Option<&Value>) -> Result<Variations, FieldError> {
    let Some(value) = present(value) else {
        return Ok(Variations::default());
    };
    let fields = object(value, "variations", VARIATION_FIELDS)?;
    Ok(Variations {
        special_expenses_weekly: money(
            fields.get("special_expenses_weekly_pence"),
            "variations.special_expenses_weekly_pence",
        )?
        .unwrap_or_default(),
        additional_income_weekly: money(
            fields.get("additional_income_weekly_pence"),
            "variations.additional_income_weekly_pence",
        )?
        .unwrap_or_default(),
    })
}

fn receiving_parents(value: Option<&Value>) -> Result<(ReceivingParents, Vec<String>), FieldError> {
    const FIELD: &str = "receiving_parents";
    let items = match present(value) {
        Some(Value::Array(items)) => items,
        Some(_) => {
            return Err(FieldError::new(
                FIELD,
                "must be a list of receiving parents",
            ));
        }
        None => {
            return Err(FieldError::new(
                FIELD,
                "at least one receiving parent is needed",
            ));
        }
    };
    let mut ids = Vec::with_capacity(items.len());
    let mut seen = HashSet::new();
    let mut all_children = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let path = format!("{FIELD}[{index}]");
        let fields = object(item, &path, RECEIVING_PARENT_FIELDS)?;
        let id = match present(fields.get("id")) {
            Some(Value::String(id)) if !id.trim().is_empty() && id.len() <= 64 => id.clone(),
            _ => {
                return Err(FieldError::new(
                    format!("{path}.id"),
                    "must be a non-empty string of at most 64 characters",
                ));
            }
        };
        if !seen.insert(id.clone()) {
            return Err(FieldError::new(
                format!("{path}.id"),
                format!("`{id}` is used for two receiving parents"),
            ));
        }
        let children_path = format!("{path}.children");
        let children = match present(fields.get("children")) {
            Some(Value::Array(children)) => children,
            _ => {
                return Err(FieldError::new(
                    children_path,
                    "must be a list of qualifying children",
                ));
            }
        };
        let mut nights = Vec::with_capacity(children.len());
        for (child_index, child) in children.iter().enumerate() {
            let child_path = format!("{children_path}[{child_index}]");
            let child_fields = object(child, &child_path, CHILD_FIELDS)?;
            let night_path = format!("{child_path}.shared_care_nights");
            let count =
                whole_number(child_fields.get("shared_care_nights"), &night_path)?.unwrap_or(0);
            let valid = u16::try_from(count)
                .ok()
                .and_then(Nights::new)
                .ok_or_else(|| {
                    FieldError::new(
                        &night_path,
                        format!("must be between 0 and {} nights a year", Nights::MAX),
                    )
                })?;
            nights.push(valid);
        }
        ids.push(id);
        all_children.push(nights);
    }
    let receiving_parents = ReceivingParents::new(all_children).map_err(|error| {
        let field = match error {
            ReceivingParentsError::None | ReceivingParentsError::TooMany => FIELD.to_owned(),
            ReceivingParentsError::NoChildren(index)
            | ReceivingParentsError::TooManyChildren(index) => {
                format!("{FIELD}[{index}].children")
            }
        };
        FieldError::new(field, error.to_string())
    })?;
    Ok((receiving_parents, ids))
}

fn benefits(
    value: Option<&Value>,
    partner: bool,
    positions: &mut Vec<(Benefit, bool, usize)>,
) -> Result<BenefitSet, FieldError> {
    let path = if partner {
        "paying_parent.partner_benefits"
    } else {
        "paying_parent.benefits"
    };
    let items = match present(value) {
        None => return Ok(BenefitSet::EMPTY),
        Some(Value::Array(items)) => items,
        Some(_) => return Err(FieldError::new(path, "must be a list of benefit codes")),
    };
    let mut set = BenefitSet::EMPTY;
    for (index, item) in items.iter().enumerate() {
        let item_path = format!("{path}[{index}]");
        let Value::String(code) = item else {
            return Err(FieldError::new(
                item_path,
                "must be a benefit code such as \"income_support\"",
            ));
        };
        let benefit = Benefit::from_code(code).ok_or_else(|| {
            FieldError::new(
                &item_path,
                format!("`{code}` is not a benefit code this service knows"),
            )
        })?;
        positions.push((benefit, partner, index));
        set = set.with(benefit);
    }
    Ok(set)
}

/// `null` counts as absent.
fn present(value: Option<&Value>) -> Option<&Value> {
    value.filter(|v| !v.is_null())
}

fn object<'a>(
    value: &'a Value,
    path: &str,
    allowed: &[&str],
) -> Result<&'a Map<String, Value>, FieldError> {
    let Value::Object(fields) = value else {
        return Err(FieldError::new(path, "must be a JSON object"));
    };
    if let Some(unknown) = fields.keys().find(|k| !allowed.contains(&k.as_str())) {
        let field = if path.is_empty() {
            unknown.clone()
        } else {
            format!("{path}.{unknown}")
        };
        return Err(FieldError::new(
            field,
            format!("unknown field; the fields here are {}", allowed.join(", ")),
        ));
    }
    Ok(fields)
}

fn date(value: Option<&Value>, path: &str) -> Result<Date, FieldError> {
    match present(value) {
        Some(Value::String(text)) => {
            Date::parse_iso(text).map_err(|e| FieldError::new(path, e.to_string()))
        }
        Some(_) => Err(FieldError::new(
            path,
            "must be a date written YYYY-MM-DD, like \"2025-06-01\"",
        )),
        None => Err(FieldError::new(
            path,
            "the effective date is needed, written YYYY-MM-DD",
        )),
    }
}

fn boolean(value: Option<&Value>, path: &str) -> Result<bool, FieldError> {
    match present(value) {
        None => Ok(false),
        Some(Value::Bool(flag)) => Ok(*flag),
        Some(_) => Err(FieldError::new(path, "must be true or false")),
    }
}

fn whole_number(value: Option<&Value>, path: &str) -> Result<Option<u64>, FieldError> {
    match present(value) {
        None => Ok(None),
        Some(Value::Number(number)) => {
            if let Some(whole) = number.as_u64() {
                Ok(Some(whole))
            } else if number.as_i64().is_some() || number.to_string().starts_with('-') {
                Err(FieldError::new(path, "must not be negative"))
            } else {
                Err(FieldError::new(path, "must be a whole number"))
            }
        }
        Some(_) => Err(FieldError::new(path, "must be a number")),
    }
}

fn money(value: Option<&Value>, path: &str) -> Result<Option<Pence>, FieldError> {
    match whole_number(value, path) {
        Ok(Some(pence)) if pence <= Pence::INPUT_MAX.get() => Ok(Some(Pence::new(pence))),
        Ok(Some(_)) => Err(FieldError::new(
            path,
            "is more than £10,000,000,000.00; check the amount is in pence",
        )),
        Ok(None) => Ok(None),
        Err(error) if error.message == "must be a whole number" => Err(FieldError::new(
            path,
            "must be a whole number of pence (517.81 pounds is 51781)",
        )),
        Err(error) => Err(error),
    }
}

fn other_children(value: Option<&Value>, path: &str) -> Result<OtherChildren, FieldError> {
    let count = whole_number(value, path)?.unwrap_or(0);
    u16::try_from(count)
        .ok()
        .and_then(OtherChildren::new)
        .ok_or_else(|| FieldError::new(path, format!("must be between 0 and {OTHER_CHILDREN_MAX}")))
}
