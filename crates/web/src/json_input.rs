//! Reading a request's JSON strictly, the one way every route does it.
//!
//! The body is parsed once, by [`parse_json`] (`calculation_json::parse_strict`:
//! a repeated key anywhere is refused, naming it; text that is not JSON is
//! 400). Each route then reads its object through [`Fields`], which refuses
//! a key the route does not take, a value of the wrong type (a number given
//! as a string, a fraction or an exponent where a whole number is asked, a
//! number out of range) and free text that is not checked human text, each
//! with 422 naming the field by its path (`facts[0].change.weekly_pence`).

// A refused request is answered with its `Response` straight away.
#![allow(clippy::result_large_err)]

use axum::http::StatusCode;
use axum::response::Response;
use calculation_json::StrictJsonError;
use domain_types::{Date, HumanText};
use serde_json::{Map, Value};

use crate::cases::error;

/// Parses a request body: 400 when it is not JSON, 422 naming a key given
/// twice.
pub(crate) fn parse_json(body: &str) -> Result<Value, Response> {
    calculation_json::parse_strict(body).map_err(|refused| match &refused {
        StrictJsonError::Malformed(_) => error(StatusCode::BAD_REQUEST, "", refused.to_string()),
        StrictJsonError::DuplicateKey(path) => {
            error(StatusCode::UNPROCESSABLE_ENTITY, path, refused.to_string())
        }
    })
}

/// 422 naming `field`.
pub(crate) fn refuse(field: &str, message: impl Into<String>) -> Response {
    error(StatusCode::UNPROCESSABLE_ENTITY, field, message)
}

/// The path of `key` inside the object at `path`.
fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// A JSON object a route reads, at its path in the body, holding only keys
/// the route takes.
#[derive(Clone, Copy)]
pub(crate) struct Fields<'a> {
    object: &'a Map<String, Value>,
    path: &'a str,
}

impl<'a> Fields<'a> {
    /// The object `value` at `path`, refused unless it is an object holding
    /// only `allowed` keys.
    pub(crate) fn of(
        value: &'a Value,
        path: &'a str,
        allowed: &[&str],
    ) -> Result<Fields<'a>, Response> {
        let object = value.as_object().ok_or_else(|| {
            refuse(
                path,
                if path.is_empty() {
                    "the request must be a JSON object"
                } else {
                    "must be a JSON object"
                },
            )
        })?;
        let fields = Fields { object, path };
        fields.only(allowed)?;
        Ok(fields)
    }

    /// Refuses any key but `allowed` (a route whose shape depends on one
    /// field, such as `action`, checks again once it knows it).
    pub(crate) fn only(&self, allowed: &[&str]) -> Result<(), Response> {
        match self.object.keys().find(|k| !allowed.contains(&k.as_str())) {
            Some(unknown) => Err(refuse(
                &self.field(unknown),
                if allowed.is_empty() {
                    "unknown field; this takes no fields".to_owned()
                } else {
                    format!("unknown field; the fields here are {}", allowed.join(", "))
                },
            )),
            None => Ok(()),
        }
    }

    /// The path of `key`, as an error names it.
    pub(crate) fn field(&self, key: &str) -> String {
        join(self.path, key)
    }

    /// The value of `key`; `null` counts as absent.
    pub(crate) fn get(&self, key: &str) -> Option<&'a Value> {
        self.object.get(key).filter(|v| !v.is_null())
    }

    fn needed(&self, key: &str, what: &str) -> Result<&'a Value, Response> {
        self.get(key)
            .ok_or_else(|| refuse(&self.field(key), format!("is needed: {what}")))
    }

    /// Text (a code, an id), or absent.
    pub(crate) fn optional_str(&self, key: &str) -> Result<Option<&'a str>, Response> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(text)) => Ok(Some(text)),
            Some(_) => Err(refuse(&self.field(key), "must be text, in quotes")),
        }
    }

    /// Text (a code, an id) that must be given.
    pub(crate) fn str(&self, key: &str) -> Result<&'a str, Response> {
        self.optional_str(key)?
            .ok_or_else(|| refuse(&self.field(key), "is needed, as text"))
    }

    /// One of the codes `parse` knows, named by `expected` when it is not.
    pub(crate) fn code<T>(
        &self,
        key: &str,
        parse: impl Fn(&str) -> Option<T>,
        expected: &str,
    ) -> Result<T, Response> {
        parse(self.str(key)?).ok_or_else(|| refuse(&self.field(key), format!("is {expected}")))
    }

    /// A whole number from 0 to `max`, or absent: never a string, a
    /// fraction (`1.0`) or an exponent (`1e3`).
    pub(crate) fn optional_whole(&self, key: &str, max: u64) -> Result<Option<u64>, Response> {
        let Some(value) = self.get(key) else {
            return Ok(None);
        };
        whole(value, &self.field(key), max).map(Some)
    }

    /// A whole number from 0 to `max` that must be given.
    pub(crate) fn whole(&self, key: &str, max: u64) -> Result<u64, Response> {
        whole(self.needed(key, "a whole number")?, &self.field(key), max)
    }

    /// `true` or `false`, or absent.
    pub(crate) fn optional_flag(&self, key: &str) -> Result<Option<bool>, Response> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Bool(flag)) => Ok(Some(*flag)),
            Some(_) => Err(refuse(&self.field(key), "must be true or false")),
        }
    }

    /// `true` or `false`; absent is `false`.
    pub(crate) fn flag(&self, key: &str) -> Result<bool, Response> {
        Ok(self.optional_flag(key)?.unwrap_or(false))
    }

    /// A date written `YYYY-MM-DD` that must be given.
    pub(crate) fn date(&self, key: &str) -> Result<Date, Response> {
        let field = self.field(key);
        match self.get(key) {
            Some(Value::String(text)) => {
                Date::parse_iso(text).map_err(|e| refuse(&field, e.to_string()))
            }
            _ => Err(refuse(&field, "a date written YYYY-MM-DD is needed")),
        }
    }

    /// One line of human text (`domain_types::HumanText`: NFC, trimmed, no
    /// controls or direction overrides, at most `max_chars` characters),
    /// or absent.
    pub(crate) fn optional_text(
        &self,
        key: &str,
        max_chars: usize,
    ) -> Result<Option<HumanText>, Response> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(text)) => human_text(text, &self.field(key), max_chars).map(Some),
            Some(_) => Err(refuse(
                &self.field(key),
                format!("must be text of 1 to {max_chars} characters"),
            )),
        }
    }

    /// Human text that may run over several lines (`HumanText::parse_lines`:
    /// line breaks kept as LF, every other control refused), or absent.
    pub(crate) fn optional_text_lines(
        &self,
        key: &str,
        max_chars: usize,
    ) -> Result<Option<HumanText>, Response> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(text)) => HumanText::parse_lines(text, max_chars)
                .map(Some)
                .map_err(|e| refuse(&self.field(key), e.to_string())),
            Some(_) => Err(refuse(
                &self.field(key),
                format!("must be text of 1 to {max_chars} characters"),
            )),
        }
    }

    /// One line of human text that must be given.
    pub(crate) fn text(&self, key: &str, max_chars: usize) -> Result<HumanText, Response> {
        self.optional_text(key, max_chars)?.ok_or_else(|| {
            refuse(
                &self.field(key),
                format!("is needed: text of 1 to {max_chars} characters"),
            )
        })
    }

    /// A list, or absent.
    pub(crate) fn optional_list(&self, key: &str) -> Result<Option<&'a [Value]>, Response> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Array(items)) => Ok(Some(items)),
            Some(_) => Err(refuse(&self.field(key), "must be a list")),
        }
    }

    /// A list that must be given.
    pub(crate) fn list(&self, key: &str) -> Result<&'a [Value], Response> {
        self.optional_list(key)?
            .ok_or_else(|| refuse(&self.field(key), "a list is needed"))
    }
}

