-- Protection belongs to the person (issue 12): each person's protection
-- events, numbered per person so a decision taken on a stale reading is
-- refused, beside the one flag every case reads (person_flags).
CREATE TABLE protection_events (
    person_id BIGINT NOT NULL,
    sequence BIGINT NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    by_person BIGINT NOT NULL,
    by_role TEXT NOT NULL,
    on_date TEXT NOT NULL,
    PRIMARY KEY (person_id, sequence)
);
-- A flag recorded on one case's parties, and a disclosure of abuse, now
-- protect the person in every case they are in.
INSERT INTO person_flags (person_id, non_disclosure)
    SELECT DISTINCT person_id, 1 FROM case_parties
    WHERE non_disclosure = 1 AND (party = 'paying_parent' OR party LIKE 'receiving_parent:%')
    ON CONFLICT (person_id) DO UPDATE SET non_disclosure = 1;
INSERT INTO person_flags (person_id, non_disclosure)
    SELECT DISTINCT p.person_id, 1 FROM safety_events e
    JOIN case_parties p ON p.case_reference = e.case_reference
    WHERE e.kind = 'disclosed' AND (
        (e.payload LIKE 'by=paying_parent;%' AND p.party = 'paying_parent')
        OR (e.payload LIKE 'by=receiving_parent;%' AND p.party LIKE 'receiving_parent:%'))
    ON CONFLICT (person_id) DO UPDATE SET non_disclosure = 1;
-- Every person protected before this migration, with the history it knew.
INSERT INTO protection_events (person_id, sequence, kind, payload, by_person, by_role, on_date)
    SELECT person_id, 1, 'protected', 'cause=flagged', 0, 'administrator', date('now')
    FROM person_flags WHERE non_disclosure = 1;
