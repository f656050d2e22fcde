// `ntk-at run <task.json>`: runs one planned task (a file written by `ntk-at experiment plan`: one
// training run; or by `ntk-at ntk --plan`: one kernel block) into its own directory, as one Slurm
// array task does: a finished task is skipped, an interrupted run resumes from its checkpoint, and a
// lock file keeps two tasks off one directory.

import { NtkError } from '../../errors.js';
import {
  BLOCK_FILE,
  blockRecord,
  isKernelBlockTask,
  readBlock,
  type KernelBlockTask,
  type KernelManifest,
} from '../../experiments/kernel_blocks.js';
import { readManifest, TASK_STATE, writeJson, type TaskFile, type TaskState } from '../../experiments/plan.js';
import { finishedRun, RUN_FILE, startRunFresh, trainArgs } from '../../experiments/runner.js';
import { resolveRecipe } from '../../run/recipe.js';
import type { RunPlan } from '../../experiments/experiment.js';
import type { Platform } from '../../platform/index.js';
import type { Command, CommandIo } from '../command.js';

async function exists(platform: Platform, path: string): Promise<boolean> {
  try {
    await platform.readFile(path);
    return true;
  } catch {
    return false;
  }
}

/** Reads and checks a task file; nothing is written before this passes. */
async function readTask(platform: Platform, path: string): Promise<TaskFile | KernelBlockTask> {
  let task: TaskFile | KernelBlockTask;
  try {
    task = JSON.parse(new TextDecoder().decode(await platform.readFile(path))) as TaskFile;
  } catch (e) {
    throw new NtkError(
      'E_DATA_READ',
      `run: cannot read the task file ${path} (${(e as Error).message}); make one with \`ntk-at experiment plan\`.`,
      { path },
    );
  }
  if (task && typeof task === 'object' && isKernelBlockTask(task)) return task;
  const t = task as TaskFile;
  const ok =
    t &&
    typeof t.id === 'string' &&
    typeof t.dir === 'string' &&
    typeof t.variant === 'string' &&
    Number.isInteger(t.seed) &&
    typeof t.recipe === 'object' &&
    t.recipe !== null &&
    !Array.isArray(t.recipe) &&
    !t.dir.split('/').includes('..');
  if (!ok)
    throw new NtkError(
      'E_DATA_FORMAT',
      `run: ${path} is not a task file of \`ntk-at experiment plan\` (id, variant, seed, recipe, dir) or \`ntk-at ntk --plan\`.`,
      { path },
    );
  return t;
}

/** What running one task means: is it finished, and start it (resolves to the exit code). */
interface TaskWork {
  finished(): Promise<boolean>;
  start(): Promise<number>;
}

/** A training run: resumed from its checkpoint when one is there, else started over with a fresh log. */
function trainingWork(io: CommandIo, task: TaskFile, dir: string, spawn: Spawn): TaskWork {
  const p = io.platform;
  const plan: RunPlan = { id: task.id, variant: task.variant, seed: task.seed, recipe: resolveRecipe(task.recipe) };
  return {
    finished: async () => (await finishedRun(p, dir, plan)) !== null,
    async start() {
      const train = trainArgs(dir);
      const checkpoint = `${dir}/checkpoint.safetensors`;
      const output = `${dir}/output.txt`;
      let code = -1;
      if ((await exists(p, checkpoint)) && (await exists(p, `${dir}/${RUN_FILE}`))) {
        io.err(`run ${task.id}: resuming from ${checkpoint} (output: ${output})`);
        code = await spawn([...train, '--resume', checkpoint], output);
        if (code !== 0) io.err(`run ${task.id}: resuming failed (exit ${code}; ${output} says why); starting the run over.`);
      }
      if (code !== 0) {
        io.err(`run ${task.id}: starting in ${dir} (output: ${output})`);
        await startRunFresh(p, dir, plan);
        code = await spawn([...train, '--overwrite'], output); // this task owns the directory, and startRunFresh cleared its log
      }
      return code;
    },
  };
}

