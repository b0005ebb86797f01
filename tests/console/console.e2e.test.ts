/**
 * The operators' console in a real browser (Debian's headless Chromium, driven by playwright-core) against the
 * running system: log in, watch an order move through the live feed to `paid` on its timeline, read a user's
 * account, retry and discard real dead letters, and nothing for anyone but an admin. Screenshots go to
 * reports/console/.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { eventually, type Member, TEST_ADMIN } from '../support/api.ts';
import { skipWithoutBrowser } from '../support/browser.ts';
import { TIMEOUT, useConsole } from '../support/console-page.ts';
import { failInserts } from '../support/faults.ts';
import { useSystem } from '../support/topology.ts';

describe('operators’ console in a browser (embedded)', { skip: skipWithoutBrowser() }, () => {
  const t = useSystem('embedded');
  const ui = useConsole(t);


  test('without an admin login, the console shows no data: a user’s login is refused, and every page asks to log in', async () => {
    const user = await t.api.userWithAccount();
    const page = await ui.pages.open('#/dead-letters');
    await page.getByRole('heading', { name: 'Operators’ console' }).waitFor();
    assert.equal(await page.locator('table').count(), 0);

    await ui.pages.logIn(page, user.email, user.password);
    await page.getByRole('alert').filter({ hasText: 'is not an operator' }).waitFor();
    assert.equal(await page.locator('table').count(), 0, 'still no data');
    assert.equal(await page.evaluate(() => sessionStorage.length), 0, 'no token kept');
    await ui.pages.shot(page, 'refused-user');

    await page.goto(`${t.system.url}/console#/users/${user.id}`);
    await page.getByRole('heading', { name: 'Operators’ console' }).waitFor();
    await ui.pages.done(page);
  });

  /** The header's parts a logged-out visitor must not see, by whether they are visible now. */
  const headerShown = async (page: Page) =>
    Object.fromEntries(await Promise.all(['#nav', '#live-status', '#who button'].map(async (selector) => [selector, await page.locator(selector).isVisible()])));

  test('the navigation, the live status and Log out show only while the operator is logged in', async () => {
    const page = await ui.pages.open();
    await page.getByRole('heading', { name: 'Operators’ console' }).waitFor();
    assert.deepEqual(await headerShown(page), { '#nav': false, '#live-status': false, '#who button': false }, 'before login');
    assert.equal(await page.getByRole('link', { name: 'Dead letters' }).count(), 0, 'no link a visitor could follow');

    await ui.pages.logIn(page, TEST_ADMIN.email, TEST_ADMIN.password);
    await page.locator('#live-status[data-status="live"]').waitFor();
    assert.deepEqual(await headerShown(page), { '#nav': true, '#live-status': true, '#who button': true }, 'logged in');
    await page.getByRole('link', { name: 'Dead letters' }).click();
    await page.getByRole('heading', { name: 'Dead letters' }).waitFor();
    assert.equal(await page.locator('nav a.current').textContent(), 'Dead letters');

    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('heading', { name: 'Operators’ console' }).waitFor();
    assert.deepEqual(await headerShown(page), { '#nav': false, '#live-status': false, '#who button': false }, 'after logging out');
    await ui.pages.done(page);
  });

  let paidOrder: { id: string };
  let buyer: Member;

  test('when the operator is logged in and an order is placed through the API, then it appears in the live feed and reaches paid on its timeline, hop by hop', async () => {
    const page = await ui.pages.asOperator();
    buyer = await t.api.userWithAccount(10_000);
    const placed = await buyer.post('/orders', { userId: buyer.id, price: 2_500 });
    assert.equal(placed.status, 201);
    paidOrder = placed.body;

    const row = page.locator(`tr[data-order-id="${paidOrder.id}"]`);
    await row.waitFor();
    await row.locator('[data-status="paid"]').waitFor();
    assert.equal(await row.locator('td').nth(2).textContent(), '25.00 ₽');
    await ui.pages.shot(page, 'feed');

    await row.getByRole('link').first().click();
    await page.locator('[data-field="status"] [data-status="paid"]').waitFor();
    const steps = page.locator('table[aria-label="Timeline"] tbody tr');
    const expected = [
      'published orders orders.order.created.v1',
      'handled billing orders.order.created.v1',
      'published billing billing.payment.succeeded.v1',
      'handled orders billing.payment.succeeded.v1',
      'published orders orders.order.paid.v1',
      'handled notifications orders.order.paid.v1',
      'published notifications notifications.letter.stored.v1',
    ];
    await eventually(async () => assert.equal(await steps.count(), expected.length), { timeoutMs: TIMEOUT });
    const rows = await steps.evaluateAll((trs) =>
      trs.map((tr) => ({
        step: `${tr.getAttribute('data-action')} ${tr.getAttribute('data-service')} ${tr.getAttribute('data-type')}`,
        cells: [...tr.querySelectorAll('td')].map((td) => td.textContent ?? ''),
      })),
    );
    assert.deepEqual(rows.map((r) => r.step), expected);
    for (const { step, cells } of rows) {
      assert.match(cells[0] ?? '', /^\d\d:\d\d:\d\d\.\d{3}$/, `${step}: when`);
      if (step.startsWith('handled')) assert.match(cells[4] ?? '', /^\+\d+(\.\d+)? (ms|s)$/, `${step}: how long the hop took`);
      assert.equal(cells[5], 'tracing off', `${step}: the test system exports no traces, and the trace column says so`);
    }
    await ui.pages.shot(page, 'timeline');
    await ui.pages.done(page);
  });

  test('a user’s account page shows the balance, the ledger line by line, the orders and the letters', async () => {
    const page = await ui.pages.asOperator(`#/users/${buyer.id}`);
    await page.locator('[data-field="balance"]').filter({ hasText: '75.00 ₽' }).waitFor();
    const ledger = page.getByRole('region', { name: 'Ledger' }).locator('tbody tr');
    assert.deepEqual(await ledger.evaluateAll((trs) => trs.map((tr) => tr.querySelectorAll('td')[1]?.textContent)), ['payment', 'deposit']);
    const letters = page.getByRole('region', { name: 'Letters' }).locator('tbody tr');
    assert.equal(await letters.count(), 1);
    assert.match((await letters.first().textContent()) ?? '', new RegExp(`order_paid.*${paidOrder.id}`));
    await ui.pages.shot(page, 'user');
    await ui.pages.done(page);
  });

  /** The page shows each id by its tail: ids made in the same moment (UUIDv7) share their head, not their tail. */
  async function assertTails(page: Page, ids: string[], where: string): Promise<void> {
    const text = (await page.locator('main').textContent()) ?? '';
    for (const id of ids) assert.ok(text.includes(id.slice(-8)), `${where}: ${id} is shown by its tail`);
  }

  /** The id's copy button puts the whole id on the clipboard (what it says meanwhile has a test of its own, below). */
  async function assertCopies(page: Page, id: string): Promise<void> {
    await page.getByRole('button', { name: `Copy ${id}`, exact: true }).first().click();
    await eventually(async () => assert.equal(await page.evaluate('navigator.clipboard.readText()'), id), { timeoutMs: TIMEOUT });
  }

  test('ids are shown by their tails, so that two orders placed at once can be told apart, and each copies whole', async () => {
    const page = await ui.pages.asOperator();
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: t.system.url });
    const user = await t.api.userWithAccount(10_000);
    const placed = await Promise.all([100, 200].map((price) => user.post('/orders', { userId: user.id, price }, { prefer: 'wait=10' })));
    const [first, second] = placed.map((answer) => answer.body.id as string) as [string, string];

    const idCell = (id: string) => page.locator(`tr[data-order-id="${id}"] td`).first();
    await page.locator(`tr[data-order-id="${second}"] [data-status="paid"]`).waitFor();
    const shown = [await idCell(first).textContent(), await idCell(second).textContent()];
    assert.notEqual(shown[0], shown[1], `two orders of one moment look different: ${shown.join(' and ')}`);
    await assertTails(page, [first, second, user.id], 'feed');
    await assertCopies(page, first);

    await idCell(first).getByRole('link').click();
    await page.locator('[data-field="status"] [data-status="paid"]').waitFor();
    const published = await Promise.all(['orders', 'billing'].map(async (service) => (await ui.admin.get(`/${service}/admin/events?subject=${first}`)).body.published));
    const eventIds = published.flat().map((item: { envelope: { id: string } }) => item.envelope.id);
    await eventually(async () => assertTails(page, [first, user.id, ...eventIds], 'timeline'), { timeoutMs: TIMEOUT });
    await assertCopies(page, eventIds[0] as string);

    await page.getByRole('link', { name: user.id, exact: true }).click();
    await page.getByRole('region', { name: 'Ledger' }).waitFor();
    await assertTails(page, [user.id, first, second], 'user');
    await assertCopies(page, user.id);
    await ui.pages.done(page);
  });

  test('a copy button says "copied" for 1.5 s, also when the live feed has redrawn its row meanwhile', async () => {
    const page = await ui.pages.asOperator();
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: t.system.url });
    const user = await t.api.userWithAccount(10_000);
    const first = (await user.post('/orders', { userId: user.id, price: 100 }, { prefer: 'wait=10' })).body.id as string;
    const copyFirst = page.locator(`tr[data-order-id="${first}"]`).getByRole('button', { name: `Copy ${first}`, exact: true });
    await page.locator(`tr[data-order-id="${first}"] [data-status="paid"]`).waitFor();
    // Time stands still in the page from here: the 1.5 s pass only when the test says so.
    await page.clock.install();
    await page.clock.pauseAt(Date.now() + 1_000);
    await copyFirst.click();
    await eventually(async () => assert.equal(await copyFirst.textContent(), 'copied'), { timeoutMs: TIMEOUT });

    const before = await copyFirst.elementHandle();
    const second = (await user.post('/orders', { userId: user.id, price: 200 })).body.id as string;
    await page.locator(`tr[data-order-id="${second}"]`).waitFor();
    assert.equal(await copyFirst.evaluate((button, old) => button !== old, before), true, 'the feed drew the row anew');
    assert.equal(await copyFirst.textContent(), 'copied', 'the redrawn row still says so');

    await page.clock.runFor(1_500);
    assert.equal(await copyFirst.textContent(), 'copy', 'and says it no longer after 1.5 s');
    await ui.pages.done(page);
  });

  test('when billing dead-letters two orders, then the operator retries one from the page once the cause is fixed (the order is paid) and discards the other with a reason, which is kept', async () => {
    const user = await t.api.userWithAccount(10_000);
    const fault = await failInserts(t.system.database('billing'), 'ledger', user.id, 'injected fault: ledger unavailable');
    const [toRetry, toDiscard] = [(await user.post('/orders', { userId: user.id, price: 100 })).body, (await user.post('/orders', { userId: user.id, price: 200 })).body];
    const letterOf = (orderId: string) =>
      eventually(
        async () => {
          const page = await ui.admin.get('/billing/admin/dead-letters?state=waiting&limit=100');
          const letter = page.body.items.find((item: { subject: string }) => item.subject === orderId);
          assert.ok(letter, `order ${orderId} is not dead-lettered yet`);
          return letter.eventId as string;
        },
        { timeoutMs: 30_000, intervalMs: 250 },
      );
    const [retryId, discardId] = await Promise.all([letterOf(toRetry.id), letterOf(toDiscard.id)]);

    const page = await ui.pages.asOperator('#/dead-letters');
    const retryRow = page.locator(`tr[data-event-id="${retryId}"]`);
    const discardRow = page.locator(`tr[data-event-id="${discardId}"]`);
    await retryRow.waitFor();
    assert.match((await retryRow.textContent()) ?? '', /injected fault: ledger unavailable/);
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: t.system.url });
    await assertTails(page, [retryId, discardId, toRetry.id, toDiscard.id], 'dead letters');
    await assertCopies(page, retryId);
    await ui.pages.shot(page, 'dead-letters-waiting');

    await fault.lift();
    await retryRow.getByRole('button', { name: 'Retry' }).click();
    await page.locator(`tr[data-event-id="${retryId}"][data-state="replayed"]`).getByText('Handled: the event went through.').waitFor();
    assert.equal((await user.get(`/orders/${toRetry.id}`, { prefer: 'wait=15' })).body.status, 'paid');

    await discardRow.getByRole('button', { name: 'Discard…' }).click();
    await discardRow.getByLabel('Reason').fill('customer refunded by hand, ticket 4711');
    await discardRow.getByRole('button', { name: 'Discard', exact: true }).click();
    const discarded = page.locator(`tr[data-event-id="${discardId}"][data-state="discarded"]`);
    await discarded.waitFor();
    assert.match((await discarded.textContent()) ?? '', new RegExp(`by ${TEST_ADMIN.email} at .*customer refunded by hand, ticket 4711`));
    await ui.pages.shot(page, 'dead-letters-settled');
    assert.equal((await user.get(`/orders/${toDiscard.id}`)).body.status, 'pending', 'a discarded event is not handled');

    // The retried order's timeline tells the story: dead-lettered (now replayed), then handled and paid.
    await page.goto(`${t.system.url}/console#/orders/${toRetry.id}`);
    await page.locator('[data-field="status"] [data-status="paid"]').waitFor();
    await page.locator('tr[data-action="dead-lettered"][data-service="billing"] [data-status="replayed"]').waitFor();
    await page.locator('tr[data-action="handled"][data-service="billing"]').waitFor();
    await ui.pages.shot(page, 'timeline-after-retry');
    await ui.pages.done(page);
  });
});
