/**
 * The Kubernetes manifests (deploy/k8s) as `kubectl kustomize` renders them, for the tests of tests/deploy:
 * rendering (cached per target), lookups, strict schema validation (k8s-schemas.json, see
 * generate-k8s-schemas.ts), and the env a container would see.
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
import type { TestContext } from 'node:test';
import { parseAllDocuments } from 'yaml';
import type { InteractionStyle } from '../../src/platform/runtime/index.ts';

export const root = join(import.meta.dirname, '..', '..');
export const NAMESPACE = 'streamshop';

/** The installs a user may apply, each a kustomize target. */
export const TARGETS = {
  full: 'deploy/k8s',
  singleNats: 'deploy/k8s/overlays/single-nats',
  tracing: 'deploy/k8s/overlays/tracing',
  externalInfra: 'deploy/k8s/overlays/external-infra',
  http: 'deploy/k8s/overlays/http',
  hybrid: 'deploy/k8s/overlays/hybrid',
  saga: 'deploy/k8s/overlays/saga',
} as const;

/** The interaction style (INTERACTION_STYLE) each install runs: the style decides the services' env and arrows. */
export const STYLES: Record<string, InteractionStyle> = {
  [TARGETS.full]: 'events',
  [TARGETS.singleNats]: 'events',
  [TARGETS.tracing]: 'events',
  [TARGETS.externalInfra]: 'events',
  [TARGETS.http]: 'http',
  [TARGETS.hybrid]: 'hybrid',
  [TARGETS.saga]: 'saga',
};
export const styleOf = (target: string): InteractionStyle => {
  const style = STYLES[target];
  assert.ok(style, `${target}: no style in STYLES (tests/deploy/kustomize.ts)`);
  return style;
};

// biome-ignore lint/suspicious/noExplicitAny: rendered manifests are arbitrary JSON, checked field by field
export type Json = Record<string, any>;
export type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } & Json } & Json;

const KUBECTL = process.env.KUBECTL || 'kubectl';
export const kubectl = (() => {
  const probe = spawnSync(KUBECTL, ['version', '--client'], { encoding: 'utf8' });
  return probe.error || probe.status !== 0 ? undefined : probe.stdout.trim().split('\n').join('; ');
})();

const rendered = new Map<string, K8sObject[]>();
export function render(target: string): K8sObject[] {
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
export function objectsOf(t: TestContext, target: string): K8sObject[] | undefined {
  if (!kubectl) {
    t.skip('kubectl not installed');
    return undefined;
  }
  return render(target);
}

export const named = (objects: K8sObject[], kind: string, name: string) => {
  const found = objects.find((object) => object.kind === kind && object.metadata.name === name);
  assert.ok(found, `no ${kind} ${name}`);
  return found;
};
export const ofKind = (objects: K8sObject[], kind: string) => objects.filter((object) => object.kind === kind);

export const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Job']);
export const workloadsOf = (objects: K8sObject[]) => objects.filter((object) => WORKLOADS.has(object.kind));
export const podSpecOf = (workload: K8sObject): Json => workload.spec.template.spec;
export const podLabelsOf = (workload: K8sObject): Record<string, string> => workload.spec.template.metadata.labels ?? {};

/** The Deployments of the four services (not the telemetry of the tracing overlay). */
export const serviceDeployments = (objects: K8sObject[]) =>
  ofKind(objects, 'Deployment').filter((deployment) => podLabelsOf(deployment)['app.kubernetes.io/component'] === 'service');

export function selects(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(selector).every(([key, value]) => labels[key] === value);
}

// ---- schemas ----------------------------------------------------------------------------------------------

const schemas = JSON.parse(readFileSync(join(import.meta.dirname, 'k8s-schemas.json'), 'utf8')) as {
  kinds: Record<string, string>;
  definitions: Record<string, object>;
};
const ajv = new Ajv.default({ allErrors: true, strict: true, strictTypes: false });
for (const [name, format] of Object.entries(formats)) ajv.addFormat(name, format);
ajv.addSchema({ $id: 'k8s', definitions: schemas.definitions });

export function schemaErrors(object: K8sObject): string[] {
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

// ---- env --------------------------------------------------------------------------------------------------

export function secretData(secret: K8sObject): Record<string, string> {
  return {
    ...Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(String(v), 'base64').toString()])),
    ...secret.stringData,
  };
}

/**
 * The env a container would see, with every valueFrom resolved against the rendered objects. A reference
 * marked optional to a Secret that is not rendered (the operator creates it, or not) leaves the variable unset;
 * its name is returned in `optional`.
 */
export function envOf(objects: K8sObject[], container: Json, where: string) {
  assert.equal(container.envFrom, undefined, `${where}: env is listed, not envFrom`);
  const env: Record<string, string> = {};
  const optional: string[] = [];
  for (const variable of container.env ?? []) {
    const { configMapKeyRef, secretKeyRef } = variable.valueFrom ?? {};
    if (configMapKeyRef) {
      const data = named(objects, 'ConfigMap', configMapKeyRef.name).data ?? {};
      assert.ok(configMapKeyRef.key in data, `${where}: ${variable.name} from ConfigMap ${configMapKeyRef.name}: no key ${configMapKeyRef.key}`);
      env[variable.name] = data[configMapKeyRef.key];
    } else if (secretKeyRef) {
      const secret = objects.find((object) => object.kind === 'Secret' && object.metadata.name === secretKeyRef.name);
      if (!secret && secretKeyRef.optional === true) {
        optional.push(variable.name);
        continue;
      }
      assert.ok(secret, `${where}: ${variable.name} from Secret ${secretKeyRef.name}, which is not rendered and not optional`);
      const data = secretData(secret);
      assert.ok(secretKeyRef.key in data, `${where}: ${variable.name} from Secret ${secretKeyRef.name}: no key ${secretKeyRef.key}`);
      env[variable.name] = data[secretKeyRef.key]!;
    } else {
      assert.equal(typeof variable.value, 'string', `${where}: ${variable.name} has a value`);
      env[variable.name] = variable.value;
    }
  }
  return { env, optional };
}

/** Seconds of a preStop `sleep N` (0 without one). */
export function preStopSeconds(container: Json): number {
  const command: string[] | undefined = container.lifecycle?.preStop?.exec?.command;
  if (!command) return container.lifecycle?.preStop?.sleep?.seconds ?? 0;
  assert.equal(command[0], 'sleep', `preStop ${command.join(' ')}: a sleep`);
  return Number(command[1]);
}
