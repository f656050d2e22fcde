// The side-by-side cases of `npm run bench`: one case spec (kind and sizes, chosen by
// scripts/bench.mjs) runs here on our stack and, with the same spec, in the peer scripts of
// bench/peers/. Each side returns its raw wall times; the driver computes every statistic.

import type { Gpu } from '../src/device/gpu.js';
import { profileCommands, type CommandProfile } from '../src/device/profile.js';
import { loadFashionMnist } from '../src/data/files.js';
import type { ImageDataset } from '../src/data/dataset.js';
import { eigh } from '../src/linalg/eigh.js';
import { modelFromSpec, type LayerSpec } from '../src/nn/architecture.js';
import { createMlp } from '../src/nn/mlp.js';
import type { Model } from '../src/nn/model.js';
import { empiricalNtk } from '../src/ntk/kernel.js';
import { matmul } from '../src/ops/matmul.js';
import { Rng } from '../src/random/rng.js';
import { Tensor } from '../src/tensor/tensor.js';
import { train, type TrainMethod } from '../src/train/trainer.js';
import { randomSymmetric } from '../test/conformance/matrices.js';

/** Which model a case uses: the two models of docs/results/benchmarks.md, built identically by the peers. */
export type CaseModel = 'mlp' | 'cnn';

/** One case; `repeats` timed runs after the warm-up, fewer once `budgetS` seconds of timed runs are spent (at least `minRuns`). */
export type CaseSpec = { repeats: number; minRuns: number; budgetS: number } & (
  | { kind: 'matmul'; m: number; k: number; n: number /** products per timed run */; inner: number }
  | { kind: 'ntk'; model: CaseModel; probes: number; data: string }
  | { kind: 'train'; model: CaseModel; method: TrainMethod; batch: number; steps: number; eps: number; pgdSteps: number; data: string }
  | { kind: 'eigh'; n: number; vectors: boolean }
);

export interface CaseResult {
  /** Wall time of each timed run, ms. */
  times_ms: number[];
  /** What ran, e.g. the parameter count, so the driver can check both sides ran the same thing. */
  info: Record<string, string | number>;
}

/** MLP 784-256-256-10 with ReLU (269,322 parameters), no input normalisation (pixels/255 in). */
function buildMlp(gpu: Gpu): Model {
  return createMlp(gpu, { inputShape: [1, 28, 28], hidden: [256, 256], classes: 10, normalize: null, seed: 1 });
}

/** conv(1->16,3x3) ReLU maxpool2 -> conv(16->32,3x3) ReLU maxpool2 -> flatten(800) -> linear(10); no padding, no BN: 12,810 parameters. */
const CNN_SPEC: LayerSpec = {
  kind: 'sequential',
  name: 'cnn12810',
  layers: [
    { kind: 'conv2d', name: 'conv1', inChannels: 1, outChannels: 16, kernel: 3, stride: 1, padding: 0, bias: true },
    { kind: 'relu', name: 'relu1' },
    { kind: 'maxpool2d', name: 'pool1', options: { kernel: 2 } },
    { kind: 'conv2d', name: 'conv2', inChannels: 16, outChannels: 32, kernel: 3, stride: 1, padding: 0, bias: true },
    { kind: 'relu', name: 'relu2' },
    { kind: 'maxpool2d', name: 'pool2', options: { kernel: 2 } },
    { kind: 'flatten', name: 'flatten' },
    { kind: 'dense', name: 'fc', inFeatures: 800, outFeatures: 10, bias: true },
  ],
};

function buildModel(gpu: Gpu, which: CaseModel): Model {
  return which === 'mlp'
    ? buildMlp(gpu)
    : modelFromSpec(gpu, CNN_SPEC, { name: 'cnn12810', inputShape: [1, 28, 28], classes: 10, seed: 1, init: 'pytorch-default' });
}

/** The first `n` images of a data set as a float tensor [n, 1, 28, 28] of pixels/255. */
function firstImagesTensor(gpu: Gpu, data: ImageDataset, n: number): Tensor {
  const pixels = data.images.subarray(0, n * data.imageSize);
  return Tensor.fromArray(
    gpu,
    Float32Array.from(pixels, (p) => p / 255),
    [n, ...data.shape],
  );
}

function firstImages(data: ImageDataset, n: number): ImageDataset {
  return data.subset(
    Uint32Array.from({ length: n }, (_, i) => i),
    `${data.name}[:${n}]`,
  );
}

/** Runs `warmup` once, then `run` up to spec.repeats times (at least spec.minRuns, more until the budget is spent). */
async function timeRuns(gpu: Gpu, spec: CaseSpec, warmup: () => Promise<unknown>, run: () => Promise<unknown>): Promise<number[]> {
  const now = () => gpu.platform.now();
  await warmup();
  const times: number[] = [];
  const start = now();
  while (times.length < spec.repeats && (times.length < spec.minRuns || now() - start < spec.budgetS * 1000)) {
    const t0 = now();
    await run();
    times.push(now() - t0);
  }
  return times;
}

async function matmulCase(gpu: Gpu, spec: Extract<CaseSpec, { kind: 'matmul' }>): Promise<CaseResult> {
  const rng = new Rng(1);
  const a = Tensor.fromArray(gpu, rng.uniform(spec.m * spec.k, -1, 1), [spec.m, spec.k]);
  const b = Tensor.fromArray(gpu, rng.uniform(spec.k * spec.n, -1, 1), [spec.k, spec.n]);
  const products = async () => {
    const outs = Array.from({ length: spec.inner }, () => matmul(a, b));
    await gpu.device.queue.onSubmittedWorkDone();
    outs.forEach((c) => c.dispose());
  };
  try {
    return { times_ms: await timeRuns(gpu, spec, products, products), info: { inner: spec.inner } };
  } finally {
    a.dispose();
    b.dispose();
  }
}

