/**
 * The console as an operator finds it in their first hour, in headless Chromium: the feed starts with the orders
 * placed before the login and follows them live without a second row, a user is found by address as well as by id,
 * and every view fits a phone's width. Screenshots go to reports/console/.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { eventually, type Member, TEST_ADMIN } from '../support/api.ts';
import { skipWithoutBrowser } from '../support/browser.ts';
import { PHONE, useConsole } from '../support/console-page.ts';
import { failInserts } from '../support/faults.ts';
import { useSystem } from '../support/topology.ts';

describe('operators’ console in a browser: the first hour (embedded)', { skip: skipWithoutBrowser() }, () => {
  const t = useSystem('embedded');
  const ui = useConsole(t);

  /** The id of the dead letter billing made of the order's creation, once it has. */
  const deadLetterOf = (orderId: string) =>
    eventually(
      async () => {
        const waiting = await ui.admin.get('/billing/admin/dead-letters?state=waiting&limit=100');
        const letter = waiting.body.items.find((item: { subject: string }) => item.subject === orderId);
        assert.ok(letter, `order ${orderId} is not dead-lettered yet`);
        return letter.eventId as string;
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );

  /** The orders of the feed, top to bottom. */
  const feedRows = (page: Page) => page.locator('table.feed tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-order-id')));

  let buyer: Member;
  let paid: { id: string };

  test('after login the feed lists the orders placed before it, newest first, then follows them live in the same rows', async () => {
    buyer = await t.api.userWithAccount(10_000);
    const fault = await failInserts(t.system.database('billing'), 'ledger', buyer.id, 'injected fault: ledger unavailable');
    const stuck = (await buyer.post('/orders', { userId: buyer.id, price: 300 })).body;
    const letterId = await deadLetterOf(stuck.id);
    const other = await t.api.userWithAccount(10_000);
    paid = (await other.post('/orders', { userId: other.id, price: 400 }, { prefer: 'wait=10' })).body;
    assert.equal((await other.get(`/orders/${paid.id}`)).body.status, 'paid');

    const page = await ui.pages.asOperator();
    await page.locator(`tr[data-order-id="${paid.id}"] [data-status="paid"]`).waitFor();
    await page.locator(`tr[data-order-id="${stuck.id}"] [data-status="pending"]`).waitFor();
    assert.deepEqual(await feedRows(page), [paid.id, stuck.id], 'the history, newest first');

    // The stuck order's payment goes through now: its events come live, about an order the feed already lists.
    await fault.lift();
    assert.equal((await ui.admin.post(`/billing/admin/dead-letters/${letterId}/retry`, {})).body.state, 'replayed');
    const stuckRow = page.locator(`tr[data-order-id="${stuck.id}"]`);
    await stuckRow.locator('[data-status="paid"]').waitFor();
    await stuckRow.getByText('letter stored').waitFor();
    const later = (await buyer.post('/orders', { userId: buyer.id, price: 500 }, { prefer: 'wait=10' })).body;
    await page.locator(`tr[data-order-id="${later.id}"] [data-status="paid"]`).waitFor();
    assert.deepEqual(await feedRows(page), [later.id, stuck.id, paid.id], 'one row per order, the most recently moved on top');
    await ui.pages.shot(page, 'feed-after-login');
    await ui.pages.done(page);
  });

  test('a user is found by address, in any letter case, or by id; an unknown address says so', async () => {
    const page = await ui.pages.asOperator('#/users');
    const search = page.getByRole('searchbox', { name: 'Email address or user id' });
    const balance = page.locator('[data-field="balance"]');

    await search.fill(buyer.email.toUpperCase());
    await page.getByRole('button', { name: 'Show' }).click();
    await balance.filter({ hasText: '92.00 ₽' }).waitFor();
    assert.equal(new URL(page.url()).hash, `#/users/${buyer.id}`, 'the user’s page, by id: a link to share');
    assert.equal(await page.locator('nav a.current').textContent(), 'Users');

    const nobody = `nobody-${crypto.randomUUID()}@example.com`;
    await search.fill(nobody);
    await page.getByRole('button', { name: 'Show' }).click();
    await page.getByText(`No user has the address ${nobody}.`).waitFor();

    await page.goto(`${t.system.url}/console#/users`);
    await search.fill(buyer.id.toUpperCase());
    await page.getByRole('button', { name: 'Show' }).click();
    await balance.filter({ hasText: '92.00 ₽' }).waitFor();
    await ui.pages.done(page);
  });

  test('at a phone’s width every view fits the window, logged in and with data', async () => {
    const page = await ui.pages.open('', PHONE);
    await page.getByRole('button', { name: 'Log in' }).waitFor();
    await ui.pages.assertFits(page, 'login');
    await ui.pages.logIn(page, TEST_ADMIN.email, TEST_ADMIN.password);
    await page.locator('#live-status[data-status="live"]').waitFor();

    await page.locator(`tr[data-order-id="${paid.id}"] [data-status="paid"]`).waitFor();
    await ui.pages.assertFits(page, 'feed');
    await page.goto(`${t.system.url}/console#/orders/${paid.id}`);
    await page.locator('table[aria-label="Timeline"] tr[data-type="notifications.letter.stored.v1"]').waitFor();
    await ui.pages.assertFits(page, 'timeline');
    await page.goto(`${t.system.url}/console#/users`);
    await page.getByRole('searchbox', { name: 'Email address or user id' }).waitFor();
    await ui.pages.assertFits(page, 'users');
    await page.goto(`${t.system.url}/console#/users/${buyer.id}`);
    await page.getByRole('region', { name: 'Letters' }).locator('tbody tr').nth(1).waitFor();
    await ui.pages.assertFits(page, 'user');
    await page.goto(`${t.system.url}/console#/dead-letters`);
    await page.getByLabel('Which dead letters').selectOption('all');
    await page.locator('tr[data-state="replayed"]').waitFor();
    await ui.pages.assertFits(page, 'dead-letters');
    // Whether a process is listed depends on the style and the moment (tests/console/processes.e2e.test.ts makes
    // some): either the list or the sentence that nothing needs a look must fit. A paid order's process has no step.
    await page.goto(`${t.system.url}/console#/processes`);
    await page.locator('table.processes').or(page.getByText('No process needs a look')).waitFor();
    await ui.pages.assertFits(page, 'processes-none');
    await page.goto(`${t.system.url}/console#/processes/${paid.id}`);
    await page.locator('[data-field="step"]').filter({ hasText: 'nothing waits for billing' }).waitFor();
    await ui.pages.assertFits(page, 'process-paid');
    await ui.pages.done(page);
  });
});
