CREATE TABLE orders (
  id         uuid PRIMARY KEY,
  user_id    uuid NOT NULL,
  price      bigint NOT NULL CHECK (price > 0),
  status     text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'paid', 'rejected')),
  reason     text CHECK (reason IN ('insufficient_funds', 'account_not_found')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((status = 'rejected') = (reason IS NOT NULL))
);
CREATE INDEX orders_by_user ON orders (user_id, id DESC);