/// A whole number from 0 to `max` at `field`.
pub(crate) fn whole(value: &Value, field: &str, max: u64) -> Result<u64, Response> {
    match value {
        Value::Number(number) => match number.as_u64() {
            Some(n) if n <= max => Ok(n),
            Some(_) => Err(refuse(field, format!("must be at most {max}"))),
            None if number.is_i64() => Err(refuse(field, "must not be negative")),
            None => Err(refuse(
                field,
                "must be a whole number, written without a decimal point or an exponent",
            )),
        },
        Value::String(_) => Err(refuse(
            field,
            "must be a whole number, not text: write 40000, not \"40000\"",
        )),
        _ => Err(refuse(field, "must be a whole number")),
    }
}

/// Checked human text at `field` (see [`Fields::optional_text`]).
pub(crate) fn human_text(text: &str, field: &str, max_chars: usize) -> Result<HumanText, Response> {
    HumanText::parse(text, max_chars).map_err(|e| refuse(field, e.to_string()))
}

/// The longest break-glass reason, in characters.
pub(crate) const BREAK_GLASS_REASON_MAX_CHARS: usize = 500;

/// A reason for breaking the glass (the API's `X-Break-Glass-Reason`, the
/// case page's `reason`), as checked human text; `None` when none is given
/// (absent or blank). Refused naming `field` when it is not human text: a
/// reason that cannot be read is never taken as no reason, nor stored.
pub(crate) fn break_glass_reason(
    given: Option<&[u8]>,
    field: &str,
) -> Result<Option<String>, Response> {
    let Some(bytes) = given else {
        return Ok(None);
    };
    let text = std::str::from_utf8(bytes).map_err(|_| refuse(field, "must be text in UTF-8"))?;
    if text.trim().is_empty() {
        return Ok(None);
    }
    human_text(text, field, BREAK_GLASS_REASON_MAX_CHARS).map(|reason| Some(reason.into_string()))
}
