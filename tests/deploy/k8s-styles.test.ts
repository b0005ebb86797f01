/**
 * The installs of the interaction styles (INTERACTION_STYLE, src/platform/runtime/styles.ts): deploy/k8s is the
 * events style, overlays/http, overlays/hybrid and overlays/saga the others. Each differs from deploy/k8s by what
 * its style needs and by nothing else; every internal address leads to its callee's internal listener; the http
 * style has no NATS at all; the service key is one, usable, and marked EXAMPLE; the saga says its deadline.
 * Each service's env and ports: k8s.test.ts; the arrows: network-policy.test.ts; the Ingress: ingress.test.ts.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { createServiceCredentials, parseServiceKey } from '../../src/platform/access/index.ts';
import { calledServices, calleesOf, durationMs, type InteractionStyle, serviceNames, usesBroker } from '../../src/platform/runtime/index.ts';
import { envOf, type Json, type K8sObject, named, objectsOf, ofKind, podLabelsOf, podSpecOf, root, secretData, selects, styleOf, TARGETS, workloadsOf } from './kustomize.ts';

/** The variables a style adds or takes away (the broker's, the service key, the callees' addresses). */
const STYLE_ONLY = new Set(['NATS_URL', 'NATS_STREAM_REPLICAS', 'SERVICE_SIGNING_KEY', 'BILLING_INTERNAL_URL', 'NOTIFICATIONS_INTERNAL_URL']);
/** The settings a style install may say for itself (StyleSettings of the runtime's config.ts). */
const STYLE_SETTINGS = new Set(['INTERACTION_STYLE', 'PAYMENT_DEADLINE']);
const INTERNAL_URLS: Record<string, string> = { billing: 'BILLING_INTERNAL_URL', notifications: 'NOTIFICATIONS_INTERNAL_URL' };
const SERVICE_KEY = { secret: 'streamshop-service-key', variable: 'SERVICE_SIGNING_KEY' };

const configOf = (objects: K8sObject[]) => named(objects, 'ConfigMap', 'streamshop-config').data as Record<string, string>;
const containerOf = (objects: K8sObject[], name: string): Json => podSpecOf(named(objects, 'Deployment', name)).containers[0];
const envOfService = (objects: K8sObject[], name: string) => envOf(objects, containerOf(objects, name), `Deployment ${name}`).env;
const holdersOfTheKey = (style: InteractionStyle) =>
  serviceNames.filter((service) => calleesOf(style, service).length > 0 || calledServices(style).includes(service));

/** An object as deploy/k8s would have it: without the style's variables and settings (a saga's own deadline), internal ports. */
function withoutStyle(object: K8sObject): string {
  const copy = structuredClone(object);
  if (WORKLOAD_KINDS.has(copy.kind)) {
    for (const container of podSpecOf(copy).containers) {
      if (container.env) container.env = container.env.filter((variable: Json) => !STYLE_ONLY.has(variable.name));
      if (container.ports) container.ports = container.ports.filter((port: Json) => port.name !== 'internal');
    }
  }
  if (copy.kind === 'Service') copy.spec.ports = copy.spec.ports.filter((port: Json) => port.name !== 'internal');
  if (copy.kind === 'ConfigMap' && copy.metadata.name === 'streamshop-config') {
    copy.data = Object.fromEntries(Object.entries(copy.data).filter(([key]) => !STYLE_ONLY.has(key) && !STYLE_SETTINGS.has(key)));
  }
  return JSON.stringify(copy);
}
const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet']);

/** What an install has that deploy/k8s has not, and the reverse, by kind/name; and the shared objects that differ. */
function differencesFromBase(objects: K8sObject[], base: K8sObject[]) {
  const byId = (list: K8sObject[]) => new Map(list.map((object) => [`${object.kind}/${object.metadata.name}`, object]));
  const mine = byId(objects);
  const theirs = byId(base);
  return {
    added: [...mine.keys()].filter((id) => !theirs.has(id)).sort(),
    removed: [...theirs.keys()].filter((id) => !mine.has(id)).sort(),
    changed: [...mine.keys()].filter((id) => theirs.has(id) && withoutStyle(mine.get(id)!) !== withoutStyle(theirs.get(id)!)).sort(),
  };
}

