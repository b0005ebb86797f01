import assert from 'node:assert/strict';
import { test } from 'node:test';
import { migrationSummary } from './migrations.ts';

test('the one line a start logs per database says whether anything was applied, and how many', () => {
  assert.equal(migrationSummary('billing', 3, 7), 'billing: database up to date (3 migrations applied)');
  assert.equal(migrationSummary('orders', 1, 5), 'orders: database up to date (1 migration applied)');
  assert.equal(migrationSummary('users', 0, 12), 'users: 12 migrations, none pending');
});
