// `ntk-at run <task.json>`: runs one planned run of an experiment (a file written by
// `ntk-at experiment plan`) into its own directory, as one Slurm array task does: a finished run is
// skipped, an interrupted one resumes from its checkpoint, and a lock file keeps two tasks off one run.

import { NtkError } from '../../errors.js';
import { TASK_STATE, type TaskFile, type TaskState } from '../../experiments/plan.js';
import { finishedRun } from '../../experiments/runner.js';
import type { RunPlan } from '../../experiments/experiment.js';
import type { Platform } from '../../platform/index.js';
import type { Command } from '../command.js';

const encode = (text: string): Uint8Array => new TextEncoder().encode(text);

async function exists(platform: Platform, path: string): Promise<boolean> {
  try {
    await platform.readFile(path);
    return true;
  } catch {
    return false;
  }
}

/** Reads and checks a task file; nothing is written before this passes. */
async function readTask(platform: Platform, path: string): Promise<TaskFile> {
  let task: TaskFile;
  try {
    task = JSON.parse(new TextDecoder().decode(await platform.readFile(path))) as TaskFile;
  } catch (e) {
    throw new NtkError('E_DATA_READ', `run: cannot read the task file ${path} (${(e as Error).message}); make one with \`ntk-at experiment plan\`.`, { path });
  }
  const ok = task && typeof task.id === 'string' && typeof task.dir === 'string' && typeof task.variant === 'string' &&
    Number.isInteger(task.seed) && Array.isArray(task.args) && task.args.every((a) => typeof a === 'string') && !task.dir.split('/').includes('..');
  if (!ok) throw new NtkError('E_DATA_FORMAT', `run: ${path} is not a task file of \`ntk-at experiment plan\` (id, variant, seed, args, dir).`, { path });
  return task;
}

export const runCommand: Command = {
  summary: 'run one planned run of an experiment (runs/<i>.json of `experiment plan`): skips it when finished, resumes it when interrupted',
  positional: { name: 'task', description: 'a task file written by `ntk-at experiment plan` (DIR/runs/<i>.json)' },
  options: {
    out: { type: 'string', description: 'run directory (default: the plan directory\'s <variant>/seed<k>)' },
  },
  async run(options, io) {
    const p = io.platform;
    const cli = p.cli;
    if (!cli.spawnSelf || !cli.lockFile || !cli.absolutePath) throw new NtkError('E_INVALID_ARGUMENT', 'run: this runtime cannot start child processes or lock files; run it from Node.');
    if (typeof options.task !== 'string') throw new NtkError('E_INVALID_ARGUMENT', 'run: name a task file (DIR/runs/<i>.json written by `ntk-at experiment plan`).', { option: 'task' });
    const file = cli.absolutePath(options.task);
    const task = await readTask(p, file);
    const planDir = file.split('/').slice(0, -2).join('/') || '/';
    const dir = typeof options.out === 'string' ? cli.absolutePath(options.out) : `${planDir}/${task.dir}`;
    const plan: RunPlan = { id: task.id, variant: task.variant, seed: task.seed, args: task.args };
    if (await finishedRun(p, dir, plan)) {
      io.out(`run ${task.id}: already finished in ${dir}; skipped.`);
      return;
    }
    const lock = await cli.lockFile(`${dir}/run.lock`);
    if (!lock.held) {
      throw new NtkError('E_RUN_LOCKED', `run ${task.id}: ${dir}/run.lock is held by ${lock.holder}: that task is running this run. ` +
        'If it is dead on another host, delete the lock file and run again.', { path: `${dir}/run.lock` });
    }
    try {
      if (await finishedRun(p, dir, plan)) { // finished while this task waited for the lock
        io.out(`run ${task.id}: already finished in ${dir}; skipped.`);
        return;
      }
      const job = p.env('SLURM_ARRAY_JOB_ID') ?? null;
      const index = p.env('SLURM_ARRAY_TASK_ID') ?? null;
      const state = async (s: Pick<TaskState, 'state' | 'exit'>) => {
        const full: TaskState = { ...s, host: p.env('SLURMD_NODENAME') ?? p.env('HOSTNAME') ?? null, job, task: index, log: job && index ? `logs/${job}_${index}.out` : null };
        await p.writeFileAtomic(`${dir}/${TASK_STATE}`, encode(`${JSON.stringify(full, null, 2)}\n`));
      };
      await state({ state: 'running', exit: null });
      const train = ['train', ...plan.args, '--out', dir];
      const checkpoint = `${dir}/checkpoint.safetensors`;
      const output = `${dir}/output.txt`;
      let code = -1;
      if (await exists(p, checkpoint) && await exists(p, `${dir}/run.json`)) {
        io.err(`run ${task.id}: resuming from ${checkpoint} (output: ${output})`);
        code = await cli.spawnSelf([...train, '--resume', checkpoint], output);
        if (code !== 0) io.err(`run ${task.id}: resuming failed (exit ${code}; ${output} says why); starting the run over.`);
      }
      if (code !== 0) {
        io.err(`run ${task.id}: starting in ${dir} (output: ${output})`);
        await p.writeFileAtomic(`${dir}/log.jsonl`, new Uint8Array()); // a fresh start: not appended to an old log
        await p.writeFileAtomic(`${dir}/run.json`, encode(`${JSON.stringify(plan, null, 2)}\n`));
        code = await cli.spawnSelf(train, output);
      }
      const done = code === 0 && (await finishedRun(p, dir, plan)) !== null;
      await state({ state: done ? 'done' : 'failed', exit: code });
      if (!done) throw new NtkError('E_RUN_FAILED', `run ${task.id} failed (exit ${code}); ${output} says why. Run the same command again to retry it.`, { path: output });
      io.out(`run ${task.id}: finished in ${dir}`);
    } finally {
      await lock.release();
    }
  },
};
