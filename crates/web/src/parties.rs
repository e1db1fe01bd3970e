//! The people in a case: recorded by staff (sealed before storing), and
//! seen by anyone signed in only through `view_for`, audited before the
//! answer leaves.

// A refused request is answered with its `Response` straight away.
#![allow(clippy::result_large_err)]

use audit_log::Action;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use case_records::{
    BankAccount, CaseParties, CaseReference, CaseView, Child, ChildId, Circumstances, Decision,
    NiNumber, Person, PersonId, ReceivingParentId, Sensitive, Shown, SortCode, StaffPartyView,
    Subject, Viewer, may_act_on_case, open_parties, seal_parties, view_for,
};
use domain_types::Date;
use serde_json::{Value, json};

use crate::cases::{
    SignedIn, Staff, error, forbidden_unless, parse_json, parse_reference,
    personal_data_unavailable, storage_failure,
};
use crate::json_input::{Fields, refuse};
use crate::{AppState, json_response};

const PERSON_FIELDS: &[&str] = &[
    "id",
    "person_id",
    "name",
    "address",
    "postcode",
    "phone",
    "email",
    "employer",
    "sort_code",
    "account_number",
    "ni_number",
    "date_of_birth",
    "abuse_disclosure",
    "non_disclosure",
];
const CHILD_FIELDS: &[&str] = &["id", "receiving_parent", "name", "school", "gp"];

/// The longest text any party's field takes, in characters.
const TEXT_MAX_CHARS: usize = 500;

/// One line of human text (`domain_types::HumanText`: NFC, trimmed, no
/// controls or direction overrides, at most 500 characters), or nothing
/// when absent or null; refused naming the field otherwise.
fn text(fields: &Fields<'_>, key: &str) -> Result<Option<Sensitive<String>>, Response> {
    Ok(fields
        .optional_text(key, TEXT_MAX_CHARS)?
        .map(Sensitive::from))
}

/// As [`text`], for a field that may run over several lines (line breaks
/// kept as LF; every other control still refused).
fn text_lines(fields: &Fields<'_>, key: &str) -> Result<Option<Sensitive<String>>, Response> {
    Ok(fields
        .optional_text_lines(key, TEXT_MAX_CHARS)?
        .map(Sensitive::from))
}

fn required(fields: &Fields<'_>, key: &str) -> Result<Sensitive<String>, Response> {
    text(fields, key)?.ok_or_else(|| refuse(&fields.field(key), "is needed"))
}

fn number(fields: &Fields<'_>, key: &str) -> Result<u32, Response> {
    let id = fields.whole(key, u64::from(u32::MAX))?;
    Ok(u32::try_from(id).unwrap_or(u32::MAX))
}

/// A National Insurance number (`NiNumber::parse`: HMRC's rules, spaces
/// and case ignored), or absent.
fn ni_number(fields: &Fields<'_>) -> Result<Option<Sensitive<NiNumber>>, Response> {
    let Some(typed) = fields.optional_text("ni_number", 20)? else {
        return Ok(None);
    };
    NiNumber::parse(typed.as_str())
        .map(|number| Some(Sensitive::new(number)))
        .map_err(|e| refuse(&fields.field("ni_number"), e.to_string()))
}

/// A date of birth written `YYYY-MM-DD`, not after `today`, or absent.
fn date_of_birth(fields: &Fields<'_>, today: Date) -> Result<Option<Sensitive<Date>>, Response> {
    let field = fields.field("date_of_birth");
    let Some(typed) = fields.optional_str("date_of_birth")? else {
        return Ok(None);
    };
    let born = Date::parse_iso(typed).map_err(|e| refuse(&field, e.to_string()))?;
    if born > today {
        return Err(refuse(&field, "a date of birth cannot be in the future"));
    }
    Ok(Some(Sensitive::new(born)))
}

