// Training checkpoints in safetensors: model parameters and buffers (`model.<name>`), optimizer
// state (`optim.<name>`), the state of components attached to the model (`part.<name>.*`, e.g. the
// kernel tracker), and metadata (format, epochs, step, attack RNG state, the run's config). Written
// atomically through the platform with a checksum; loading verifies it and checks every field.

import { NtkError } from '../errors.js';
import { crc32Hex } from '../io/crc32.js';
import { decodeSafetensors, encodeSafetensors, type NamedTensor } from '../io/safetensors.js';
import type { Model } from '../nn/model.js';
import { currentPlatform, type Platform } from '../platform/index.js';
import type { RngState } from '../random/rng.js';

/** The `format` metadata value of this version's checkpoints. */
export const CHECKPOINT_FORMAT = 'ntk-at-checkpoint/2';

/** The state a component keeps in checkpoints: plain JSON and named float64 arrays. */
export interface CheckpointPart {
  state: Record<string, unknown>;
  arrays: Record<string, Float64Array>;
}

/** A component that follows a model through training and saves its state with the model's. */
export interface CheckpointPartSource {
  /** The current state as a checkpoint part. */
  captureCheckpointPart(): CheckpointPart;
}

/** A component that also continues from its part of a checkpoint (KernelSwitch, SpectrumMonitor). */
export interface RestorablePart extends CheckpointPartSource {
  /** Its part's name in checkpoints. */
  readonly partName: string;
  /** Continues from the state captureCheckpointPart() saved. */
  restoreCheckpointPart(part: CheckpointPart): void;
}

/** Restores `source` from its part of `cp`; E_CHECKPOINT_MISMATCH when the checkpoint has none. */
export function restorePart(cp: TrainingCheckpoint, source: RestorablePart): void {
  const part = cp.parts?.get(source.partName);
  if (!part) {
    throw new NtkError(
      'E_CHECKPOINT_MISMATCH',
      `resume: the checkpoint holds no "${source.partName}" state (it was written by a run without it); resume with the checkpointed run's options.`,
      { field: source.partName },
    );
  }
  source.restoreCheckpointPart(part);
}

/** Everything a run needs to continue bit for bit: model and optimizer tensors, counters, RNG state and the run's config. */
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
  /** CRC-32 (hex) of the file it was loaded from (loadCheckpoint): ties files derived from it (kernel blocks) to these bytes. */
  digest?: string;
  /** States of the components attached to the model when it was captured (attachCheckpointPart), by name. */
  parts?: Map<string, CheckpointPart>;
}

const attached = new WeakMap<Model, Map<string, CheckpointPartSource>>();

/**
 * Makes every checkpoint captured from `model` carry `source`'s state under `name` (letters,
 * digits, `-`, `_`); a later source with the same name replaces the earlier one.
 */
export function attachCheckpointPart(model: Model, name: string, source: CheckpointPartSource): void {
  if (!/^[A-Za-z0-9_-]+$/.test(name))
    throw new NtkError('E_INVALID_ARGUMENT', `checkpoint part name "${name}" must use letters, digits, - and _ only.`, { name });
  if (!attached.has(model)) attached.set(model, new Map());
  attached.get(model)!.set(name, source);
}

/** Reads the model's parameters/buffers, the optimizer state and the attached parts into a checkpoint (host copies). */
export async function captureCheckpoint(
  model: Model,
  optimizerState: Record<string, Float32Array>,
  meta: Pick<TrainingCheckpoint, 'epoch' | 'step' | 'config' | 'rng'>,
): Promise<TrainingCheckpoint> {
  const state = await model.exportState();
  const shapes = new Map([...model.parameters(), ...model.buffers()].map((t) => [t.name, [...t.value.shape]]));
  const modelTensors = new Map(Object.entries(state).map(([name, data]) => [name, { shape: shapes.get(name) ?? [data.length], data }]));
  const optimizer = new Map(
    Object.entries(optimizerState).map(([name, data]) => {
      const param = name.replace(/\.momentum$/, '');
      return [name, { shape: shapes.get(param) ?? [data.length], data }];
    }),
  );
  const parts = new Map([...(attached.get(model) ?? [])].map(([name, source]) => [name, source.captureCheckpointPart()]));
  return { ...meta, model: modelTensors, optimizer, parts };
}

/** The checkpoint's bytes; non-finite model or optimizer values are E_NOT_FINITE (nothing to write). */
export function encodeCheckpoint(cp: TrainingCheckpoint): Uint8Array {
  const tensors = new Map<string, NamedTensor<Float32Array | Float64Array>>();
  for (const [name, t] of cp.model) tensors.set(`model.${name}`, t);
  for (const [name, t] of cp.optimizer) tensors.set(`optim.${name}`, t);
  const metadata: Record<string, string> = {
    format: CHECKPOINT_FORMAT,
    epoch: String(cp.epoch),
    step: String(cp.step),
    rng: JSON.stringify(cp.rng),
    config: JSON.stringify(cp.config),
  };
  for (const [name, part] of cp.parts ?? []) {
    metadata[`part.${name}`] = JSON.stringify(part.state);
    for (const [array, data] of Object.entries(part.arrays)) tensors.set(`part.${name}.${array}`, { shape: [data.length], data });
  }
  requireFinite(tensors, 'checkpoint to write', 'the run diverged; lower the learning rate or eps and resume from the previous checkpoint');
  return encodeSafetensors({ tensors, metadata });
}

