/**
 * The cluster size that docs/install-kubernetes.md states ("Cluster size") is the sum of the rendered default
 * install's resource requests and limits, at the autoscalers' minima and at their maxima; and every
 * `minikube start` of the guide gives the node room for the install and for what the cluster runs itself.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { guideCommands } from './guide-commands.ts';
import { type Json, type K8sObject, objectsOf, ofKind, podSpecOf, root, TARGETS, workloadsOf } from './kustomize.ts';
import { markdownTableAfter } from './network-graph.ts';

const GUIDE = 'docs/install-kubernetes.md';
const guide = readFileSync(join(root, GUIDE), 'utf8');

/**
 * What a small cluster (kind, minikube) takes for itself besides our pods, rounded up: CPU requested by the
 * control plane, DNS, the network plugin (Calico: 250m), the ingress controller (100m) and the metrics server
 * (100m); memory those use. An estimate, not a measurement: `kubectl describe node` shows the real figure, and
 * the guide says so.
 */
const CLUSTER_OWN = { cpuMillis: 1_200, memoryMi: 1_024 };

/** CPU quantity in millicores ("500m", "1", "0.5"). */
export function millicores(quantity: string): number {
  return quantity.endsWith('m') ? Number(quantity.slice(0, -1)) : Math.round(Number(quantity) * 1000);
}

const BYTES: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, k: 1e3, M: 1e6, G: 1e9, T: 1e12, '': 1 };
/** Memory quantity in MiB, rounded up ("256Mi", "1Gi", "1G", "134217728"). */
export function mebibytes(quantity: string): number {
  const [, number = '', suffix = ''] = /^([\d.e+]+)([KMGT]i?|k)?$/.exec(quantity) ?? [];
  const factor = BYTES[suffix];
  assert.ok(number && factor, `memory quantity ${quantity}`);
  return Math.ceil((Number(number) * factor) / BYTES.Mi!);
}

interface Size {
  pods: number;
  cpuRequests: number;
  memoryRequests: number;
  cpuLimits: number;
  memoryLimits: number;
}

/** A pod's own figure: its containers together, or its largest init container if that is more (they run first). */
function podFigure(pod: Json, bound: 'requests' | 'limits', resource: 'cpu' | 'memory'): number {
  const of = (container: Json) => {
    const quantity = container.resources?.[bound]?.[resource];
    assert.ok(quantity, `${container.name}: resources.${bound}.${resource}`);
    return resource === 'cpu' ? millicores(quantity) : mebibytes(quantity);
  };
  const together = pod.containers.reduce((sum: number, container: Json) => sum + of(container), 0);
  return Math.max(together, ...(pod.initContainers ?? []).map(of));
}

/** The install's pods and what they request and may use, with each autoscaler at `end` of its range. */
export function clusterSize(objects: K8sObject[], end: 'min' | 'max'): Size {
  const size: Size = { pods: 0, cpuRequests: 0, memoryRequests: 0, cpuLimits: 0, memoryLimits: 0 };
  for (const workload of workloadsOf(objects)) {
    const hpa = ofKind(objects, 'HorizontalPodAutoscaler').find(
      (h) => h.spec.scaleTargetRef.kind === workload.kind && h.spec.scaleTargetRef.name === workload.metadata.name,
    );
    const replicas = hpa ? (end === 'min' ? (hpa.spec.minReplicas ?? 1) : hpa.spec.maxReplicas) : (workload.spec.replicas ?? 1);
    const pod = podSpecOf(workload);
    size.pods += replicas;
    size.cpuRequests += replicas * podFigure(pod, 'requests', 'cpu');
    size.memoryRequests += replicas * podFigure(pod, 'requests', 'memory');
    size.cpuLimits += replicas * podFigure(pod, 'limits', 'cpu');
    size.memoryLimits += replicas * podFigure(pod, 'limits', 'memory');
  }
  return size;
}

