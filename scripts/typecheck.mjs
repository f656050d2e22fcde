// Runs `tsc --noEmit` over src/ and test/ and records the outcome as one test result in
// test-results/typecheck.json, so the summary counts a type error as a failure.

import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';

const run = spawnSync('npx', ['tsc', '-p', 'tsconfig.test.json'], { encoding: 'utf8' });
const output = `${run.stdout}${run.stderr}`
  .split('\n')
  .filter((l) => l && !l.includes('npm warn'))
  .join('\n');
const status = run.status === 0 ? 'passed' : 'failed';
console.log(`  ${status} tsc --noEmit${output ? `\n${output}` : ''}`);
mkdirSync('test-results', { recursive: true });
writeFileSync('test-results/typecheck.json', JSON.stringify({ results: [{ name: 'tsc --noEmit', status, error: output || undefined }] }));
process.exit(run.status === 0 ? 0 : 1);
