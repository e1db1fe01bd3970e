//! `cms letters post`: the day's letters for printing and posting. Today
//! that is the neutral notice each parent is sent when their case moves to
//! Collect and Pay (the move recorded on the day). Each letter is built from
//! its recipient's own view, so it can carry no one else's address; and it
//! is posted only where the recipient's safe contact preferences allow
//! (`safety::postal_delivery`): a parent who said no letters to the address
//! held gets none, and the manifest tells the caseworker it is held.
//!
//! Re-running the day writes the same files again: each letter's name is
//! its case, recipient and kind, and every file is written whole or not at
//! all, the manifest last.

use std::path::Path;
use std::process::ExitCode;

use audit_log::{Action, AuditRecord};
use case_records::{
    CaseReference, CaseView, Change, PersonId, Role, ServiceType, Viewer, open_parties, view_for,
};
use domain_types::Date;
use field_crypto::KeyRing;
use safety::{Party, PostalDelivery, SafetyState};
use storage_api::Store;

use crate::collect::write_atomically;
use crate::finish;
use crate::serve::parse_database_url;

/// What the run is told.
pub struct PostRun<'a> {
    /// The day whose letters are posted.
    pub date: Date,
    /// Where the data lives.
    pub database_url: &'a str,
    /// The keys that open personal data (for the recipients' addresses).
    pub keys_file: &'a Path,
    /// The folder for the letters and the manifest.
    pub out: &'a Path,
    /// The service's own address, the only other address on a letter.
    pub service_address: &'a str,
}

/// One line of the manifest: no names or addresses, only what the print
/// room and the caseworker need.
struct Line {
    case: CaseReference,
    recipient: String,
    letter: &'static str,
    outcome: Result<String, &'static str>,
}

/// Runs the day's post.
pub fn post(run: &PostRun<'_>) -> ExitCode {
    let result = (|| {
        let text = std::fs::read_to_string(run.keys_file)
            .map_err(|e| format!("cannot read the key file {}: {e}", run.keys_file.display()))?;
        let keys = KeyRing::from_toml(&text).map_err(|e| e.to_string())?;
        std::fs::create_dir_all(run.out)
            .map_err(|e| format!("cannot create {}: {e}", run.out.display()))?;
        let location = parse_database_url(run.database_url)?;
        let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
        runtime.block_on(async {
            let store = location.open().await?;
            let mut lines = Vec::new();
            let cases = store.case_references().await.map_err(|e| e.to_string())?;
            for case in &cases {
                match case_letters(store.as_ref(), *case, run, &keys).await {
                    Ok(mut letters) => lines.append(&mut letters),
                    Err(message) => {
                        store.close().await;
                        return Err(message);
                    }
                }
            }
            let mut manifest = String::from("case,recipient,letter,outcome,file_or_reason\r\n");
            for line in &lines {
                let (outcome, detail) = match &line.outcome {
                    Ok(file) => ("posted", file.as_str()),
                    Err(reason) => ("held", *reason),
                };
                manifest.push_str(&format!(
                    "{},{},{},{outcome},{detail}\r\n",
                    line.case, line.recipient, line.letter
                ));
            }
            let written = write_atomically(&run.out.join("manifest.csv"), manifest.as_bytes());
            let posted = lines.iter().filter(|l| l.outcome.is_ok()).count();
            // After the letters: the run's own record that it ran, counts
            // and the folder's name only.
            let audited = store
                .append_audit(AuditRecord {
                    at_unix_seconds: crate::clock::now_unix_seconds(),
                    actor: "post-run".to_owned(),
                    role: "service".to_owned(),
                    action: Action::BatchRan,
                    case: None,
                    fields: vec!["letters_post".to_owned()],
                    reason: Some(format!(
                        "post run {}: {} cases, {posted} letters to post, {} held for safe contact, manifest.csv in {}{}",
                        run.date,
                        cases.len(),
                        lines.len() - posted,
                        crate::collect::file_name(run.out),
                        if written.is_ok() { "" } else { " (not written)" }
                    )),
                    count: 1,
                })
                .await
                .map_err(|e| e.to_string());
            store.close().await;
            written?;
            audited?;
            Ok(format!(
                "post run {}: {posted} letters to post, {} held for safe contact, in {}",
                run.date,
                lines.len() - posted,
                run.out.display()
            ))
        })
    })();
    finish("letters post", result)
}

