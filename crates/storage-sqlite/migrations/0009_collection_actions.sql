-- Caseworkers' collection actions (holds, enforcement steps), append-only:
-- the state is folded from the log. Numbered per case so that a decision
-- taken on a stale reading of the case is refused.
CREATE TABLE collection_actions (
    case_reference TEXT NOT NULL REFERENCES cases (case_reference),
    sequence BIGINT NOT NULL,
    action_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    person_id BIGINT NOT NULL,
    role TEXT NOT NULL,
    on_date TEXT NOT NULL,
    PRIMARY KEY (case_reference, sequence),
    UNIQUE (case_reference, action_id)
);
