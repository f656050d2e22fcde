// Drives the live page (page/index.html) in headless Chromium: its menus come from the library's
// registries; a tiny synthetic run (1 epoch, 200 training images, 2 probes per class) in its module
// Worker, then checks what the page shows; then one tiny recipe (pasted as JSON) run in the page's
// Worker gives the same metrics and checkpoint bytes (sha256) as the library on the same adapter (the
// page's main thread), and the same metrics as the library in this Node process (another adapter).
// Then the recipe again in a Chromium configured as users have it (adapter info not exposed: no
// --enable-webgpu-developer-features): the adapter is reported `unknown`, the page's Worker and the
// library in the page measure the same GEMM variant, and the results equal the library's.
// Writes test-results/live.json ({ results: [{ name, status, error? }] }); exit 1 on any failure.
// Usage: node test/runners/live-page.mjs (after npm run build). Env CHROMIUM_PATH overrides the browser.

import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';
import { serveStatic } from './static-server.mjs';
import { chromiumArgs } from './chromium-args.mjs';
import { DATA_SETS, MODELS, runRecipe, SWITCH_RULES, TRAINING_METHODS } from '../../dist/ntk-at.js';

/** The cross-surface recipe: tiny, with NTK tracking, a kernel switch and PGD evaluation. */
const TINY_RECIPE = {
  data: { dataset: 'synthetic-clusters', trainSize: 100, validationSize: 20, testSize: 50, seed: 2 },
  model: { kind: 'mlp', hidden: [8] },
  training: {
    method: 'pgd',
    epochs: 1,
    batchSize: 25,
    lr: 0.1,
    schedule: 'constant',
    logEvery: 2,
    seed: 2,
    attack: { eps: 0.05, steps: 2 },
    validationPgdSteps: 2,
  },
  ntk: { enabled: true, probePerClass: 2, attack: 'pgd', attackSteps: 2 },
  switch: { rule: 'kernel', tau: 0 },
  evaluation: { threats: ['clean', 'fgsm', 'pgd3'] },
};

