-- Work items (issue 14): what caseworkers and specialists must act on,
-- opened, changed and closed in the same transaction as the event that
-- causes them, and read by index: a queue page costs the same at any
-- caseload. Whether an item's case is restricted is read with it from the
-- people in the case, never stored here, so it cannot go stale.
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
-- Work already waiting: applications without their calculation, and money
-- in suspense not yet allocated (service standards: 5 and 3 days).
INSERT INTO work_items (item_id, kind, team, priority, case_reference, person_id, risk, raised_unix, due_unix, assignee, state)
    SELECT 'application_waiting:' || case_reference || ':application', 'application_waiting', 'casework', 5,
           case_reference, NULL, 'standard',
           CAST(strftime('%s', opened_at) AS INTEGER), CAST(strftime('%s', opened_at) AS INTEGER) + 7200 * 60, NULL, 'open'
    FROM cases WHERE initial_effective_date = '';
INSERT INTO work_items (item_id, kind, team, priority, case_reference, person_id, risk, raised_unix, due_unix, assignee, state)
    SELECT 'suspense_payment:' || t.id, 'suspense_payment', 'money', 6, NULL, NULL, 'standard',
           CAST(strftime('%s', t.effective) AS INTEGER), CAST(strftime('%s', t.effective) AS INTEGER) + 4320 * 60, NULL, 'open'
    FROM ledger_transfers t
    WHERE t.credit_kind = 'suspense' AND t.code = 'unmatched'
      AND NOT EXISTS (SELECT 1 FROM ledger_transfers a WHERE a.id = t.id || '/allocated');
