import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/** Debian's Chromium (package `chromium`): playwright-core drives it and never downloads a browser. */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * Browser tests run when Chromium is installed. Without it they are skipped with a message, unless CI is
 * set: CI must prove them (.ci/run installs the package), as it must prove the PostgreSQL run.
 */
export const chromiumMissing = !existsSync(CHROMIUM) && !process.env.CI;
if (chromiumMissing) console.warn(`\n[psif tests] ${CHROMIUM} is not installed: the browser tests are SKIPPED (apt-get install chromium; set CI=1 to make this an error).\n`);

/** Headless, with nothing that talks to the outside world (this machine's network is closed). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
}
