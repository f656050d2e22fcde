// Work as files for a batch scheduler: one task file per task (runs/<i>.json), a manifest,
// run-local.sh (the same tasks on this machine) and slurm.sbatch (a Slurm job array, one task each,
// `ntk-at run runs/$SLURM_ARRAY_TASK_ID.json`). Experiments plan their runs here and `collect` reports
// the runs that finished; kernel blocks (src/experiments/kernel_blocks.ts) use the same files.

import { NtkError } from '../errors.js';
import type { Platform } from '../platform/index.js';
import type { LogRecord } from '../io/runlog.js';
import type { RunPlan, RunResult, Scale } from './experiment.js';
import { finishedRun, planExperiment, writeExperimentReport, type ExperimentOptions } from './runner.js';

/** What one array task asks Slurm for (a task is one process on one device). */
export interface TaskResources {
  cpus: number;
  mem: string;
  time: string;
  gpus: number;
}

/** Resources of one experiment run's task per scale. */
export const TASK_RESOURCES: Record<Scale, TaskResources> = {
  small: { cpus: 2, mem: '4G', time: '02:00:00', gpus: 0 },
  paper: { cpus: 8, mem: '32G', time: '24:00:00', gpus: 1 },
};

export interface SlurmOptions {
  partition: string | null;
  account: string | null;
  /** Wall time per task (Slurm's D-HH:MM:SS); null: the scale's. */
  time: string | null;
  /** Tasks running at a time (`--array=0-(n-1)%K`); null: no limit. */
  throttle: number | null;
  cpus: number | null;
  mem: string | null;
  /** GPUs per task (`--gres=gpu:N`); null: the default's. */
  gpus: number | null;
}

/** One run as a file (runs/<index>.json): what `ntk-at run` needs. `dir` is relative to the plan directory. */
export interface TaskFile extends RunPlan {
  experiment: string;
  index: number;
  dir: string;
}

/** One task of a plan in its manifest: the task file (`recipe`) and its directory, relative to the plan. */
export interface PlannedTask {
  index: number;
  id: string;
  recipe: string;
  dir: string;
}

export interface Manifest {
  experiment: string;
  options: Pick<ExperimentOptions, 'scale' | 'seeds' | 'config'>;
  runs: PlannedTask[];
}

/** What `ntk-at run` records in the run directory (task.json): where and how the task went. */
export interface TaskState {
  state: 'running' | 'done' | 'failed';
  host: string | null;
  /** Slurm array job and task ids, when run by Slurm. */
  job: string | null;
  task: string | null;
  /** The task's log relative to the plan directory (Slurm's logs/%A_%a.out), or null. */
  log: string | null;
  exit: number | null;
}

export const MANIFEST = 'manifest.json';
export const TASK_STATE = 'task.json';

const encode = (text: string): Uint8Array => new TextEncoder().encode(text);
const quote = (a: string): string => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);

/** The job array script: one array task per task file, resources `r` unless `s` overrides them, logs in logs/%A_%a.out. */
export function sbatchScript(name: string, r: TaskResources, count: number, dir: string, cli: string[], s: SlurmOptions): string {
  const gpus = s.gpus ?? r.gpus;
  const lines = [
    '#!/bin/bash',
    `# ${name}: ${count} tasks, one array task each. Submit with: sbatch ${dir}/slurm.sbatch`,
    '# (after copying the plan directory elsewhere, submit with --chdir=<its new path>).',
    `#SBATCH --job-name=ntk-at-${name}`,
    `#SBATCH --array=0-${count - 1}${s.throttle ? `%${s.throttle}` : ''}`,
    `#SBATCH --chdir=${dir}`,
    '#SBATCH --output=logs/%A_%a.out',
    '#SBATCH --ntasks=1',
    `#SBATCH --cpus-per-task=${s.cpus ?? r.cpus}`,
    `#SBATCH --mem=${s.mem ?? r.mem}`,
    `#SBATCH --time=${s.time ?? r.time}`,
    ...(gpus ? [`#SBATCH --gres=gpu:${gpus}`] : []),
    ...(s.partition ? [`#SBATCH --partition=${s.partition}`] : []),
    ...(s.account ? [`#SBATCH --account=${s.account}`] : []),
    '# NTK_AT overrides the command that starts ntk-at (e.g. NTK_AT="ntk-at" when it is installed on the cluster).',
    `exec \${NTK_AT:-${cli.map(quote).join(' ')}} run "runs/$SLURM_ARRAY_TASK_ID.json"`,
    '',
  ];
  return lines.join('\n');
}

