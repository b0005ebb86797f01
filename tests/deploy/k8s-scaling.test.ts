/**
 * Room to grow, as rendered: HorizontalPodAutoscalers for billing, orders and notifications with the bounds that
 * docs/install-kubernetes.md argues ("Autoscaling"), PodDisruptionBudgets consistent with those bounds (and with a
 * JetStream quorum), replicas spread over nodes, and a bundled PostgreSQL that accepts every connection the
 * service pods may open at the maxima.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { type Json, type K8sObject, named, objectsOf, ofKind, podLabelsOf, podSpecOf, root, selects, TARGETS, workloadsOf } from './kustomize.ts';
import { markdownTableAfter } from './network-graph.ts';

/** The bounds the install document argues, by service. */
const documented = new Map(
  markdownTableAfter(readFileSync(join(root, 'docs/install-kubernetes.md'), 'utf8'), /^### Autoscaling/).map(
    ([service = '', min = '', max = '']) => [service, { min: Number(min), max: Number(max) }],
  ),
);
const AUTOSCALED = ['billing', 'orders', 'notifications'];
/** Per service pod: its pool (max 10, src/platform/database/connection.ts), its outbox relay's connection and its LISTEN connection. */
const CONNECTIONS_PER_POD = 12;
/** PostgreSQL's default superuser_reserved_connections. */
const RESERVED_CONNECTIONS = 3;

const autoscalerOf = (objects: K8sObject[], workload: K8sObject) =>
  ofKind(objects, 'HorizontalPodAutoscaler').find(
    (hpa) => hpa.spec.scaleTargetRef.kind === workload.kind && hpa.spec.scaleTargetRef.name === workload.metadata.name,
  );

/** The fewest and the most pods a workload runs outside a rollout. */
function bounds(objects: K8sObject[], workload: K8sObject): { min: number; max: number } {
  const hpa = autoscalerOf(objects, workload);
  if (hpa) return { min: hpa.spec.minReplicas ?? 1, max: hpa.spec.maxReplicas };
  const replicas = workload.spec.replicas ?? 1;
  return { min: replicas, max: replicas };
}

/** Pods a Deployment adds during a rollout. */
function surge(deployment: K8sObject): number {
  const value = deployment.spec.strategy?.rollingUpdate?.maxSurge ?? '25%';
  if (typeof value === 'number') return value;
  return Math.ceil((bounds([], deployment).max * Number.parseInt(value, 10)) / 100);
}

