/**
 * What each service's container must be in an install, by the install's interaction style (STYLES in
 * kustomize.ts, the runtime's styles.ts): its env, exactly the variables the style has it read, and a configuration
 * the process accepts; its ports, the internal listener exactly where the style calls the service. Used by
 * k8s.test.ts for every install.
 */
import assert from 'node:assert/strict';
import { calledServices, calleesOf, ConfigError, loadConfig, type serviceNames, serviceProcessConfig, usesBroker } from '../../src/platform/runtime/index.ts';
import { checkStyleSettings } from '../../src/service-settings.ts';
import { envOf, type Json, type K8sObject, named, styleOf, TARGETS } from './kustomize.ts';

/**
 * Set only where an overlay turns the feature on, or where the install's style needs them (styles.ts of the
 * runtime): the broker's settings with a broker, the service key in the services that call or are called, the
 * address of each service called. Every other variable of serviceProcessConfig is shared by every install.
 */
const FEATURE_VARIABLES: Record<string, (target: string, service: string) => boolean> = {
  OTEL_EXPORTER_OTLP_ENDPOINT: (target) => target === TARGETS.tracing,
  NATS_URL: (target) => usesBroker(styleOf(target)),
  NATS_STREAM_REPLICAS: (target) => usesBroker(styleOf(target)),
  SERVICE_SIGNING_KEY: (target, service) =>
    calleesOf(styleOf(target), service).length > 0 || calledServices(styleOf(target)).includes(service),
  BILLING_INTERNAL_URL: (target, service) => calleesOf(styleOf(target), service).includes('billing'),
  NOTIFICATIONS_INTERNAL_URL: (target, service) => calleesOf(styleOf(target), service).includes('notifications'),
};

export interface ServiceContainer {
  target: string;
  service: (typeof serviceNames)[number];
  container: Json;
}

/**
 * Exactly the variables the service's process reads in the install's style (those of an overlay's feature only
 * there), each resolvable, the optional ones (the operator account) through optional Secret references, and
 * together a valid configuration of that style, as the process checks it at start (checkStyleSettings).
 */
export function checkServiceEnv(objects: K8sObject[], { target, service, container }: ServiceContainer) {
  const where = `Deployment ${service}`;
  const schema = serviceProcessConfig(service);
  const expected = Object.keys(schema.properties)
    .filter((name) => FEATURE_VARIABLES[name]?.(target, service) ?? true)
    .sort();
  const names = (container.env ?? []).map((variable: Json) => variable.name).sort();
  assert.deepEqual(names, expected, `${where}: env = serviceProcessConfig('${service}') in the ${styleOf(target)} style`);
  const { env, optional } = envOf(objects, container, where);
  const required = new Set<string>(schema.required ?? []);
  for (const name of optional) assert.ok(!required.has(name), `${where}: ${name} is required, yet from an optional Secret`);
  let config: ReturnType<typeof loadConfig<typeof schema>>;
  try {
    config = loadConfig(schema, env);
    checkStyleSettings(service, config);
  } catch (error) {
    assert.fail(`${where}: ${error instanceof ConfigError ? error.message : error}`);
  }
  assert.equal(config.INTERACTION_STYLE, styleOf(target), `${where}: INTERACTION_STYLE`);
  return config;
}

/**
 * The public port (named http, PORT) serves the probes and is the Service's port 80; a service the style calls
 * also has its internal listener (named internal, INTERNAL_PORT) behind the Service's port of the same number,
 * and no other service has one.
 */
export function checkServicePorts(objects: K8sObject[], { target, service, container, config }: ServiceContainer & { config: { PORT: number; INTERNAL_PORT: number } }) {
  const where = `Deployment ${service}`;
  const called = calledServices(styleOf(target)).includes(service);
  const byName = (a: Json, b: Json) => a.name.localeCompare(b.name);
  const ports = (container.ports ?? []).map((port: Json) => ({ name: port.name, containerPort: port.containerPort })).sort(byName);
  const internal = { name: 'internal', containerPort: config.INTERNAL_PORT };
  assert.deepEqual(ports, [{ name: 'http', containerPort: config.PORT }, ...(called ? [internal] : [])], `${where}: ports http = PORT${called ? ', internal = INTERNAL_PORT' : ''}`);
  for (const [name, path] of [['livenessProbe', 'live'], ['readinessProbe', 'ready'], ['startupProbe', 'live']] as const) {
    assert.deepEqual(container[name]?.httpGet, { path: `/${service}/health/${path}`, port: 'http' }, `${where}: ${name}`);
  }
  const servicePorts = [{ name: 'http', port: 80, targetPort: 'http' }, ...(called ? [{ name: 'internal', port: config.INTERNAL_PORT, targetPort: 'internal' }] : [])];
  assert.deepEqual([...named(objects, 'Service', service).spec.ports].sort(byName), servicePorts, `Service ${service}: 80 -> http${called ? ', internal' : ''}`);
}