/** The same runs on this machine, JOBS at a time (default 1); finished runs are skipped. */
export function localScript(count: number, dir: string, cli: string[]): string {
  return [
    '#!/bin/bash',
    '# Runs every task of this plan on this machine, JOBS at a time (JOBS=2 bash run-local.sh); finished runs are skipped.',
    'set -u',
    `cd ${quote(dir)}`,
    `seq 0 ${count - 1} | xargs -P "\${JOBS:-1}" -I{} \${NTK_AT:-${cli.map(quote).join(' ')}} run "runs/{}.json"`,
    '',
  ].join('\n');
}

/** Refuses Slurm options Slurm would not take (E_INVALID_ARGUMENT naming the option); writes nothing. */
export function checkSlurmOptions(slurm: SlurmOptions): void {
  for (const [option, v] of [
    ['array-throttle', slurm.throttle],
    ['cpus', slurm.cpus],
    ['gpus', slurm.gpus],
  ] as const) {
    const least = option === 'gpus' ? 0 : 1;
    if (v !== null && !(Number.isInteger(v) && v >= least))
      throw new NtkError('E_INVALID_ARGUMENT', `--${option} must be an integer >= ${least}, got ${v}.`, { option });
  }
  for (const [option, v] of [
    ['partition', slurm.partition],
    ['account', slurm.account],
    ['time', slurm.time],
    ['mem', slurm.mem],
  ] as const) {
    if (v !== null && !/^[\w.:-]+$/.test(v))
      throw new NtkError('E_INVALID_ARGUMENT', `--${option} "${v}" has characters Slurm does not take.`, { option });
  }
}

/**
 * Writes a plan into `dir` (absolute): each task as runs/<index>.json, the manifest (`manifest`
 * plus the task list), slurm.sbatch, run-local.sh and logs/. Validate everything before calling it.
 */
export async function writeTaskFiles<T extends { index: number; id: string; dir: string }>(
  platform: Platform,
  dir: string,
  name: string,
  tasks: T[],
  manifest: object,
  resources: TaskResources,
  slurm: SlurmOptions,
  cli: string[],
): Promise<void> {
  for (const t of tasks) await writeJson(platform, `${dir}/runs/${t.index}.json`, t);
  const runs: PlannedTask[] = tasks.map((t) => ({ index: t.index, id: t.id, recipe: `runs/${t.index}.json`, dir: t.dir }));
  await writeJson(platform, `${dir}/${MANIFEST}`, { ...manifest, runs });
  await platform.writeFileAtomic(`${dir}/slurm.sbatch`, encode(sbatchScript(name, resources, tasks.length, dir, cli, slurm)));
  await platform.writeFileAtomic(`${dir}/run-local.sh`, encode(localScript(tasks.length, dir, cli)));
  await platform.writeFileAtomic(`${dir}/logs/README`, encode("Slurm writes each array task's output here as <job>_<task>.out.\n"));
}

/**
 * Refuses (E_INVALID_ARGUMENT) to plan into `dir` when it holds the plan of another experiment or of
 * other options (its manifest differs in a field of `planned`: `experiment`, and `options` or a kernel
 * plan's `kernel`), unless `overwrite`: its runs would be mixed into or replaced by this plan's. The
 * same plan again is accepted (it is rewritten as it was).
 */
export async function refuseOtherPlan(
  platform: Platform,
  dir: string,
  planned: { experiment: string } & Record<string, unknown>,
  overwrite: boolean,
): Promise<void> {
  if (overwrite) return;
  const m = await readJson<Record<string, unknown>>(platform, `${dir}/${MANIFEST}`);
  if (m === null) return;
  if (Object.keys(planned).some((key) => JSON.stringify(m[key]) !== JSON.stringify(planned[key]))) {
    throw new NtkError(
      'E_INVALID_ARGUMENT',
      `${dir} holds the plan of ${typeof m.experiment === 'string' ? `experiment ${m.experiment}` : 'another experiment'}` +
        `${m.experiment === planned.experiment ? ' with other options' : ''} (${dir}/${MANIFEST}); plan into another --out, or replace that plan with --overwrite.`,
      { option: 'out', path: dir },
    );
  }
}

