// Runs `ntk-at` commands in-process for tests: runCli with a CommandIo that keeps what was printed,
// and an experiment Launch that runs each `ntk-at train` that way (its output appended to a file).

import { appendFileSync } from 'node:fs';
import { runCli } from '../../src/cli/cli.js';
import type { CommandIo } from '../../src/cli/command.js';
import type { Launch } from '../../src/experiments/runner.js';
import { nodePlatform } from '../../src/platform/node.js';

export async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CommandIo = {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    progress: { isTTY: false, write: (t) => err.push(t) },
    platform: nodePlatform,
  };
  const code = await runCli(args, io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** `ntk-at <args>` in this process, what it printed appended to `output` (runExperiment's launch). */
export const inProcessLaunch: Launch = async (args, output) => {
  const r = await cli(...args);
  appendFileSync(output, `${r.out}\n${r.err}\n`);
  return r.code;
};
