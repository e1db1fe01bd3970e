//! Challenging a decision (issue 16): a parent asks for a mandatory
//! reconsideration, the other parent is told neutrally and may send their
//! view, a caseworker other than the decision's maker decides it (a
//! revision recorded as corrected facts from the original decision's date,
//! through the facts route, so the schedule and the daily run's ledger
//! follow), each parent gets a notice, and an appeal's response bundle is
//! built for its recipient through the one protection model and the one
//! redaction path (`case_records::Locators`).
//!
//! Every free word (why, the reason for lateness, a view, the reasons,
//! the grounds) is sealed before it is stored and leaves only through the
//! recipient's redaction; evidence files are sealed whole, and images go
//! to a parent without their metadata. A challenge never leads to an
//! adverse decision: it makes work for a caseworker and a note for the
//! coercion signals, nothing else.

// A refused request is answered with its `Response` straight away.
#![allow(clippy::result_large_err)]

use std::fmt::Write as _;

use audit_log::Action;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use case_records::{CaseParties, CaseReference, Locators, PersonId, Role, SealedParty};
use challenges::{
    Challenge, ChallengeEvent, DecisionKind, MediaType, Outcome, Parent, Recipient, Refused,
    RequestRefused, TimeLimits, Timing,
};
use domain_types::Date;
use field_crypto::FieldContext;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use storage_api::{ActionOutcome, ChallengeRow, EvidenceRow, StorageError};
use work_items::{WorkChange, WorkKind};

use crate::AppState;
use crate::cases::{
    SignedIn, Staff, error, forbidden_unless, parse_reference, personal_data_unavailable,
    storage_failure,
};
use crate::html::{self, Button, DateInput, Markup, Radios, escape};
use crate::json_input::{Fields, parse_json};
use crate::json_response;
use axum::response::IntoResponse as _;

/// The longest reason, view or grounds, in characters.
const WORDS_MAX_CHARS: usize = 4_000;

/// The rule under which a parent's copy withholds the other party's
/// locating details.
const RULE_PROTECTED: &str = "The other party is protected by this service's non-disclosure marker (a person at risk of domestic abuse): nothing that could locate them is passed to the other party (Child Support Act 1991 s.50, unauthorised disclosure of information)";
const RULE_UNPROTECTED: &str = "The other party's contact details are never passed to the other party (Child Support Act 1991 s.50, unauthorised disclosure of information)";
const RULE_METADATA: &str = "Image metadata (EXIF, XMP, GPS position, comments) can record where a photograph was taken: removed from every party's copy";
const RULE_DOCUMENT: &str = "A document from the other party cannot be checked line by line for locating details: withheld from this copy; the tribunal has it";
const TRIBUNAL_MARK: &str = "TRIBUNAL COPY: COMPLETE. It holds details of a person protected from the other party (marked below). Do not pass this copy, or anything marked, to any party: Tribunal Procedure (First-tier Tribunal) (Social Entitlement Chamber) Rules 2008 r.14 (check)";

fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        let _ = write!(out, "{byte:02x}");
    }
    out
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

fn parent_of(role: Role) -> Option<Parent> {
    match role {
        Role::PayingParent => Some(Parent::Paying),
        Role::ReceivingParent => Some(Parent::Receiving),
        _ => None,
    }
}

fn parent_in_words(parent: Parent) -> &'static str {
    match parent {
        Parent::Paying => "the paying parent",
        Parent::Receiving => "the receiving parent",
    }
}

fn refused(refusal: &Refused) -> Response {
    let status = match refusal {
        Refused::SameDecisionMaker | Refused::NotTheOtherParent => StatusCode::FORBIDDEN,
        _ => StatusCode::CONFLICT,
    };
    error(status, "challenge", refusal.to_string())
}

fn idempotency_key(headers: &HeaderMap) -> Result<&str, Response> {
    headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .filter(|k| !k.is_empty() && k.len() <= 200)
        .ok_or_else(|| {
            error(
                StatusCode::BAD_REQUEST,
                "idempotency-key",
                "an Idempotency-Key header is needed, so that a retry changes nothing",
            )
        })
}

fn words_context<'a>(row: &'a str) -> FieldContext<'a> {
    FieldContext {
        table: "challenge_events",
        column: "words",
        row,
    }
}

fn seal_words(state: &AppState, challenge: &str, event_id: &str, words: &Value) -> String {
    let row = format!("{challenge}/{event_id}");
    hex(&state.keys.seal(
        &words_context(&row),
        words.to_string().as_bytes(),
        state.clock.nonce(),
    ))
}

fn open_words(state: &AppState, challenge: &str, row: &ChallengeRow) -> Result<Value, Response> {
    let Some(sealed) = &row.words else {
        return Ok(Value::Null);
    };
    let context = format!("{challenge}/{}", row.event_id);
    let bytes = unhex(sealed).ok_or_else(|| personal_data_unavailable("unreadable words"))?;
    let plain = state
        .keys
        .open(&words_context(&context), &bytes)
        .map_err(personal_data_unavailable)?;
    serde_json::from_slice(&plain).map_err(personal_data_unavailable)
}

/// A stored challenge, folded.
struct Loaded {
    case: CaseReference,
    rows: Vec<ChallengeRow>,
    challenge: Challenge,
}

impl Loaded {
    fn row(&self, kind: &str) -> Option<&ChallengeRow> {
        self.rows.iter().find(|r| r.kind == kind)
    }
}

async fn load(state: &AppState, id: &str) -> Result<Loaded, Response> {
    let not_found = || error(StatusCode::NOT_FOUND, "id", "there is no such challenge");
    if id.len() > 64 {
        return Err(not_found());
    }
    let (case, rows) = state
        .store
        .challenge(id)
        .await
        .map_err(|e| storage_failure(&e))?
        .ok_or_else(not_found)?;
    let events = rows
        .iter()
        .map(|r| challenges::decode(&r.kind, &r.payload))
        .collect::<Result<Vec<_>, _>>()
        .map_err(personal_data_unavailable)?;
    let challenge = Challenge::from_events(&events).map_err(|e| refused(&e))?;
    Ok(Loaded {
        case,
        rows,
        challenge,
    })
}

/// The parent signed in, as a party to `case` (403 otherwise).
async fn parent_on_case(
    state: &AppState,
    signed_in: &SignedIn,
    case: &CaseReference,
) -> Result<Parent, Response> {
    crate::cases::parents_only(signed_in)?;
    let party = crate::collection::own_party(state, signed_in, case).await?;
    Ok(match party {
        safety::Party::PayingParent => Parent::Paying,
        safety::Party::ReceivingParent => Parent::Receiving,
    })
}

/// Records `event` as the challenge's next event, with its sealed words,
/// evidence and work, audited; a retry under `event_id` is harmless.
#[allow(clippy::too_many_arguments)]
async fn record(
    state: &AppState,
    loaded_rows: usize,
    case: &CaseReference,
    id: &str,
    event_id: &str,
    event: &ChallengeEvent,
    who: &SignedIn,
    words: Option<&Value>,
    evidence: Option<&EvidenceRow>,
    work: &[WorkChange],
) -> Result<ActionOutcome, Response> {
    let (kind, payload) = challenges::encode(event);
    let row = ChallengeRow {
        event_id: event_id.to_owned(),
        kind: kind.to_owned(),
        payload,
        person: who.person,
        role: who.role.code().to_owned(),
        on: state.clock.today().to_string(),
        words: words.map(|w| seal_words(state, id, event_id, w)),
    };
    let audit = who.audit(
        state,
        Action::Changed,
        Some(case),
        vec![format!("challenge.{kind}")],
        None,
    );
    state
        .store
        .record_challenge_event(
            case,
            id,
            i64::try_from(loaded_rows).unwrap_or(i64::MAX),
            &row,
            evidence,
            work,
            audit,
        )
        .await
        .map_err(|e| match e {
            StorageError::ActionConflict(_) => error(
                StatusCode::CONFLICT,
                "challenge",
                "the challenge changed while this was being sent; nothing was written: look again and resend",
            ),
            StorageError::IdempotencyKeyReused(_) => error(
                StatusCode::CONFLICT,
                "idempotency-key",
                "that Idempotency-Key was used for something else; nothing was written",
            ),
            other => storage_failure(&other),
        })
}

/// The staff member who last changed the case before now: the decision's
/// maker, who may not work its reconsideration. Read by the audit index on
/// (case, action), so it costs the same however long the log grows.
async fn decision_maker(state: &AppState, case: &CaseReference) -> Result<Option<u64>, Response> {
    let actor = state
        .store
        .last_staff_change(case)
        .await
        .map_err(|e| storage_failure(&e))?;
    Ok(actor.and_then(|a| a.strip_prefix("staff-")?.parse().ok()))
}

