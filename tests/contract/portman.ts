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
import { type ServiceName, serviceNames } from '../../src/platform/runtime/index.ts';
import { startTestSystem } from '../support/system.ts';
import { type Failure, type Response, runCollection } from './run-collection.ts';
import { seedData, seedDeadLetters, seedOrderProcesses } from './seed.ts';

const root = join(import.meta.dirname, '..', '..');
const CONFIG = join(import.meta.dirname, 'portman-config.json');
const PORTMAN = join(root, 'node_modules', '@apideck', 'portman', 'bin', 'portman');
export const REPORTS = join(root, 'reports', 'contract');

interface OpenApiDocument {
  paths: Record<string, Record<string, { requestBody?: { content?: Record<string, { example?: unknown }> }; responses?: object }>>;
}

export interface ServiceRun {
  service: ServiceName;
  requests: number;
  assertions: number;
  responses: Response[];
  failures: Failure[];
}

export interface ContractTotals {
  runs: ServiceRun[];
  requests: number;
  assertions: number;
  failures: number;
  /** Responses with a 5xx status: none may come, whatever the request. */
  serverErrors: Response[];
  /** Documented operations (`GET /orders`) no request of which succeeded: Portman skipped them, or they failed. */
  operationsWithoutSuccess: string[];
  seconds: number;
}

/** Starts the embedded default on free ports, seeds it, generates and runs the collections, stops it. */
export async function runContractTests(options: { log?: (line: string) => void } = {}): Promise<ContractTotals> {
  const log = options.log ?? (() => {});
  const started = Date.now();
  await rm(REPORTS, { recursive: true, force: true });
  await mkdir(join(REPORTS, 'openapi'), { recursive: true });
  const system = await startTestSystem();
  try {
    const documents = await fetchDocuments(system.url);
    const seed = await seedData(system.url, documents.users.paths['/users/login']?.post?.requestBody?.content?.['application/json']?.example);
    const deadLetters = { ...(await seedDeadLetters(system)), ...(await seedOrderProcesses(system, seed.userId)) };
    log(`seeded ${system.url}: user ${seed.userId}, order ${seed.orderId}, letter ${seed.letterId}, dead letter ${deadLetters.deadLetterId}`);
    const collections = await Promise.all(serviceNames.map((service) => generateCollection(service, system.url)));
    const runs: ServiceRun[] = [];
    for (const [index, service] of serviceNames.entries()) {
      const run = await runCollection(service, collections[index]!, { ...seed, ...deadLetters, baseUrl: system.url }, REPORTS);
      const failures = [...run.failures, ...undocumentedStatuses(run.responses, documents[service])];
      runs.push({ service, ...run, failures });
      log(`${service}: ${run.requests} requests, ${run.assertions} assertions, ${failures.length} failures`);
    }
    const sum = (pick: (run: ServiceRun) => number) => runs.reduce((total, run) => total + pick(run), 0);
    return {
      runs,
      requests: sum((run) => run.requests),
      assertions: sum((run) => run.assertions),
      failures: sum((run) => run.failures.length),
      operationsWithoutSuccess: serviceNames.flatMap((service, index) => withoutSuccess(documents[service], runs[index]!.responses)),
      serverErrors: runs.flatMap((run) => run.responses.filter(({ status }) => status !== undefined && status >= 500)),
      seconds: Math.round((Date.now() - started) / 1000),
    };
  } finally {
    await system.stop();
  }
}

/** The documents the running services serve: what any client of this system would generate its tests from. */
async function fetchDocuments(baseUrl: string): Promise<Record<ServiceName, OpenApiDocument>> {
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

/** Runs the Portman CLI in a folder of its own (it writes ./tmp there) and returns the collection file it wrote. */
async function generateCollection(service: ServiceName, baseUrl: string): Promise<string> {
  const workDir = join(REPORTS, 'work', service);
  await mkdir(workDir, { recursive: true });
  const collection = join(REPORTS, `${service}.postman_collection.json`);
  const args = ['--local', join(REPORTS, 'openapi', `${service}.json`), '--output', collection, '--portmanConfigFile', CONFIG];
  // --warn false: the one config targets the operations of all four documents, so each lacks most of them.
  await promisify(execFile)(process.execPath, [PORTMAN, ...args, '--baseUrl', baseUrl, '--warn', 'false'], { cwd: workDir });
  return collection;
}

/** A response whose status its operation does not document is a failure too, whatever the collection's checks said. */
function undocumentedStatuses(responses: Response[], document: OpenApiDocument): Failure[] {
  return responses.flatMap(({ operation, request, status }) => {
    if (!operation || status === undefined) return [];
    const [method, path] = operation.split(' ') as [string, string];
    const documented = Object.keys(document.paths[path]?.[method.toLowerCase()]?.responses ?? {});
    const covered = documented.some((code) => code === String(status) || code === `${String(status)[0]}XX` || code === 'default');
    return covered ? [] : [{ operation, request, message: `status ${status} is not documented for ${operation} (${documented.join(', ')})` }];
  });
}

function withoutSuccess(document: OpenApiDocument, responses: Response[]): string[] {
  const operations = Object.entries(document.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`));
  return operations.filter((operation) => !responses.some((r) => r.operation === operation && r.status !== undefined && r.status < 300));
}
