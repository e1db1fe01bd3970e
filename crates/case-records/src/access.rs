//! Who may see what: one pure policy, tested as a table.

/// What a person does in the service.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// Runs cases day to day.
    Caseworker,
    /// On the domestic abuse specialist team.
    DomesticAbuseSpecialist,
    /// Oversees caseworkers.
    TeamLeader,
    /// Acts on missed payments and arrears.
    EnforcementOfficer,
    /// Reads who did what; sees no personal data.
    Auditor,
    /// Runs the service; sees no personal data.
    Administrator,
    /// A paying parent, about their own case.
    PayingParent,
    /// A receiving parent, about their own case.
    ReceivingParent,
    /// Models changes of rules over the caseload (issue 17): counts and
    /// sums only, never a case, a party or a search.
    PolicyAnalyst,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 9] = [
        Role::Caseworker,
        Role::DomesticAbuseSpecialist,
        Role::TeamLeader,
        Role::EnforcementOfficer,
        Role::Auditor,
        Role::Administrator,
        Role::PayingParent,
        Role::ReceivingParent,
        Role::PolicyAnalyst,
    ];

    /// The code used in tokens and the audit log.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Role::Caseworker => "caseworker",
            Role::DomesticAbuseSpecialist => "domestic_abuse_specialist",
            Role::TeamLeader => "team_leader",
            Role::EnforcementOfficer => "enforcement_officer",
            Role::Auditor => "auditor",
            Role::Administrator => "administrator",
            Role::PayingParent => "paying_parent",
            Role::ReceivingParent => "receiving_parent",
            Role::PolicyAnalyst => "policy_analyst",
        }
    }

    /// The role with this code.
    #[must_use]
    pub fn from_code(code: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == code)
    }

    /// Whether this role may record changes of circumstances on a case.
    #[must_use]
    pub const fn may_record_changes(self) -> bool {
        matches!(
            self,
            Role::Caseworker | Role::DomesticAbuseSpecialist | Role::TeamLeader
        )
    }

    /// Whether this role sees cases at all (however redacted): everyone but
    /// the policy analyst, who sees counts and sums over the caseload only.
    #[must_use]
    pub const fn sees_cases(self) -> bool {
        !matches!(self, Role::PolicyAnalyst)
    }

    /// Whether this is one of the parents rather than staff.
    #[must_use]
    pub const fn is_parent(self) -> bool {
        matches!(self, Role::PayingParent | Role::ReceivingParent)
    }
}

/// Whose data the field is, seen from the viewer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Relationship {
    /// The viewer's own.
    Own,
    /// The other parent's (for a parent viewer).
    OtherParent,
    /// A child in the viewer's own care (a receiving parent's child).
    ChildInViewersCare,
    /// A qualifying child not in the viewer's care (the paying parent's view
    /// of the children).
    ChildNotInViewersCare,
    /// Anyone's, seen by staff.
    CaseParty,
}

impl Relationship {
    /// Every relationship.
    pub const ALL: [Relationship; 5] = [
        Relationship::Own,
        Relationship::OtherParent,
        Relationship::ChildInViewersCare,
        Relationship::ChildNotInViewersCare,
        Relationship::CaseParty,
    ];
}

/// A kind of data held about a party.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    /// A person's name.
    Name,
    /// Home address.
    Address,
    /// Postcode.
    Postcode,
    /// Phone number.
    Phone,
    /// Email address.
    Email,
    /// Employer.
    Employer,
    /// Bank sort code and account.
    BankAccount,
    /// A child's school.
    ChildSchool,
    /// A child's GP.
    ChildGp,
    /// What was disclosed about domestic abuse.
    AbuseDisclosure,
    /// A National Insurance number: identifies a person to staff; never
    /// shown to a parent.
    NiNumber,
    /// A date of birth: identifies a person to staff; never shown to a
    /// parent.
    DateOfBirth,
    /// The amounts due and their calculation, payments made.
    MaintenanceAmounts,
}

impl Field {
    /// Every field.
    pub const ALL: [Field; 13] = [
        Field::Name,
        Field::Address,
        Field::Postcode,
        Field::Phone,
        Field::Email,
        Field::Employer,
        Field::BankAccount,
        Field::ChildSchool,
        Field::ChildGp,
        Field::AbuseDisclosure,
        Field::NiNumber,
        Field::DateOfBirth,
        Field::MaintenanceAmounts,
    ];

    /// Whether the field can locate a person: never shown to the other parent.
    #[must_use]
    pub const fn locates(self) -> bool {
        matches!(
            self,
            Field::Address
                | Field::Postcode
                | Field::Phone
                | Field::Email
                | Field::Employer
                | Field::BankAccount
                | Field::ChildSchool
                | Field::ChildGp
        )
    }
}

