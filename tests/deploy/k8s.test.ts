/**
 * The Kubernetes manifests (deploy/k8s), as `kubectl kustomize` renders each install: the self-contained one, its
 * single-NATS and tracing overlays, and the external-infra overlay. Every object is checked against strict
 * Kubernetes JSON Schemas and against our own rules: probes, resources and a restricted security context on every
 * container, a ServiceAccount of its own for every workload and no API token in any pod, one namespace, service env
 * that is exactly serviceProcessConfig(service), a grace period longer than the shutdown, HOST=0.0.0.0 from the
 * ConfigMap in every container of the image, and the signing keys only in users. Scaling: k8s-scaling.test.ts;
 * overlays: k8s-overlays.test.ts; network: network-policy.test.ts; the Ingress: ingress.test.ts.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ConsoleConfig, durationMs, loadConfig, serviceNames, usesBroker } from '../../src/platform/runtime/index.ts';
import {
  envOf,
  type Json,
  type K8sObject,
  kubectl,
  NAMESPACE,
  named,
  objectsOf,
  ofKind,
  podLabelsOf,
  podSpecOf,
  preStopSeconds,
  render,
  root,
  schemaErrors,
  selects,
  serviceDeployments,
  styleOf,
  TARGETS,
  workloadsOf,
} from './kustomize.ts';
import { checkServiceEnv, checkServicePorts } from './service-env.ts';

const IMAGE = 'streamshop:latest';
const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'PersistentVolume', 'StorageClass']);
const SIGNING_KEYS = { secret: 'streamshop-signing-keys', key: 'signing-keys.json' };

// ---- checks every install passes --------------------------------------------------------------------------

function checkSchemasAndNamespaces(objects: K8sObject[]) {
  const problems = objects.flatMap((object) =>
    schemaErrors(object).map((error) => `${object.kind} ${object.metadata.name}: ${error}`),
  );
  assert.deepEqual(problems, [], `objects that do not match the Kubernetes schema:\n${problems.join('\n')}`);

  for (const object of objects) {
    if (CLUSTER_SCOPED.has(object.kind)) {
      assert.equal(object.metadata.namespace, undefined, `${object.kind} ${object.metadata.name} is cluster-scoped`);
    } else {
      assert.equal(object.metadata.namespace, NAMESPACE, `${object.kind} ${object.metadata.name} namespace`);
    }
  }
  const namespace = named(objects, 'Namespace', NAMESPACE);
  assert.equal(namespace.metadata.labels?.['pod-security.kubernetes.io/enforce'], 'restricted');

  const ids = objects.map((object) => `${object.kind}/${object.metadata.name}`);
  assert.deepEqual(ids, [...new Set(ids)], 'every object once');
}

function checkContainers(objects: K8sObject[]) {
  const workloads = workloadsOf(objects);
  assert.ok(workloads.length > 0);
  for (const workload of workloads) {
    const pod = podSpecOf(workload);
    const where = `${workload.kind} ${workload.metadata.name}`;
    assert.equal(pod.securityContext?.runAsNonRoot, true, `${where}: pod runAsNonRoot`);
    assert.equal(pod.securityContext?.seccompProfile?.type, 'RuntimeDefault', `${where}: seccomp RuntimeDefault`);
    for (const container of [...(pod.initContainers ?? []), ...pod.containers]) {
      const at = `${where}, container ${container.name}`;
      for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
        assert.ok(container[probe], `${at}: ${probe}`);
      }
      for (const bound of ['requests', 'limits']) {
        for (const resource of ['cpu', 'memory']) {
          assert.ok(container.resources?.[bound]?.[resource], `${at}: resources.${bound}.${resource}`);
        }
      }
      const security = { ...pod.securityContext, ...container.securityContext };
      assert.equal(security.runAsNonRoot, true, `${at}: runAsNonRoot`);
      assert.ok(Number.isInteger(security.runAsUser) && security.runAsUser > 0, `${at}: runAsUser is a non-root uid`);
      assert.equal(container.securityContext?.readOnlyRootFilesystem, true, `${at}: readOnlyRootFilesystem`);
      assert.equal(container.securityContext?.allowPrivilegeEscalation, false, `${at}: allowPrivilegeEscalation`);
      assert.deepEqual(container.securityContext?.capabilities?.drop, ['ALL'], `${at}: capabilities drop ALL`);
      assert.equal(container.securityContext?.capabilities?.add, undefined, `${at}: no added capabilities`);
      assert.equal(container.securityContext?.privileged ?? false, false, `${at}: not privileged`);
      assert.ok(container.imagePullPolicy, `${at}: imagePullPolicy`);
      // Third-party images by a fixed tag, so an install is what was tested (ours is built locally, see the docs).
      const tag = /:([^/:@]+)$/.exec(container.image)?.[1];
      assert.ok(container.image === IMAGE || (tag && tag !== 'latest'), `${at}: image ${container.image} has a fixed tag`);
    }
    for (const volume of pod.volumes ?? []) {
      assert.equal(volume.hostPath, undefined, `${where}: no hostPath volumes`);
    }
  }
}

/** Each workload runs as a ServiceAccount of its own, and no pod gets an API token. */
function checkServiceAccounts(objects: K8sObject[]) {
  const accounts = new Map<string, string>();
  for (const workload of workloadsOf(objects)) {
    const pod = podSpecOf(workload);
    const where = `${workload.kind} ${workload.metadata.name}`;
    assert.equal(pod.automountServiceAccountToken, false, `${where}: no API token in the pod`);
    const name = pod.serviceAccountName;
    assert.ok(name && name !== 'default', `${where}: a ServiceAccount of its own, not "default"`);
    assert.equal(accounts.get(name), undefined, `${where} shares ServiceAccount ${name} with ${accounts.get(name)}`);
    accounts.set(name, where);
    assert.equal(named(objects, 'ServiceAccount', name).automountServiceAccountToken, false, `ServiceAccount ${name}: no token`);
  }
  const unused = ofKind(objects, 'ServiceAccount').filter((account) => !accounts.has(account.metadata.name));
  assert.deepEqual(unused.map((account) => account.metadata.name), [], 'every ServiceAccount is used');
  assert.deepEqual(ofKind(objects, 'RoleBinding').concat(ofKind(objects, 'ClusterRoleBinding')), [], 'no API rights');
}

