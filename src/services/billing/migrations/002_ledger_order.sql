-- The ledger's order is the order in which balances changed. Ids (UUIDv7) come from the clocks of
-- several replicas and may interleave; a sequence taken while the account row is locked cannot.
ALTER TABLE ledger ADD COLUMN seq bigserial NOT NULL;
DROP INDEX ledger_by_account;
CREATE INDEX ledger_by_account ON ledger (user_id, seq DESC);
