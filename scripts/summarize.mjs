// Sums every suite's results (vitest JSON, conformance per runtime, cross-runtime, live page, hostile
// inputs in Node and Chromium, examples against the packed tarball, typecheck, format and lint, the Slurm job array)
// and prints the closing line `N passed, N failed, N skipped`. A suite that should have run but
// left no results counts as one failure, and a test that never ran (its process died) counts as
// failed, so a crash never looks like success. Usage: node scripts/summarize.mjs [results-dir].

import { existsSync, readFileSync } from 'node:fs';
import { variantLines } from '../test/runners/variants.mjs';

const DIR = process.argv[2] ?? 'test-results';

// node-swiftshader: only when requested (NTK_AT_TEST_SWIFTSHADER=1, as scripts/test.sh runs it then)
const SUITES = [
  'vitest',
  'node',
  ...(process.env.NTK_AT_TEST_SWIFTSHADER === '1' ? ['node-swiftshader'] : []),
  'deno',
  'browser',
  'worker',
  'cross',
  'live',
  'hostile',
  'hostile-browser',
  'stress-node',
  'stress-deno',
  'examples',
  'typecheck',
  'lint',
  'slurm',
];
const VITEST_SUITES = ['vitest', 'hostile'];
/** Conformance runs: their cases per program variant and the adapter's program choice are listed. */
const CONFORMANCE_SUITES = ['node', 'node-swiftshader', 'deno', 'browser', 'worker'];
let passed = 0;
let failed = 0;
let skipped = 0;
for (const suite of SUITES) {
  const file = `${DIR}/${suite}.json`;
  if (!existsSync(file)) {
    console.log(`  ${suite}: no results (counted as 1 failure)`);
    failed++;
    continue;
  }
  const data = JSON.parse(readFileSync(file, 'utf8'));
  let p, f, s;
  if (VITEST_SUITES.includes(suite)) {
    p = data.numPassedTests;
    f = data.numFailedTests + (data.numFailedTestSuites ?? 0);
    s = data.numPendingTests + data.numTodoTests;
    // Tests neither passed, failed nor skipped never ran (their test process died): each one failed.
    const unrun = data.numTotalTests - p - f - s;
    if (unrun > 0) {
      console.log(
        `  ${suite}: ${unrun} tests did not run (their test process died): ${data.testResults
          .filter((r) => r.assertionResults.some((a) => a.status === 'pending'))
          .map((r) => r.name)
          .join(', ')}`,
      );
      f += unrun;
    }
    if (data.success === false && f === 0) f = 1; // a crashed test process (unhandled error) fails no test itself
  } else {
    p = data.results.filter((r) => r.status === 'passed').length;
    f = data.results.filter((r) => r.status === 'failed').length;
    s = data.results.filter((r) => r.status === 'skipped').length;
  }
  console.log(`  ${suite.padEnd(9)} ${p} passed, ${f} failed, ${s} skipped${data.adapterLine ? `  (${data.adapterLine})` : ''}`);
  if (CONFORMANCE_SUITES.includes(suite)) for (const line of variantLines(suite, data)) console.log(`      ${line}`);
  passed += p;
  failed += f;
  skipped += s;
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);
