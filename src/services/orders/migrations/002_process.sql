-- Orders can be cancelled, and their process has an owner: what orders still has to do about an order (ask for the
-- charge again, ask for the money back), when, how often it tried, and, in the saga style, the charge's deadline.
DO $$
DECLARE check_name text;
BEGIN
  FOR check_name IN
    SELECT conname FROM pg_constraint
    WHERE conrelid = 'orders'::regclass AND contype = 'c'
      AND (pg_get_constraintdef(oid) LIKE '%status%' OR pg_get_constraintdef(oid) LIKE '%reason%')
  LOOP
    EXECUTE format('ALTER TABLE orders DROP CONSTRAINT %I', check_name);
  END LOOP;
END $$;

ALTER TABLE orders
  ADD CONSTRAINT orders_status CHECK (status IN ('pending', 'paid', 'rejected', 'cancelling', 'cancelled')),
  ADD CONSTRAINT orders_reason CHECK (
    reason IN ('insufficient_funds', 'account_not_found', 'billing_unavailable', 'payment_timeout', 'cancelled_by_user')),
  ADD CONSTRAINT orders_reason_when_final CHECK ((status IN ('rejected', 'cancelled')) = (reason IS NOT NULL)),
  -- For a cancelled order: whether its price had been charged and was given back.
  ADD COLUMN refunded boolean,
  ADD CONSTRAINT orders_refunded_when_cancelled CHECK ((status = 'cancelled') = (refunded IS NOT NULL)),
  -- What is still to be done about the order, and when: 'charge' asks billing to charge (again), 'refund' to give the
  -- payment back or void it (refund_cause says why). Cleared once billing has answered.
  ADD COLUMN follow_up text CHECK (follow_up IN ('charge', 'refund')),
  ADD COLUMN follow_up_at timestamptz,
  ADD COLUMN refund_cause text CHECK (refund_cause IN ('cancelled_by_user', 'payment_timeout', 'billing_unavailable')),
  ADD COLUMN attempts integer NOT NULL DEFAULT 0,
  ADD COLUMN deadline_at timestamptz,
  ADD CONSTRAINT orders_follow_up_when CHECK ((follow_up IS NULL) = (follow_up_at IS NULL)),
  ADD CONSTRAINT orders_refund_cause CHECK ((follow_up = 'refund') = (refund_cause IS NOT NULL));

-- The process timer reads the orders whose follow-up is due, oldest first; the others are not indexed.
CREATE INDEX orders_follow_up_due ON orders (follow_up_at) WHERE follow_up_at IS NOT NULL;
