// `npm run bench`: the side-by-side harness. Each case (table CASES) runs on our stack (built bundle,
// in Node, Deno and/or headless Chromium) and then, with the same spec, in each peer present on the
// machine (bench/peers/; absent ones are skipped with a note), case after case so that both see the
// same machine load. Every side times at least MIN_RUNS runs after a warm-up; here they become the
// median, the range (min-max), nominal GFLOP/s and images/s, and a ratio table that marks a comparison
// "not significant" when the two ranges overlap (bench/stats.ts; printed, bench-results/compare.{json,md}).
// Usage: node scripts/bench.mjs [--runtime node|deno|browser|all] [--filter text|text2] [--quick] [--no-peers]
//          [--data DIR (Fashion-MNIST IDX .gz files)] [--out DIR (default bench-results)]
//        node scripts/bench.mjs --extras [--runtime r] [--filter name] [--quick] [--out DIR]   (our-stack-only benches)
//        node scripts/bench.mjs --profile [--runtime r] [--filter text] [--replays N] [--data DIR] [--out DIR]
//          (one training step of the MLP and the CNN, standard and PGD-10, and the CNN's trace NTK of 100
//          images, by op: src/device/profile.ts)
//        node scripts/bench.mjs --submit-every 16,32,64,128 [--runtime node|deno] [--filter text] [--out DIR]
//          (the training cases with each number of commands per submission, GpuOptions.submitEvery)
// env NTK_AT_COMMIT names the measured commit where there is no git checkout (scripts/gpu-bench).

import { execSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { MIN_RUNS, significant, summarizeTimes } from '../dist/bench.js';

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
const DATA_DIR = option('data', '/usr/share/datasets/fashion-mnist');
const OUT_DIR = option('out', join(root, 'bench-results'));
/** Debian's python3 (the one with python3-torch); a pyenv or venv python3 on PATH may lack it. */
const PYTHON = process.env.NTK_AT_PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');

// ---- the cases --------------------------------------------------------------------------------
/** Nominal forward FLOPs per image of the two models (2 per multiply-add; bench/cases.ts builds them). */
const FORWARD_FLOPS = {
  mlp: 2 * (784 * 256 + 256 * 256 + 256 * 10),
  cnn: 2 * (26 * 26 * 16 * 9 + 11 * 11 * 32 * 16 * 9 + 800 * 10),
};
const PARAMETERS = { mlp: 269_322, cnn: 12_810 };
const METHOD_LABEL = { standard: 'standard', 'fgsm-rs': 'FGSM-RS', pgd: 'PGD-10' };

/** Timed runs per case at most (at least MIN_RUNS; fewer than `repeats` once the case's budgetS is spent). */
const runsOf = (repeats) => ({ repeats: Math.max(repeats, MIN_RUNS), minRuns: MIN_RUNS });
function matmulCase(m, k, n, repeats) {
  const inner = Math.max(1, Math.round(2e8 / (2 * m * k * n))); // ~0.2 GFLOP per timed run
  return {
    id: `matmul f32 [${m}x${k}]x[${k}x${n}]`,
    spec: { kind: 'matmul', m, k, n, inner, ...runsOf(repeats), budgetS: 20 },
    flops: 2 * m * k * n,
    callsPerRun: inner,
    peers: ['numpy'],
  };
}
function ntkCase(model, probes) {
  return {
    id: `trace NTK ${model} ${probes} probes`,
    spec: { kind: 'ntk', model, probes, data: DATA_DIR, ...runsOf(5), budgetS: 60 },
    flops: 2 * probes ** 2 * PARAMETERS[model] * 10,
    peers: ['pytorch'],
  };
}
function trainCase(model, method, steps) {
  const passes = method === 'standard' ? 1 : method === 'fgsm-rs' ? 2 : 11; // forward+backward passes per image
  const spec = { kind: 'train', model, method, batch: 128, steps, eps: 0.1, pgdSteps: 10, data: DATA_DIR, ...runsOf(5), budgetS: 60 };
  return {
    id: `train ${model} ${METHOD_LABEL[method]} b128`,
    spec,
    images: steps * 128,
    flops: 3 * FORWARD_FLOPS[model] * passes * steps * 128,
    peers: model === 'mlp' && method === 'standard' ? ['pytorch', 'tfjs'] : ['pytorch'],
  };
}
function eighCase(n, vectors, repeats) {
  return {
    id: `eigh f64 n=${n} ${vectors ? 'with vectors' : 'values only'}`,
    spec: { kind: 'eigh', n, vectors, ...runsOf(repeats), budgetS: 40 },
    flops: (vectors ? 9 : 4 / 3) * n ** 3,
    peers: ['numpy'],
  };
}

const CASES = quick
  ? [
      matmulCase(256, 256, 256, 5),
      matmulCase(128, 784, 256, 5),
      ntkCase('mlp', 20),
      ntkCase('cnn', 20),
      trainCase('mlp', 'standard', 2),
      trainCase('mlp', 'pgd', 1),
      trainCase('cnn', 'standard', 1),
      eighCase(200, false, 5),
      eighCase(200, true, 5),
    ]
  : [
      matmulCase(512, 512, 512, 7),
      matmulCase(128, 784, 256, 7),
      matmulCase(128, 256, 256, 7),
      matmulCase(784, 128, 256, 7),
      ntkCase('mlp', 100),
      ntkCase('mlp', 500),
      ntkCase('cnn', 100),
      ntkCase('cnn', 500),
      ...['standard', 'fgsm-rs', 'pgd'].map((m) => trainCase('mlp', m, 10)),
      ...['standard', 'fgsm-rs', 'pgd'].map((m) => trainCase('cnn', m, m === 'pgd' ? 2 : 4)),
      eighCase(1000, false, 5),
      eighCase(1000, true, 5),
      eighCase(2000, false, 5),
      eighCase(2000, true, 5),
    ];

// ---- the peers --------------------------------------------------------------------------------
const INSTALL_HINT = 'install the peers with `bash scripts/install-peers.sh`';
const pythonHas = (modules) =>
  existsSync(join(root, 'bench/peers/python_peer.py')) && spawnSync(PYTHON, ['-c', `import ${modules}`], { stdio: 'ignore' }).status === 0;
const pythonEnv = () => {
  const env = { ...process.env, OMP_WAIT_POLICY: 'PASSIVE' };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  return env;
};
const PEERS = {
  numpy: {
    label: 'numpy/OpenBLAS, 1 thread',
    present: () => pythonHas('numpy, threadpoolctl'),
    command: (spec) => [PYTHON, ['bench/peers/python_peer.py', JSON.stringify(spec)], pythonEnv()],
  },
  pytorch: {
    label: 'PyTorch CPU, 2 threads',
    present: () => pythonHas('torch, functorch, numpy, threadpoolctl'),
    command: (spec) => [PYTHON, ['bench/peers/python_peer.py', JSON.stringify(spec)], pythonEnv()],
  },
  tfjs: {
    label: 'TF.js 4.22.0 wasm',
    present: () => existsSync(join(root, 'bench/peers/node_modules/@tensorflow/tfjs-backend-wasm/package.json')),
    command: (spec) => [process.execPath, ['bench/peers/tfjs_peer.mjs', JSON.stringify(spec)], process.env],
  },
};

// ---- running one side -------------------------------------------------------------------------
/** Runs a command that prints a JSON document on its last stdout line; a failure becomes { error }. */
function runJson(cmd, args, env = process.env) {
  const r = spawnSync(cmd, args, {
    cwd: root,
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 1 << 26,
    timeout: 30 * 60_000,
  });
  const lastLine = (r.stdout ?? '').trim().split('\n').pop();
  if (r.status === 0 && lastLine?.startsWith('{')) return JSON.parse(lastLine);
  const stderr = (r.stderr ?? '')
    .split('\n')
    .filter((l) => /error|Error|Killed/.test(l))
    .slice(-3)
    .join(' | ');
  return { error: `${cmd} ${args[0]} exited with ${r.status ?? r.signal}${stderr ? `: ${stderr}` : ''}` };
}

let browser = null;
async function runInBrowser(query) {
  if (!browser) {
    const { default: puppeteer } = await import('puppeteer-core');
    const { serveStatic } = await import('../test/runners/static-server.mjs');
    const { chromiumArgs } = await import('../test/runners/chromium-args.mjs');
    const profile = mkdtempSync(join(tmpdir(), 'ntk-at-bench-'));
    const server = await serveStatic(root);
    const instance = await puppeteer.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: chromiumArgs(profile),
    });
    browser = {
      instance,
      server,
      close: async () => {
        await instance.close();
        await server.close();
        rmSync(profile, { recursive: true, force: true });
      },
    };
  }
  const page = await browser.instance.newPage();
  try {
    page.on('console', (m) => console.error(m.text()));
    await page.goto(`${browser.server.url}/bench/bench.html?${new URLSearchParams(query)}`);
    await page.waitForFunction('window.__bench !== undefined', { timeout: 60 * 60_000, polling: 1000 });
    return await page.evaluate('window.__bench');
  } finally {
    await page.close();
  }
}

