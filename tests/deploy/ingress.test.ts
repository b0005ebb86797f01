/**
 * The Ingress of every install, as rendered: it answers for arch.homework, passes each service's API, health and
 * OpenAPI document (every path of docs/openapi/<service>.json) and the console to their own Service, /docs (the
 * Swagger UI, which the console process serves) to the console's, and passes no
 * /<service>/metrics (nor /console/metrics) to anything that has pods, and nothing to an internal listener (the
 * http and hybrid styles' INTERNAL_PORT). Which rule takes a request is decided as the
 * Ingress API specifies it (routeOf below), not by reading the rules' order.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { serviceNames } from '../../src/platform/runtime/index.ts';
import { type Json, type K8sObject, named, objectsOf, ofKind, podLabelsOf, podSpecOf, root, selects, TARGETS, workloadsOf } from './kustomize.ts';

const HOST = 'arch.homework';
const PREFIXES = [...serviceNames, 'console'];

interface Rule {
  path: string;
  pathType: 'Exact' | 'Prefix';
  service: string;
}

function rulesOf(ingress: K8sObject): Rule[] {
  return ingress.spec.rules
    .filter((rule: Json) => rule.host === HOST)
    .flatMap((rule: Json) => rule.http.paths)
    .map((path: Json) => ({ path: path.path, pathType: path.pathType, service: path.backend.service.name }));
}

/**
 * The Service a request path reaches, by the Ingress API's rules: Exact matches the whole path; Prefix matches
 * whole path elements (/a/b matches /a/b, /a/b/ and /a/b/c, not /a/bc); the longest matching path wins, and of
 * two equally long, the Exact one.
 */
function routeOf(rules: Rule[], requestPath: string): string | undefined {
  const elements = (path: string) => path.split('/').filter(Boolean);
  const matches = (rule: Rule) => {
    if (rule.pathType === 'Exact') return rule.path === requestPath;
    const prefix = elements(rule.path);
    const request = elements(requestPath);
    return prefix.every((element, i) => request[i] === element);
  };
  const [best] = rules
    .filter(matches)
    .sort((a, b) => b.path.length - a.path.length || Number(b.pathType === 'Exact') - Number(a.pathType === 'Exact'));
  return best?.service;
}

/** A Service is a way in only if it selects pods of a workload of the install. */
function hasPods(objects: K8sObject[], serviceName: string): boolean {
  const service = named(objects, 'Service', serviceName);
  const selector = service.spec.selector;
  if (!selector || Object.keys(selector).length === 0) {
    // Without a selector, Endpoints or EndpointSlices written by hand would be its pods.
    return objects.some(
      (object) =>
        (object.kind === 'Endpoints' && object.metadata.name === serviceName) ||
        (object.kind === 'EndpointSlice' && object.metadata.labels?.['kubernetes.io/service-name'] === serviceName),
    );
  }
  return workloadsOf(objects).some((workload) => selects(selector, podLabelsOf(workload)));
}

/** The Swagger UI, which in Kubernetes the console process serves (locally, the gateway): its page and static files. */
const DOCS_PATHS = ['/docs', '/docs/', '/docs/static/swagger-initializer.js', '/docs/static/swagger-ui.css'];

/** Every path a service documents, its parameters filled in, plus what every service process serves besides. */
function pathsServedBy(prefix: string): string[] {
  const operational = ['/health/live', '/health/ready', '/health/ready/', '/openapi.json'].map((path) => `/${prefix}${path}`);
  if (prefix === 'console') return [...operational, '/console', '/console/', '/console/live', '/console/assets/1/app.js', ...DOCS_PATHS];
  const document = JSON.parse(readFileSync(join(root, 'docs/openapi', `${prefix}.json`), 'utf8')) as { paths: Record<string, unknown> };
  const documented = Object.keys(document.paths).map((path) => path.replaceAll(/\{[^}]+\}/g, '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b'));
  assert.ok(documented.length > 3, `docs/openapi/${prefix}.json lists its paths`);
  return [...new Set([...operational, ...documented])];
}

/** A process serves its metrics with or without a trailing slash (ignoreTrailingSlash). */
const metricsPaths = (prefix: string) => [`/${prefix}/metrics`, `/${prefix}/metrics/`];

/** The problems of an Ingress: metrics reachable, or a served path not reaching its own Service. */
function ingressProblems(objects: K8sObject[], rules: Rule[]): string[] {
  const problems: string[] = [];
  for (const prefix of PREFIXES) {
    for (const path of metricsPaths(prefix)) {
      const service = routeOf(rules, path);
      if (service && hasPods(objects, service)) problems.push(`${path} reaches Service ${service}, which has pods`);
    }
    for (const path of pathsServedBy(prefix)) {
      const service = routeOf(rules, path);
      if (service !== prefix) problems.push(`${path} reaches ${service ? `Service ${service}` : 'nothing'}, not Service ${prefix}`);
    }
  }
  return problems;
}

/**
 * The backends of an Ingress that reach an internal listener (the http and hybrid styles' INTERNAL_PORT, the
 * containers' port named internal): by the Service port's name or number, or by the container port it leads to.
 * Those endpoints trust a service credential and are for the calling services only.
 */
