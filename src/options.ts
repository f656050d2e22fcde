// Options objects: every public function takes `Partial<Options>` with defaults in one exported
// constant; resolveOptions merges them and rejects unknown keys (and, at any depth, the keys that
// reach an object's prototype: __proto__, constructor, prototype) with a typed error naming them.

import { NtkError } from './errors.js';

/**
 * `defaults` overlaid with the defined entries of `options`. An option name not in `defaults`
 * throws E_INVALID_ARGUMENT naming `where`, the option and the accepted names.
 */
export function resolveOptions<T extends object>(where: string, defaults: T, options: object | undefined): T {
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
    if (value !== undefined) merged[key] = value;
  }
  return merged as T;
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
      throw new NtkError('E_INVALID_ARGUMENT', `${where}: options nest deeper than ${MAX_OPTION_DEPTH} levels (at "${at.slice(0, 200)}"); no option needs that.`, { where, option: at.slice(0, 200) });
    }
    for (const key of Object.keys(v)) {
      const child = at ? `${at}.${key}` : key;
      if (PROTOTYPE_KEYS.has(key)) {
        throw new NtkError('E_INVALID_ARGUMENT', `${where}: option key "${child}" is not allowed (it would reach an object's prototype).`, { where, option: child });
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
    throw new NtkError(
      'E_INVALID_ARGUMENT',
      `${where}: option "${option}" is "${String(value)}"; use one of ${choices.join(', ')}.`,
      { where, option, value },
    );
  }
}