for (const target of Object.values(TARGETS)) {
  describe(`kubectl kustomize ${target}: scaling`, () => {
    test('billing, orders and notifications scale on CPU and memory, within the bounds of docs/install-kubernetes.md', (t) => {
      const objects = objectsOf(t, target);
      if (!objects) return;
      const autoscalers = ofKind(objects, 'HorizontalPodAutoscaler');
      assert.deepEqual(autoscalers.map((hpa) => hpa.spec.scaleTargetRef.name).sort(), [...AUTOSCALED].sort());
      assert.deepEqual([...documented.keys()].sort(), [...AUTOSCALED].sort(), 'the document argues the bounds of each');
      for (const hpa of autoscalers) {
        const name = hpa.spec.scaleTargetRef.name;
        const where = `HorizontalPodAutoscaler ${hpa.metadata.name}`;
        assert.equal(hpa.apiVersion, 'autoscaling/v2', where);
        const deployment = named(objects, hpa.spec.scaleTargetRef.kind, name);
        assert.equal(deployment.spec.replicas, undefined, `Deployment ${name}: no replicas, the autoscaler owns the count`);
        const { min, max } = documented.get(name)!;
        assert.deepEqual({ min: hpa.spec.minReplicas, max: hpa.spec.maxReplicas }, { min, max }, `${where}: bounds`);
        assert.ok(min >= 1 && max > min, `${where}: room to grow`);
        const resources = hpa.spec.metrics.map((metric: Json) => {
          assert.equal(metric.type, 'Resource', where);
          return metric.resource.name;
        });
        assert.deepEqual(resources.sort(), ['cpu', 'memory'], `${where}: CPU and memory`);
        // The targets sit below the container's limits, or the autoscaler would add pods only once they throttle.
        const [container] = podSpecOf(deployment).containers;
        for (const metric of hpa.spec.metrics) {
          const { name: resource, target: goal } = metric.resource;
          assert.equal(goal.type, 'AverageValue', `${where}: ${resource} target is per pod`);
          assert.ok(quantity(goal.averageValue) < quantity(container.resources.limits[resource]), `${where}: ${resource} target < limit`);
        }
      }
      for (const deployment of ofKind(objects, 'Deployment').filter((d) => !autoscalerOf(objects, d))) {
        assert.ok(Number.isInteger(deployment.spec.replicas), `Deployment ${deployment.metadata.name}: replicas without an autoscaler`);
      }
    });

    test('disruption budgets let a drain through at the minimum, keep one pod where there are two, and keep a NATS quorum', (t) => {
      const objects = objectsOf(t, target);
      if (!objects) return;
      for (const budget of ofKind(objects, 'PodDisruptionBudget')) {
        const where = `PodDisruptionBudget ${budget.metadata.name}`;
        const covered: K8sObject[] = workloadsOf(objects).filter((workload) => selects(budget.spec.selector.matchLabels, podLabelsOf(workload)));
        assert.equal(covered.length, 1, `${where} covers one workload`);
        const [workload] = covered as [K8sObject];
        const { min } = bounds(objects, workload);
        const { minAvailable, maxUnavailable } = budget.spec;
        assert.ok(Number.isInteger(minAvailable ?? maxUnavailable), `${where}: a number, not a percentage`);
        const evictable = maxUnavailable ?? min - minAvailable;
        assert.ok(evictable >= 1, `${where}: at ${min} pods a drain may still evict one`);
        if (min >= 2) assert.ok(min - evictable >= 1, `${where}: at ${min} pods one keeps serving`);
        if (workload.metadata.name === 'nats' && min >= 2) {
          // A clustered JetStream needs a majority of its nodes (a single node has no quorum to keep).
          const quorum = Math.floor(min / 2) + 1;
          assert.ok(min - evictable >= quorum, `${where}: ${min - evictable} of ${min} nodes keep a JetStream quorum (${quorum})`);
        }
      }
      for (const workload of workloadsOf(objects).filter((w) => bounds(objects, w).min >= 2)) {
        const budgets: K8sObject[] = ofKind(objects, 'PodDisruptionBudget').filter((b) => selects(b.spec.selector.matchLabels, podLabelsOf(workload)));
        assert.equal(budgets.length, 1, `${workload.kind} ${workload.metadata.name}: a PodDisruptionBudget`);
      }
    });

    test('replicas of a workload that may run several go to different nodes first', (t) => {
      const objects = objectsOf(t, target);
      if (!objects) return;
      for (const workload of workloadsOf(objects).filter((w) => bounds(objects, w).max >= 2)) {
        const where = `${workload.kind} ${workload.metadata.name}`;
        const spread = (podSpecOf(workload).topologySpreadConstraints ?? []).find(
          (constraint: Json) => constraint.topologyKey === 'kubernetes.io/hostname',
        );
        assert.ok(spread, `${where}: spread over nodes`);
        assert.equal(spread.maxSkew, 1, where);
        assert.equal(spread.whenUnsatisfiable, 'DoNotSchedule', `${where}: a rule, not a preference`);
        assert.equal(spread.nodeTaintsPolicy, 'Honor', `${where}: nodes it cannot run on do not count`);
        assert.ok(selects(spread.labelSelector.matchLabels, podLabelsOf(workload)), `${where}: counts its own pods`);
      }
    });

    if (target !== TARGETS.externalInfra) {
      test('the bundled PostgreSQL accepts every connection the service pods may open at the maxima, during a rollout', (t) => {
        const objects = objectsOf(t, target);
        if (!objects) return;
        const [postgres] = podSpecOf(named(objects, 'StatefulSet', 'postgres')).containers;
        const setting = /(?:^| )-c max_connections=(\d+)(?: |$)/.exec((postgres.args ?? []).join(' '));
        assert.ok(setting, 'postgres runs with -c max_connections=N');
        const pods = ofKind(objects, 'Deployment')
          .filter((deployment) => podLabelsOf(deployment)['app.kubernetes.io/component'] === 'service')
          .reduce((sum, deployment) => sum + bounds(objects, deployment).max + surge(deployment), 0);
        const needed = pods * CONNECTIONS_PER_POD + RESERVED_CONNECTIONS;
        t.diagnostic(`${pods} service pods at most, ${needed} connections of ${setting[1]}`);
        assert.ok(needed <= Number(setting[1]), `${pods} pods need ${needed} connections, max_connections is ${setting[1]}`);
      });
    }
  });
}

/** A Kubernetes quantity (CPU or memory) as a number. */
function quantity(value: string | number): number {
  const match = /^(\d+(?:\.\d+)?)(m|Ki|Mi|Gi|k|M|G)?$/.exec(String(value));
  assert.ok(match, `quantity ${value}`);
  const factor = { m: 1e-3, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, k: 1e3, M: 1e6, G: 1e9 }[match[2] ?? ''] ?? 1;
  return Number(match[1]) * factor;
}
