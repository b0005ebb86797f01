/**
 * The console's page in headless Chromium, for the browser tests: a fresh tab per test, logging in, screenshots, and
 * the check that the page ran without script errors or policy violations.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { after, before } from 'node:test';
import { type Api, TEST_ADMIN } from './api.ts';
import { launchBrowser, SCREENSHOTS } from './browser.ts';

export const TIMEOUT = 15_000;

/** A phone's width (an iPhone SE or a small Android), and the desktop the other tests use. */
export const PHONE = { width: 375, height: 740 };
export const DESKTOP = { width: 1200, height: 720 };

export interface ConsolePages {
  /** A new tab with an empty session, at /console#<hash>. */
  open(hash?: string, viewport?: { width: number; height: number }): Promise<Page>;
  logIn(page: Page, email: string, password: string): Promise<void>;
  /** Logged in as the operator, with the live feed connected. */
  asOperator(hash?: string, viewport?: { width: number; height: number }): Promise<Page>;
  /** Closes the tab, failing the test if the page had a script error or broke its own policy. */
  done(page: Page): Promise<void>;
  shot(page: Page, name: string): Promise<Buffer>;
  /**
   * Fails unless the document is no wider than the window (what does not fit scrolls inside its own box, a table,
   * not the page), and saves the screenshot phone-<view>.png.
   */
  assertFits(page: Page, view: string): Promise<void>;
}

export function consolePages(browser: Browser, baseUrl: string): ConsolePages {
  /** Script errors and policy violations of each open page: there must be none (see done). */
  const problems = new WeakMap<Page, string[]>();

  const pages: ConsolePages = {
    async open(hash = '', viewport = DESKTOP) {
      const context = await browser.newContext({ viewport });
      const page = await context.newPage();
      page.setDefaultTimeout(TIMEOUT);
      const seen: string[] = [];
      problems.set(page, seen);
      page.on('pageerror', (error) => seen.push(`script error: ${error.message}`));
      page.on('console', (message) => {
        if (message.type() === 'error' && /Content.Security.Policy|Trusted Type/i.test(message.text())) seen.push(message.text());
      });
      await page.goto(`${baseUrl}/console${hash}`);
      return page;
    },

    async logIn(page, email, password) {
      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Password').fill(password);
      await page.getByRole('button', { name: 'Log in' }).click();
    },

    async asOperator(hash = '', viewport = DESKTOP) {
      const page = await pages.open(hash, viewport);
      await pages.logIn(page, TEST_ADMIN.email, TEST_ADMIN.password);
      await page.locator('#live-status[data-status="live"]').waitFor();
      return page;
    },

    async done(page) {
      await page.context().close();
      assert.deepEqual(problems.get(page), [], 'the page ran without script errors or policy violations');
    },

    shot: (page, name) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true }),

    async assertFits(page, view) {
      const [width, window] = (await page.evaluate('[document.documentElement.scrollWidth, window.innerWidth]')) as [number, number];
      assert.ok(width <= window, `${view}: the document is ${width} px wide in a window of ${window} px`);
      await pages.shot(page, `phone-${view}`);
    },
  };
  return pages;
}

/** What a describe() of browser tests holds once its before-hook has run: Chromium, the operator's API, the pages. */
export interface ConsoleUnderTest {
  browser: Browser;
  admin: Api;
  pages: ConsolePages;
}

/**
 * Starts Chromium for the enclosing describe(), against the system `t` of useSystem, and closes it afterwards.
 * Read its fields inside tests, not at definition time: the before-hook fills them in.
 */
export function useConsole(t: { system: { url: string }; api: { admin(): Promise<Api> } }): ConsoleUnderTest {
  const ui = {} as ConsoleUnderTest;
  before(async () => {
    ui.browser = await launchBrowser();
    ui.admin = await t.api.admin();
    ui.pages = consolePages(ui.browser, t.system.url);
  });
  after(() => ui.browser?.close());
  return ui;
}
