import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { serviceNames } from '../../src/platform/runtime/index.ts';
import { REPORTS, runContractTests } from './portman.ts';

test('when the collections Portman generates from the served OpenAPI documents run against a seeded system, then every success case succeeds, every fuzzed request gets its 4xx, no response is a 5xx, and the HTML reports load nothing from the network', async () => {
  const totals = await runContractTests();

  assert.deepEqual(totals.serverErrors, [], 'responses with a 5xx status');
  assert.deepEqual(totals.runs.flatMap((run) => run.failures), [], 'failed checks');
  assert.deepEqual(totals.operationsWithoutSuccess, [], 'documented operations that never succeeded');
  assert.ok(totals.runs.every((run) => run.responses.some((r) => r.request.includes('[fuzz]'))), 'every service got fuzzed requests');
  for (const service of serviceNames) {
    const html = await readFile(join(REPORTS, `${service}.html`), 'utf8');
    assert.match(html, /<h2>Requests<\/h2>/, `reports/contract/${service}.html is newman's report`);
    const remote = html.match(/<(script|link|img)\b[^>]*\b(src|href)\s*=\s*["']?(https?:)?\/\//gi) ?? [];
    assert.deepEqual(remote, [], `reports/contract/${service}.html loads from the network, so it is blank offline`);
  }
});