/** The browser reads the data through the static server: a copy of the two IDX files under bench-results/. */
function browserDataDir() {
  const dir = join(root, 'bench-results/data/fashion-mnist'); // served from the repository root
  mkdirSync(dir, { recursive: true });
  for (const f of ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz']) {
    if (!existsSync(join(dir, f))) copyFileSync(join(DATA_DIR, f), join(dir, f));
  }
  return '/bench-results/data/fashion-mnist';
}

/** A case's profile by op (bench/cases.ts profileCase) in runtime `rt`. */
async function runProfile(rt, spec, replays) {
  if (rt === 'browser') return runInBrowser({ profile: JSON.stringify({ ...spec, data: browserDataDir() }), replays: String(replays) });
  const args = ['bench/run.mjs', '--profile', JSON.stringify(spec), String(replays)];
  return rt === 'node'
    ? runJson(process.execPath, args)
    : runJson(join(root, 'node_modules/.bin/deno'), ['run', '--allow-read', '--allow-env', ...args]);
}

/** One case on our stack in runtime `rt`; `env` reaches Node and Deno (not the browser page). */
async function runOurs(rt, spec, env = process.env) {
  if (rt === 'browser') return runInBrowser({ case: JSON.stringify(spec.data ? { ...spec, data: browserDataDir() } : spec) });
  const args = ['bench/run.mjs', '--case', JSON.stringify(spec)];
  return rt === 'node'
    ? runJson(process.execPath, args, env)
    : runJson(join(root, 'node_modules/.bin/deno'), ['run', '--allow-read', '--allow-env', ...args], env);
}

// ---- statistics and the tables ----------------------------------------------------------------
function stats(c, result) {
  if (result.error) return { error: result.error };
  const s = summarizeTimes(result.times_ms.map((x) => x / (c.callsPerRun ?? 1)));
  const perSecond = (ms) => c.images / (ms / 1000);
  return {
    ...s,
    gflops: c.flops / (s.median_ms * 1e6),
    ...(c.images ? { images_per_s: perSecond(s.median_ms), images_per_s_range: [perSecond(s.max_ms), perSecond(s.min_ms)] } : {}),
    info: result.info,
    times_ms: result.times_ms,
  };
}

const round = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toPrecision(2));
/** Median with the range of the timed runs in brackets, and the run count. */
const figure = (s) =>
  s.error
    ? `failed (${s.error.slice(0, 80)})`
    : s.images_per_s
      ? `${round(s.images_per_s)} img/s [${round(s.images_per_s_range[0])}-${round(s.images_per_s_range[1])}] (${s.runs} runs)`
      : `${round(s.median_ms)} ms [${round(s.min_ms)}-${round(s.max_ms)}] (${s.runs} runs), ${round(s.gflops)} GFLOP/s`;
function ratioCell(ours, peer) {
  if (ours.error || peer.error) return 'n/a';
  const speedup = peer.median_ms / ours.median_ms; // >1: ours faster
  const ratio = speedup >= 1 ? `${round(speedup)}x faster` : `${round(1 / speedup)}x slower`;
  return significant(ours, peer) ? ratio : `${ratio}, not significant (ranges overlap)`;
}

