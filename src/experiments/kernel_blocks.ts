// Kernels larger than one job: `ntk-at ntk --blocks B --plan DIR` plans one task per block (i, j),
// i <= j, of the probe set cut into B parts (runs/<t>.json, run by `ntk-at run` like any planned
// task); each task writes blocks/<i>-<j>/block.npy and block.json; `collectKernel` assembles them.

import { NtkError } from '../errors.js';
import { decodeNpy, encodeNpy } from '../io/npy.js';
import { assembleBlocks, blockPairs, blockRange, type KernelBlock } from '../ntk/blocks.js';
import type { Platform } from '../platform/index.js';
import {
  checkSlurmOptions,
  missingTask,
  readManifest,
  writeJson,
  writeTaskFiles,
  type MissingRun,
  type PlannedTask,
  type SlurmOptions,
  type TaskResources,
} from './plan.js';

/** The manifest's `experiment` of a kernel-block plan. */
export const KERNEL_BLOCKS = 'kernel-blocks';

/** Default resources of one block's task (one process, one device); `--gpus 1` etc. override them. */
export const BLOCK_TASK_RESOURCES: TaskResources = { cpus: 2, mem: '8G', time: '04:00:00', gpus: 0 };

/** What fixes the kernel: every block is computed with the same `args` and checked against them. */
export interface KernelPlan {
  /** `ntk-at ntk` options that fix the kernel (checkpoint, kind, inputs, probes, ...), without --block/--blocks/--out. */
  args: string[];
  blocks: number;
  /** Probe samples n, and kernel rows per sample (C for the `full` kind, else 1). */
  probes: number;
  rowsPerSample: number;
  /** Labels of the n probes in order; the digest of their dataset indices. */
  labels: number[];
  probeDigest: string;
  /** CRC-32 of the checkpoint file the kernel is computed from: a block of other bytes (the file replaced meanwhile) is refused. */
  checkpointDigest: string;
  /** Metadata of the assembled kernel's safetensors (as `ntk-at ntk` writes for one piece). */
  metadata: Record<string, string>;
}

export interface KernelManifest {
  experiment: typeof KERNEL_BLOCKS;
  kernel: KernelPlan;
  runs: PlannedTask[];
}

/** runs/<index>.json of a kernel plan: one block. `dir` is relative to the plan directory. */
export interface KernelBlockTask {
  experiment: typeof KERNEL_BLOCKS;
  index: number;
  id: string;
  dir: string;
  block: [number, number];
  blocks: number;
  args: string[];
}

/** block.json next to block.npy: which block, computed how; written after block.npy, so it marks the block finished. */
export interface BlockRecord {
  format: 'ntk-at-kernel-block/1';
  block: [number, number];
  blocks: number;
  rows: { start: number; count: number };
  cols: { start: number; count: number };
  rowsPerSample: number;
  probes: number;
  probeDigest: string;
  checkpointDigest: string;
  args: string[];
  seconds: number;
}

/** The block's files, without extension, in its task directory. */
export const BLOCK_FILE = 'block';

export function isKernelBlockTask(task: object): task is KernelBlockTask {
  const t = task as KernelBlockTask;
  return (
    t.experiment === KERNEL_BLOCKS &&
    Array.isArray(t.block) &&
    t.block.length === 2 &&
    t.block.every(Number.isInteger) &&
    Number.isInteger(t.blocks) &&
    Array.isArray(t.args) &&
    t.args.every((a) => typeof a === 'string') &&
    typeof t.dir === 'string' &&
    !t.dir.split('/').includes('..')
  );
}

/** The record of block (i, j) of `plan`'s shape. */
export function blockRecord(
  plan: Pick<KernelPlan, 'args' | 'blocks' | 'probes' | 'rowsPerSample' | 'probeDigest' | 'checkpointDigest'>,
  block: [number, number],
  seconds: number,
): BlockRecord {
  return {
    format: 'ntk-at-kernel-block/1',
    block,
    blocks: plan.blocks,
    rows: blockRange(plan.probes, plan.blocks, block[0]),
    cols: blockRange(plan.probes, plan.blocks, block[1]),
    rowsPerSample: plan.rowsPerSample,
    probes: plan.probes,
    probeDigest: plan.probeDigest,
    checkpointDigest: plan.checkpointDigest,
    args: plan.args,
    seconds,
  };
}

/** Writes a block: <out>.npy (float64, rows x cols) first, then <out>.json, each atomically. */
export async function writeBlock(platform: Platform, out: string, record: BlockRecord, data: Float64Array): Promise<void> {
  await platform.writeFileAtomic(
    `${out}.npy`,
    encodeNpy(data, [record.rows.count * record.rowsPerSample, record.cols.count * record.rowsPerSample]),
  );
  await writeJson(platform, `${out}.json`, record);
}

/**
 * The finished block at `out` when it was computed as `expected` says (same block, kernel args and
 * probes); otherwise null. A block computed from other checkpoint bytes than the plan's is
 * E_CHECKPOINT_MISMATCH: it would be assembled into a kernel of no one checkpoint.
 */
