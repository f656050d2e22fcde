// Runs the built conformance bundle in headless Chromium (Debian's /usr/bin/chromium, driven by
// puppeteer-core; nothing is downloaded): once in the page and once in a module Worker, writing
// test-results/browser.json and test-results/worker.json.
// Usage: node test/runners/chromium.mjs [filter]. Env CHROMIUM_PATH overrides the browser.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';
import { serveStatic } from './static-server.mjs';
import { chromiumArgs } from './chromium-args.mjs';
import { variantLines } from './variants.mjs';

const filter = process.argv[2];
const root = new URL('../..', import.meta.url).pathname;
const server = await serveStatic(root);
const profile = mkdtempSync(join(tmpdir(), 'ntk-at-chromium-'));
const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  headless: true,
  args: chromiumArgs(profile),
  // The page runs float64 references between its awaits: on a loaded machine one such stretch outlasted
  // puppeteer's default 3-minute protocol timeout. The wait below is the suite's real limit.
  protocolTimeout: 20 * 60_000,
});
let failed = 0;
try {
  for (const [label, query] of [
    ['browser', ''],
    ['worker', 'worker=1'],
  ]) {
    const page = await browser.newPage();
    page.on('console', (m) => console.log(m.text()));
    page.on('pageerror', (e) => console.log(`page error: ${e.message}`));
    const params = new URLSearchParams(query);
    if (filter) params.set('filter', filter);
    await page.goto(`${server.url}/test/runners/conformance.html?${params}`);
    await page.waitForFunction('window.__conformance !== undefined', { timeout: 20 * 60_000, polling: 500 });
    const run = await page.evaluate('window.__conformance');
    await page.close();
    if (run.error) throw new Error(`conformance ${label} failed: ${run.error}`);
    run.runtime = label;
    console.log(`[${label}] adapter: ${run.adapterLine}`);
    for (const line of variantLines(label, run)) console.log(line);
    mkdirSync('test-results', { recursive: true });
    writeFileSync(`test-results/${label}.json`, JSON.stringify(run, null, 1));
    const bad = run.results.filter((r) => r.status === 'failed').length;
    console.log(`[${label}] conformance: ${run.results.length - bad} of ${run.results.length} not failed`);
    failed += bad;
  }
} finally {
  await browser.close();
  await server.close();
  rmSync(profile, { recursive: true, force: true });
}
process.exit(failed > 0 ? 1 : 0);
