-- A person's cases, for their own pages: found by the person, not by
-- reading every case.
CREATE INDEX case_parties_by_person ON case_parties (person_id, case_reference);
