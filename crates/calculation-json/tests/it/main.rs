//! The JSON contract end to end: the data-driven scenarios, the array form,
//! and malformed JSON.

mod scenarios;
mod strict;
