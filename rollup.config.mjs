// Bundles the package (the library's two entries with their types, the CLI, the session Worker) and the
// suites that test it (benchmarks, conformance) as ES modules. TypeScript is transpiled by esbuild;
// `tsc` (run first by `npm run build`) checks types and emits dist/types/, which rollup-plugin-dts
// flattens into dist/ntk-at.d.ts and dist/internal.d.ts so Deno (through @ts-self-types) and Node resolve the same files.

import { fileURLToPath } from 'node:url';
import { dts } from 'rollup-plugin-dts';
import esbuild from 'rollup-plugin-esbuild';

const external = (id) => id.startsWith('node:') || id === 'webgpu' || id === 'puppeteer-core';
// comlink is bundled in, so browsers and Deno need no import map (Node's worker_threads adapter is
// loaded by name at run time, hence comlink is also a dependency).
const comlink = fileURLToPath(new URL('node_modules/comlink/dist/esm/comlink.mjs', import.meta.url));
const bundleComlink = { name: 'bundle-comlink', resolveId: (id) => (id === 'comlink' ? comlink : null) };
const plugins = [bundleComlink, esbuild({ target: 'es2022', tsconfig: 'tsconfig.json' })];
const bundle = (input, file, banner) => ({ input, output: { file, format: 'es', sourcemap: true, banner }, external, plugins });

// The library's two entries share one chunk, so `ntk-at/internal` helpers work on the main entry's classes.
const entries = { 'ntk-at': 'index', internal: 'internal' };
const selfTypes = (chunk) => `// @ts-self-types="./${chunk.isEntry ? chunk.name : 'shared'}.d.ts"`;

export default [
  // Published (package.json "files"): the library and its internal entry with their types, the CLI and the Worker.
  {
    input: Object.fromEntries(Object.entries(entries).map(([name, file]) => [name, `src/${file}.ts`])),
    output: { dir: 'dist', format: 'es', sourcemap: true, banner: selfTypes, entryFileNames: '[name].js', chunkFileNames: 'chunks/shared.js' },
    external,
    plugins,
  },
  {
    input: Object.fromEntries(Object.entries(entries).map(([name, file]) => [name, `dist/types/${file}.d.ts`])),
    output: { dir: 'dist', format: 'es', entryFileNames: '[name].d.ts', chunkFileNames: 'chunks/shared.d.ts' },
    plugins: [dts({ respectExternal: true })],
  },
  bundle('src/cli/main.ts', 'dist/cli.js', '#!/usr/bin/env node'),
  bundle('src/worker/entry.ts', 'dist/worker.js'),
  // Not published: the benchmark and conformance bundles run by bench/ and test/runners/.
  bundle('bench/index.ts', 'dist/bench.js'),
  bundle('test/conformance/index.ts', 'dist/conformance.js'),
];
