/**
 * What one service process takes from its environment beyond the checked schema: the keys of its role, the settings
 * its interaction style requires (a broker, the service key, where the services it calls listen).
 */
import { createServiceCredentials, createTokenIssuer, localTokenVerifier, newSigningKey, parseServiceKey, readSigningKeys, remoteTokenVerifier, type ServiceCredentials, type TokenVerifier } from './platform/access/index.ts';
import { calledServices, calleesOf, ConfigError, type IdentitySettings, type InteractionStyle, operatorAccount, type ServiceName, usesBroker } from './platform/runtime/index.ts';

interface RoleSettings {
  AUTH_SIGNING_KEYS_FILE?: string | undefined;
  AUTH_JWKS_URL?: string | undefined;
  ADMIN_EMAIL?: string | undefined;
  ADMIN_PASSWORD?: string | undefined;
}

/** users signs tokens with its private keys and checks them with their public half; the others ask users for those once. */
export async function accessFor(name: ServiceName, config: RoleSettings): Promise<{ verifier: TokenVerifier; identity?: IdentitySettings }> {
  if (name !== 'users') {
    if (!config.AUTH_JWKS_URL) throw new ConfigError('AUTH_JWKS_URL: is required (not set)');
    return { verifier: remoteTokenVerifier(config.AUTH_JWKS_URL) };
  }
  if (!config.AUTH_SIGNING_KEYS_FILE) throw new ConfigError('AUTH_SIGNING_KEYS_FILE: is required (not set)');
  const issuer = await createTokenIssuer(await readSigningKeys(config.AUTH_SIGNING_KEYS_FILE));
  const operator = operatorAccount(config);
  return { verifier: localTokenVerifier(issuer.publicKeys()), identity: { issuer, ...(operator ? { operator } : {}) } };
}

interface StyleSettings {
  INTERACTION_STYLE: InteractionStyle;
  NATS_URL?: string | undefined;
  SERVICE_SIGNING_KEY?: string | undefined;
  BILLING_INTERNAL_URL?: string | undefined;
  NOTIFICATIONS_INTERNAL_URL?: string | undefined;
}

const INTERNAL_URLS: Record<string, keyof StyleSettings> = { billing: 'BILLING_INTERNAL_URL', notifications: 'NOTIFICATIONS_INTERNAL_URL' };

/** The settings the style makes required for this service, each named when missing, all at once. */
export function checkStyleSettings(name: ServiceName, config: StyleSettings): void {
  const style = config.INTERACTION_STYLE;
  const missing: string[] = [];
  if (usesBroker(style) && !config.NATS_URL) missing.push(`NATS_URL: is required in the ${style} style, which sends events through NATS (not set)`);
  const calls = calleesOf(style, name);
  if ((calls.length > 0 || calledServices(style).includes(name)) && !config.SERVICE_SIGNING_KEY) {
    missing.push(`SERVICE_SIGNING_KEY: is required in the ${style} style (internal calls carry a service credential)`);
  }
  for (const callee of calls) {
    const setting = INTERNAL_URLS[callee] as keyof StyleSettings;
    if (!config[setting]) missing.push(`${setting}: is required in the ${style} style (${name} calls ${callee})`);
  }
  if (missing.length > 0) throw new ConfigError(missing.join('\n'));
}

/** The service credentials of internal calls, and where the services this one calls listen. */
export async function internalCallsFor(config: StyleSettings): Promise<{ credentials: ServiceCredentials; urlOf(service: string): string | undefined }> {
  // A style without internal calls never uses the credentials: a key of the moment stands in.
  const key = config.SERVICE_SIGNING_KEY ? parseServiceKey(config.SERVICE_SIGNING_KEY) : await newSigningKey();
  return {
    credentials: await createServiceCredentials(key),
    urlOf: (service) => (INTERNAL_URLS[service] ? (config[INTERNAL_URLS[service] as keyof StyleSettings] as string | undefined) : undefined),
  };
}
