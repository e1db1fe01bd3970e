//! The case API: open a case, record facts, read the liability schedule.
//! Staff only, by API token; every route denies by default.

// A refused request is answered with its `Response` straight away; carrying
// that (large) value in `Err` is the point, and it is off the hot path.
#![allow(clippy::result_large_err)]

use std::fmt::Write as _;

use audit_log::{Action, AuditRecord};
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use case_records::{CaseReference, Change, FactEvent, Role, liability_schedule};
use domain_types::Date;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use storage_api::{AppendOutcome, StorageError};

use crate::json_input::{self, Fields};
use crate::{AppState, json_response};

/// The most facts one request may record.
const FACTS_PER_REQUEST_MAX: usize = 500;

pub(crate) fn error(status: StatusCode, field: &str, message: impl Into<String>) -> Response {
    json_response(
        status,
        &json!({ "error": { "field": field, "message": message.into() } }),
    )
}

pub(crate) fn storage_failure(failure: &StorageError) -> Response {
    match failure {
        StorageError::UnknownCase(_) => {
            error(StatusCode::NOT_FOUND, "reference", failure.to_string())
        }
        StorageError::UnknownPerson(_) => {
            error(StatusCode::NOT_FOUND, "person_id", failure.to_string())
        }
        StorageError::CaseConflict(_)
        | StorageError::IdempotencyKeyReused(_)
        | StorageError::LifecycleRefused(_) => error(StatusCode::CONFLICT, "", failure.to_string()),
        StorageError::AlreadyAllocated(_) => {
            error(StatusCode::CONFLICT, "payment", failure.to_string())
        }
        _ => error(
            StatusCode::SERVICE_UNAVAILABLE,
            "",
            "the service could not reach its database; nothing was changed",
        ),
    }
}

/// A case's facts, or 404 when there is no such case: the one way the
/// routes load a case's history.
pub(crate) async fn history_or_404(
    state: &AppState,
    case: &CaseReference,
) -> Result<case_records::CaseHistory, Response> {
    state
        .store
        .case_history(case)
        .await
        .map_err(|e| storage_failure(&e))?
        .ok_or_else(|| {
            error(
                StatusCode::NOT_FOUND,
                "reference",
                format!("there is no case {case}"),
            )
        })
}

/// SHA-256 of a token, as stored.
#[must_use]
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .fold(String::with_capacity(64), |mut text, byte| {
            let _ = write!(text, "{byte:02x}");
            text
        })
}

/// Anyone signed in with an API token: staff or a parent.
pub struct SignedIn {
    pub(crate) person: i64,
    pub(crate) role: Role,
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<SignedIn, Response> {
        let unauthorised = || {
            error(
                StatusCode::UNAUTHORIZED,
                "authorization",
                "sign in (POST /api/v1/sign-in) or send an API token: Authorization: Bearer <token>",
            )
        };
        let bearer = parts
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        // An API token, or else a session from signing in with a password.
        let holder = match (bearer, crate::sign_in::session_from(&parts.headers)) {
            (Some(token), _) => state.store.token_holder(&token_hash(token.trim())).await,
            (None, Some(session)) => {
                state
                    .store
                    .touch_session(
                        &token_hash(&session),
                        state.clock.now_unix_seconds(),
                        crate::sign_in::IDLE_LIMIT_SECONDS,
                    )
                    .await
            }
            (None, None) => return Err(unauthorised()),
        }
        .map_err(|e| storage_failure(&e))?;
        let (person, role) = holder.ok_or_else(unauthorised)?;
        let role = Role::from_code(&role).ok_or_else(unauthorised)?;
        if !role.sees_cases() {
            return Err(crate::analyst::no_cases_for_analysts());
        }
        Ok(SignedIn { person, role })
    }
}

