// Command-line argument parsing for the CLI: `--name value`, `--name=value`, `--flag` and one
// declared positional argument (or a list of them), checked against each command's declared options so a typo is
// an error, not a silent default. Also the value syntaxes options share (fractions, lists, choices).

import { NtkError } from '../errors.js';

export interface OptionSpec {
  /** `number` and `string` take a value; `flag` takes none. */
  type: 'number' | 'string' | 'flag';
  description: string;
  default?: number | string | boolean;
}

export type ParsedOptions = Record<string, number | string | boolean | string[] | undefined>;

/**
 * Parses `argv` against `specs`; unknown options and bad numbers are E_INVALID_ARGUMENT. With
 * `positional` (a name), one argument not starting with -- is stored under that name; with `many`,
 * every such argument, as a list.
 */
export function parseOptions(argv: string[], specs: Record<string, OptionSpec>, command: string, positional?: string, many = false): ParsedOptions {
  const out: ParsedOptions = {};
  for (const [name, spec] of Object.entries(specs)) out[name] = spec.default;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
      if (positional && many) {
        out[positional] = [...((out[positional] as string[] | undefined) ?? []), arg];
        continue;
      }
      if (positional && out[positional] === undefined) {
        out[positional] = arg;
        continue;
      }
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
      return `${`  --${name}${arg}`.padEnd(27)} ${s.description}${def}`;
    })
    .join('\n');
}

/** A number written as a decimal or a fraction (`0.1`, `8/255`); E_INVALID_ARGUMENT naming `option` otherwise. */
export function parseFraction(text: string, option: string): number {
  const m = /^\s*([0-9.eE+-]+)\s*(?:\/\s*([0-9.eE+-]+)\s*)?$/.exec(text);
  const value = m ? Number(m[1]) / (m[2] === undefined ? 1 : Number(m[2])) : NaN;
  if (!Number.isFinite(value)) {
    throw new NtkError('E_INVALID_ARGUMENT', `--${option} must be a number or a fraction like 8/255, got "${text}".`, { option });
  }
  return value;
}

/** A comma-separated list of positive integers (`256,128`); E_INVALID_ARGUMENT naming `option` otherwise. */
export function parseIntegerList(text: string, option: string): number[] {
  const items = text.split(',').map((s) => s.trim());
  const values = items.map(Number);
  if (text.trim() === '' || !values.every((v) => Number.isInteger(v) && v >= 1)) {
    throw new NtkError('E_INVALID_ARGUMENT', `--${option} must be comma-separated positive integers like 256,128, got "${text}".`, { option });
  }
  return values;
}

/** `text` if it is one of `choices`; E_INVALID_ARGUMENT listing them otherwise. */
export function parseChoice<C extends string>(text: string, option: string, choices: readonly C[]): C {
  if (!choices.includes(text as C)) {
    throw new NtkError('E_INVALID_ARGUMENT', `--${option} is "${text}"; use one of ${choices.join(', ')}.`, { option, value: text, choices });
  }
  return text as C;
}

/** An integer >= `min`; E_INVALID_ARGUMENT naming `option` otherwise. */
export function requireCount(value: unknown, option: string, min = 1): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new NtkError('E_INVALID_ARGUMENT', `--${option} must be an integer >= ${min}, got ${String(value)}.`, { option });
  }
  return value;
}
