// The `ntk-at` command line: parses arguments into the same library calls a program would make,
// prints progress and results, and exits 0 on success, 1 on failure, 2 on bad usage.

import { NtkError } from '../errors.js';
import { currentPlatform } from '../platform/index.js';
import { formatOptions, parseOptions } from './args.js';
import type { Command, CommandIo } from './command.js';
import { checkCommand } from './commands/check.js';
import { infoCommand } from './commands/info.js';

const COMMANDS: Record<string, Command> = { info: infoCommand, check: checkCommand };

function usage(): string {
  const lines = ['usage: ntk-at <command> [options]', '', 'commands:'];
  for (const [name, c] of Object.entries(COMMANDS)) lines.push(`  ${name.padEnd(12)} ${c.summary}`);
  lines.push('', 'ntk-at <command> --help shows the options of a command.');
  return lines.join('\n');
}

async function main(): Promise<void> {
  const platform = currentPlatform();
  const io: CommandIo = {
    out: (t) => platform.cli.stdout.write(`${t}\n`),
    err: (t) => platform.cli.stderr.write(`${t}\n`),
    platform,
  };
  const [name, ...rest] = platform.cli.args();
  if (!name || name === 'help' || name === '--help') {
    io.out(usage());
    platform.cli.exit(name ? 0 : 2);
  }
  const command = COMMANDS[name];
  if (!command) {
    io.err(`ntk-at: unknown command "${name}".\n\n${usage()}`);
    platform.cli.exit(2);
  }
  if (rest.includes('--help')) {
    io.out(`ntk-at ${name}: ${command.summary}\n\noptions:\n${formatOptions(command.options)}`);
    platform.cli.exit(0);
  }
  try {
    await command.run(parseOptions(rest, command.options, name), io);
  } catch (e) {
    if (e instanceof NtkError) {
      io.err(`ntk-at ${name}: ${e.message}`);
      platform.cli.exit(e.code === 'E_INVALID_ARGUMENT' ? 2 : 1);
    }
    throw e;
  }
  platform.cli.exit(0);
}

await main();
