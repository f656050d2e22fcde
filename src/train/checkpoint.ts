// Training checkpoints in safetensors: model parameters and buffers (`model.<name>`), optimizer
// state (`optim.<name>`), and metadata (format, completed epochs, global step, attack RNG state,
// the run's config). Written atomically through the platform; loading checks every field.

import { NtkError } from '../errors.js';
import { decodeSafetensors, encodeSafetensors, type NamedTensor } from '../io/safetensors.js';
import type { Model } from '../nn/model.js';
import { currentPlatform, type Platform } from '../platform/index.js';
import type { RngState } from '../random/rng.js';

export const CHECKPOINT_FORMAT = 'ntk-at-checkpoint/1';

export interface TrainingCheckpoint {
  /** Epochs completed. */
  epoch: number;
  /** Optimizer steps completed. */
  step: number;
  /** The run's configuration (JSON-serialisable), compared on resume. */
  config: Record<string, unknown>;
  /** Random state of the training attacks (data order and augmentation derive from the seed and epoch). */
  rng: RngState;
  /** Model tensors with shapes, by name. */
  model: Map<string, NamedTensor>;
  /** Optimizer state by name (e.g. `fc1.weight.momentum`). */
  optimizer: Map<string, NamedTensor>;
}

/** Reads the model's parameters/buffers and the optimizer state into a checkpoint (host copies). */
export async function captureCheckpoint(
  model: Model, optimizerState: Record<string, Float32Array>, meta: Pick<TrainingCheckpoint, 'epoch' | 'step' | 'config' | 'rng'>,
): Promise<TrainingCheckpoint> {
  const state = await model.exportState();
  const shapes = new Map([...model.parameters(), ...model.buffers()].map((t) => [t.name, [...t.value.shape]]));
  const modelTensors = new Map(Object.entries(state).map(([name, data]) => [name, { shape: shapes.get(name) ?? [data.length], data }]));
  const optimizer = new Map(Object.entries(optimizerState).map(([name, data]) => {
    const param = name.replace(/\.momentum$/, '');
    return [name, { shape: shapes.get(param) ?? [data.length], data }];
  }));
  return { ...meta, model: modelTensors, optimizer };
}

export function encodeCheckpoint(cp: TrainingCheckpoint): Uint8Array {
  const tensors = new Map<string, NamedTensor>();
  for (const [name, t] of cp.model) tensors.set(`model.${name}`, t);
  for (const [name, t] of cp.optimizer) tensors.set(`optim.${name}`, t);
  return encodeSafetensors({
    tensors,
    metadata: {
      format: CHECKPOINT_FORMAT,
      epoch: String(cp.epoch),
      step: String(cp.step),
      rng: JSON.stringify(cp.rng),
      config: JSON.stringify(cp.config),
    },
  });
}

export function decodeCheckpoint(bytes: Uint8Array, source: string): TrainingCheckpoint {
  const { tensors, metadata } = decodeSafetensors(bytes, source);
  const corrupt = (field: string, problem: string): never => {
    throw new NtkError('E_CHECKPOINT_CORRUPT', `${source}: field "${field}" ${problem}.`, { source, field });
  };
  if (metadata.format !== CHECKPOINT_FORMAT) corrupt('format', `is ${JSON.stringify(metadata.format)}, expected "${CHECKPOINT_FORMAT}"`);
  const epoch = Number(metadata.epoch);
  const step = Number(metadata.step);
  if (!Number.isInteger(epoch) || epoch < 0) corrupt('epoch', `is ${JSON.stringify(metadata.epoch)}`);
  if (!Number.isInteger(step) || step < 0) corrupt('step', `is ${JSON.stringify(metadata.step)}`);
  const parse = (field: string): unknown => {
    try {
      return JSON.parse(metadata[field] ?? '');
    } catch {
      return corrupt(field, 'is not valid JSON');
    }
  };
  const rng = parse('rng') as RngState;
  if (!rng || !Number.isSafeInteger(rng.seed) || !Number.isInteger(rng.stream) || !Number.isSafeInteger(rng.position)) corrupt('rng', 'is not an RNG state');
  const config = parse('config') as Record<string, unknown>;
  if (typeof config !== 'object' || config === null) corrupt('config', 'is not an object');
  const model = new Map<string, NamedTensor>();
  const optimizer = new Map<string, NamedTensor>();
  for (const [name, t] of tensors) {
    if (name.startsWith('model.')) model.set(name.slice(6), t);
    else if (name.startsWith('optim.')) optimizer.set(name.slice(6), t);
    else corrupt(name, 'is neither a model nor an optimizer tensor');
  }
  return { epoch, step, config, rng, model, optimizer };
}

/** Throws E_CHECKPOINT_MISMATCH naming the first tensor whose name or shape differs from `model`'s. */
export function checkCheckpointFits(cp: TrainingCheckpoint, model: Model, source: string): void {
  const expected = [...model.parameters(), ...model.buffers()];
  for (const t of expected) {
    const got = cp.model.get(t.name);
    if (!got) {
      throw new NtkError('E_CHECKPOINT_MISMATCH', `${source}: tensor "${t.name}" of model "${model.name}" is missing; the checkpoint is from another model.`, {
        field: t.name,
      });
    }
    if (got.shape.join(',') !== t.value.shape.join(',')) {
      throw new NtkError(
        'E_CHECKPOINT_MISMATCH',
        `${source}: tensor "${t.name}" has shape [${got.shape}] but model "${model.name}" needs [${t.value.shape}]; the checkpoint is from another model shape.`,
        { field: t.name },
      );
    }
  }
  const names = new Set(expected.map((t) => t.name));
  const extra = [...cp.model.keys()].find((k) => !names.has(k));
  if (extra) throw new NtkError('E_CHECKPOINT_MISMATCH', `${source}: tensor "${extra}" does not exist in model "${model.name}".`, { field: extra });
}

/** Writes the checkpoint atomically: a killed write never replaces the previous good file. */
export async function saveCheckpoint(path: string, cp: TrainingCheckpoint, platform: Platform = currentPlatform()): Promise<void> {
  await platform.writeFileAtomic(path, encodeCheckpoint(cp));
}

export async function loadCheckpoint(path: string, platform: Platform = currentPlatform()): Promise<TrainingCheckpoint> {
  let bytes: Uint8Array;
  try {
    bytes = await platform.readFile(path);
  } catch (e) {
    throw new NtkError('E_IO', `cannot read checkpoint ${path}: ${(e as Error).message}.`, { path });
  }
  return decodeCheckpoint(bytes, path);
}
