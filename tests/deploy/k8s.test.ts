/**
 * The Kubernetes manifests (deploy/k8s), as `kubectl kustomize` renders them: the self-contained install and
 * the external-infra overlay. Every object is checked against strict Kubernetes JSON Schemas (k8s-schemas.json,
 * see generate-k8s-schemas.ts) and against our own rules: probes, resources and a restricted security context
 * on every container, the Ingress routes, one namespace, and service env that is exactly ServiceProcessConfig.
 *
 * Needs kubectl 1.27+ (its built-in kustomize v5), on PATH or named by $KUBECTL; without it the tests that
 * render are skipped, saying so.
 */
import { formats } from '@kubernetes-models/validate';
import Ajv from 'ajv';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { ConfigError, loadConfig, ServiceProcessConfig, serviceNames } from '../../src/platform/config.ts';

const root = join(import.meta.dirname, '..', '..');
const NAMESPACE = 'streamshop';
const HOST = 'arch.homework';
const IMAGE = 'streamshop:latest';
const REPLICAS: Record<string, number> = { users: 1, billing: 2, orders: 2, notifications: 1 };
const WITH_PDB = ['billing', 'orders'];
const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'PersistentVolume', 'StorageClass']);
const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Job']);

// ---- the objects under test -------------------------------------------------------------------------------

// biome-ignore lint/suspicious/noExplicitAny: rendered manifests are arbitrary JSON, checked field by field below
type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; [key: string]: any }; [key: string]: any };

const KUBECTL = process.env.KUBECTL || 'kubectl';
const kubectl = (() => {
  const probe = spawnSync(KUBECTL, ['version', '--client'], { encoding: 'utf8' });
  return probe.error || probe.status !== 0 ? undefined : probe.stdout.trim().split('\n').join('; ');
})();

const rendered = new Map<string, K8sObject[]>();
function render(target: string): K8sObject[] {
  const cached = rendered.get(target);
  if (cached) return cached;
  const result = spawnSync(KUBECTL, ['kustomize', target], { cwd: root, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  assert.equal(result.status, 0, `kubectl kustomize ${target} failed:\n${result.stderr}`);
  const objects = parseAllDocuments(result.stdout).map((document) => {
    assert.deepEqual(document.errors, [], `kubectl kustomize ${target} printed invalid YAML`);
    return document.toJS() as K8sObject;
  });
  assert.ok(objects.length > 0, `kubectl kustomize ${target} rendered nothing`);
  rendered.set(target, objects);
  return objects;
}

/** Renders `target`, or skips the test (with the reason) where kubectl is not installed. */
function objectsOf(t: TestContext, target: string): K8sObject[] | undefined {
  if (!kubectl) {
    t.skip('kubectl not installed');
    return undefined;
  }
  return render(target);
}

const named = (objects: K8sObject[], kind: string, name: string) => {
  const found = objects.find((object) => object.kind === kind && object.metadata.name === name);
  assert.ok(found, `no ${kind} ${name}`);
  return found;
};
const ofKind = (objects: K8sObject[], kind: string) => objects.filter((object) => object.kind === kind);

// ---- schemas ----------------------------------------------------------------------------------------------

const schemas = JSON.parse(readFileSync(join(import.meta.dirname, 'k8s-schemas.json'), 'utf8')) as {
  kinds: Record<string, string>;
  definitions: Record<string, object>;
};
const ajv = new Ajv.default({ allErrors: true, strict: true, strictTypes: false });
for (const [name, format] of Object.entries(formats)) ajv.addFormat(name, format);
ajv.addSchema({ $id: 'k8s', definitions: schemas.definitions });

function schemaErrors(object: K8sObject): string[] {
  const kind = `${object.apiVersion}/${object.kind}`;
  const definition = schemas.kinds[kind];
  if (!definition) {
    return [`no schema for ${kind}: add it to KINDS in tests/deploy/generate-k8s-schemas.ts and run that script`];
  }
  const validate = ajv.getSchema(`k8s#/definitions/${definition}`);
  assert.ok(validate, `schema ${definition} missing from k8s-schemas.json`);
  if (validate(object)) return [];
  return (validate.errors ?? []).map((error) => {
    const extra = (error.params as { additionalProperty?: string }).additionalProperty;
    return `${error.instancePath || '/'} ${error.message}${extra ? `: ${extra}` : ''}`;
  });
}

// ---- shared checks ----------------------------------------------------------------------------------------

// biome-ignore lint/suspicious/noExplicitAny: parts of rendered objects, checked field by field
type Json = Record<string, any>;
const podSpecOf = (workload: K8sObject): Json => workload.spec.template.spec;

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
  const workloads = objects.filter((object) => WORKLOADS.has(object.kind));
  assert.ok(workloads.length > 0);
  for (const workload of workloads) {
    const pod = podSpecOf(workload);
    const where = `${workload.kind} ${workload.metadata.name}`;
    assert.equal(pod.automountServiceAccountToken, false, `${where}: no API token in the pod`);
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
    }
    for (const volume of pod.volumes ?? []) {
      assert.equal(volume.hostPath, undefined, `${where}: no hostPath volumes`);
    }
  }
}

