//! The parameter files: that they load, resolve by date as the law changed,
//! refuse dates before the scheme, and that a broken file is refused.

use domain_types::{Date, Pence};
use legal_parameters::{Benefit, EMBEDDED_FILES, ParameterError, Parameters};

fn date(text: &str) -> Date {
    Date::parse_iso(text).unwrap()
}

#[test]
fn every_file_in_the_parameters_folder_is_compiled_in() {
    let folder = concat!(env!("CARGO_MANIFEST_DIR"), "/parameters");
    let mut on_disk: Vec<String> = std::fs::read_dir(folder)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter_map(|name| name.strip_suffix(".toml").map(str::to_owned))
        .collect();
    on_disk.sort();
    let mut embedded: Vec<String> = EMBEDDED_FILES
        .iter()
        .map(|(name, _)| (*name).to_owned())
        .collect();
    embedded.sort();
    assert_eq!(on_disk, embedded);
}

#[test]
fn a_date_before_the_scheme_is_refused_not_rounded_to_the_nearest_set() {
    let parameters = Parameters::embedded();
    let error = parameters.at(date("2012-12-09")).unwrap_err();
    assert_eq!(
        error,
        ParameterError::NotCoded {
            date: date("2012-12-09"),
            scheme_start: date("2012-12-10")
        }
    );
    assert!(error.to_string().contains("before the 2012 scheme"));
}

#[test]
fn the_flat_rate_is_five_pounds_in_the_pathfinder_and_seven_from_25_november_2013() {
    let parameters = Parameters::embedded();
    assert_eq!(
        parameters.at(date("2012-12-10")).unwrap().flat_rate,
        Pence::new(500)
    );
    assert_eq!(
        parameters.at(date("2013-11-24")).unwrap().flat_rate,
        Pence::new(500)
    );
    assert_eq!(
        parameters.at(date("2013-11-25")).unwrap().flat_rate,
        Pence::new(700)
    );
    assert_eq!(
        parameters.at(date("2025-06-01")).unwrap().flat_rate,
        Pence::new(700)
    );
}

#[test]
fn the_reduced_rate_table_changes_on_25_november_2013() {
    let parameters = Parameters::embedded();
    let before = &parameters.at(date("2013-11-24")).unwrap().reduced_rate;
    let after = &parameters.at(date("2013-11-25")).unwrap().reduced_rate;
    assert_eq!(before[0][0].get(), 190_000);
    assert_eq!(after[0][0].get(), 170_000);
    assert_eq!(after[2][3].get(), 238_000);
    assert_eq!(after[1][1].get(), 212_000);
}

#[test]
fn universal_credit_is_a_flat_rate_benefit_only_from_29_april_2013() {
    let parameters = Parameters::embedded();
    let uc = Benefit::UniversalCreditNoEarnedIncome;
    assert!(
        !parameters
            .at(date("2013-04-28"))
            .unwrap()
            .flat_rate_own_or_partner_benefits
            .contains(uc)
    );
    assert!(
        parameters
            .at(date("2013-04-29"))
            .unwrap()
            .flat_rate_own_or_partner_benefits
            .contains(uc)
    );
}

#[test]
fn fees_apply_only_while_the_fees_regulations_say_so() {
    let parameters = Parameters::embedded();
    let before = parameters.at(date("2014-08-10")).unwrap();
    assert_eq!(before.collection_fees, None);
    assert_eq!(before.application_fee, Some(Pence::new(2000)));
    let fees = parameters
        .at(date("2014-08-11"))
        .unwrap()
        .collection_fees
        .unwrap();
    assert_eq!(
        (fees.paying_parent.get(), fees.receiving_parent.get()),
        (200_000, 40_000)
    );
    assert_eq!(
        parameters.at(date("2014-06-29")).unwrap().application_fee,
        None
    );
    assert_eq!(
        parameters.at(date("2024-02-26")).unwrap().application_fee,
        Some(Pence::ZERO)
    );
    let charges = parameters
        .at(date("2025-01-01"))
        .unwrap()
        .enforcement_charges
        .unwrap();
    assert_eq!(charges.liability_order, Pence::new(30_000));
}

