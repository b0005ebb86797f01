/**
 * Lints the Dockerfile and .dockerignore against the rules the image must keep (no Docker engine needed):
 * Node 24 slim base, `npm ci` of production dependencies only, patched as on a workstation, only what the runtime needs copied in,
 * a build stage compiling src/ to dist/, HOST=0.0.0.0, a non-root USER, no HEALTHCHECK (the orchestrator probes), ENTRYPOINT node dist/main.js.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { SERVICE_NODE_FLAGS } from '../../scripts/stack.ts';

const root = join(import.meta.dirname, '..', '..');

interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

/** Instructions of a Dockerfile: comments dropped, backslash continuations joined. */
function parseDockerfile(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  let pending: Instruction | undefined;
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (!pending && (line === '' || line.startsWith('#'))) return;
    if (pending && line.startsWith('#')) return; // comment lines inside a continuation are skipped
    const continued = line.endsWith('\\');
    const body = continued ? line.slice(0, -1).trim() : line;
    if (pending) {
      pending.args = `${pending.args} ${body}`.trim();
    } else {
      const [keyword = '', ...rest] = body.split(/\s+/);
      pending = { keyword: keyword.toUpperCase(), args: rest.join(' '), line: index + 1 };
    }
    if (!continued) {
      instructions.push(pending);
      pending = undefined;
    }
  });
  if (pending) instructions.push(pending);
  return instructions;
}

const dockerfile = parseDockerfile(readFileSync(join(root, 'Dockerfile'), 'utf8'));
const stages = dockerfile.reduce<Instruction[][]>((all, instruction) => {
  if (instruction.keyword === 'FROM') all.push([]);
  all.at(-1)?.push(instruction);
  return all;
}, []);
const final = stages.at(-1) ?? [];
const all = (keyword: string, instructions = dockerfile) => instructions.filter((i) => i.keyword === keyword);

test('Dockerfile: every stage is based on node:24-slim', () => {
  assert.ok(stages.length >= 2, 'multi-stage: dependencies are installed in a stage of their own');
  for (const from of all('FROM')) {
    const image = from.args.replace(/^--platform=\S+\s+/, '').split(/\s+/)[0];
    assert.match(image ?? '', /^node:24(\.\d+)*-slim(@sha256:[0-9a-f]{64})?$/, `line ${from.line}: FROM ${from.args}`);
  }
});

/** The stage whose /app/node_modules the runtime copies. */
function dependencyStage(): Instruction[] {
  const copy = all('COPY', final).find((c) => /--from=\S+/.test(c.args) && /\/app\/node_modules\/?\s/.test(c.args));
  const name = /--from=(\S+)/.exec(copy?.args ?? '')?.[1];
  const stage = stages.find((s) => new RegExp(`\\bAS\\s+${name}$`, 'i').test(s[0]?.args ?? ''));
  assert.ok(stage, 'the runtime copies node_modules from a stage of this Dockerfile');
  return stage;
}

test('Dockerfile: installs production dependencies with npm ci, as locked', () => {
  const runs = all('RUN', dependencyStage()).map((run) => run.args);
  const productionOnly = (run: string) =>
    (/\bnpm ci\b/.test(run) && /--omit=dev\b/.test(run)) || (/\bnpm ci\b/.test(run) && /\bnpm prune\b[^&]*--omit=dev\b/.test(run));
  assert.ok(runs.some(productionOnly), 'RUN npm ci --omit=dev, or npm ci then npm prune --omit=dev');
  assert.ok(!all('RUN').some((run) => /\bnpm (install|i)\b/.test(run.args)), 'npm ci, never npm install');
  const copies = all('COPY').map((copy) => copy.args);
  assert.ok(copies.some((copy) => copy.includes('package-lock.json')), 'the lockfile is copied in for npm ci');
});

test('Dockerfile: the dependencies the runtime gets keep the optional ones, the native Argon2 binary among them', () => {
  const runs = all('RUN', dependencyStage()).map((run) => run.args);
  for (const run of runs) assert.doesNotMatch(run, /--omit=optional\b/, 'the Argon2 binary is an optional dependency of @node-rs/argon2');
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { optional?: boolean }> };
  assert.ok(lock.packages['node_modules/@node-rs/argon2-linux-x64-gnu']?.optional, 'the lockfile has the glibc binary of node:24-slim, as optional');
});