impl SignedIn {
    /// The audit line for something this person did now: one place decides
    /// how people are named in the audit log (`staff-N`, `parent-N`).
    pub(crate) fn audit(
        &self,
        state: &AppState,
        action: Action,
        case: Option<&CaseReference>,
        fields: Vec<String>,
        reason: Option<String>,
    ) -> AuditRecord {
        AuditRecord {
            at_unix_seconds: state.clock.now_unix_seconds(),
            actor: format!(
                "{}-{}",
                if self.role.is_parent() {
                    "parent"
                } else {
                    "staff"
                },
                self.person
            ),
            role: self.role.code().to_owned(),
            action,
            case: case.map(ToString::to_string),
            fields,
            reason,
            count: 1,
        }
    }
}

/// Refuses anyone but a parent.
pub(crate) fn parents_only(signed_in: &SignedIn) -> Result<(), Response> {
    if signed_in.role.is_parent() {
        Ok(())
    } else {
        Err(error(
            StatusCode::FORBIDDEN,
            "authorization",
            "this is for parents",
        ))
    }
}

/// The answer when a case's sealed personal data cannot be opened (the
/// wrong key file, say): nothing is shown.
pub(crate) fn personal_data_unavailable(reason: impl std::fmt::Display) -> Response {
    error(
        StatusCode::SERVICE_UNAVAILABLE,
        "",
        format!("the case's personal data cannot be opened: {reason}"),
    )
}

/// A member of staff, from their API token.
pub struct Staff {
    pub(crate) person: i64,
    pub(crate) role: Role,
}

impl Staff {
    /// The audit line for something this member of staff did now.
    pub(crate) fn audit(
        &self,
        state: &AppState,
        action: Action,
        case: Option<&CaseReference>,
        fields: Vec<String>,
        reason: Option<String>,
    ) -> AuditRecord {
        self.signed_in().audit(state, action, case, fields, reason)
    }

    /// The same person as anyone signed in.
    pub(crate) const fn signed_in(&self) -> SignedIn {
        SignedIn {
            person: self.person,
            role: self.role,
        }
    }
}

impl FromRequestParts<AppState> for Staff {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Staff, Response> {
        let signed_in = SignedIn::from_request_parts(parts, state).await?;
        if signed_in.role.is_parent() {
            return Err(error(
                StatusCode::FORBIDDEN,
                "authorization",
                "this API is for staff",
            ));
        }
        Ok(Staff {
            person: signed_in.person,
            role: signed_in.role,
        })
    }
}

pub(crate) fn forbidden_unless(allowed: bool) -> Result<(), Response> {
    if allowed {
        Ok(())
    } else {
        Err(error(
            StatusCode::FORBIDDEN,
            "authorization",
            "your role may not do this",
        ))
    }
}

pub(crate) fn parse_reference(text: &str) -> Result<CaseReference, Response> {
    CaseReference::parse(text).map_err(|e| error(StatusCode::NOT_FOUND, "reference", e.to_string()))
}

fn date_field(value: Option<&Value>, field: &str) -> Result<Date, Response> {
    let text = value.and_then(Value::as_str).ok_or_else(|| {
        error(
            StatusCode::UNPROCESSABLE_ENTITY,
            field,
            "a date written YYYY-MM-DD is needed",
        )
    })?;
    Date::parse_iso(text).map_err(|e| error(StatusCode::UNPROCESSABLE_ENTITY, field, e.to_string()))
}

/// The one JSON parser of every route (strict: see `json_input`).
pub(crate) use crate::json_input::parse_json;

/// Refuses a start of liability the service could never collect on: before
/// the 2012 scheme's rules (no parameter set is in force), or in a year the
/// bank holiday calendar does not cover (no working day can be counted).
/// Such a case, once stored, would be set aside by every daily run.
fn servable_start(state: &AppState, start: Date, field: &str) -> Result<(), Response> {
    state
        .parameters
        .at(start)
        .map_err(|e| error(StatusCode::UNPROCESSABLE_ENTITY, field, e.to_string()))?;
    legal_parameters::WorkingDays::england_and_wales()
        .covers(start)
        .map_err(|e| {
            error(
                StatusCode::UNPROCESSABLE_ENTITY,
                field,
                format!(
                    "{start} is outside the years the bank holiday calendar covers ({}–{}); liability must start within them",
                    e.first_year, e.last_year
                ),
            )
        })
}

