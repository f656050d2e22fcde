// Runs `ntk-at` commands in-process for tests: runCli with a CommandIo that keeps what was printed.

import { runCli } from '../../src/cli/cli.js';
import type { CommandIo } from '../../src/cli/command.js';
import { nodePlatform } from '../../src/platform/node.js';

export async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CommandIo = {
    out: (t) => out.push(t), err: (t) => err.push(t), progress: { isTTY: false, write: (t) => err.push(t) }, platform: nodePlatform,
  };
  const code = await runCli(args, io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}
