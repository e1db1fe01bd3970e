//! The chain detects every edit, removal, insertion and reordering.

use audit_log::{Action, AuditRecord, ChainBreak, aggregate, chain, from_hex, to_hex, verify};
use proptest::prelude::*;

fn record(at: i64, actor: &str, action: Action, reason: Option<&str>) -> AuditRecord {
    AuditRecord {
        at_unix_seconds: at,
        actor: actor.to_owned(),
        role: "caseworker".to_owned(),
        action,
        case: Some("CM-7K3P-9XQ2-D".to_owned()),
        fields: vec!["address".to_owned(), "postcode".to_owned()],
        reason: reason.map(str::to_owned),
        count: 1,
    }
}

fn log(length: usize) -> Vec<audit_log::ChainedEntry> {
    let mut entries: Vec<audit_log::ChainedEntry> = Vec::new();
    for index in 0..length {
        let next = chain(
            entries.last(),
            record(
                1_700_000_000 + index as i64,
                &format!("staff-{index}"),
                Action::Viewed,
                None,
            ),
        );
        entries.push(next);
    }
    entries
}

#[test]
fn an_untouched_log_verifies() {
    assert_eq!(verify(&log(50)), Ok(()));
    assert_eq!(verify(&[]), Ok(()));
}

#[test]
fn a_break_glass_reason_edited_afterwards_is_caught() {
    let mut entries = log(5);
    entries[2] = chain(
        Some(&entries[1]),
        record(
            1_700_000_002,
            "staff-2",
            Action::BrokeGlass,
            Some("police request"),
        ),
    );
    let valid_after_rechain: Vec<_> = entries.clone();
    // Re-chaining entry 3 breaks the link to entry 4, which still holds the old hash.
    assert_eq!(
        verify(&valid_after_rechain),
        Err(ChainBreak::Broken { sequence: 4 })
    );
    let mut edited = log(5);
    edited[2].record.reason = Some("curiosity".to_owned());
    assert_eq!(verify(&edited), Err(ChainBreak::Altered { sequence: 3 }));
}

#[test]
fn hashes_round_trip_through_hex() {
    let entries = log(1);
    assert_eq!(from_hex(&to_hex(&entries[0].hash)), Some(entries[0].hash));
    assert_eq!(from_hex("zz"), None);
}

#[test]
fn a_burst_of_failed_sign_ins_is_one_record_with_a_count() {
    let burst: Vec<AuditRecord> = (0..1_000)
        .map(|i| AuditRecord {
            case: None,
            fields: vec![],
            ..record(
                1_700_000_000 + i / 10,
                "parent-9",
                Action::SignInFailed,
                None,
            )
        })
        .collect();
    let folded = aggregate(burst, 300);
    assert_eq!(folded.len(), 1);
    assert_eq!(folded[0].count, 1_000);
    let spread = vec![
        record(0, "a", Action::SignInFailed, None),
        record(301, "a", Action::SignInFailed, None),
        record(302, "b", Action::SignInFailed, None),
    ];
    assert_eq!(aggregate(spread, 300).len(), 3);
}

#[test]
fn separators_inside_fields_cannot_make_two_records_look_alike() {
    let mut one = record(1, "a|b", Action::Viewed, None);
    one.fields = vec!["x,y".to_owned()];
    let mut two = record(1, "a", Action::Viewed, None);
    two.role = "b|caseworker".to_owned();
    two.fields = vec!["x".to_owned(), "y".to_owned()];
    assert_ne!(chain(None, one).hash, chain(None, two).hash);
}

proptest! {
    #[test]
    fn any_single_edit_removal_or_swap_is_detected(length in 2usize..30, target in any::<prop::sample::Index>(), kind in 0u8..4) {
        let mut entries = log(length);
        let index = target.index(length);
        match kind {
            0 => entries[index].record.actor.push('x'),
            1 => entries[index].record.count += 1,
            2 => { entries.remove(index); prop_assume!(index < length - 1); }
            _ => { prop_assume!(index + 1 < length); entries.swap(index, index + 1); }
        }
        prop_assert!(verify(&entries).is_err());
    }
}
