import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export type ServiceMetrics = ReturnType<typeof createMetrics>;

/**
 * One registry per service, so the embedded default and a service process expose the same series. The families
 * are spread in the order they were always registered, which is the order a scrape lists them in.
 */
export function createMetrics(service: string) {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  // The event-loop delay is sampled by a timer; prom-client's default of 10 ms woke every idle process 100 times a
  // second (and the embedded default, with four registries, 400). Ten samples a second still fill the histogram.
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 100 });
  return {
    registry,
    ...httpMetrics(registry),
    ...eventMetrics(registry),
    ...batchingMetrics(registry),
    ...internalCallMetrics(registry),
    ...serviceOwnMetrics(registry),
    ...retentionMetrics(registry),
  };
}

function httpMetrics(registry: Registry) {
  return {
    httpRequestSeconds: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by route and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
  };
}

function eventMetrics(registry: Registry) {
  return {
    eventsPublished: new Counter({
      name: 'events_published_total',
      help: 'Outbox events accepted by the bus',
      labelNames: ['type'],
      registers: [registry],
    }),
    eventsHandled: new Counter({
      name: 'events_handled_total',
      help: 'Deliveries by outcome: handled, duplicate (already in the inbox), failed (will be redelivered), dead_lettered',
      labelNames: ['type', 'outcome'],
      registers: [registry],
    }),
  };
}

/** Consumer batches and group commits: how much work shares one transaction. */
function batchingMetrics(registry: Registry) {
  return {
    eventBatchSize: new Histogram({
      name: 'event_batch_size',
      help: 'Events handled in one consumer transaction (events that arrive while one runs share the next)',
      buckets: [1, 2, 4, 8, 16, 32, 64],
      registers: [registry],
    }),
    eventBatchesSplit: new Counter({
      name: 'event_batches_split_total',
      help: 'Consumer transactions of several events that failed, whose events were then handled one by one',
      registers: [registry],
    }),
    writeGroupSize: new Histogram({
      name: 'write_group_size',
      help: 'Requests written in one transaction by a group commit (platform/group-commit.ts), by write',
      labelNames: ['write'],
      buckets: [1, 2, 4, 8, 16, 32, 64],
      registers: [registry],
    }),
  };
}

function internalCallMetrics(registry: Registry) {
  return {
    internalCallSeconds: new Histogram({
      name: 'internal_call_duration_seconds',
      help: 'Calls to other services\' internal endpoints, by callee, operation and outcome (ok, refused: a 4xx, unreachable)',
      labelNames: ['callee', 'operation', 'outcome'],
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5],
      registers: [registry],
    }),
    internalCallTimeouts: new Counter({
      name: 'internal_call_timeouts_total',
      help: 'Tries of internal calls that got no answer in time',
      labelNames: ['callee', 'operation'],
      registers: [registry],
    }),
    internalCallRetries: new Counter({
      name: 'internal_call_retries_total',
      help: 'Tries of internal calls made again after a timeout, a refused connection or a 5xx',
      labelNames: ['callee', 'operation'],
      registers: [registry],
    }),
  };
}

/** Makers rather than metrics: each service names its own (letters lost, accounts orphaned, work pending). */
function serviceOwnMetrics(registry: Registry) {
  return {
    /** A counter of the service's own, on its registry. */
    counter(name: string, help: string) {
      return new Counter({ name, help, registers: [registry] });
    },
    /** Set by the service from its database when scraped. */
    pendingGauge(name: string, help: string, read: () => Promise<number>) {
      return new Gauge({
        name,
        help,
        registers: [registry],
        async collect() {
          this.set(await read().catch(() => Number.NaN));
        },
      });
    },
  };
}

function retentionMetrics(registry: Registry) {
  return {
    retentionDeleted: new Counter({
      name: 'retention_rows_deleted_total',
      help: 'Rows the retention worker deleted, by table (platform/retention.ts)',
      labelNames: ['table'],
      registers: [registry],
    }),
    /** Rows kept per table, read from the database when scraped. */
    tableRowsGauge(read: () => Promise<{ table: string; rows: number }[]>) {
      return new Gauge({
        name: 'table_rows',
        help: 'Rows kept per messaging table (live rows as PostgreSQL counts them)',
        labelNames: ['table'],
        registers: [registry],
        async collect() {
          for (const { table, rows } of await read().catch(() => [])) this.set({ table }, rows);
        },
      });
    },
  };
}
