/**
 * docs/install-kubernetes.md, checked without a cluster: the kind cluster file it uses parses and maps the
 * ingress ports with the node label; its kind, minikube and docker commands use that file, that cluster's name
 * and the image the manifests run; every install is applied by one of its commands, and every kubectl command names
 * what the rendered installs have (guide-check.ts);
 * and its links lead to files of the repository and to headings that exist.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { guideProblems } from './guide-check.ts';
import { type Command, guideCommands, parseKubectl, tokens } from './guide-commands.ts';
import { kubectl, objectsOf, render, root, TARGETS } from './kustomize.ts';

const GUIDE = 'docs/install-kubernetes.md';
const KIND_CONFIG = 'deploy/kind/cluster.yaml';
const IMAGE = 'streamshop:latest';
const guide = readFileSync(join(root, GUIDE), 'utf8');
const commands = guideCommands(guide);
const named = (program: string, ...verbs: string[]) =>
  commands.filter(({ words }) => words[0] === program && verbs.every((verb, i) => words[i + 1] === verb));
const flag = (command: Command, name: string) => command.words[command.words.indexOf(name) + 1];

describe(`${GUIDE}: kind`, () => {
  const config = parse(readFileSync(join(root, KIND_CONFIG), 'utf8'));

  test(`${KIND_CONFIG} is a kind cluster whose node has the ingress ports on the host and the label ingress-ready=true`, () => {
    assert.equal(config.kind, 'Cluster');
    assert.equal(config.apiVersion, 'kind.x-k8s.io/v1alpha4');
    const [node, ...others] = config.nodes;
    assert.deepEqual(others, [], 'one node: the ports are mapped on it, where the controller runs');
    assert.equal(node.role, 'control-plane');
    assert.equal(node.labels?.['ingress-ready'], 'true', 'labels.ingress-ready is the string "true"');
    for (const port of [80, 443]) {
      assert.ok(
        node.extraPortMappings?.some((m: { containerPort: number; hostPort: number; protocol?: string }) => m.containerPort === port && m.hostPort === port && (m.protocol ?? 'TCP') === 'TCP'),
        `port ${port} of the host is port ${port} of the node`,
      );
    }
  });

  test('the guide creates the cluster from that file, and loads the image the manifests run into that cluster', () => {
    const [create] = named('kind', 'create', 'cluster');
    assert.ok(create, 'kind create cluster');
    assert.equal(flag(create, '--config'), KIND_CONFIG);
    // In shell blocks: the prose names the command without its options.
    const loads = commands.filter(({ words, block }) => words[0] === 'kind' && words[1] === 'load' && block >= 0);
    assert.ok(loads.length > 0, 'kind load');
    for (const load of [...loads, ...named('kind', 'delete', 'cluster')]) {
      assert.equal(flag(load, '--name'), config.name, `${load.text}: the cluster of ${KIND_CONFIG}`);
    }
    assert.ok(loads.some(({ words }) => words.includes(IMAGE)), `kind load docker-image ${IMAGE}`);
  });
});

describe(`${GUIDE}: the image`, () => {
  test(`docker build and minikube image load name ${IMAGE}, the image of the manifests`, (t) => {
    const objects = objectsOf(t, TARGETS.full);
    if (!objects) return;
    const images = JSON.stringify(objects).match(/"image":"streamshop[^"]*"/g) ?? [];
    assert.deepEqual([...new Set(images)], [`"image":"${IMAGE}"`]);
    const builds = named('docker', 'build');
    assert.ok(builds.length > 0 && builds.every((build) => flag(build, '-t') === IMAGE), 'docker build -t');
    const [load] = named('minikube', 'image', 'load');
    assert.equal(load?.words[3], IMAGE, 'minikube image load');
    assert.ok(named('minikube', 'addons', 'enable').some(({ words }) => words[3] === 'ingress'), 'minikube addons enable ingress');
  });
});

describe(`${GUIDE}: kubectl commands`, () => {
  test('every kubectl command names a namespace, object, label and install the rendered manifests have', (t) => {
    if (!kubectl) return t.skip('kubectl not installed');
    const kubectls = commands.filter(({ words }) => words[0] === 'kubectl');
    t.diagnostic(`${kubectls.length} kubectl commands, e.g. ${kubectls.slice(0, 3).map((c) => c.words.join(' ')).join(' | ')}`);
    assert.ok(kubectls.length > 30, 'the commands were found');
    const problems = guideProblems(commands, render);
    assert.deepEqual(problems, [], problems.join('\n'));
  });

  test('every install is applied by a command of the guide (and so checked by the test above)', () => {
    const applied = new Set(named('kubectl', 'apply').map((command) => parseKubectl(command.words)?.flags.get('--kustomize')?.at(-1)?.replace(/\/$/, '')));
    assert.deepEqual(Object.values(TARGETS).filter((target) => !applied.has(target)), [], 'installs the guide never applies');
  });

  test('a command that names what the install does not have is a problem', (t) => {
    if (!kubectl) return t.skip('kubectl not installed');
    const wrong = [
      '```sh',
      'kubectl -n streamshop rollout status deploy/order',
      'kubectl get deploy users',
      'kubectl -n streamsop get pods',
      'kubectl -n streamshop describe pod -l app.kubernetes.io/name=user',
      'kubectl -n streamshop create secret generic streamshop-admin --from-literal=user=ops --from-literal=password=x',
      'kubectl -n streamshop port-forward svc/jaeger 16686',
      'kubectl apply -k deploy/k8s/overlay/tracing',
      '```',
    ].join('\n');
    const problems = guideProblems(guideCommands(wrong), render).join('\n');
    for (const expected of [
      /deploy\/order`: no Deployment order/,
      /names deploy\/users without -n streamshop/,
      /namespace streamsop is not one/,
      /-l app.kubernetes.io\/name=user selects no pod/,
      /creates Secret streamshop-admin with keys password, user; the manifests read email, password/,
      /svc\/jaeger 16686`: no Service jaeger/,
      /overlay\/tracing is not one of the installs/,
    ]) {
      assert.match(problems, expected);
    }
  });

  test('shell lines: quotes, comments, lists and for loops', () => {
    assert.deepEqual(tokens(`echo "$(minikube ip) arch.homework" | sudo tee -a /etc/hosts # note`), ['echo', '$(minikube ip) arch.homework', '|', 'sudo', 'tee', '-a', '/etc/hosts']);
    // "$" + "{s}": the shell's braces, which the linter would take for a template string's.
    const loop = '```sh\nfor s in a b; do kubectl rollout status sts/$s && echo $' + '{s}; done\n```';
    const unrolled = guideCommands(loop).map((c) => c.words.join(' '));
    assert.deepEqual(unrolled, ['kubectl rollout status sts/a', 'echo a', 'kubectl rollout status sts/b', 'echo b']);
    const continued = guideCommands('  ```sh\n  kubectl wait --namespace x \\\n    pod\n  ```\nand `kubectl get pods` in prose').map((c) => c.words.join(' '));
    assert.deepEqual(continued, ['kubectl wait --namespace x pod', 'kubectl get pods']);
  });
});

/** GitHub's anchor of a heading. */
const slug = (heading: string) =>
  heading
    .toLowerCase()
    .replaceAll(/[^\p{L}\p{N} _-]/gu, '')
    .replaceAll(' ', '-');
