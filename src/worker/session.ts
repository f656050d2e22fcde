// A training session for whatever context runs it (a Worker through comlink, or the caller's own):
// one request -> Gpu, data, MLP, adversarial training with live NTK tracking on a held-out probe
// set, then a held-out evaluation, every stage reported as a plain, structured-clonable event.

import { createGpu, formatAdapterReport } from '../device/gpu.js';
import { selectProbeSet, uploadProbeSet } from '../data/probe.js';
import { stratifiedSubset, trainValidationSplit, type ImageDataset } from '../data/dataset.js';
import { FASHION_MNIST_CLASSES, readDataFile } from '../data/files.js';
import { readIdxDataset, type DataFile } from '../data/idx.js';
import { syntheticShapes } from '../data/synthetic.js';
import { NtkError, type NtkErrorCode } from '../errors.js';
import { createMlp } from '../nn/mlp.js';
import { KernelTracker, type KernelCheck } from '../ntk/tracker.js';
import { requireChoice, requireInteger, resolveOptions } from '../options.js';
import { ADAPTER_CHOICES, type AdapterChoice } from '../platform/index.js';
import { evaluate, type EvaluationResult } from '../train/evaluate.js';
import type { LogEntry } from '../train/monitor.js';
import { train, TRAIN_METHODS, type EpochRecord, type TrainMethod } from '../train/trainer.js';

/** Where the images come from: Fashion-MNIST IDX files as bytes, or as URLs/paths read through the platform. */
export type SessionData =
  | { kind: 'synthetic-shapes' }
  | { kind: 'fashion-mnist'; images: Uint8Array | string; labels: Uint8Array | string };

export interface SessionRequest {
  method: TrainMethod;
  /** l-inf radius in [0, 1] pixel units (training attack, adversarial kernel, evaluation). */
  eps: number;
  epochs: number;
  /** Training images; a multiple of the class count (10). */
  trainSize: number;
  /** Held-out images (probe set, per-epoch validation, final evaluation); a multiple of 10. */
  heldOutSize: number;
  /** Probe samples per class for the kernel tracker (drawn from the held-out split). */
  probePerClass: number;
  batchSize: number;
  /** Steps per `step` event. */
  logEvery: number;
  lr: number;
  hidden: number[];
  /** PGD steps of PGD-AT, of the adversarial-kernel probes and of validation/evaluation. */
  pgdSteps: number;
  /** Also track the kernel on PGD-attacked probes (clean-adversarial distance). */
  adversarialKernel: boolean;
  adapter: AdapterChoice;
  seed: number;
  data: SessionData;
}

export const DEFAULT_SESSION_REQUEST: SessionRequest = {
  method: 'pgd',
  eps: 0.1,
  epochs: 2,
  trainSize: 1000,
  heldOutSize: 200,
  probePerClass: 5,
  batchSize: 50,
  logEvery: 2,
  lr: 0.05,
  hidden: [128],
  pgdSteps: 5,
  adversarialKernel: true,
  adapter: 'auto',
  seed: 0,
  data: { kind: 'synthetic-shapes' },
};

export type SessionEvent =
  | { type: 'adapter'; line: string }
  | { type: 'data'; train: string; heldOut: string; probes: number }
  | ({ type: 'step' } & LogEntry)
  | ({ type: 'epoch' } & EpochRecord)
  | ({ type: 'kernel' } & KernelCheck)
  | { type: 'done'; evaluation: EvaluationResult; seconds: number }
  | { type: 'error'; code: NtkErrorCode | 'E_UNEXPECTED'; message: string };

export type SessionListener = (event: SessionEvent) => void | Promise<void>;

const CLASSES = 10;

export class TrainingSession {
  /**
   * Runs one request to the end, reporting through `onEvent`; resolves to the final evaluation.
   * Failures are reported as an `error` event and rethrown (NtkError messages start with `[CODE]`).
   */
  async run(request: Partial<SessionRequest>, onEvent: SessionListener): Promise<EvaluationResult> {
    try {
      return await runSession(resolveRequest(request), onEvent);
    } catch (e) {
      const code = e instanceof NtkError ? e.code : 'E_UNEXPECTED';
      await onEvent({ type: 'error', code, message: (e as Error).message ?? String(e) });
      throw e;
    }
  }
}

