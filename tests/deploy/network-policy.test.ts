/**
 * The NetworkPolicies of each install allow exactly the arrows of the network table in docs/architecture.md (and
 * its Russian twin): who may open a connection to whom, on which port. An arrow in the policies that the table
 * lacks, or in the table that the policies do not allow, fails. The graph is computed by network-graph.ts and
 * printed (as test diagnostics) for each install.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { NAMESPACE, objectsOf, root, TARGETS, type K8sObject } from './kustomize.ts';
import { allowedArrows, type Arrow, compareArrows, formatArrow, matches, OTHER_NAMESPACE, OTHER_POD, tableArrows } from './network-graph.ts';

/** The values of the table's "install" column that each install includes. */
const INSTALLS: Record<string, string[]> = {
  [TARGETS.full]: ['every', 'bundled', 'nats-cluster'],
  [TARGETS.singleNats]: ['every', 'bundled'],
  [TARGETS.tracing]: ['every', 'bundled', 'nats-cluster', 'tracing'],
  [TARGETS.externalInfra]: ['every', 'external-infra'],
  // The styles (INTERACTION_STYLE): http has PostgreSQL and no NATS; hybrid and saga the full install's both.
  [TARGETS.http]: ['every', 'http'],
  [TARGETS.hybrid]: ['every', 'bundled', 'nats-cluster', 'hybrid'],
  [TARGETS.saga]: ['every', 'bundled', 'nats-cluster'],
};
const DOCUMENTS = [
  { file: 'docs/architecture.md', heading: /^## Network/ },
  { file: 'docs/architecture.ru.md', heading: /^## Сеть/ },
];

const tables = DOCUMENTS.map(({ file, heading }) => ({ file, rows: tableArrows(readFileSync(join(root, file), 'utf8'), heading) }));

function documentedFor(rows: ReturnType<typeof tableArrows>, target: string): Arrow[] {
  const installs = INSTALLS[target]!;
  const arrows = rows.filter((row) => row.installs.some((install) => installs.includes(install))).map((row) => row.arrow);
  return [...new Map(arrows.map((arrow) => [formatArrow(arrow), arrow])).values()].sort(compareArrows);
}

/** The arrows in one list and not the other, as lines a reader can act on. */
function differences(allowed: Arrow[], documented: Arrow[], file: string): string[] {
  const have = new Set(allowed.map(formatArrow));
  const said = new Set(documented.map(formatArrow));
  return [
    ...[...have].filter((arrow) => !said.has(arrow)).map((arrow) => `allowed, not in ${file}: ${arrow}`),
    ...[...said].filter((arrow) => !have.has(arrow)).map((arrow) => `in ${file}, not allowed: ${arrow}`),
  ];
}

describe('NetworkPolicies: the allowed graph is the network table of the architecture documents', () => {
  for (const target of Object.values(TARGETS)) {
    test(`kubectl kustomize ${target}`, (t) => {
      const objects = objectsOf(t, target);
      if (!objects) return;
      const allowed = allowedArrows(objects, NAMESPACE);
      t.diagnostic(`${target}: ${allowed.length} arrows\n${allowed.map(formatArrow).join('\n')}`);
      for (const { file, rows } of tables) {
        const problems = differences(allowed, documentedFor(rows, target), file);
        assert.deepEqual(problems, [], problems.join('\n'));
      }
      // Spelled out, although the table says it too: what the policies exist for.
      for (const arrow of allowed) {
        assert.ok(![arrow.from, arrow.to].includes(OTHER_POD), `a pod started by hand reaches or is reached: ${formatArrow(arrow)}`);
        assert.ok(![arrow.from, arrow.to].includes(OTHER_NAMESPACE), `an unnamed namespace: ${formatArrow(arrow)}`);
        assert.notEqual(arrow.port, 'any', `every arrow names its port: ${formatArrow(arrow)}`);
        if (arrow.to === 'postgres') assert.equal(arrow.port, '5432/TCP');
        if (arrow.to === 'postgres') assert.match(arrow.from, /^(users|billing|orders|notifications)$/, 'only the services reach postgres');
        if (arrow.to === 'nats' && arrow.from !== 'nats') {
          assert.match(arrow.from, /^(users|billing|orders|notifications|console)$/, 'only the services, and the console watching, reach nats');
        }
      }
    });
  }

  test('the English and the Russian tables have the same arrows in the same installs', () => {
    const [english, russian] = tables.map(({ rows }) =>
      rows.map((row) => `${formatArrow(row.arrow)} [${row.installs.join(', ')}]`).sort(),
    );
    assert.ok(english!.length > 0, 'the English table has rows');
    assert.deepEqual(russian, english);
    const known = new Set(Object.values(INSTALLS).flat());
    for (const { file, rows } of tables) {
      for (const row of rows) {
        assert.ok(row.installs.length > 0 && row.installs.every((install) => known.has(install)), `${file}: ${formatArrow(row.arrow)}: install ${row.installs}`);
      }
    }
  });

  test('a policy that opens one more arrow makes the comparison fail', (t) => {
    const objects = objectsOf(t, TARGETS.full);
    if (!objects) return;
    const leak: K8sObject = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'debug', namespace: NAMESPACE },
      spec: { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'postgres' } }, policyTypes: ['Ingress'], ingress: [{}] },
    };
    const allowed = allowedArrows([...objects, leak], NAMESPACE);
    const problems = differences(allowed, documentedFor(tables[0]!.rows, TARGETS.full), 'the table');
    // Any other namespace now reaches PostgreSQL (a pod of ours started by hand still cannot: it may not send).
    assert.ok(problems.includes(`allowed, not in the table: ${OTHER_NAMESPACE} -> postgres 5432/TCP`), problems.join('\n'));
    assert.ok(problems.includes(`allowed, not in the table: ${OTHER_NAMESPACE} -> postgres any`), problems.join('\n'));
    assert.ok(!problems.some((problem) => problem.includes(`${OTHER_POD} ->`)), problems.join('\n'));
  });
});

