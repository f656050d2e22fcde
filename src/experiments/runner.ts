// Runs an experiment: plans its grid, skips runs that already finished (a final evaluation in the
// log, the same resolved recipe), starts the others (`jobs` at a time, each one `ntk-at train --config <run>/run.json` through `launch`,
// normally a child process of the CLI), then analyses every run's log and writes the report
// (report.md, report.html, plots, report.json listing each number's run and log source).

import { NtkError } from '../errors.js';
import type { Platform } from '../platform/index.js';
import { describeValue } from '../options.js';
import { checkDirectoryPath } from '../run/run_lock.js';
import { codeVersion, formatCodeVersion, type CodeVersion } from '../run/provenance.js';
import { resolveRecipe, type PartialRecipe } from '../run/recipe.js';
import { compareSections } from '../report/compare.js';
import { renderReport, writeReport, type Section } from '../report/document.js';
import { parseRunLog, type LogRecord } from '../io/runlog.js';
import { Collector, planRuns, SCALES, sig, type GridOptions, type RunPlan, type RunResult } from './experiment.js';
import { EXPERIMENTS } from './table.js';

/** Runs `ntk-at <args>` (here `train --config <run>/run.json --out <run>`) with its output appended to `output`; resolves to the exit code. */
export type Launch = (args: string[], output: string) => Promise<number>;

export interface ExperimentOptions extends GridOptions {
  /** Directory of the experiment (one sub-directory per run). */
  out: string;
  /** Runs at a time. */
  jobs: number;
  /** From --config: changes to every run's recipe ({"recipe": {"training": {"epochs": 6}}}) and a subset of variants. */
  config: { recipe?: PartialRecipe; variants?: string[] };
  /** Start nothing: report the runs that have finished and list the others as missing. */
  partial?: boolean;
  /** Allow runs made by different code versions in one grid (default: refused, E_MIXED_VERSIONS). */
  mixedVersions?: boolean;
}

/** Defaults of runExperiment: small scale, 5 seeds, one job at a time. */
export const DEFAULT_EXPERIMENT: Omit<ExperimentOptions, 'out'> = { scale: 'small', seeds: 5, jobs: 1, config: {} };

/** What runExperiment returns: the runs, which of them this call started, and where the report is. */
export interface ExperimentResult {
  runs: RunResult[];
  /** Runs started by this call (the rest had finished before). */
  started: string[];
  reportDir: string;
}

export const RUN_FILE = 'run.json';

/** Validates the name and options and plans the runs; nothing is written. */
export function planExperiment(name: string, o: ExperimentOptions): RunPlan[] {
  if (typeof o !== 'object' || o === null || Array.isArray(o))
    throw new NtkError('E_INVALID_ARGUMENT', `planExperiment: options must be an object (ExperimentOptions), got ${describeValue(o)}.`, {
      option: 'options',
    });
  checkDirectoryPath(o.out, 'planExperiment: option "out"');
  const experiment = Object.hasOwn(EXPERIMENTS, name) ? EXPERIMENTS[name] : undefined;
  if (!experiment) {
    throw new NtkError('E_INVALID_ARGUMENT', `experiment "${name}" does not exist; use one of ${Object.keys(EXPERIMENTS).join(', ')}.`, {
      option: 'name',
    });
  }
  if (!SCALES.includes(o.scale))
    throw new NtkError('E_INVALID_ARGUMENT', `--scale is "${o.scale}"; use ${SCALES.join(' or ')}.`, { option: 'scale' });
  for (const [option, v] of [
    ['seeds', o.seeds],
    ['jobs', o.jobs],
  ] as const) {
    if (!(Number.isInteger(v) && v >= 1))
      throw new NtkError('E_INVALID_ARGUMENT', `--${option} must be an integer >= 1, got ${v}.`, { option });
  }
  const known = experiment.variants(o).map((v) => v.name);
  const unknown = (o.config.variants ?? []).filter((v) => !known.includes(v));
  if (unknown.length) {
    throw new NtkError('E_INVALID_ARGUMENT', `--config: variants ${unknown.join(', ')} are not in ${name}; it has ${known.join(', ')}.`, {
      option: 'config',
    });
  }
  return planRuns(experiment, o, o.config.recipe ?? {}, o.config.variants ?? null);
}

async function readText(platform: Platform, path: string): Promise<string | null> {
  try {
    return new TextDecoder().decode(await platform.readFile(path));
  } catch {
    return null;
  }
}

/**
 * The recipe a run directory's run.json holds, resolved (defaults added since it was written included), or null when
 * this version cannot run it; E_DATA_FORMAT when the file is not a planned run with its recipe.
 */
