// The `ntk-at` executable: wires the runtime's command-line I/O to runCli and exits with its code;
// Ctrl-C prints the command that resumes from the last checkpoint.

import { currentPlatform } from '../platform/index.js';
import { lastSavedCheckpoint } from '../train/checkpoint.js';
import { interruptMessage, runCli } from './cli.js';
import type { CommandIo } from './command.js';

const platform = currentPlatform();
const io: CommandIo = {
  out: (t) => platform.cli.stdout.write(`${t}\n`),
  err: (t) => platform.cli.stderr.write(`${t}\n`),
  progress: platform.cli.stderr,
  platform,
};
platform.cli.onInterrupt(() => {
  io.err(`\n${interruptMessage(platform.cli.args(), lastSavedCheckpoint())}`);
  platform.cli.exit(130); // 128 + SIGINT; checkpoints are written atomically, so the last one is whole
});
platform.cli.exit(await runCli(platform.cli.args(), io));
