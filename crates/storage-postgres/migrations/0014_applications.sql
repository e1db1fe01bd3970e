-- A case opened by a parent's application has no initial effective date
-- until a caseworker makes the calculation. SQLite cannot relax the NOT NULL
-- on cases.initial_effective_date without rebuilding a table five others
-- reference, so until then the column holds '' (storage_api::AWAITING_CALCULATION),
-- in both stores alike. This index is the applications queue.
CREATE INDEX cases_awaiting_calculation ON cases (opened_at, case_reference)
    WHERE initial_effective_date = '';
