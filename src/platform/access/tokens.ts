import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  calculateJwkThumbprint,
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JSONWebKeySet,
  type JWK,
  type JWTVerifyGetKey,
  type JWKSCacheInput,
  jwksCache,
  jwtVerify,
  SignJWT,
} from 'jose';
import { AppError, ConfigError } from '../common/index.ts';

/** Both the issuer and the audience of every streamshop token. */
export const TOKEN_ISSUER = 'streamshop';
/** The only algorithm a token may name: anything else (none, HS256 with a public key as secret, RS256) is refused. */
const ALGORITHMS = ['EdDSA'];
export const TOKEN_TTL_SECONDS = 15 * 60;
/** Clocks of the issuing and the checking process may differ by this much. */
const CLOCK_TOLERANCE_SECONDS = 30;

export type Role = 'user' | 'admin';

/** Who calls: the verified claims of the bearer token. */
export interface Caller {
  userId: string;
  email: string;
  role: Role;
}

/** Private signing keys (a JWK Set): the first signs new tokens; every key is published, so rotation is two steps. */
export interface SigningKeys {
  keys: JWK[];
}

/** A new Ed25519 key with its thumbprint as kid. */
export async function newSigningKey(): Promise<JWK> {
  const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const jwk = await exportJWK(privateKey);
  return { kid: await calculateJwkThumbprint(jwk), alg: 'EdDSA', use: 'sig', ...jwk };
}

/** Checks a signing key set as read from a file or a Secret, saying what is wrong with it. */
export function parseSigningKeys(text: string, where: string): SigningKeys {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ConfigError(`${where} is not JSON: expected a JWK Set such as \`streamshop keygen\` prints`);
  }
  const keys = (parsed as { keys?: unknown })?.keys;
  if (!Array.isArray(keys) || keys.length === 0) throw new ConfigError(`${where}: expected {"keys": [...]} with at least one key`);
  const kids = new Set<string>();
  for (const [i, key] of (keys as JWK[]).entries()) {
    if (key?.kty !== 'OKP' || key.crv !== 'Ed25519' || typeof key.d !== 'string' || typeof key.x !== 'string') {
      throw new ConfigError(`${where}: key ${i} is not an Ed25519 private key (kty OKP, crv Ed25519, d and x)`);
    }
    if (typeof key.kid !== 'string' || key.kid === '' || kids.has(key.kid)) {
      throw new ConfigError(`${where}: key ${i} needs a kid of its own`);
    }
    kids.add(key.kid);
  }
  return { keys: keys as JWK[] };
}

export async function readSigningKeys(file: string): Promise<SigningKeys> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new ConfigError(`AUTH_SIGNING_KEYS_FILE: cannot read ${file} (${error.code ?? error.message})`);
  });
  return parseSigningKeys(text, file);
}

