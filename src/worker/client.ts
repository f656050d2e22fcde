// The caller's side of the session API: a comlink proxy of the TrainingSession served by a Worker
// (see exposeSession); event listeners cross the thread boundary as comlink proxies.

import { proxy, wrap, type Endpoint, type Remote } from 'comlink';
import { currentPlatform } from '../platform/index.js';
import type { RunResult } from '../run/orchestrator.js';
import type { PartialRecipe } from '../run/recipe.js';
import type { SessionListener, SessionOptions, TrainingSession } from './session.js';

/**
 * The remote TrainingSession of `worker` (a Worker running exposeSession, e.g. dist/worker.js: a
 * module Worker in browsers and Deno, a worker_threads Worker in Node).
 */
export async function connectSession(worker: unknown): Promise<Remote<TrainingSession>> {
  return wrap<TrainingSession>((await currentPlatform().workerEndpoint(worker)) as Endpoint);
}

/** Runs `recipe` on a remote session, delivering its events to `onEvent` on this thread. */
export function runRemote(
  session: Remote<TrainingSession>, recipe: PartialRecipe, onEvent: SessionListener, options: SessionOptions = {},
): Promise<RunResult> {
  return session.run(recipe, proxy(onEvent), options);
}
