//! JSON read strictly: the one parser for every JSON body the service
//! accepts (the calculation contract here, and every route of the web).
//!
//! `serde_json::Value` keeps the last of a repeated key, so
//! `{"date": "2025-06-01", "date": "2019-01-07"}` would silently mean the
//! second date. Here a repeated key in any object, at any depth, is refused
//! naming its path (`paying_parent.benefits`, `facts[0].change.kind`); two
//! spellings of one key (`"date"` and `"d\u0061te"`) are the same key.
//! Everything else is `serde_json`'s own grammar: numbers are kept as
//! written (whole numbers as integers, anything with a fraction or an
//! exponent as a float, which the field readers refuse where a whole number
//! is asked), and nesting is bounded by its recursion limit.

use std::cell::RefCell;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// Why a body was not read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StrictJsonError {
    /// Not JSON at all (the parser's own words): a 400.
    Malformed(String),
    /// A key given twice in one object, at this path: a refusal naming it.
    DuplicateKey(String),
}

impl StrictJsonError {
    /// The field at fault: the repeated key's path, or `""` for the body.
    #[must_use]
    pub fn field(&self) -> &str {
        match self {
            StrictJsonError::Malformed(_) => "",
            StrictJsonError::DuplicateKey(path) => path,
        }
    }
}

impl fmt::Display for StrictJsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StrictJsonError::Malformed(why) => write!(f, "the request is not valid JSON: {why}"),
            StrictJsonError::DuplicateKey(_) => {
                f.write_str("this key is given more than once; give it once")
            }
        }
    }
}

impl std::error::Error for StrictJsonError {}

/// Parses `text` as one JSON value, refusing a repeated key anywhere.
///
/// # Errors
/// Not JSON (trailing text included), or a key repeated in an object.
pub fn parse_strict(text: &str) -> Result<Value, StrictJsonError> {
    let duplicate = RefCell::new(None);
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let parsed = Strict {
        path: String::new(),
        duplicate: &duplicate,
    }
    .deserialize(&mut deserializer)
    .and_then(|value| deserializer.end().map(|()| value));
    match (parsed, duplicate.into_inner()) {
        (_, Some(path)) => Err(StrictJsonError::DuplicateKey(path)),
        (Ok(value), None) => Ok(value),
        (Err(error), None) => Err(StrictJsonError::Malformed(error.to_string())),
    }
}

/// The value at `path`; a repeated key is written to `duplicate`.
struct Strict<'a> {
    path: String,
    duplicate: &'a RefCell<Option<String>>,
}

impl Strict<'_> {
    fn child(&self, path: String) -> Strict<'_> {
        Strict {
            path,
            duplicate: self.duplicate,
        }
    }
}

impl<'de> DeserializeSeed<'de> for Strict<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Strict<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, value: bool) -> Result<Value, E> {
        Ok(Value::Bool(value))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Value, E> {
        Ok(Value::Number(value.into()))
    }

    fn visit_u64<E>(self, value: u64) -> Result<Value, E> {
        Ok(Value::Number(value.into()))
    }

    fn visit_f64<E>(self, value: f64) -> Result<Value, E> {
        // JSON has no NaN or infinity, so this is always a number.
        Ok(Number::from_f64(value).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, value: &str) -> Result<Value, E> {
        Ok(Value::String(value.to_owned()))
    }

    fn visit_string<E>(self, value: String) -> Result<Value, E> {
        Ok(Value::String(value))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> Result<Value, A::Error> {
        let mut list = Vec::new();
        while let Some(item) =
            items.next_element_seed(self.child(format!("{}[{}]", self.path, list.len())))?
        {
            list.push(item);
        }
        Ok(Value::Array(list))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut entries: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(key) = entries.next_key::<String>()? {
            let path = if self.path.is_empty() {
                key.clone()
            } else {
                format!("{}.{key}", self.path)
            };
            if object.contains_key(&key) {
                *self.duplicate.borrow_mut() = Some(path);
                return Err(serde::de::Error::custom("a repeated key"));
            }
            let value = entries.next_value_seed(self.child(path))?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_read_as_serde_json_reads_them() {
        for text in [
            r#"{"a": [1, -2, 3.5, true, null, "x\u00e9"], "b": {"c": {}}}"#,
            "[]",
            "0",
            "\"text\"",
            "18446744073709551615",
            "18446744073709551616",
            "-9223372036854775808",
            "1e3",
        ] {
            assert_eq!(
                parse_strict(text).unwrap(),
                serde_json::from_str::<Value>(text).unwrap(),
                "{text}"
            );
        }
    }

    #[test]
    fn a_repeated_key_is_named_by_its_path() {
        let cases = [
            (r#"{"a": 1, "a": 2}"#, "a"),
            (r#"{"a": {"b": 1, "c": 2, "b": 3}}"#, "a.b"),
            (r#"{"a": [{"b": 1}, {"b": 1, "b": 1}]}"#, "a[1].b"),
            (r#"[{}, {"k": 1, "\u006b": 2}]"#, "[1].k"),
        ];
        for (text, path) in cases {
            assert_eq!(
                parse_strict(text),
                Err(StrictJsonError::DuplicateKey(path.to_owned())),
                "{text}"
            );
        }
        // The same key in two objects is not a repeat.
        assert!(parse_strict(r#"[{"a": 1}, {"a": 1}]"#).is_ok());
    }

    #[test]
    fn not_json_is_malformed() {
        for text in [
            "",
            "{",
            "{} {}",
            "[1,]",
            r#"{"a": 1,}"#,
            "nul",
            "\"\\ud800\"",
        ] {
            assert!(
                matches!(parse_strict(text), Err(StrictJsonError::Malformed(_))),
                "{text}"
            );
        }
        // Deep nesting is refused, not a stack overflow.
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(matches!(
            parse_strict(&deep),
            Err(StrictJsonError::Malformed(_))
        ));
    }
}
