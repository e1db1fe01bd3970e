//! Protection of a person (issue 12) through the API: set by any member of
//! staff who records changes (protecting is never adverse), lifted only by
//! the domestic abuse specialist team, a proposal with a reason and a
//! second specialist's approval; the person is told on their account.
//! The rules are `safety::Protection`; the store keeps the events and the
//! one flag every case reads in one transaction.

// A refused request is answered with its `Response` straight away.
#![allow(clippy::result_large_err)]

use audit_log::Action;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use case_records::{PersonId, Role};
use safety::{
    Protection, ProtectionCause, ProtectionEvent, ProtectionRecord, ProtectionRefused, Recorder,
};
use serde_json::{Value, json};
use storage_api::{ActionOutcome, StorageError};

use crate::cases::{Staff, error, forbidden_unless, parse_json, storage_failure};
use crate::json_input::Fields;
use crate::{AppState, json_response};

/// The person in the address: a positive whole number, or 404 (a mistyped
/// id protects nobody, so it is never answered as if it had).
fn person_in_path(text: &str) -> Result<i64, Response> {
    text.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| {
            error(
                StatusCode::NOT_FOUND,
                "person_id",
                format!("there is no person {text}"),
            )
        })
}

/// The request body: a JSON object with only `allowed` fields (an empty
/// body where nothing is taken).
fn body_object(body: &str, allowed: &[&str]) -> Result<Value, Response> {
    let value = if body.trim().is_empty() && allowed.is_empty() {
        json!({})
    } else {
        parse_json(body)?
    };
    Fields::of(&value, "", allowed)?;
    Ok(value)
}

/// The longest reason for lifting protection, in characters.
pub(crate) const REASON_MAX_CHARS: usize = 1000;

fn refused(reason: ProtectionRefused) -> Response {
    let status = match reason {
        ProtectionRefused::RoleMayNot(_) => StatusCode::FORBIDDEN,
        ProtectionRefused::ReasonNeeded => StatusCode::UNPROCESSABLE_ENTITY,
        ProtectionRefused::NotProtected
        | ProtectionRefused::AlreadyProposed
        | ProtectionRefused::NothingProposed
        | ProtectionRefused::SameSpecialist => StatusCode::CONFLICT,
    };
    let field = match reason {
        ProtectionRefused::ReasonNeeded => "reason",
        ProtectionRefused::RoleMayNot(_) => "authorization",
        _ => "person_id",
    };
    error(status, field, reason.to_string())
}

/// Checks `event` against the person's protection and records it with its
/// audit entry.
pub(crate) async fn record(
    state: &AppState,
    staff: &Staff,
    person: i64,
    event: ProtectionEvent,
) -> Result<(Protection, ActionOutcome), Response> {
    let records = state
        .store
        .protection_events(person)
        .await
        .map_err(|e| storage_failure(&e))?;
    let current = Protection::from_records(&records);
    let by = Recorder {
        person: PersonId(u64::try_from(staff.person).unwrap_or(0)),
        role: staff.role,
        on: state.clock.today(),
    };
    current.check(&event, &by).map_err(refused)?;
    let (kind, _) = event.encode();
    // The audit names what happened, never the specialist's words.
    let audit = staff.audit(
        state,
        Action::Changed,
        None,
        vec![format!("person-{person}.protection.{kind}")],
        None,
    );
    let record = ProtectionRecord { event, by };
    let outcome = state
        .store
        .record_protection(
            person,
            i64::try_from(records.len()).unwrap_or(i64::MAX),
            &record,
            audit,
        )
        .await
        .map_err(|e| match e {
            StorageError::ActionConflict(_) => error(
                StatusCode::CONFLICT,
                "person_id",
                "this person's protection changed while you were deciding; read it again",
            ),
            other => storage_failure(&other),
        })?;
    let mut after = records;
    if matches!(outcome, ActionOutcome::Recorded { .. }) {
        after.push(record);
    }
    Ok((Protection::from_records(&after), outcome))
}

fn protection_json(person: i64, protection: &Protection) -> Value {
    json!({
        "person_id": person,
        "protected": protection.protected,
        "lift_proposed": protection.lift_proposed_by.map(|r| json!({
            "by": r.person.0, "on": r.on.to_string(),
        })),
    })
}

