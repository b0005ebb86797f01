-- Every payment billing was asked for, by its id (the order's), and what became of it. A charge or a refund that
-- comes again finds it and answers as the first time; a charge that comes after its refund finds it voided and is
-- refused. A refund of a payment never charged voids it, so the money never moves in the first place.
CREATE TABLE payments (
  payment_id            uuid PRIMARY KEY,
  -- Unknown only for a void of a payment billing never saw, whose refund did not name its owner.
  user_id               uuid,
  amount                bigint CHECK (amount > 0),
  status                text NOT NULL CHECK (status IN ('charged', 'refused', 'refunded', 'voided')),
  refusal               text CHECK (refusal IN ('insufficient_funds', 'account_not_found', 'cancelled')),
  charge_transaction_id uuid,
  refund_transaction_id uuid,
  created_at            timestamptz NOT NULL DEFAULT now(),
  updated_at            timestamptz NOT NULL DEFAULT now(),
  CHECK ((status = 'refused') = (refusal IS NOT NULL)),
  CHECK ((status IN ('charged', 'refunded')) = (charge_transaction_id IS NOT NULL)),
  CHECK ((status = 'refunded') = (refund_transaction_id IS NOT NULL))
);

-- The payments made before this table: charged, as their ledger lines say.
INSERT INTO payments (payment_id, user_id, amount, status, charge_transaction_id, created_at, updated_at)
  SELECT order_id, user_id, amount, 'charged', id, created_at, created_at FROM ledger WHERE type = 'payment';

-- A refund gives a payment back with a ledger line of its own, which names the order as the payment's does.
DO $$
DECLARE check_name text;
BEGIN
  FOR check_name IN
    SELECT conname FROM pg_constraint
    WHERE conrelid = 'ledger'::regclass AND contype = 'c' AND pg_get_constraintdef(oid) LIKE '%type%'
  LOOP
    EXECUTE format('ALTER TABLE ledger DROP CONSTRAINT %I', check_name);
  END LOOP;
END $$;
ALTER TABLE ledger
  ADD CONSTRAINT ledger_type CHECK (type IN ('deposit', 'withdrawal', 'payment', 'refund')),
  ADD CONSTRAINT ledger_order_of_payments_and_refunds CHECK ((type IN ('payment', 'refund')) = (order_id IS NOT NULL));
-- The last line of defence for "a payment is given back at most once".
CREATE UNIQUE INDEX ledger_one_refund_per_order ON ledger (order_id) WHERE type = 'refund';
