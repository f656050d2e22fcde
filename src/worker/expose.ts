// The worker side of the session API: serves one TrainingSession over comlink on an endpoint (by
// default the platform's worker scope: a Worker's global scope in browsers and Deno, worker_threads'
// parentPort in Node), so the caller's thread stays free. Thrown NtkErrors arrive typed
// (transfer.ts). A run can be cancelled: it stops after its current step with E_CANCELLED and frees
// the device, so the worker stays usable (terminating a Worker mid-GPU-work aborts Node's Dawn).

import { expose, type Endpoint } from 'comlink';
import { gpuSettled } from '../device/gpu.js';
import { currentPlatform } from '../platform/index.js';
import type { RunResult } from '../run/orchestrator.js';
import type { PartialRecipe } from '../run/recipe.js';
import { TrainingSession, type SessionListener, type SessionOptions } from './session.js';
import { installErrorTransfer } from './transfer.js';

/** What a worker serves: TrainingSession's run, plus cancel() (an AbortSignal cannot cross threads). */
export class ServedSession {
  private readonly session = new TrainingSession();
  private controller = new AbortController();

  /** Runs one recipe (see TrainingSession.run); cancel() stops it after its current step with E_CANCELLED. */
  async run(recipe: PartialRecipe, onEvent: SessionListener, options: Omit<SessionOptions, 'signal'> = {}): Promise<RunResult> {
    this.controller = new AbortController();
    try {
      return await this.session.run(recipe, onEvent, { ...options, signal: this.controller.signal });
    } finally {
      await gpuSettled(); // the device's last error scopes, so terminating the worker now is safe
    }
  }

  /** Cancels the running recipe, if any. */
  cancel(): void {
    this.controller.abort();
  }
}

/** Exposes a fresh ServedSession on `endpoint` (default: this worker's scope, see above). */
export async function exposeSession(endpoint?: Endpoint): Promise<ServedSession> {
  installErrorTransfer(); // errors keep their code and details on the caller's side
  const served = new ServedSession();
  expose(served, endpoint ?? ((await currentPlatform().workerScope()) as Endpoint));
  return served;
}
