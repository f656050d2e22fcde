// The worker side of the session API: serves one TrainingSession over comlink on an endpoint (a
// Worker's global scope by default: browsers and Deno alike), so the caller's thread stays free.

import { expose, type Endpoint } from 'comlink';
import { TrainingSession } from './session.js';

/** Exposes a fresh TrainingSession on `endpoint` (default: this worker's global scope). */
export function exposeSession(endpoint: Endpoint = globalThis as unknown as Endpoint): TrainingSession {
  const session = new TrainingSession();
  expose(session, endpoint);
  return session;
}