/// `POST /api/v1/cases` with `{"initial_effective_date": "2025-01-06"}` and
/// an `Idempotency-Key` (required, as on every write). The case's reference
/// is derived from the member of staff and the key, so a retry, or the same
/// request sent fifty times at once, opens one case: 201 the first time,
/// 200 with the same reference after; the same key with another date is
/// refused (409) and changes nothing.
pub async fn open_case(
    State(state): State<AppState>,
    staff: Staff,
    headers: HeaderMap,
    body: String,
) -> Response {
    let result = async {
        forbidden_unless(staff.role.may_record_changes())?;
        let key = crate::collection::idempotency_key(&headers)?;
        let request = parse_json(&body)?;
        let start = Fields::of(&request, "", &["initial_effective_date"])?
            .date("initial_effective_date")?;
        servable_start(&state, start, "initial_effective_date")?;
        let reference =
            CaseReference::from_random(derived(&format!("open-case:{}:{key}", staff.person)));
        let answer = |status| {
            json_response(
                status,
                &json!({
                    "reference": reference.to_string(),
                    "initial_effective_date": start.to_string(),
                    "replayed": status == StatusCode::OK,
                }),
            )
        };
        match state.store.open_case(&reference, start).await {
            Ok(true) => Ok(answer(StatusCode::CREATED)),
            Ok(false) => Ok(answer(StatusCode::OK)),
            Err(StorageError::CaseConflict(_)) => Err(error(
                StatusCode::CONFLICT,
                "idempotency-key",
                "that Idempotency-Key opened a case with another initial effective date; nothing was changed",
            )),
            Err(failure) => Err(storage_failure(&failure)),
        }
    };
    result.await.unwrap_or_else(|response| response)
}

/// A number derived from `seed` (SHA-256): the same seed, the same number.
fn derived(seed: &str) -> u64 {
    let digest = Sha256::digest(seed.as_bytes());
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(bytes)
}

/// What a change's field holds in JSON.
#[derive(Clone, Copy)]
enum Shape {
    /// A whole number from 0 to the most given.
    Whole(u64),
    /// `true` or `false`.
    Flag,
    /// A code.
    Code,
    /// A list of codes.
    Codes,
    /// A code, or `null` for none.
    CodeOrNull,
}

/// The fields of each kind of change, as the API takes them.
fn change_fields(kind: &str) -> Option<&'static [(&'static str, Shape)]> {
    const PENCE: Shape = Shape::Whole(domain_types::Pence::INPUT_MAX.get());
    const ID: Shape = Shape::Whole(u32::MAX as u64);
    const COUNT: Shape = Shape::Whole(u16::MAX as u64);
    Some(match kind {
        "income" => &[("weekly_pence", PENCE), ("annual_pence", PENCE)],
        "benefits" => &[
            ("own", Shape::Codes),
            ("partner", Shape::Codes),
            ("partner_pays", Shape::Flag),
        ],
        "nil_rate_reason" => &[("reason", Shape::CodeOrNull)],
        "relevant_other_children" | "other_arrangement_children" => &[("count", COUNT)],
        "variations" => &[
            ("special_expenses_pence", PENCE),
            ("additional_income_pence", PENCE),
        ],
        "child_joined" => &[("child", ID), ("receiving_parent", ID)],
        "child_left" => &[("child", ID)],
        "shared_care" => &[("child", ID), ("nights", Shape::Whole(366))],
        "service_type" => &[("service", Shape::Code)],
        "payment_frequency" => &[("frequency", Shape::Code)],
        "collection_fee_waiver" => &[
            ("paying_parent", Shape::Flag),
            ("receiving_parent", Shape::Flag),
        ],
        "case_closed" | "case_reopened" => &[],
        _ => return None,
    })
}