fn person(value: Option<&Value>, field: &str, today: Date) -> Result<Person, Response> {
    let fields = Fields::of(value.unwrap_or(&Value::Null), field, PERSON_FIELDS)?;
    let bank = match (
        text(&fields, "sort_code")?,
        text(&fields, "account_number")?,
    ) {
        (Some(code), Some(account)) => Some(BankAccount {
            sort_code: SortCode::parse(code.expose_sensitive())
                .map_err(|e| refuse(&fields.field("sort_code"), e))?,
            account_number: account,
        }),
        (None, None) => None,
        _ => {
            return Err(refuse(
                &fields.field("account_number"),
                "a sort code and an account number go together",
            ));
        }
    };
    Ok(Person {
        id: PersonId(u64::from(number(&fields, "person_id")?)),
        name: required(&fields, "name")?,
        address: required(&fields, "address")?,
        postcode: required(&fields, "postcode")?,
        phone: text(&fields, "phone")?,
        email: text(&fields, "email")?,
        employer: text(&fields, "employer")?,
        bank,
        ni_number: ni_number(&fields)?,
        date_of_birth: date_of_birth(&fields, today)?,
        abuse_disclosure: text_lines(&fields, "abuse_disclosure")?,
        non_disclosure: fields.flag("non_disclosure")?,
    })
}

fn parties_from_json(
    reference: CaseReference,
    body: &Value,
    today: Date,
) -> Result<CaseParties, Response> {
    let top = Fields::of(
        body,
        "",
        &[
            "paying_parent",
            "receiving_parents",
            "children",
            "named_caseworker",
        ],
    )?;
    let mut receiving_parents = Vec::new();
    for (index, value) in top.list("receiving_parents")?.iter().enumerate() {
        let field = format!("receiving_parents[{index}]");
        let id = number(&Fields::of(value, &field, PERSON_FIELDS)?, "id")?;
        receiving_parents.push((ReceivingParentId(id), person(Some(value), &field, today)?));
    }
    let mut children = Vec::new();
    for (index, value) in top
        .optional_list("children")?
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let field = format!("children[{index}]");
        let child = Fields::of(value, &field, CHILD_FIELDS)?;
        let carer = ReceivingParentId(number(&child, "receiving_parent")?);
        if !receiving_parents.iter().any(|(id, _)| *id == carer) {
            return Err(refuse(
                &child.field("receiving_parent"),
                "no receiving parent has that id",
            ));
        }
        children.push(Child {
            id: ChildId(number(&child, "id")?),
            receiving_parent: carer,
            name: required(&child, "name")?,
            school: text(&child, "school")?,
            gp: text(&child, "gp")?,
        });
    }
    Ok(CaseParties {
        reference,
        paying_parent: person(top.get("paying_parent"), "paying_parent", today)?,
        receiving_parents,
        children,
        named_caseworker: match top.optional_whole("named_caseworker", i64::MAX as u64)? {
            None => None,
            Some(0) => {
                return Err(refuse(
                    "named_caseworker",
                    "must be a person's id, a whole number",
                ));
            }
            Some(id) => Some(PersonId(id)),
        },
    })
}

/// `PUT /api/v1/cases/{reference}/parties`: records the people in a case,
/// every personal field sealed before it reaches the database.
pub async fn put_parties(
    State(state): State<AppState>,
    staff: Staff,
    Path(reference): Path<String>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let result = async {
        forbidden_unless(staff.role.may_record_changes())?;
        let case = parse_reference(&reference)?;
        authorise_case_action(&state, &staff, &case, &headers).await?;
        let parties = parties_from_json(case, &parse_json(&body)?, state.clock.today())?;
        let sealed = seal_parties(&parties, &state.keys, &mut || state.clock.nonce());
        let audit = staff.audit(
            &state,
            Action::Changed,
            Some(&case),
            vec!["parties".to_owned()],
            None,
        );
        state
            .store
            .put_parties(&case, &sealed, audit)
            .await
            .map_err(|e| storage_failure(&e))?;
        Ok(json_response(
            StatusCode::OK,
            &json!({ "reference": case.to_string(), "parties": sealed.len() }),
        ))
    };
    result.await.unwrap_or_else(|response| response)
}

fn shown<T: Into<Value> + Clone>(value: &Shown<T>) -> Value {
    match value {
        Shown::Visible(v) => json!({ "value": v.clone().into() }),
        Shown::VisibleByBreakGlass(v) => {
            json!({ "value": v.clone().into(), "by_break_glass": true })
        }
        Shown::Withheld => json!({ "withheld": true }),
    }
}

fn subject(subject: Subject) -> String {
    match subject {
        Subject::PayingParent => "paying_parent".to_owned(),
        Subject::ReceivingParent(id) => format!("receiving_parent:{}", id.0),
        Subject::Child(id) => format!("child:{}", id.0),
    }
}

fn bank_json(bank: &Option<(String, String)>) -> Value {
    bank.as_ref().map_or(
        Value::Null,
        |(code, account)| json!({ "sort_code": code, "account_number": account }),
    )
}

