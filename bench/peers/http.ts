/**
 * The HTTP API every peer answers, the subset of the floor's that the bench drives (bench/floor.ts):
 *
 *   POST /setup {users, deposit, withdrawal} → 201 {users: [{id, token}]}: each user registered, an account
 *        opened, the deposit and the withdrawal made, through the peer's own workflows
 *   POST /orders {userId, price} → 201 the final order {id, userId, price, status, reason?, createdAt, updatedAt}
 *   GET  /verify → 200 the floor's correctness counts (bench/floor.ts verifyCounts), plus negative_balances
 *   GET  /health → 200
 *
 * Unlike streamshop (and the floor's /checked/orders), no peer checks a signed token: the load sends one, it is
 * ignored. A peer's server is node:http, as the floor's, so the peers pay the same for HTTP.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readJson, send } from '../floor.ts';

export interface PeerOrder {
  id: string;
  userId: string;
  price: number;
  currency: 'RUB';
  status: 'paid' | 'rejected';
  reason?: string;
  createdAt: string;
  updatedAt: string;
}

export interface PeerBusiness {
  setup(users: number, deposit: number, withdrawal: number): Promise<{ id: string; token: string }[]>;
  placeOrder(userId: string, price: number): Promise<PeerOrder>;
  verify(): Promise<Record<string, number>>;
}

/** Serves a peer's business on 127.0.0.1:port (0: a free one); resolves with its URL and a stop. */
export async function servePeer(business: PeerBusiness, port: number, onError: (error: unknown) => void) {
  const server = createServer((req, res) => {
    route(business, req, res).catch((error: unknown) => {
      onError(error);
      if (!res.headersSent) send(res, 500, { title: 'Internal error', detail: String(error) });
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((listening) => server.listen(port, '127.0.0.1', listening));
  const address = server.address();
  return {
    url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : port}`,
    async stop() {
      const closed = new Promise((done) => server.close(done));
      server.closeIdleConnections();
      await closed;
    },
  };
}

async function route(business: PeerBusiness, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = req.method === 'POST' ? await readJson(req) : undefined;
  if (req.method === 'POST' && req.url === '/orders') {
    const { userId, price } = (body ?? {}) as { userId?: unknown; price?: unknown };
    if (typeof userId !== 'string' || !/^[0-9a-f-]{36}$/i.test(userId) || !Number.isInteger(price) || (price as number) < 1) {
      return send(res, 400, { title: 'Invalid request' });
    }
    const order = await business.placeOrder(userId, price as number);
    res.setHeader('location', `/orders/${order.id}`);
    return send(res, 201, order);
  }
  if (req.method === 'POST' && req.url === '/setup') {
    const { users, deposit, withdrawal } = body as { users: number; deposit: number; withdrawal: number };
    return send(res, 201, { users: await business.setup(users, deposit, withdrawal) });
  }
  if (req.method === 'GET' && req.url === '/verify') return send(res, 200, await business.verify());
  if (req.method === 'GET' && req.url === '/health') return send(res, 200, { status: 'ok' });
  send(res, 404, { title: 'Not found' });
}

/** The letter's words, as streamshop's notifications and the floor write them. */
export { composeOrderLetter } from '../../src/services/notifications/letters.ts';
