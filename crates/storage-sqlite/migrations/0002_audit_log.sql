-- The tamper-evident audit log: each row holds the SHA-256 of its content and
-- of the row before it (see the audit-log crate). Rows are only ever inserted.
CREATE TABLE audit_log (
    sequence INTEGER PRIMARY KEY NOT NULL,
    at_unix_seconds INTEGER NOT NULL,
    actor TEXT NOT NULL,
    role TEXT NOT NULL,
    action TEXT NOT NULL,
    case_reference TEXT,
    fields TEXT NOT NULL,
    reason TEXT,
    count INTEGER NOT NULL CHECK (count >= 1),
    previous_hash TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE
);
CREATE INDEX audit_log_by_case ON audit_log (case_reference, sequence);