/** The four services: Deployment, env exactly serviceProcessConfig(service), probes, Service. */
function checkServices(objects: K8sObject[], target: string): Record<string, Record<string, string>> {
  const envs: Record<string, Record<string, string>> = {};
  const deployments = serviceDeployments(objects).map((deployment) => deployment.metadata.name).sort();
  assert.deepEqual(deployments, [...serviceNames].sort(), 'one Deployment per service');
  for (const service of serviceNames) {
    const deployment = named(objects, 'Deployment', service);
    const where = `Deployment ${service}`;
    const pod = podSpecOf(deployment);
    const labels = podLabelsOf(deployment);
    assert.ok(selects(deployment.spec.selector.matchLabels, labels), `${where}: the selector selects its pods`);
    assert.equal(pod.containers.length, 1, `${where}: one container`);
    const [container] = pod.containers;
    assert.equal(container.image, IMAGE, `${where}: image`);
    assert.equal(container.imagePullPolicy, 'IfNotPresent', `${where}: imagePullPolicy`);
    assert.equal(container.command, undefined, `${where}: keeps the image's ENTRYPOINT (node dist/main.js)`);
    assert.deepEqual(container.args, [service], `${where}: args`);
    assert.equal(container.securityContext.runAsUser ?? pod.securityContext.runAsUser, 1000, `${where}: runAsUser`);
    assert.ok(
      (container.volumeMounts ?? []).some(
        (mount: Json) => mount.mountPath === '/tmp' && pod.volumes.find((v: Json) => v.name === mount.name)?.emptyDir,
      ),
      `${where}: an emptyDir at /tmp`,
    );
    assert.equal(pod.enableServiceLinks, false, `${where}: no Kubernetes service-link variables in the env`);

    const config = checkServiceEnv(objects, { target, service, container });
    envs[service] = envOf(objects, container, where).env;
    const url = new URL(config.DATABASE_URL);
    assert.equal(url.pathname, `/${service}`, `${where}: its own database`);
    assert.equal(decodeURIComponent(url.username), service, `${where}: its own role`);
    checkServicePorts(objects, { target, service, container, config });

    // A stop may take preStop, then SHUTDOWN_TIMEOUT: the kubelet must not kill the process before both are over.
    const shutdownSeconds = durationMs(config.SHUTDOWN_TIMEOUT) / 1000;
    const grace = pod.terminationGracePeriodSeconds ?? 30;
    assert.ok(
      grace > preStopSeconds(container) + shutdownSeconds,
      `${where}: terminationGracePeriodSeconds ${grace} > preStop ${preStopSeconds(container)} s + SHUTDOWN_TIMEOUT ${config.SHUTDOWN_TIMEOUT}`,
    );
    assert.ok(selects(named(objects, 'Service', service).spec.selector, labels), `Service ${service} selects the pods of Deployment ${service}`);
  }
  return envs;
}