/// Turns `{"kind": "income", "weekly_pence": 50000}` into a change, through
/// the same codec storage uses, so the API and the database agree. Each
/// field must have its kind's type (a number never as a string) and no
/// field the kind does not take is accepted.
fn change_from_json(value: &Value, field: &str) -> Result<Change, Response> {
    let refuse = |message: String| error(StatusCode::UNPROCESSABLE_ENTITY, field, message);
    let object = match value {
        Value::Object(object) => object,
        Value::Null => return Err(refuse("a change is needed, with its `kind`".to_owned())),
        _ => return Err(refuse("a change is a JSON object with a `kind`".to_owned())),
    };
    let kind_field = format!("{field}.kind");
    let kind = match object.get("kind") {
        Some(Value::String(kind)) => kind.as_str(),
        Some(_) => return Err(json_input::refuse(&kind_field, "must be text, in quotes")),
        None => return Err(json_input::refuse(&kind_field, "is needed")),
    };
    let shapes = change_fields(kind).ok_or_else(|| {
        json_input::refuse(&kind_field, format!("`{kind}` is not a kind of change"))
    })?;
    let code = |text: &str| !text.is_empty() && !text.contains([';', '=', ',']);
    let mut payload = String::new();
    for (key, value) in object.iter().filter(|(k, _)| k.as_str() != "kind") {
        let at = format!("{field}.{key}");
        let Some((_, shape)) = shapes.iter().find(|(name, _)| name == key) else {
            return Err(json_input::refuse(
                &at,
                format!("unknown field; `{kind}` takes no `{key}`"),
            ));
        };
        let text = match (shape, value) {
            (Shape::Whole(max), value) => json_input::whole(value, &at, *max)?.to_string(),
            (Shape::Flag, Value::Bool(flag)) => flag.to_string(),
            (Shape::Code | Shape::CodeOrNull, Value::String(text)) if code(text) => text.clone(),
            (Shape::CodeOrNull, Value::Null) => String::new(),
            (Shape::Codes, Value::Array(items))
                if items.iter().all(|i| i.as_str().is_some_and(code)) =>
            {
                items
                    .iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(",")
            }
            (Shape::Flag, _) => return Err(json_input::refuse(&at, "must be true or false")),
            (Shape::Code, _) => return Err(json_input::refuse(&at, "must be a code, in quotes")),
            (Shape::CodeOrNull, _) => {
                return Err(json_input::refuse(
                    &at,
                    "must be a code, in quotes, or null",
                ));
            }
            (Shape::Codes, _) => {
                return Err(json_input::refuse(
                    &at,
                    "must be a list of codes, in quotes",
                ));
            }
        };
        let _ = write!(payload, "{key}={text};");
    }
    let change = Change::decode(kind, &payload).map_err(|e| refuse(e.to_string()))?;
    // A field the codec did not read is never silently dropped.
    let (_, canonical) = change.encode();
    let known: Vec<&str> = canonical
        .split(';')
        .filter_map(|p| p.split_once('=').map(|(k, _)| k))
        .collect();
    if let Some(unknown) = object
        .keys()
        .find(|k| k.as_str() != "kind" && !known.contains(&k.as_str()))
    {
        return Err(json_input::refuse(
            &format!("{field}.{unknown}"),
            format!("is not a field of a `{kind}` change"),
        ));
    }
    Ok(change)
}

