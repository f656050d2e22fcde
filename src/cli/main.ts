// The `ntk-at` executable: wires the runtime's command-line I/O to runCli and exits with its code.
// Native libraries' harmless diagnostics are filtered from stderr (platform cli.runQuietly) unless
// --verbose is given (it may appear anywhere on the command line).

import { currentPlatform } from '../platform/index.js';
import { runCli } from './cli.js';
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
platform.cli.exit(await runCli(args, io));
