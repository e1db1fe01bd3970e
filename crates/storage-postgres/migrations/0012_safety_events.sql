-- Safety events on a case (disclosures, the named caseworker, reviews,
-- risk, Domestic Abuse Plan steps), append-only: the case's safety state
-- is folded from them. Numbered per case so a decision taken on a stale
-- reading is refused.
CREATE TABLE safety_events (
    case_reference TEXT NOT NULL REFERENCES cases (case_reference),
    sequence BIGINT NOT NULL,
    event_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    person_id BIGINT NOT NULL,
    role TEXT NOT NULL,
    on_date TEXT NOT NULL,
    PRIMARY KEY (case_reference, sequence),
    UNIQUE (case_reference, event_id)
);
