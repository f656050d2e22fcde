// Command-line argument parsing for the CLI: `--name value`, `--name=value`, flags, boolean options
// (`--ntk` / `--no-ntk`) and one declared positional argument (or a list of them), checked against each command's
// declared options so a typo is an error (with a "did you mean"), not a silent default. Also the help
// text of options (grouped by topic, aligned) and the value syntaxes options share.

import { NtkError } from '../errors.js';

export interface OptionSpec {
  /**
   * `number` and `string` take a value; `flag` takes none (present: true); `boolean` is `--name`
   * (true) or `--no-name` (false), also `--name=off` or `--name off` (on/off, true/false, yes/no).
   */
  type: 'number' | 'string' | 'flag' | 'boolean';
  description: string;
  default?: number | string | boolean;
  /** The help topic the option is listed under (e.g. `data`, `model`); ungrouped ones come first. */
  group?: string;
}

export type ParsedOptions = Record<string, number | string | boolean | string[] | undefined>;

const BOOLEAN_WORDS: Record<string, boolean> = { on: true, off: false, true: true, false: false, yes: true, no: false };

/** A usage error: E_INVALID_ARGUMENT (exit code 2 in the CLI). */
function usageError(message: string, details: Record<string, unknown> = {}): NtkError {
  return new NtkError('E_INVALID_ARGUMENT', message, details);
}

/**
 * Parses `argv` against `specs`; unknown options and bad values are E_INVALID_ARGUMENT (an unknown
 * option names the closest known one). With `positional` (a name), one argument not starting with
 * `-` is stored under that name; with `many`, every such argument, as a list.
 */
export function parseOptions(
  argv: string[],
  specs: Record<string, OptionSpec>,
  command: string,
  positional?: string,
  many = false,
): ParsedOptions {
  const out: ParsedOptions = {};
  for (const [name, spec] of Object.entries(specs)) out[name] = spec.default;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
      if (positional && many && !arg.startsWith('-')) {
        out[positional] = [...((out[positional] as string[] | undefined) ?? []), arg];
        continue;
      }
      if (positional && out[positional] === undefined && !arg.startsWith('-')) {
        out[positional] = arg;
        continue;
      }
      throw usageError(`${command}: unexpected argument "${arg}"; options start with --.`);
    }
    const [written, inline] = arg.slice(2).split(/=(.*)/s, 2);
    const negated = written.startsWith('no-') && specs[written.slice(3)]?.type === 'boolean' && !specs[written];
    const name = negated ? written.slice(3) : written;
    const spec = Object.hasOwn(specs, name) ? specs[name] : undefined;
    if (!spec) {
      const guess = closestName(written, optionNames(specs));
      throw usageError(
        `${command}: unknown option --${written}${guess ? `; did you mean --${guess}?` : '.'} (ntk-at ${command} --help lists the options)`,
        {
          option: written,
          suggestion: guess,
        },
      );
    }
    if (spec.type === 'flag' || spec.type === 'boolean') {
      if (spec.type === 'flag' || negated) {
        if (inline !== undefined) throw usageError(`${command}: --${written} takes no value.`, { option: name });
        out[name] = !negated;
        continue;
      }
      // A following word is this option's value when it is a boolean word, or when no positional
      // argument could take it (`--ntk maybe` is then an error about --ntk, not a stray argument).
      const next = argv[i + 1];
      const takesNext =
        next !== undefined &&
        !next.startsWith('-') &&
        (Object.hasOwn(BOOLEAN_WORDS, next) || !positional || (!many && out[positional] !== undefined));
      const word = inline ?? (takesNext ? argv[++i] : 'on');
      if (!Object.hasOwn(BOOLEAN_WORDS, word)) {
        throw usageError(`${command}: --${name} is "${word}"; write --${name} or --no-${name} (or --${name}=on|off).`, {
          option: name,
          value: word,
        });
      }
      out[name] = BOOLEAN_WORDS[word];
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw usageError(`${command}: --${name} needs a value.`, { option: name });
    if (spec.type === 'number') {
      const n = Number(value);
      if (value.trim() === '' || !Number.isFinite(n))
        throw usageError(`${command}: --${name} must be a number, got "${value}".`, { option: name });
      out[name] = n;
    } else {
      out[name] = value;
    }
  }
  return out;
}

/** Every spelling an option can be given with (booleans also as --no-<name>). */
function optionNames(specs: Record<string, OptionSpec>): string[] {
  return Object.entries(specs).flatMap(([name, s]) => (s.type === 'boolean' ? [name, `no-${name}`] : [name]));
}

