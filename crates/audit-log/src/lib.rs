//! The tamper-evident audit log.
//!
//! Every look at personal data and every change is an [`AuditRecord`]: who,
//! in what role, did what, to which case, which fields, when, and why (for
//! break-glass). Records are appended as [`ChainedEntry`]s, each holding the
//! SHA-256 of its own canonical text and of the entry before it, so editing,
//! removing or reordering any entry breaks the chain at that entry and
//! [`verify`] says where. (Cutting entries off the end leaves a shorter
//! valid chain: the head's hash must also be kept somewhere else, such as
//! a daily anchor, to detect that.)
//!
//! Repeated identical records (a burst of failed sign-ins) are folded into
//! one with a count by [`aggregate`], so an attack cannot flood the log.
//!
//! Pure: timestamps are arguments, nothing is written here.

use std::fmt::{self, Write as _};

use sha2::{Digest, Sha256};

/// A SHA-256 digest.
pub type Hash = [u8; 32];

/// The hash before the first entry.
pub const GENESIS: Hash = [0; 32];

/// What was done.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// Personal data on a case was shown.
    Viewed,
    /// Facts of a case were changed.
    Changed,
    /// Personal data was shown by breaking the glass: flagged for review.
    BrokeGlass,
    /// Someone signed in.
    SignedIn,
    /// A sign-in failed.
    SignInFailed,
    /// The service started, with a parameter-set version.
    ServiceStarted,
    /// A batch ran (a bank import, the daily collection run, the day's
    /// post): what ran, on what file, with counts only; never personal data
    /// or payers' words.
    BatchRan,
    /// Someone searched for cases: by what kind of value (a name, a
    /// postcode…) and how many were found, never the value searched for.
    Searched,
}

impl Action {
    /// The code stored and hashed.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Action::Viewed => "viewed",
            Action::Changed => "changed",
            Action::BrokeGlass => "broke_glass",
            Action::SignedIn => "signed_in",
            Action::SignInFailed => "sign_in_failed",
            Action::ServiceStarted => "service_started",
            Action::BatchRan => "batch_ran",
            Action::Searched => "searched",
        }
    }

    /// The action with this code.
    #[must_use]
    pub fn from_code(code: &str) -> Option<Action> {
        [
            Action::Viewed,
            Action::Changed,
            Action::BrokeGlass,
            Action::SignedIn,
            Action::SignInFailed,
            Action::ServiceStarted,
            Action::BatchRan,
            Action::Searched,
        ]
        .into_iter()
        .find(|a| a.code() == code)
    }
}

/// One thing that happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditRecord {
    /// Seconds since 1970-01-01 UTC when it (first) happened.
    pub at_unix_seconds: i64,
    /// Who: a staff or parent identifier, never a name.
    pub actor: String,
    /// In what role.
    pub role: String,
    /// What.
    pub action: Action,
    /// Which case, by its reference.
    pub case: Option<String>,
    /// Which fields, by name.
    pub fields: Vec<String>,
    /// Why: the reason given for breaking the glass, for instance.
    pub reason: Option<String>,
    /// How many identical records this one stands for.
    pub count: u32,
}

impl AuditRecord {
    /// Whether `other` records the same thing by the same person, so the two
    /// can be folded together.
    #[must_use]
    pub fn same_event_as(&self, other: &AuditRecord) -> bool {
        self.actor == other.actor
            && self.role == other.role
            && self.action == other.action
            && self.case == other.case
            && self.fields == other.fields
            && self.reason == other.reason
    }

    /// The canonical text that is hashed: every field, escaped so that no
    /// two different records share a text.
    fn canonical(&self) -> String {
        let mut text = String::new();
        let _ = write!(
            text,
            "{}|{}|{}|{}|{}|{}|{}|{}",
            self.at_unix_seconds,
            escape(&self.actor),
            escape(&self.role),
            self.action.code(),
            self.case
                .as_deref()
                .map_or("-".to_owned(), |c| format!("+{}", escape(c))),
            self.fields
                .iter()
                .map(|f| escape(f))
                .collect::<Vec<_>>()
                .join(","),
            self.reason
                .as_deref()
                .map_or("-".to_owned(), |r| format!("+{}", escape(r))),
            self.count
        );
        text
    }
}