for (const target of Object.values(TARGETS).filter((target) => target.includes('/overlays/') && styleOf(target) !== 'events')) {
  const style = styleOf(target);
  describe(`kubectl kustomize ${target}: the ${style} style`, () => {
    test('deploy/k8s with INTERACTION_STYLE, the style’s settings, internal ports, key and policies, and nothing else changed', (t) => {
      const objects = objectsOf(t, target);
      const base = objectsOf(t, TARGETS.full);
      if (!objects || !base) return;
      assert.equal(configOf(objects).INTERACTION_STYLE, style);
      const { added, removed, changed } = differencesFromBase(objects, base);
      assert.deepEqual(changed.filter((id) => !id.startsWith('NetworkPolicy/')), [], 'objects changed beyond the style');
      const calls = holdersOfTheKey(style).length > 0;
      const expectedAdded = added.filter((id) => id.startsWith('NetworkPolicy/') || (calls && id === `Secret/${SERVICE_KEY.secret}`));
      assert.deepEqual(added, expectedAdded, 'added: NetworkPolicies, and the service key where the style calls');
      if (calls) assert.ok(added.includes(`Secret/${SERVICE_KEY.secret}`), 'the service key');
      const broker = (id: string) => /\/nats/.test(id) || id === 'NetworkPolicy/console-to-nats' || id.startsWith('NetworkPolicy/services-to-postgres-and-nats');
      assert.deepEqual(removed, usesBroker(style) ? [] : removed.filter(broker), 'removed: NATS only, where the style has no broker');
    });

    if (calledServices(style).length > 0) {
      test('each caller’s *_INTERNAL_URL is the origin of its callee’s internal listener (INTERNAL_PORT), through its Service', (t) => {
        const objects = objectsOf(t, target);
        if (!objects) return;
        for (const caller of serviceNames) {
          for (const callee of calleesOf(style, caller)) {
            const where = `${caller} -> ${callee}`;
            const address: string = envOfService(objects, caller)[INTERNAL_URLS[callee]!]!;
            // The client sends its paths to this origin (undici's `origin`): a path here would be dropped.
            assert.equal(new URL(address).origin, address, `${where}: ${address} is an origin`);
            const url = new URL(address);
            const service = named(objects, 'Service', url.hostname);
            assert.ok(selects(service.spec.selector, podLabelsOf(named(objects, 'Deployment', callee))), `${where}: Service ${url.hostname} selects ${callee}`);
            const port = service.spec.ports.find((p: Json) => p.port === Number(url.port || 80));
            assert.equal(port?.name, 'internal', `${where}: port ${url.port} of Service ${url.hostname} is its internal port`);
            const listening: Json | undefined = (containerOf(objects, callee).ports ?? []).find((p: Json) => p.name === port.targetPort || p.containerPort === port.targetPort);
            assert.equal(listening?.containerPort, Number(envOfService(objects, callee).INTERNAL_PORT), `${where}: leads to ${callee}'s INTERNAL_PORT`);
          }
        }
      });

      test('one service key, from a Secret marked EXAMPLE, in every service that calls or is called: credentials it signs, it checks', async (t) => {
        const objects = objectsOf(t, target);
        if (!objects) return;
        const keys = new Set(holdersOfTheKey(style).map((service) => envOfService(objects, service)[SERVICE_KEY.variable]));
        assert.equal(keys.size, 1, 'the same key everywhere');
        const secret = named(objects, 'Secret', SERVICE_KEY.secret);
        assert.match(secret.metadata.annotations?.['streamshop.example/notice'] ?? '', /EXAMPLE – change before production/);
        for (const value of Object.values(secretData(secret))) assert.match(value, /EXAMPLE/, 'the value says EXAMPLE too (its kid)');
        const credentials = await createServiceCredentials(parseServiceKey([...keys][0]!));
        assert.equal(await credentials.verify(await credentials.tokenFor('orders', 'billing'), 'billing'), 'orders');
      });
    }

    if (!usesBroker(style)) {
      test('no NATS at all: no object, no setting, no env, no policy port of it; the console without NATS_URL', (t) => {
        const objects = objectsOf(t, target);
        if (!objects) return;
        assert.deepEqual(objects.filter((o) => /nats/i.test(o.metadata.name) || o.metadata.labels?.['app.kubernetes.io/name'] === 'nats').map((o) => `${o.kind}/${o.metadata.name}`), [], 'objects of NATS');
        assert.deepEqual(Object.keys(configOf(objects)).filter((key) => key.startsWith('NATS_')), [], 'ConfigMap');
        for (const workload of workloadsOf(objects)) {
          const names = podSpecOf(workload).containers.flatMap((c: Json) => (c.env ?? []).map((v: Json) => v.name));
          assert.deepEqual(names.filter((name: string) => name.startsWith('NATS_')), [], `${workload.kind} ${workload.metadata.name}`);
        }
        const policies = JSON.stringify(ofKind(objects, 'NetworkPolicy').map((policy) => policy.spec));
        for (const needle of ['nats', '4222', '6222']) assert.ok(!policies.includes(needle), `a NetworkPolicy names ${needle}`);
      });
    }
  });
}

describe(`kubectl kustomize ${TARGETS.saga}`, () => {
  test('the overlay says its own PAYMENT_DEADLINE, a duration orders accepts, and the install runs it', (t) => {
    const kustomization = parse(readFileSync(join(root, TARGETS.saga, 'kustomization.yaml'), 'utf8'));
    const own = (kustomization.patches as { patch?: string }[])
      .map((entry) => (entry.patch ? parse(entry.patch) : undefined))
      .find((patch) => patch?.kind === 'ConfigMap' && patch.metadata?.name === 'streamshop-config')?.data?.PAYMENT_DEADLINE;
    assert.ok(own, `${TARGETS.saga}/kustomization.yaml sets PAYMENT_DEADLINE in its ConfigMap patch`);
    assert.ok(durationMs(own) > 0, `PAYMENT_DEADLINE ${own}`);
    const objects = objectsOf(t, TARGETS.saga);
    if (!objects) return;
    assert.equal(envOfService(objects, 'orders').PAYMENT_DEADLINE, own, 'orders reads it');
  });
});
