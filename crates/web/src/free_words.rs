//! Free words leaving the store (issue 12): payers' references, hold
//! reasons, parents' and staff's words. Every route that shows them asks
//! here first, for its viewer, and shows them only through
//! [`FreeWords::show`]: whole to those entitled, and to everyone else
//! through the one redaction path (`case_records::Locators`), which
//! withholds every locating detail of every protected person the words
//! could concern, and anything shaped like a location.
//!
//! Entitled: the domestic abuse specialist team always; on a case, its
//! named caseworker. Nobody else, not even with break-glass: breaking the
//! glass opens the parties' fields, which are audited one by one, not
//! words that could carry anything.

// A refused request is answered with its `Response` straight away.
#![allow(clippy::result_large_err)]

use axum::response::Response;
use case_records::{CaseParties, CaseReference, Locators, PersonId, Role, open_parties};

use crate::AppState;
use crate::cases::{personal_data_unavailable, storage_failure};

/// How free words are shown to one viewer.
#[derive(Clone, Debug)]
pub(crate) enum FreeWords {
    /// Whole: the viewer is entitled.
    Whole,
    /// Through the redaction path, with these known details.
    Withheld(Locators),
}

impl FreeWords {
    /// The words as this viewer may see them.
    pub(crate) fn show(&self, words: &str) -> String {
        match self {
            FreeWords::Whole => words.to_owned(),
            FreeWords::Withheld(locators) => locators.withhold(words),
        }
    }

    /// For someone never entitled (an auditor, a file leaving the service):
    /// every protected person's details and the shape of a location.
    pub(crate) async fn for_no_one(state: &AppState) -> Result<FreeWords, Response> {
        let people = state
            .store
            .protected_people()
            .await
            .map_err(|e| storage_failure(&e))?;
        Ok(FreeWords::Withheld(locators_of(state, &people).await?))
    }

    /// Words that belong to no case (money in suspense), for `role`: they
    /// could concern anyone, so for anyone but the specialist team they
    /// are withheld as for no one.
    pub(crate) async fn without_a_case(
        state: &AppState,
        role: Role,
    ) -> Result<FreeWords, Response> {
        if role == Role::DomesticAbuseSpecialist {
            return Ok(FreeWords::Whole);
        }
        FreeWords::for_no_one(state).await
    }

    /// Words on a case, for a member of staff. Those not entitled get them
    /// with every detail of everyone in the case withheld, and of every
    /// protected person in the other cases of its parents (a payer's words
    /// on one case can be about someone in another).
    pub(crate) async fn on_case(
        state: &AppState,
        viewer: i64,
        role: Role,
        case: &CaseReference,
    ) -> Result<FreeWords, Response> {
        if role == Role::DomesticAbuseSpecialist {
            return Ok(FreeWords::Whole);
        }
        let sealed = state
            .store
            .parties(case)
            .await
            .map_err(|e| storage_failure(&e))?;
        if crate::parties::named_caseworker(state, case, &sealed).await? == Some(viewer) {
            return Ok(FreeWords::Whole);
        }
        if sealed.is_empty() {
            return FreeWords::for_no_one(state).await;
        }
        let parties =
            open_parties(*case, &sealed, &state.keys).map_err(personal_data_unavailable)?;
        let mut locators = Locators::of_case(&parties);
        let parents: Vec<i64> = sealed
            .iter()
            .filter(|p| storage_api::is_parent_party(&p.party))
            .map(|p| p.person_id)
            .collect();
        let mut related = Vec::new();
        for parent in parents {
            for other in state
                .store
                .cases_of_person(parent)
                .await
                .map_err(|e| storage_failure(&e))?
            {
                if other == *case {
                    continue;
                }
                for party in state
                    .store
                    .parties(&other)
                    .await
                    .map_err(|e| storage_failure(&e))?
                {
                    if party.non_disclosure && !related.contains(&party.person_id) {
                        related.push(party.person_id);
                    }
                }
            }
        }
        locators.extend(locators_of(state, &related).await?);
        Ok(FreeWords::Withheld(locators))
    }
}

/// Every locating detail of these people, from every case they are in:
/// their own details and those of the children in their care.
async fn locators_of(state: &AppState, people: &[i64]) -> Result<Locators, Response> {
    let mut locators = Locators::none();
    for &person in people {
        for case in state
            .store
            .cases_of_person(person)
            .await
            .map_err(|e| storage_failure(&e))?
        {
            let sealed = state
                .store
                .parties(&case)
                .await
                .map_err(|e| storage_failure(&e))?;
            let parties =
                open_parties(case, &sealed, &state.keys).map_err(personal_data_unavailable)?;
            add_person(&mut locators, &parties, person);
        }
    }
    Ok(locators)
}

fn add_person(locators: &mut Locators, parties: &CaseParties, person: i64) {
    let id = PersonId(u64::try_from(person).unwrap_or(0));
    if parties.paying_parent.id == id {
        locators.person(&parties.paying_parent);
    }
    for (rp, receiving) in &parties.receiving_parents {
        if receiving.id == id {
            locators.person(receiving);
            for child in parties
                .children
                .iter()
                .filter(|c| c.receiving_parent == *rp)
            {
                locators.child(child);
            }
        }
    }
}
