// Gpu lifecycle stress (issue 20), the same file under `node` and `deno run`: in one process, 50
// cycles of createGpu, one training step (PGD-AT) and one trace NTK, a result read back and checked
// finite, destroy, over every adapter choice this runtime supports that exists on the machine, in a
// mixed (seeded) order. Interleaved with them, Gpus destroyed while a run is in flight (from a step
// hook, while a readback's mapAsync is pending, or from a timer): the run must reject with an
// NtkError E_DEVICE_LOST, never crash, hang or throw an untyped error, and the next cycle must work.
// Writes test-results/stress-<runtime>.json ({ results, adapterLine }: scripts/summarize.mjs).
//   node test/stress/lifecycle.mjs
//   deno run --allow-read --allow-env --allow-write=test-results test/stress/lifecycle.mjs

import { mkdirSync, writeFileSync } from 'node:fs';
import {
  createGpu,
  createMlp,
  currentPlatform,
  empiricalNtk,
  NtkError,
  selectProbeSet,
  syntheticShapes,
  train,
  uploadProbeSet,
} from '../../dist/ntk-at.js';

const CYCLES = 50;
/**
 * Full cycles of adapters that take ~20 s each: SwiftShader compiles each of the three GEMM pipeline
 * variants of a training step (gemm_block_texture) in 6-11 s on a 2-core machine, for every new
 * device. They get this many of the 50 cycles (and one destroy in flight); the other choices share
 * the rest evenly, so the test takes a minute or two.
 */
const SLOW_CYCLES = { swiftshader: 2 };
/** A cycle that takes longer than this failed (a hang: a promise that never settles). */
const CYCLE_LIMIT_MS = 60_000;
/** Choices a machine may simply not have: their refusal must be typed. */
const TYPED_REFUSALS = ['E_NO_ADAPTER', 'E_ADAPTER_UNAVAILABLE'];

const platform = currentPlatform();
const runtime = platform.runtime;
const results = [];
const started = platform.now();

/** Records one case: passed unless `fn` throws; `fn` may return extra fields for the record. */
async function check(name, fn) {
  const t0 = platform.now();
  let timer;
  try {
    const hang = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`did not finish within ${CYCLE_LIMIT_MS / 1000} s (hang)`)), CYCLE_LIMIT_MS);
    });
    const extra = (await Promise.race([fn(), hang])) ?? {};
    results.push({ name, status: 'passed', ms: Math.round(platform.now() - t0), ...extra });
  } catch (e) {
    results.push({ name, status: 'failed', ms: Math.round(platform.now() - t0), error: describe(e) });
  } finally {
    clearTimeout(timer);
  }
  const r = results[results.length - 1];
  console.log(`  ${r.status.padEnd(7)} ${name} (${r.ms} ms)${r.note ? ` ${r.note}` : ''}${r.error ? `\n          ${r.error}` : ''}`);
}

function describe(e) {
  if (e instanceof NtkError) return e.message;
  return `untyped ${e?.constructor?.name ?? typeof e}: ${e?.message ?? String(e)}`;
}

function expect(ok, message) {
  if (!ok) throw new Error(message);
}

/** Throws unless `e` is an NtkError with code `code`. */
function expectTyped(e, code, what) {
  if (!(e instanceof NtkError)) throw new Error(`${what}: expected NtkError ${code}, got ${describe(e)}`);
  if (e.code !== code) throw new Error(`${what}: expected ${code}, got ${e.message}`);
}

// Tiny data: 20 images of 10 shape classes, 8x8 pixels; 10 probe images (one per class).
const data = syntheticShapes({ perClass: 2, size: 8 });
const probeSet = selectProbeSet(data, { perClass: 1 });
const MODEL = { inputShape: data.shape, hidden: [16], classes: 10 };
/** One PGD-AT step: the whole set as one batch, one epoch. */
const ONE_STEP = {
  method: 'pgd',
  eps: 0.1,
  pgdSteps: 2,
  epochs: 1,
  batchSize: data.length,
  schedule: { kind: 'constant', lr: 0.1 },
  validation: null,
  logEvery: 1,
};
/** A long run (steps of 4 images, many epochs) for destroys in flight. */
const LONG_RUN = { ...ONE_STEP, epochs: 200, batchSize: 4 };

