-- Challenges to decisions (issue 16): a mandatory reconsideration asked
-- for by a parent, the other parent's view, evidence, the outcome, an
-- appeal and the response bundles sent, append-only and numbered per
-- challenge so an outcome on a stale reading is refused. Free words are
-- kept sealed (the caller seals them: the key never reaches the database);
-- evidence files likewise.
CREATE TABLE challenges (
    challenge_id TEXT PRIMARY KEY NOT NULL,
    case_reference TEXT NOT NULL REFERENCES cases (case_reference),
    asked_by BIGINT NOT NULL,
    asked_on TEXT NOT NULL
);
CREATE INDEX challenges_by_case ON challenges (case_reference);
CREATE TABLE challenge_events (
    challenge_id TEXT NOT NULL REFERENCES challenges (challenge_id),
    sequence BIGINT NOT NULL,
    event_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    person_id BIGINT NOT NULL,
    role TEXT NOT NULL,
    on_date TEXT NOT NULL,
    words TEXT,
    PRIMARY KEY (challenge_id, sequence),
    UNIQUE (challenge_id, event_id)
);
CREATE TABLE challenge_evidence (
    challenge_id TEXT NOT NULL REFERENCES challenges (challenge_id),
    evidence_id TEXT NOT NULL,
    received BIGINT NOT NULL,
    media_type TEXT NOT NULL CHECK (media_type IN ('application/pdf', 'image/jpeg', 'image/png')),
    person_id BIGINT NOT NULL,
    bytes BIGINT NOT NULL,
    sealed BYTEA NOT NULL,
    PRIMARY KEY (challenge_id, evidence_id)
);
