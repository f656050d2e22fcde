// Bundles the library, the CLI and the conformance suite as ES modules. TypeScript is
// transpiled by esbuild; types are checked and emitted by `tsc` (npm run typecheck).

import esbuild from 'rollup-plugin-esbuild';

const external = (id) => id.startsWith('node:') || id === 'webgpu' || id === 'puppeteer-core';
const plugins = [esbuild({ target: 'es2022', tsconfig: 'tsconfig.json' })];

export default [
  { input: 'src/index.ts', output: { file: 'dist/ntk-at.js', format: 'es', sourcemap: true }, external, plugins },
  {
    input: 'src/cli/main.ts',
    output: { file: 'dist/cli.js', format: 'es', sourcemap: true, banner: '#!/usr/bin/env node' },
    external,
    plugins,
  },
  { input: 'bench/index.ts', output: { file: 'dist/bench.js', format: 'es', sourcemap: true }, external, plugins },
  { input: 'test/conformance/index.ts', output: { file: 'dist/conformance.js', format: 'es', sourcemap: true }, external, plugins },
];