/** The embedded default's keys: made on first start, kept (readable by the owner only) in the data folder. */
export async function signingKeysIn(file: string): Promise<SigningKeys> {
  const existing = await readFile(file, 'utf8').catch(() => undefined);
  if (existing !== undefined) return parseSigningKeys(existing, file);
  const keys = { keys: [await newSigningKey()] };
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  await writeFile(file, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  await chmod(file, 0o600);
  return keys;
}

/** The public half of a signing key, as GET /users/.well-known/jwks.json serves it. */
export interface PublicKey {
  kid: string;
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  alg: 'EdDSA';
  use: 'sig';
}

export function publicKeysOf(keys: SigningKeys): { keys: PublicKey[] } {
  return { keys: keys.keys.map(({ kid, x }) => ({ kid: kid as string, kty: 'OKP', crv: 'Ed25519', x: x as string, alg: 'EdDSA', use: 'sig' })) };
}

export interface TokenIssuer {
  /** A signed access token for the caller, valid TOKEN_TTL_SECONDS. */
  sign(caller: Caller): Promise<string>;
  publicKeys(): { keys: PublicKey[] };
}

export async function createTokenIssuer(keys: SigningKeys): Promise<TokenIssuer> {
  const [current] = keys.keys as [JWK];
  const privateKey = await importJWK(current, 'EdDSA');
  const published = publicKeysOf(keys);
  return {
    sign: (caller) =>
      new SignJWT({ role: caller.role, email: caller.email })
        .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT', kid: current.kid as string })
        .setSubject(caller.userId)
        .setIssuer(TOKEN_ISSUER)
        .setAudience(TOKEN_ISSUER)
        .setIssuedAt()
        .setExpirationTime(`${TOKEN_TTL_SECONDS}s`)
        .sign(privateKey),
    publicKeys: () => published,
  };
}

export interface TokenVerifier {
  /** The caller a token proves; an AppError 401 for any token that is not one of ours, valid now. */
  verify(token: string): Promise<Caller>;
}

/** Checks tokens with the keys at hand (the embedded default, and users itself). */
export function localTokenVerifier(keys: JSONWebKeySet): TokenVerifier {
  return tokenVerifier(createLocalJWKSet(keys));
}

/**
 * Checks tokens with the keys users publishes: read once, and read again when a token names a key id not seen yet
 * (a rotation; at most once per 5 s however many such tokens come) or every 10 minutes (so a key removed from the
 * set stops being trusted). No call to users per request; while users cannot be reached, the keys last read serve.
 */
export function remoteTokenVerifier(url: string): TokenVerifier {
  const lastRead: JWKSCacheInput = {};
  const remote = createRemoteJWKSet(new URL(url), { cooldownDuration: 5_000, timeoutDuration: 3_000, [jwksCache]: lastRead });
  return tokenVerifier(async (header, token) => {
    try {
      return await remote(header, token);
    } catch (error) {
      if (!keysUnreadable(error) || !('jwks' in lastRead)) throw error;
      return createLocalJWKSet(lastRead.jwks)(header, token);
    }
  });
}

/** Tokens already proven, kept until they expire: a client sends the same token with every request for 15 minutes. */
const PROVEN_TOKENS_KEPT = 10_000;

function tokenVerifier(keys: JWTVerifyGetKey): TokenVerifier {
  const proven = new Map<string, { caller: Caller; expiresAt: number }>();
  return {
    async verify(token) {
      const known = proven.get(token);
      if (known && known.expiresAt > Date.now()) return known.caller;
      try {
        const { payload } = await jwtVerify(token, keys, {
          algorithms: ALGORITHMS,
          issuer: TOKEN_ISSUER,
          audience: TOKEN_ISSUER,
          clockTolerance: CLOCK_TOLERANCE_SECONDS,
          requiredClaims: ['sub', 'iat', 'exp'],
        });
        const { sub, role, email, exp } = payload;
        if (typeof sub !== 'string' || (role !== 'user' && role !== 'admin') || typeof email !== 'string') {
          throw invalidToken('the token lacks the claims of a streamshop caller');
        }
        const caller: Caller = { userId: sub, role, email };
        // The oldest entry makes room: a Map iterates in insertion order.
        if (proven.size >= PROVEN_TOKENS_KEPT) proven.delete(proven.keys().next().value as string);
        proven.set(token, { caller, expiresAt: (exp as number) * 1000 });
        return caller;
      } catch (error) {
        throw error instanceof AppError ? error : asAuthenticationError(error);
      }
    },
  };
}

function asAuthenticationError(error: unknown): AppError {
  if (keysUnreadable(error)) {
    return new AppError({ status: 503, code: 'keys-unavailable', title: 'Service unavailable', detail: 'The signing keys cannot be read right now; retry shortly.' });
  }
  if (error instanceof errors.JWTExpired) return invalidToken('the token has expired; log in again');
  if (error instanceof errors.JOSEError) return invalidToken('the token is not valid');
  throw error;
}

/** The key set could not be fetched (users unreachable, not 200, not a key set): says nothing about the token. */
function keysUnreadable(error: unknown): boolean {
  return (
    error instanceof errors.JWKSTimeout ||
    error instanceof errors.JWKSInvalid ||
    (error instanceof errors.JOSEError && error.constructor === errors.JOSEError) ||
    (error instanceof TypeError && !(error instanceof errors.JOSEError))
  );
}

const WWW_AUTHENTICATE = 'www-authenticate';

export function missingToken(): AppError {
  return new AppError({ status: 401, code: 'unauthenticated', title: 'Unauthenticated', detail: 'Send Authorization: Bearer <token> (POST /users/login gives one).', extensions: {}, headers: {
    [WWW_AUTHENTICATE]: `Bearer realm="${TOKEN_ISSUER}"`,
  } });
}

export function invalidToken(reason: string): AppError {
  return new AppError({ status: 401, code: 'invalid-token', title: 'Unauthenticated', detail: `The bearer token was refused: ${reason}.`, extensions: {}, headers: {
    [WWW_AUTHENTICATE]: `Bearer realm="${TOKEN_ISSUER}", error="invalid_token"`,
  } });
}