fn escape(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('|', "\\p")
        .replace(',', "\\c")
        .replace('\n', "\\n")
}

/// A record in its place in the chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainedEntry {
    /// 1 for the first entry, then one more each time.
    pub sequence: u64,
    /// The record.
    pub record: AuditRecord,
    /// The hash of the entry before (zeros for the first).
    pub previous_hash: Hash,
    /// The hash of this entry: of its sequence, record and `previous_hash`.
    pub hash: Hash,
}

fn entry_hash(sequence: u64, record: &AuditRecord, previous_hash: &Hash) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update(sequence.to_be_bytes());
    hasher.update(previous_hash);
    hasher.update(record.canonical().as_bytes());
    hasher.finalize().into()
}

/// The entry that follows `previous` (or starts the log).
#[must_use]
pub fn chain(previous: Option<&ChainedEntry>, record: AuditRecord) -> ChainedEntry {
    let (sequence, previous_hash) = previous.map_or((1, GENESIS), |p| (p.sequence + 1, p.hash));
    let hash = entry_hash(sequence, &record, &previous_hash);
    ChainedEntry {
        sequence,
        record,
        previous_hash,
        hash,
    }
}

/// Where and how the chain is broken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChainBreak {
    /// An entry's content no longer matches its hash: it was edited.
    Altered {
        /// The entry.
        sequence: u64,
    },
    /// An entry does not follow the one before it: entries were removed,
    /// inserted or reordered before it.
    Broken {
        /// The first entry out of place.
        sequence: u64,
    },
}

impl fmt::Display for ChainBreak {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChainBreak::Altered { sequence } => {
                write!(f, "entry {sequence} was altered after it was written")
            }
            ChainBreak::Broken { sequence } => {
                write!(
                    f,
                    "the chain breaks at entry {sequence}: entries before it were removed, inserted or reordered"
                )
            }
        }
    }
}

/// Checks a whole log, in sequence order, from its first entry.
///
/// # Errors
/// The first entry at which the chain breaks.
pub fn verify(entries: &[ChainedEntry]) -> Result<(), ChainBreak> {
    let mut expected_previous = GENESIS;
    for (expected_sequence, entry) in (1..).zip(entries) {
        if entry.sequence != expected_sequence || entry.previous_hash != expected_previous {
            return Err(ChainBreak::Broken {
                sequence: entry.sequence,
            });
        }
        if entry_hash(entry.sequence, &entry.record, &entry.previous_hash) != entry.hash {
            return Err(ChainBreak::Altered {
                sequence: entry.sequence,
            });
        }
        expected_previous = entry.hash;
    }
    Ok(())
}

/// Folds runs of the same event by the same person within `window_seconds`
/// of the run's first record into one record with a count.
#[must_use]
pub fn aggregate(records: Vec<AuditRecord>, window_seconds: i64) -> Vec<AuditRecord> {
    let mut folded: Vec<AuditRecord> = Vec::new();
    for record in records {
        match folded.last_mut() {
            Some(last)
                if last.same_event_as(&record)
                    && record.at_unix_seconds - last.at_unix_seconds <= window_seconds =>
            {
                last.count = last.count.saturating_add(record.count);
            }
            _ => folded.push(record),
        }
    }
    folded
}

/// A hash as 64 lower-case hex digits.
#[must_use]
pub fn to_hex(hash: &Hash) -> String {
    hash.iter()
        .fold(String::with_capacity(64), |mut text, byte| {
            let _ = write!(text, "{byte:02x}");
            text
        })
}

/// Reads 64 hex digits.
#[must_use]
pub fn from_hex(text: &str) -> Option<Hash> {
    if text.len() != 64 || !text.is_ascii() {
        return None;
    }
    let mut hash = [0u8; 32];
    for (index, byte) in hash.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[index * 2..index * 2 + 2], 16).ok()?;
    }
    Some(hash)
}
