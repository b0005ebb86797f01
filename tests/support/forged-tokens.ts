import { createHmac, createPublicKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { base64url, generateKeyPair, importJWK, type JWK, SignJWT } from 'jose';
import type { Member } from './api.ts';
import type { TestSystem } from './system.ts';

const encode = (value: object) => base64url.encode(JSON.stringify(value));

/**
 * Tokens an attacker could make, each claiming to be `victim` with the admin role: none of them may get in.
 * `attacker` lends a genuine token of their own, to be tampered with. The expired one is signed with the real key.
 */
export async function forgedTokens(system: TestSystem, victim: Member, attacker: Member): Promise<Record<string, string>> {
  const [key] = (JSON.parse(await readFile(system.signingKeysFile, 'utf8')) as { keys: JWK[] }).keys as [JWK];
  const now = Math.floor(Date.now() / 1000);
  const claims = { sub: victim.id, email: victim.email, role: 'admin', iss: 'streamshop', aud: 'streamshop', iat: now, exp: now + 600 };
  const sign = async (signingKey: Parameters<SignJWT['sign']>[0], payload: object, header: object = {}) =>
    new SignJWT({ ...payload }).setProtectedHeader({ alg: 'EdDSA', typ: 'JWT', kid: key.kid as string, ...header }).sign(signingKey);

  const realKey = await importJWK(key, 'EdDSA');
  const { privateKey: otherKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  const [header, , signature] = (attacker.token as string).split('.');
  const publicPem = createPublicKey({ key: { kty: key.kty, crv: key.crv, x: key.x }, format: 'jwk' } as Parameters<typeof createPublicKey>[0]).export({ type: 'spki', format: 'pem' });
  const hsHeader = encode({ alg: 'HS256', typ: 'JWT', kid: key.kid });
  const hsSignature = createHmac('sha256', publicPem).update(`${hsHeader}.${encode(claims)}`).digest('base64url');

  return {
    expired: await sign(realKey, { ...claims, role: 'user', iat: now - 1_200, exp: now - 300 }),
    'tampered payload': `${header}.${encode(claims)}.${signature}`,
    'wrong key': await sign(otherKey, claims),
    'alg none': `${encode({ alg: 'none', typ: 'JWT' })}.${encode(claims)}.`,
    'HS256 signed with the public key': `${hsHeader}.${encode(claims)}.${hsSignature}`,
    'wrong audience': await sign(realKey, { ...claims, aud: 'someone-else' }),
    'not a JWT': 'not-a-token',
  };
}
