// Picks the platform for the running runtime. The only place that asks "where am I?";
// everything outside src/platform/ receives a `Platform` and stays runtime-agnostic.

import { browserPlatform } from './browser.js';
import { denoPlatform } from './deno.js';
import { nodePlatform } from './node.js';
import type { Platform } from './types.js';

export * from './types.js';

/** The platform of the current runtime: Deno, Node, or a browser/Worker. */
export function currentPlatform(): Platform {
  const g = globalThis as { Deno?: unknown; process?: { versions?: { node?: string } } };
  if (g.Deno !== undefined) return denoPlatform;
  if (g.process?.versions?.node !== undefined) return nodePlatform;
  return browserPlatform;
}
