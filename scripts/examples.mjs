// Runs examples/ against the PACKED package, as a user would: `npm pack`, a fresh temporary project,
// `npm install <tarball>`, then the examples copied out of the installed package: Node (first without
// the optional `webgpu` peer, which must fail with E_MISSING_DEPENDENCY, then with it), the installed
// `ntk-at` CLI, Python reading the Node example's run, Deno (type check and run), and the browser page
// with its Worker in headless Chromium. Writes test-results/examples.json (one result per check).
// Usage: node scripts/examples.mjs [--build] (by default packs the current dist/ without rebuilding;
// --build lets `npm pack` run prepack, which builds first).

import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';
import { chromiumArgs } from '../test/runners/chromium-args.mjs';
import { serveStatic } from '../test/runners/static-server.mjs';

const root = new URL('..', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const deno = join(root, 'node_modules/.bin/deno');
const work = mkdtempSync(join(tmpdir(), 'ntk-at-examples-'));
const project = join(work, 'project');
const results = [];
const CHANCE = 0.1; // 10 classes

/** Runs a program; returns { code, out } with stdout and stderr together. */
function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { cwd: project, encoding: 'utf8', timeout: 300_000, ...options });
  return { code: r.status ?? 1, out: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? `\n${r.error.message}` : ''}` };
}

/** Records one check; `fn` returns a note or throws with what went wrong. */
async function check(name, fn) {
  const start = Date.now();
  try {
    const note = await fn();
    results.push({ name, status: 'passed', seconds: (Date.now() - start) / 1000, note });
    console.log(`  passed  ${name} (${((Date.now() - start) / 1000).toFixed(1)} s)${note ? `: ${note}` : ''}`);
  } catch (e) {
    results.push({ name, status: 'failed', seconds: (Date.now() - start) / 1000, error: e.message });
    console.log(`  FAILED  ${name}: ${e.message}`);
  }
}

/** The `{"example": ..., "accuracy": {...}}` line an example prints last; throws unless clean accuracy beats chance. */
function learned(out) {
  const line = out
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('{"example"'));
  if (!line) throw new Error(`no result line in the output:\n${out.slice(-2000)}`);
  const { accuracy, error } = JSON.parse(line);
  if (error) throw new Error(error);
  if (!(accuracy.clean > 2 * CHANCE)) throw new Error(`clean accuracy ${accuracy.clean} is not well above chance (${CHANCE})`);
  return Object.entries(accuracy)
    .map(([k, v]) => `${k} ${(100 * v).toFixed(1)}%`)
    .join(', ');
}

function expectOk({ code, out }, what) {
  if (code !== 0) throw new Error(`${what} exited with ${code}:\n${out.slice(-3000)}`);
  return out;
}

let tarball;
try {
  await check('npm pack', () => {
    const packDir = join(work, 'pack');
    mkdirSync(packDir);
    // scripts/test.sh has just built dist/; plain `npm pack` (--build here) builds again through prepack.
    const args = ['pack', '--silent', '--pack-destination', packDir, ...(process.argv.includes('--build') ? [] : ['--ignore-scripts'])];
    const name = execFileSync('npm', args, { cwd: root, encoding: 'utf8' }).trim().split('\n').pop();
    tarball = join(packDir, name);
    const listing = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).trim().split('\n');
    const unwanted = listing.filter((f) => /dist\/(bench|conformance)|dist\/types\/|\/src\/|\/test\//.test(f));
    if (unwanted.length) throw new Error(`tarball holds test/bench/source files: ${unwanted.join(', ')}`);
    const entries = [
      'ntk-at.js',
      'ntk-at.d.ts',
      'internal.js',
      'internal.d.ts',
      'chunks/shared.js',
      'chunks/shared.d.ts',
      'worker.js',
      'cli.js',
    ];
    for (const needed of [...entries.map((f) => `package/dist/${f}`), 'package/LICENSE']) {
      if (!listing.includes(needed)) throw new Error(`tarball lacks ${needed}`);
    }
    return `${name}, ${(statSync(tarball).size / 1024).toFixed(0)} KiB, ${listing.length} files`;
  });

  await check('npm install <tarball> in a fresh project', () => {
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'example-project', private: true, type: 'module' }));
    expectOk(run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball]), 'npm install');
    const installed = readdirSync(join(project, 'node_modules')).filter((n) => !n.startsWith('.'));
    if (installed.includes('webgpu')) throw new Error('the optional peer `webgpu` was installed without being asked for');
    cpSync(join(project, 'node_modules/ntk-at/examples'), project, { recursive: true });
    return `node_modules: ${installed.join(', ')}`;
  });

  await check('node example without webgpu: E_MISSING_DEPENDENCY naming the install command', () => {
    const r = run('node', ['node.mjs', 'runs/node']);
    if (r.code === 0 || !/E_MISSING_DEPENDENCY.*npm install webgpu/.test(r.out))
      throw new Error(`expected the typed error, got (exit ${r.code}):\n${r.out.slice(-1500)}`);
  });

  await check('node example (after npm install webgpu)', () => {
    // The repository's copy of the peer (the registry's tarball is 130 MB); a symlink, as `npm link` makes.
    expectOk(run('npm', ['install', '--no-audit', '--no-fund', '--no-save', join(root, 'node_modules/webgpu')]), 'npm install webgpu');
    return learned(expectOk(run('node', ['node.mjs', 'runs/node']), 'node node.mjs'));
  });

  await check("ntk-at/internal: its own entry, sharing the main entry's classes", () => {
    const script = [
      "import * as main from 'ntk-at'; import * as internal from 'ntk-at/internal';",
      "if ('sliceRows' in main || 'resolveOptions' in main) throw new Error('internals exported by the main entry');",
      "try { internal.resolveOptions('probe', { a: 1 }, { b: 2 }); throw new Error('no error'); }",
      "catch (e) { if (!(e instanceof main.NtkError)) throw new Error(`not the main entry's NtkError: ${e}`); }",
      'console.log(`main ${Object.keys(main).length} names, internal ${Object.keys(internal).length}`);',
    ].join('\n');
    return expectOk(run('node', ['--input-type=module', '-e', script]), 'node -e (internal entry)').trim();
  });

  await check('python reads the checkpoint and log.jsonl', () => {
    const out = expectOk(run('python3', ['read_run.py', 'runs/node']), 'python3 read_run.py');
    for (const expected of ['format ntk-at-checkpoint/', 'model.fc1.weight', 'final evaluation: clean']) {
      if (!out.includes(expected)) throw new Error(`missing "${expected}" in:\n${out}`);
    }
    return out.split('\n').find((l) => l.startsWith('final evaluation'));
  });

  await check('installed CLI: --version, help train, a bad option (exit 2), info without driver noise', () => {
    const cli = join(project, 'node_modules/.bin/ntk-at');
    const version = expectOk(run(cli, ['--version']), 'ntk-at --version').trim();
    if (version !== pkg.version) throw new Error(`--version printed "${version}", package.json says ${pkg.version}`);
    if (!expectOk(run(cli, ['help', 'train']), 'ntk-at help train').includes('--epochs')) throw new Error('help train lacks --epochs');
    const bad = run(cli, ['train', '--epoch', '2']);
    if (bad.code !== 2 || !bad.out.includes('--epochs'))
      throw new Error(`expected exit 2 suggesting --epochs, got ${bad.code}:\n${bad.out}`);
    const info = expectOk(run(cli, ['info']), 'ntk-at info');
    const noise = info.split('\n').filter((l) => /XDG_RUNTIME_DIR|artificially reduced|ArrayDynamicIndexing/.test(l));
    if (noise.length) throw new Error(`native driver noise on stderr of ntk-at info:\n${noise.join('\n')}`);
    return `ntk-at ${version}; ${info.trim().split('\n')[0]}`;
  });

  await check('deno example: type check against the bundled types, then run', () => {
    expectOk(run(deno, ['check', 'deno.ts']), 'deno check');
    return learned(expectOk(run(deno, ['run', '--allow-read', '--allow-env', 'deno.ts']), 'deno run'));
  });

  await check('deno imports the dist file directly (types through @ts-self-types)', () => {
    // As from a copy of the dist files (or a CDN): Deno reads types of files inside node_modules from package.json.
    mkdirSync(join(project, 'vendor'));
    cpSync(join(project, 'node_modules/ntk-at/dist'), join(project, 'vendor'), { recursive: true });
    writeFileSync(
      join(project, 'direct.ts'),
      [
        "import { shapeSize, type Shape } from './vendor/ntk-at.js';",
        'const shape: Shape = [2, 3];',
        'const wrong: string = shapeSize(shape); // must be a type error: shapeSize returns a number',
        'console.log(wrong);',
      ].join('\n'),
    );
    const r = run(deno, ['check', 'direct.ts']);
    if (r.code === 0 || !/TS2322/.test(r.out)) throw new Error(`deno check did not see the types (exit ${r.code}):\n${r.out.slice(-1500)}`);
  });

  await check('browser example: page + module Worker in headless Chromium', async () => {
    const server = await serveStatic(project);
    const profile = mkdtempSync(join(tmpdir(), 'ntk-at-chromium-'));
    const browser = await puppeteer.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      headless: true,
      args: chromiumArgs(profile),
    });
    try {
      const page = await browser.newPage();
      const errors = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${server.url}/browser.html`);
      await page.waitForFunction('window.exampleResult !== undefined', { timeout: 300_000, polling: 250 });
      const result = await page.evaluate('window.exampleResult');
      const text = await page.evaluate('document.getElementById("log").textContent');
      if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
      if (!text.includes('NTK check')) throw new Error(`no NTK events shown:\n${text}`);
      return learned(JSON.stringify(result));
    } finally {
      await browser.close();
      await server.close();
      rmSync(profile, { recursive: true, force: true });
    }
  });
} finally {
  rmSync(work, { recursive: true, force: true });
}

mkdirSync(join(root, 'test-results'), { recursive: true });
writeFileSync(join(root, 'test-results/examples.json'), JSON.stringify({ runtime: 'examples', results }, null, 1));
const failed = results.filter((r) => r.status === 'failed').length;
console.log(`[examples] ${results.length - failed} of ${results.length} passed`);
process.exit(failed > 0 ? 1 : 0);