/**
 * The operators' console: the same image, `console`, env exactly ConsoleConfig (no database; no NATS_URL in a style
 * without a broker, where it runs without a live feed), probes, Service.
 */
function checkConsole(objects: K8sObject[], target: string) {
  const deployment = named(objects, 'Deployment', 'console');
  const pod = podSpecOf(deployment);
  const [container] = pod.containers;
  assert.equal(pod.containers.length, 1);
  assert.equal(container.image, IMAGE);
  assert.deepEqual(container.args, ['console']);
  assert.equal(pod.enableServiceLinks, false);
  const names = (container.env ?? []).map((variable: Json) => variable.name).sort();
  const expected = Object.keys(ConsoleConfig.properties).filter((name) => name !== 'NATS_URL' || usesBroker(styleOf(target)));
  assert.deepEqual(names, expected.sort(), `env = ConsoleConfig in the ${styleOf(target)} style`);
  const { env } = envOf(objects, container, 'Deployment console');
  const config = loadConfig(ConsoleConfig, env);
  assert.equal((container.ports ?? []).find((port: Json) => port.name === 'http')?.containerPort, config.PORT);
  for (const [probe, path] of [['livenessProbe', 'live'], ['readinessProbe', 'ready'], ['startupProbe', 'live']] as const) {
    assert.deepEqual(container[probe]?.httpGet, { path: `/console/health/${path}`, port: 'http' }, probe);
  }
  assert.ok((pod.terminationGracePeriodSeconds ?? 30) > preStopSeconds(container), 'the grace period outlasts preStop');
  const svc = named(objects, 'Service', 'console');
  assert.deepEqual(svc.spec.ports, [{ name: 'http', port: 80, targetPort: 'http' }]);
  assert.ok(selects(svc.spec.selector, podLabelsOf(deployment)), 'Service console selects its pods');
}

/**
 * Every container of the image binds every address (HOST=0.0.0.0, not the workstation's 127.0.0.1, or probes and
 * Services would find nothing), from the one ConfigMap, so that an install sets it in one place.
 */
function checkHost(objects: K8sObject[]) {
  const ours = ofKind(objects, 'Deployment').filter((deployment) => podSpecOf(deployment).containers.some((c: Json) => c.image === IMAGE));
  assert.deepEqual(ours.map((deployment) => deployment.metadata.name).sort(), [...serviceNames, 'console'].sort());
  for (const deployment of ours) {
    for (const container of podSpecOf(deployment).containers) {
      const where = `Deployment ${deployment.metadata.name}, container ${container.name}`;
      const host = (container.env ?? []).find((variable: Json) => variable.name === 'HOST');
      assert.deepEqual(host?.valueFrom, { configMapKeyRef: { name: 'streamshop-config', key: 'HOST' } }, `${where}: HOST from ConfigMap streamshop-config`);
      assert.equal(envOf(objects, container, where).env.HOST, '0.0.0.0', `${where}: HOST=0.0.0.0`);
    }
  }
}

