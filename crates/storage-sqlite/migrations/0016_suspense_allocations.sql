-- Money in suspense is allocated to a case once (issue 13): the store
-- claims the payment here in the transaction that records the allocating
-- action, so a second allocation of the same money, whatever its case or
-- idempotency key, finds the claim and writes nothing.
CREATE TABLE suspense_allocations (
    payment TEXT PRIMARY KEY NOT NULL,
    case_reference TEXT NOT NULL REFERENCES cases (case_reference),
    action_id TEXT NOT NULL
);
-- Allocations made before: the transfer that moved the money out of
-- suspense (`<payment>/allocated`) names the payment and its case; the
-- case's first action allocating that payment names the key ('' if none).
INSERT INTO suspense_allocations (payment, case_reference, action_id)
    SELECT p.payment, p.case_reference, COALESCE((
        SELECT a.action_id FROM collection_actions a
        WHERE a.case_reference = p.case_reference
            AND a.kind = 'allocate_suspense_payment'
            AND substr(a.payload, 1, length(p.prefix)) = p.prefix
        ORDER BY a.sequence LIMIT 1), '')
    FROM (
        SELECT t.payment, t.case_reference,
            'payment=' || replace(replace(replace(t.payment, '%', '%25'), ';', '%3B'), '=', '%3D') || ';' AS prefix
        FROM (
            SELECT substr(id, 1, length(id) - length('/allocated')) AS payment, credit_case AS case_reference
            FROM ledger_transfers
            WHERE id LIKE '%/allocated' AND debit_kind = 'suspense' AND debit_case IS NULL
                AND credit_case IS NOT NULL
        ) t
    ) p;
