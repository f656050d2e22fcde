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

/**
 * Throws E_INVALID_ARGUMENT if `value` (options from JSON or another thread) holds a key that
 * reaches a prototype, at any depth of plain objects and arrays (class instances such as tensors
 * and typed arrays are not searched).
 */
export function rejectPrototypeKeys(where: string, value: unknown, path = ''): void {
  if (typeof value !== 'object' || value === null) return;
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== Array.prototype && proto !== null) return;
  for (const key of Object.keys(value)) {
    const at = path ? `${path}.${key}` : key;
    if (PROTOTYPE_KEYS.has(key)) {
      throw new NtkError('E_INVALID_ARGUMENT', `${where}: option key "${at}" is not allowed (it would reach an object's prototype).`, { where, option: at });
    }
    rejectPrototypeKeys(where, (value as Record<string, unknown>)[key], at);
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
