/**
 * Who may call what: the access tokens users signs and every service checks (tokens.ts), and the access rule each
 * route declares beside itself (route-access.ts): anyone, user, owner, owner-or-admin or admin.
 */
export { type Access, accessStatuses, bearerAuth, callerOf, installAccessControl, mayRead } from './route-access.ts';
export {
  type Caller,
  createTokenIssuer,
  invalidToken,
  localTokenVerifier,
  missingToken,
  newSigningKey,
  parseSigningKeys,
  type PublicKey,
  publicKeysOf,
  readSigningKeys,
  remoteTokenVerifier,
  type Role,
  type SigningKeys,
  signingKeysIn,
  TOKEN_ISSUER,
  TOKEN_TTL_SECONDS,
  type TokenIssuer,
  type TokenVerifier,
} from './tokens.ts';
