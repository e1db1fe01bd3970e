-- The tamper-evident audit log (see the audit-log crate). Rows are only ever inserted.
CREATE TABLE audit_log (
    sequence BIGINT PRIMARY KEY NOT NULL,
    at_unix_seconds BIGINT NOT NULL,
    actor TEXT NOT NULL,
    role TEXT NOT NULL,
    action TEXT NOT NULL,
    case_reference TEXT,
    fields TEXT NOT NULL,
    reason TEXT,
    count BIGINT NOT NULL CHECK (count >= 1),
    previous_hash TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE
);
CREATE INDEX audit_log_by_case ON audit_log (case_reference, sequence);
