//! Cases over time.
//!
//! A maintenance case is a story over years: incomes change, children come
//! and go, care is shared, and changes are reported late and apply from the
//! past. Here every change is a [`FactEvent`] with the date it takes effect
//! and the date it was recorded; nothing is overwritten. From the events,
//! [`liability_schedule`] derives the weekly amount due in every period,
//! using the calculation crate, with annual reviews and the 25% tolerance
//! for income changes between them (rules.md §2.3). Asking with an earlier
//! `known_on` date answers "what did we believe on X about Y", and
//! [`differences`] gives the exact amount owed or overpaid for each past
//! period when a late change moves the schedule.
//!
//! Who may see what is decided in one place, [`decide`], and every view of
//! a case for a person is built by one function, [`view_for`]: a parent's
//! view has no field that could hold the other parent's location.
//!
//! Pure: no I/O, no clock. Dates are arguments.

mod access;
mod codec;
mod facts;
mod personal;
mod redaction;
mod reference;
mod schedule;
mod sealed;
mod search;
mod servable;
mod state;
mod view;

pub use access::{Circumstances, Decision, Field, Relationship, Role, decide, may_act_on_case};
pub use codec::DecodeError;
pub use facts::{
    CaseHistory, Change, ChildId, FactEvent, Frequency, ReceivingParentId, ServiceType,
};
pub use personal::{NiNumber, NiNumberError, Sensitive, SortCode};
pub use redaction::{Locators, WITHHELD, normalise};
pub use reference::{CaseReference, ReferenceError};
pub use schedule::{
    PeriodDifference, Schedule, ScheduleError, Segment, SegmentReason, calculation_request_on,
    differences, liability_schedule, weekly_periods,
};
pub use sealed::{OpenError, SealedParty, open_parties, seal_parties};
pub use search::{
    Lookup, SEARCH_MAX_CHARS, SearchKind, SearchQuery, SearchRefused, SearchToken, blind_index,
    child_search_tokens, guess_kind, is_postcode, may_search, name_parts,
    national_significant_number, normalise_postcode, parse_date_of_birth, person_search_tokens,
    search_query, search_values,
};
pub use servable::{Unservable, check_servable};
pub use state::{CaseState, StateEvent, TransitionRefused};
pub use view::{
    Access, BankAccount, CaseParties, CaseView, Child, ChildInMyCare, ChildNotInMyCare,
    OtherParent, OwnDetails, ParentView, Person, PersonId, Shown, StaffPartyView, StaffView,
    Subject, ViewDenied, ViewWithAccesses, Viewer, view_for,
};
