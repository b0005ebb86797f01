/**
 * Who may open a connection to whom, on which port, under a set of rendered NetworkPolicies: the semantics of
 * networking.k8s.io/v1 (a pod selected by a policy of a direction is isolated in that direction and gets the union
 * of the rules; a connection needs both the sender's egress and the receiver's ingress), computed over
 * - the workloads of the render (their pod labels and container ports, our namespace),
 * - every outside peer the policies name (a namespace, its pods, an address block), whose own policies are not ours,
 * - and two witnesses the policies should shut out: a pod started by hand in our namespace (no labels) and a pod
 *   of a namespace no policy names.
 * Ports: each container port of the receiver, each port a rule names, and "any" (a port no rule names).
 * Not modelled: address blocks that contain pod addresses, `except`, node traffic (always allowed), hostNetwork.
 */
import type { K8sObject } from './kustomize.ts';

export interface Arrow {
  from: string;
  to: string;
  /** `8080/TCP`, or `any` for a port no rule names */
  port: string;
}

interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }[];
}
interface Peer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: { cidr: string; except?: string[] };
}
interface PolicyPort {
  protocol?: string;
  port?: number | string;
  endPort?: number;
}
interface Rule {
  peers?: Peer[];
  ports?: PolicyPort[];
}
interface Policy {
  name: string;
  namespace: string;
  podSelector: LabelSelector;
  ingress?: Rule[];
  egress?: Rule[];
}

interface ContainerPort {
  name?: string;
  port: number;
  protocol: string;
}
interface Endpoint {
  name: string;
  /** In our namespace: our policies apply to it. */
  ours: boolean;
  namespaceLabels?: Record<string, string>;
  podLabels?: Record<string, string>;
  cidr?: string;
  ports: ContainerPort[];
}

const NAMESPACE_NAME = 'kubernetes.io/metadata.name';
export const OTHER_POD = 'streamshop/any-other-pod';
export const OTHER_NAMESPACE = 'elsewhere/*';

export function matches(selector: LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (!selector) return true;
  const byLabel = Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
  return (
    byLabel &&
    (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
      if (operator === 'In') return key in labels && values.includes(labels[key]!);
      if (operator === 'NotIn') return !(key in labels) || !values.includes(labels[key]!);
      if (operator === 'Exists') return key in labels;
      return !(key in labels);
    })
  );
}

function policiesOf(objects: K8sObject[]): Policy[] {
  return objects
    .filter((object) => object.kind === 'NetworkPolicy')
    .map((object) => {
      const spec = object.spec;
      const types: string[] = spec.policyTypes ?? (spec.egress ? ['Ingress', 'Egress'] : ['Ingress']);
      const rules = (list: { from?: Peer[]; to?: Peer[]; ports?: PolicyPort[] }[] | undefined) =>
        (list ?? []).map((rule) => ({ peers: rule.from ?? rule.to, ports: rule.ports }));
      return {
        name: object.metadata.name,
        namespace: object.metadata.namespace!,
        podSelector: spec.podSelector,
        ...(types.includes('Ingress') ? { ingress: rules(spec.ingress) } : {}),
        ...(types.includes('Egress') ? { egress: rules(spec.egress) } : {}),
      };
    });
}

const describeLabels = (labels: Record<string, string>) =>
  Object.keys(labels).length ? Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',') : '*';

function endpointsOf(objects: K8sObject[], policies: Policy[], namespace: string): Endpoint[] {
  const ours = { [NAMESPACE_NAME]: namespace };
  const endpoints: Endpoint[] = objects
    .filter((object) => ['Deployment', 'StatefulSet', 'DaemonSet'].includes(object.kind))
    .map((workload) => ({
      name: workload.metadata.name,
      ours: true,
      namespaceLabels: ours,
      podLabels: workload.spec.template.metadata.labels ?? {},
      ports: workload.spec.template.spec.containers.flatMap((container: { ports?: Record<string, unknown>[] }) =>
        (container.ports ?? []).map((port) => ({
          name: port.name as string | undefined,
          port: port.containerPort as number,
          protocol: (port.protocol as string | undefined) ?? 'TCP',
        })),
      ),
    }));
  endpoints.push({ name: OTHER_POD, ours: true, namespaceLabels: ours, podLabels: {}, ports: [] });
  endpoints.push({ name: OTHER_NAMESPACE, ours: false, namespaceLabels: { [NAMESPACE_NAME]: 'elsewhere' }, podLabels: {}, ports: [] });
  const peers = policies.flatMap((policy) => [...(policy.ingress ?? []), ...(policy.egress ?? [])]).flatMap((rule) => rule.peers ?? []);
  for (const peer of peers) {
    if (peer.ipBlock) {
      if (peer.ipBlock.except?.length) throw new Error(`ipBlock ${peer.ipBlock.cidr}: except is not modelled`);
      if (!endpoints.some((e) => e.cidr === peer.ipBlock!.cidr)) endpoints.push({ name: peer.ipBlock.cidr, ours: false, cidr: peer.ipBlock.cidr, ports: [] });
      continue;
    }
    if (!peer.namespaceSelector) continue; // pods of our namespace: the workloads above
    const { matchLabels = {}, matchExpressions = [] } = peer.namespaceSelector;
    const podLabels = peer.podSelector?.matchLabels ?? {};
    if (matchExpressions.length || peer.podSelector?.matchExpressions?.length || !matchLabels[NAMESPACE_NAME]) {
      throw new Error(`a peer outside the namespace is named by ${NAMESPACE_NAME} and matchLabels only: ${JSON.stringify(peer)}`);
    }
    if (matchLabels[NAMESPACE_NAME] === namespace) continue;
    const name = `${matchLabels[NAMESPACE_NAME]}/${describeLabels(podLabels)}`;
    if (!endpoints.some((e) => e.name === name)) endpoints.push({ name, ours: false, namespaceLabels: matchLabels, podLabels, ports: [] });
  }
  return endpoints;
}