/// Whether a decision of `kind` was notified on `on` (facts recorded that
/// day for a decision on liability, a collection action taken that day
/// otherwise), and for liability the date it took effect from.
async fn decision_on(
    state: &AppState,
    case: &CaseReference,
    kind: DecisionKind,
    on: Date,
) -> Result<Option<Date>, Response> {
    if kind.sets_liability() {
        let history = crate::cases::history_or_404(state, case).await?;
        Ok(history
            .events
            .iter()
            .filter(|e| e.recorded_on == on)
            .map(|e| e.effective_from)
            .min())
    } else {
        let actions = state
            .store
            .collection_actions(case)
            .await
            .map_err(|e| storage_failure(&e))?;
        Ok(actions.iter().any(|a| a.by.on == on).then_some(on))
    }
}

fn challenge_id(case: &CaseReference, person: i64, key: &str) -> String {
    let digest = Sha256::digest(format!("{case}/{person}/{key}").as_bytes());
    format!("ch-{}", hex(&digest[..10]))
}

/// Why a request is refused: a field of the request and what to say, or
/// an answer already made (not a parent, the database, …).
enum AskRefused {
    Field(&'static str, String),
    Answer(Response),
}

impl From<Response> for AskRefused {
    fn from(response: Response) -> AskRefused {
        AskRefused::Answer(response)
    }
}

/// A request, as the API and the parent's page ask it: checked against
/// the decision's notice and the time limits, then recorded with its work
/// item, audited, and noted for the coercion scan. The answer's status and
/// JSON.
#[allow(clippy::too_many_arguments)]
async fn ask_for(
    state: &AppState,
    signed_in: &SignedIn,
    case: CaseReference,
    by: Parent,
    key: &str,
    decision: DecisionKind,
    notified: Date,
    why: &str,
    late_reason: Option<&str>,
) -> Result<(StatusCode, Value), AskRefused> {
    let today = state.clock.today();
    if decision_on(state, &case, decision, notified)
        .await?
        .is_none()
    {
        return Err(AskRefused::Field(
            "notified_on",
            format!(
                "no {} on this case was notified on {notified}: give the date on the decision's letter",
                decision.code().replace('_', " ")
            ),
        ));
    }
    let timing = challenges::check_request(
        notified,
        today,
        late_reason.is_some(),
        TimeLimits::embedded(),
    )
    .map_err(|refusal| {
        let field = match refusal {
            RequestRefused::LateWithoutReason { .. } => "late_reason",
            _ => "notified_on",
        };
        AskRefused::Field(field, refusal.to_string())
    })?;
    let id = challenge_id(&case, signed_in.person, key);
    let event = ChallengeEvent::Asked {
        by,
        decision,
        notified,
        decided_by: decision_maker(state, &case).await?,
        timing,
    };
    let mut words = json!({ "why": why });
    if let (Timing::Late, Some(late)) = (timing, late_reason) {
        words["late_reason"] = json!(late);
    }
    let work = [WorkChange::Open {
        id: work_items::item_id(WorkKind::Reconsideration, &case, &id),
        kind: WorkKind::Reconsideration,
        case: Some(case),
        person: Some(PersonId(u64::try_from(signed_in.person).unwrap_or(0))),
    }];
    let outcome = record(
        state,
        0,
        &case,
        &id,
        "asked",
        &event,
        signed_in,
        Some(&words),
        None,
        &work,
    )
    .await?;
    note_for_the_coercion_scan(state, &case, &id, by, signed_in).await?;
    let status = match outcome {
        ActionOutcome::Recorded { .. } => StatusCode::CREATED,
        ActionOutcome::AlreadyRecorded => StatusCode::OK,
    };
    let limits = TimeLimits::embedded()
        .at(notified)
        .expect("checked by check_request");
    Ok((
        status,
        json!({
            "challenge": id,
            "reference": case.to_string(),
            "decision": decision.code(),
            "notified_on": notified.to_string(),
            "timing": timing.code(),
            "in_time_until": challenges::deadlines(notified, limits).0.to_string(),
            "stage": "being_looked_at",
        }),
    ))
}

/// `POST /api/v1/cases/{reference}/challenges` (a parent, with an
/// `Idempotency-Key`): `{"decision": "calculation", "notified_on":
/// "YYYY-MM-DD", "why": "…", "late_reason": "…"}`.
pub async fn ask(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(reference): Path<String>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let result = async {
        let case = parse_reference(&reference)?;
        let by = parent_on_case(&state, &signed_in, &case).await?;
        let key = idempotency_key(&headers)?;
        let request = parse_json(&body)?;
        let fields = Fields::of(
            &request,
            "",
            &["decision", "notified_on", "why", "late_reason"],
        )?;
        let decision = fields.code(
            "decision",
            DecisionKind::from_code,
            "calculation, variation, default_decision, fee or enforcement_step",
        )?;
        let notified = fields.date("notified_on")?;
        let why = fields.text("why", WORDS_MAX_CHARS)?;
        let late_reason = fields.optional_text("late_reason", WORDS_MAX_CHARS)?;
        match ask_for(
            &state,
            &signed_in,
            case,
            by,
            key,
            decision,
            notified,
            why.as_str(),
            late_reason.as_ref().map(|l| l.as_str()),
        )
        .await
        {
            Ok((status, answer)) => Ok(json_response(status, &answer)),
            Err(AskRefused::Field(field, message)) => {
                Err(crate::json_input::refuse(field, message))
            }
            Err(AskRefused::Answer(response)) => Err(response),
        }
    };
    result.await.unwrap_or_else(|response| response)
}

/// A challenge is noted for the coercion scan, as staff note one today
/// (`safety::Noted::Challenge`), so repeated challenges still raise their
/// signal; it decides nothing.
async fn note_for_the_coercion_scan(
    state: &AppState,
    case: &CaseReference,
    id: &str,
    by: Parent,
    who: &SignedIn,
) -> Result<(), Response> {
    let record = safety::SafetyRecord {
        event: safety::SafetyEvent::Noted {
            what: safety::Noted::Challenge,
            party: match by {
                Parent::Paying => safety::Party::PayingParent,
                Parent::Receiving => safety::Party::ReceivingParent,
            },
        },
        by: safety::Recorder {
            person: PersonId(u64::try_from(who.person).unwrap_or(0)),
            role: who.role,
            on: state.clock.today(),
        },
    };
    let key = format!("challenge-{id}");
    for _ in 0..5 {
        let events = state
            .store
            .safety_events(case)
            .await
            .map_err(|e| storage_failure(&e))?;
        let audit = who.audit(
            state,
            Action::Changed,
            Some(case),
            vec!["safety.noted".to_owned()],
            None,
        );
        match state
            .store
            .record_safety_event(
                case,
                i64::try_from(events.len()).unwrap_or(i64::MAX),
                &key,
                &record,
                audit,
            )
            .await
        {
            Ok(_) | Err(StorageError::IdempotencyKeyReused(_)) => return Ok(()),
            Err(StorageError::ActionConflict(_)) => {}
            Err(other) => return Err(storage_failure(&other)),
        }
    }
    Err(error(
        StatusCode::CONFLICT,
        "challenge",
        "the case is busy; send the request again (nothing is asked twice)",
    ))
}

/// `POST /api/v1/challenges/{id}/evidence` (a parent on the case, with an
/// `Idempotency-Key`): the file as the body, its `Content-Type`
/// `application/pdf`, `image/jpeg` or `image/png`, checked by its bytes.
pub async fn evidence(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let result = async {
        let loaded = load(&state, &id).await?;
        let by = parent_on_case(&state, &signed_in, &loaded.case).await?;
        let key = idempotency_key(&headers)?;
        let declared = headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .and_then(MediaType::from_mime)
            .ok_or_else(|| {
                error(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "content-type",
                    "send the file as application/pdf, image/jpeg or image/png",
                )
            })?;
        let kind = challenges::check(declared, &body)
            .map_err(|e| crate::json_input::refuse("file", e.to_string()))?;
        let evidence_id = format!(
            "ev-{}",
            hex(&Sha256::digest(format!("{id}/{}/{key}", signed_in.person).as_bytes())[..8])
        );
        let event = ChallengeEvent::EvidenceAdded {
            by,
            evidence: evidence_id.clone(),
        };
        if let Err(refusal) = loaded.challenge.check(&event)
            && !loaded.rows.iter().any(|r| r.event_id == evidence_id)
        {
            return Err(refused(&refusal));
        }
        let row = format!("{id}/{evidence_id}");
        let file = EvidenceRow {
            evidence_id: evidence_id.clone(),
            media_type: kind.mime().to_owned(),
            person: signed_in.person,
            bytes: i64::try_from(body.len()).unwrap_or(i64::MAX),
            sealed: state.keys.seal(
                &FieldContext {
                    table: "challenge_evidence",
                    column: "sealed",
                    row: &row,
                },
                &body,
                state.clock.nonce(),
            ),
        };
        let outcome = record(
            &state,
            loaded.rows.len(),
            &loaded.case,
            &id,
            &evidence_id,
            &event,
            &signed_in,
            None,
            Some(&file),
            &[],
        )
        .await?;
        Ok(json_response(
            if matches!(outcome, ActionOutcome::Recorded { .. }) {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            },
            &json!({ "challenge": id, "evidence": evidence_id, "media_type": kind.mime(), "bytes": body.len() }),
        ))
    };
    result.await.unwrap_or_else(|response| response)
}

/// `POST /api/v1/challenges/{id}/view` (the other parent): `{"view": "…"}`.
pub async fn view(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    body: String,
) -> Response {
    let result = async {
        let loaded = load(&state, &id).await?;
        let by = parent_on_case(&state, &signed_in, &loaded.case).await?;
        let request = parse_json(&body)?;
        let fields = Fields::of(&request, "", &["view"])?;
        let words = fields.text("view", WORDS_MAX_CHARS)?;
        let event = ChallengeEvent::ViewSent { by };
        let retry = loaded
            .row("view_sent")
            .is_some_and(|row| row.person == signed_in.person);
        if !retry {
            loaded.challenge.check(&event).map_err(|e| refused(&e))?;
        }
        let outcome = record(
            &state,
            loaded.rows.len(),
            &loaded.case,
            &id,
            "view",
            &event,
            &signed_in,
            Some(&json!({ "view": words.as_str() })),
            None,
            &[],
        )
        .await?;
        Ok(json_response(
            if matches!(outcome, ActionOutcome::Recorded { .. }) {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            },
            &json!({ "challenge": id, "view": "received" }),
        ))
    };
    result.await.unwrap_or_else(|response| response)
}

/// What an outcome changed, kept (sealed) with it for the notices.
fn notice_facts(words: &Value) -> (Option<Date>, u64, u64, i64, Option<Date>) {
    let date = |k: &str| words[k].as_str().and_then(|d| Date::parse_iso(d).ok());
    (
        date("effective_from"),
        words["weekly_before_pence"].as_u64().unwrap_or(0),
        words["weekly_after_pence"].as_u64().unwrap_or(0),
        words["arrears_change_pence"].as_i64().unwrap_or(0),
        date("appeal_by"),
    )
}

/// `POST /api/v1/challenges/{id}/outcome` (a caseworker other than the
/// decision's maker): `{"outcome": "revised" | "partly_revised" |
/// "not_revised", "reasons": "…", "facts": [{"kind": "income", …}]}`.
/// A revision of a decision on liability records `facts` (the facts
/// route's changes) from the original decision's date, through the facts
/// route, so the schedule and the ledger follow.
pub async fn outcome(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let result = async {
        forbidden_unless(staff.role.may_record_changes())?;
        let loaded = load(&state, &id).await?;
        let case = loaded.case;
        crate::parties::authorise_case_action(&state, &staff, &case, &headers).await?;
        let request = parse_json(&body)?;
        let fields = Fields::of(&request, "", &["outcome", "reasons", "facts"])?;
        let outcome = fields.code(
            "outcome",
            Outcome::from_code,
            "revised, partly_revised or not_revised",
        )?;
        let reasons = fields.text("reasons", WORDS_MAX_CHARS)?;
        let facts = fields.optional_list("facts")?.unwrap_or_default();
        let by = u64::try_from(staff.person).unwrap_or(0);
        let event = ChallengeEvent::Decided { outcome, by };
        // A retry of the same outcome is answered as before.
        if let Some(row) = loaded.row("decided") {
            let (_, payload) = challenges::encode(&event);
            if row.payload == payload {
                let words = open_words(&state, &id, row)?;
                return Ok(json_response(
                    StatusCode::OK,
                    &outcome_answer(&id, outcome, &words),
                ));
            }
        }
        loaded.challenge.check(&event).map_err(|e| refused(&e))?;
        let changes_liability =
            outcome.changes_the_decision() && loaded.challenge.decision.sets_liability();
        if changes_liability && facts.is_empty() {
            return Err(crate::json_input::refuse(
                "facts",
                "a revision of a decision on liability needs the corrected facts (for instance {\"kind\": \"income\", \"weekly_pence\": 30000})",
            ));
        }
        if !changes_liability && !facts.is_empty() {
            return Err(crate::json_input::refuse(
                "facts",
                "only a revised decision on liability records corrected facts",
            ));
        }
        let today = state.clock.today();
        let before = crate::cases::history_or_404(&state, &case).await?;
        let effective = decision_on(
            &state,
            &case,
            loaded.challenge.decision,
            loaded.challenge.notified,
        )
        .await?
        .or(before.initial_effective_date)
        .unwrap_or(loaded.challenge.notified);
        if changes_liability {
            let body = json!({
                "facts": facts
                    .iter()
                    .map(|change| json!({ "effective_from": effective.to_string(), "change": change }))
                    .collect::<Vec<_>>()
            });
            let mut facts_headers = headers.clone();
            facts_headers.insert(
                "idempotency-key",
                HeaderValue::from_str(&format!("challenge/{id}/revision"))
                    .map_err(|_| error(StatusCode::BAD_REQUEST, "id", "unreadable id"))?,
            );
            let answer = crate::cases::record_facts(
                State(state.clone()),
                Staff {
                    person: staff.person,
                    role: staff.role,
                },
                Path(case.to_string()),
                facts_headers,
                body.to_string(),
            )
            .await;
            if !answer.status().is_success() {
                return Err(answer);
            }
        }
        let after = crate::cases::history_or_404(&state, &case).await?;
        let until = today.add_days(1).unwrap_or(today);
        let schedule = |history| {
            case_records::liability_schedule(history, state.parameters, today, until)
                .map_err(|e| error(StatusCode::UNPROCESSABLE_ENTITY, "facts", e.to_string()))
        };
        let (old, new) = (schedule(&before)?, schedule(&after)?);
        let weekly = |s: &case_records::Schedule| {
            s.on(effective)
                .map_or(0, |seg| seg.weekly.values().map(|p| p.get()).sum::<u64>())
        };
        let periods = case_records::weekly_periods(effective, until);
        let weeks: Vec<Value> = periods
            .iter()
            .map(|(from, to)| {
                let sum = |s: &case_records::Schedule| {
                    s.due(*from, *to).values().map(|p| p.get()).sum::<u64>()
                };
                json!({ "from": from.to_string(), "to": to.to_string(), "before_pence": sum(&old), "after_pence": sum(&new) })
            })
            .collect();
        let arrears_change: i64 = weeks
            .iter()
            .map(|w| {
                i64::try_from(w["after_pence"].as_u64().unwrap_or(0)).unwrap_or(0)
                    - i64::try_from(w["before_pence"].as_u64().unwrap_or(0)).unwrap_or(0)
            })
            .sum();
        let limits = TimeLimits::embedded().at(today).ok_or_else(|| {
            error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "",
                "no time limits coded for today",
            )
        })?;
        let words = json!({
            "reasons": reasons.as_str(),
            "effective_from": effective.to_string(),
            "weekly_before_pence": weekly(&old),
            "weekly_after_pence": weekly(&new),
            "arrears_change_pence": arrears_change,
            "weeks": weeks,
            "notice_sent": today.to_string(),
            "appeal_by": challenges::appeal_deadline(today, limits).to_string(),
        });
        let work = [WorkChange::Close {
            id: work_items::item_id(WorkKind::Reconsideration, &case, &id),
        }];
        record(
            &state,
            loaded.rows.len(),
            &case,
            &id,
            "decided",
            &event,
            &staff.signed_in(),
            Some(&words),
            None,
            &work,
        )
        .await?;
        Ok(json_response(
            StatusCode::CREATED,
            &outcome_answer(&id, outcome, &words),
        ))
    };
    result.await.unwrap_or_else(|response| response)
}