/** users alone reads the signing keys, from a Secret the operator creates: none is rendered, none is in the repository. */
function checkSigningKeys(objects: K8sObject[]) {
  assert.equal(
    objects.find((object) => object.kind === 'Secret' && object.metadata.name === SIGNING_KEYS.secret),
    undefined,
    `Secret ${SIGNING_KEYS.secret} is the operator's to create: no key is shipped`,
  );
  for (const workload of workloadsOf(objects)) {
    const pod = podSpecOf(workload);
    const volume = (pod.volumes ?? []).find((v: Json) => v.secret?.secretName === SIGNING_KEYS.secret);
    if (workload.metadata.name !== 'users') {
      assert.equal(volume, undefined, `${workload.kind} ${workload.metadata.name} does not mount the signing keys`);
      continue;
    }
    assert.ok(volume, 'users mounts the signing keys');
    assert.deepEqual(volume.secret.items, [{ key: SIGNING_KEYS.key, path: SIGNING_KEYS.key }]);
    assert.equal(volume.secret.optional ?? false, false, 'users does not start without its keys');
    assert.equal(volume.secret.defaultMode & 0o007, 0, 'the key file is not readable by others');
    const [container] = pod.containers;
    const mount = container.volumeMounts.find((m: Json) => m.name === volume.name);
    assert.equal(mount.readOnly, true, 'the keys are mounted read-only');
    assert.equal(mount.subPath, undefined, 'a directory mount, so that a rotation reaches the running pod');
    const file = container.env.find((v: Json) => v.name === 'AUTH_SIGNING_KEYS_FILE')?.value;
    assert.equal(file, `${mount.mountPath}/${SIGNING_KEYS.key}`, 'AUTH_SIGNING_KEYS_FILE is the mounted file');
    for (const name of ['ADMIN_EMAIL', 'ADMIN_PASSWORD']) {
      const ref = container.env.find((v: Json) => v.name === name)?.valueFrom?.secretKeyRef;
      assert.equal(ref?.name, 'streamshop-admin', `${name} from Secret streamshop-admin`);
      assert.equal(ref?.optional, true, `${name}: no operator account unless the operator creates the Secret`);
    }
  }
}

function filesUnder(dir: string): string[] {
  return readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' }).map((name) => join(dir, name));
}

// ---- the installs -----------------------------------------------------------------------------------------

for (const target of Object.values(TARGETS)) {
  describe(`kubectl kustomize ${target}`, () => {
    test('renders objects that match the Kubernetes schemas, all in namespace streamshop', (t) => {
      const objects = objectsOf(t, target);
      if (!objects) return;
      t.diagnostic(`kubectl: ${kubectl}`);
      const counts = new Map<string, number>();
      for (const object of objects) counts.set(object.kind, (counts.get(object.kind) ?? 0) + 1);
      t.diagnostic(`${objects.length} objects: ${[...counts].map(([kind, count]) => `${count} ${kind}`).join(', ')}`);
      checkSchemasAndNamespaces(objects);
    });

    test('every container has probes, resources and a restricted security context', (t) => {
      const objects = objectsOf(t, target);
      if (objects) checkContainers(objects);
    });

    test('every workload has a ServiceAccount of its own, and no pod an API token', (t) => {
      const objects = objectsOf(t, target);
      if (objects) checkServiceAccounts(objects);
    });

    test("each service: env exactly serviceProcessConfig(service), probes, Service, a grace period longer than its stop", (t) => {
      const objects = objectsOf(t, target);
      if (objects) checkServices(objects, target);
    });

    test("the operators' console: env exactly ConsoleConfig, no database, probes, Service", (t) => {
      const objects = objectsOf(t, target);
      if (objects) checkConsole(objects, target);
    });

    test('every Deployment of the image gets HOST=0.0.0.0 from ConfigMap streamshop-config', (t) => {
      const objects = objectsOf(t, target);
      if (objects) checkHost(objects);
    });

    test('only users mounts the signing keys, read-only, from a Secret that is not shipped', (t) => {
      const objects = objectsOf(t, target);
      if (objects) checkSigningKeys(objects);
    });
  });
}