/// `PUT /api/v1/people/{person_id}/non-disclosure` with `{"flag": true}`:
/// protects the person in every case they are in. `{"flag": false}` is
/// refused: lifting protection is a specialist's proposal and a second
/// specialist's approval (`/protection/lift-proposals`).
pub async fn set_non_disclosure(
    State(state): State<AppState>,
    staff: Staff,
    Path(person): Path<String>,
    body: String,
) -> Response {
    let result = async {
        forbidden_unless(staff.role.may_record_changes())?;
        let person = person_in_path(&person)?;
        let request = body_object(&body, &["flag"])?;
        match request.get("flag").filter(|flag| !flag.is_null()) {
            Some(Value::Bool(true)) => {}
            Some(Value::Bool(false)) if staff.role == Role::DomesticAbuseSpecialist => {
                return Err(error(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "flag",
                    format!(
                        "protection is lifted by a proposal with a reason (POST /api/v1/people/{person}/protection/lift-proposals) and a second specialist's approval"
                    ),
                ));
            }
            Some(Value::Bool(false)) => {
                return Err(refused(ProtectionRefused::RoleMayNot(staff.role)));
            }
            _ => {
                return Err(error(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "flag",
                    "`flag` must be true or false",
                ));
            }
        }
        let (protection, _) = record(
            &state,
            &staff,
            person,
            ProtectionEvent::Protected {
                cause: ProtectionCause::Flagged,
            },
        )
        .await?;
        let mut answer = protection_json(person, &protection);
        answer["non_disclosure"] = Value::Bool(protection.protected);
        Ok(json_response(StatusCode::OK, &answer))
    };
    result.await.unwrap_or_else(|response| response)
}

/// `GET /api/v1/people/{person_id}/protection`: the person's protection and
/// its history, for the specialist team.
pub async fn protection(
    State(state): State<AppState>,
    staff: Staff,
    Path(person): Path<String>,
) -> Response {
    let result = async {
        forbidden_unless(staff.role == Role::DomesticAbuseSpecialist)?;
        let person = person_in_path(&person)?;
        let records = state
            .store
            .protection_events(person)
            .await
            .map_err(|e| storage_failure(&e))?;
        let mut answer = protection_json(person, &Protection::from_records(&records));
        answer["history"] = records
            .iter()
            .map(|r| {
                let (kind, _) = r.event.encode();
                json!({
                    "event": kind,
                    "cause": match &r.event {
                        ProtectionEvent::Protected { cause } => Some(cause.code()),
                        _ => None,
                    },
                    "reason": match &r.event {
                        ProtectionEvent::LiftProposed { reason } => Some(reason.clone()),
                        _ => None,
                    },
                    "by": r.by.person.0,
                    "role": r.by.role.code(),
                    "on": r.by.on.to_string(),
                })
            })
            .collect();
        state
            .store
            .append_audit(staff.audit(
                &state,
                Action::Viewed,
                None,
                vec![format!("person-{person}.protection")],
                None,
            ))
            .await
            .map_err(|e| storage_failure(&e))?;
        Ok(json_response(StatusCode::OK, &answer))
    };
    result.await.unwrap_or_else(|response| response)
}

/// `POST /api/v1/people/{person_id}/protection/lift-proposals` with
/// `{"reason": "…"}`: a specialist proposes lifting protection. Nothing is
/// lifted until a second specialist approves.
pub async fn propose_lift(
    State(state): State<AppState>,
    staff: Staff,
    Path(person): Path<String>,
    body: String,
) -> Response {
    let result = async {
        forbidden_unless(staff.role == Role::DomesticAbuseSpecialist)?;
        let person = person_in_path(&person)?;
        let request = body_object(&body, &["reason"])?;
        let fields = Fields::of(&request, "", &["reason"])?;
        if fields.get("reason").is_none() {
            return Err(refused(ProtectionRefused::ReasonNeeded));
        }
        let reason = fields.text("reason", REASON_MAX_CHARS)?.into_string();
        let (protection, _) = record(
            &state,
            &staff,
            person,
            ProtectionEvent::LiftProposed { reason },
        )
        .await?;
        Ok(json_response(
            StatusCode::CREATED,
            &protection_json(person, &protection),
        ))
    };
    result.await.unwrap_or_else(|response| response)
}

/// `POST /api/v1/people/{person_id}/protection/lift-approvals` with `{}`: a
/// second specialist approves the proposal; protection ends, and the
/// person sees it on their own account.
pub async fn approve_lift(
    State(state): State<AppState>,
    staff: Staff,
    Path(person): Path<String>,
    body: String,
) -> Response {
    let result = async {
        forbidden_unless(staff.role == Role::DomesticAbuseSpecialist)?;
        let person = person_in_path(&person)?;
        body_object(&body, &[])?;
        let (protection, _) = record(&state, &staff, person, ProtectionEvent::LiftApproved).await?;
        Ok(json_response(
            StatusCode::OK,
            &protection_json(person, &protection),
        ))
    };
    result.await.unwrap_or_else(|response| response)
}

/// What a parent is told on their account about their protection: that
/// it was lifted, and when, so a change made about them is never silent.
pub(crate) async fn notice_for(state: &AppState, person: i64) -> Result<Option<String>, Response> {
    let records = state
        .store
        .protection_events(person)
        .await
        .map_err(|e| storage_failure(&e))?;
    let protection = Protection::from_records(&records);
    Ok(match (protection.protected, protection.lifted.last()) {
        (false, Some(lifted)) => Some(format!(
            "On {}, our domestic abuse specialist team stopped withholding your contact and bank details from the other parent. If you are worried about your safety, contact us straight away and we will protect your details again.",
            crate::html::long_date(lifted.on)
        )),
        _ => None,
    })
}
