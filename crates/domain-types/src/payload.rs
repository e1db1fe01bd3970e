//! Stored `key=value;…` payloads, readable in a database console: one
//! escaping rule for free text inside them, so every codec reads back
//! exactly what it wrote.

use std::collections::BTreeMap;

/// Free text for a payload value: `%`, `;` and `=` escaped.
#[must_use]
pub fn escape(text: &str) -> String {
    text.replace('%', "%25")
        .replace(';', "%3B")
        .replace('=', "%3D")
}

/// The inverse of [`escape`].
#[must_use]
pub fn unescape(text: &str) -> String {
    text.replace("%3D", "=")
        .replace("%3B", ";")
        .replace("%25", "%")
}

/// A payload's fields by key (a part without `=` is ignored).
#[must_use]
pub fn fields(payload: &str) -> BTreeMap<&str, &str> {
    payload
        .split(';')
        .filter_map(|part| part.split_once('='))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn any_text_survives_a_payload(text in ".*", other in ".*") {
            let payload = format!("a={};b={}", escape(&text), escape(&other));
            let read = fields(&payload);
            prop_assert_eq!(unescape(read["a"]), text);
            prop_assert_eq!(unescape(read["b"]), other);
        }
    }
}
