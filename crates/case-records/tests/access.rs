//! The access policy as a table: role × relationship × field × flags.

use case_records::{Circumstances, Decision, Field, Relationship, Role, decide, may_act_on_case};

fn all_circumstances() -> Vec<Circumstances> {
    let mut all = Vec::new();
    for restricted in [false, true] {
        for viewer_is_named_caseworker in [false, true] {
            for break_glass in [false, true] {
                all.push(Circumstances {
                    restricted,
                    viewer_is_named_caseworker,
                    break_glass,
                });
            }
        }
    }
    all
}

const OPEN: Circumstances = Circumstances {
    restricted: false,
    viewer_is_named_caseworker: false,
    break_glass: false,
};
const RESTRICTED: Circumstances = Circumstances {
    restricted: true,
    viewer_is_named_caseworker: false,
    break_glass: false,
};
const BROKEN_GLASS: Circumstances = Circumstances {
    restricted: true,
    viewer_is_named_caseworker: false,
    break_glass: true,
};
const NAMED: Circumstances = Circumstances {
    restricted: true,
    viewer_is_named_caseworker: true,
    break_glass: false,
};

#[test]
fn the_policy_table() {
    use Decision::{Allow, AllowByBreakGlass, Deny};
    use Field::*;
    use Relationship::*;
    use Role::*;
    #[rustfmt::skip]
    let table: &[(Role, Relationship, Field, Circumstances, Decision)] = &[
        // A parent and their own data.
        (ReceivingParent, Own, Address, OPEN, Allow),
        (ReceivingParent, Own, AbuseDisclosure, RESTRICTED, Allow),
        (PayingParent, Own, BankAccount, OPEN, Allow),
        // The other parent: the name and the amounts, nothing that locates.
        (PayingParent, OtherParent, Name, OPEN, Allow),
        (PayingParent, OtherParent, Name, RESTRICTED, Deny),
        (PayingParent, OtherParent, MaintenanceAmounts, RESTRICTED, Allow),
        (PayingParent, OtherParent, Address, OPEN, Deny),
        (PayingParent, OtherParent, Postcode, OPEN, Deny),
        (PayingParent, OtherParent, Employer, OPEN, Deny),
        (PayingParent, OtherParent, BankAccount, BROKEN_GLASS, Deny),
        (ReceivingParent, OtherParent, Phone, OPEN, Deny),
        (ReceivingParent, OtherParent, AbuseDisclosure, OPEN, Deny),
        // Children.
        (ReceivingParent, ChildInViewersCare, ChildSchool, OPEN, Allow),
        (PayingParent, ChildNotInViewersCare, Name, OPEN, Allow),
        (PayingParent, ChildNotInViewersCare, Name, RESTRICTED, Deny),
        (PayingParent, ChildNotInViewersCare, ChildSchool, OPEN, Deny),
        (PayingParent, ChildNotInViewersCare, ChildGp, OPEN, Deny),
        // Staff on an open case.
        (Caseworker, CaseParty, Address, OPEN, Allow),
        (Caseworker, CaseParty, AbuseDisclosure, OPEN, Allow),
        (EnforcementOfficer, CaseParty, Employer, OPEN, Allow),
        (EnforcementOfficer, CaseParty, AbuseDisclosure, OPEN, Deny),
        (EnforcementOfficer, CaseParty, Phone, OPEN, Deny),
        (Auditor, CaseParty, Name, OPEN, Deny),
        (Auditor, CaseParty, MaintenanceAmounts, OPEN, Allow),
        (Administrator, CaseParty, Name, OPEN, Deny),
        // Staff on a restricted case.
        (DomesticAbuseSpecialist, CaseParty, Address, RESTRICTED, Allow),
        (Caseworker, CaseParty, Address, NAMED, Allow),
        (Caseworker, CaseParty, Address, RESTRICTED, Deny),
        (Caseworker, CaseParty, Address, BROKEN_GLASS, AllowByBreakGlass),
        (TeamLeader, CaseParty, AbuseDisclosure, BROKEN_GLASS, AllowByBreakGlass),
        (Caseworker, CaseParty, MaintenanceAmounts, RESTRICTED, Allow),
        (Administrator, CaseParty, Address, BROKEN_GLASS, Deny),
        (EnforcementOfficer, CaseParty, AbuseDisclosure, BROKEN_GLASS, Deny),
    ];
    let mut wrong = Vec::new();
    for (role, relationship, field, circumstances, expected) in table {
        let actual = decide(*role, *relationship, *field, *circumstances);
        if actual != *expected {
            wrong.push(format!("{role:?} {relationship:?} {field:?} {circumstances:?}: expected {expected:?}, got {actual:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn no_parent_ever_sees_anything_that_locates_the_other_parent_or_their_disclosure() {
    for role in [Role::PayingParent, Role::ReceivingParent] {
        for field in Field::ALL {
            for circumstances in all_circumstances() {
                let decision = decide(role, Relationship::OtherParent, field, circumstances);
                if field.locates() || field == Field::AbuseDisclosure {
                    assert_eq!(
                        decision,
                        Decision::Deny,
                        "{role:?} {field:?} {circumstances:?}"
                    );
                }
            }
        }
    }
}

#[test]
fn the_paying_parent_never_sees_where_the_children_go_to_school_or_the_doctor() {
    for field in [
        Field::ChildSchool,
        Field::ChildGp,
        Field::Address,
        Field::Postcode,
    ] {
        for circumstances in all_circumstances() {
            assert_eq!(
                decide(
                    Role::PayingParent,
                    Relationship::ChildNotInViewersCare,
                    field,
                    circumstances
                ),
                Decision::Deny
            );
        }
    }
}

#[test]
fn break_glass_never_helps_a_parent_an_administrator_or_an_auditor() {
    for role in [
        Role::PayingParent,
        Role::ReceivingParent,
        Role::Administrator,
        Role::Auditor,
    ] {
        for relationship in Relationship::ALL {
            for field in Field::ALL {
                for circumstances in all_circumstances() {
                    assert_ne!(
                        decide(role, relationship, field, circumstances),
                        Decision::AllowByBreakGlass
                    );
                }
            }
        }
    }
}

#[test]
fn on_a_restricted_case_only_the_specialist_team_and_the_named_caseworker_see_personal_data_without_break_glass()
 {
    for role in Role::ALL.into_iter().filter(|r| !r.is_parent()) {
        for field in Field::ALL
            .into_iter()
            .filter(|f| *f != Field::MaintenanceAmounts)
        {
            let decision = decide(role, Relationship::CaseParty, field, RESTRICTED);
            if decision == Decision::Allow {
                assert_eq!(
                    role,
                    Role::DomesticAbuseSpecialist,
                    "{role:?} sees {field:?} on a restricted case"
                );
            }
        }
    }
}

#[test]
fn administrators_and_auditors_see_no_personal_data_at_all() {
    for role in [Role::Administrator, Role::Auditor] {
        for relationship in Relationship::ALL {
            for field in Field::ALL
                .into_iter()
                .filter(|f| *f != Field::MaintenanceAmounts)
            {
                for circumstances in all_circumstances() {
                    assert_eq!(
                        decide(role, relationship, field, circumstances),
                        Decision::Deny
                    );
                }
            }
        }
    }
}

#[test]
fn who_may_act_on_a_case() {
    use Decision::{Allow, AllowByBreakGlass, Deny};
    use Role::*;
    #[rustfmt::skip]
    let table = [
        (Caseworker, OPEN, Allow),
        (Caseworker, RESTRICTED, Deny),
        (Caseworker, NAMED, Allow),
        (Caseworker, BROKEN_GLASS, AllowByBreakGlass),
        (TeamLeader, RESTRICTED, Deny),
        (EnforcementOfficer, RESTRICTED, Deny),
        (EnforcementOfficer, BROKEN_GLASS, AllowByBreakGlass),
        (DomesticAbuseSpecialist, RESTRICTED, Allow),
        (Administrator, OPEN, Deny),
        (Auditor, OPEN, Deny),
        (PayingParent, OPEN, Deny),
        (ReceivingParent, BROKEN_GLASS, Deny),
    ];
    for (role, circumstances, expected) in table {
        assert_eq!(
            may_act_on_case(role, circumstances),
            expected,
            "{role:?} {circumstances:?}"
        );
    }
}

#[test]
fn acting_on_a_case_agrees_with_seeing_its_personal_data() {
    // Whoever may see a party's name on a case may act on it, and the other
    // way round, with or without break-glass: one rule, two questions.
    for role in Role::ALL
        .into_iter()
        .filter(|r| !r.is_parent() && !matches!(r, Role::Administrator | Role::Auditor))
    {
        for circumstances in all_circumstances() {
            assert_eq!(
                may_act_on_case(role, circumstances),
                decide(role, Relationship::CaseParty, Field::Name, circumstances),
                "{role:?} {circumstances:?}"
            );
        }
    }
}

#[test]
fn national_insurance_numbers_and_dates_of_birth_are_for_staff_only() {
    for field in [Field::NiNumber, Field::DateOfBirth] {
        assert!(!field.locates());
        for role in [Role::PayingParent, Role::ReceivingParent] {
            for relationship in Relationship::ALL {
                for circumstances in all_circumstances() {
                    assert_eq!(
                        decide(role, relationship, field, circumstances),
                        Decision::Deny,
                        "{role:?} {relationship:?} {field:?} {circumstances:?}"
                    );
                }
            }
        }
        for role in [
            Role::Caseworker,
            Role::TeamLeader,
            Role::DomesticAbuseSpecialist,
            Role::EnforcementOfficer,
        ] {
            assert_eq!(
                decide(role, Relationship::CaseParty, field, OPEN),
                Decision::Allow
            );
        }
        assert_eq!(
            decide(Role::Caseworker, Relationship::CaseParty, field, RESTRICTED),
            Decision::Deny
        );
        assert_eq!(
            decide(
                Role::Caseworker,
                Relationship::CaseParty,
                field,
                BROKEN_GLASS
            ),
            Decision::AllowByBreakGlass
        );
    }
}