/// A parent's safe contact preferences: the latest they set on any case
/// they are in (a choice about letters to their address is theirs, not one
/// case's), or else what was recorded for their role on this case before
/// people were told apart.
async fn contact_preferences(
    store: &dyn Store,
    safety: &SafetyState,
    party: Party,
    person: PersonId,
) -> Result<Option<safety::ContactPreferences>, String> {
    let mut latest: Option<(Date, safety::ContactPreferences)> = None;
    let id = i64::try_from(person.0).map_err(|e| e.to_string())?;
    for case in store.cases_of_person(id).await.map_err(|e| e.to_string())? {
        for record in store
            .safety_events(&case)
            .await
            .map_err(|e| e.to_string())?
        {
            if let safety::SafetyEvent::SafeContactSet {
                person: whose,
                contact,
                ..
            } = record.event
                && whose == person
                && latest.as_ref().is_none_or(|(on, _)| record.by.on >= *on)
            {
                latest = Some((record.by.on, contact));
            }
        }
    }
    Ok(latest
        .map(|(_, contact)| contact)
        .or_else(|| safety.contact_of(party, person).cloned()))
}

async fn case_letters(
    store: &dyn Store,
    case: CaseReference,
    run: &PostRun<'_>,
    keys: &KeyRing,
) -> Result<Vec<Line>, String> {
    let Some(history) = store.case_history(&case).await.map_err(|e| e.to_string())? else {
        return Ok(Vec::new());
    };
    let moved_today = history.events.iter().any(|e| {
        e.recorded_on == run.date && e.change == Change::ServiceType(ServiceType::CollectAndPay)
    });
    if !moved_today {
        return Ok(Vec::new());
    }
    let sealed = store.parties(&case).await.map_err(|e| e.to_string())?;
    if sealed.is_empty() {
        return Ok(Vec::new());
    }
    let parties = open_parties(case, &sealed, keys).map_err(|e| format!("{case}: {e}"))?;
    let records = store
        .safety_events(&case)
        .await
        .map_err(|e| e.to_string())?;
    let safety = SafetyState::from_records(&records);
    let mut recipients = vec![(
        "paying_parent".to_owned(),
        parties.paying_parent.id,
        Role::PayingParent,
        Party::PayingParent,
    )];
    recipients.extend(parties.receiving_parents.iter().map(|(id, person)| {
        (
            format!("receiving_parent:{}", id.0),
            person.id,
            Role::ReceivingParent,
            Party::ReceivingParent,
        )
    }));
    let mut lines = Vec::new();
    for (recipient, person, role, party) in recipients {
        let letter = "collection-notice";
        let preferences = contact_preferences(store, &safety, party, person).await?;
        let outcome = match safety::postal_delivery(preferences.as_ref()) {
            PostalDelivery::Hold(reason) => Err(reason.in_words()),
            PostalDelivery::Post => {
                let own = own_details(&parties, person, role)?;
                let pdf = letters::neutral_notice(
                    run.service_address,
                    &own,
                    run.date,
                    case,
                    safety::NEUTRAL_NOTICE,
                )
                .to_pdf();
                let file = format!("{case}-{}-{letter}.pdf", recipient.replace(':', "-"));
                write_atomically(&run.out.join(&file), &pdf)?;
                Ok(file)
            }
        };
        lines.push(Line {
            case,
            recipient,
            letter,
            outcome,
        });
    }
    // Addresses were opened to print letters: audited, one entry per case.
    let printed: Vec<String> = lines
        .iter()
        .filter(|l| l.outcome.is_ok())
        .map(|l| format!("letter.{}:{}", l.letter, l.recipient))
        .collect();
    if !printed.is_empty() {
        store
            .append_audit(AuditRecord {
                at_unix_seconds: crate::clock::now_unix_seconds(),
                actor: "post-run".to_owned(),
                role: "service".to_owned(),
                action: Action::Viewed,
                case: Some(case.to_string()),
                fields: printed,
                reason: Some(format!("letters posted on {}", run.date)),
                count: 1,
            })
            .await
            .map_err(|e| e.to_string())?;
    }
    Ok(lines)
}

/// A parent's own details, from their own view: the letter's address.
fn own_details(
    parties: &case_records::CaseParties,
    person: PersonId,
    role: Role,
) -> Result<case_records::OwnDetails, String> {
    let viewer = Viewer {
        person,
        role,
        break_glass_reason: None,
    };
    match view_for(&viewer, parties).map(|shown| shown.view) {
        Ok(CaseView::Parent(view)) => Ok(view.me),
        _ => Err(format!(
            "{}: no parent's view for a letter",
            parties.reference
        )),
    }
}