/// What the policy allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Decision {
    /// Shown.
    Allow,
    /// Not shown.
    Deny,
    /// Shown only because the viewer broke the glass with a reason: the
    /// access is recorded and flagged for review.
    AllowByBreakGlass,
}

/// The circumstances of one look at one field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Circumstances {
    /// The subject (or, for a child, a parent of the case) has a
    /// non-disclosure flag, which restricts the whole case.
    pub restricted: bool,
    /// The viewer is the case's named caseworker.
    pub viewer_is_named_caseworker: bool,
    /// The viewer has broken the glass, giving a reason.
    pub break_glass: bool,
}

/// The access policy: the only place that decides whether a viewer sees a
/// field. Every view of a case asks it, field by field.
///
/// - A parent sees their own data and their own children's; of the other
///   parent, only the name (not when the other parent is flagged) and the
///   maintenance amounts the law entitles them to; never anything that
///   locates the other parent, nor a disclosure. Break-glass is for staff.
/// - Administrators and auditors see no personal data.
/// - On a restricted case only the specialist team and the named caseworker
///   see personal data; other staff may break the glass, recorded
///   (the US Family Violence Indicator model).
/// - Enforcement officers see what enforcement needs (name, address,
///   employer, bank, amounts, and the National Insurance number and date
///   of birth that identify the paying parent to an employer or a court)
///   and no disclosure, phone, email or child details.
/// - National Insurance numbers and dates of birth are for staff only: no
///   parent is shown one through the service, their own included.
#[must_use]
pub fn decide(
    role: Role,
    relationship: Relationship,
    field: Field,
    circumstances: Circumstances,
) -> Decision {
    if role.is_parent() {
        return parent_decision(role, relationship, field, circumstances.restricted);
    }
    if relationship != Relationship::CaseParty {
        return Decision::Deny;
    }
    let by_role = match role {
        Role::Administrator | Role::PayingParent | Role::ReceivingParent | Role::PolicyAnalyst => {
            false
        }
        Role::Auditor => field == Field::MaintenanceAmounts,
        Role::Caseworker | Role::TeamLeader | Role::DomesticAbuseSpecialist => true,
        Role::EnforcementOfficer => matches!(
            field,
            Field::Name
                | Field::Address
                | Field::Postcode
                | Field::Employer
                | Field::BankAccount
                | Field::NiNumber
                | Field::DateOfBirth
                | Field::MaintenanceAmounts
        ),
    };
    if !by_role {
        return Decision::Deny;
    }
    let trusted_on_restricted =
        role == Role::DomesticAbuseSpecialist || circumstances.viewer_is_named_caseworker;
    if !circumstances.restricted || trusted_on_restricted || field == Field::MaintenanceAmounts {
        Decision::Allow
    } else if circumstances.break_glass {
        Decision::AllowByBreakGlass
    } else {
        Decision::Deny
    }
}

/// Whether a member of staff may act on a case at all: record facts, read
/// its schedule, record its parties. The same rule as [`decide`]: a
/// restricted case is for the specialist team and the named caseworker,
/// anyone else breaks the glass; administrators and auditors do not run
/// cases; parents act through their own views.
#[must_use]
pub fn may_act_on_case(role: Role, circumstances: Circumstances) -> Decision {
    match role {
        Role::PayingParent
        | Role::ReceivingParent
        | Role::Administrator
        | Role::Auditor
        | Role::PolicyAnalyst => Decision::Deny,
        Role::DomesticAbuseSpecialist => Decision::Allow,
        Role::Caseworker | Role::TeamLeader | Role::EnforcementOfficer => {
            if !circumstances.restricted || circumstances.viewer_is_named_caseworker {
                Decision::Allow
            } else if circumstances.break_glass {
                Decision::AllowByBreakGlass
            } else {
                Decision::Deny
            }
        }
    }
}

fn parent_decision(
    role: Role,
    relationship: Relationship,
    field: Field,
    restricted: bool,
) -> Decision {
    if matches!(field, Field::NiNumber | Field::DateOfBirth) {
        return Decision::Deny;
    }
    let allowed = match relationship {
        Relationship::Own | Relationship::ChildInViewersCare => {
            field != Field::AbuseDisclosure || relationship == Relationship::Own
        }
        Relationship::OtherParent => match field {
            Field::MaintenanceAmounts => true,
            Field::Name => !restricted,
            _ => false,
        },
        // The paying parent may know their children's names (not on a
        // restricted case, where a changed name could locate them), never
        // where they go to school or see a doctor.
        Relationship::ChildNotInViewersCare => {
            role == Role::PayingParent && field == Field::Name && !restricted
        }
        Relationship::CaseParty => false,
    };
    if allowed {
        Decision::Allow
    } else {
        Decision::Deny
    }
}
