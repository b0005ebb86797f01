-- Addresses learnt from users.user.created.v1.
CREATE TABLE recipients (
  user_id    uuid PRIMARY KEY,
  email      text NOT NULL,
  name       text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE letters (
  id         uuid PRIMARY KEY,
  user_id    uuid,
  email      text NOT NULL,
  kind       text NOT NULL CHECK (kind IN ('order_paid', 'order_rejected', 'message')),
  subject    text NOT NULL,
  body       text NOT NULL,
  order_id   uuid,
  created_at timestamptz NOT NULL DEFAULT now()
);
-- Exactly one letter per final order.
CREATE UNIQUE INDEX letters_one_per_order ON letters (order_id) WHERE order_id IS NOT NULL;
CREATE INDEX letters_by_user ON letters (user_id, id DESC);
CREATE INDEX letters_by_email ON letters (lower(email), id DESC);

-- Order outcomes that arrived before the user's address: turned into letters when it arrives.
CREATE TABLE pending_outcomes (
  order_id    uuid PRIMARY KEY,
  user_id     uuid NOT NULL,
  kind        text NOT NULL CHECK (kind IN ('order_paid', 'order_rejected')),
  price       bigint NOT NULL,
  reason      text,
  received_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX pending_outcomes_by_user ON pending_outcomes (user_id);
