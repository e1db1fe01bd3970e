-- Non-disclosure flags held on the person, not the case: set once, they
-- restrict every case the person is in, and every child in those cases.
-- Small and read on every view, so kept by person rather than by case.
CREATE TABLE person_flags (
    person_id BIGINT PRIMARY KEY NOT NULL,
    non_disclosure BOOLEAN NOT NULL
);
