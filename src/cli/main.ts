// The `ntk-at` executable: wires the runtime's command-line I/O to runCli and exits with its code;
// an interrupt (Ctrl-C, SIGINT or SIGTERM from anyone) prints the command that resumes from the last checkpoint. Native libraries' harmless
// diagnostics are filtered from stderr (platform cli.runQuietly) unless --verbose is given (anywhere).

import { currentPlatform } from '../platform/index.js';
import { lastSavedCheckpoint } from '../train/checkpoint.js';
import { interruptMessage, runCli } from './cli.js';
import type { CommandIo } from './command.js';

const platform = currentPlatform();
const argv = platform.cli.args();
const verbose = argv.includes('--verbose');
const args = argv.filter((a) => a !== '--verbose');
const code = verbose ? null : await platform.cli.runQuietly?.(argv);
if (code !== undefined && code !== null) platform.cli.exit(code);
const io: CommandIo = {
  out: (t) => platform.cli.stdout.write(`${t}\n`),
  err: (t) => platform.cli.stderr.write(`${t}\n`),
  progress: platform.cli.stderr,
  platform,
};
// SIGINT and SIGTERM, whoever sends them (a terminal's Ctrl-C, a supervisor, kill PID): the same message, exit 128 + signal.
platform.cli.onInterrupt((signal) => {
  io.err(`\n${interruptMessage(args, lastSavedCheckpoint())}`);
  platform.cli.exit(signal === 'SIGINT' ? 130 : 143); // checkpoints are written atomically, so the last one is whole
});
platform.cli.exit(await runCli(args, io));
