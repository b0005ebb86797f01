/**
 * Contract tests and fuzzing by a client we did not write: Portman turns each service's OpenAPI document, as the
 * started system serves it, into a Postman collection (tests/contract/portman-config.json says what it checks), and
 * newman runs it against that system, seeded over the public API so the success cases really succeed.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
// @ts-expect-error -- newman ships no type declarations; the little used here is typed below.
import newmanUntyped from 'newman';
import { type ServiceName, serviceNames } from '../../src/platform/config.ts';
import { client, eventually, TEST_ADMIN } from '../support/api.ts';
import { startTestSystem } from '../support/system.ts';

const root = join(import.meta.dirname, '..', '..');
const CONFIG = join(import.meta.dirname, 'portman-config.json');
const PORTMAN = join(root, 'node_modules', '@apideck', 'portman', 'bin', 'portman');
export const REPORTS = join(root, 'reports', 'contract');

interface Execution {
  item: { name: string };
  response?: { code: number };
}
interface Failure {
  error: { name: string; message: string; test?: string };
  source?: { name?: string };
}
interface Summary {
  run: {
    stats: { requests: { total: number; failed: number }; assertions: { total: number; failed: number } };
    executions: Execution[];
    failures: Failure[];
    error?: Error;
  };
}
const newman = newmanUntyped as { run(options: object, done: (error: Error | null, summary: Summary) => void): unknown };

export interface ContractRun {
  service: ServiceName;
  requests: number;
  assertions: number;
  failedAssertions: number;
  /** Every failure newman reports: failed assertions, script errors, requests that got no response. */
  failures: { request: string; message: string }[];
  /** How many responses had each status. */
  statuses: Record<number, number>;
  /** The requests answered with a 5xx, by name and status. */
  serverErrors: { request: string; status: number }[];
}

export interface ContractTotals {
  runs: ContractRun[];
  requests: number;
  assertions: number;
  failures: number;
  serverErrors: number;
  seconds: number;
}

/** Starts the embedded default on free ports, seeds it, generates and runs the collections, stops it. */
export async function runContractTests(options: { log?: (line: string) => void } = {}): Promise<ContractTotals> {
  const log = options.log ?? (() => {});
  const started = Date.now();
  await rm(REPORTS, { recursive: true, force: true });
  await mkdir(REPORTS, { recursive: true });
  const system = await startTestSystem();
  try {
    const documents = await fetchDocuments(system.url);
    const seed = await seedData(system.url, documents.users);
    log(`seeded ${system.url}: user ${seed.userId}, order ${seed.orderId}, letter ${seed.letterId}`);
    const collections = await Promise.all(serviceNames.map((service) => generateCollection(service, documents[service], system.url)));
    const runs: ContractRun[] = [];
    for (const [index, service] of serviceNames.entries()) {
      const run = await runCollection(service, collections[index]!, { ...seed, baseUrl: system.url });
      log(`${service}: ${run.requests} requests, ${run.assertions} assertions, ${run.failures.length} failures, ${run.serverErrors.length} 5xx`);
      runs.push(run);
    }
    const sum = (pick: (run: ContractRun) => number) => runs.reduce((total, run) => total + pick(run), 0);
    return {
      runs,
      requests: sum((run) => run.requests),
      assertions: sum((run) => run.assertions),
      failures: sum((run) => run.failures.length),
      serverErrors: sum((run) => run.serverErrors.length),
      seconds: Math.round((Date.now() - started) / 1000),
    };
  } finally {
    await system.stop();
  }
}

type OpenApiDocument = { paths: Record<string, Record<string, any>> };

/** The documents the running services serve: what any client of this system would generate its tests from. */
async function fetchDocuments(baseUrl: string): Promise<Record<ServiceName, OpenApiDocument>> {
  await mkdir(join(REPORTS, 'openapi'), { recursive: true });
  const documents: Partial<Record<ServiceName, OpenApiDocument>> = {};
  for (const service of serviceNames) {
    const response = await fetch(`${baseUrl}/${service}/openapi.json`);
    assert.equal(response.status, 200, `GET /${service}/openapi.json`);
    const document = (await response.json()) as OpenApiDocument;
    await writeFile(join(REPORTS, 'openapi', `${service}.json`), JSON.stringify(document, null, 2));
    documents[service] = document;
  }
  return documents as Record<ServiceName, OpenApiDocument>;
}

