// The Slurm options of the commands that plan job arrays (`experiment plan`, `ntk --plan`): one
// table of option specs and its reading into SlurmOptions (checked by src/experiments/plan.ts).

import type { SlurmOptions } from '../experiments/plan.js';
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
  const str = (k: string) => (typeof options[k] === 'string' ? options[k] as string : null);
  const num = (k: string) => (typeof options[k] === 'number' ? options[k] as number : null);
  return { partition: str('partition'), account: str('account'), time: str('time'), mem: str('mem'), cpus: num('cpus'), gpus: num('gpus'), throttle: num('array-throttle') };
}
