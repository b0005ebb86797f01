-- Retention (src/platform/retention.ts) deletes idempotency keys by age: without an index each sweep would read the
-- whole table. The outbox and the inbox are swept oldest first by their keys instead (seq, and event ids that are
-- UUIDv7s), so their hot paths get no index more; dead letters are few.
CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);