function markdown(report) {
  const lines = [
    `# ntk-at vs peers (${report.date}, commit ${report.commit})`,
    '',
    `Machine: ${report.machine}. Load average at the start: ${report.loadavg}.`,
    ...Object.entries(report.adapters).map(([rt, line]) => `Adapter (${rt}): ${line}`),
    ...Object.entries(report.peers).map(([p, v]) => `Peer ${p}: ${v}`),
    '',
    `Figures: median of at least ${MIN_RUNS} timed runs after a warm-up (matmul: per product, several products per run), [min-max] of the runs in brackets;`,
    'GFLOP/s from nominal FLOP counts (scripts/bench.mjs: 2mnk; NTK 2·n²·P·10; training 3 forward-FLOPs per forward+backward pass; eigh 4n³/3 or 9n³).',
    'Last column: ours/peer speed, from the medians of runs taken case by case in the same session; "not significant" when the two',
    `ranges overlap (with ${MIN_RUNS} runs a side and no real difference, disjoint ranges occur with probability 0.8 %: bench/stats.ts).`,
    '',
    '| case | runtime | ours | peer | peer figure | ours vs peer |',
    '|---|---|---|---|---|---|',
  ];
  for (const r of report.rows)
    lines.push(
      `| ${r.case} | ${r.runtime} | ${figure(r.ours)} | ${r.peer} | ${r.peerStats ? figure(r.peerStats) : r.note} | ${r.peerStats ? ratioCell(r.ours, r.peerStats) : '—'} |`,
    );
  if (report.notes.length) lines.push('', ...report.notes.map((n) => `- ${n}`));
  return `${lines.join('\n')}\n`;
}

/** What every bench report starts with: when, which commit, which machine, how loaded. */
function runHeader() {
  return {
    date: new Date().toISOString(),
    commit: commitName(),
    machine: `${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}`,
    loadavg: loadavg()
      .map((x) => x.toFixed(1))
      .join(' '),
  };
}

function commitName() {
  if (process.env.NTK_AT_COMMIT) return process.env.NTK_AT_COMMIT;
  try {
    const head = execSync('git rev-parse --short HEAD', { cwd: root, encoding: 'utf8' }).trim();
    const dirty = execSync('git status --porcelain --untracked-files=no', { cwd: root, encoding: 'utf8' }).trim();
    return dirty ? `${head} (with uncommitted changes)` : head;
  } catch {
    return 'unknown';
  }
}

/** Notes a side whose model does not have the expected parameter count (both sides must run the same model). */
function checkModel(report, c, who, s) {
  const got = s.info?.parameters;
  if (c.spec.model && got !== undefined && got !== PARAMETERS[c.spec.model]) {
    report.notes.push(`${c.id}: ${who} built ${got} parameters, expected ${PARAMETERS[c.spec.model]}: not the same model.`);
  }
}

// ---- main -------------------------------------------------------------------------------------
async function sideBySide() {
  const cases = CASES.filter((c) => filter.split('|').some((part) => c.id.includes(part)));
  const usePeers = !argv.includes('--no-peers');
  const report = {
    ...runHeader(),
    quick,
    adapters: {},
    peers: {},
    notes: [],
    rows: [],
  };
  const present = {};
  for (const [name, peer] of Object.entries(PEERS)) {
    present[name] = usePeers && peer.present();
    report.peers[name] = present[name] ? `${peer.label}, present` : usePeers ? `absent: skipped (${INSTALL_HINT})` : 'skipped (--no-peers)';
    if (!present[name])
      console.log(
        `note: peer ${name} (${peer.label}) ${usePeers ? `is absent; its cases are skipped (${INSTALL_HINT})` : 'skipped (--no-peers)'}`,
      );
  }
  for (const c of cases) {
    console.log(`\n== ${c.id}`);
    const ours = {};
    for (const rt of runtimes) {
      const result = await runOurs(rt, c.spec);
      if (result.adapterLine) report.adapters[rt] = result.adapterLine;
      ours[rt] = stats(c, result);
      checkModel(report, c, `ours (${rt})`, ours[rt]);
      console.log(`  ours ${rt.padEnd(8)} ${figure(ours[rt])}`);
    }
    for (const p of c.peers) {
      const peerStats = present[p] ? stats(c, runJson(...PEERS[p].command(c.spec))) : null;
      if (peerStats)
        console.log(
          `  ${p.padEnd(13)} ${figure(peerStats)}; ours ${runtimes.map((rt) => `(${rt}) ${ratioCell(ours[rt], peerStats)}`).join(', ')}`,
        );
      if (peerStats) checkModel(report, c, p, peerStats);
      for (const rt of runtimes) {
        report.rows.push({
          case: c.id,
          runtime: rt,
          ours: ours[rt],
          peer: PEERS[p].label,
          peerStats,
          note: present[p] ? '' : usePeers ? 'absent: skipped' : 'skipped (--no-peers)',
        });
      }
    }
  }
  await browser?.close();
  const md = markdown(report);
  console.log(`\n${md}`);
  mkdirSync(OUT_DIR, { recursive: true });
  writeFileSync(join(OUT_DIR, 'compare.json'), JSON.stringify(report, null, 1));
  writeFileSync(join(OUT_DIR, 'compare.md'), md);
  console.log(`written: ${join(OUT_DIR, 'compare.json')}, ${join(OUT_DIR, 'compare.md')}`);
}

