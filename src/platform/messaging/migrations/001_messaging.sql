-- The messaging tables every service has in its own database.

-- Events waiting to be published, written in the same transaction as the change they describe.
CREATE TABLE outbox (
  seq          bigserial PRIMARY KEY,
  event_id     uuid NOT NULL UNIQUE,
  event_type   text NOT NULL,
  aggregate_id text NOT NULL,
  envelope     jsonb NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  published_at timestamptz
);
CREATE INDEX outbox_unpublished ON outbox (seq) WHERE published_at IS NULL;

-- Wakes the relay as soon as events commit (NOTIFY is delivered at commit time).
CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('outbox', '');
  RETURN NULL;
END $$;
CREATE TRIGGER outbox_inserted AFTER INSERT ON outbox
  FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();

-- Events this service has handled; recorded in the same transaction as the handler's effect.
CREATE TABLE inbox (
  event_id   uuid PRIMARY KEY,
  event_type text NOT NULL,
  handled_at timestamptz NOT NULL DEFAULT now()
);

-- Events that failed every attempt: kept for inspection and replay, never dropped.
CREATE TABLE dead_letters (
  event_id    uuid PRIMARY KEY,
  event_type  text NOT NULL,
  envelope    jsonb NOT NULL,
  error       text NOT NULL,
  attempts    integer NOT NULL,
  failed_at   timestamptz NOT NULL DEFAULT now(),
  replayed_at timestamptz
);

-- First responses to requests that carried an Idempotency-Key.
CREATE TABLE idempotency_keys (
  scope        text NOT NULL,
  key          text NOT NULL,
  request_hash text NOT NULL,
  status       integer,
  response     jsonb,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (scope, key)
);