fn outcome_answer(id: &str, outcome: Outcome, words: &Value) -> Value {
    json!({
        "challenge": id,
        "outcome": outcome.code(),
        "effective_from": words["effective_from"],
        "weekly_before_pence": words["weekly_before_pence"],
        "weekly_after_pence": words["weekly_after_pence"],
        "arrears_change_pence": words["arrears_change_pence"],
        "weeks": words["weeks"],
        "appeal_by": words["appeal_by"],
        "notice": format!("/api/v1/challenges/{id}/notice.pdf"),
    })
}

/// What must not reach `parent`: every locating detail of everyone else
/// in the case (the other parent, and the children's school and GP), and
/// whether anyone else is protected.
fn locators_for(parties: &CaseParties, me: PersonId) -> (Locators, bool) {
    let mut locators = Locators::none();
    let mut protected = false;
    let everyone = std::iter::once(&parties.paying_parent)
        .chain(parties.receiving_parents.iter().map(|(_, p)| p));
    for person in everyone.filter(|p| p.id != me) {
        locators.person(person);
        protected |= person.non_disclosure;
    }
    for child in &parties.children {
        locators.child(child);
    }
    (locators, protected)
}

async fn opened_parties(
    state: &AppState,
    case: &CaseReference,
) -> Result<(Vec<SealedParty>, CaseParties), Response> {
    let sealed = state
        .store
        .parties(case)
        .await
        .map_err(|e| storage_failure(&e))?;
    let parties = case_records::open_parties(*case, &sealed, &state.keys)
        .map_err(personal_data_unavailable)?;
    Ok((sealed, parties))
}

