-- Work items (issue 14): see storage-sqlite's twin.
CREATE TABLE work_items (
    item_id TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    team TEXT NOT NULL,
    priority INTEGER NOT NULL,
    case_reference TEXT,
    person_id BIGINT,
    risk TEXT NOT NULL,
    raised_unix BIGINT NOT NULL,
    due_unix BIGINT NOT NULL,
    assignee BIGINT,
    state TEXT NOT NULL CHECK (state IN ('open', 'claimed', 'done')),
    closed_unix BIGINT,
    closed_by BIGINT
);
CREATE INDEX work_items_queue ON work_items (team, priority, raised_unix)
    WHERE state IN ('open', 'claimed');
CREATE INDEX work_items_mine ON work_items (assignee, priority, raised_unix)
    WHERE state IN ('open', 'claimed');
CREATE INDEX work_items_by_case ON work_items (case_reference, state);
INSERT INTO work_items (item_id, kind, team, priority, case_reference, person_id, risk, raised_unix, due_unix, assignee, state)
    SELECT 'application_waiting:' || case_reference || ':application', 'application_waiting', 'casework', 5,
           case_reference, NULL, 'standard',
           CAST(EXTRACT(EPOCH FROM CAST(opened_at AS TIMESTAMPTZ)) AS BIGINT), CAST(EXTRACT(EPOCH FROM CAST(opened_at AS TIMESTAMPTZ)) AS BIGINT) + 7200 * 60, NULL, 'open'
    FROM cases WHERE initial_effective_date = '';
INSERT INTO work_items (item_id, kind, team, priority, case_reference, person_id, risk, raised_unix, due_unix, assignee, state)
    SELECT 'suspense_payment:' || t.id, 'suspense_payment', 'money', 6, NULL, NULL, 'standard',
           CAST(EXTRACT(EPOCH FROM CAST(t.effective AS TIMESTAMP)) AS BIGINT), CAST(EXTRACT(EPOCH FROM CAST(t.effective AS TIMESTAMP)) AS BIGINT) + 4320 * 60, NULL, 'open'
    FROM ledger_transfers t
    WHERE t.credit_kind = 'suspense' AND t.code = 'unmatched'
      AND NOT EXISTS (SELECT 1 FROM ledger_transfers a WHERE a.id = t.id || '/allocated');