export async function readBlock(platform: Platform, out: string, expected: BlockRecord): Promise<KernelBlock | null> {
  let record: BlockRecord;
  let bytes: Uint8Array;
  try {
    record = JSON.parse(new TextDecoder().decode(await platform.readFile(`${out}.json`))) as BlockRecord;
    bytes = await platform.readFile(`${out}.npy`);
  } catch {
    return null;
  }
  if (record && typeof record === 'object' && record.checkpointDigest !== expected.checkpointDigest) {
    throw new NtkError(
      'E_CHECKPOINT_MISMATCH',
      `${out}.json: block ${JSON.stringify(record.block)} was computed from checkpoint bytes of CRC-32 ${record.checkpointDigest}, ` +
        `the plan's checkpoint has ${expected.checkpointDigest}: the checkpoint was replaced after planning. Plan the kernel again (ntk --plan) into a new directory.`,
      { path: `${out}.json` },
    );
  }
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const { seconds: _a, ...got } = record;
  const { seconds: _b, ...want } = expected;
  if (!same(got, want)) return null;
  const { shape, data } = decodeNpy(bytes, `${out}.npy`);
  if (!same(shape, [record.rows.count * record.rowsPerSample, record.cols.count * record.rowsPerSample])) return null;
  return { i: record.block[0], j: record.block[1], data };
}

/** The tasks of a plan: one per block (i, j), i <= j, in blocks/<i>-<j>. */
export function kernelBlockTasks(plan: KernelPlan): KernelBlockTask[] {
  return blockPairs(plan.blocks).map(([i, j], index) => ({
    experiment: KERNEL_BLOCKS,
    index,
    id: `block ${i},${j}`,
    dir: `blocks/${i}-${j}`,
    block: [i, j],
    blocks: plan.blocks,
    args: plan.args,
  }));
}

/** Writes the plan of a blocked kernel into `dir` (absolute): task files, manifest, slurm.sbatch, run-local.sh. */
export async function writeKernelPlan(
  platform: Platform,
  dir: string,
  plan: KernelPlan,
  slurm: SlurmOptions,
  cli: string[],
): Promise<KernelBlockTask[]> {
  checkSlurmOptions(slurm);
  if (!(Number.isInteger(plan.blocks) && plan.blocks >= 1 && plan.blocks <= plan.probes)) {
    throw new NtkError(
      'E_INVALID_ARGUMENT',
      `--blocks must be an integer from 1 to the number of probes (${plan.probes}), got ${plan.blocks}.`,
      { option: 'blocks' },
    );
  }
  const tasks = kernelBlockTasks(plan);
  await writeTaskFiles(platform, dir, KERNEL_BLOCKS, tasks, { experiment: KERNEL_BLOCKS, kernel: plan }, BLOCK_TASK_RESOURCES, slurm, cli);
  return tasks;
}

/** The full kernel from the finished blocks of the plan in `dir`, or null with the missing blocks listed. */
export async function collectKernel(
  platform: Platform,
  dir: string,
): Promise<{ plan: KernelPlan; kernel: { rows: number; cols: number; data: Float64Array } | null; blocks: number; missing: MissingRun[] }> {
  const m = await readManifest<KernelManifest>(platform, dir);
  const plan = m.kernel;
  const tasks = new Map(kernelBlockTasks(plan).map((t) => [t.id, t]));
  const parts: KernelBlock[] = [];
  const missing: MissingRun[] = [];
  for (const entry of m.runs) {
    const task = tasks.get(entry.id);
    if (!task)
      throw new NtkError(
        'E_DATA_FORMAT',
        `${dir}/manifest.json: ${entry.id} is not a block of a ${plan.blocks}-block plan; plan it again.`,
        { path: dir },
      );
    const block = await readBlock(platform, `${dir}/${entry.dir}/${BLOCK_FILE}`, blockRecord(plan, task.block, 0));
    const bad = block ? block.data.findIndex((v) => !Number.isFinite(v)) : -1;
    if (block && bad >= 0) {
      // refused before anything is assembled or written
      throw new NtkError(
        'E_NOT_FINITE',
        `${dir}/${entry.dir}/${BLOCK_FILE}.npy holds ${block.data[bad]} at index ${bad}; recompute that block (delete its ${BLOCK_FILE}.json and run task ${entry.index} again).`,
        { path: `${dir}/${entry.dir}/${BLOCK_FILE}.npy`, index: bad },
      );
    }
    if (block) parts.push(block);
    else missing.push(await missingTask(platform, dir, entry, `its ${BLOCK_FILE}.json is missing or was computed with other options`));
  }
  if (missing.length) return { plan, kernel: null, blocks: parts.length, missing };
  const size = plan.probes * plan.rowsPerSample;
  return {
    plan,
    kernel: { rows: size, cols: size, data: assembleBlocks(plan.probes, plan.rowsPerSample, plan.blocks, parts) },
    blocks: parts.length,
    missing,
  };
}