/** Validates and writes the plan of experiment `name` into o.out (absolute); returns the task files. */
export async function writePlan(
  platform: Platform,
  name: string,
  o: ExperimentOptions,
  slurm: SlurmOptions,
  cli: string[],
): Promise<TaskFile[]> {
  const plans = planExperiment(name, o);
  checkSlurmOptions(slurm);
  const tasks = plans.map((p, index) => ({ experiment: name, index, ...p, dir: p.id }));
  const manifest: Omit<Manifest, 'runs'> = { experiment: name, options: { scale: o.scale, seeds: o.seeds, config: o.config } };
  await writeTaskFiles(platform, o.out, name, tasks, manifest, TASK_RESOURCES[o.scale], slurm, cli);
  return tasks;
}

/** Writes `value` as indented JSON (atomically). */
export async function writeJson(platform: Platform, path: string, value: unknown): Promise<void> {
  await platform.writeFileAtomic(path, encode(`${JSON.stringify(value, null, 2)}\n`));
}

async function readJson<T>(platform: Platform, path: string): Promise<T | null> {
  let text: string;
  try {
    text = new TextDecoder().decode(await platform.readFile(path));
  } catch {
    return null;
  }
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new NtkError(
      'E_DATA_FORMAT',
      `${path} is not JSON (${(e as Error).message}); it was written by \`ntk-at experiment plan\` or \`ntk-at run\`.`,
      { path },
    );
  }
}

export async function readManifest<M extends { experiment: string; runs: PlannedTask[] } = Manifest>(
  platform: Platform,
  dir: string,
): Promise<M> {
  const m = await readJson<M>(platform, `${dir}/${MANIFEST}`);
  if (!m || typeof m.experiment !== 'string' || !Array.isArray(m.runs)) {
    throw new NtkError(
      'E_DATA_READ',
      `${dir}/${MANIFEST} is missing or not a plan manifest; make one with \`ntk-at experiment plan <name> --out ${dir}\` (or \`ntk-at ntk --blocks B --plan ${dir}\`).`,
      { path: dir },
    );
  }
  return m;
}

export async function readTaskState(platform: Platform, runDir: string): Promise<TaskState | null> {
  return readJson<TaskState>(platform, `${runDir}/${TASK_STATE}`);
}

/** A run that has not finished: its id, what is known of it, and where to look. */
export interface MissingRun {
  id: string;
  status: string;
  log: string | null;
}

/** What is known of a planned task that has not finished (from its task.json), and where its log is. */
export async function missingTask(platform: Platform, dir: string, entry: PlannedTask, doneButIncomplete: string): Promise<MissingRun> {
  const state = await readTaskState(platform, `${dir}/${entry.dir}`);
  const status = !state
    ? 'not started'
    : state.state === 'failed'
      ? `failed (exit ${state.exit ?? '?'} on ${state.host ?? '?'}); its output: ${entry.dir}/output.txt`
      : state.state === 'running'
        ? `started on ${state.host ?? '?'} and not finished (still running, or killed: resubmit task ${entry.index} to resume it)`
        : `marked done but ${doneButIncomplete}`;
  return { id: entry.id, status: `task ${entry.index}: ${status}`, log: state?.log ?? null };
}

/** Reports the finished runs of the plan in `dir` (writes nothing when none has finished) and lists the others. */
export async function collectExperiment(
  platform: Platform,
  dir: string,
  mixedVersions = false,
): Promise<{ name: string; runs: RunResult[]; missing: MissingRun[]; reported: boolean }> {
  const m = await readManifest(platform, dir);
  const o: ExperimentOptions = { ...m.options, out: dir, jobs: 1, mixedVersions };
  const plans = planExperiment(m.experiment, o);
  const planned = new Map(plans.map((p) => [p.id, p]));
  const runs: RunResult[] = [];
  const missing: MissingRun[] = [];
  for (const entry of m.runs) {
    const plan = planned.get(entry.id);
    if (!plan)
      throw new NtkError(
        'E_DATA_FORMAT',
        `${dir}/${MANIFEST}: run ${entry.id} is not in experiment ${m.experiment} any more; plan it again.`,
        { path: dir },
      );
    const runDir = `${dir}/${entry.dir}`;
    const records: LogRecord[] | null = await finishedRun(platform, runDir, plan);
    if (records) {
      runs.push({ plan, dir: runDir, records });
      continue;
    }
    missing.push(await missingTask(platform, dir, entry, 'its log has no final evaluation'));
  }
  if (runs.length)
    await writeExperimentReport(
      platform,
      m.experiment,
      o,
      runs,
      missing.map((r) => r.id),
    );
  return { name: m.experiment, runs, missing, reported: runs.length > 0 };
}