function internalBackends(objects: K8sObject[], ingress: K8sObject): string[] {
  const internalPort = Number(named(objects, 'ConfigMap', 'streamshop-config').data.INTERNAL_PORT);
  assert.ok(internalPort > 0, 'INTERNAL_PORT in the ConfigMap');
  const isInternal = (port: Json) => port.name === 'internal' || port.port === internalPort || port.containerPort === internalPort;
  return ingress.spec.rules.flatMap((rule: Json) => rule.http.paths).flatMap((path: Json) => {
    const { name, port } = path.backend.service;
    const service = named(objects, 'Service', name);
    const servicePort = service.spec.ports.find((p: Json) => p.name === port.name || p.port === port.number);
    const pods = workloadsOf(objects).filter((workload) => service.spec.selector && selects(service.spec.selector, podLabelsOf(workload)));
    const containerPorts = pods
      .flatMap((workload) => podSpecOf(workload).containers.flatMap((c: Json) => c.ports ?? []))
      .filter((p: Json) => p.name === servicePort?.targetPort || p.containerPort === servicePort?.targetPort);
    return (servicePort && isInternal(servicePort)) || containerPorts.some(isInternal) ? [`${path.path} -> Service ${name} port ${port.name ?? port.number}`] : [];
  });
}

for (const target of Object.values(TARGETS)) {
  describe(`kubectl kustomize ${target}: the Ingress`, () => {
    test(`one Ingress, class nginx, for ${HOST} only, no rewrite, every backend a rendered Service and port`, (t) => {
      const objects = objectsOf(t, target);
      if (!objects) return;
      const ingresses = ofKind(objects, 'Ingress');
      assert.equal(ingresses.length, 1, 'one Ingress');
      const [ingress] = ingresses as [K8sObject];
      assert.equal(ingress.spec.ingressClassName, 'nginx');
      assert.deepEqual(Object.keys(ingress.metadata.annotations ?? {}), [], 'plain rules: no controller annotation (rewrite, snippet)');
      assert.deepEqual(ingress.spec.rules.map((rule: Json) => rule.host), [HOST]);
      assert.equal(ingress.spec.defaultBackend, undefined, 'another host or path reaches nothing');
      for (const path of ingress.spec.rules[0].http.paths) {
        const backend = path.backend.service;
        const ports = named(objects, 'Service', backend.name).spec.ports;
        assert.ok(
          ports.some((port: Json) => port.name === backend.port.name || port.port === backend.port.number),
          `Ingress ${path.path}: Service ${backend.name} has port ${JSON.stringify(backend.port)}`,
        );
      }
    });

    test('every service’s API, health and /<service>/openapi.json reach it, /docs the console; no /<service>/metrics reaches a pod', (t) => {
      const objects = objectsOf(t, target);
      if (!objects) return;
      const rules = rulesOf(named(objects, 'Ingress', 'streamshop'));
      const problems = ingressProblems(objects, rules);
      assert.deepEqual(problems, [], problems.join('\n'));
    });

    test('no path reaches an internal listener (a Service port named internal, INTERNAL_PORT)', (t) => {
      const objects = objectsOf(t, target);
      if (!objects) return;
      assert.deepEqual(internalBackends(objects, named(objects, 'Ingress', 'streamshop')), []);
    });

    test('without its metrics rules, the same Ingress would expose every /<service>/metrics', (t) => {
      const objects = objectsOf(t, target);
      if (!objects) return;
      const rules = rulesOf(named(objects, 'Ingress', 'streamshop')).filter((rule) => !rule.path.endsWith('/metrics'));
      const problems = ingressProblems(objects, rules);
      for (const prefix of PREFIXES) {
        assert.ok(problems.includes(`/${prefix}/metrics reaches Service ${prefix}, which has pods`), problems.join('\n'));
      }
    });
  });
}

test('a path to billing’s internal port, by name or by number, is found', (t) => {
  const objects = objectsOf(t, TARGETS.hybrid);
  if (!objects) return;
  const ingress = structuredClone(named(objects, 'Ingress', 'streamshop'));
  const paths = ingress.spec.rules[0].http.paths;
  paths.push({ path: '/billing/internal', pathType: 'Prefix', backend: { service: { name: 'billing', port: { name: 'internal' } } } });
  paths.push({ path: '/billing/accounts', pathType: 'Prefix', backend: { service: { name: 'billing', port: { number: 8081 } } } });
  assert.deepEqual(internalBackends(objects, ingress), ['/billing/internal -> Service billing port internal', '/billing/accounts -> Service billing port 8081']);
});

describe('routeOf: the Ingress API’s path matching', () => {
  const rules: Rule[] = [
    { path: '/a', pathType: 'Prefix', service: 'a' },
    { path: '/a/b', pathType: 'Prefix', service: 'b' },
    { path: '/a/c', pathType: 'Exact', service: 'c' },
    { path: '/a/c', pathType: 'Prefix', service: 'c-prefix' },
  ];
  test('a Prefix matches whole path elements, with or without a trailing slash', () => {
    assert.equal(routeOf(rules, '/a'), 'a');
    assert.equal(routeOf(rules, '/a/'), 'a');
    assert.equal(routeOf(rules, '/ab'), undefined);
    assert.equal(routeOf(rules, '/a/b'), 'b');
    assert.equal(routeOf(rules, '/a/b/'), 'b');
    assert.equal(routeOf(rules, '/a/b/x'), 'b');
    assert.equal(routeOf(rules, '/a/bc'), 'a');
  });
  test('the longest path wins, and of two as long, the Exact one', () => {
    assert.equal(routeOf(rules, '/a/c'), 'c');
    assert.equal(routeOf(rules, '/a/c/'), 'c-prefix');
    assert.equal(routeOf(rules, '/x'), undefined);
  });
});
