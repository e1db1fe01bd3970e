-- The ledger's transfers: inserted once, never updated or deleted. Each
-- account is a case (absent for the bank and suspense) and a kind.
CREATE TABLE ledger_transfers (
    id TEXT PRIMARY KEY NOT NULL,
    debit_case TEXT,
    debit_kind TEXT NOT NULL,
    credit_case TEXT,
    credit_kind TEXT NOT NULL,
    amount_pence BIGINT NOT NULL CHECK (amount_pence > 0),
    code TEXT NOT NULL,
    effective TEXT NOT NULL,
    corrects TEXT
);
CREATE INDEX ledger_transfers_by_debit_case ON ledger_transfers (debit_case);
CREATE INDEX ledger_transfers_by_credit_case ON ledger_transfers (credit_case);