const TIMEOUT_MS = 3 * 60_000;
/** The program line of a run (formatProgramChoice) when the choice was measured, here or earlier. */
const PROGRAM_LINE = /^programs: matmul (block|block-storage|tiled), conv2d (im2col|implicit) \((measured|cached): /;
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
  const menus = await page.evaluate(() =>
    Object.fromEntries(
      ['method', 'model', 'dataset', 'switch'].map((name) => [
        name,
        [...document.querySelectorAll(`select[name=${name}] option`)].map((o) => o.value),
      ]),
    ),
  );
  for (const [name, registry] of [
    ['method', Object.keys(TRAINING_METHODS)],
    ['model', Object.keys(MODELS)],
    ['dataset', Object.keys(DATA_SETS)],
    ['switch', [...SWITCH_RULES]],
  ]) {
    record(
      `the ${name} menu offers the registry's entries`,
      JSON.stringify(menus[name]) === JSON.stringify(registry),
      `menu ${menus[name]} vs registry ${registry}`,
    );
  }
  await page.select('select[name=method]', 'pgd');
  await page.select('select[name=dataset]', 'synthetic-shapes');
  for (const [name, value] of [
    ['eps', '0.1'],
    ['epochs', '1'],
    ['trainSize', '200'],
    ['probePerClass', '2'],
  ]) {
    await page.$eval(
      `input[name=${name}]`,
      (el, v) => {
        el.value = v;
      },
      value,
    );
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
    programs: document.getElementById('programs').textContent,
    progress: document.getElementById('progress').textContent,
    kernelChecks: Number(document.getElementById('progress').dataset.kernelChecks ?? 0),
    result: document.getElementById('result').textContent,
    error: document.getElementById('error').textContent,
    maxGapMs: window.__maxGapMs,
    paths: Object.fromEntries(
      [...document.querySelectorAll('#plots .plot')].map((p) => [p.dataset.plot, p.querySelectorAll('svg path').length]),
    ),
  }));
  console.log(
    `[live] ${seen.adapter}\n[live] ${seen.progress}\n[live] ${seen.result || seen.error} (${((Date.now() - start) / 1000).toFixed(1)} s)`,
  );
  record(
    'run finishes with "done" within 3 minutes',
    finished && seen.state === 'done',
    `state ${seen.state}, ${seen.status} ${seen.error}`,
  );
  record('status line shows the adapter', /^adapter: \S+: .+\[path /.test(seen.adapter), `adapter line: ${seen.adapter}`);
  console.log(`[live] ${seen.programs}`);
  record('status shows the GEMM variant chosen by measurement', PROGRAM_LINE.test(seen.programs), `program line: ${seen.programs}`);
  record('at least 3 kernel events arrived', seen.kernelChecks >= 3, `${seen.kernelChecks} kernel checks`);
  record('held-out evaluation shown', /held-out accuracy on \d+ images: clean/.test(seen.result), `result line: "${seen.result}"`);
  for (const plot of ['loss', 'accuracy', 'distance', 'velocity', 'lambda', 'regression']) {
    record(`plot "${plot}" has SVG paths`, (seen.paths[plot] ?? 0) > 0, `${seen.paths[plot] ?? 'no'} paths`);
  }
  record('page stays responsive (main-thread stalls < 1 s)', seen.maxGapMs < 1000, `longest stall ${seen.maxGapMs.toFixed(0)} ms`);
  console.log(`[live] longest main-thread stall during the run: ${seen.maxGapMs.toFixed(0)} ms`);

  // One recipe in the page's worker and in the library here: same metrics, same checkpoint bytes.
  await page.$eval(
    '#recipe',
    (el, v) => {
      el.value = v;
    },
    JSON.stringify(TINY_RECIPE),
  );
  await page.click('#start');
  await page.waitForFunction("['done', 'error'].includes(document.body.dataset.state)", { timeout: TIMEOUT_MS, polling: 250 });
  const inPage = await page.evaluate(() => ({
    state: document.body.dataset.state,
    error: document.getElementById('error').textContent,
    sha256: document.getElementById('checkpoint').dataset.sha256,
    accuracy: document.getElementById('result').dataset.accuracy,
    adapter: document.getElementById('adapter').textContent,
    switched: document.getElementById('switch').textContent,
  }));
  // The library on the page's own adapter: imported into the page's main thread.
  const inBrowser = await page.evaluate(`(async () => {
    const { runRecipe } = await import('/dist/ntk-at.js');
    const run = await runRecipe(${JSON.stringify(TINY_RECIPE)}, {});
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', run.checkpoint));
    return { sha256: [...digest].map((b) => b.toString(16).padStart(2, '0')).join(''), accuracy: JSON.stringify(run.evaluation.accuracy) };
  })()`);
  const library = await runRecipe(TINY_RECIPE, {});
  const librarySha = createHash('sha256').update(library.checkpoint).digest('hex');
  console.log(`[live] recipe in the page's Worker: ${inPage.adapter}; sha256 ${inPage.sha256}, ${inPage.accuracy}`);
  console.log(`[live] recipe in the library, page main thread (same adapter): sha256 ${inBrowser.sha256}, ${inBrowser.accuracy}`);
  console.log(`[live] recipe in the library, Node (Dawn): sha256 ${librarySha}, ${JSON.stringify(library.evaluation.accuracy)}`);
  record(
    'the pasted recipe runs in the page with a kernel switch',
    inPage.state === 'done' && /kernel switch: to pgd/.test(inPage.switched),
    `${inPage.state} ${inPage.error} ${inPage.switched}`,
  );
  record(
    'page and library on the same adapter: same final metrics',
    inPage.accuracy === inBrowser.accuracy,
    `page ${inPage.accuracy} vs library ${inBrowser.accuracy}`,
  );
  record(
    'page and library on the same adapter: same checkpoint bytes',
    inPage.sha256 === inBrowser.sha256,
    `page ${inPage.sha256} vs library ${inBrowser.sha256}`,
  );
  record(
    'page and library in Node: same final metrics',
    inPage.accuracy === JSON.stringify(library.evaluation.accuracy),
    `page ${inPage.accuracy} vs library ${JSON.stringify(library.evaluation.accuracy)}`,
  );
  await page.$eval('#recipe', (el) => {
    el.value = '';
  });

  // A data source that cannot be read: the session's typed error reaches the page.
  await page.select('select[name=dataset]', 'fashion-mnist');
  await page.$eval('input[name=dir]', (el) => {
    el.value = '/no-such-dir';
  });
  await page.click('#start');
  await page.waitForFunction("['done', 'error'].includes(document.body.dataset.state)", { timeout: 60_000, polling: 250 });
  const error = await page.$eval('#error', (el) => el.textContent);
  record('unreadable data: typed E_DATA_READ error shown', /E_DATA_READ.*no-such-dir/.test(error), `error line: "${error}"`);
  await page.close();
} catch (e) {
  record('live page runs', false, String(e?.stack ?? e));
} finally {
  await browser.close();
  rmSync(profile, { recursive: true, force: true });
}
try {
  await maskedAdapterChecks();
} catch (e) {
  record('live page runs with adapter info masked', false, String(e?.stack ?? e));
} finally {
  await server.close();
}

/**
 * The pasted recipe in a Chromium that does not expose adapter info (its default): the page's Worker
 * and the library in the page's main thread must report the adapter `unknown`, choose the same GEMM variant
 * by measurement (the Worker probes, the page reads the shared cache), and give the same results.
 */