/** One kernel block, checked against the plan's manifest: `ntk-at ntk ... --blocks B --block i,j --out <dir>/block`. */
async function blockWork(io: CommandIo, task: KernelBlockTask, planDir: string, dir: string, spawn: Spawn): Promise<TaskWork> {
  const plan = (await readManifest<KernelManifest>(io.platform, planDir)).kernel;
  const expected = blockRecord(plan, task.block, 0);
  return {
    finished: async () => (await readBlock(io.platform, `${dir}/${BLOCK_FILE}`, expected)) !== null,
    start() {
      io.err(`run ${task.id}: computing in ${dir} (output: ${dir}/output.txt)`);
      return spawn(
        ['ntk', ...task.args, '--blocks', String(task.blocks), '--block', task.block.join(','), '--out', `${dir}/${BLOCK_FILE}`],
        `${dir}/output.txt`,
      );
    },
  };
}

type Spawn = (args: string[], output: string) => Promise<number>;

export const runCommand: Command = {
  summary: 'run one planned task (runs/<i>.json of `experiment plan` or `ntk --plan`): skips it when finished, resumes an interrupted run',
  positional: { name: 'task', description: 'a task file written by `ntk-at experiment plan` or `ntk-at ntk --plan` (DIR/runs/<i>.json)' },
  options: {
    out: {
      type: 'string',
      description: "task directory (default: the task's directory in the plan: <variant>/seed<k>, or blocks/<i>-<j>)",
    },
  },
  async run(options, io) {
    const p = io.platform;
    const cli = p.cli;
    const spawn = cli.spawnSelf;
    if (!spawn || !cli.lockFile || !cli.absolutePath)
      throw new NtkError('E_INVALID_ARGUMENT', 'run: this runtime cannot start child processes or lock files; run it from Node or Deno.');
    if (typeof options.task !== 'string')
      throw new NtkError(
        'E_INVALID_ARGUMENT',
        'run: name a task file (DIR/runs/<i>.json written by `ntk-at experiment plan` or `ntk-at ntk --plan`).',
        { option: 'task' },
      );
    const file = cli.absolutePath(options.task);
    const task = await readTask(p, file);
    const planDir = file.split('/').slice(0, -2).join('/') || '/';
    const dir = typeof options.out === 'string' ? cli.absolutePath(options.out) : `${planDir}/${task.dir}`;
    const work = isKernelBlockTask(task) ? await blockWork(io, task, planDir, dir, spawn) : trainingWork(io, task, dir, spawn);
    if (await work.finished()) {
      io.out(`run ${task.id}: already finished in ${dir}; skipped.`);
      return;
    }
    const lock = await cli.lockFile(`${dir}/run.lock`);
    if (!lock.held) {
      throw new NtkError(
        'E_RUN_LOCKED',
        `run ${task.id}: ${dir}/run.lock is held by ${lock.holder}: that task is running this run. ` +
          'If it is dead on another host, delete the lock file and run again.',
        { path: `${dir}/run.lock` },
      );
    }
    try {
      if (await work.finished()) {
        // finished while this task waited for the lock
        io.out(`run ${task.id}: already finished in ${dir}; skipped.`);
        return;
      }
      const job = p.env('SLURM_ARRAY_JOB_ID') ?? null;
      const index = p.env('SLURM_ARRAY_TASK_ID') ?? null;
      const state = async (s: Pick<TaskState, 'state' | 'exit'>) => {
        const full: TaskState = {
          ...s,
          host: p.env('SLURMD_NODENAME') ?? p.env('HOSTNAME') ?? null,
          job,
          task: index,
          log: job && index ? `logs/${job}_${index}.out` : null,
        };
        await writeJson(p, `${dir}/${TASK_STATE}`, full);
      };
      await state({ state: 'running', exit: null });
      const code = await work.start();
      const done = code === 0 && (await work.finished());
      await state({ state: done ? 'done' : 'failed', exit: code });
      const output = `${dir}/output.txt`;
      if (!done)
        throw new NtkError(
          'E_RUN_FAILED',
          `run ${task.id} failed (exit ${code}); ${output} says why. Run the same command again to retry it.`,
          { path: output },
        );
      io.out(`run ${task.id}: finished in ${dir}`);
    } finally {
      await lock.release();
    }
  },
};