/** The candidate closest to `typed` (edit distance at most 2, or 1/3 of its length; a unique prefix), else null. */
export function closestName(typed: string, candidates: readonly string[]): string | null {
  const prefixed = candidates.filter((c) => c.startsWith(typed) || typed.startsWith(c));
  if (prefixed.length === 1) return prefixed[0];
  let best: string | null = null;
  let bestDistance = Math.max(2, Math.floor(typed.length / 3)) + 1;
  for (const c of candidates) {
    const d = editDistance(typed, c);
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best;
}

/** Levenshtein distance (insertions, deletions, substitutions). */
function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length];
}

/** How an option is written in help: `--name <number>`, `--[no-]name`, `--name`. */
function synopsis(name: string, spec: OptionSpec): string {
  if (spec.type === 'boolean') return `--[no-]${name}`;
  return spec.type === 'flag' ? `--${name}` : `--${name} <${spec.type}>`;
}

/** The default as help shows it: `(default 0.1)`, `(default: on)`; nothing for flags or no default. */
function defaultText(spec: OptionSpec): string {
  if (spec.default === undefined || spec.type === 'flag') return '';
  if (spec.type === 'boolean') return ` (default: ${spec.default ? 'on' : 'off'})`;
  return ` (default ${spec.default})`;
}

/** Help text for one command's options: ungrouped first, then one block per `group`, columns aligned. */
export function formatOptions(specs: Record<string, OptionSpec>): string {
  const entries = Object.entries(specs);
  const width = Math.max(0, ...entries.map(([name, s]) => synopsis(name, s).length)) + 2;
  const groups = new Map<string, string[]>();
  for (const [name, s] of entries) {
    const group = s.group ?? 'options';
    if (!groups.has(group)) groups.set(group, []);
    groups.get(group)!.push(`  ${synopsis(name, s).padEnd(width)}${s.description}${defaultText(s)}`);
  }
  const ordered = [...groups].sort(([a], [b]) => Number(b === 'options') - Number(a === 'options'));
  return ordered.map(([group, lines]) => `${group}:\n${lines.join('\n')}`).join('\n\n');
}

/** A number written as a decimal or a fraction (`0.1`, `8/255`); E_INVALID_ARGUMENT naming `option` otherwise. */
export function parseFraction(text: string, option: string): number {
  const m = /^\s*([0-9.eE+-]+)\s*(?:\/\s*([0-9.eE+-]+)\s*)?$/.exec(text);
  const value = m ? Number(m[1]) / (m[2] === undefined ? 1 : Number(m[2])) : NaN;
  if (!Number.isFinite(value)) {
    throw usageError(`--${option} must be a number or a fraction like 8/255, got "${text}".`, { option });
  }
  return value;
}

/** A value as the user wrote it, with its decimal when it was a fraction: `8/255 (0.0314)`, `0.1`. */
export function formatFraction(text: string, value: number = parseFraction(text, 'value')): string {
  const written = text.replace(/\s+/g, '');
  return written.includes('/') ? `${written} (${Number(value.toPrecision(3))})` : written;
}

/** A comma-separated list of positive integers (`256,128`); E_INVALID_ARGUMENT naming `option` otherwise. */
export function parseIntegerList(text: string, option: string): number[] {
  const items = text.split(',').map((s) => s.trim());
  const values = items.map(Number);
  if (text.trim() === '' || !values.every((v) => Number.isInteger(v) && v >= 1)) {
    throw usageError(`--${option} must be comma-separated positive integers like 256,128, got "${text}".`, { option });
  }
  return values;
}

/** `text` if it is one of `choices`; E_INVALID_ARGUMENT listing them (and the closest one) otherwise. */
export function parseChoice<C extends string>(text: string, option: string, choices: readonly C[]): C {
  if (!choices.includes(text as C)) {
    const guess = closestName(text, choices);
    throw usageError(`--${option} is "${text}"; use one of ${choices.join(', ')}${guess ? ` (did you mean ${guess}?)` : ''}.`, {
      option,
      value: text,
      choices,
    });
  }
  return text as C;
}

/** An integer >= `min`; E_INVALID_ARGUMENT naming `option` otherwise. */
export function requireCount(value: unknown, option: string, min = 1): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw usageError(`--${option} must be an integer >= ${min}, got ${String(value)}.`, { option });
  }
  return value;
}
