// Bundles the library, the CLI, the session Worker and the conformance suite as ES modules. TypeScript is
// transpiled by esbuild; types are checked and emitted by `tsc` (npm run typecheck).

import { fileURLToPath } from 'node:url';
import esbuild from 'rollup-plugin-esbuild';

const external = (id) => id.startsWith('node:') || id === 'webgpu' || id === 'puppeteer-core';
// comlink (the one runtime dependency) is bundled in, so browsers and Deno need no import map.
const comlink = fileURLToPath(new URL('node_modules/comlink/dist/esm/comlink.mjs', import.meta.url));
const bundleComlink = { name: 'bundle-comlink', resolveId: (id) => (id === 'comlink' ? comlink : null) };
const plugins = [bundleComlink, esbuild({ target: 'es2022', tsconfig: 'tsconfig.json' })];

export default [
  { input: 'src/index.ts', output: { file: 'dist/ntk-at.js', format: 'es', sourcemap: true }, external, plugins },
  {
    input: 'src/cli/main.ts',
    output: { file: 'dist/cli.js', format: 'es', sourcemap: true, banner: '#!/usr/bin/env node' },
    external,
    plugins,
  },
  { input: 'src/worker/entry.ts', output: { file: 'dist/worker.js', format: 'es', sourcemap: true }, external, plugins },
  { input: 'bench/index.ts', output: { file: 'dist/bench.js', format: 'es', sourcemap: true }, external, plugins },
  { input: 'test/conformance/index.ts', output: { file: 'dist/conformance.js', format: 'es', sourcemap: true }, external, plugins },
];