/** The env a service container would see, with every valueFrom resolved against the rendered objects. */
function envOf(objects: K8sObject[], container: Json, where: string): Record<string, string> {
  assert.equal(container.envFrom, undefined, `${where}: env is listed, not envFrom`);
  const env: Record<string, string> = {};
  for (const variable of container.env ?? []) {
    const { configMapKeyRef, secretKeyRef } = variable.valueFrom ?? {};
    if (configMapKeyRef) {
      const data = named(objects, 'ConfigMap', configMapKeyRef.name).data ?? {};
      assert.ok(configMapKeyRef.key in data, `${where}: ${variable.name} from ConfigMap ${configMapKeyRef.name}: no key ${configMapKeyRef.key}`);
      env[variable.name] = data[configMapKeyRef.key];
    } else if (secretKeyRef) {
      const secret = named(objects, 'Secret', secretKeyRef.name);
      const data: Record<string, string> = {
        ...Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(String(v), 'base64').toString()])),
        ...secret.stringData,
      };
      assert.ok(secretKeyRef.key in data, `${where}: ${variable.name} from Secret ${secretKeyRef.name}: no key ${secretKeyRef.key}`);
      env[variable.name] = data[secretKeyRef.key]!;
    } else {
      assert.equal(typeof variable.value, 'string', `${where}: ${variable.name} has a value`);
      env[variable.name] = variable.value;
    }
  }
  return env;
}

