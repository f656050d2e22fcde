// What the commands that plan job arrays (`experiment plan`, `ntk --plan`) share: the Slurm option
// specs and their reading into SlurmOptions (checked by src/experiments/plan.ts), the lines that say
// how to run a plan, and collect's list of missing tasks.

import type { MissingRun, SlurmOptions } from '../experiments/plan.js';
import type { OptionSpec, ParsedOptions } from './args.js';

/** Option specs; `defaults` names where the unset values come from (the scale, or the block task). */
export function slurmOptionSpecs(defaults: string): Record<string, OptionSpec> {
  return {
    partition: { type: 'string', description: 'plan: Slurm partition' },
    account: { type: 'string', description: 'plan: Slurm account' },
    time: { type: 'string', description: `plan: wall time per task (default: ${defaults})` },
    'array-throttle': { type: 'number', description: 'plan: array tasks running at a time (--array=0-(n-1)%K)' },
    cpus: { type: 'number', description: `plan: CPUs per task (default: ${defaults})` },
    mem: { type: 'string', description: `plan: memory per task (default: ${defaults})` },
    gpus: { type: 'number', description: `plan: GPUs per task, --gres=gpu:N (default: ${defaults})` },
  };
}

/** The parsed Slurm options; unset ones are null. */
export function slurmOptions(options: ParsedOptions): SlurmOptions {
  const str = (k: string) => (typeof options[k] === 'string' ? (options[k] as string) : null);
  const num = (k: string) => (typeof options[k] === 'number' ? (options[k] as number) : null);
  return {
    partition: str('partition'),
    account: str('account'),
    time: str('time'),
    mem: str('mem'),
    cpus: num('cpus'),
    gpus: num('gpus'),
    throttle: num('array-throttle'),
  };
}

/** How to run the plan in `dir`, on a Slurm cluster or on this machine, then collect it. */
export function planInstructions(dir: string): string {
  return (
    `  on a Slurm cluster: sbatch ${dir}/slurm.sbatch, then ntk-at experiment collect ${dir}\n` +
    `  on this machine:    JOBS=2 bash ${dir}/run-local.sh, then ntk-at experiment collect ${dir}`
  );
}

/** collect's lines for the tasks of the plan in `dir` that have not finished. */
export function missingLines(dir: string, missing: readonly MissingRun[]): string[] {
  return missing.map((m) => `missing ${m.id}: ${m.status}${m.log ? `; log ${dir}/${m.log}` : ''}`);
}
