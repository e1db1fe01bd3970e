//! The blind index: written and replaced with the parties, read back with
//! them, and searched by (kind, token) alone.

use audit_log::{Action, AuditRecord};
use case_records::{CaseReference, SealedParty, SearchKind, SearchQuery, SearchToken};
use storage_api::{SearchHit, Store};

fn audit(case: &CaseReference) -> AuditRecord {
    AuditRecord {
        at_unix_seconds: 1_700_000_000,
        actor: "staff-1".to_owned(),
        role: "caseworker".to_owned(),
        action: Action::Changed,
        case: Some(case.to_string()),
        fields: vec!["parties".to_owned()],
        reason: None,
        count: 1,
    }
}

/// A token no other check uses.
fn token(seed: u8) -> [u8; 32] {
    let mut token = [0xA5; 32];
    token[0] = seed;
    token[31] = seed.wrapping_mul(7);
    token
}

fn entry(kind: SearchKind, seed: u8) -> SearchToken {
    SearchToken {
        kind,
        token: token(seed),
    }
}

fn party(party: &str, person_id: i64, flagged: bool, tokens: &[SearchToken]) -> SealedParty {
    let mut search_tokens = tokens.to_vec();
    search_tokens.sort_unstable();
    SealedParty {
        party: party.to_owned(),
        person_id,
        non_disclosure: flagged,
        fields: vec![("name".to_owned(), vec![3; 40])],
        search_tokens,
    }
}

fn query(kind: SearchKind, seeds: &[u8], needed: u32) -> SearchQuery {
    SearchQuery {
        kind,
        tokens: seeds.iter().map(|s| token(*s)).collect(),
        needed,
    }
}

fn hit(case: CaseReference, party: &str, restricted: bool) -> SearchHit {
    SearchHit {
        case,
        party: party.to_owned(),
        restricted,
    }
}

const SMITH: u8 = 1;
const JANE: u8 = 2;
const POSTCODE: u8 = 3;
const PHONE: u8 = 4;
const ADA: u8 = 5;
const JANE_UNDER_ANOTHER_KEY: u8 = 6;
const NEW_POSTCODE: u8 = 7;

pub(crate) async fn parties_are_found_by_their_index_tokens_alone(store: &dyn Store) {
    let backend = store.backend();
    let mut cases = [
        CaseReference::from_random(7_101),
        CaseReference::from_random(7_102),
    ];
    cases.sort_by_key(ToString::to_string);
    let [open, restricted] = cases;
    for case in &cases {
        store
            .open_case(case, crate::date("2025-01-06"))
            .await
            .unwrap();
    }
    let open_parties = vec![
        party("child:1", 1, false, &[entry(SearchKind::Name, ADA)]),
        party(
            "paying_parent",
            7_101,
            false,
            &[
                entry(SearchKind::Name, SMITH),
                entry(SearchKind::Name, JANE),
                entry(SearchKind::Postcode, POSTCODE),
            ],
        ),
        party(
            "receiving_parent:1",
            7_102,
            false,
            &[
                entry(SearchKind::Name, SMITH),
                entry(SearchKind::Phone, PHONE),
            ],
        ),
    ];
    store
        .put_parties(&open, &open_parties, audit(&open))
        .await
        .unwrap();
    store
        .put_parties(
            &restricted,
            &[
                party(
                    "paying_parent",
                    7_103,
                    false,
                    &[
                        entry(SearchKind::Name, SMITH),
                        entry(SearchKind::Postcode, POSTCODE),
                    ],
                ),
                party("receiving_parent:1", 7_104, true, &[]),
            ],
            audit(&restricted),
        )
        .await
        .unwrap();
    let mut read = store.parties(&open).await.unwrap();
    read.sort_by(|a, b| a.party.cmp(&b.party));
    assert_eq!(
        read.iter().map(|p| &p.search_tokens).collect::<Vec<_>>(),
        open_parties
            .iter()
            .map(|p| &p.search_tokens)
            .collect::<Vec<_>>(),
        "{backend}: the index comes back with the parties, sorted"
    );

    let found = |q: SearchQuery, limit: u32| async move { store.search(&q, limit).await.unwrap() };
    assert_eq!(
        found(query(SearchKind::Name, &[SMITH], 1), 10).await,
        vec![
            hit(open, "paying_parent", false),
            hit(open, "receiving_parent:1", false),
            hit(restricted, "paying_parent", true),
        ],
        "{backend}: every party with the token, by case and party, with the case's restriction"
    );
    assert_eq!(
        found(query(SearchKind::Name, &[SMITH], 1), 2).await.len(),
        2,
        "{backend}: at most the limit"
    );
    assert_eq!(
        found(query(SearchKind::Name, &[JANE, SMITH], 2), 10).await,
        vec![hit(open, "paying_parent", false)],
        "{backend}: every part needed"
    );
    assert_eq!(
        found(
            query(SearchKind::Name, &[JANE_UNDER_ANOTHER_KEY, JANE], 1),
            10
        )
        .await,
        vec![hit(open, "paying_parent", false)],
        "{backend}: any key's token"
    );
    assert_eq!(
        found(query(SearchKind::Postcode, &[POSTCODE], 1), 10).await,
        vec![
            hit(open, "paying_parent", false),
            hit(restricted, "paying_parent", true),
        ]
    );
    assert!(
        found(query(SearchKind::Phone, &[SMITH], 1), 10)
            .await
            .is_empty(),
        "{backend}: a token counts only under its kind"
    );
    assert!(found(query(SearchKind::Name, &[], 1), 10).await.is_empty());
    assert_eq!(
        found(query(SearchKind::Name, &[ADA], 1), 10).await,
        vec![hit(open, "child:1", false)]
    );

    // Replaced whole with the parties.
    store
        .put_parties(
            &open,
            &[party(
                "paying_parent",
                7_101,
                false,
                &[entry(SearchKind::Postcode, NEW_POSTCODE)],
            )],
            audit(&open),
        )
        .await
        .unwrap();
    assert_eq!(
        found(query(SearchKind::Postcode, &[POSTCODE], 1), 10).await,
        vec![hit(restricted, "paying_parent", true)],
        "{backend}: an old token goes with the parties it was written with"
    );
    assert!(
        found(query(SearchKind::Phone, &[PHONE], 1), 10)
            .await
            .is_empty()
    );
    // A transform that keeps the parties keeps their index; one that
    // rewrites it replaces it.
    let keep = |current: &[SealedParty]| -> Result<Option<Vec<SealedParty>>, String> {
        Ok(Some(current.to_vec()))
    };
    assert!(
        store
            .transform_parties(&open, &keep, audit(&open))
            .await
            .unwrap()
    );
    assert_eq!(
        found(query(SearchKind::Postcode, &[NEW_POSTCODE], 1), 10).await,
        vec![hit(open, "paying_parent", false)]
    );
    let rewrite = |current: &[SealedParty]| -> Result<Option<Vec<SealedParty>>, String> {
        Ok(Some(
            current
                .iter()
                .map(|p| SealedParty {
                    search_tokens: vec![entry(SearchKind::Postcode, POSTCODE)],
                    ..p.clone()
                })
                .collect(),
        ))
    };
    assert!(
        store
            .transform_parties(&open, &rewrite, audit(&open))
            .await
            .unwrap()
    );
    assert!(
        found(query(SearchKind::Postcode, &[NEW_POSTCODE], 1), 10)
            .await
            .is_empty()
    );
    assert_eq!(
        found(query(SearchKind::Postcode, &[POSTCODE], 1), 10)
            .await
            .len(),
        2,
        "{backend}: the transform's index is the index"
    );
}