/// `POST /api/v1/cases/{reference}/facts` with an `Idempotency-Key` header
/// and `{"facts": [{"effective_from": "…", "change": {"kind": …}}]}`. The
/// recorded date is the server's today, never the client's.
pub async fn record_facts(
    State(state): State<AppState>,
    staff: Staff,
    Path(reference): Path<String>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let result = async {
        forbidden_unless(staff.role.may_record_changes())?;
        let case = parse_reference(&reference)?;
        crate::parties::authorise_case_action(&state, &staff, &case, &headers).await?;
        let key = headers
            .get("idempotency-key")
            .and_then(|v| v.to_str().ok())
            .filter(|k| !k.is_empty() && k.len() <= 200)
            .ok_or_else(|| {
                error(
                    StatusCode::BAD_REQUEST,
                    "idempotency-key",
                    "an Idempotency-Key header is needed, so that a retry changes nothing",
                )
            })?;
        let request = parse_json(&body)?;
        let facts = Fields::of(&request, "", &["facts"])?.list("facts")?;
        if facts.is_empty() || facts.len() > FACTS_PER_REQUEST_MAX {
            return Err(error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "facts",
                format!("between 1 and {FACTS_PER_REQUEST_MAX} facts per request"),
            ));
        }
        let today = state.clock.today();
        let mut events = Vec::with_capacity(facts.len());
        for (index, fact) in facts.iter().enumerate() {
            let field = format!("facts[{index}]");
            let fact = Fields::of(fact, &field, &["effective_from", "change"])?;
            events.push(FactEvent {
                effective_from: fact.date("effective_from")?,
                recorded_on: today,
                change: change_from_json(
                    fact.get("change").unwrap_or(&Value::Null),
                    &format!("{field}.change"),
                )?,
            });
        }
        append_case_facts(&state, &staff, case, key, &events).await
    };
    result.await.unwrap_or_else(|response| response)
}

/// Records facts on a case the caller may act on (already authorised), as
/// the facts route does: refused where Direct Pay no longer exists, or where
/// closing or reopening waits for a disclosure's review; the store checks
/// closing and reopening against the case's state in the same transaction.
/// The caseworker pages use it too.
pub(crate) async fn append_case_facts(
    state: &AppState,
    staff: &Staff,
    case: CaseReference,
    key: &str,
    events: &[FactEvent],
) -> Result<Response, Response> {
    // Under the reformed single service (modelled), Direct Pay does not
    // exist from its start: a case cannot choose it for then.
    for (index, event) in events.iter().enumerate() {
        if event.change == Change::ServiceType(case_records::ServiceType::DirectPay)
            && let Ok(set) = state.parameters.at(event.effective_from)
            && !set.direct_pay_available
        {
            return Err(error(
                StatusCode::UNPROCESSABLE_ENTITY,
                &format!("facts[{index}].change"),
                format!(
                    "Direct Pay does not exist from {} under the modelled reform `{}`: every case is collected",
                    set.effective_from,
                    set.modelled_policy.as_deref().unwrap_or("")
                ),
            ));
        }
    }
    // A fact the law cannot serve on its date (before the scheme, a benefit
    // the rules did not yet name), or a change naming a child the case does
    // not have, is refused before anything is stored, naming the fact
    // (`case_records::check_servable`). An income not yet known is not:
    // facts arrive one by one (a child before any income).
    let history = history_or_404(state, &case).await?;
    if let Err(refused) = case_records::check_servable(&history, events, state.parameters) {
        return Err(error(
            StatusCode::UNPROCESSABLE_ENTITY,
            &format!("facts[{}]", refused.index),
            format!(
                "the case cannot take these facts: {}; nothing was recorded",
                refused.error
            ),
        ));
    }
    // A case may not be closed or reopened while a disclosure waits for
    // review by its named caseworker or the specialist team (issue 5 §4).
    // Whether its state allows it is checked by the store, in the
    // transaction that appends.
    if events
        .iter()
        .any(|e| matches!(e.change, Change::CaseClosed | Change::CaseReopened))
    {
        let records = state
            .store
            .safety_events(&case)
            .await
            .map_err(|e| storage_failure(&e))?;
        if !safety::SafetyState::from_records(&records).may_close_or_reopen() {
            return Err(error(
                StatusCode::CONFLICT,
                "facts",
                "a disclosure on this case is waiting for review by its named caseworker or the domestic abuse specialist team; it cannot be closed or reopened until then",
            ));
        }
    }
    let audit = staff.audit(
        state,
        Action::Changed,
        Some(&case),
        events
            .iter()
            .map(|e| e.change.encode().0.to_owned())
            .collect(),
        None,
    );
    let outcome = state
        .store
        .append_facts(&case, events, key, audit)
        .await
        .map_err(|e| storage_failure(&e))?;
    Ok(match outcome {
        AppendOutcome::Appended { first_sequence } => json_response(
            StatusCode::CREATED,
            &json!({ "first_sequence": first_sequence, "recorded": events.len() }),
        ),
        AppendOutcome::AlreadyApplied { first_sequence } => json_response(
            StatusCode::OK,
            &json!({ "first_sequence": first_sequence, "recorded": events.len(), "replayed": true }),
        ),
    })
}