async function maskedAdapterChecks() {
  const maskedProfile = mkdtempSync(join(tmpdir(), 'ntk-at-live-masked-'));
  const masked = await puppeteer.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: chromiumArgs(maskedProfile).filter((a) => a !== '--enable-webgpu-developer-features'),
  });
  try {
    const page = await masked.newPage();
    page.on('pageerror', (e) => console.log(`page error: ${e.message}`));
    await page.goto(`${server.url}/page/index.html`);
    await page.$eval(
      '#recipe',
      (el, v) => {
        el.value = v;
      },
      JSON.stringify(TINY_RECIPE),
    );
    await page.click('#start');
    await page.waitForFunction("['done', 'error'].includes(document.body.dataset.state)", { timeout: TIMEOUT_MS, polling: 250 });
    const inPage = await page.evaluate(() => ({
      state: document.body.dataset.state,
      error: document.getElementById('error').textContent,
      sha256: document.getElementById('checkpoint').dataset.sha256,
      accuracy: document.getElementById('result').dataset.accuracy,
      adapter: document.getElementById('adapter').textContent,
      programs: document.getElementById('programs').textContent,
    }));
    const inBrowser = await page.evaluate(`(async () => {
      const { createGpu, formatAdapterReport, runRecipe } = await import('/dist/ntk-at.js');
      const gpu = await createGpu();
      const info = { adapter: formatAdapterReport(gpu.report), adapterClass: gpu.report.adapterClass, programs: gpu.programs };
      const run = await runRecipe(${JSON.stringify(TINY_RECIPE)}, { gpu });
      gpu.destroy();
      const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', run.checkpoint));
      return { ...info, sha256: [...digest].map((b) => b.toString(16).padStart(2, '0')).join(''), accuracy: JSON.stringify(run.evaluation.accuracy) };
    })()`);
    const library = await runRecipe(TINY_RECIPE, {});
    console.log(`[live masked] Worker: ${inPage.adapter}\n[live masked] Worker: ${inPage.programs}`);
    console.log(`[live masked] page main thread: ${inBrowser.adapter}; programs ${JSON.stringify(inBrowser.programs)}`);
    console.log(
      `[live masked] recipe: Worker sha256 ${inPage.sha256} ${inPage.accuracy}; page library sha256 ${inBrowser.sha256} ${inBrowser.accuracy}`,
    );
    const k = inBrowser.programs;
    const fastest = Math.min(...Object.values(k.timings));
    record('masked: the recipe runs in the page', inPage.state === 'done', `${inPage.state} ${inPage.error}`);
    record(
      'masked: the adapter is reported "unknown", not "hardware"',
      inBrowser.adapterClass === 'unknown' && /, unknown[,\]]/.test(inPage.adapter),
      `Worker: ${inPage.adapter}; page: ${inBrowser.adapter}`,
    );
    record(
      'masked: the Worker chose its GEMM variant by measurement',
      PROGRAM_LINE.test(inPage.programs),
      `program line: ${inPage.programs}`,
    );
    record(
      'masked: the page library has the same measured choice as the Worker',
      ['measured', 'cached'].includes(k.source) && inPage.programs.startsWith(`programs: matmul ${k.matmul}, conv2d ${k.conv2d} (`),
      `page ${JSON.stringify(k)} vs Worker ${inPage.programs}`,
    );
    record(
      'masked: the choice is the fastest candidate within the 15% margin',
      k.timings[k.matmul] <= fastest / 0.85,
      JSON.stringify(k.timings),
    );
    record(
      'masked: page and library on the same adapter: same final metrics',
      inPage.accuracy === inBrowser.accuracy,
      `page ${inPage.accuracy} vs library ${inBrowser.accuracy}`,
    );
    record(
      'masked: page and library on the same adapter: same checkpoint bytes',
      inPage.sha256 === inBrowser.sha256,
      `page ${inPage.sha256} vs library ${inBrowser.sha256}`,
    );
    record(
      'masked: page and library in Node: same final metrics',
      inPage.accuracy === JSON.stringify(library.evaluation.accuracy),
      `page ${inPage.accuracy} vs Node ${JSON.stringify(library.evaluation.accuracy)}`,
    );
    await page.close();
  } finally {
    await masked.close();
    rmSync(maskedProfile, { recursive: true, force: true });
  }
}
mkdirSync('test-results', { recursive: true });
writeFileSync('test-results/live.json', JSON.stringify({ runtime: 'live', results }, null, 1));
const failed = results.filter((r) => r.status === 'failed').length;
console.log(`[live] ${results.length - failed} of ${results.length} passed`);
process.exit(failed > 0 ? 1 : 0);
