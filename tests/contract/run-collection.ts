import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
// @ts-expect-error -- newman ships no type declarations; the little used here is typed below.
import newmanUntyped from 'newman';
import { htmlReport } from '../support/newman-report.ts';

/** A request of the collection (postman-collection's Item), as much of it as is read here. */
interface Item {
  id: string;
  name: string;
  request: { method: string; url: { path?: string[] } };
}
interface Folder {
  item: (Item | Folder)[];
}
interface Exchange {
  /** The item as run, its variables resolved; for the logins of the pre-request script, one without a name. */
  item: { id: string };
  request: { method: string; url: { toString(): string } };
  response?: { code: number };
}
interface Summary {
  run: {
    stats: { requests: { total: number }; assertions: { total: number } };
    failures: { error: { message: string; test?: string }; source?: Item }[];
    error?: Error;
  };
}
const newman = newmanUntyped as {
  run(
    options: object,
    done: (error: Error | null, summary: Summary) => void,
  ): { on(event: 'request', listener: (error: Error | null, exchange: Exchange) => void): void };
};

export interface Response {
  /** `GET /orders/{orderId}`: the OpenAPI operation the request was generated from. */
  operation?: string;
  request: string;
  url: string;
  /** None when no response came. */
  status?: number;
}

export interface Failure {
  operation?: string;
  request: string;
  message: string;
}

export interface CollectionRun {
  requests: number;
  assertions: number;
  responses: Response[];
  /** Every failure newman reports: failed assertions, script errors, requests that got no response. */
  failures: Failure[];
}

/** Runs a collection with newman; junit and htmlextra reports go to reportsDir. */
export async function runCollection(
  name: string,
  collection: string,
  variables: Record<string, string>,
  reportsDir: string,
): Promise<CollectionRun> {
  const operations = new Map<string, Item>();
  const collect = (folder: Folder) => {
    for (const entry of folder.item) {
      if ('item' in entry) collect(entry);
      else operations.set(entry.id, entry);
    }
  };
  collect(JSON.parse(await readFile(collection, 'utf8')));
  const responses: Response[] = [];
  const summary = await new Promise<Summary>((done, fail) => {
    const run = newman.run(
      {
        collection,
        envVar: Object.entries(variables).map(([key, value]) => ({ key, value })),
        reporters: ['junit', 'htmlextra'],
        reporter: {
          junit: { export: join(reportsDir, `junit-${name}.xml`) },
          htmlextra: htmlReport(join(reportsDir, `${name}.html`), `streamshop ${name}: Portman contract tests and fuzzing`),
        },
        timeoutRequest: 30_000,
      },
      (error, result) => (error ? fail(error) : done(result)),
    );
    // Read as each response arrives: the run summary keeps one record per item, in which the logins sent by the
    // pre-request script are overwritten by the item's own request.
    run.on('request', (_error, { item, request, response }) => {
      const generated = operations.get(item.id);
      responses.push({
        ...(generated ? { operation: operationOf(generated) } : {}),
        request: generated?.name ?? '(sign-in of the pre-request script)',
        url: `${request.method} ${request.url.toString()}`,
        ...(response ? { status: response.code } : {}),
      });
    });
  });
  const { stats, failures, error } = summary.run;
  return {
    requests: stats.requests.total,
    assertions: stats.assertions.total,
    responses,
    failures: [
      ...(error ? [{ request: '(the run)', message: error.message }] : []),
      ...failures.map(({ error, source }) => ({
        ...(source ? { operation: operationOf(source) } : {}),
        request: source?.name ?? '?',
        message: `${error.test ? `${error.test}: ` : ''}${error.message}`,
      })),
    ],
  };
}

/** The OpenAPI operation of a generated request: its path keeps the `:name` placeholders Portman made of `{name}`. */
function operationOf(item: Item): string {
  const path = (item.request.url.path ?? []).map((segment) => segment.replace(/^:(.+)$/, '{$1}')).join('/');
  return `${item.request.method} /${path}`;
}
