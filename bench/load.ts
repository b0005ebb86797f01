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

function post(agent: Agent, url: URL, body: string, token: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), prefer: 'wait=30', authorization: `Bearer ${token}` },
        timeout: 60_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout after 60 s')));
    req.on('error', reject);
    req.end(body);
  });
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
      const userId = user.id;
      const { min, max } = plan.affordablePrice;
      const price = affordable ? min + Math.floor(next() * (max - min + 1)) : plan.unaffordablePrice;
      const sentAt = wallNow();
      const t0 = performance.now();
      inFlight++;
      const record: OrderRecord = { sentAt, latencyMs: 0, http: 0, userId, price, affordable, sentInWindow: false, doneInWindow: false };
      try {
        const response = await post(agent, target, JSON.stringify({ userId, price }), user.token);
        record.http = response.status;
        if (response.status === 201) {
          const order = JSON.parse(response.text) as Record<string, string | undefined>;
          Object.assign(record, {
            orderId: order.id,
            status: order.status,
            createdAt: order.createdAt,
            updatedAt: order.updatedAt,
            ...(order.reason ? { reason: order.reason } : {}),
          });
        } else {
          record.error = response.text.slice(0, 300);
          errors++;
        }
      } catch (error) {
        record.error = error instanceof Error ? error.message : String(error);
        errors++;
      }
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
