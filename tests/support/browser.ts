import { accessSync, constants } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';

/** Debian's Chromium (apt-get install chromium): playwright-core drives it, nothing is downloaded at install. */
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** Where the browser tests save their screenshots (ignored by git; CI keeps them as artifacts). */
export const SCREENSHOTS = join(import.meta.dirname, '..', '..', 'reports', 'console');

/** Why no browser can run here, or undefined when one can. */
export function browserUnavailableReason(): string | undefined {
  try {
    accessSync(CHROMIUM, constants.X_OK);
    return undefined;
  } catch {
    return `${CHROMIUM} is not there: install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH`;
  }
}

/** The `skip` option of a browser test: skipped, saying why, without a browser; under REQUIRE_BROWSER=1 (CI) never. */
export function skipWithoutBrowser(): string | false {
  const reason = browserUnavailableReason();
  return reason && process.env.REQUIRE_BROWSER !== '1' ? `browser tests need Chromium: ${reason}` : false;
}

/**
 * Headless Chromium with a fresh profile (Playwright gives each launch a temporary one), and nothing that phones
 * home or waits for a GPU. Fails with a clear message where there is no Chromium (under REQUIRE_BROWSER=1).
 */
export async function launchBrowser(): Promise<Browser> {
  const reason = browserUnavailableReason();
  if (reason) throw new Error(`the console's browser tests cannot run: ${reason}`);
  await mkdir(SCREENSHOTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
