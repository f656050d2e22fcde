// The worker side of the session API: serves one TrainingSession over comlink on an endpoint (by
// default the platform's worker scope: a Worker's global scope in browsers and Deno, worker_threads'
// parentPort in Node), so the caller's thread stays free. Thrown NtkErrors arrive typed
// (transfer.ts). A run can be cancelled: it stops at its next event with E_CANCELLED and frees the
// device, so the worker stays usable (terminating a Worker mid-GPU-work aborts Node's Dawn).

import { expose, type Endpoint } from 'comlink';
import { NtkError } from '../errors.js';
import { currentPlatform } from '../platform/index.js';
import type { EvaluationResult } from '../train/evaluate.js';
import { TrainingSession, type SessionListener, type SessionRequest } from './session.js';
import { installErrorTransfer } from './transfer.js';

/** What a worker serves: TrainingSession's run, plus cancel(). */
export class ServedSession {
  private readonly session = new TrainingSession();
  private cancelled = false;

  /** Runs one request (see TrainingSession.run); after cancel() its next event ends it with E_CANCELLED. */
  run(request: Partial<SessionRequest>, onEvent: SessionListener): Promise<EvaluationResult> {
    this.cancelled = false;
    return this.session.run(request, (event) => {
      // Thrown synchronously, so it unwinds the run whether or not the session awaits this event.
      if (this.cancelled && event.type !== 'error') throw new NtkError('E_CANCELLED', 'the training session was cancelled by its caller.');
      return onEvent(event);
    });
  }

  /** Stops the running request at its next event (a logging interval, kernel check or epoch end). */
  cancel(): void {
    this.cancelled = true;
  }
}

/** Exposes a fresh ServedSession on `endpoint` (default: this worker's scope, see above). */
export async function exposeSession(endpoint?: Endpoint): Promise<ServedSession> {
  installErrorTransfer(); // errors keep their code and details on the caller's side
  const served = new ServedSession();
  expose(served, endpoint ?? ((await currentPlatform().workerScope()) as Endpoint));
  return served;
}
