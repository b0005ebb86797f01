/**
 * Property-based: for every operation of the OpenAPI documents, arbitrary JSON bodies, arbitrary strings in every
 * parameter (NUL characters, lone surrogates, right-to-left marks, invalid UTF-8, urn:uuid: ids, huge numbers) and
 * arbitrary content types never get a 5xx, and a request that is refused changes nothing. Driven by fast-check
 * through the public HTTP API of the running system; FUZZ_RUNS sets the requests per operation (default 60).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { serviceNames } from '../../src/platform/runtime/index.ts';
import { type Api, eventually, type Member } from '../support/api.ts';
import { useSystem } from '../support/topology.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 60);

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
}
interface Operation {
  method: 'GET' | 'POST';
  path: string;
  parameters: Parameter[];
  body: boolean;
  adminOnly: boolean;
  open: boolean;
}

/** Every operation the documents describe, except the operational ones (health, keys) that take no input. */
function operations(): Operation[] {
  return serviceNames.flatMap((service) => {
    const document = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'openapi', `${service}.json`), 'utf8'));
    const paths = document.paths as Record<string, Record<string, { parameters?: Parameter[]; requestBody?: unknown; security?: unknown }>>;
    return Object.entries(paths).flatMap(([path, methods]) =>
      Object.entries(methods)
        .filter(([, operation]) => operation.parameters?.length || operation.requestBody)
        .map(([method, operation]) => ({
          method: method.toUpperCase() as Operation['method'],
          path,
          parameters: (operation.parameters ?? []) as Parameter[],
          body: Boolean(operation.requestBody),
          adminOnly: (path === '/notifications' && method === 'post') || path.includes('/admin/'),
          open: !operation.security,
        })),
    );
  });
}

/** One character of a hostile string: mostly any code point, sometimes one PostgreSQL or UTF-8 cannot take. */
const hostileUnit = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: fc.constantFrom('\u0000', '\ud800', '\udbff', '\udc00', '\udfff', '\u202e', '\ufeff', '\u0085') },
);
const hostileString = fc.string({ unit: hostileUnit, maxLength: 300 });

/** What a parameter may be: a real value (so the request gets past validation), a variant of it, or anything. */
function parameterValue(real: () => string): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constant('REAL'),
    fc.constant('REAL-UPPER'),
    fc.constant('URN'),
    hostileString,
    fc.bigInt().map(String),
    fc.double().map(String),
    fc.constantFrom('', '0', '-1', '1e400', 'null', 'true', '%00', '../../etc/passwd', "'; DROP TABLE users; --"),
  ).map((value) => (value === 'REAL' ? real() : value === 'REAL-UPPER' ? real().toUpperCase() : value === 'URN' ? `urn:uuid:${real()}` : value));
}

/** A body: arbitrary JSON, or a valid one with one field replaced by anything (so each field's check is reached). */
function bodyOf(valid: () => Record<string, unknown>): fc.Arbitrary<unknown> {
  const anything = fc.jsonValue({ stringUnit: hostileUnit, maxDepth: 4 });
  return fc.oneof(
    anything,
    fc.tuple(fc.nat(), fc.oneof(anything, hostileString, fc.constant(undefined))).map(([i, value]) => {
      const body = valid();
      const keys = Object.keys(body);
      const key = keys[i % keys.length] as string;
      if (value === undefined) delete body[key];
      else body[key] = value;
      return body;
    }),
    fc.tuple(hostileString, anything).map(([key, value]) => ({ ...valid(), [key]: value })),
  );
}

/** What HTTP can carry of a string in a header: its UTF-8 bytes as obs-text, without control characters. */
const asHeaderValue = (value: string) => Buffer.from(value, 'utf8').toString('latin1').replace(/[\u0000-\u0008\u000a-\u001f\u007f]/g, '');

/** Percent-encodes the UTF-8 bytes of a string, so that any string (a lone surrogate too) can be sent in a URL. */
const encode = (value: string) => [...Buffer.from(value, 'utf8')].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join('');

