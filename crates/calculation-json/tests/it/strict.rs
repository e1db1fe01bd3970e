//! The contract's JSON is read strictly: a repeated key is refused naming
//! it (never the last value silently kept), as are unknown fields, numbers
//! written as strings, fractions and exponents where a whole number is
//! asked; text that is not JSON at all is malformed.

use calculation_json::{Outcome, answer_text};
use legal_parameters::Parameters;

fn refused(body: &str) -> (String, Outcome) {
    let (answer, outcome) = answer_text(body, Parameters::embedded());
    (
        answer["error"]["field"].as_str().unwrap_or("").to_owned(),
        outcome,
    )
}

const GOOD: &str = r#"{"date": "2025-06-01", "paying_parent": {"gross_weekly_income_pence": 51781}, "receiving_parents": [{"id": "A", "children": [{}]}]}"#;

#[test]
fn a_good_request_is_still_calculated() {
    let (_, outcome) = answer_text(GOOD, Parameters::embedded());
    assert_eq!(outcome, Outcome::Calculated);
}

#[test]
fn a_repeated_key_is_refused_naming_it() {
    for (body, field) in [
        (
            r#"{"date": "2025-06-01", "date": "2019-01-07", "paying_parent": {"gross_weekly_income_pence": 51781}, "receiving_parents": [{"id": "A", "children": [{}]}]}"#,
            "date",
        ),
        (
            r#"{"date": "2025-06-01", "paying_parent": {"gross_weekly_income_pence": 51781, "gross_weekly_income_pence": 1}, "receiving_parents": [{"id": "A", "children": [{}]}]}"#,
            "paying_parent.gross_weekly_income_pence",
        ),
        (
            r#"{"date": "2025-06-01", "paying_parent": {"gross_weekly_income_pence": 51781}, "receiving_parents": [{"id": "A", "children": [{"shared_care_nights": 1, "shared_care_nights": 200}]}]}"#,
            "receiving_parents[0].children[0].shared_care_nights",
        ),
        // The same key written with an escape is the same key.
        (
            r#"{"date": "2025-06-01", "d\u0061te": "2025-06-02", "paying_parent": {}, "receiving_parents": []}"#,
            "date",
        ),
    ] {
        assert_eq!(
            refused(body),
            (field.to_owned(), Outcome::Refused),
            "{body}"
        );
    }
    // In an array, too.
    let body = format!(r#"[{GOOD}, {{"date": "2025-06-01", "date": "2025-06-01"}}]"#);
    assert_eq!(refused(&body), ("[1].date".to_owned(), Outcome::Refused));
}

#[test]
fn unknown_fields_strings_fractions_and_exponents_are_refused_naming_the_field() {
    for (body, field) in [
        (
            r#"{"date": "2025-06-01", "paying_parent": {"gross_weekly_income_pence": 51781}, "receiving_parents": [{"id": "A", "children": [{}]}], "extra": 1}"#,
            "extra",
        ),
        (
            r#"{"date": "2025-06-01", "paying_parent": {"gross_weekly_income_pence": "51781"}, "receiving_parents": [{"id": "A", "children": [{}]}]}"#,
            "paying_parent.gross_weekly_income_pence",
        ),
        (
            r#"{"date": "2025-06-01", "paying_parent": {"gross_weekly_income_pence": 51781.0}, "receiving_parents": [{"id": "A", "children": [{}]}]}"#,
            "paying_parent.gross_weekly_income_pence",
        ),
        (
            r#"{"date": "2025-06-01", "paying_parent": {"gross_weekly_income_pence": 5e4}, "receiving_parents": [{"id": "A", "children": [{}]}]}"#,
            "paying_parent.gross_weekly_income_pence",
        ),
        (
            r#"{"date": "2025-06-01", "paying_parent": {"gross_weekly_income_pence": 51781}, "receiving_parents": [{"id": "A", "children": [{"shared_care_nights": 18446744073709551616}]}]}"#,
            "receiving_parents[0].children[0].shared_care_nights",
        ),
    ] {
        assert_eq!(
            refused(body),
            (field.to_owned(), Outcome::Refused),
            "{body}"
        );
    }
}

#[test]
fn text_that_is_not_json_is_malformed() {
    for body in ["{", "{\"date\": }", "{} {}", "", "[1,]", "\"\\ud800\""] {
        assert_eq!(refused(body).1, Outcome::MalformedJson, "{body}");
    }
}
