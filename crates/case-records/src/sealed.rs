//! The parties of a case as stored: every piece of personal data sealed on
//! its own with `field-crypto`, bound to its case, party and field, and
//! the party's blind-index tokens (`search.rs`), made with the same active
//! key at the same time, so whatever writes parties writes their index.

use field_crypto::{CryptoError, FieldContext, KeyRing};

use domain_types::Date;

use crate::facts::{ChildId, ReceivingParentId};
use crate::personal::{NiNumber, Sensitive, SortCode};
use crate::reference::CaseReference;
use crate::search::{SearchToken, child_search_tokens, person_search_tokens};
use crate::view::{BankAccount, CaseParties, Child, Person, PersonId};

/// The table name bound into every seal.
const TABLE: &str = "party_fields";

/// One party as stored: who, and their sealed fields by name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SealedParty {
    /// `paying_parent`, `receiving_parent:N`, `child:N` or `named_caseworker`.
    pub party: String,
    /// The person (for a child: their carer, the receiving parent's number).
    pub person_id: i64,
    /// The non-disclosure flag (parents only).
    pub non_disclosure: bool,
    /// Field name and sealed bytes.
    pub fields: Vec<(String, Vec<u8>)>,
    /// The party's blind-index entries, sorted: keyed tokens of their
    /// normalised name parts, postcode, phone, National Insurance number
    /// and date of birth, never the values. Stored with the party and
    /// replaced whole with it.
    pub search_tokens: Vec<SearchToken>,
}

/// Why stored parties cannot be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OpenError {
    /// A field does not open: see the cryptographic reason.
    Crypto {
        /// Which party.
        party: String,
        /// Which field.
        field: String,
        /// Why.
        error: CryptoError,
    },
    /// The stored parties are not a complete case.
    Incomplete(String),
}

impl std::fmt::Display for OpenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OpenError::Crypto {
                party,
                field,
                error,
            } => write!(f, "{party} {field}: {error}"),
            OpenError::Incomplete(reason) => {
                write!(f, "the stored parties are incomplete: {reason}")
            }
        }
    }
}

impl std::error::Error for OpenError {}

struct Sealer<'a> {
    keys: &'a KeyRing,
    case: String,
    nonce: &'a mut dyn FnMut() -> [u8; 24],
}

impl Sealer<'_> {
    fn seal(
        &mut self,
        party: &str,
        fields: &mut Vec<(String, Vec<u8>)>,
        field: &str,
        value: Option<&Sensitive<String>>,
    ) {
        if let Some(value) = value {
            let row = format!("{}/{party}", self.case);
            let context = FieldContext {
                table: TABLE,
                column: field,
                row: &row,
            };
            let sealed = self.keys.seal(
                &context,
                value.expose_sensitive().as_bytes(),
                (self.nonce)(),
            );
            fields.push((field.to_owned(), sealed));
        }
    }

    fn person(&mut self, party: &str, person: &Person) -> SealedParty {
        let mut fields = Vec::new();
        self.seal(party, &mut fields, "name", Some(&person.name));
        self.seal(party, &mut fields, "address", Some(&person.address));
        self.seal(party, &mut fields, "postcode", Some(&person.postcode));
        self.seal(party, &mut fields, "phone", person.phone.as_ref());
        self.seal(party, &mut fields, "email", person.email.as_ref());
        self.seal(party, &mut fields, "employer", person.employer.as_ref());
        if let Some(number) = &person.ni_number {
            let text = Sensitive::new(number.expose_sensitive().to_string());
            self.seal(party, &mut fields, "ni_number", Some(&text));
        }
        if let Some(born) = &person.date_of_birth {
            let text = Sensitive::new(born.expose_sensitive().to_string());
            self.seal(party, &mut fields, "date_of_birth", Some(&text));
        }
        if let Some(bank) = &person.bank {
            self.seal(
                party,
                &mut fields,
                "sort_code",
                Some(&Sensitive::new(bank.sort_code.to_string())),
            );
            self.seal(
                party,
                &mut fields,
                "account_number",
                Some(&bank.account_number),
            );
        }
        self.seal(
            party,
            &mut fields,
            "abuse_disclosure",
            person.abuse_disclosure.as_ref(),
        );
        SealedParty {
            party: party.to_owned(),
            person_id: i64::try_from(person.id.0).unwrap_or(i64::MAX),
            non_disclosure: person.non_disclosure,
            fields,
            search_tokens: person_search_tokens(self.keys, person),
        }
    }
}

/// Seals every personal field of `parties`; `nonce` must give 24 fresh
/// random bytes each call.
#[must_use]
pub fn seal_parties(
    parties: &CaseParties,
    keys: &KeyRing,
    nonce: &mut dyn FnMut() -> [u8; 24],
) -> Vec<SealedParty> {
    let mut sealer = Sealer {
        keys,
        case: parties.reference.to_string(),
        nonce,
    };
    let mut sealed = vec![sealer.person("paying_parent", &parties.paying_parent)];
    for (id, person) in &parties.receiving_parents {
        sealed.push(sealer.person(&format!("receiving_parent:{}", id.0), person));
    }
    for child in &parties.children {
        let party = format!("child:{}", child.id.0);
        let mut fields = Vec::new();
        sealer.seal(&party, &mut fields, "name", Some(&child.name));
        sealer.seal(&party, &mut fields, "school", child.school.as_ref());
        sealer.seal(&party, &mut fields, "gp", child.gp.as_ref());
        sealed.push(SealedParty {
            party,
            person_id: i64::from(child.receiving_parent.0),
            non_disclosure: false,
            fields,
            search_tokens: child_search_tokens(keys, child),
        });
    }
    if let Some(caseworker) = parties.named_caseworker {
        sealed.push(SealedParty {
            party: "named_caseworker".to_owned(),
            person_id: i64::try_from(caseworker.0).unwrap_or(i64::MAX),
            non_disclosure: false,
            fields: Vec::new(),
            search_tokens: Vec::new(),
        });
    }
    sealed
}

