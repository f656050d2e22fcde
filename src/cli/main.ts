// The `ntk-at` executable: wires the runtime's command-line I/O to runCli and exits with its code.

import { currentPlatform } from '../platform/index.js';
import { runCli } from './cli.js';
import type { CommandIo } from './command.js';

const platform = currentPlatform();
const io: CommandIo = {
  out: (t) => platform.cli.stdout.write(`${t}\n`),
  err: (t) => platform.cli.stderr.write(`${t}\n`),
  progress: platform.cli.stderr,
  platform,
};
platform.cli.exit(await runCli(platform.cli.args(), io));
