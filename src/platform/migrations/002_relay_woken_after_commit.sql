-- Relays are now woken by the processes that commit (src/platform/outbox.ts, wakeRelayOnCommit), after the commit.
-- A NOTIFY inside every transaction made PostgreSQL commit those transactions one at a time.
DROP TRIGGER outbox_inserted ON outbox;
DROP FUNCTION outbox_notify();
