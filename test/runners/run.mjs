// Runs the built conformance bundle in the current runtime (the same file under `node` and
// `deno run`), prints one line per case and writes test-results/<runtime>.json.
// Usage: node test/runners/run.mjs [filter]   |   deno run -A test/runners/run.mjs [filter]

import { mkdirSync, writeFileSync } from 'node:fs';
import { runConformance } from '../../dist/conformance.js';

const filter = (globalThis.Deno ? Deno.args : process.argv.slice(2))[0];
const run = await runConformance({
  filter,
  onResult: (r) => console.log(`  ${r.status.padEnd(7)} ${r.name} (${r.ms} ms)${r.error ? `\n          ${r.error}` : ''}`),
});
console.log(`[${run.runtime}] adapter: ${run.adapterLine}`);
mkdirSync('test-results', { recursive: true });
writeFileSync(`test-results/${run.runtime}.json`, JSON.stringify(run, null, 1));
const failed = run.results.filter((r) => r.status === 'failed').length;
console.log(`[${run.runtime}] conformance: ${run.results.length - failed} of ${run.results.length} not failed`);
if (failed > 0) (globalThis.Deno ? Deno : process).exit(1);