fn staff_party(party: &StaffPartyView) -> Value {
    let bank = match &party.bank {
        Shown::Visible(b) => Shown::Visible(bank_json(b)),
        Shown::VisibleByBreakGlass(b) => Shown::VisibleByBreakGlass(bank_json(b)),
        Shown::Withheld => Shown::Withheld,
    };
    json!({
        "subject": subject(party.subject),
        "name": shown(&party.name),
        "address": shown(&party.address),
        "postcode": shown(&party.postcode),
        "phone": shown(&party.phone),
        "email": shown(&party.email),
        "employer": shown(&party.employer),
        "bank": shown(&bank),
        "ni_number": shown(&party.ni_number),
        "date_of_birth": shown(&party.date_of_birth),
        "abuse_disclosure": shown(&party.abuse_disclosure),
    })
}

fn view_json(view: &CaseView) -> Value {
    match view {
        CaseView::Parent(parent) => json!({
            "kind": "parent",
            "reference": parent.reference.to_string(),
            "me": {
                "name": parent.me.name, "address": parent.me.address, "postcode": parent.me.postcode,
                "phone": parent.me.phone, "email": parent.me.email, "employer": parent.me.employer,
                "bank": bank_json(&parent.me.bank),
                "abuse_disclosure": parent.me.abuse_disclosure,
            },
            "other_parents": parent.other_parents.iter().map(|o| json!({ "role": o.role, "name": o.name })).collect::<Vec<_>>(),
            "children_in_my_care": parent.children_in_my_care.iter().map(|c| json!({ "id": c.id.0, "name": c.name, "school": c.school, "gp": c.gp })).collect::<Vec<_>>(),
            "other_children": parent.other_children.iter().map(|c| json!({ "id": c.id.0, "name": c.name })).collect::<Vec<_>>(),
        }),
        CaseView::Staff(staff) => json!({
            "kind": "staff",
            "reference": staff.reference.to_string(),
            "restricted": staff.restricted,
            "parties": staff.parties.iter().map(staff_party).collect::<Vec<_>>(),
        }),
    }
}

/// Whether a case is restricted: any parent in it is protected. The
/// store reads each parent's `non_disclosure` from the person's protection
/// (`Store::parties`), so a person protected anywhere restricts every case
/// they are in. The one rule for acting on a case and for enforcement's
/// specialist review.
pub(crate) fn is_restricted(sealed: &[case_records::SealedParty]) -> bool {
    sealed.iter().any(|p| p.non_disclosure)
}

/// A staff request to act on a case, as every such JSON route reads it:
/// the case, checked against the access rule (with break-glass), the
/// request's idempotency key, and its JSON body.
pub(crate) async fn authorised_request(
    state: &AppState,
    staff: &Staff,
    reference: &str,
    headers: &HeaderMap,
    body: &str,
) -> Result<(CaseReference, String, Value), Response> {
    let case = parse_reference(reference)?;
    authorise_case_action(state, staff, &case, headers).await?;
    let key = crate::collection::idempotency_key(headers)?;
    Ok((case, key, crate::cases::parse_json(body)?))
}

/// May this member of staff act on this case? A case is restricted when any
/// parent is flagged (on the case or on the person); then only the specialist
/// team and the named caseworker act, and anyone else must give
/// `X-Break-Glass-Reason`, audited before the action. The flags are not
/// sealed, so this needs no decryption.
pub(crate) async fn authorise_case_action(
    state: &AppState,
    staff: &Staff,
    case: &CaseReference,
    headers: &HeaderMap,
) -> Result<(), Response> {
    let sealed = state
        .store
        .parties(case)
        .await
        .map_err(|e| storage_failure(&e))?;
    let restricted = is_restricted(&sealed);
    let reason = break_glass_reason(headers)?;
    let circumstances = Circumstances {
        restricted,
        viewer_is_named_caseworker: named_caseworker(state, case, &sealed).await?
            == Some(staff.person),
        break_glass: reason.is_some(),
    };
    match may_act_on_case(staff.role, circumstances) {
        Decision::Allow => Ok(()),
        Decision::Deny if restricted => Err(error(
            StatusCode::FORBIDDEN,
            "x-break-glass-reason",
            "this case is restricted to the domestic abuse specialist team and its named caseworker; to act on it, give a reason in X-Break-Glass-Reason, which is recorded and reviewed",
        )),
        Decision::Deny => Err(error(
            StatusCode::FORBIDDEN,
            "authorization",
            "your role may not do this",
        )),
        Decision::AllowByBreakGlass => {
            let audit = staff.audit(
                state,
                Action::BrokeGlass,
                Some(case),
                vec!["case".to_owned()],
                reason,
            );
            state
                .store
                .append_audit(audit)
                .await
                .map_err(|e| storage_failure(&e))?;
            Ok(())
        }
    }
}