test('Dockerfile: the dependencies the runtime gets are patched as npm ci patches them (patches/, patch-package)', () => {
  const stage = dependencyStage();
  const at = (pattern: RegExp) => stage.findIndex((i) => pattern.test(i.args));
  const copied = stage.findIndex((i) => i.keyword === 'COPY' && /^patches\/?\s/.test(i.args));
  const installed = at(/\bnpm ci\b/);
  assert.ok(copied >= 0, 'COPY patches into the dependency stage');
  assert.ok(installed > copied, 'patches/ is there before npm ci');
  const run = stage[installed]!.args;
  const postinstall = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.postinstall ?? '';
  assert.match(postinstall, /^patch-package\b.*--error-on-fail\b/, 'package.json: postinstall applies the patches and fails if one does not apply');
  // --ignore-scripts skips the project's own postinstall too: the image then has to run it by name.
  if (/--ignore-scripts\b/.test(run)) assert.match(run, /\bnpm run postinstall\b|\bpatch-package\b.*--error-on-fail\b/, 'runs patch-package after npm ci');
  const patching = run.search(/\bnpm run postinstall\b|\bpatch-package\b/);
  const pruning = run.search(/\bnpm prune\b/);
  if (pruning >= 0) assert.ok(patching >= 0 && patching < pruning, 'patches before the dev dependencies (patch-package among them) are pruned');
  const ignored = readFileSync(join(root, '.dockerignore'), 'utf8');
  assert.doesNotMatch(ignored, /^(patches\/?|\*\.patch)$/m, '.dockerignore lets patches/ in');
});

test('Dockerfile: the runtime stage copies only what the service needs', () => {
  const sources = all('COPY', final).flatMap((copy) => {
    const parts = copy.args.split(/\s+/).filter((part) => !part.startsWith('--'));
    const from = /--from=(\S+)/.exec(copy.args)?.[1];
    return parts.slice(0, -1).map((source) => (from ? `${from}:${source}` : source));
  });
  for (const source of sources) {
    assert.ok(
      /^(package(-lock)?\.json|[\w-]+:\/app\/(node_modules|dist)\/?)$/.test(source),
      `unexpected COPY source ${source}`,
    );
  }
  assert.ok(sources.some((source) => /:\/app\/dist\/?$/.test(source)), 'copies the build (dist/), not the sources');
  assert.ok(sources.some((source) => source.endsWith('node_modules') || source.endsWith('node_modules/')), 'copies node_modules from the deps stage');
  assert.equal(all('ADD').length, 0, 'COPY, not ADD');
});

test('Dockerfile: runs as a non-root user', () => {
  const users = all('USER', final);
  assert.ok(users.length > 0, 'the runtime stage sets USER');
  const user = users.at(-1)!.args.split(':')[0];
  assert.ok(user && !['root', '0'].includes(user), `USER ${user} is not root`);
  assert.match(user, /^(\d+|node)$/, 'USER is the base image node user (uid 1000)');
  if (/^\d+$/.test(user)) assert.equal(user, '1000', 'uid 1000, as the Kubernetes manifests run it');
});

test('Dockerfile: the runtime stage sets HOST=0.0.0.0, so a container is reached on its own address', () => {
  // Every listener binds HOST, 127.0.0.1 by default: in a container that would answer no one but the container.
  const settings = all('ENV', final).flatMap((env) => env.args.split(/\s+/));
  assert.ok(settings.includes('HOST=0.0.0.0'), `ENV HOST=0.0.0.0 in the runtime stage (has: ${settings.join(' ')})`);
});

test('Dockerfile: a build stage runs scripts/build.ts, whose inputs are in the build context', () => {
  const build = stages.find((stage) => all('RUN', stage).some((run) => run.args.includes('scripts/build.ts')));
  assert.ok(build, 'a stage runs node scripts/build.ts');
  const ignored = readFileSync(join(root, '.dockerignore'), 'utf8');
  assert.match(ignored, /^!scripts\/build\.ts$/m, '.dockerignore lets scripts/build.ts in');
  assert.doesNotMatch(ignored, /^tsconfig/m, '.dockerignore lets the tsconfig files in');
});

test('Dockerfile: no HEALTHCHECK, ENTRYPOINT node dist/main.js', () => {
  assert.equal(all('HEALTHCHECK').length, 0, 'health is for the orchestrator to probe');
  const entrypoints = all('ENTRYPOINT', final);
  assert.equal(entrypoints.length, 1);
  const entrypoint = JSON.parse(entrypoints[0]!.args) as string[];
  assert.equal(entrypoint[0], 'node', 'exec form');
  assert.equal(entrypoint.at(-1), 'dist/main.js');
  // The heap limits are set in three places: the image, the stack and `npm run service` run a service the same way.
  assert.deepEqual(entrypoint.slice(1, -1), SERVICE_NODE_FLAGS, 'the same Node.js flags as scripts/stack.ts');
  const scripts = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  assert.equal(scripts.service, ['node', ...SERVICE_NODE_FLAGS, 'src/main.ts'].join(' '), 'the same flags for npm run service');
  assert.ok(existsSync(join(root, 'src', 'main.ts')), 'dist/main.js is built from src/main.ts');
  assert.equal(all('CMD', final).length, 0, 'the service name comes from the container args');
});

test('.dockerignore keeps the build context to what the image needs', () => {
  const entries = readFileSync(join(root, '.dockerignore'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  for (const required of ['node_modules', '.data', '.git', 'reports', 'bench-results', 'docs', 'tests', 'deploy', 'tools']) {
    assert.ok(entries.includes(required) || entries.includes(`${required}/`), `.dockerignore lists ${required}`);
  }
  for (const needed of ['src', 'package.json', 'package-lock.json', 'patches']) {
    assert.ok(!entries.includes(needed) && !entries.includes(`${needed}/`), `.dockerignore keeps ${needed}`);
  }
});
