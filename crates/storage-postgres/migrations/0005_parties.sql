-- The people in a case, every personal field sealed (see storage-sqlite's twin).
CREATE TABLE case_parties (
    case_reference TEXT NOT NULL REFERENCES cases (case_reference),
    party TEXT NOT NULL,
    person_id BIGINT NOT NULL,
    non_disclosure BOOLEAN NOT NULL,
    PRIMARY KEY (case_reference, party)
);
CREATE TABLE party_fields (
    case_reference TEXT NOT NULL,
    party TEXT NOT NULL,
    field TEXT NOT NULL,
    sealed BYTEA NOT NULL,
    PRIMARY KEY (case_reference, party, field),
    FOREIGN KEY (case_reference, party) REFERENCES case_parties (case_reference, party) ON DELETE CASCADE
);