/// The case's named caseworker: the one the specialist team assigned (its
/// safety events), or else the one recorded with the parties.
pub(crate) async fn named_caseworker(
    state: &AppState,
    case: &CaseReference,
    sealed: &[case_records::SealedParty],
) -> Result<Option<i64>, Response> {
    let records = state
        .store
        .safety_events(case)
        .await
        .map_err(|e| storage_failure(&e))?;
    let assigned = safety::SafetyState::from_records(&records)
        .named_caseworker
        .and_then(|p| i64::try_from(p.0).ok());
    Ok(assigned.or_else(|| {
        sealed
            .iter()
            .find(|p| p.party == "named_caseworker")
            .map(|p| p.person_id)
    }))
}

/// The `X-Break-Glass-Reason` header, checked (`json_input::break_glass_reason`).
pub(crate) fn break_glass_reason(headers: &HeaderMap) -> Result<Option<String>, Response> {
    crate::json_input::break_glass_reason(
        headers.get("x-break-glass-reason").map(|v| v.as_bytes()),
        "x-break-glass-reason",
    )
}

/// `GET /api/v1/cases/{reference}/view`: the case as the signed-in viewer
/// may see it. Staff may send `X-Break-Glass-Reason` on a restricted case.
/// Every field shown is audited before the answer leaves; if the audit
/// cannot be written, nothing is shown.
pub async fn view(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path(reference): Path<String>,
    headers: HeaderMap,
) -> Response {
    let result = async {
        let case = parse_reference(&reference)?;
        let reason = break_glass_reason(&headers)?;
        let view = audited_view(&state, &viewer, case, reason).await?;
        Ok(json_response(StatusCode::OK, &view_json(&view)))
    };
    result.await.unwrap_or_else(|response| response)
}

/// The case as `viewer` may see it (`view_for`, the only way to a view),
/// with every field shown audited before it is returned; break-glass (staff
/// only) with its reason.
pub(crate) async fn audited_view(
    state: &AppState,
    viewer: &SignedIn,
    case: CaseReference,
    reason: Option<String>,
) -> Result<CaseView, Response> {
    if reason.is_some() && viewer.role.is_parent() {
        return Err(error(
            StatusCode::FORBIDDEN,
            "x-break-glass-reason",
            "break-glass is for staff",
        ));
    }
    let sealed = state
        .store
        .parties(&case)
        .await
        .map_err(|e| storage_failure(&e))?;
    if sealed.is_empty() {
        return Err(error(
            StatusCode::NOT_FOUND,
            "reference",
            format!("no parties are recorded for case {case}"),
        ));
    }
    let mut parties =
        open_parties(case, &sealed, &state.keys).map_err(personal_data_unavailable)?;
    parties.named_caseworker = named_caseworker(state, &case, &sealed)
        .await?
        .and_then(|p| u64::try_from(p).ok())
        .map(PersonId);
    let who = Viewer {
        person: PersonId(u64::try_from(viewer.person).unwrap_or(0)),
        role: viewer.role,
        break_glass_reason: reason.clone(),
    };
    let shown = view_for(&who, &parties)
        .map_err(|denied| error(StatusCode::FORBIDDEN, "reference", denied.to_string()))?;
    if !shown.accessed.is_empty() {
        let broke_glass = shown.accessed.iter().any(|a| a.by_break_glass);
        let mut fields: Vec<String> = shown
            .accessed
            .iter()
            .map(|a| format!("{}.{:?}", subject(a.subject), a.field))
            .collect();
        fields.dedup();
        let audit = viewer.audit(
            state,
            if broke_glass {
                Action::BrokeGlass
            } else {
                Action::Viewed
            },
            Some(&case),
            fields,
            if broke_glass { reason } else { None },
        );
        state
            .store
            .append_audit(audit)
            .await
            .map_err(|e| storage_failure(&e))?;
    }
    Ok(shown.view)
}