function checkServices(objects: K8sObject[]): Record<string, Record<string, string>> {
  const envs: Record<string, Record<string, string>> = {};
  const deployments = ofKind(objects, 'Deployment').map((deployment) => deployment.metadata.name).sort();
  assert.deepEqual(deployments, [...serviceNames].sort(), 'one Deployment per service');
  for (const service of serviceNames) {
    const deployment = named(objects, 'Deployment', service);
    const where = `Deployment ${service}`;
    assert.equal(deployment.spec.replicas, REPLICAS[service], `${where}: replicas`);
    const pod = podSpecOf(deployment);
    const labels = deployment.spec.template.metadata.labels;
    for (const [key, value] of Object.entries(deployment.spec.selector.matchLabels)) {
      assert.equal(labels[key], value, `${where}: the selector selects its pods`);
    }
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

    // Exactly the variables a service process reads, each resolvable, and together a valid configuration.
    const names = (container.env ?? []).map((variable: Json) => variable.name).sort();
    assert.deepEqual(names, Object.keys(ServiceProcessConfig.properties).sort(), `${where}: env = ServiceProcessConfig`);
    const env = envOf(objects, container, where);
    let config: ReturnType<typeof loadConfig<typeof ServiceProcessConfig>>;
    try {
      config = loadConfig(ServiceProcessConfig, env);
    } catch (error) {
      assert.fail(`${where}: ${error instanceof ConfigError ? error.message : error}`);
    }
    envs[service] = env;
    const url = new URL(config.DATABASE_URL);
    assert.equal(url.pathname, `/${service}`, `${where}: its own database`);
    assert.equal(decodeURIComponent(url.username), service, `${where}: its own role`);

    const http = (container.ports ?? []).find((port: Json) => port.name === 'http');
    assert.equal(http?.containerPort, config.PORT, `${where}: the port named http is PORT`);
    const probe = (name: string, path: string) => {
      assert.equal(container[name]?.httpGet?.path, path, `${where}: ${name} path`);
      assert.equal(container[name]?.httpGet?.port, 'http', `${where}: ${name} port`);
    };
    probe('livenessProbe', `/${service}/health/live`);
    probe('readinessProbe', `/${service}/health/ready`);
    probe('startupProbe', `/${service}/health/live`);

    const svc = named(objects, 'Service', service);
    assert.deepEqual(svc.spec.ports, [{ name: 'http', port: 80, targetPort: 'http' }], `Service ${service}: 80 -> http`);
    for (const [key, value] of Object.entries(svc.spec.selector)) {
      assert.equal(labels[key], value, `Service ${service} selects the pods of Deployment ${service}`);
    }
  }

  const budgets = ofKind(objects, 'PodDisruptionBudget');
  assert.deepEqual(budgets.map((budget) => budget.metadata.name).sort(), WITH_PDB, 'PodDisruptionBudgets');
  for (const budget of budgets) {
    assert.equal(budget.spec.minAvailable, 1, `PodDisruptionBudget ${budget.metadata.name}: minAvailable`);
    const labels = named(objects, 'Deployment', budget.metadata.name).spec.template.metadata.labels;
    for (const [key, value] of Object.entries(budget.spec.selector.matchLabels)) {
      assert.equal(labels[key], value, `PodDisruptionBudget ${budget.metadata.name} selects its Deployment's pods`);
    }
  }
  return envs;
}

function checkIngress(objects: K8sObject[]) {
  const ingresses = ofKind(objects, 'Ingress');
  assert.equal(ingresses.length, 1, 'one Ingress');
  const [ingress] = ingresses as [K8sObject];
  assert.equal(ingress.spec.ingressClassName, 'nginx');
  const annotations = Object.keys(ingress.metadata.annotations ?? {});
  assert.ok(!annotations.some((key) => key.endsWith('rewrite-target')), 'no rewrite: services serve under their prefix');
  assert.deepEqual(
    ingress.spec.rules.map((rule: Json) => rule.host),
    [HOST],
    `the Ingress answers for ${HOST}`,
  );
  const routes = ingress.spec.rules[0].http.paths.map((path: Json) => {
    const backend = path.backend.service;
    const service = named(objects, 'Service', backend.name);
    const port = service.spec.ports.find((p: Json) => p.name === backend.port.name || p.port === backend.port.number);
    assert.ok(port, `Ingress ${path.path}: Service ${backend.name} has port ${JSON.stringify(backend.port)}`);
    return { path: path.path, pathType: path.pathType, service: backend.name, port: port.port };
  });
  assert.deepEqual(
    routes.sort((a: { path: string }, b: { path: string }) => a.path.localeCompare(b.path)),
    [...serviceNames].sort().map((service) => ({ path: `/${service}`, pathType: 'Prefix', service, port: 80 })),
  );
}

// ---- the install and the overlay --------------------------------------------------------------------------

