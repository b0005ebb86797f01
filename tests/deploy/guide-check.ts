/**
 * Whether the kubectl commands of a guide name what an install renders: a namespace the install has or refers
 * to, an object of ours that exists (or, for a Secret the operator creates, one the manifests read, with the
 * keys they read), a label selector that selects pods of ours, a Kustomize target that is an install. Objects
 * in another namespace (the ingress controller's, kube-system) are another install's and are not checked.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from './guide-commands.ts';
import { parseKubectl } from './guide-commands.ts';
import { type Json, type K8sObject, NAMESPACE, podLabelsOf, podSpecOf, root, selects, TARGETS, workloadsOf } from './kustomize.ts';

const KINDS: Record<string, string> = Object.fromEntries(
  Object.entries({
    Namespace: ['namespace', 'namespaces', 'ns'],
    Deployment: ['deployment', 'deployments', 'deploy'],
    StatefulSet: ['statefulset', 'statefulsets', 'sts'],
    Service: ['service', 'services', 'svc'],
    Secret: ['secret', 'secrets'],
    ConfigMap: ['configmap', 'configmaps', 'cm'],
    Ingress: ['ingress', 'ingresses', 'ing'],
    HorizontalPodAutoscaler: ['horizontalpodautoscaler', 'horizontalpodautoscalers', 'hpa'],
    PodDisruptionBudget: ['poddisruptionbudget', 'poddisruptionbudgets', 'pdb'],
    PersistentVolumeClaim: ['persistentvolumeclaim', 'persistentvolumeclaims', 'pvc'],
    NetworkPolicy: ['networkpolicy', 'networkpolicies', 'netpol'],
    ServiceAccount: ['serviceaccount', 'serviceaccounts', 'sa'],
    Pod: ['pod', 'pods', 'po'],
  }).flatMap(([kind, names]) => names.map((name) => [name, kind])),
);
/** Verbs whose words after the resource are not object names (ports, a command). */
const ONE_OBJECT = new Set(['port-forward', 'logs', 'exec', 'attach']);
/** The cluster's own, which no install of ours renders. */
const CLUSTER_KINDS = new Set(['node', 'nodes', 'no', 'storageclass', 'storageclasses', 'sc', 'ingressclass', 'ingressclasses']);
const NO_OBJECTS = new Set(['apply', 'kustomize', 'version', 'config', 'cluster-info', 'run', 'top', 'api-resources', 'explain']);

/** Namespaces the install creates, or names in its NetworkPolicies (the ingress controller's, Prometheus's, DNS's). */
function knownNamespaces(objects: K8sObject[]): Set<string> {
  const names = new Set(objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name));
  const visit = (value: unknown) => {
    if (!value || typeof value !== 'object') return;
    const labels = (value as Json).namespaceSelector?.matchLabels;
    if (labels?.['kubernetes.io/metadata.name']) names.add(labels['kubernetes.io/metadata.name']);
    for (const inner of Object.values(value)) visit(inner);
  };
  for (const policy of objects.filter((o) => o.kind === 'NetworkPolicy')) visit(policy.spec);
  return names;
}

/** The keys the manifests read from each Secret, rendered or not (volumes, secretKeyRef). */
export function secretsRead(objects: K8sObject[]): Map<string, Set<string>> {
  const read = new Map<string, Set<string>>();
  const add = (name: string, ...keys: string[]) => read.set(name, new Set([...(read.get(name) ?? []), ...keys]));
  for (const workload of workloadsOf(objects)) {
    const pod = podSpecOf(workload);
    for (const volume of pod.volumes ?? []) {
      if (volume.secret) add(volume.secret.secretName, ...(volume.secret.items ?? []).map((item: Json) => item.key));
    }
    for (const container of [...(pod.initContainers ?? []), ...pod.containers]) {
      for (const variable of container.env ?? []) {
        const ref = variable.valueFrom?.secretKeyRef;
        if (ref) add(ref.name, ref.key);
      }
    }
  }
  return read;
}

/** Names an object of `kind` may have: rendered ones, the pods and claims a StatefulSet makes, Secrets read. */
function namesOf(objects: K8sObject[], kind: string): Set<string> {
  const names = new Set(objects.filter((o) => o.kind === kind).map((o) => o.metadata.name));
  for (const set of objects.filter((o) => o.kind === 'StatefulSet')) {
    for (let i = 0; i < (set.spec.replicas ?? 1); i++) {
      if (kind === 'Pod') names.add(`${set.metadata.name}-${i}`);
      if (kind === 'PersistentVolumeClaim') {
        for (const claim of set.spec.volumeClaimTemplates ?? []) names.add(`${claim.metadata.name}-${set.metadata.name}-${i}`);
      }
    }
  }
  if (kind === 'Secret') for (const name of secretsRead(objects).keys()) names.add(name);
  return names;
}

