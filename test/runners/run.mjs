// Runs the built conformance bundle in the current runtime (the same file under `node` and
// `deno run`), prints one line per case, the cases per program variant and the adapter's measured
// program choice, and writes test-results/<runtime>.json (<runtime>-<adapter>.json with --adapter).
// Usage: node test/runners/run.mjs [--adapter swiftshader] [--variants-only] [filter]   |   deno run -A test/runners/run.mjs [filter]
// --variants-only: only the cases that select a program variant explicitly (every GEMM variant, conv2d
// path and reduction), e.g. on a second, slower adapter.

import { mkdirSync, writeFileSync } from 'node:fs';
import { runConformance } from '../../dist/conformance.js';
import { variantLines } from './variants.mjs';

const args = [...(globalThis.Deno ? Deno.args : process.argv.slice(2))];
const at = args.indexOf('--adapter');
const adapter = at >= 0 ? args.splice(at, 2)[1] : undefined;
const only = args.indexOf('--variants-only');
const variantsOnly = only >= 0 && args.splice(only, 1).length > 0;
const filter = args[0];
const run = await runConformance({
  adapter,
  variantsOnly,
  filter,
  onResult: (r) => console.log(`  ${r.status.padEnd(7)} ${r.name} (${r.ms} ms)${r.error ? `\n          ${r.error}` : ''}`),
});
const label = adapter ? `${run.runtime}-${adapter}` : run.runtime;
console.log(`[${label}] adapter: ${run.adapterLine}`);
for (const line of variantLines(label, run)) console.log(line);
mkdirSync('test-results', { recursive: true });
writeFileSync(`test-results/${label}.json`, JSON.stringify(run, null, 1));
const failed = run.results.filter((r) => r.status === 'failed').length;
console.log(`[${label}] conformance: ${run.results.length - failed} of ${run.results.length} not failed`);
if (failed > 0) (globalThis.Deno ? Deno : process).exit(1);
