/**
 * The forms of the broker and the optional traces, as rendered: NATS as a JetStream cluster of three (the default),
 * a single node (overlays/single-nats), and the tracing overlay (OpenTelemetry Collector and Jaeger) whose
 * addresses, ports and configuration files fit together. Nothing is pulled or run: the checks read the manifests.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { type Json, type K8sObject, named, objectsOf, ofKind, podSpecOf, selects, serviceDeployments, TARGETS } from './kustomize.ts';

const configOf = (objects: K8sObject[]) => named(objects, 'ConfigMap', 'streamshop-config').data as Record<string, string>;
const natsContainer = (objects: K8sObject[]) => podSpecOf(named(objects, 'StatefulSet', 'nats')).containers[0];
const flag = (args: string[], name: string) => args.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);

/** The Service that `host:port` names in our namespace, and the container port it leads to on `workload`. */
function resolve(objects: K8sObject[], host: string, port: number, workload: K8sObject): Json {
  const service = named(objects, 'Service', host);
  const servicePort = service.spec.ports.find((p: Json) => p.port === port);
  assert.ok(servicePort, `Service ${host} has port ${port}`);
  assert.ok(selects(service.spec.selector, workload.spec.template.metadata.labels), `Service ${host} selects ${workload.metadata.name}`);
  const containerPort = podSpecOf(workload)
    .containers.flatMap((c: Json) => c.ports ?? [])
    .find((p: Json) => p.name === servicePort.targetPort || p.containerPort === servicePort.targetPort);
  assert.ok(containerPort, `Service ${host}:${port} leads to a port of ${workload.metadata.name}`);
  return containerPort;
}

const portOf = (endpoint: string) => Number(/:(\d+)$/.exec(endpoint)?.[1]);

for (const target of [TARGETS.full, TARGETS.tracing, TARGETS.hybrid, TARGETS.saga]) {
  describe(`kubectl kustomize ${target}: NATS as a JetStream cluster of three`, () => {
    test('three nodes with stable names, routes to each other, started together', (t) => {
      const objects = objectsOf(t, target);
      if (!objects) return;
      const statefulSet = named(objects, 'StatefulSet', 'nats');
      assert.equal(statefulSet.spec.replicas, 3);
      assert.equal(statefulSet.spec.podManagementPolicy, 'Parallel', 'no node waits for another to be ready');
      const headless = named(objects, 'Service', statefulSet.spec.serviceName);
      assert.equal(headless.spec.clusterIP, 'None');
      assert.equal(headless.spec.publishNotReadyAddresses, true, 'nodes find each other before they are ready');
      const nodes = [0, 1, 2].map((index) => `nats-${index}.${headless.metadata.name}`);

      const container = natsContainer(objects);
      const args: string[] = container.args;
      assert.ok(args.includes('--jetstream'));
      const podName = container.env.find((variable: Json) => variable.name === 'POD_NAME');
      assert.equal(podName?.valueFrom?.fieldRef?.fieldPath, 'metadata.name', 'POD_NAME is the pod name');
      assert.equal(flag(args, 'server_name'), '$(POD_NAME)', 'each node has a stable name of its own');
      assert.ok(flag(args, 'cluster_name'), 'a cluster name');
      const clusterPort = container.ports.find((p: Json) => p.name === 'cluster').containerPort;
      assert.equal(portOf(flag(args, 'cluster') ?? ''), clusterPort, '--cluster listens on the port named cluster');
      assert.deepEqual(
        flag(args, 'routes')?.split(','),
        nodes.map((node) => `nats://${node}:${clusterPort}`),
        'routes to every node',
      );
      assert.ok(headless.spec.ports.some((p: Json) => p.port === clusterPort), 'the headless Service names the cluster port');
    });

    test('the services list the three nodes and declare their streams with three replicas', (t) => {
      const objects = objectsOf(t, target);
      if (!objects) return;
      const statefulSet = named(objects, 'StatefulSet', 'nats');
      const config = configOf(objects);
      assert.equal(Number(config.NATS_STREAM_REPLICAS), statefulSet.spec.replicas);
      const client = natsContainer(objects).ports.find((p: Json) => p.name === 'client').containerPort;
      assert.deepEqual(
        config.NATS_URL!.split(','),
        [0, 1, 2].map((index) => `nats://nats-${index}.${statefulSet.spec.serviceName}:${client}`),
      );
      resolve(objects, 'nats', client, statefulSet); // and the client Service reaches any node
    });
  });
}