function savedRecipe(text: string, path: string): string | null {
  let recipe: unknown;
  try {
    recipe = (JSON.parse(text) as Partial<RunPlan> | null)?.recipe;
  } catch {
    recipe = null;
  }
  if (typeof recipe !== 'object' || recipe === null || Array.isArray(recipe)) {
    throw new NtkError(
      'E_DATA_FORMAT',
      `${path} is damaged or from an older ntk-at (not the JSON of a planned run with its "recipe"); delete it to start that run over.`,
      { path },
    );
  }
  try {
    return JSON.stringify(resolveRecipe(recipe));
  } catch {
    return null; // a recipe this version refuses is not the planned one
  }
}

/** The run's records if it finished with the planned recipe (a final `eval` record), else null. */
export async function finishedRun(platform: Platform, dir: string, plan: RunPlan): Promise<LogRecord[] | null> {
  const saved = await readText(platform, `${dir}/${RUN_FILE}`);
  const log = await readText(platform, `${dir}/log.jsonl`);
  if (saved === null || log === null) return null;
  if (savedRecipe(saved, `${dir}/${RUN_FILE}`) !== JSON.stringify(plan.recipe)) return null;
  const records = parseRunLog(log);
  return records.some((r) => r.type === 'eval') && records.some((r) => r.type === 'event' && r.event === 'end') ? records : null;
}

/** Prepares `dir` for a fresh start of `plan`: an empty log (an interrupted run's would be appended to) and run.json (the plan, its recipe included). */
export async function startRunFresh(platform: Platform, dir: string, plan: RunPlan): Promise<void> {
  await platform.writeFileAtomic(`${dir}/log.jsonl`, new Uint8Array());
  await platform.writeFileAtomic(`${dir}/${RUN_FILE}`, new TextEncoder().encode(`${JSON.stringify(plan, null, 2)}\n`));
}

/** The `ntk-at` arguments that train the run planned in `dir` (its run.json holds the recipe). */
export const trainArgs = (dir: string): string[] => ['train', '--config', `${dir}/${RUN_FILE}`, '--out', dir];