/** Which choices exist here: each supported choice is created once; a refusal must be typed. */
const available = [];
const refused = [];
for (const choice of platform.supportedChoices) {
  await check(`adapter ${choice}: created, or refused with a typed error`, async () => {
    let gpu;
    try {
      gpu = await createGpu({ adapter: choice });
    } catch (e) {
      if (e instanceof NtkError && TYPED_REFUSALS.includes(e.code)) {
        refused.push(`${choice}: ${e.code}`);
        return { note: `(${e.code}: not on this machine)` };
      }
      throw e;
    }
    const path = gpu.report.path;
    const device = [gpu.report.device, gpu.report.description, gpu.report.vendor].find((s) => s && s !== '0') ?? '?';
    gpu.destroy();
    available.push({ choice, path, device });
    return { note: `(${path}, ${device})` };
  });
}
/** Choices that lead to the same adapter path as another are kept (`auto` is its own code path). */
const choices = available.map((a) => a.choice);
console.log(`[${runtime}] cycling over ${choices.join(', ') || 'nothing'}${refused.length ? `; refused: ${refused.join(', ')}` : ''}`);

/** A seeded shuffle of `items` (mulberry32), so the mixed order is the same on every run. */
function shuffled(items, seed) {
  const out = [...items];
  let s = seed >>> 0;
  const random = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

const finite = (values) => values.every((v) => Number.isFinite(v));

/** One full cycle: create, one training step, one NTK, read back, destroy; the destroyed Gpu then refuses work. */
async function fullCycle(choice) {
  const gpu = await createGpu({ adapter: choice });
  let model = null;
  let probe = null;
  try {
    model = createMlp(gpu, MODEL);
    const run = await train(model, data, null, ONE_STEP);
    expect(run.steps === 1, `expected 1 training step, got ${run.steps}`);
    expect(Number.isFinite(run.epochs[0].trainLoss), `training loss is ${run.epochs[0].trainLoss}`);
    probe = uploadProbeSet(gpu, probeSet);
    const kernel = await empiricalNtk(model, probe.x, null, { kind: 'trace' });
    expect(
      kernel.rows === probeSet.dataset.length && kernel.data.length === kernel.rows * kernel.cols,
      `kernel is ${kernel.rows}x${kernel.cols}`,
    );
    expect(finite(kernel.data), 'kernel has non-finite entries');
    expect(
      kernel.data.every((v, k) => Math.floor(k / kernel.cols) !== k % kernel.cols || v > 0),
      'kernel diagonal is not positive',
    );
    const weights = await model.parameters()[0].value.read();
    expect(finite(weights), 'trained weights are not finite');
    const note = `(loss ${run.epochs[0].trainLoss.toFixed(3)}, K[0,0] ${kernel.data[0].toExponential(2)})`;
    probe.dispose();
    probe = null;
    model.dispose();
    model = null;
    gpu.destroy();
    // Destroyed: work is refused with a typed error (synchronously, or by the returned promise).
    try {
      const m = createMlp(gpu, MODEL);
      await m.forward(uploadProbeSet(gpu, probeSet).x).read();
      throw new Error('a destroyed Gpu accepted work');
    } catch (e) {
      expectTyped(e, 'E_DEVICE_LOST', 'work on a destroyed Gpu');
    }
    return { note };
  } finally {
    probe?.dispose();
    model?.dispose();
    gpu.destroy(); // a second destroy is harmless
  }
}

/**
 * Starts a run (training or NTK, not awaited), destroys the Gpu while it is in flight (`how`: from
 * the step hook, right after a readback called mapAsync, or from a timer), and expects the run to
 * reject with E_DEVICE_LOST.
 */
async function destroyInFlight(choice, work, how, delayMs) {
  const gpu = await createGpu({ adapter: choice });
  const model = createMlp(gpu, MODEL);
  const probe = work === 'ntk' ? uploadProbeSet(gpu, { ...probeSet, dataset: data }) : null;
  let settled = false;
  let destroyedInFlight = false;
  const destroy = () => {
    if (!settled) destroyedInFlight = true;
    gpu.destroy();
  };
  if (how === 'readback') {
    // Destroy right after the 2nd readback has submitted its copy and called mapAsync.
    const read = gpu.read.bind(gpu);
    let reads = 0;
    gpu.read = (buffer, bytes) => {
      const pending = read(buffer, bytes);
      if (++reads === 2) destroy();
      return pending;
    };
  }
  const hooks = how === 'hook' ? { onStep: (ctx) => void (ctx.step === 3 && destroy()) } : {};
  const running =
    work === 'train'
      ? train(model, data, null, LONG_RUN, { hooks })
      : (async () => {
          // Several NTKs in a row, so that a timer always finds one running.
          for (let i = 0; i < 50; i++) await empiricalNtk(model, probe.x, null, { kind: 'trace' });
        })();
  running.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  if (how === 'timer') setTimeout(destroy, delayMs);
  let error = null;
  try {
    await running;
  } catch (e) {
    error = e;
  } finally {
    probe?.dispose();
    model.dispose();
    gpu.destroy();
  }
  expect(destroyedInFlight, 'the run finished before the Gpu was destroyed');
  expect(error !== null, 'the run finished although its Gpu was destroyed in flight');
  expectTyped(error, 'E_DEVICE_LOST', `${work} run whose Gpu was destroyed`);
  return { note: '(rejected with E_DEVICE_LOST)' };
}

if (choices.length > 0) {
  // 50 full cycles: SLOW_CYCLES of the slow choices, the others in turn, then shuffled (seeded) so
  // that creates follow destroys of other adapters in a mixed order.
  const slow = choices.filter((c) => SLOW_CYCLES[c] !== undefined && choices.length > 1);
  const fast = choices.filter((c) => !slow.includes(c));
  const cycles = slow.flatMap((c) => Array(SLOW_CYCLES[c]).fill(c));
  while (cycles.length < CYCLES) cycles.push(fast[cycles.length % fast.length]);
  const order = shuffled(cycles, 20);
  // Destroys in flight between them: every (work, how) pair twice, on the fast choices in turn (with
  // varied timer delays), and a training run destroyed during a readback on each slow choice.
  const inFlight = [];
  const kinds = [
    ['train', 'hook'],
    ['train', 'readback'],
    ['train', 'timer'],
    ['ntk', 'readback'],
    ['ntk', 'timer'],
  ];
  const delays = [0, 3, 15, 40];
  let k = 0;
  for (let round = 0; round < 2; round++) {
    for (const [work, how] of kinds) {
      inFlight.push({ choice: fast[k % fast.length], work, how, delayMs: delays[k % delays.length] });
      k++;
    }
  }
  slow.forEach((choice, i) => inFlight.splice(3 + 4 * i, 0, { choice, work: 'train', how: 'readback', delayMs: 0 }));
  const every = Math.floor(CYCLES / inFlight.length);
  for (let i = 0; i < CYCLES; i++) {
    const choice = order[i];
    await check(`cycle ${String(i + 1).padStart(2, '0')} ${choice}: create, PGD-AT step, trace NTK, read back, destroy`, () =>
      fullCycle(choice),
    );
    if ((i + 1) % every === 0 && inFlight.length > 0) {
      const c = inFlight.shift();
      const when = c.how === 'timer' ? `after ${c.delayMs} ms` : c.how === 'hook' ? 'from the step hook' : 'during a readback';
      await check(`in-flight ${c.choice}: ${c.work === 'train' ? 'training' : 'NTK'} run, Gpu destroyed ${when}: E_DEVICE_LOST`, () =>
        destroyInFlight(c.choice, c.work, c.how, c.delayMs),
      );
    }
  }
} else {
  results.push({ name: `no adapter of ${platform.supportedChoices.join(', ')} exists here`, status: 'failed', ms: 0 });
}

const seconds = ((platform.now() - started) / 1000).toFixed(1);
const adapterLine = `${available.map((a) => `${a.choice} → ${a.path} (${a.device})`).join('; ')}${refused.length ? `; refused: ${refused.join(', ')}` : ''}`;
mkdirSync('test-results', { recursive: true });
writeFileSync(`test-results/stress-${runtime}.json`, JSON.stringify({ runtime, seconds: Number(seconds), adapterLine, results }, null, 1));
const failed = results.filter((r) => r.status === 'failed').length;
console.log(`[${runtime}] Gpu lifecycle stress: ${results.length - failed} of ${results.length} passed in ${seconds} s`);
// On success the process ends by itself: a native handle that kept it alive after the last destroy
// would show as a hang (the test script guards it with `timeout`).
if (failed > 0) (globalThis.Deno ? Deno : process).exit(1);
