//! Sourced figures: every number the model uses that is not the law's
//! comes from a data file with its value, how sure we are of it and where
//! it comes from, in the shape of the law's own parameter files.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;

/// How sure we are of a figure: the law's tags (rules.md §0), and `model`
/// for a figure the model chose or adapted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    /// Read in the cited source.
    Verified,
    /// Stated by official or reputable guidance.
    Secondary,
    /// From the cited source, not re-read: check before relying on it.
    Check,
    /// Our interpretation where a text leaves a choice.
    Interpretation,
    /// Assumed where no source was found.
    Assumption,
    /// A modelling choice or an adapted figure: the analyst's to vary.
    Model,
}

impl Confidence {
    /// The tag as written in the files.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Confidence::Verified => "verified",
            Confidence::Secondary => "secondary",
            Confidence::Check => "check",
            Confidence::Interpretation => "interpretation",
            Confidence::Assumption => "assumption",
            Confidence::Model => "model",
        }
    }
}

/// A figure's value: a whole number, a yes or no, a list or a table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FigureValue {
    /// A whole number (pence, parts per million, a count).
    Integer(i64),
    /// Yes or no.
    Boolean(bool),
    /// A list of whole numbers.
    List(Vec<i64>),
    /// Rows of whole numbers.
    Table(Vec<Vec<i64>>),
}

impl fmt::Display for FigureValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FigureValue::Integer(value) => write!(f, "{value}"),
            FigureValue::Boolean(value) => write!(f, "{value}"),
            FigureValue::List(values) => write!(f, "{values:?}"),
            FigureValue::Table(rows) => write!(f, "{rows:?}"),
        }
    }
}

/// One sourced figure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Figure {
    /// Its name in the file.
    pub name: String,
    /// Its value.
    pub value: FigureValue,
    /// How sure we are of it.
    pub confidence: Confidence,
    /// Where it comes from, or why it was chosen.
    pub source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFigure {
    value: toml::Value,
    confidence: Confidence,
    source: String,
}

/// The figures of one file, by name, each checked to have a value of a
/// known shape and a non-empty source.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Figures {
    figures: BTreeMap<String, Figure>,
}

fn integer(value: &toml::Value, name: &str) -> Result<i64, String> {
    value
        .as_integer()
        .ok_or_else(|| format!("figure `{name}`: expected whole numbers"))
}

impl Figures {
    /// Reads a `[figures.NAME]` table.
    ///
    /// # Errors
    /// A figure with an unknown key, no source, or a value that is not a
    /// whole number, a boolean, a list or a table of whole numbers.
    pub fn from_toml(table: &toml::Table) -> Result<Figures, String> {
        let mut figures = BTreeMap::new();
        for (name, raw) in table {
            let raw: RawFigure = raw
                .clone()
                .try_into()
                .map_err(|e| format!("figure `{name}`: {e}"))?;
            if raw.source.trim().is_empty() {
                return Err(format!("figure `{name}` has no source"));
            }
            let value = match &raw.value {
                toml::Value::Integer(value) => FigureValue::Integer(*value),
                toml::Value::Boolean(value) => FigureValue::Boolean(*value),
                toml::Value::Array(items) if items.iter().all(toml::Value::is_array) => {
                    FigureValue::Table(
                        items
                            .iter()
                            .map(|row| {
                                row.as_array()
                                    .expect("checked")
                                    .iter()
                                    .map(|v| integer(v, name))
                                    .collect::<Result<Vec<_>, _>>()
                            })
                            .collect::<Result<Vec<_>, _>>()?,
                    )
                }
                toml::Value::Array(items) => FigureValue::List(
                    items
                        .iter()
                        .map(|v| integer(v, name))
                        .collect::<Result<Vec<_>, _>>()?,
                ),
                _ => return Err(format!("figure `{name}`: unsupported value")),
            };
            figures.insert(
                name.clone(),
                Figure {
                    name: name.clone(),
                    value,
                    confidence: raw.confidence,
                    source: raw.source,
                },
            );
        }
        Ok(Figures { figures })
    }

    /// Every figure, by name.
    pub fn iter(&self) -> impl Iterator<Item = &Figure> {
        self.figures.values()
    }

