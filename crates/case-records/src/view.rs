//! One view of a case per viewer, built by one function.
//!
//! Every output for a person (page, API answer, letter, file, payment
//! reference) is to be made from the view [`view_for`] builds for that
//! viewer. A parent's view is a different type from a staff view, and it
//! has no field that could hold the other parent's address, postcode,
//! phone, email, employer or bank, nor the children's school or GP: a leak
//! would need a new field here, not a mistake in a template.

use std::fmt;

use crate::access::{Circumstances, Decision, Field, Relationship, Role, decide};
use crate::facts::{ChildId, ReceivingParentId};
use crate::personal::{NiNumber, Sensitive, SortCode};
use crate::reference::CaseReference;
use domain_types::Date;

/// Identifies a person across cases. Carries no personal data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PersonId(pub u64);

/// A bank account: personal data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BankAccount {
    /// The sort code.
    pub sort_code: SortCode,
    /// The account number.
    pub account_number: Sensitive<String>,
}

/// A parent and their personal data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Person {
    /// Who.
    pub id: PersonId,
    /// Name.
    pub name: Sensitive<String>,
    /// Home address.
    pub address: Sensitive<String>,
    /// Postcode.
    pub postcode: Sensitive<String>,
    /// Phone.
    pub phone: Option<Sensitive<String>>,
    /// Email.
    pub email: Option<Sensitive<String>>,
    /// Employer.
    pub employer: Option<Sensitive<String>>,
    /// Bank account.
    pub bank: Option<BankAccount>,
    /// National Insurance number: for staff only, never for the other parent.
    pub ni_number: Option<Sensitive<NiNumber>>,
    /// Date of birth: for staff only, never for the other parent.
    pub date_of_birth: Option<Sensitive<Date>>,
    /// What they disclosed about domestic abuse, if anything.
    pub abuse_disclosure: Option<Sensitive<String>>,
    /// Non-disclosure: it is not safe for the other parent to learn anything
    /// that could locate this person, or their name.
    pub non_disclosure: bool,
}

/// A qualifying child and their personal data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Child {
    /// Which child.
    pub id: ChildId,
    /// Who cares for them.
    pub receiving_parent: ReceivingParentId,
    /// Name.
    pub name: Sensitive<String>,
    /// School.
    pub school: Option<Sensitive<String>>,
    /// GP surgery.
    pub gp: Option<Sensitive<String>>,
}

/// The people in a case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseParties {
    /// The case reference.
    pub reference: CaseReference,
    /// The paying parent.
    pub paying_parent: Person,
    /// The receiving parents.
    pub receiving_parents: Vec<(ReceivingParentId, Person)>,
    /// The qualifying children.
    pub children: Vec<Child>,
    /// The named caseworker, if the case has one.
    pub named_caseworker: Option<PersonId>,
}

impl CaseParties {
    /// A non-disclosure flag on any parent restricts the whole case and
    /// every child in it.
    #[must_use]
    pub fn restricted(&self) -> bool {
        self.paying_parent.non_disclosure
            || self.receiving_parents.iter().any(|(_, p)| p.non_disclosure)
    }

    /// Every detail that could locate or reach anyone in the case, as
    /// recorded: each parent's address, postcode, phone, email, employer and
    /// bank, and each child's school and GP. Withholding them from words is
    /// `Locators::of_case` (every form they may be typed in); this plain list
    /// is what tests search outputs for.
    #[must_use]
    pub fn location_details(&self) -> Vec<String> {
        let mut details = Vec::new();
        let people = std::iter::once(&self.paying_parent)
            .chain(self.receiving_parents.iter().map(|(_, p)| p));
        for person in people {
            details.push(person.address.expose_sensitive().clone());
            details.push(person.postcode.expose_sensitive().clone());
            for value in [&person.phone, &person.email, &person.employer]
                .into_iter()
                .flatten()
            {
                details.push(value.expose_sensitive().clone());
            }
            if let Some(bank) = &person.bank {
                details.push(bank.sort_code.to_string());
                details.push(bank.account_number.expose_sensitive().clone());
            }
        }
        for child in &self.children {
            for value in [&child.school, &child.gp].into_iter().flatten() {
                details.push(value.expose_sensitive().clone());
            }
        }
        details
    }
}

