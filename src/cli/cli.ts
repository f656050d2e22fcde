// The command table and dispatch of `ntk-at`: parses arguments into the same library calls a
// program would make and returns the exit code (0 success, 1 failure, 2 bad usage), so the CLI can
// be driven in-process (tests) as well as from main.ts.

import { NtkError } from '../errors.js';
import { formatOptions, parseOptions } from './args.js';
import type { Command, CommandIo } from './command.js';
import { checkCommand } from './commands/check.js';
import { evaluateCommand } from './commands/evaluate.js';
import { experimentCommand } from './commands/experiment.js';
import { infoCommand } from './commands/info.js';
import { ntkCommand } from './commands/ntk.js';
import { reportCommand } from './commands/report.js';
import { runCommand } from './commands/run.js';
import { trainCommand } from './commands/train.js';

export const COMMANDS: Record<string, Command> = {
  info: infoCommand,
  check: checkCommand,
  train: trainCommand,
  evaluate: evaluateCommand,
  ntk: ntkCommand,
  report: reportCommand,
  experiment: experimentCommand,
  run: runCommand,
};

/** Options that name a directory a command writes into: checked writable before the command runs. */
export const OUTPUT_DIRECTORY_OPTIONS = ['out'] as const;

function usage(): string {
  const lines = ['usage: ntk-at <command> [options]', '', 'commands:'];
  for (const [name, c] of Object.entries(COMMANDS)) lines.push(`  ${name.padEnd(12)} ${c.summary}`);
  lines.push('', 'ntk-at <command> --help shows the options of a command.');
  return lines.join('\n');
}

/**
 * What to print when the user interrupts a command line (Ctrl-C): the exact command that resumes
 * from `checkpoint` (the last one this process saved), or that nothing can be resumed yet.
 */
export function interruptMessage(args: string[], checkpoint: string | null): string {
  if (!checkpoint) return 'interrupted before the first checkpoint was written: nothing to resume; run the command again.';
  const kept: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--resume') i++;
    else if (!args[i].startsWith('--resume=')) kept.push(args[i]);
  }
  const quote = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
  return `interrupted; the last checkpoint is ${checkpoint}. Resume with:\n  ntk-at ${[...kept, '--resume', checkpoint].map(quote).join(' ')}`;
}

/** Runs one command line (without the program name); NtkErrors become a message and an exit code. */
export async function runCli(args: string[], io: CommandIo): Promise<number> {
  const [name, ...rest] = args;
  if (!name || name === 'help' || name === '--help') {
    io.out(usage());
    return name ? 0 : 2;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    io.err(`ntk-at: unknown command "${name}".\n\n${usage()}`);
    return 2;
  }
  if (rest.includes('--help')) {
    const positional = command.positional ? ` <${command.positional.name}>${command.positional.many ? '...' : ''}` : '';
    const described = command.positional ? `\n\n  <${command.positional.name}>  ${command.positional.description}` : '';
    io.out(`ntk-at ${name}${positional} [options]: ${command.summary}${described}\n\noptions:\n${formatOptions(command.options)}`);
    return 0;
  }
  try {
    const options = parseOptions(rest, command.options, name, command.positional?.name, command.positional?.many);
    for (const option of OUTPUT_DIRECTORY_OPTIONS) {
      if (typeof options[option] === 'string') await io.platform.checkOutputDirectory(options[option] as string);
    }
    await command.run(options, io);
    return 0;
  } catch (e) {
    if (!(e instanceof NtkError)) throw e;
    io.err(`ntk-at ${name}: ${e.message}`);
    return e.code === 'E_INVALID_ARGUMENT' ? 2 : 1;
  }
}
