/**
 * The credential one service shows another on an internal call: an EdDSA JWT with role `service`, the caller as
 * `sub` and the callee as `aud`, valid at most 60 s, signed with the service key (SERVICE_SIGNING_KEY) that every
 * service holds and no user or admin does. A user's token can never pass for it: it is signed with another key and
 * has another audience.
 */
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { importJWK, type JWK, jwtVerify, SignJWT } from 'jose';
import { ConfigError } from '../common/index.ts';
import { invalidToken, newSigningKey, parseSigningKeys } from './tokens.ts';

const ISSUER = 'streamshop-services';
const LIFETIME_SECONDS = 60;
/** A token is signed again when less than this much of its life is left, so no call carries one about to expire. */
const RENEW_BEFORE_SECONDS = 15;

export interface ServiceCredentials {
  /** A token proving `caller` to `callee`; the same one is reused until it is close to expiring. */
  tokenFor(caller: string, callee: string): Promise<string>;
  /** The service a token proves, for a call to `callee`; a 401 AppError for anything that is not such a token. */
  verify(token: string, callee: string): Promise<string>;
}

/** Reads SERVICE_SIGNING_KEY: one Ed25519 private JWK (JSON), as `streamshop keygen` prints inside its key set. */
export function parseServiceKey(text: string): JWK {
  const trimmed = text.trim();
  // One key, or a key set such as `streamshop keygen` prints (its first key is taken).
  const set = trimmed.includes('"keys"') ? trimmed : `{"keys":[${trimmed}]}`;
  const [key] = parseSigningKeys(set, 'SERVICE_SIGNING_KEY').keys;
  return key as JWK;
}

/** The embedded default's and the stack's service key: made on first start, kept in the data folder. */
export async function serviceKeyIn(file: string): Promise<JWK> {
  const existing = await readFile(file, 'utf8').catch(() => undefined);
  if (existing !== undefined) return parseServiceKey(existing);
  const key = await newSigningKey();
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  await writeFile(file, `${JSON.stringify(key)}\n`, { mode: 0o600, flag: 'wx' }).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error; // another process of the stack made it first: use theirs
  });
  await chmod(file, 0o600);
  return parseServiceKey(await readFile(file, 'utf8'));
}

export async function createServiceCredentials(key: JWK): Promise<ServiceCredentials> {
  if (!key.d) throw new ConfigError('SERVICE_SIGNING_KEY: a private key is needed (it signs and checks)');
  const privateKey = await importJWK(key, 'EdDSA');
  const { d: _private, ...publicJwk } = key;
  const publicKey = await importJWK(publicJwk, 'EdDSA');
  const issued = new Map<string, { token: string; renewAt: number }>();
  return {
    async tokenFor(caller, callee) {
      const kept = issued.get(`${caller}>${callee}`);
      if (kept && kept.renewAt > Date.now()) return kept.token;
      const token = await new SignJWT({ role: 'service' })
        .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT', kid: key.kid as string })
        .setIssuer(ISSUER)
        .setSubject(caller)
        .setAudience(callee)
        .setIssuedAt()
        .setExpirationTime(`${LIFETIME_SECONDS}s`)
        .sign(privateKey);
      issued.set(`${caller}>${callee}`, { token, renewAt: Date.now() + (LIFETIME_SECONDS - RENEW_BEFORE_SECONDS) * 1000 });
      return token;
    },
    async verify(token, callee) {
      try {
        const { payload } = await jwtVerify(token, publicKey, {
          algorithms: ['EdDSA'],
          issuer: ISSUER,
          audience: callee,
          maxTokenAge: `${LIFETIME_SECONDS}s`,
          requiredClaims: ['sub', 'iat', 'exp'],
        });
        if (payload.role !== 'service' || typeof payload.sub !== 'string') throw invalidToken('not a service credential');
        if ((payload.exp as number) - (payload.iat as number) > LIFETIME_SECONDS) throw invalidToken('a service credential lives at most 60 s');
        return payload.sub;
      } catch (error) {
        throw invalidToken(error instanceof Error && 'code' in error ? 'not a service credential for this service' : 'not a service credential');
      }
    },
  };
}
