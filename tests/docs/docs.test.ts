/**
 * The committed docs are what the code says: regenerated docs equal them, the AsyncAPI and OpenAPI
 * documents are valid, and the events a real run publishes match the published JSON Schemas.
 */
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import SwaggerParser from '@apidevtools/swagger-parser';
import { Parser } from '@asyncapi/parser';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import YAML from 'yaml';
import { generateDocs } from '../../scripts/docs.ts';
import { docsDir } from '../../scripts/docs/paths.ts';
import { ENVELOPE_SCHEMA_FILE, eventSchemaFile, fieldsWithoutDescription } from '../../scripts/docs/schemas.ts';
import { eventCatalogue } from '../../src/contracts/events.ts';
import { serviceNames } from '../../src/platform/runtime/index.ts';
import type { EventEnvelope } from '../../src/platform/messaging/index.ts';
import { client, eventually } from '../support/api.ts';
import { startTestSystem, type TestSystem } from '../support/system.ts';

const GENERATED_FOLDERS = ['openapi', 'events'];
const asyncApiPath = join(docsDir, 'asyncapi.yaml');

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'streamshop-docs-test-'));
  await chmod(dir, 0o755); // embedded PostgreSQL runs as an unprivileged user when we are root
  return dir;
}

const readJson = async (path: string) => JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;