/** The NTK cases' kernel: the trace kernel by per-layer contraction under a 256 MiB budget. */
const NTK_OPTIONS = { kind: 'trace', implementation: 'contraction', budgetBytes: 256 * 2 ** 20 } as const;

async function ntkCase(gpu: Gpu, spec: NtkSpec): Promise<CaseResult> {
  const data = await loadFashionMnist({ dir: spec.data, split: 'train' });
  const model = buildModel(gpu, spec.model);
  const x = firstImagesTensor(gpu, data, spec.probes);
  const warmX = firstImagesTensor(gpu, data, Math.min(spec.probes, 20));
  const options = NTK_OPTIONS;
  let trace = 0;
  try {
    const times = await timeRuns(
      gpu,
      spec,
      () => empiricalNtk(model, warmX, null, options),
      async () => {
        const k = await empiricalNtk(model, x, null, options);
        trace = 0;
        for (let i = 0; i < k.rows; i++) trace += k.data[i * k.cols + i];
      },
    );
    return {
      times_ms: times,
      info: { parameters: model.parameterCount, implementation: 'contraction', mean_diagonal: +(trace / spec.probes).toPrecision(4) },
    };
  } finally {
    [x, warmX].forEach((t) => t.dispose());
    model.dispose();
  }
}

type TrainSpec = Extract<CaseSpec, { kind: 'train' }>;
type NtkSpec = Extract<CaseSpec, { kind: 'ntk' }>;

/** The trainer's options of a train case (the peers train with the same). */
function trainOptions(spec: TrainSpec) {
  return {
    method: spec.method,
    epochs: 1,
    batchSize: spec.batch,
    eps: spec.eps,
    pgdSteps: spec.pgdSteps,
    pgdStepFactor: 0.25,
    schedule: { kind: 'constant', lr: 0.05 },
    sgd: { momentum: 0.9, weightDecay: 5e-4 },
    logEvery: spec.steps,
    validation: null,
    seed: 1,
  } as const;
}

async function trainCase(gpu: Gpu, spec: TrainSpec): Promise<CaseResult> {
  const data = await loadFashionMnist({ dir: spec.data, split: 'train' });
  const timed = firstImages(data, spec.steps * spec.batch);
  const warm = firstImages(data, spec.batch);
  const model = buildModel(gpu, spec.model);
  const options = trainOptions(spec);
  try {
    // The trainer's own epoch clock (batching, attack, step, metrics, one readback) is the timed run.
    const seconds: number[] = [];
    await timeRuns(
      gpu,
      spec,
      () => train(model, warm, null, options),
      async () => {
        seconds.push((await train(model, timed, null, options)).epochs[0].seconds);
      },
    );
    return { times_ms: seconds.map((s) => s * 1000), info: { parameters: model.parameterCount, images_per_run: spec.steps * spec.batch } };
  } finally {
    model.dispose();
  }
}

async function eighCase(gpu: Gpu, spec: Extract<CaseSpec, { kind: 'eigh' }>): Promise<CaseResult> {
  const a = randomSymmetric(spec.n, spec.n);
  const warm = randomSymmetric(100, 100);
  const options = { vectors: spec.vectors };
  const times = await timeRuns(
    gpu,
    spec,
    () => eigh(warm, 100, options),
    () => eigh(a, spec.n, options),
  );
  return { times_ms: times, info: { solver: 'float64 WASM, 1 thread' } };
}

/** Runs one case on `gpu` (eigh runs on the CPU in WASM; the adapter is still named in the report). */
export function runCase(gpu: Gpu, spec: CaseSpec): Promise<CaseResult> {
  switch (spec.kind) {
    case 'matmul':
      return matmulCase(gpu, spec);
    case 'ntk':
      return ntkCase(gpu, spec);
    case 'train':
      return trainCase(gpu, spec);
    case 'eigh':
      return eighCase(gpu, spec);
  }
}

/**
 * Where a case's time goes, by op (src/device/profile.ts): for a train case one training step (an
 * epoch of one batch: batching, attack, update, metrics, one readback), for an NTK case one kernel;
 * after a warm-up run, one run is recorded and its commands replayed `replays` times each.
 */
export async function profileCase(gpu: Gpu, spec: TrainSpec | NtkSpec, replays: number): Promise<CommandProfile & { parameters: number }> {
  const data = await loadFashionMnist({ dir: spec.data, split: 'train' });
  const model = buildModel(gpu, spec.model);
  try {
    if (spec.kind === 'ntk') {
      const x = firstImagesTensor(gpu, data, spec.probes);
      const kernel = () => empiricalNtk(model, x, null, NTK_OPTIONS);
      try {
        await kernel();
        return { ...(await profileCommands(gpu, kernel, replays)), parameters: model.parameterCount };
      } finally {
        x.dispose();
      }
    }
    const batch = firstImages(data, spec.batch);
    const options = { ...trainOptions(spec), logEvery: 1 };
    await train(model, batch, null, options);
    const profile = await profileCommands(gpu, () => train(model, batch, null, options), replays);
    return { ...profile, parameters: model.parameterCount };
  } finally {
    model.dispose();
  }
}
