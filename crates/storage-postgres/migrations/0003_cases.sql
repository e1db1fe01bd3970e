-- Cases and the facts recorded about them (see storage-sqlite's twin).
CREATE TABLE cases (
    case_reference TEXT PRIMARY KEY NOT NULL,
    initial_effective_date TEXT NOT NULL,
    opened_at TEXT NOT NULL DEFAULT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
);
CREATE TABLE case_facts (
    case_reference TEXT NOT NULL REFERENCES cases (case_reference),
    sequence BIGINT NOT NULL,
    effective_from TEXT NOT NULL,
    recorded_on TEXT NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    PRIMARY KEY (case_reference, sequence)
);
CREATE TABLE case_fact_batches (
    case_reference TEXT NOT NULL REFERENCES cases (case_reference),
    idempotency_key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    first_sequence BIGINT NOT NULL,
    PRIMARY KEY (case_reference, idempotency_key)
);