describe('kubectl kustomize deploy/k8s (self-contained install)', () => {
  const target = TARGETS.full;

  test('bundles PostgreSQL (a database and role per service) and NATS JetStream, on volumes', (t) => {
    const objects = objectsOf(t, target);
    if (!objects) return;
    for (const [name, image, service, port] of [
      ['postgres', 'postgres:16', 'postgres', 5432],
      ['nats', 'nats:2.10-alpine', 'nats', 4222],
    ] as const) {
      const statefulSet = named(objects, 'StatefulSet', name);
      const governing = named(objects, 'Service', statefulSet.spec.serviceName);
      assert.equal(governing.spec.clusterIP, 'None', `StatefulSet ${name}: its governing Service is headless`);
      const [container] = podSpecOf(statefulSet).containers;
      assert.equal(container.image, image);
      assert.ok(statefulSet.spec.volumeClaimTemplates?.length, `StatefulSet ${name} keeps its data on a PVC`);
      assert.ok(named(objects, 'Service', service).spec.ports.some((p: Json) => p.port === port), `Service ${service} port ${port}`);
    }
    const nats = podSpecOf(named(objects, 'StatefulSet', 'nats')).containers[0];
    assert.ok(nats.args.includes('--jetstream'), 'NATS runs with JetStream');
    const store = /^--store_dir=(.+)$/.exec(nats.args.find((arg: string) => arg.startsWith('--store_dir=')) ?? '')?.[1];
    assert.ok(store && nats.volumeMounts.some((m: Json) => m.mountPath === store && m.name === 'data'), 'store dir on the PVC');
    // Go sizes its threads and heap to the container's limits, not to the node's.
    for (const [variable, limit] of [['GOMAXPROCS', 'limits.cpu'], ['GOMEMLIMIT', 'limits.memory']] as const) {
      const from = nats.env.find((e: Json) => e.name === variable)?.valueFrom?.resourceFieldRef;
      assert.equal(from?.resource, limit, `NATS: ${variable} from its ${limit}`);
      assert.ok(nats.resources.limits[limit.split('.')[1] as string], `NATS: ${limit} is set`);
    }

    // The init script creates each service's database and role; the services' URLs carry the same passwords.
    const postgres = podSpecOf(named(objects, 'StatefulSet', 'postgres'));
    const init = postgres.volumes.find((volume: Json) => volume.configMap);
    const script = Object.values(named(objects, 'ConfigMap', init.configMap.name).data).join('\n');
    assert.match(script, /for service in users billing orders notifications/);
    assert.match(script, /CREATE ROLE :"role" LOGIN/);
    assert.match(script, /CREATE DATABASE :"role" OWNER :"role"/);
    const credentials = named(objects, 'Secret', 'postgres-credentials').stringData;
    const urls = named(objects, 'Secret', 'streamshop-database').stringData;
    for (const service of serviceNames) {
      const url = new URL(urls[service]);
      assert.equal(decodeURIComponent(url.password), credentials[`${service.toUpperCase()}_PASSWORD`], `${service}: password`);
    }
  });

  test('example secrets say so', (t) => {
    const objects = objectsOf(t, target);
    if (!objects) return;
    for (const secret of ofKind(objects, 'Secret')) {
      assert.match(secret.metadata.annotations?.['streamshop.example/notice'] ?? '', /EXAMPLE – change before production/);
      for (const value of Object.values<string>(secret.stringData ?? {})) assert.match(value, /EXAMPLE/);
    }
    const sources = ['app/config.yaml', 'infra/postgres.yaml'].map((file) => readFileSync(join(root, target, file), 'utf8'));
    for (const source of sources) assert.match(source, /# EXAMPLE – change before production/);
  });
});

/**
 * The one private key shipped: the example service key of the internal calls, which opens only listeners that the
 * NetworkPolicies keep for the calling services (why it may be shipped: that file's comment). Its kid says EXAMPLE.
 */
const EXAMPLE_SERVICE_KEY_FILE = 'deploy/k8s/components/service-key/secret.yaml';

test('no private key anywhere under deploy/ but the example service key, which says EXAMPLE', () => {
  const files = filesUnder('deploy').filter((file) => /\.(ya?ml|json)$/.test(file));
  assert.ok(files.length > 10);
  const privateJwk = /"d"\s*:\s*"[A-Za-z0-9_-]{20,}"/;
  for (const file of files) {
    let text = readFileSync(join(root, file), 'utf8');
    if (file === EXAMPLE_SERVICE_KEY_FILE) {
      const keys = [...text.matchAll(/\{[^{}]*\}/g)].map(([json]) => json).filter((json) => privateJwk.test(json));
      assert.equal(keys.length, 1, `${file}: one private JWK`);
      assert.match(keys[0]!, /"kid"\s*:\s*"EXAMPLE-/, `${file}: the example key's kid says EXAMPLE`);
      text = text.replace(keys[0]!, '');
    }
    assert.doesNotMatch(text, privateJwk, `${file}: a private JWK`);
    assert.doesNotMatch(text, /PRIVATE KEY-----/, `${file}: a PEM private key`);
  }
});

describe('kubectl kustomize deploy/k8s/overlays/external-infra', () => {
  const target = TARGETS.externalInfra;

  test('installs no PostgreSQL and no NATS of its own', (t) => {
    const objects = objectsOf(t, target);
    if (!objects) return;
    assert.deepEqual(ofKind(objects, 'StatefulSet'), [], 'no bundled infrastructure');
    assert.deepEqual(ofKind(objects, 'PersistentVolumeClaim'), []);
    for (const name of ['postgres', 'nats']) {
      assert.ok(!objects.some((object) => object.metadata.name.startsWith(name)), `nothing named ${name}*`);
    }
  });

  test('the same Deployments as the full install, pointed at the external PostgreSQL and NATS', (t) => {
    const objects = objectsOf(t, target);
    if (!objects) return;
    const envs = checkServices(objects, target);
    const base = render(TARGETS.full);
    const bundled = checkServices(base, TARGETS.full);
    for (const [service, env] of Object.entries(envs)) {
      assert.notEqual(new URL(env.DATABASE_URL!).hostname, 'postgres', 'DATABASE_URL points outside');
      assert.notEqual(env.NATS_URL, bundled[service]!.NATS_URL, 'NATS_URL points outside');
    }
    const deployments = (objects: K8sObject[]) => ofKind(objects, 'Deployment').map((d) => JSON.stringify(d));
    assert.deepEqual(deployments(objects), deployments(base), 'the Deployments are the same as in the full install');
  });
});

test('the schemas catch what the API server would reject', () => {
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'x' },
    spec: {
      replicas: 1.5,
      selector: { matchLabels: { app: 'x' } },
      template: {
        metadata: { labels: { app: 'x' } },
        spec: {
          containers: [
            {
              name: 'x',
              readinesProbe: {},
              resources: { limits: { memory: '256 megs' } },
              securityContext: { capabilities: { drop: 'ALL' } },
            },
          ],
        },
      },
    },
  };
  const errors = schemaErrors(deployment as unknown as K8sObject).join('\n');
  assert.match(errors, /\/spec\/replicas must be integer/);
  assert.match(errors, /must NOT have additional properties: readinesProbe/);
  assert.match(errors, /\/limits\/memory must match format "quantity"/);
  assert.match(errors, /\/capabilities\/drop must be array/);
  assert.deepEqual(schemaErrors({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }).length, 1);
});