/** The benchmarks of our stack alone (bench/nn.ts, nn_conv.ts, data.ts): one table per runtime. */
async function extras() {
  mkdirSync(OUT_DIR, { recursive: true });
  for (const rt of runtimes) {
    console.log(`\n== ${rt}`);
    const args = [...(filter ? [filter] : []), ...(quick ? ['--quick'] : [])];
    const run =
      rt === 'browser'
        ? await runInBrowser({ ...(filter ? { filter } : {}), ...(quick ? { quick: '1' } : {}) })
        : rt === 'node'
          ? runJson(process.execPath, ['bench/run.mjs', ...args])
          : runJson(join(root, 'node_modules/.bin/deno'), ['run', '--allow-read', '--allow-env', 'bench/run.mjs', ...args]);
    if (run.error) throw new Error(run.error);
    console.log(`adapter: ${run.adapterLine}`);
    for (const r of run.rows) {
      console.log(
        `${r.bench.padEnd(24)} ${r.config.padEnd(28)} ${Object.entries(r.figures)
          .map(([k, v]) => `${k}=${v}`)
          .join('  ')}`,
      );
    }
    writeFileSync(join(OUT_DIR, `${rt}.json`), JSON.stringify({ date: new Date().toISOString(), ...run }, null, 1));
  }
  await browser?.close();
}

/** Command labels the profile lists per case. */
const TOP_COMMANDS = 15;

/** Where a training step's or a kernel's time goes, by op: one table per case and runtime (bench-results/profile.{md,json}). */
async function profiles() {
  const replays = Number(option('replays', '5'));
  if (!(Number.isInteger(replays) && replays >= 1)) {
    console.error(`bench: --replays must be an integer >= 1, got ${option('replays')}`);
    process.exit(2);
  }
  const cases = [
    trainCase('mlp', 'standard', 1),
    trainCase('mlp', 'pgd', 1),
    trainCase('cnn', 'standard', 1),
    trainCase('cnn', 'pgd', 1),
    ntkCase('cnn', 100),
  ].filter((c) => filter.split('|').some((part) => c.id.includes(part)));
  const report = {
    ...runHeader(),
    replays,
    adapters: {},
    profiles: [],
  };
  const lines = [
    `# Per-step profile (${report.date}, commit ${report.commit})`,
    '',
    `Machine: ${report.machine}. Load average at the start: ${report.loadavg}.`,
  ];
  for (const c of cases) {
    for (const rt of runtimes) {
      const id = `${c.id.replace(/^train /, '')} (${rt})`;
      console.log(`\n== profile: ${id}`);
      const run = await runProfile(rt, c.spec, replays);
      if (run.error) {
        console.log(`  failed: ${run.error}`);
        lines.push('', `## ${id}`, '', `failed: ${run.error}`);
        continue;
      }
      report.adapters[rt] = run.adapterLine;
      report.profiles.push({ case: c.id, runtime: rt, ...run.profile });
      const p = run.profile;
      const table = [
        `${c.spec.kind === 'ntk' ? `One trace kernel of ${c.spec.probes} images (after a warm-up kernel)` : `One step (an epoch of one batch of ${c.spec.batch}, after a warm-up step)`}: ${round(p.workMs)} ms wall time, recorded once;`,
        `its commands replayed alone (median of ${replays}): ${round(p.commandsMs)} ms in all. Timing: ${p.method} (${p.emptySubmitMs.toPrecision(2)} ms).`,
        '',
        '| op | commands | ms per step | share | slowest command |',
        '|---|---|---|---|---|',
        ...p.ops.map((o) => `| ${o.op} | ${o.calls} | ${round(o.ms)} | ${(100 * o.share).toFixed(1)} % | ${o.slowest} |`),
        '',
        `The ${Math.min(TOP_COMMANDS, p.commandGroups.length)} costliest commands by label (the same shader on the same shapes):`,
        '',
        '| command | op | count | ms per step | share |',
        '|---|---|---|---|---|',
        ...p.commandGroups
          .slice(0, TOP_COMMANDS)
          .map((g) => `| ${g.label} | ${g.op} | ${g.calls} | ${round(g.ms)} | ${(100 * (g.ms / p.commandsMs || 0)).toFixed(1)} % |`),
      ];
      console.log(table.join('\n'));
      lines.push('', `## ${id}`, '', `Adapter: ${run.adapterLine}`, '', ...table);
    }
  }
  await browser?.close();
  mkdirSync(OUT_DIR, { recursive: true });
  writeFileSync(join(OUT_DIR, 'profile.json'), JSON.stringify(report, null, 1));
  writeFileSync(join(OUT_DIR, 'profile.md'), `${lines.join('\n')}\n`);
  console.log(`\nwritten: ${join(OUT_DIR, 'profile.json')}, ${join(OUT_DIR, 'profile.md')}`);
}

