// Runs the built benchmark bundle in the current runtime (same file under `node` and `deno run`)
// and prints one JSON document on the last line of stdout: a case's result (--case SPEC_JSON, see
// bench/cases.ts), a case's profile by op (--profile SPEC_JSON REPLAYS, a train or NTK case) or the
// BenchRun of our-stack-only benchmarks ([filter] [--quick]).
// A failure prints `error: [CODE] message` to stderr and exits with status 2.

import { createGpu, formatAdapterReport, profileCase, runBenchmarks, runCase } from '../dist/bench.js';

const args = globalThis.Deno ? Deno.args : process.argv.slice(2);
const exit = (code) => (globalThis.Deno ? Deno.exit(code) : process.exit(code));
const caseAt = args.indexOf('--case');
const profileAt = args.indexOf('--profile');

try {
  if (profileAt >= 0) {
    const gpu = await createGpu();
    try {
      const profile = await profileCase(gpu, JSON.parse(args[profileAt + 1]), Number(args[profileAt + 2] ?? 5));
      console.log(JSON.stringify({ adapter: gpu.report, adapterLine: formatAdapterReport(gpu.report), profile }));
    } finally {
      gpu.destroy();
    }
  } else if (caseAt >= 0) {
    const gpu = await createGpu();
    try {
      const result = await runCase(gpu, JSON.parse(args[caseAt + 1]));
      console.log(
        JSON.stringify({ adapter: gpu.report, adapterLine: formatAdapterReport(gpu.report), submitEvery: gpu.submitEvery, ...result }),
      );
    } finally {
      gpu.destroy();
    }
  } else {
    const run = await runBenchmarks({
      filter: args.find((a) => !a.startsWith('--')),
      quick: args.includes('--quick'),
      onRow: (r) => console.error(`  ${r.bench} ${r.config}: ${JSON.stringify(r.figures)}`),
    });
    console.log(JSON.stringify(run));
  }
} catch (e) {
  console.error(`error: ${e?.code ? e.message : e?.stack ?? e}`);
  exit(2);
}
exit(0);
