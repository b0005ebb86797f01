/**
 * The console's server through the gateway, without a browser: how the page is served (caching, Content-Security-
 * Policy), and the live feed of order events (server-sent events), which only an admin may open; in the stack its
 * events come from NATS.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { type Api, eventually } from '../support/api.ts';
import { topologies, useSystem } from '../support/topology.ts';

interface Frame {
  event: string;
  data: { type?: string; data?: { orderId?: string } };
}

/** An open live feed: the frames read so far, and a way to stop reading. */
async function openLive(baseUrl: string, token: string) {
  const controller = new AbortController();
  const response = await fetch(`${baseUrl}/console/live`, { headers: { authorization: `Bearer ${token}` }, signal: controller.signal });
  const frames: Frame[] = [];
  const reading = (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event && data) frames.push({ event, data: JSON.parse(data) });
      }
    }
  })().catch(() => {});
  return {
    response,
    frames,
    close: async () => {
      controller.abort();
      await reading;
    },
  };
}

for (const topology of topologies) {
  describe(`console server (${topology})`, () => {
    const t = useSystem(topology);
    let admin: Api;
    before(async () => {
      admin = await t.api.admin();
    });

    test('the page is revalidated on each load, its assets are immutable under a versioned path, and a strict policy forbids inline scripts', async () => {
      const page = await fetch(`${t.system.url}/console`);
      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
      assert.equal(page.headers.get('cache-control'), 'no-cache');
      const policy = page.headers.get('content-security-policy') ?? '';
      assert.match(policy, /default-src 'none'/);
      assert.match(policy, /script-src 'self'(;|$)/);
      assert.doesNotMatch(policy, /unsafe-inline|unsafe-eval/);
      assert.match(policy, /frame-ancestors 'none'/);
      assert.equal(page.headers.get('x-content-type-options'), 'nosniff');
      const html = await page.text();
      for (const script of html.match(/<script\b[^>]*>/g) ?? []) assert.match(script, /\bsrc="\/console\/assets\//, `an inline script: ${script}`);

      const etag = page.headers.get('etag') ?? '';
      assert.equal((await fetch(`${t.system.url}/console/`, { headers: { 'if-none-match': etag } })).status, 304);

      const main = /src="(\/console\/assets\/[^/]+\/main\.js)"/.exec(html)?.[1];
      assert.ok(main, 'the page loads main.js from a versioned path');
      const asset = await fetch(`${t.system.url}${main}`);
      assert.equal(asset.status, 200);
      assert.match(asset.headers.get('content-type') ?? '', /^text\/javascript/);
      assert.equal(asset.headers.get('cache-control'), 'public, max-age=31536000, immutable');
      const stale = await fetch(`${t.system.url}/console/assets/an-older-version/main.js`);
      assert.equal(stale.headers.get('cache-control'), 'no-cache', 'another version is served but not kept');
      for (const path of ['/console/assets/x/nothing.js', '/console/assets/x/..%2f..%2f..%2fpackage.json', '/console/assets/x/index.html']) {
        assert.equal((await fetch(`${t.system.url}${path}`)).status, 404, path);
      }
    });

    test('the live feed needs an admin: no token 401, a user 403', async () => {
      const user = await t.api.userWithAccount();
      const anonymous = await fetch(`${t.system.url}/console/live`);
      assert.equal(anonymous.status, 401);
      assert.match(anonymous.headers.get('www-authenticate') ?? '', /^Bearer/);
      const forbidden = await fetch(`${t.system.url}/console/live`, { headers: { authorization: `Bearer ${user.token}` } });
      assert.equal(forbidden.status, 403);
      assert.equal(forbidden.headers.get('content-type')?.split(';')[0], 'application/problem+json');
    });

    test('an admin reads the console’s settings: tracing is off where no OTLP endpoint is set; a user gets 403', async () => {
      assert.equal((await t.api.get('/console/settings')).status, 401);
      const user = await t.api.userWithAccount();
      assert.equal((await user.get('/console/settings')).status, 403);
      const settings = await admin.get('/console/settings');
      assert.equal(settings.status, 200);
      assert.deepEqual(settings.body, { tracing: false });
    });

    test('when an order is paid, then an admin’s live feed shows its events as they happen, created to letter', async () => {
      const live = await openLive(t.system.url, admin.token as string);
      try {
        assert.equal(live.response.status, 200);
        assert.match(live.response.headers.get('content-type') ?? '', /^text\/event-stream/);
        await eventually(async () => assert.equal(live.frames[0]?.event, 'ready'));
        const user = await t.api.userWithAccount(10_000);
        const order = await user.post('/orders', { userId: user.id, price: 2_500 }, { prefer: 'wait=15' });
        assert.equal(order.body.status, 'paid');
        await eventually(async () => {
          const types = live.frames.filter((f) => f.event === 'order-event' && f.data.data?.orderId === order.body.id).map((f) => f.data.type);
          assert.deepEqual(new Set(types), new Set(['orders.order.created.v1', 'billing.payment.succeeded.v1', 'orders.order.paid.v1', 'notifications.letter.stored.v1']));
        });
      } finally {
        await live.close();
      }
    });
  });
}