/// Who is looking.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Viewer {
    /// Who they are.
    pub person: PersonId,
    /// Their role.
    pub role: Role,
    /// For staff: a reason given to break the glass on a restricted case.
    pub break_glass_reason: Option<String>,
}

/// One field the view showed, for the audit log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Access {
    /// Whose data.
    pub subject: Subject,
    /// Which field.
    pub field: Field,
    /// Whether it was shown by breaking the glass.
    pub by_break_glass: bool,
}

/// Whose data was shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subject {
    /// The paying parent.
    PayingParent,
    /// A receiving parent.
    ReceivingParent(ReceivingParentId),
    /// A child.
    Child(ChildId),
}

/// Why no view could be made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ViewDenied {
    /// A parent who is not a party to this case.
    NotAParty,
}

impl fmt::Display for ViewDenied {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("you are not a party to this case")
    }
}

/// The view of a case for one viewer, and what it showed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ViewWithAccesses {
    /// The view.
    pub view: CaseView,
    /// Every field of personal data shown, for the audit log.
    pub accessed: Vec<Access>,
}

/// A view of a case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CaseView {
    /// For one of the parents.
    Parent(Box<ParentView>),
    /// For staff.
    Staff(StaffView),
}

/// What a parent sees.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParentView {
    /// The case reference.
    pub reference: CaseReference,
    /// Their own details.
    pub me: OwnDetails,
    /// The other parent or parents: a name at most.
    pub other_parents: Vec<OtherParent>,
    /// Children in their care, with what they know already.
    pub children_in_my_care: Vec<ChildInMyCare>,
    /// Qualifying children not in their care: a name at most.
    pub other_children: Vec<ChildNotInMyCare>,
}

/// A parent's own details, as they gave them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OwnDetails {
    /// Name.
    pub name: String,
    /// Address.
    pub address: String,
    /// Postcode.
    pub postcode: String,
    /// Phone.
    pub phone: Option<String>,
    /// Email.
    pub email: Option<String>,
    /// Employer.
    pub employer: Option<String>,
    /// Sort code and account number.
    pub bank: Option<(String, String)>,
    /// Their own disclosure.
    pub abuse_disclosure: Option<String>,
}

/// The other parent, as a parent may see them: there is deliberately no
/// field for where they live, work or bank.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OtherParent {
    /// "paying parent" or "receiving parent".
    pub role: &'static str,
    /// The name, unless it is not safe to show.
    pub name: Option<String>,
}

/// A child in the viewer's care.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChildInMyCare {
    /// Which child.
    pub id: ChildId,
    /// Name.
    pub name: String,
    /// School.
    pub school: Option<String>,
    /// GP.
    pub gp: Option<String>,
}

/// A child not in the viewer's care: deliberately no school or GP.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChildNotInMyCare {
    /// Which child.
    pub id: ChildId,
    /// Name, unless it is not safe to show.
    pub name: Option<String>,
}

/// A field as staff see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Shown<T> {
    /// Visible.
    Visible(T),
    /// Visible because the viewer broke the glass.
    VisibleByBreakGlass(T),
    /// Withheld from this viewer.
    Withheld,
}

/// A party as staff see them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaffPartyView {
    /// Which party.
    pub subject: Subject,
    /// Name.
    pub name: Shown<String>,
    /// Address.
    pub address: Shown<String>,
    /// Postcode.
    pub postcode: Shown<String>,
    /// Phone.
    pub phone: Shown<Option<String>>,
    /// Email.
    pub email: Shown<Option<String>>,
    /// Employer.
    pub employer: Shown<Option<String>>,
    /// Sort code and account.
    pub bank: Shown<Option<(String, String)>>,
    /// National Insurance number (`AB123456C`).
    pub ni_number: Shown<Option<String>>,
    /// Date of birth (`1985-03-12`).
    pub date_of_birth: Shown<Option<String>>,
    /// Disclosure.
    pub abuse_disclosure: Shown<Option<String>>,
}

/// What staff see.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaffView {
    /// The case reference.
    pub reference: CaseReference,
    /// Whether the case is restricted by a non-disclosure flag.
    pub restricted: bool,
    /// Each parent.
    pub parties: Vec<StaffPartyView>,
}

