-- The service's own accounts (bank, suspense) have no case: every payment
-- debits the bank, so half the entries of the by-case indexes were NULLs
-- no query looks up. Partial indexes keep only entries with a case, which
-- halves the index work of a bank import. Lookups by case (`= ?`) imply
-- NOT NULL, so they still use them.
DROP INDEX ledger_transfers_by_debit_case;
DROP INDEX ledger_transfers_by_credit_case;
CREATE INDEX ledger_transfers_by_debit_case ON ledger_transfers (debit_case) WHERE debit_case IS NOT NULL;
CREATE INDEX ledger_transfers_by_credit_case ON ledger_transfers (credit_case) WHERE credit_case IS NOT NULL;
