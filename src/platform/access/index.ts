/**
 * Who may call what: the access tokens users signs and every service checks (tokens.ts), and the access rule each
 * route declares beside itself (route-access.ts): anyone, user, owner, owner-or-admin, admin, or named services
 * for the internal endpoints, which take the service credential of service-credentials.ts.
 */
export { type Access, type AccessCheck, accessStatuses, bearerAuth, callerOf, installAccessControl, mayRead } from './route-access.ts';
export { createServiceCredentials, parseServiceKey, type ServiceCredentials, serviceKeyIn } from './service-credentials.ts';
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