/// Makes the calculation on an application (the caseworker pages): the
/// paying parent's weekly income from the initial effective date, which the
/// caseworker gives (for an application by the receiving parent, the day
/// the paying parent is told of it: 2012 Regs reg 25 as we read it; rules.md
/// does not cover it, so it is the caseworker's date, not computed). The
/// case is given its date first, so a second caseworker with another date
/// is refused before anything is written; the income then follows under a
/// key naming both, so a retry (or a crash between the two) completes it.
pub(crate) async fn make_calculation(
    state: &AppState,
    staff: &Staff,
    case: CaseReference,
    start: Date,
    weekly: domain_types::Pence,
) -> Result<Response, Response> {
    forbidden_unless(staff.role.may_record_changes())?;
    // As when a case is opened over the API: never a start no run can serve.
    servable_start(state, start, "effective_from")?;
    let history = history_or_404(state, &case).await?;
    if let Some(started) = history.initial_effective_date
        && started != start
    {
        return Err(error(
            StatusCode::CONFLICT,
            "effective_from",
            format!("the calculation was made already, with liability from {started}"),
        ));
    }
    state
        .store
        .open_case(&case, start)
        .await
        .map_err(|e| storage_failure(&e))?;
    let events = [FactEvent {
        effective_from: start,
        recorded_on: state.clock.today(),
        change: Change::Income(maintenance_calculation::Income::Weekly(weekly)),
    }];
    append_case_facts(
        state,
        staff,
        case,
        &format!("calculation/{start}/{}", weekly.get()),
        &events,
    )
    .await
}

/// `GET /api/v1/cases/{reference}/schedule?until=YYYY-MM-DD&known_on=YYYY-MM-DD`.
pub async fn schedule(
    State(state): State<AppState>,
    staff: Staff,
    Path(reference): Path<String>,
    Query(query): Query<Map<String, Value>>,
    headers: HeaderMap,
) -> Response {
    let result = async {
        if let Some(unknown) = query
            .keys()
            .find(|k| !["until", "known_on"].contains(&k.as_str()))
        {
            return Err(error(
                StatusCode::UNPROCESSABLE_ENTITY,
                unknown,
                "unknown query parameter; the parameters here are until, known_on",
            ));
        }
        let case = parse_reference(&reference)?;
        crate::parties::authorise_case_action(&state, &staff, &case, &headers).await?;
        let today = state.clock.today();
        let until = match query.get("until") {
            Some(_) => date_field(query.get("until"), "until")?,
            None => today,
        };
        let known_on = match query.get("known_on") {
            Some(_) => date_field(query.get("known_on"), "known_on")?,
            None => today,
        };
        let history = history_or_404(&state, &case).await?;
        let schedule = liability_schedule(&history, state.parameters, known_on, until)
            .map_err(|e| error(StatusCode::UNPROCESSABLE_ENTITY, "facts", e.to_string()))?;
        let segments: Vec<Value> = schedule
            .segments
            .iter()
            .map(|segment| {
                json!({
                    "from": segment.from.to_string(),
                    "to": segment.to.to_string(),
                    "rate": segment.rate.map(|r| r.code()),
                    "weekly_pence": segment.weekly.iter().map(|(id, p)| (id.0.to_string(), json!(p.get()))).collect::<Map<String, Value>>(),
                    "reasons": segment.reasons.iter().map(|r| format!("{r:?}")).collect::<Vec<_>>(),
                    "parameters": segment.parameters,
                })
            })
            .collect();
        Ok(json_response(
            StatusCode::OK,
            &json!({ "reference": case.to_string(), "known_on": known_on.to_string(), "until": until.to_string(), "segments": segments }),
        ))
    };
    result.await.unwrap_or_else(|response| response)
}
