// Setup of the hostile suite: a case fails when a child it started died of an unhandled rejection or
// an uncaught exception (every failure must be typed), whatever the case itself asserted.

import { afterEach, expect } from 'vitest';
import { crashes } from './processes.js';

afterEach(() => {
  expect(crashes(), 'a child process crashed (unhandled rejection or uncaught exception) instead of a typed error').toEqual([]);
});
