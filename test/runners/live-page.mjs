// Drives the live page (page/index.html) in headless Chromium: a tiny synthetic run (1 epoch,
// 200 training images, 2 probes per class) in its module Worker, then checks what the page shows.
// Writes test-results/live.json ({ results: [{ name, status, error? }] }); exit 1 on any failure.
// Usage: node test/runners/live-page.mjs (after npm run build). Env CHROMIUM_PATH overrides the browser.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';
import { serveStatic } from './static-server.mjs';
import { chromiumArgs } from './chromium-args.mjs';

const TIMEOUT_MS = 3 * 60_000;
const root = new URL('../..', import.meta.url).pathname;
const server = await serveStatic(root);
const profile = mkdtempSync(join(tmpdir(), 'ntk-at-live-'));
const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  headless: true,
  args: chromiumArgs(profile),
});
const results = [];
const record = (name, ok, error) => {
  results.push(ok ? { name, status: 'passed' } : { name, status: 'failed', error });
  console.log(`  ${ok ? 'passed' : 'FAILED'} ${name}${ok ? '' : `: ${error}`}`);
};
try {
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.log(`page error: ${e.message}`));
  page.on('console', (m) => m.type() === 'error' && console.log(`console: ${m.text()}`));
  await page.goto(`${server.url}/page/index.html`);
  await page.select('select[name=method]', 'pgd');
  await page.select('select[name=data]', 'synthetic-shapes');
  for (const [name, value] of [['eps', '0.1'], ['epochs', '1'], ['trainSize', '200'], ['probePerClass', '2']]) {
    await page.$eval(`input[name=${name}]`, (el, v) => { el.value = v; }, value);
  }
  // The main thread's longest stall during the run: the Worker must keep the page responsive.
  await page.evaluate(() => {
    window.__maxGapMs = 0;
    let last = performance.now();
    setInterval(() => {
      const now = performance.now();
      window.__maxGapMs = Math.max(window.__maxGapMs, now - last);
      last = now;
    }, 50);
  });
  const start = Date.now();
  await page.click('#start');
  let finished = true;
  try {
    await page.waitForFunction("['done', 'error'].includes(document.body.dataset.state)", { timeout: TIMEOUT_MS, polling: 250 });
  } catch {
    finished = false;
  }
  const seen = await page.evaluate(() => ({
    state: document.body.dataset.state,
    status: document.getElementById('status').textContent,
    adapter: document.getElementById('adapter').textContent,
    progress: document.getElementById('progress').textContent,
    kernelChecks: Number(document.getElementById('progress').dataset.kernelChecks ?? 0),
    result: document.getElementById('result').textContent,
    error: document.getElementById('error').textContent,
    maxGapMs: window.__maxGapMs,
    paths: Object.fromEntries([...document.querySelectorAll('#plots .plot')].map((p) => [p.dataset.plot, p.querySelectorAll('svg path').length])),
  }));
  console.log(`[live] ${seen.adapter}\n[live] ${seen.progress}\n[live] ${seen.result || seen.error} (${((Date.now() - start) / 1000).toFixed(1)} s)`);
  record('run finishes with "done" within 3 minutes', finished && seen.state === 'done', `state ${seen.state}, ${seen.status} ${seen.error}`);
  record('status line shows the adapter', /^adapter: \S+: .+\[path /.test(seen.adapter), `adapter line: ${seen.adapter}`);
  record('at least 3 kernel events arrived', seen.kernelChecks >= 3, `${seen.kernelChecks} kernel checks`);
  record('held-out evaluation shown', /held-out accuracy on \d+ images: clean/.test(seen.result), `result line: "${seen.result}"`);
  for (const plot of ['loss', 'accuracy', 'distance', 'velocity', 'lambda']) {
    record(`plot "${plot}" has SVG paths`, (seen.paths[plot] ?? 0) > 0, `${seen.paths[plot] ?? 'no'} paths`);
  }
  record('page stays responsive (main-thread stalls < 1 s)', seen.maxGapMs < 1000, `longest stall ${seen.maxGapMs.toFixed(0)} ms`);
  console.log(`[live] longest main-thread stall during the run: ${seen.maxGapMs.toFixed(0)} ms`);

  // A data source that cannot be read: the session's typed error reaches the page.
  await page.select('select[name=data]', 'fashion-mnist');
  await page.$eval('input[name=dir]', (el) => { el.value = '/no-such-dir'; });
  await page.click('#start');
  await page.waitForFunction("['done', 'error'].includes(document.body.dataset.state)", { timeout: 60_000, polling: 250 });
  const error = await page.$eval('#error', (el) => el.textContent);
  record('unreadable data: typed E_DATA_READ error shown', /E_DATA_READ.*no-such-dir/.test(error), `error line: "${error}"`);
  await page.close();
} catch (e) {
  record('live page runs', false, String(e?.stack ?? e));
} finally {
  await browser.close();
  await server.close();
  rmSync(profile, { recursive: true, force: true });
}
mkdirSync('test-results', { recursive: true });
writeFileSync('test-results/live.json', JSON.stringify({ runtime: 'live', results }, null, 1));
const failed = results.filter((r) => r.status === 'failed').length;
console.log(`[live] ${results.length - failed} of ${results.length} passed`);
process.exit(failed > 0 ? 1 : 0);
