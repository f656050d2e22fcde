// Cross-runtime comparison: reads test-results/{node,deno,browser,worker}.json and checks that every
// output recorded by a conformance case agrees across runtimes (bitwise where the case says so,
// else within its relative tolerance). Writes test-results/cross.json; exit 1 on disagreement.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const RUNTIMES = ['node', 'deno', 'browser', 'worker'];
const runs = RUNTIMES.filter((r) => existsSync(`test-results/${r}.json`)).map((r) =>
  JSON.parse(readFileSync(`test-results/${r}.json`, 'utf8')),
);
const results = [];
if (runs.length < RUNTIMES.length) {
  const missing = RUNTIMES.filter((r) => !runs.some((run) => run.runtime === r));
  results.push({ name: 'all runtimes produced results', status: 'failed', error: `missing: ${missing.join(', ')}` });
}
const [first, ...others] = runs;
for (const c of first?.results ?? []) {
  for (const [output, d] of Object.entries(c.outputs)) {
    const name = `${c.name} / ${output}`;
    const errors = [];
    for (const run of others) {
      const other = run.results.find((r) => r.name === c.name)?.outputs?.[output];
      if (!other) {
        errors.push(`${run.runtime}: no output`);
      } else if (d.cross.mode === 'bitwise') {
        if (other.hash !== d.hash || other.length !== d.length) errors.push(`${first.runtime} vs ${run.runtime}: bits differ`);
      } else {
        const scale = Math.max(1, ...d.sample.map(Math.abs));
        const worst = Math.max(0, ...d.sample.map((v, i) => Math.abs(v - other.sample[i]) / scale));
        if (!(worst <= d.cross.tol) || other.length !== d.length) {
          errors.push(`${first.runtime} vs ${run.runtime}: relative difference ${worst.toExponential(2)} > ${d.cross.tol}`);
        }
      }
    }
    const status = errors.length ? 'failed' : 'passed';
    results.push({ name, status, mode: d.cross.mode, error: errors.join('; ') || undefined });
    console.log(
      `  ${status.padEnd(7)} cross-runtime ${d.cross.mode.padEnd(9)} ${name}${errors.length ? `\n          ${errors.join('\n          ')}` : ''}`,
    );
  }
}
writeFileSync('test-results/cross.json', JSON.stringify({ runtime: 'cross-runtime', results }, null, 1));
const failed = results.filter((r) => r.status === 'failed').length;
console.log(
  `[cross-runtime] ${results.length - failed} of ${results.length} outputs agree across ${runs.map((r) => r.runtime).join(', ')}`,
);
process.exit(failed > 0 ? 1 : 0);