/**
 * The training cases with each number of commands per submission (env NTK_AT_SUBMIT_EVERY, read by
 * createGpu): median [min-max] images/s per value, each compared with the adapter class's default
 * (bench-results/submit-every.{md,json}). Node and Deno only: the page does not read the environment.
 */
async function submitEverySweep() {
  const values = option('submit-every', '').split(',').map(Number);
  if (values.length === 0 || !values.every((v) => Number.isInteger(v) && v >= 1 && v <= 1024)) {
    console.error(`bench: --submit-every takes integers from 1 to 1024 separated by commas, got ${option('submit-every')}`);
    process.exit(2);
  }
  if (runtimes.includes('browser')) {
    console.error('bench: --submit-every runs in node or deno (the browser page does not read the environment)');
    process.exit(2);
  }
  const cases = [
    ...['standard', 'pgd'].map((m) => trainCase('mlp', m, 10)),
    ...['standard', 'pgd'].map((m) => trainCase('cnn', m, m === 'pgd' ? 2 : 4)),
  ].filter((c) => filter.split('|').some((part) => c.id.includes(part)));
  const report = {
    ...runHeader(),
    values,
    rows: [],
  };
  const lines = [
    `# Commands per submission (${report.date}, commit ${report.commit})`,
    '',
    `Machine: ${report.machine}. Load average at the start: ${report.loadavg}.`,
    '',
    `| case | runtime | ${values.map((v) => `${v} per submission`).join(' | ')} |`,
    `|---|---|${values.map(() => '---|').join('')}`,
  ];
  for (const c of cases) {
    for (const rt of runtimes) {
      const cells = [];
      const img = (ms) => (c.images / (ms / 1000)).toFixed(0);
      for (const v of values) {
        const ran = await runOurs(rt, c.spec, { ...process.env, NTK_AT_SUBMIT_EVERY: String(v) });
        const run = ran.error || ran.submitEvery === v ? ran : { error: `the Gpu ran with submitEvery ${ran.submitEvery}, not ${v}` };
        const summary = run.error ? null : summarizeTimes(run.times_ms);
        report.rows.push({ case: c.id, runtime: rt, submitEvery: v, ...(summary ?? { error: run.error }), adapter: run.adapterLine });
        cells.push(summary);
        console.log(
          `${c.id} (${rt}) submitEvery=${v}: ${summary ? `${img(summary.median_ms)} img/s [${img(summary.max_ms)}-${img(summary.min_ms)}] (${summary.runs})` : run.error}`,
        );
      }
      const base = cells[values.indexOf(64)] ?? null;
      lines.push(
        `| ${c.id} | ${rt} | ${cells.map((s) => (s ? `${img(s.median_ms)} [${img(s.max_ms)}-${img(s.min_ms)}]${base && s !== base && !significant(s, base) ? ' (n.s. vs 64)' : ''}` : 'failed')).join(' | ')} |`,
      );
    }
  }
  lines.push('', 'images/s: median [min-max] over the timed runs; "n.s. vs 64": the range overlaps the range at 64 (the default).');
  mkdirSync(OUT_DIR, { recursive: true });
  writeFileSync(join(OUT_DIR, 'submit-every.json'), JSON.stringify(report, null, 1));
  writeFileSync(join(OUT_DIR, 'submit-every.md'), `${lines.join('\n')}\n`);
  console.log(`\n${lines.join('\n')}\n\nwritten: ${join(OUT_DIR, 'submit-every.json')}, ${join(OUT_DIR, 'submit-every.md')}`);
}

await (argv.includes('--extras')
  ? extras()
  : argv.includes('--profile')
    ? profiles()
    : argv.includes('--submit-every')
      ? submitEverySweep()
      : sideBySide());
