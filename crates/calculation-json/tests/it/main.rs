//! The JSON contract end to end: the data-driven scenarios, the array form,
//! malformed JSON, and properties of the law over generated requests.

mod properties;
mod scenarios;