/** The table's row as the guide writes it. */
const row = (label: string, size: Size) => [
  label,
  String(size.pods),
  `${size.cpuRequests}m`,
  `${size.memoryRequests}Mi`,
  `${size.cpuLimits}m`,
  `${size.memoryLimits}Mi`,
];
const expectedTable = (objects: K8sObject[]) => [
  row("at the autoscalers' minima", clusterSize(objects, 'min')),
  row('at their maxima', clusterSize(objects, 'max')),
];
const documentedTable = () => markdownTableAfter(guide, /^### Cluster size/);

/** minikube's --memory: a number of MB, or with a unit (4g, 4096mb). */
function minikubeMemory(value: string): number {
  const [, number, unit = 'm'] = /^(\d+)([mg])?b?$/i.exec(value) ?? [];
  assert.ok(number, `minikube --memory=${value}`);
  return Number(number) * (unit.toLowerCase() === 'g' ? 1024 : 1);
}

/** --cpus and --memory of each `minikube start` in the guide that sets them. */
function minikubeNodes(): { cpuMillis: number; memoryMi: number; text: string }[] {
  return guideCommands(guide)
    .filter(({ words }) => words[0] === 'minikube' && words[1] === 'start')
    .flatMap(({ words, text }) => {
      const flag = (name: string) => words.find((word) => word.startsWith(`--${name}=`))?.split('=')[1];
      const [cpus, memory] = [flag('cpus'), flag('memory')];
      if (!cpus || !memory) return [];
      return [{ cpuMillis: Number(cpus) * 1000, memoryMi: minikubeMemory(memory), text }];
    });
}

describe(`${GUIDE}: the cluster size`, () => {
  test('the table is the sum of the rendered requests and limits of the default install', (t) => {
    const objects = objectsOf(t, TARGETS.full);
    if (!objects) return;
    t.diagnostic(`computed: ${JSON.stringify(expectedTable(objects))}`);
    assert.deepEqual(documentedTable(), expectedTable(objects), `${GUIDE}, "Cluster size": update the table to the computed figures`);
  });

  test('a larger request in the manifests no longer matches the table', (t) => {
    const objects = objectsOf(t, TARGETS.full);
    if (!objects) return;
    const changed = structuredClone(objects);
    const nats = changed.find((object) => object.kind === 'StatefulSet' && object.metadata.name === 'nats')!;
    podSpecOf(nats).containers[0].resources.requests.cpu = '100m';
    assert.notDeepEqual(documentedTable(), expectedTable(changed));
  });

  test('every minikube start of the guide has room for the install at the minima and for the cluster itself', (t) => {
    const objects = objectsOf(t, TARGETS.full);
    if (!objects) return;
    const nodes = minikubeNodes();
    assert.ok(nodes.length > 0, 'the guide sizes its minikube');
    const least = clusterSize(objects, 'min');
    for (const node of nodes) {
      assert.ok(node.cpuMillis >= least.cpuRequests + CLUSTER_OWN.cpuMillis, `${node.text}: CPU for ${least.cpuRequests}m + the cluster's own`);
      assert.ok(node.memoryMi >= least.memoryRequests + CLUSTER_OWN.memoryMi, `${node.text}: memory for ${least.memoryRequests}Mi + the cluster's own`);
    }
    // The largest one lets the autoscalers reach their maxima, every pod at its memory limit.
    const most = clusterSize(objects, 'max');
    const largest = nodes.reduce((a, b) => (b.memoryMi > a.memoryMi ? b : a));
    assert.ok(largest.cpuMillis >= most.cpuRequests + CLUSTER_OWN.cpuMillis, `${largest.text}: CPU at the maxima`);
    assert.ok(largest.memoryMi >= most.memoryLimits + CLUSTER_OWN.memoryMi, `${largest.text}: memory limits at the maxima`);
  });

  test('quantities', () => {
    assert.deepEqual(['500m', '1', '0.25', '2'].map(millicores), [500, 1000, 250, 2000]);
    assert.deepEqual(['256Mi', '1Gi', '1G', '134217728', '512Ki'].map(mebibytes), [256, 1024, 954, 128, 1]);
  });
});
