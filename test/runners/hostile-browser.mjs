// Runs the hostile worker cases (test/runners/hostile-worker.html) in headless Chromium: typed
// errors across the boundary, refused requests, cancellation and terminated or failing workers.
// Writes test-results/hostile-browser.json; exit 1 on any failure.
// Usage: node test/runners/hostile-browser.mjs (after npm run build). Env CHROMIUM_PATH overrides the browser.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';
import { serveStatic } from './static-server.mjs';
import { chromiumArgs } from './chromium-args.mjs';

const root = new URL('../..', import.meta.url).pathname;
const server = await serveStatic(root);
const profile = mkdtempSync(join(tmpdir(), 'ntk-at-hostile-'));
const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  headless: true,
  args: chromiumArgs(profile),
});
let run;
try {
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.log(`page error: ${e.message}`));
  await page.goto(`${server.url}/test/runners/hostile-worker.html`);
  await page.waitForFunction('window.__hostile !== undefined', { timeout: 5 * 60_000, polling: 250 });
  run = await page.evaluate('window.__hostile');
} catch (e) {
  run = { runtime: 'hostile-browser', results: [{ name: 'hostile worker page runs', status: 'failed', error: String(e?.stack ?? e) }] };
} finally {
  await browser.close();
  await server.close();
  rmSync(profile, { recursive: true, force: true });
}
for (const r of run.results) console.log(`  ${r.status === 'passed' ? 'passed' : 'FAILED'} ${r.name}${r.error ? `: ${r.error}` : ''}`);
mkdirSync('test-results', { recursive: true });
writeFileSync('test-results/hostile-browser.json', JSON.stringify(run, null, 1));
const failed = run.results.filter((r) => r.status === 'failed').length;
console.log(`[hostile-browser] ${run.results.length - failed} of ${run.results.length} passed`);
process.exit(failed > 0 ? 1 : 0);