describe('kubectl kustomize deploy/k8s (self-contained install)', () => {
  const target = 'deploy/k8s';

  test('renders objects that match the Kubernetes schemas, all in namespace streamshop', (t) => {
    const objects = objectsOf(t, target);
    if (!objects) return;
    t.diagnostic(`kubectl: ${kubectl}`);
    const counts = new Map<string, number>();
    for (const object of objects) counts.set(object.kind, (counts.get(object.kind) ?? 0) + 1);
    t.diagnostic([...counts].map(([kind, count]) => `${count} ${kind}`).join(', '));
    checkSchemasAndNamespaces(objects);
  });

  test('every container has probes, resources and a restricted security context', (t) => {
    const objects = objectsOf(t, target);
    if (objects) checkContainers(objects);
  });

  test('each service: its Deployment, env exactly ServiceProcessConfig, Service, and PDBs for billing and orders', (t) => {
    const objects = objectsOf(t, target);
    if (!objects) return;
    const envs = checkServices(objects);
    // The bundled infrastructure is what the services are pointed at.
    for (const env of Object.values(envs)) {
      assert.equal(new URL(env.DATABASE_URL!).host, 'postgres:5432');
      assert.equal(env.NATS_URL, 'nats://nats:4222');
    }
  });

  test('the Ingress routes /users, /billing, /orders and /notifications on arch.homework', (t) => {
    const objects = objectsOf(t, target);
    if (objects) checkIngress(objects);
  });

  test('bundles PostgreSQL (a database and role per service) and NATS JetStream, on volumes', (t) => {
    const objects = objectsOf(t, target);
    if (!objects) return;
    for (const [name, image, port] of [
      ['postgres', 'postgres:16', 5432],
      ['nats', 'nats:2.10-alpine', 4222],
    ] as const) {
      const statefulSet = named(objects, 'StatefulSet', name);
      assert.equal(statefulSet.spec.serviceName, name);
      const [container] = podSpecOf(statefulSet).containers;
      assert.equal(container.image, image);
      assert.ok(statefulSet.spec.volumeClaimTemplates?.length, `StatefulSet ${name} keeps its data on a PVC`);
      const service = named(objects, 'Service', name);
      assert.ok(service.spec.ports.some((p: Json) => p.port === port), `Service ${name} port ${port}`);
    }
    const nats = podSpecOf(named(objects, 'StatefulSet', 'nats')).containers[0];
    assert.ok(nats.args.includes('--jetstream'), 'NATS runs with JetStream');
    const store = /^--store_dir=(.+)$/.exec(nats.args.find((arg: string) => arg.startsWith('--store_dir=')) ?? '')?.[1];
    assert.ok(store && nats.volumeMounts.some((m: Json) => m.mountPath === store && m.name === 'data'), 'store dir on the PVC');

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

describe('kubectl kustomize deploy/k8s/overlays/external-infra', () => {
  const target = 'deploy/k8s/overlays/external-infra';

  test('renders valid objects in namespace streamshop, without the bundled PostgreSQL and NATS', (t) => {
    const objects = objectsOf(t, target);
    if (!objects) return;
    checkSchemasAndNamespaces(objects);
    assert.deepEqual(ofKind(objects, 'StatefulSet'), [], 'no bundled infrastructure');
    assert.deepEqual(ofKind(objects, 'PersistentVolumeClaim'), []);
    for (const name of ['postgres', 'nats']) {
      assert.ok(!objects.some((object) => object.metadata.name.startsWith(name)), `nothing named ${name}*`);
    }
  });

  test('the same services and Ingress, pointed at the external PostgreSQL and NATS', (t) => {
    const objects = objectsOf(t, target);
    if (!objects) return;
    checkContainers(objects);
    checkIngress(objects);
    const envs = checkServices(objects);
    for (const env of Object.values(envs)) {
      assert.notEqual(new URL(env.DATABASE_URL!).hostname, 'postgres', 'DATABASE_URL points outside');
      assert.notEqual(env.NATS_URL, 'nats://nats:4222', 'NATS_URL points outside');
    }
    const base = render('deploy/k8s');
    const workloads = (objects: K8sObject[]) => ofKind(objects, 'Deployment').map((d) => JSON.stringify(d));
    assert.deepEqual(workloads(objects), workloads(base), 'the Deployments are the same as in the full install');
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