/** Reads a checkpoint written by encodeCheckpoint; E_CHECKPOINT_CORRUPT naming `source` and the bad field otherwise. */
export function decodeCheckpoint(bytes: Uint8Array, source: string): TrainingCheckpoint {
  const { tensors, metadata, checksummed } = decodeSafetensors(bytes, source);
  const corrupt = (field: string, problem: string): never => {
    throw new NtkError('E_CHECKPOINT_CORRUPT', `${source}: field "${field}" ${problem}.`, { source, field });
  };
  if (metadata.format !== CHECKPOINT_FORMAT)
    corrupt(
      'format',
      `is ${JSON.stringify(metadata.format)}, expected "${CHECKPOINT_FORMAT}" (re-create the checkpoint with this version)`,
    );
  if (!checksummed) corrupt('crc32', 'is missing: the checkpoint cannot be verified');
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
  if (!rng || !Number.isSafeInteger(rng.seed) || !Number.isInteger(rng.stream) || !Number.isSafeInteger(rng.position))
    corrupt('rng', 'is not an RNG state');
  const config = parse('config') as Record<string, unknown>;
  if (typeof config !== 'object' || config === null) corrupt('config', 'is not an object');
  const parts = new Map<string, CheckpointPart>();
  for (const key of Object.keys(metadata).filter((k) => k.startsWith('part.'))) {
    const state = parse(key);
    if (typeof state !== 'object' || state === null || Array.isArray(state)) corrupt(key, 'is not an object');
    parts.set(key.slice(5), { state: state as Record<string, unknown>, arrays: {} });
  }
  requireFinite(tensors, source, 'the checkpoint holds a diverged run; use an earlier checkpoint');
  const model = new Map<string, NamedTensor>();
  const optimizer = new Map<string, NamedTensor>();
  for (const [name, t] of tensors) {
    const [kind, rest] = [name.slice(0, name.indexOf('.')), name.slice(name.indexOf('.') + 1)];
    const part = kind === 'part' ? parts.get(rest.slice(0, rest.indexOf('.'))) : undefined;
    if (part && t.data instanceof Float64Array) part.arrays[rest.slice(rest.indexOf('.') + 1)] = t.data;
    else if (kind === 'model' && t.data instanceof Float32Array) model.set(rest, t as NamedTensor);
    else if (kind === 'optim' && t.data instanceof Float32Array) optimizer.set(rest, t as NamedTensor);
    else corrupt(name, 'is neither an F32 model or optimizer tensor nor an F64 array of a part');
  }
  return { epoch, step, config, rng, model, optimizer, parts };
}

/** Throws E_NOT_FINITE naming the first tensor (and index) holding NaN or Inf. */
function requireFinite(tensors: Map<string, NamedTensor<Float32Array | Float64Array>>, where: string, hint: string): void {
  for (const [name, t] of tensors) {
    const index = t.data.findIndex((v) => !Number.isFinite(v));
    if (index >= 0) {
      throw new NtkError('E_NOT_FINITE', `${where}: tensor "${name}" holds ${t.data[index]} at index ${index}; ${hint}.`, {
        source: where,
        field: name,
        index,
      });
    }
  }
}

/**
 * Throws E_CHECKPOINT_MISMATCH naming the first tensor whose name or shape differs from `model`'s;
 * with `momentum` (a resume whose SGD has momentum), also the first missing or misshapen optimizer
 * momentum tensor, so a resume is refused before it writes anything rather than when it restores them.
 */
export function checkCheckpointFits(cp: TrainingCheckpoint, model: Model, source: string, momentum = false): void {
  const expected = [...model.parameters(), ...model.buffers()];
  for (const t of expected) {
    const got = cp.model.get(t.name);
    if (!got) {
      throw new NtkError(
        'E_CHECKPOINT_MISMATCH',
        `${source}: tensor "${t.name}" of model "${model.name}" is missing; the checkpoint is from another model.`,
        {
          field: t.name,
        },
      );
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
  if (extra)
    throw new NtkError('E_CHECKPOINT_MISMATCH', `${source}: tensor "${extra}" does not exist in model "${model.name}".`, { field: extra });
  if (!momentum) return;
  for (const p of model.parameters()) {
    const name = `${p.name}.momentum`;
    const got = cp.optimizer.get(name);
    if (!got || got.data.length !== p.value.size) {
      throw new NtkError(
        'E_CHECKPOINT_MISMATCH',
        `${source}: optimizer tensor "${name}" is ${got ? `of ${got.data.length} values, not ${p.value.size}` : 'missing'}; ` +
          'the checkpoint is damaged or from another optimizer setting and cannot be resumed.',
        { field: name },
      );
    }
  }
}

let lastSaved: string | null = null;

/**
 * Writes the checkpoint atomically: a killed write never replaces the previous good file, and
 * temporary files left by killed writers are removed (the platform's writeFileAtomic).
 */
export async function saveCheckpoint(path: string, cp: TrainingCheckpoint, platform: Platform = currentPlatform()): Promise<void> {
  await platform.writeFileAtomic(path, encodeCheckpoint(cp));
  lastSaved = path;
}

/** The path of the last checkpoint this process saved (e.g. for a resume hint on Ctrl-C), or null. */
export function lastSavedCheckpoint(): string | null {
  return lastSaved;
}

/** Reads and decodes the checkpoint at `path` (E_IO when it cannot be read). */
export async function loadCheckpoint(path: string, platform: Platform = currentPlatform()): Promise<TrainingCheckpoint> {
  let bytes: Uint8Array;
  try {
    bytes = await platform.readFile(path); // bounded: no device, pipe or file over READ_LIMIT is read
  } catch (e) {
    if (e instanceof NtkError) throw e;
    throw new NtkError('E_IO', `cannot read checkpoint ${path}: ${(e as Error).message}.`, { path });
  }
  return { ...decodeCheckpoint(bytes, path), digest: crc32Hex([bytes]) };
}
