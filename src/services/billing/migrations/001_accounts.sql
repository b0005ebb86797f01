CREATE TABLE accounts (
  user_id    uuid PRIMARY KEY,
  -- Kopecks. Never negative; capped so every balance is exact as a JSON number.
  balance    bigint NOT NULL DEFAULT 0
             CONSTRAINT balance_in_range CHECK (balance >= 0 AND balance <= 9007199254740991),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Every balance change has exactly one line here, written in the same transaction.
CREATE TABLE ledger (
  id            uuid PRIMARY KEY,
  user_id       uuid NOT NULL REFERENCES accounts (user_id),
  type          text NOT NULL CHECK (type IN ('deposit', 'withdrawal', 'payment')),
  amount        bigint NOT NULL CHECK (amount > 0),
  balance_after bigint NOT NULL,
  order_id      uuid,
  created_at    timestamptz NOT NULL DEFAULT now(),
  CHECK ((type = 'payment') = (order_id IS NOT NULL))
);
CREATE INDEX ledger_by_account ON ledger (user_id, id DESC);
-- The last line of defence for "an order is charged at most once".
CREATE UNIQUE INDEX ledger_one_payment_per_order ON ledger (order_id) WHERE type = 'payment';