export interface Seed {
  userId: string;
  userEmail: string;
  userPassword: string;
  orderId: string;
  letterId: string;
  adminEmail: string;
  adminPassword: string;
}

/**
 * The user the documentation logs in as (the example of POST /users/login), registered with money on the account,
 * one paid order and its letter: the ids every success case needs. The operator is the test system's.
 */
async function seedData(baseUrl: string, users: OpenApiDocument): Promise<Seed> {
  const example = users.paths['/users/login']?.post?.requestBody?.content?.['application/json']?.example;
  assert.ok(example?.email && example?.password, 'the users document has no example body for POST /users/login');
  const { email, password } = example as { email: string; password: string };
  const anonymous = client(baseUrl);
  const created = await anonymous.post('/users', { email, name: 'Contract Tests', password });
  assert.equal(created.status, 201, `register ${email}: ${JSON.stringify(created.body)}`);
  const user = await anonymous.signIn({ id: created.body.id, email, password });
  await eventually(async () => assert.equal((await user.get(`/billing/accounts/${user.id}`)).status, 200));
  const deposit = await user.post(`/billing/accounts/${user.id}/deposits`, { amount: 1_000_000 });
  assert.equal(deposit.status, 201, JSON.stringify(deposit.body));
  const order = await user.post('/orders', { userId: user.id, price: 2500 }, { prefer: 'wait=10' });
  assert.equal(order.body.status, 'paid', JSON.stringify(order.body));
  const letter = await eventually(async () => {
    const found = (await user.letters()).find((item) => item.orderId === order.body.id);
    assert.ok(found, 'the letter of the seeded order has not arrived');
    return found;
  });
  return {
    userId: user.id,
    userEmail: email,
    userPassword: password,
    orderId: order.body.id,
    letterId: letter.id,
    adminEmail: TEST_ADMIN.email,
    adminPassword: TEST_ADMIN.password,
  };
}

/** Runs the Portman CLI in a folder of its own (it writes ./tmp there) and returns the collection file it wrote. */
async function generateCollection(service: ServiceName, document: OpenApiDocument, baseUrl: string): Promise<string> {
  const workDir = join(REPORTS, 'work', service);
  await mkdir(workDir, { recursive: true });
  const documentFile = join(REPORTS, 'openapi', `${service}.json`);
  const collection = join(REPORTS, `${service}.postman_collection.json`);
  assert.ok(Object.keys(document.paths).length > 0, `the ${service} document has no paths`);
  const args = [PORTMAN, '--local', documentFile, '--output', collection, '--portmanConfigFile', CONFIG, '--baseUrl', baseUrl, '--warn', 'false'];
  await promisify(execFile)(process.execPath, args, { cwd: workDir, env: { ...process.env, NO_COLOR: '1' } });
  return collection;
}

async function runCollection(service: ServiceName, collection: string, variables: Seed & { baseUrl: string }): Promise<ContractRun> {
  const summary = await new Promise<Summary>((done, fail) =>
    newman.run(
      {
        collection,
        envVar: Object.entries(variables).map(([key, value]) => ({ key, value })),
        reporters: ['junit', 'htmlextra'],
        reporter: {
          junit: { export: join(REPORTS, `junit-${service}.xml`) },
          htmlextra: { export: join(REPORTS, `${service}.html`), title: `streamshop ${service}: Portman contract tests and fuzzing` },
        },
        timeoutRequest: 30_000,
      },
      (error, result) => (error ? fail(error) : done(result)),
    ),
  );
  const { stats, executions, failures, error } = summary.run;
  const statuses: Record<number, number> = {};
  const serverErrors: ContractRun['serverErrors'] = [];
  for (const execution of executions) {
    const status = execution.response?.code;
    if (status === undefined) continue;
    statuses[status] = (statuses[status] ?? 0) + 1;
    if (status >= 500) serverErrors.push({ request: execution.item.name, status });
  }
  return {
    service,
    requests: stats.requests.total,
    assertions: stats.assertions.total,
    failedAssertions: stats.assertions.failed,
    failures: [
      ...(error ? [{ request: '(run)', message: error.message }] : []),
      ...failures.map((failure) => ({
        request: failure.source?.name ?? '?',
        message: `${failure.error.test ? `${failure.error.test}: ` : ''}${failure.error.message}`,
      })),
    ],
    statuses,
    serverErrors,
  };
}
