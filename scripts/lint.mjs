// Runs Biome's formatter check and linter (`biome ci`, configured in biome.json) over src/, test/,
// bench/, scripts/ and page/, and records the outcome as one test result in test-results/lint.json,
// so the summary counts unformatted code or a lint error as a failure. Fix with `npm run format`.

import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';

const run = spawnSync('npx', ['biome', 'ci', '--max-diagnostics=50'], { encoding: 'utf8' });
const output = `${run.stdout}${run.stderr}`
  .split('\n')
  .filter((l) => l && !l.includes('npm warn'))
  .join('\n');
const status = run.status === 0 ? 'passed' : 'failed';
console.log(`  ${status} biome ci (format and lint)${status === 'failed' ? `\n${output}` : ''}`);
mkdirSync('test-results', { recursive: true });
writeFileSync(
  'test-results/lint.json',
  JSON.stringify({ results: [{ name: 'biome ci (format and lint)', status, error: status === 'failed' ? output : undefined }] }),
);
process.exit(run.status === 0 ? 0 : 1);