function peerMatches(peer: Peer, endpoint: Endpoint, policyNamespace: string): boolean {
  if (peer.ipBlock) return endpoint.cidr === peer.ipBlock.cidr;
  if (!endpoint.namespaceLabels || !endpoint.podLabels) return false;
  const namespaceMatches = peer.namespaceSelector
    ? matches(peer.namespaceSelector, endpoint.namespaceLabels)
    : endpoint.namespaceLabels[NAMESPACE_NAME] === policyNamespace;
  return namespaceMatches && matches(peer.podSelector, endpoint.podLabels);
}

type CandidatePort = ContainerPort | 'any';

function portMatches(spec: PolicyPort, port: CandidatePort, receiver: Endpoint): boolean {
  if (port === 'any') return spec.port === undefined;
  if ((spec.protocol ?? 'TCP') !== port.protocol) return false;
  if (spec.port === undefined) return true;
  if (typeof spec.port === 'string') return receiver.ports.some((p) => p.name === spec.port && p.port === port.port && p.protocol === port.protocol);
  return port.port >= spec.port && port.port <= (spec.endPort ?? spec.port);
}

function ruleAllows(rule: Rule, peer: Endpoint, port: CandidatePort, receiver: Endpoint, namespace: string): boolean {
  const peerOk = !rule.peers?.length || rule.peers.some((p) => peerMatches(p, peer, namespace));
  const portOk = !rule.ports?.length || rule.ports.some((spec) => portMatches(spec, port, receiver));
  return peerOk && portOk;
}

/** Allowed by the policies of `subject` in one direction (true when none isolates it in that direction). */
function directionAllows(
  policies: Policy[],
  direction: 'ingress' | 'egress',
  subject: Endpoint,
  peer: Endpoint,
  port: CandidatePort,
  receiver: Endpoint,
): boolean {
  if (!subject.ours) return true;
  const isolating = policies.filter(
    (policy) =>
      policy[direction] !== undefined &&
      subject.namespaceLabels?.[NAMESPACE_NAME] === policy.namespace &&
      matches(policy.podSelector, subject.podLabels ?? {}),
  );
  if (isolating.length === 0) return true;
  return isolating.some((policy) => policy[direction]!.some((rule) => ruleAllows(rule, peer, port, receiver, policy.namespace)));
}

const portName = (port: CandidatePort) => (port === 'any' ? 'any' : `${port.port}/${port.protocol}`);

/** Every arrow the policies of the render allow, sorted. */
export function allowedArrows(objects: K8sObject[], namespace: string): Arrow[] {
  const policies = policiesOf(objects);
  const endpoints = endpointsOf(objects, policies, namespace);
  const named = policies
    .flatMap((policy) => [...(policy.ingress ?? []), ...(policy.egress ?? [])])
    .flatMap((rule) => rule.ports ?? [])
    .filter((spec) => typeof spec.port === 'number')
    .map((spec) => ({ port: spec.port as number, protocol: spec.protocol ?? 'TCP' }));
  const arrows = new Map<string, Arrow>();
  for (const receiver of endpoints) {
    const candidates: CandidatePort[] = [...receiver.ports, ...named, 'any'];
    for (const sender of endpoints) {
      if (!sender.ours && !receiver.ours) continue;
      for (const port of candidates) {
        if (!directionAllows(policies, 'egress', sender, receiver, port, receiver)) continue;
        if (!directionAllows(policies, 'ingress', receiver, sender, port, receiver)) continue;
        const arrow = { from: sender.name, to: receiver.name, port: portName(port) };
        arrows.set(`${arrow.from} ${arrow.to} ${arrow.port}`, arrow);
      }
    }
  }
  return [...arrows.values()].sort(compareArrows);
}

export function compareArrows(a: Arrow, b: Arrow): number {
  return a.from.localeCompare(b.from) || a.to.localeCompare(b.to) || a.port.localeCompare(b.port);
}

export const formatArrow = (arrow: Arrow) => `${arrow.from} -> ${arrow.to} ${arrow.port}`;

/** The cells of the rows of the first Markdown table after the heading that `heading` matches. */
export function markdownTableAfter(markdown: string, heading: RegExp): string[][] {
  const lines = markdown.split('\n');
  const start = lines.findIndex((line) => line.startsWith('#') && heading.test(line));
  if (start < 0) throw new Error(`no heading ${heading}`);
  const first = lines.findIndex((line, index) => index > start && line.startsWith('|'));
  const rows: string[][] = [];
  for (let index = first + 2; lines[index]?.startsWith('|'); index++) {
    rows.push(lines[index]!.split('|').slice(1, -1).map((cell) => cell.trim()));
  }
  return rows;
}

/**
 * The arrows of the network table of an architecture document: the first Markdown table after the heading that
 * `heading` matches, columns from | to | port | install | why. Cells list names or ports separated by commas;
 * backticks and anything in parentheses are ignored. Returns each arrow with the installs it is in.
 */
export function tableArrows(markdown: string, heading: RegExp): { arrow: Arrow; installs: string[] }[] {
  const list = (cell: string) =>
    cell
      .replace(/\([^)]*\)/g, '')
      .replaceAll('`', '')
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean);
  return markdownTableAfter(markdown, heading).flatMap(([from = '', to = '', port = '', install = '']) => {
    const installs = list(install);
    return list(from).flatMap((sender) =>
      list(to).flatMap((receiver) => list(port).map((p) => ({ arrow: { from: sender, to: receiver, port: p }, installs }))),
    );
  });
}
