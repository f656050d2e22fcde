// Runs the built benchmark bundle in the current runtime (same file under `node` and `deno run`)
// and prints one JSON document (the BenchRun) on the last line of stdout.
// Args: [filter] [--quick]

import { runBenchmarks } from '../dist/bench.js';

const args = globalThis.Deno ? Deno.args : process.argv.slice(2);
const run = await runBenchmarks({
  filter: args.find((a) => !a.startsWith('--')),
  quick: args.includes('--quick'),
  onRow: (r) => console.error(`  ${r.bench} ${r.config}: ${JSON.stringify(r.figures)}`),
});
console.log(JSON.stringify(run));