describe('kubectl kustomize deploy/k8s/overlays/single-nats', () => {
  test('one NATS node, no routes, streams with one replica, the rest as in the full install', (t) => {
    const objects = objectsOf(t, TARGETS.singleNats);
    const full = objectsOf(t, TARGETS.full);
    if (!objects || !full) return;
    const statefulSet = named(objects, 'StatefulSet', 'nats');
    assert.equal(statefulSet.spec.replicas, 1);
    const args: string[] = natsContainer(objects).args;
    assert.ok(args.includes('--jetstream'));
    for (const name of ['routes', 'cluster', 'cluster_name']) assert.equal(flag(args, name), undefined, `no --${name}`);
    const config = configOf(objects);
    assert.equal(config.NATS_STREAM_REPLICAS, '1');
    const url = new URL(config.NATS_URL!);
    resolve(objects, url.hostname, Number(url.port), statefulSet);
    assert.equal(ofKind(objects, 'NetworkPolicy').find((p) => p.metadata.name === 'nats-cluster-routes'), undefined);
    const deployments = (list: K8sObject[]) => serviceDeployments(list).map((d) => JSON.stringify(d));
    assert.deepEqual(deployments(objects), deployments(full), 'the services are the same');
  });
});

describe('kubectl kustomize deploy/k8s/overlays/tracing', () => {
  test('the services export to the collector, the collector to Jaeger: addresses, ports and configuration agree', (t) => {
    const objects = objectsOf(t, TARGETS.tracing);
    if (!objects) return;
    const collector = named(objects, 'Deployment', 'otel-collector');
    const jaeger = named(objects, 'Deployment', 'jaeger');

    // services -> collector (OTLP/HTTP)
    const endpoint = new URL(configOf(objects).OTEL_EXPORTER_OTLP_ENDPOINT!);
    const receiving = resolve(objects, endpoint.hostname, Number(endpoint.port), collector);
    const collectorConfig = parse(named(objects, 'ConfigMap', 'otel-collector').data['config.yaml']);
    assert.equal(portOf(collectorConfig.receivers.otlp.protocols.http.endpoint), receiving.containerPort, 'the collector receives OTLP/HTTP there');

    // collector -> Jaeger (OTLP/gRPC)
    const exporter = collectorConfig.exporters.otlp_grpc.endpoint as string;
    const [host = '', port = ''] = exporter.split(':');
    const jaegerPort = resolve(objects, host, Number(port), jaeger);
    const jaegerConfig = parse(named(objects, 'ConfigMap', 'jaeger').data['config.yaml']);
    assert.equal(portOf(jaegerConfig.receivers.otlp.protocols.grpc.endpoint), jaegerPort.containerPort, 'Jaeger receives OTLP/gRPC there');

    // Each configuration uses only components it defines, and the probes ask its health endpoint.
    for (const [name, config, health] of [
      ['otel-collector', collectorConfig, collectorConfig.extensions.health_check.endpoint],
      ['jaeger', jaegerConfig, jaegerConfig.extensions.healthcheckv2.http.endpoint],
    ] as const) {
      for (const extension of config.service.extensions) assert.ok(extension in config.extensions, `${name}: extension ${extension}`);
      for (const pipeline of Object.values<Json>(config.service.pipelines)) {
        for (const kind of ['receivers', 'processors', 'exporters']) {
          for (const component of pipeline[kind] ?? []) assert.ok(component in config[kind], `${name}: ${kind} ${component}`);
        }
      }
      const container: Json = podSpecOf(named(objects, 'Deployment', name)).containers[0];
      const healthPort: number | undefined = container.ports.find((p: Json) => p.name === container.readinessProbe.httpGet.port)?.containerPort;
      assert.equal(healthPort, portOf(health), `${name}: the probes ask the health endpoint`);
      const mounted = container.volumeMounts.find((m: Json) => container.args[0] === `--config=${m.mountPath}/config.yaml`);
      assert.ok(mounted, `${name}: runs the configuration it mounts`);
    }
  });

  test('the Deployments of the services differ from the full install only by OTEL_EXPORTER_OTLP_ENDPOINT', (t) => {
    const objects = objectsOf(t, TARGETS.tracing);
    const full = objectsOf(t, TARGETS.full);
    if (!objects || !full) return;
    const withoutTracing = serviceDeployments(objects).map((deployment) => {
      const copy = structuredClone(deployment);
      const [container] = copy.spec.template.spec.containers;
      container.env = container.env.filter((variable: Json) => variable.name !== 'OTEL_EXPORTER_OTLP_ENDPOINT');
      return JSON.stringify(copy);
    });
    assert.deepEqual(withoutTracing, serviceDeployments(full).map((d) => JSON.stringify(d)));
  });
});
