-- The people in a case. Every piece of personal data is a separately sealed
-- field (see case-records' sealed.rs): the database never holds it in clear.
CREATE TABLE case_parties (
    case_reference TEXT NOT NULL REFERENCES cases (case_reference),
    party TEXT NOT NULL,
    person_id INTEGER NOT NULL,
    non_disclosure INTEGER NOT NULL CHECK (non_disclosure IN (0, 1)),
    PRIMARY KEY (case_reference, party)
);
CREATE TABLE party_fields (
    case_reference TEXT NOT NULL,
    party TEXT NOT NULL,
    field TEXT NOT NULL,
    sealed BLOB NOT NULL,
    PRIMARY KEY (case_reference, party, field),
    FOREIGN KEY (case_reference, party) REFERENCES case_parties (case_reference, party) ON DELETE CASCADE
);