/// Builds the view of `parties` for `viewer`: the only way to one.
///
/// # Errors
/// A parent who is not a party to the case.
pub fn view_for(viewer: &Viewer, parties: &CaseParties) -> Result<ViewWithAccesses, ViewDenied> {
    if viewer.role.is_parent() {
        parent_view(viewer, parties)
    } else {
        Ok(staff_view(viewer, parties))
    }
}

fn parent_view(viewer: &Viewer, parties: &CaseParties) -> Result<ViewWithAccesses, ViewDenied> {
    let restricted = parties.restricted();
    let circumstances = Circumstances {
        restricted,
        viewer_is_named_caseworker: false,
        break_glass: false,
    };
    let mine: Option<(&Person, Option<ReceivingParentId>)> = match viewer.role {
        Role::PayingParent if parties.paying_parent.id == viewer.person => {
            Some((&parties.paying_parent, None))
        }
        Role::ReceivingParent => parties
            .receiving_parents
            .iter()
            .find(|(_, p)| p.id == viewer.person)
            .map(|(id, p)| (p, Some(*id))),
        _ => None,
    };
    let (me, my_receiving_parent_id) = mine.ok_or(ViewDenied::NotAParty)?;
    let mut accessed = Vec::new();
    let allowed = |relationship, field, subject_restricted: bool| {
        decide(
            viewer.role,
            relationship,
            field,
            Circumstances {
                restricted: subject_restricted,
                ..circumstances
            },
        ) == Decision::Allow
    };
    let other_parents: Vec<OtherParent> = if viewer.role == Role::PayingParent {
        parties
            .receiving_parents
            .iter()
            .map(|(id, person)| {
                let shown = allowed(
                    Relationship::OtherParent,
                    Field::Name,
                    person.non_disclosure,
                );
                if shown {
                    accessed.push(Access {
                        subject: Subject::ReceivingParent(*id),
                        field: Field::Name,
                        by_break_glass: false,
                    });
                }
                OtherParent {
                    role: "receiving parent",
                    name: shown.then(|| person.name.expose_sensitive().clone()),
                }
            })
            .collect()
    } else {
        let person = &parties.paying_parent;
        let shown = allowed(
            Relationship::OtherParent,
            Field::Name,
            person.non_disclosure,
        );
        if shown {
            accessed.push(Access {
                subject: Subject::PayingParent,
                field: Field::Name,
                by_break_glass: false,
            });
        }
        vec![OtherParent {
            role: "paying parent",
            name: shown.then(|| person.name.expose_sensitive().clone()),
        }]
    };
    let mut children_in_my_care = Vec::new();
    let mut other_children = Vec::new();
    for child in &parties.children {
        if Some(child.receiving_parent) == my_receiving_parent_id {
            let school = allowed(
                Relationship::ChildInViewersCare,
                Field::ChildSchool,
                restricted,
            );
            let gp = allowed(Relationship::ChildInViewersCare, Field::ChildGp, restricted);
            children_in_my_care.push(ChildInMyCare {
                id: child.id,
                name: child.name.expose_sensitive().clone(),
                school: school
                    .then(|| child.school.as_ref().map(|s| s.expose_sensitive().clone()))
                    .flatten(),
                gp: gp
                    .then(|| child.gp.as_ref().map(|s| s.expose_sensitive().clone()))
                    .flatten(),
            });
        } else if viewer.role == Role::PayingParent {
            // A child's name is withheld when their carer is flagged: a
            // changed name can locate them. A flagged paying parent still
            // sees their own children's names.
            let carer_flagged = parties
                .receiving_parents
                .iter()
                .any(|(id, person)| *id == child.receiving_parent && person.non_disclosure);
            let shown = allowed(
                Relationship::ChildNotInViewersCare,
                Field::Name,
                carer_flagged,
            );
            if shown {
                accessed.push(Access {
                    subject: Subject::Child(child.id),
                    field: Field::Name,
                    by_break_glass: false,
                });
            }
            other_children.push(ChildNotInMyCare {
                id: child.id,
                name: shown.then(|| child.name.expose_sensitive().clone()),
            });
        }
        // A receiving parent learns nothing of another receiving parent's
        // children: not even that they exist.
    }
    Ok(ViewWithAccesses {
        view: CaseView::Parent(Box::new(ParentView {
            reference: parties.reference,
            me: own_details(me),
            other_parents,
            children_in_my_care,
            other_children,
        })),
        accessed,
    })
}

