// Serves the repository root on 127.0.0.1 (a secure context, so WebGPU is available) and prints
// the live page's URL. Usage: npm run build && node scripts/serve.mjs [port]   (Ctrl-C stops it)

import { serveStatic } from '../test/runners/static-server.mjs';

const port = Number(process.argv[2] ?? 8080);
const root = new URL('..', import.meta.url).pathname;
const server = await serveStatic(root, port);
console.log(`live page: ${server.url}/page/index.html`);
console.log(
  'Chromium without a GPU: start it with --enable-unsafe-webgpu (plus --use-angle=gl-egl --use-webgpu-adapter=opengles on Linux/llvmpipe).',
);
