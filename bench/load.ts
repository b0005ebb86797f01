/**
 * The load process: a closed loop of `concurrency` workers, each placing one order at a time with
 * `Prefer: wait=30` for a fixed time, ~80% affordable and ~20% not. Started by bench/run.ts with
 * fork(); it receives a LoadPlan over IPC, reports progress, and sends back one record per order.
 * The same process drives streamshop and the floor, so both pay the same client costs.
 */
import { Agent, request } from 'node:http';

export interface LoadPlan {
  /** Where orders are placed, e.g. http://127.0.0.1:8080/orders; with several, each worker keeps to one (round-robin). */
  urls: string[];
  /** Each order is placed by one of them, with their token. */
  users: { id: string; token: string }[];
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  /** share of orders priced above any balance: they must be rejected */
  unaffordableShare: number;
  affordablePrice: { min: number; max: number };
  unaffordablePrice: number;
  seed: number;
  /** A client that has no answer after this many ms gives up and sends the order again, with the same Idempotency-Key. */
  giveUpMs?: number;
  /** An order answered pending is then asked for (GET with Prefer: wait=30) until final: its latency is to that answer. */
  followPending?: boolean;
}

export interface OrderRecord {
  /** wall-clock time the request was sent (epoch ms, fractional): comparable with the server's timestamps */
  sentAt: number;
  latencyMs: number;
  /** HTTP status, or 0 when the request failed on the network */
  http: number;
  error?: string;
  userId: string;
  price: number;
  affordable: boolean;
  /** sent after the warm-up: its latency counts (also when it is answered after the end) */
  sentInWindow: boolean;
  /** answered between the end of the warm-up and the end: counts for throughput */
  doneInWindow: boolean;
  orderId?: string;
  status?: string;
  reason?: string;
  createdAt?: string;
  updatedAt?: string;
  /** with giveUpMs: how many times the order was sent, when more than once */
  attempts?: number;
}

export type LoadMessage =
  | { type: 'progress'; completed: number; errors: number; inFlight: number; elapsedMs: number }
  | { type: 'done'; records: OrderRecord[]; cpuSeconds: number; maxRssKb: number; measuredMs: number };

/** A small seeded generator (mulberry32), so two runs place the same mix of orders. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const wallNow = () => performance.timeOrigin + performance.now();

interface Send {
  method: 'POST' | 'GET';
  url: URL;
  token: string;
  body?: string;
  /** Idempotency-Key: a retry of the same order carries the same one */
  key?: string;
  /** how long the client waits for an answer before it gives up (the error's name is then GaveUp) */
  timeoutMs: number;
}

function send(agent: Agent, { method, url, token, body, key, timeoutMs }: Send): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { prefer: 'wait=30', authorization: `Bearer ${token}` };
    if (body !== undefined) Object.assign(headers, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    if (key) headers['idempotency-key'] = key;
    const req = request(url, { method, agent, headers, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error(`timeout after ${timeoutMs / 1000} s`), { name: 'GaveUp' })));
    req.on('error', reject);
    req.end(body);
  });
}

/** The longest a client waits for one answer (the server answers a Prefer: wait=30 within about 30 s). */
const ANSWER_TIMEOUT_MS = 60_000;
/** A pending order is asked for again (GET with Prefer: wait=30) this many times at most. */
const FOLLOW_ROUNDS = 4;

/** What an answer says about the order: a 201's body, or the order a problem carries (a 503 of the http styles). */
function readOrder(record: OrderRecord, text: string, isOrder: boolean): void {
  let parsed: Record<string, unknown> | undefined;
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return;
  }
  const order = (isOrder ? parsed : parsed?.order) as Record<string, string | undefined> | undefined;
  if (!order?.id) return;
  Object.assign(record, {
    orderId: order.id,
    status: order.status,
    createdAt: order.createdAt,
    updatedAt: order.updatedAt,
    ...(order.reason ? { reason: order.reason } : {}),
  });
}

/**
 * Places one order as the plan's clients do: with giveUpMs, under an Idempotency-Key, sent again with it each time
 * the client gives up (until `retryUntil`); with followPending, an order answered pending is then asked for until final.
 */
