-- What operators did to an order's process by hand (Retry, Compensate in the console): who, when and why, kept like
-- the dead letters' discards.
CREATE TABLE process_actions (
  id            bigserial PRIMARY KEY,
  order_id      uuid NOT NULL REFERENCES orders (id),
  action        text NOT NULL CHECK (action IN ('retry', 'compensate')),
  by_user_id    uuid NOT NULL,
  by_email      text NOT NULL,
  reason        text NOT NULL,
  at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX process_actions_by_order ON process_actions (order_id, id);
