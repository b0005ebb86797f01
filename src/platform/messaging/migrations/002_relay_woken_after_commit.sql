-- Relays are now woken by the processes that commit (relayWaker in src/platform/outbox-relay.ts), after the commit.
-- A NOTIFY inside every transaction made PostgreSQL commit those transactions one at a time.
DROP TRIGGER outbox_inserted ON outbox;
DROP FUNCTION outbox_notify();
