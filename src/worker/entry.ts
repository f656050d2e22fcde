// The module Worker bundle (dist/worker.js): `new Worker('dist/worker.js', { type: 'module' })`
// then connectSession(worker) on the caller's side.

import { exposeSession } from './expose.js';

exposeSession();
