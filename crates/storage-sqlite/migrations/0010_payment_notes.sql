-- Payers' own words on payments (remittance text), kept for caseworkers
-- only: for money in suspense (with the reason, for the work queue) and
-- for payments whose text says more than the case reference.
CREATE TABLE payment_notes (
    transfer_id TEXT PRIMARY KEY NOT NULL,
    remittance TEXT NOT NULL,
    suspense_reason TEXT
);
