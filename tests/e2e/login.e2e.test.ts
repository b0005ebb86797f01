/**
 * Passwords, login, tokens and keys, through the public API of the embedded default, with the databases and the
 * log read as an auditor would.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { decodeJwt, decodeProtectedHeader, importJWK, type JWK, SignJWT } from 'jose';
import { serviceNames } from '../../src/platform/runtime/index.ts';
import { newSigningKey } from '../../src/platform/access/index.ts';
import { client, eventually, TEST_ADMIN } from '../support/api.ts';
import { startTestSystem, type TestSystem } from '../support/system.ts';
import { useSystem } from '../support/topology.ts';

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

describe('login', () => {
  const t = useSystem('embedded');

  test('when the address is unknown or the password wrong, then both get the same 401, in about the same time', async () => {
    const user = await t.api.userWithAccount();
    const attempt = async (email: string, password: string) => {
      const started = performance.now();
      const response = await t.api.post('/users/login', { email, password });
      return { response, ms: performance.now() - started };
    };
    // Alternated, so both see the same load; each address stays under the throttling limit.
    const wrongPassword: number[] = [];
    const unknownEmail: number[] = [];
    for (let i = 0; i < 5; i++) {
      const a = await attempt(user.email, 'not-the-password');
      const b = await attempt(`nobody-${crypto.randomUUID()}@example.com`, 'not-the-password');
      for (const { response } of [a, b]) {
        assert.equal(response.status, 401);
        assert.equal(response.body.code, 'invalid-credentials');
        assert.equal(response.body.detail, 'The e-mail or the password is wrong.');
      }
      wrongPassword.push(a.ms);
      unknownEmail.push(b.ms);
    }
    // Without a decoy hash an unknown address answers in a few ms, a wrong password after ~50 ms of Argon2id.
    const ratio = median(unknownEmail) / median(wrongPassword);
    assert.ok(ratio > 0.5 && ratio < 2, `unknown address ${median(unknownEmail).toFixed(1)} ms, wrong password ${median(wrongPassword).toFixed(1)} ms`);
  });

  test('a login gives a short-lived EdDSA token naming the user, their role, the issuer and the audience', async () => {
    const user = await t.api.userWithAccount();
    const login = await t.api.post('/users/login', { email: user.email.toUpperCase(), password: user.password });
    assert.equal(login.status, 200);
    assert.equal(login.body.tokenType, 'Bearer');
    assert.equal(login.body.expiresIn, 900);
    const header = decodeProtectedHeader(login.body.accessToken);
    assert.equal(header.alg, 'EdDSA');
    assert.ok(header.kid);
    const claims = decodeJwt(login.body.accessToken);
    assert.equal(claims.sub, user.id);
    assert.equal(claims.role, 'user');
    assert.equal(claims.iss, 'streamshop');
    assert.equal(claims.aud, 'streamshop');
    assert.ok((claims.exp as number) - (claims.iat as number) <= 15 * 60);
    const admin = decodeJwt((await t.api.admin()).token as string);
    assert.equal(admin.role, 'admin');
  });

  test('when one address fails 10 times within 15 minutes, then the next attempts are 429 with Retry-After, even with the right password, until the failures leave the window', async () => {
    const user = await t.api.userWithAccount();
    for (let i = 0; i < 10; i++) assert.equal((await t.api.post('/users/login', { email: user.email, password: `guess-${i}` })).status, 401);
    for (const password of ['guess-10', user.password]) {
      const refused = await t.api.post('/users/login', { email: user.email, password });
      assert.equal(refused.status, 429);
      assert.equal(refused.body.code, 'too-many-login-failures');
      const retryAfter = Number(refused.headers.get('retry-after'));
      assert.ok(retryAfter >= 1 && retryAfter <= 900, `Retry-After ${retryAfter}`);
    }
    // Others are not affected.
    const other = await t.api.userWithAccount();
    assert.equal((await t.api.post('/users/login', { email: other.email, password: other.password })).status, 200);

    // Fifteen minutes later (the failures age in the users database, where replicas share them).
    await t.system.database('users')`UPDATE login_failures SET failed_at = failed_at - interval '15 minutes' WHERE email = ${user.email}`;
    assert.equal((await t.api.post('/users/login', { email: user.email, password: user.password })).status, 200);
  });

  test('when 20 wrong passwords for one address arrive at once, then at most 10 are checked and the rest are 429', async () => {
    const user = await t.api.userWithAccount();
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => t.api.post('/users/login', { email: user.email, password: `parallel-${i}` })));
    const statuses = answers.map((a) => a.status);
    assert.equal(statuses.filter((s) => s === 401).length, 10, `statuses: ${statuses}`);
    assert.equal(statuses.filter((s) => s === 429).length, 10, `statuses: ${statuses}`);
  });

  test('a successful login forgets the earlier failures of its address', async () => {
    const user = await t.api.userWithAccount();
    for (let i = 0; i < 9; i++) await t.api.post('/users/login', { email: user.email, password: `typo-${i}` });
    assert.equal((await t.api.post('/users/login', { email: user.email, password: user.password })).status, 200);
    for (let i = 0; i < 9; i++) assert.equal((await t.api.post('/users/login', { email: user.email, password: `typo-${i}` })).status, 401);
  });
});

describe('secrets stay secret', () => {
  let system: TestSystem;
  let logFile: string;
  let dataDir: string;
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'streamshop-secrets-'));
    logFile = join(dataDir, 'streamshop.log');
    system = await startTestSystem({ logFile });
  });
  after(async () => {
    await system?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  test('when users register, log in, fail to log in and the operator works, then no password or token is in the log, an event or any database table', async () => {
    const api = client(system.url);
    const password = `Secret-${crypto.randomUUID()}`;
    const email = `secret-${crypto.randomUUID()}@example.com`;
    assert.equal((await api.post('/users', { email, name: 'Secretive', password })).status, 201);
    const token = await api.logIn(email, password);
    await api.post('/users/login', { email, password: `${password}-wrong` });
    const me = api.as(token);
    await eventually(async () => assert.equal((await me.get(`/notifications?email=${encodeURIComponent(email)}`)).status, 200));
    const admin = await api.admin();
    await admin.post('/notifications', { email, subject: 'Hello', body: 'From the operator' });

    const secrets = [password, `${password}-wrong`, TEST_ADMIN.password, token, (admin.token as string).split('.')[2] as string];
    const log = await readFile(logFile, 'utf8');
    assert.ok(log.includes(encodeURIComponent(email)), 'the log is there and records the requests');
    for (const secret of secrets) assert.ok(!log.includes(secret), `the log holds a secret: ${secret.slice(0, 12)}…`);

    for (const service of serviceNames) {
      const db = system.database(service);
      const tables = await db<{ name: string }[]>`SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'`;
      for (const { name } of tables) {
        const rows = await db.unsafe(`SELECT t::text AS row FROM "${name}" t`);
        for (const { row } of rows) {
          for (const secret of secrets) assert.ok(!String(row).includes(secret), `${service}.${name} holds a secret in clear`);
        }
      }
    }
    const [stored] = await system.database('users')<{ password_hash: string }[]>`SELECT password_hash FROM users WHERE email = ${email}`;
    assert.match(stored?.password_hash ?? '', /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  });
});

describe('key rotation', () => {
  let dataDir: string;
  let system: TestSystem;
  let oldKey: JWK;
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'streamshop-rotation-'));
    // The new key in front signs; the old one stays published until the tokens it signed have expired.
    oldKey = await newSigningKey();
    await mkdir(join(dataDir, 'auth'), { recursive: true });
    await writeFile(join(dataDir, 'auth', 'signing-keys.json'), JSON.stringify({ keys: [await newSigningKey(), oldKey] }));
    system = await startTestSystem({ dataDir });
  });
  after(async () => {
    await system?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  test('when the key set holds a new and an old key, then both are published, the new one signs, and tokens of the old one are still accepted', async () => {
    const api = client(system.url);
    const jwks = await api.get('/users/.well-known/jwks.json');
    assert.deepEqual(jwks.body.keys.map((key: JWK) => key.kid).sort(), [jwks.body.keys[0].kid, oldKey.kid].sort());
    const user = await api.userWithAccount();
    assert.notEqual(decodeProtectedHeader(user.token as string).kid, oldKey.kid);

    const now = Math.floor(Date.now() / 1000);
    const signedBefore = await new SignJWT({ role: 'user', email: user.email })
      .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT', kid: oldKey.kid as string })
      .setSubject(user.id)
      .setIssuer('streamshop')
      .setAudience('streamshop')
      .setIssuedAt(now - 60)
      .setExpirationTime(now + 600)
      .sign(await importJWK(oldKey, 'EdDSA'));
    assert.equal((await api.as(signedBefore).get(`/billing/accounts/${user.id}`)).status, 200);
  });
});
