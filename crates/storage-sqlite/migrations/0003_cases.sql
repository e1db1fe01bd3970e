-- Cases and the facts recorded about them, append-only, keyed by case so the
-- data can later be sharded by case. Each batch of facts is stored once per
-- idempotency key, so a retried request changes nothing.
CREATE TABLE cases (
    case_reference TEXT PRIMARY KEY NOT NULL,
    initial_effective_date TEXT NOT NULL,
    opened_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE TABLE case_facts (
    case_reference TEXT NOT NULL REFERENCES cases (case_reference),
    sequence INTEGER NOT NULL,
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
    first_sequence INTEGER NOT NULL,
    PRIMARY KEY (case_reference, idempotency_key)
);