/** TYPE/NAME, TYPE NAME..., TYPE, TYPE1,TYPE2: the objects a command's words name. */
function referencesOf(verb: string, words: string[]): { kind: string | undefined; type: string; name?: string }[] {
  const [first, ...rest] = words;
  if (!first) return [];
  const kindOf = (type: string) => KINDS[type.toLowerCase()];
  if (first.includes('/')) {
    const named = ONE_OBJECT.has(verb) ? [first] : words.filter((word) => word.includes('/'));
    return named.map((word) => {
      const [type = '', name] = word.split('/');
      return { kind: kindOf(type), type, name };
    });
  }
  if (ONE_OBJECT.has(verb)) return [{ kind: 'Pod', type: 'pod', name: first }];
  if (first.includes(',')) return first.split(',').map((type) => ({ kind: kindOf(type), type }));
  if (rest.length === 0) return [{ kind: kindOf(first), type: first }];
  return rest.map((name) => ({ kind: kindOf(first), type: first, name }));
}

/** The keys of `kubectl create secret generic`: --from-file=[key=]path and --from-literal=key=value. */
function createdKeys(flags: Map<string, string[]>): string[] {
  const files = (flags.get('--from-file') ?? []).map((value) => (value.includes('=') ? value.split('=')[0] : value.split('/').at(-1)));
  const literals = (flags.get('--from-literal') ?? []).map((value) => value.split('=')[0]);
  return [...files, ...literals].filter((key): key is string => Boolean(key)).sort();
}

/** The problems of one kubectl command against the objects of the install it is about. */
function commandProblems(command: Command, objects: K8sObject[]): string[] {
  const kubectl = parseKubectl(command.words);
  if (!kubectl) return [];
  const problems: string[] = [];
  const say = (problem: string) => problems.push(`\`${command.text}\`: ${problem}`);
  const namespace = kubectl.flags.get('--namespace')?.at(-1);
  if (namespace !== undefined && !knownNamespaces(objects).has(namespace)) say(`namespace ${namespace} is not one the install has or names`);
  for (const target of kubectl.flags.get('--kustomize') ?? (kubectl.verb === 'kustomize' ? kubectl.positional : [])) {
    // An empty one is prose naming the option (`kubectl apply -k`), not a command.
    if (target !== '' && !(Object.values(TARGETS) as string[]).includes(target.replace(/\/$/, ''))) say(`${target} is not one of the installs (${Object.values(TARGETS).join(', ')})`);
  }
  for (const file of kubectl.flags.get('--filename') ?? []) {
    if (file !== '-' && !/^https:\/\//.test(file) && !existsSync(join(root, file))) say(`no file ${file}`);
  }
  if (namespace !== undefined && namespace !== NAMESPACE) return problems;
  if (NO_OBJECTS.has(kubectl.verb) || (kubectl.verb === 'delete' && kubectl.flags.has('--kustomize'))) return problems;

  let words = kubectl.verb === 'rollout' ? kubectl.positional.slice(1) : kubectl.positional;
  if (kubectl.verb === 'create') {
    const [type = '', ...rest] = words;
    words = [type, ...(type === 'secret' ? rest.slice(1) : rest)].slice(0, 2);
  }
  for (const { kind, type, name } of referencesOf(kubectl.verb, words)) {
    if (CLUSTER_KINDS.has(type.toLowerCase())) continue;
    if (!kind) {
      say(`the test does not know the resource type ${type}: add it to KINDS`);
      continue;
    }
    if (kind !== 'Namespace' && namespace === undefined) say(`names ${type}${name ? `/${name}` : ''} without -n ${NAMESPACE}`);
    const names = kind === 'Pod' && !name ? new Set(workloadsOf(objects).map((w) => w.metadata.name)) : namesOf(objects, kind);
    if (name ? !names.has(name) : names.size === 0) say(`no ${kind}${name ? ` ${name}` : ''} in the install (have: ${[...names].join(', ') || 'none'})`);
    if (kubectl.verb === 'create' && kind === 'Secret' && name) {
      const read = [...(secretsRead(objects).get(name) ?? [])].sort();
      const keys = createdKeys(kubectl.flags);
      if (keys.join() !== read.join()) say(`creates Secret ${name} with keys ${keys.join(', ')}; the manifests read ${read.join(', ')}`);
    }
  }
  for (const selector of kubectl.flags.get('--selector') ?? []) {
    const wanted = Object.fromEntries(selector.split(',').map((pair) => pair.split('=') as [string, string]));
    if (!workloadsOf(objects).some((workload) => selects(wanted, podLabelsOf(workload)))) say(`-l ${selector} selects no pod of the install`);
  }
  return problems;
}

/**
 * Every problem of the guide's kubectl commands. A command is checked against the install that `kubectl apply -k`
 * installed earlier in the same block (the tracing overlay's Jaeger, say), or else the self-contained install.
 */
export function guideProblems(commands: Command[], render: (target: string) => K8sObject[]): string[] {
  const problems: string[] = [];
  let block = Number.NaN;
  let target: string = TARGETS.full;
  for (const command of commands) {
    if (command.block !== block) [block, target] = [command.block, TARGETS.full];
    problems.push(...commandProblems(command, render(target)));
    const kubectl = parseKubectl(command.words);
    const applied = kubectl?.verb === 'apply' ? kubectl.flags.get('--kustomize')?.at(-1)?.replace(/\/$/, '') : undefined;
    if (applied && (Object.values(TARGETS) as string[]).includes(applied)) target = applied;
  }
  return problems;
}
