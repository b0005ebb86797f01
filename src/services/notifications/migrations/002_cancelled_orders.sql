-- A cancelled order gets a letter of its own: an order has at most one letter of each kind (a paid order that is then
-- cancelled has two, order_paid and order_cancelled), and outcomes kept for an unknown address are kept per kind too.
DO $$
DECLARE check_name text;
BEGIN
  FOR check_name IN
    SELECT conname FROM pg_constraint
    WHERE conrelid IN ('letters'::regclass, 'pending_outcomes'::regclass) AND contype = 'c' AND pg_get_constraintdef(oid) LIKE '%kind%'
  LOOP
    EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I',
      (SELECT conrelid::regclass FROM pg_constraint WHERE conname = check_name LIMIT 1), check_name);
  END LOOP;
END $$;

ALTER TABLE letters ADD CONSTRAINT letters_kind CHECK (kind IN ('order_paid', 'order_rejected', 'order_cancelled', 'message'));
DROP INDEX letters_one_per_order;
CREATE UNIQUE INDEX letters_one_per_order_and_kind ON letters (order_id, kind) WHERE order_id IS NOT NULL;

ALTER TABLE pending_outcomes
  ADD CONSTRAINT pending_outcomes_kind CHECK (kind IN ('order_paid', 'order_rejected', 'order_cancelled')),
  DROP CONSTRAINT pending_outcomes_pkey,
  ADD PRIMARY KEY (order_id, kind);