const anchorsOf = (markdown: string) =>
  new Set(markdown.replaceAll(/^\s*```[\s\S]*?^\s*```/gm, '').match(/^#+ .+$/gm)?.map((line) => slug(line.replace(/^#+ /, ''))) ?? []);
/** Relative link targets of a Markdown file (not the ones in code). */
const linksOf = (markdown: string) =>
  [...markdown.replaceAll(/^\s*```[\s\S]*?^\s*```/gm, '').replaceAll(/`[^`]*`/g, '').matchAll(/\]\(([^)\s]+)\)/g)]
    .map((match) => match[1] as string)
    .filter((target) => !/^[a-z]+:/i.test(target));

describe('links', () => {
  test(`${GUIDE}: every link leads to a file of the repository and to a heading it has`, () => {
    const links = linksOf(guide);
    assert.ok(links.length > 5, 'the links were found');
    for (const link of links) {
      const [path = '', anchor] = link.split('#');
      const file = path ? join(root, dirname(GUIDE), path) : join(root, GUIDE);
      assert.ok(!relative(root, file).startsWith('..'), `${link} leads outside the repository`);
      assert.ok(existsSync(file), `${link}: no file ${relative(root, file)}`);
      if (anchor) assert.ok(anchorsOf(readFileSync(file, 'utf8')).has(anchor), `${link}: no heading #${anchor} in ${relative(root, file)}`);
    }
  });

  test('no Markdown file of docs/ or the README links to a relative path outside the repository', () => {
    const files = ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
    for (const file of files) {
      for (const link of linksOf(readFileSync(join(root, file), 'utf8'))) {
        const target = relative(root, join(root, dirname(file), link.split('#')[0] ?? ''));
        assert.ok(!target.startsWith('..'), `${file}: ${link} leads outside the repository`);
      }
    }
  });
});
