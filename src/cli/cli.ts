// The command table and dispatch of `ntk-at`: parses arguments into the same library calls a
// program would make and returns the exit code (0 success, 1 failure, 2 bad usage), so the CLI can
// be driven in-process (tests) as well as from main.ts. Help and results go to stdout; usage errors
// and failures to stderr.

import { NtkError } from '../errors.js';
import { VERSION } from '../version.js';
import { checkDirectoryPath } from '../run/run_lock.js';
import { closestName, formatOptions, parseOptions } from './args.js';
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

const HELP_FLAGS = ['-h', '--help'];

/** The program's help: commands with their summaries, and where to read more. */
export function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length)) + 2;
  return [
    'usage: ntk-at <command> [options]',
    '',
    'commands:',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}${c.summary}`),
    '',
    'ntk-at help <command> (or ntk-at <command> --help) shows the options of a command;',
    'ntk-at --version prints the version; --verbose (with any command) keeps native driver messages on stderr.',
  ].join('\n');
}

/** One command's help: synopsis, summary, positional argument, options by topic, examples. */
export function commandHelp(name: string, command: Command): string {
  const positional = command.positional ? ` <${command.positional.name}>${command.positional.many ? '...' : ''}` : '';
  const lines = [`usage: ntk-at ${name}${positional} [options]`, '', command.summary];
  if (command.positional) lines.push('', `  <${command.positional.name}>  ${command.positional.description}`);
  lines.push('', formatOptions({ ...command.options, help: { type: 'flag', description: 'show this help (also -h)' } }));
  if (command.examples?.length) lines.push('', 'examples:', ...command.examples.map((e) => `  ${e}`));
  return lines.join('\n');
}

/** The command called `name`, or a usage error suggesting the closest one. */
function findCommand(name: string): Command {
  if (Object.hasOwn(COMMANDS, name)) return COMMANDS[name];
  const guess = closestName(name, Object.keys(COMMANDS));
  throw new NtkError(
    'E_INVALID_ARGUMENT',
    `unknown command "${name}"${guess ? `; did you mean "${guess}"?` : '.'} (ntk-at --help lists the commands)`,
    {
      command: name,
      suggestion: guess,
    },
  );
}

/**
 * What to print when the user interrupts a command line (Ctrl-C): the exact command that resumes
 * from `checkpoint` (the last one this process saved), or that nothing can be resumed yet.
 */
export function interruptMessage(args: string[], checkpoint: string | null): string {
  if (!checkpoint)
    return `interrupted before the first checkpoint was written: nothing to resume; run the command again${args[0] === 'train' ? ' with --overwrite (the run directory holds the interrupted start)' : ''}.`;
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
  if (name === undefined) {
    io.err(usage());
    return 2;
  }
  if (HELP_FLAGS.includes(name) || (name === 'help' && rest.length === 0)) {
    io.out(usage());
    return 0;
  }
  if (name === '--version' || name === '-V') {
    io.out(VERSION);
    return 0;
  }
  let label = 'ntk-at';
  try {
    if (name === 'help') {
      io.out(commandHelp(rest[0], findCommand(rest[0])));
      return 0;
    }
    if (name.startsWith('-'))
      throw new NtkError('E_INVALID_ARGUMENT', `"${name}" is not a command; options come after it (ntk-at <command> [options]).`);
    const command = findCommand(name);
    label = `ntk-at ${name}`;
    if (rest.some((a) => HELP_FLAGS.includes(a))) {
      io.out(commandHelp(name, command));
      return 0;
    }
    const options = parseOptions(rest, command.options, name, command.positional?.name, command.positional?.many);
    for (const option of OUTPUT_DIRECTORY_OPTIONS) {
      if (options[option] === undefined) continue;
      checkDirectoryPath(options[option], `--${option}`); // not empty, not the file-system root
      await io.platform.checkOutputDirectory(options[option]);
    }
    await command.run(options, io);
    return 0;
  } catch (e) {
    if (!(e instanceof NtkError)) throw e;
    io.err(`${label}: ${e.message}`);
    return e.code === 'E_INVALID_ARGUMENT' ? 2 : 1;
  }
}