describe('network-graph: NetworkPolicy semantics', () => {
  const workload = (name: string, labels: Record<string, string>, port: number): K8sObject => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'ns' },
    spec: { template: { metadata: { labels }, spec: { containers: [{ name, ports: [{ name: 'main', containerPort: port }] }] } } },
  });
  const policy = (name: string, spec: object): K8sObject => ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name, namespace: 'ns' },
    spec,
  });
  const app = workload('app', { role: 'app' }, 8080);
  const db = workload('db', { role: 'db' }, 5432);
  const dbFromApp = policy('db', {
    podSelector: { matchLabels: { role: 'db' } },
    policyTypes: ['Ingress'],
    ingress: [{ from: [{ podSelector: { matchLabels: { role: 'app' } } }], ports: [{ port: 'main' }] }],
  });
  const lines = (objects: K8sObject[]) => allowedArrows(objects, 'ns').map(formatArrow);

  test('without policies every pod reaches every port', () => {
    assert.ok(lines([app, db]).includes(`${OTHER_POD} -> db any`));
    assert.ok(lines([app, db]).includes(`${OTHER_NAMESPACE} -> app 8080/TCP`));
  });

  test('an ingress policy isolates its pods: only its peers, only its ports (a named port is the receiver’s)', () => {
    const arrows = lines([app, db, dbFromApp]).filter((line) => line.includes('-> db'));
    assert.deepEqual(arrows, ['app -> db 5432/TCP']);
  });

  test('a connection needs the sender’s egress too', () => {
    const deny = policy('deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    assert.deepEqual(lines([app, db, dbFromApp, deny]), []);
    const appOut = policy('app-out', {
      podSelector: { matchLabels: { role: 'app' } },
      policyTypes: ['Egress'],
      egress: [{ to: [{ podSelector: { matchLabels: { role: 'db' } } }], ports: [{ protocol: 'TCP', port: 5432 }] }],
    });
    assert.deepEqual(lines([app, db, dbFromApp, deny, appOut]), ['app -> db 5432/TCP']);
  });

  test('label selectors: matchLabels and matchExpressions', () => {
    const labels = { 'app.kubernetes.io/name': 'orders', tier: 'web' };
    assert.ok(matches({ matchExpressions: [{ key: 'app.kubernetes.io/name', operator: 'In', values: ['billing', 'orders'] }] }, labels));
    assert.ok(!matches({ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['web'] }] }, labels));
    assert.ok(matches({ matchLabels: { tier: 'web' }, matchExpressions: [{ key: 'zone', operator: 'DoesNotExist' }] }, labels));
    assert.ok(!matches({ matchLabels: { tier: 'db' } }, labels));
  });

  test('the table: lists, backticks and remarks in parentheses', () => {
    const markdown = [
      '## Network',
      '',
      '| from | to | port | install | why |',
      '| --- | --- | --- | --- | --- |',
      '| `ingress-nginx/*` (the controller) | users, billing | 8080/TCP | `every` | the API |',
      '| billing | `kube-system/k8s-app=kube-dns` | 53/UDP, 53/TCP | `every`, `tracing` | names |',
      '',
      '| not | this | table |',
    ].join('\n');
    assert.deepEqual(
      tableArrows(markdown, /^## Network/).map((row) => `${formatArrow(row.arrow)} [${row.installs}]`),
      [
        'ingress-nginx/* -> users 8080/TCP [every]',
        'ingress-nginx/* -> billing 8080/TCP [every]',
        'billing -> kube-system/k8s-app=kube-dns 53/UDP [every,tracing]',
        'billing -> kube-system/k8s-app=kube-dns 53/TCP [every,tracing]',
      ],
    );
  });
});
