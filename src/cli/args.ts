// Command-line argument parsing for the CLI: `--name value`, `--name=value` and `--flag`,
// checked against each command's declared options so a typo is an error, not a silent default.

import { NtkError } from '../errors.js';

export interface OptionSpec {
  /** `number` and `string` take a value; `flag` takes none. */
  type: 'number' | 'string' | 'flag';
  description: string;
  default?: number | string | boolean;
}

export type ParsedOptions = Record<string, number | string | boolean | undefined>;

/** Parses `argv` against `specs`; unknown options and bad numbers are E_INVALID_ARGUMENT. */
export function parseOptions(argv: string[], specs: Record<string, OptionSpec>, command: string): ParsedOptions {
  const out: ParsedOptions = {};
  for (const [name, spec] of Object.entries(specs)) out[name] = spec.default;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
      throw new NtkError('E_INVALID_ARGUMENT', `${command}: unexpected argument "${arg}"; options start with --.`);
    }
    const [name, inline] = arg.slice(2).split(/=(.*)/s, 2);
    const spec = specs[name];
    if (!spec) {
      const known = Object.keys(specs).map((k) => `--${k}`).join(', ') || 'none';
      throw new NtkError('E_INVALID_ARGUMENT', `${command}: unknown option --${name}; known options: ${known}.`, { option: name });
    }
    if (spec.type === 'flag') {
      out[name] = true;
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new NtkError('E_INVALID_ARGUMENT', `${command}: --${name} needs a value.`, { option: name });
    if (spec.type === 'number') {
      const n = Number(value);
      if (!Number.isFinite(n)) {
        throw new NtkError('E_INVALID_ARGUMENT', `${command}: --${name} must be a number, got "${value}".`, { option: name });
      }
      out[name] = n;
    } else {
      out[name] = value;
    }
  }
  return out;
}

/** Help text for one command's options. */
export function formatOptions(specs: Record<string, OptionSpec>): string {
  return Object.entries(specs)
    .map(([name, s]) => {
      const arg = s.type === 'flag' ? '' : ` <${s.type}>`;
      const def = s.default !== undefined && s.type !== 'flag' ? ` (default ${s.default})` : '';
      return `  --${name}${arg}`.padEnd(28) + `${s.description}${def}`;
    })
    .join('\n');
}
