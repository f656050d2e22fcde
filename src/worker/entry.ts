// The Worker bundle (dist/worker.js): `new Worker('dist/worker.js', { type: 'module' })` in browsers
// and Deno, `new Worker('dist/worker.js')` from node:worker_threads in Node; then connectSession(worker).

import { exposeSession } from './expose.js';

await exposeSession();