describe('docs', () => {
  test('when the docs are regenerated, then they equal the committed ones', { timeout: 30_000 }, async () => {
    const out = await tempDir();
    try {
      await generateDocs(out);
      for (const folder of GENERATED_FOLDERS) {
        const committed = (await readdir(join(docsDir, folder)).catch(() => [])).sort();
        const generated = (await readdir(join(out, folder))).sort();
        assert.deepEqual(committed, generated, `docs/${folder} has other files than the code generates: run npm run docs`);
        for (const file of generated) {
          const [expected, actual] = await Promise.all([readFile(join(out, folder, file), 'utf8'), readFile(join(docsDir, folder, file), 'utf8')]);
          assert.equal(actual, expected, `docs/${folder}/${file} is stale: run npm run docs`);
        }
      }
      const [expected, actual] = await Promise.all([readFile(join(out, 'asyncapi.yaml'), 'utf8'), readFile(asyncApiPath, 'utf8')]);
      assert.equal(actual, expected, 'docs/asyncapi.yaml is stale: run npm run docs');
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });

  test('when docs/asyncapi.yaml is parsed, then the AsyncAPI parser reports no error', async () => {
    const { document, diagnostics } = await new Parser().parse(await readFile(asyncApiPath, 'utf8'), { source: asyncApiPath });
    const errors = diagnostics.filter((d) => d.severity === 0).map((d) => `${d.path.join('.')}: ${d.message}`);
    assert.deepEqual(errors, []);
    assert.ok(document, 'the parser returned no document');
    assert.deepEqual(
      document.channels().all().map((c) => c.address()).sort(),
      eventCatalogue.map((e) => e.type).sort(),
      'one channel per event type',
    );
  });

  for (const service of serviceNames) {
    test(`when docs/openapi/${service}.json is validated, then it is a valid OpenAPI 3.1 document`, async () => {
      const api = (await SwaggerParser.validate(join(docsDir, 'openapi', `${service}.json`))) as { openapi?: string };
      assert.match(api.openapi ?? '', /^3\.1\./);
    });
  }

  test('when the event catalogue is listed, then every event has a described JSON Schema file', async () => {
    for (const file of [ENVELOPE_SCHEMA_FILE, ...eventCatalogue.map((e) => eventSchemaFile(e.type))]) {
      const schema = await readJson(join(docsDir, 'events', file)).catch(() => assert.fail(`docs/events/${file} is missing`));
      assert.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema', file);
      for (const key of ['$id', 'title', 'description']) assert.equal(typeof schema[key], 'string', `${file} has no ${key}`);
      assert.deepEqual(fieldsWithoutDescription(schema), [], `${file}: fields without a description`);
    }
  });

  for (const style of ['events', 'saga'] as const) {
    describe(`when a real flow runs in the ${style} style, then every published event matches its schemas`, () => {
      let system: TestSystem;
      const captured: EventEnvelope[] = [];

      before(async () => {
        system = await startTestSystem({ env: { INTERACTION_STYLE: style } });
        await system.bus.subscribe({
          consumer: 'docs-tap',
          eventTypes: eventCatalogue.map((e) => e.type),
          handle: async ({ event }) => void captured.push(event),
        });
      });

      after(() => system?.stop());

      test('users, deposits, a paid, a rejected and an unpayable order, two cancellations and two messages', { timeout: 40_000 }, async () => {
        await realFlow(system);
        // The commands are the saga's, the cancellation request the events style's; everything else goes out in both.
        const expected: Record<string, number> = Object.fromEntries(
          eventCatalogue.filter((e) => (style === 'saga' ? e.type !== 'orders.order.cancellation_requested.v1' : !e.type.includes('.commands.'))).map((e) => [e.type, 1]),
        );
        Object.assign(expected, { 'notifications.letter.stored.v1': 5, 'billing.payment.rejected.v1': 2, 'orders.order.rejected.v1': 2 });
        const count = (type: string) => captured.filter((e) => e.type === type).length;
        await eventually(async () => {
          for (const [type, n] of Object.entries(expected)) assert.ok(count(type) >= n, `${count(type)} of ${n} ${type}`);
        }, { timeoutMs: 20_000 });
        await assertMatchesTheDocs(captured);
      });
    });
  }
});

/** Event type → the service whose `send` operation docs/asyncapi.yaml lists for its channel. */
function publishersInAsyncApi(doc: { operations: Record<string, { action: string; channel: { $ref: string }; tags: { name: string }[] }>; channels: Record<string, { address: string }> }) {
  const publishers = new Map<string, string>();
  for (const operation of Object.values(doc.operations)) {
    if (operation.action !== 'send') continue;
    const channel = doc.channels[operation.channel.$ref.replace('#/channels/', '')];
    publishers.set(channel?.address ?? '', operation.tags[0]?.name ?? '');
  }
  return publishers;
}

/** Every kind of event the services publish: orders paid, refused, unpayable and cancelled (charged and not), messages. */
async function realFlow(system: TestSystem): Promise<void> {
  const api = client(system.url);
  const user = await api.userWithAccount(10_000);
  const wait = { prefer: 'wait=10' };
  const paid = await user.post('/orders', { userId: user.id, price: 3_000 }, wait);
  assert.equal(paid.body.status, 'paid');
  const rejected = await user.post('/orders', { userId: user.id, price: 1_000_000 }, wait);
  assert.deepEqual([rejected.body.status, rejected.body.reason], ['rejected', 'insufficient_funds']);
  const accountless = await api.userWithAccount();
  await system.database('billing')`DELETE FROM accounts WHERE user_id = ${accountless.id}`;
  const unpayable = await accountless.post('/orders', { userId: accountless.id, price: 100 }, wait);
  assert.deepEqual([unpayable.body.status, unpayable.body.reason], ['rejected', 'account_not_found']);
  // Cancelled once paid (refunded), and once before billing could answer a charge it then refuses (voided: billing
  // waits on the account row, and the refund comes after the refusal).
  assert.ok([200, 202].includes((await user.post(`/orders/${paid.body.id}/cancellation`, undefined)).status));
  await system.database('billing').begin(async (tx) => {
    await tx`SELECT 1 FROM accounts WHERE user_id = ${user.id} FOR UPDATE`;
    const pending = await user.post('/orders', { userId: user.id, price: 900_000 });
    assert.equal((await user.post(`/orders/${pending.body.id}/cancellation`, undefined)).body.status, 'cancelling');
  });
  const admin = await api.admin();
  for (const to of [user.email, `nobody-${crypto.randomUUID()}@example.com`]) {
    assert.equal((await admin.post('/notifications', { email: to, subject: 'Hello', body: 'A message' })).status, 201);
  }
}

/** Each captured event against the envelope's and its data's JSON Schema, and its publisher against docs/asyncapi.yaml. */
async function assertMatchesTheDocs(captured: EventEnvelope[]): Promise<void> {
  const ajv = new Ajv2020.default({ allErrors: true, strict: true });
  addFormats.default(ajv);
  const envelope = ajv.compile(await readJson(join(docsDir, 'events', ENVELOPE_SCHEMA_FILE)));
  const dataOf = new Map<string, ReturnType<typeof ajv.compile>>();
  for (const { type } of eventCatalogue) dataOf.set(type, ajv.compile(await readJson(join(docsDir, 'events', eventSchemaFile(type)))));
  const publisherOf = publishersInAsyncApi(YAML.parse(await readFile(asyncApiPath, 'utf8')));
  for (const event of captured) {
    const label = `${event.type} ${JSON.stringify(event)}`;
    assert.ok(envelope(event), `${label}: envelope ${ajv.errorsText(envelope.errors)}`);
    const data = dataOf.get(event.type);
    assert.ok(data, `${event.type} is not in the catalogue`);
    assert.ok(data(event.data), `${label}: data ${ajv.errorsText(data.errors)}`);
    assert.equal(event.source, `/streamshop/${publisherOf.get(event.type)}`, `${label}: published by another service than docs/asyncapi.yaml says`);
    assert.equal(event.correlationid.length > 0, true, `${label}: no correlation id`);
  }
}