describe('hostile input (embedded)', () => {
  const t = useSystem('embedded');
  let user: Member;
  let admin: Api;
  let ids: Record<string, string>;
  const seen: Record<string, number> = {};

  before(async () => {
    user = await t.api.userWithAccount(1_000_000);
    admin = await t.api.admin();
    const order = await user.post('/orders', { userId: user.id, price: 100 }, { prefer: 'wait=10' });
    const [letter] = await eventually(async () => {
      const letters = await user.letters();
      assert.equal(letters.length, 1);
      return letters;
    });
    ids = { userId: user.id, orderId: order.body.id, letterId: letter.id, cursor: order.body.id, email: user.email };
  });

  /** A cancellation goes on after its answer: before the next request, wait until the order is final and its letter stored. */
  async function orderSettled() {
    await eventually(async () => {
      const order = (await user.get(`/orders/${ids.orderId}`)).body;
      assert.notEqual(order.status, 'cancelling');
      if (order.status === 'cancelled') assert.ok((await user.letters()).some((letter) => letter.kind === 'order_cancelled'));
    });
  }

  after(() => console.log(`[hostile input] answers by status over ${RUNS} requests per operation: ${JSON.stringify(seen)}`));

  /** What a refused request must not change: the business tables, and the user's money. */
  async function state() {
    const count = async (service: (typeof serviceNames)[number], table: string) =>
      ((await t.system.database(service).unsafe(`SELECT count(*)::int AS n FROM ${table}`))[0]?.n as number);
    return {
      users: await count('users', 'users'),
      orders: await count('orders', 'orders'),
      letters: await count('notifications', 'letters'),
      ledger: await count('billing', 'ledger'),
      idempotencyKeys: (await count('billing', 'idempotency_keys')) + (await count('orders', 'idempotency_keys')),
      balance: await user.balance(),
    };
  }

  const validBodies: Record<string, () => Record<string, unknown>> = {
    'POST /users': () => ({ email: `fuzz-${crypto.randomUUID()}@example.com`, name: 'Fuzz', password: 'fuzz-password' }),
    'POST /users/login': () => ({ email: user.email, password: 'not-the-password' }),
    'POST /billing/accounts/{userId}/deposits': () => ({ amount: 1 }),
    'POST /billing/accounts/{userId}/withdrawals': () => ({ amount: 1 }),
    'POST /orders': () => ({ userId: user.id, price: 1 }),
    'POST /notifications': () => ({ email: user.email, subject: 'Hi', body: 'Hello' }),
  };

  for (const operation of operations()) {
    const name = `${operation.method} ${operation.path}`;
    test(`${name}: arbitrary parameters, bodies and content types never get a 5xx, and a refusal changes nothing`, async () => {
      const parameters = fc.record(
        Object.fromEntries(operation.parameters.map((p) => [p.name, fc.option(parameterValue(() => ids[p.name] ?? user.id), { nil: undefined, freq: 5 })])),
      );
      const valid = validBodies[name] ?? (name.endsWith('/discard') ? () => ({ reason: 'fuzz' }) : () => ({}));
      const body = operation.body ? bodyOf(valid) : fc.constant(undefined);
      const contentType = fc.option(
        fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', ''),
        { nil: undefined, freq: 6 },
      );
      const extraQuery = fc.option(fc.tuple(hostileString, hostileString), { nil: undefined, freq: 4 });

      await fc.assert(
        fc.asyncProperty(parameters, body, contentType, extraQuery, async (values, payload, type, extra) => {
          let path = operation.path;
          const query: string[] = [];
          const headers: Record<string, string> = {};
          for (const parameter of operation.parameters) {
            const value = values[parameter.name];
            if (parameter.in === 'path') path = path.replace(`{${parameter.name}}`, encode(value ?? ids[parameter.name] ?? user.id));
            else if (value !== undefined && parameter.in === 'query') query.push(`${parameter.name}=${encode(value)}`);
            else if (value !== undefined && parameter.in === 'header') headers[parameter.name] = asHeaderValue(value);
          }
          if (extra) query.push(`${encode(extra[0])}=${encode(extra[1])}`);
          if (type !== undefined && payload !== undefined) headers['content-type'] = type;
          const caller = operation.open ? t.api : operation.adminOnly ? admin : user;
          const before = await state();
          const text = payload === undefined ? undefined : JSON.stringify(payload);
          const response = await caller.call(operation.method, `${path}${query.length ? `?${query.join('&')}` : ''}`, text, headers);
          const kind = `${response.status}`;
          seen[kind] = (seen[kind] ?? 0) + 1;
          assert.ok(response.status < 500, `${name} answered ${response.status}: ${JSON.stringify(response.body)}`);
          if (response.status < 300 && operation.path.startsWith('/orders/')) await orderSettled();
          if (response.status >= 400) {
            assert.equal(response.headers.get('content-type')?.split(';')[0], 'application/problem+json');
            assert.deepEqual(await state(), before, `${name} refused with ${response.status} but changed the state`);
          }
        }),
        { numRuns: RUNS },
      );
    });
  }
});