async function placeOne(agent: Agent, { target, plan, record, token, retryUntil }: { target: URL; plan: LoadPlan; record: OrderRecord; token: string; retryUntil: number }): Promise<void> {
  const body = JSON.stringify({ userId: record.userId, price: record.price });
  const key = plan.giveUpMs ? crypto.randomUUID() : undefined;
  for (let attempt = 1; ; attempt++) {
    try {
      const response = await send(agent, { method: 'POST', url: target, token, body, ...(key ? { key } : {}), timeoutMs: plan.giveUpMs ?? ANSWER_TIMEOUT_MS });
      record.http = response.status;
      readOrder(record, response.text, response.status === 201);
      if (response.status !== 201) record.error = response.text.slice(0, 300);
      break;
    } catch (error) {
      if ((error as Error).name === 'GaveUp' && key && performance.now() < retryUntil) {
        record.attempts = attempt + 1;
        continue;
      }
      record.error = error instanceof Error ? error.message : String(error);
      return;
    }
  }
  if (!plan.followPending || record.status !== 'pending' || !record.orderId) return;
  const url = new URL(`${target.pathname.replace(/\/$/, '')}/${record.orderId}`, target);
  for (let round = 0; round < FOLLOW_ROUNDS && record.status === 'pending'; round++) {
    const response = await send(agent, { method: 'GET', url, token, timeoutMs: ANSWER_TIMEOUT_MS }).catch(() => undefined);
    if (response?.status === 200) readOrder(record, response.text, true);
  }
}

export async function runLoad(plan: LoadPlan, progress: (message: LoadMessage) => void = () => {}): Promise<LoadMessage & { type: 'done' }> {
  const agent = new Agent({ keepAlive: true, maxSockets: plan.concurrency });
  const targets = plan.urls.map((url) => new URL(url));
  const next = random(plan.seed);
  const records: OrderRecord[] = [];
  const start = performance.now();
  const measureFrom = start + plan.warmupMs;
  const end = measureFrom + plan.durationMs;
  let inFlight = 0;
  let errors = 0;

  const ticker = setInterval(
    () => progress({ type: 'progress', completed: records.length, errors, inFlight, elapsedMs: performance.now() - start }),
    250,
  );

  async function worker(index: number): Promise<void> {
    const target = targets[index % targets.length] as URL;
    while (performance.now() < end) {
      const affordable = next() >= plan.unaffordableShare;
      const user = plan.users[Math.floor(next() * plan.users.length)] as LoadPlan['users'][number];
      const { min, max } = plan.affordablePrice;
      const price = affordable ? min + Math.floor(next() * (max - min + 1)) : plan.unaffordablePrice;
      const record: OrderRecord = { sentAt: wallNow(), latencyMs: 0, http: 0, userId: user.id, price, affordable, sentInWindow: false, doneInWindow: false };
      const t0 = performance.now();
      inFlight++;
      // A retrying client keeps at it for a minute past the end: long enough for any outage a phase makes.
      await placeOne(agent, { target, plan, record, token: user.token, retryUntil: end + 60_000 });
      if (record.error !== undefined) errors++;
      const t1 = performance.now();
      inFlight--;
      record.latencyMs = t1 - t0;
      record.sentInWindow = t0 >= measureFrom;
      record.doneInWindow = t1 >= measureFrom && t1 <= end;
      records.push(record);
    }
  }

  await Promise.all(Array.from({ length: plan.concurrency }, (_, index) => worker(index)));
  clearInterval(ticker);
  agent.destroy();
  const usage = process.cpuUsage();
  return {
    type: 'done',
    records,
    cpuSeconds: (usage.user + usage.system) / 1e6,
    maxRssKb: process.resourceUsage().maxRSS,
    measuredMs: plan.durationMs,
  };
}

// As a child process: one plan in, progress and the records out, then exit.
if (process.send && import.meta.url === `file://${process.argv[1]}`) {
  const send = (message: LoadMessage) => new Promise<void>((done) => process.send?.(message, undefined, {}, () => done()));
  process.once('message', (plan: LoadPlan) => {
    runLoad(plan, (message) => void send(message)).then(
      async (done) => {
        await send(done);
        process.disconnect();
      },
      (error) => {
        console.error(error);
        process.exit(1);
      },
    );
  });
}