#[test]
fn every_value_names_its_source() {
    for series in Parameters::embedded().series() {
        assert!(!series.reference.is_empty(), "{}", series.name);
        for value in &series.values {
            assert!(value.source.len() > 10, "{} {}", series.name, value.from);
        }
    }
}

#[test]
fn the_version_changes_when_any_figure_changes() {
    let original = Parameters::from_files(EMBEDDED_FILES).unwrap();
    let changed_files: Vec<(&str, String)> = EMBEDDED_FILES
        .iter()
        .map(|(name, text)| {
            let text = if *name == "income-cap" {
                text.replace("pence = 300000", "pence = 300001")
            } else {
                (*text).to_owned()
            };
            (*name, text)
        })
        .collect();
    let borrowed: Vec<(&str, &str)> = changed_files
        .iter()
        .map(|(n, t)| (*n, t.as_str()))
        .collect();
    let changed = Parameters::from_files(&borrowed).unwrap();
    assert_ne!(original.version(), changed.version());
    assert_eq!(
        changed.at(date("2020-01-01")).unwrap().income_cap,
        Pence::new(300_001)
    );
}

fn load_with(name: &str, text: &str) -> Result<Parameters, ParameterError> {
    let files: Vec<(&str, &str)> = EMBEDDED_FILES
        .iter()
        .map(|(n, t)| if *n == name { (*n, text) } else { (*n, *t) })
        .collect();
    Parameters::from_files(&files)
}

fn refusal(name: &str, text: &str) -> String {
    match load_with(name, text) {
        Err(ParameterError::Invalid { file, message }) => {
            assert_eq!(file, name);
            message
        }
        other => panic!("expected {name} to be refused, got {other:?}"),
    }
}

const HEADER: &str =
    "description = \"Flat rate\"\nunit = \"pence_per_week\"\nreference = \"Sch 1 para 4(1)\"\n";

#[test]
fn broken_files_are_refused_with_the_reason() {
    let value = |from: &str, pence: &str| {
        format!(
            "[[values]]\nfrom = {from}\npence = {pence}\nconfidence = \"verified\"\nsource = \"SI 2013/1654 reg 2\"\n"
        )
    };
    let decreasing = format!(
        "{HEADER}{}{}",
        value("2013-11-25", "700"),
        value("2012-12-10", "500")
    );
    assert!(refusal("flat-rate", &decreasing).contains("dates must increase"));

    let negative = format!("{HEADER}{}", value("2012-12-10", "-5"));
    assert!(refusal("flat-rate", &negative).contains("not a whole number of pence"));

    let unknown_field = format!("{HEADER}{}typo = 1\n", value("2012-12-10", "500"));
    assert!(refusal("flat-rate", &unknown_field).contains("typo"));

    let no_source =
        format!("{HEADER}[[values]]\nfrom = 2012-12-10\npence = 500\nconfidence = \"verified\"\n");
    assert!(refusal("flat-rate", &no_source).contains("source"));

    let wrong_payload = format!(
        "{HEADER}[[values]]\nfrom = 2012-12-10\nppm = 5\nconfidence = \"verified\"\nsource = \"SI 2013/1654 reg 2\"\n"
    );
    assert!(refusal("flat-rate", &wrong_payload).contains("exactly one `pence`"));

    let with_time = format!("{HEADER}{}", value("2012-12-10T00:00:00", "500"));
    assert!(refusal("flat-rate", &with_time).contains("`from` must be a date"));
}

#[test]
fn a_rate_above_one_hundred_percent_is_refused() {
    let text = "description = \"x\"\nunit = \"ppm_by_qualifying_children\"\nreference = \"Sch 1 para 2(1)\"\n\
                [[values]]\nfrom = 2012-12-10\nppm = [120000, 160000, 1900000]\nconfidence = \"verified\"\nsource = \"A91 Sch 1 para 2(1)\"\n";
    assert!(refusal("basic-rate", text).contains("parts per million"));
}

#[test]
fn a_missing_required_parameter_is_named() {
    let files: Vec<(&str, &str)> = EMBEDDED_FILES
        .iter()
        .copied()
        .filter(|(n, _)| *n != "income-cap")
        .collect();
    assert_eq!(
        Parameters::from_files(&files).unwrap_err(),
        ParameterError::Missing { file: "income-cap" }
    );
}