/** The request with defaults, validated before any device or data work. */
export function resolveRequest(request: Partial<SessionRequest>): SessionRequest {
  const r = resolveOptions('TrainingSession', DEFAULT_SESSION_REQUEST, request);
  requireChoice('TrainingSession', 'method', r.method, TRAIN_METHODS);
  requireChoice('TrainingSession', 'adapter', r.adapter, ADAPTER_CHOICES);
  requireChoice('TrainingSession', 'data.kind', r.data?.kind, ['synthetic-shapes', 'fashion-mnist'] as const);
  for (const option of ['epochs', 'probePerClass', 'batchSize', 'logEvery', 'pgdSteps'] as const) {
    requireInteger('TrainingSession', option, r[option]);
  }
  for (const option of ['trainSize', 'heldOutSize'] as const) {
    if (!(Number.isInteger(r[option]) && r[option] >= CLASSES && r[option] % CLASSES === 0)) {
      throw new NtkError('E_INVALID_ARGUMENT', `TrainingSession: option "${option}" must be a positive multiple of ${CLASSES}, got ${r[option]}.`, { option });
    }
  }
  if (r.probePerClass * CLASSES > r.heldOutSize) {
    throw new NtkError('E_INVALID_ARGUMENT', `TrainingSession: option "probePerClass" (${r.probePerClass}) needs ${r.probePerClass * CLASSES} held-out images; raise "heldOutSize" (${r.heldOutSize}).`, { option: 'probePerClass' });
  }
  if (!(r.eps >= 0 && r.eps <= 1)) throw new NtkError('E_INVALID_ARGUMENT', `TrainingSession: option "eps" must be in [0, 1], got ${r.eps}.`, { option: 'eps' });
  if (!(r.lr > 0)) throw new NtkError('E_INVALID_ARGUMENT', `TrainingSession: option "lr" must be > 0, got ${r.lr}.`, { option: 'lr' });
  if (!(Array.isArray(r.hidden) && r.hidden.every((h) => Number.isInteger(h) && h >= 1))) {
    throw new NtkError('E_INVALID_ARGUMENT', `TrainingSession: option "hidden" must be a list of positive integers, got ${JSON.stringify(r.hidden)}.`, { option: 'hidden' });
  }
  return r;
}

async function runSession(r: SessionRequest, onEvent: SessionListener): Promise<EvaluationResult> {
  const pool = await loadPool(r);
  const selected = stratifiedSubset(pool, { perClass: (r.trainSize + r.heldOutSize) / CLASSES, seed: r.seed });
  const { train: trainSet, validation: heldOut } = trainValidationSplit(selected, { validation: r.heldOutSize, seed: r.seed });
  const gpu = await createGpu({ adapter: r.adapter });
  const start = performance.now();
  try {
    await onEvent({ type: 'adapter', line: formatAdapterReport(gpu.report) });
    const model = createMlp(gpu, { inputShape: trainSet.shape, hidden: r.hidden, classes: CLASSES, seed: r.seed });
    const probeSet = selectProbeSet(heldOut, { perClass: r.probePerClass, seed: r.seed });
    const probe = uploadProbeSet(gpu, probeSet);
    await onEvent({ type: 'data', train: trainSet.name, heldOut: heldOut.name, probes: probe.size });
    try {
      const adversarial = r.adversarialKernel && r.eps > 0 ? { attack: 'pgd' as const, eps: r.eps, steps: r.pgdSteps } : null;
      const tracker = new KernelTracker(model, { x: probe.x, y: probe.y, labels: probe.labels }, null, { adversarial, seed: r.seed });
      const checkAndReport = async (epochFraction: number, step: number) => {
        const before = tracker.checks.length;
        await tracker.maybeCheck(epochFraction, step);
        for (const check of tracker.checks.slice(before)) await onEvent({ type: 'kernel', ...check });
      };
      await checkAndReport(0, 0);
      await train(model, trainSet, heldOut, {
        method: r.method, eps: r.eps, epochs: r.epochs, batchSize: r.batchSize, logEvery: r.logEvery, seed: r.seed,
        pgdSteps: r.pgdSteps, schedule: { kind: 'constant', lr: r.lr }, validation: { samples: r.heldOutSize, pgdSteps: r.pgdSteps },
      }, {
        hooks: {
          onStep: (ctx) => checkAndReport(ctx.epochFraction, ctx.step),
          onLog: (entry) => void onEvent({ type: 'step', ...entry }),
          onEpoch: (record) => onEvent({ type: 'epoch', ...record }),
        },
      });
      const evaluation = await evaluate(model, heldOut, {
        eps: r.eps, seed: r.seed, threats: [{ kind: 'clean' }, { kind: 'fgsm' }, { kind: 'pgd', steps: 2 * r.pgdSteps, restarts: 1 }],
      });
      await onEvent({ type: 'done', evaluation, seconds: (performance.now() - start) / 1000 });
      return evaluation;
    } finally {
      probe.dispose();
      model.dispose();
    }
  } finally {
    gpu.destroy();
  }
}

/** The data set the training and held-out images are drawn from. */
async function loadPool(r: SessionRequest): Promise<ImageDataset> {
  if (r.data.kind === 'synthetic-shapes') {
    return syntheticShapes({ name: 'synthetic-shapes', perClass: (r.trainSize + r.heldOutSize) / CLASSES, seed: r.seed + 1 });
  }
  const file = async (source: Uint8Array | string, role: string): Promise<DataFile> =>
    typeof source === 'string' ? readDataFile(source) : { file: `fashion-mnist ${role} (bytes)`, bytes: source };
  return readIdxDataset(await file(r.data.images, 'images'), await file(r.data.labels, 'labels'), {
    name: 'fashion-mnist', classes: FASHION_MNIST_CLASSES,
  });
}
