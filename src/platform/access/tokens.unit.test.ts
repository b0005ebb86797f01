import assert from 'node:assert/strict';
import { createHmac, createPublicKey } from 'node:crypto';
import { describe, test } from 'node:test';
import { base64url, SignJWT, importJWK, type JWK } from 'jose';
import { AppError } from '../common/index.ts';
import { createTokenIssuer, localTokenVerifier, newSigningKey, parseSigningKeys, publicKeysOf } from './tokens.ts';

const ann = { userId: '01934f6e-7b1a-7c3d-9e2f-0a1b2c3d4e5f', email: 'ann@example.com', role: 'user' as const };
const encode = (value: object) => base64url.encode(JSON.stringify(value));

async function keysAndVerifier() {
  const keys = { keys: [await newSigningKey()] };
  const issuer = await createTokenIssuer(keys);
  return { key: keys.keys[0] as JWK, issuer, verifier: localTokenVerifier(issuer.publicKeys()) };
}

async function refusal(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  assert.ok(error instanceof AppError, `refused with an AppError, got ${error}`);
  return error;
}

describe('access tokens', () => {
  test('given a token the issuer signed, when it is checked, then it proves the caller, with the kid of the signing key', async () => {
    const { key, issuer, verifier } = await keysAndVerifier();
    const token = await issuer.sign(ann);
    assert.deepEqual(await verifier.verify(token), ann);
    assert.equal(JSON.parse(atob(token.split('.')[0] as string)).kid, key.kid);
  });

  test('given forged tokens, when they are checked, then each is a 401 that names Bearer', async () => {
    const { key, issuer, verifier } = await keysAndVerifier();
    const genuine = await issuer.sign(ann);
    const [header, , signature] = genuine.split('.');
    const now = Math.floor(Date.now() / 1000);
    const claims = { sub: ann.userId, email: ann.email, role: 'admin', iss: 'streamshop', aud: 'streamshop', iat: now, exp: now + 600 };
    const other = await newSigningKey();
    const sign = async (jwk: JWK, payload: object) =>
      new SignJWT({ ...payload }).setProtectedHeader({ alg: 'EdDSA', kid: key.kid as string }).sign(await importJWK(jwk, 'EdDSA'));
    const pem = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: key.x }, format: 'jwk' } as Parameters<typeof createPublicKey>[0]).export({ type: 'spki', format: 'pem' });
    const hsHeader = encode({ alg: 'HS256', kid: key.kid });
    const forged: Record<string, string> = {
      'payload changed': `${header}.${encode(claims)}.${signature}`,
      'another key': await sign(other, claims),
      'alg none': `${encode({ alg: 'none' })}.${encode(claims)}.`,
      'HS256 with the public key': `${hsHeader}.${encode(claims)}.${createHmac('sha256', pem).update(`${hsHeader}.${encode(claims)}`).digest('base64url')}`,
      expired: await sign(key, { ...claims, iat: now - 1_200, exp: now - 300 }),
      'another audience': await sign(key, { ...claims, aud: 'elsewhere' }),
      'another issuer': await sign(key, { ...claims, iss: 'elsewhere' }),
      'no role': await sign(key, { ...claims, role: undefined }),
      garbage: 'a.b.c',
    };
    for (const [kind, token] of Object.entries(forged)) {
      const error = await refusal(verifier.verify(token));
      assert.equal(error.status, 401, kind);
      assert.match(error.headers['www-authenticate'] ?? '', /^Bearer/, kind);
    }
  });

  test('the published key set has no private part, and a key file must hold Ed25519 private keys with ids of their own', async () => {
    const keys = { keys: [await newSigningKey(), await newSigningKey()] };
    for (const key of publicKeysOf(keys).keys) assert.equal('d' in key, false);
    assert.equal(parseSigningKeys(JSON.stringify(keys), 'keys.json').keys.length, 2);
    assert.throws(() => parseSigningKeys('{"keys":[]}', 'keys.json'), /at least one key/);
    assert.throws(() => parseSigningKeys(JSON.stringify({ keys: publicKeysOf(keys).keys }), 'keys.json'), /not an Ed25519 private key/);
    assert.throws(() => parseSigningKeys(JSON.stringify({ keys: [keys.keys[0], keys.keys[0]] }), 'keys.json'), /kid of its own/);
  });
});