/** Runs (or resumes) experiment `name` and writes its report into `o.out`. */
export async function runExperiment(
  name: string,
  o: ExperimentOptions,
  platform: Platform,
  launch: Launch,
  progress: (line: string) => void = () => {},
): Promise<ExperimentResult> {
  const plans = planExperiment(name, o);
  const dirOf = (p: RunPlan) => `${o.out}/${p.id}`;
  const done = new Map<string, LogRecord[]>();
  for (const p of plans) {
    const records = await finishedRun(platform, dirOf(p), p);
    if (records) done.set(p.id, records);
  }
  const pending = o.partial ? [] : plans.filter((p) => !done.has(p.id));
  checkOneCodeVersion(
    name,
    [...done]
      .map(([id, records]) => ({ id, code: runCode(records) }))
      .concat(pending.length ? [{ id: 'runs to start now', code: codeVersion() }] : []),
    o,
  );
  progress(`${name}: ${plans.length} runs, ${done.size} finished before, ${pending.length} to run (${o.jobs} at a time) in ${o.out}`);
  const failures: string[] = [];
  let next = 0;
  let finished = 0;
  const worker = async () => {
    while (next < pending.length) {
      const p = pending[next++];
      const dir = dirOf(p);
      await startRunFresh(platform, dir, p);
      const start = platform.now();
      const code = await launch([...trainArgs(dir), '--overwrite'], `${dir}/output.txt`); // the experiment owns the directory; startRunFresh cleared its log
      const records = code === 0 ? await finishedRun(platform, dir, p) : null;
      finished++;
      const seconds = ((platform.now() - start) / 1000).toFixed(0);
      if (records) {
        done.set(p.id, records);
        const pgd = records.filter((r) => r.type === 'eval').at(-1)?.accuracy as Record<string, number> | undefined;
        const summary = pgd
          ? Object.entries(pgd)
              .map(([k, v]) => `${k} ${(100 * v).toFixed(1)}%`)
              .join(' ')
          : '';
        progress(`[${finished}/${pending.length}] ${p.id}: done in ${seconds} s (${summary})`);
      } else {
        failures.push(p.id);
        progress(`[${finished}/${pending.length}] ${p.id}: FAILED (exit ${code}) after ${seconds} s; see ${dir}/output.txt`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(o.jobs, Math.max(1, pending.length)) }, worker));
  if (failures.length) {
    throw new NtkError(
      'E_RUN_FAILED',
      `experiment ${name}: ${failures.length} run(s) failed (${failures.join(', ')}); their output.txt says why. Rerun the same command to redo only those.`,
      { failures },
    );
  }
  const runs = plans.filter((p) => done.has(p.id)).map((p) => ({ plan: p, dir: dirOf(p), records: done.get(p.id) as LogRecord[] }));
  if (runs.length === 0) throw new NtkError('E_RUN_FAILED', `experiment ${name}: no run has finished in ${o.out} yet; nothing to report.`);
  await writeExperimentReport(
    platform,
    name,
    o,
    runs,
    plans.filter((p) => !done.has(p.id)).map((p) => p.id),
  );
  return { runs, started: pending.map((p) => p.id), reportDir: o.out };
}

/** The code version a run's config record names (null: a run from before code versions were recorded). */
export function runCode(records: LogRecord[]): CodeVersion | null {
  return (records.find((r) => r.type === 'config')?.code as CodeVersion | undefined) ?? null;
}

/** `line (runs)` per distinct code version of the runs, `; `-separated; one version: `line (all N runs)`. */
function codeGroups(runs: Array<{ id: string; code: CodeVersion | null }>): string {
  const groups = new Map<string, string[]>();
  for (const r of runs) {
    const line = formatCodeVersion(r.code);
    groups.set(line, [...(groups.get(line) ?? []), r.id]);
  }
  if (groups.size === 1) return `${[...groups.keys()][0]} (all ${runs.length} runs)`;
  return [...groups].map(([line, ids]) => `${line} (${ids.join(', ')})`).join('; ');
}

/** E_MIXED_VERSIONS when the runs were (or would be) made by more than one code version, unless o.mixedVersions. */
export function checkOneCodeVersion(
  name: string,
  runs: Array<{ id: string; code: CodeVersion | null }>,
  o: Pick<ExperimentOptions, 'mixedVersions' | 'out'>,
): void {
  if (o.mixedVersions || new Set(runs.map((r) => formatCodeVersion(r.code))).size <= 1) return;
  throw new NtkError(
    'E_MIXED_VERSIONS',
    `experiment ${name}: the runs in ${o.out} come from different code versions: ${codeGroups(runs)}. A grid's runs should come from one version ` +
      '(rerun them into a new --out, or run this command from a checkout of the recorded commit); --mixed-versions allows the mix, and the report lists it.',
    { versions: [...new Set(runs.map((r) => formatCodeVersion(r.code)))] },
  );
}

/** Analyses the runs and writes report.md / report.html / plots / report.json into o.out. */
export async function writeExperimentReport(
  platform: Platform,
  name: string,
  o: ExperimentOptions,
  runs: RunResult[],
  missing: string[] = [],
): Promise<void> {
  const experiment = EXPERIMENTS[name];
  checkOneCodeVersion(
    name,
    runs.map((r) => ({ id: r.plan.id, code: runCode(r.records) })),
    o,
  );
  const collect = new Collector(runs);
  const sections: Section[] = [
    {
      title: 'About this experiment',
      blocks: [
        { kind: 'text', text: experiment.summary },
        {
          kind: 'text',
          text:
            `Scale ${o.scale}, ${o.seeds} seed(s) per variant, ${runs.length} runs` +
            (missing.length
              ? ` (PARTIAL REPORT: ${missing.length} planned runs had not finished and are left out: ${missing.join(', ')})`
              : '') +
            `. Every number below was measured in these runs and ` +
            "read from their logs (report.json names the run and log field of each); they are not the paper's numbers. " +
            "Aggregates are mean ± sample standard deviation over seeds, followed by each seed's value in seed order.",
        },
        { kind: 'text', text: `Adapter: ${String(runs[0]?.records.find((r) => r.type === 'config')?.adapter ?? 'not recorded')}.` },
      ],
    },
    ...experiment.analyse(collect, o),
    ...compareSections(runs.map((r) => ({ name: r.plan.id, variant: r.plan.variant, seed: r.plan.seed, records: r.records }))),
    {
      title: 'Runs',
      blocks: [
        {
          kind: 'table',
          columns: ['run', 'training s', 'log', 'recipe'],
          rows: runs.map((r) => [
            r.plan.id,
            sig(collect.one(r, 'derived:trainingSeconds').value),
            `${r.plan.id}/log.jsonl`,
            `${r.plan.id}/${RUN_FILE}`,
          ]),
        },
      ],
    },
  ];
  sections[0].blocks.push({ kind: 'text', text: `Code: ${codeGroups(runs.map((r) => ({ id: r.plan.id, code: runCode(r.records) })))}.` });
  const report = renderReport(`Experiment ${name}`, sections);
  await writeReport(platform, o.out, report);
  const json = {
    experiment: name,
    scale: o.scale,
    seeds: o.seeds,
    config: o.config,
    missing,
    runs: runs.map((r) => ({ ...r.plan, log: `${r.plan.id}/log.jsonl` })),
    aggregates: collect.aggregates,
    measured: collect.measured,
  };
  await platform.writeFileAtomic(`${o.out}/report.json`, new TextEncoder().encode(`${JSON.stringify(json, null, 1)}\n`));
}