fn open_field(
    keys: &KeyRing,
    case: &CaseReference,
    party: &SealedParty,
    field: &str,
) -> Result<Option<Sensitive<String>>, OpenError> {
    let Some((_, sealed)) = party.fields.iter().find(|(name, _)| name == field) else {
        return Ok(None);
    };
    let row = format!("{case}/{}", party.party);
    let context = FieldContext {
        table: TABLE,
        column: field,
        row: &row,
    };
    let crypto = |error| OpenError::Crypto {
        party: party.party.clone(),
        field: field.to_owned(),
        error,
    };
    let plain = keys.open(&context, sealed).map_err(crypto)?;
    let text = String::from_utf8(plain).map_err(|_| crypto(CryptoError::Tampered))?;
    Ok(Some(Sensitive::new(text)))
}

fn open_person(
    keys: &KeyRing,
    case: &CaseReference,
    party: &SealedParty,
) -> Result<Person, OpenError> {
    let required = |field: &str| -> Result<Sensitive<String>, OpenError> {
        open_field(keys, case, party, field)?
            .ok_or_else(|| OpenError::Incomplete(format!("{} has no {field}", party.party)))
    };
    let bank = match (
        open_field(keys, case, party, "sort_code")?,
        open_field(keys, case, party, "account_number")?,
    ) {
        (Some(code), Some(account)) => Some(BankAccount {
            sort_code: SortCode::parse(code.expose_sensitive())
                .map_err(|e| OpenError::Incomplete(format!("{}: {e}", party.party)))?,
            account_number: account,
        }),
        _ => None,
    };
    let incomplete =
        |e: &dyn std::fmt::Display| OpenError::Incomplete(format!("{}: {e}", party.party));
    let ni_number = match open_field(keys, case, party, "ni_number")? {
        Some(text) => Some(Sensitive::new(
            NiNumber::parse(text.expose_sensitive()).map_err(|e| incomplete(&e))?,
        )),
        None => None,
    };
    let date_of_birth = match open_field(keys, case, party, "date_of_birth")? {
        Some(text) => Some(Sensitive::new(
            Date::parse_iso(text.expose_sensitive()).map_err(|e| incomplete(&e))?,
        )),
        None => None,
    };
    Ok(Person {
        id: PersonId(u64::try_from(party.person_id).unwrap_or(0)),
        name: required("name")?,
        address: required("address")?,
        postcode: required("postcode")?,
        phone: open_field(keys, case, party, "phone")?,
        email: open_field(keys, case, party, "email")?,
        employer: open_field(keys, case, party, "employer")?,
        bank,
        ni_number,
        date_of_birth,
        abuse_disclosure: open_field(keys, case, party, "abuse_disclosure")?,
        non_disclosure: party.non_disclosure,
    })
}

/// Opens stored parties back into a case.
///
/// # Errors
/// A field that does not open (wrong key file, tampering, moved data), or
/// parties that do not make a case.
pub fn open_parties(
    reference: CaseReference,
    stored: &[SealedParty],
    keys: &KeyRing,
) -> Result<CaseParties, OpenError> {
    let mut paying_parent = None;
    let mut receiving_parents = Vec::new();
    let mut children = Vec::new();
    let mut named_caseworker = None;
    for party in stored {
        let number = |prefix: &str| -> Result<u32, OpenError> {
            party.party[prefix.len()..]
                .parse()
                .map_err(|_| OpenError::Incomplete(format!("party `{}`", party.party)))
        };
        if party.party == "paying_parent" {
            paying_parent = Some(open_person(keys, &reference, party)?);
        } else if party.party.starts_with("receiving_parent:") {
            receiving_parents.push((
                ReceivingParentId(number("receiving_parent:")?),
                open_person(keys, &reference, party)?,
            ));
        } else if party.party.starts_with("child:") {
            children.push(Child {
                id: ChildId(number("child:")?),
                receiving_parent: ReceivingParentId(u32::try_from(party.person_id).unwrap_or(0)),
                name: open_field(keys, &reference, party, "name")?
                    .ok_or_else(|| OpenError::Incomplete(format!("{} has no name", party.party)))?,
                school: open_field(keys, &reference, party, "school")?,
                gp: open_field(keys, &reference, party, "gp")?,
            });
        } else if party.party == "named_caseworker" {
            named_caseworker = Some(PersonId(u64::try_from(party.person_id).unwrap_or(0)));
        } else {
            return Err(OpenError::Incomplete(format!(
                "unknown party `{}`",
                party.party
            )));
        }
    }
    Ok(CaseParties {
        reference,
        paying_parent: paying_parent
            .ok_or_else(|| OpenError::Incomplete("no paying parent".to_owned()))?,
        receiving_parents,
        children,
        named_caseworker,
    })
}
