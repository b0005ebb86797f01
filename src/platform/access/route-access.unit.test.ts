/**
 * The access rule of each kind of route, checked on a small app built the way every service builds its own (the
 * real Fastify app, the real hooks), with a verifier that knows three tokens: Ann's, Bob's and an operator's.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import Type from 'typebox';
import { type App, createHttpApp } from '../http/index.ts';
import { createMetrics, untraced } from '../observability/index.ts';
import type { Access } from './route-access.ts';
import { type Caller, invalidToken, type TokenVerifier } from './tokens.ts';

const ann: Caller = { userId: '01934f6e-7b1a-7c3d-9e2f-0a1b2c3d4e5f', email: 'ann@example.com', role: 'user' };
const bob: Caller = { userId: '01934f6e-7b1a-7c3d-9e2f-0a1b2c3d4e60', email: 'bob@example.com', role: 'user' };
const operator: Caller = { userId: '01934f6e-7b1a-7c3d-9e2f-0a1b2c3d4e61', email: 'ops@example.com', role: 'admin' };
const callers: Record<string, Caller> = { 'ann-token': ann, 'bob-token': bob, 'ops-token': operator };
const verifier: TokenVerifier = {
  verify: async (token) => callers[token] ?? Promise.reject(invalidToken('unknown token')),
};

const kinds: Access[] = ['anyone', 'user', 'owner', 'owner-or-admin', 'admin'];
let app: App;

before(async () => {
  const options = { service: 'test', description: 'access rules', log: pino({ level: 'silent' }), metrics: createMetrics('test'), access: { verifier }, tracing: untraced };
  app = await createHttpApp(options, (scoped) => {
    for (const access of kinds) {
      const params = Type.Object({ userId: Type.String() });
      scoped.get(`/${access}/:userId`, { config: { access }, schema: { params } }, async () => ({ ok: true }));
    }
  });
  await app.ready();
});
after(() => app.close());

/** The status of GET /test/<kind>/<userId> with this token (none when undefined). */
async function statusOf(kind: Access, userId: string, token?: string): Promise<number> {
  const headers = token ? { authorization: `Bearer ${token}` } : {};
  return (await app.inject({ method: 'GET', url: `/test/${kind}/${userId}`, headers })).statusCode;
}

describe('route access', () => {
  test('given a route for anyone, when it is called without a token, then it answers', async () => {
    assert.equal(await statusOf('anyone', ann.userId), 200);
  });

  test('given any route behind a token, when it is called without one or with a forged one, then it is a 401 that names Bearer', async () => {
    for (const kind of kinds.filter((k) => k !== 'anyone')) {
      assert.equal(await statusOf(kind, ann.userId), 401, `${kind} without a token`);
      const forged = await app.inject({ method: 'GET', url: `/test/${kind}/${ann.userId}`, headers: { authorization: 'Bearer forged' } });
      assert.equal(forged.statusCode, 401, `${kind} with a forged token`);
      assert.match(String(forged.headers['www-authenticate']), /^Bearer/);
    }
  });

  test('given a route for any user, when anyone signed in calls it, then it answers (the use case shows them only their own things)', async () => {
    assert.equal(await statusOf('user', bob.userId, 'ann-token'), 200);
  });

  test("given an owner's route, when a user names themselves it answers, and when they name someone else, even an operator, it is a 403", async () => {
    assert.equal(await statusOf('owner', ann.userId, 'ann-token'), 200);
    assert.equal(await statusOf('owner', bob.userId, 'ann-token'), 403);
    assert.equal(await statusOf('owner', ann.userId, 'ops-token'), 403, 'not even an operator moves your money');
  });

  test("given an owner-or-admin route, when a user names someone else it is a 403, and an operator may name anyone", async () => {
    assert.equal(await statusOf('owner-or-admin', ann.userId, 'ann-token'), 200);
    assert.equal(await statusOf('owner-or-admin', bob.userId, 'ann-token'), 403);
    assert.equal(await statusOf('owner-or-admin', bob.userId, 'ops-token'), 200);
  });

  test('given an admin route, when a user calls it it is a 403, and an operator may', async () => {
    assert.equal(await statusOf('admin', ann.userId, 'ann-token'), 403);
    assert.equal(await statusOf('admin', ann.userId, 'ops-token'), 200);
  });

  test('given a user id in another letter case, when it names the caller, then it is still theirs', async () => {
    assert.equal(await statusOf('owner', ann.userId.toUpperCase(), 'ann-token'), 200);
  });

  test('given a route declared without an access rule, when the app starts, then it refuses to', async () => {
    const options = { service: 'bad', description: '', log: pino({ level: 'silent' }), metrics: createMetrics('bad'), access: { verifier }, tracing: untraced };
    await assert.rejects(
      createHttpApp(options, (scoped) => void scoped.get('/open', async () => ({}))),
      /does not say who may call it/,
    );
  });
});