    /// The names no reader asked for, so a misspelt figure is refused
    /// rather than silently ignored.
    pub(crate) fn unused<'a>(&'a self, known: &'a [&str]) -> impl Iterator<Item = &'a str> {
        self.figures
            .keys()
            .map(String::as_str)
            .filter(move |name| !known.contains(name))
    }

    fn get(&self, name: &str) -> Result<&FigureValue, String> {
        self.figures
            .get(name)
            .map(|f| &f.value)
            .ok_or_else(|| format!("figure `{name}` is missing"))
    }

    /// A whole number in `min..=max`.
    ///
    /// # Errors
    /// Missing, not a whole number, or out of range.
    pub fn integer(&self, name: &str, min: i64, max: i64) -> Result<i64, String> {
        match self.get(name)? {
            FigureValue::Integer(value) if (min..=max).contains(value) => Ok(*value),
            FigureValue::Integer(value) => {
                Err(format!("figure `{name}` is {value}, outside {min}..={max}"))
            }
            _ => Err(format!("figure `{name}` must be a whole number")),
        }
    }

    /// A whole number that fits `u64` and is at most `max`.
    ///
    /// # Errors
    /// As [`Figures::integer`].
    pub fn unsigned(&self, name: &str, max: u64) -> Result<u64, String> {
        let value = self.integer(name, 0, i64::try_from(max).unwrap_or(i64::MAX))?;
        Ok(u64::try_from(value).expect("checked non-negative"))
    }

    /// A yes or no.
    ///
    /// # Errors
    /// Missing or not a boolean.
    pub fn boolean(&self, name: &str) -> Result<bool, String> {
        match self.get(name)? {
            FigureValue::Boolean(value) => Ok(*value),
            _ => Err(format!("figure `{name}` must be true or false")),
        }
    }

    /// A list of `len` whole numbers, each in `min..=max`.
    ///
    /// # Errors
    /// Missing, the wrong length, or a value out of range.
    pub fn list(&self, name: &str, len: usize, min: i64, max: i64) -> Result<Vec<i64>, String> {
        match self.get(name)? {
            FigureValue::List(values) if values.len() == len => {
                if let Some(bad) = values.iter().find(|v| !(min..=max).contains(*v)) {
                    return Err(format!("figure `{name}` has {bad}, outside {min}..={max}"));
                }
                Ok(values.clone())
            }
            _ => Err(format!(
                "figure `{name}` must be a list of {len} whole numbers"
            )),
        }
    }

    /// A table of `rows` rows (any number if `None`) of `columns` whole
    /// numbers each in `min..=max`.
    ///
    /// # Errors
    /// Missing, the wrong shape, or a value out of range.
    pub fn table(
        &self,
        name: &str,
        rows: Option<usize>,
        columns: usize,
        min: i64,
        max: i64,
    ) -> Result<Vec<Vec<i64>>, String> {
        match self.get(name)? {
            FigureValue::Table(table)
                if rows.is_none_or(|r| table.len() == r)
                    && !table.is_empty()
                    && table.iter().all(|row| row.len() == columns) =>
            {
                if let Some(bad) = table.iter().flatten().find(|v| !(min..=max).contains(*v)) {
                    return Err(format!("figure `{name}` has {bad}, outside {min}..={max}"));
                }
                Ok(table.clone())
            }
            _ => Err(format!(
                "figure `{name}` must be a table of rows of {columns} whole numbers"
            )),
        }
    }
}

/// FNV-1a over a file's text, as 16 hex digits: a stable name for exactly
/// the figures an answer used (the law's parameter versions use the same).
#[must_use]
pub fn fingerprint(text: &str) -> String {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut hash = OFFSET;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(PRIME);
    }
    format!("{hash:016x}")
}

/// Checks a file has nothing but the figures asked for.
///
/// # Errors
/// Names every unknown figure.
pub(crate) fn refuse_unknown(figures: &Figures, known: &[&str], file: &str) -> Result<(), String> {
    let unknown: Vec<&str> = figures.unused(known).collect();
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{file}: unknown figure(s) {}; known: {}",
            unknown.join(", "),
            known.join(", ")
        ))
    }
}
