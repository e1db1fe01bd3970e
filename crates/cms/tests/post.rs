//! The day's post, as an operator runs it: a case moved to Collect and Pay
//! through the API, the receiving parent having said letters must not go
//! to the address held; `cms letters post` then writes the paying parent's
//! notice and holds the receiving parent's, naming why in the manifest.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;

mod common;

use common::{cms, http_with};

fn today() -> domain_types::Date {
    let days = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        / 86_400;
    domain_types::Date::from_ymd(1970, 1, 1)
        .unwrap()
        .add_days(i32::try_from(days).unwrap())
        .unwrap()
}

/// The text a PDF draws, joined, so a wrapped line is still found.
fn pdf_text(pdf: &[u8]) -> String {
    let text = String::from_utf8_lossy(pdf);
    text.split('(')
        .skip(1)
        .filter_map(|part| part.split(") Tj").next())
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn a_letter_is_posted_only_where_its_recipient_said_it_is_safe() {
    let folder = std::env::temp_dir().join(format!("cms-post-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&folder);
    let (mut server, address) = common::spawn_server(&folder);
    let token = |person: &str, role: &str| {
        let (ok, token) = cms(
            &folder,
            &["token", "issue", "--person", person, "--role", role],
        );
        assert!(ok, "{token}");
        token.lines().next().unwrap().trim().to_owned()
    };
    let staff = token("17", "caseworker");
    let receiver = token("2", "receiving_parent");
    let today = today();
    let (status, opened) = http_with(
        &address,
        "POST",
        "/api/v1/cases",
        &format!("{staff}\r\nIdempotency-Key: open-case"),
        &format!(r#"{{"initial_effective_date": "{today}"}}"#),
    );
    assert_eq!(status, 201, "{opened}");
    let reference = serde_json::from_str::<Value>(&opened).unwrap()["reference"]
        .as_str()
        .unwrap()
        .to_owned();
    let parties = r#"{"paying_parent": {"person_id": 1, "name": "Pat Payer", "address": "PAYER-ADDRESS", "postcode": "PP1 1PP"},
                      "receiving_parents": [{"id": 1, "person_id": 2, "name": "Rae Receiver", "address": "SAFE-ADDRESS", "postcode": "SS1 1SS"}]}"#;
    let (status, body) = http_with(
        &address,
        "PUT",
        &format!("/api/v1/cases/{reference}/parties"),
        &staff,
        parties,
    );
    assert_eq!(status, 200, "{body}");
    // The receiving parent's screen: abuse disclosed, not in danger; email
    // only, and no letters to the address held.
    let screen = r#"{"answers": [
        {"question": "legal_warning"},
        {"question": "experienced_abuse", "answer": "yes"},
        {"question": "immediate_danger", "answer": false},
        {"question": "safe_contact", "channels": ["email"], "no_letters_to_address": true}]}"#;
    let (status, body) = http_with(
        &address,
        "POST",
        &format!("/api/v1/cases/{reference}/screenings"),
        &format!("{receiver}\r\nIdempotency-Key: screen"),
        screen,
    );
    assert_eq!(status, 201, "{body}");
    let facts = format!(
        r#"{{"facts": [{{"effective_from": "{today}", "change": {{"kind": "service_type", "service": "collect_and_pay"}}}}]}}"#
    );
    let (status, body) = http_with(
        &address,
        "POST",
        &format!("/api/v1/cases/{reference}/facts"),
        &format!("{staff}\r\nIdempotency-Key: move\r\nX-Break-Glass-Reason: moving the case"),
        &facts,
    );
    assert!(status == 200 || status == 201, "{body}");
    server.kill();

    let out = folder.join("post");
    let run = || {
        cms(
            &folder,
            &[
                "letters",
                "post",
                "--date",
                &today.to_string(),
                "--out",
                out.to_str().unwrap(),
                "--service-address",
                "Child Maintenance Service, PO Box 1, Testtown TT1 1TT",
            ],
        )
    };
    let (ok, report) = run();
    assert!(ok, "{report}");
    assert!(report.contains("1 letters to post, 1 held"), "{report}");
    let manifest = std::fs::read_to_string(out.join("manifest.csv")).unwrap();
    let payer_file = format!("{reference}-paying_parent-collection-notice.pdf");
    assert!(
        manifest.contains(&format!(
            "{reference},paying_parent,collection-notice,posted,{payer_file}"
        )),
        "{manifest}"
    );
    assert!(
        manifest.contains(&format!(
            "{reference},receiving_parent:1,collection-notice,held,asked for no letters to the address held"
        )),
        "{manifest}"
    );
    let letters: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".pdf"))
        .collect();
    assert_eq!(
        letters,
        vec![payer_file.clone()],
        "no letter for the receiving parent"
    );
    let pdf = std::fs::read(out.join(&payer_file)).unwrap();
    let shown = pdf_text(&pdf);
    assert!(
        shown.contains("PAYER-ADDRESS") && shown.contains("PO Box 1"),
        "{shown}"
    );
    assert!(shown.contains("will collect and pass on"), "{shown}");
    for secret in ["SAFE-ADDRESS", "SS1 1SS", "Rae Receiver", "abuse"] {
        assert!(
            !shown.contains(secret),
            "{secret} in the paying parent's notice"
        );
    }
    assert!(!manifest.contains("ADDRESS") && !manifest.contains("Pat Payer"));
    // The same day again: the same letters, nothing more.
    let (ok, again) = run();
    assert!(ok, "{again}");
    assert_eq!(std::fs::read(out.join(&payer_file)).unwrap(), pdf);
    assert_eq!(
        std::fs::read_to_string(out.join("manifest.csv")).unwrap(),
        manifest
    );
    let _ = std::fs::remove_dir_all(&folder);
}
