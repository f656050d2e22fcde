// Arguments and options objects of the public functions: every public function takes `Partial<Options>`
// with defaults in one exported constant; resolveOptions merges them, rejecting unknown keys, values of
// another kind than the default's, and keys that reach a prototype; the require* checks do the same for
// positional arguments and single options, each with a typed error naming the function and the argument.

import { NtkError } from './errors.js';

/**
 * `defaults` overlaid with the defined entries of `options`. An option name not in `defaults`
 * throws E_INVALID_ARGUMENT naming `where`, the option and the accepted names.
 */
export function resolveOptions<T extends object>(where: string, defaults: T, options: object | undefined): T {
  if (options !== undefined && (typeof options !== 'object' || options === null || Array.isArray(options))) {
    throw new NtkError(
      'E_INVALID_ARGUMENT',
      `${where}: options must be an object of named options (or left out), got ${describeValue(options)}.`,
      { where, option: 'options' },
    );
  }
  const merged = { ...defaults } as Record<string, unknown>;
  rejectPrototypeKeys(where, options, '');
  for (const [key, value] of Object.entries(options ?? {})) {
    if (!Object.hasOwn(defaults, key)) {
      throw new NtkError(
        'E_INVALID_ARGUMENT',
        `${where}: unknown option "${key}"; accepted options are ${Object.keys(defaults).join(', ')}.`,
        { where, option: key },
      );
    }
    if (value === undefined) continue;
    const expected = valueKind((defaults as Record<string, unknown>)[key]);
    if (expected !== null && value !== null && valueKind(value) !== expected) {
      throw new NtkError('E_INVALID_ARGUMENT', `${where}: option "${key}" must be ${KIND_NAMES[expected]}, got ${describeValue(value)}.`, {
        where,
        option: key,
      });
    }
    merged[key] = value;
  }
  return merged as T;
}

/** The kinds of value an option's default fixes for the option. */
type ValueKind = 'number' | 'boolean' | 'array' | 'function';
const KIND_NAMES: Record<ValueKind, string> = { number: 'a number', boolean: 'true or false', array: 'a list', function: 'a function' };

/**
 * The kind a default fixes (and a value's kind), for the check above; null where the default admits
 * other kinds or its own validator checks: null, objects, and strings (choice lists, and unions such
 * as fitKernelMachine's ridge, 'loo' or a number). A null value is left to the option's validator.
 */
function valueKind(value: unknown): ValueKind | null {
  if (Array.isArray(value)) return 'array';
  const type = typeof value;
  return type === 'number' || type === 'boolean' || type === 'function' ? type : null;
}

/** A short description of a value for an error message: its JSON (cut at 80 characters) or its type. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'object') return Array.isArray(value) ? 'a list' : `an object (${value.constructor?.name ?? 'no prototype'})`;
  const json = JSON.stringify(value);
  return json === undefined ? typeof value : json.length > 80 ? `${json.slice(0, 77)}...` : json;
}

const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** The deepest nesting of plain objects and arrays an options object may have (recipes need 4). */
export const MAX_OPTION_DEPTH = 32;

/**
 * Throws E_INVALID_ARGUMENT if `value` (options from JSON or another thread) holds a key that
 * reaches a prototype, at any depth of plain objects and arrays (class instances such as tensors
 * and typed arrays are not searched), or nests deeper than MAX_OPTION_DEPTH (walked without
 * recursion, so no nesting overflows the stack).
 */
export function rejectPrototypeKeys(where: string, value: unknown, path = ''): void {
  const stack: Array<{ value: unknown; path: string; depth: number }> = [{ value, path, depth: 0 }];
  while (stack.length) {
    const { value: v, path: at, depth } = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== Array.prototype && proto !== null) continue;
    if (depth >= MAX_OPTION_DEPTH) {
      throw new NtkError(
        'E_INVALID_ARGUMENT',
        `${where}: options nest deeper than ${MAX_OPTION_DEPTH} levels (at "${at.slice(0, 200)}"); no option needs that.`,
        { where, option: at.slice(0, 200) },
      );
    }
    for (const key of Object.keys(v)) {
      const child = at ? `${at}.${key}` : key;
      if (PROTOTYPE_KEYS.has(key)) {
        throw new NtkError('E_INVALID_ARGUMENT', `${where}: option key "${child}" is not allowed (it would reach an object's prototype).`, {
          where,
          option: child,
        });
      }
      stack.push({ value: (v as Record<string, unknown>)[key], path: child, depth: depth + 1 });
    }
  }
}

/** Throws E_INVALID_ARGUMENT naming `where` and `option` unless `value` is a finite number > 0. */
export function requirePositive(where: string, option: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new NtkError('E_INVALID_ARGUMENT', `${where}: option "${option}" must be a finite number > 0, got ${String(value)}.`, {
      where,
      option,
      value,
    });
  }
}

/** Throws E_INVALID_ARGUMENT unless `value` is an integer >= `min`. */
export function requireInteger(where: string, option: string, value: unknown, min = 1): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new NtkError('E_INVALID_ARGUMENT', `${where}: option "${option}" must be an integer >= ${min}, got ${String(value)}.`, {
      where,
      option,
      value,
    });
  }
}

/** Throws E_INVALID_ARGUMENT unless `value` is one of `choices`. */
export function requireChoice<C extends string>(where: string, option: string, value: unknown, choices: readonly C[]): asserts value is C {
  if (!choices.includes(value as C)) {
    throw new NtkError('E_INVALID_ARGUMENT', `${where}: option "${option}" is "${String(value)}"; use one of ${choices.join(', ')}.`, {
      where,
      option,
      value,
    });
  }
}

/** Throws E_INVALID_ARGUMENT naming `where` and the argument unless `value` is an instance of `type` (`what` says what it is in words). */
export function requireInstance<T>(
  where: string,
  argument: string,
  value: unknown,
  type: { prototype: T },
  what: string,
): asserts value is T {
  if (!(value instanceof (type as unknown as abstract new () => T))) {
    throw new NtkError('E_INVALID_ARGUMENT', `${where}: argument "${argument}" must be ${what}, got ${describeValue(value)}.`, {
      where,
      option: argument,
    });
  }
}

/** Throws E_INVALID_ARGUMENT unless `value` is a Float64Array or Float32Array (a dense matrix, row-major). */
export function requireMatrix(where: string, argument: string, value: unknown): asserts value is Float64Array | Float32Array {
  if (!(value instanceof Float64Array || value instanceof Float32Array)) {
    throw new NtkError(
      'E_INVALID_ARGUMENT',
      `${where}: argument "${argument}" must be a Float64Array or Float32Array (row-major), got ${describeValue(value)}.`,
      { where, option: argument },
    );
  }
}

/** Throws E_INVALID_ARGUMENT unless `value` is a list or typed array of numbers. */
export function requireNumbers(where: string, argument: string, value: unknown): asserts value is ArrayLike<number> {
  const list = Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView));
  if (!list || !Array.prototype.every.call(value, (v: unknown) => typeof v === 'number')) {
    throw new NtkError(
      'E_INVALID_ARGUMENT',
      `${where}: argument "${argument}" must be a list or typed array of numbers, got ${describeValue(value)}.`,
      { where, option: argument },
    );
  }
}