/// `GET /api/v1/challenges/{id}/notice.pdf` (a parent on the case): the
/// mandatory reconsideration notice as tagged PDF, addressed from their own
/// details: the outcome, the reasons, the new amount and the arrears
/// effect, and how to appeal and by when.
pub async fn notice(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> Response {
    let result = async {
        let loaded = load(&state, &id).await?;
        let case = loaded.case;
        let me_as = parent_on_case(&state, &signed_in, &case).await?;
        let Some((outcome, _)) = loaded.challenge.outcome else {
            return Err(error(
                StatusCode::NOT_FOUND,
                "id",
                "the decision is still being looked at; the notice follows its outcome",
            ));
        };
        let row = loaded.row("decided").expect("decided");
        let words = open_words(&state, &id, row)?;
        let (effective, before, after, arrears, appeal_by) = notice_facts(&words);
        let (_, parties) = opened_parties(&state, &case).await?;
        let me = PersonId(u64::try_from(signed_in.person).unwrap_or(0));
        let (locators, _) = locators_for(&parties, me);
        let viewer = case_records::Viewer {
            person: me,
            role: signed_in.role,
            break_glass_reason: None,
        };
        let own = match case_records::view_for(&viewer, &parties)
            .map_err(|denied| error(StatusCode::FORBIDDEN, "id", denied.to_string()))?
            .view
        {
            case_records::CaseView::Parent(view) => view.me,
            case_records::CaseView::Staff(_) => {
                return Err(error(
                    StatusCode::FORBIDDEN,
                    "authorization",
                    "notices are for parents",
                ));
            }
        };
        let money = |p: u64| domain_types::Pence::new(p).to_string();
        let asked = if loaded.challenge.asked_by == me_as {
            "You asked us to look again at".to_owned()
        } else {
            "We were asked to look again at".to_owned()
        };
        let mut paragraphs = vec![
            format!(
                "{asked} {} notified on {}. This is our mandatory reconsideration notice.",
                loaded.challenge.decision.in_words(),
                loaded.challenge.notified
            ),
            format!("{}.", outcome.in_words()),
            format!(
                "Our reasons: {}",
                locators.withhold(words["reasons"].as_str().unwrap_or(""))
            ),
        ];
        if let Some(effective) = effective {
            paragraphs.push(format!(
                "From {effective} the weekly amount is {} (it was {}).",
                money(after),
                money(before)
            ));
        }
        paragraphs.push(match arrears.cmp(&0) {
            std::cmp::Ordering::Greater => format!(
                "For the weeks up to this notice, {} more was due than before. Any arrears are worked out from this.",
                money(arrears.unsigned_abs())
            ),
            std::cmp::Ordering::Less => format!(
                "For the weeks up to this notice, {} less was due than before. Anything paid over is set against what is due next.",
                money(arrears.unsigned_abs())
            ),
            std::cmp::Ordering::Equal => {
                "This does not change what was due for the weeks up to this notice.".to_owned()
            }
        });
        paragraphs.push(format!(
            "If you disagree, you can appeal to the First-tier Tribunal (Social Security and Child Support). Your appeal must reach the tribunal by {}, one month from the date of this notice. Send a copy of this notice with it. The other parent will be told of the appeal, and each of you will be sent the papers the tribunal sees, without anything that could locate anyone at risk.",
            appeal_by.map_or_else(|| "one month from this notice".to_owned(), |d| d.to_string())
        ));
        let letter = letters::Letter::to_parent(
            &state.service_address,
            &own,
            state.clock.today(),
            case,
            "Mandatory reconsideration notice",
            paragraphs,
        );
        state
            .store
            .append_audit(signed_in.audit(
                &state,
                Action::Viewed,
                Some(&case),
                vec!["letter.mandatory_reconsideration_notice".to_owned()],
                None,
            ))
            .await
            .map_err(|e| storage_failure(&e))?;
        let mut response =
            axum::response::IntoResponse::into_response((StatusCode::OK, letter.to_pdf()));
        let h = response.headers_mut();
        h.insert(
            axum::http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/pdf"),
        );
        h.insert(
            axum::http::header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        );
        Ok(response)
    };
    result.await.unwrap_or_else(|response| response)
}

/// `POST /api/v1/challenges/{id}/appeal` (a parent on the case, after the
/// reconsideration's notice): `{"grounds": "…"}`. A late appeal is
/// recorded as late; the tribunal decides whether to admit it.
pub async fn appeal(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    body: String,
) -> Response {
    let result = async {
        let loaded = load(&state, &id).await?;
        let by = parent_on_case(&state, &signed_in, &loaded.case).await?;
        let request = parse_json(&body)?;
        let fields = Fields::of(&request, "", &["grounds"])?;
        let grounds = fields.text("grounds", WORDS_MAX_CHARS)?;
        let today = state.clock.today();
        let appeal_by = match loaded.row("decided") {
            Some(row) => notice_facts(&open_words(&state, &id, row)?).4,
            None => None,
        };
        let late = appeal_by.is_some_and(|by| today > by);
        let event = ChallengeEvent::Appealed { by, late };
        if let Some(row) = loaded.row("appealed") {
            let (_, payload) = challenges::encode(&event);
            if row.payload == payload && row.person == signed_in.person {
                return Ok(json_response(
                    StatusCode::OK,
                    &json!({ "challenge": id, "appealed": true, "late": late }),
                ));
            }
        }
        loaded.challenge.check(&event).map_err(|e| refused(&e))?;
        record(
            &state,
            loaded.rows.len(),
            &loaded.case,
            &id,
            "appealed",
            &event,
            &signed_in,
            Some(&json!({ "grounds": grounds.as_str() })),
            None,
            &[],
        )
        .await?;
        Ok(json_response(
            StatusCode::CREATED,
            &json!({
                "challenge": id,
                "appealed": true,
                "late": late,
                "appeal_by": appeal_by.map(|d| d.to_string()),
                "bundle": format!("/api/v1/challenges/{id}/bundle"),
            }),
        ))
    };
    result.await.unwrap_or_else(|response| response)
}

/// `GET /api/v1/cases/{reference}/challenges`: the case's challenges and
/// where each stands, for a parent on the case (the other parent told,
/// neutrally, that a decision is being looked at again) or for staff.
pub async fn list(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(reference): Path<String>,
    headers: HeaderMap,
) -> Response {
    let result = async {
        let case = parse_reference(&reference)?;
        let me = if signed_in.role.is_parent() {
            Some(parent_on_case(&state, &signed_in, &case).await?)
        } else {
            let staff = Staff {
                person: signed_in.person,
                role: signed_in.role,
            };
            crate::parties::authorise_case_action(&state, &staff, &case, &headers).await?;
            None
        };
        let ids = state
            .store
            .challenges_of_case(&case)
            .await
            .map_err(|e| storage_failure(&e))?;
        let mut items = Vec::with_capacity(ids.len());
        for id in ids {
            let loaded = load(&state, &id).await?;
            let c = &loaded.challenge;
            let mine = me.map(|p| p == c.asked_by);
            let message = match (mine, c.stage()) {
                (Some(false), challenges::Stage::Asked) => {
                    "A decision on this case is being looked at again. You can send us your view; nothing you have told us about where you live is shared.".to_owned()
                }
                (_, challenges::Stage::Asked) => {
                    format!("We are looking again at {}.", c.decision.in_words())
                }
                (_, challenges::Stage::Decided(outcome)) => format!("{}.", outcome.in_words()),
                (_, challenges::Stage::Appealed) => {
                    "The decision has been appealed to the First-tier Tribunal (Social Security and Child Support).".to_owned()
                }
            };
            let mut item = json!({
                "challenge": id,
                "decision": c.decision.code(),
                "notified_on": c.notified.to_string(),
                "stage": c.stage().code(),
                "message": message,
            });
            if mine != Some(false) {
                item["timing"] = json!(c.timing.code());
                item["asked_by"] = json!(c.asked_by.code());
            }
            if c.outcome.is_some() && me.is_some() {
                item["notice"] = json!(format!("/api/v1/challenges/{id}/notice.pdf"));
            }
            if mine == Some(false) && c.outcome.is_none() && !c.view_sent {
                item["send_view"] = json!(format!("/api/v1/challenges/{id}/view"));
            }
            items.push(item);
        }
        state
            .store
            .append_audit(signed_in.audit(
                &state,
                Action::Viewed,
                Some(&case),
                vec!["challenges".to_owned()],
                None,
            ))
            .await
            .map_err(|e| storage_failure(&e))?;
        Ok(json_response(
            StatusCode::OK,
            &json!({ "reference": case.to_string(), "challenges": items }),
        ))
    };
    result.await.unwrap_or_else(|response| response)
}

/// One entry of a bundle's index of what was withheld.
fn withheld(item: &str, what: &str, rule: &str) -> Value {
    json!({ "item": item, "withheld": what, "rule": rule })
}

/// The decision challenged: the date it took effect from, its explanation
/// step by step (every figure, rule and source, as the calculation gives
/// it), and the facts it rested on as known on its date.
async fn the_decision(
    state: &AppState,
    case: &CaseReference,
    c: &Challenge,
) -> Result<(Date, Vec<Value>, Vec<Value>), Response> {
    let history = crate::cases::history_or_404(state, case).await?;
    let effective = decision_on(state, case, c.decision, c.notified)
        .await?
        .or(history.initial_effective_date)
        .unwrap_or(c.notified);
    let mut explanation = Vec::new();
    if c.decision.sets_liability()
        && let Ok(Some((_, request))) =
            case_records::calculation_request_on(&history, state.parameters, c.notified, effective)
        && let Ok(calculation) = maintenance_calculation::calculate(&request, state.parameters)
    {
        let names = |i: usize| {
            format!(
                "receiving parent {}",
                char::from(b'A' + u8::try_from(i % 26).unwrap_or(0))
            )
        };
        for step in calculation.explain(&names) {
            explanation.push(json!({ "text": step.text, "rule": step.rule, "pence": step.amount.map(|p| p.get()) }));
        }
        explanation.push(json!({ "text": format!("The law applied: parameter set {}", calculation.parameters.version), "rule": "legal-parameters", "pence": null }));
    }
    let facts = history
        .events
        .iter()
        .filter(|e| e.recorded_on <= c.notified)
        .map(|e| {
            let (kind, payload) = e.change.encode();
            json!({ "effective_from": e.effective_from.to_string(), "recorded_on": e.recorded_on.to_string(), "kind": kind, "payload": payload })
        })
        .collect();
    Ok((effective, explanation, facts))
}

/// `GET /api/v1/challenges/{id}` (staff who may work it): the case file
/// of the reconsideration: where it stands, who made the decision (who may
/// not decide it), the decision's explanation step by step and the facts
/// as known on its date, what each parent says (through the viewer's
/// redaction: whole to the named caseworker and the specialist team), and
/// the evidence received.
pub async fn case_file(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let result = async {
        forbidden_unless(staff.role.may_record_changes())?;
        let loaded = load(&state, &id).await?;
        let case = loaded.case;
        crate::parties::authorise_case_action(&state, &staff, &case, &headers).await?;
        let c = &loaded.challenge;
        let (effective, explanation, facts) = the_decision(&state, &case, c).await?;
        let words =
            crate::free_words::FreeWords::on_case(&state, staff.person, staff.role, &case).await?;
        let mut said = Vec::new();
        for row in &loaded.rows {
            let opened = open_words(&state, &id, row)?;
            if let Value::Object(map) = opened {
                for (key, value) in map {
                    if let (true, Some(text)) = (
                        ["why", "late_reason", "view", "grounds", "reasons"]
                            .contains(&key.as_str()),
                        value.as_str(),
                    ) {
                        said.push(json!({ "event": row.kind, "by": row.role, "on": row.on, "what": key, "words": words.show(text) }));
                    }
                }
            }
        }
        let evidence: Vec<Value> = state
            .store
            .challenge_evidence(&id)
            .await
            .map_err(|e| storage_failure(&e))?
            .iter()
            .map(|f| json!({ "evidence": f.evidence_id, "media_type": f.media_type, "bytes": f.bytes, "from_person": f.person }))
            .collect();
        let limits = TimeLimits::embedded().at(c.notified);
        state
            .store
            .append_audit(staff.audit(
                &state,
                Action::Viewed,
                Some(&case),
                vec!["challenge".to_owned()],
                None,
            ))
            .await
            .map_err(|e| storage_failure(&e))?;
        Ok(json_response(
            StatusCode::OK,
            &json!({
                "challenge": id,
                "reference": case.to_string(),
                "stage": c.stage().code(),
                "asked_by": c.asked_by.code(),
                "timing": c.timing.code(),
                "in_time_until": limits.map(|l| challenges::deadlines(c.notified, l).0.to_string()),
                "decision": {
                    "kind": c.decision.code(),
                    "notified_on": c.notified.to_string(),
                    "effective_from": effective.to_string(),
                    "made_by": c.decided_by,
                    "explanation": explanation,
                },
                "may_decide": c.may_work(u64::try_from(staff.person).unwrap_or(0)),
                "facts": facts,
                "said": said,
                "evidence": evidence,
                "outcome": c.outcome.map(|(o, by)| json!({ "outcome": o.code(), "by": by })),
                "appealed": c.appeal.map(|(by, late)| json!({ "by": by.code(), "late": late })),
            }),
        ))
    };
    result.await.unwrap_or_else(|response| response)
}

/// `GET /api/v1/challenges/{id}/bundle?for=tribunal|paying_parent|receiving_parent`
/// (caseworkers, once appealed): the appeal response bundle for its
/// recipient, recorded as sent to them. A parent's copy withholds every
/// locating detail of everyone else in the case wherever it appears (the
/// words, the evidence's metadata, documents from the other party) and
/// says on its index what was withheld and under which rule; the
/// tribunal's copy is complete and marked.
pub async fn bundle(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Query(query): Query<Map<String, Value>>,
    headers: HeaderMap,
) -> Response {
    let result = async {
        forbidden_unless(staff.role.may_record_changes())?;
        if let Some(unknown) = query
            .keys()
            .find(|k| !matches!(k.as_str(), "for" | "format"))
        {
            return Err(crate::json_input::refuse(
                unknown,
                "unknown query parameter; the parameters here are for and format",
            ));
        }
        let wants_pdf = match query.get("format").map(|v| v.as_str()) {
            None => headers
                .get(axum::http::header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|accept| accept.contains("application/pdf")),
            Some(Some("pdf")) => true,
            Some(Some("json")) => false,
            Some(_) => {
                return Err(crate::json_input::refuse(
                    "format",
                    "is pdf or json (or leave it out and send Accept: application/pdf for the PDF)",
                ));
            }
        };
        let recipient = query
            .get("for")
            .and_then(Value::as_str)
            .and_then(Recipient::from_code)
            .ok_or_else(|| {
                crate::json_input::refuse("for", "is tribunal, paying_parent or receiving_parent")
            })?;
        let loaded = load(&state, &id).await?;
        let case = loaded.case;
        crate::parties::authorise_case_action(&state, &staff, &case, &headers).await?;
        let event = ChallengeEvent::BundleSent { to: recipient };
        loaded.challenge.check(&event).map_err(|e| refused(&e))?;
        let (sealed, parties) = opened_parties(&state, &case).await?;
        // Who the recipient is, and what must not reach them.
        let recipient_person = match recipient {
            Recipient::Tribunal => None,
            Recipient::Parent(Parent::Paying) => Some(parties.paying_parent.id),
            Recipient::Parent(Parent::Receiving) => {
                // The receiving parent who is a party to the challenge
                // (the one who asked or sent a view), else the first.
                let asked_by = loaded.rows.first().map(|r| r.person);
                parties
                    .receiving_parents
                    .iter()
                    .map(|(_, p)| p.id)
                    .find(|p| asked_by == i64::try_from(p.0).ok())
                    .or_else(|| parties.receiving_parents.first().map(|(_, p)| p.id))
            }
        };
        let redact = recipient_person.map(|me| locators_for(&parties, me));
        let show = |text: &str| match &redact {
            Some((locators, _)) => locators.withhold(text),
            None => text.to_owned(),
        };
        let rule = match &redact {
            Some((_, true)) => RULE_PROTECTED,
            _ => RULE_UNPROTECTED,
        };
        let mut withheld_index: Vec<Value> = Vec::new();
        if redact.is_some() {
            withheld_index.push(withheld(
                "The parties",
                "the other party's name, address, postcode, phone, email, employer and bank, and the children's school and GP",
                rule,
            ));
        }
        // 1–2. The decision and its explanation, and the facts it rested on.
        let c = &loaded.challenge;
        let (effective, explanation, facts) = the_decision(&state, &case, c).await?;
        // 3. What each party said, and the reconsideration.
        let mut said = Vec::new();
        let mut reconsideration = Value::Null;
        for row in &loaded.rows {
            let words = open_words(&state, &id, row)?;
            let from = match Role::from_code(&row.role).and_then(parent_of) {
                Some(parent) => parent_in_words(parent).to_owned(),
                None => "the caseworker".to_owned(),
            };
            let mut say = |label: &str, key: &str| {
                if let Some(text) = words[key].as_str() {
                    let shown = show(text);
                    if shown != text {
                        withheld_index.push(withheld(
                            &format!("{label} ({from})"),
                            "locating details in the words",
                            rule,
                        ));
                    }
                    said.push(json!({ "from": from, "what": label, "words": shown, "on": row.on }));
                }
            };
            match row.kind.as_str() {
                "asked" => {
                    say("Why the decision should be looked at again", "why");
                    say("Why the request was late", "late_reason");
                }
                "view_sent" => say("The other parent's view", "view"),
                "appealed" => say("The grounds of appeal", "grounds"),
                "decided" => {
                    let reasons = words["reasons"].as_str().unwrap_or("");
                    let shown = show(reasons);
                    if shown != reasons {
                        withheld_index.push(withheld(
                            "The reconsideration's reasons",
                            "locating details in the words",
                            rule,
                        ));
                    }
                    reconsideration = json!({
                        "outcome": c.outcome.map(|(o, _)| o.code()),
                        "decided_on": row.on,
                        "reasons": shown,
                        "effective_from": words["effective_from"],
                        "weekly_before_pence": words["weekly_before_pence"],
                        "weekly_after_pence": words["weekly_after_pence"],
                        "arrears_change_pence": words["arrears_change_pence"],
                        "weeks": words["weeks"],
                    });
                }
                _ => {}
            }
        }
        // 4. The evidence.
        let mut evidence = Vec::new();
        for file in state
            .store
            .challenge_evidence(&id)
            .await
            .map_err(|e| storage_failure(&e))?
        {
            let row = format!("{id}/{}", file.evidence_id);
            let bytes = state
                .keys
                .open(
                    &FieldContext {
                        table: "challenge_evidence",
                        column: "sealed",
                        row: &row,
                    },
                    &file.sealed,
                )
                .map_err(personal_data_unavailable)?;
            let kind = MediaType::from_mime(&file.media_type)
                .ok_or_else(|| personal_data_unavailable("unknown media type"))?;
            let from_other =
                recipient_person.is_some_and(|me| i64::try_from(me.0).ok() != Some(file.person));
            let label = format!("Evidence {}", file.evidence_id);
            let content = match (recipient_person, kind.is_image()) {
                (None, _) => Some(bytes),
                (Some(_), true) => {
                    withheld_index.push(withheld(&label, "the image's metadata", RULE_METADATA));
                    Some(
                        challenges::strip_metadata(kind, &bytes)
                            .map_err(|e| personal_data_unavailable(e.to_string()))?,
                    )
                }
                (Some(_), false) if from_other => {
                    withheld_index.push(withheld(&label, "the whole document", RULE_DOCUMENT));
                    None
                }
                (Some(_), false) => Some(bytes),
            };
            evidence.push(json!({
                "evidence": file.evidence_id,
                "media_type": kind.mime(),
                "content_hex": content.map(|b| hex(&b)),
            }));
        }
        // 5. The service's submission.
        let outcome_words = c.outcome.map_or("not yet decided", |(o, _)| o.in_words());
        let submission = format!(
            "The decision under appeal is {} notified on {}. On mandatory reconsideration: {}. The Secretary of State submits that the decision as reconsidered is correct in law for the reasons given in section 4, calculated as set out step by step in section 2 from the facts in section 3, and asks the tribunal to confirm it.",
            c.decision.in_words(),
            c.notified,
            outcome_words.to_lowercase()
        );
        let mut bundle = json!({
            "challenge": id,
            "reference": case.to_string(),
            "for": recipient.code(),
            "index": [
                {"section": 1, "title": "Index"},
                {"section": 2, "title": "The decision and its explanation"},
                {"section": 3, "title": "The facts relied on"},
                {"section": 4, "title": "The mandatory reconsideration"},
                {"section": 5, "title": "What each party said"},
                {"section": 6, "title": "The evidence"},
                {"section": 7, "title": "The Secretary of State's submission"},
            ],
            "decision": {
                "kind": c.decision.code(),
                "notified_on": c.notified.to_string(),
                "effective_from": effective.to_string(),
                "explanation": explanation,
            },
            "facts": facts,
            "reconsideration": reconsideration,
            "said": said,
            "evidence": evidence,
            "submission": submission,
        });
        match recipient {
            Recipient::Tribunal => {
                let protected: Vec<Value> = sealed
                    .iter()
                    .filter(|p| p.non_disclosure && storage_api::is_parent_party(&p.party))
                    .map(|p| json!({ "party": p.party, "must_not_be_passed_on": "every detail that could locate them: address, postcode, phone, email, employer, bank, the children's school and GP, and anything of the kind in the words and evidence (including image metadata)" }))
                    .collect();
                let person = |p: &case_records::Person| {
                    json!({
                        "name": p.name.expose_sensitive(),
                        "address": p.address.expose_sensitive(),
                        "postcode": p.postcode.expose_sensitive(),
                        "protected": p.non_disclosure,
                    })
                };
                bundle["marking"] = json!(TRIBUNAL_MARK);
                bundle["protected"] = json!(protected);
                bundle["parties"] = json!({
                    "paying_parent": person(&parties.paying_parent),
                    "receiving_parents": parties.receiving_parents.iter().map(|(_, p)| person(p)).collect::<Vec<_>>(),
                });
            }
            Recipient::Parent(_) => {
                bundle["withheld"] = json!(withheld_index);
            }
        }
        let audit_fields = vec![format!("challenge.bundle.{}", recipient.code())];
        let event_id = format!("bundle/{}/{}", recipient.code(), loaded.rows.len());
        let (kind, payload) = challenges::encode(&event);
        let row = ChallengeRow {
            event_id,
            kind: kind.to_owned(),
            payload,
            person: staff.person,
            role: staff.role.code().to_owned(),
            on: state.clock.today().to_string(),
            words: None,
        };
        state
            .store
            .record_challenge_event(
                &case,
                &id,
                i64::try_from(loaded.rows.len()).unwrap_or(i64::MAX),
                &row,
                None,
                &[],
                staff.audit(&state, Action::Viewed, Some(&case), audit_fields, None),
            )
            .await
            .map_err(|e| storage_failure(&e))?;
        if wants_pdf {
            return Ok(pdf_response(bundle_pdf(&bundle)));
        }
        Ok(json_response(StatusCode::OK, &bundle))
    };
    result.await.unwrap_or_else(|response| response)
}

/// The bundle as a tagged PDF (crates/letters, as the notices are), drawn
/// from the recipient's bundle exactly as its JSON is: whatever was withheld
/// from the JSON is absent here too, with no second redaction. The index
/// comes first and says what was withheld from this recipient and under
/// which rule (or, on the tribunal's copy, its marking and who is
/// protected); then each section in the index's order.
fn bundle_pdf(bundle: &Value) -> Vec<u8> {
    use letters::Role::{Heading, Paragraph, Subheading};
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    let money = |v: &Value| {
        v.as_i64().map_or_else(
            || "none".to_owned(),
            |p| crate::labels::pounds(i128::from(p)),
        )
    };
    let list = |v: &Value| v.as_array().cloned().unwrap_or_default();
    let title = format!(
        "Appeal response bundle: case {}, challenge {}",
        text(&bundle["reference"]),
        text(&bundle["challenge"])
    );
    let mut blocks = vec![(Heading, title.clone())];
    if let Some(marking) = bundle["marking"].as_str() {
        blocks.push((Paragraph, marking.to_owned()));
    }
    // 1. The index, and what this copy leaves out.
    blocks.push((Subheading, "1. Index".to_owned()));
    for entry in list(&bundle["index"]) {
        blocks.push((
            Paragraph,
            format!(
                "Section {}: {}",
                text(&entry["section"]),
                text(&entry["title"])
            ),
        ));
    }
    if let Some(withheld) = bundle["withheld"].as_array() {
        blocks.push((Subheading, "What was withheld from this copy".to_owned()));
        if withheld.is_empty() {
            blocks.push((Paragraph, "Nothing was withheld from this copy.".to_owned()));
        }
        for w in withheld {
            blocks.push((
                Paragraph,
                format!(
                    "{}: {} withheld. Rule: {}",
                    text(&w["item"]),
                    text(&w["withheld"]),
                    text(&w["rule"])
                ),
            ));
        }
    }
    if let Some(protected) = bundle["protected"].as_array() {
        blocks.push((Subheading, "Protected parties".to_owned()));
        for p in protected {
            blocks.push((
                Paragraph,
                format!(
                    "{}: must not be passed on: {}",
                    text(&p["party"]),
                    text(&p["must_not_be_passed_on"])
                ),
            ));
        }
    }
    if bundle.get("parties").is_some() {
        blocks.push((Subheading, "The parties".to_owned()));
        let parties = &bundle["parties"];
        let mut people = vec![("Paying parent", parties["paying_parent"].clone())];
        people.extend(
            list(&parties["receiving_parents"])
                .into_iter()
                .map(|p| ("Receiving parent", p)),
        );
        for (label, p) in people {
            blocks.push((
                Paragraph,
                format!(
                    "{label}: {}, {}, {}{}",
                    text(&p["name"]),
                    text(&p["address"]),
                    text(&p["postcode"]),
                    if p["protected"] == Value::Bool(true) {
                        " (protected: do not pass on)"
                    } else {
                        ""
                    }
                ),
            ));
        }
    }
    // 2. The decision and its explanation.
    let decision = &bundle["decision"];
    blocks.push((Subheading, "2. The decision and its explanation".to_owned()));
    blocks.push((
        Paragraph,
        format!(
            "The decision: {}, notified on {}, effective from {}.",
            crate::labels::sentence_of_code(&text(&decision["kind"])),
            text(&decision["notified_on"]),
            text(&decision["effective_from"])
        ),
    ));
    for step in list(&decision["explanation"]) {
        // The step's own words give its figure; one without gets it here.
        let words = text(&step["text"]);
        let figure = money(&step["pence"]);
        let amount = if step["pence"].is_null() || words.contains(&figure) {
            String::new()
        } else {
            format!(": {figure}")
        };
        blocks.push((
            Paragraph,
            format!("{words}{amount} ({})", text(&step["rule"])),
        ));
    }
    // 3. The facts.
    blocks.push((Subheading, "3. The facts relied on".to_owned()));
    let facts = list(&bundle["facts"]);
    if facts.is_empty() {
        blocks.push((Paragraph, "None recorded.".to_owned()));
    }
    for fact in facts {
        blocks.push((
            Paragraph,
            format!(
                "{}, from {} (recorded {}): {}",
                crate::labels::sentence_of_code(&text(&fact["kind"])),
                text(&fact["effective_from"]),
                text(&fact["recorded_on"]),
                text(&fact["payload"])
            ),
        ));
    }
    // 4. The reconsideration.
    blocks.push((Subheading, "4. The mandatory reconsideration".to_owned()));
    let r = &bundle["reconsideration"];
    if r.is_null() {
        blocks.push((Paragraph, "Not yet decided.".to_owned()));
    } else {
        blocks.push((
            Paragraph,
            format!(
                "Outcome: {}, decided on {}.",
                crate::labels::sentence_of_code(&text(&r["outcome"])),
                text(&r["decided_on"])
            ),
        ));
        blocks.push((Paragraph, format!("Reasons: {}", text(&r["reasons"]))));
        if !r["weekly_before_pence"].is_null() {
            blocks.push((
                Paragraph,
                format!(
                    "Weekly amount before: {}; after: {}; change to arrears: {}; from {}.",
                    money(&r["weekly_before_pence"]),
                    money(&r["weekly_after_pence"]),
                    money(&r["arrears_change_pence"]),
                    text(&r["effective_from"])
                ),
            ));
        }
    }
    // 5. What each party said.
    blocks.push((Subheading, "5. What each party said".to_owned()));
    for said in list(&bundle["said"]) {
        blocks.push((
            Paragraph,
            format!(
                "{}, from {}, on {}: {}",
                text(&said["what"]),
                text(&said["from"]),
                text(&said["on"]),
                text(&said["words"])
            ),
        ));
    }
    // 6. The evidence, listed (its files travel with the JSON copy).
    blocks.push((Subheading, "6. The evidence".to_owned()));
    let evidence = list(&bundle["evidence"]);
    if evidence.is_empty() {
        blocks.push((Paragraph, "None sent.".to_owned()));
    }
    for file in evidence {
        let held = if file["content_hex"].is_null() {
            "withheld from this copy (see the index)"
        } else {
            "enclosed"
        };
        blocks.push((
            Paragraph,
            format!(
                "Evidence {} ({}): {held}.",
                text(&file["evidence"]),
                text(&file["media_type"])
            ),
        ));
    }
    // 7. The submission.
    blocks.push((
        Subheading,
        "7. The Secretary of State's submission".to_owned(),
    ));
    blocks.push((Paragraph, text(&bundle["submission"])));
    letters::tagged_pdf(&title, &blocks)
}

/// A PDF answer, never cached.
fn pdf_response(pdf: Vec<u8>) -> Response {
    let mut response = axum::response::IntoResponse::into_response((StatusCode::OK, pdf));
    let headers = response.headers_mut();
    headers.insert(
        axum::http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    headers.insert(
        axum::http::header::CACHE_CONTROL,
        HeaderValue::from_static("no-store"),
    );
    response
}

/// The parent's question page's answers (GOV.UK form post).
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct AskForm {
    #[serde(default)]
    form_token: String,
    #[serde(default)]
    decision: String,
    #[serde(rename = "notified-day", default)]
    day: String,
    #[serde(rename = "notified-month", default)]
    month: String,
    #[serde(rename = "notified-year", default)]
    year: String,
    #[serde(default)]
    why: String,
    #[serde(default)]
    late_reason: String,
}

/// A GOV.UK textarea with its label as a heading, hint and error.
fn textarea(id: &str, label: &str, hint: &str, value: &str, error: Option<&str>) -> Markup {
    let mut described = format!("{id}-hint");
    let mut out = format!(
        "<div class=\"govuk-form-group{}\">\n<h2 class=\"govuk-label-wrapper\"><label class=\"govuk-label govuk-label--m\" for=\"{id}\">{}</label></h2>\n<div id=\"{id}-hint\" class=\"govuk-hint\">{}</div>\n",
        if error.is_some() {
            " govuk-form-group--error"
        } else {
            ""
        },
        escape(label),
        escape(hint)
    );
    if let Some(message) = error {
        let _ = writeln!(
            out,
            "<p id=\"{id}-error\" class=\"govuk-error-message\"><span class=\"govuk-visually-hidden\">Error:</span> {}</p>",
            escape(message)
        );
        described.push_str(&format!(" {id}-error"));
    }
    let _ = write!(
        out,
        "<textarea class=\"govuk-textarea{}\" id=\"{id}\" name=\"{id}\" rows=\"5\" aria-describedby=\"{described}\">{}</textarea>\n</div>\n",
        if error.is_some() {
            " govuk-textarea--error"
        } else {
            ""
        },
        escape(value)
    );
    Markup::trusted(out)
}

fn ask_page(
    status: StatusCode,
    case: &str,
    token: &str,
    typed: &AskForm,
    error: Option<(&str, &str)>,
) -> Response {
    let on = |field: &str| error.filter(|(f, _)| *f == field).map(|(_, m)| m);
    let mut form = Markup::trusted(format!(
        "<form method=\"post\" action=\"/account/cases/{}/challenge\" novalidate>\n<input type=\"hidden\" name=\"form_token\" value=\"{}\">\n<h1 class=\"govuk-heading-l\">Ask us to look at a decision again</h1>\n",
        escape(case),
        escape(token)
    ));
    form.push(&html::paragraph(
        "This is called a mandatory reconsideration. A caseworker who did not make the decision will look at it. Ask within 30 days of the date on the decision's letter; after that, tell us why you are asking now.",
    ));
    let items: Vec<(&str, &str, bool)> = DecisionKind::ALL
        .iter()
        .map(|k| (k.code(), k.in_words(), k.code() == typed.decision))
        .collect();
    form.push(&html::radios(&Radios {
        name: "decision",
        legend: "Which decision?",
        legend_classes: Some("govuk-fieldset__legend--m"),
        error: on("decision"),
        items: &items,
        ..Radios::default()
    }));
    form.push(&html::date_input(&DateInput {
        id: "notified",
        name_prefix: Some("notified"),
        legend: "What date is on the decision's letter?",
        legend_classes: Some("govuk-fieldset__legend--m"),
        hint: Some("For example, 27 3 2026"),
        error: on("notified-day"),
        values: [
            Some(typed.day.as_str()).filter(|v| !v.is_empty()),
            Some(typed.month.as_str()).filter(|v| !v.is_empty()),
            Some(typed.year.as_str()).filter(|v| !v.is_empty()),
        ],
        ..DateInput::default()
    }));
    form.push(&textarea(
        "why",
        "Why should we look at it again?",
        "Tell us what you think is wrong. Do not write where you or anyone else lives or works.",
        &typed.why,
        on("why"),
    ));
    form.push(&textarea(
        "late_reason",
        "If it is more than 30 days since the letter, why are you asking now? (optional)",
        "For example, you were in hospital or did not get the letter.",
        &typed.late_reason,
        on("late_reason"),
    ));
    form.push(&html::button(&Button {
        text: "Send",
        ..Button::default()
    }));
    form.push(&Markup::trusted("</form>\n".to_owned()));
    let (field, message) = error.map_or(("decision", None), |(f, m)| (f, Some(m)));
    crate::self_service::question_page(status, field, message, &form)
}

/// `GET /account/cases/{reference}/challenge`: the question page.
pub async fn ask_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(reference): Path<String>,
) -> Response {
    match crate::self_service::own_case(&state, &headers, &reference).await {
        Ok((_, session, case, _)) => ask_page(
            StatusCode::OK,
            &case.to_string(),
            &crate::self_service::csrf_token(&session),
            &AskForm::default(),
            None,
        ),
        Err(response) => response,
    }
}

/// `POST /account/cases/{reference}/challenge`: asked through the API's
/// own checks, then on to where it stands (post, redirect, get).
pub async fn ask_posted(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(reference): Path<String>,
    axum::Form(form): axum::Form<AskForm>,
) -> Response {
    let (person, token, case, _) =
        match crate::self_service::own_case_posted(&state, &headers, &reference, &form.form_token)
            .await
        {
            Ok(found) => found,
            Err(response) => return response,
        };
    let reference = case.to_string();
    let again = |field: &str, message: &str| {
        ask_page(
            StatusCode::UNPROCESSABLE_ENTITY,
            &reference,
            &token,
            &form,
            Some((field, message)),
        )
    };
    let Some(decision) = DecisionKind::from_code(&form.decision) else {
        return again("decision", "Select which decision");
    };
    let notified = match crate::pages::date_from_parts(
        [&form.day, &form.month, &form.year],
        "Date on the decision's letter",
    ) {
        Ok(date) => date,
        Err(message) => return again("notified-day", &message),
    };
    let why = match domain_types::text::HumanText::parse_lines(&form.why, WORDS_MAX_CHARS) {
        Ok(why) if !why.as_str().is_empty() => why,
        Ok(_) => return again("why", "Enter why we should look at the decision again"),
        Err(e) => return again("why", &format!("Why we should look again: {e}")),
    };
    let late_reason = if form.late_reason.trim().is_empty() {
        None
    } else {
        match domain_types::text::HumanText::parse_lines(&form.late_reason, WORDS_MAX_CHARS) {
            Ok(late) => Some(late),
            Err(e) => return again("late_reason", &format!("Why you are asking now: {e}")),
        }
    };
    let by = match parent_on_case(&state, &person, &case).await {
        Ok(by) => by,
        Err(response) => return response,
    };
    // The same answers sent twice are one request.
    let key = format!(
        "page/{}",
        hex(
            &Sha256::digest(format!("{}/{notified}/{}", decision.code(), why.as_str()).as_bytes())
                [..8]
        )
    );
    match ask_for(
        &state,
        &person,
        case,
        by,
        &key,
        decision,
        notified,
        why.as_str(),
        late_reason.as_ref().map(|l| l.as_str()),
    )
    .await
    {
        Ok(_) => {
            let mut response = StatusCode::SEE_OTHER.into_response();
            if let Ok(location) =
                HeaderValue::from_str(&format!("/account/cases/{reference}/challenges"))
            {
                response
                    .headers_mut()
                    .insert(axum::http::header::LOCATION, location);
            }
            response.headers_mut().insert(
                axum::http::header::CACHE_CONTROL,
                HeaderValue::from_static("no-store"),
            );
            response
        }
        Err(AskRefused::Field("late_reason", message)) => again("late_reason", &message),
        Err(AskRefused::Field(_, message)) => again("notified-day", &message),
        Err(AskRefused::Answer(response)) => response,
    }
}

/// `GET /account/cases/{reference}/challenges`: where each challenge on
/// the case stands, for a parent (the other parent's told neutrally).
pub async fn stages_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(reference): Path<String>,
) -> Response {
    let result = async {
        let (person, _, case, _) =
            crate::self_service::own_case(&state, &headers, &reference).await?;
        let me = parent_on_case(&state, &person, &case).await?;
        let ids = state
            .store
            .challenges_of_case(&case)
            .await
            .map_err(|e| storage_failure(&e))?;
        let mut main = Markup::trusted(
            "<h1 class=\"govuk-heading-l\">Decisions being looked at again</h1>\n".to_owned(),
        );
        if ids.is_empty() {
            main.push(&html::paragraph(
                "No decision on this case is being looked at again.",
            ));
        }
        for id in ids {
            let loaded = load(&state, &id).await?;
            let c = &loaded.challenge;
            let mine = c.asked_by == me;
            let (heading, words) = match c.stage() {
                challenges::Stage::Asked if !mine => (
                    "A decision is being looked at again".to_owned(),
                    "You can send us your view. Nothing you have told us about where you live is shared.".to_owned(),
                ),
                challenges::Stage::Asked => (
                    format!("You asked us to look again at {}", c.decision.in_words()),
                    format!(
                        "A caseworker who did not make the decision is looking at it{}.",
                        if c.timing == Timing::Late {
                            ", with your reason for asking after 30 days"
                        } else {
                            ""
                        }
                    ),
                ),
                challenges::Stage::Decided(outcome) => (
                    outcome.in_words().to_owned(),
                    "Your notice says why, what it means for the amount, and how to appeal and by when.".to_owned(),
                ),
                challenges::Stage::Appealed => (
                    "The decision has been appealed".to_owned(),
                    "The First-tier Tribunal (Social Security and Child Support) will write to you.".to_owned(),
                ),
            };
            main.push(&Markup::trusted(format!(
                "<h2 class=\"govuk-heading-m\">{}</h2>\n",
                escape(&heading)
            )));
            main.push(&html::paragraph(&words));
            if c.outcome.is_some() {
                main.push(&Markup::trusted(format!(
                    "<p class=\"govuk-body\"><a class=\"govuk-link\" href=\"/api/v1/challenges/{}/notice.pdf\">Your mandatory reconsideration notice (PDF)</a></p>\n",
                    escape(&id)
                )));
            }
        }
        main.push(&Markup::trusted(format!(
            "<p class=\"govuk-body\"><a class=\"govuk-link\" href=\"/account/cases/{}/challenge\">Ask us to look at a decision again</a></p>\n<p class=\"govuk-body\"><a class=\"govuk-link\" href=\"/account\">Back to your account</a></p>\n",
            escape(&case.to_string())
        )));
        Ok(crate::self_service::parent_page(main))
    };
    result.await.unwrap_or_else(|response: Response| response)
}
