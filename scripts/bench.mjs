// `npm run bench`: runs the benchmarks (built by `npm run build`) in Node, Deno and/or headless
// Chromium, prints a table per runtime with the adapter named, and writes bench-results/<runtime>.json.
// Usage: node scripts/bench.mjs [--runtime node|deno|browser|all] [--filter name] [--quick]

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : fallback;
};
const runtime = option('runtime', 'node');
const filter = option('filter', '');
const quick = argv.includes('--quick');
const root = new URL('..', import.meta.url).pathname;
const runtimes = runtime === 'all' ? ['node', 'deno', 'browser'] : [runtime];

function runCli(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${cmd} exited with ${r.status}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

async function runBrowser() {
  const { default: puppeteer } = await import('puppeteer-core');
  const { serveStatic } = await import('../test/runners/static-server.mjs');
  const { chromiumArgs } = await import('../test/runners/chromium-args.mjs');
  const server = await serveStatic(root);
  const profile = mkdtempSync(join(tmpdir(), 'ntk-at-bench-'));
  const browser = await puppeteer.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: chromiumArgs(profile) });
  try {
    const page = await browser.newPage();
    page.on('console', (m) => console.error(m.text()));
    const q = new URLSearchParams({ ...(filter ? { filter } : {}), ...(quick ? { quick: '1' } : {}) });
    await page.goto(`${server.url}/bench/bench.html?${q}`);
    await page.waitForFunction('window.__bench !== undefined', { timeout: 60 * 60_000, polling: 1000 });
    const run = await page.evaluate('window.__bench');
    if (run.error) throw new Error(run.error);
    return run;
  } finally {
    await browser.close();
    await server.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

mkdirSync(join(root, 'bench-results'), { recursive: true });
for (const rt of runtimes) {
  console.log(`\n== ${rt}`);
  const args = [...(filter ? [filter] : []), ...(quick ? ['--quick'] : [])];
  const run =
    rt === 'node' ? runCli('node', ['bench/run.mjs', ...args])
    : rt === 'deno' ? runCli(join(root, 'node_modules/.bin/deno'), ['run', '--allow-read', '--allow-env', 'bench/run.mjs', ...args])
    : await runBrowser();
  console.log(`adapter: ${run.adapterLine}`);
  for (const r of run.rows) {
    console.log(`${r.bench.padEnd(24)} ${r.config.padEnd(28)} ${Object.entries(r.figures).map(([k, v]) => `${k}=${v}`).join('  ')}`);
  }
  writeFileSync(join(root, `bench-results/${rt}.json`), JSON.stringify({ date: new Date().toISOString(), ...run }, null, 1));
}