fn expose(value: &Sensitive<String>) -> String {
    value.expose_sensitive().clone()
}

fn expose_optional(value: Option<&Sensitive<String>>) -> Option<String> {
    value.map(expose)
}

fn bank_details(bank: Option<&BankAccount>) -> Option<(String, String)> {
    bank.map(|b| (b.sort_code.to_string(), expose(&b.account_number)))
}

fn own_details(person: &Person) -> OwnDetails {
    OwnDetails {
        name: expose(&person.name),
        address: expose(&person.address),
        postcode: expose(&person.postcode),
        phone: expose_optional(person.phone.as_ref()),
        email: expose_optional(person.email.as_ref()),
        employer: expose_optional(person.employer.as_ref()),
        bank: bank_details(person.bank.as_ref()),
        abuse_disclosure: expose_optional(person.abuse_disclosure.as_ref()),
    }
}

/// Asks the policy for each field of one party and records what was shown.
struct StaffFields<'a> {
    role: Role,
    circumstances: Circumstances,
    subject: Subject,
    accessed: &'a mut Vec<Access>,
}

impl StaffFields<'_> {
    fn show<T>(&mut self, field: Field, value: impl FnOnce() -> T) -> Shown<T> {
        let decision = decide(
            self.role,
            Relationship::CaseParty,
            field,
            self.circumstances,
        );
        if decision != Decision::Deny {
            self.accessed.push(Access {
                subject: self.subject,
                field,
                by_break_glass: decision == Decision::AllowByBreakGlass,
            });
        }
        match decision {
            Decision::Allow => Shown::Visible(value()),
            Decision::AllowByBreakGlass => Shown::VisibleByBreakGlass(value()),
            Decision::Deny => Shown::Withheld,
        }
    }
}

fn staff_view(viewer: &Viewer, parties: &CaseParties) -> ViewWithAccesses {
    let restricted = parties.restricted();
    let circumstances = Circumstances {
        restricted,
        viewer_is_named_caseworker: parties.named_caseworker == Some(viewer.person),
        break_glass: viewer
            .break_glass_reason
            .as_deref()
            .is_some_and(|r| !r.trim().is_empty()),
    };
    let people = std::iter::once((Subject::PayingParent, &parties.paying_parent)).chain(
        parties
            .receiving_parents
            .iter()
            .map(|(id, person)| (Subject::ReceivingParent(*id), person)),
    );
    let mut accessed = Vec::new();
    let mut parties_view = Vec::new();
    for (subject, person) in people {
        let mut fields = StaffFields {
            role: viewer.role,
            circumstances,
            subject,
            accessed: &mut accessed,
        };
        parties_view.push(StaffPartyView {
            subject,
            name: fields.show(Field::Name, || expose(&person.name)),
            address: fields.show(Field::Address, || expose(&person.address)),
            postcode: fields.show(Field::Postcode, || expose(&person.postcode)),
            phone: fields.show(Field::Phone, || expose_optional(person.phone.as_ref())),
            email: fields.show(Field::Email, || expose_optional(person.email.as_ref())),
            employer: fields.show(Field::Employer, || {
                expose_optional(person.employer.as_ref())
            }),
            bank: fields.show(Field::BankAccount, || bank_details(person.bank.as_ref())),
            ni_number: fields.show(Field::NiNumber, || {
                person
                    .ni_number
                    .as_ref()
                    .map(|n| n.expose_sensitive().to_string())
            }),
            date_of_birth: fields.show(Field::DateOfBirth, || {
                person
                    .date_of_birth
                    .as_ref()
                    .map(|d| d.expose_sensitive().to_string())
            }),
            abuse_disclosure: fields.show(Field::AbuseDisclosure, || {
                expose_optional(person.abuse_disclosure.as_ref())
            }),
        });
    }
    ViewWithAccesses {
        view: CaseView::Staff(StaffView {
            reference: parties.reference,
            restricted,
            parties: parties_view,
        }),
        accessed,
    }
}
