-- Management information kept as the work happens (issue 14): totals by
-- measure and period, and a row per case (what its paying parent owes,
-- whether it is on Collect and Pay, whether abuse was disclosed in it),
-- changed in the same transaction as the event that changes them, so the
-- management information page and the arrears list read a few rows by
-- index at any caseload. A database from before this migration starts
-- with no totals: `cms mi recount` works them out once from everything
-- stored (storage_api::mi::recount).
CREATE TABLE mi_totals (
    measure TEXT NOT NULL,
    period TEXT NOT NULL,
    amount BIGINT NOT NULL,
    PRIMARY KEY (measure, period)
);
CREATE TABLE case_totals (
    case_reference TEXT PRIMARY KEY NOT NULL,
    owed BIGINT NOT NULL DEFAULT 0,
    collect_and_pay BIGINT NOT NULL DEFAULT 0,
    disclosed BIGINT NOT NULL DEFAULT 0
);
-- The arrears list: largest first, a page at a time.
CREATE INDEX case_totals_by_owed ON case_totals (owed DESC, case_reference) WHERE owed > 0;
-- Queues read a page in the order of an index, never sorting a queue:
-- by team, or by team and kind, or by who has the items, each most urgent
-- then oldest then by id (the tie-break every queue orders by).
CREATE INDEX work_items_team_order ON work_items (team, priority, raised_unix, item_id)
    WHERE state IN ('open', 'claimed');
CREATE INDEX work_items_kind_order ON work_items (team, kind, priority, raised_unix, item_id)
    WHERE state IN ('open', 'claimed');
CREATE INDEX work_items_assignee_order ON work_items (assignee, priority, raised_unix, item_id)
    WHERE state IN ('open', 'claimed');
