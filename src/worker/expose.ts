// The worker side of the session API: serves one TrainingSession over comlink on an endpoint (by
// default the platform's worker scope: a Worker's global scope in browsers and Deno, worker_threads'
// parentPort in Node), so the caller's thread stays free. Thrown NtkErrors arrive typed (transfer.ts).

import { expose, type Endpoint } from 'comlink';
import { currentPlatform } from '../platform/index.js';
import { TrainingSession } from './session.js';
import { installErrorTransfer } from './transfer.js';

/** Exposes a fresh TrainingSession on `endpoint` (default: this worker's scope, see above). */
export async function exposeSession(endpoint?: Endpoint): Promise<TrainingSession> {
  installErrorTransfer(); // errors keep their code and details on the caller's side
  const session = new TrainingSession();
  expose(session, endpoint ?? ((await currentPlatform().workerScope()) as Endpoint));
  return session;
}
