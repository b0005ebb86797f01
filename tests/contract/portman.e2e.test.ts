import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runContractTests } from './portman.ts';

test('when the collections Portman generates from the served OpenAPI documents run against a seeded system, then every success case succeeds, every fuzzed request gets its 4xx, and no response is a 5xx', async () => {
  const totals = await runContractTests();

  assert.deepEqual(totals.serverErrors, [], 'responses with a 5xx status');
  assert.deepEqual(totals.runs.flatMap((run) => run.failures), [], 'failed checks');
  assert.deepEqual(totals.operationsWithoutSuccess, [], 'documented operations that never succeeded');
  assert.ok(totals.runs.every((run) => run.responses.some((r) => r.request.includes('[fuzz]'))), 'every service got fuzzed requests');
});
