-- What the operators' console reads and does (src/platform/admin-routes.ts).

-- An order's timeline asks each service what it handled about the order: the consumers record the event's subject
-- with its id. Rows handled before this migration have none.
ALTER TABLE inbox ADD COLUMN subject text;
CREATE INDEX inbox_subject ON inbox (subject);

-- ... and what it published about the order.
CREATE INDEX outbox_aggregate ON outbox (aggregate_id);

-- A dead letter an operator discards is settled like a replayed one, with a record of who did it, when and why.
-- It is not deleted then: retention removes settled dead letters RETENTION_DEAD_LETTERS after settled_at.
ALTER TABLE dead_letters
  ADD COLUMN discarded_at timestamptz,
  ADD COLUMN discarded_by_user_id uuid,
  ADD COLUMN discarded_by_email text,
  ADD COLUMN discard_reason text,
  ADD COLUMN settled_at timestamptz GENERATED ALWAYS AS (coalesce(replayed_at, discarded_at)) STORED,
  ADD CONSTRAINT dead_letters_discard_audited CHECK (
    (discarded_at IS NULL AND discarded_by_user_id IS NULL AND discarded_by_email IS NULL AND discard_reason IS NULL)
    OR (discarded_at IS NOT NULL AND discarded_by_user_id IS NOT NULL AND discarded_by_email IS NOT NULL AND discard_reason IS NOT NULL));
